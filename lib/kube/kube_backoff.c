/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_backoff.h"

void kube_backoff_init(struct kube_backoff *b, uint32_t min_ms, uint32_t max_ms, double reset_after)
{
	b->min_ms = min_ms ? min_ms : 1;
	b->max_ms = max_ms < b->min_ms ? b->min_ms : max_ms;
	b->reset_after = reset_after;
	b->cur_ms = 0;
	b->last_fail = 0;
}

void kube_backoff_reset(struct kube_backoff *b)
{
	b->cur_ms = 0;
}

uint32_t kube_backoff_next(struct kube_backoff *b, double now, uint32_t rnd)
{
	uint32_t lo, span, d;

	if (b->cur_ms && now - b->last_fail > b->reset_after)
		b->cur_ms = 0;
	b->last_fail = now;
	if (!b->cur_ms)
		b->cur_ms = b->min_ms;
	else if (b->cur_ms > b->max_ms / 2)
		b->cur_ms = b->max_ms;
	else
		b->cur_ms *= 2;
	lo = b->cur_ms / 2;
	span = b->cur_ms - lo;
	d = lo + (span ? rnd % (span + 1) : 0);
	return d < b->min_ms ? b->min_ms : d;
}
