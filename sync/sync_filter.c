/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The element store behind sync_filter.h. Every wanted element is one
 * struct fentry in a hash, reference-counted by the Services that want it;
 * each Service keeps its sorted list of entries, so recomputing a Service
 * is a merge of two sorted lists: only elements whose count goes 0 → 1 or
 * 1 → 0 are queued for the kernel. An element queued for removal that comes
 * back before the queue is taken cancels out (and vice versa), so a burst of
 * events sends the net change only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_filter_priv.h"

static const char *const set_names[FSET_N] = {
	"vips",     "vip_ports", "clusterip", "extip_masq",   "lb",      "lb_local", "lb_fw",
	"lb_allow", "lb_nonode", "nodeport",  "nodeport_loc", "hc_port", "loopback",
};

const char *sync_fset_name(enum sync_fset s)
{
	return (unsigned)s < FSET_N ? set_names[s] : "?";
}

int sync_filter_fam(uint8_t nfproto)
{
	return nfproto == 2 ? 0 : nfproto == 10 ? 1 : -1;
}

void sync_filter_opts_from(const struct kipvs_config *cfg, const struct net_cidr *pod_cidrs,
                           size_t n_pod_cidrs, struct sync_filter_opts *out)
{
	const struct net_cidr *v = cfg->cluster_cidrs;
	size_t n = cfg->n_cluster_cidrs;
	const char *iface = NULL;

	memset(out, 0, sizeof(*out));
	out->mark = 1u << (cfg->masquerade_bit & 31);
	out->masquerade_all = cfg->masquerade_all;
	switch (cfg->detect_local_mode) {
	case DETECT_LOCAL_CLUSTER_CIDR:
		out->local_mode = SYNC_LOCAL_CLUSTER_CIDR;
		break;
	case DETECT_LOCAL_NODE_CIDR:
		out->local_mode = SYNC_LOCAL_NODE_CIDR;
		v = pod_cidrs;
		n = n_pod_cidrs;
		break;
	case DETECT_LOCAL_BRIDGE:
		out->local_mode = SYNC_LOCAL_BRIDGE;
		iface = cfg->pod_bridge_interface;
		break;
	case DETECT_LOCAL_PREFIX:
		out->local_mode = SYNC_LOCAL_PREFIX;
		iface = cfg->pod_interface_prefix;
		break;
	}
	if (iface)
		snprintf(out->iface, sizeof(out->iface), "%s", iface);
	if (iface || out->local_mode == SYNC_LOCAL_BRIDGE || out->local_mode == SYNC_LOCAL_PREFIX)
		return;
	for (size_t i = 0; i < n; i++) {
		int fam = v[i].af == sync_filter_af(0) ? 0 : 1;

		/* The first of each family, and never a /0 (everything local). */
		if (!out->local_cidr[fam].af && v[i].plen)
			out->local_cidr[fam] = v[i];
	}
}

/* --- life cycle ---------------------------------------------------------------- */

