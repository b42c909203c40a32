/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sync_fx — builders for the decoded Kubernetes objects the sync tests
 * feed the store (allocated exactly as the decoders allocate them, so the
 * store's kube_*_free calls release them), and a renderer of the desired
 * table as `ipvsadm -S -n` text for readable assertions.
 */
#ifndef KIPVS_TEST_SYNC_FX_H
#define KIPVS_TEST_SYNC_FX_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../lib/kube/kube_types.h"
#include "../../ipvs/admin/ipvs_print.h"
#include "../../sync/sync_desired.h"
#include "../../sync/sync_diff.h"
#include "../../sync/sync_store.h"

#define FX_R  0x1 /* ready */
#define FX_S  0x2 /* serving */
#define FX_T  0x4 /* terminating */
#define FX_RS (FX_R | FX_S)

static inline void *fx_grow(void *p, size_t n, size_t elem)
{
	void *np = realloc(p, (n + 1) * elem);

	assert_non_null(np);
	memset((char *)np + n * elem, 0, elem);
	return np;
}

static inline struct net_addr fx_addr(const char *s)
{
	struct net_addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

static inline void fx_meta(struct kube_meta *m, const char *ns_name)
{
	const char *slash = strchr(ns_name, '/');

	assert_non_null(slash);
	m->namespace = strndup(ns_name, (size_t)(slash - ns_name));
	m->name = strdup(slash + 1);
	m->uid = strdup("uid");
	m->resource_version = strdup("");
}

/* A ClusterIP Service; @cips is "10.96.0.1" or "10.96.0.1,fd00::1" or "None". */
static inline struct kube_service *fx_service(const char *ns_name, const char *cips)
{
	struct kube_service *s = calloc(1, sizeof(*s));
	char buf[256], *save = NULL;

	assert_non_null(s);
	fx_meta(&s->meta, ns_name);
	s->type = KUBE_SVC_CLUSTER_IP;
	if (cips && !strcmp(cips, "None")) {
		s->headless = true;
		return s;
	}
	snprintf(buf, sizeof(buf), "%s", cips ? cips : "");
	for (char *t = strtok_r(buf, ",", &save); t && s->n_cluster_ips < 2;
	     t = strtok_r(NULL, ",", &save))
		s->cluster_ips[s->n_cluster_ips++] = fx_addr(t);
	return s;
}

static inline void fx_port(struct kube_service *s, const char *name, uint16_t proto, uint16_t port,
                           uint16_t node_port)
{
	s->ports = fx_grow(s->ports, s->n_ports, sizeof(*s->ports));
	s->ports[s->n_ports].name = strdup(name);
	s->ports[s->n_ports].protocol = proto;
	s->ports[s->n_ports].port = port;
	s->ports[s->n_ports].node_port = node_port;
	s->n_ports++;
}

static inline void fx_external_ip(struct kube_service *s, const char *ip)
{
	s->external_ips = fx_grow(s->external_ips, s->n_external_ips, sizeof(*s->external_ips));
	s->external_ips[s->n_external_ips++] = fx_addr(ip);
}

/* @ip NULL = hostname-only entry. */
static inline void fx_lb(struct kube_service *s, const char *ip, bool proxy_mode)
{
	s->lb_ingress = fx_grow(s->lb_ingress, s->n_lb_ingress, sizeof(*s->lb_ingress));
	if (ip)
		s->lb_ingress[s->n_lb_ingress].ip = fx_addr(ip);
	s->lb_ingress[s->n_lb_ingress].ip_mode_proxy = proxy_mode;
	s->n_lb_ingress++;
}

static inline struct kube_endpoint_slice *fx_slice(const char *ns_name, const char *svc_name,
                                                   uint16_t af)
{
	struct kube_endpoint_slice *sl = calloc(1, sizeof(*sl));

	assert_non_null(sl);
	fx_meta(&sl->meta, ns_name);
	sl->service_name = svc_name ? strdup(svc_name) : NULL;
	sl->address_type = af;
	return sl;
}

static inline void fx_slice_port(struct kube_endpoint_slice *sl, const char *name, uint16_t proto,
                                 uint16_t port)
{
	sl->ports = fx_grow(sl->ports, sl->n_ports, sizeof(*sl->ports));
	sl->ports[sl->n_ports].name = name ? strdup(name) : NULL;
	sl->ports[sl->n_ports].protocol = proto;
	sl->ports[sl->n_ports].port = port;
	sl->n_ports++;
}

static inline void fx_fill_ep(struct kube_endpoint *ep, const char *ip, const char *node, int cond)
{
	if (ip)
		ep->addr = fx_addr(ip);
	ep->ready = cond & FX_R;
	ep->serving = cond & FX_S;
	ep->terminating = cond & FX_T;
	ep->node_name = node ? strdup(node) : NULL;
}

/* @ip NULL = an endpoint without addresses. */
static inline struct kube_endpoint *fx_ep(struct kube_endpoint_slice *sl, const char *ip,
                                          const char *node, int cond)
{
	sl->endpoints = fx_grow(sl->endpoints, sl->n_endpoints, sizeof(*sl->endpoints));
	fx_fill_ep(&sl->endpoints[sl->n_endpoints], ip, node, cond);
	return &sl->endpoints[sl->n_endpoints++];
}

static inline void fx_hint_zone(struct kube_endpoint *ep, const char *zone)
{
	ep->hint_zones = fx_grow(ep->hint_zones, ep->n_hint_zones, sizeof(char *));
	ep->hint_zones[ep->n_hint_zones++] = strdup(zone);
}

static inline void fx_hint_node(struct kube_endpoint *ep, const char *node)
{
	ep->hint_nodes = fx_grow(ep->hint_nodes, ep->n_hint_nodes, sizeof(char *));
	ep->hint_nodes[ep->n_hint_nodes++] = strdup(node);
}

/* core/v1 Endpoints with one subset per call to fx_subset. */
static inline struct kube_endpoints *fx_endpoints(const char *ns_name)
{
	struct kube_endpoints *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	fx_meta(&e->meta, ns_name);
	return e;
}

static inline struct kube_endpoints_subset *fx_subset(struct kube_endpoints *e)
{
	e->subsets = fx_grow(e->subsets, e->n_subsets, sizeof(*e->subsets));
	return &e->subsets[e->n_subsets++];
}

static inline void fx_subset_port(struct kube_endpoints_subset *ss, const char *name,
                                  uint16_t proto, uint16_t port)
{
	ss->ports = fx_grow(ss->ports, ss->n_ports, sizeof(*ss->ports));
	ss->ports[ss->n_ports].name = strdup(name);
	ss->ports[ss->n_ports].protocol = proto;
	ss->ports[ss->n_ports].port = port;
	ss->n_ports++;
}

static inline void fx_subset_addr(struct kube_endpoints_subset *ss, const char *ip,
                                  const char *node, bool ready)
{
	ss->endpoints = fx_grow(ss->endpoints, ss->n_endpoints, sizeof(*ss->endpoints));
	fx_fill_ep(&ss->endpoints[ss->n_endpoints++], ip, node, ready ? FX_RS : 0);
}

/* --- store/node/desired plumbing ------------------------------------------ */

struct fx {
	struct sync_store *st;
	struct sync_node node;
	struct sync_desired *d;
};

static inline void fx_init(struct fx *f)
{
	assert_int_equal(sync_store_new(&f->st), 0);
	assert_int_equal(sync_desired_new(&f->d), 0);
	sync_node_init(&f->node);
}

static inline void fx_fini(struct fx *f)
{
	sync_desired_free(f->d);
	sync_store_free(f->st);
	sync_node_clear(&f->node);
}

/* "1.2.3.4,fd00::1" → node addresses (no CIDR filter). */
static inline void fx_node_ips(struct fx *f, const char *list)
{
	struct net_addr a[16];
	size_t n = 0;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t && n < 16; t = strtok_r(NULL, ",", &save))
		a[n++] = fx_addr(t);
	assert_int_equal(sync_node_set_node_addrs(&f->node, a, n, NULL, 0), 0);
}

static inline void fx_add_svc(struct fx *f, struct kube_service *s)
{
	assert_int_equal(sync_store_upsert_service(f->st, s), 0);
}

static inline void fx_add_slice(struct fx *f, struct kube_endpoint_slice *s)
{
	assert_int_equal(sync_store_upsert_slice(f->st, s), 0);
}

/* The table as ipvsadm -S -n lines in sync_table order. Caller frees. */
static inline char *fx_table_text(const struct ipvs_table *t)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	for (size_t i = 0; i < t->n; i++) {
		assert_int_equal(ipvs_print_save_service(f, &t->vs[i].svc, IPVS_FMT_NUMERIC), 0);
		for (size_t j = 0; j < t->vs[i].n_dests; j++)
			assert_int_equal(ipvs_print_save_dest(f, &t->vs[i].svc, &t->vs[i].dests[j],
			                                      IPVS_FMT_NUMERIC),
			                 0);
	}
	fclose(f);
	return out;
}

