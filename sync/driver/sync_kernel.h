/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_kernel — the kernel settings a service proxy needs besides the IPVS
 * table: the sysctls kube-proxy's IPVS mode sets (conntrack for IPVS,
 * conn_reuse_mode chosen by kernel version, expire_nodest_conn,
 * expire_quiescent_template, ip_forward, strict ARP) and the conntrack
 * limits and timeouts of its `conntrack` configuration.
 *
 * The conntrack settings (table size, hash size, timeouts, be_liberal) are
 * only raised, as kube-proxy does: a larger value an admin set stays, and is
 * logged once (event=sysctl_kept). The IPVS and forwarding settings are held
 * at their value.
 *
 * Each value is written only when it differs, logged once when it changes,
 * and checked again on every call (the daemon calls this on every full sync,
 * so an admin's change is put back). A failing key is logged when it starts
 * failing and when it recovers, not on every call.
 */
#ifndef KIPVS_SYNC_KERNEL_H
#define KIPVS_SYNC_KERNEL_H

#include "../../lib/config.h"

struct sync_kernel;

struct sync_kernel_env {
	const char *proc_sys;  /* NULL: /proc/sys */
	const char *ct_params; /* NULL: /sys/module/nf_conntrack/parameters */
	unsigned kernel_major; /* running kernel, for conn_reuse_mode */
	unsigned kernel_minor;
	unsigned ncpu; /* for conntrack max per core */
};

int sync_kernel_new(const struct kipvs_config *cfg, const struct sync_kernel_env *env,
                    struct sync_kernel **out) __attribute__((warn_unused_result));
void sync_kernel_free(struct sync_kernel *k);

/*
 * Ensures every setting. Returns the number of values written (>= 0); keys
 * that fail are logged and counted in *failed (when not NULL) but do not stop
 * the others.
 */
int sync_kernel_apply(struct sync_kernel *k, int *failed);

#endif
