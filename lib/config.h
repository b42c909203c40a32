/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config — what `kipvs run` (and render/diff/cleanup) is told to do: defaults,
 * then a KubeProxyConfiguration file (--config, YAML or JSON, the file
 * kubeadm's kube-proxy ConfigMap holds), then command-line flags, which win.
 * Every flag has its kube-proxy name where kube-proxy has one.
 *
 * Durations are kept in milliseconds. Strings and arrays are owned by the
 * config; config_free() releases them.
 */
#ifndef KIPVS_CONFIG_H
#define KIPVS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "addr.h"
#include "log.h"

enum endpoints_api {
	ENDPOINTS_API_AUTO = 0,  /* EndpointSlices, or Endpoints when the server lacks them */
	ENDPOINTS_API_SLICES,    /* discovery.k8s.io/v1 EndpointSlices */
	ENDPOINTS_API_ENDPOINTS, /* core/v1 Endpoints */
};

/* kube-proxy's --detect-local-mode: how pod traffic is told from the rest. */
enum detect_local_mode {
	DETECT_LOCAL_CLUSTER_CIDR = 0, /* --cluster-cidr (kube-proxy's default) */
	DETECT_LOCAL_NODE_CIDR,        /* the Node's spec.podCIDRs */
	DETECT_LOCAL_BRIDGE,           /* --pod-bridge-interface */
	DETECT_LOCAL_PREFIX,           /* --pod-interface-name-prefix */
};

struct kipvs_config {
	/* API server */
	char *kubeconfig;
	char *master;
	char *context;
	enum endpoints_api endpoints_api;

	/* this node */
	char *hostname_override;   /* NULL: the host name */
	struct net_addr *node_ips; /* --node-ip; none: interface addresses */
	size_t n_node_ips;
	struct net_addr bind_address; /* kube-proxy's primary node IP (af 0 = unset) */
	char *node_zone;              /* NULL: the Node object's zone label */
	struct net_cidr *nodeport_cidrs;
	size_t n_nodeport_cidrs;
	bool nodeport_primary; /* nodePortAddresses: ["primary"] */

	/* IPVS */
	char scheduler[16];
	uint64_t sync_period_ms;
	uint64_t min_sync_period_ms;
	uint64_t graceful_timeout_ms;
	struct net_cidr *exclude_cidrs;
	size_t n_exclude_cidrs;
	/* The cluster's NodePort range (the API server's --service-node-port-range):
	 * virtual servers on node addresses with these ports are kipvs's. */
	uint16_t nodeport_min, nodeport_max;
	bool strict_arp;
	uint64_t tcp_timeout_ms; /* 0: leave the kernel's value */
	uint64_t tcpfin_timeout_ms;
	uint64_t udp_timeout_ms;

	/* the packet filter (nftables) */
	bool masquerade_all;
	int masquerade_bit; /* 0-31: the mark is 1 << bit */
	struct net_cidr *cluster_cidrs;
	size_t n_cluster_cidrs;
	enum detect_local_mode detect_local_mode;
	char *pod_bridge_interface;
	char *pod_interface_prefix;

	/* health and metrics */
	char *healthz_bind_address;
	char *metrics_bind_address;

	/* conntrack (0 / false: leave as is, as kube-proxy does for zero values) */
	int64_t conntrack_max_per_core;
	int64_t conntrack_min;
	uint64_t conntrack_tcp_established_ms;
	uint64_t conntrack_tcp_close_wait_ms;
	bool conntrack_tcp_be_liberal;
	uint64_t conntrack_udp_timeout_ms;
	uint64_t conntrack_udp_stream_timeout_ms;

	uint64_t config_sync_period_ms;
	bool cleanup;
	enum log_level log_level;
	char *config_file;
};

/* Defaults as kube-proxy's IPVS mode has them (and kipvs's own). */
void config_init(struct kipvs_config *c);
void config_free(struct kipvs_config *c);

/*
 * Reads a KubeProxyConfiguration (v1alpha1, YAML or JSON) into @c. Fields that
 * do not apply to kipvs are listed once in a warning; unknown fields too. A
 * mode other than "ipvs" (or empty) is an error. On error returns -errno and
 * puts a one-line reason naming the file and field into @err.
 */
int config_load_file(struct kipvs_config *c, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * The whole sequence for a subcommand's arguments (argv[0] is the subcommand
 * name): defaults are expected in @c already; --config FILE is loaded first,
 * then every flag applied over it. When --help is asked, the help is written
 * to @help_out, *help (may be NULL) set and nothing else done. Returns 0, or
 * -EINVAL with a one-line reason in @err.
 */
int config_from_args(struct kipvs_config *c, int argc, char **argv, FILE *help_out, bool *help,
                     char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Applies one flag of the table above by its name (without "--", alias or
 * not), for subcommands that take some of kipvs run's flags among their own
 * (render, watch): one parser for every flag. @append adds to a list flag
 * (repeated --node-ip) instead of replacing it. 0, -ENOENT (no such flag),
 * -ENOMEM, or -EINVAL with a one-line reason in @err.
 */
int config_apply_flag(struct kipvs_config *c, const char *name, const char *value, bool append,
                      char *err, size_t errlen) __attribute__((warn_unused_result));

/* Go-style duration ("30s", "1m30s", "500ms", "0") in ms: 0 or -EINVAL. */
int config_parse_duration(const char *s, uint64_t *ms) __attribute__((warn_unused_result));
/* True for the schedulers IPVS knows (rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh, fo, ovf,
 * twos). */
bool config_scheduler_known(const char *name);

/* Prints every flag with its default, for subcommand @cmd ("run", "diff"...). */
void config_help(FILE *f, const char *cmd);

#endif
