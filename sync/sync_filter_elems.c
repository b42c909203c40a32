/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One Service's set elements, kube-proxy's IPVS proxier's ipset entries for
 * the same Service (pkg/proxy/ipvs/proxier.go, syncProxyRules), per IP
 * family of its cluster IPs and per Service port:
 *
 *   clusterip, vip_ports      clusterIP . proto . port
 *   vips                      the clusterIP, and each externalIP / LB IP that
 *                             is bound (not already an address of the node)
 *   extip_masq                externalIP . proto . port, ETP Cluster only
 *   vip_ports                 externalIP and LB IP . proto . port, both policies
 *   lb (+ lb_local when ETP Local)          LB IP . proto . port
 *   lb_fw, lb_allow / lb_nonode             with loadBalancerSourceRanges of
 *                             the family: the ranges (merged: nested ones
 *                             dropped, since overlapping elements make the
 *                             kernel refuse the whole transaction), plus the
 *                             LB IP itself when a range holds a node address
 *                             (KUBE-LOAD-BALANCER-SOURCE-IP), else the LB IP
 *                             as source in lb_nonode (KUBE-IPVS-OUT-FILTER)
 *   nodeport (+ nodeport_loc when ETP Local)  proto . nodePort, when the node
 *                             has an address of the family
 *   hc_port                   healthCheckNodePort of the Services
 *                             sync_desired_health_ports() lists (served by
 *                             sync_hcnp; the filter only lets the port in)
 *   loopback                  every local endpoint of the port, ready or not
 *                             (KUBE-LOOP-BACK): ep . proto . port . ep
 *
 * Invalid source ranges never get here: the decoder logs and drops them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sync_desired.h"
#include "sync_filter_priv.h"
#include "sync_rules.h"

/* A key being built, fields padded to 4 bytes as nft lays them out. */
struct kb {
	uint8_t b[2 * NFT_KEY_MAX];
	size_t n;
};

static void kb_addr(struct kb *k, const struct net_addr *a)
{
	size_t len = a->af == AF_INET ? 4 : 16;

	memcpy(k->b + k->n, a->a.b, len);
	k->n += len;
}

static void kb_proto(struct kb *k, uint16_t proto)
{
	memset(k->b + k->n, 0, 4);
	k->b[k->n] = (uint8_t)proto;
	k->n += 4;
}

static void kb_port(struct kb *k, uint16_t port, bool pad)
{
	k->b[k->n] = (uint8_t)(port >> 8);
	k->b[k->n + 1] = (uint8_t)port;
	if (pad)
		memset(k->b + k->n + 2, 0, 2);
	k->n += pad ? 4 : 2;
}

static int emit(struct sync_filter *f, int fam, enum sync_fset set, const uint8_t *key, size_t len)
{
	uint8_t *r;

	if (f->scratch_n == f->scratch_cap) {
		size_t cap = f->scratch_cap ? f->scratch_cap * 2 : 64;
		uint8_t *nb = realloc(f->scratch, cap * SYNC_FE_REC);

		if (!nb)
			return -ENOMEM;
		f->scratch = nb;
		f->scratch_cap = cap;
	}
	r = f->scratch + f->scratch_n++ * SYNC_FE_REC;
	memset(r, 0, SYNC_FE_REC);
	r[0] = (uint8_t)fam;
	r[1] = (uint8_t)set;
	r[2] = (uint8_t)len;
	memcpy(r + 3, key, len);
	return 0;
}

/* addr . proto . port into @set. */
static int emit_app(struct sync_filter *f, int fam, enum sync_fset set, const struct net_addr *a,
                    uint16_t proto, uint16_t port)
{
	struct kb k = { .n = 0 };

	kb_addr(&k, a);
	kb_proto(&k, proto);
	kb_port(&k, port, true);
	return emit(f, fam, set, k.b, k.n);
}

/* addr . proto . port . addr2 into @set. */
static int emit_appa(struct sync_filter *f, int fam, enum sync_fset set, const struct net_addr *a,
                     uint16_t proto, uint16_t port, const struct net_addr *a2)
{
	struct kb k = { .n = 0 };

	kb_addr(&k, a);
	kb_proto(&k, proto);
	kb_port(&k, port, true);
	kb_addr(&k, a2);
	return emit(f, fam, set, k.b, k.n);
}

