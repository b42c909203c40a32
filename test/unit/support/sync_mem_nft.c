/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_mem_nft.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mtable {
	uint8_t family;
	char name[NFT_NAME_LEN];
	struct nft_set_def *sets;
	struct nft_elems *elems; /* one per set */
	size_t n_sets;
	struct nft_chain_def *chains;
	size_t n_chains;
	struct nft_rule_def *rules;
	size_t n_rules;
	uint32_t extra; /* objects added behind kipvs's back */
};

struct sync_mem_nft {
	struct mtable *t;
	size_t n;
	size_t writes, ops[4];
	bool absent;
	bool fail_armed;
	size_t fail_skip;
	int fail_err;
	char refuse_set[NFT_NAME_LEN];
	uint8_t refuse_elem[2 * NFT_KEY_MAX];
	size_t refuse_len;
	int refuse_err;
};

int sync_mem_nft_new(struct sync_mem_nft **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void table_free(struct mtable *t)
{
	for (size_t i = 0; i < t->n_sets; i++)
		nft_elems_free(&t->elems[i]);
	free(t->sets);
	free(t->elems);
	free(t->chains);
	free(t->rules);
	memset(t, 0, sizeof(*t));
}

static void tables_free(struct mtable *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		table_free(&t[i]);
	free(t);
}

void sync_mem_nft_free(struct sync_mem_nft *n)
{
	if (!n)
		return;
	tables_free(n->t, n->n);
	free(n);
}

static void *dup_mem(const void *p, size_t bytes)
{
	void *c = malloc(bytes ? bytes : 1);

	if (c && bytes)
		memcpy(c, p, bytes);
	return c;
}

/* A deep copy of every table (a transaction works on one). */
static struct mtable *copy_tables(const struct mtable *t, size_t n)
{
	struct mtable *c = calloc(n ? n : 1, sizeof(*c));

	for (size_t i = 0; c && i < n; i++) {
		c[i] = t[i];
		c[i].sets = dup_mem(t[i].sets, t[i].n_sets * sizeof(*t[i].sets));
		c[i].elems = calloc(t[i].n_sets ? t[i].n_sets : 1, sizeof(*c[i].elems));
		c[i].chains = dup_mem(t[i].chains, t[i].n_chains * sizeof(*t[i].chains));
		c[i].rules = dup_mem(t[i].rules, t[i].n_rules * sizeof(*t[i].rules));
		for (size_t s = 0; c[i].elems && s < t[i].n_sets; s++) {
			c[i].elems[s] = t[i].elems[s];
			c[i].elems[s].cap = t[i].elems[s].n;
			c[i].elems[s].v =
			    dup_mem(t[i].elems[s].v, t[i].elems[s].n * t[i].elems[s].stride);
		}
	}
	return c;
}

static struct mtable *find_table(struct mtable *t, size_t n, uint8_t family, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].family == family && !strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

static long find_set(const struct mtable *t, const char *name)
{
	for (size_t i = 0; i < t->n_sets; i++)
		if (!strcmp(t->sets[i].name, name))
			return (long)i;
	return -1;
}

static long find_chain(const struct mtable *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (!strcmp(t->chains[i].name, name))
			return (long)i;
	return -1;
}

static long find_elem(const struct nft_elems *e, const uint8_t *x)
{
	for (size_t i = 0; i < e->n; i++)
		if (!memcmp(nft_elems_at(e, i), x, e->stride))
			return (long)i;
	return -1;
}

/* --- reads --------------------------------------------------------------------------- */

int sync_mem_nft_table(struct sync_mem_nft *n, uint8_t family, const char *name,
                       const struct nft_table_def *want, struct nft_table_def *out)
{
	const struct mtable *t;

	(void)want;
	memset(out, 0, sizeof(*out));
	if (n->absent)
		return -EOPNOTSUPP;
	t = find_table(n->t, n->n, family, name);
	if (!t)
		return -ENOENT;
	out->family = family;
	snprintf(out->name, sizeof(out->name), "%s", name);
	out->sets = dup_mem(t->sets, t->n_sets * sizeof(*t->sets));
	out->chains = dup_mem(t->chains, t->n_chains * sizeof(*t->chains));
	out->rules = dup_mem(t->rules, t->n_rules * sizeof(*t->rules));
	if (!out->sets || !out->chains || !out->rules) {
		nft_table_def_clear(out);
		return -ENOMEM;
	}
	out->n_sets = t->n_sets;
	out->n_chains = t->n_chains;
	out->n_rules = t->n_rules;
	out->use = (uint32_t)(t->n_sets + t->n_chains) + t->extra;
	return 0;
}

int sync_mem_nft_elems(struct sync_mem_nft *n, uint8_t family, const char *table,
                       const struct nft_set_def *set, struct nft_elems *out)
{
	const struct mtable *t;
	long s;

	if (n->absent)
		return -EOPNOTSUPP;
	t = find_table(n->t, n->n, family, table);
	s = t ? find_set(t, set->name) : -1;
	if (s < 0)
		return -ENOENT;
	for (size_t i = 0; i < t->elems[s].n; i++) {
		int err = nft_elems_add(out, nft_elems_at(&t->elems[s], i), NULL, out->stride);

		if (err)
			return err;
	}
	return 0;
}

/* --- transactions ----------------------------------------------------------------------- */

static int table_add(struct mtable **t, size_t *n, const struct nft_table_def *d)
{
	struct mtable *x = find_table(*t, *n, d->family, d->name);

	if (!x) {
		struct mtable *nt = realloc(*t, (*n + 1) * sizeof(**t));

		if (!nt)
			return -ENOMEM;
		*t = nt;
		x = &nt[(*n)++];
		memset(x, 0, sizeof(*x));
		x->family = d->family;
		snprintf(x->name, sizeof(x->name), "%s", d->name);
	}
	for (size_t i = 0; i < d->n_sets; i++) {
		if (find_set(x, d->sets[i].name) >= 0)
			continue;
		x->sets = realloc(x->sets, (x->n_sets + 1) * sizeof(*x->sets));
		x->elems = realloc(x->elems, (x->n_sets + 1) * sizeof(*x->elems));
		if (!x->sets || !x->elems)
			return -ENOMEM;
		x->sets[x->n_sets] = d->sets[i];
		nft_elems_init(&x->elems[x->n_sets++], nft_set_stride(&d->sets[i]));
	}
	for (size_t i = 0; i < d->n_chains; i++) {
		if (find_chain(x, d->chains[i].name) >= 0)
			continue;
		x->chains = realloc(x->chains, (x->n_chains + 1) * sizeof(*x->chains));
		if (!x->chains)
			return -ENOMEM;
		x->chains[x->n_chains++] = d->chains[i];
	}
	for (size_t i = 0; i < d->n_rules; i++) {
		struct nft_rule_def r = d->rules[i];

		r.chain = (uint16_t)find_chain(x, d->chains[d->rules[i].chain].name);
		x->rules = realloc(x->rules, (x->n_rules + 1) * sizeof(*x->rules));
		if (!x->rules)
			return -ENOMEM;
		x->rules[x->n_rules++] = r;
	}
	return 0;
}

static void table_del(struct mtable *t, size_t *n, uint8_t family, const char *name)
{
	struct mtable *x = find_table(t, *n, family, name);

	if (!x)
		return;
	table_free(x);
	*x = t[--*n];
}

/* Two ranges of an interval set overlap (and are not the same element). */
static bool overlaps(const struct nft_set_def *s, const uint8_t *a, const uint8_t *b)
{
	size_t klen = s->key_len, last = s->field_len[s->n_fields - 1];
	size_t lead = klen - ((last + 3) & ~(size_t)3);

	if (memcmp(a, b, lead) || !memcmp(a, b, 2 * klen))
		return false;
	/* [a.lo, a.hi] and [b.lo, b.hi] meet: a.lo <= b.hi and b.lo <= a.hi */
	return memcmp(a + lead, b + klen + lead, last) <= 0 &&
	       memcmp(b + lead, a + klen + lead, last) <= 0;
}

static int elems_op(struct sync_mem_nft *n, struct mtable *t, size_t nt, struct nft_op *op)
{
	struct mtable *x = find_table(t, nt, op->table->family, op->table->name);
	const struct nft_set_def *def = &op->table->sets[op->set];
	long s = x ? find_set(x, def->name) : -1;
	struct nft_elems *e;

	if (s < 0)
		return -ENOENT;
	e = &x->elems[s];
	for (size_t i = 0; i < op->n; i++) {
		const uint8_t *el = op->elems + i * e->stride;
		long at = find_elem(e, el);

		op->bad = i;
		if (op->kind == NFT_OP_DEL_ELEMS) {
			if (at < 0)
				return -ENOENT;
			memmove(e->v + at * e->stride, e->v + (at + 1) * e->stride,
			        (e->n - (size_t)at - 1) * e->stride);
			e->n--;
			continue;
		}
		if (n->refuse_err && !strcmp(n->refuse_set, def->name) &&
		    n->refuse_len == e->stride && !memcmp(n->refuse_elem, el, e->stride))
			return n->refuse_err;
		if (at >= 0)
			continue;
		for (size_t k = 0; nft_set_is_interval(&x->sets[s]) && k < e->n; k++)
			if (overlaps(&x->sets[s], nft_elems_at(e, k), el))
				return -EEXIST;
		if (nft_elems_add(e, el, NULL, e->stride))
			return -ENOMEM;
	}
	op->bad = op->n;
	return 0;
}

int sync_mem_nft_apply(struct sync_mem_nft *n, struct nft_op *ops, size_t cnt)
{
	struct mtable *t;
	size_t nt = n->n;
	bool failed = false;

	if (n->absent)
		return -EOPNOTSUPP;
	n->writes++;
	if (n->fail_armed && !n->fail_skip--) {
		n->fail_armed = false;
		return n->fail_err;
	}
	t = copy_tables(n->t, n->n);
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		struct nft_op *op = &ops[i];

		n->ops[op->kind]++;
		op->bad = op->n;
		switch (op->kind) {
		case NFT_OP_DEL_TABLE:
			table_del(t, &nt, op->table->family, op->table->name);
			op->err = 0;
			break;
		case NFT_OP_ADD_TABLE:
			op->err = table_add(&t, &nt, op->table);
			break;
		default:
			op->err = elems_op(n, t, nt, op);
			break;
		}
		failed |= op->err != 0;
	}
	if (failed) {
		for (size_t i = 0; i < cnt; i++)
			if (!ops[i].err)
				ops[i].err = -ECANCELED;
		tables_free(t, nt);
		return 0;
	}
	tables_free(n->t, n->n);
	n->t = t;
	n->n = nt;
	return 0;
}