static bool tables_same(const struct sync_ftable *a, const struct sync_ftable *b)
{
	if (a->def.n_rules != b->def.n_rules)
		return false;
	for (size_t i = 0; i < a->def.n_rules; i++)
		if (strcmp(a->text[i], b->text[i]) || !nft_rule_same(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

int sync_filter_set_opts(struct sync_filter *f, const struct sync_filter_opts *o, bool *changed)
{
	struct sync_ftable *nt = calloc(SYNC_FILTER_FAMS, sizeof(*nt));
	bool same = true;
	int err = 0;

	if (changed)
		*changed = false;
	if (!nt)
		return -ENOMEM;
	for (int fam = 0; fam < SYNC_FILTER_FAMS && !err; fam++)
		err = sync_filter_rules_build(&nt[fam], fam, o);
	for (int fam = 0; fam < SYNC_FILTER_FAMS && !err; fam++) {
		same &= tables_same(&nt[fam], &f->t[fam]);
		f->t[fam] = nt[fam];
		/* The copy's pointers must be its own. */
		f->t[fam].def.sets = f->t[fam].sets;
		f->t[fam].def.chains = f->t[fam].chains;
		f->t[fam].def.rules = f->t[fam].rules;
	}
	if (!err) {
		f->o = *o;
		if (changed)
			*changed = !same;
	}
	free(nt);
	return err;
}

const struct sync_filter_opts *sync_filter_opts(const struct sync_filter *f)
{
	return &f->o;
}

int sync_filter_new(const struct sync_filter_opts *o, struct sync_filter **out)
{
	struct sync_filter *f = calloc(1, sizeof(*f));
	int err;

	*out = NULL;
	if (!f)
		return -ENOMEM;
	sync_hash_init(&f->elems);
	sync_hash_init(&f->svcs);
	err = sync_filter_set_opts(f, o, NULL);
	if (err) {
		sync_filter_free(f);
		return err;
	}
	*out = f;
	return 0;
}

static void svc_free(struct fsvc *s)
{
	if (!s)
		return;
	free(s->key);
	free(s->v);
	free(s);
}

void sync_filter_free(struct sync_filter *f)
{
	size_t pos = 0;
	void *it;

	if (!f)
		return;
	while ((it = sync_hash_next(&f->svcs, &pos)))
		svc_free(it);
	pos = 0;
	while ((it = sync_hash_next(&f->elems, &pos)))
		free(it);
	sync_hash_free(&f->svcs);
	sync_hash_free(&f->elems);
	sync_meps_free(&f->meps);
	free(f->pending);
	free(f->scratch);
	free(f);
}

const struct nft_table_def *sync_filter_table(const struct sync_filter *f, int fam)
{
	return &f->t[fam].def;
}

const char *sync_filter_rule_text(const struct sync_filter *f, int fam, size_t i)
{
	return i < f->t[fam].def.n_rules ? f->t[fam].text[i] : NULL;
}

/* --- entries ---------------------------------------------------------------------- */

/* An element record (sync_filter_priv.h) or an entry, compared as (fam,
 * set, key). */
struct ekey {
	uint8_t fam, set, len;
	const uint8_t *key;
};

static struct ekey rec_key(const uint8_t *r)
{
	return (struct ekey){ r[0], r[1], r[2], r + 3 };
}

static struct ekey ent_key(const struct fentry *e)
{
	return (struct ekey){ e->fam, e->set, e->len, e->key };
}

static int ekey_cmp(const struct ekey *a, const struct ekey *b)
{
	if (a->fam != b->fam)
		return a->fam < b->fam ? -1 : 1;
	if (a->set != b->set)
		return a->set < b->set ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->key, b->key, a->len);
}

static uint64_t ekey_hash(const struct ekey *k)
{
	return sync_hash_bytes(k->key, k->len, (uint64_t)k->fam << 8 | k->set);
}

static bool entry_eq(const void *item, const void *key)
{
	struct ekey a = ent_key(item);

	return ekey_cmp(&a, key) == 0;
}

static struct fentry *entry_find(const struct sync_filter *f, const struct ekey *k)
{
	return sync_hash_find(&f->elems, ekey_hash(k), entry_eq, k);
}

static int rec_cmp(const void *a, const void *b)
{
	struct ekey x = rec_key(a), y = rec_key(b);

	return ekey_cmp(&x, &y);
}

static void queue(struct sync_filter *f, struct fentry *e)
{
	if (e->queued)
		return;
	e->queued = true;
	f->pending[f->n_pending++] = e; /* room reserved by the caller */
}

static void entry_drop(struct sync_filter *f, struct fentry *e)
{
	struct ekey k = ent_key(e);

	sync_hash_remove(&f->elems, e->hash, entry_eq, &k);
	free(e);
}

static void acquire(struct sync_filter *f, struct fentry *e)
{
	if (e->refs++)
		return;
	f->count[e->fam][e->set]++;
	if (e->pending == FE_DEL) {
		e->pending = FE_NONE; /* the kernel still has it */
		return;
	}
	e->pending = FE_ADD;
	queue(f, e);
}

static void release(struct sync_filter *f, struct fentry *e)
{
	if (--e->refs)
		return;
	f->count[e->fam][e->set]--;
	if (e->pending == FE_ADD) {
		e->pending = FE_NONE; /* the kernel never had it */
	} else {
		e->pending = FE_DEL;
		queue(f, e);
	}
	if (!e->queued)
		entry_drop(f, e);
}

static int reserve_pending(struct sync_filter *f, size_t more)
{
	size_t need = f->n_pending + more, cap = f->cap_pending ? f->cap_pending : 256;
	struct fentry **nv;

	if (need <= f->cap_pending)
		return 0;
	while (cap < need)
		cap *= 2;
	nv = realloc(f->pending, cap * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	f->pending = nv;
	f->cap_pending = cap;
	return 0;
}

/* --- one Service --------------------------------------------------------------------- */

static bool svc_eq(const void *item, const void *key)
{
	return strcmp(((const struct fsvc *)item)->key, key) == 0;
}

/* Sorts and de-duplicates the records in f->scratch. */
static void scratch_sort(struct sync_filter *f)
{
	size_t n = 0;

	if (f->scratch_n < 2)
		return;
	qsort(f->scratch, f->scratch_n, SYNC_FE_REC, rec_cmp);
	for (size_t i = 0; i < f->scratch_n; i++) {
		uint8_t *r = f->scratch + i * SYNC_FE_REC;

		if (n && rec_cmp(f->scratch + (n - 1) * SYNC_FE_REC, r) == 0)
			continue;
		if (n != i)
			memcpy(f->scratch + n * SYNC_FE_REC, r, SYNC_FE_REC);
		n++;
	}
	f->scratch_n = n;
}

static struct fentry *entry_new(const uint8_t *r)
{
	struct ekey k = rec_key(r);
	struct fentry *e = calloc(1, sizeof(*e) + k.len);

	if (!e)
		return NULL;
	e->fam = k.fam;
	e->set = k.set;
	e->len = k.len;
	memcpy(e->key, k.key, k.len);
	e->hash = ekey_hash(&k);
	return e;
}

/*
 * The new entry list of a Service, from its records (sorted) and its old
 * list: entries it keeps are reused, the others looked up or created. Every
 * allocation happens here, before anything changes.
 */
static int plan(struct sync_filter *f, const struct fsvc *old, struct fentry ***out, size_t *n_new)
{
	size_t n = f->scratch_n, created = 0;
	struct fentry **v = calloc(n ? n : 1, sizeof(*v));
	int err = 0;

	*out = v;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0, o = 0; i < n && !err; i++) {
		const uint8_t *r = f->scratch + i * SYNC_FE_REC;
		struct ekey k = rec_key(r);

		while (old && o < old->n) {
			struct ekey ok = ent_key(old->v[o]);

			if (ekey_cmp(&ok, &k) >= 0)
				break;
			o++;
		}
		if (old && o < old->n) {
			struct ekey ok = ent_key(old->v[o]);

			if (!ekey_cmp(&ok, &k)) {
				v[i] = old->v[o];
				continue;
			}
		}
		v[i] = entry_find(f, &k);
		if (!v[i]) {
			v[i] = entry_new(r);
			if (!v[i])
				err = -ENOMEM;
			else
				created++;
			if (v[i])
				v[i]->mark = UINT32_MAX; /* not in the hash yet */
		}
	}
	if (!err)
		err = sync_hash_reserve(&f->elems, f->elems.n + created);
	if (!err)
		err = reserve_pending(f, n + (old ? old->n : 0));
	if (err) {
		for (size_t i = 0; i < n; i++)
			if (v[i] && v[i]->mark == UINT32_MAX)
				free(v[i]);
		free(v);
		*out = NULL;
		return err;
	}
	*n_new = n;
	return 0;
}

/* Applies a planned list: new entries enter the hash, counts move. */
static void commit(struct sync_filter *f, struct fsvc *old, struct fentry **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i]->mark == UINT32_MAX) {
			v[i]->mark = 0;
			/* Reserved: cannot fail. */
			if (sync_hash_insert(&f->elems, v[i]->hash, v[i]))
				abort();
		}
	}
	/* New references first, so an entry both lists hold never drops to 0. */
	for (size_t i = 0; i < n; i++)
		acquire(f, v[i]);
	for (size_t i = 0; old && i < old->n; i++)
		release(f, old->v[i]);
}

