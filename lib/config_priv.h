/* SPDX-License-Identifier: Apache-2.0 */
/* config_priv — the flag table shared by config.c (flags) and config_file.c. */
#ifndef KIPVS_CONFIG_PRIV_H
#define KIPVS_CONFIG_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum config_type {
	CF_STR,    /* char * */
	CF_BOOL,   /* bool */
	CF_DUR,    /* uint64_t milliseconds */
	CF_INT,    /* int64_t, >= 0 */
	CF_ADDR,   /* struct net_addr */
	CF_ADDRS,  /* node_ips list */
	CF_NPADDR, /* nodeport CIDRs or "primary" */
	CF_CIDRS,  /* exclude CIDRs */
	CF_SCHED,  /* scheduler name */
	CF_EPAPI,  /* enum endpoints_api */
	CF_LOGLVL, /* enum log_level */
	CF_KLOGV,  /* klog verbosity (--v=N) onto enum log_level */
	CF_MODE,   /* proxy mode: only "ipvs" */
	CF_PORTS,  /* port range "MIN-MAX", "MIN+OFFSET" or "PORT" onto nodeport_min/max */
	CF_BIT,    /* int, 0-31 (a mark bit) */
	CF_LCIDRS, /* cluster CIDRs: a bad item is logged and skipped, as the issue asks */
	CF_LOCAL,  /* enum detect_local_mode by kube-proxy's names */
	CF_IFNAME, /* char *, an interface name or prefix (at most 15 bytes) */
};

struct config_flag {
	const char *name;
	const char *alias; /* kube-proxy's name when it differs */
	enum config_type type;
	size_t off;
	const char *def;
	const char *help;
};

const struct config_flag *config_flags(size_t *n);
/* Applies one textual value; @append adds to list flags instead of replacing. */
int config_set(struct kipvs_config *c, const struct config_flag *f, const char *v, bool append,
               char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
