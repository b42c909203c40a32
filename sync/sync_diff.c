/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_diff.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "../lib/bsearch.h"
#include "sync_node.h"

/* --- ownership ----------------------------------------------------------------- */

void sync_own_init(struct sync_own *o)
{
	memset(o, 0, sizeof(*o));
	o->nodeport_min = SYNC_NODEPORT_MIN;
	o->nodeport_max = SYNC_NODEPORT_MAX;
}

void sync_own_clear(struct sync_own *o)
{
	free(o->bound);
	free(o->node);
	free(o->exclude);
	sync_own_init(o);
}

static int set_addrs(struct net_addr **dst, size_t *n_dst, const struct net_addr *a, size_t n,
                     bool keep)
{
	size_t old = keep ? *n_dst : 0, total = old + n;
	struct net_addr *v;

	if (!total) {
		free(*dst);
		*dst = NULL;
		*n_dst = 0;
		return 0;
	}
	v = malloc(total * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (old)
		memcpy(v, *dst, old * sizeof(*v));
	if (n)
		memcpy(v + old, a, n * sizeof(*v));
	sync_addrs_sort_unique(v, &total);
	free(*dst);
	*dst = v;
	*n_dst = total;
	return 0;
}

void sync_own_set_nodeport_range(struct sync_own *o, uint16_t min, uint16_t max)
{
	o->nodeport_min = min;
	o->nodeport_max = max;
}

int sync_own_set_bound(struct sync_own *o, const struct net_addr *a, size_t n)
{
	return set_addrs(&o->bound, &o->n_bound, a, n, false);
}

int sync_own_add_bound(struct sync_own *o, const struct net_addr *a, size_t n)
{
	return set_addrs(&o->bound, &o->n_bound, a, n, true);
}

int sync_own_set_node(struct sync_own *o, const struct net_addr *a, size_t n)
{
	return set_addrs(&o->node, &o->n_node, a, n, false);
}

int sync_own_set_exclude(struct sync_own *o, const struct net_cidr *c, size_t n)
{
	struct net_cidr *v = NULL;

	if (n) {
		v = malloc(n * sizeof(*v));
		if (!v)
			return -ENOMEM;
		memcpy(v, c, n * sizeof(*v));
	}
	free(o->exclude);
	o->exclude = v;
	o->n_exclude = n;
	return 0;
}

bool sync_own_excluded(const struct sync_own *o, const struct net_addr *a)
{
	for (size_t i = 0; i < o->n_exclude; i++)
		if (cidr_contains(&o->exclude[i], a))
			return true;
	return false;
}

bool sync_own_owns(const struct sync_own *o, const struct ipvs_service *s)
{
	if (s->fwmark || sync_own_excluded(o, &s->addr))
		return false;
	if (sync_addrs_contains(o->bound, o->n_bound, &s->addr))
		return true;
	return s->port >= o->nodeport_min && s->port <= o->nodeport_max &&
	       sync_addrs_contains(o->node, o->n_node, &s->addr);
}

/* --- changes ----------------------------------------------------------------------- */

const char *sync_op_name(enum ipvs_op op)
{
	switch (op) {
	case IPVS_OP_ADD_SERVICE:
		return "add_service";
	case IPVS_OP_EDIT_SERVICE:
		return "edit_service";
	case IPVS_OP_DEL_SERVICE:
		return "del_service";
	case IPVS_OP_ADD_DEST:
		return "add_dest";
	case IPVS_OP_EDIT_DEST:
		return "edit_dest";
	case IPVS_OP_DEL_DEST:
		return "del_dest";
	}
	return "?";
}

int sync_changes_emit(void *ctx, const struct ipvs_change *c)
{
	struct sync_changes *ch = ctx;

	if (ch->n == ch->cap) {
		size_t nc = ch->cap ? ch->cap * 2 : 64;
		struct ipvs_change *nv = realloc(ch->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		ch->v = nv;
		ch->cap = nc;
	}
	ch->v[ch->n++] = *c;
	return 0;
}

void sync_changes_free(struct sync_changes *ch)
{
	free(ch->v);
	memset(ch, 0, sizeof(*ch));
}

/* --- the diff ------------------------------------------------------------------------ */

void sync_diff_init(struct sync_diff *c, const struct sync_own *own, struct sync_drain *drain,
                    uint64_t now_ms, sync_emit_fn emit, void *emit_ctx)
{
	memset(c, 0, sizeof(*c));
	c->own = own;
	c->drain = drain;
	c->now_ms = now_ms;
	c->emit = emit;
	c->emit_ctx = emit_ctx;
}

void sync_diff_clear(struct sync_diff *c)
{
	free(c->mark);
	free(c->order);
	free(c->hmatch);
	c->mark = NULL;
	c->order = NULL;
	c->hmatch = NULL;
	c->mark_cap = c->order_cap = c->hmatch_cap = 0;
}

static int emit(struct sync_diff *c, enum ipvs_op op, const struct ipvs_service *svc,
                const struct ipvs_dest *dest)
{
	struct ipvs_change ch;

	memset(&ch, 0, sizeof(ch));
	ch.op = op;
	ch.svc = *svc;
	if (dest)
		ch.dest = *dest;
	return c->emit(c->emit_ctx, &ch);
}

/* strncmp over the fixed-size name arrays, inlined (the full diff's hot loop). */
static inline bool name_differs(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return true;
		if (!a[i])
			return false;
	}
	return false;
}

static bool svc_differs(const struct ipvs_service *w, const struct ipvs_service *h)
{
	return name_differs(w->sched_name, h->sched_name, sizeof(w->sched_name)) ||
	       name_differs(w->pe_name, h->pe_name, sizeof(w->pe_name)) ||
	       (w->flags & ~IP_VS_SVC_F_HASHED) != (h->flags & ~IP_VS_SVC_F_HASHED) ||
	       w->timeout != h->timeout || w->netmask != h->netmask;
}

static bool dest_differs(const struct ipvs_dest *w, const struct ipvs_dest *h)
{
	return w->weight != h->weight ||
	       (w->conn_flags & IP_VS_CONN_F_FWD_MASK) != (h->conn_flags & IP_VS_CONN_F_FWD_MASK) ||
	       w->u_threshold != h->u_threshold || w->l_threshold != h->l_threshold;
}

static int grow_scratch(struct sync_diff *c, size_t n, size_t m)
{
	if (n > c->mark_cap) {
		uint8_t *mk = realloc(c->mark, n);

		if (!mk)
			return -ENOMEM;
		c->mark = mk;
		c->mark_cap = n;
	}
	if (n > c->order_cap) {
		uint32_t *o = realloc(c->order, n * sizeof(*o));

		if (!o)
			return -ENOMEM;
		c->order = o;
		c->order_cap = n;
	}
	if (m > c->hmatch_cap) {
		int32_t *h = realloc(c->hmatch, m * sizeof(*h));

		if (!h)
			return -ENOMEM;
		c->hmatch = h;
		c->hmatch_cap = m;
	}
	return 0;
}

/* The order of sync_dest_cmp (render's), inlined for the diff's hot loop. */
static inline int dcmp(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	if (a->addr.af != b->addr.af)
		return a->addr.af < b->addr.af ? -1 : 1;
	if (a->addr.af == AF_INET) {
		uint32_t x = ntohl(a->addr.a.w[0]), y = ntohl(b->addr.a.w[0]);

		if (x != y)
			return x < y ? -1 : 1;
	} else {
		int r = memcmp(a->addr.a.b, b->addr.a.b, 16);

		if (r)
			return r;
	}
	return a->port == b->port ? 0 : a->port < b->port ? -1 : 1;
}

static inline bool dsame(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	return a->port == b->port && a->addr.af == b->addr.af &&
	       !memcmp(a->addr.a.b, b->addr.a.b, 16);
}

/* qsort has no context argument; sort indexes with a small merge sort. */
static void sort_order(uint32_t *o, uint32_t *tmp, size_t n, const struct ipvs_dest *d)
{
	if (n < 2)
		return;
	sort_order(o, tmp, n / 2, d);
	sort_order(o + n / 2, tmp, n - n / 2, d);
	for (size_t i = 0, j = n / 2, k = 0; k < n; k++) {
		if (i < n / 2 && (j >= n || dcmp(&d[o[i]], &d[o[j]]) <= 0))
			tmp[k] = o[i++];
		else
			tmp[k] = o[j++];
	}
	memcpy(o, tmp, n * sizeof(*o));
}

/* Index of the wanted destination equal to @x, or -1 (order is sorted). */
struct want_key {
	const struct ipvs_vs *want;
	const uint32_t *order;
	const struct ipvs_dest *x;
};

static inline int want_cmp_at(const void *ctx, size_t i)
{
	const struct want_key *k = ctx;

	return dcmp(&k->want->dests[k->order[i]], k->x);
}

static int32_t want_find(const struct ipvs_vs *want, const uint32_t *order,
                         const struct ipvs_dest *x)
{
	struct want_key k = { want, order, x };
	bool found;
	size_t i = bsearch_lower(want->n_dests, want_cmp_at, &k, &found);

	return found ? (int32_t)order[i] : -1;
}

static int build_order(struct sync_diff *c, const struct ipvs_vs *want)
{
	size_t n = want->n_dests;
	bool sorted = true;
	uint32_t *tmp;

	for (size_t i = 0; i < n; i++)
		c->order[i] = (uint32_t)i;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = dcmp(&want->dests[i - 1], &want->dests[i]) < 0;
	if (sorted)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	sort_order(c->order, tmp, n, want->dests);
	free(tmp);
	return 0;
}

/*
 * Fills c->hmatch[i] with the wanted index of have->dests[i] (or -1). The
 * common cases are linear: the kernel lists destinations newest first, so
 * a VS kipvs filled in order reads back reversed; a copy reads back as is.
 */
static int match_dests(struct sync_diff *c, const struct ipvs_vs *want, const struct ipvs_vs *have)
{
	size_t n = want->n_dests, m = have->n_dests;
	bool fwd = n == m, rev = n == m;
	int err;

	for (size_t i = 0; i < m && (fwd || rev); i++) {
		fwd = fwd && dsame(&have->dests[i], &want->dests[i]);
		rev = rev && dsame(&have->dests[i], &want->dests[n - 1 - i]);
	}
	if (fwd || rev) {
		for (size_t i = 0; i < m; i++)
			c->hmatch[i] = (int32_t)(fwd ? i : n - 1 - i);
		return 0;
	}
	err = build_order(c, want);
	if (err)
		return err;
	for (size_t i = 0; i < m; i++)
		c->hmatch[i] = want_find(want, c->order, &have->dests[i]);
	return 0;
}

/* An unwanted destination @h of @svc (present in the kernel). */
static int unwanted_dest(struct sync_diff *c, const struct ipvs_service *svc,
                         const struct ipvs_dest *h)
{
	uint64_t since = 0;
	bool draining;
	struct ipvs_dest z;
	int err;

	if (!c->drain || svc->protocol != IPPROTO_TCP || h->active_conns + h->inact_conns == 0)
		goto del;
	draining = sync_drain_get(c->drain, svc, h, &since);
	if (draining && c->now_ms >= since && c->now_ms - since >= sync_drain_timeout(c->drain))
		goto del;
	if (!draining) {
		/* New, or left at weight 0 before a restart: draining from now. */
		err = sync_drain_start(c->drain, svc, h, c->now_ms);
		if (err)
			return err;
	}
	if (h->weight == 0) {
		c->stats.draining++;
		return 0;
	}
	z = *h;
	z.weight = 0;
	c->stats.dest_drain++;
	return emit(c, IPVS_OP_EDIT_DEST, svc, &z);
del:
	if (c->drain)
		sync_drain_stop(c->drain, svc, h);
	c->stats.dest_del++;
	return emit(c, IPVS_OP_DEL_DEST, svc, h);
}

static int both(struct sync_diff *c, const struct ipvs_vs *want, const struct ipvs_vs *have)
{
	const struct ipvs_service *svc = &want->svc;
	/* One lookup per VS: most have nothing draining. */
	bool drains = c->drain && sync_drain_has_vs(c->drain, svc);
	int err;

	if (svc_differs(svc, &have->svc)) {
		c->stats.vs_edit++;
		err = emit(c, IPVS_OP_EDIT_SERVICE, svc, NULL);
		if (err)
			return err;
	}
	err = grow_scratch(c, want->n_dests ? want->n_dests : 1, have->n_dests ? have->n_dests : 1);
	if (!err)
		err = match_dests(c, want, have);
	if (err)
		return err;
	memset(c->mark, 0, want->n_dests);
	/* Destinations in both: edit the ones that differ. */
	for (size_t i = 0; i < have->n_dests; i++) {
		const struct ipvs_dest *h = &have->dests[i];
		int32_t j = c->hmatch[i];

		if (j < 0)
			continue;
		c->mark[j] = 1;
		if (drains && sync_drain_get(c->drain, svc, h, NULL)) {
			sync_drain_stop(c->drain, svc, h);
			c->stats.dest_restored++;
		}
		if (!dest_differs(&want->dests[j], h))
			continue;
		c->stats.dest_edit++;
		err = emit(c, IPVS_OP_EDIT_DEST, svc, &want->dests[j]);
		if (err)
			return err;
	}
	for (size_t j = 0; j < want->n_dests; j++) {
		if (c->mark[j])
			continue;
		c->stats.dest_add++;
		err = emit(c, IPVS_OP_ADD_DEST, svc, &want->dests[j]);
		if (err)
			return err;
	}
	for (size_t i = 0; i < have->n_dests; i++) {
		if (c->hmatch[i] >= 0)
			continue;
		err = unwanted_dest(c, svc, &have->dests[i]);
		if (err)
			return err;
	}
	if (c->drain && (drains || sync_drain_has_vs(c->drain, svc)))
		sync_drain_prune(c->drain, have);
	return 0;
}

int sync_diff_vs(struct sync_diff *c, const struct ipvs_vs *want, const struct ipvs_vs *have,
                 bool ours)
{
	const struct ipvs_vs *any = want ? want : have;
	int err;

	if (!any)
		return 0;
	if (sync_own_excluded(c->own, &any->svc.addr)) {
		c->stats.excluded++;
		return 0;
	}
	if (!want) {
		if (!ours && !sync_own_owns(c->own, &have->svc)) {
			c->stats.foreign++;
			return 0;
		}
		if (c->drain)
			sync_drain_forget_vs(c->drain, &have->svc);
		c->stats.vs_del++;
		return emit(c, IPVS_OP_DEL_SERVICE, &have->svc, NULL);
	}
	if (have)
		return both(c, want, have);
	if (c->drain)
		sync_drain_forget_vs(c->drain, &want->svc);
	c->stats.vs_add++;
	err = emit(c, IPVS_OP_ADD_SERVICE, &want->svc, NULL);
	for (size_t j = 0; !err && j < want->n_dests; j++) {
		c->stats.dest_add++;
		err = emit(c, IPVS_OP_ADD_DEST, &want->svc, &want->dests[j]);
	}
	return err;
}

int sync_diff_keys(struct sync_diff *c, const struct sync_desired *d, const struct sync_keys *keys,
                   const struct ipvs_table *have, const struct sync_index *have_idx)
{
	struct sync_index own_idx;
	int err = 0;

	sync_index_init(&own_idx);
	if (!have_idx) {
		err = sync_index_build(&own_idx, have);
		have_idx = &own_idx;
	}
	/* Additions and edits first, deletions last, as in a full pass. */
	for (int pass = 0; pass < 2 && !err; pass++) {
		for (size_t i = 0; !err && i < keys->n; i++) {
			const struct ipvs_vs *w = sync_desired_find(d, &keys->v[i], NULL);

			if ((pass == 0) != (w != NULL))
				continue;
			err = sync_diff_vs(c, w, sync_index_find(have_idx, &keys->v[i]), true);
		}
	}
	sync_index_free(&own_idx);
	return err;
}
