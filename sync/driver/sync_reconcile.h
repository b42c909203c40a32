/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_reconcile — one node's sync passes: the desired table (from the
 * store) made true in IPVS and on kube-ipvs0, through struct sync_ops (the
 * kernel, an in-memory kernel in tests, or a recorder for `kipvs diff`).
 *
 * Each pass programs the packet filter too (kipvs's nftables tables,
 * sync_nft.h): its additions before the pass's IPVS changes, its removals
 * after them.
 *
 * Three kinds of pass:
 *   - full: re-reads the node's addresses, binds what is missing on
 *     kube-ipvs0, reads the kernel's virtual servers and then each one's
 *     destinations as the pass reaches it, repairs any drift and, once the
 *     changes are applied, removes addresses nothing wants. It is planned and
 *     applied a chunk at a time (sync_reconcile_full_step) so the caller's
 *     event loop keeps serving watch traffic during a large first sync. The
 *     first one may program default/kubernetes before the rest.
 *   - dirty: the services the store marked changed, and only their virtual
 *     servers: cost independent of the table size.
 *   - drain: re-reads the virtual servers with draining destinations and
 *     deletes those whose connections ended or whose time ran out.
 *
 * After a pass's IPVS changes, the conntrack entries they leave stale
 * (sync_ct.h) go to the backend's ct_clean, once per pass.
 *
 * Never flushes; touches only what it owns (sync_diff.h explains
 * ownership); writes nothing when nothing differs. No event loop here: the
 * daemon (sync_daemon) decides when each pass runs.
 *
 * Failures. A pass that fails (the kernel exchange, the link, memory) is
 * logged once (event=sync_failed kind=... err=...), counted (failed_passes)
 * and its work is kept: the virtual servers a dirty or drain pass took on
 * are retried by the next dirty pass (sync_reconcile_pending() says one is
 * due), a full pass is left for the caller to start again. Single changes
 * the kernel refuses are logged (the first 20 of a pass) and counted by
 * errno; the next full pass retries what is still different.
 */
#ifndef KIPVS_SYNC_RECONCILE_H
#define KIPVS_SYNC_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/config.h"
#include "../sync_diff.h"
#include "../sync_ops.h"
#include "../sync_store.h"
#include "sync_nft.h"

#define SYNC_IFNAME "kube-ipvs0"
/* Failed changes are counted by errno below this bound (EHWPOISON + 1). */
#define SYNC_ERRNO_MAX 134

struct sync_reconcile;

struct sync_reconcile_opts {
	const struct kipvs_config *cfg; /* borrowed, outlives the reconciler */
	const struct sync_ops *ops;     /* the kernel */
	void *be;                       /* borrowed: the ops' backend */
	struct sync_store *store;       /* borrowed */
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
	uint64_t failed_passes;                    /* passes that stopped on an error */
	uint64_t last_errno_count[SYNC_ERRNO_MAX]; /* failed changes by errno */
	uint64_t events_to_kernel;                 /* dirty passes that programmed a watch event */
	uint64_t ct_targets;                       /* conntrack clean-up targets handed on */
	/* the last pass */
	uint64_t last_duration_us;
	size_t last_changes;
	struct sync_diff_stats last_diff; /* its decisions (a full pass: all its chunks) */
	/* The last of events_to_kernel: from the event's bytes reaching kipvs
	 * to the kernel's ack of the changes it caused. */
	uint64_t last_event_to_kernel_us;
	/* the packet filter (its writes are in kernel_writes too) */
	struct sync_nft_stats nft;
};

int sync_reconcile_new(const struct sync_reconcile_opts *o, struct sync_reconcile **out)
    __attribute__((warn_unused_result));
void sync_reconcile_free(struct sync_reconcile *r);

/* This node's zone (Node label or --node-zone). *changed (may be NULL) says
 * it changed and every service was marked dirty. 0 or -ENOMEM. */
int sync_reconcile_set_zone(struct sync_reconcile *r, const char *zone, bool *changed)
    __attribute__((warn_unused_result));
/* The Node's spec.podCIDRs (--detect-local-mode=NodeCIDR tells pods by
 * them). *changed (may be NULL): the filter's rules changed; the next full
 * pass replaces them (sync_reconcile_full_wanted). 0 or -errno. */
int sync_reconcile_set_pod_cidrs(struct sync_reconcile *r, const struct net_cidr *cidrs, size_t n,
                                 bool *changed) __attribute__((warn_unused_result));
/* Re-reads the interface addresses. *changed (may be NULL): the node
 * addresses changed and every service was marked dirty. 0 or -errno. */
int sync_reconcile_refresh_node(struct sync_reconcile *r, bool *changed)
    __attribute__((warn_unused_result));

/*
 * Starts a full pass: node addresses, desired table, kube-ipvs0 (created and
 * the wanted addresses bound), the kernel's virtual servers. With
 * @kubernetes_first the default/kubernetes service is applied before the
 * rest. 0 (the pass is under way, or already was; sync_reconcile_full_step
 * does the rest) or -errno (no pass).
 */
int sync_reconcile_full_begin(struct sync_reconcile *r, uint64_t now_ms, bool kubernetes_first)
    __attribute__((warn_unused_result));
/* Diffs the next virtual servers until about @max changes are planned and
 * applies them; at the end finishes the pass (addresses nothing wants are
 * removed). *more says whether the pass goes on. 0, or -errno: the pass
 * stopped there (nothing is unbound). */
int sync_reconcile_full_step(struct sync_reconcile *r, size_t max, bool *more)
    __attribute__((warn_unused_result));
bool sync_reconcile_full_pending(const struct sync_reconcile *r);

/*
 * A watch event that arrived at @rx_us (kube_reflector_event_rx_us(); 0 is
 * ignored) changed the store: the next dirty pass that writes the kernel
 * logs and counts the latency from the oldest such arrival.
 */
void sync_reconcile_note_event(struct sync_reconcile *r, uint64_t rx_us);
/* True when a dirty pass has work: dirty services, or virtual servers a
 * failed pass left to retry. */
bool sync_reconcile_pending(const struct sync_reconcile *r);
/* Applies the store's dirty services (and what a failed pass left). *sent
 * (may be NULL): the changes sent. 0 or -errno (the work is kept). */
int sync_reconcile_dirty(struct sync_reconcile *r, uint64_t now_ms, size_t *sent)
    __attribute__((warn_unused_result));
/* Re-checks draining destinations. *sent as above. 0 or -errno. */
int sync_reconcile_drain(struct sync_reconcile *r, uint64_t now_ms, size_t *sent)
    __attribute__((warn_unused_result));
/* When the earliest draining destination times out (UINT64_MAX: none). */
uint64_t sync_reconcile_drain_deadline(const struct sync_reconcile *r);

void sync_reconcile_stats(const struct sync_reconcile *r, struct sync_reconcile_stats *out);

/* The wanted table (for metrics). */
const struct sync_desired *sync_reconcile_desired(const struct sync_reconcile *r);
/* The wanted packet filter (diff, metrics). */
const struct sync_filter *sync_reconcile_filter(const struct sync_reconcile *r);
/* A full pass is due soon: the filter found a table or set gone, or its
 * rules changed. */
bool sync_reconcile_full_wanted(const struct sync_reconcile *r);
/* This node as the passes see it (name, zone, NodePort addresses), for what
 * else is computed from the store after a pass (health-check node ports). */
const struct sync_node *sync_reconcile_node(const struct sync_reconcile *r);

#endif
