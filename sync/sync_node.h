/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_node — what the desired table depends on besides the Kubernetes
 * objects: this node's name and zone, its NodePort addresses, the other
 * local addresses, and the default scheduler. Plus the scheduler vocabulary
 * (names and `-b` flag words) shared by the config, the annotations and the
 * renderer.
 *
 * The caller fills it (the daemon from flags and interfaces, render from
 * flags); nothing here reads the system.
 */
#ifndef KIPVS_SYNC_NODE_H
#define KIPVS_SYNC_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ipvs_types.h"
#include "../lib/addr.h"

#define SYNC_DEFAULT_SCHEDULER "rr"
#define SYNC_NODEPORT_MIN      30000
#define SYNC_NODEPORT_MAX      32767

struct sync_node {
	char *name; /* this node's name (--hostname-override); NULL = none is local */
	char *zone; /* topology.kubernetes.io/zone of this node; NULL = none */
	char sched[IP_VS_SCHEDNAME_MAXLEN]; /* default scheduler, valid */
	/* NodePort addresses: sorted, unique, no loopback or IPv6 link-local. */
	struct net_addr *node_addrs;
	size_t n_node_addrs;
	/* Addresses local to the host on interfaces other than kube-ipvs0: an
	 * externalIP or LB IP among them is served but not bound. Sorted. */
	struct net_addr *local_addrs;
	size_t n_local_addrs;
	/* PreferSameTrafficDistribution: honour node hints before zone hints. */
	bool prefer_same_node;
};

/* Empty config: no name, no zone, scheduler "rr", no addresses. */
void sync_node_init(struct sync_node *n);
void sync_node_clear(struct sync_node *n);
/* Copies @s (NULL or "" clears). 0 or -ENOMEM. */
int sync_node_set_name(struct sync_node *n, const char *s) __attribute__((warn_unused_result));
int sync_node_set_zone(struct sync_node *n, const char *s) __attribute__((warn_unused_result));
/* 0, or -EINVAL when @name is not a scheduler kipvs accepts. */
int sync_node_set_scheduler(struct sync_node *n, const char *name)
    __attribute__((warn_unused_result));
/*
 * Chooses the NodePort addresses among @cand (the --node-ip values, else the
 * interface addresses without kube-ipvs0), kube-proxy's way: IPv4-mapped IPv6
 * counts as IPv4; loopback and IPv6 link-local never qualify; when @cidrs
 * (--nodeport-addresses) holds CIDRs of a family, only addresses inside one
 * of them qualify for that family, otherwise every address of that family
 * does (so 0.0.0.0/0 and ::/0 mean "all"). Result sorted and unique.
 */
int sync_node_set_node_addrs(struct sync_node *n, const struct net_addr *cand, size_t n_cand,
                             const struct net_cidr *cidrs, size_t n_cidrs)
    __attribute__((warn_unused_result));
/* Copies, unmaps, sorts and de-duplicates the other local addresses;
 * loopback and IPv6 link-local are left out, as kube-proxy leaves them out
 * of its "already local" set (so an externalIP of 127.0.0.1 is bound). */
int sync_node_set_local_addrs(struct sync_node *n, const struct net_addr *a, size_t n_a)
    __attribute__((warn_unused_result));
bool sync_node_is_node_addr(const struct sync_node *n, const struct net_addr *a);
bool sync_node_is_local_addr(const struct sync_node *n, const struct net_addr *a);

/* rr wrr lc wlc lblc lblcr dh sh sed nq mh fo ovf twos. */
bool sync_sched_valid(const char *name);
/*
 * Parses a `-b`-style flag list ("mh-port,mh-fallback", "flag-1", "sh-port",
 * ...) into IP_VS_SVC_F_SCHED1/2/3 bits. Empty string = no flags. 0, or
 * -EINVAL at the first unknown word (@flags is then 0).
 */
int sync_sched_flags_parse(const char *s, uint32_t *flags) __attribute__((warn_unused_result));
/* The flag words ipvsadm prints for @flags under @sched (sh-*, mh-*, else
 * flag-N), comma-joined, into @buf. Returns @buf. */
const char *sync_sched_flags_fmt(const char *sched, uint32_t flags, char *buf, size_t len);

/* Sorted-array helpers over struct net_addr (addr_cmp order). */
int sync_addrs_sort_unique(struct net_addr *a, size_t *n);
bool sync_addrs_contains(const struct net_addr *a, size_t n, const struct net_addr *x);
/* Where @x is or would go in sorted @a; *found when it is there. */
size_t sync_addrs_find(const struct net_addr *a, size_t n, const struct net_addr *x, bool *found);

#endif
