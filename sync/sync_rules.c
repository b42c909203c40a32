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
	free(s->vs);
	free(s->org);
	free(s->doff);
	free(s->d);
	memset(s, 0, sizeof(*s));
}

void sync_block_free(struct sync_block *b)
{
	free(b);
}

/* --- a growing block (in the scratch buffers) ------------------------------ */

struct bld {
	struct sync_rules_scratch *scr;
	size_t n_vs, n_d;
};

static int bld_vs(struct bld *b, const struct ipvs_service *svc, size_t doff, size_t nd,
                  const struct sync_origin *o)
{
	struct sync_rules_scratch *s = b->scr;

	if (b->n_vs == s->cap_vs) {
		size_t nc = s->cap_vs ? s->cap_vs * 2 : 16;
		struct ipvs_vs *nv = realloc(s->vs, nc * sizeof(*nv));
		struct sync_origin *no;
		size_t *nf;

		if (!nv)
			return -ENOMEM;
		s->vs = nv;
		no = realloc(s->org, nc * sizeof(*no));
		if (!no)
			return -ENOMEM;
		s->org = no;
		nf = realloc(s->doff, nc * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		s->doff = nf;
		s->cap_vs = nc;
	}
	memset(&s->vs[b->n_vs], 0, sizeof(s->vs[b->n_vs]));
	s->vs[b->n_vs].svc = *svc;
	s->vs[b->n_vs].n_dests = nd;
	s->doff[b->n_vs] = doff;
	s->org[b->n_vs] = *o;
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
	if (b->n_d + n > b->scr->cap_d) {
		size_t nc = b->scr->cap_d ? b->scr->cap_d : 64;
		struct ipvs_dest *nd;

		while (nc < b->n_d + n)
			nc *= 2;
		nd = realloc(b->scr->d, nc * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		b->scr->d = nd;
		b->scr->cap_d = nc;
	}
	for (size_t i = 0; i < m->n; i++) {
		struct ipvs_dest *d;

		if (!(sel[i] & bit))
			continue;
		d = &b->scr->d[b->n_d++];
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
	bool ext_access = p->node_port != 0, has_cluster, has_local, has_any = false;
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
	for (size_t i = 0; !has_any && i < m->n; i++)
		has_any = (m->v[i].flags & SYNC_EP_READY) || serving_terminating(m->v[i].flags);
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
	o.no_local = c->itp_local && !has_local && has_any;
	err = bld_vs(b, &vs, ioff, in, &o);
	o.no_local = c->etp_local && ext_access && !has_local && has_any;
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

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Copies the scratch vectors into one allocation: the block, its virtual
 * servers, destinations, origins, links and names. */
static struct sync_block *finalise(const struct bld *b, const char *key,
                                   const struct kube_service *s, char **pnames)
{
	const struct sync_rules_scratch *scr = b->scr;
	size_t o_vs = align8(sizeof(struct sync_block));
	size_t o_d = o_vs + align8(b->n_vs * sizeof(struct ipvs_vs));
	size_t o_org = o_d + align8(b->n_d * sizeof(struct ipvs_dest));
	size_t o_cl = o_org + align8(b->n_vs * sizeof(struct sync_origin));
	size_t o_bi = o_cl + align8(b->n_vs * sizeof(struct sync_claim));
	size_t o_nm = o_bi + align8(b->n_vs * sizeof(struct sync_bind));
	size_t names = strlen(key) + 1, total;
	struct sync_block *blk;
	char *base, *nm;

	for (size_t i = 0; i < s->n_ports; i++)
		names += strlen(s->ports[i].name ? s->ports[i].name : "") + 1;
	total = o_nm + names;
	base = malloc(total);
	if (!base)
		return NULL;
	blk = (struct sync_block *)base;
	memset(blk, 0, sizeof(*blk));
	blk->bytes = total;
	blk->vs = (struct ipvs_vs *)(base + o_vs);
	blk->dests = (struct ipvs_dest *)(base + o_d);
	blk->origin = (struct sync_origin *)(base + o_org);
	blk->claims = (struct sync_claim *)(base + o_cl);
	blk->binds = (struct sync_bind *)(base + o_bi);
	blk->n_vs = b->n_vs;
	blk->n_dests = b->n_d;
	if (b->n_vs) {
		memcpy(blk->vs, scr->vs, b->n_vs * sizeof(struct ipvs_vs));
		memcpy(blk->origin, scr->org, b->n_vs * sizeof(struct sync_origin));
	}
	if (b->n_d)
		memcpy(blk->dests, scr->d, b->n_d * sizeof(struct ipvs_dest));
	memset(blk->claims, 0, b->n_vs * sizeof(struct sync_claim));
	memset(blk->binds, 0, b->n_vs * sizeof(struct sync_bind));
	nm = base + o_nm;
	blk->key = nm;
	memcpy(nm, key, strlen(key) + 1);
	nm += strlen(key) + 1;
	/* Origins point at the scratch's port names: repoint them here. */
	for (size_t i = 0; i < s->n_ports; i++) {
		const char *pn = s->ports[i].name ? s->ports[i].name : "";
		char *here = nm;

		memcpy(nm, pn, strlen(pn) + 1);
		nm += strlen(pn) + 1;
		for (size_t v = 0; v < b->n_vs; v++)
			if (blk->origin[v].port_name == pnames[i])
				blk->origin[v].port_name = here;
	}
	for (size_t i = 0; i < b->n_vs; i++) {
		blk->vs[i].dests = blk->vs[i].n_dests ? blk->dests + scr->doff[i] : NULL;
		blk->vs[i].cap_dests = 0; /* not owned by the ipvs_vs */
		blk->origin[i].service = blk->key;
		blk->n_bind += blk->origin[i].bind;
	}
	return blk;
}

int sync_rules_build(const struct sync_store *st, const struct sync_svc *e,
                     const struct sync_node *node, struct sync_rules_scratch *scr,
                     struct sync_block **out)
{
	const struct kube_service *s = sync_svc_service(e);
	struct svc_ctx c = { 0 };
	struct bld b = { scr, 0, 0 };
	char *pnames_stack[8], **pnames = pnames_stack;
	int err = 0;
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
	if (s->n_ports > 8 && !(pnames = calloc(s->n_ports, sizeof(*pnames))))
		return -ENOMEM;
	/* Until finalise(), origins point at the Service's own port names. */
	for (size_t i = 0; i < s->n_ports; i++)
		pnames[i] = s->ports[i].name ? s->ports[i].name : (char *)"";

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
	if (!err) {
		*out = finalise(&b, sync_svc_key(e), s, pnames);
		if (!*out)
			err = -ENOMEM;
	}
	if (pnames != pnames_stack)
		free(pnames);
	return err;
}
