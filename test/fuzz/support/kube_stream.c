/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_stream.h"

#include <ev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "../../../lib/kube/kube_config.h"
#include "../../../lib/kube/kube_decode.h"
#include "../fuzz.h"
#include "fake_http.h"

static struct ev_loop *loop;

/* ---- the consumer ----------------------------------------------------------- */

struct held {
	char *key; /* "ns/name" ("name" for a Node, deleted by name alone) */
	struct kube_object o;
};

struct consumer {
	enum kube_resource res;
	struct held *v;
	size_t n, cap;
	int synced;
	int listing; /* list_begin seen, list_end not yet */
};

static void touch_str(const char *s, bool may_be_null)
{
	FUZZ_ASSERT(s || may_be_null, "a string that must be set is set");
	if (s)
		FUZZ_ASSERT(strlen(s) < (64u << 20), "a string ends");
}

static void touch_addr(const struct net_addr *a, bool may_be_unset)
{
	FUZZ_ASSERT(a->af == AF_INET || a->af == AF_INET6 || (may_be_unset && a->af == 0),
	            "an address has a family");
	if (a->af == AF_INET)
		FUZZ_ASSERT(!a->a.w[1] && !a->a.w[2] && !a->a.w[3], "IPv4 uses 4 bytes");
}

static void touch_proto(uint16_t p)
{
	FUZZ_ASSERT(p == 0 || p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP,
	            "a protocol is TCP, UDP, SCTP or 0");
}

static void touch_meta(const struct kube_meta *m, bool namespaced)
{
	touch_str(m->name, false);
	FUZZ_ASSERT(*m->name, "a name is not empty");
	touch_str(m->namespace, false);
	FUZZ_ASSERT(namespaced ? *m->namespace != '\0' : *m->namespace == '\0',
	            "a namespace exactly for namespaced kinds");
	touch_str(m->uid, false);
	touch_str(m->resource_version, false);
}

static void touch_endpoint(const struct kube_endpoint *e, uint16_t af)
{
	touch_addr(&e->addr, false);
	if (af)
		FUZZ_ASSERT(e->addr.af == af, "an endpoint of the slice's family");
	touch_str(e->node_name, true);
	touch_str(e->zone, true);
	for (size_t i = 0; i < e->n_hint_zones; i++)
		touch_str(e->hint_zones[i], false);
	for (size_t i = 0; i < e->n_hint_nodes; i++)
		touch_str(e->hint_nodes[i], false);
}

static void touch_ep_ports(const struct kube_endpoint_port *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		touch_str(p[i].name, true);
		touch_proto(p[i].protocol);
	}
}

static void touch_service(const struct kube_service *s)
{
	touch_meta(&s->meta, true);
	FUZZ_ASSERT(s->type <= KUBE_SVC_EXTERNAL_NAME, "a known service type");
	FUZZ_ASSERT(s->n_cluster_ips <= 2, "at most two cluster IPs");
	FUZZ_ASSERT(!s->headless || s->n_cluster_ips == 0, "a headless service has no IP");
	for (size_t i = 0; i < s->n_cluster_ips; i++)
		touch_addr(&s->cluster_ips[i], false);
	if (s->n_cluster_ips == 2)
		FUZZ_ASSERT(s->cluster_ips[0].af != s->cluster_ips[1].af,
		            "two cluster IPs are one per family");
	for (size_t i = 0; i < s->n_ports; i++) {
		touch_str(s->ports[i].name, false);
		touch_proto(s->ports[i].protocol);
		FUZZ_ASSERT(s->ports[i].port != 0, "a service port is 1..65535");
	}
	for (size_t i = 0; i < s->n_external_ips; i++)
		touch_addr(&s->external_ips[i], false);
	for (size_t i = 0; i < s->n_lb_ingress; i++)
		touch_addr(&s->lb_ingress[i].ip, true);
	for (size_t i = 0; i < s->n_lb_source_ranges; i++) {
		const struct net_cidr *c = &s->lb_source_ranges[i];

		FUZZ_ASSERT((c->af == AF_INET && c->plen <= 32) ||
		                (c->af == AF_INET6 && c->plen <= 128),
		            "a source range is a CIDR");
	}
	FUZZ_ASSERT(s->external_policy <= KUBE_POLICY_LOCAL &&
	                s->internal_policy <= KUBE_POLICY_LOCAL,
	            "a known traffic policy");
	touch_str(s->traffic_distribution, true);
	touch_str(s->proxy_name, true);
	touch_str(s->scheduler, true);
	touch_str(s->scheduler_flags, true);
}

