/* SPDX-License-Identifier: Apache-2.0 */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
/* Deadlines and log intervals run on the monotonic clock: ev_now() is wall
 * time, and a clock step must neither free a slow client nor cut off all. */
#include "mono.h"

#define LISTEN_BACKLOG 128
#define RL_OTHER       HTTPD_REJ__COUNT
#define RL_ROUTINE     (HTTPD_REJ__COUNT + 1)

/*
 * One open connection. While it waits for a request header (just accepted,
 * or idle between keep-alive requests) it sits on the server's wait list,
 * which stays ordered by @since because entries only ever join at the tail
 * with the current time: the head is always the next header deadline.
 */
struct conn {
	struct conn *prev, *next;
	double since; /* monotonic time the wait for a header began */
	bool waiting; /* on the wait list */
	bool served;  /* a request of this connection reached a handler */
	bool shut;    /* shut down by the deadline; libmicrohttpd closes it next */
	int fd;
	char peer[INET6_ADDRSTRLEN];
};

struct route {
	char *path;
	httpd_handler_fn fn;
	void *ctx;
};

/* Rate limit of one class of log line. */
struct ratelog {
	double last;
	uint64_t count; /* events since the last line */
	bool logged;
};

struct httpd {
	struct ev_loop *loop;
	struct MHD_Daemon *mhd;
	ev_io io;           /* libmicrohttpd's epoll descriptor is readable */
	ev_timer mhd_timer; /* MHD_get_timeout() */
	ev_timer deadline;  /* the oldest header wait runs out */
	char *name;
	char *bind;
	uint16_t port;
	unsigned conn_limit;
	unsigned timeout_s;
	double log_interval;
	struct route routes[HTTPD_MAX_ROUTES];
	unsigned nroutes;
	struct route all; /* httpd_route_all(): fn NULL when unset */
	struct conn *wait_head, *wait_tail;
	bool at_limit;
	bool stopping;
	struct httpd_stats st;
	/* One per rejection class, then libmicrohttpd's other messages: RL_OTHER
	 * (worth a line) and RL_ROUTINE (clients going away). */
	struct ratelog rl[HTTPD_REJ__COUNT + 2];
};

static const char *const reject_names[HTTPD_REJ__COUNT] = {
	[HTTPD_REJ_NOT_FOUND] = "not_found",     [HTTPD_REJ_METHOD] = "method_not_allowed",
	[HTTPD_REJ_BAD_REQUEST] = "bad_request", [HTTPD_REJ_HEADER_TOO_LARGE] = "header_too_large",
	[HTTPD_REJ_IP_LIMIT] = "per_ip_limit",   [HTTPD_REJ_CONN_LIMIT] = "connection_limit",
	[HTTPD_REJ_TIMEOUT] = "header_timeout",
};

const char *httpd_reject_name(enum httpd_reject r)
{
	return (unsigned)r < HTTPD_REJ__COUNT ? reject_names[r] : "unknown";
}

/* True when a line for this class may be logged now; counts the event. */
static bool ratelog_due(struct httpd *h, struct ratelog *rl)
{
	double now = mono_s();

	rl->count++;
	if (rl->logged && now - rl->last < h->log_interval)
		return false;
	rl->logged = true;
	rl->last = now;
	return true;
}

static void reject(struct httpd *h, enum httpd_reject r, const char *peer)
{
	struct ratelog *rl = &h->rl[r];

	h->st.rejected[r]++;
	if (!ratelog_due(h, rl))
		return;
	/* Abuse and limits are warnings; a wrong path or method is a client's
	 * mistake worth knowing about, not a problem of ours. */
	log_event(r == HTTPD_REJ_NOT_FOUND || r == HTTPD_REJ_METHOD ? LOG_LVL_INFO : LOG_LVL_WARN,
	          "httpd_client_rejected", "server=%s reason=%s client=%s count=%llu total=%llu",
	          h->name, reject_names[r], peer && *peer ? peer : "-",
	          (unsigned long long)rl->count, (unsigned long long)h->st.rejected[r]);
	rl->count = 0;
}

static void fmt_peer(const struct sockaddr *sa, char *buf, size_t len)
{
	buf[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
		          (socklen_t)len);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		          buf, (socklen_t)len);
}

