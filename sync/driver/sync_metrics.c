/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_metrics.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../sync_desired.h"

/* Slice trigger times kept between two passes, at most. */
#define MAX_TRIGGERS 65536

struct sync_metrics {
	struct opsrv *ops;
	struct sync_reconcile *rec;
	size_t svc_pending, ep_pending;
	int64_t *trigger_ms; /* EndpointSlice last-change-trigger-times since the last pass */
	size_t n_trigger, cap_trigger;
	/* what was already turned into metrics */
	uint64_t errno_seen[SYNC_ERRNO_MAX];
	uint64_t events_to_kernel_seen;
	unsigned long watches_seen[KUBE_RES_COUNT], relists_seen[KUBE_RES_COUNT];
	/* the packet filter's: labelled, so updated after each pass */
	struct metric *nft_txns, *nft_elems;
	uint64_t nft_ok_seen, nft_failed_seen;
};

static double rec_figure(void *ctx, size_t off)
{
	struct sync_metrics *m = ctx;
	struct sync_reconcile_stats st;

	sync_reconcile_stats(m->rec, &st);
	return (double)*(const uint64_t *)((const char *)&st + off);
}

static double kernel_writes(void *ctx)
{
	return rec_figure(ctx, offsetof(struct sync_reconcile_stats, kernel_writes));
}

static double ipvs_changes(void *ctx)
{
	return rec_figure(ctx, offsetof(struct sync_reconcile_stats, ipvs_changes));
}

static double failed_passes(void *ctx)
{
	return rec_figure(ctx, offsetof(struct sync_reconcile_stats, failed_passes));
}

static double nft_figure(void *ctx, size_t off)
{
	return rec_figure(ctx, offsetof(struct sync_reconcile_stats, nft) + off);
}

static double nft_available(void *ctx)
{
	struct sync_metrics *m = ctx;
	struct sync_reconcile_stats st;

	sync_reconcile_stats(m->rec, &st);
	return st.nft.available ? 1 : 0;
}

static double nft_elems_failed(void *ctx)
{
	return nft_figure(ctx, offsetof(struct sync_nft_stats, elems_failed));
}

static double nft_rebuilds(void *ctx)
{
	return nft_figure(ctx, offsetof(struct sync_nft_stats, rebuilds));
}

static double nft_last_txn(void *ctx)
{
	return nft_figure(ctx, offsetof(struct sync_nft_stats, last_txn_us)) / 1e6;
}

static double nft_full_txn(void *ctx)
{
	return nft_figure(ctx, offsetof(struct sync_nft_stats, last_full_txn_us)) / 1e6;
}

static double nft_full_elems(void *ctx)
{
	struct sync_metrics *m = ctx;
	struct sync_reconcile_stats st;

	sync_reconcile_stats(m->rec, &st);
	return (double)st.nft.last_full_elems;
}

int sync_metrics_new(struct opsrv *ops, struct sync_reconcile *rec, struct sync_metrics **out)
{
	struct sync_metrics *m = calloc(1, sizeof(*m));
	const struct metric_desc descs[] = {
		{ .name = "kipvs_kernel_writes_total",
		  .help = "Writes to the kernel: IPVS changes, kube-ipvs0 addresses and link.",
		  .type = METRIC_COUNTER,
		  .fn = kernel_writes,
		  .fn_ctx = m },
		{ .name = "kipvs_ipvs_changes_total",
		  .help = "IPVS changes sent to the kernel (added, edited, deleted).",
		  .type = METRIC_COUNTER,
		  .fn = ipvs_changes,
		  .fn_ctx = m },
		{ .name = "kipvs_sync_failures_total",
		  .help = "Sync passes that stopped on an error (their work is retried).",
		  .type = METRIC_COUNTER,
		  .fn = failed_passes,
		  .fn_ctx = m },
		{ .name = "kipvs_nft_available",
		  .help = "1 when nf_tables answers (the packet filter is programmed), else 0.",
		  .type = METRIC_GAUGE,
		  .fn = nft_available,
		  .fn_ctx = m },
		{ .name = "kipvs_nft_element_failures_total",
		  .help =
		      "Set elements the kernel refused (logged; retried by the next full pass).",
		  .type = METRIC_COUNTER,
		  .fn = nft_elems_failed,
		  .fn_ctx = m },
		{ .name = "kipvs_nft_rebuilds_total",
		  .help = "kipvs's nftables tables created or replaced whole (missing or drifted).",
		  .type = METRIC_COUNTER,
		  .fn = nft_rebuilds,
		  .fn_ctx = m },
		{ .name = "kipvs_nft_last_transaction_seconds",
		  .help =
		      "The last nftables transaction, from sending to the kernel's last answer.",
		  .type = METRIC_GAUGE,
		  .fn = nft_last_txn,
		  .fn_ctx = m },
		{ .name = "kipvs_nft_full_transaction_seconds",
		  .help = "The last full pass's nftables transaction (a cold start's: both tables "
		          "with every element), from sending to the kernel's last answer.",
		  .type = METRIC_GAUGE,
		  .fn = nft_full_txn,
		  .fn_ctx = m },
		{ .name = "kipvs_nft_full_transaction_elements",
		  .help = "Set elements the last full pass's nftables transaction sent.",
		  .type = METRIC_GAUGE,
		  .fn = nft_full_elems,
		  .fn_ctx = m },
	};
	const struct metric_desc txns = {
		.name = "kipvs_nft_transactions_total",
		.help = "nftables transactions sent, by result: ok, or failed (refused in part or "
		        "unanswered; what was refused is logged and left out of a resend)",
		.type = METRIC_COUNTER,
		.labels = (const char *const[]){ "result", NULL },
	};
	const struct metric_desc elems = {
		.name = "kipvs_nft_elements",
		.help = "Elements the packet filter wants in each set of kipvs's tables",
		.type = METRIC_GAUGE,
		.labels = (const char *const[]){ "family", "set", NULL },
	};
	int err = 0;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->ops = ops;
	m->rec = rec;
	for (size_t i = 0; !err && i < sizeof(descs) / sizeof(descs[0]); i++) {
		struct metric *x;

		err = metrics_register(opsrv_registry(ops), &descs[i], &x);
	}
	if (!err)
		err = metrics_register(opsrv_registry(ops), &txns, &m->nft_txns);
	if (!err)
		err = metrics_register(opsrv_registry(ops), &elems, &m->nft_elems);
	/* Both results exist from the start, at 0. */
	metric_add(m->nft_txns, ML("ok"), 0);
	metric_add(m->nft_txns, ML("failed"), 0);
	if (err) {
		free(m);
		return err;
	}
	*out = m;
	return 0;
}

