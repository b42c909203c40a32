/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../lib/bsearch.h"
#include "../lib/config.h"

void sync_node_init(struct sync_node *n)
{
	memset(n, 0, sizeof(*n));
	snprintf(n->sched, sizeof(n->sched), "%s", SYNC_DEFAULT_SCHEDULER);
}

void sync_node_clear(struct sync_node *n)
{
	free(n->name);
	free(n->zone);
	free(n->node_addrs);
	free(n->local_addrs);
	sync_node_init(n);
}

static int set_str(char **dst, const char *s)
{
	char *c = NULL;

	if (s && *s) {
		c = strdup(s);
		if (!c)
			return -ENOMEM;
	}
	free(*dst);
	*dst = c;
	return 0;
}

int sync_node_set_name(struct sync_node *n, const char *s)
{
	return set_str(&n->name, s);
}

int sync_node_set_zone(struct sync_node *n, const char *s)
{
	return set_str(&n->zone, s);
}

int sync_node_set_scheduler(struct sync_node *n, const char *name)
{
	if (!name || !sync_sched_valid(name))
		return -EINVAL;
	snprintf(n->sched, sizeof(n->sched), "%s", name);
	return 0;
}

static int cmp_addr(const void *a, const void *b)
{
	return addr_cmp(a, b);
}

int sync_addrs_sort_unique(struct net_addr *a, size_t *n)
{
	size_t w = 0;

	if (*n == 0)
		return 0;
	qsort(a, *n, sizeof(*a), cmp_addr);
	for (size_t i = 0; i < *n; i++)
		if (w == 0 || !addr_eq(&a[w - 1], &a[i]))
			a[w++] = a[i];
	*n = w;
	return 0;
}

struct addr_key {
	const struct net_addr *v, *x;
};

static int cmp_at(const void *ctx, size_t i)
{
	const struct addr_key *k = ctx;

	return addr_cmp(&k->v[i], k->x);
}

size_t sync_addrs_find(const struct net_addr *a, size_t n, const struct net_addr *x, bool *found)
{
	struct addr_key k = { a, x };

	return bsearch_lower(n, cmp_at, &k, found);
}

bool sync_addrs_contains(const struct net_addr *a, size_t n, const struct net_addr *x)
{
	bool found;

	sync_addrs_find(a, n, x, &found);
	return found;
}

static bool usable_host_addr(const struct net_addr *a)
{
	if (a->af != AF_INET && a->af != AF_INET6)
		return false;
	return !addr_is_loopback(a) && !addr_is_link_local(a);
}

/* kube-proxy's NodePortAddresses: CIDRs of the other family do not restrict
 * this one; with none of this family every address matches. */
static bool nodeport_match(const struct net_addr *a, const struct net_cidr *cidrs, size_t n)
{
	bool any_of_family = false;

	for (size_t i = 0; i < n; i++) {
		if (cidrs[i].af != a->af)
			continue;
		any_of_family = true;
		if (cidr_contains(&cidrs[i], a))
			return true;
	}
	return !any_of_family;
}

int sync_node_set_node_addrs(struct sync_node *n, const struct net_addr *cand, size_t n_cand,
                             const struct net_cidr *cidrs, size_t n_cidrs)
{
	struct net_addr *v = NULL;
	size_t k = 0;

	if (n_cand) {
		v = calloc(n_cand, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n_cand; i++) {
		struct net_addr a = cand[i];

		addr_unmap(&a);
		if (usable_host_addr(&a) && nodeport_match(&a, cidrs, n_cidrs))
			v[k++] = a;
	}
	sync_addrs_sort_unique(v, &k);
	free(n->node_addrs);
	n->node_addrs = v;
	n->n_node_addrs = k;
	return 0;
}

int sync_node_set_local_addrs(struct sync_node *n, const struct net_addr *a, size_t n_a)
{
	struct net_addr *v = NULL;
	size_t k = 0;

	if (n_a) {
		v = calloc(n_a, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n_a; i++) {
		struct net_addr x = a[i];

		addr_unmap(&x);
		if (usable_host_addr(&x))
			v[k++] = x;
	}
	sync_addrs_sort_unique(v, &k);
	free(n->local_addrs);
	n->local_addrs = v;
	n->n_local_addrs = k;
	return 0;
}

bool sync_node_is_node_addr(const struct sync_node *n, const struct net_addr *a)
{
	return sync_addrs_contains(n->node_addrs, n->n_node_addrs, a);
}

bool sync_node_is_local_addr(const struct sync_node *n, const struct net_addr *a)
{
	return sync_addrs_contains(n->local_addrs, n->n_local_addrs, a);
}

bool sync_sched_valid(const char *name)
{
	/* The list lives with the flag that names a scheduler. */
	return config_scheduler_known(name);
}

static const struct {
	const char *word;
	uint32_t bit;
} flag_words[] = {
	{ "flag-1", IP_VS_SVC_F_SCHED1 },  { "flag-2", IP_VS_SVC_F_SCHED2 },
	{ "flag-3", IP_VS_SVC_F_SCHED3 },  { "sh-fallback", IP_VS_SVC_F_SCHED1 },
	{ "sh-port", IP_VS_SVC_F_SCHED2 }, { "mh-fallback", IP_VS_SVC_F_SCHED1 },
	{ "mh-port", IP_VS_SVC_F_SCHED2 },
};

int sync_sched_flags_parse(const char *s, uint32_t *flags)
{
	const char *p = s;

	*flags = 0;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		uint32_t bit = 0;

		/* Tolerate spaces around words ("mh-port, mh-fallback"). */
		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		for (size_t i = 0; i < sizeof(flag_words) / sizeof(flag_words[0]); i++)
			if (strlen(flag_words[i].word) == len &&
			    !strncmp(p, flag_words[i].word, len))
				bit = flag_words[i].bit;
		if (!bit) {
			*flags = 0;
			return -EINVAL;
		}
		*flags |= bit;
		p = end ? end + 1 : NULL;
	}
	return 0;
}

const char *sync_sched_flags_fmt(const char *sched, uint32_t flags, char *buf, size_t len)
{
	const char *w[3];
	size_t off = 0;
	bool sh = !strcmp(sched, "sh"), mh = !strcmp(sched, "mh");

	w[0] = sh ? "sh-fallback" : mh ? "mh-fallback" : "flag-1";
	w[1] = sh ? "sh-port" : mh ? "mh-port" : "flag-2";
	/* ipvsadm prints no word for SCHED3 under sh and mh. */
	w[2] = (sh || mh) ? NULL : "flag-3";
	buf[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (!(flags & (IP_VS_SVC_F_SCHED1 << i)) || !w[i])
			continue;
		int r = snprintf(buf + off, len - off, "%s%s", off ? "," : "", w[i]);

		if (r < 0 || (size_t)r >= len - off)
			break;
		off += (size_t)r;
	}
	return buf;
}
