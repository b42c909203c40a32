/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "../../lib/opsrv.h"

#define SEC 1000000000LL

static struct opsrv *mk(const char *hz, const char *mt)
{
	struct opsrv_config cfg = { .healthz_bind = hz,
		                    .metrics_bind = mt,
		                    .health_timeout_ns = 60 * SEC,
		                    .version = "9.8.7" };
	struct opsrv *o;

	assert_int_equal(opsrv_create(&cfg, &o), 0);
	return o;
}

static char *render(struct opsrv *o)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	assert_int_equal(metrics_render(opsrv_registry(o), &buf, &len, &cap), 0);
	return buf;
}

/* The names and types dashboards and alerts rely on. */
static void registers_every_metric(void **state)
{
	static const char *const want[] = {
		"# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram\n",
		"# TYPE kubeproxy_sync_proxy_rules_last_timestamp_seconds gauge\n",
		"# TYPE kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds gauge\n",
		"# TYPE kubeproxy_network_programming_duration_seconds histogram\n",
		"# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_pending gauge\n",
		"# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_total counter\n",
		"# TYPE kubeproxy_sync_proxy_rules_service_changes_pending gauge\n",
		"# TYPE kubeproxy_sync_proxy_rules_service_changes_total counter\n",
		"# TYPE kipvs_virtual_servers gauge\n",
		"# TYPE kipvs_destinations gauge\n",
		"# TYPE kipvs_destinations_draining gauge\n",
		"# TYPE kipvs_last_api_event_age_seconds gauge\n",
		"# TYPE kipvs_kube_ipvs0_addresses gauge\n",
		"# TYPE kipvs_event_to_kernel_seconds histogram\n",
		"kipvs_event_to_kernel_seconds_bucket{le=\"0.001\"} 0\n",
		"kipvs_build_info{version=\"9.8.7\"} 1\n",
		"kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.001\"} 0\n"
		"kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.002\"} 0\n",
		"kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"16.384\"} 0\n"
		"kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"+Inf\"} 0\n",
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"0.25\"} 0\n"
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"0.5\"} 0\n"
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"1\"} 0\n",
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"59\"} 0\n"
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"60\"} 0\n"
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"65\"} 0\n",
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"115\"} 0\n"
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"120\"} 0\n"
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"150\"} 0\n",
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"300\"} 0\n"
		"kubeproxy_network_programming_duration_seconds_bucket{le=\"+Inf\"} 0\n",
	};
	struct opsrv *o = mk(NULL, NULL);
	struct opsrv_metrics *m = opsrv_metrics(o);
	char *text;

	text = render(o);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("missing: %s", want[i]);
	/* 15 sync buckets, 80 network-programming buckets, each plus +Inf. */
	{
		int sync = 0, np = 0;

		for (const char *p = text; (p = strstr(p, "duration_seconds_bucket{")); p++) {
			if (!strncmp(p - strlen("kubeproxy_sync_proxy_rules_"),
			             "kubeproxy_sync_proxy_rules_", 27))
				sync++;
			else
				np++;
		}
		assert_int_equal(sync, 16);
		assert_int_equal(np, 81);
	}
	free(text);

	/* The labelled ones appear with their first label set. */
	metric_set(m->no_local_endpoints, ML("internal"), 2);
	metric_set(m->vs_without_destinations, ML("shop", "web", "http"), 3);
	metric_inc(m->watch_restarts, ML("endpointslices"));
	metric_inc(m->watch_relists, ML("services"));
	metric_inc(m->api_failures, ML("services", "429"));
	metric_set(m->virtual_servers, NULL, 12);
	text = render(o);
	assert_non_null(strstr(text, "# TYPE kubeproxy_sync_proxy_rules_no_local_endpoints_total "
	                             "gauge\nkubeproxy_sync_proxy_rules_no_local_endpoints_total{"
	                             "traffic_policy=\"internal\"} 2\n"));
	assert_non_null(strstr(text,
	                       "kipvs_virtual_servers_without_destinations{namespace=\"shop\","
	                       "name=\"web\",port=\"http\"} 3\n"));
	assert_non_null(
	    strstr(text, "kipvs_watch_restarts_total{resource=\"endpointslices\"} 1\n"));
	assert_non_null(strstr(text, "kipvs_watch_relists_total{resource=\"services\"} 1\n"));
	assert_non_null(strstr(text, "kipvs_api_request_failures_total{resource=\"services\","
	                             "code=\"429\"} 1\n"));
	assert_non_null(strstr(text, "\nkipvs_virtual_servers 12\n"));
	free(text);
	opsrv_free(o);
}

