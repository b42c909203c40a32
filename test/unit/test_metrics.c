/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/metrics.h"

/* Renders @m into a fresh string (caller frees). */
static char *render(const struct metrics *m)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	assert_int_equal(metrics_render(m, &buf, &len, &cap), 0);
	assert_non_null(buf);
	assert_int_equal(strlen(buf), len);
	return buf;
}

static void expect_text(const struct metrics *m, const char *want)
{
	char *got = render(m);

	assert_string_equal(got, want);
	free(got);
}

static struct metric *reg(struct metrics *m, const struct metric_desc *d)
{
	struct metric *x = NULL;

	assert_int_equal(metrics_register(m, d, &x), 0);
	assert_non_null(x);
	return x;
}

static void counter_and_gauge_text(void **state)
{
	struct metrics *m;
	struct metric *c, *g;
	double v;

	assert_int_equal(metrics_create(&m), 0);
	c = reg(m,
	        &(struct metric_desc){ .name = "kubeproxy_sync_proxy_rules_endpoint_changes_total",
	                               .help = "Cumulative proxy rules Endpoint changes",
	                               .type = METRIC_COUNTER });
	g = reg(m, &(struct metric_desc){ .name = "kipvs_destinations",
	                                  .help = "Destinations programmed",
	                                  .type = METRIC_GAUGE });
	expect_text(m, "# HELP kubeproxy_sync_proxy_rules_endpoint_changes_total Cumulative proxy "
	               "rules Endpoint changes\n"
	               "# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_total counter\n"
	               "kubeproxy_sync_proxy_rules_endpoint_changes_total 0\n"
	               "# HELP kipvs_destinations Destinations programmed\n"
	               "# TYPE kipvs_destinations gauge\n"
	               "kipvs_destinations 0\n");
	metric_inc(c, NULL);
	metric_add(c, NULL, 2.5);
	metric_add(c, NULL, -10);   /* counters never go down */
	metric_set(c, NULL, 100);   /* not a gauge: ignored */
	metric_observe(c, NULL, 1); /* not a histogram: ignored */
	metric_set(g, NULL, 1714567890.25);
	metric_add(g, NULL, -0.25);
	assert_int_equal(metric_get(c, NULL, &v), 0);
	assert_true(v == 3.5);
	expect_text(m, "# HELP kubeproxy_sync_proxy_rules_endpoint_changes_total Cumulative proxy "
	               "rules Endpoint changes\n"
	               "# TYPE kubeproxy_sync_proxy_rules_endpoint_changes_total counter\n"
	               "kubeproxy_sync_proxy_rules_endpoint_changes_total 3.5\n"
	               "# HELP kipvs_destinations Destinations programmed\n"
	               "# TYPE kipvs_destinations gauge\n"
	               "kipvs_destinations 1.71456789e+09\n");
	metric_clear(c);
	assert_int_equal(metric_get(c, NULL, &v), 0);
	assert_true(v == 0);
	/* NULL metrics are accepted everywhere (registration may have failed). */
	metric_inc(NULL, NULL);
	metric_set(NULL, NULL, 1);
	metric_observe(NULL, NULL, 1);
	metric_clear(NULL);
	assert_int_equal(metric_remove(NULL, ML("x")), -ENOENT);
	metrics_free(m);
}

/* kube-proxy's sync histogram: 1 ms x 2^n, 15 buckets. */
static void histogram_text_and_math(void **state)
{
	double b[15];
	struct metrics *m;
	struct metric *h;
	double v;
	char *got;

	for (int i = 0; i < 15; i++)
		b[i] = 0.001 * (double)(1u << i);
	assert_int_equal(metrics_create(&m), 0);
	h = reg(m, &(struct metric_desc){ .name = "kubeproxy_sync_proxy_rules_duration_seconds",
	                                  .help = "SyncProxyRules latency in seconds",
	                                  .type = METRIC_HISTOGRAM,
	                                  .buckets = b,
	                                  .nbuckets = 15 });
	metric_observe(h, NULL, 0.001);  /* on a bound: counted in that bucket */
	metric_observe(h, NULL, 0.0005); /* below the first bound */
	metric_observe(h, NULL, 0.003);  /* (0.002, 0.004] */
	metric_observe(h, NULL, 16.384); /* the last bound */
	metric_observe(h, NULL, 20);     /* only +Inf */
	metric_observe(h, NULL, 20);
	assert_int_equal(metric_get(h, NULL, &v), 0);
	assert_true(v == 6);
	got = render(m);
	assert_string_equal(got,
	                    "# HELP kubeproxy_sync_proxy_rules_duration_seconds SyncProxyRules "
	                    "latency in seconds\n"
	                    "# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.001\"} 2\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.002\"} 2\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.004\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.008\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.016\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.032\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.064\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.128\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.256\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.512\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"1.024\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"2.048\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"4.096\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"8.192\"} 3\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"16.384\"} 4\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"+Inf\"} 6\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_sum 56.3885\n"
	                    "kubeproxy_sync_proxy_rules_duration_seconds_count 6\n");
	free(got);
	metrics_free(m);
}

