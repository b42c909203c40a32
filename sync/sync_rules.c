/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SEL_CLUSTER 0x1
#define SEL_LOCAL   0x2

const char *sync_vs_kind_name(enum sync_vs_kind k)
{
	switch (k) {
	case SYNC_VS_CLUSTER_IP:
		return "cluster-ip";
	case SYNC_VS_EXTERNAL_IP:
		return "external-ip";
	case SYNC_VS_LOAD_BALANCER:
		return "load-balancer";
	case SYNC_VS_NODE_PORT:
		return "node-port";
	}
	return "?";
}

const char *sync_rules_skip_reason(const struct kube_service *s)
{
	if (!s)
		return "unknown";
	if (s->proxy_name)
		return "service-proxy-name";
	if (s->type == KUBE_SVC_EXTERNAL_NAME)
		return "external-name";
	if (s->headless)
		return "headless";
	if (!s->n_cluster_ips)
		return "no-cluster-ip";
	return NULL;
}

void sync_rules_scratch_free(struct sync_rules_scratch *s)
{
	sync_meps_free(&s->meps);
	free(s->sel);
	memset(s, 0, sizeof(*s));
}

void sync_block_free(struct sync_block *b)
{
	if (!b)
		return;
	free(b->vs);
	free(b->origin);
	free(b->dests);
	free(b->names);
	free(b->claims);
	free(b);
}

/* --- a growing block ------------------------------------------------------ */

struct bld {
	struct ipvs_vs *vs;
	struct sync_origin *org;
	size_t *doff;
	size_t n_vs, cap_vs;
	struct ipvs_dest *d;
	size_t n_d, cap_d;
};

