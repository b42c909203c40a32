/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bsearch — the one binary search, for any sorted sequence: @cmp compares
 * element @i with the key the caller has in mind (< 0: the element sorts
 * before it). Inline, so a constant @cmp is inlined too (the diff calls it in
 * its hot loop).
 */
#ifndef KIPVS_BSEARCH_H
#define KIPVS_BSEARCH_H

#include <stdbool.h>
#include <stddef.h>

/* The first position whose element is not before the key (@n when none);
 * *found (may be NULL) when that element equals it. */
static inline size_t bsearch_lower(size_t n, int (*cmp)(const void *ctx, size_t i), const void *ctx,
                                   bool *found)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(ctx, mid) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (found)
		*found = lo < n && cmp(ctx, lo) == 0;
	return lo;
}

#endif
