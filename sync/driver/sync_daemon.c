/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_daemon.h"

#include <errno.h>
#include <sys/socket.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../../ipvs/ipvs.h"
#include "../../ipvs/ksysctl.h"
#include "../../ipvs/netif.h"
#include "../../lib/kube/kube_client.h"
#include "../../lib/kube/kube_config.h"
#include "../../lib/kube/kube_http.h"
#include "../../lib/log.h"
#include "../../lib/mono.h"
#include "../../lib/opsrv.h"
#include "../../lib/version.h"
#include "../../lib/sdnotify.h"
#include "../sync_desired.h"
#include "sync_ctclean.h"
#include "sync_fetch.h"
#include "sync_hcnp.h"
#include "sync_kernel.h"
#include "sync_metrics.h"
#include "sync_nl.h"
#include "sync_reconcile.h"
#include "../sync_store.h"

/* Planned changes applied per loop turn during a full pass. */
#define FULL_CHUNK 2000
/* How long a failed pass waits before it is tried again. */
#define RETRY_S 1.0
/* How often draining destinations are re-checked. */
#define DRAIN_CHECK_S 5.0
/* How soon a full pass repairs kipvs's nftables tables when a pass found
 * them broken (a table or set gone, rules changed). */
#define FILTER_REPAIR_S 5.0

struct daemon {
	const struct kipvs_config *cfg;
	struct ev_loop *loop;
	struct ipvs_handle *ipvs;
	struct nft_handle *nft; /* NULL: no nf_tables (the filter waits for it) */
	struct netif *netif;
	struct netif_monitor *mon;
	struct kube_config *kcfg;
	struct kube_client *client;
	struct sync_store *store;
	struct sync_nl nl; /* the kernel, for the passes */
	struct sync_reconcile *rec;
	struct sync_ctclean *ct; /* NULL: no conntrack clean-up (tests only) */
	struct sync_kernel *kernel;
	struct sync_metrics *metrics; /* NULL without a metrics server */
	struct sdnotify *notify;
	struct opsrv *ops;      /* /healthz, /livez, /metrics */
	struct sync_hcnp *hcnp; /* health-check node ports */

	bool res_synced[KUBE_RES_COUNT];
	bool synced;      /* the API lists are complete: programming allowed */
	bool ready;       /* the first full pass is done */
	bool full_wanted; /* a full pass is due (timer, SIGHUP) */
	int exit_status;  /* non-zero: stopped on a failure */
	bool stopped;     /* by a signal */
	ev_tstamp last_sync;
	time_t last_sync_wall;

	ev_signal sig_term, sig_int, sig_hup;
	ev_prepare dirty_prepare; /* runs the dirty pass once per loop turn */
	ev_timer dirty_timer;     /* --ipvs-min-sync-period */
	ev_timer full_timer;      /* --ipvs-sync-period */
	ev_timer retry_timer;     /* a failed pass tries again */
	ev_check full_check;      /* applies a chunk of a full pass per turn */
	ev_idle full_idle;        /* keeps the loop turning while a full pass runs */
	ev_timer drain_timer;
	ev_timer watchdog;
	ev_io mon_io;
};

/* A lost notification is not fatal: systemd notices a missing READY or watchdog ping. */
static void notify(struct daemon *dm, const char *msg)
{
	int err = sdnotify_send(dm->notify, msg);

	if (err)
		log_debug("sdnotify_failed", "msg=%s err=%s", msg, strerror(-err));
}

static void fail(struct daemon *dm, const char *why, int err);

static void stored(struct daemon *dm, int err, const char *kind)
{
	/* Invalid objects are logged by the store; only running out of memory is
	 * left, and then the store no longer mirrors the cluster. */
	if (err == -ENOMEM) {
		log_err("store_failed", "kind=%s err=%s", kind, strerror(-err));
		fail(dm, "store", err);
	}
}

