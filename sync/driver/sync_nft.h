/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_nft — the packet filter's part of the sync passes: the filter the
 * store wants (sync/sync_filter.h) made true in kipvs's two nftables tables,
 * through the nftables group of the seam (sync_ops.h): the kernel, the
 * in-memory kernel of the unit tests, or `kipvs diff`'s recorder.
 *
 * How the passes call it (sync_reconcile does):
 *
 *   full pass   sync_nft_full_pre() before any IPVS change: recomputes every
 *               Service, reads both tables back; a table that is missing or
 *               not exactly what kipvs builds (a rule, chain or set changed,
 *               something added) is replaced whole in one transaction
 *               (delete + create + every element: no moment without rules);
 *               otherwise only the elements differ, and the additions go now.
 *               sync_nft_full_post() after the IPVS changes: the removals.
 *   dirty pass  sync_nft_update() per dirty Service (with sync_desired's),
 *               sync_nft_dirty_pre() before the IPVS changes (additions),
 *               sync_nft_dirty_post() after them (removals). Nothing is read.
 *
 * So an element a new destination needs (masquerade, hairpin, an allowed
 * source) is in place before IPVS sends traffic there, and one going away is
 * removed after IPVS stopped using it. A pass whose changes are all
 * additions (or all removals) sends one transaction; nothing changed, none.
 * Ranges (lb_allow) change in the first transaction, removals before
 * additions, since overlapping ranges cannot coexist.
 *
 * Failures never stop a pass or touch the IPVS side. An element the kernel
 * refuses is logged (event=nft_element_failed, with the set and element),
 * counted and dropped from the transaction, which is sent again without it;
 * the next full pass tries it again. A refused table or set is logged
 * (event=nft_transaction_failed) and asks for a full pass soon
 * (sync_nft_need_full). A kernel without nf_tables is logged once
 * (event=nft_unavailable); the passes go on without the filter and each full
 * pass looks again.
 */
#ifndef KIPVS_SYNC_NFT_H
#define KIPVS_SYNC_NFT_H

#include <stdbool.h>
#include <stdint.h>

#include "../sync_filter.h"
#include "../sync_ops.h"

struct sync_nft;

struct sync_nft_stats {
	bool available;        /* nf_tables answered last time it was asked */
	uint64_t writes;       /* transactions sent */
	uint64_t txn_ok;       /* ... applied as sent */
	uint64_t txn_failed;   /* ... refused (in part) or not answered */
	uint64_t elems_sent;   /* element additions and removals sent */
	uint64_t elems_failed; /* elements the kernel refused */
	uint64_t rebuilds;     /* tables created or replaced whole */
	uint64_t last_txn_us;  /* the last transaction, send to last answer */
	/* the last full pass's first transaction: what a cold start costs */
	uint64_t last_full_txn_us;
	size_t last_full_elems;
	size_t elems[SYNC_FILTER_FAMS][FSET_N]; /* wanted, now */
};

/* @ops/@be borrowed. 0, -EINVAL (options the rules cannot express), -ENOMEM. */
int sync_nft_new(const struct sync_ops *ops, void *be, const struct sync_filter_opts *fo,
                 struct sync_nft **out) __attribute__((warn_unused_result));
void sync_nft_free(struct sync_nft *n);
/* The desired filter (render, diff). */
const struct sync_filter *sync_nft_filter(const struct sync_nft *n);
/* New options: when the rules change the next full pass replaces the tables
 * (sync_nft_need_full() says one is due). 0 or -EINVAL / -ENOMEM. */
int sync_nft_set_opts(struct sync_nft *n, const struct sync_filter_opts *fo)
    __attribute__((warn_unused_result));

/* The Node's spec.podCIDRs: with --detect-local-mode=NodeCIDR the rules
 * follow them. *changed (may be NULL): they did. 0 or -errno. */
int sync_nft_set_pod_cidrs(struct sync_nft *n, const struct kipvs_config *cfg,
                           const struct net_cidr *cidrs, size_t n_cidrs, bool *changed)
    __attribute__((warn_unused_result));
/* A dirty Service: its elements recomputed. 0 or -ENOMEM. */
int sync_nft_update(struct sync_nft *n, const struct sync_store *st, const struct sync_node *node,
                    const char *key) __attribute__((warn_unused_result));
/* The full pass's filter work before IPVS, and after. 0 or -ENOMEM. */
int sync_nft_full_pre(struct sync_nft *n, const struct sync_store *st, const struct sync_node *node)
    __attribute__((warn_unused_result));
void sync_nft_full_post(struct sync_nft *n);
/* A dirty pass's, before IPVS and after. 0 or -ENOMEM. */
int sync_nft_dirty_pre(struct sync_nft *n) __attribute__((warn_unused_result));
void sync_nft_dirty_post(struct sync_nft *n);
/* A transaction found a table or set gone, or the options changed: a full
 * pass should run soon. Cleared when one starts. */
bool sync_nft_need_full(const struct sync_nft *n);

void sync_nft_stats(const struct sync_nft *n, struct sync_nft_stats *out);

/* `kipvs cleanup`: deletes kipvs's tables where they exist (through @ops).
 * *removed: how many. 0, -EOPNOTSUPP (no nf_tables: nothing to remove) or
 * -errno. With @dry_run only counts. */
int sync_nft_remove(const struct sync_ops *ops, void *be, bool dry_run, size_t *removed)
    __attribute__((warn_unused_result));

#endif