static void touch_slice(const struct kube_endpoint_slice *s)
{
	touch_meta(&s->meta, true);
	touch_str(s->service_name, true);
	touch_str(s->proxy_name, true);
	FUZZ_ASSERT(s->address_type == 0 || s->address_type == AF_INET ||
	                s->address_type == AF_INET6,
	            "a slice's address type is IPv4, IPv6 or ignored");
	FUZZ_ASSERT(s->address_type || s->n_endpoints == 0, "an FQDN slice has no endpoints");
	for (size_t i = 0; i < s->n_endpoints; i++)
		touch_endpoint(&s->endpoints[i], s->address_type);
	touch_ep_ports(s->ports, s->n_ports);
}

static void touch_endpoints(const struct kube_endpoints *e)
{
	touch_meta(&e->meta, true);
	touch_str(e->proxy_name, true);
	for (size_t i = 0; i < e->n_subsets; i++) {
		const struct kube_endpoints_subset *ss = &e->subsets[i];

		for (size_t k = 0; k < ss->n_endpoints; k++)
			touch_endpoint(&ss->endpoints[k], 0);
		touch_ep_ports(ss->ports, ss->n_ports);
	}
}

static void touch_node(const struct kube_node *n)
{
	touch_meta(&n->meta, false);
	touch_str(n->zone, true);
}

static struct held *find(struct consumer *c, const char *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].key, key))
			return &c->v[i];
	return NULL;
}

static char *key_of(const char *ns, const char *name)
{
	size_t nl = strlen(ns), ml = strlen(name);
	char *k = malloc(nl + ml + 2);

	FUZZ_ASSERT(k != NULL, "memory");
	memcpy(k, ns, nl);
	k[nl] = '/';
	memcpy(k + nl + 1, name, ml + 1);
	return k;
}

static void hold(struct consumer *c, enum kube_kind kind, void *obj)
{
	struct kube_object o = { .kind = kind, .ptr = obj };
	const struct kube_meta *m = kube_object_meta(&o);
	char *key = key_of(kind == KUBE_KIND_NODE ? "" : m->namespace, m->name);
	struct held *h = find(c, key);

	if (h) {
		free(key);
		kube_object_free(&h->o);
		h->o = o;
		return;
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 8;
		struct held *nv = realloc(c->v, nc * sizeof(*nv));

		FUZZ_ASSERT(nv != NULL, "memory");
		c->v = nv;
		c->cap = nc;
	}
	c->v[c->n].key = key;
	c->v[c->n].o = o;
	c->n++;
}

static void drop(struct consumer *c, const char *ns, const char *name)
{
	char *key = key_of(ns, name);
	struct held *h = find(c, key);

	free(key);
	FUZZ_ASSERT(h != NULL, "a delete only for an object that was delivered");
	free(h->key);
	kube_object_free(&h->o);
	*h = c->v[--c->n];
}

static void svc_up(void *ctx, struct kube_service *s)
{
	touch_service(s);
	hold(ctx, KUBE_KIND_SERVICE, s);
}

static void slice_up(void *ctx, struct kube_endpoint_slice *s)
{
	touch_slice(s);
	hold(ctx, KUBE_KIND_ENDPOINT_SLICE, s);
}

static void eps_up(void *ctx, struct kube_endpoints *e)
{
	touch_endpoints(e);
	hold(ctx, KUBE_KIND_ENDPOINTS, e);
}

static void node_up(void *ctx, struct kube_node *n)
{
	touch_node(n);
	hold(ctx, KUBE_KIND_NODE, n);
}

static void any_del(void *ctx, const char *ns, const char *name)
{
	drop(ctx, ns, name);
}

static void node_del(void *ctx, const char *name)
{
	drop(ctx, "", name);
}

static void list_begin(void *ctx, enum kube_resource res, enum kube_list_reason why)
{
	struct consumer *c = ctx;

	if (res == c->res)
		c->listing = 1;
}

