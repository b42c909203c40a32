/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_daemon — `kipvs run`: one libev loop that keeps this node's IPVS
 * table and kube-ipvs0 equal to what the cluster says.
 *
 *   - The API client's watch callbacks only feed the store (which marks the
 *     affected services dirty); one reconcile runs per loop turn for the
 *     whole burst, no sooner than --ipvs-min-sync-period after the last one.
 *   - Nothing is programmed until Services and their backends have both
 *     completed a first list. Then default/kubernetes is programmed first
 *     and the rest a chunk per loop turn, so watches keep flowing.
 *   - Every --ipvs-sync-period a full pass re-reads the kernel and repairs
 *     drift (and the sysctls); SIGHUP forces one.
 *   - Draining destinations are re-checked every few seconds.
 *   - Node addresses follow rtnetlink notifications.
 *   - systemd: READY=1 after the first full pass, STATUS= counts,
 *     WATCHDOG=1 from the loop, STOPPING=1 on SIGTERM/SIGINT, after which
 *     the kernel table and kube-ipvs0 are left exactly as they are.
 */
#ifndef KIPVS_SYNC_DAEMON_H
#define KIPVS_SYNC_DAEMON_H

#include "../../lib/config.h"

/* Runs until SIGTERM/SIGINT. Returns the process exit status. */
int sync_daemon_run(const struct kipvs_config *cfg);

#endif
