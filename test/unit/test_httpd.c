/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/httpd.h"
#include "support/unit_http.h"

static void parse_bind(void **state)
{
	static const char *const good[] = { "0.0.0.0:10256", "127.0.0.1:0", "[::]:10256",
		                            "[::1]:65535", "[2001:db8::1]:80" };
	static const char *const bad[] = {
		"",
		"10256",
		":10256",
		"1.2.3.4",
		"1.2.3.4:",
		"1.2.3.4:65536",
		"1.2.3.4:80x",
		"localhost:80",
		"[::1]80",
		"::1:80",
		"[::1]:",
		"1.2.3.4:123456",
		"[fe80::1%eth0]:80",
		"[1.2.3.4]:80",
		"1.2.3.4:-1",
	};
	struct sockaddr_storage ss;
	socklen_t len;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(httpd_parse_bind(good[i], &ss, &len), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(httpd_parse_bind(bad[i], &ss, &len), -EINVAL);
		assert_int_equal(len, 0);
	}
	assert_int_equal(httpd_parse_bind(NULL, &ss, &len), -EINVAL);

	assert_int_equal(httpd_parse_bind("10.1.2.3:10249", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 10249);
	assert_int_equal(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr), 0x0a010203);
	assert_int_equal(httpd_parse_bind("[::1]:8080", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 8080);
	assert_true(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr));
}

struct seen {
	int calls;
	char path[64];
};

static void handler(void *ctx, const char *path, struct httpd_reply *r)
{
	struct seen *s = ctx;

	s->calls++;
	snprintf(s->path, sizeof(s->path), "%s", path);
	r->status = 203;
	r->content_type = "text/x-test";
	r->body = strdup("hello\n");
	r->len = 6;
}

static char *request(struct ev_loop *loop, uint16_t port, const char *req)
{
	return unit_http_request(loop, port, req);
}

