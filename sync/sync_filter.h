/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_filter — the packet-filter half of the desired state: what kube-proxy's
 * IPVS mode does with ipsets and iptables, as two nftables tables kipvs owns
 * (`table ip kipvs`, `table ip6 kipvs`), computed from the same store and
 * node config as the IPVS table (sync_desired.h). No I/O.
 *
 * Each table is a fixed part and a variable one:
 *   - sets, chains and rules depend on the options only (masquerade bit,
 *     --masquerade-all, local-traffic detection);
 *   - the sets' elements come from the Services, kube-proxy's ipsets rule
 *     for rule (kube-proxy name → set here):
 *       KUBE-IPVS-IPS             vips          addresses bound on kube-ipvs0
 *       KUBE-CLUSTER-IP           clusterip     clusterIP . proto . port
 *       KUBE-EXTERNAL-IP          extip_masq    externalIP . proto . port (ETP Cluster)
 *       KUBE-LOAD-BALANCER        lb            LB IP . proto . port
 *       KUBE-LOAD-BALANCER-LOCAL  lb_local      ... of ETP Local Services
 *       KUBE-LOAD-BALANCER-FW     lb_fw         ... of Services with source ranges
 *       KUBE-LOAD-BALANCER-SOURCE-CIDR/-IP
 *                                 lb_allow      LB IP . proto . port . source range
 *                                               (interval; a Service's ranges merged,
 *                                               the LB IP itself when the node is
 *                                               inside one)
 *       KUBE-IPVS-OUT-FILTER rules
 *                                 lb_nonode     LB IP . proto . port . LB IP when no
 *                                               range holds the node
 *       KUBE-NODE-PORT-*          nodeport      proto . nodePort
 *       KUBE-NODE-PORT-LOCAL-*    nodeport_loc  ... of ETP Local Services
 *       KUBE-HEALTH-CHECK-NODE-PORT
 *                                 hc_port       healthCheckNodePort (LoadBalancer, ETP Local)
 *       KUBE-LOOP-BACK            loopback      local endpoint . proto . port . endpoint
 *     plus vip_ports, the service ports of every bound address (clusterIP,
 *     externalIP and LB IP ports), which KUBE-IPVS-FILTER's RETURN rules match.
 *
 * Elements are owned per Service: sync_filter_update() recomputes one
 * Service and records, for the elements no other Service holds, that they
 * must be added or removed (the pending changes a dirty pass applies). A
 * full pass compares every wanted element with the kernel's instead.
 */
#ifndef KIPVS_SYNC_FILTER_H
#define KIPVS_SYNC_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../ipvs/nft_types.h"
#include "../lib/config.h"
#include "sync_node.h"
#include "sync_store.h"

#define SYNC_FILTER_TABLE "kipvs"
/* Index of a family's table: 0 is `table ip`, 1 `table ip6`. */
#define SYNC_FILTER_FAMS 2

enum sync_fset {
	FSET_VIPS,
	FSET_VIP_PORTS,
	FSET_CLUSTERIP,
	FSET_EXTIP_MASQ,
	FSET_LB,
	FSET_LB_LOCAL,
	FSET_LB_FW,
	FSET_LB_ALLOW,
	FSET_LB_NONODE,
	FSET_NODEPORT,
	FSET_NODEPORT_LOC,
	FSET_HC_PORT,
	FSET_LOOPBACK,
	FSET_N,
};

/* kube-proxy's --detect-local-mode. */
enum sync_local_mode {
	SYNC_LOCAL_CLUSTER_CIDR = 0, /* its default */
	SYNC_LOCAL_NODE_CIDR,
	SYNC_LOCAL_BRIDGE,
	SYNC_LOCAL_PREFIX,
};

struct sync_filter_opts {
	uint32_t mark;       /* the masquerade mark: 1 << --iptables-masquerade-bit */
	bool masquerade_all; /* --masquerade-all */
	enum sync_local_mode local_mode;
	/* CIDR modes: the pod range of each family (index as the tables; af 0
	 * = none: that family has no local detection, as kube-proxy). */
	struct net_cidr local_cidr[SYNC_FILTER_FAMS];
	char iface[16]; /* BridgeInterface: the bridge; InterfaceNamePrefix: the prefix */
};

