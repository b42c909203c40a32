/* SPDX-License-Identifier: Apache-2.0 */
#include "ipvs_table.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

bool ipvs_service_same(const struct ipvs_service *a, const struct ipvs_service *b)
{
	if (a->addr.af != b->addr.af || a->fwmark != b->fwmark)
		return false;
	if (a->fwmark)
		return true;
	return a->protocol == b->protocol && a->port == b->port &&
	       memcmp(a->addr.a.b, b->addr.a.b, 16) == 0;
}

bool ipvs_dest_same(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	return a->port == b->port && addr_eq(&a->addr, &b->addr);
}

uint16_t ipvs_proto_parse(const char *name)
{
	if (!strcmp(name, "tcp") || !strcmp(name, "TCP"))
		return IPPROTO_TCP;
	if (!strcmp(name, "udp") || !strcmp(name, "UDP"))
		return IPPROTO_UDP;
	if (!strcmp(name, "sctp") || !strcmp(name, "SCTP"))
		return IPPROTO_SCTP;
	return 0;
}

const char *ipvs_proto_name(uint16_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		return NULL;
	}
}

void ipvs_table_init(struct ipvs_table *t)
{
	memset(t, 0, sizeof(*t));
}

void ipvs_vs_free(struct ipvs_vs *vs)
{
	free(vs->dests);
	free(vs->stats);
	memset(vs, 0, sizeof(*vs));
}

void ipvs_table_free(struct ipvs_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		ipvs_vs_free(&t->vs[i]);
	free(t->vs);
	memset(t, 0, sizeof(*t));
}

struct ipvs_vs *ipvs_table_add(struct ipvs_table *t, const struct ipvs_service *svc)
{
	struct ipvs_vs *vs;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct ipvs_vs *nv = realloc(t->vs, cap * sizeof(*nv));

		if (!nv)
			return NULL;
		t->vs = nv;
		t->cap = cap;
	}
	vs = &t->vs[t->n];
	memset(vs, 0, sizeof(*vs));
	vs->svc = *svc;
	if (t->with_stats && ipvs_vs_keep_stats(vs) < 0)
		return NULL;
	t->n++;
	return vs;
}

int ipvs_vs_keep_stats(struct ipvs_vs *vs)
{
	if (vs->stats)
		return 0;
	vs->stats = calloc(1 + vs->cap_dests, sizeof(*vs->stats));
	return vs->stats ? 0 : -ENOMEM;
}

int ipvs_vs_add_dest(struct ipvs_vs *vs, const struct ipvs_dest *d)
{
	if (vs->n_dests == vs->cap_dests) {
		size_t cap = vs->cap_dests ? vs->cap_dests * 2 : 4;
		struct ipvs_dest *nd;

		/* The counters first: their room must never lag the dests'. */
		if (vs->stats) {
			struct ipvs_stats *ns = realloc(vs->stats, (1 + cap) * sizeof(*ns));

			if (!ns)
				return -ENOMEM;
			vs->stats = ns;
		}
		nd = realloc(vs->dests, cap * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		vs->dests = nd;
		vs->cap_dests = cap;
	}
	if (vs->stats)
		memset(&vs->stats[1 + vs->n_dests], 0, sizeof(*vs->stats));
	vs->dests[vs->n_dests++] = *d;
	return 0;
}

struct ipvs_stats *ipvs_vs_stats(const struct ipvs_vs *vs, const struct ipvs_dest *d)
{
	if (!vs->stats)
		return NULL;
	return d ? &vs->stats[1 + (size_t)(d - vs->dests)] : &vs->stats[0];
}

const struct ipvs_stats *ipvs_vs_stats_or_zero(const struct ipvs_vs *vs, const struct ipvs_dest *d)
{
	static const struct ipvs_stats zero;
	const struct ipvs_stats *st = ipvs_vs_stats(vs, d);

	return st ? st : &zero;
}

struct ipvs_vs *ipvs_table_find(const struct ipvs_table *t, const struct ipvs_service *svc)
{
	for (size_t i = 0; i < t->n; i++)
		if (ipvs_service_same(&t->vs[i].svc, svc))
			return &t->vs[i];
	return NULL;
}

struct ipvs_dest *ipvs_vs_find_dest(const struct ipvs_vs *vs, const struct ipvs_dest *d)
{
	for (size_t i = 0; i < vs->n_dests; i++)
		if (ipvs_dest_same(&vs->dests[i], d))
			return &vs->dests[i];
	return NULL;
}

size_t ipvs_table_count_dests(const struct ipvs_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->vs[i].n_dests;
	return n;
}
