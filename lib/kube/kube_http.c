/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_http.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "../version.h"
#include "kube_config.h"
#include "kube_decode.h"

enum req_state {
	REQ_RUNNING = 0,
	REQ_FINISHED, /* curl is done, on_done not yet called */
	REQ_IN_DONE,  /* on_done is running */
};

struct kube_http_req {
	struct kube_http *h;
	CURL *easy;
	struct curl_slist *headers;
	struct kube_http_req_opts o;
	enum req_state state;
	bool cancelled; /* while REQ_FINISHED: free without calling on_done */
	bool stopped;   /* on_data asked to stop */
	long status;
	CURLcode rc;
	char *ebody; /* body of a non-2xx answer */
	size_t elen;
	char errbuf[CURL_ERROR_SIZE];
	struct kube_http_req *prev, *next; /* all requests of h */
	struct kube_http_req *done_next;   /* finished, waiting for on_done */
};

struct sock {
	struct kube_http *h;
	curl_socket_t fd;
	ev_io io;
	struct sock *prev, *next;
};

struct kube_http {
	struct ev_loop *loop;
	const struct kube_config *cfg;
	CURLM *multi;
	ev_timer timer;
	int running;
	char *base;                    /* URL prefix requests go to (tls-server-name applied) */
	struct curl_slist *connect_to; /* tls-server-name: "name:port:host:port" */
	bool tls;                      /* https */
	bool creds;                    /* a token is configured and may be sent */
	char *token;                   /* cached bearer token (secret) */
	double token_at, token_period; /* when read (ev_now) */
	bool token_stale;              /* a 401 came back: re-read before the next request */
	char *user_agent;
	unsigned long nreq;
	struct kube_http_req *reqs;
	struct sock *socks;
};

static bool curl_inited; /* curl_global_init is process-wide by nature */

const char *kube_http_strerror(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case -ECONNREFUSED:
		return "connection refused";
	case -EHOSTUNREACH:
		return "host not resolved or unreachable";
	case -ETIMEDOUT:
		return "timed out";
	case -EPROTO:
		return "TLS failure";
	case -ECONNRESET:
		return "connection broken";
	case -ECANCELED:
		return "stopped by the client";
	case -ENOMEM:
		return "out of memory";
	case -EBADMSG:
		return "invalid answer";
	default:
		return "transfer failed";
	}
}

const char *kube_http_failure_code(const struct kube_http_result *res, char *buf, size_t len)
{
	if (res->err == -EBADMSG)
		snprintf(buf, len, "invalid");
	else if (res->err || !res->status)
		snprintf(buf, len, "error");
	else
		snprintf(buf, len, "%ld", res->status);
	return buf;
}

static int map_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return 0;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return -EPROTO;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
		return -ECONNRESET;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* ---- libev <-> libcurl glue (evhiperfifo) -------------------------------- */

static void drain_done(struct kube_http *h);

static void io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct sock *s = (struct sock *)((char *)w - offsetof(struct sock, io));
	struct kube_http *h = s->h;
	int action =
	    (revents & EV_READ ? CURL_CSELECT_IN : 0) | (revents & EV_WRITE ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(h->multi, w->fd, action, &h->running);
	drain_done(h);
	if (h->running <= 0)
		ev_timer_stop(loop, &h->timer);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kube_http *h = (struct kube_http *)((char *)w - offsetof(struct kube_http, timer));

	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &h->running);
	drain_done(h);
}

/* CURLMOPT_TIMERFUNCTION: curl wants to be called back in @ms (-1: never). */
static int curl_timer_cb(CURLM *m, long ms, void *userp)
{
	struct kube_http *h = userp;

	ev_timer_stop(h->loop, &h->timer);
	if (ms >= 0) {
		ev_timer_set(&h->timer, (double)ms / 1000.0, 0.);
		ev_timer_start(h->loop, &h->timer);
	}
	return 0;
}

static void sock_free(struct kube_http *h, struct sock *s)
{
	ev_io_stop(h->loop, &s->io);
	if (s->prev)
		s->prev->next = s->next;
	else
		h->socks = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION: what curl wants to know about socket @fd. */
static int curl_sock_cb(CURL *e, curl_socket_t fd, int what, void *userp, void *sockp)
{
	struct kube_http *h = userp;
	struct sock *s = sockp;
	int ev = (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);

	if (what == CURL_POLL_REMOVE) {
		if (s) {
			curl_multi_assign(h->multi, fd, NULL);
			sock_free(h, s);
		}
		return 0;
	}
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -1;
		s->h = h;
		s->fd = fd;
		s->next = h->socks;
		if (h->socks)
			h->socks->prev = s;
		h->socks = s;
		ev_init(&s->io, io_cb);
		curl_multi_assign(h->multi, fd, s);
	} else {
		ev_io_stop(h->loop, &s->io);
	}
	ev_io_set(&s->io, fd, ev);
	ev_io_start(h->loop, &s->io);
	return 0;
}