static void notify_status(struct daemon *dm)
{
	struct sync_reconcile_stats st;
	struct sync_store_stats ss;
	char when[32] = "never";
	struct tm tm;

	if (!sdnotify_enabled(dm->notify))
		return;
	sync_reconcile_stats(dm->rec, &st);
	sync_store_stats(dm->store, &ss);
	if (dm->last_sync_wall && gmtime_r(&dm->last_sync_wall, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	{
		char msg[256];

		snprintf(msg, sizeof(msg),
		         "STATUS=services=%zu virtual-servers=%zu destinations=%zu bound=%zu "
		         "draining=%zu last-sync=%s",
		         ss.services, st.vs, st.dests, st.bound, st.draining, when);
		notify(dm, msg);
	}
}

/* A change is waiting for a sync (kube-proxy's "queued" for health and metrics). */
static void queued(struct daemon *dm)
{
	sync_metrics_queued(dm->metrics);
}

/*
 * Stops the daemon on a failure it cannot work around (the store lost an
 * object): kipvs exits non-zero and its supervisor starts it again, which
 * relists everything. The kernel table is left as it is.
 */
static void fail(struct daemon *dm, const char *why, int err)
{
	log_err("fatal", "reason=%s err=%s kernel-table=left-as-is", why, strerror(-err));
	dm->exit_status = 1;
	ev_break(dm->loop, EVBREAK_ALL);
}

static void retry_later(struct daemon *dm, bool full);

/* The packet filter after a pass: /healthz fails while it cannot be
 * programmed; a broken table gets a full pass soon. */
static void filter_check(struct daemon *dm, bool full_done)
{
	struct sync_reconcile_stats st;
	bool repair = sync_reconcile_full_wanted(dm->rec);

	sync_reconcile_stats(dm->rec, &st);
	if (dm->ops && (full_done || !st.nft.available))
		health_set_filter_down(opsrv_health(dm->ops), !st.nft.available || repair);
	if (repair && st.nft.available && !ev_is_active(&dm->retry_timer)) {
		dm->full_wanted = true;
		ev_timer_set(&dm->retry_timer, FILTER_REPAIR_S, 0.);
		ev_timer_start(dm->loop, &dm->retry_timer);
	}
}

/*
 * The health-check node ports follow the store after every pass that
 * applied it, as kube-proxy's SyncServices/SyncEndpoints follow each sync:
 * servers open and close with their Services, counts change in place, and a
 * port that could not be opened is tried again.
 */
static void health_ports(struct daemon *dm)
{
	const struct kipvs_config *cfg = dm->cfg;
	const struct sync_node *node = sync_reconcile_node(dm->rec);
	struct sync_health_port *p = NULL;
	bool narrowed = cfg->nodeport_primary;
	size_t n = 0;
	int err;

	/* kube-proxy listens on the wildcard unless nodePortAddresses selects
	 * addresses (a /0 CIDR selects them all). */
	for (size_t i = 0; i < cfg->n_nodeport_cidrs; i++)
		narrowed |= cfg->nodeport_cidrs[i].plen != 0;
	err = sync_hcnp_set_addrs(dm->hcnp, narrowed ? node->node_addrs : NULL,
	                          narrowed ? node->n_node_addrs : 0);
	if (!err)
		err = sync_desired_health_ports(dm->store, node, &p, &n);
	if (!err)
		err = sync_hcnp_sync(dm->hcnp, p, n, NULL);
	free(p);
	if (err)
		log_warn("health_check_sync_failed", "err=%s retry=next-pass", strerror(-err));
}

static void after_pass(struct daemon *dm)
{
	struct sync_reconcile_stats st;

	dm->last_sync = ev_now(dm->loop);
	dm->last_sync_wall = time(NULL);
	sync_reconcile_stats(dm->rec, &st);
	sync_metrics_pass_done(dm->metrics, &st, dm->client);
	notify_status(dm);
}

static void drain_arm(struct daemon *dm);

/* --- the full pass ------------------------------------------------------------------ */

static void full_finished(struct daemon *dm)
{
	ev_check_stop(dm->loop, &dm->full_check);
	ev_idle_stop(dm->loop, &dm->full_idle);
	if (!dm->ready) {
		dm->ready = true;
		notify(dm, "READY=1");
		log_info("ready", "first_full_sync=done");
	}
	after_pass(dm);
	filter_check(dm, true);
	health_ports(dm);
	sync_metrics_table(dm->metrics, sync_reconcile_desired(dm->rec));
	drain_arm(dm);
	/* Events that came during the pass. */
	if (sync_reconcile_pending(dm->rec))
		ev_prepare_start(dm->loop, &dm->dirty_prepare);
}

/* A pass failed (the reconciler logged and counted it and kept its work):
 * try again soon, not at once, so a broken kernel is not hammered. */
static void retry_later(struct daemon *dm, bool full)
{
	if (full)
		dm->full_wanted = true;
	if (!ev_is_active(&dm->retry_timer)) {
		ev_timer_set(&dm->retry_timer, RETRY_S, 0.);
		ev_timer_start(dm->loop, &dm->retry_timer);
	}
}

static void full_step(struct daemon *dm)
{
	bool more = false;
	int err = sync_reconcile_full_step(dm->rec, FULL_CHUNK, &more);

	if (more)
		return;
	if (err) {
		ev_check_stop(dm->loop, &dm->full_check);
		ev_idle_stop(dm->loop, &dm->full_idle);
		retry_later(dm, true);
		return;
	}
	full_finished(dm);
}

static void start_full(struct daemon *dm)
{
	if (!dm->synced || sync_reconcile_full_pending(dm->rec))
		return;
	dm->full_wanted = false;
	if (dm->kernel) {
		int failed = 0;

		(void)sync_kernel_apply(dm->kernel, &failed);
	}
	if (sync_reconcile_full_begin(dm->rec, mono_ms(), !dm->ready)) {
		retry_later(dm, true);
		return;
	}
	full_step(dm);
	if (sync_reconcile_full_pending(dm->rec)) {
		/* Big: a chunk per loop turn, so watch traffic keeps flowing. */
		ev_check_start(dm->loop, &dm->full_check);
		ev_idle_start(dm->loop, &dm->full_idle);
	}
}

static void full_check_cb(struct ev_loop *loop, ev_check *w, int revents)
{
	(void)loop;
	(void)revents;
	full_step(w->data);
}

static void full_idle_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	/* Nothing: an active idle watcher only keeps the loop from blocking. */
	(void)loop;
	(void)w;
	(void)revents;
}

static void full_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	start_full(w->data);
}

