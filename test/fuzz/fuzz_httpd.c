/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The health and metrics server as kipvs runs it: opsrv (lib/opsrv) with
 * /healthz, /livez and /metrics on one lib/httpd server, libmicrohttpd in
 * the libev loop, bound to 127.0.0.1 on an ephemeral port.
 *
 * Each input is sent as it is — request line, headers, body, several
 * pipelined requests, garbage — over a fresh loopback TCP connection; the
 * loop runs until the server closes the connection or stops answering,
 * and the client resets it. (Not a FIN: a client that closes first keeps
 * its port in TIME_WAIT for a minute, and tens of thousands of inputs a
 * minute would use up the ephemeral ports.) So the fuzzed
 * part is everything kipvs's own code does with a request: routing on the
 * path (query ignored), the method and body checks, the handlers, the
 * header deadline bookkeeping, the connection accounting and
 * libmicrohttpd's messages mapped to rejections. (Driving libmicrohttpd
 * for real is the only way to reach on_request(): it needs a connection of
 * libmicrohttpd's.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../lib/opsrv.h"
#include "fuzz.h"

/* Loop passes in a row with nothing received that count as "the server is
 * done with what it got". */
#define QUIET_PASSES 20
/* Sent at most (the loopback socket buffers hold it: send never blocks on
 * a server that runs in this same thread). */
#define MAX_SEND (256u << 10)

static struct ev_loop *loop;
static struct opsrv *srv;
static uint16_t port;

struct client {
	ev_io io;
	bool eof; /* the server closed (or reset) the connection */
	size_t got;
	char head[16]; /* the answer's first bytes */
};

static void on_client(struct ev_loop *l, ev_io *w, int revents)
{
	struct client *c = (struct client *)w;
	char buf[4096];
	ssize_t n = recv(w->fd, buf, sizeof(buf), 0);

	(void)l;
	(void)revents;
	if (n > 0) {
		if (c->got < sizeof(c->head))
			memcpy(c->head + c->got, buf,
			       (size_t)n < sizeof(c->head) - c->got ? (size_t)n
			                                            : sizeof(c->head) - c->got);
		c->got += (size_t)n;
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		c->eof = true;
		ev_io_stop(loop, w);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct opsrv_config cfg = {
		.healthz_bind = "127.0.0.1:0",
		.metrics_bind = "127.0.0.1:0",
		.health_timeout_ns = 60000000000LL,
		.version = "fuzz",
		.timeout_s = 2,
		.log_interval_s = 3600,
	};

	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	loop = ev_loop_new(EVFLAG_AUTO);
	FUZZ_ASSERT(loop != NULL, "an event loop");
	FUZZ_ASSERT(opsrv_create(&cfg, &srv) == 0, "opsrv_create");
	FUZZ_ASSERT(opsrv_start(srv, loop) == 0, "the server listens on loopback");
	port = opsrv_healthz_port(srv);
	FUZZ_ASSERT(port != 0 && port == opsrv_metrics_port(srv), "one server for all paths");
	/* something to render at /metrics */
	opsrv_sync_queued(srv, AF_INET);
	opsrv_sync_done(srv, AF_INET, 0.25);
	opsrv_kernel_error(srv, -EEXIST);
	opsrv_api_event(srv);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t n_inputs;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in src = { .sin_family = AF_INET };
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	struct client c = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), quiet = 0;
	size_t off = 0, len = size < MAX_SEND ? size : MAX_SEND;

	FUZZ_ASSERT(fd >= 0, "a socket");
	/* Each input from its own source address in 127/8: the server closes
	 * first, so its side of every connection waits a minute in TIME_WAIT,
	 * and from one source address the ephemeral ports ran out after about
	 * 120,000 inputs. 16 million sources last for hours. */
	src.sin_addr.s_addr = htonl(0x7f000000u | (1u + n_inputs++ % 0xfffffeu));
	FUZZ_ASSERT(bind(fd, (struct sockaddr *)&src, sizeof(src)) == 0, "a loopback source");
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_ASSERT(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect to loopback");
	while (off < len) {
		ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			break; /* the server closed already (e.g. a header too large) */
		off += (size_t)n;
	}
	FUZZ_ASSERT(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "non-blocking");
	ev_io_init(&c.io, on_client, fd, EV_READ);
	ev_io_start(loop, &c.io);
	/* Until the server closes, or has nothing more to say for now: a
	 * keep-alive connection or an unfinished request stays open. */
	while (!c.eof && quiet < QUIET_PASSES) {
		size_t before = c.got;

		ev_run(loop, EVRUN_NOWAIT);
		quiet = c.got == before ? quiet + 1 : 0;
	}
	ev_io_stop(loop, &c.io);
	/* A reset, which the server sees at once, so that no connection of this
	 * input is left for the next one. */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	close(fd);
	for (int i = 0; i < 3; i++)
		ev_run(loop, EVRUN_NOWAIT);
	if (c.got)
		FUZZ_ASSERT(!memcmp(c.head, "HTTP/1.", c.got < 7 ? c.got : 7), "an HTTP answer");
	return 0;
}
