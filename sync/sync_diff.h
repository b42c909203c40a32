/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_diff — wanted table vs the kernel's table → the ordered changes that
 * make the kernel match, touching only what kipvs owns. No I/O: changes go
 * to a callback (a vector, or a batching sender).
 *
 * Ownership. A virtual server in the kernel is kipvs's when its address is
 * bound on kube-ipvs0 (the caller passes that set, plus the addresses it is
 * about to bind), or it is on a node address with a port in the NodePort
 * range — and, either way, its address is outside --ipvs-exclude-cidrs.
 * A wanted virtual server is programmed unless excluded; one that is no
 * longer wanted is deleted only when owned (or when the caller knows it
 * programmed it). Everything else is foreign: never edited, never deleted.
 *
 * Per virtual server:
 *   - missing: ADD_SERVICE, then ADD_DEST for each destination;
 *   - present: EDIT_SERVICE in place when scheduler, flags (HASHED
 *     ignored), timeout, netmask or PE differ — never delete and re-add;
 *     ADD_DEST for missing destinations, EDIT_DEST for ones whose weight,
 *     forwarding method or thresholds differ (this returns a draining
 *     destination to weight 1), then the unwanted destinations:
 *       UDP/SCTP: DEL_DEST at once;
 *       TCP: DEL_DEST when active+inactive connections are 0, or once it has
 *       drained for the graceful timeout; otherwise EDIT_DEST to weight 0
 *       and remember it as draining;
 *   - no longer wanted: DEL_SERVICE at once (its destinations go with it).
 * Within one pass: additions and edits first, virtual-server deletions
 * last. The drain state is updated as the changes are emitted.
 */
#ifndef KIPVS_SYNC_DIFF_H
#define KIPVS_SYNC_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ipvs_table.h"
#include "sync_desired.h"
#include "sync_drain.h"
#include "sync_table.h"

/* --- ownership --------------------------------------------------------------- */

struct sync_own {
	struct net_addr *bound; /* sorted */
	size_t n_bound;
	struct net_addr *node; /* sorted */
	size_t n_node;
	struct net_cidr *exclude;
	size_t n_exclude;
	uint16_t nodeport_min, nodeport_max;
};

/* Nothing owned; NodePort range 30000-32767. */
void sync_own_init(struct sync_own *o);
/* The NodePort range (ports of owned virtual servers on node addresses). */
void sync_own_set_nodeport_range(struct sync_own *o, uint16_t min, uint16_t max);
void sync_own_clear(struct sync_own *o);
/* Copies (and sorts) the kube-ipvs0 addresses; _add_bound adds to them. */
int sync_own_set_bound(struct sync_own *o, const struct net_addr *a, size_t n) SYNC_WUR;
int sync_own_add_bound(struct sync_own *o, const struct net_addr *a, size_t n) SYNC_WUR;
int sync_own_set_node(struct sync_own *o, const struct net_addr *a, size_t n) SYNC_WUR;
int sync_own_set_exclude(struct sync_own *o, const struct net_cidr *c, size_t n) SYNC_WUR;
bool sync_own_excluded(const struct sync_own *o, const struct net_addr *a);
/* The ownership rule above, for a virtual server found in the kernel. */
bool sync_own_owns(const struct sync_own *o, const struct ipvs_service *s);

/* --- the diff ------------------------------------------------------------------ */

typedef int (*sync_emit_fn)(void *ctx, const struct ipvs_change *c);

struct sync_diff_stats {
	size_t vs_add, vs_edit, vs_del;
	size_t dest_add, dest_edit, dest_del;
	size_t dest_drain;    /* set to weight 0 in this pass */
	size_t draining;      /* still draining, left alone */
	size_t dest_restored; /* draining and wanted again */
	size_t foreign;       /* unwanted virtual servers not ours: left alone */
	size_t excluded;      /* inside --ipvs-exclude-cidrs: left alone */
};

struct sync_diff {
	const struct sync_own *own;
	struct sync_drain *drain; /* NULL: delete unwanted destinations at once */
	uint64_t now_ms;
	sync_emit_fn emit;
	void *emit_ctx;
	struct sync_diff_stats stats;
	/* scratch, reused between calls */
	uint8_t *mark;
	size_t mark_cap;
	uint32_t *order;
	size_t order_cap;
	int32_t *hmatch;
	size_t hmatch_cap;
};

void sync_diff_init(struct sync_diff *c, const struct sync_own *own, struct sync_drain *drain,
                    uint64_t now_ms, sync_emit_fn emit, void *emit_ctx);
void sync_diff_clear(struct sync_diff *c);

/*
 * One virtual server: @want (NULL = not wanted) against @have (NULL = not in
 * the kernel). @ours says the caller programmed it before (an unwanted one
 * is then deleted even when the ownership rule does not claim it). Errors
 * come from the emit callback or -ENOMEM.
 */
int sync_diff_vs(struct sync_diff *c, const struct ipvs_vs *want, const struct ipvs_vs *have,
                 bool ours) SYNC_WUR;
/*
 * Only the identities in @keys (what sync_desired_update reported): the
 * cost is independent of the table size. @have needs to hold those virtual
 * servers only. Every key counts as ours.
 */
int sync_diff_keys(struct sync_diff *c, const struct sync_desired *d, const struct sync_keys *keys,
                   const struct ipvs_table *have, const struct sync_index *have_idx) SYNC_WUR;

/* A growing vector of changes; sync_changes_emit is a sync_emit_fn. */
struct sync_changes {
	struct ipvs_change *v;
	size_t n, cap;
};
int sync_changes_emit(void *ctx, const struct ipvs_change *c);
void sync_changes_free(struct sync_changes *ch);

const char *sync_op_name(enum ipvs_op op);

#endif
