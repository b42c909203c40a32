/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netif — the interface side of a service proxy, over rtnetlink (libnl-route-3):
 * the dummy link that holds service addresses (kube-ipvs0), the addresses on
 * it, the node's other local addresses (for NodePorts and the "already local"
 * check), and notifications when addresses change.
 *
 * One persistent NETLINK_ROUTE socket per handle, created by the caller and
 * passed to every call. 0 or -errno everywhere; nothing prints.
 */
#ifndef KIPVS_NETIF_H
#define KIPVS_NETIF_H

#include <stddef.h>

#include "../lib/addr.h"

#define NETIF_WUR __attribute__((warn_unused_result))

struct netif;

/* An address configured on an interface. */
struct netif_addr {
	struct net_addr addr;
	int ifindex;
	unsigned char prefixlen;
	unsigned char scope; /* RT_SCOPE_* */
	unsigned int flags;  /* IFA_F_* */
};

int netif_open(struct netif **out) NETIF_WUR;
void netif_close(struct netif *h);

/* ifindex of @name, -ENODEV when it does not exist. */
int netif_index(struct netif *h, const char *name) NETIF_WUR;
/*
 * Makes sure a dummy link @name exists (created when missing, left down as
 * kube-proxy leaves it; dummy links are NOARP). Returns its ifindex, or
 * -EEXIST when a link of that name exists but is not a dummy.
 */
int netif_ensure_dummy(struct netif *h, const char *name) NETIF_WUR;
/* Deletes the dummy link @name: 0, 0 when absent, -EEXIST when not a dummy. */
int netif_delete_dummy(struct netif *h, const char *name) NETIF_WUR;

/*
 * Every address of the host; only those on @ifindex when @ifindex > 0, every
 * interface but @except when @except > 0. Caller frees *out.
 */
int netif_addrs(struct netif *h, int ifindex, int except, struct netif_addr **out,
                size_t *n) NETIF_WUR;
/* Adds @a as /32 or /128 on @ifindex: 0, -EEXIST when already there. */
int netif_addr_add(struct netif *h, int ifindex, const struct net_addr *a) NETIF_WUR;
/* Removes @a (any prefix length) from @ifindex: 0, -EADDRNOTAVAIL when absent. */
int netif_addr_del(struct netif *h, int ifindex, const struct net_addr *a) NETIF_WUR;

/*
 * Address-change notifications. The monitor has its own socket subscribed to
 * the IPv4 and IPv6 address groups; put netif_monitor_fd() in the event loop
 * and call netif_monitor_drain() when readable: it returns the number of
 * address changes read (>= 0), or -errno (-ENOBUFS means messages were lost:
 * treat as "something changed").
 */
struct netif_monitor;
int netif_monitor_open(struct netif_monitor **out) NETIF_WUR;
void netif_monitor_close(struct netif_monitor *m);
int netif_monitor_fd(const struct netif_monitor *m);
int netif_monitor_drain(struct netif_monitor *m) NETIF_WUR;

#endif