/* Builds the desired table from the store and renders it. Caller frees. */
static inline char *fx_render(struct fx *f)
{
	struct ipvs_table t;
	char *s;

	ipvs_table_init(&t);
	assert_int_equal(sync_desired_build(f->d, f->st, &f->node), 0);
	assert_int_equal(sync_desired_to_table(f->d, &t), 0);
	s = fx_table_text(&t);
	ipvs_table_free(&t);
	return s;
}

#define assert_render(f, expected)                                                                 \
	do {                                                                                       \
		char *got_ = fx_render(f);                                                         \
		if (strcmp(got_, expected))                                                        \
			print_error("render mismatch\n--- expected\n%s--- got\n%s", expected,      \
			            got_);                                                         \
		assert_string_equal(got_, expected);                                               \
		free(got_);                                                                        \
	} while (0)

/* --- tables and changes as text -------------------------------------------- */

static inline void fx_parse_svc(const char *proto, const char *ap, struct ipvs_service *s)
{
	char buf[128], *colon;

	memset(s, 0, sizeof(*s));
	s->protocol = !strcmp(proto, "-t")   ? IPPROTO_TCP
	              : !strcmp(proto, "-u") ? IPPROTO_UDP
	                                     : IPPROTO_SCTP;
	snprintf(buf, sizeof(buf), "%s", ap);
	colon = strrchr(buf, ':');
	assert_non_null(colon);
	*colon = '\0';
	s->port = (uint16_t)strtoul(colon + 1, NULL, 10);
	if (buf[0] == '[') {
		buf[strlen(buf) - 1] = '\0';
		s->addr = fx_addr(buf + 1);
	} else {
		s->addr = fx_addr(buf);
	}
}

