/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_reconcile — one node's sync passes against the real kernel: the
 * desired table (from the store) made true in IPVS and on kube-ipvs0.
 *
 * Three kinds of pass:
 *   - full: re-reads the node's addresses and the whole kernel table, repairs
 *     any drift, binds what is missing on kube-ipvs0 and, once the changes
 *     are applied, removes addresses nothing wants. Its changes are planned
 *     at once but applied a chunk at a time (sync_reconcile_full_step) so the
 *     caller's event loop keeps serving watch traffic during a large first
 *     sync. The first one may program default/kubernetes before the rest.
 *   - dirty: the services the store marked changed, and only their virtual
 *     servers: cost independent of the table size.
 *   - drain: re-reads the virtual servers with draining destinations and
 *     deletes those whose connections ended or whose time ran out.
 *
 * Never flushes; touches only what it owns (sync_diff.h explains
 * ownership); writes nothing when nothing differs. No event loop here: the
 * daemon (sync_daemon) decides when each pass runs. In dry-run mode (for
 * `kipvs diff`) nothing is written: the plan is kept for the caller.
 */
#ifndef KIPVS_SYNC_RECONCILE_H
#define KIPVS_SYNC_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ipvs.h"
#include "../ipvs/netif.h"
#include "../lib/config.h"
#include "sync_store.h"

#define SYNC_IFNAME "kube-ipvs0"

struct sync_reconcile;

struct sync_reconcile_opts {
	const struct kipvs_config *cfg; /* borrowed, outlives the reconciler */
	struct ipvs_handle *ipvs;       /* borrowed */
	struct netif *netif;            /* borrowed */
	struct sync_store *store;       /* borrowed */
	bool dry_run;
};

/* What the passes did so far (cumulative) and how things stand now. */
struct sync_reconcile_stats {
	/* now */
	size_t vs;       /* wanted virtual servers */
	size_t dests;    /* wanted destinations */
	size_t bound;    /* addresses on kube-ipvs0 */
	size_t draining; /* destinations at weight 0, waiting */
	size_t node_addrs;
	/* cumulative */
	uint64_t kernel_writes; /* IPVS changes sent + address/link changes */
	uint64_t ipvs_changes;
	uint64_t ipvs_failed;
	uint64_t addr_added;
	uint64_t addr_removed;
	uint64_t full_passes;
	uint64_t dirty_passes;
	uint64_t last_errno_count[134]; /* failed changes by errno (< 134) */
	/* the last pass */
	uint64_t last_duration_us;
	size_t last_changes;
};

int sync_reconcile_new(const struct sync_reconcile_opts *o, struct sync_reconcile **out)
    __attribute__((warn_unused_result));
void sync_reconcile_free(struct sync_reconcile *r);

/* This node's zone (Node label or --node-zone). Returns 1 when it changed
 * (every service was marked dirty), 0 when not, -ENOMEM. */
int sync_reconcile_set_zone(struct sync_reconcile *r, const char *zone)
    __attribute__((warn_unused_result));
/* Re-reads the interface addresses. 1 when the node addresses changed (every
 * service marked dirty), 0 when not, -errno. */
int sync_reconcile_refresh_node(struct sync_reconcile *r) __attribute__((warn_unused_result));

/*
 * Plans a full pass: node addresses, desired table, kube-ipvs0 (created and
 * the wanted addresses bound), the kernel dump and the diff. With
 * @kubernetes_first the default/kubernetes service is applied before
 * planning the rest. Returns the number of changes left to apply.
 */
int sync_reconcile_full_begin(struct sync_reconcile *r, uint64_t now_ms, bool kubernetes_first)
    __attribute__((warn_unused_result));
/* Applies up to @max planned changes; when none are left, finishes the pass
 * (addresses nothing wants are removed). Returns the changes still left (0 =
 * the pass is over). */
int sync_reconcile_full_step(struct sync_reconcile *r, size_t max)
    __attribute__((warn_unused_result));
bool sync_reconcile_full_pending(const struct sync_reconcile *r);

/* Applies the store's dirty services. Returns the changes sent (>= 0). */
int sync_reconcile_dirty(struct sync_reconcile *r, uint64_t now_ms)
    __attribute__((warn_unused_result));
/* Re-checks draining destinations. Returns the changes sent (>= 0). */
int sync_reconcile_drain(struct sync_reconcile *r, uint64_t now_ms)
    __attribute__((warn_unused_result));
/* When the earliest draining destination times out (UINT64_MAX: none). */
uint64_t sync_reconcile_drain_deadline(const struct sync_reconcile *r);

void sync_reconcile_stats(const struct sync_reconcile *r, struct sync_reconcile_stats *out);

/* Dry run: the planned IPVS changes and kube-ipvs0 address changes. */
const struct ipvs_change *sync_reconcile_plan(const struct sync_reconcile *r, size_t *n);
void sync_reconcile_addr_plan(const struct sync_reconcile *r, const struct net_addr **add,
                              size_t *n_add, const struct net_addr **del, size_t *n_del);
/* The wanted table (for kipvs diff / render of the live cluster). */
const struct sync_desired *sync_reconcile_desired(const struct sync_reconcile *r);

#endif
