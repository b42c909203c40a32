/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_hcnp: the health-check node port servers. The answer byte for byte
 * (kube-proxy's status, headers and body), then real servers on loopback:
 * opened, updated, moved and closed as the list changes; a taken port logged
 * once, counted at every attempt and retried.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../lib/metrics.h"
#include "../../sync/driver/sync_hcnp.h"
#include "support/unit_http.h"

static void answer_is_kube_proxys(void **state)
{
	struct httpd_reply r = { 0 };

	sync_hcnp_answer("shop", "web", 2, true, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.extra_name, "X-Load-Balancing-Endpoint-Weight");
	assert_string_equal(r.extra_value, "2");
	assert_string_equal(r.body, "{\n"
	                            "\t\"service\": {\n"
	                            "\t\t\"namespace\": \"shop\",\n"
	                            "\t\t\"name\": \"web\"\n"
	                            "\t},\n"
	                            "\t\"localEndpoints\": 2,\n"
	                            "\t\"serviceProxyHealthy\": true\n"
	                            "}");
	assert_int_equal(r.len, strlen(r.body));
	free(r.body);

	/* No local endpoint: 503, weight 0. */
	memset(&r, 0, sizeof(r));
	sync_hcnp_answer("shop", "web", 0, true, &r);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.extra_value, "0");
	assert_non_null(strstr(r.body, "\"localEndpoints\": 0,\n"));
	free(r.body);

	/* Local endpoints, but the proxy is not healthy: 503 with the count. */
	memset(&r, 0, sizeof(r));
	sync_hcnp_answer("shop", "web", 3, false, &r);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.extra_value, "3");
	assert_non_null(strstr(r.body, "\"serviceProxyHealthy\": false\n}"));
	free(r.body);

	/* A name the API would refuse still makes valid JSON. */
	memset(&r, 0, sizeof(r));
	sync_hcnp_answer("a\"b", "c\\d\n", 1, true, &r);
	assert_non_null(strstr(r.body, "\"namespace\": \"a\\\"b\""));
	assert_non_null(strstr(r.body, "\"name\": \"c\\\\d\\u000a\""));
	free(r.body);
}

struct env {
	struct ev_loop *loop;
	struct metrics *reg;
	struct sync_hcnp *h;
	bool healthy;
};

static bool healthy_cb(void *ctx)
{
	return ((struct env *)ctx)->healthy;
}

static void env_init(struct env *e, bool wildcard)
{
	struct net_addr lo;
	struct sync_hcnp_opts o = { .healthy = healthy_cb, .healthy_ctx = e };

	e->loop = ev_loop_new(EVFLAG_AUTO);
	e->healthy = true;
	assert_int_equal(metrics_create(&e->reg), 0);
	o.loop = e->loop;
	o.reg = e->reg;
	assert_int_equal(sync_hcnp_new(&o, &e->h), 0);
	assert_int_equal(addr_parse("127.0.0.1", &lo), 0);
	if (!wildcard)
		assert_int_equal(sync_hcnp_set_addrs(e->h, &lo, 1), 0);
}

static void env_fini(struct env *e)
{
	sync_hcnp_free(e->h);
	metrics_free(e->reg);
	ev_loop_destroy(e->loop);
}

static double metric_value(struct env *e, const char *name)
{
	char *buf = NULL, *p, want[128];
	size_t len = 0, cap = 0;
	double v = -1;

	assert_int_equal(metrics_render(e->reg, &buf, &len, &cap), 0);
	snprintf(want, sizeof(want), "\n%s ", name);
	p = strstr(buf, want);
	if (p)
		v = strtod(p + strlen(want), NULL);
	free(buf);
	return v;
}

static char *get(struct env *e, uint16_t port, const char *method_path)
{
	char req[256];

	snprintf(req, sizeof(req), "%s HTTP/1.1\r\nHost: n\r\nConnection: close\r\n\r\n",
	         method_path);
	return unit_http_request(e->loop, port, req);
}

static struct sync_health_port hp(const char *ns, const char *name, uint16_t port, uint32_t n)
{
	return (struct sync_health_port){ ns, name, port, n };
}

static void sync_ok(struct env *e, const struct sync_health_port *p, size_t n, size_t want_failed)
{
	size_t failed = 99;

	assert_int_equal(sync_hcnp_sync(e->h, p, n, &failed), 0);
	assert_int_equal(failed, want_failed);
}