int sync_filter_update(struct sync_filter *f, const struct sync_store *st,
                       const struct sync_node *node, const char *key)
{
	const struct sync_svc *e = sync_store_find(st, key);
	uint64_t h = sync_hash_str(key);
	struct fsvc *old = sync_hash_find(&f->svcs, h, svc_eq, key), *ns = NULL;
	struct fentry **v = NULL;
	size_t n = 0;
	int err;

	f->scratch_n = 0;
	err = e ? sync_filter_svc_elems(f, st, e, node) : 0;
	if (err)
		return err;
	scratch_sort(f);
	if (!old && !f->scratch_n)
		return 0;
	err = plan(f, old, &v, &n);
	if (!err && n && !old) {
		ns = calloc(1, sizeof(*ns));
		if (!ns || !(ns->key = strdup(key)) || sync_hash_reserve(&f->svcs, f->svcs.n + 1)) {
			svc_free(ns);
			err = -ENOMEM;
		}
	}
	if (err) {
		for (size_t i = 0; i < n; i++)
			if (v[i]->mark == UINT32_MAX)
				free(v[i]);
		free(v);
		return err;
	}
	commit(f, old, v, n);
	if (!n) {
		free(v);
		sync_hash_remove(&f->svcs, h, svc_eq, key);
		svc_free(old);
		return 0;
	}
	if (old) {
		free(old->v);
		old->v = v;
		old->n = n;
		return 0;
	}
	ns->hash = h;
	ns->v = v;
	ns->n = n;
	if (sync_hash_insert(&f->svcs, h, ns)) /* reserved: cannot fail */
		abort();
	return 0;
}

