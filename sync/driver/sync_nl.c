/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_nl.h"

#include <errno.h>
#include "sync_ctclean.h"

static int nl_services(void *be, struct ipvs_table *out)
{
	return ipvs_dump_services(((struct sync_nl *)be)->ipvs, out);
}

static int nl_dests(void *be, struct ipvs_vs *vs)
{
	return ipvs_dump_dests(((struct sync_nl *)be)->ipvs, vs);
}

static int nl_service(void *be, struct ipvs_service *inout)
{
	return ipvs_get_service(((struct sync_nl *)be)->ipvs, inout);
}

static int nl_apply(void *be, struct ipvs_change *c, size_t n, size_t *n_failed)
{
	return ipvs_apply(((struct sync_nl *)be)->ipvs, c, n, n_failed);
}

static int nl_get_timeouts(void *be, struct ipvs_timeouts *out)
{
	return ipvs_get_timeouts(((struct sync_nl *)be)->ipvs, out);
}

static int nl_set_timeouts(void *be, const struct ipvs_timeouts *t)
{
	return ipvs_set_timeouts(((struct sync_nl *)be)->ipvs, t);
}

static int nl_link_index(void *be, const char *name)
{
	return netif_index(((struct sync_nl *)be)->netif, name);
}

static int nl_link_ensure(void *be, const char *name)
{
	return netif_ensure_dummy(((struct sync_nl *)be)->netif, name);
}

static int nl_addrs(void *be, int ifindex, int except, struct netif_addr **out, size_t *n)
{
	return netif_addrs(((struct sync_nl *)be)->netif, ifindex, except, out, n);
}

static int nl_addr_add(void *be, int ifindex, const struct net_addr *a)
{
	return netif_addr_add(((struct sync_nl *)be)->netif, ifindex, a);
}

static int nl_addr_del(void *be, int ifindex, const struct net_addr *a)
{
	return netif_addr_del(((struct sync_nl *)be)->netif, ifindex, a);
}

static int nl_nft_table(void *be, uint8_t family, const char *name,
                        const struct nft_table_def *want, struct nft_table_def *out)
{
	struct nft_handle *h = ((struct sync_nl *)be)->nft;

	return h ? nft_read_table(h, family, name, want, out) : -EOPNOTSUPP;
}

static int nl_nft_elems(void *be, uint8_t family, const char *table, const struct nft_set_def *set,
                        struct nft_elems *out)
{
	struct nft_handle *h = ((struct sync_nl *)be)->nft;

	return h ? nft_read_elems(h, family, table, set, out) : -EOPNOTSUPP;
}

static int nl_nft_apply(void *be, struct nft_op *ops, size_t n)
{
	struct nft_handle *h = ((struct sync_nl *)be)->nft;

	return h ? nft_apply(h, ops, n) : -EOPNOTSUPP;
}

static int nl_ct_clean(void *be, const struct sync_ct_plan *p)
{
	struct sync_ctclean *ct = ((struct sync_nl *)be)->ct;

	return ct ? sync_ctclean_submit(ct, p) : 0;
}

const struct sync_ops sync_nl_ops = {
	.services = nl_services,
	.dests = nl_dests,
	.service = nl_service,
	.apply = nl_apply,
	.get_timeouts = nl_get_timeouts,
	.set_timeouts = nl_set_timeouts,
	.link_index = nl_link_index,
	.link_ensure = nl_link_ensure,
	.addrs = nl_addrs,
	.addr_add = nl_addr_add,
	.addr_del = nl_addr_del,
	.nft_table = nl_nft_table,
	.nft_elems = nl_nft_elems,
	.nft_apply = nl_nft_apply,
	.ct_clean = nl_ct_clean,
};
