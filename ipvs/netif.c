/* SPDX-License-Identifier: Apache-2.0 */
#include "netif.h"
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nle.h"

struct netif {
	struct nl_sock *sk;
};

struct netif_monitor {
	struct nl_sock *sk;
	int events;
};

int netif_open(struct netif **out)
{
	struct netif *h = calloc(1, sizeof(*h));
	int err;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		free(h);
		return -ENOMEM;
	}
	err = nl_connect(h->sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(h->sk);
		free(h);
		return nle_errno(err);
	}
	*out = h;
	return 0;
}

void netif_close(struct netif *h)
{
	if (!h)
		return;
	nl_socket_free(h->sk);
	free(h);
}

static int get_link(struct netif *h, const char *name, struct rtnl_link **link)
{
	int err = rtnl_link_get_kernel(h->sk, 0, name, link);

	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return -ENODEV;
	return nle_errno(err);
}

int netif_index(struct netif *h, const char *name)
{
	struct rtnl_link *link;
	int err = get_link(h, name, &link);
	int idx;

	if (err < 0)
		return err;
	idx = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return idx;
}

static int is_dummy(struct rtnl_link *link)
{
	const char *type = rtnl_link_get_type(link);

	return type && strcmp(type, "dummy") == 0;
}

int netif_ensure_dummy(struct netif *h, const char *name)
{
	struct rtnl_link *link;
	int err = get_link(h, name, &link);
	int idx;

	if (err == -ENODEV) {
		struct rtnl_link *nl = rtnl_link_alloc();

		if (!nl)
			return -ENOMEM;
		rtnl_link_set_name(nl, name);
		err = rtnl_link_set_type(nl, "dummy");
		if (err >= 0)
			err = rtnl_link_add(h->sk, nl, NLM_F_CREATE | NLM_F_EXCL);
		rtnl_link_put(nl);
		/* Someone else may have created it between the lookup and the add. */
		if (err < 0 && err != -NLE_EXIST)
			return nle_errno(err);
		err = get_link(h, name, &link);
	}
	if (err < 0)
		return err;
	if (!is_dummy(link)) {
		rtnl_link_put(link);
		return -EEXIST;
	}
	idx = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	return idx;
}

int netif_delete_dummy(struct netif *h, const char *name)
{
	struct rtnl_link *link;
	int err = get_link(h, name, &link);

	if (err == -ENODEV)
		return 0;
	if (err < 0)
		return err;
	if (!is_dummy(link)) {
		rtnl_link_put(link);
		return -EEXIST;
	}
	err = rtnl_link_delete(h->sk, link);
	rtnl_link_put(link);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return 0;
	return nle_errno(err);
}

static int from_nl_addr(struct nl_addr *na, struct net_addr *out)
{
	unsigned int len;

	memset(out, 0, sizeof(*out));
	if (!na)
		return -EINVAL;
	len = nl_addr_get_len(na);
	switch (nl_addr_get_family(na)) {
	case AF_INET:
		if (len != 4)
			return -EINVAL;
		out->af = AF_INET;
		break;
	case AF_INET6:
		if (len != 16)
			return -EINVAL;
		out->af = AF_INET6;
		break;
	default:
		return -EAFNOSUPPORT;
	}
	memcpy(out->a.b, nl_addr_get_binary_addr(na), len);
	return 0;
}

struct collect {
	int ifindex, except;
	struct netif_addr *v;
	size_t n, cap;
	int err;
};

static void collect_one(struct nl_object *obj, void *arg)
{
	struct collect *c = arg;
	struct rtnl_addr *ra = (struct rtnl_addr *)obj;
	int idx = rtnl_addr_get_ifindex(ra);
	struct netif_addr a;

	if (c->err || (c->ifindex > 0 && idx != c->ifindex) || (c->except > 0 && idx == c->except))
		return;
	if (from_nl_addr(rtnl_addr_get_local(ra), &a.addr) < 0)
		return;
	a.ifindex = idx;
	a.prefixlen = (unsigned char)rtnl_addr_get_prefixlen(ra);
	a.scope = (unsigned char)rtnl_addr_get_scope(ra);
	a.flags = rtnl_addr_get_flags(ra);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct netif_addr *nv = realloc(c->v, cap * sizeof(*nv));

		if (!nv) {
			c->err = -ENOMEM;
			return;
		}
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = a;
}