/* ---- requests ----------------------------------------------------------- */

static void req_free(struct kube_http_req *r)
{
	struct kube_http *h = r->h;

	if (r->easy) {
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	for (struct curl_slist *l = r->headers; l; l = l->next)
		explicit_bzero(l->data, strlen(l->data)); /* the bearer token */
	curl_slist_free_all(r->headers);
	free(r->ebody);
	if (r->prev)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	free(r);
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *userp)
{
	struct kube_http_req *r = userp;
	size_t n = size * nmemb;

	if (!r->status)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status >= 200 && r->status < 300) {
		if (r->o.on_data && r->o.on_data(r->o.ctx, ptr, n)) {
			r->stopped = true;
			return n ? 0 : 1; /* anything but n aborts */
		}
		return n;
	}
	/* An error answer: keep the start of it (a Status), drop the rest. */
	if (r->elen < KUBE_HTTP_ERR_BODY_MAX) {
		size_t take =
		    KUBE_HTTP_ERR_BODY_MAX - r->elen < n ? KUBE_HTTP_ERR_BODY_MAX - r->elen : n;
		char *nb = realloc(r->ebody, r->elen + take + 1);

		if (nb) {
			memcpy(nb + r->elen, ptr, take);
			r->elen += take;
			nb[r->elen] = '\0';
			r->ebody = nb;
		}
	}
	return n;
}

static void complete(struct kube_http_req *r)
{
	struct kube_http *h = r->h;
	struct kube_http_result res = { 0 };
	curl_off_t ra = 0;
	long ver = 0;

	res.err = r->stopped ? -ECANCELED : map_curl(r->rc);
	if (!r->status)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	res.status = r->status;
	res.detail = res.err ? (r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->rc)) : "";
	if (r->status && (r->status < 200 || r->status >= 300)) {
		res.body = r->ebody ? r->ebody : "";
		res.body_len = r->elen;
	}
	if (curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		res.retry_after = ra > 3600 ? 3600 : (long)ra;
	if (curl_easy_getinfo(r->easy, CURLINFO_HTTP_VERSION, &ver) == CURLE_OK)
		res.http2 = ver == CURL_HTTP_VERSION_2_0;
	if (r->status == 401)
		h->token_stale = true;
	/* Detach first: on_done may start a request that reuses the connection. */
	curl_multi_remove_handle(h->multi, r->easy);
	r->state = REQ_IN_DONE;
	if (r->o.on_done)
		r->o.on_done(r->o.ctx, &res);
	req_free(r);
}

/* Takes every finished transfer off curl's queue first, then runs their
 * on_done: a callback may cancel another finished request safely. */
static void drain_done(struct kube_http *h)
{
	struct kube_http_req *head = NULL, **tail = &head;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		struct kube_http_req *r = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (!r || r->state != REQ_RUNNING)
			continue;
		r->state = REQ_FINISHED;
		r->rc = m->data.result;
		*tail = r;
		tail = &r->done_next;
	}
	while (head) {
		struct kube_http_req *r = head;

		head = r->done_next;
		if (r->cancelled)
			req_free(r);
		else
			complete(r);
	}
}

void kube_http_cancel(struct kube_http_req *r)
{
	if (!r)
		return;
	if (r->state == REQ_FINISHED) {
		r->cancelled = true; /* drain_done frees it */
		return;
	}
	if (r->state == REQ_IN_DONE)
		return; /* freed when on_done returns */
	req_free(r);
}

void kube_http_token_invalidate(struct kube_http *h)
{
	h->token_stale = true;
}

unsigned long kube_http_requests(const struct kube_http *h)
{
	return h->nreq;
}

/* The token to send now, re-read when due. NULL = send none. */
static const char *current_token(struct kube_http *h)
{
	double now = ev_now(h->loop);
	char *t = NULL, qf[256], qe[96];
	int rc;

	if (!h->creds)
		return NULL;
	if (h->token && !h->token_stale && now - h->token_at < h->token_period)
		return h->token;
	rc = kube_config_read_token(h->cfg, &t);
	if (rc || !t) {
		log_warn("token_read_failed", "file=%s err=%s using=%s",
		         log_quote(h->cfg->token_file ? h->cfg->token_file : "", qf, sizeof(qf)),
		         log_quote(strerror(-rc), qe, sizeof(qe)), h->token ? "previous" : "none");
		h->token_stale = false;
		h->token_at = now;
		return h->token;
	}
	if (h->token && strcmp(h->token, t))
		log_info("token_reloaded", "file=%s",
		         log_quote(h->cfg->token_file ? h->cfg->token_file : "", qf, sizeof(qf)));
	kube_secret_free(h->token);
	h->token = t;
	h->token_at = now;
	h->token_stale = false;
	return h->token;
}