/* --- dirty passes ------------------------------------------------------------------- */

static void run_dirty(struct daemon *dm)
{
	size_t sent = 0;

	if (!dm->ready || sync_reconcile_full_pending(dm->rec))
		return;
	if (sync_reconcile_dirty(dm->rec, mono_ms(), &sent)) {
		retry_later(dm, false);
		return;
	}
	/* Even when IPVS did not change: a health-check port or a count can. */
	health_ports(dm);
	if (sent) {
		after_pass(dm);
		drain_arm(dm);
	}
	filter_check(dm, false);
}

static void retry_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *dm = w->data;

	(void)loop;
	(void)revents;
	if (dm->full_wanted)
		start_full(dm);
	else
		run_dirty(dm);
}

static void dirty_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct daemon *dm = w->data;
	double min = (double)dm->cfg->min_sync_period_ms / 1000.0;
	double since = ev_now(loop) - dm->last_sync;

	(void)revents;
	ev_prepare_stop(loop, w);
	if (min > 0 && since < min) {
		if (!ev_is_active(&dm->dirty_timer)) {
			ev_timer_set(&dm->dirty_timer, min - since, 0.);
			ev_timer_start(loop, &dm->dirty_timer);
		}
		return;
	}
	run_dirty(dm);
}

static void dirty_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	run_dirty(w->data);
}

static void schedule(struct daemon *dm)
{
	if (dm->ops)
		opsrv_api_event(dm->ops);
	if (!sync_store_n_dirty(dm->store))
		return;
	queued(dm);
	if (dm->ready)
		ev_prepare_start(dm->loop, &dm->dirty_prepare);
}

/* Starts the event-to-kernel clock at the arrival of @res's watch event. */
static void note_event(struct daemon *dm, enum kube_resource res)
{
	struct kube_reflector *rf = kube_client_reflector(dm->client, res);

	/* An event that left nothing to program (a headless slice, an
	 * unchanged object) starts no clock. */
	if (rf && dm->ready && sync_store_n_dirty(dm->store))
		sync_reconcile_note_event(dm->rec, kube_reflector_event_rx_us(rf));
}