static void list_end(void *ctx, enum kube_resource res)
{
	struct consumer *c = ctx;

	if (res != c->res)
		return;
	FUZZ_ASSERT(c->listing, "a list ends after it began");
	c->listing = 0;
}

static void synced(void *ctx, enum kube_resource res)
{
	struct consumer *c = ctx;

	if (res == c->res)
		FUZZ_ASSERT(++c->synced == 1, "synced once");
}

/* ---- the input ---------------------------------------------------------------- */

/* "STATUS[ SLICE]\n" at the start of a segment: 1 with the values, else 0. */
static int header(const char *p, size_t n, long *status, size_t *slice, size_t *hlen)
{
	size_t i = 0;
	long st = 0, sl = 0;
	int digits = 0;

	while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 3)
		st = st * 10 + (p[i++] - '0'), digits++;
	if (!digits)
		return 0;
	if (i < n && p[i] == ' ') {
		i++;
		digits = 0;
		while (i < n && p[i] >= '0' && p[i] <= '9' && digits < 6)
			sl = sl * 10 + (p[i++] - '0'), digits++;
		if (!digits)
			return 0;
	}
	if (i >= n || p[i] != '\n')
		return 0;
	*status = st;
	*slice = (size_t)sl;
	*hlen = i + 1;
	return 1;
}

static const char *path_of(enum kube_resource res)
{
	switch (res) {
	case KUBE_RES_SERVICES:
		return "/api/v1/services?";
	case KUBE_RES_ENDPOINTSLICES:
		return "/apis/discovery.k8s.io/v1/endpointslices?";
	case KUBE_RES_ENDPOINTS:
		return "/api/v1/endpoints?";
	default:
		return "/api/v1/nodes?";
	}
}

void fuzz_kube_stream_init(void)
{
	fuzz_quiet_logs();
	loop = ev_loop_new(EVFLAG_AUTO);
	FUZZ_ASSERT(loop != NULL, "an event loop");
}

void fuzz_kube_stream(enum kube_resource res, const uint8_t *data, size_t size)
{
	static const char sep[] = "\n--\n";
	struct consumer c = { .res = res };
	const struct kube_client_cbs cbs = {
		.service_upsert = svc_up,
		.service_delete = any_del,
		.slice_upsert = slice_up,
		.slice_delete = any_del,
		.endpoints_upsert = eps_up,
		.endpoints_delete = any_del,
		.node_upsert = node_up,
		.node_delete = node_del,
		.list_begin = list_begin,
		.list_end = list_end,
		.synced = synced,
	};
	struct kube_client_opts o = {
		.endpoints_api = res == KUBE_RES_ENDPOINTS ? KUBE_EP_ENDPOINTS : KUBE_EP_SLICES,
		.node_name = res == KUBE_RES_NODES ? "node-a" : NULL,
		.page_size = 100,
		.max_event_bytes = 64u << 10,
		.max_list_bytes = 1u << 20,
	};
	static char server[] = "https://apiserver.invalid"; /* never connected to */
	struct kube_config cfg = { .server = server };
	struct kube_client *cl;
	const char *p = (const char *)data, *end = p + size;

	FUZZ_ASSERT(kube_client_new(loop, &cfg, &o, &cbs, &c, &cl) == 0, "a client");
	FUZZ_ASSERT(kube_client_start(cl) == 0, "the client starts");
	while (p <= end) {
		const char *s = memmem(p, (size_t)(end - p), sep, sizeof(sep) - 1);
		size_t n = s ? (size_t)(s - p) : (size_t)(end - p), hl = 0, slice = 0;
		long status = 200;
		struct kube_http_req *r = fake_http_pending(fake_http_last(), path_of(res));

		if (!r)
			break; /* waiting on a backoff timer */
		if (!header(p, n, &status, &slice, &hl))
			hl = 0;
		fake_http_answer(r, status, p + hl, n - hl, slice);
		if (!s)
			break;
		p = s + sizeof(sep) - 1;
	}
	FUZZ_ASSERT(c.synced <= 1, "synced once");
	kube_client_free(cl);
	for (size_t i = 0; i < c.n; i++) {
		free(c.v[i].key);
		kube_object_free(&c.v[i].o);
	}
	free(c.v);
}
