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

struct sync_claim; /* sync_desired's */

/* Everything one service wants. vs[i].dests point into dests[] (shared
 * between virtual servers that select the same endpoints). */
struct sync_block {
	char *key; /* "namespace/name" (points into names) */
	uint64_t hash;
	struct ipvs_vs *vs;
	struct sync_origin *origin;
	size_t n_vs;
	struct ipvs_dest *dests;
	size_t n_dests;
	char *names; /* key and port names */
	struct sync_claim *claims;
	size_t n_bind;
};

/* Reusable buffers for building blocks. */
struct sync_rules_scratch {
	struct sync_meps meps;
	uint8_t *sel;
	size_t sel_cap;
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
