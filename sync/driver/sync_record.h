/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_record — a struct sync_ops that reads from another backend (the
 * kernel) and records every write instead of making it: `kipvs diff` runs
 * the daemon's own full pass over it and prints the record.
 *
 * A write is recorded as done (0): an interface that would be created gets
 * a placeholder index and no addresses; a change "succeeds". Entries keep
 * the order the pass wrote them in. An nftables transaction is recorded op
 * by op, each with a copy of its elements (the table it names is the
 * caller's: it must outlive the record). Conntrack clean-up targets are
 * kept in one plan (sync_record_ct()), each entry naming its target there.
 */
#ifndef KIPVS_SYNC_RECORD_H
#define KIPVS_SYNC_RECORD_H

#include <stddef.h>

#include "../sync_ops.h"

enum sync_record_kind {
	SYNC_REC_LINK_ADD, /* link: a dummy interface created */
	SYNC_REC_ADDR_ADD, /* addr on the dummy interface */
	SYNC_REC_ADDR_DEL,
	SYNC_REC_IPVS,     /* change */
	SYNC_REC_TIMEOUTS, /* timeouts */
	SYNC_REC_NFT,      /* nft: one operation of a transaction (elems owned) */
	SYNC_REC_CT,       /* ct: a conntrack clean-up target, in sync_record_ct() */
};

struct sync_record_entry {
	enum sync_record_kind kind;
	char link[16];
	struct net_addr addr;
	struct ipvs_change change;
	struct ipvs_timeouts timeouts;
	struct nft_op nft;
	uint32_t nft_txn; /* transactions recorded before this one's */
	size_t ct;
};

struct sync_record;

extern const struct sync_ops sync_record_ops; /* be = struct sync_record * */

/* Reads go to @inner (borrowed). 0 or -ENOMEM. */
int sync_record_new(const struct sync_ops *inner, void *inner_be, struct sync_record **out)
    __attribute__((warn_unused_result));
void sync_record_free(struct sync_record *r);
const struct sync_record_entry *sync_record_entries(const struct sync_record *r, size_t *n);
/* The conntrack clean-up targets recorded (SYNC_REC_CT entries index it). */
const struct sync_ct_plan *sync_record_ct(const struct sync_record *r);

#endif