static void labelled_histogram_puts_le_last(void **state)
{
	static const double b[] = { 0.25, 0.5, 1 };
	struct metrics *m;
	struct metric *h;

	assert_int_equal(metrics_create(&m), 0);
	h = reg(m, &(struct metric_desc){ .name = "lat_seconds",
	                                  .help = "h",
	                                  .type = METRIC_HISTOGRAM,
	                                  .labels = ML("ip_family"),
	                                  .buckets = b,
	                                  .nbuckets = 3 });
	/* A labelled family with no label set yet is left out entirely. */
	expect_text(m, "");
	metric_observe(h, ML("IPv4"), 0.3);
	metric_observe(h, ML("IPv4"), NAN); /* lands in +Inf only; the sum becomes NaN */
	metric_observe(h, ML("IPv6"), 0.25);
	expect_text(m, "# HELP lat_seconds h\n"
	               "# TYPE lat_seconds histogram\n"
	               "lat_seconds_bucket{ip_family=\"IPv4\",le=\"0.25\"} 0\n"
	               "lat_seconds_bucket{ip_family=\"IPv4\",le=\"0.5\"} 1\n"
	               "lat_seconds_bucket{ip_family=\"IPv4\",le=\"1\"} 1\n"
	               "lat_seconds_bucket{ip_family=\"IPv4\",le=\"+Inf\"} 2\n"
	               "lat_seconds_sum{ip_family=\"IPv4\"} NaN\n"
	               "lat_seconds_count{ip_family=\"IPv4\"} 2\n"
	               "lat_seconds_bucket{ip_family=\"IPv6\",le=\"0.25\"} 1\n"
	               "lat_seconds_bucket{ip_family=\"IPv6\",le=\"0.5\"} 1\n"
	               "lat_seconds_bucket{ip_family=\"IPv6\",le=\"1\"} 1\n"
	               "lat_seconds_bucket{ip_family=\"IPv6\",le=\"+Inf\"} 1\n"
	               "lat_seconds_sum{ip_family=\"IPv6\"} 0.25\n"
	               "lat_seconds_count{ip_family=\"IPv6\"} 1\n");
	metrics_free(m);
}

static void label_and_help_escaping(void **state)
{
	struct metrics *m;
	struct metric *g;

	assert_int_equal(metrics_create(&m), 0);
	g = reg(m, &(struct metric_desc){ .name = "kipvs_virtual_servers_without_destinations",
	                                  .help = "Back\\slash and\nnewline in \"help\"",
	                                  .type = METRIC_GAUGE,
	                                  .labels = ML("namespace", "name", "port") });
	metric_set(g, ML("ns", "we\"ird\\na\nme", "http"), 2);
	metric_set(g, ML("", "", ""), 1);
	expect_text(
	    m, "# HELP kipvs_virtual_servers_without_destinations Back\\\\slash and\\nnewline "
	       "in \"help\"\n"
	       "# TYPE kipvs_virtual_servers_without_destinations gauge\n"
	       "kipvs_virtual_servers_without_destinations{namespace=\"ns\",name=\"we\\\"ird\\\\"
	       "na\\nme\",port=\"http\"} 2\n"
	       "kipvs_virtual_servers_without_destinations{namespace=\"\",name=\"\",port=\"\"} "
	       "1\n");
	metrics_free(m);
}

