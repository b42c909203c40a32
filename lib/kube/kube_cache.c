/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_cache.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Chained hash table; one allocation per entry holding "ns\0name\0rv\0". */
struct entry {
	struct entry *next;
	uint32_t hash;
	uint32_t gen;     /* the relist generation that last saw it */
	uint32_t ns_len;  /* name starts at key + ns_len + 1 */
	uint32_t key_len; /* ns_len + 1 + strlen(name) */
	char *rv;         /* points into key[] or separately malloc'd when rewritten */
	char key[];
};

struct kube_cache {
	struct entry **b;
	size_t nb, count;
	uint32_t gen;
};

static uint32_t hash2(const char *ns, const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = ns; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return h;
}

int kube_cache_new(struct kube_cache **out)
{
	struct kube_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->nb = 64;
	c->b = calloc(c->nb, sizeof(*c->b));
	if (!c->b) {
		free(c);
		return -ENOMEM;
	}
	*out = c;
	return 0;
}

static bool rv_inline(const struct entry *e)
{
	return e->rv == e->key + e->key_len + 1;
}

static void entry_free(struct entry *e)
{
	if (!rv_inline(e))
		free(e->rv);
	free(e);
}

void kube_cache_free(struct kube_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nb; i++) {
		for (struct entry *e = c->b[i], *n; e; e = n) {
			n = e->next;
			entry_free(e);
		}
	}
	free(c->b);
	free(c);
}

size_t kube_cache_count(const struct kube_cache *c)
{
	return c->count;
}

static struct entry **find(const struct kube_cache *c, const char *ns, const char *name, uint32_t h)
{
	size_t nl = strlen(ns);
	struct entry **pp = &c->b[h & (c->nb - 1)];

	for (; *pp; pp = &(*pp)->next) {
		struct entry *e = *pp;

		if (e->hash == h && e->ns_len == nl && !memcmp(e->key, ns, nl) &&
		    !strcmp(e->key + nl + 1, name))
			return pp;
	}
	return pp;
}

static void grow(struct kube_cache *c)
{
	size_t nb = c->nb * 2;
	struct entry **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* stay at the old size: slower, still correct */
	for (size_t i = 0; i < c->nb; i++) {
		for (struct entry *e = c->b[i], *n; e; e = n) {
			n = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(c->b);
	c->b = b;
	c->nb = nb;
}

int kube_cache_upsert(struct kube_cache *c, const char *ns, const char *name, const char *rv)
{
	uint32_t h = hash2(ns, name);
	struct entry **pp = find(c, ns, name, h), *e = *pp;
	size_t nl, ml, rl = strlen(rv);

	if (e) {
		e->gen = c->gen;
		if (!strcmp(e->rv, rv))
			return KUBE_CACHE_SAME;
		if (!rv_inline(e) || strlen(e->rv) < rl) {
			char *n = strdup(rv);

			if (!n)
				return -ENOMEM;
			if (!rv_inline(e))
				free(e->rv);
			e->rv = n;
		} else {
			memcpy(e->rv, rv, rl + 1);
		}
		return KUBE_CACHE_CHANGED;
	}
	nl = strlen(ns);
	ml = strlen(name);
	if (nl > UINT32_MAX / 4 || ml > UINT32_MAX / 4)
		return -EINVAL;
	e = malloc(sizeof(*e) + nl + 1 + ml + 1 + rl + 1);
	if (!e)
		return -ENOMEM;
	e->next = NULL;
	e->hash = h;
	e->gen = c->gen;
	e->ns_len = (uint32_t)nl;
	e->key_len = (uint32_t)(nl + 1 + ml);
	memcpy(e->key, ns, nl + 1);
	memcpy(e->key + nl + 1, name, ml + 1);
	e->rv = e->key + e->key_len + 1;
	memcpy(e->rv, rv, rl + 1);
	*pp = e;
	if (++c->count > c->nb)
		grow(c);
	return KUBE_CACHE_NEW;
}

bool kube_cache_remove(struct kube_cache *c, const char *ns, const char *name)
{
	struct entry **pp = find(c, ns, name, hash2(ns, name)), *e = *pp;

	if (!e)
		return false;
	*pp = e->next;
	entry_free(e);
	c->count--;
	return true;
}

bool kube_cache_has(const struct kube_cache *c, const char *ns, const char *name)
{
	return *find(c, ns, name, hash2(ns, name)) != NULL;
}

void kube_cache_relist_begin(struct kube_cache *c)
{
	c->gen++;
}

size_t kube_cache_relist_end(struct kube_cache *c,
                             void (*gone)(void *ctx, const char *ns, const char *name), void *ctx)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nb; i++) {
		struct entry **pp = &c->b[i];

		while (*pp) {
			struct entry *e = *pp;

			if (e->gen == c->gen) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			c->count--;
			n++;
			if (gone)
				gone(ctx, e->key, e->key + e->ns_len + 1);
			entry_free(e);
		}
	}
	return n;
}