static int bld_vs(struct bld *b, const struct ipvs_service *svc, size_t doff, size_t nd,
                  const struct sync_origin *o)
{
	if (b->n_vs == b->cap_vs) {
		size_t nc = b->cap_vs ? b->cap_vs * 2 : 4;
		struct ipvs_vs *nv = realloc(b->vs, nc * sizeof(*nv));
		struct sync_origin *no;
		size_t *nf;

		if (!nv)
			return -ENOMEM;
		b->vs = nv;
		no = realloc(b->org, nc * sizeof(*no));
		if (!no)
			return -ENOMEM;
		b->org = no;
		nf = realloc(b->doff, nc * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		b->doff = nf;
		b->cap_vs = nc;
	}
	memset(&b->vs[b->n_vs], 0, sizeof(b->vs[b->n_vs]));
	b->vs[b->n_vs].svc = *svc;
	b->vs[b->n_vs].n_dests = nd;
	b->doff[b->n_vs] = doff;
	b->org[b->n_vs] = *o;
	b->n_vs++;
	return 0;
}

/* Appends the endpoints whose selection has @bit; @off and @cnt locate them. */
static int bld_dests(struct bld *b, const struct sync_meps *m, const uint8_t *sel, uint8_t bit,
                     size_t *off, size_t *cnt)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += (sel[i] & bit) != 0;
	*off = b->n_d;
	*cnt = n;
	if (b->n_d + n > b->cap_d) {
		size_t nc = b->cap_d ? b->cap_d : 8;
		struct ipvs_dest *nd;

		while (nc < b->n_d + n)
			nc *= 2;
		nd = realloc(b->d, nc * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		b->d = nd;
		b->cap_d = nc;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct ipvs_dest *d;

		if (!(sel[i] & bit))
			continue;
		d = &b->d[b->n_d++];
		memset(d, 0, sizeof(*d));
		d->addr = m->v[i].addr;
		d->port = m->v[i].port;
		d->conn_flags = IP_VS_CONN_F_MASQ;
		d->weight = 1;
	}
	return 0;
}

/* --- kube-proxy's CategorizeEndpoints ------------------------------------ */

enum topo { TOPO_NONE, TOPO_ZONE, TOPO_NODE };

static enum topo topology_mode(const struct sync_meps *m, bool prefer_same_node)
{
	bool all_node = true, for_node = false, all_zone = true, for_zone = false;

	for (size_t i = 0; i < m->n; i++) {
		uint16_t f = m->v[i].flags;

		if (!(f & SYNC_EP_READY))
			continue;
		if (!(f & SYNC_EP_NODE_HINTS))
			all_node = false;
		else if (f & SYNC_EP_NODE_MATCH)
			for_node = true;
		if (!(f & SYNC_EP_ZONE_HINTS))
			all_zone = false;
		else if (f & SYNC_EP_ZONE_MATCH)
			for_zone = true;
	}
	if (prefer_same_node && all_node && for_node)
		return TOPO_NODE;
	if (all_zone && for_zone)
		return TOPO_ZONE;
	return TOPO_NONE;
}

static bool serving_terminating(uint16_t f)
{
	return (f & SYNC_EP_SERVING) && (f & SYNC_EP_TERMINATING);
}

/* Marks SEL_CLUSTER or SEL_LOCAL per endpoint; says whether each set is
 * non-empty. */
static void categorize(const struct sync_meps *m, bool uses_cluster, bool uses_local,
                       bool prefer_same_node, uint8_t *sel, bool *has_cluster, bool *has_local)
{
	*has_cluster = *has_local = false;
	if (m->n)
		memset(sel, 0, m->n);
	if (uses_cluster) {
		enum topo t = topology_mode(m, prefer_same_node);

		for (size_t i = 0; i < m->n; i++) {
			uint16_t f = m->v[i].flags;

			if (!(f & SYNC_EP_READY))
				continue;
			if (t == TOPO_ZONE && !(f & SYNC_EP_ZONE_MATCH))
				continue;
			if (t == TOPO_NODE && !(f & SYNC_EP_NODE_MATCH))
				continue;
			sel[i] |= SEL_CLUSTER;
			*has_cluster = true;
		}
		/* Nothing ready anywhere: serving+terminating, topology ignored. */
		for (size_t i = 0; !*has_cluster && i < m->n; i++)
			if (serving_terminating(m->v[i].flags))
				sel[i] |= SEL_CLUSTER;
		for (size_t i = 0; i < m->n; i++)
			*has_cluster |= (sel[i] & SEL_CLUSTER) != 0;
	}
	if (uses_local) {
		for (size_t i = 0; i < m->n; i++) {
			uint16_t f = m->v[i].flags;

			if ((f & SYNC_EP_LOCAL) && (f & SYNC_EP_READY)) {
				sel[i] |= SEL_LOCAL;
				*has_local = true;
			}
		}
		for (size_t i = 0; !*has_local && i < m->n; i++) {
			uint16_t f = m->v[i].flags;

			if ((f & SYNC_EP_LOCAL) && serving_terminating(f))
				sel[i] |= SEL_LOCAL;
		}
		for (size_t i = 0; i < m->n; i++)
			*has_local |= (sel[i] & SEL_LOCAL) != 0;
	}
}

/* --- one service ------------------------------------------------------------- */

struct svc_ctx {
	const struct kube_service *s;
	const struct sync_node *node;
	struct ipvs_service tmpl; /* scheduler, flags, timeout */
	bool etp_local, itp_local;
};

static bool has_addr(const struct net_addr *v, size_t n, const struct net_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (addr_eq(&v[i], a))
			return true;
	return false;
}

static int do_port(struct bld *b, const struct sync_store *st, const struct sync_svc *e,
                   struct svc_ctx *c, struct sync_rules_scratch *scr, uint16_t af,
                   const struct net_addr *cip, const struct kube_service_port *p,
                   const char *port_name)
{
	const struct kube_service *s = c->s;
	const struct sync_node *node = c->node;
	struct sync_meps *m = &scr->meps;
	struct ipvs_service vs = c->tmpl;
	struct sync_origin o = { 0 };
	bool ext_access = p->node_port != 0, has_cluster, has_local;
	uint8_t ibit, xbit;
	size_t ioff, in, xoff, xn;
	int err;

	for (size_t i = 0; !ext_access && i < s->n_external_ips; i++)
		ext_access = s->external_ips[i].af == af;
	for (size_t i = 0; !ext_access && i < s->n_lb_ingress; i++)
		ext_access = s->lb_ingress[i].ip.af == af && !s->lb_ingress[i].ip_mode_proxy;

	err = sync_store_port_endpoints(st, e, p->name ? p->name : "", p->protocol, af, node, m);
	if (err)
		return err;
	if (m->n > scr->sel_cap) {
		uint8_t *ns = realloc(scr->sel, m->n);

		if (!ns)
			return -ENOMEM;
		scr->sel = ns;
		scr->sel_cap = m->n;
	}
	categorize(m, !c->itp_local || ext_access, c->itp_local || (c->etp_local && ext_access),
	           node->prefer_same_node, scr->sel, &has_cluster, &has_local);
	/* Local policies fall back to the cluster set when nothing is local. */
	ibit = (c->itp_local && has_local) ? SEL_LOCAL : SEL_CLUSTER;
	xbit = (c->etp_local && has_local) ? SEL_LOCAL : SEL_CLUSTER;
	err = bld_dests(b, m, scr->sel, ibit, &ioff, &in);
	if (err)
		return err;
	xoff = ioff;
	xn = in;
	if (xbit != ibit && ext_access) {
		err = bld_dests(b, m, scr->sel, xbit, &xoff, &xn);
		if (err)
			return err;
	}

	vs.protocol = p->protocol;
	vs.port = p->port;
	vs.netmask = af == AF_INET ? 0xffffffffu : 128;
	o.service = NULL; /* set when the block is finalised */
	o.port_name = port_name;

	vs.addr = *cip;
	o.kind = SYNC_VS_CLUSTER_IP;
	o.bind = true;
	err = bld_vs(b, &vs, ioff, in, &o);
	for (size_t i = 0; !err && i < s->n_external_ips; i++) {
		if (s->external_ips[i].af != af ||
		    has_addr(s->external_ips, i, &s->external_ips[i]))
			continue;
		vs.addr = s->external_ips[i];
		o.kind = SYNC_VS_EXTERNAL_IP;
		o.bind = !sync_node_is_local_addr(node, &vs.addr);
		err = bld_vs(b, &vs, xoff, xn, &o);
	}
	for (size_t i = 0; !err && i < s->n_lb_ingress; i++) {
		const struct kube_lb_ingress *lb = &s->lb_ingress[i];

		if (lb->ip.af != af || lb->ip_mode_proxy)
			continue;
		vs.addr = lb->ip;
		o.kind = SYNC_VS_LOAD_BALANCER;
		o.bind = !sync_node_is_local_addr(node, &vs.addr);
		err = bld_vs(b, &vs, xoff, xn, &o);
	}
	for (size_t i = 0; !err && p->node_port && i < node->n_node_addrs; i++) {
		if (node->node_addrs[i].af != af)
			continue;
		vs.addr = node->node_addrs[i];
		vs.port = p->node_port;
		o.kind = SYNC_VS_NODE_PORT;
		o.bind = false;
		err = bld_vs(b, &vs, xoff, xn, &o);
	}
	return err;
}

static void service_template(struct svc_ctx *c, const struct sync_svc *e)
{
	const char *sched = sync_svc_scheduler(e);
	struct ipvs_service *t = &c->tmpl;

	memset(t, 0, sizeof(*t));
	snprintf(t->sched_name, sizeof(t->sched_name), "%s", sched ? sched : c->node->sched);
	t->flags = sync_svc_sched_flags(e);
	/* kube-proxy always asks mh for source-port hashing (mh-port). */
	if (!strcmp(t->sched_name, "mh"))
		t->flags |= IP_VS_SVC_F_SCHED2;
	if (c->s->affinity_client_ip) {
		t->flags |= IP_VS_SVC_F_PERSISTENT;
		t->timeout =
		    c->s->affinity_timeout ? c->s->affinity_timeout : KUBE_AFFINITY_DEFAULT_TIMEOUT;
	}
}

int sync_rules_build(const struct sync_store *st, const struct sync_svc *e,
                     const struct sync_node *node, struct sync_rules_scratch *scr,
                     struct sync_block **out)
{
	const struct kube_service *s = sync_svc_service(e);
	const char *key = sync_svc_key(e);
	struct svc_ctx c = { 0 };
	struct bld b = { 0 };
	struct sync_block *blk = NULL;
	size_t names_len, off;
	int err = 0;
	char **pnames = NULL;
	static const uint16_t fams[2] = { AF_INET, AF_INET6 };

	*out = NULL;
	if (sync_rules_skip_reason(s))
		return 0;
	c.s = s;
	c.node = node;
	c.itp_local = s->internal_policy == KUBE_POLICY_LOCAL;
	c.etp_local = s->external_policy == KUBE_POLICY_LOCAL &&
	              (s->type == KUBE_SVC_NODE_PORT || s->type == KUBE_SVC_LOAD_BALANCER ||
	               s->n_external_ips > 0);
	service_template(&c, e);

	blk = calloc(1, sizeof(*blk));
	names_len = strlen(key) + 1;
	for (size_t i = 0; i < s->n_ports; i++)
		names_len += strlen(s->ports[i].name ? s->ports[i].name : "") + 1;
	if (!blk || !(blk->names = malloc(names_len)) ||
	    (s->n_ports && !(pnames = calloc(s->n_ports, sizeof(*pnames))))) {
		err = -ENOMEM;
		goto fail;
	}
	memcpy(blk->names, key, strlen(key) + 1);
	blk->key = blk->names;
	off = strlen(key) + 1;
	for (size_t i = 0; i < s->n_ports; i++) {
		const char *pn = s->ports[i].name ? s->ports[i].name : "";

		memcpy(blk->names + off, pn, strlen(pn) + 1);
		pnames[i] = blk->names + off;
		off += strlen(pn) + 1;
	}

	for (int f = 0; f < 2 && !err; f++) {
		const struct net_addr *cip = NULL;

		for (size_t i = 0; i < s->n_cluster_ips && !cip; i++)
			if (s->cluster_ips[i].af == fams[f])
				cip = &s->cluster_ips[i];
		if (!cip)
			continue;
		for (size_t i = 0; i < s->n_ports && !err; i++) {
			const struct kube_service_port *p = &s->ports[i];

			if (!p->protocol || !p->port)
				continue;
			err = do_port(&b, st, e, &c, scr, fams[f], cip, p, pnames[i]);
		}
	}
	if (err)
		goto fail;

	/* Finalise: move the vectors into the block and point dests at the arena. */
	blk->hash = 0;
	blk->vs = b.vs;
	blk->origin = b.org;
	blk->n_vs = b.n_vs;
	blk->dests = b.d;
	blk->n_dests = b.n_d;
	for (size_t i = 0; i < b.n_vs; i++) {
		blk->vs[i].dests = blk->vs[i].n_dests ? blk->dests + b.doff[i] : NULL;
		blk->vs[i].cap_dests = 0; /* not owned by the ipvs_vs */
		blk->origin[i].service = blk->key;
		blk->n_bind += blk->origin[i].bind;
	}
	free(b.doff);
	free(pnames);
	*out = blk;
	return 0;
fail:
	free(b.vs);
	free(b.org);
	free(b.doff);
	free(b.d);
	free(pnames);
	sync_block_free(blk);
	return err;
}