static void removal_and_recreation(void **state)
{
	struct metrics *m;
	struct metric *g;
	double v;

	assert_int_equal(metrics_create(&m), 0);
	g = reg(m, &(struct metric_desc){
	               .name = "g", .help = "x", .type = METRIC_GAUGE, .labels = ML("a", "b") });
	metric_set(g, ML("x", "1"), 1);
	metric_set(g, ML("y", "2"), 2);
	metric_set(g, ML("z", "3"), 3);
	/* Values that only differ in where one ends and the next begins. */
	metric_set(g, ML("ab", ""), 4);
	metric_set(g, ML("a", "b"), 5);
	assert_int_equal(metric_series_count(g), 5);
	assert_int_equal(metric_get(g, ML("ab", ""), &v), 0);
	assert_true(v == 4);
	assert_int_equal(metric_get(g, ML("a", "b"), &v), 0);
	assert_true(v == 5);

	assert_int_equal(metric_remove(g, ML("y", "2")), 0);
	assert_int_equal(metric_remove(g, ML("y", "2")), -ENOENT);
	assert_int_equal(metric_get(g, ML("y", "2"), &v), -ENOENT);
	assert_int_equal(metric_remove(g, ML("ab", "")), 0);
	assert_int_equal(metric_remove(g, ML("a", "b")), 0);
	expect_text(m, "# HELP g x\n# TYPE g gauge\ng{a=\"x\",b=\"1\"} 1\ng{a=\"z\",b=\"3\"} 3\n");
	/* A removed label set comes back fresh, at the end. */
	metric_add(g, ML("y", "2"), 7);
	expect_text(m, "# HELP g x\n# TYPE g gauge\ng{a=\"x\",b=\"1\"} 1\ng{a=\"z\",b=\"3\"} "
	               "3\ng{a=\"y\",b=\"2\"} 7\n");
	/* Removing the head and the tail keeps the order list intact. */
	assert_int_equal(metric_remove(g, ML("x", "1")), 0);
	assert_int_equal(metric_remove(g, ML("y", "2")), 0);
	expect_text(m, "# HELP g x\n# TYPE g gauge\ng{a=\"z\",b=\"3\"} 3\n");
	metric_clear(g);
	assert_int_equal(metric_series_count(g), 0);
	expect_text(m, "");
	metric_set(g, ML("q", "r"), 1);
	expect_text(m, "# HELP g x\n# TYPE g gauge\ng{a=\"q\",b=\"r\"} 1\n");
	metrics_free(m);
}

static void series_cap_warns_once(void **state)
{
	struct metrics *m;
	struct metric *c;
	double v;

	unit_log_start();
	assert_int_equal(metrics_create(&m), 0);
	c = reg(m, &(struct metric_desc){ .name = "kipvs_kernel_write_errors_total",
	                                  .help = "x",
	                                  .type = METRIC_COUNTER,
	                                  .labels = ML("errno"),
	                                  .max_series = 2 });
	metric_inc(c, ML("EEXIST"));
	metric_inc(c, ML("ENOENT"));
	metric_inc(c, ML("EINVAL")); /* over the cap: dropped */
	metric_inc(c, ML("EPERM"));
	metric_inc(c, ML("EEXIST")); /* existing label sets still count */
	assert_int_equal(metric_series_count(c), 2);
	assert_int_equal(metric_get(c, ML("EEXIST"), &v), 0);
	assert_true(v == 2);
	assert_int_equal(metric_get(c, ML("EINVAL"), &v), -ENOENT);
	assert_int_equal(unit_log_count("metric_series_capped",
	                                "metric=kipvs_kernel_write_errors_total", "max=2", NULL),
	                 1);
	/* After a removal there is room again. */
	assert_int_equal(metric_remove(c, ML("ENOENT")), 0);
	metric_inc(c, ML("EPERM"));
	assert_int_equal(metric_get(c, ML("EPERM"), &v), 0);
	assert_int_equal(unit_log_count("metric_series_capped", NULL), 1);
	metrics_free(m);
	unit_log_stop();
}

static void wrong_label_count_is_refused(void **state)
{
	struct metrics *m;
	struct metric *c, *u;
	double v;

	unit_log_start();
	assert_int_equal(metrics_create(&m), 0);
	c = reg(m, &(struct metric_desc){
	               .name = "c", .help = "x", .type = METRIC_COUNTER, .labels = ML("a", "b") });
	u = reg(m, &(struct metric_desc){ .name = "u", .help = "x", .type = METRIC_COUNTER });
	metric_inc(c, ML("only-one"));
	metric_inc(c, ML("one", "two", "three"));
	metric_inc(c, NULL);
	metric_inc(u, ML("unexpected"));
	assert_int_equal(metric_series_count(c), 0);
	assert_int_equal(metric_get(u, NULL, &v), 0);
	assert_true(v == 0);
	assert_int_equal(unit_log_count("metric_bad_labels", "metric=c", NULL), 1);
	assert_int_equal(unit_log_count("metric_bad_labels", "metric=u", "want=0", "got=1", NULL),
	                 1);
	metrics_free(m);
	unit_log_stop();
}

