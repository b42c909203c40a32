/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_daemon — `kipvs run`: one libev loop that keeps this node's IPVS
 * table, kube-ipvs0 and the packet filter (kipvs's nftables tables) equal
 * to what the cluster says.
 *
 *   - The API client's watch callbacks only feed the store (which marks the
 *     affected services dirty); one reconcile runs per loop turn for the
 *     whole burst, no sooner than --ipvs-min-sync-period after the last one.
 *   - Nothing is programmed until Services and their backends have both
 *     completed a first list. Then default/kubernetes is programmed first
 *     and the rest a chunk per loop turn, so watches keep flowing.
 *   - Every --ipvs-sync-period a full pass re-reads the kernel and repairs
 *     drift (and the sysctls); SIGHUP forces one. A pass that finds kipvs's
 *     nftables tables broken asks for a full pass a few seconds later;
 *     /healthz answers 503 while nf_tables is missing or the last full pass
 *     could not bring the tables in line.
 *   - Draining destinations are re-checked every few seconds.
 *   - Node addresses follow rtnetlink notifications.
 *   - Stale UDP conntrack entries the passes leave are deleted by a worker
 *     thread (sync_ctclean.h), so the loop never walks the kernel's table.
 *   - systemd: READY=1 after the first full pass, STATUS= counts,
 *     WATCHDOG=1 from the loop, STOPPING=1 on SIGTERM/SIGINT, after which
 *     the kernel table and kube-ipvs0 are left exactly as they are.
 */
#ifndef KIPVS_SYNC_DAEMON_H
#define KIPVS_SYNC_DAEMON_H

#include <stdbool.h>

#include "../../lib/config.h"

/* Runs until SIGTERM/SIGINT. Returns the process exit status. */
int sync_daemon_run(const struct kipvs_config *cfg);

/* What only tests change (kipvs-testtool run), never the product's flags. */
struct sync_daemon_tuning {
	bool no_conntrack_cleanup; /* stale UDP conntrack entries are left alone */
};
/* The same, tuned (@t may be NULL: the defaults). */
int sync_daemon_run_tuned(const struct kipvs_config *cfg, const struct sync_daemon_tuning *t);

#endif
