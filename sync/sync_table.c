/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_table.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

uint64_t sync_vs_hash(const struct ipvs_service *s)
{
	uint64_t x = (uint64_t)s->addr.af << 48 ^ (uint64_t)s->fwmark;

	if (!s->fwmark) {
		x ^= (uint64_t)s->protocol << 32 ^ (uint64_t)s->port << 16;
		x = sync_hash_bytes(s->addr.a.b, sizeof(s->addr.a.b), x);
		return x;
	}
	return sync_hash_mix(x);
}

void sync_vs_id(struct ipvs_service *out, const struct ipvs_service *s)
{
	memset(out, 0, sizeof(*out));
	out->addr = s->addr;
	out->protocol = s->protocol;
	out->port = s->port;
	out->fwmark = s->fwmark;
}

int sync_vs_cmp(const struct ipvs_service *a, const struct ipvs_service *b)
{
	int c;

	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	c = addr_cmp(&a->addr, &b->addr);
	if (c)
		return c < 0 ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->fwmark != b->fwmark)
		return a->fwmark < b->fwmark ? -1 : 1;
	return 0;
}

int sync_dest_cmp(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	int c = addr_cmp(&a->addr, &b->addr);

	if (c)
		return c < 0 ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

static int vs_qcmp(const void *a, const void *b)
{
	return sync_vs_cmp(&((const struct ipvs_vs *)a)->svc, &((const struct ipvs_vs *)b)->svc);
}

static int dest_qcmp(const void *a, const void *b)
{
	return sync_dest_cmp(a, b);
}

void sync_table_sort(struct ipvs_table *t)
{
	/* Counters run parallel to the destinations: sorted tables keep none. */
	for (size_t i = 0; i < t->n; i++) {
		free(t->vs[i].stats);
		t->vs[i].stats = NULL;
	}
	if (t->n > 1)
		qsort(t->vs, t->n, sizeof(*t->vs), vs_qcmp);
	for (size_t i = 0; i < t->n; i++)
		if (t->vs[i].n_dests > 1)
			qsort(t->vs[i].dests, t->vs[i].n_dests, sizeof(struct ipvs_dest),
			      dest_qcmp);
}

int sync_table_append_vs(struct ipvs_table *dst, const struct ipvs_vs *vs)
{
	struct ipvs_vs *n = ipvs_table_add(dst, &vs->svc);

	if (!n)
		return -ENOMEM;
	/* Copies carry no counters (a with_stats @dst gave room for none here). */
	free(n->stats);
	n->stats = NULL;
	if (vs->n_dests) {
		n->dests = malloc(vs->n_dests * sizeof(*n->dests));
		if (!n->dests)
			return -ENOMEM;
		memcpy(n->dests, vs->dests, vs->n_dests * sizeof(*n->dests));
		n->n_dests = n->cap_dests = vs->n_dests;
	}
	return 0;
}

int sync_table_append(struct ipvs_table *dst, const struct ipvs_table *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (sync_table_append_vs(dst, &src->vs[i]))
			return -ENOMEM;
	return 0;
}

/* --- index ------------------------------------------------------------------ */

static bool vs_eq(const void *item, const void *key)
{
	return ipvs_service_same(&((const struct ipvs_vs *)item)->svc, key);
}

void sync_index_init(struct sync_index *ix)
{
	sync_hash_init(&ix->h);
	ix->t = NULL;
}

int sync_index_build(struct sync_index *ix, const struct ipvs_table *t)
{
	sync_hash_free(&ix->h);
	ix->t = t;
	if (sync_hash_reserve(&ix->h, t->n))
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		uint64_t h = sync_vs_hash(&t->vs[i].svc);

		/* A dump never holds two equal identities; keep the first if so. */
		if (sync_hash_find(&ix->h, h, vs_eq, &t->vs[i].svc))
			continue;
		if (sync_hash_insert(&ix->h, h, &t->vs[i]))
			return -ENOMEM;
	}
	return 0;
}

const struct ipvs_vs *sync_index_find(const struct sync_index *ix, const struct ipvs_service *id)
{
	return sync_hash_find(&ix->h, sync_vs_hash(id), vs_eq, id);
}

void sync_index_free(struct sync_index *ix)
{
	sync_hash_free(&ix->h);
	ix->t = NULL;
}

/* --- identity sets --------------------------------------------------------- */

struct keys_key {
	const struct sync_keys *k;
	const struct ipvs_service *id;
};

static bool keys_eq(const void *item, const void *key)
{
	const struct keys_key *kk = key;
	size_t i = (size_t)(uintptr_t)item - 1;

	return ipvs_service_same(&kk->k->v[i], kk->id);
}

void sync_keys_init(struct sync_keys *k)
{
	memset(k, 0, sizeof(*k));
	sync_hash_init(&k->h);
}

void sync_keys_free(struct sync_keys *k)
{
	free(k->v);
	sync_hash_free(&k->h);
	sync_keys_init(k);
}

void sync_keys_reset(struct sync_keys *k)
{
	/* Keep the memory: the reconcile loop refills this set every pass. */
	if (k->h.cap)
		memset(k->h.slots, 0, k->h.cap * sizeof(*k->h.slots));
	k->h.n = 0;
	k->n = 0;
}

int sync_keys_reserve(struct sync_keys *k, size_t more)
{
	size_t need = k->n + more;

	if (need > k->cap) {
		size_t nc = k->cap ? k->cap : 16;
		struct ipvs_service *nv;

		while (nc < need)
			nc *= 2;
		nv = realloc(k->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		k->v = nv;
		k->cap = nc;
	}
	return sync_hash_reserve(&k->h, need);
}

bool sync_keys_has(const struct sync_keys *k, const struct ipvs_service *id)
{
	struct keys_key kk = { k, id };

	return sync_hash_find(&k->h, sync_vs_hash(id), keys_eq, &kk) != NULL;
}

int sync_keys_add(struct sync_keys *k, const struct ipvs_service *id)
{
	struct keys_key kk = { k, id };
	uint64_t h = sync_vs_hash(id);

	if (sync_hash_find(&k->h, h, keys_eq, &kk))
		return 0;
	if (sync_keys_reserve(k, 1))
		return -ENOMEM;
	sync_vs_id(&k->v[k->n], id);
	k->n++;
	/* Cannot fail: reserved above. */
	return sync_hash_insert(&k->h, h, (void *)(uintptr_t)k->n);
}