static double zero_fn(void *ctx)
{
	return 0;
}

static void registration_is_validated(void **state)
{
	static const double good[] = { 1, 2 }, dup[] = { 1, 1 }, down[] = { 2, 1 },
	                    inf[] = { 1, INFINITY };
	struct metrics *m;
	struct metric *x;

	assert_int_equal(metrics_create(&m), 0);
#define BAD(err, ...)                                                                              \
	assert_int_equal(metrics_register(m, &(struct metric_desc){ __VA_ARGS__ }, &x), err);      \
	assert_null(x)
	BAD(-EINVAL, .name = "", .help = "h", .type = METRIC_GAUGE);
	BAD(-EINVAL, .name = "9lives", .help = "h", .type = METRIC_GAUGE);
	BAD(-EINVAL, .name = "has-dash", .help = "h", .type = METRIC_GAUGE);
	BAD(-EINVAL, .name = "no_help", .type = METRIC_GAUGE);
	BAD(-EINVAL, .name = "l", .help = "h", .type = METRIC_GAUGE, .labels = ML("a:b"));
	BAD(-EINVAL, .name = "l", .help = "h", .type = METRIC_GAUGE, .labels = ML("__reserved"));
	BAD(-EINVAL, .name = "l", .help = "h", .type = METRIC_GAUGE, .labels = ML("a", "a"));
	BAD(-EINVAL, .name = "l", .help = "h", .type = METRIC_GAUGE,
	    .labels = ML("a", "b", "c", "d", "e", "f", "g", "h", "i"));
	BAD(-EINVAL, .name = "h", .help = "h", .type = METRIC_HISTOGRAM);
	BAD(-EINVAL, .name = "h", .help = "h", .type = METRIC_HISTOGRAM, .buckets = dup,
	    .nbuckets = 2);
	BAD(-EINVAL, .name = "h", .help = "h", .type = METRIC_HISTOGRAM, .buckets = down,
	    .nbuckets = 2);
	BAD(-EINVAL, .name = "h", .help = "h", .type = METRIC_HISTOGRAM, .buckets = inf,
	    .nbuckets = 2);
	BAD(-EINVAL, .name = "h", .help = "h", .type = METRIC_HISTOGRAM, .buckets = good,
	    .nbuckets = 2, .labels = ML("le"));
	BAD(-EINVAL, .name = "g", .help = "h", .type = METRIC_GAUGE, .buckets = good,
	    .nbuckets = 2);
	BAD(-EINVAL, .name = "f", .help = "h", .type = METRIC_GAUGE, .labels = ML("a"),
	    .fn = zero_fn);
	BAD(-EINVAL, .name = "f", .help = "h", .type = (enum metric_type)7);
	reg(m, &(struct metric_desc){ .name = "ok:recorded_name",
	                              .help = "",
	                              .type = METRIC_GAUGE,
	                              .labels = ML("le") }); /* le is fine off histograms */
	BAD(-EEXIST, .name = "ok:recorded_name", .help = "h", .type = METRIC_COUNTER);
#undef BAD
	metrics_free(m);
}

static double seconds_since(void *ctx)
{
	int *calls = ctx;

	return 1.5 + (*calls)++;
}

static void callback_gauge_is_read_at_scrape(void **state)
{
	struct metrics *m;
	struct metric *g;
	int calls = 0;
	double v;

	assert_int_equal(metrics_create(&m), 0);
	g = reg(m, &(struct metric_desc){ .name = "kipvs_last_api_event_age_seconds",
	                                  .help = "Seconds since the last API event",
	                                  .type = METRIC_GAUGE,
	                                  .fn = seconds_since,
	                                  .fn_ctx = &calls });
	metric_set(g, NULL, 99); /* a callback metric takes no updates */
	assert_int_equal(calls, 0);
	expect_text(m, "# HELP kipvs_last_api_event_age_seconds Seconds since the last API event\n"
	               "# TYPE kipvs_last_api_event_age_seconds gauge\n"
	               "kipvs_last_api_event_age_seconds 1.5\n");
	expect_text(m, "# HELP kipvs_last_api_event_age_seconds Seconds since the last API event\n"
	               "# TYPE kipvs_last_api_event_age_seconds gauge\n"
	               "kipvs_last_api_event_age_seconds 2.5\n");
	assert_int_equal(metric_get(g, NULL, &v), 0);
	assert_true(v == 3.5);
	metrics_free(m);
}