static void sync_helpers_feed_health_and_metrics(void **state)
{
	struct opsrv *o = mk(NULL, NULL);
	struct opsrv_metrics *m = opsrv_metrics(o);
	struct health_time now = health_now();
	double v, wall = (double)now.wall_ns / 1e9;

	opsrv_sync_queued(o, AF_INET);
	assert_int_equal(metric_get(m->sync_last_queued, NULL, &v), 0);
	assert_true(v >= wall - 1 && v <= wall + 5);
	assert_int_equal(metric_get(m->sync_last, NULL, &v), 0);
	assert_true(v == 0);
	opsrv_sync_done(o, AF_INET, 0.0123);
	assert_int_equal(metric_get(m->sync_last, NULL, &v), 0);
	assert_true(v >= wall - 1 && v <= wall + 5);
	assert_int_equal(metric_get(m->sync_duration, NULL, &v), 0);
	assert_true(v == 1);
	/* Synced, then queued again and left pending past the timeout: unhealthy. */
	opsrv_sync_queued(o, AF_INET);
	now = health_now();
	assert_true(health_is_healthy(opsrv_health(o), &now));
	now.mono_ns += 61 * SEC;
	assert_false(health_is_healthy(opsrv_health(o), &now));
	opsrv_free(o);
}

static void kernel_errors_by_name(void **state)
{
	struct opsrv *o = mk(NULL, NULL);
	struct opsrv_metrics *m = opsrv_metrics(o);
	double v;

	opsrv_kernel_error(o, -EEXIST);
	opsrv_kernel_error(o, EEXIST);
	opsrv_kernel_error(o, -ENOENT);
	opsrv_kernel_error(o, -4000);
	assert_int_equal(metric_get(m->kernel_write_errors, ML("EEXIST"), &v), 0);
	assert_true(v == 2);
	assert_int_equal(metric_get(m->kernel_write_errors, ML("ENOENT"), &v), 0);
	assert_true(v == 1);
	assert_int_equal(metric_get(m->kernel_write_errors, ML("errno_4000"), &v), 0);
	assert_true(v == 1);
	opsrv_free(o);
}

static void api_event_age_is_read_at_scrape(void **state)
{
	struct opsrv *o = mk(NULL, NULL);
	struct timespec pause = { 0, 50000000 };
	double a, b;

	nanosleep(&pause, NULL);
	assert_int_equal(metric_get(opsrv_metrics(o)->api_event_age, NULL, &a), 0);
	assert_true(a >= 0.05 && a < 5); /* since start, before any event */
	opsrv_api_event(o);
	assert_int_equal(metric_get(opsrv_metrics(o)->api_event_age, NULL, &b), 0);
	assert_true(b >= 0 && b < a);
	opsrv_free(o);
}

static void bad_config_is_refused(void **state)
{
	struct opsrv_config cfg = { .healthz_bind = "0.0.0.0:10256", .health_timeout_ns = 0 };
	struct opsrv *o = (struct opsrv *)1;

	unit_log_start();
	assert_int_equal(opsrv_create(&cfg, &o), -EINVAL);
	assert_null(o);
	cfg.health_timeout_ns = SEC;
	cfg.metrics_bind = "127.0.0.1";
	assert_int_equal(opsrv_create(&cfg, &o), -EINVAL);
	assert_int_equal(unit_log_count("event=opsrv_bad_address", "metrics=127.0.0.1", NULL), 1);
	opsrv_free(NULL);
	unit_log_stop();
}

static void servers_share_an_address_or_not(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct opsrv *o;

	unit_log_start();
	o = mk("127.0.0.1:0", "127.0.0.1:0");
	assert_int_equal(opsrv_healthz_port(o), 0); /* not started */
	assert_int_equal(opsrv_start(o, loop), 0);
	assert_int_equal(opsrv_start(o, loop), -EALREADY);
	assert_true(opsrv_healthz_port(o) != 0);
	assert_int_equal(opsrv_healthz_port(o), opsrv_metrics_port(o));
	assert_int_equal(unit_log_count("event=httpd_started", "server=healthz+metrics", NULL), 1);
	opsrv_free(o);

	o = mk("127.0.0.1:0", "127.0.0.2:0");
	assert_int_equal(opsrv_start(o, loop), 0);
	assert_true(opsrv_healthz_port(o) != 0 && opsrv_metrics_port(o) != 0);
	assert_int_equal(unit_log_count("event=httpd_started", "server=healthz ", NULL), 1);
	assert_int_equal(unit_log_count("event=httpd_started", "server=metrics ", NULL), 1);
	opsrv_free(o);

	o = mk("", "127.0.0.1:0"); /* healthz off */
	assert_int_equal(opsrv_start(o, loop), 0);
	assert_int_equal(opsrv_healthz_port(o), 0);
	assert_true(opsrv_metrics_port(o) != 0);
	opsrv_free(o);
	assert_int_equal(unit_log_count("event=httpd_stopped", NULL), 4);
	ev_loop_destroy(loop);
	unit_log_stop();
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(registers_every_metric),
	cmocka_unit_test(sync_helpers_feed_health_and_metrics),
	cmocka_unit_test(kernel_errors_by_name),
	cmocka_unit_test(api_event_age_is_read_at_scrape),
	cmocka_unit_test(bad_config_is_refused),
	cmocka_unit_test(servers_share_an_address_or_not),
};

UNIT_MAIN(tests)
