/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_mem — an in-memory kernel behind struct sync_ops, for unit tests and
 * benchmarks (never for integration tests, which use the real kernel): an
 * IPVS table, the node's interface ("eth0", index SYNC_MEM_NODE_IFINDEX) with
 * its addresses, and the dummy interface the passes create (index
 * SYNC_MEM_DUMMY_IFINDEX) with the addresses bound on it.
 *
 * It follows the kernel's semantics where the passes depend on them:
 * ADD_SERVICE on an existing service -EEXIST, with an unknown scheduler
 * -ENOENT; SET/DEL_SERVICE and every destination op on a missing service
 * -ESRCH; ADD_DEST on an existing destination -EEXIST; EDIT/DEL_DEST on a
 * missing one -ENOENT; an address added twice -EEXIST, removed when absent
 * -EADDRNOTAVAIL. Services come back with IP_VS_SVC_F_HASHED set, as the
 * kernel reports them; new destinations are listed first, as in a dump.
 *
 * Faults can be injected (sync_mem_fail) and every change applied is kept in
 * a log, so a test sees what a pass sent. The nftables members go to an
 * in-memory nf_tables (sync_mem_nft.h), reached with sync_mem_nft().
 * Conntrack clean-up plans are kept (appended) as they come.
 */
#ifndef KIPVS_SYNC_MEM_H
#define KIPVS_SYNC_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "../../../sync/sync_ops.h"
#include "sync_mem_nft.h"

#define SYNC_MEM_NODE_IFINDEX  2
#define SYNC_MEM_DUMMY_IFINDEX 10

struct sync_mem;

extern const struct sync_ops sync_mem_ops; /* be = struct sync_mem * */

int sync_mem_new(struct sync_mem **out) __attribute__((warn_unused_result));
void sync_mem_free(struct sync_mem *m);
/* The current table (valid until the next change). */
const struct ipvs_table *sync_mem_table(const struct sync_mem *m);
/* Replaces the content with a copy of @t (as if another tool had made it). */
int sync_mem_load(struct sync_mem *m, const struct ipvs_table *t)
    __attribute__((warn_unused_result));
/* Sets a destination's connection counters. 0, -ESRCH or -ENOENT. */
int sync_mem_set_conns(struct sync_mem *m, const struct ipvs_service *svc,
                       const struct ipvs_dest *dest, uint32_t active, uint32_t inactive)
    __attribute__((warn_unused_result));
/* Applies one change; returns (and stores in c->err) 0 or -errno. */
int sync_mem_apply_one(struct sync_mem *m, struct ipvs_change *c);
/* Changes applied so far (successful or not). */
size_t sync_mem_n_calls(const struct sync_mem *m);
/* Every change applied since the last reset, with its err. */
const struct ipvs_change *sync_mem_log(const struct sync_mem *m, size_t *n);
void sync_mem_log_reset(struct sync_mem *m);

/* The node's own addresses (replacing the previous ones). 0 or -ENOMEM. */
int sync_mem_set_node_addrs(struct sync_mem *m, const struct net_addr *a, size_t n)
    __attribute__((warn_unused_result));
/* Creates the dummy interface @name holding @a (what a previous run left).
 * 0 or -ENOMEM. */
int sync_mem_set_bound(struct sync_mem *m, const char *name, const struct net_addr *a, size_t n)
    __attribute__((warn_unused_result));
/* The addresses on the dummy interface, sorted (NULL, 0 without it). */
const struct net_addr *sync_mem_bound(const struct sync_mem *m, size_t *n);
const struct ipvs_timeouts *sync_mem_timeouts(const struct sync_mem *m);
/* The in-memory nf_tables behind the nftables members. */
struct sync_mem_nft *sync_mem_nft(const struct sync_mem *m);
/* Every conntrack target asked for since the last reset, and (*calls, may
 * be NULL) in how many ct_clean calls. */
const struct sync_ct_plan *sync_mem_ct(const struct sync_mem *m, size_t *calls);
void sync_mem_ct_reset(struct sync_mem *m);

enum sync_mem_call {
	SYNC_MEM_APPLY,
	SYNC_MEM_SERVICES,
	SYNC_MEM_DESTS,
	SYNC_MEM_SERVICE,
	SYNC_MEM_LINK_ENSURE,
	SYNC_MEM_ADDRS,
	SYNC_MEM_ADDR_ADD,
	SYNC_MEM_ADDR_DEL,
	SYNC_MEM_CT_CLEAN,
	SYNC_MEM_N_CALLS,
};
/*
 * Makes the call @what fail with @err once, after @skip more calls that work.
 * For SYNC_MEM_APPLY @skip counts changes: the exchange breaks after @skip
 * more changes are applied, the rest of that call carry @err unapplied and
 * the call returns @err (a write failing halfway).
 */
void sync_mem_fail(struct sync_mem *m, enum sync_mem_call what, size_t skip, int err);

#endif
