/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_table — helpers over struct ipvs_table shared by the desired table,
 * the diff, the in-memory backend and render: virtual-server identity
 * hashing, a total order, an identity index over a table, and a set of
 * virtual-server identities.
 *
 * The order (render's and the tests'): virtual servers by protocol number
 * (TCP 6 < UDP 17 < SCTP 132), then address (IPv4 before IPv6, then the
 * address bytes, i.e. numerically), then port, then fwmark; destinations by
 * address (same rule), then port. A plain total order, unlike ipvsadm's
 * signed-subtraction comparator.
 */
#ifndef KIPVS_SYNC_TABLE_H
#define KIPVS_SYNC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ipvs_table.h"
#include "sync_hash.h"

/* Hash of a virtual server's identity (af, fwmark or proto/addr/port). */
uint64_t sync_vs_hash(const struct ipvs_service *s);
int sync_vs_cmp(const struct ipvs_service *a, const struct ipvs_service *b);
int sync_dest_cmp(const struct ipvs_dest *a, const struct ipvs_dest *b);
/* Sorts the virtual servers and every destination list in the order above. */
void sync_table_sort(struct ipvs_table *t);
/* Deep copy of @src appended to @dst. 0 or -ENOMEM. */
int sync_table_append(struct ipvs_table *dst, const struct ipvs_table *src)
    __attribute__((warn_unused_result));
/* Appends a deep copy of one virtual server. 0 or -ENOMEM. */
int sync_table_append_vs(struct ipvs_table *dst, const struct ipvs_vs *vs)
    __attribute__((warn_unused_result));

/* Identity index over a table that is not modified while the index lives. */
struct sync_index {
	struct sync_hash h;
	const struct ipvs_table *t;
};
void sync_index_init(struct sync_index *ix);
int sync_index_build(struct sync_index *ix, const struct ipvs_table *t)
    __attribute__((warn_unused_result));
const struct ipvs_vs *sync_index_find(const struct sync_index *ix, const struct ipvs_service *id);
void sync_index_free(struct sync_index *ix);

/* A set of virtual-server identities, in insertion order. */
struct sync_keys {
	struct ipvs_service *v;
	size_t n, cap;
	struct sync_hash h;
};
void sync_keys_init(struct sync_keys *k);
void sync_keys_free(struct sync_keys *k);
void sync_keys_reset(struct sync_keys *k);
/* Room for @more additions that then cannot fail. 0 or -ENOMEM. */
int sync_keys_reserve(struct sync_keys *k, size_t more) __attribute__((warn_unused_result));
/* Adds @id (identity fields only are kept) unless present. 0 or -ENOMEM. */
int sync_keys_add(struct sync_keys *k, const struct ipvs_service *id)
    __attribute__((warn_unused_result));
bool sync_keys_has(const struct sync_keys *k, const struct ipvs_service *id);

/* Identity fields only: the rest zeroed. */
void sync_vs_id(struct ipvs_service *out, const struct ipvs_service *s);

#endif
