/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_desired.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "sync_hash.h"
#include "sync_rules.h"

/*
 * Every virtual server of every block holds a claim (sync_rules.h). Claims
 * on the same identity form a list sorted by service key; the vs hash points
 * at the head, which is the winner. Bound addresses work the same way: the
 * bound hash points at the first link of each address's chain, so nothing
 * is allocated per virtual server outside the block itself.
 */
struct sync_desired {
	struct sync_hash blocks; /* struct sync_block by key */
	struct sync_hash vs;     /* head struct sync_claim by identity */
	struct sync_hash bound;  /* head struct sync_bind by address */
	struct sync_rules_scratch scr;
	size_t n_dests_stored;
	size_t n_dests_wanted; /* destinations of the winning claims, kept as they change */
	size_t bytes;          /* blocks */
	size_t n_conflicts;    /* claims that lost to another service */
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

static const struct net_addr *bind_addr(const struct sync_bind *l)
{
	return &l->b->vs[l->idx].svc.addr;
}

static bool bound_eq(const void *item, const void *key)
{
	return addr_eq(bind_addr(item), key);
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
	sync_hash_free(&d->blocks);
	sync_hash_free(&d->vs);
	sync_hash_free(&d->bound);
	d->n_dests_stored = 0;
	d->n_dests_wanted = 0;
	d->bytes = 0;
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

/* The destinations claim @c brings when it wins. */
static size_t claim_dests(const struct sync_claim *c)
{
	return c->b->vs[c->idx].n_dests;
}

/* Links claim @c; never allocates when the vs hash was reserved. */
static void claim_link(struct sync_desired *d, struct sync_claim *c)
{
	const struct ipvs_service *id = claim_svc(c);
	void **slot = sync_hash_slot(&d->vs, c->hash, claim_eq, id);
	struct sync_claim *head, **pp;

	c->linked = true;
	c->head = false;
	if (!slot) {
		c->next = NULL;
		c->head = true;
		/* Cannot fail: the caller reserved room. */
		if (sync_hash_insert(&d->vs, c->hash, c))
			c->linked = c->head = false;
		else
			d->n_dests_wanted += claim_dests(c);
		return;
	}
	head = *slot;
	for (pp = &head; *pp; pp = &(*pp)->next) {
		int cmp = strcmp((*pp)->b->key, c->b->key);

		if (cmp == 0) { /* the same Service twice (e.g. externalIP == LB IP) */
			c->linked = false;
			return;
		}
		if (cmp > 0)
			break;
	}
	c->next = *pp;
	*pp = c;
	*slot = head;
	if (head == c) {
		c->head = true;
		c->next->head = false;
		d->n_dests_wanted += claim_dests(c) - claim_dests(c->next);
	}
	d->n_conflicts++;
	log_conflict(head, head == c ? c->next : c);
}

static void claim_unlink(struct sync_desired *d, struct sync_claim *c)
{
	void **slot;
	struct sync_claim *head, **pp;

	if (!c->linked)
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
	if (c->head)
		d->n_dests_wanted -= claim_dests(c);
	if (head && c->head)
		d->n_dests_wanted += claim_dests(head);
	c->head = false;
	if (head) {
		head->head = true;
		*slot = head;
		if (d->n_conflicts)
			d->n_conflicts--;
		return;
	}
	sync_hash_remove(&d->vs, c->hash, claim_eq, claim_svc(c));
}

/* --- bound addresses ------------------------------------------------------ */

/* Never allocates when the bound hash was reserved. */
static void bind_link(struct sync_desired *d, struct sync_bind *l)
{
	void **slot = sync_hash_slot(&d->bound, l->hash, bound_eq, bind_addr(l));

	if (slot) {
		l->next = *slot;
		*slot = l;
		return;
	}
	l->next = NULL;
	if (sync_hash_insert(&d->bound, l->hash, l)) /* reserved: cannot fail */
		log_err("desired_bind_failed", "service=%s", l->b->key);
}

static void bind_unlink(struct sync_desired *d, struct sync_bind *l)
{
	void **slot = sync_hash_slot(&d->bound, l->hash, bound_eq, bind_addr(l));
	struct sync_bind *head, **pp;

	if (!slot)
		return;
	head = *slot;
	for (pp = &head; *pp && *pp != l; pp = &(*pp)->next)
		;
	if (!*pp)
		return;
	*pp = l->next;
	if (head)
		*slot = head;
	else
		sync_hash_remove(&d->bound, l->hash, bound_eq, bind_addr(l));
}

/* --- blocks ------------------------------------------------------------------ */

static void block_detach(struct sync_desired *d, struct sync_block *b)
{
	for (size_t i = 0; i < b->n_vs; i++) {
		claim_unlink(d, &b->claims[i]);
		if (b->origin[i].bind)
			bind_unlink(d, &b->binds[i]);
	}
	sync_hash_remove(&d->blocks, b->hash, block_eq, b->key);
	d->n_dests_stored -= b->n_dests;
	d->bytes -= b->bytes;
}

/* Makes room so that attaching @b cannot fail. */
static int block_prepare(struct sync_desired *d, struct sync_block *b)
{
	b->hash = sync_hash_str(b->key);
	if (sync_hash_reserve(&d->vs, d->vs.n + b->n_vs) ||
	    sync_hash_reserve(&d->bound, d->bound.n + b->n_bind) ||
	    sync_hash_reserve(&d->blocks, d->blocks.n + 1))
		return -ENOMEM;
	return 0;
}

static void block_attach(struct sync_desired *d, struct sync_block *b)
{
	for (size_t i = 0; i < b->n_vs; i++) {
		struct sync_claim *c = &b->claims[i];

		c->b = b;
		c->idx = (uint32_t)i;
		c->hash = sync_vs_hash(&b->vs[i].svc);
		claim_link(d, c);
		if (b->origin[i].bind) {
			struct sync_bind *l = &b->binds[i];

			l->b = b;
			l->idx = (uint32_t)i;
			l->hash = addr_hash(&b->vs[i].svc.addr);
			bind_link(d, l);
		}
	}
	if (sync_hash_insert(&d->blocks, b->hash, b)) /* reserved: cannot fail */
		log_err("desired_attach_failed", "service=%s", b->key);
	d->n_dests_stored += b->n_dests;
	d->bytes += b->bytes;
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
	int err = 0;

	if (e)
		err = sync_rules_build(st, e, node, &d->scr, &nb);
	if (!err && nb)
		err = block_prepare(d, nb);
	if (!err && touched)
		err = sync_keys_reserve(touched, (old ? old->n_vs : 0) + (nb ? nb->n_vs : 0));
	if (err) {
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
		block_attach(d, nb);
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

/*
 * Walks the blocks (memory order: a block's VSs, destinations and claims are
 * one allocation) rather than the identity hash. *pos = slot << 24 | next VS.
 */
static const struct sync_claim *next_head(const struct sync_desired *d, size_t *pos)
{
	size_t slot = *pos >> 24, i = *pos & 0xffffff;

	for (; slot < d->blocks.cap; slot++, i = 0) {
		const struct sync_block *b = d->blocks.slots[slot].item;

		/* Blocks lie at random addresses: fetch a few ahead (a hint). */
		if (i == 0 && slot + 4 < d->blocks.cap && d->blocks.slots[slot + 4].item) {
			const struct sync_block *ahead = d->blocks.slots[slot + 4].item;

			__builtin_prefetch(ahead);
			__builtin_prefetch(&ahead->claims);
		}
		for (; b && i < b->n_vs; i++) {
			if (!b->claims[i].head)
				continue;
			*pos = slot << 24 | (i + 1);
			return &b->claims[i];
		}
	}
	*pos = slot << 24;
	return NULL;
}

const struct ipvs_vs *sync_desired_next(const struct sync_desired *d, size_t *pos,
                                        const struct sync_origin **origin)
{
	const struct sync_claim *c = next_head(d, pos);

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
	const struct sync_bind *l;

	*out = NULL;
	*n = 0;
	if (!d->bound.n)
		return 0;
	*out = calloc(d->bound.n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	while ((l = sync_hash_next(&d->bound, &pos)))
		(*out)[k++] = *bind_addr(l);
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
	memset(out, 0, sizeof(*out));
	out->services = d->blocks.n;
	out->vs = d->vs.n;
	out->dests = d->n_dests_wanted;
	out->dests_stored = d->n_dests_stored;
	out->bound = d->bound.n;
	out->conflicts = d->n_conflicts;
	out->bytes =
	    d->bytes + (d->vs.cap + d->bound.cap + d->blocks.cap) * sizeof(struct sync_hslot);
}