int sync_filter_build(struct sync_filter *f, const struct sync_store *st,
                      const struct sync_node *node)
{
	const struct sync_svc *e;
	size_t pos = 0, n_gone = 0;
	char **gone = NULL;
	struct fsvc *s;
	int err = 0;

	while (!err && (e = sync_store_next(st, &pos)))
		err = sync_filter_update(f, st, node, sync_svc_key(e));
	/* Services the store no longer knows. */
	pos = 0;
	while (!err && (s = sync_hash_next(&f->svcs, &pos))) {
		char **ng;

		if (sync_store_find(st, s->key))
			continue;
		ng = realloc(gone, (n_gone + 1) * sizeof(*gone));
		if (!ng) {
			err = -ENOMEM;
			break;
		}
		gone = ng;
		gone[n_gone] = strdup(s->key);
		if (!gone[n_gone])
			err = -ENOMEM;
		else
			n_gone++;
	}
	for (size_t i = 0; !err && i < n_gone; i++)
		err = sync_filter_update(f, st, node, gone[i]);
	for (size_t i = 0; i < n_gone; i++)
		free(gone[i]);
	free(gone);
	return err;
}

/* --- toward the kernel ------------------------------------------------------------------ */

static size_t set_stride(const struct sync_filter *f, int fam, int set)
{
	return nft_set_stride(&f->t[fam].sets[set]);
}

void sync_filter_delta_init(const struct sync_filter *f, struct sync_filter_delta *d)
{
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		for (int s = 0; s < FSET_N; s++) {
			nft_elems_init(&d->add[fam][s], set_stride(f, fam, s));
			nft_elems_init(&d->del[fam][s], set_stride(f, fam, s));
		}
}

void sync_filter_delta_free(struct sync_filter_delta *d)
{
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		for (int s = 0; s < FSET_N; s++) {
			nft_elems_free(&d->add[fam][s]);
			nft_elems_free(&d->del[fam][s]);
		}
}

size_t sync_filter_delta_count(const struct sync_filter_delta *d)
{
	size_t n = 0;

	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		for (int s = 0; s < FSET_N; s++)
			n += d->add[fam][s].n + d->del[fam][s].n;
	return n;
}

