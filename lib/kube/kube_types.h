/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_types — the Kubernetes objects a service proxy needs, as C structs.
 *
 * The decoders (kube_decode.h) build these from API JSON; the store and the
 * desired-table builder (sync/) read them. Only the fields a proxy uses are
 * kept, already normalised:
 *   - nil semantics applied (ready/serving default true, terminating false);
 *   - names "" rather than NULL where the API defaults them to "";
 *   - addresses parsed (struct net_addr), protocols as IPPROTO_* (0 = unknown);
 *   - labels/annotations kipvs reads pulled out into named fields.
 *
 * Ownership: every pointer inside an object is malloc'd and owned by the
 * object; kube_*_free() releases it all (NULL is fine). Objects are immutable
 * once decoded: a MODIFIED event replaces the whole object.
 */
#ifndef KIPVS_KUBE_TYPES_H
#define KIPVS_KUBE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../addr.h"

/* Labels and annotations kipvs reads. */
#define KUBE_LABEL_SERVICE_PROXY_NAME "service.kubernetes.io/service-proxy-name"
#define KUBE_LABEL_HEADLESS           "service.kubernetes.io/headless"
#define KUBE_LABEL_SERVICE_NAME       "kubernetes.io/service-name"
#define KUBE_LABEL_ZONE               "topology.kubernetes.io/zone"
#define KUBE_ANN_TRIGGER_TIME         "endpoints.kubernetes.io/last-change-trigger-time"
#define KIPVS_ANN_SCHEDULER           "kipvs.io/scheduler"
#define KIPVS_ANN_SCHEDULER_FLAGS     "kipvs.io/scheduler-flags"

/* Default sessionAffinityConfig.clientIP.timeoutSeconds. */
#define KUBE_AFFINITY_DEFAULT_TIMEOUT 10800

enum kube_svc_type {
	KUBE_SVC_CLUSTER_IP = 0,
	KUBE_SVC_NODE_PORT,
	KUBE_SVC_LOAD_BALANCER,
	KUBE_SVC_EXTERNAL_NAME,
};

enum kube_traffic_policy {
	KUBE_POLICY_CLUSTER = 0,
	KUBE_POLICY_LOCAL,
};

/* Identity shared by every object. */
struct kube_meta {
	char *namespace; /* "" for cluster-scoped objects */
	char *name;
	char *uid;
	char *resource_version;
};

struct kube_service_port {
	char *name;        /* "" when unnamed, never NULL */
	uint16_t protocol; /* IPPROTO_TCP / _UDP / _SCTP; 0 = unusable */
	uint16_t port;
	uint16_t node_port; /* 0 = none */
};

struct kube_lb_ingress {
	struct net_addr ip; /* af 0 for a hostname-only entry */
	bool ip_mode_proxy; /* ipMode: Proxy — do not program this IP */
};

struct kube_service {
	struct kube_meta meta;
	enum kube_svc_type type;
	bool headless; /* clusterIP "None" */
	/* spec.clusterIPs (else spec.clusterIP), primary family first; invalid entries dropped */
	struct net_addr cluster_ips[2];
	size_t n_cluster_ips;
	struct kube_service_port *ports;
	size_t n_ports;
	struct net_addr *external_ips;
	size_t n_external_ips;
	struct kube_lb_ingress *lb_ingress;
	size_t n_lb_ingress;
	struct net_cidr *lb_source_ranges;
	size_t n_lb_source_ranges;
	enum kube_traffic_policy external_policy;
	enum kube_traffic_policy internal_policy;
	uint16_t health_check_node_port; /* 0 = none */
	bool affinity_client_ip;
	uint32_t affinity_timeout; /* seconds, when affinity_client_ip */
	bool publish_not_ready;
	char *traffic_distribution; /* NULL = unset */
	char *proxy_name;           /* label service-proxy-name; NULL = absent */
	char *scheduler;            /* annotation kipvs.io/scheduler; NULL = absent */
	char *scheduler_flags;      /* annotation kipvs.io/scheduler-flags; NULL = absent */
};

struct kube_endpoint {
	struct net_addr addr; /* addresses[0] */
	bool ready;           /* nil => true */
	bool serving;         /* nil => true */
	bool terminating;     /* nil => false */
	char *node_name;      /* NULL = unset */
	char *zone;           /* NULL = unset */
	char **hint_zones;    /* hints.forZones[].name */
	size_t n_hint_zones;
	char **hint_nodes; /* hints.forNodes[].name */
	size_t n_hint_nodes;
};

struct kube_endpoint_port {
	char *name;        /* "" when unnamed; NULL when the API sent null (unusable) */
	uint16_t protocol; /* IPPROTO_*; 0 = unusable */
	uint16_t port;     /* 0 = unusable */
};

struct kube_endpoint_slice {
	struct kube_meta meta;
	char *service_name;      /* label kubernetes.io/service-name; NULL = unlinked */
	uint16_t address_type;   /* AF_INET, AF_INET6; 0 = FQDN or unknown (ignored) */
	bool headless;           /* label service.kubernetes.io/headless present */
	char *proxy_name;        /* label service-proxy-name; NULL = absent */
	int64_t trigger_time_ms; /* last-change-trigger-time annotation, Unix ms; 0 = absent */
	struct kube_endpoint *endpoints;
	size_t n_endpoints;
	struct kube_endpoint_port *ports;
	size_t n_ports;
};

/*
 * core/v1 Endpoints, one per Service (same name). Each subset means every
 * address x every port. addresses[] become ready endpoints; notReadyAddresses[]
 * become ready=false, serving=false, terminating=false.
 */
struct kube_endpoints_subset {
	struct kube_endpoint *endpoints;
	size_t n_endpoints;
	struct kube_endpoint_port *ports;
	size_t n_ports;
};

struct kube_endpoints {
	struct kube_meta meta;
	char *proxy_name; /* label service-proxy-name; NULL = absent */
	int64_t trigger_time_ms;
	struct kube_endpoints_subset *subsets;
	size_t n_subsets;
};

struct kube_node {
	struct kube_meta meta;
	char *zone; /* label topology.kubernetes.io/zone; NULL = absent */
	/* spec.podCIDRs (else spec.podCIDR), invalid entries dropped: what
	 * --detect-local-mode=NodeCIDR tells pod traffic by */
	struct net_cidr pod_cidrs[2];
	size_t n_pod_cidrs;
	/* kube-proxy's /healthz answers 503 for a node that is going away: */
	bool deleting;         /* metadata.deletionTimestamp is set */
	bool autoscaler_taint; /* spec.taints has ToBeDeletedByClusterAutoscaler */
};

#define KUBE_TAINT_TO_BE_DELETED "ToBeDeletedByClusterAutoscaler"

void kube_meta_clear(struct kube_meta *m);
void kube_service_free(struct kube_service *s);
void kube_endpoint_slice_free(struct kube_endpoint_slice *s);
void kube_endpoints_free(struct kube_endpoints *e);
void kube_node_free(struct kube_node *n);
/* Releases the members of one endpoint (not the endpoint itself). */
void kube_endpoint_clear(struct kube_endpoint *ep);

#endif
