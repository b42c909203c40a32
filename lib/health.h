/* SPDX-License-Identifier: Apache-2.0 */
/*
 * health — kube-proxy's proxy health (/healthz, /livez) as a small state
 * machine with the clock passed in, so every rule is tested without sleeping.
 *
 * Per IP family the daemon reports two events, as kube-proxy's proxier does:
 *   health_queued()   a change was queued for sync (a Service or EndpointSlice
 *                     event, a node change, the periodic sync). Only the
 *                     oldest pending one counts: later ones keep its time.
 *   health_updated()  a sync finished successfully; nothing is pending.
 * and once per node object health_set_node_eligible() (false while the Node is
 * being deleted or carries the ToBeDeletedByClusterAutoscaler taint).
 * health_set_api_rejected() marks that the API server refuses a request
 * kipvs needs (the proxy then cannot follow the cluster): /healthz answers
 * 503 until it accepts it again; /livez does not (a restart cannot help).
 * health_set_filter_down() does the same while the packet filter cannot be
 * programmed (no nf_tables, or a full pass could not bring kipvs's tables
 * in line): kube-proxy's /healthz fails when its rules cannot be written.
 *
 * A family is unhealthy when it has synced at least once, an update is
 * pending, and the oldest pending update is health_timeout or more old
 * (kube-proxy: 2 x syncPeriod). So the proxy counts as healthy while starting
 * up (before its first successful sync) and whenever it is fully synced.
 * The proxy is healthy when no family is unhealthy.
 *   /livez   200 when healthy, else 503.
 *   /healthz 200 when healthy and the node is eligible, else 503.
 * Both answer JSON shaped as kube-proxy's:
 *   {"lastUpdated": "2024-05-01 10:00:00.5 +0000 UTC","currentTime": "...", "nodeEligible": true}
 * (/livez has no nodeEligible). lastUpdated is the current time when the
 * answer is 200 (kube-proxy keeps that old meaning), otherwise the last
 * successful sync of the failing family (or the newest of all families);
 * Go's zero time when there was none. Times are UTC, formatted as Go's
 * time.Time String() (without the monotonic suffix).
 */
#ifndef KIPVS_HEALTH_H
#define KIPVS_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct health;

/* "Now", twice: the monotonic clock decides timeouts (immune to clock
 * steps), the wall clock is what the JSON reports. Nanoseconds. */
struct health_time {
	int64_t mono_ns;
	int64_t wall_ns;
};

enum health_endpoint {
	HEALTH_HEALTHZ,
	HEALTH_LIVEZ,
};

/* Body sizes never exceed this (two timestamps and a boolean). */
#define HEALTH_BODY_MAX 160

/* @timeout_ns > 0 (kube-proxy: 2 x syncPeriod). 0, -EINVAL or -ENOMEM. */
int health_create(int64_t timeout_ns, struct health **out) __attribute__((warn_unused_result));
void health_free(struct health *h);

/* @af: AF_INET or AF_INET6; other values are ignored. */
void health_queued(struct health *h, int af, const struct health_time *now);
void health_updated(struct health *h, int af, const struct health_time *now);
/* Starts true (kube-proxy assumes eligible until the Node says otherwise). */
void health_set_node_eligible(struct health *h, bool eligible);
bool health_node_eligible(const struct health *h);
void health_set_api_rejected(struct health *h, bool rejected);
void health_set_filter_down(struct health *h, bool down);

/* kube-proxy's IsHealthy(): the sync state only, ignoring the node. */
bool health_is_healthy(const struct health *h, const struct health_time *now);

/*
 * The answer of one endpoint at @now: returns the HTTP status (200 or 503)
 * and writes the JSON body (NUL-terminated) into @buf of @len bytes
 * (HEALTH_BODY_MAX is always enough).
 */
unsigned health_answer(const struct health *h, enum health_endpoint ep,
                       const struct health_time *now, char *buf, size_t len);

/* Reads both clocks (for callers; the state machine itself never does). */
struct health_time health_now(void);

/* Go's time.Time String() of a UTC wall time: "2024-05-01 10:00:00.5 +0000 UTC". */
const char *health_fmt_time(int64_t wall_ns, char *buf, size_t len);

#endif