/* --- header deadlines ------------------------------------------------------ */

static void deadline_arm(struct httpd *h)
{
	double in;

	ev_timer_stop(h->loop, &h->deadline);
	if (!h->wait_head || h->stopping)
		return;
	in = h->wait_head->since + h->timeout_s - mono_s();
	ev_timer_set(&h->deadline, in > 0 ? in : 0, 0);
	ev_timer_start(h->loop, &h->deadline);
}

static void wait_del(struct httpd *h, struct conn *k)
{
	if (!k->waiting)
		return;
	if (k->prev)
		k->prev->next = k->next;
	else
		h->wait_head = k->next;
	if (k->next)
		k->next->prev = k->prev;
	else
		h->wait_tail = k->prev;
	k->prev = k->next = NULL;
	k->waiting = false;
}

static void wait_push(struct httpd *h, struct conn *k)
{
	wait_del(h, k);
	k->since = mono_s();
	k->prev = h->wait_tail;
	if (h->wait_tail)
		h->wait_tail->next = k;
	else
		h->wait_head = k;
	h->wait_tail = k;
	k->waiting = true;
}

/*
 * libmicrohttpd's own timeout only fires after timeout_s of silence, so a
 * client sending one header byte a second would hold its connection for
 * hours. Connections still without a whole header at their deadline are
 * shut down here (not closed: the descriptor stays libmicrohttpd's, which
 * sees end-of-file on its next pass and closes it in its own time).
 */
static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct httpd *h = w->data;
	double now = mono_s();

	while (h->wait_head && h->wait_head->since + h->timeout_s <= now) {
		struct conn *k = h->wait_head;

		wait_del(h, k);
		if (!k->served)
			reject(h, HTTPD_REJ_TIMEOUT, k->peer);
		shutdown(k->fd, SHUT_RDWR);
		k->shut = true;
	}
	deadline_arm(h);
}

/* --- libmicrohttpd on libev ------------------------------------------------ */

static void mhd_arm(struct httpd *h, bool now)
{
	MHD_UNSIGNED_LONG_LONG ms;

	ev_timer_stop(h->loop, &h->mhd_timer);
	if (h->stopping)
		return;
	if (now) {
		ev_timer_set(&h->mhd_timer, 0, 0);
	} else if (MHD_get_timeout(h->mhd, &ms) == MHD_YES) {
		ev_timer_set(&h->mhd_timer, (double)ms / 1000.0, 0);
	} else {
		return;
	}
	ev_timer_start(h->loop, &h->mhd_timer);
}

static void mhd_pass(struct httpd *h)
{
	unsigned before = h->st.connections;

	MHD_run(h->mhd); /* epoll_wait with a zero timeout inside: never blocks */
	if (h->st.connections >= h->conn_limit) {
		if (!h->at_limit)
			reject(h, HTTPD_REJ_CONN_LIMIT, NULL);
		h->at_limit = true;
	} else {
		h->at_limit = false;
	}
	/*
	 * libmicrohttpd takes its listening socket out of its epoll set while at
	 * the connection limit and puts it back only at the start of its next
	 * pass. When connections closed during this pass, nothing else would
	 * wake us for that next pass and clients queued in the backlog would
	 * wait forever (seen with 0.9.75), so run again right away.
	 */
	mhd_arm(h, h->st.connections < before);
}

static void on_io(struct ev_loop *loop, ev_io *w, int revents)
{
	mhd_pass(w->data);
}

