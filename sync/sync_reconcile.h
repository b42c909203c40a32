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
	uint64_t events_to_kernel;      /* dirty passes that programmed a watch event */
	/* the last pass */
	uint64_t last_duration_us;
	size_t last_changes;
	/* The last of events_to_kernel: from the event's bytes reaching kipvs
	 * to the kernel's ack of the changes it caused. */
	uint64_t last_event_to_kernel_us;
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
 * Starts a full pass: node addresses, desired table, kube-ipvs0 (created and
 * the wanted addresses bound), the kernel dump. With @kubernetes_first the
 * default/kubernetes service is applied before the rest. Returns 1 (the
 * pass is under way; sync_reconcile_full_step does the rest) or -errno.
 */
int sync_reconcile_full_begin(struct sync_reconcile *r, uint64_t now_ms, bool kubernetes_first)
    __attribute__((warn_unused_result));
/* Diffs the next virtual servers until about @max changes are planned and
 * applies them; at the end finishes the pass (addresses nothing wants are
 * removed). Returns 1 while more remains, 0 when the pass is over. */
int sync_reconcile_full_step(struct sync_reconcile *r, size_t max)
    __attribute__((warn_unused_result));
bool sync_reconcile_full_pending(const struct sync_reconcile *r);

/*
 * A watch event that arrived at @rx_us (kube_reflector_event_rx_us(); 0 is
 * ignored) changed the store: the next dirty pass that writes the kernel
 * logs and counts the latency from the oldest such arrival.
 */
void sync_reconcile_note_event(struct sync_reconcile *r, uint64_t rx_us);
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