void sync_metrics_free(struct sync_metrics *m)
{
	if (!m)
		return;
	free(m->trigger_ms);
	free(m);
}

void sync_metrics_service_changed(struct sync_metrics *m)
{
	if (!m)
		return;
	m->svc_pending++;
	metric_inc(opsrv_metrics(m->ops)->service_changes_total, NULL);
}

void sync_metrics_endpoints_changed(struct sync_metrics *m, int64_t trigger_ms, bool measure)
{
	if (!m)
		return;
	m->ep_pending++;
	metric_inc(opsrv_metrics(m->ops)->endpoint_changes_total, NULL);
	if (trigger_ms <= 0 || !measure)
		return;
	if (m->n_trigger == m->cap_trigger && m->cap_trigger < MAX_TRIGGERS) {
		size_t cap = m->cap_trigger ? m->cap_trigger * 2 : 64;
		int64_t *nv = realloc(m->trigger_ms, cap * sizeof(*nv));

		if (nv) {
			m->trigger_ms = nv;
			m->cap_trigger = cap;
		}
	}
	if (m->n_trigger < m->cap_trigger)
		m->trigger_ms[m->n_trigger++] = trigger_ms;
}

void sync_metrics_queued(struct sync_metrics *m)
{
	struct opsrv_metrics *x;

	if (!m)
		return;
	x = opsrv_metrics(m->ops);
	opsrv_sync_queued(m->ops, AF_INET);
	opsrv_sync_queued(m->ops, AF_INET6);
	metric_set(x->service_changes_pending, NULL, (double)m->svc_pending);
	metric_set(x->endpoint_changes_pending, NULL, (double)m->ep_pending);
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Watch restarts and relists the reflectors counted since the last call. */
static void reflector_metrics(struct sync_metrics *m, struct kube_client *client)
{
	struct opsrv_metrics *x = opsrv_metrics(m->ops);

	for (int r = 0; client && r < KUBE_RES_COUNT; r++) {
		struct kube_reflector *rf = kube_client_reflector(client, (enum kube_resource)r);
		struct kube_reflector_stats rs;
		const char *const *lv = ML(kube_resource_name((enum kube_resource)r));

		if (!rf)
			continue;
		kube_reflector_stats(rf, &rs);
		if (rs.watches > m->watches_seen[r]) {
			/* The first watch of a resource is a start, not a restart. */
			unsigned long from = m->watches_seen[r] ? m->watches_seen[r] : 1;

			if (rs.watches > from)
				metric_add(x->watch_restarts, lv, (double)(rs.watches - from));
			m->watches_seen[r] = rs.watches;
		}
		if (rs.relists > m->relists_seen[r]) {
			metric_add(x->watch_relists, lv, (double)(rs.relists - m->relists_seen[r]));
			m->relists_seen[r] = rs.relists;
		}
	}
}

/* The packet filter's labelled figures, from what the passes counted. */
static void nft_metrics(struct sync_metrics *m, const struct sync_nft_stats *n)
{
	if (n->txn_ok > m->nft_ok_seen)
		metric_add(m->nft_txns, ML("ok"), (double)(n->txn_ok - m->nft_ok_seen));
	if (n->txn_failed > m->nft_failed_seen)
		metric_add(m->nft_txns, ML("failed"), (double)(n->txn_failed - m->nft_failed_seen));
	m->nft_ok_seen = n->txn_ok;
	m->nft_failed_seen = n->txn_failed;
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		for (int s = 0; s < FSET_N; s++)
			metric_set(m->nft_elems, ML(fam ? "ip6" : "ip", sync_fset_name(s)),
			           (double)n->elems[fam][s]);
}

void sync_metrics_pass_done(struct sync_metrics *m, const struct sync_reconcile_stats *st,
                            struct kube_client *client)
{
	struct opsrv_metrics *x;
	double now = wall_s(), secs;

	if (!m)
		return;
	x = opsrv_metrics(m->ops);
	secs = (double)st->last_duration_us / 1e6;
	opsrv_sync_done(m->ops, AF_INET, secs);
	opsrv_sync_done(m->ops, AF_INET6, secs);
	metric_set(x->virtual_servers, NULL, (double)st->vs);
	/* Programmed: the wanted ones plus those draining at weight 0 (its HELP says so). */
	metric_set(x->destinations, NULL, (double)(st->dests + st->draining));
	metric_set(x->destinations_draining, NULL, (double)st->draining);
	metric_set(x->kube_ipvs0_addresses, NULL, (double)st->bound);
	m->svc_pending = m->ep_pending = 0;
	metric_set(x->service_changes_pending, NULL, 0);
	metric_set(x->endpoint_changes_pending, NULL, 0);
	for (int e = 1; e < SYNC_ERRNO_MAX; e++)
		for (; m->errno_seen[e] < st->last_errno_count[e]; m->errno_seen[e]++)
			opsrv_kernel_error(m->ops, e);
	if (st->events_to_kernel > m->events_to_kernel_seen) {
		m->events_to_kernel_seen = st->events_to_kernel;
		metric_observe(x->event_to_kernel, NULL, (double)st->last_event_to_kernel_us / 1e6);
	}
	/* Network programming latency: from the slice's trigger time to now. */
	for (size_t i = 0; i < m->n_trigger; i++) {
		double lat = now - (double)m->trigger_ms[i] / 1000.0;

		if (lat >= 0)
			metric_observe(x->network_programming, NULL, lat);
	}
	m->n_trigger = 0;
	reflector_metrics(m, client);
	nft_metrics(m, &st->nft);
}

/* A service port of one family, for counting each once. */
struct port_id {
	const char *service, *port_name;
	int af;
};

static int port_id_cmp(const void *a, const void *b)
{
	const struct port_id *x = a, *y = b;
	int c = strcmp(x->service, y->service);

	if (!c)
		c = strcmp(x->port_name, y->port_name);
	return c ? c : x->af - y->af;
}

/* A virtual server nothing can answer, by service and port. */
static void no_destinations(struct opsrv_metrics *x, const struct sync_origin *o,
                            const struct ipvs_vs *vs)
{
	const char *slash = strchr(o->service, '/');
	char ns[256], port[64];

	if (!slash)
		return;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - o->service), o->service);
	if (o->port_name && *o->port_name)
		snprintf(port, sizeof(port), "%s", o->port_name);
	else
		snprintf(port, sizeof(port), "%u", (unsigned)vs->svc.port);
	metric_set(x->vs_without_destinations, ML(ns, slash + 1, port), 1);
}