static void on_mhd_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	mhd_pass(w->data);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct httpd *h = cls;
	char msg[256], q[160];
	struct ratelog *rl;
	bool routine;
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (strstr(msg, "code is 431") || strstr(msg, "code is 413") ||
	    strstr(msg, "code is 414")) {
		reject(h, HTTPD_REJ_HEADER_TOO_LARGE, NULL);
		return;
	}
	if (strstr(msg, "code is 400")) {
		reject(h, HTTPD_REJ_BAD_REQUEST, NULL);
		return;
	}
	if (strstr(msg, "connection limit")) { /* in epoll mode: the per-IP limit */
		reject(h, HTTPD_REJ_IP_LIMIT, NULL);
		return;
	}
	/* A client going away (or being shut out by the deadline) is routine;
	 * anything else, such as running out of descriptors, is worth a line. */
	routine = strstr(msg, "clos") || strstr(msg, "reset") || strstr(msg, "pipe");
	rl = &h->rl[routine ? RL_ROUTINE : RL_OTHER];
	if (ratelog_due(h, rl)) {
		log_event(routine ? LOG_LVL_DEBUG : LOG_LVL_INFO, "httpd_library_message",
		          "server=%s count=%llu msg=%s", h->name, (unsigned long long)rl->count,
		          log_quote(msg, q, sizeof(q)));
		rl->count = 0;
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **sc,
                          enum MHD_ConnectionNotificationCode code)
{
	struct httpd *h = cls;
	struct conn *k = *sc;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		h->st.connections++;
		k = calloc(1, sizeof(*k));
		if (!k)
			return; /* no header deadline; libmicrohttpd's idle timeout still holds */
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		k->fd = ci ? ci->connect_fd : -1;
		ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		fmt_peer(ci ? ci->client_addr : NULL, k->peer, sizeof(k->peer));
		*sc = k;
		if (k->fd >= 0) {
			wait_push(h, k);
			if (k == h->wait_head)
				deadline_arm(h);
		}
		return;
	}
	h->st.connections--;
	if (k) {
		bool was_head = k == h->wait_head;

		wait_del(h, k);
		free(k);
		*sc = NULL;
		if (was_head)
			deadline_arm(h);
	}
}

/* A response went out: a keep-alive connection now waits for its next header. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct httpd *h = cls;
	const union MHD_ConnectionInfo *ci;
	struct conn *k;

	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK || h->stopping)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	k = ci ? ci->socket_context : NULL;
	if (k && !k->shut && k->fd >= 0) {
		wait_push(h, k);
		if (k == h->wait_head)
			deadline_arm(h);
	}
}

static enum MHD_Result send_reply(struct MHD_Connection *c, unsigned status, const char *ctype,
                                  char *body, size_t len, bool owned, const char *allow,
                                  const struct httpd_reply *extra)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (owned && body)
		resp = MHD_create_response_from_buffer_with_free_callback(len, body, free);
	else
		resp = MHD_create_response_from_buffer(len, (void *)(body ? body : ""),
		                                       MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES ||
	    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    (allow && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES) ||
	    (extra && extra->extra_name &&
	     MHD_add_response_header(resp, extra->extra_name, extra->extra_value) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Whether the request header announces a body. */
static bool has_body(struct MHD_Connection *c)
{
	const char *cl =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
	       (cl && strcmp(cl, "0"));
}

static const struct route *find_route(const struct httpd *h, const char *url)
{
	for (unsigned i = 0; i < h->nroutes; i++)
		if (!strcmp(h->routes[i].path, url))
			return &h->routes[i];
	return h->all.fn ? &h->all : NULL;
}

static enum MHD_Result answer(struct MHD_Connection *c, const struct route *rt, const char *url)
{
	static const char text[] = "text/plain; charset=utf-8";
	struct httpd_reply r = { .status = 200 };

	rt->fn(rt->ctx, url, &r);
	return send_reply(c, r.status ? r.status : 200, r.content_type ? r.content_type : text,
	                  r.body, r.body ? r.len : 0, true, NULL, &r);
}

