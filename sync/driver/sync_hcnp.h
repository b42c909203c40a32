/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_hcnp — kube-proxy's health-check node ports: for every Service that
 * sync_desired_health_ports() lists (LoadBalancer, externalTrafficPolicy
 * Local, a healthCheckNodePort), an HTTP server on that port, on the daemon's
 * libev loop (lib/httpd). Cloud load balancers probe it to learn which nodes
 * have a local endpoint.
 *
 * The answer, to every path and every method, is kube-proxy's
 * (pkg/proxy/healthcheck/service_health.go):
 *   Content-Type: application/json
 *   X-Content-Type-Options: nosniff
 *   X-Load-Balancing-Endpoint-Weight: <local ready endpoints>
 *   200 when that count is > 0 and the proxy is healthy (kube-proxy's
 *   IsHealthy: the sync state, not the node's eligibility), else 503;
 *   the body, byte for byte as kube-proxy writes it (tab-indented JSON, no
 *   final newline):
 *     {
 *     	"service": {
 *     		"namespace": "NS",
 *     		"name": "NAME"
 *     	},
 *     	"localEndpoints": N,
 *     	"serviceProxyHealthy": true|false
 *     }
 *
 * Where it listens, as kube-proxy: on the wildcard ("[::]:port", which takes
 * IPv4 too; "0.0.0.0:port" where the kernel has no IPv6) unless
 * --nodeport-addresses narrows the NodePort addresses, then once per such
 * address (sync_hcnp_set_addrs). A Service whose server cannot open on every
 * address (the port is taken) gets none: the failure is logged once per
 * Service, port and error (event=health_check_listen_failed), counted in
 * kipvs_health_check_listen_failures_total at every attempt, and tried again
 * at the next sync_hcnp_sync(); the first success after failures is logged.
 *
 * Bookkeeping, kube-proxy's SyncServices/SyncEndpoints in one call: a
 * Service that went away, or whose port changed, has its server closed; a
 * new one gets a server; the others keep theirs (and their connections) and
 * only their count changes. Not thread-safe: everything runs on the loop.
 */
#ifndef KIPVS_SYNC_HCNP_H
#define KIPVS_SYNC_HCNP_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/addr.h"
#include "../../lib/httpd.h"
#include "../../lib/metrics.h"
#include "../sync_desired.h"

struct sync_hcnp;

struct sync_hcnp_opts {
	struct ev_loop *loop;
	struct metrics *reg; /* NULL: no metrics */
	/* kube-proxy's serviceProxyHealthy, asked at each answer; NULL: true. */
	bool (*healthy)(void *ctx);
	void *healthy_ctx;
	/* HTTP limits; 0 takes lib/httpd's default. */
	unsigned conn_limit;
	unsigned per_ip_limit;
	unsigned timeout_s;
	size_t mem_limit;
};

/* No server yet. 0, -ENOMEM, or -errno from registering the metrics. */
int sync_hcnp_new(const struct sync_hcnp_opts *o, struct sync_hcnp **out)
    __attribute__((warn_unused_result));
/* Closes every server and frees @h (NULL is fine). */
void sync_hcnp_free(struct sync_hcnp *h);

/*
 * Listen on these addresses (copied; @n 0: the wildcard). When they differ
 * from the current ones, every server is closed and reopened by the next
 * sync_hcnp_sync(). 0 or -ENOMEM.
 */
int sync_hcnp_set_addrs(struct sync_hcnp *h, const struct net_addr *a, size_t n)
    __attribute__((warn_unused_result));

/*
 * Makes the servers match @p (as sync_desired_health_ports() returns it:
 * sorted by namespace, name; strings are copied). *failed (may be NULL): how
 * many Services have no server because it could not listen. 0, or -ENOMEM
 * (the servers are then as far as it got; the next call goes on).
 */
int sync_hcnp_sync(struct sync_hcnp *h, const struct sync_health_port *p, size_t n, size_t *failed)
    __attribute__((warn_unused_result));

/* Services with an open server. */
size_t sync_hcnp_open(const struct sync_hcnp *h);

/*
 * The answer for one Service (what every request gets): status, headers and
 * body as above. r->body is malloc'd (the caller, or httpd, frees it); on
 * allocation failure the status is 500 and the body NULL.
 */
void sync_hcnp_answer(const char *ns, const char *name, uint32_t count, bool healthy,
                      struct httpd_reply *r);

#endif