/*
 * Parses ipvsadm -S style lines into @t:
 *   -A -t|-u|--sctp-service ADDR:PORT -s SCHED [-p T] [-b FLAGS] [hashed]
 *   -a -t ... -r ADDR:PORT -m|-g|-i -w W [conns=ACTIVE/INACTIVE]
 */
static inline void fx_table_parse(struct ipvs_table *t, const char *text)
{
	char *copy = strdup(text), *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *tok[32], *s2 = NULL;
		int n = 0;
		struct ipvs_service svc;

		for (char *w = strtok_r(line, " ", &s2); w && n < 32; w = strtok_r(NULL, " ", &s2))
			tok[n++] = w;
		if (n < 3)
			continue;
		fx_parse_svc(tok[1], tok[2], &svc);
		if (!strcmp(tok[0], "-A")) {
			svc.netmask = svc.addr.af == AF_INET6 ? 128 : 0xffffffffu;
			for (int i = 3; i < n; i++) {
				if (!strcmp(tok[i], "-s"))
					snprintf(svc.sched_name, sizeof(svc.sched_name), "%s",
					         tok[++i]);
				else if (!strcmp(tok[i], "-p")) {
					svc.flags |= IP_VS_SVC_F_PERSISTENT;
					svc.timeout = (uint32_t)strtoul(tok[++i], NULL, 10);
				} else if (!strcmp(tok[i], "-b")) {
					uint32_t fl;

					assert_int_equal(sync_sched_flags_parse(tok[++i], &fl), 0);
					svc.flags |= fl;
				} else if (!strcmp(tok[i], "hashed")) {
					svc.flags |= IP_VS_SVC_F_HASHED;
				}
			}
			assert_non_null(ipvs_table_add(t, &svc));
		} else {
			struct ipvs_vs *vs = ipvs_table_find(t, &svc);
			struct ipvs_service ds;
			struct ipvs_dest d;

			assert_non_null(vs);
			memset(&d, 0, sizeof(d));
			for (int i = 3; i < n; i++) {
				if (!strcmp(tok[i], "-r")) {
					fx_parse_svc("-t", tok[++i], &ds);
					d.addr = ds.addr;
					d.port = ds.port;
				} else if (!strcmp(tok[i], "-w")) {
					d.weight = (int32_t)strtol(tok[++i], NULL, 10);
				} else if (!strcmp(tok[i], "-g")) {
					d.conn_flags = IP_VS_CONN_F_DROUTE;
				} else if (!strcmp(tok[i], "-i")) {
					d.conn_flags = IP_VS_CONN_F_TUNNEL;
				} else if (!strncmp(tok[i], "conns=", 6)) {
					char *slash;

					d.active_conns = (uint32_t)strtoul(tok[i] + 6, &slash, 10);
					d.inact_conns = (uint32_t)strtoul(slash + 1, NULL, 10);
				}
			}
			assert_int_equal(ipvs_vs_add_dest(vs, &d), 0);
		}
	}
	free(copy);
}