static int emit_addr(struct sync_filter *f, int fam, const struct net_addr *a)
{
	struct kb k = { .n = 0 };

	kb_addr(&k, a);
	return emit(f, fam, FSET_VIPS, k.b, k.n);
}

static int emit_proto_port(struct sync_filter *f, int fam, enum sync_fset set, uint16_t proto,
                           uint16_t port)
{
	struct kb k = { .n = 0 };

	kb_proto(&k, proto);
	kb_port(&k, port, true);
	return emit(f, fam, set, k.b, k.n);
}

/* --- source ranges --------------------------------------------------------------- */

static bool cidr_in(const struct net_cidr *outer, const struct net_cidr *inner)
{
	struct net_addr a = { .af = inner->af, .a = inner->a };

	return outer->af == inner->af && outer->plen <= inner->plen && cidr_contains(outer, &a);
}

/* lbIP . proto . port . [range start, range end]. */
static int emit_range(struct sync_filter *f, int fam, const struct net_addr *lb, uint16_t proto,
                      uint16_t port, const struct net_cidr *c)
{
	struct net_addr lo = { .af = c->af, .a = c->a }, hi = lo;
	size_t bits = c->af == AF_INET ? 32 : 128;
	struct kb k = { .n = 0 };
	size_t half;

	for (size_t i = c->plen; i < bits; i++)
		hi.a.b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	kb_addr(&k, lb);
	kb_proto(&k, proto);
	kb_port(&k, port, true);
	half = k.n;
	kb_addr(&k, &lo);
	memcpy(k.b + k.n, k.b, half);
	k.n += half;
	kb_addr(&k, &hi);
	return emit(f, fam, FSET_LB_ALLOW, k.b, k.n);
}

/*
 * The allow list of one LB address: the Service's ranges of the family and,
 * when one holds a node address, the LB address itself; none nested in
 * another (the kernel refuses overlapping intervals).
 */
static int lb_ranges(struct sync_filter *f, int fam, const struct kube_service *s,
                     const struct sync_node *node, const struct net_addr *lb, uint16_t proto,
                     uint16_t port)
{
	uint16_t af = sync_filter_af(fam);
	struct net_cidr self = { .af = af,
		                 .plen = (uint8_t)(af == AF_INET ? 32 : 128),
		                 .a = lb->a };
	struct net_cidr *v = calloc(s->n_lb_source_ranges + 1, sizeof(*v));
	bool node_in = false;
	size_t n = 0;
	int err = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_lb_source_ranges; i++) {
		const struct net_cidr *c = &s->lb_source_ranges[i];

		if (c->af != af)
			continue;
		v[n++] = *c;
		for (size_t a = 0; a < node->n_node_addrs; a++)
			node_in |= cidr_contains(c, &node->node_addrs[a]);
	}
	if (node_in)
		v[n++] = self;
	else
		err = emit_appa(f, fam, FSET_LB_NONODE, lb, proto, port, lb);
	for (size_t i = 0; !err && i < n; i++) {
		bool covered = false;

		/* Inside another range (or the same one again, listed first). */
		for (size_t j = 0; !covered && j < n; j++)
			covered =
			    j != i && cidr_in(&v[j], &v[i]) && (v[j].plen < v[i].plen || j < i);
		if (!covered)
			err = emit_range(f, fam, lb, proto, port, &v[i]);
	}
	free(v);
	return err;
}

static bool has_ranges(const struct kube_service *s, uint16_t af)
{
	for (size_t i = 0; i < s->n_lb_source_ranges; i++)
		if (s->lb_source_ranges[i].af == af)
			return true;
	return false;
}

static bool node_has_family(const struct sync_node *node, uint16_t af)
{
	for (size_t i = 0; i < node->n_node_addrs; i++)
		if (node->node_addrs[i].af == af)
			return true;
	return false;
}

/* --- one Service port -------------------------------------------------------------- */

struct svc_ctx {
	const struct kube_service *s;
	const struct sync_node *node;
	bool etp_local;
	int fam;
	uint16_t af;
};

