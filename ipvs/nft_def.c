/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers over the nf_tables values of nft_types.h: set layouts, element
 * arrays, and equality between what was built and what was read back. */
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft_types.h"

/* nft's concatenated datatype: each further field shifts the id left by 6. */
#define NFT_TYPE_BITS 6
/* nft's user data for a set (libnftnl's NFTNL_UDATA_SET_*): TLVs of one
 * type byte and one length byte. */
#define UDATA_KEYBYTEORDER 0
#define UDATA_KEY_TYPEOF   3
#define TYPEOF_EXPR        0
#define TYPEOF_DATA        1
#define NFT_EXPR_CONCAT    13 /* nft's expression type number of a concatenation */
#define BYTEORDER_INVALID  0
#define BYTEORDER_BIG      2

size_t nft_dtype_len(enum nft_dtype t)
{
	switch (t) {
	case NFT_DT_IPV4:
		return 4;
	case NFT_DT_IPV6:
		return 16;
	case NFT_DT_PROTO:
		return 1;
	case NFT_DT_SERVICE:
		return 2;
	}
	return 0;
}

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static void put_u32_host(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

int nft_set_def_init(struct nft_set_def *s, const char *name, const enum nft_dtype *types, size_t n,
                     bool interval)
{
	uint8_t *u;

	memset(s, 0, sizeof(*s));
	if (!n || n > NFT_FIELDS_MAX || strlen(name) >= sizeof(s->name))
		return -EINVAL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	for (size_t i = 0; i < n; i++) {
		size_t len = nft_dtype_len(types[i]);

		if (!len)
			return -EINVAL;
		s->key_type = s->key_type << NFT_TYPE_BITS | (uint32_t)types[i];
		s->key_len += (uint32_t)(n > 1 ? pad4(len) : len);
		if (n > 1 && interval)
			s->field_len[i] = (uint8_t)len;
	}
	s->n_fields = (uint8_t)n;
	if (interval)
		s->flags |= NFT_SET_INTERVAL | (n > 1 ? NFT_SET_CONCAT : 0);
	/* What nft 1.0.6 stores for `type ...`: the key byte order (none for a
	 * concatenation), and for a concatenation an empty "typeof". */
	u = s->udata;
	u[0] = UDATA_KEYBYTEORDER;
	u[1] = 4;
	put_u32_host(u + 2, n > 1 ? BYTEORDER_INVALID : BYTEORDER_BIG);
	s->udata_len = 6;
	if (n > 1) {
		u[6] = UDATA_KEY_TYPEOF;
		u[7] = 8;
		u[8] = TYPEOF_EXPR;
		u[9] = 4;
		put_u32_host(u + 10, NFT_EXPR_CONCAT);
		u[14] = TYPEOF_DATA;
		u[15] = 0;
		s->udata_len = 16;
	}
	return 0;
}

bool nft_set_is_interval(const struct nft_set_def *s)
{
	return (s->flags & NFT_SET_INTERVAL) != 0;
}

size_t nft_set_stride(const struct nft_set_def *s)
{
	return nft_set_is_interval(s) ? 2 * (size_t)s->key_len : s->key_len;
}

void nft_elems_init(struct nft_elems *e, size_t stride)
{
	memset(e, 0, sizeof(*e));
	e->stride = stride;
}

void nft_elems_free(struct nft_elems *e)
{
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}

int nft_elems_add(struct nft_elems *e, const uint8_t *key, const uint8_t *key_end, size_t key_len)
{
	uint8_t *at;

	if (key_len * (key_end ? 2 : 1) != e->stride)
		return -EINVAL;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		uint8_t *nv = realloc(e->v, cap * e->stride);

		if (!nv)
			return -ENOMEM;
		e->v = nv;
		e->cap = cap;
	}
	at = e->v + e->n * e->stride;
	memcpy(at, key, key_len);
	if (key_end)
		memcpy(at + key_len, key_end, key_len);
	e->n++;
	return 0;
}

void nft_table_def_clear(struct nft_table_def *t)
{
	free(t->sets);
	free(t->chains);
	free(t->rules);
	memset(t, 0, sizeof(*t));
}

/* --- equality ---------------------------------------------------------------- */

