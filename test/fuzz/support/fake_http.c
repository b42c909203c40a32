/* SPDX-License-Identifier: Apache-2.0 */
#include "fake_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../lib/kube/kube_decode.h"
#include "../../../lib/kube/kube_http.h"
#include "../../../lib/log.h"

struct kube_http {
	struct kube_http_req *head; /* pending, oldest first */
	unsigned long requests;
};

struct kube_http_req {
	struct kube_http *h;
	struct kube_http_req *next;
	struct kube_http_req_opts o;
	char *path;
};

static struct kube_http *last;

/* The real functions exist too (the linker renames only the calls). */
int __wrap_kube_http_new(struct ev_loop *loop, const struct kube_config *cfg,
                         const struct kube_http_opts *o, struct kube_http **out);
void __wrap_kube_http_free(struct kube_http *h);
int __wrap_kube_http_get(struct kube_http *h, const struct kube_http_req_opts *o,
                         struct kube_http_req **out);
void __wrap_kube_http_cancel(struct kube_http_req *r);
const char *__wrap_kube_http_url(const struct kube_http *h, const char *path, char *buf,
                                 size_t len);
void __wrap_kube_http_log_failure(const struct kube_http *h, const char *resource, const char *op,
                                  const char *path, const struct kube_http_result *res,
                                  unsigned retry_ms);
void __wrap_kube_http_token_invalidate(struct kube_http *h);
unsigned long __wrap_kube_http_requests(const struct kube_http *h);

int __wrap_kube_http_new(struct ev_loop *loop, const struct kube_config *cfg,
                         const struct kube_http_opts *o, struct kube_http **out)
{
	(void)loop;
	(void)cfg;
	(void)o;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	last = *out;
	return 0;
}

static void unlink_req(struct kube_http_req *r)
{
	struct kube_http_req **pp = &r->h->head;

	while (*pp && *pp != r)
		pp = &(*pp)->next;
	if (*pp)
		*pp = r->next;
	r->next = NULL;
}

static void req_free(struct kube_http_req *r)
{
	free(r->path);
	free(r);
}

void __wrap_kube_http_cancel(struct kube_http_req *r)
{
	if (!r)
		return;
	unlink_req(r);
	req_free(r);
}

void __wrap_kube_http_free(struct kube_http *h)
{
	if (!h)
		return;
	while (h->head)
		__wrap_kube_http_cancel(h->head);
	if (last == h)
		last = NULL;
	free(h);
}

int __wrap_kube_http_get(struct kube_http *h, const struct kube_http_req_opts *o,
                         struct kube_http_req **out)
{
	struct kube_http_req *r = calloc(1, sizeof(*r)), **pp;

	*out = NULL;
	if (!r || !o->path || !o->on_done || !(r->path = strdup(o->path))) {
		free(r);
		return -ENOMEM;
	}
	r->h = h;
	r->o = *o;
	r->o.path = r->path;
	for (pp = &h->head; *pp; pp = &(*pp)->next)
		;
	*pp = r;
	h->requests++;
	*out = r;
	return 0;
}

const char *__wrap_kube_http_url(const struct kube_http *h, const char *path, char *buf, size_t len)
{
	(void)h;
	snprintf(buf, len, "https://apiserver.invalid%s", path);
	return buf;
}

/* What the real one logs, with the real Status parser on the body. */
void __wrap_kube_http_log_failure(const struct kube_http *h, const char *resource, const char *op,
                                  const char *path, const struct kube_http_result *res,
                                  unsigned retry_ms)
{
	char url[512], qu[560], qm[600], qd[600];

	__wrap_kube_http_url(h, path, url, sizeof(url));
	log_quote(url, qu, sizeof(qu));
	if (res->err) {
		log_warn("kube_request_failed",
		         "resource=%s op=%s url=%s err=%s detail=%s retry_ms=%u", resource, op, qu,
		         log_quote(kube_http_strerror(res->err), qm, sizeof(qm)),
		         log_quote(res->detail, qd, sizeof(qd)), retry_ms);
	} else {
		struct kube_status st;

		kube_http_status(res->body, res->body_len, &st);
		log_warn("kube_request_failed",
		         "resource=%s op=%s url=%s status=%ld reason=%s message=%s retry_ms=%u",
		         resource, op, qu, res->status, st.reason[0] ? st.reason : "-",
		         log_quote(st.message, qm, sizeof(qm)), retry_ms);
	}
}

void __wrap_kube_http_token_invalidate(struct kube_http *h)
{
	(void)h;
}

unsigned long __wrap_kube_http_requests(const struct kube_http *h)
{
	return h->requests;
}

struct kube_http *fake_http_last(void)
{
	return last;
}

struct kube_http_req *fake_http_pending(struct kube_http *h, const char *prefix)
{
	for (struct kube_http_req *r = h ? h->head : NULL; r; r = r->next)
		if (!strncmp(r->path, prefix, strlen(prefix)))
			return r;
	return NULL;
}

const char *fake_http_path(const struct kube_http_req *r)
{
	return r->path;
}

bool fake_http_is_watch(const struct kube_http_req *r)
{
	return r->o.watch;
}

void fake_http_answer(struct kube_http_req *r, long status, const char *body, size_t len,
                      size_t slice)
{
	struct kube_http_result res = { .detail = "" };

	unlink_req(r);
	if (status == 0) {
		res.err = -ECONNRESET;
		res.detail = "Connection reset by peer";
	} else if (status >= 200 && status < 300) {
		res.status = status;
		for (size_t off = 0; off < len;) {
			size_t n = slice && len - off > slice ? slice : len - off;

			if (r->o.on_data && r->o.on_data(r->o.ctx, body + off, n)) {
				res.err = -ECANCELED;
				res.detail = "stopped by the receiver";
				break;
			}
			off += n;
		}
	} else {
		res.status = status;
		res.body = body;
		res.body_len = len < KUBE_HTTP_ERR_BODY_MAX ? len : KUBE_HTTP_ERR_BODY_MAX;
	}
	r->o.on_done(r->o.ctx, &res);
	req_free(r);
}
