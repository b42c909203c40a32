/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../lib/bsearch.h"
#include "../lib/log.h"
#include "sync_hash.h"
#include "sync_intern.h"

/* Endpoint condition bits kept per stored endpoint. */
#define EPF_READY       0x1
#define EPF_SERVING     0x2
#define EPF_TERMINATING 0x4

struct st_port {
	char *name;
	uint16_t proto;
	uint16_t port;
};

/* 36 bytes per endpoint: the address, conditions and interned strings. */
struct st_ep {
	struct net_addr addr;
	uint8_t flags;
	uint32_t node;   /* interned nodeName, 0 = unset */
	uint32_t zhints; /* interned "zone-a,zone-b", 0 = no zone hints */
	uint32_t nhints; /* interned node hint list, 0 = none */
};

struct st_slice {
	char *key; /* "ns/slicename"; NULL for a core/v1 Endpoints subset */
	uint64_t hash;
	char *rv;
	struct sync_svc *owner;
	struct st_port *ports;
	size_t n_ports;
	struct st_ep *eps;
	size_t n_eps;
};

struct sync_svc {
	char *key;
	uint64_t hash;
	struct kube_service *svc;
	struct st_slice **slices; /* sorted by key */
	size_t n_slices, cap_slices;
	struct st_slice *subsets; /* from core/v1 Endpoints */
	size_t n_subsets;
	char *ep_rv;
	bool has_eps;
	bool dirty;
	char sched[IP_VS_SCHEDNAME_MAXLEN]; /* "" = default */
	uint32_t sched_flags;
};

struct sync_store {
	struct sync_hash svcs;   /* struct sync_svc, by key */
	struct sync_hash slices; /* struct st_slice, by key */
	struct sync_intern *strs;
	struct sync_svc **dirty;
	size_t n_dirty, cap_dirty;
	size_t n_services, n_endpoints_objs, n_eps;
};

static bool svc_eq(const void *item, const void *key)
{
	return strcmp(((const struct sync_svc *)item)->key, key) == 0;
}

static bool slice_eq(const void *item, const void *key)
{
	return strcmp(((const struct st_slice *)item)->key, key) == 0;
}

int sync_key_fmt(char *buf, size_t len, const char *ns, const char *name)
{
	int r = snprintf(buf, len, "%s/%s", ns ? ns : "", name ? name : "");

	return (r < 0 || (size_t)r >= len) ? -ENAMETOOLONG : 0;
}

int sync_store_new(struct sync_store **out)
{
	struct sync_store *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return -ENOMEM;
	sync_hash_init(&st->svcs);
	sync_hash_init(&st->slices);
	if (sync_intern_new(&st->strs)) {
		free(st);
		return -ENOMEM;
	}
	*out = st;
	return 0;
}

static void slice_clear(struct sync_store *st, struct st_slice *s)
{
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	for (size_t i = 0; i < s->n_eps; i++) {
		sync_intern_unref(st->strs, s->eps[i].node);
		sync_intern_unref(st->strs, s->eps[i].zhints);
		sync_intern_unref(st->strs, s->eps[i].nhints);
	}
	st->n_eps -= s->n_eps;
	free(s->eps);
	free(s->key);
	free(s->rv);
	memset(s, 0, sizeof(*s));
}

static void subsets_clear(struct sync_store *st, struct sync_svc *e)
{
	for (size_t i = 0; i < e->n_subsets; i++)
		slice_clear(st, &e->subsets[i]);
	free(e->subsets);
	e->subsets = NULL;
	e->n_subsets = 0;
	free(e->ep_rv);
	e->ep_rv = NULL;
	if (e->has_eps)
		st->n_endpoints_objs--;
	e->has_eps = false;
}

