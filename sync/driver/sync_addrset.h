/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_addrset — a sorted set of addresses (addr_cmp order) with a change
 * counter: what the passes keep of kube-ipvs0's addresses. The caller owns
 * the struct; addr_set_free() releases its array and zeroes it.
 */
#ifndef KIPVS_SYNC_ADDRSET_H
#define KIPVS_SYNC_ADDRSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/addr.h"

struct addr_set {
	struct net_addr *v; /* sorted (addr_cmp) */
	size_t n, cap;
	uint64_t gen; /* bumped on every change */
};

/* Where @a is or would go; *found says whether it is there. */
size_t addr_set_pos(const struct addr_set *s, const struct net_addr *a, bool *found);
bool addr_set_has(const struct addr_set *s, const struct net_addr *a);
/* 0 (also when already there) or -ENOMEM. */
int addr_set_add(struct addr_set *s, const struct net_addr *a);
void addr_set_del(struct addr_set *s, const struct net_addr *a);
void addr_set_free(struct addr_set *s);

#endif