static void number_formatting(void **state)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ -2.5, "-2.5" },
		{ 0.001, "0.001" },
		{ 0.0001, "0.0001" },
		{ 0.00001, "1e-05" },
		{ 16.384, "16.384" },
		{ 100000, "100000" },
		{ 999999, "999999" },
		{ -999999, "-999999" },
		{ -1e6, "-1e+06" },
		{ 999999.5, "999999.5" },
		{ 1e6, "1e+06" },
		{ 1234567, "1.234567e+06" },
		{ 0.1 + 0.2, "0.30000000000000004" },
		{ 1714567890.123, "1.714567890123e+09" },
		{ 9007199254740993.0, "9.007199254740992e+15" },
		{ 5e-324, "5e-324" },
		{ 1.7976931348623157e308, "1.7976931348623157e+308" },
	};
	char buf[40];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(metrics_fmt_double(cases[i].v, buf, sizeof(buf)),
		                    cases[i].want);
	assert_string_equal(metrics_fmt_double(INFINITY, buf, sizeof(buf)), "+Inf");
	assert_string_equal(metrics_fmt_double(-INFINITY, buf, sizeof(buf)), "-Inf");
	assert_string_equal(metrics_fmt_double(NAN, buf, sizeof(buf)), "NaN");
}

/* Thousands of label sets: the table grows, lookups stay right, removal empties it. */
static void many_series(void **state)
{
	struct metrics *m;
	struct metric *g;
	char ns[32], port[16];
	double v;

	assert_int_equal(metrics_create(&m), 0);
	g = reg(m, &(struct metric_desc){ .name = "g",
	                                  .help = "x",
	                                  .type = METRIC_GAUGE,
	                                  .labels = ML("namespace", "port"),
	                                  .max_series = 20000 });
	for (int i = 0; i < 10000; i++) {
		snprintf(ns, sizeof(ns), "ns-%d", i);
		snprintf(port, sizeof(port), "%d", i % 7);
		metric_set(g, ML(ns, port), i);
	}
	assert_int_equal(metric_series_count(g), 10000);
	for (int i = 0; i < 10000; i += 3) {
		snprintf(ns, sizeof(ns), "ns-%d", i);
		snprintf(port, sizeof(port), "%d", i % 7);
		assert_int_equal(metric_get(g, ML(ns, port), &v), 0);
		assert_true(v == i);
		assert_int_equal(metric_get(g, ML(ns, "x"), &v), -ENOENT);
	}
	for (int i = 0; i < 10000; i++) {
		snprintf(ns, sizeof(ns), "ns-%d", i);
		snprintf(port, sizeof(port), "%d", i % 7);
		assert_int_equal(metric_remove(g, ML(ns, port)), 0);
	}
	assert_int_equal(metric_series_count(g), 0);
	expect_text(m, "");
	metrics_free(m);
}

/* Rendering appends to a reused buffer. */
static void render_appends(void **state)
{
	struct metrics *m;
	struct metric *c;
	char *buf = NULL;
	size_t len = 0, cap = 0;

	assert_int_equal(metrics_create(&m), 0);
	c = reg(m, &(struct metric_desc){ .name = "c_total", .help = "x", .type = METRIC_COUNTER });
	metric_inc(c, NULL);
	assert_int_equal(metrics_render(m, &buf, &len, &cap), 0);
	assert_int_equal(metrics_render(m, &buf, &len, &cap), 0);
	assert_string_equal(buf, "# HELP c_total x\n# TYPE c_total counter\nc_total 1\n"
	                         "# HELP c_total x\n# TYPE c_total counter\nc_total 1\n");
	assert_true(cap > len);
	free(buf);
	metrics_free(m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(counter_and_gauge_text),
	cmocka_unit_test(histogram_text_and_math),
	cmocka_unit_test(labelled_histogram_puts_le_last),
	cmocka_unit_test(label_and_help_escaping),
	cmocka_unit_test(removal_and_recreation),
	cmocka_unit_test(series_cap_warns_once),
	cmocka_unit_test(wrong_label_count_is_refused),
	cmocka_unit_test(registration_is_validated),
	cmocka_unit_test(callback_gauge_is_read_at_scrape),
	cmocka_unit_test(number_formatting),
	cmocka_unit_test(many_series),
	cmocka_unit_test(render_appends),
};

UNIT_MAIN(tests)
