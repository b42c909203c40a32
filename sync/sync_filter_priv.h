/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_filter_priv — what the files of sync_filter share (internal to
 * sync/): the fixed tables (sync_filter_rules.c), the element layout, and
 * the state sync_filter.c keeps.
 */
#ifndef KIPVS_SYNC_FILTER_PRIV_H
#define KIPVS_SYNC_FILTER_PRIV_H

#include "sync_filter.h"
#include "sync_hash.h"

/* Chains, in the order they are created (and listed). */
enum sync_fchain {
	FCH_MARK_MASQ,
	FCH_NAT_PRE,
	FCH_NAT_OUT,
	FCH_SVC,
	FCH_LB_MASQ,
	FCH_NP,
	FCH_NAT_POST,
	FCH_FLT_IN,
	FCH_FLT_FWD,
	FCH_FLT_OUT,
	FCH_SRC_RANGES,
	FCH_VIP_GUARD,
	FCH_N,
};

#define FRULES_MAX 32
#define FRULE_TEXT 160

/* One family's table: the definition the transport takes, and each rule's
 * text as `nft list` prints it. */
struct sync_ftable {
	struct nft_table_def def;
	struct nft_set_def sets[FSET_N];
	struct nft_chain_def chains[FCH_N];
	struct nft_rule_def rules[FRULES_MAX];
	char text[FRULES_MAX][FRULE_TEXT];
};

/* Builds family @fam's table for @o. 0 or -EINVAL (an option it cannot
 * express: a /0 pod range, an interface name nft would refuse). */
int sync_filter_rules_build(struct sync_ftable *t, int fam, const struct sync_filter_opts *o);

/* The layout of set @set in family @fam's table (options play no part). */
int sync_fset_def(int fam, enum sync_fset set, struct nft_set_def *out) SYNC_WUR;

/* The address family (AF_INET, AF_INET6) of table index @fam. */
static inline uint16_t sync_filter_af(int fam)
{
	return fam == 0 ? 2 /* AF_INET */ : 10 /* AF_INET6 */;
}

/* One wanted element, shared by the Services that want it. */
enum { FE_NONE, FE_ADD, FE_DEL };

struct fentry {
	uint64_t hash;
	uint32_t refs; /* Services that want it; 0 while a removal is pending */
	uint32_t mark; /* full-pass bookkeeping */
	uint8_t fam;
	uint8_t set;
	uint8_t pending; /* FE_*: what the kernel has not been told yet */
	bool queued;     /* in the pending list */
	uint8_t len;     /* element bytes (the set's stride) */
	uint8_t key[];
};

/* What one Service wants: its elements, sorted by (fam, set, key). */
struct fsvc {
	char *key;
	uint64_t hash;
	struct fentry **v;
	size_t n;
};

struct sync_filter {
	struct sync_filter_opts o;
	struct sync_ftable t[SYNC_FILTER_FAMS];
	struct sync_hash elems; /* struct fentry by (fam, set, key) */
	struct sync_hash svcs;  /* struct fsvc by key */
	struct fentry **pending;
	size_t n_pending, cap_pending;
	size_t count[SYNC_FILTER_FAMS][FSET_N]; /* elements with refs > 0 */
	uint32_t mark_gen;
	/* scratch for one Service's elements */
	struct sync_meps meps;
	uint8_t *scratch;
	size_t scratch_n, scratch_cap;
};

/* Appends Service @e's wanted elements to f->scratch: records of
 * [fam][set][len][key (len bytes)], SYNC_FE_REC bytes each. */
#define SYNC_FE_REC (3 + 2 * NFT_KEY_MAX)
int sync_filter_svc_elems(struct sync_filter *f, const struct sync_store *st,
                          const struct sync_svc *e, const struct sync_node *node) SYNC_WUR;

#endif