/*
 * libmicrohttpd calls this once when the header is complete, then again for
 * each piece of body and once more with no data. A GET or HEAD on a route is
 * answered on that last call: answering in the first one would make
 * libmicrohttpd close the connection (it cannot know whether a body
 * follows), and Prometheus and probes like keep-alive (so is any request
 * without a body to the httpd_route_all() handler). Everything else (an
 * unknown path, another method, a request announcing a body) is answered in
 * the first call, which closes the connection after the answer, so nobody
 * gets us to read a body we have no use for.
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
	static const char text[] = "text/plain; charset=utf-8";
	static char not_found[] = "404 page not found\n";
	static char not_allowed[] = "405 method not allowed\n";
	static char no_body[] = "400 request body not allowed\n";
	static char seen, answered;
	struct httpd *h = cls;
	const union MHD_ConnectionInfo *ci;
	const struct route *rt;
	struct conn *k;

	if (*req_cls == &answered) { /* body data after the answer: drop it */
		*upload_size = 0;
		return MHD_YES;
	}
	rt = find_route(h, url);
	if (*req_cls == &seen) {
		if (*upload_size) { /* not announced in the header: drop it */
			*upload_size = 0;
			return MHD_YES;
		}
		*req_cls = &answered;
		return answer(c, rt, url);
	}
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	k = ci ? ci->socket_context : NULL;
	if (k) {
		bool was_head = k == h->wait_head;

		k->served = true;
		wait_del(h, k); /* the header is complete */
		if (was_head)
			deadline_arm(h);
	}
	h->st.requests++;
	if (!rt) {
		*req_cls = &answered;
		reject(h, HTTPD_REJ_NOT_FOUND, k ? k->peer : NULL);
		return send_reply(c, MHD_HTTP_NOT_FOUND, text, not_found, sizeof(not_found) - 1,
		                  false, NULL, NULL);
	}
	if (rt != &h->all && strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD)) {
		*req_cls = &answered;
		reject(h, HTTPD_REJ_METHOD, k ? k->peer : NULL);
		return send_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, not_allowed,
		                  sizeof(not_allowed) - 1, false, "GET, HEAD", NULL);
	}
	if (has_body(c)) {
		*req_cls = &answered;
		if (rt == &h->all) /* answered, and the body left unread */
			return answer(c, rt, url);
		reject(h, HTTPD_REJ_BAD_REQUEST, k ? k->peer : NULL);
		return send_reply(c, MHD_HTTP_BAD_REQUEST, text, no_body, sizeof(no_body) - 1,
		                  false, NULL, NULL);
	}
	*req_cls = &seen;
	return MHD_YES;
}

/* --- setup ------------------------------------------------------------------ */

int httpd_parse_bind(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	const char *host, *port, *end;
	char hbuf[INET6_ADDRSTRLEN];
	unsigned long p = 0;
	size_t hl;
	int af;

	memset(ss, 0, sizeof(*ss));
	*len = 0;
	if (!s)
		return -EINVAL;
	if (s[0] == '[') {
		host = s + 1;
		end = strchr(host, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		port = end + 2;
		af = AF_INET6;
	} else {
		end = strchr(s, ':');
		if (!end || strchr(end + 1, ':'))
			return -EINVAL;
		host = s;
		port = end + 1;
		af = AF_INET;
	}
	hl = (size_t)(end - host);
	if (!hl || hl >= sizeof(hbuf) || !*port || strlen(port) > 5)
		return -EINVAL;
	for (const char *c = port; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		p = p * 10 + (unsigned long)(*c - '0');
	}
	if (p > 65535)
		return -EINVAL;
	memcpy(hbuf, host, hl);
	hbuf[hl] = '\0';
	if (af == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, hbuf, &a->sin_addr) != 1)
			return -EINVAL;
		*len = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, hbuf, &a->sin6_addr) != 1)
			return -EINVAL;
		*len = sizeof(*a);
	}
	return 0;
}

