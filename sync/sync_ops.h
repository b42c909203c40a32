/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_ops — the kernel behind a small ops table, and one sync pass over it.
 *
 * The daemon passes the netlink implementation (ipvs.h), unit tests and
 * benchmarks an in-memory table (sync_mem.h). A pass reads the kernel side
 * (a whole dump, or just the virtual servers a change touched), diffs it
 * against the wanted table and sends the changes in batches. Failed changes
 * are logged (op, virtual server, destination, errno) and counted; the next
 * pass retries what is still different.
 *
 * Adapter for the netlink module (ipvs.h), in the daemon:
 *   static int nl_dump(void *h, struct ipvs_table *t) { return ipvs_dump_table(h, t); }
 *   static int nl_apply(void *h, struct ipvs_change *c, size_t n, size_t *f)
 *   { return ipvs_apply(h, c, n, f); }
 *   get_vs: ipvs_get_service() into a new table entry, then ipvs_dump_dests().
 */
#ifndef KIPVS_SYNC_OPS_H
#define KIPVS_SYNC_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "sync_diff.h"

struct sync_ops {
	/* Appends the whole table (services and destinations). 0 or -errno. */
	int (*dump)(void *be, struct ipvs_table *out);
	/* Appends the virtual server @id with its destinations; -ESRCH when
	 * absent. Optional: without it a keyed pass dumps everything. */
	int (*get_vs)(void *be, const struct ipvs_service *id, struct ipvs_table *out);
	/* Sends @n changes in order, setting each one's err (0 or -errno).
	 * Returns 0 when the exchange worked, -errno when it did not. */
	int (*apply)(void *be, struct ipvs_change *changes, size_t n, size_t *n_failed);
};

struct sync_run {
	const struct sync_ops *ops;
	void *be;
	const struct sync_own *own;
	struct sync_drain *drain; /* NULL: no graceful termination */
	uint64_t now_ms;
	size_t batch; /* changes per apply call; 0 = 256 */
};

struct sync_result {
	struct sync_diff_stats diff;
	size_t sent;   /* changes sent */
	size_t failed; /* changes the kernel refused */
};

/* Dump, diff the whole wanted table, apply. 0 or -errno (dump/transport). */
int sync_run_full(const struct sync_run *r, const struct sync_desired *d,
                  struct sync_result *res) SYNC_WUR;
/* Only the identities in @keys (a dirty pass). */
int sync_run_keys(const struct sync_run *r, const struct sync_desired *d,
                  const struct sync_keys *keys, struct sync_result *res) SYNC_WUR;
/* A plain wanted table (tests, `kipvs diff` of a rendered table). */
int sync_run_table(const struct sync_run *r, const struct ipvs_table *want,
                   struct sync_result *res) SYNC_WUR;

#endif
