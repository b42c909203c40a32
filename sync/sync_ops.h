/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_ops — the kernel as the sync passes see it: a small table of reads
 * and writes, so every pass (full, dirty, drain) runs the same code against
 * the kernel (sync_nl.h), an in-memory kernel in unit tests (sync_mem.h), or
 * a recorder that writes nothing (sync_record.h, `kipvs diff`).
 *
 * The members are grouped by kernel subsystem. Each group has the reads a
 * full pass needs to find drift and the writes that repair it. A further
 * subsystem the passes program (the nftables filter, conntrack clean-up)
 * adds a group of its own: its reads and one apply per pass, which
 * sync_reconcile calls at a fixed point of every pass (after the IPVS
 * changes), and which the recorder records like the others.
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
};

/*
 * Reads the virtual servers named in @keys, with their destinations, into
 * @out (those absent from the kernel are skipped). 0 or -errno.
 */
int sync_ops_read_keys(const struct sync_ops *ops, void *be, const struct sync_keys *keys,
                       struct ipvs_table *out) __attribute__((warn_unused_result));

#endif
