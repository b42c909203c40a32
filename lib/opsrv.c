/* SPDX-License-Identifier: Apache-2.0 */
#include "opsrv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "httpd.h"
#include "log.h"
#include "mono.h"

#define HEALTHZ_CTYPE "application/json"

struct server {
	struct httpd *h;
	const char *name;
	uint64_t seen[HTTPD_REJ__COUNT]; /* rejections already added to the metric */
};

struct opsrv {
	struct metrics *reg;
	struct health *health;
	struct opsrv_metrics m;
	struct httpd_config hc;
	char *healthz_bind;
	char *metrics_bind;
	bool shared; /* one server for both */
	struct server srv[2];
	unsigned nsrv;
	int hz_srv, mt_srv; /* index into srv[], -1 when off */
	int64_t last_event_mono;
};

static double api_event_age(void *ctx)
{
	const struct opsrv *o = ctx;

	return (double)(mono_ns() - o->last_event_mono) / 1e9;
}

static int register_all(struct opsrv *o, const char *version)
{
	/* kube-proxy: 1 ms x 2^n, 15 buckets (1 ms .. 16.384 s). */
	double sync_b[15];
	/* kube-proxy: 0.25 s, 0.5 s, then every second to 59 s, every 5 s to
	 * 115 s, every 30 s to 5 min. */
	double np_b[2 + 59 + 12 + 7];
	unsigned n = 0;
	struct opsrv_metrics *m = &o->m;
	int err = 0;

	for (unsigned i = 0; i < 15; i++)
		sync_b[i] = 0.001 * (double)(1u << i);
	np_b[n++] = 0.25;
	np_b[n++] = 0.5;
	for (unsigned i = 1; i <= 59; i++)
		np_b[n++] = i;
	for (unsigned i = 0; i < 12; i++)
		np_b[n++] = 60 + 5 * i;
	for (unsigned i = 0; i < 7; i++)
		np_b[n++] = 120 + 30 * i;

#define REG(field, ...)                                                                            \
	do {                                                                                       \
		if (!err)                                                                          \
			err = metrics_register(o->reg, &(struct metric_desc){ __VA_ARGS__ },       \
			                       &m->field);                                         \
	} while (0)
	REG(sync_duration, .name = "kubeproxy_sync_proxy_rules_duration_seconds",
	    .help = "SyncProxyRules latency in seconds", .type = METRIC_HISTOGRAM,
	    .buckets = sync_b, .nbuckets = 15);
	REG(sync_last, .name = "kubeproxy_sync_proxy_rules_last_timestamp_seconds",
	    .help = "The last time proxy rules were successfully synced", .type = METRIC_GAUGE);
	REG(sync_last_queued, .name = "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds",
	    .help = "The last time a sync of proxy rules was queued", .type = METRIC_GAUGE);
	REG(network_programming, .name = "kubeproxy_network_programming_duration_seconds",
	    .help = "In Cluster Network Programming Latency in seconds", .type = METRIC_HISTOGRAM,
	    .buckets = np_b, .nbuckets = n);
	REG(endpoint_changes_pending, .name = "kubeproxy_sync_proxy_rules_endpoint_changes_pending",
	    .help = "Pending proxy rules Endpoint changes", .type = METRIC_GAUGE);
	REG(endpoint_changes_total, .name = "kubeproxy_sync_proxy_rules_endpoint_changes_total",
	    .help = "Cumulative proxy rules Endpoint changes", .type = METRIC_COUNTER);
	REG(service_changes_pending, .name = "kubeproxy_sync_proxy_rules_service_changes_pending",
	    .help = "Pending proxy rules Service changes", .type = METRIC_GAUGE);
	REG(service_changes_total, .name = "kubeproxy_sync_proxy_rules_service_changes_total",
	    .help = "Cumulative proxy rules Service changes", .type = METRIC_COUNTER);
	/* A gauge despite its _total name, as in kube-proxy. */
	REG(no_local_endpoints, .name = "kubeproxy_sync_proxy_rules_no_local_endpoints_total",
	    .help = "Number of services with a Local traffic policy and no endpoints",
	    .type = METRIC_GAUGE, .labels = ML("traffic_policy"), .max_series = 4);
	REG(healthz_total, .name = "kubeproxy_proxy_healthz_total",
	    .help = "Cumulative proxy healthz HTTP status", .type = METRIC_COUNTER,
	    .labels = ML("code"), .max_series = 8);
	REG(livez_total, .name = "kubeproxy_proxy_livez_total",
	    .help = "Cumulative proxy livez HTTP status", .type = METRIC_COUNTER,
	    .labels = ML("code"), .max_series = 8);

	REG(virtual_servers, .name = "kipvs_virtual_servers",
	    .help = "IPVS virtual servers programmed by kipvs", .type = METRIC_GAUGE);
	REG(destinations, .name = "kipvs_destinations",
	    .help = "IPVS destinations programmed by kipvs, draining ones included",
	    .type = METRIC_GAUGE);
	REG(destinations_draining, .name = "kipvs_destinations_draining",
	    .help = "Destinations at weight 0 waiting for their connections to end",
	    .type = METRIC_GAUGE);
	REG(vs_without_destinations, .name = "kipvs_virtual_servers_without_destinations",
	    .help = "Virtual servers of a service port that have no destination",
	    .type = METRIC_GAUGE, .labels = ML("namespace", "name", "port"), .max_series = 10000);
	REG(kernel_write_errors, .name = "kipvs_kernel_write_errors_total",
	    .help = "IPVS and address writes the kernel refused, by errno", .type = METRIC_COUNTER,
	    .labels = ML("errno"), .max_series = 64);
	REG(watch_restarts, .name = "kipvs_watch_restarts_total",
	    .help = "API watch streams restarted, by resource", .type = METRIC_COUNTER,
	    .labels = ML("resource"), .max_series = 16);
	REG(watch_relists, .name = "kipvs_watch_relists_total",
	    .help = "Full relists from the API server, by resource", .type = METRIC_COUNTER,
	    .labels = ML("resource"), .max_series = 16);
	REG(api_rejected, .name = "kipvs_api_rejected_total",
	    .help = "API requests the server refused as malformed or unsupported (400, 404, "
	            "422, ...), by resource and status; /healthz fails while they last",
	    .type = METRIC_COUNTER, .labels = ML("resource", "code"), .max_series = 32);
	REG(api_event_age, .name = "kipvs_last_api_event_age_seconds",
	    .help = "Seconds since the last event from the API server (since start before the "
	            "first)",
	    .type = METRIC_GAUGE, .fn = api_event_age, .fn_ctx = o);
	REG(event_to_kernel, .name = "kipvs_event_to_kernel_seconds",
	    .help = "From a watch event reaching kipvs to the kernel's ack of the IPVS changes it "
	            "caused",
	    .type = METRIC_HISTOGRAM, .buckets = sync_b, .nbuckets = 15);
	REG(kube_ipvs0_addresses, .name = "kipvs_kube_ipvs0_addresses",
	    .help = "Service addresses bound on kube-ipvs0", .type = METRIC_GAUGE);
	REG(http_rejected, .name = "kipvs_http_rejected_total",
	    .help = "Clients of the health and metrics servers turned away, by reason",
	    .type = METRIC_COUNTER, .labels = ML("server", "reason"), .max_series = 32);
	REG(build_info, .name = "kipvs_build_info", .help = "kipvs build information",
	    .type = METRIC_GAUGE, .labels = ML("version"), .max_series = 1);
#undef REG
	if (!err)
		metric_set(m->build_info, ML(version ? version : "unknown"), 1);
	return err;
}