/*
 * Virtual servers nothing can answer, and kube-proxy's no_local_endpoints
 * count (service ports with a Local policy whose endpoints are all
 * elsewhere) per traffic policy: external ones once per service port and
 * family, however many VIPs and node addresses they have.
 */
void sync_metrics_table(struct sync_metrics *m, const struct sync_desired *d)
{
	struct opsrv_metrics *x;
	const struct sync_origin *o;
	const struct ipvs_vs *vs;
	struct port_id *ext = NULL;
	size_t pos = 0, n_ext = 0, internal = 0, external = 0;

	if (!m)
		return;
	x = opsrv_metrics(m->ops);
	ext = calloc(sync_desired_n_vs(d) + 1, sizeof(*ext));
	metric_clear(x->vs_without_destinations);
	while ((vs = sync_desired_next(d, &pos, &o))) {
		if (!o || !o->service)
			continue;
		if (o->no_local && o->kind == SYNC_VS_CLUSTER_IP)
			internal++;
		else if (o->no_local && ext)
			ext[n_ext++] =
			    (struct port_id){ o->service, o->port_name ? o->port_name : "",
				              vs->svc.addr.af };
		if (!vs->n_dests)
			no_destinations(x, o, vs);
	}
	if (n_ext)
		qsort(ext, n_ext, sizeof(*ext), port_id_cmp);
	for (size_t i = 0; i < n_ext; i++)
		external += i == 0 || port_id_cmp(&ext[i - 1], &ext[i]) != 0;
	free(ext);
	metric_set(x->no_local_endpoints, ML("internal"), (double)internal);
	metric_set(x->no_local_endpoints, ML("external"), (double)external);
}
