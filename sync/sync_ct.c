/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_ct.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/bsearch.h"

void sync_ct_plan_init(struct sync_ct_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void sync_ct_plan_reset(struct sync_ct_plan *p)
{
	p->n = 0;
	p->n_keep = 0;
}

void sync_ct_plan_free(struct sync_ct_plan *p)
{
	free(p->v);
	free(p->keep);
	sync_ct_plan_init(p);
}

bool sync_ct_proto_cleaned(uint16_t proto)
{
	return proto == IPPROTO_UDP;
}

const char *sync_ct_why_name(enum sync_ct_why w)
{
	switch (w) {
	case SYNC_CT_DEST_GONE:
		return "dest_gone";
	case SYNC_CT_NEWLY_ACTIVE:
		return "newly_active";
	case SYNC_CT_VS_GONE:
		return "vs_gone";
	}
	return "?";
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t nc;
	void *nv;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 16;
	while (nc < need)
		nc *= 2;
	nv = realloc(*v, nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

static struct sync_ct_target *add_target(struct sync_ct_plan *p, enum sync_ct_why why,
                                         const struct ipvs_service *svc)
{
	struct sync_ct_target *t;

	if (grow((void **)&p->v, &p->cap, p->n + 1, sizeof(*p->v)))
		return NULL;
	t = &p->v[p->n++];
	memset(t, 0, sizeof(*t));
	t->why = why;
	t->proto = (uint8_t)svc->protocol;
	t->addr = svc->addr;
	t->port = svc->port;
	return t;
}

static int add_keep(struct sync_ct_plan *p, const struct sync_ct_rs *rs)
{
	if (grow((void **)&p->keep, &p->cap_keep, p->n_keep + 1, sizeof(*p->keep)))
		return -ENOMEM;
	p->keep[p->n_keep++] = *rs;
	return 0;
}

int sync_ct_plan_append(struct sync_ct_plan *dst, const struct sync_ct_plan *src)
{
	size_t base = dst->n_keep;

	if (grow((void **)&dst->v, &dst->cap, dst->n + src->n, sizeof(*dst->v)) ||
	    grow((void **)&dst->keep, &dst->cap_keep, dst->n_keep + src->n_keep,
	         sizeof(*dst->keep)))
		return -ENOMEM;
	if (src->n_keep)
		memcpy(dst->keep + base, src->keep, src->n_keep * sizeof(*src->keep));
	dst->n_keep += src->n_keep;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[dst->n] = src->v[i];
		dst->v[dst->n++].keep += base;
	}
	return 0;
}

/* Changes that concern the plan at all: accepted, address services, UDP. */
static bool relevant(const struct ipvs_change *c)
{
	return !c->err && !c->svc.fwmark && sync_ct_proto_cleaned(c->svc.protocol);
}

/* An added destination of a virtual server that went from none to some. */
struct added {
	const struct ipvs_service *svc;
	struct sync_ct_rs rs;
	size_t order; /* keeps the sort stable */
};

static int added_cmp(const void *a, const void *b)
{
	const struct added *x = a, *y = b;
	int c = sync_vs_cmp(x->svc, y->svc);

	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

/* NEWLY_ACTIVE targets, one per activated virtual server with its added
 * destinations as keep list (the changes of one virtual server need not be
 * next to each other: they are grouped here). */
static int plan_activated(struct sync_ct_plan *p, const struct ipvs_change *c, size_t n,
                          const struct sync_keys *activated)
{
	struct added *v = NULL;
	size_t m = 0, cap = 0;
	int err = 0;

	for (size_t i = 0; !err && i < n; i++) {
		if (c[i].op != IPVS_OP_ADD_DEST || !relevant(&c[i]) ||
		    !sync_keys_has(activated, &c[i].svc))
			continue;
		err = grow((void **)&v, &cap, m + 1, sizeof(*v));
		if (!err)
			v[m++] = (struct added){ &c[i].svc, { c[i].dest.addr, c[i].dest.port }, i };
	}
	if (m > 1)
		qsort(v, m, sizeof(*v), added_cmp);
	for (size_t i = 0; !err && i < m; i++) {
		struct sync_ct_target *t;

		if (i && !sync_vs_cmp(v[i - 1].svc, v[i].svc)) {
			err = add_keep(p, &v[i].rs);
			if (!err)
				p->v[p->n - 1].n_keep++;
			continue;
		}
		t = add_target(p, SYNC_CT_NEWLY_ACTIVE, v[i].svc);
		if (!t) {
			err = -ENOMEM;
			break;
		}
		t->keep = p->n_keep;
		t->n_keep = 1;
		err = add_keep(p, &v[i].rs);
	}
	free(v);
	return err;
}

int sync_ct_plan_add(struct sync_ct_plan *p, const struct ipvs_change *c, size_t n,
                     const struct sync_keys *activated)
{
	for (size_t i = 0; i < n; i++) {
		struct sync_ct_target *t;

		if (!relevant(&c[i]) ||
		    (c[i].op != IPVS_OP_DEL_DEST && c[i].op != IPVS_OP_DEL_SERVICE))
			continue;
		t = add_target(p, c[i].op == IPVS_OP_DEL_DEST ? SYNC_CT_DEST_GONE : SYNC_CT_VS_GONE,
		               &c[i].svc);
		if (!t)
			return -ENOMEM;
		if (c[i].op == IPVS_OP_DEL_DEST)
			t->rs = (struct sync_ct_rs){ c[i].dest.addr, c[i].dest.port };
	}
	return activated && activated->n ? plan_activated(p, c, n, activated) : 0;
}

/* --- the dumps ------------------------------------------------------------------- */

/* The dump that finds @t's entries: by reply source for a destination that
 * left, by port for the rest (a NodePort's node addresses share one). */
static struct ct_filter target_filter(const struct sync_ct_target *t, bool narrow)
{
	struct ct_filter f = { .af = t->addr.af, .proto = t->proto };

	if (!narrow)
		return f;
	if (t->why == SYNC_CT_DEST_GONE)
		f.reply_src = t->rs.addr;
	else
		f.orig_dport = t->port;
	return f;
}

static bool same_filter(const struct ct_filter *a, const struct ct_filter *b)
{
	return a->af == b->af && a->proto == b->proto && a->orig_dport == b->orig_dport &&
	       addr_eq(&a->orig_dst, &b->orig_dst) && addr_eq(&a->reply_src, &b->reply_src);
}

/* Distinct filters of @p into @out (room for SYNC_CT_MAX_DUMPS + 1 when
 * @narrow); 0 when there are more than that. */
static size_t collect(const struct sync_ct_plan *p, bool narrow, struct ct_filter *out, size_t max,
                      size_t *group)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++) {
		struct ct_filter f = target_filter(&p->v[i], narrow);
		size_t j = 0;

		while (j < n && !same_filter(&out[j], &f))
			j++;
		if (j == n) {
			if (n == max)
				return 0;
			out[n++] = f;
		}
		if (group)
			group[i] = j;
	}
	return n;
}

int sync_ct_dumps(const struct sync_ct_plan *p, bool kernel_filters, struct ct_filter **out,
                  size_t *n, size_t *group)
{
	/* At most two families times the protocols cleaned, when not narrow. */
	size_t max = SYNC_CT_MAX_DUMPS > 4 ? SYNC_CT_MAX_DUMPS : 4;
	struct ct_filter *f = calloc(max, sizeof(*f));

	*out = f;
	*n = 0;
	if (!f)
		return -ENOMEM;
	if (kernel_filters)
		*n = collect(p, true, f, SYNC_CT_MAX_DUMPS, group);
	if (!*n)
		*n = collect(p, false, f, max, group);
	return 0;
}

/* --- matching dumped entries -------------------------------------------------------- */

struct key {
	const struct net_addr *addr;
	uint16_t port;
	uint8_t proto;
};

static int key_cmp(const struct sync_ct_target *t, const struct key *k)
{
	int c = addr_cmp(&t->addr, k->addr);

	if (c)
		return c;
	if (t->proto != k->proto)
		return t->proto < k->proto ? -1 : 1;
	return t->port == k->port ? 0 : t->port < k->port ? -1 : 1;
}

static int order_cmp(const void *a, const void *b, void *ctx)
{
	const struct sync_ct_plan *p = ctx;
	const struct sync_ct_target *x = &p->v[*(const uint32_t *)a];
	const struct sync_ct_target *y = &p->v[*(const uint32_t *)b];
	struct key k = { &y->addr, y->port, y->proto };

	return key_cmp(x, &k);
}

int sync_ct_index_build(struct sync_ct_index *ix, const struct sync_ct_plan *p)
{
	ix->p = p;
	ix->order = malloc((p->n ? p->n : 1) * sizeof(*ix->order));
	if (!ix->order)
		return -ENOMEM;
	for (size_t i = 0; i < p->n; i++)
		ix->order[i] = (uint32_t)i;
	qsort_r(ix->order, p->n, sizeof(*ix->order), order_cmp, (void *)p);
	return 0;
}

void sync_ct_index_free(struct sync_ct_index *ix)
{
	free(ix->order);
	ix->order = NULL;
}

struct find {
	const struct sync_ct_index *ix;
	struct key k;
};

static int find_cmp(const void *ctx, size_t i)
{
	const struct find *f = ctx;

	return key_cmp(&f->ix->p->v[f->ix->order[i]], &f->k);
}

static bool rs_is(const struct net_addr *a, uint16_t port, const struct sync_ct_rs *rs)
{
	return rs->port == port && addr_eq(&rs->addr, a);
}

static bool stale(const struct sync_ct_plan *p, const struct sync_ct_target *t,
                  const struct ct_entry *e)
{
	switch (t->why) {
	case SYNC_CT_DEST_GONE:
		return rs_is(&e->reply.src, e->reply.sport, &t->rs);
	case SYNC_CT_NEWLY_ACTIVE:
		for (size_t i = 0; i < t->n_keep; i++)
			if (rs_is(&e->reply.src, e->reply.sport, &p->keep[t->keep + i]))
				return false;
		return true;
	case SYNC_CT_VS_GONE:
		return true;
	}
	return false;
}

long sync_ct_index_match(const struct sync_ct_index *ix, const struct ct_entry *e)
{
	struct find f = { ix, { &e->orig.dst, e->orig.dport, e->orig.proto } };
	size_t i = bsearch_lower(ix->p->n, find_cmp, &f, NULL);

	for (; i < ix->p->n && !find_cmp(&f, i); i++) {
		const struct sync_ct_target *t = &ix->p->v[ix->order[i]];

		if (stale(ix->p, t, e))
			return (long)ix->order[i];
	}
	return -1;
}