static int set_tls(struct kube_http *h, CURL *e)
{
	const struct kube_config *c = h->cfg;
	CURLcode rc = CURLE_OK;

	if (!h->tls)
		return 0;
	if (c->ca_data.data) {
		struct curl_blob b = { c->ca_data.data, c->ca_data.len, CURL_BLOB_NOCOPY };

		rc = curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
	} else if (c->ca_file) {
		rc = curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	}
	if (!rc && c->insecure) {
		rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		if (!rc)
			rc = curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (!rc && c->client_cert_data.data) {
		struct curl_blob b = { c->client_cert_data.data, c->client_cert_data.len,
			               CURL_BLOB_NOCOPY };

		rc = curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
	} else if (!rc && c->client_cert_file) {
		rc = curl_easy_setopt(e, CURLOPT_SSLCERT, c->client_cert_file);
	}
	if (!rc && c->client_key_data.data) {
		struct curl_blob b = { c->client_key_data.data, c->client_key_data.len,
			               CURL_BLOB_NOCOPY };

		rc = curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
	} else if (!rc && c->client_key_file) {
		rc = curl_easy_setopt(e, CURLOPT_SSLKEY, c->client_key_file);
	}
	if (!rc && (c->client_cert_data.data || c->client_cert_file)) {
		rc = curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		if (!rc)
			rc = curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (rc) {
		log_err("kube_http_setup", "option=tls err=%s", curl_easy_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

int kube_http_get(struct kube_http *h, const struct kube_http_req_opts *o,
                  struct kube_http_req **out)
{
	struct kube_http_req *r;
	const char *tok;
	char *url = NULL;
	CURL *e;
	CURLcode rc = CURLE_OK;
	CURLMcode mrc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->h = h;
	r->o = *o;
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;
	e = r->easy = curl_easy_init();
	if (!e || asprintf(&url, "%s%s", h->base, o->path) < 0) {
		url = NULL;
		goto nomem;
	}
	r->headers = curl_slist_append(NULL, "Accept: application/json");
	if (!r->headers)
		goto nomem;
	tok = current_token(h);
	if (tok) {
		char *hdr = NULL;
		struct curl_slist *l;

		if (asprintf(&hdr, "Authorization: Bearer %s", tok) < 0)
			goto nomem;
		l = curl_slist_append(r->headers, hdr);
		kube_secret_free(hdr);
		if (!l)
			goto nomem;
		r->headers = l;
	}
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (!rc)                                                                           \
			rc = curl_easy_setopt(e, opt, val);                                        \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PRIVATE, (char *)r);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, r);
	SET(CURLOPT_ERRORBUFFER, r->errbuf);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SET(CURLOPT_PIPEWAIT, 1L);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_TCP_KEEPIDLE, 30L);
	SET(CURLOPT_TCP_KEEPINTVL, 10L);
	SET(CURLOPT_CONNECTTIMEOUT, 30L);
	SET(CURLOPT_USERAGENT, h->user_agent);
	SET(CURLOPT_HTTPHEADER, r->headers);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	if (h->connect_to)
		SET(CURLOPT_CONNECT_TO, h->connect_to);
	if (o->watch) {
		SET(CURLOPT_LOW_SPEED_TIME, o->stall_s > 0 ? o->stall_s : 90L);
	} else {
		/* Lists can be large: let the server compress them. */
		SET(CURLOPT_ACCEPT_ENCODING, "");
		SET(CURLOPT_LOW_SPEED_TIME, 60L);
	}
#undef SET
	free(url);
	url = NULL;
	if (rc) {
		log_err("kube_http_setup", "err=%s", curl_easy_strerror(rc));
		req_free(r);
		return -EINVAL;
	}
	if (set_tls(h, e)) {
		req_free(r);
		return -EINVAL;
	}
	mrc = curl_multi_add_handle(h->multi, e);
	if (mrc != CURLM_OK) {
		log_err("kube_http_setup", "err=%s", curl_multi_strerror(mrc));
		curl_easy_cleanup(e);
		r->easy = NULL;
		req_free(r);
		return -EIO;
	}
	h->nreq++;
	*out = r;
	return 0;
nomem:
	free(url);
	req_free(r);
	return -ENOMEM;
}

const char *kube_http_url(const struct kube_http *h, const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", h->cfg->server, path);
	return buf;
}

void kube_http_status(const char *body, size_t len, struct kube_status *st)
{
	cJSON *j;

	memset(st, 0, sizeof(*st));
	if (!body || !len)
		return;
	j = cJSON_ParseWithLength(body, len);
	if (!j || kube_status_decode(j, st)) {
		size_t n = len < sizeof(st->message) - 1 ? len : sizeof(st->message) - 1;

		memcpy(st->message, body, n);
		st->message[n] = '\0';
	}
	cJSON_Delete(j);
}

void kube_http_log_failure(const struct kube_http *h, const char *resource, const char *op,
                           const char *path, const struct kube_http_result *res, unsigned retry_ms)
{
	char url[512], qu[560], qd[600], qm[600];

	kube_http_url(h, path, url, sizeof(url));
	log_quote(url, qu, sizeof(qu));
	if (res->err) {
		log_warn("kube_request_failed",
		         "resource=%s op=%s url=%s err=%s detail=%s retry_in=%.1fs", resource, op,
		         qu, log_quote(kube_http_strerror(res->err), qm, sizeof(qm)),
		         log_quote(res->detail, qd, sizeof(qd)), retry_ms / 1000.0);
	} else {
		struct kube_status st;

		kube_http_status(res->body, res->body_len, &st);
		log_event(
		    res->status == 401 || res->status == 403 ? LOG_LVL_ERR : LOG_LVL_WARN,
		    "kube_request_failed",
		    "resource=%s op=%s url=%s status=%ld reason=%s message=%s%s retry_in=%.1fs",
		    resource, op, qu, res->status, st.reason[0] ? st.reason : "-",
		    log_quote(st.message, qm, sizeof(qm)),
		    res->status == 401 ? " hint=\"credentials rejected; the token is re-read "
		                         "before the next attempt\""
		                       : "",
		    retry_ms / 1000.0);
	}
}

/* tls-server-name: send the name in the URL (SNI, Host, verification) and
 * let CURLOPT_CONNECT_TO take the connection to the real address. */
static int setup_server(struct kube_http *h)
{
	const struct kube_config *c = h->cfg;
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *ct = NULL;
	int r = -EINVAL;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, c->server, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0)) {
		char q[256];

		log_err("kube_server_invalid", "server=%s source=%s",
		        log_quote(c->server, q, sizeof(q)), c->source ? c->source : "");
		goto out;
	}
	h->tls = !strcmp(scheme, "https");
	if (c->tls_server_name && *c->tls_server_name && h->tls) {
		size_t pl = strlen(path);

		while (pl && path[pl - 1] == '/')
			path[--pl] = '\0';
		if (asprintf(&h->base, "https://%s:%s%s", c->tls_server_name, port, path) < 0 ||
		    asprintf(&ct, "%s:%s:%s:%s", c->tls_server_name, port, host, port) < 0) {
			h->base = NULL;
			ct = NULL;
			r = -ENOMEM;
			goto out;
		}
		h->connect_to = curl_slist_append(NULL, ct);
		free(ct);
		if (!h->connect_to) {
			r = -ENOMEM;
			goto out;
		}
	} else if (!(h->base = strdup(c->server))) {
		r = -ENOMEM;
		goto out;
	}
	r = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return r;
}

