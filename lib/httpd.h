/* SPDX-License-Identifier: Apache-2.0 */
/*
 * httpd — a small HTTP server for operational endpoints, run on a libev loop.
 *
 * HTTP itself is libmicrohttpd's (never parsed here). It runs in its
 * external-loop epoll mode: no thread of its own; one ev_io watches its epoll
 * descriptor, one ev_timer follows MHD_get_timeout(), and both call MHD_run(),
 * which never blocks. Handlers run inside the loop and must be quick (they
 * render text already in memory).
 *
 * One server per listening address; each serves the exact paths given to
 * httpd_route() for GET and HEAD. Anything else is answered without calling
 * a handler: 404 for an unknown path, 405 (with Allow: GET, HEAD) for another
 * method on a known one. A server given httpd_route_all() instead answers
 * every path and every method with that handler (kube-proxy's health-check
 * node ports do).
 *
 * Defences against slow or hostile clients, each with a default below:
 *  - conn_limit: at most this many connections; past it new clients wait in
 *    the kernel's accept backlog (libmicrohttpd stops accepting).
 *  - per_ip_limit: connections from one client address; more are closed at
 *    accept.
 *  - mem_limit: each connection's request buffer; a request whose header does
 *    not fit gets 431 and is closed, so a 1 MiB header costs mem_limit, not
 *    1 MiB.
 *  - timeout_s: a connection idle this long is closed (libmicrohttpd), and a
 *    request header must arrive in full within timeout_s of the connection
 *    opening or of the previous response, however slowly it trickles in
 *    (slowloris): the connection is shut down when it does not.
 * Each class of rejected client is logged as one line
 *     level=warn event=httpd_client_rejected server=metrics reason=header_too_large ...
 * at most once per log_interval per class, with counts, never per request.
 * Start and stop are logged once each.
 *
 * Not thread-safe: everything runs on the loop given to httpd_start().
 */
#ifndef KIPVS_HTTPD_H
#define KIPVS_HTTPD_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define HTTPD_DEFAULT_CONN_LIMIT   256
#define HTTPD_DEFAULT_PER_IP_LIMIT 32
#define HTTPD_DEFAULT_TIMEOUT_S    10
#define HTTPD_DEFAULT_MEM_LIMIT    (16 * 1024)
#define HTTPD_DEFAULT_LOG_INTERVAL 60.0
#define HTTPD_MAX_ROUTES           8

struct httpd;

struct httpd_config {
	const char *name; /* for log lines, e.g. "healthz" */
	/* "0.0.0.0:10256", "127.0.0.1:0" (ephemeral port), "[::]:10256" (IPv6 and,
	 * as with Go's listener, IPv4 too), "[::1]:10249". */
	const char *bind;
	unsigned conn_limit;   /* 0: HTTPD_DEFAULT_CONN_LIMIT */
	unsigned per_ip_limit; /* 0: HTTPD_DEFAULT_PER_IP_LIMIT */
	unsigned timeout_s;    /* 0: HTTPD_DEFAULT_TIMEOUT_S */
	size_t mem_limit;      /* 0: HTTPD_DEFAULT_MEM_LIMIT (bytes per connection) */
	double log_interval_s; /* 0: HTTPD_DEFAULT_LOG_INTERVAL */
	/* A failed bind is not logged (the caller logs it its own way, e.g. once
	 * for a port it retries); start and stop still are. */
	bool quiet_bind_error;
};

/* What a handler answers. Status defaults to 200, content type to text/plain.
 * Every answer carries X-Content-Type-Options: nosniff. */
struct httpd_reply {
	unsigned status;
	const char *content_type; /* a string that outlives the request (a literal) */
	char *body;               /* malloc'd; httpd frees it. NULL: empty body */
	size_t len;
	/* One more header when extra_name is set (a literal), e.g.
	 * "X-Load-Balancing-Endpoint-Weight" with its value copied here. */
	const char *extra_name;
	char extra_value[32];
};

/* Called for GET and HEAD on the route's path (libmicrohttpd drops the body
 * of a HEAD answer), or for any request (httpd_route_all). */
typedef void (*httpd_handler_fn)(void *ctx, const char *path, struct httpd_reply *r);

/* Why a client was turned away; the counters in struct httpd_stats. */
enum httpd_reject {
	HTTPD_REJ_NOT_FOUND,        /* 404 */
	HTTPD_REJ_METHOD,           /* 405 */
	HTTPD_REJ_BAD_REQUEST,      /* 400 from libmicrohttpd */
	HTTPD_REJ_HEADER_TOO_LARGE, /* 431/413/414 from libmicrohttpd: over mem_limit */
	HTTPD_REJ_IP_LIMIT,         /* closed at accept: per_ip_limit */
	HTTPD_REJ_CONN_LIMIT,       /* reached conn_limit (counted once per episode) */
	HTTPD_REJ_TIMEOUT,          /* no complete request header within timeout_s */
	HTTPD_REJ__COUNT,
};

struct httpd_stats {
	uint64_t requests; /* handed to a handler or answered 404/405 */
	uint64_t rejected[HTTPD_REJ__COUNT];
	unsigned connections; /* open now */
};

/*
 * Parses a bind address ("1.2.3.4:80", "[::]:80"; the port is required and
 * may be 0). 0 or -EINVAL.
 */
int httpd_parse_bind(const char *s, struct sockaddr_storage *ss, socklen_t *len)
    __attribute__((warn_unused_result));

/*
 * Binds, listens and starts serving on @loop. 0, -EINVAL (bad address or
 * config), -EADDRINUSE / -EACCES / ... from bind(2), -ENOMEM, or -EIO when
 * libmicrohttpd refuses to start. Logs one line either way.
 */
int httpd_start(struct ev_loop *loop, const struct httpd_config *cfg, struct httpd **out)
    __attribute__((warn_unused_result));
/* Stops serving, closes every connection, logs once, frees @h (NULL is fine). */
void httpd_stop(struct httpd *h);

/* Serves @path ("/metrics": exact match, query string ignored) with @fn.
 * 0, -EEXIST (path already routed), -ENOSPC (HTTPD_MAX_ROUTES), -EINVAL. */
int httpd_route(struct httpd *h, const char *path, httpd_handler_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* Serves every path with every method with @fn (routes given to
 * httpd_route() still win for their paths). A request announcing a body is
 * answered at once and its connection closed after the answer, so the body
 * is never read. 0, -EEXIST (already set) or -EINVAL. */
int httpd_route_all(struct httpd *h, httpd_handler_fn fn, void *ctx)
    __attribute__((warn_unused_result));

/* The port actually bound (the ephemeral one when the config said 0). */
uint16_t httpd_port(const struct httpd *h);
void httpd_get_stats(const struct httpd *h, struct httpd_stats *out);
/* "not_found", "method_not_allowed", ..., as used in the log lines. */
const char *httpd_reject_name(enum httpd_reject r);

#endif