static int port_elems(struct sync_filter *f, const struct svc_ctx *c, const struct net_addr *cip,
                      const struct kube_service_port *p)
{
	const struct kube_service *s = c->s;
	int fam = c->fam, err;

	err = emit_app(f, fam, FSET_CLUSTERIP, cip, p->protocol, p->port);
	if (!err)
		err = emit_app(f, fam, FSET_VIP_PORTS, cip, p->protocol, p->port);
	if (!err)
		err = emit_addr(f, fam, cip);
	for (size_t i = 0; !err && i < s->n_external_ips; i++) {
		const struct net_addr *a = &s->external_ips[i];

		if (a->af != c->af)
			continue;
		err = emit_app(f, fam, FSET_VIP_PORTS, a, p->protocol, p->port);
		if (!err && !c->etp_local)
			err = emit_app(f, fam, FSET_EXTIP_MASQ, a, p->protocol, p->port);
		if (!err && !sync_node_is_local_addr(c->node, a))
			err = emit_addr(f, fam, a);
	}
	for (size_t i = 0; !err && i < s->n_lb_ingress; i++) {
		const struct net_addr *a = &s->lb_ingress[i].ip;

		if (a->af != c->af || s->lb_ingress[i].ip_mode_proxy)
			continue;
		err = emit_app(f, fam, FSET_LB, a, p->protocol, p->port);
		if (!err)
			err = emit_app(f, fam, FSET_VIP_PORTS, a, p->protocol, p->port);
		if (!err && c->etp_local)
			err = emit_app(f, fam, FSET_LB_LOCAL, a, p->protocol, p->port);
		if (!err && has_ranges(s, c->af)) {
			err = emit_app(f, fam, FSET_LB_FW, a, p->protocol, p->port);
			if (!err)
				err = lb_ranges(f, fam, s, c->node, a, p->protocol, p->port);
		}
		if (!err && !sync_node_is_local_addr(c->node, a))
			err = emit_addr(f, fam, a);
	}
	if (!err && p->node_port && node_has_family(c->node, c->af)) {
		err = emit_proto_port(f, fam, FSET_NODEPORT, p->protocol, p->node_port);
		if (!err && c->etp_local)
			err = emit_proto_port(f, fam, FSET_NODEPORT_LOC, p->protocol, p->node_port);
	}
	return err;
}

/* KUBE-LOOP-BACK: every local endpoint of the port, whatever its state. */
static int loopback_elems(struct sync_filter *f, const struct sync_store *st,
                          const struct sync_svc *e, const struct svc_ctx *c,
                          const struct kube_service_port *p)
{
	struct sync_meps *m = &f->meps;
	int err = sync_store_port_endpoints(st, e, p->name ? p->name : "", p->protocol, c->af,
	                                    c->node, m);

	for (size_t i = 0; !err && i < m->n; i++)
		if (m->v[i].flags & SYNC_EP_LOCAL)
			err = emit_appa(f, c->fam, FSET_LOOPBACK, &m->v[i].addr, p->protocol,
			                m->v[i].port, &m->v[i].addr);
	return err;
}

int sync_filter_svc_elems(struct sync_filter *f, const struct sync_store *st,
                          const struct sync_svc *e, const struct sync_node *node)
{
	const struct kube_service *s = sync_svc_service(e);
	struct svc_ctx c = { .s = s, .node = node };
	bool usable = false;
	int err = 0;

	if (sync_rules_skip_reason(s))
		return 0;
	c.etp_local = s->external_policy == KUBE_POLICY_LOCAL &&
	              (s->type == KUBE_SVC_NODE_PORT || s->type == KUBE_SVC_LOAD_BALANCER ||
	               s->n_external_ips > 0);
	for (int fam = 0; fam < SYNC_FILTER_FAMS && !err; fam++) {
		const struct net_addr *cip = NULL;

		c.fam = fam;
		c.af = sync_filter_af(fam);
		for (size_t i = 0; i < s->n_cluster_ips && !cip; i++)
			if (s->cluster_ips[i].af == c.af)
				cip = &s->cluster_ips[i];
		if (!cip)
			continue;
		for (size_t i = 0; i < s->n_ports && !err; i++) {
			const struct kube_service_port *p = &s->ports[i];

			if (!p->protocol || !p->port)
				continue;
			usable = true;
			err = port_elems(f, &c, cip, p);
			if (!err)
				err = loopback_elems(f, st, e, &c, p);
		}
		/* KUBE-HEALTH-CHECK-NODE-PORT: exactly the Services
		 * sync_desired_health_ports() lists (and sync_hcnp serves). */
		if (!err && usable && sync_desired_needs_health_check(s)) {
			struct kb k = { .n = 0 };

			kb_port(&k, s->health_check_node_port, false);
			err = emit(f, fam, FSET_HC_PORT, k.b, k.n);
		}
	}
	return err;
}