static void serves_routes_and_refuses_the_rest(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct httpd_config cfg = { .name = "test", .bind = "127.0.0.1:0" };
	struct seen seen = { 0 };
	struct httpd_stats st;
	struct httpd *h;
	char *got;

	unit_log_start();
	assert_int_equal(httpd_start(loop, &cfg, &h), 0);
	assert_true(httpd_port(h) != 0);
	assert_int_equal(
	    unit_log_count("event=httpd_started", "server=test", "addr=127.0.0.1:0", NULL), 1);
	assert_int_equal(httpd_route(h, "/x", handler, &seen), 0);
	assert_int_equal(httpd_route(h, "/x", handler, &seen), -EEXIST);
	assert_int_equal(httpd_route(h, "relative", handler, &seen), -EINVAL);
	assert_int_equal(httpd_route(h, "/y", NULL, &seen), -EINVAL);

	got = request(loop, httpd_port(h),
	              "GET /x?a=b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(got, "HTTP/1.1 203 "));
	assert_non_null(strstr(got, "Content-Type: text/x-test\r\n"));
	assert_non_null(strstr(got, "X-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(got, "\r\n\r\nhello\n"));
	assert_int_equal(seen.calls, 1);
	assert_string_equal(seen.path, "/x");
	free(got);

	got = request(loop, httpd_port(h),
	              "HEAD /x HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(got, "HTTP/1.1 203 "));
	assert_null(strstr(got, "hello"));
	free(got);

	got = request(loop, httpd_port(h), "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_non_null(strstr(got, "HTTP/1.1 404 "));
	free(got);
	got =
	    request(loop, httpd_port(h), "PUT /x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
	assert_non_null(strstr(got, "HTTP/1.1 405 "));
	assert_non_null(strstr(got, "Allow: GET, HEAD\r\n"));
	free(got);
	got = request(loop, httpd_port(h),
	              "GET /x HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
	assert_non_null(strstr(got, "HTTP/1.1 400 "));
	free(got);
	assert_int_equal(seen.calls, 2); /* GET and HEAD only */

	/* Another 404 within the log interval: counted, not logged again. */
	free(request(loop, httpd_port(h), "GET /nope2 HTTP/1.1\r\nHost: t\r\n\r\n"));
	for (int i = 0; i < 50; i++)
		ev_run(loop, EVRUN_NOWAIT);
	httpd_get_stats(h, &st);
	assert_int_equal(st.rejected[HTTPD_REJ_NOT_FOUND], 2);
	assert_int_equal(st.rejected[HTTPD_REJ_METHOD], 1);
	assert_int_equal(st.rejected[HTTPD_REJ_BAD_REQUEST], 1);
	assert_int_equal(st.requests, 6);
	assert_int_equal(st.connections, 0);
	assert_int_equal(unit_log_count("event=httpd_client_rejected", "reason=not_found",
	                                "count=1 total=1", NULL),
	                 1);
	assert_int_equal(unit_log_count("reason=not_found", NULL), 1);

	httpd_stop(h);
	assert_int_equal(unit_log_count("event=httpd_stopped", "server=test", "requests=6", NULL),
	                 1);
	ev_loop_destroy(loop);
	unit_log_stop();
}

static void weight_handler(void *ctx, const char *path, struct httpd_reply *r)
{
	struct seen *s = ctx;

	s->calls++;
	snprintf(s->path, sizeof(s->path), "%s", path);
	r->status = 503;
	r->content_type = "application/json";
	r->extra_name = "X-Load-Balancing-Endpoint-Weight";
	snprintf(r->extra_value, sizeof(r->extra_value), "%d", 7);
	r->body = strdup("{}");
	r->len = 2;
}

/* httpd_route_all: every path and method reaches the handler; exact routes
 * still win; a body is not read (the connection closes after the answer);
 * the extra header goes out. */
static void route_all_answers_everything(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct httpd_config cfg = { .name = "all", .bind = "127.0.0.1:0" };
	struct seen all = { 0 }, exact = { 0 };
	struct httpd_stats st;
	struct httpd *h;
	char *got;

	unit_log_start();
	assert_int_equal(httpd_start(loop, &cfg, &h), 0);
	assert_int_equal(httpd_route_all(h, NULL, &all), -EINVAL);
	assert_int_equal(httpd_route_all(h, weight_handler, &all), 0);
	assert_int_equal(httpd_route_all(h, weight_handler, &all), -EEXIST);
	assert_int_equal(httpd_route(h, "/exact", handler, &exact), 0);

	got = request(loop, httpd_port(h),
	              "GET /any/path?q=1 HTTP/1.1\r\nHost: t\r\n"
	              "Connection: close\r\n\r\n");
	assert_non_null(strstr(got, "HTTP/1.1 503 "));
	assert_non_null(strstr(got, "Content-Type: application/json\r\n"));
	assert_non_null(strstr(got, "X-Content-Type-Options: nosniff\r\n"));
	assert_non_null(strstr(got, "X-Load-Balancing-Endpoint-Weight: 7\r\n"));
	assert_non_null(strstr(got, "\r\n\r\n{}"));
	assert_string_equal(all.path, "/any/path");
	free(got);
	got = request(loop, httpd_port(h), "DELETE / HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_non_null(strstr(got, "HTTP/1.1 503 "));
	free(got);
	got = request(loop, httpd_port(h),
	              "POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
	assert_non_null(strstr(got, "HTTP/1.1 503 "));
	assert_non_null(strstr(got, "X-Load-Balancing-Endpoint-Weight: 7\r\n"));
	free(got);
	got = request(loop, httpd_port(h), "GET /exact HTTP/1.1\r\nHost: t\r\n\r\n");
	assert_non_null(strstr(got, "HTTP/1.1 203 "));
	assert_null(strstr(got, "X-Load-Balancing"));
	free(got);
	assert_int_equal(all.calls, 3);
	assert_int_equal(exact.calls, 1);
	httpd_get_stats(h, &st);
	for (unsigned r = 0; r < HTTPD_REJ__COUNT; r++)
		assert_int_equal(st.rejected[r], 0);
	httpd_stop(h);
	ev_loop_destroy(loop);
	unit_log_stop();
}

/* A client that never finishes its header is shut out at the deadline. */
static void header_deadline(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct httpd_config cfg = { .name = "dl", .bind = "127.0.0.1:0", .timeout_s = 1 };
	struct httpd_stats st;
	struct httpd *h;
	double took;
	int fd;

	unit_log_start();
	assert_int_equal(httpd_start(loop, &cfg, &h), 0);
	fd = unit_http_connect(httpd_port(h));
	assert_int_equal(send(fd, "GET / HT", 8, 0), 8);
	free(unit_http_drain(loop, fd, 5, &took));
	assert_true(took >= 0.9 && took < 3);
	for (int i = 0; i < 50; i++)
		ev_run(loop, EVRUN_NOWAIT);
	httpd_get_stats(h, &st);
	assert_int_equal(st.rejected[HTTPD_REJ_TIMEOUT], 1);
	assert_int_equal(st.connections, 0);
	assert_int_equal(unit_log_count("event=httpd_client_rejected", "server=dl",
	                                "reason=header_timeout", "client=127.0.0.1", NULL),
	                 1);
	httpd_stop(h);
	ev_loop_destroy(loop);
	unit_log_stop();
}

static void bad_config(void **state)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct httpd_config cfg = { .name = "bad", .bind = "nowhere:80" };
	struct httpd *h = (struct httpd *)1, *a;
	char bind[32];

	unit_log_start();
	assert_int_equal(httpd_start(loop, &cfg, &h), -EINVAL);
	assert_null(h);
	assert_int_equal(
	    unit_log_count("event=httpd_bad_address", "server=bad", "addr=nowhere:80", NULL), 1);
	/* The same port twice. */
	cfg.bind = "127.0.0.1:0";
	assert_int_equal(httpd_start(loop, &cfg, &a), 0);
	snprintf(bind, sizeof(bind), "127.0.0.1:%u", httpd_port(a));
	cfg.bind = bind;
	assert_int_equal(httpd_start(loop, &cfg, &h), -EADDRINUSE);
	assert_null(h);
	assert_int_equal(
	    unit_log_count("event=httpd_bind_failed", "err=Address already in use", NULL), 1);
	/* The caller may log bind failures itself. */
	cfg.quiet_bind_error = true;
	assert_int_equal(httpd_start(loop, &cfg, &h), -EADDRINUSE);
	assert_int_equal(unit_log_count("event=httpd_bind_failed", NULL), 1);
	for (int i = 0; i < HTTPD_MAX_ROUTES; i++) {
		char p[8];

		snprintf(p, sizeof(p), "/%d", i);
		assert_int_equal(httpd_route(a, p, handler, NULL), 0);
	}
	assert_int_equal(httpd_route(a, "/more", handler, NULL), -ENOSPC);
	httpd_stop(a);
	httpd_stop(NULL);
	assert_string_equal(httpd_reject_name(HTTPD_REJ_HEADER_TOO_LARGE), "header_too_large");
	assert_string_equal(httpd_reject_name(HTTPD_REJ__COUNT), "unknown");
	ev_loop_destroy(loop);
	unit_log_stop();
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(parse_bind),
	cmocka_unit_test(serves_routes_and_refuses_the_rest),
	cmocka_unit_test(route_all_answers_everything),
	cmocka_unit_test(header_deadline),
	cmocka_unit_test(bad_config),
};

UNIT_MAIN(tests)
