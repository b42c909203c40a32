/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_types.h"

#include <stdlib.h>

void kube_meta_clear(struct kube_meta *m)
{
	free(m->namespace);
	free(m->name);
	free(m->uid);
	free(m->resource_version);
	m->namespace = m->name = m->uid = m->resource_version = NULL;
}

void kube_service_free(struct kube_service *s)
{
	if (!s)
		return;
	kube_meta_clear(&s->meta);
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	free(s->external_ips);
	free(s->lb_ingress);
	free(s->lb_source_ranges);
	free(s->traffic_distribution);
	free(s->proxy_name);
	free(s->scheduler);
	free(s->scheduler_flags);
	free(s);
}

void kube_endpoint_clear(struct kube_endpoint *ep)
{
	free(ep->node_name);
	free(ep->zone);
	for (size_t i = 0; i < ep->n_hint_zones; i++)
		free(ep->hint_zones[i]);
	free(ep->hint_zones);
	for (size_t i = 0; i < ep->n_hint_nodes; i++)
		free(ep->hint_nodes[i]);
	free(ep->hint_nodes);
	ep->node_name = ep->zone = NULL;
	ep->hint_zones = ep->hint_nodes = NULL;
	ep->n_hint_zones = ep->n_hint_nodes = 0;
}

static void free_endpoints(struct kube_endpoint *eps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kube_endpoint_clear(&eps[i]);
	free(eps);
}

static void free_ports(struct kube_endpoint_port *ports, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ports[i].name);
	free(ports);
}

void kube_endpoint_slice_free(struct kube_endpoint_slice *s)
{
	if (!s)
		return;
	kube_meta_clear(&s->meta);
	free(s->service_name);
	free(s->proxy_name);
	free_endpoints(s->endpoints, s->n_endpoints);
	free_ports(s->ports, s->n_ports);
	free(s);
}

void kube_endpoints_free(struct kube_endpoints *e)
{
	if (!e)
		return;
	kube_meta_clear(&e->meta);
	free(e->proxy_name);
	for (size_t i = 0; i < e->n_subsets; i++) {
		free_endpoints(e->subsets[i].endpoints, e->subsets[i].n_endpoints);
		free_ports(e->subsets[i].ports, e->subsets[i].n_ports);
	}
	free(e->subsets);
	free(e);
}

void kube_node_free(struct kube_node *n)
{
	if (!n)
		return;
	kube_meta_clear(&n->meta);
	free(n->zone);
	free(n);
}
