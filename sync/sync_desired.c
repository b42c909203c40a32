/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_desired.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "sync_hash.h"
#include "sync_rules.h"

/*
 * Every virtual server of every block holds a claim. Claims on the same
 * identity form a list sorted by service key; the vs hash points at the
 * head, which is the winner. A claim whose block already claims the same
 * identity (a duplicate inside one Service) is left unlinked (b == NULL).
 */
struct sync_claim {
	struct sync_block *b;
	size_t idx;
	uint64_t hash;
	struct sync_claim *next;
};

struct bound_ent {
	struct net_addr addr;
	uint64_t hash;
	size_t refs;
};

struct sync_desired {
	struct sync_hash blocks; /* struct sync_block by key */
	struct sync_hash vs;     /* head struct sync_claim by identity */
	struct sync_hash bound;  /* struct bound_ent by address */
	struct sync_rules_scratch scr;
	size_t n_dests_stored;
	size_t n_conflicts; /* claims that lost to another service */
};

static bool block_eq(const void *item, const void *key)
{
	return strcmp(((const struct sync_block *)item)->key, key) == 0;
}

static const struct ipvs_service *claim_svc(const struct sync_claim *c)
{
	return &c->b->vs[c->idx].svc;
}

static bool claim_eq(const void *item, const void *key)
{
	return ipvs_service_same(claim_svc(item), key);
}

static bool bound_eq(const void *item, const void *key)
{
	return addr_eq(&((const struct bound_ent *)item)->addr, key);
}

static uint64_t addr_hash(const struct net_addr *a)
{
	return sync_hash_bytes(a->a.b, sizeof(a->a.b), a->af);
}

int sync_desired_new(struct sync_desired **out)
{
	struct sync_desired *d = calloc(1, sizeof(*d));

	*out = d;
	if (!d)
		return -ENOMEM;
	sync_hash_init(&d->blocks);
	sync_hash_init(&d->vs);
	sync_hash_init(&d->bound);
	return 0;
}

static void clear_all(struct sync_desired *d)
{
	size_t pos = 0;
	void *it;

	while ((it = sync_hash_next(&d->blocks, &pos)))
		sync_block_free(it);
	pos = 0;
	while ((it = sync_hash_next(&d->bound, &pos)))
		free(it);
	sync_hash_free(&d->blocks);
	sync_hash_free(&d->vs);
	sync_hash_free(&d->bound);
	d->n_dests_stored = 0;
	d->n_conflicts = 0;
}

void sync_desired_free(struct sync_desired *d)
{
	if (!d)
		return;
	clear_all(d);
	sync_rules_scratch_free(&d->scr);
	free(d);
}

/* --- claims ------------------------------------------------------------------ */

static void log_conflict(const struct sync_claim *winner, const struct sync_claim *loser)
{
	const struct ipvs_service *s = claim_svc(loser);
	char a[ADDR_STRLEN];

	log_warn("vs_conflict", "vs=%s/%s service=%s owner=%s", ipvs_proto_name(s->protocol),
	         addr_port_fmt(&s->addr, s->port, a), loser->b->key, winner->b->key);
}

/* Links claim @c; never allocates when the vs hash was reserved. */
static void claim_link(struct sync_desired *d, struct sync_claim *c)
{
	const struct ipvs_service *id = claim_svc(c);
	void **slot = sync_hash_slot(&d->vs, c->hash, claim_eq, id);
	struct sync_claim *head, **pp;

	if (!slot) {
		c->next = NULL;
		/* Cannot fail: the caller reserved room. */
		if (sync_hash_insert(&d->vs, c->hash, c))
			c->b = NULL;
		return;
	}
	head = *slot;
	for (pp = &head; *pp; pp = &(*pp)->next) {
		int cmp = strcmp((*pp)->b->key, c->b->key);

		if (cmp == 0) { /* the same Service twice (e.g. externalIP == LB IP) */
			c->b = NULL;
			return;
		}
		if (cmp > 0)
			break;
	}
	c->next = *pp;
	*pp = c;
	*slot = head;
	d->n_conflicts++;
	log_conflict(head, head == c ? c->next : c);
}

