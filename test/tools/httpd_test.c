/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-testtool httpd-test — a subcommand for test/host/httpd_ops.py: the
 * health and metrics servers (lib/opsrv) on a libev loop, plus a fake metric
 * an ev_timer increments every 10 ms. If anything blocked the loop, the tick
 * count would fall behind the clock and the largest gap between two ticks
 * (also a metric) would grow: that is how the test proves that slow and
 * hostile clients do not stall it.
 *
 * Prints "ready healthz_port=N metrics_port=M" once serving. Commands on
 * stdin, one per line, each answered "ok <command>":
 *   queue4 | queue6 | sync4 | sync6   health events for IPv4 / IPv6
 *   eligible 0|1                      node eligibility
 *   reset-gap                         restart the largest-gap measurement
 *   quit                              stop (so does end of input or SIGTERM)
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/opsrv.h"
#include "../../lib/version.h"
#include "testtool.h"

struct tester {
	struct ev_loop *loop;
	struct opsrv *ops;
	struct metric *ticks, *gap;
	double last_tick, max_gap;
	char line[256];
	size_t len;
};

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct tester *t = w->data;
	double now = ev_time();

	if (t->last_tick > 0 && now - t->last_tick > t->max_gap) {
		t->max_gap = now - t->last_tick;
		metric_set(t->gap, NULL, t->max_gap);
	}
	t->last_tick = now;
	metric_inc(t->ticks, NULL);
}

static void command(struct tester *t, const char *cmd)
{
	struct health *h = opsrv_health(t->ops);

	if (!strcmp(cmd, "queue4"))
		opsrv_sync_queued(t->ops, AF_INET);
	else if (!strcmp(cmd, "queue6"))
		opsrv_sync_queued(t->ops, AF_INET6);
	else if (!strcmp(cmd, "sync4"))
		opsrv_sync_done(t->ops, AF_INET, 0.0042);
	else if (!strcmp(cmd, "sync6"))
		opsrv_sync_done(t->ops, AF_INET6, 0.0042);
	else if (!strcmp(cmd, "eligible 0"))
		health_set_node_eligible(h, false);
	else if (!strcmp(cmd, "eligible 1"))
		health_set_node_eligible(h, true);
	else if (!strcmp(cmd, "reset-gap")) {
		t->max_gap = 0;
		metric_set(t->gap, NULL, 0);
	} else if (!strcmp(cmd, "quit")) {
		ev_break(t->loop, EVBREAK_ALL);
	} else {
		printf("error unknown command %s\n", cmd);
		fflush(stdout);
		return;
	}
	printf("ok %s\n", cmd);
	fflush(stdout);
}

static void on_stdin(struct ev_loop *loop, ev_io *w, int revents)
{
	struct tester *t = w->data;
	ssize_t n = read(w->fd, t->line + t->len, sizeof(t->line) - 1 - t->len);
	char *nl;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	t->len += (size_t)n;
	t->line[t->len] = '\0';
	while ((nl = strchr(t->line, '\n'))) {
		*nl = '\0';
		command(t, t->line);
		t->len -= (size_t)(nl + 1 - t->line);
		memmove(t->line, nl + 1, t->len + 1);
	}
	if (t->len == sizeof(t->line) - 1)
		t->len = 0; /* an overlong line: drop it */
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	ev_break(loop, EVBREAK_ALL);
}

int tool_httpd_test(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "healthz", required_argument, NULL, 'H' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "health-timeout-ms", required_argument, NULL, 'T' },
		{ "conn-limit", required_argument, NULL, 'c' },
		{ "per-ip-limit", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "log-interval", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct opsrv_config cfg = {
		.healthz_bind = "127.0.0.1:0",
		.metrics_bind = "127.0.0.1:0",
		.health_timeout_ns = 60000000000LL,
		.version = KIPVS_VERSION,
	};
	struct tester t = { 0 };
	ev_timer tick;
	ev_io in;
	ev_signal sterm, sint;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'H':
			cfg.healthz_bind = optarg;
			break;
		case 'M':
			cfg.metrics_bind = optarg;
			break;
		case 'T':
			cfg.health_timeout_ns = strtoll(optarg, NULL, 10) * 1000000LL;
			break;
		case 'c':
			cfg.conn_limit = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			cfg.per_ip_limit = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			cfg.timeout_s = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			cfg.log_interval_s = strtod(optarg, NULL);
			break;
		default:
			fprintf(
			    stderr,
			    "usage: kipvs-testtool httpd-test [--healthz ADDR] [--metrics ADDR] "
			    "[--health-timeout-ms N] [--conn-limit N] [--per-ip-limit N] "
			    "[--timeout S] [--log-interval S]\n");
			return 2;
		}
	}

	t.loop = ev_default_loop(0);
	err = opsrv_create(&cfg, &t.ops);
	if (!err)
		err = metrics_register(
		    opsrv_registry(t.ops),
		    &(struct metric_desc){ .name = "kipvs_httpd_test_ticks_total",
		                           .help = "Ticks of a 10 ms timer on the server's loop",
		                           .type = METRIC_COUNTER },
		    &t.ticks);
	if (!err)
		err = metrics_register(
		    opsrv_registry(t.ops),
		    &(struct metric_desc){ .name = "kipvs_httpd_test_max_tick_gap_seconds",
		                           .help = "Largest time between two ticks since reset-gap",
		                           .type = METRIC_GAUGE },
		    &t.gap);
	if (!err)
		err = opsrv_start(t.ops, t.loop);
	if (err) {
		fprintf(stderr, "httpd-test: %s\n", strerror(-err));
		opsrv_free(t.ops);
		ev_loop_destroy(t.loop);
		return 1;
	}

	ev_timer_init(&tick, on_tick, 0.01, 0.01);
	tick.data = &t;
	ev_timer_start(t.loop, &tick);
	ev_io_init(&in, on_stdin, STDIN_FILENO, EV_READ);
	in.data = &t;
	ev_io_start(t.loop, &in);
	ev_signal_init(&sterm, on_signal, SIGTERM);
	ev_signal_start(t.loop, &sterm);
	ev_signal_init(&sint, on_signal, SIGINT);
	ev_signal_start(t.loop, &sint);
	signal(SIGPIPE, SIG_IGN);

	printf("ready healthz_port=%u metrics_port=%u\n", opsrv_healthz_port(t.ops),
	       opsrv_metrics_port(t.ops));
	fflush(stdout);
	ev_run(t.loop, 0);

	ev_timer_stop(t.loop, &tick);
	ev_io_stop(t.loop, &in);
	ev_signal_stop(t.loop, &sterm);
	ev_signal_stop(t.loop, &sint);
	opsrv_free(t.ops);
	ev_loop_destroy(t.loop);
	return 0;
}
