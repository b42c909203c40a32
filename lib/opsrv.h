/* SPDX-License-Identifier: Apache-2.0 */
/*
 * opsrv — kipvs's operational endpoints: kube-proxy's /healthz and /livez,
 * and /metrics with kube-proxy's metric names plus kipvs's own.
 *
 * It ties the three pieces together: a metrics registry (lib/metrics) with
 * every metric below registered up front, the health state machine
 * (lib/health), and one or two HTTP servers (lib/httpd) on the libev loop:
 *   --healthz-bind-address (default 0.0.0.0:10256)  GET /healthz, /livez
 *   --metrics-bind-address (default 127.0.0.1:10249) GET /metrics
 * When both name the same address, one server answers all three paths. An
 * empty or NULL address turns that server off (as kube-proxy's empty flag).
 *
 * The daemon updates the metrics straight through opsrv_metrics() with
 * metric_*() and reports sync progress with the helpers below, which feed
 * health and the matching kube-proxy metrics together. Each answer of
 * /healthz and /livez counts in kubeproxy_proxy_healthz_total{code} /
 * kubeproxy_proxy_livez_total{code}, as kube-proxy's do.
 */
#ifndef KIPVS_OPSRV_H
#define KIPVS_OPSRV_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "health.h"
#include "metrics.h"

#define OPSRV_DEFAULT_HEALTHZ_BIND "0.0.0.0:10256"
#define OPSRV_DEFAULT_METRICS_BIND "127.0.0.1:10249"

struct opsrv;

struct opsrv_config {
	const char *healthz_bind;  /* NULL or "": no health server */
	const char *metrics_bind;  /* NULL or "": no metrics server */
	int64_t health_timeout_ns; /* > 0; kube-proxy: 2 x syncPeriod */
	const char *version;       /* kipvs_build_info{version} */
	/* HTTP limits; 0 takes lib/httpd's default. */
	unsigned conn_limit;
	unsigned per_ip_limit;
	unsigned timeout_s;
	size_t mem_limit;
	double log_interval_s;
};

/* Every metric opsrv registers. Labels in braces, in this order. */
struct opsrv_metrics {
	/* kube-proxy's names (dashboards and alerts written for it work as is) */
	struct metric *sync_duration; /* kubeproxy_sync_proxy_rules_duration_seconds, histogram */
	struct metric *sync_last;     /* kubeproxy_sync_proxy_rules_last_timestamp_seconds */
	struct metric *sync_last_queued;    /* ..._last_queued_timestamp_seconds */
	struct metric *network_programming; /* kubeproxy_network_programming_duration_seconds */
	struct metric
	    *endpoint_changes_pending; /* kubeproxy_sync_proxy_rules_endpoint_changes_pending */
	struct metric *endpoint_changes_total;  /* ..._endpoint_changes_total, counter */
	struct metric *service_changes_pending; /* ..._service_changes_pending */
	struct metric *service_changes_total;   /* ..._service_changes_total, counter */
	struct metric *no_local_endpoints; /* ..._no_local_endpoints_total{traffic_policy}, gauge */
	struct metric *healthz_total;      /* kubeproxy_proxy_healthz_total{code}, counter */
	struct metric *livez_total;        /* kubeproxy_proxy_livez_total{code}, counter */
	/* kipvs's own */
	struct metric *virtual_servers;       /* kipvs_virtual_servers */
	struct metric *destinations;          /* kipvs_destinations */
	struct metric *destinations_draining; /* kipvs_destinations_draining */
	/* kipvs_virtual_servers_without_destinations{namespace,name,port} */
	struct metric *vs_without_destinations;
	struct metric *kernel_write_errors;  /* kipvs_kernel_write_errors_total{errno} */
	struct metric *watch_restarts;       /* kipvs_watch_restarts_total{resource} */
	struct metric *watch_relists;        /* kipvs_watch_relists_total{resource} */
	struct metric *api_rejected;         /* kipvs_api_rejected_total{resource,code} */
	struct metric *api_event_age;        /* kipvs_last_api_event_age_seconds (at scrape) */
	struct metric *kube_ipvs0_addresses; /* kipvs_kube_ipvs0_addresses */
	struct metric *event_to_kernel;      /* kipvs_event_to_kernel_seconds, histogram */
	struct metric *http_rejected;        /* kipvs_http_rejected_total{server,reason} */
	struct metric *build_info;           /* kipvs_build_info{version} = 1 */
};

/*
 * Creates the registry, registers every metric and the health state; no
 * socket yet. 0, -EINVAL (bad config: timeout, unparsable address) or
 * -ENOMEM.
 */
int opsrv_create(const struct opsrv_config *cfg, struct opsrv **out)
    __attribute__((warn_unused_result));
/* Binds and serves on @loop. 0 or the first server's error (see httpd_start). */
int opsrv_start(struct opsrv *o, struct ev_loop *loop) __attribute__((warn_unused_result));
/* Stops the servers (if started) and frees everything. NULL is fine. */
void opsrv_free(struct opsrv *o);

struct opsrv_metrics *opsrv_metrics(struct opsrv *o);
struct metrics *opsrv_registry(struct opsrv *o); /* to register more metrics */
struct health *opsrv_health(struct opsrv *o);
/* Bound ports (0 when that server is off or not started). */
uint16_t opsrv_healthz_port(const struct opsrv *o);
uint16_t opsrv_metrics_port(const struct opsrv *o);

/*
 * Sync progress, kube-proxy's way. @af: AF_INET or AF_INET6.
 *   queued: a change is waiting for a sync (health "queued" + the
 *           last-queued timestamp).
 *   done:   a sync succeeded after @seconds (health "updated", the duration
 *           histogram and the last-sync timestamp).
 */
void opsrv_sync_queued(struct opsrv *o, int af);
void opsrv_sync_done(struct opsrv *o, int af, double seconds);
/* An event arrived from the API server (kipvs_last_api_event_age_seconds). */
void opsrv_api_event(struct opsrv *o);
/* A kernel write failed with @err (negative or positive errno): counted by name. */
void opsrv_kernel_error(struct opsrv *o, int err);

#endif
