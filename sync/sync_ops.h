/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_ops — the kernel as the sync passes see it: a small table of reads
 * and writes, so every pass (full, dirty, drain) runs the same code against
 * the kernel (sync_nl.h), an in-memory kernel in unit tests (sync_mem.h), or
 * a recorder that writes nothing (sync_record.h, `kipvs diff`).
 *
 * The members are grouped by kernel subsystem. Each group has the reads a
 * full pass needs to find drift and the writes that repair it. A further
 * subsystem the passes program adds a group of its own: its reads and one
 * apply, which sync_reconcile calls at fixed points of every pass, and
 * which the recorder records like the others. The nftables group's apply is
 * called by sync_nft (sync/driver/sync_nft.h) before a pass's IPVS changes
 * (what they need: additions) and after them (removals).
 *
 * Every member returns 0 (or the value named) or -errno, and is required.
 */
#ifndef KIPVS_SYNC_OPS_H
#define KIPVS_SYNC_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ipvs_table.h"
#include "../ipvs/ipvs_types.h"
#include "../ipvs/netif.h"
#include "../ipvs/nft_types.h"
#include "sync_ct.h"
#include "sync_table.h"

/* Changes per apply call (one pipelined netlink exchange). */
#define SYNC_APPLY_BATCH 1024

struct sync_ops {
	/* --- IPVS ------------------------------------------------------------- */
	/* Appends every virtual server, without destinations, to @out. */
	int (*services)(void *be, struct ipvs_table *out);
	/* Appends the destinations of @vs->svc to @vs. -ESRCH when the virtual
	 * server is gone. */
	int (*dests)(void *be, struct ipvs_vs *vs);
	/* Reads the virtual server whose identity @inout holds. -ESRCH (or
	 * -ENOENT) when absent. */
	int (*service)(void *be, struct ipvs_service *inout);
	/* Sends @n changes in order, setting each one's err (0 or -errno) and
	 * *n_failed. 0 when the exchange worked, -errno when it did not (the
	 * changes from the first unanswered one on carry an error too). */
	int (*apply)(void *be, struct ipvs_change *changes, size_t n, size_t *n_failed);
	int (*get_timeouts)(void *be, struct ipvs_timeouts *out);
	int (*set_timeouts)(void *be, const struct ipvs_timeouts *t);

	/* --- interfaces and addresses (kube-ipvs0, the node's own) ------------ */
	/* The interface's index, -ENODEV when absent. */
	int (*link_index)(void *be, const char *name);
	/* Creates the dummy interface unless present; its index. */
	int (*link_ensure)(void *be, const char *name);
	/* Addresses on @ifindex (0: every interface but @except); the caller
	 * frees *out. */
	int (*addrs)(void *be, int ifindex, int except, struct netif_addr **out, size_t *n);
	/* -EEXIST when already there. */
	int (*addr_add)(void *be, int ifindex, const struct net_addr *a);
	/* -EADDRNOTAVAIL when not there. */
	int (*addr_del)(void *be, int ifindex, const struct net_addr *a);

	/* --- nftables: kipvs's own tables (the packet filter, sync_nft.h) ------- */
	/* Reads table @name of @family (its chains: those @want names and those
	 * its rules sit in) into @out, which then owns arrays
	 * (nft_table_def_clear). -ENOENT when absent, -EOPNOTSUPP without
	 * nf_tables. */
	int (*nft_table)(void *be, uint8_t family, const char *name,
	                 const struct nft_table_def *want, struct nft_table_def *out);
	/* Appends the elements of set @set of that table to @out. */
	int (*nft_elems)(void *be, uint8_t family, const char *table, const struct nft_set_def *set,
	                 struct nft_elems *out);
	/* One transaction: all of @ops or none (nft.h, nft_apply). */
	int (*nft_apply)(void *be, struct nft_op *ops, size_t n);
	/* --- conntrack (sync_ct.h) --------------------------------------------- */
	/* Deletes the entries @p names (called once per pass that has any, after
	 * its IPVS changes). The daemon's backend hands @p (copied) to a worker
	 * and returns: failures are logged and counted there, never retried. */
	int (*ct_clean)(void *be, const struct sync_ct_plan *p);
};

/*
 * Reads the virtual servers named in @keys, with their destinations, into
 * @out (those absent from the kernel are skipped). 0 or -errno.
 */
int sync_ops_read_keys(const struct sync_ops *ops, void *be, const struct sync_keys *keys,
                       struct ipvs_table *out) __attribute__((warn_unused_result));

#endif