bool nft_expr_same(const struct nft_expr *a, const struct nft_expr *b)
{
	size_t dlen = a->len < NFT_DATA_MAX ? a->len : NFT_DATA_MAX;

	if (a->kind != b->kind || a->reg != b->reg || a->reg2 != b->reg2 || a->base != b->base ||
	    a->off != b->off || a->len != b->len || a->size != b->size || a->key != b->key ||
	    a->flags != b->flags || strcmp(a->name, b->name))
		return false;
	switch (a->kind) {
	case NFT_X_CMP:
		return !memcmp(a->data, b->data, dlen);
	case NFT_X_BITWISE:
		return !memcmp(a->data, b->data, dlen) && !memcmp(a->xor, b->xor, dlen);
	default:
		return true;
	}
}

bool nft_rule_same(const struct nft_rule_def *a, const struct nft_rule_def *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!nft_expr_same(&a->x[i], &b->x[i]))
			return false;
	return true;
}

bool nft_set_same(const struct nft_set_def *a, const struct nft_set_def *b)
{
	return !strcmp(a->name, b->name) && a->flags == b->flags && a->key_type == b->key_type &&
	       a->key_len == b->key_len && !memcmp(a->field_len, b->field_len, NFT_FIELDS_MAX) &&
	       a->udata_len == b->udata_len && !memcmp(a->udata, b->udata, a->udata_len);
}

bool nft_chain_same(const struct nft_chain_def *a, const struct nft_chain_def *b)
{
	if (strcmp(a->name, b->name) || strcmp(a->type, b->type) || a->hook != b->hook)
		return false;
	return a->hook < 0 || (a->prio == b->prio && a->policy == b->policy);
}

static const struct nft_set_def *find_set(const struct nft_table_def *t, const char *name)
{
	for (size_t i = 0; i < t->n_sets; i++)
		if (!strcmp(t->sets[i].name, name))
			return &t->sets[i];
	return NULL;
}

static const struct nft_chain_def *find_chain(const struct nft_table_def *t, const char *name,
                                              size_t *idx)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (!strcmp(t->chains[i].name, name)) {
			*idx = i;
			return &t->chains[i];
		}
	return NULL;
}

/* The rules of chain @c of @t, in order: the k-th one, or NULL. */
static const struct nft_rule_def *nth_rule(const struct nft_table_def *t, size_t c, size_t k)
{
	for (size_t i = 0; i < t->n_rules; i++)
		if (t->rules[i].chain == c && k-- == 0)
			return &t->rules[i];
	return NULL;
}

static bool rules_same(const struct nft_table_def *want, size_t wc,
                       const struct nft_table_def *have, size_t hc, const char *chain, char *why,
                       size_t len)
{
	for (size_t k = 0;; k++) {
		const struct nft_rule_def *w = nth_rule(want, wc, k), *h = nth_rule(have, hc, k);

		if (!w && !h)
			return true;
		if (!w || !h) {
			snprintf(why, len, "chain %s: %s rule %zu", chain, w ? "missing" : "extra",
			         k + 1);
			return false;
		}
		if (!nft_rule_same(w, h)) {
			snprintf(why, len, "chain %s: rule %zu differs", chain, k + 1);
			return false;
		}
	}
}

bool nft_table_same(const struct nft_table_def *want, const struct nft_table_def *have, char *why,
                    size_t len)
{
	for (size_t i = 0; i < want->n_sets; i++) {
		const struct nft_set_def *h = find_set(have, want->sets[i].name);

		if (!h || !nft_set_same(&want->sets[i], h)) {
			snprintf(why, len, "set %s %s", want->sets[i].name,
			         h ? "differs" : "missing");
			return false;
		}
	}
	for (size_t i = 0; i < want->n_chains; i++) {
		size_t hc = 0;
		const struct nft_chain_def *h = find_chain(have, want->chains[i].name, &hc);

		if (!h || !nft_chain_same(&want->chains[i], h)) {
			snprintf(why, len, "chain %s %s", want->chains[i].name,
			         h ? "differs" : "missing");
			return false;
		}
		if (!rules_same(want, i, have, hc, h->name, why, len))
			return false;
	}
	/* Something else in the table (a chain or set someone added): the
	 * table is not what kipvs builds. */
	if (have->n_sets != want->n_sets || have->n_chains != want->n_chains ||
	    have->use != want->n_sets + want->n_chains) {
		snprintf(why, len, "table holds %u objects, %zu expected", have->use,
		         want->n_sets + want->n_chains);
		return false;
	}
	return true;
}