static void claim_unlink(struct sync_desired *d, struct sync_claim *c)
{
	void **slot;
	struct sync_claim *head, **pp;

	if (!c->b)
		return;
	slot = sync_hash_slot(&d->vs, c->hash, claim_eq, claim_svc(c));
	if (!slot)
		return;
	head = *slot;
	for (pp = &head; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	*pp = c->next;
	if (head) {
		*slot = head;
		if (d->n_conflicts)
			d->n_conflicts--;
		return;
	}
	sync_hash_remove(&d->vs, c->hash, claim_eq, claim_svc(c));
}

/* --- bound addresses ------------------------------------------------------ */

static void bound_unref(struct sync_desired *d, const struct net_addr *a)
{
	uint64_t h = addr_hash(a);
	struct bound_ent *be = sync_hash_find(&d->bound, h, bound_eq, a);

	if (!be || --be->refs)
		return;
	sync_hash_remove(&d->bound, h, bound_eq, a);
	free(be);
}

/* Uses one of the preallocated @spare entries when the address is new. */
static void bound_ref(struct sync_desired *d, const struct net_addr *a, struct bound_ent **spare,
                      size_t *n_spare)
{
	uint64_t h = addr_hash(a);
	struct bound_ent *be = sync_hash_find(&d->bound, h, bound_eq, a);

	if (be) {
		be->refs++;
		return;
	}
	be = spare[--*n_spare];
	be->addr = *a;
	be->hash = h;
	be->refs = 1;
	if (sync_hash_insert(&d->bound, h, be)) /* reserved: cannot fail */
		free(be);
}

/* --- blocks ------------------------------------------------------------------ */

static void block_detach(struct sync_desired *d, struct sync_block *b)
{
	for (size_t i = 0; i < b->n_vs; i++) {
		claim_unlink(d, &b->claims[i]);
		if (b->origin[i].bind)
			bound_unref(d, &b->vs[i].svc.addr);
	}
	sync_hash_remove(&d->blocks, b->hash, block_eq, b->key);
	d->n_dests_stored -= b->n_dests;
}

/* Allocates everything attaching @b needs, so that attaching cannot fail. */
static int block_prepare(struct sync_desired *d, struct sync_block *b, struct bound_ent ***spare)
{
	*spare = NULL;
	b->hash = sync_hash_str(b->key);
	if (b->n_vs && !(b->claims = calloc(b->n_vs, sizeof(*b->claims))))
		return -ENOMEM;
	if (b->n_bind && !(*spare = calloc(b->n_bind, sizeof(**spare))))
		return -ENOMEM;
	for (size_t i = 0; i < b->n_bind; i++)
		if (!((*spare)[i] = malloc(sizeof(struct bound_ent))))
			return -ENOMEM;
	if (sync_hash_reserve(&d->vs, d->vs.n + b->n_vs) ||
	    sync_hash_reserve(&d->bound, d->bound.n + b->n_bind) ||
	    sync_hash_reserve(&d->blocks, d->blocks.n + 1))
		return -ENOMEM;
	return 0;
}

static void spare_free(struct bound_ent **spare, size_t n)
{
	for (size_t i = 0; spare && i < n; i++)
		free(spare[i]);
	free(spare);
}

static void block_attach(struct sync_desired *d, struct sync_block *b, struct bound_ent **spare)
{
	size_t n_spare = b->n_bind;

	for (size_t i = 0; i < b->n_vs; i++) {
		struct sync_claim *c = &b->claims[i];

		c->b = b;
		c->idx = i;
		c->hash = sync_vs_hash(&b->vs[i].svc);
		claim_link(d, c);
		if (b->origin[i].bind)
			bound_ref(d, &b->vs[i].svc.addr, spare, &n_spare);
	}
	if (sync_hash_insert(&d->blocks, b->hash, b)) /* reserved: cannot fail */
		log_err("desired_attach_failed", "service=%s", b->key);
	d->n_dests_stored += b->n_dests;
	spare_free(spare, n_spare);
}

static int add_keys(struct sync_keys *k, const struct sync_block *b)
{
	for (size_t i = 0; b && i < b->n_vs; i++)
		if (sync_keys_add(k, &b->vs[i].svc))
			return -ENOMEM;
	return 0;
}

int sync_desired_update(struct sync_desired *d, const struct sync_store *st,
                        const struct sync_node *node, const char *key, struct sync_keys *touched)
{
	const struct sync_svc *e = sync_store_find(st, key);
	struct sync_block *old = sync_hash_find(&d->blocks, sync_hash_str(key), block_eq, key);
	struct sync_block *nb = NULL;
	struct bound_ent **spare = NULL;
	int err = 0;

	if (e)
		err = sync_rules_build(st, e, node, &d->scr, &nb);
	if (!err && nb)
		err = block_prepare(d, nb, &spare);
	if (!err && touched)
		err = sync_keys_reserve(touched, (old ? old->n_vs : 0) + (nb ? nb->n_vs : 0));
	if (err) {
		if (nb)
			spare_free(spare, nb->n_bind);
		sync_block_free(nb);
		return err;
	}
	if (touched && (add_keys(touched, old) || add_keys(touched, nb)))
		err = -ENOMEM; /* reserved above: cannot happen */
	if (old) {
		block_detach(d, old);
		sync_block_free(old);
	}
	if (nb)
		block_attach(d, nb, spare);
	return err;
}

int sync_desired_build(struct sync_desired *d, const struct sync_store *st,
                       const struct sync_node *node)
{
	const struct sync_svc *e;
	size_t pos = 0;
	int err;

	clear_all(d);
	while ((e = sync_store_next(st, &pos))) {
		err = sync_desired_update(d, st, node, sync_svc_key(e), NULL);
		if (err) {
			clear_all(d);
			return err;
		}
	}
	return 0;
}

/* --- reading --------------------------------------------------------------- */

const struct ipvs_vs *sync_desired_find(const struct sync_desired *d, const struct ipvs_service *id,
                                        const struct sync_origin **origin)
{
	const struct sync_claim *c = sync_hash_find(&d->vs, sync_vs_hash(id), claim_eq, id);

	if (!c)
		return NULL;
	if (origin)
		*origin = &c->b->origin[c->idx];
	return &c->b->vs[c->idx];
}

const struct ipvs_vs *sync_desired_next(const struct sync_desired *d, size_t *pos,
                                        const struct sync_origin **origin)
{
	const struct sync_claim *c = sync_hash_next(&d->vs, pos);

	if (!c)
		return NULL;
	if (origin)
		*origin = &c->b->origin[c->idx];
	return &c->b->vs[c->idx];
}

size_t sync_desired_n_vs(const struct sync_desired *d)
{
	return d->vs.n;
}

bool sync_desired_is_bound(const struct sync_desired *d, const struct net_addr *a)
{
	return sync_hash_find(&d->bound, addr_hash(a), bound_eq, a) != NULL;
}

int sync_desired_bound_addrs(const struct sync_desired *d, struct net_addr **out, size_t *n)
{
	size_t pos = 0, k = 0;
	const struct bound_ent *be;

	*out = NULL;
	*n = 0;
	if (!d->bound.n)
		return 0;
	*out = calloc(d->bound.n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	while ((be = sync_hash_next(&d->bound, &pos)))
		(*out)[k++] = be->addr;
	*n = k;
	return sync_addrs_sort_unique(*out, n);
}

int sync_desired_to_table(const struct sync_desired *d, struct ipvs_table *out)
{
	const struct ipvs_vs *vs;
	size_t pos = 0;

	while ((vs = sync_desired_next(d, &pos, NULL)))
		if (sync_table_append_vs(out, vs))
			return -ENOMEM;
	sync_table_sort(out);
	return 0;
}

void sync_desired_stats(const struct sync_desired *d, struct sync_desired_stats *out)
{
	const struct ipvs_vs *vs;
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	out->services = d->blocks.n;
	out->vs = d->vs.n;
	while ((vs = sync_desired_next(d, &pos, NULL)))
		out->dests += vs->n_dests;
	out->dests_stored = d->n_dests_stored;
	out->bound = d->bound.n;
	out->conflicts = d->n_conflicts;
}