int kube_http_new(struct ev_loop *loop, const struct kube_config *cfg,
                  const struct kube_http_opts *o, struct kube_http **out)
{
	struct kube_http *h;
	int r;

	*out = NULL;
	if (!curl_inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -EIO;
		curl_inited = true;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->loop = loop;
	h->cfg = cfg;
	h->token_period = o && o->token_period_s > 0 ? o->token_period_s : 60.0;
	ev_init(&h->timer, timer_cb);
	r = setup_server(h);
	if (r)
		goto fail;
	if (o && o->user_agent)
		h->user_agent = strdup(o->user_agent);
	else if (asprintf(&h->user_agent, "kipvs/%s (linux)", KIPVS_VERSION) < 0)
		h->user_agent = NULL;
	h->multi = curl_multi_init();
	if (!h->user_agent || !h->multi) {
		r = -ENOMEM;
		goto fail;
	}
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, curl_sock_cb);
	curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
	curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	if (cfg->token || cfg->token_file) {
		if (h->tls) {
			h->creds = true;
		} else {
			char q[256];

			log_warn("credentials_not_sent", "server=%s reason=%s",
			         log_quote(cfg->server, q, sizeof(q)),
			         "\"plain http: the token is only sent over https\"");
		}
	}
	*out = h;
	return 0;
fail:
	kube_http_free(h);
	return r;
}

void kube_http_free(struct kube_http *h)
{
	if (!h)
		return;
	while (h->reqs)
		req_free(h->reqs);
	if (h->multi)
		curl_multi_cleanup(h->multi);
	while (h->socks)
		sock_free(h, h->socks);
	ev_timer_stop(h->loop, &h->timer);
	curl_slist_free_all(h->connect_to);
	kube_secret_free(h->token);
	free(h->base);
	free(h->user_agent);
	free(h);
}
