/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_sort — the order in which ipvsadm 1.31 lists and saves a table.
 *
 * ipvsadm sorts services, and the destinations of each service, with glibc's
 * qsort() and comparators that subtract unsigned 32-bit values and keep the
 * result as a signed int. The subtraction wraps, so the order is not the
 * numeric one (10.96.0.1 sorts after 192.168.1.1, fwmark 4294967295 before
 * every address service) and, for fwmarks of 2^31 and more, the comparator is
 * not even transitive: the result then depends on the algorithm. Debian 12's
 * glibc (2.36) qsort is a top-down merge sort, which this module implements
 * itself, making exactly the same comparisons, so the output does not depend
 * on the platform's qsort (musl's differs, and glibc falls back to quicksort
 * when memory is short).
 *
 * The input order must be the kernel's dump order (what --nosort shows). Sorts
 * arrays of pointers; the table itself is never modified.
 */
#ifndef KIPVS_IPVS_SORT_H
#define KIPVS_IPVS_SORT_H

#include <stddef.h>

#include "../ipvs_table.h"
#include "../ipvs_types.h"

/*
 * ipvsadm's service comparator: fwmark, family, protocol, address (IPv6 word
 * by word when @a is IPv6, else the IPv4 word), port — each step a wrapping
 * 32-bit subtraction read as int. <0, 0, >0 like strcmp.
 */
int ipvs_sort_cmp_services(const struct ipvs_service *a, const struct ipvs_service *b);
/* ipvsadm's destination comparator: address (by @a's family), then port. */
int ipvs_sort_cmp_dests(const struct ipvs_dest *a, const struct ipvs_dest *b);

typedef int (*ipvs_sort_cmp_fn)(const void *a, const void *b);

/*
 * Sorts @n pointers in place with glibc 2.36's merge sort: split into a left
 * half of n/2 and a right half of n - n/2, sort both, merge taking the left
 * element while cmp(left, right) <= 0. @cmp receives the pointers stored in
 * @v. 0 or -ENOMEM (then @v is unchanged).
 */
int ipvs_msort(const void **v, size_t n, ipvs_sort_cmp_fn cmp) __attribute__((warn_unused_result));

/*
 * The virtual servers of @t in ipvsadm's listing order (or dump order when
 * @sort is false): *out is a new array of t->n pointers into @t, which the
 * caller frees. 0 or -ENOMEM.
 */
int ipvs_sort_services(const struct ipvs_table *t, bool sort, const struct ipvs_vs ***out)
    __attribute__((warn_unused_result));
/* The same for the destinations of @vs. */
int ipvs_sort_dests(const struct ipvs_vs *vs, bool sort, const struct ipvs_dest ***out)
    __attribute__((warn_unused_result));

#endif
