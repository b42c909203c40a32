/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_nl — struct sync_ops over the real kernel: IPVS through the generic
 * netlink module (ipvs.h), interfaces and addresses through rtnetlink
 * (netif.h), kipvs's nftables tables through nfnetlink (nft.h), conntrack
 * clean-up through the daemon's worker (sync_ctclean.h). What the daemon,
 * `kipvs diff` (under sync_record) and cleanup pass to the sync passes.
 */
#ifndef KIPVS_SYNC_NL_H
#define KIPVS_SYNC_NL_H

#include "../../ipvs/ipvs.h"
#include "../../ipvs/netif.h"
#include "../../ipvs/nft.h"
#include "../sync_ops.h"

struct sync_ctclean;

/* The backend: the handles borrowed, opened and closed by the caller. Without
 * an nft handle (a kernel without nf_tables) the nft reads and writes are
 * -EOPNOTSUPP. */
struct sync_nl {
	struct ipvs_handle *ipvs;
	struct netif *netif;
	struct nft_handle *nft;
	struct sync_ctclean *ct; /* NULL: no conntrack clean-up */
};

extern const struct sync_ops sync_nl_ops; /* be = struct sync_nl * */

#endif