static void service_changed(struct daemon *dm)
{
	note_event(dm, KUBE_RES_SERVICES);
	sync_metrics_service_changed(dm->metrics);
	schedule(dm);
}

static void endpoints_changed(struct daemon *dm, enum kube_resource res, int64_t trigger_ms)
{
	note_event(dm, res);
	/* Only changes made after we synced measure programming latency. */
	sync_metrics_endpoints_changed(dm->metrics, trigger_ms, dm->ready);
	schedule(dm);
}

/* --- graceful termination ----------------------------------------------------------- */

/*
 * Draining destinations are re-read every DRAIN_CHECK_S, or sooner when one
 * reaches its graceful timeout, so --ipvs-graceful-timeout is kept to the
 * loop's precision rather than the re-check period.
 */
static void drain_arm(struct daemon *dm)
{
	uint64_t dl = sync_reconcile_drain_deadline(dm->rec), now = mono_ms();
	double in = DRAIN_CHECK_S;

	if (dl != UINT64_MAX) {
		double until = dl > now ? (double)(dl - now) / 1000.0 : 0.0;

		if (until < in)
			in = until + 0.01;
	}
	ev_timer_stop(dm->loop, &dm->drain_timer);
	ev_timer_set(&dm->drain_timer, in, 0.);
	ev_timer_start(dm->loop, &dm->drain_timer);
}

static void drain_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *dm = w->data;
	size_t sent = 0;

	(void)loop;
	(void)revents;
	if (dm->ready && sync_reconcile_drain(dm->rec, mono_ms(), &sent))
		retry_later(dm, false); /* its virtual servers wait in the dirty queue */
	else if (sent)
		after_pass(dm);
	drain_arm(dm);
}

/* --- node addresses ----------------------------------------------------------------- */

static void mon_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *dm = w->data;
	int n = netif_monitor_drain(dm->mon);

	(void)loop;
	(void)revents;
	if (n == 0)
		return;
	/* -ENOBUFS: notifications were lost; re-reading is the answer either way. */
	bool changed = false;
	int err = sync_reconcile_refresh_node(dm->rec, &changed);

	if (err)
		log_warn("node_addresses_failed", "err=%s", strerror(-err));
	else if (changed)
		schedule(dm);
}

/* --- API events ---------------------------------------------------------------------- */

static void on_service_upsert(void *ctx, struct kube_service *svc)
{
	struct daemon *dm = ctx;

	stored(dm, sync_store_upsert_service(dm->store, svc), "Service");
	service_changed(dm);
}

static void on_service_delete(void *ctx, const char *ns, const char *name)
{
	struct daemon *dm = ctx;

	sync_store_delete_service(dm->store, ns, name);
	service_changed(dm);
}

static void on_slice_upsert(void *ctx, struct kube_endpoint_slice *sl)
{
	struct daemon *dm = ctx;
	int64_t trigger = sl->trigger_time_ms;

	stored(dm, sync_store_upsert_slice(dm->store, sl), "EndpointSlice");
	endpoints_changed(dm, KUBE_RES_ENDPOINTSLICES, trigger);
}

static void on_slice_delete(void *ctx, const char *ns, const char *name)
{
	struct daemon *dm = ctx;

	sync_store_delete_slice(dm->store, ns, name);
	endpoints_changed(dm, KUBE_RES_ENDPOINTSLICES, 0);
}

static void on_endpoints_upsert(void *ctx, struct kube_endpoints *ep)
{
	struct daemon *dm = ctx;
	int64_t trigger = ep->trigger_time_ms;

	stored(dm, sync_store_upsert_endpoints(dm->store, ep), "Endpoints");
	endpoints_changed(dm, KUBE_RES_ENDPOINTS, trigger);
}

static void on_endpoints_delete(void *ctx, const char *ns, const char *name)
{
	struct daemon *dm = ctx;

	sync_store_delete_endpoints(dm->store, ns, name);
	endpoints_changed(dm, KUBE_RES_ENDPOINTS, 0);
}

