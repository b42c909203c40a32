/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_lines — cuts a byte stream into lines, with a hard cap per line.
 *
 * A watch body is one JSON object per line (the apiserver writes compact
 * JSON and a '\n' after each event), delivered by libcurl in slices of any
 * size: one event may span many slices, one slice may hold many events.
 * kube_lines keeps the incomplete tail between slices. A line longer than the
 * cap is an error (-EMSGSIZE): the caller drops the stream, since skipping to
 * the next '\n' would silently lose an event.
 */
#ifndef KIPVS_KUBE_LINES_H
#define KIPVS_KUBE_LINES_H

#include <stdbool.h>
#include <stddef.h>

struct kube_lines {
	char *buf; /* incomplete tail */
	size_t len, alloc;
	size_t max; /* the longest line accepted, '\n' excluded */
};

/* Called per complete line (no '\n', trailing '\r' removed, never empty). A
 * nonzero return stops feeding and is returned by kube_lines_feed(). */
typedef int (*kube_line_fn)(void *ctx, const char *line, size_t len);

void kube_lines_init(struct kube_lines *l, size_t max);
/* Forgets the tail (a new stream starts). */
void kube_lines_reset(struct kube_lines *l);
void kube_lines_free(struct kube_lines *l);

/*
 * Feeds @len bytes. Returns 0, the first nonzero value of @fn, -EMSGSIZE when
 * a line exceeds the cap, or -ENOMEM. After an error the tail is dropped.
 */
int kube_lines_feed(struct kube_lines *l, const char *data, size_t len, kube_line_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* Bytes of an incomplete line waiting for its end. */
static inline size_t kube_lines_pending(const struct kube_lines *l)
{
	return l->len;
}

#endif
