/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_metrics — the daemon's Prometheus bookkeeping: turns what the passes
 * and the reflectors count (cumulative figures) into the metrics of the
 * health/metrics server (lib/opsrv.h): changes pending, programming
 * latency, kernel write errors by errno, watch restarts and relists, and the
 * figures over the whole wanted table. Every function accepts NULL (no
 * metrics server) and then does nothing.
 */
#ifndef KIPVS_SYNC_METRICS_H
#define KIPVS_SYNC_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "../../lib/kube/kube_client.h"
#include "../../lib/opsrv.h"
#include "sync_reconcile.h"

struct sync_metrics;

/* Registers kipvs's counters read from @rec at scrape time (kernel writes,
 * IPVS changes, failed passes). Both borrowed. 0 or -errno. */
int sync_metrics_new(struct opsrv *ops, struct sync_reconcile *rec, struct sync_metrics **out)
    __attribute__((warn_unused_result));
void sync_metrics_free(struct sync_metrics *m);

/* A Service changed / endpoints changed (@trigger_ms: the object's
 * last-change-trigger-time, 0 = none; counted for the programming latency
 * only when @measure). */
void sync_metrics_service_changed(struct sync_metrics *m);
void sync_metrics_endpoints_changed(struct sync_metrics *m, int64_t trigger_ms, bool measure);
/* Changes wait for a sync (kube-proxy's "queued"). */
void sync_metrics_queued(struct sync_metrics *m);
/* A pass wrote the kernel: what the reconciler and the reflectors of
 * @client (may be NULL) counted since the last call. */
void sync_metrics_pass_done(struct sync_metrics *m, const struct sync_reconcile_stats *st,
                            struct kube_client *client);
/* Figures over the whole wanted table, after a full pass. */
void sync_metrics_table(struct sync_metrics *m, const struct sync_desired *d);

#endif