/*
 * The options kube-proxy's flags mean: mark 1 << --iptables-masquerade-bit;
 * ClusterCIDR mode takes each family's first --cluster-cidr, NodeCIDR mode
 * the Node's @pod_cidrs (spec.podCIDRs); a family without one, or a bridge
 * or prefix mode without its interface, gets no local detection (kube-proxy's
 * no-op detector: only the node's own connections from a cluster IP are
 * masqueraded).
 */
void sync_filter_opts_from(const struct kipvs_config *cfg, const struct net_cidr *pod_cidrs,
                           size_t n_pod_cidrs, struct sync_filter_opts *out);

struct sync_filter;

int sync_filter_new(const struct sync_filter_opts *o, struct sync_filter **out) SYNC_WUR;
void sync_filter_free(struct sync_filter *f);
/* New options: *changed says whether the tables' rules changed (then a full
 * pass must rebuild them). 0 or -EINVAL (an option the rules cannot take). */
int sync_filter_set_opts(struct sync_filter *f, const struct sync_filter_opts *o,
                         bool *changed) SYNC_WUR;
const struct sync_filter_opts *sync_filter_opts(const struct sync_filter *f);

/* The table of family index @fam, without elements. */
const struct nft_table_def *sync_filter_table(const struct sync_filter *f, int fam);
/* The family index of an NFPROTO_* value, -1 for another. */
int sync_filter_fam(uint8_t nfproto);
const char *sync_fset_name(enum sync_fset s);

/*
 * Recomputes Service @key ("namespace/name") from @st (absent: it wants
 * nothing any more). Elements that become wanted by no Service, or by a
 * first one, are pending until taken (sync_filter_take_pending). On
 * -ENOMEM nothing changed.
 */
int sync_filter_update(struct sync_filter *f, const struct sync_store *st,
                       const struct sync_node *node, const char *key) SYNC_WUR;
/* Recomputes every Service (a full pass); nothing is pending afterwards. */
int sync_filter_build(struct sync_filter *f, const struct sync_store *st,
                      const struct sync_node *node) SYNC_WUR;

/* Element changes for the kernel, per family and set (each array with the
 * set's stride). */
struct sync_filter_delta {
	struct nft_elems add[SYNC_FILTER_FAMS][FSET_N];
	struct nft_elems del[SYNC_FILTER_FAMS][FSET_N];
};
void sync_filter_delta_init(const struct sync_filter *f, struct sync_filter_delta *d);
void sync_filter_delta_free(struct sync_filter_delta *d);
size_t sync_filter_delta_count(const struct sync_filter_delta *d);

/* Moves the pending changes into @d (initialised) and forgets them: what the
 * kernel then refuses is found by the next full pass. 0 or -ENOMEM. */
int sync_filter_take_pending(struct sync_filter *f, struct sync_filter_delta *d) SYNC_WUR;
bool sync_filter_has_pending(const struct sync_filter *f);
/*
 * What a full pass changes: every wanted element of family @fam missing
 * from @have (the kernel's elements, per set) into d->add, every element of
 * @have nothing wants into d->del. Pending changes of that family are
 * covered and forgotten. 0 or -ENOMEM.
 */
int sync_filter_diff(struct sync_filter *f, int fam, const struct nft_elems have[FSET_N],
                     struct sync_filter_delta *d) SYNC_WUR;
/* Every wanted element of (@fam, @set) appended to @out (sorted). */
int sync_filter_elems(const struct sync_filter *f, int fam, enum sync_fset set,
                      struct nft_elems *out) SYNC_WUR;
/* Wanted elements of (@fam, @set). */
size_t sync_filter_count(const struct sync_filter *f, int fam, enum sync_fset set);

/*
 * The table of family @fam (with its elements when @elements) in nft's
 * syntax, as `nft list table` prints it (elements sorted, one per line):
 * input for `nft -f` and the text `kipvs render --nft` shows.
 */
int sync_filter_render(const struct sync_filter *f, int fam, bool elements, FILE *out) SYNC_WUR;
/* One operation of a transaction as the nft commands that would do it
 * (what `kipvs diff` prints). */
int sync_filter_render_op(const struct sync_filter *f, const struct nft_op *op, FILE *out) SYNC_WUR;
/* One element of (@fam, @set) as nft prints it ("10.96.0.1 . tcp . 443"). */
const char *sync_filter_elem_fmt(int fam, enum sync_fset set, const uint8_t *elem, char *buf,
                                 size_t len);
/* Rule @i of table @fam as nft prints it (internal to sync/: the renderer). */
const char *sync_filter_rule_text(const struct sync_filter *f, int fam, size_t i);

#endif