void sync_store_free(struct sync_store *st)
{
	size_t pos = 0;
	void *it;

	if (!st)
		return;
	while ((it = sync_hash_next(&st->slices, &pos))) {
		slice_clear(st, it);
		free(it);
	}
	pos = 0;
	while ((it = sync_hash_next(&st->svcs, &pos))) {
		struct sync_svc *e = it;

		subsets_clear(st, e);
		kube_service_free(e->svc);
		free(e->slices);
		free(e->key);
		free(e);
	}
	sync_hash_free(&st->slices);
	sync_hash_free(&st->svcs);
	sync_intern_free(st->strs);
	free(st->dirty);
	free(st);
}

/* --- service entries and the dirty set ---------------------------------- */

static int mark_dirty(struct sync_store *st, struct sync_svc *e)
{
	if (e->dirty)
		return 0;
	if (st->n_dirty == st->cap_dirty) {
		size_t nc = st->cap_dirty ? st->cap_dirty * 2 : 64;
		struct sync_svc **nd = realloc(st->dirty, nc * sizeof(*nd));

		if (!nd)
			return -ENOMEM;
		st->dirty = nd;
		st->cap_dirty = nc;
	}
	st->dirty[st->n_dirty++] = e;
	e->dirty = true;
	return 0;
}

static struct sync_svc *entry_get(struct sync_store *st, const char *key, bool create)
{
	uint64_t h = sync_hash_str(key);
	struct sync_svc *e = sync_hash_find(&st->svcs, h, svc_eq, key);

	if (e || !create)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = strdup(key);
	e->hash = h;
	if (!e->key || sync_hash_insert(&st->svcs, h, e)) {
		free(e->key);
		free(e);
		return NULL;
	}
	return e;
}

static bool entry_empty(const struct sync_svc *e)
{
	return !e->svc && !e->n_slices && !e->has_eps;
}

/* Frees an entry nothing refers to; only called when it is not dirty. */
static void entry_gc(struct sync_store *st, struct sync_svc *e)
{
	if (e->dirty || !entry_empty(e))
		return;
	sync_hash_remove(&st->svcs, e->hash, svc_eq, e->key);
	free(e->slices);
	free(e->key);
	free(e);
}

size_t sync_store_n_dirty(const struct sync_store *st)
{
	return st->n_dirty;
}

int sync_store_drain(struct sync_store *st, sync_dirty_fn fn, void *ctx)
{
	size_t i;
	int err = 0;

	for (i = 0; i < st->n_dirty; i++) {
		struct sync_svc *e = st->dirty[i];

		err = fn(ctx, e->key);
		if (err)
			break;
		e->dirty = false;
		entry_gc(st, e);
	}
	memmove(st->dirty, st->dirty + i, (st->n_dirty - i) * sizeof(*st->dirty));
	st->n_dirty -= i;
	return err;
}

int sync_store_mark_all_dirty(struct sync_store *st)
{
	size_t pos = 0;
	struct sync_svc *e;

	while ((e = sync_hash_next(&st->svcs, &pos)))
		if (mark_dirty(st, e))
			return -ENOMEM;
	return 0;
}

/* --- services ------------------------------------------------------------- */

static bool same_rv(const char *a, const char *b)
{
	return a && b && *a && !strcmp(a, b);
}