/* One change as "op tcp/ADDR:PORT [sched|DEST w=W]". */
static inline void fx_change_line(const struct ipvs_change *c, char *buf, size_t len)
{
	char a[ADDR_STRLEN], d[ADDR_STRLEN];
	const char *p = ipvs_proto_name(c->svc.protocol);
	int off = snprintf(buf, len, "%s %s/%s", sync_op_name(c->op), p ? p : "fwm",
	                   addr_port_fmt(&c->svc.addr, c->svc.port, a));

	switch (c->op) {
	case IPVS_OP_ADD_SERVICE:
	case IPVS_OP_EDIT_SERVICE:
		snprintf(buf + off, len - (size_t)off, " %s flags=%#x timeout=%u",
		         c->svc.sched_name, c->svc.flags, c->svc.timeout);
		break;
	case IPVS_OP_ADD_DEST:
	case IPVS_OP_EDIT_DEST:
		snprintf(buf + off, len - (size_t)off, " %s w=%d",
		         addr_port_fmt(&c->dest.addr, c->dest.port, d), c->dest.weight);
		break;
	case IPVS_OP_DEL_DEST:
		snprintf(buf + off, len - (size_t)off, " %s",
		         addr_port_fmt(&c->dest.addr, c->dest.port, d));
		break;
	default:
		break;
	}
}

/* All changes, one per line. Caller frees. */
static inline char *fx_changes_text(const struct sync_changes *ch)
{
	size_t cap = 256 + ch->n * 128, len = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	out[0] = '\0';
	for (size_t i = 0; i < ch->n; i++) {
		fx_change_line(&ch->v[i], out + len, cap - len - 1);
		len += strlen(out + len);
		out[len++] = '\n';
		out[len] = '\0';
	}
	return out;
}

#define assert_text(got, expected)                                                                 \
	do {                                                                                       \
		char *g_ = (got);                                                                  \
		if (strcmp(g_, expected))                                                          \
			print_error("mismatch\n--- expected\n%s--- got\n%s", expected, g_);        \
		assert_string_equal(g_, expected);                                                 \
		free(g_);                                                                          \
	} while (0)

#endif
