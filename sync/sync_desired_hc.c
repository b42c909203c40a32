/* SPDX-License-Identifier: Apache-2.0 */
/* Health-check node ports: the part of sync_desired.h that lists them. */
#include "sync_desired.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sync_rules.h"

bool sync_desired_needs_health_check(const struct kube_service *s)
{
	return s && !sync_rules_skip_reason(s) && s->type == KUBE_SVC_LOAD_BALANCER &&
	       s->external_policy == KUBE_POLICY_LOCAL && s->health_check_node_port;
}

static int addr_qcmp(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

static int port_qcmp(const void *a, const void *b)
{
	const struct sync_health_port *x = a, *y = b;
	int c = strcmp(x->namespace, y->namespace);

	return c ? c : strcmp(x->name, y->name);
}

/* Scratch for one Service: its ports' endpoints, the local ready addresses. */
struct hc_scratch {
	struct sync_meps meps;
	struct net_addr *addrs;
	size_t n, cap;
};

static int push_addr(struct hc_scratch *h, const struct net_addr *a)
{
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 16;
		struct net_addr *na = realloc(h->addrs, nc * sizeof(*na));

		if (!na)
			return -ENOMEM;
		h->addrs = na;
		h->cap = nc;
	}
	h->addrs[h->n++] = *a;
	return 0;
}

/*
 * Local ready addresses of @e in its primary family, distinct. *usable says
 * whether the Service has a port kipvs programs at all. 0 or -ENOMEM.
 */
static int count_local_ready(const struct sync_store *st, const struct sync_svc *e,
                             const struct sync_node *node, struct hc_scratch *h, bool *usable,
                             uint32_t *count)
{
	const struct kube_service *s = sync_svc_service(e);
	uint16_t af = s->cluster_ips[0].af;
	size_t uniq = 0;
	int err;

	h->n = 0;
	*usable = false;
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct kube_service_port *p = &s->ports[i];

		if (!p->protocol || !p->port)
			continue;
		*usable = true;
		err = sync_store_port_endpoints(st, e, p->name ? p->name : "", p->protocol, af,
		                                node, &h->meps);
		if (err)
			return err;
		for (size_t k = 0; k < h->meps.n; k++) {
			uint16_t f = h->meps.v[k].flags;

			if ((f & SYNC_EP_READY) && (f & SYNC_EP_LOCAL)) {
				err = push_addr(h, &h->meps.v[k].addr);
				if (err)
					return err;
			}
		}
	}
	if (h->n > 1)
		qsort(h->addrs, h->n, sizeof(*h->addrs), addr_qcmp);
	for (size_t k = 0; k < h->n; k++)
		uniq += !k || !addr_eq(&h->addrs[k - 1], &h->addrs[k]);
	*count = (uint32_t)uniq;
	return 0;
}

int sync_desired_health_ports(const struct sync_store *st, const struct sync_node *node,
                              struct sync_health_port **out, size_t *n)
{
	struct hc_scratch h = { 0 };
	struct sync_health_port *v = NULL;
	const struct sync_svc *e;
	size_t pos = 0, cnt = 0, cap = 0;
	int err = 0;

	*out = NULL;
	*n = 0;
	while ((e = sync_store_next(st, &pos))) {
		const struct kube_service *s = sync_svc_service(e);
		uint32_t count = 0;
		bool usable;

		if (!sync_desired_needs_health_check(s))
			continue;
		err = count_local_ready(st, e, node, &h, &usable, &count);
		if (err)
			break;
		if (!usable)
			continue;
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct sync_health_port *nv = realloc(v, nc * sizeof(*nv));

			if (!nv) {
				err = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		v[cnt++] = (struct sync_health_port){ .namespace = s->meta.namespace,
			                              .name = s->meta.name,
			                              .port = s->health_check_node_port,
			                              .local_endpoints = count };
	}
	sync_meps_free(&h.meps);
	free(h.addrs);
	if (err) {
		free(v);
		return err;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), port_qcmp);
	*out = v;
	*n = cnt;
	return 0;
}
