/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_http — GET requests to the apiserver, libcurl's multi_socket API
 * driven by a libev loop, the way curl's evhiperfifo example does it: one
 * ev_io per socket curl asks about, one ev_timer for curl's timeout,
 * curl_multi_socket_action() from both, finished transfers drained with
 * curl_multi_info_read(). No threads, nothing blocks the loop.
 *
 * What every request gets:
 *   - the server URL of the kube_config with the request path appended;
 *   - TLS as configured (CA file or in-memory CA, client cert/key as files
 *     or in-memory blobs, tls-server-name through CURLOPT_CONNECT_TO), peer
 *     and host verified unless insecure-skip-tls-verify;
 *   - HTTP/2 when the server offers it over TLS (all watches then share one
 *     connection), keep-alive, TCP keepalive for dead-peer detection;
 *   - "Authorization: Bearer" from the token, re-read from its file at most
 *     once a minute and at once after a 401; never over plain http (client-go
 *     does the same), never logged;
 *   - Accept: application/json and a User-Agent naming kipvs.
 * A watch (long-lived) gets no total timeout: a stall timer instead (fewer
 * than 1 byte/s for stall_s seconds drops it).
 *
 * Callbacks: on_data runs inside libcurl's write callback, so neither it nor
 * anything it calls may start, cancel or free requests or the kube_http;
 * return nonzero to stop the transfer. on_done runs from the loop, outside
 * libcurl, exactly once per request not cancelled; it may start and cancel
 * requests (but not free the kube_http).
 */
#ifndef KIPVS_KUBE_HTTP_H
#define KIPVS_KUBE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct ev_loop;
struct kube_config;
struct kube_http;
struct kube_http_req;

/* Bodies of error answers are kept up to this size (a Status is ~1 KiB). */
#define KUBE_HTTP_ERR_BODY_MAX (64u << 10)

struct kube_http_result {
	/*
	 * 0: the HTTP exchange completed (look at status). Else: -ECONNREFUSED,
	 * -EHOSTUNREACH (name did not resolve), -ETIMEDOUT (connect timeout or
	 * stall), -EPROTO (TLS: handshake or verification), -ECONNRESET (the
	 * connection broke mid-answer), -ECANCELED (on_data asked to stop),
	 * -ENOMEM, -EIO (anything else). Callers that read the body set
	 * -EBADMSG for a complete 2xx answer they cannot use (not JSON, not
	 * the kind asked for).
	 */
	int err;
	long status;        /* HTTP status; 0 when no answer arrived */
	const char *detail; /* libcurl's own words for err, "" when err is 0 */
	const char *body;   /* the body of a non-2xx answer (capped), else NULL */
	size_t body_len;
	long retry_after; /* seconds from Retry-After; 0 = none */
	bool http2;       /* the answer came over HTTP/2 */
};

struct kube_http_req_opts {
	const char *path; /* path and query, appended to the server URL */
	bool watch;       /* long-lived: stall detection instead of any time limit */
	long stall_s;     /* watch: drop when below 1 byte/s this long (0 = 90 s) */
	/* Body bytes of a 2xx answer, in slices. Nonzero stops (err -ECANCELED). */
	int (*on_data)(void *ctx, const char *data, size_t len);
	void (*on_done)(void *ctx, const struct kube_http_result *res);
	void *ctx;
};

struct kube_http_opts {
	double token_period_s;  /* re-read the token file this often; 0 = 60 s */
	const char *user_agent; /* NULL = "kipvs/VERSION (linux)" */
};

/* @cfg must outlive the kube_http. @o may be NULL. */
int kube_http_new(struct ev_loop *loop, const struct kube_config *cfg,
                  const struct kube_http_opts *o, struct kube_http **out)
    __attribute__((warn_unused_result));
/* Cancels every request (no callbacks) and frees everything. NULL is fine. */
void kube_http_free(struct kube_http *h);

/* Starts a GET. *@out identifies it for kube_http_cancel() until on_done
 * has returned. 0 or -errno (nothing started, no callback). */
int kube_http_get(struct kube_http *h, const struct kube_http_req_opts *o,
                  struct kube_http_req **out) __attribute__((warn_unused_result));
/* Stops a request; its callbacks are not called. Not from inside on_data. */
void kube_http_cancel(struct kube_http_req *r);

/* The URL a path resolves to (for messages). Returns @buf. */
const char *kube_http_url(const struct kube_http *h, const char *path, char *buf, size_t len);
/* Short words for a kube_http_result.err: "connection refused", "TLS failure"... */
const char *kube_http_strerror(int err);
/*
 * What a failed request got, as a metric label: the HTTP status of an
 * error answer ("500", "429"), "invalid" for an answer that could not be
 * used (-EBADMSG), "error" when no complete answer came (refused, reset,
 * cut, timed out, TLS). Returns @buf (16 bytes are enough).
 */
const char *kube_http_failure_code(const struct kube_http_result *res, char *buf, size_t len);
struct kube_status;
/* The Status in an error body; a body that is not one (plain-text 429, a
 * proxy's HTML page) gives its start as the message. */
void kube_http_status(const char *body, size_t len, struct kube_status *st);
/*
 * One log line for a failed request, with what a person needs to act:
 *   kube_request_failed resource=R op=list url=U err="connection refused"
 *                       detail="<libcurl's words, e.g. the TLS verify error>"
 *   kube_request_failed resource=R op=list url=U status=403 reason=Forbidden
 *                       message="<the server's Status message>"
 * 401 and 403 are errors, the rest warnings. @retry_ms: when we try again.
 */
void kube_http_log_failure(const struct kube_http *h, const char *resource, const char *op,
                           const char *path, const struct kube_http_result *res, unsigned retry_ms);
/* Forget the cached token: the next request re-reads it (after a 401). */
void kube_http_token_invalidate(struct kube_http *h);
/* Requests started (for tests and statistics). */
unsigned long kube_http_requests(const struct kube_http *h);

#endif