/* Logs what kipvs will not program for this object version. */
static void check_service(struct sync_svc *e, const struct kube_service *s)
{
	char q[256];

	e->sched[0] = '\0';
	e->sched_flags = 0;
	if (s->proxy_name) {
		log_debug("service_skipped", "obj=%s reason=service-proxy-name value=%s", e->key,
		          log_quote(s->proxy_name, q, sizeof(q)));
		return;
	}
	if (s->type == KUBE_SVC_EXTERNAL_NAME) {
		log_debug("service_skipped", "obj=%s reason=external-name", e->key);
		return;
	}
	if (s->headless) {
		log_debug("service_skipped", "obj=%s reason=headless", e->key);
		return;
	}
	if (!s->n_cluster_ips)
		log_warn("service_invalid",
		         "obj=%s field=spec.clusterIPs reason=no_usable_cluster_ip", e->key);
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct kube_service_port *p = &s->ports[i];

		if (!p->protocol)
			log_warn("service_port_skipped",
			         "obj=%s field=spec.ports[%zu].protocol port=%s "
			         "reason=unsupported_protocol",
			         e->key, i, log_quote(p->name ? p->name : "", q, sizeof(q)));
		else if (!p->port)
			log_warn("service_port_skipped",
			         "obj=%s field=spec.ports[%zu].port port=%s reason=zero_port",
			         e->key, i, log_quote(p->name ? p->name : "", q, sizeof(q)));
	}
	if (s->scheduler) {
		if (sync_sched_valid(s->scheduler))
			snprintf(e->sched, sizeof(e->sched), "%s", s->scheduler);
		else
			log_warn("scheduler_unknown",
			         "obj=%s annotation=" KIPVS_ANN_SCHEDULER " value=%s using=default",
			         e->key, log_quote(s->scheduler, q, sizeof(q)));
	}
	if (s->scheduler_flags && sync_sched_flags_parse(s->scheduler_flags, &e->sched_flags))
		log_warn("scheduler_flags_invalid",
		         "obj=%s annotation=" KIPVS_ANN_SCHEDULER_FLAGS " value=%s using=none",
		         e->key, log_quote(s->scheduler_flags, q, sizeof(q)));
}

static int bad_meta(const char *kind, const struct kube_meta *m)
{
	char q1[128], q2[128];

	if (m->name && *m->name && m->namespace && *m->namespace)
		return 0;
	log_warn("object_invalid", "kind=%s namespace=%s name=%s field=metadata reason=%s", kind,
	         log_quote(m->namespace ? m->namespace : "", q1, sizeof(q1)),
	         log_quote(m->name ? m->name : "", q2, sizeof(q2)),
	         (m->name && *m->name) ? "no_namespace" : "no_name");
	return -EINVAL;
}

int sync_store_upsert_service(struct sync_store *st, struct kube_service *svc)
{
	char key[SYNC_KEY_MAX];
	struct sync_svc *e;
	int err;

	if (!svc)
		return -EINVAL;
	err = bad_meta("Service", &svc->meta);
	if (!err)
		err = sync_key_fmt(key, sizeof(key), svc->meta.namespace, svc->meta.name);
	if (err) {
		kube_service_free(svc);
		return err;
	}
	e = entry_get(st, key, true);
	if (!e) {
		kube_service_free(svc);
		return -ENOMEM;
	}
	if (e->svc && same_rv(e->svc->meta.resource_version, svc->meta.resource_version)) {
		kube_service_free(svc);
		return 0;
	}
	if (mark_dirty(st, e)) {
		kube_service_free(svc);
		return -ENOMEM;
	}
	check_service(e, svc);
	if (!e->svc)
		st->n_services++;
	kube_service_free(e->svc);
	e->svc = svc;
	return 0;
}

void sync_store_delete_service(struct sync_store *st, const char *ns, const char *name)
{
	char key[SYNC_KEY_MAX];
	struct sync_svc *e;

	if (sync_key_fmt(key, sizeof(key), ns, name))
		return;
	e = entry_get(st, key, false);
	if (!e || !e->svc)
		return;
	kube_service_free(e->svc);
	e->svc = NULL;
	st->n_services--;
	if (mark_dirty(st, e)) {
		/* Cannot queue it: better drop an empty entry than leak a key. */
		log_err("store_dirty_failed", "obj=%s err=%d", key, -ENOMEM);
		entry_gc(st, e);
	}
}

/* --- conversion to the compact form -------------------------------------- */

/* Joins hint names with ',' (names never contain one) and interns the list. */
static int intern_list(struct sync_store *st, char **names, size_t n, uint32_t *id)
{
	char buf[1024];
	size_t off = 0;

	*id = 0;
	for (size_t i = 0; i < n; i++) {
		int r;

		if (!names[i] || !*names[i])
			continue;
		r = snprintf(buf + off, sizeof(buf) - off, "%s%s", off ? "," : "", names[i]);
		if (r < 0 || (size_t)r >= sizeof(buf) - off)
			break; /* at most 8 hints of 63 bytes fit with room to spare */
		off += (size_t)r;
	}
	return off ? sync_intern_ref(st->strs, buf, id) : 0;
}