static void on_node_upsert(void *ctx, struct kube_node *node)
{
	struct daemon *dm = ctx;

	bool changed = false, rules = false;
	int err = sync_reconcile_set_zone(dm->rec, node->zone, &changed);

	if (err)
		fail(dm, "node-zone", err);
	else if (changed)
		schedule(dm);
	/* --detect-local-mode=NodeCIDR: the filter's rules follow the Node. */
	if (sync_reconcile_set_pod_cidrs(dm->rec, node->pod_cidrs, node->n_pod_cidrs, &rules))
		log_warn("node_pod_cidrs_failed", "node=%s", node->meta.name);
	else if (rules && dm->ready)
		filter_check(dm, false);
	if (dm->ops) {
		bool eligible = !node->deleting && !node->autoscaler_taint;

		health_set_node_eligible(opsrv_health(dm->ops), eligible);
		if (!eligible)
			log_info("node_going_away", "node=%s deleting=%s autoscaler_taint=%s",
			         node->meta.name, node->deleting ? "yes" : "no",
			         node->autoscaler_taint ? "yes" : "no");
	}
	kube_node_free(node);
}

static void on_node_delete(void *ctx, const char *name)
{
	(void)ctx;
	log_warn("node_deleted", "node=%s", name);
}

/* The API server refuses a request kipvs needs: counted, and /healthz
 * fails until every request is accepted again (the client logged it). */
static void on_api_rejected(void *ctx, enum kube_resource res, bool active, long status)
{
	struct daemon *dm = ctx;
	char code[16];

	if (!dm->ops)
		return;
	if (active) {
		snprintf(code, sizeof(code), "%ld", status);
		metric_inc(opsrv_metrics(dm->ops)->api_rejected, ML(kube_resource_name(res), code));
	}
	health_set_api_rejected(opsrv_health(dm->ops), active || kube_client_rejected(dm->client));
}

/* A request to the API server failed (the client logged it): counted. */
static void on_api_failed(void *ctx, const char *what, const struct kube_http_result *res)
{
	struct daemon *dm = ctx;
	char code[16];

	if (dm->ops)
		metric_inc(opsrv_metrics(dm->ops)->api_failures,
		           ML(what, kube_http_failure_code(res, code, sizeof(code))));
}

static void on_all_synced(void *ctx)
{
	struct daemon *dm = ctx;
	struct sync_store_stats ss;

	sync_store_stats(dm->store, &ss);
	log_info("api_synced", "services=%zu slices=%zu endpoints=%zu", ss.services, ss.slices,
	         ss.endpoints_objs);
	dm->synced = true;
	start_full(dm);
}

/* --- signals, watchdog ------------------------------------------------------------------ */

static void stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *dm = w->data;

	(void)revents;
	log_info("stopping", "signal=%d kernel-table=left-as-is", w->signum);
	dm->stopped = true;
	notify(dm, "STOPPING=1");
	ev_break(loop, EVBREAK_ALL);
}

static void hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *dm = w->data;

	(void)loop;
	(void)revents;
	log_info("resync", "reason=SIGHUP");
	start_full(dm);
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *dm = w->data;

	(void)loop;
	(void)revents;
	notify(dm, "WATCHDOG=1");
}

/* --- setup ------------------------------------------------------------------------------ */

