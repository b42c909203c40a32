/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_lines.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A tail buffer above this size is released once empty: one huge event
 * should not pin its memory for the life of the watch. */
#define KEEP_ALLOC (256u << 10)

void kube_lines_init(struct kube_lines *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
}

void kube_lines_reset(struct kube_lines *l)
{
	l->len = 0;
	if (l->alloc > KEEP_ALLOC) {
		free(l->buf);
		l->buf = NULL;
		l->alloc = 0;
	}
}

void kube_lines_free(struct kube_lines *l)
{
	free(l->buf);
	l->buf = NULL;
	l->len = l->alloc = 0;
}

static int emit(const char *p, size_t n, kube_line_fn fn, void *ctx)
{
	if (n && p[n - 1] == '\r')
		n--;
	return n ? fn(ctx, p, n) : 0;
}

static int append(struct kube_lines *l, const char *p, size_t n)
{
	if (l->len + n > l->max + 1) /* + a possible trailing '\r' */
		return -EMSGSIZE;
	if (l->len + n > l->alloc) {
		size_t na = l->alloc ? l->alloc : 4096;
		char *nb;

		while (na < l->len + n)
			na *= 2;
		if (na > l->max + 1)
			na = l->max + 1;
		nb = realloc(l->buf, na);
		if (!nb)
			return -ENOMEM;
		l->buf = nb;
		l->alloc = na;
	}
	memcpy(l->buf + l->len, p, n);
	l->len += n;
	return 0;
}

int kube_lines_feed(struct kube_lines *l, const char *data, size_t len, kube_line_fn fn, void *ctx)
{
	const char *p = data, *end = data + len;
	int r = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (!nl) {
			r = append(l, p, n);
			break;
		}
		if (l->len) {
			/* finish the pending line */
			r = append(l, p, n);
			if (r)
				break;
			if (l->len > l->max + (l->buf[l->len - 1] == '\r')) {
				r = -EMSGSIZE;
				break;
			}
			r = emit(l->buf, l->len, fn, ctx);
			l->len = 0;
		} else if (n > l->max + (n && p[n - 1] == '\r')) {
			r = -EMSGSIZE;
		} else {
			/* a whole line inside this slice: no copy */
			r = emit(p, n, fn, ctx);
		}
		if (r)
			break;
		p = nl + 1;
	}
	if (r)
		kube_lines_reset(l);
	else if (!l->len && l->alloc > KEEP_ALLOC)
		kube_lines_reset(l);
	return r;
}
