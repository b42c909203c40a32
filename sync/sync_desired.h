/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_desired — the IPVS table this node should have, computed from the
 * store and the node config with kube-proxy's rules, no I/O.
 *
 * Per Service port and per IP family the Service has a cluster IP of
 * (dual-stack Services get both families at once, each from its own
 * clusterIPs entry, slices of that addressType and externalIPs/LB IPs of
 * that family):
 *   - the cluster IP: one virtual server, bound on kube-ipvs0;
 *   - each externalIP and each status.loadBalancer.ingress[].ip (not
 *     ipMode Proxy, not hostname-only): one virtual server, bound unless the
 *     address is already local on another interface;
 *   - nodePort != 0: one virtual server per node address, never bound.
 * Services with the service-proxy-name label, headless and ExternalName
 * Services, and ports without a usable protocol program nothing.
 *
 * Destinations follow kube-proxy's CategorizeEndpoints: ready endpoints
 * (filtered by topology hints when every ready endpoint has zone hints and
 * one names this node's zone; node hints first when prefer_same_node), else
 * serving+terminating ones; ITP=Local (cluster IP) and ETP=Local (external,
 * LB, NodePort) take the local ready endpoints, else local serving and
 * terminating ones, else fall back to the cluster set. Weight 1, masquerade.
 * A virtual server with no destinations is still wanted.
 *
 * Scheduler: the node default, or a valid kipvs.io/scheduler annotation;
 * kipvs.io/scheduler-flags sets SCHED1..3; mh always gets SCHED2 (mh-port)
 * as kube-proxy sets it. sessionAffinity ClientIP: persistent, timeout from
 * the Service (10800 by default). Netmask 0xffffffff (IPv4) / 128 (IPv6).
 *
 * The table is kept per Service so one dirty Service is recomputed alone
 * (O(its size)), and it answers which addresses belong on kube-ipvs0.
 * When two Services claim the same virtual server (same address, protocol
 * and port), the one whose "namespace/name" sorts first wins, whatever the
 * order of events; the conflict is logged.
 *
 * Destination arrays are shared between the virtual servers of one port
 * that select the same endpoints, so the table is read through const views.
 * Pointers it returns (virtual servers, origins) stay valid until the next
 * sync_desired_update() of their Service or sync_desired_build().
 *
 * How the passes drive it (sync_reconcile.h):
 *   full pass   → sync_desired_build(), then the whole table against the
 *                 kernel's, one virtual server at a time (sync_desired_next);
 *                 binds sync_desired_bound_addrs() on kube-ipvs0 first and
 *                 unbinds what is no longer listed at the end
 *   dirty pass  → sync_store_drain() calling sync_desired_update(key, touched),
 *                 then only the touched identities against the kernel
 */
#ifndef KIPVS_SYNC_DESIRED_H
#define KIPVS_SYNC_DESIRED_H

#include <stdbool.h>
#include <stddef.h>

#include "../ipvs/ipvs_table.h"
#include "sync_node.h"
#include "sync_store.h"
#include "sync_table.h"

enum sync_vs_kind {
	SYNC_VS_CLUSTER_IP = 0,
	SYNC_VS_EXTERNAL_IP,
	SYNC_VS_LOAD_BALANCER,
	SYNC_VS_NODE_PORT,
};

/* Where a virtual server comes from (for logs and metrics). */
struct sync_origin {
	const char *service;   /* "namespace/name" */
	const char *port_name; /* "" when unnamed */
	enum sync_vs_kind kind;
	bool bind; /* its address belongs on kube-ipvs0 */
	/* Its traffic policy is Local but no endpoint is local while some
	 * exist elsewhere (kube-proxy's no_local_endpoints metric). */
	bool no_local;
};

const char *sync_vs_kind_name(enum sync_vs_kind k);

struct sync_desired;

int sync_desired_new(struct sync_desired **out) SYNC_WUR;
void sync_desired_free(struct sync_desired *d);

/* Recomputes everything from @st (what a full resync or a node config
 * change needs). 0 or -ENOMEM (the table is then empty). */
int sync_desired_build(struct sync_desired *d, const struct sync_store *st,
                       const struct sync_node *node) SYNC_WUR;
/*
 * Recomputes the service @key ("namespace/name") from @st. The identity of
 * every virtual server whose wanted state may have changed (the ones the
 * service claimed before and claims now) is added to @touched (may be
 * NULL). On -ENOMEM nothing changed.
 */
int sync_desired_update(struct sync_desired *d, const struct sync_store *st,
                        const struct sync_node *node, const char *key,
                        struct sync_keys *touched) SYNC_WUR;

/* The wanted virtual server with this identity, or NULL. */
const struct ipvs_vs *sync_desired_find(const struct sync_desired *d, const struct ipvs_service *id,
                                        const struct sync_origin **origin);
/* Iterates the wanted virtual servers (hash order):
 *   size_t pos = 0; while ((vs = sync_desired_next(d, &pos, &o))) ... */
const struct ipvs_vs *sync_desired_next(const struct sync_desired *d, size_t *pos,
                                        const struct sync_origin **origin);
size_t sync_desired_n_vs(const struct sync_desired *d);

/* True when @a belongs on kube-ipvs0. */
bool sync_desired_is_bound(const struct sync_desired *d, const struct net_addr *a);
/* The addresses to bind, sorted and unique; the caller frees *out. */
int sync_desired_bound_addrs(const struct sync_desired *d, struct net_addr **out,
                             size_t *n) SYNC_WUR;
/* A deep copy of the wanted table in sync_table order. 0 or -ENOMEM. */
int sync_desired_to_table(const struct sync_desired *d, struct ipvs_table *out) SYNC_WUR;

struct sync_desired_stats {
	size_t services; /* services that program something */
	size_t vs;       /* wanted virtual servers */
	size_t dests;    /* destinations over all wanted virtual servers */
	size_t dests_stored;
	size_t bound; /* addresses to bind */
	size_t conflicts;
	size_t bytes; /* memory held (blocks and hash tables) */
};
void sync_desired_stats(const struct sync_desired *d, struct sync_desired_stats *out);

#endif