/* Our own listening socket, so that a failed bind reports its errno. */
static int open_listener(const struct sockaddr_storage *ss, socklen_t len, uint16_t *port)
{
	int one = 1, fd, err;
	struct sockaddr_storage got;
	socklen_t gl = sizeof(got);

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	if (ss->ss_family == AF_INET6) {
		/* "[::]" takes IPv4 too, as Go's listener (kube-proxy) does. */
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		int v6only = !IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr);

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)))
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, LISTEN_BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)&got, &gl))
		goto fail;
	*port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
	                                        : ((struct sockaddr_in *)&got)->sin_port);
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int httpd_start(struct ev_loop *loop, const struct httpd_config *cfg, struct httpd **out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct httpd *h;
	const union MHD_DaemonInfo *di;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int fd, err;

	*out = NULL;
	if (httpd_parse_bind(cfg->bind, &ss, &sl)) {
		char q[96];

		log_err("httpd_bad_address", "server=%s addr=%s", cfg->name ? cfg->name : "-",
		        log_quote(cfg->bind ? cfg->bind : "", q, sizeof(q)));
		return -EINVAL;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->name = strdup(cfg->name ? cfg->name : "http");
	h->bind = strdup(cfg->bind);
	if (!h->name || !h->bind) {
		err = -ENOMEM;
		goto fail;
	}
	h->conn_limit = cfg->conn_limit ? cfg->conn_limit : HTTPD_DEFAULT_CONN_LIMIT;
	h->timeout_s = cfg->timeout_s ? cfg->timeout_s : HTTPD_DEFAULT_TIMEOUT_S;
	h->log_interval =
	    cfg->log_interval_s > 0 ? cfg->log_interval_s : HTTPD_DEFAULT_LOG_INTERVAL;
	fd = open_listener(&ss, sl, &h->port);
	if (fd < 0) {
		err = fd;
		if (!cfg->quiet_bind_error)
			log_err("httpd_bind_failed", "server=%s addr=%s err=%s", h->name, h->bind,
			        strerror(-err));
		goto fail;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* The logger goes first so that no message reaches libmicrohttpd's own
	 * stderr logger. */
	h->mhd = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, h->conn_limit,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    cfg->per_ip_limit ? cfg->per_ip_limit : HTTPD_DEFAULT_PER_IP_LIMIT,
	    /*
	     * One second after our header deadline: a silent client is then
	     * always shut out (and counted) by the deadline, never by this
	     * idle timeout racing it; keep-alive connections idle after an
	     * answer still close at about timeout_s.
	     */
	    MHD_OPTION_CONNECTION_TIMEOUT, h->timeout_s + 1, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    cfg->mem_limit ? cfg->mem_limit : (size_t)HTTPD_DEFAULT_MEM_LIMIT,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h, MHD_OPTION_NOTIFY_COMPLETED,
	    on_completed, h, MHD_OPTION_END);
	di = h->mhd ? MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD) : NULL;
	if (!di) {
		if (h->mhd)
			MHD_stop_daemon(h->mhd); /* closes fd */
		else
			close(fd);
		h->mhd = NULL;
		err = -EIO;
		log_err("httpd_start_failed", "server=%s addr=%s", h->name, h->bind);
		goto fail;
	}
	ev_io_init(&h->io, on_io, di->epoll_fd, EV_READ);
	h->io.data = h;
	ev_timer_init(&h->mhd_timer, on_mhd_timer, 0, 0);
	h->mhd_timer.data = h;
	ev_timer_init(&h->deadline, on_deadline, 0, 0);
	h->deadline.data = h;
	ev_io_start(loop, &h->io);
	mhd_arm(h, true);
	log_info("httpd_started", "server=%s addr=%s port=%u", h->name, h->bind, h->port);
	*out = h;
	return 0;
fail:
	free(h->name);
	free(h->bind);
	free(h);
	return err;
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	h->stopping = true;
	ev_io_stop(h->loop, &h->io);
	ev_timer_stop(h->loop, &h->mhd_timer);
	ev_timer_stop(h->loop, &h->deadline);
	MHD_stop_daemon(h->mhd); /* closes every connection (freeing ours) and the socket */
	log_info("httpd_stopped", "server=%s addr=%s port=%u requests=%llu", h->name, h->bind,
	         h->port, (unsigned long long)h->st.requests);
	for (unsigned i = 0; i < h->nroutes; i++)
		free(h->routes[i].path);
	free(h->name);
	free(h->bind);
	free(h);
}

int httpd_route(struct httpd *h, const char *path, httpd_handler_fn fn, void *ctx)
{
	if (!path || path[0] != '/' || !fn)
		return -EINVAL;
	for (unsigned i = 0; i < h->nroutes; i++)
		if (!strcmp(h->routes[i].path, path))
			return -EEXIST;
	if (h->nroutes == HTTPD_MAX_ROUTES)
		return -ENOSPC;
	h->routes[h->nroutes].path = strdup(path);
	if (!h->routes[h->nroutes].path)
		return -ENOMEM;
	h->routes[h->nroutes].fn = fn;
	h->routes[h->nroutes].ctx = ctx;
	h->nroutes++;
	return 0;
}

int httpd_route_all(struct httpd *h, httpd_handler_fn fn, void *ctx)
{
	if (!fn)
		return -EINVAL;
	if (h->all.fn)
		return -EEXIST;
	h->all.fn = fn;
	h->all.ctx = ctx;
	return 0;
}

uint16_t httpd_port(const struct httpd *h)
{
	return h->port;
}

void httpd_get_stats(const struct httpd *h, struct httpd_stats *out)
{
	*out = h->st;
}
