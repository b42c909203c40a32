/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_ctclean — the daemon's conntrack clean-up: carries out the plans the
 * passes make (sync_ct.h) on a worker thread, so the event loop never waits
 * for the kernel's table.
 *
 * Why a thread: finding entries means a dump, and even a kernel-filtered
 * dump walks the whole table inside one system call (the kernel fills a
 * dump message until it is full, and a filter that matches little never
 * fills it). Measured at 100,000 entries in the test VM: 140 ms for that one
 * call — far past what a loop turn may take. The loop's share is copying the
 * plan in and reading the result back (microseconds); the dumps and the
 * deletions run on the worker (SCHED_BATCH: it never preempts the loop when
 * woken), one plan after another, in the order the passes made them. The worker only talks to the
 * kernel; everything else (logs, metrics) happens on the loop when a result comes back (ev_async).
 *
 * A kernel without ctnetlink (nf_conntrack_netlink) is found at start: one
 * warning, no thread, and every target is counted as unavailable — IPVS
 * programming is unaffected.
 *
 * Metrics (when a registry is given):
 *   kipvs_conntrack_cleanup_total{result="ok"|"error"|"unavailable"}  targets
 *   kipvs_conntrack_entries_deleted_total
 *   kipvs_conntrack_cleanup_available                       1 or 0
 *   kipvs_conntrack_cleanup_duration_seconds                worker time per plan
 * Logs: event=conntrack_cleanup per plan that deleted or failed something
 * (debug otherwise), event=conntrack_deleted per entry (debug),
 * event=conntrack_cleanup_failed per failed dump or deletion (the first 20
 * of a plan).
 */
#ifndef KIPVS_SYNC_CTCLEAN_H
#define KIPVS_SYNC_CTCLEAN_H

#include <stdbool.h>
#include <stdint.h>

#include "../sync_ct.h"

struct ev_loop;
struct metrics;
struct sync_ctclean;

struct sync_ctclean_stats {
	bool available;
	uint64_t plans;                        /* carried out */
	uint64_t ok, failed, unavailable;      /* targets */
	uint64_t deleted, gone, delete_failed; /* entries (gone: deleted by someone else first) */
	uint64_t last_worker_us, last_loop_us; /* the last plan: on the worker, on the loop */
	uint64_t last_targets, last_dumps;
};

/* Opens ctnetlink and starts the worker; @reg (may be NULL) gets the
 * metrics. 0 (also when ctnetlink is missing: then it is only counted) or
 * -errno. */
int sync_ctclean_new(struct ev_loop *loop, struct metrics *reg, struct sync_ctclean **out)
    __attribute__((warn_unused_result));
/* Stops the worker (after the plan it is carrying out) and frees what waits. */
void sync_ctclean_free(struct sync_ctclean *c);
/* Queues a copy of @p. 0 or -ENOMEM. */
int sync_ctclean_submit(struct sync_ctclean *c, const struct sync_ct_plan *p)
    __attribute__((warn_unused_result));
/* True while plans are queued or being carried out. */
bool sync_ctclean_busy(struct sync_ctclean *c);
void sync_ctclean_stats(const struct sync_ctclean *c, struct sync_ctclean_stats *out);

#endif
