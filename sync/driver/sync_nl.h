/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_nl — struct sync_ops over the real kernel: IPVS through the generic
 * netlink module (ipvs.h), interfaces and addresses through rtnetlink
 * (netif.h). What the daemon, `kipvs diff` (under sync_record) and cleanup
 * pass to the sync passes.
 */
#ifndef KIPVS_SYNC_NL_H
#define KIPVS_SYNC_NL_H

#include "../../ipvs/ipvs.h"
#include "../../ipvs/netif.h"
#include "../sync_ops.h"

/* The backend: both handles borrowed, opened and closed by the caller. */
struct sync_nl {
	struct ipvs_handle *ipvs;
	struct netif *netif;
};

extern const struct sync_ops sync_nl_ops; /* be = struct sync_nl * */

#endif
