/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_record.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The index a created interface would get: no real one is that high. */
#define PLACEHOLDER_IFINDEX INT_MAX

struct sync_record {
	const struct sync_ops *inner;
	void *be;
	struct sync_record_entry *v;
	size_t n, cap;
	char created[16]; /* the interface recorded as created */
	uint32_t nft_txns;
	struct sync_ct_plan ct;
};

int sync_record_new(const struct sync_ops *inner, void *inner_be, struct sync_record **out)
{
	struct sync_record *r = calloc(1, sizeof(*r));

	*out = r;
	if (!r)
		return -ENOMEM;
	r->inner = inner;
	r->be = inner_be;
	return 0;
}

void sync_record_free(struct sync_record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].kind == SYNC_REC_NFT)
			free((void *)r->v[i].nft.elems);
	free(r->v);
	sync_ct_plan_free(&r->ct);
	free(r);
}

const struct sync_record_entry *sync_record_entries(const struct sync_record *r, size_t *n)
{
	*n = r->n;
	return r->v;
}

const struct sync_ct_plan *sync_record_ct(const struct sync_record *r)
{
	return &r->ct;
}

static struct sync_record_entry *add(struct sync_record *r, enum sync_record_kind kind)
{
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		struct sync_record_entry *nv = realloc(r->v, nc * sizeof(*nv));

		if (!nv)
			return NULL;
		r->v = nv;
		r->cap = nc;
	}
	memset(&r->v[r->n], 0, sizeof(r->v[r->n]));
	r->v[r->n].kind = kind;
	return &r->v[r->n++];
}

/* --- reads: the inner backend's --------------------------------------------------- */

static int rec_services(void *be, struct ipvs_table *out)
{
	struct sync_record *r = be;

	return r->inner->services(r->be, out);
}

static int rec_dests(void *be, struct ipvs_vs *vs)
{
	struct sync_record *r = be;

	return r->inner->dests(r->be, vs);
}

static int rec_service(void *be, struct ipvs_service *inout)
{
	struct sync_record *r = be;

	return r->inner->service(r->be, inout);
}

static int rec_get_timeouts(void *be, struct ipvs_timeouts *out)
{
	struct sync_record *r = be;

	return r->inner->get_timeouts(r->be, out);
}

static int rec_link_index(void *be, const char *name)
{
	struct sync_record *r = be;

	if (r->created[0] && !strcmp(name, r->created))
		return PLACEHOLDER_IFINDEX;
	return r->inner->link_index(r->be, name);
}

static int rec_addrs(void *be, int ifindex, int except, struct netif_addr **out, size_t *n)
{
	struct sync_record *r = be;

	if (ifindex == PLACEHOLDER_IFINDEX) {
		/* A new interface holds nothing. */
		*out = calloc(1, sizeof(**out));
		*n = 0;
		return *out ? 0 : -ENOMEM;
	}
	return r->inner->addrs(r->be, ifindex, except == PLACEHOLDER_IFINDEX ? 0 : except, out, n);
}

/* --- writes: recorded ------------------------------------------------------------- */

static int rec_apply(void *be, struct ipvs_change *c, size_t n, size_t *n_failed)
{
	struct sync_record *r = be;

	*n_failed = 0;
	for (size_t i = 0; i < n; i++) {
		struct sync_record_entry *e = add(r, SYNC_REC_IPVS);

		if (!e)
			return -ENOMEM;
		c[i].err = 0;
		e->change = c[i];
	}
	return 0;
}

static int rec_set_timeouts(void *be, const struct ipvs_timeouts *t)
{
	struct sync_record_entry *e = add(be, SYNC_REC_TIMEOUTS);

	if (!e)
		return -ENOMEM;
	e->timeouts = *t;
	return 0;
}

static int rec_link_ensure(void *be, const char *name)
{
	struct sync_record *r = be;
	struct sync_record_entry *e;
	int idx = rec_link_index(be, name);

	if (idx != -ENODEV)
		return idx;
	e = add(r, SYNC_REC_LINK_ADD);
	if (!e)
		return -ENOMEM;
	snprintf(e->link, sizeof(e->link), "%s", name);
	snprintf(r->created, sizeof(r->created), "%s", name);
	return PLACEHOLDER_IFINDEX;
}

static int rec_addr(struct sync_record *r, enum sync_record_kind kind, const struct net_addr *a)
{
	struct sync_record_entry *e = add(r, kind);

	if (!e)
		return -ENOMEM;
	e->addr = *a;
	return 0;
}

static int rec_addr_add(void *be, int ifindex, const struct net_addr *a)
{
	(void)ifindex;
	return rec_addr(be, SYNC_REC_ADDR_ADD, a);
}

static int rec_addr_del(void *be, int ifindex, const struct net_addr *a)
{
	(void)ifindex;
	return rec_addr(be, SYNC_REC_ADDR_DEL, a);
}

/* --- nftables: reads from the inner backend, transactions recorded -------------------- */

static int rec_nft_table(void *be, uint8_t family, const char *name,
                         const struct nft_table_def *want, struct nft_table_def *out)
{
	struct sync_record *r = be;

	return r->inner->nft_table(r->be, family, name, want, out);
}

static int rec_nft_elems(void *be, uint8_t family, const char *table, const struct nft_set_def *set,
                         struct nft_elems *out)
{
	struct sync_record *r = be;

	return r->inner->nft_elems(r->be, family, table, set, out);
}

static int rec_nft_apply(void *be, struct nft_op *ops, size_t n)
{
	struct sync_record *r = be;

	for (size_t i = 0; i < n; i++) {
		struct sync_record_entry *e = add(r, SYNC_REC_NFT);
		size_t bytes = 0;

		if (!e)
			return -ENOMEM;
		ops[i].err = 0;
		ops[i].bad = ops[i].n;
		e->nft = ops[i];
		e->nft_txn = r->nft_txns;
		e->nft.elems = NULL;
		if (ops[i].n) {
			uint8_t *copy;

			bytes = ops[i].n * nft_set_stride(&ops[i].table->sets[ops[i].set]);
			copy = malloc(bytes);
			if (!copy) {
				r->n--;
				return -ENOMEM;
			}
			memcpy(copy, ops[i].elems, bytes);
			e->nft.elems = copy;
		}
	}
	r->nft_txns++;
	return 0;
}

static int rec_ct_clean(void *be, const struct sync_ct_plan *p)
{
	struct sync_record *r = be;
	size_t base = r->ct.n;
	int err = sync_ct_plan_append(&r->ct, p);

	for (size_t i = base; !err && i < r->ct.n; i++) {
		struct sync_record_entry *e = add(r, SYNC_REC_CT);

		if (!e)
			return -ENOMEM;
		e->ct = i;
	}
	return err;
}

const struct sync_ops sync_record_ops = {
	.services = rec_services,
	.dests = rec_dests,
	.service = rec_service,
	.apply = rec_apply,
	.get_timeouts = rec_get_timeouts,
	.set_timeouts = rec_set_timeouts,
	.link_index = rec_link_index,
	.link_ensure = rec_link_ensure,
	.addrs = rec_addrs,
	.addr_add = rec_addr_add,
	.addr_del = rec_addr_del,
	.nft_table = rec_nft_table,
	.nft_elems = rec_nft_elems,
	.nft_apply = rec_nft_apply,
	.ct_clean = rec_ct_clean,
};