/* --- looking --------------------------------------------------------------------------------- */

size_t sync_mem_nft_writes(const struct sync_mem_nft *n)
{
	return n->writes;
}

size_t sync_mem_nft_ops(const struct sync_mem_nft *n, enum nft_op_kind kind)
{
	return n->ops[kind];
}

bool sync_mem_nft_has_table(const struct sync_mem_nft *n, uint8_t family, const char *name)
{
	return find_table(n->t, n->n, family, name) != NULL;
}

long sync_mem_nft_count(const struct sync_mem_nft *n, uint8_t family, const char *set)
{
	const struct mtable *t = find_table(n->t, n->n, family, "kipvs");
	long s = t ? find_set(t, set) : -1;

	return s < 0 ? -1 : (long)t->elems[s].n;
}

bool sync_mem_nft_has(const struct sync_mem_nft *n, uint8_t family, const char *set,
                      const uint8_t *elem)
{
	const struct mtable *t = find_table(n->t, n->n, family, "kipvs");
	long s = t ? find_set(t, set) : -1;

	return s >= 0 && find_elem(&t->elems[s], elem) >= 0;
}

/* --- tampering -------------------------------------------------------------------------------- */

int sync_mem_nft_add_foreign(struct sync_mem_nft *n, uint8_t family, const char *name)
{
	struct nft_chain_def c = { .name = "input", .type = "filter", .hook = 1 };
	struct nft_table_def d = {
		.family = family,
		.chains = &c,
		.n_chains = 1,
	};

	snprintf(d.name, sizeof(d.name), "%s", name);
	return table_add(&n->t, &n->n, &d);
}