/* Appends an entry's element (key, and end for intervals) to @e. */
static int elems_put(struct nft_elems *e, const struct fentry *x)
{
	bool iv = e->stride == (size_t)x->len && x->set == FSET_LB_ALLOW;
	size_t klen = iv ? x->len / 2u : x->len;

	return nft_elems_add(e, x->key, iv ? x->key + klen : NULL, klen);
}

bool sync_filter_has_pending(const struct sync_filter *f)
{
	for (size_t i = 0; i < f->n_pending; i++)
		if (f->pending[i]->pending != FE_NONE)
			return true;
	return false;
}

int sync_filter_take_pending(struct sync_filter *f, struct sync_filter_delta *d)
{
	int err = 0;

	for (size_t i = 0; !err && i < f->n_pending; i++) {
		struct fentry *e = f->pending[i];

		if (e->pending == FE_ADD)
			err = elems_put(&d->add[e->fam][e->set], e);
		else if (e->pending == FE_DEL)
			err = elems_put(&d->del[e->fam][e->set], e);
	}
	if (err)
		return err;
	for (size_t i = 0; i < f->n_pending; i++) {
		struct fentry *e = f->pending[i];

		e->queued = false;
		e->pending = FE_NONE;
		if (!e->refs)
			entry_drop(f, e);
	}
	f->n_pending = 0;
	return 0;
}

/* Forgets the pending changes of family @fam (a full pass covers them). */
static void settle_family(struct sync_filter *f, int fam)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_pending; i++) {
		struct fentry *e = f->pending[i];

		if (e->fam != fam) {
			f->pending[n++] = e;
			continue;
		}
		e->queued = false;
		e->pending = FE_NONE;
		if (!e->refs)
			entry_drop(f, e);
	}
	f->n_pending = n;
}

int sync_filter_diff(struct sync_filter *f, int fam, const struct nft_elems have[FSET_N],
                     struct sync_filter_delta *d)
{
	uint32_t gen = ++f->mark_gen;
	size_t pos = 0;
	struct fentry *e;
	int err = 0;

	if (gen == UINT32_MAX)
		gen = f->mark_gen = 1;
	for (int s = 0; s < FSET_N && !err; s++) {
		const struct nft_elems *h = &have[s];

		if (h->stride != set_stride(f, fam, s))
			return -EINVAL;
		for (size_t i = 0; i < h->n && !err; i++) {
			struct ekey k = { (uint8_t)fam, (uint8_t)s, (uint8_t)h->stride,
				          nft_elems_at(h, i) };
			struct fentry *x = entry_find(f, &k);

			if (x && x->refs)
				x->mark = gen;
			else
				err = nft_elems_add(&d->del[fam][s], k.key, NULL, h->stride);
		}
	}
	while (!err && (e = sync_hash_next(&f->elems, &pos)))
		if (e->fam == fam && e->refs && e->mark != gen)
			err = elems_put(&d->add[fam][e->set], e);
	if (!err)
		settle_family(f, fam);
	return err;
}

static int ent_cmp(const void *a, const void *b)
{
	struct ekey x = ent_key(*(struct fentry *const *)a),
	            y = ent_key(*(struct fentry *const *)b);

	return ekey_cmp(&x, &y);
}

int sync_filter_elems(const struct sync_filter *f, int fam, enum sync_fset set,
                      struct nft_elems *out)
{
	size_t n = f->count[fam][set], k = 0, pos = 0;
	struct fentry **v, *e;
	int err = 0;

	if (!n)
		return 0;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while ((e = sync_hash_next(&f->elems, &pos)) && k < n)
		if (e->fam == fam && e->set == set && e->refs)
			v[k++] = e;
	qsort(v, k, sizeof(*v), ent_cmp);
	for (size_t i = 0; i < k && !err; i++)
		err = elems_put(out, v[i]);
	free(v);
	return err;
}

size_t sync_filter_count(const struct sync_filter *f, int fam, enum sync_fset set)
{
	return f->count[fam][set];
}