static char *node_name(const struct kipvs_config *cfg)
{
	char host[256];

	if (cfg->hostname_override && *cfg->hostname_override)
		return strdup(cfg->hostname_override);
	if (gethostname(host, sizeof(host)) < 0)
		return NULL;
	host[sizeof(host) - 1] = '\0';
	/* kube-proxy lowercases the host name as the kubelet does. */
	for (char *p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return strdup(host);
}

/* kube-proxy's IsHealthy() for the health-check node ports. */
static bool proxy_healthy(void *ctx)
{
	struct daemon *dm = ctx;
	struct health_time now = health_now();

	return health_is_healthy(opsrv_health(dm->ops), &now);
}

static int setup(struct daemon *dm, const struct kipvs_config *cfg, struct kipvs_config *eff,
                 const struct sync_daemon_tuning *tuning)
{
	struct kube_config_opts ko = { cfg->kubeconfig, cfg->context, cfg->master, NULL };
	struct kube_client_opts co = { 0 };
	struct kube_client_cbs cbs = {
		.service_upsert = on_service_upsert,
		.service_delete = on_service_delete,
		.slice_upsert = on_slice_upsert,
		.slice_delete = on_slice_delete,
		.endpoints_upsert = on_endpoints_upsert,
		.endpoints_delete = on_endpoints_delete,
		.node_upsert = on_node_upsert,
		.node_delete = on_node_delete,
		.all_synced = on_all_synced,
		.rejected = on_api_rejected,
		.request_failed = on_api_failed,
	};
	struct sync_reconcile_opts ro = { 0 };
	struct sync_kernel_env kenv = { 0 };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int err;

	err = ipvs_open(&dm->ipvs);
	if (err) {
		char why[200];

		log_err("ipvs_unavailable", "reason=%s",
		        log_quote(ipvs_strerror(err), why, sizeof(why)));
		return err;
	}
	/* Without nf_tables IPVS is still programmed: the passes say so once. */
	if (nft_open(&dm->nft))
		dm->nft = NULL;
	err = netif_open(&dm->netif);
	if (!err)
		err = netif_monitor_open(&dm->mon);
	if (err) {
		log_err("rtnetlink_unavailable", "err=%s", strerror(-err));
		return err;
	}
	err = kube_config_load(&ko, &dm->kcfg);
	if (err)
		return err; /* kube_config logs which file and field */
	err = sync_store_new(&dm->store);
	if (err)
		return err;
	dm->nl.ipvs = dm->ipvs;
	dm->nl.netif = dm->netif;
	dm->nl.nft = dm->nft;
	ro.cfg = eff;
	ro.ops = &sync_nl_ops;
	ro.be = &dm->nl;
	ro.store = dm->store;
	err = sync_reconcile_new(&ro, &dm->rec);
	if (err)
		return err;
	kenv.ncpu = ncpu > 0 ? (unsigned)ncpu : 1;
	if (kernel_version(&kenv.kernel_major, &kenv.kernel_minor) == 0) {
		err = sync_kernel_new(cfg, &kenv, &dm->kernel);
		if (err)
			return err;
	}
	{
		struct opsrv_config oc = {
			.healthz_bind = cfg->healthz_bind_address,
			.metrics_bind = cfg->metrics_bind_address,
			.health_timeout_ns = (int64_t)cfg->sync_period_ms * 2 * 1000000,
			.version = KIPVS_VERSION,
		};

		if (oc.health_timeout_ns <= 0)
			oc.health_timeout_ns = 60LL * 1000000000;
		err = opsrv_create(&oc, &dm->ops);
		if (!err && dm->ops && opsrv_registry(dm->ops))
			err = sync_metrics_new(dm->ops, dm->rec, &dm->metrics);
		if (!err) {
			struct sync_hcnp_opts ho = { .loop = dm->loop,
				                     .reg = opsrv_registry(dm->ops),
				                     .healthy = proxy_healthy,
				                     .healthy_ctx = dm };

			err = sync_hcnp_new(&ho, &dm->hcnp);
		}
		if (!err)
			err = opsrv_start(dm->ops, dm->loop);
		if (err) {
			log_err("ops_server_failed", "healthz=%s metrics=%s err=%s",
			        cfg->healthz_bind_address ? cfg->healthz_bind_address : "-",
			        cfg->metrics_bind_address ? cfg->metrics_bind_address : "-",
			        strerror(-err));
			return err;
		}
	}
	if (!tuning || !tuning->no_conntrack_cleanup) {
		err = sync_ctclean_new(dm->loop, dm->ops ? opsrv_registry(dm->ops) : NULL, &dm->ct);
		if (err)
			return err;
		dm->nl.ct = dm->ct;
	} else {
		log_warn("conntrack_cleanup_off", "reason=test-tuning");
	}
	err = sdnotify_open(&dm->notify);
	if (err)
		log_warn("sdnotify_invalid", "err=%s", strerror(-err));
	co.endpoints_api = sync_endpoints_api(cfg->endpoints_api);
	co.node_name = eff->hostname_override;
	co.node_optional = cfg->node_zone != NULL; /* the Node is then only for eligibility */
	err = kube_client_new(dm->loop, dm->kcfg, &co, &cbs, dm, &dm->client);
	if (!err)
		err = kube_client_start(dm->client);
	return err;
}

static void teardown(struct daemon *dm)
{
	kube_client_free(dm->client);
	sync_metrics_free(dm->metrics);
	sync_ctclean_free(dm->ct);
	sync_reconcile_free(dm->rec);
	sync_store_free(dm->store);
	sync_kernel_free(dm->kernel);
	kube_config_free(dm->kcfg);
	netif_monitor_close(dm->mon);
	netif_close(dm->netif);
	nft_close(dm->nft);
	ipvs_close(dm->ipvs);
	sdnotify_close(dm->notify);
	sync_hcnp_free(dm->hcnp); /* before the registry that holds its metrics */
	opsrv_free(dm->ops);
}

int sync_daemon_run(const struct kipvs_config *cfg)
{
	return sync_daemon_run_tuned(cfg, NULL);
}

int sync_daemon_run_tuned(const struct kipvs_config *cfg, const struct sync_daemon_tuning *t)
{
	struct daemon dm = { .cfg = cfg, .exit_status = 0 };
	struct kipvs_config eff = *cfg;
	char *name = node_name(cfg);
	uint64_t wd;
	int err;

	if (!name)
		return 1;
	/* The node name is needed by the rules and the Node watch. */
	eff.hostname_override = name;
	dm.loop = ev_default_loop(EVFLAG_AUTO);
	if (!dm.loop) {
		free(name);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	log_info("start", "node=%s scheduler=%s sync_period_ms=%llu min_sync_period_ms=%llu", name,
	         cfg->scheduler, (unsigned long long)cfg->sync_period_ms,
	         (unsigned long long)cfg->min_sync_period_ms);
	err = setup(&dm, cfg, &eff, t);
	if (err) {
		teardown(&dm);
		free(name);
		return 1;
	}
	ev_signal_init(&dm.sig_term, stop_cb, SIGTERM);
	ev_signal_init(&dm.sig_int, stop_cb, SIGINT);
	ev_signal_init(&dm.sig_hup, hup_cb, SIGHUP);
	ev_prepare_init(&dm.dirty_prepare, dirty_prepare_cb);
	ev_init(&dm.dirty_timer, dirty_timer_cb);
	ev_init(&dm.retry_timer, retry_timer_cb);
	ev_timer_init(&dm.full_timer, full_timer_cb, (double)cfg->sync_period_ms / 1000.0,
	              (double)cfg->sync_period_ms / 1000.0);
	ev_check_init(&dm.full_check, full_check_cb);
	ev_idle_init(&dm.full_idle, full_idle_cb);
	ev_timer_init(&dm.drain_timer, drain_timer_cb, DRAIN_CHECK_S, 0.);
	ev_io_init(&dm.mon_io, mon_cb, netif_monitor_fd(dm.mon), EV_READ);
	dm.sig_term.data = dm.sig_int.data = dm.sig_hup.data = &dm;
	dm.dirty_prepare.data = dm.dirty_timer.data = dm.full_timer.data = &dm;
	dm.retry_timer.data = &dm;
	dm.full_check.data = dm.full_idle.data = dm.drain_timer.data = &dm;
	dm.mon_io.data = dm.watchdog.data = &dm;
	ev_signal_start(dm.loop, &dm.sig_term);
	ev_signal_start(dm.loop, &dm.sig_int);
	ev_signal_start(dm.loop, &dm.sig_hup);
	if (cfg->sync_period_ms)
		ev_timer_start(dm.loop, &dm.full_timer);
	ev_timer_start(dm.loop, &dm.drain_timer);
	ev_io_start(dm.loop, &dm.mon_io);
	wd = sdnotify_watchdog_usec(dm.notify);
	if (wd) {
		/* Ping at half the interval, from the loop itself: a stuck loop stops pinging. */
		ev_timer_init(&dm.watchdog, watchdog_cb, 0., (double)wd / 2e6);
		ev_timer_start(dm.loop, &dm.watchdog);
	}
	ev_run(dm.loop, 0);
	if (!dm.stopped && !dm.exit_status) {
		/* Nothing left to wait for: not a way a daemon should end. */
		log_err("fatal", "reason=event-loop-ended kernel-table=left-as-is");
		dm.exit_status = 1;
	}
	teardown(&dm);
	ev_loop_destroy(dm.loop);
	free(name);
	return dm.exit_status;
}
