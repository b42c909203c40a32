/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/ipvs.h"
#include "../../ipvs/netif.h"
#include "../../ipvs/nft.h"
#include "../../lib/log.h"
#include "../sync_diff.h"
#include "../sync_node.h"
#include "sync_nft.h"
#include "sync_nl.h"
#include "sync_reconcile.h"

static int build_own(const struct kipvs_config *cfg, struct netif *nf, int ifindex,
                     struct sync_own *own, size_t *n_bound)
{
	struct netif_addr *all = NULL, *mine = NULL;
	struct net_addr *local = NULL, *bound = NULL;
	size_t n_all = 0, n_mine = 0, n_local = 0;
	struct sync_node node;
	int err;

	sync_node_init(&node);
	err = netif_addrs(nf, 0, ifindex > 0 ? ifindex : 0, &all, &n_all);
	if (!err && ifindex > 0)
		err = netif_addrs(nf, ifindex, 0, &mine, &n_mine);
	if (err)
		goto out;
	local = calloc(n_all + 1, sizeof(*local));
	bound = calloc(n_mine + 1, sizeof(*bound));
	if (!local || !bound) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n_all; i++)
		local[n_local++] = all[i].addr;
	for (size_t i = 0; i < n_mine; i++)
		bound[i] = mine[i].addr;
	*n_bound = n_mine;
	if (cfg->n_node_ips)
		err = sync_node_set_node_addrs(&node, cfg->node_ips, cfg->n_node_ips,
		                               cfg->nodeport_cidrs, cfg->n_nodeport_cidrs);
	else
		err = sync_node_set_node_addrs(&node, local, n_local, cfg->nodeport_cidrs,
		                               cfg->n_nodeport_cidrs);
	if (!err)
		err = sync_own_set_node(own, node.node_addrs, node.n_node_addrs);
	if (!err)
		err = sync_own_set_bound(own, bound, n_mine);
	if (!err)
		err = sync_own_set_exclude(own, cfg->exclude_cidrs, cfg->n_exclude_cidrs);
	sync_own_set_nodeport_range(own, cfg->nodeport_min, cfg->nodeport_max);
out:
	sync_node_clear(&node);
	free(all);
	free(mine);
	free(local);
	free(bound);
	return err;
}

/* kipvs's nftables tables, where the kernel has nf_tables. */
static int cleanup_filter(bool dry_run, struct sync_cleanup_result *res)
{
	struct sync_nl nl = { 0 };
	int err = nft_open(&nl.nft);

	if (!err)
		err = sync_nft_remove(&sync_nl_ops, &nl, dry_run, &res->nft_tables);
	nft_close(nl.nft);
	if (err == -EOPNOTSUPP) {
		res->nft_missing = true;
		return 0;
	}
	if (err)
		log_warn("cleanup_failed", "what=nftables-tables err=%s", strerror(-err));
	return err;
}

int sync_cleanup(const struct kipvs_config *cfg, bool dry_run, struct sync_cleanup_result *res)
{
	struct ipvs_handle *h = NULL;
	struct netif *nf = NULL;
	struct ipvs_table t;
	struct ipvs_change *ch = NULL;
	struct sync_own own;
	size_t n = 0, failed = 0;
	int ifindex, err;

	memset(res, 0, sizeof(*res));
	ipvs_table_init(&t);
	sync_own_init(&own);
	err = ipvs_open(&h);
	if (!err)
		err = netif_open(&nf);
	if (err)
		goto out;
	ifindex = netif_index(nf, SYNC_IFNAME);
	if (ifindex < 0 && ifindex != -ENODEV) {
		err = ifindex;
		goto out;
	}
	err = build_own(cfg, nf, ifindex, &own, &res->addrs);
	if (!err) /* whole virtual servers go: their destinations need no reading */
		err = ipvs_dump_services(h, &t);
	if (err)
		goto out;
	ch = calloc(t.n + 1, sizeof(*ch));
	if (!ch) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t.n; i++) {
		if (!sync_own_owns(&own, &t.vs[i].svc)) {
			res->vs_foreign++;
			continue;
		}
		ch[n].op = IPVS_OP_DEL_SERVICE;
		ch[n].svc = t.vs[i].svc;
		n++;
	}
	if (n && !dry_run) {
		err = ipvs_apply(h, ch, n, &failed);
		if (err)
			goto out;
		for (size_t i = 0; i < n; i++) {
			/* Gone already (another cleanup, an admin): converged. */
			if (ch[i].err && ch[i].err != -ESRCH) {
				char buf[160], va[ADDR_STRLEN];

				res->vs_failed++;
				log_warn("cleanup_failed", "vs=%s err=%s",
				         addr_port_fmt(&ch[i].svc.addr, ch[i].svc.port, va),
				         ipvs_change_strerror(&ch[i], buf, sizeof(buf)));
			}
		}
	}
	res->vs_removed = n - res->vs_failed;
	/* Keep the link while something it identifies is left, so a rerun finds it. */
	if (ifindex > 0 && !res->vs_failed) {
		if (!dry_run)
			err = netif_delete_dummy(nf, SYNC_IFNAME);
		if (!err)
			res->link_removed = true;
		else if (err == -EEXIST)
			log_warn("cleanup_link", "dev=%s reason=not-a-dummy-link-left-alone",
			         SYNC_IFNAME);
	}
	if (!err)
		err = cleanup_filter(dry_run, res);
out:
	free(ch);
	ipvs_table_free(&t);
	sync_own_clear(&own);
	netif_close(nf);
	ipvs_close(h);
	return err;
}

int sync_cleanup_run(const struct kipvs_config *cfg, bool dry_run)
{
	struct sync_cleanup_result res;
	int err = sync_cleanup(cfg, dry_run, &res);

	if (err) {
		char why[200];

		log_err(
		    "cleanup_failed", "reason=%s",
		    log_quote(err == -ENOENT || err == -EPERM ? ipvs_strerror(err) : strerror(-err),
		              why, sizeof(why)));
		return 1;
	}
	log_info("cleanup",
	         "dry_run=%s vs_removed=%zu vs_failed=%zu vs_foreign_kept=%zu "
	         "addresses=%zu link_removed=%s nft_tables_removed=%zu",
	         dry_run ? "yes" : "no", res.vs_removed, res.vs_failed, res.vs_foreign, res.addrs,
	         res.link_removed ? "yes" : "no", res.nft_tables);
	return res.vs_failed ? 1 : 0;
}