static bool empty(const char *s)
{
	return !s || !*s;
}

int opsrv_create(const struct opsrv_config *cfg, struct opsrv **out)
{
	struct sockaddr_storage a, b;
	socklen_t al, bl;
	struct opsrv *o;
	int err;

	*out = NULL;
	if ((!empty(cfg->healthz_bind) && httpd_parse_bind(cfg->healthz_bind, &a, &al)) ||
	    (!empty(cfg->metrics_bind) && httpd_parse_bind(cfg->metrics_bind, &b, &bl))) {
		log_err("opsrv_bad_address", "healthz=%s metrics=%s",
		        empty(cfg->healthz_bind) ? "-" : cfg->healthz_bind,
		        empty(cfg->metrics_bind) ? "-" : cfg->metrics_bind);
		return -EINVAL;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->hz_srv = o->mt_srv = -1;
	o->last_event_mono = mono_ns();
	o->hc = (struct httpd_config){ .conn_limit = cfg->conn_limit,
		                       .per_ip_limit = cfg->per_ip_limit,
		                       .timeout_s = cfg->timeout_s,
		                       .mem_limit = cfg->mem_limit,
		                       .log_interval_s = cfg->log_interval_s };
	o->shared = !empty(cfg->healthz_bind) && !empty(cfg->metrics_bind) && al == bl &&
	            !memcmp(&a, &b, al);
	if ((!empty(cfg->healthz_bind) && !(o->healthz_bind = strdup(cfg->healthz_bind))) ||
	    (!empty(cfg->metrics_bind) && !(o->metrics_bind = strdup(cfg->metrics_bind)))) {
		err = -ENOMEM;
		goto fail;
	}
	err = health_create(cfg->health_timeout_ns, &o->health);
	if (err)
		goto fail;
	err = metrics_create(&o->reg);
	if (err)
		goto fail;
	err = register_all(o, cfg->version);
	if (err)
		goto fail;
	*out = o;
	return 0;
fail:
	opsrv_free(o);
	return err;
}

static void answer_health(struct opsrv *o, enum health_endpoint ep, struct metric *counter,
                          struct httpd_reply *r)
{
	struct health_time now = health_now();
	char *body = malloc(HEALTH_BODY_MAX);

	if (!body) {
		r->status = 500;
		return;
	}
	r->status = health_answer(o->health, ep, &now, body, HEALTH_BODY_MAX);
	r->content_type = HEALTHZ_CTYPE;
	r->body = body;
	r->len = strlen(body);
	metric_inc(counter, ML(r->status == 200 ? "200" : "503"));
}

static void on_healthz(void *ctx, const char *path, struct httpd_reply *r)
{
	struct opsrv *o = ctx;

	answer_health(o, HEALTH_HEALTHZ, o->m.healthz_total, r);
}

static void on_livez(void *ctx, const char *path, struct httpd_reply *r)
{
	struct opsrv *o = ctx;

	answer_health(o, HEALTH_LIVEZ, o->m.livez_total, r);
}

/* The servers' rejection counters, folded into the registry at scrape time. */
static void collect_http(struct opsrv *o)
{
	struct httpd_stats st;

	for (unsigned i = 0; i < o->nsrv; i++) {
		httpd_get_stats(o->srv[i].h, &st);
		for (unsigned r = 0; r < HTTPD_REJ__COUNT; r++) {
			if (st.rejected[r] == o->srv[i].seen[r])
				continue;
			metric_add(o->m.http_rejected,
			           ML(o->srv[i].name, httpd_reject_name((enum httpd_reject)r)),
			           (double)(st.rejected[r] - o->srv[i].seen[r]));
			o->srv[i].seen[r] = st.rejected[r];
		}
	}
}

static void on_metrics(void *ctx, const char *path, struct httpd_reply *r)
{
	struct opsrv *o = ctx;
	size_t len = 0, cap = 0;
	char *buf = NULL;

	collect_http(o);
	if (metrics_render(o->reg, &buf, &len, &cap)) {
		free(buf);
		r->status = 500;
		return;
	}
	r->content_type = METRICS_CONTENT_TYPE;
	r->body = buf;
	r->len = len;
}

static int add_server(struct opsrv *o, struct ev_loop *loop, const char *name, const char *bind,
                      int *idx)
{
	struct httpd_config c = o->hc;
	struct server *s = &o->srv[o->nsrv];
	int err;

	c.name = name;
	c.bind = bind;
	err = httpd_start(loop, &c, &s->h);
	if (err)
		return err;
	s->name = name;
	*idx = (int)o->nsrv++;
	return 0;
}

int opsrv_start(struct opsrv *o, struct ev_loop *loop)
{
	int err = 0;

	if (o->nsrv)
		return -EALREADY;
	if (o->shared) {
		err = add_server(o, loop, "healthz+metrics", o->healthz_bind, &o->hz_srv);
		o->mt_srv = o->hz_srv;
	} else {
		if (o->healthz_bind)
			err = add_server(o, loop, "healthz", o->healthz_bind, &o->hz_srv);
		if (!err && o->metrics_bind)
			err = add_server(o, loop, "metrics", o->metrics_bind, &o->mt_srv);
	}
	if (!err && o->hz_srv >= 0) {
		struct httpd *h = o->srv[o->hz_srv].h;

		err = httpd_route(h, "/healthz", on_healthz, o);
		if (!err)
			err = httpd_route(h, "/livez", on_livez, o);
	}
	if (!err && o->mt_srv >= 0)
		err = httpd_route(o->srv[o->mt_srv].h, "/metrics", on_metrics, o);
	return err;
}

void opsrv_free(struct opsrv *o)
{
	if (!o)
		return;
	for (unsigned i = 0; i < o->nsrv; i++)
		httpd_stop(o->srv[i].h);
	metrics_free(o->reg);
	health_free(o->health);
	free(o->healthz_bind);
	free(o->metrics_bind);
	free(o);
}

struct opsrv_metrics *opsrv_metrics(struct opsrv *o)
{
	return &o->m;
}

struct metrics *opsrv_registry(struct opsrv *o)
{
	return o->reg;
}

struct health *opsrv_health(struct opsrv *o)
{
	return o->health;
}

uint16_t opsrv_healthz_port(const struct opsrv *o)
{
	return o->hz_srv >= 0 ? httpd_port(o->srv[o->hz_srv].h) : 0;
}

uint16_t opsrv_metrics_port(const struct opsrv *o)
{
	return o->mt_srv >= 0 ? httpd_port(o->srv[o->mt_srv].h) : 0;
}

void opsrv_sync_queued(struct opsrv *o, int af)
{
	struct health_time now = health_now();

	health_queued(o->health, af, &now);
	metric_set(o->m.sync_last_queued, NULL, (double)now.wall_ns / 1e9);
}

void opsrv_sync_done(struct opsrv *o, int af, double seconds)
{
	struct health_time now = health_now();

	health_updated(o->health, af, &now);
	metric_observe(o->m.sync_duration, NULL, seconds);
	metric_set(o->m.sync_last, NULL, (double)now.wall_ns / 1e9);
}

void opsrv_api_event(struct opsrv *o)
{
	o->last_event_mono = mono_ns();
}

void opsrv_kernel_error(struct opsrv *o, int err)
{
	const char *name = strerrorname_np(err < 0 ? -err : err);
	char buf[24];

	if (!name) {
		snprintf(buf, sizeof(buf), "errno_%d", err < 0 ? -err : err);
		name = buf;
	}
	metric_inc(o->m.kernel_write_errors, ML(name));
}