void sync_mem_nft_drop_table(struct sync_mem_nft *n, uint8_t family, const char *name)
{
	table_del(n->t, &n->n, family, name);
}

int sync_mem_nft_tamper_elem(struct sync_mem_nft *n, uint8_t family, const char *set,
                             const uint8_t *elem, bool add)
{
	struct mtable *t = find_table(n->t, n->n, family, "kipvs");
	long s = t ? find_set(t, set) : -1;
	struct nft_elems *e;
	long at;

	if (s < 0)
		return -ENOENT;
	e = &t->elems[s];
	at = find_elem(e, elem);
	if (add)
		return at >= 0 ? -EEXIST : nft_elems_add(e, elem, NULL, e->stride);
	if (at < 0)
		return -ENOENT;
	memmove(e->v + at * e->stride, e->v + (at + 1) * e->stride,
	        (e->n - (size_t)at - 1) * e->stride);
	e->n--;
	return 0;
}

void sync_mem_nft_tamper_rule(struct sync_mem_nft *n, uint8_t family, size_t i)
{
	struct mtable *t = find_table(n->t, n->n, family, "kipvs");
	struct nft_rule_def *r;

	if (!t || i >= t->n_rules)
		return;
	r = &t->rules[i];
	/* its verdict turned into accept */
	r->x[r->n - 1].kind = NFT_X_VERDICT;
	r->x[r->n - 1].key = 1;
	r->x[r->n - 1].name[0] = '\0';
}

void sync_mem_nft_add_object(struct sync_mem_nft *n, uint8_t family, const char *table)
{
	struct mtable *t = find_table(n->t, n->n, family, table);

	if (t)
		t->extra++;
}

void sync_mem_nft_absent(struct sync_mem_nft *n, bool absent)
{
	n->absent = absent;
}

void sync_mem_nft_fail_apply(struct sync_mem_nft *n, size_t skip, int err)
{
	n->fail_armed = true;
	n->fail_skip = skip;
	n->fail_err = err;
}

void sync_mem_nft_refuse(struct sync_mem_nft *n, const char *set, const uint8_t *elem, size_t len,
                         int err)
{
	snprintf(n->refuse_set, sizeof(n->refuse_set), "%s", set);
	n->refuse_len = len < sizeof(n->refuse_elem) ? len : 0;
	if (n->refuse_len)
		memcpy(n->refuse_elem, elem, n->refuse_len);
	n->refuse_err = err;
}
