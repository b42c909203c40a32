/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_rules — kube-proxy's rules for one Service: the pure function behind
 * sync_desired (internal to sync/). Given the store's entry for a service
 * key and the node config, builds the block of virtual servers that service
 * wants. See sync_desired.h for the rules themselves.
 */
#ifndef KIPVS_SYNC_RULES_H
#define KIPVS_SYNC_RULES_H

#include <stdint.h>

#include "sync_desired.h"

/*
 * Per virtual server of a block, the links sync_desired threads through it:
 * a claim on its identity (claims on one identity chain by service key; the
 * head wins) and, when its address is bound, a link in that address's chain.
 */
struct sync_claim {
	struct sync_block *b;
	uint32_t idx;
	bool linked; /* false: the same Service claims this identity twice */
	bool head;   /* first in its chain: this block's VS is the wanted one */
	uint64_t hash;
	struct sync_claim *next;
};

struct sync_bind {
	struct sync_block *b;
	uint32_t idx;
	uint64_t hash;
	struct sync_bind *next;
};

/*
 * Everything one service wants, in one allocation. vs[i].dests point into
 * dests[] (shared between virtual servers that select the same endpoints).
 */
struct sync_block {
	char *key; /* "namespace/name" */
	uint64_t hash;
	struct ipvs_vs *vs;
	struct sync_origin *origin;
	struct sync_claim *claims;
	struct sync_bind *binds; /* used where origin[i].bind */
	size_t n_vs;
	struct ipvs_dest *dests;
	size_t n_dests;
	size_t n_bind;
	size_t bytes; /* size of the allocation */
};

/* Reusable buffers for building blocks (grown, never shrunk). */
struct sync_rules_scratch {
	struct sync_meps meps;
	uint8_t *sel;
	size_t sel_cap;
	struct ipvs_vs *vs;
	struct sync_origin *org;
	size_t *doff;
	size_t cap_vs;
	struct ipvs_dest *d;
	size_t cap_d;
};
void sync_rules_scratch_free(struct sync_rules_scratch *s);

/* Sets *out to the block of @e (NULL when the service programs nothing).
 * 0 or -ENOMEM. */
int sync_rules_build(const struct sync_store *st, const struct sync_svc *e,
                     const struct sync_node *node, struct sync_rules_scratch *scr,
                     struct sync_block **out) SYNC_WUR;
void sync_block_free(struct sync_block *b);

/* Why a Service programs nothing, or NULL when it is proxied. */
const char *sync_rules_skip_reason(const struct kube_service *s);

#endif