static int convert_ep(struct sync_store *st, const struct kube_endpoint *src, struct st_ep *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->addr = src->addr;
	dst->flags = (src->ready ? EPF_READY : 0) | (src->serving ? EPF_SERVING : 0) |
	             (src->terminating ? EPF_TERMINATING : 0);
	if (sync_intern_ref(st->strs, src->node_name, &dst->node) ||
	    intern_list(st, src->hint_zones, src->n_hint_zones, &dst->zhints) ||
	    intern_list(st, src->hint_nodes, src->n_hint_nodes, &dst->nhints)) {
		sync_intern_unref(st->strs, dst->node);
		sync_intern_unref(st->strs, dst->zhints);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Fills @dst from endpoints/ports, stealing the port name strings from the
 * decoded object. Endpoints whose address is unset or (when @af is not 0)
 * of another family than the slice's addressType are dropped.
 */
static int convert(struct sync_store *st, struct kube_endpoint *eps, size_t n_eps,
                   struct kube_endpoint_port *ports, size_t n_ports, uint16_t af,
                   struct st_slice *dst)
{
	if (n_ports) {
		dst->ports = calloc(n_ports, sizeof(*dst->ports));
		if (!dst->ports)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n_ports; i++) {
		struct kube_endpoint_port *p = &ports[i];

		/* A nil name, no protocol or no port number makes a port unusable. */
		if (!p->name || !p->protocol || !p->port)
			continue;
		dst->ports[dst->n_ports].name = p->name;
		dst->ports[dst->n_ports].proto = p->protocol;
		dst->ports[dst->n_ports].port = p->port;
		dst->n_ports++;
		p->name = NULL;
	}
	if (n_eps) {
		dst->eps = calloc(n_eps, sizeof(*dst->eps));
		if (!dst->eps)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n_eps; i++) {
		const struct kube_endpoint *ep = &eps[i];

		if (ep->addr.af != AF_INET && ep->addr.af != AF_INET6)
			continue;
		if (af && ep->addr.af != af)
			continue;
		if (convert_ep(st, ep, &dst->eps[dst->n_eps]))
			return -ENOMEM;
		dst->n_eps++;
		st->n_eps++;
	}
	return 0;
}

/* --- slices ----------------------------------------------------------------- */

struct slice_key {
	const struct sync_svc *e;
	const char *key;
};

static int slice_cmp_at(const void *ctx, size_t i)
{
	const struct slice_key *k = ctx;

	return strcmp(k->e->slices[i]->key, k->key);
}

static size_t slice_pos(const struct sync_svc *e, const char *key, bool *found)
{
	struct slice_key k = { e, key };

	return bsearch_lower(e->n_slices, slice_cmp_at, &k, found);
}

static void unlink_slice(struct sync_store *st, struct st_slice *s)
{
	struct sync_svc *e = s->owner;
	bool found;
	size_t i;

	if (!e)
		return;
	i = slice_pos(e, s->key, &found);
	if (found) {
		memmove(e->slices + i, e->slices + i + 1,
		        (e->n_slices - i - 1) * sizeof(*e->slices));
		e->n_slices--;
	}
	s->owner = NULL;
	if (mark_dirty(st, e)) {
		log_err("store_dirty_failed", "obj=%s err=%d", e->key, -ENOMEM);
		entry_gc(st, e);
	}
}

static int link_slice(struct sync_store *st, struct st_slice *s, const char *svc_key)
{
	struct sync_svc *e = entry_get(st, svc_key, true);
	bool found;
	size_t i;

	if (!e)
		return -ENOMEM;
	if (e->n_slices == e->cap_slices) {
		size_t nc = e->cap_slices ? e->cap_slices * 2 : 2;
		struct st_slice **ns = realloc(e->slices, nc * sizeof(*ns));

		if (!ns) {
			entry_gc(st, e);
			return -ENOMEM;
		}
		e->slices = ns;
		e->cap_slices = nc;
	}
	if (mark_dirty(st, e)) {
		entry_gc(st, e);
		return -ENOMEM;
	}
	i = slice_pos(e, s->key, &found);
	memmove(e->slices + i + 1, e->slices + i, (e->n_slices - i) * sizeof(*e->slices));
	e->slices[i] = s;
	e->n_slices++;
	s->owner = e;
	return 0;
}

static void drop_slice(struct sync_store *st, const char *key)
{
	struct st_slice *s = sync_hash_remove(&st->slices, sync_hash_str(key), slice_eq, key);

	if (!s)
		return;
	unlink_slice(st, s);
	slice_clear(st, s);
	free(s);
}

/* Why kube-proxy would never see this slice, or NULL. */
static const char *slice_ignored(const struct kube_endpoint_slice *sl)
{
	if (sl->proxy_name)
		return "service-proxy-name";
	if (sl->headless)
		return "headless";
	if (!sl->service_name || !*sl->service_name)
		return "no_service_name_label";
	if (sl->address_type != AF_INET && sl->address_type != AF_INET6)
		return "address_type";
	return NULL;
}

int sync_store_upsert_slice(struct sync_store *st, struct kube_endpoint_slice *sl)
{
	char key[SYNC_KEY_MAX], svc_key[SYNC_KEY_MAX];
	struct st_slice *old, *s = NULL;
	const char *why;
	uint64_t h;
	int err;

	if (!sl)
		return -EINVAL;
	err = bad_meta("EndpointSlice", &sl->meta);
	if (!err)
		err = sync_key_fmt(key, sizeof(key), sl->meta.namespace, sl->meta.name);
	if (err)
		goto out;
	why = slice_ignored(sl);
	if (why) {
		log_debug("slice_ignored", "obj=%s reason=%s", key, why);
		drop_slice(st, key);
		goto out;
	}
	err = sync_key_fmt(svc_key, sizeof(svc_key), sl->meta.namespace, sl->service_name);
	if (err)
		goto out;
	h = sync_hash_str(key);
	old = sync_hash_find(&st->slices, h, slice_eq, key);
	if (old && old->owner && same_rv(old->rv, sl->meta.resource_version) &&
	    !strcmp(old->owner->key, svc_key))
		goto out;
	err = -ENOMEM;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->key = strdup(key);
	s->hash = h;
	s->rv = sl->meta.resource_version ? strdup(sl->meta.resource_version) : NULL;
	if (!s->key || convert(st, sl->endpoints, sl->n_endpoints, sl->ports, sl->n_ports,
	                       sl->address_type, s))
		goto out;
	/* Replace the old version: unlink it, then link the new one. */
	drop_slice(st, key);
	if (sync_hash_insert(&st->slices, h, s))
		goto out;
	err = link_slice(st, s, svc_key);
	if (err) {
		sync_hash_remove(&st->slices, h, slice_eq, key);
		goto out;
	}
	s = NULL;
out:
	if (s) {
		slice_clear(st, s);
		free(s);
	}
	kube_endpoint_slice_free(sl);
	return err;
}

void sync_store_delete_slice(struct sync_store *st, const char *ns, const char *name)
{
	char key[SYNC_KEY_MAX];

	if (!sync_key_fmt(key, sizeof(key), ns, name))
		drop_slice(st, key);
}

/* --- core/v1 Endpoints -------------------------------------------------------- */

int sync_store_upsert_endpoints(struct sync_store *st, struct kube_endpoints *ep)
{
	char key[SYNC_KEY_MAX];
	struct sync_svc *e;
	struct st_slice *subs = NULL;
	size_t n = 0;
	int err;

	if (!ep)
		return -EINVAL;
	err = bad_meta("Endpoints", &ep->meta);
	if (!err)
		err = sync_key_fmt(key, sizeof(key), ep->meta.namespace, ep->meta.name);
	if (err)
		goto out;
	if (ep->proxy_name) {
		log_debug("endpoints_ignored", "obj=%s reason=service-proxy-name", key);
		sync_store_delete_endpoints(st, ep->meta.namespace, ep->meta.name);
		goto out;
	}
	e = entry_get(st, key, true);
	err = -ENOMEM;
	if (!e)
		goto out;
	if (e->has_eps && same_rv(e->ep_rv, ep->meta.resource_version)) {
		err = 0;
		goto out;
	}
	if (ep->n_subsets) {
		subs = calloc(ep->n_subsets, sizeof(*subs));
		if (!subs)
			goto fail;
	}
	for (n = 0; n < ep->n_subsets; n++) {
		struct kube_endpoints_subset *ss = &ep->subsets[n];

		if (convert(st, ss->endpoints, ss->n_endpoints, ss->ports, ss->n_ports, 0,
		            &subs[n])) {
			n++;
			goto fail;
		}
		subs[n].owner = e;
	}
	if (mark_dirty(st, e))
		goto fail;
	subsets_clear(st, e);
	e->subsets = subs;
	e->n_subsets = n;
	e->ep_rv = ep->meta.resource_version ? strdup(ep->meta.resource_version) : NULL;
	e->has_eps = true;
	st->n_endpoints_objs++;
	err = 0;
	goto out;
fail:
	for (size_t i = 0; i < n; i++)
		slice_clear(st, &subs[i]);
	free(subs);
	entry_gc(st, e);
out:
	kube_endpoints_free(ep);
	return err;
}

void sync_store_delete_endpoints(struct sync_store *st, const char *ns, const char *name)
{
	char key[SYNC_KEY_MAX];
	struct sync_svc *e;

	if (sync_key_fmt(key, sizeof(key), ns, name))
		return;
	e = entry_get(st, key, false);
	if (!e || !e->has_eps)
		return;
	subsets_clear(st, e);
	if (mark_dirty(st, e)) {
		log_err("store_dirty_failed", "obj=%s err=%d", key, -ENOMEM);
		entry_gc(st, e);
	}
}

/* --- reading --------------------------------------------------------------------- */

const struct sync_svc *sync_store_find(const struct sync_store *st, const char *key)
{
	return sync_hash_find(&st->svcs, sync_hash_str(key), svc_eq, key);
}

const struct sync_svc *sync_store_next(const struct sync_store *st, size_t *pos)
{
	return sync_hash_next(&st->svcs, pos);
}

const char *sync_svc_key(const struct sync_svc *e)
{
	return e->key;
}

const struct kube_service *sync_svc_service(const struct sync_svc *e)
{
	return e->svc;
}

const char *sync_svc_scheduler(const struct sync_svc *e)
{
	return e->sched[0] ? e->sched : NULL;
}

uint32_t sync_svc_sched_flags(const struct sync_svc *e)
{
	return e->sched_flags;
}

void sync_meps_free(struct sync_meps *m)
{
	free(m->v);
	free(m->scratch);
	memset(m, 0, sizeof(*m));
}

struct cand {
	struct sync_mep m;
	uint8_t rank;
	uint32_t order;
};

static int cand_cmp(const void *pa, const void *pb)
{
	const struct cand *a = pa, *b = pb;
	int c = addr_cmp(&a->m.addr, &b->m.addr);

	if (c)
		return c;
	if (a->m.port != b->m.port)
		return a->m.port < b->m.port ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static bool list_has(const char *list, const char *word)
{
	size_t wl;

	if (!list || !word || !*word)
		return false;
	wl = strlen(word);
	for (const char *p = list; p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == wl && !strncmp(p, word, wl))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static const struct st_port *find_port(const struct st_slice *s, const char *name, uint16_t proto)
{
	for (size_t i = 0; i < s->n_ports; i++)
		if (s->ports[i].proto == proto && !strcmp(s->ports[i].name, name))
			return &s->ports[i];
	return NULL;
}

/* Hint-list matches are memoised per call: lists repeat across endpoints. */
struct hint_memo {
	uint32_t id;
	bool match;
};

static bool memo_has(const struct sync_store *st, struct hint_memo *m, uint32_t id,
                     const char *word)
{
	if (m->id != id) {
		m->id = id;
		m->match = list_has(sync_intern_str(st->strs, id), word);
	}
	return m->match;
}

int sync_store_port_endpoints(const struct sync_store *st, const struct sync_svc *e,
                              const char *port_name, uint16_t proto, uint16_t af,
                              const struct sync_node *node, struct sync_meps *out)
{
	uint32_t me = node->name ? sync_intern_lookup(st->strs, node->name) : 0;
	struct hint_memo zm = { 0 }, nm = { 0 };
	size_t n_srcs = e->n_slices ? e->n_slices : e->n_subsets, total = 0, k = 0;
	struct cand *c;

	out->n = 0;
	for (size_t si = 0; si < n_srcs; si++) {
		const struct st_slice *s = e->n_slices ? e->slices[si] : &e->subsets[si];

		if (find_port(s, port_name, proto))
			total += s->n_eps;
	}
	if (!total)
		return 0;
	if (total > out->scratch_cap) {
		void *ns = realloc(out->scratch, total * sizeof(struct cand));

		if (!ns)
			return -ENOMEM;
		out->scratch = ns;
		out->scratch_cap = total;
	}
	c = out->scratch;
	for (size_t si = 0; si < n_srcs; si++) {
		const struct st_slice *s = e->n_slices ? e->slices[si] : &e->subsets[si];
		const struct st_port *p = find_port(s, port_name, proto);

		for (size_t i = 0; p && i < s->n_eps; i++) {
			const struct st_ep *ep = &s->eps[i];
			uint16_t f = 0;

			if (ep->addr.af != af)
				continue;
			f |= (ep->flags & EPF_READY) ? SYNC_EP_READY : 0;
			f |= (ep->flags & EPF_SERVING) ? SYNC_EP_SERVING : 0;
			f |= (ep->flags & EPF_TERMINATING) ? SYNC_EP_TERMINATING : 0;
			f |= (me && ep->node == me) ? SYNC_EP_LOCAL : 0;
			if (ep->zhints) {
				f |= SYNC_EP_ZONE_HINTS;
				if (node->zone && memo_has(st, &zm, ep->zhints, node->zone))
					f |= SYNC_EP_ZONE_MATCH;
			}
			if (ep->nhints) {
				f |= SYNC_EP_NODE_HINTS;
				if (node->name && memo_has(st, &nm, ep->nhints, node->name))
					f |= SYNC_EP_NODE_MATCH;
			}
			c[k].m.addr = ep->addr;
			c[k].m.port = p->port;
			c[k].m.flags = f;
			/* Best copy: ready, then not terminating, then local. */
			c[k].rank = (uint8_t)(((f & SYNC_EP_READY) ? 4 : 0) |
			                      ((f & SYNC_EP_TERMINATING) ? 0 : 2) |
			                      ((f & SYNC_EP_LOCAL) ? 1 : 0));
			c[k].order = (uint32_t)k;
			k++;
		}
	}
	if (k > 1)
		qsort(c, k, sizeof(*c), cand_cmp);
	if (k > out->cap) {
		struct sync_mep *nv = realloc(out->v, k * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		out->v = nv;
		out->cap = k;
	}
	for (size_t i = 0; i < k; i++) {
		if (out->n && addr_eq(&out->v[out->n - 1].addr, &c[i].m.addr) &&
		    out->v[out->n - 1].port == c[i].m.port)
			continue;
		out->v[out->n++] = c[i].m;
	}
	return 0;
}

void sync_store_stats(const struct sync_store *st, struct sync_store_stats *out)
{
	out->services = st->n_services;
	out->keys = st->svcs.n;
	out->slices = st->slices.n;
	out->endpoints_objs = st->n_endpoints_objs;
	out->endpoints = st->n_eps;
	out->interned = sync_intern_count(st->strs);
}