static void servers_follow_the_list(void **state)
{
	struct env e;
	uint16_t p1 = unit_http_free_port(), p2 = unit_http_free_port(), p3;
	struct sync_health_port v[2];
	char *got;

	while (p2 == p1)
		p2 = unit_http_free_port();
	p3 = unit_http_free_port();
	while (p3 == p1 || p3 == p2)
		p3 = unit_http_free_port();
	unit_log_start();
	env_init(&e, false);
	v[0] = hp("shop", "empty", p2, 0);
	v[1] = hp("shop", "web", p1, 1);
	sync_ok(&e, v, 2, 0);
	assert_int_equal(sync_hcnp_open(e.h), 2);
	assert_true(metric_value(&e, "kipvs_health_check_node_ports") == 2);
	assert_int_equal(unit_log_count("event=health_check_opened", "service=shop/web", NULL), 1);

	/* Any path, any method. */
	got = get(&e, p1, "GET /healthz");
	assert_non_null(strstr(got, "HTTP/1.1 200 "));
	assert_non_null(strstr(got, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(got, "\r\nX-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(got, "\r\nX-Load-Balancing-Endpoint-Weight: 1\r\n"));
	assert_non_null(strstr(got, "\r\n\r\n{\n\t\"service\": {\n\t\t\"namespace\": \"shop\",\n"
	                            "\t\t\"name\": \"web\"\n\t},\n\t\"localEndpoints\": 1,\n"
	                            "\t\"serviceProxyHealthy\": true\n}"));
	free(got);
	got = get(&e, p1, "POST /what/ever");
	assert_non_null(strstr(got, "HTTP/1.1 200 "));
	free(got);
	got = get(&e, p2, "GET /");
	assert_non_null(strstr(got, "HTTP/1.1 503 "));
	assert_non_null(strstr(got, "\r\nX-Load-Balancing-Endpoint-Weight: 0\r\n"));
	assert_non_null(strstr(got, "\"name\": \"empty\""));
	free(got);

	/* The proxy turns unhealthy: 503 even with a local endpoint. */
	e.healthy = false;
	got = get(&e, p1, "GET /");
	assert_non_null(strstr(got, "HTTP/1.1 503 "));
	assert_non_null(strstr(got, "\"serviceProxyHealthy\": false"));
	free(got);
	e.healthy = true;

	/* Counts change in place; a port change moves the server. */
	v[0] = hp("shop", "empty", p2, 2);
	v[1] = hp("shop", "web", p3, 1);
	sync_ok(&e, v, 2, 0);
	got = get(&e, p2, "GET /");
	assert_non_null(strstr(got, "HTTP/1.1 200 "));
	assert_non_null(strstr(got, "Weight: 2\r\n"));
	free(got);
	assert_int_equal(unit_http_probe(p1), -1);
	got = get(&e, p3, "GET /");
	assert_non_null(strstr(got, "\"name\": \"web\""));
	free(got);
	assert_int_equal(
	    unit_log_count("event=health_check_port_changed", "service=shop/web", NULL), 1);

	/* A Service that goes away closes its port. */
	sync_ok(&e, &v[1], 1, 0);
	assert_int_equal(unit_http_probe(p2), -1);
	assert_int_equal(unit_http_probe(p3), 0);
	assert_int_equal(sync_hcnp_open(e.h), 1);
	assert_int_equal(unit_log_count("event=health_check_closed", "service=shop/empty", NULL),
	                 1);
	sync_ok(&e, NULL, 0, 0);
	assert_int_equal(unit_http_probe(p3), -1);
	assert_true(metric_value(&e, "kipvs_health_check_node_ports") == 0);
	env_fini(&e);
	unit_log_stop();
}

static int hold_port(uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static void taken_port_logged_once_counted_retried(void **state)
{
	struct env e;
	uint16_t port = unit_http_free_port();
	struct sync_health_port v = hp("shop", "web", port, 1);
	int fd = hold_port(port);
	char *got;

	unit_log_start();
	env_init(&e, false);
	sync_ok(&e, &v, 1, 1);
	sync_ok(&e, &v, 1, 1);
	sync_ok(&e, &v, 1, 1);
	assert_int_equal(sync_hcnp_open(e.h), 0);
	assert_int_equal(unit_log_count("level=warn", "event=health_check_listen_failed",
	                                "service=shop/web", "err=Address already in use",
	                                "retry=next-sync", NULL),
	                 1);
	assert_int_equal(unit_log_count("httpd_bind_failed", NULL), 0);
	assert_true(metric_value(&e, "kipvs_health_check_listen_failures_total") == 3);
	close(fd);
	sync_ok(&e, &v, 1, 0);
	assert_int_equal(unit_log_count("event=health_check_opened", "service=shop/web",
	                                "failed_before=3", NULL),
	                 1);
	got = get(&e, port, "GET /");
	assert_non_null(strstr(got, "HTTP/1.1 200 "));
	free(got);
	env_fini(&e);
	unit_log_stop();
}

/* Without --nodeport-addresses: the wildcard, IPv4 included. */
static void wildcard_serves_ipv4(void **state)
{
	struct env e;
	uint16_t port = unit_http_free_port();
	struct sync_health_port v = hp("shop", "web", port, 1);
	char *got;

	unit_log_start();
	env_init(&e, true);
	sync_ok(&e, &v, 1, 0);
	assert_true(unit_log_count("event=httpd_started", "addr=[::]:", NULL) +
	                unit_log_count("event=httpd_started", "addr=0.0.0.0:", NULL) ==
	            1);
	got = get(&e, port, "GET /");
	assert_non_null(strstr(got, "HTTP/1.1 200 "));
	free(got);
	env_fini(&e);
	assert_int_equal(unit_log_count("event=health_check_closed", NULL), 1);
	unit_log_stop();
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(answer_is_kube_proxys),
	cmocka_unit_test(servers_follow_the_list),
	cmocka_unit_test(taken_port_logged_once_counted_retried),
	cmocka_unit_test(wildcard_serves_ipv4),
};

UNIT_MAIN(tests)
