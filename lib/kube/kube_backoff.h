/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_backoff — delays between failed attempts: exponential, jittered,
 * bounded, forgiving.
 *
 * The n-th consecutive failure waits a random time in [c/2, c] (never below
 * the minimum), where c doubles from the minimum up to the maximum. Jitter
 * keeps a fleet of nodes from retrying in lockstep; the floor keeps a broken
 * server from being hammered. After @reset_after seconds without a failure
 * the sequence starts over (client-go: 2 minutes of healthy running).
 *
 * Pure: the caller passes the time and a random number, so tests are exact.
 */
#ifndef KIPVS_KUBE_BACKOFF_H
#define KIPVS_KUBE_BACKOFF_H

#include <stdint.h>

struct kube_backoff {
	uint32_t min_ms, max_ms;
	uint32_t cur_ms; /* 0 = no failure yet */
	double reset_after;
	double last_fail;
};

#define KUBE_BACKOFF_MIN_MS 500
#define KUBE_BACKOFF_MAX_MS 30000
#define KUBE_BACKOFF_RESET  120.0

void kube_backoff_init(struct kube_backoff *b, uint32_t min_ms, uint32_t max_ms,
                       double reset_after);
/* A failure at @now (seconds, monotonic): the delay to wait, in ms. */
uint32_t kube_backoff_next(struct kube_backoff *b, double now, uint32_t rnd);
void kube_backoff_reset(struct kube_backoff *b);

#endif