int netif_addrs(struct netif *h, int ifindex, int except, struct netif_addr **out, size_t *n)
{
	struct nl_cache *cache;
	struct collect c = { .ifindex = ifindex, .except = except };
	int err;

	*out = NULL;
	*n = 0;
	err = rtnl_addr_alloc_cache(h->sk, &cache);
	if (err < 0)
		return nle_errno(err);
	nl_cache_foreach(cache, collect_one, &c);
	nl_cache_free(cache);
	if (c.err) {
		free(c.v);
		return c.err;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

static int addr_op(struct netif *h, int ifindex, const struct net_addr *a, int add)
{
	struct rtnl_addr *ra = rtnl_addr_alloc();
	struct nl_addr *local;
	unsigned int len = a->af == AF_INET ? 4 : 16;
	int err;

	if (!ra)
		return -ENOMEM;
	if (a->af != AF_INET && a->af != AF_INET6) {
		rtnl_addr_put(ra);
		return -EAFNOSUPPORT;
	}
	local = nl_addr_build(a->af, a->a.b, len);
	if (!local) {
		rtnl_addr_put(ra);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, (int)len * 8);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, a->af);
	err = rtnl_addr_set_local(ra, local);
	if (err >= 0)
		rtnl_addr_set_prefixlen(ra, (int)len * 8);
	if (err >= 0)
		err = add ? rtnl_addr_add(h->sk, ra, NLM_F_EXCL) : rtnl_addr_delete(h->sk, ra, 0);
	nl_addr_put(local);
	rtnl_addr_put(ra);
	if (!add && (err == -NLE_NOADDR || err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV))
		return -EADDRNOTAVAIL;
	return nle_errno(err);
}

int netif_addr_add(struct netif *h, int ifindex, const struct net_addr *a)
{
	return addr_op(h, ifindex, a, 1);
}

int netif_addr_del(struct netif *h, int ifindex, const struct net_addr *a)
{
	return addr_op(h, ifindex, a, 0);
}

static int monitor_msg(struct nl_msg *msg, void *arg)
{
	struct netif_monitor *m = arg;
	int type = nlmsg_hdr(msg)->nlmsg_type;

	if (type == RTM_NEWADDR || type == RTM_DELADDR)
		m->events++;
	return NL_OK;
}

int netif_monitor_open(struct netif_monitor **out)
{
	struct netif_monitor *m = calloc(1, sizeof(*m));
	int err;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->sk = nl_socket_alloc();
	if (!m->sk) {
		free(m);
		return -ENOMEM;
	}
	/* Notifications carry no sequence numbers to check. */
	nl_socket_disable_seq_check(m->sk);
	nl_socket_modify_cb(m->sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_msg, m);
	err = nl_connect(m->sk, NETLINK_ROUTE);
	if (err >= 0)
		err = nl_socket_add_memberships(m->sk, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0);
	if (err >= 0)
		err = nl_socket_set_nonblocking(m->sk);
	if (err < 0) {
		nl_socket_free(m->sk);
		free(m);
		return nle_errno(err);
	}
	*out = m;
	return 0;
}

void netif_monitor_close(struct netif_monitor *m)
{
	if (!m)
		return;
	nl_socket_free(m->sk);
	free(m);
}

int netif_monitor_fd(const struct netif_monitor *m)
{
	return nl_socket_get_fd(m->sk);
}

int netif_monitor_drain(struct netif_monitor *m)
{
	int err;

	m->events = 0;
	for (;;) {
		err = nl_recvmsgs_default(m->sk);
		if (err == -NLE_AGAIN)
			break;
		/* libnl reports a receive-queue overflow (ENOBUFS) as NLE_NOMEM. */
		if (err == -NLE_NOMEM)
			return -ENOBUFS;
		if (err < 0)
			return nle_errno(err);
	}
	return m->events;
}
