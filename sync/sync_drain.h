/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_drain — which destinations are draining (weight 0, waiting for their
 * connections to end) and since when. Time is always passed in (@now, in
 * milliseconds of any monotonic clock), so the rules are testable.
 *
 * The state is a cache, not a source of truth: after a restart it is
 * re-derived from the kernel by the diff (an owned weight-0 destination that
 * is not wanted is draining, since now).
 */
#ifndef KIPVS_SYNC_DRAIN_H
#define KIPVS_SYNC_DRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ipvs_table.h"
#include "sync_table.h"

#define SYNC_GRACEFUL_TIMEOUT_MS (15ULL * 60 * 1000) /* --ipvs-graceful-timeout */

struct sync_drain;

int sync_drain_new(struct sync_drain **out, uint64_t timeout_ms)
    __attribute__((warn_unused_result));
void sync_drain_free(struct sync_drain *d);
/* How long a TCP destination may drain before it is deleted anyway. */
uint64_t sync_drain_timeout(const struct sync_drain *d);

/* True (with the start time in @since) when @dest of @vs is draining. */
bool sync_drain_get(const struct sync_drain *d, const struct ipvs_service *vs,
                    const struct ipvs_dest *dest, uint64_t *since);
/* True when some destination of @vs is draining (one lookup). */
bool sync_drain_has_vs(const struct sync_drain *d, const struct ipvs_service *vs);
/* Records @dest as draining since @now (kept if already draining). */
int sync_drain_start(struct sync_drain *d, const struct ipvs_service *vs,
                     const struct ipvs_dest *dest, uint64_t now)
    __attribute__((warn_unused_result));
void sync_drain_stop(struct sync_drain *d, const struct ipvs_service *vs,
                     const struct ipvs_dest *dest);
/* Forgets every destination of @vs (the virtual server went away). */
void sync_drain_forget_vs(struct sync_drain *d, const struct ipvs_service *vs);
/* Forgets the destinations of @have->svc that are not in @have any more. */
void sync_drain_prune(struct sync_drain *d, const struct ipvs_vs *have);
size_t sync_drain_count(const struct sync_drain *d);
/* When the earliest draining destination times out (UINT64_MAX: none). */
uint64_t sync_drain_next_deadline(const struct sync_drain *d);
/* Adds the identity of every virtual server with a draining destination
 * (so the caller can re-read their connection counters). 0 or -ENOMEM. */
int sync_drain_vs_keys(const struct sync_drain *d, struct sync_keys *out)
    __attribute__((warn_unused_result));

#endif
