/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_reflector.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <ev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../log.h"
#include "../mono.h"
#include "kube_backoff.h"
#include "kube_cache.h"
#include "kube_decode.h"
#include "kube_http.h"
#include "kube_lines.h"

#define PAGE_SIZE_DEFAULT 500
/* A watch that ends this soon with no event is a failure (client-go: 1 s). */
#define SHORT_WATCH_S 1.0
/* A watch silent this long past its timeoutSeconds is dead (a half-open
 * connection, a hung apiserver): min(30 s, timeout / 2), at least 2 s. */
#define WATCH_STALL_MARGIN_MAX_S 30
#define WATCH_STALL_MARGIN_MIN_S 2
#define PATH_MAX_LEN             4096

enum phase {
	PH_IDLE = 0,
	PH_LIST,
	PH_WATCH,
	PH_WAIT, /* backoff timer armed */
};

enum watch_stop {
	WS_NONE = 0,
	WS_EXPIRED,   /* ERROR 410 */
	WS_TOO_LARGE, /* an event over the cap */
	WS_ERROR,     /* another ERROR event */
};

struct kube_reflector {
	struct ev_loop *loop;
	struct kube_http *http;
	struct kube_reflector_opts o; /* strings owned (copied) */
	struct kube_reflector_cbs cbs;
	void *ctx;
	struct kube_cache *cache;
	struct kube_json_arena *arena; /* list pages */
	struct kube_lines lines;
	struct kube_backoff bo;
	ev_timer timer;
	enum phase phase;
	struct kube_http_req *req;
	char *rv; /* where the next watch starts */
	bool synced;
	bool listing;  /* list_begin delivered, list_end not yet */
	bool list_rv0; /* this list asks resourceVersion=0 */
	bool unpaged;  /* this list asks no limit (a continue token expired) */
	bool after_wait_list;
	enum kube_list_reason why;
	int expired_in_row; /* list pages answered 410 in a row */
	int quick_fails;    /* watches in a row that ended at once with nothing */
	/* list page in flight */
	char *cont;
	char *list_rv;
	char *body;
	size_t blen, balloc;
	bool body_over;
	/* watch in flight */
	double watch_t0;
	uint64_t rx_us; /* arrival of the watch bytes being delivered; 0 outside */
	unsigned long watch_events;
	enum watch_stop wstop;
	uint64_t rng;
	bool rejected; /* the server refuses our requests as they are (see header, 6.) */
	long rejected_status;
	struct kube_reflector_stats st;
};

const char *kube_list_reason_name(enum kube_list_reason r)
{
	switch (r) {
	case KUBE_LIST_INITIAL:
		return "initial";
	case KUBE_LIST_EXPIRED:
		return "410";
	case KUBE_LIST_TOO_LARGE:
		return "event-too-large";
	default:
		return "error-event";
	}
}

static uint32_t rnd(struct kube_reflector *r)
{
	/* xorshift64*: jitter only, no secrecy needed */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (uint32_t)((r->rng * 2685821657736338717ull) >> 32);
}

/* ---- query strings ------------------------------------------------------ */

static int put_enc(char *buf, size_t len, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		             (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' ||
		             *p == '~';

		if (*o + 4 > len)
			return -EINVAL;
		if (plain) {
			buf[(*o)++] = (char)*p;
		} else {
			buf[(*o)++] = '%';
			buf[(*o)++] = hex[*p >> 4];
			buf[(*o)++] = hex[*p & 15];
		}
	}
	buf[*o] = '\0';
	return 0;
}

static int put_kv(char *buf, size_t len, size_t *o, const char *k, const char *v)
{
	size_t kl = strlen(k);

	if (*o + kl + 3 > len)
		return -EINVAL;
	char sep = *o == 0 ? '?' : '&';

	buf[(*o)++] = sep;
	memcpy(buf + *o, k, kl);
	*o += kl;
	buf[(*o)++] = '=';
	buf[*o] = '\0';
	return put_enc(buf, len, o, v);
}

int kube_reflector_query(const struct kube_reflector_opts *o, bool watch, const char *rv,
                         const char *cont, unsigned limit, unsigned timeout_s, char *buf,
                         size_t len)
{
	size_t n = 0;
	char num[24];
	int r = 0;

	if (!len)
		return -EINVAL;
	buf[0] = '\0';
	/* keys in client-go's (sorted) order */
	if (watch)
		r = put_kv(buf, len, &n, "allowWatchBookmarks", "true");
	if (!r && cont && !watch)
		r = put_kv(buf, len, &n, "continue", cont);
	if (!r && o->field_selector && *o->field_selector)
		r = put_kv(buf, len, &n, "fieldSelector", o->field_selector);
	if (!r && o->label_selector && *o->label_selector)
		r = put_kv(buf, len, &n, "labelSelector", o->label_selector);
	if (!r && !watch && limit) {
		snprintf(num, sizeof(num), "%u", limit);
		r = put_kv(buf, len, &n, "limit", num);
	}
	if (!r && rv && !(cont && !watch))
		r = put_kv(buf, len, &n, "resourceVersion", rv);
	if (!r && watch) {
		snprintf(num, sizeof(num), "%u", timeout_s);
		r = put_kv(buf, len, &n, "timeoutSeconds", num);
		if (!r)
			r = put_kv(buf, len, &n, "watch", "true");
	}
	return r ? r : (int)n;
}

/* ---- failures and backoff ------------------------------------------------ */

static void start_list(struct kube_reflector *r, enum kube_list_reason why, bool rv0);
static void start_watch(struct kube_reflector *r);

static void wait_then(struct kube_reflector *r, bool list, uint32_t ms)
{
	r->phase = PH_WAIT;
	r->after_wait_list = list;
	ev_timer_set(&r->timer, ms / 1000.0, 0.);
	ev_timer_start(r->loop, &r->timer);
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kube_reflector *r =
	    (struct kube_reflector *)((char *)w - offsetof(struct kube_reflector, timer));

	if (r->phase != PH_WAIT)
		return;
	if (r->after_wait_list) /* a first list keeps asking the watch cache (RV "0") */
		start_list(r, r->why, !r->synced && r->list_rv0);
	else
		start_watch(r);
}

static uint32_t next_delay(struct kube_reflector *r, long retry_after)
{
	uint32_t d = kube_backoff_next(&r->bo, ev_now(r->loop), rnd(r));

	if (retry_after > 0 && (uint32_t)retry_after * 1000u > d)
		d = (uint32_t)retry_after * 1000u;
	return d;
}

static void log_failure(struct kube_reflector *r, const char *op,
                        const struct kube_http_result *res, uint32_t delay_ms)
{
	kube_http_log_failure(r->http, r->o.name, op, r->o.path, res, delay_ms);
}

/* ---- list ------------------------------------------------------------------ */

static int list_data(void *ctx, const char *data, size_t len)
{
	struct kube_reflector *r = ctx;
	size_t cap = r->o.max_list_bytes;

	if (r->blen + len > cap) {
		r->body_over = true;
		return 1;
	}
	if (r->blen + len + 1 > r->balloc) {
		size_t na = r->balloc ? r->balloc : 65536;
		char *nb;

		while (na < r->blen + len + 1)
			na *= 2;
		if (na > cap + 1)
			na = cap + 1;
		nb = realloc(r->body, na);
		if (!nb) {
			r->body_over = true;
			return 1;
		}
		r->body = nb;
		r->balloc = na;
	}
	memcpy(r->body + r->blen, data, len);
	r->blen += len;
	return 0;
}

static void body_free(struct kube_reflector *r)
{
	free(r->body);
	r->body = NULL;
	r->blen = r->balloc = 0;
	r->body_over = false;
}

static const char *meta_str(const cJSON *meta, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(meta, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void on_gone(void *ctx, const char *ns, const char *name)
{
	struct kube_reflector *r = ctx;

	if (r->cbs.remove)
		r->cbs.remove(r->ctx, r, ns, name, NULL);
}

static void deliver_upsert(struct kube_reflector *r, const cJSON *obj, const char *ns,
                           const char *name, const char *rv)
{
	int ch = kube_cache_upsert(r->cache, ns, name, rv);

	if (ch < 0) {
		log_err("reflector_cache", "resource=%s obj=%s/%s err=%s", r->o.name, ns, name,
		        strerror(-ch));
		return;
	}
	if (ch == KUBE_CACHE_SAME || !r->cbs.upsert)
		return;
	if (r->cbs.upsert(r->ctx, r, obj, ns, name, rv) == 0)
		return;
	/* The consumer refused it (it could not be decoded; it logged why).
	 * Remember what the consumer really holds: nothing for a new object;
	 * the old version for a changed one, whose RV is blanked so that the
	 * next relist offers the object again. */
	if (ch == KUBE_CACHE_NEW)
		kube_cache_remove(r->cache, ns, name);
	else if (kube_cache_upsert(r->cache, ns, name, "") < 0)
		kube_cache_remove(r->cache, ns, name);
}

static void request_page(struct kube_reflector *r);

/* Answers that refuse the request itself: sending it again cannot help. */
static bool refuses_request(const struct kube_http_result *res)
{
	switch (res->err ? 0 : res->status) {
	case 400:
	case 404:
	case 405:
	case 406:
	case 415:
	case 422:
		return true;
	default:
		return false;
	}
}

/* Whether a refusal is about the field selector (the wording differs by
 * version: "is not a known field selector", "field label not supported"). */
static bool about_field_selector(const struct kube_status *si)
{
	return strstr(si->message, "field selector") || strstr(si->message, "field label");
}

/*
 * A refused request (400, 404, ...). An optional field selector the server
 * does not know is dropped and the list starts again at once; 1 then.
 * Otherwise the refusal is said once and reported; 0 (the caller backs off).
 */
static int refused(struct kube_reflector *r, const char *op, const struct kube_http_result *res)
{
	struct kube_status si = { 0 };
	char qm[600], qs[400];

	kube_http_status(res->body, res->body_len, &si);
	r->st.rejected++;
	if (res->status == 400 && r->o.field_selector && r->o.field_selector_optional &&
	    about_field_selector(&si)) {
		log_info("api_compat", "resource=%s field_selector=off dropped=%s reason=%s",
		         r->o.name, log_quote(r->o.field_selector, qs, sizeof(qs)),
		         log_quote(si.message, qm, sizeof(qm)));
		free((char *)r->o.field_selector);
		r->o.field_selector = NULL;
		return 1;
	}
	if (!r->rejected || r->rejected_status != res->status) {
		log_err("api_rejected",
		        "resource=%s op=%s path=%s status=%ld reason=%s message=%s action=%s%s%s",
		        r->o.name, op, r->o.path, res->status, si.reason[0] ? si.reason : "-",
		        log_quote(si.message, qm, sizeof(qm)),
		        "\"no objects of this resource until the server accepts the request; "
		        "retrying quietly every 30s\"",
		        r->o.reject_hint ? " hint=" : "",
		        r->o.reject_hint ? log_quote(r->o.reject_hint, qs, sizeof(qs)) : "");
		r->rejected = true;
		r->rejected_status = res->status;
	}
	if (r->cbs.rejected)
		r->cbs.rejected(r->ctx, r, true, res->status, si.message);
	return 0;
}

/* A request was answered as it should be: a refusal is over. */
static void accepted(struct kube_reflector *r)
{
	if (!r->rejected)
		return;
	r->rejected = false;
	log_info("api_rejected_recovered", "resource=%s status=%ld", r->o.name, r->rejected_status);
	r->rejected_status = 0;
	if (r->cbs.rejected)
		r->cbs.rejected(r->ctx, r, false, 0, "");
}

/* Backs off after a failed request; a refusal waits the longest and is
 * logged only when it starts (refused()). */
static void failed(struct kube_reflector *r, bool list, const char *op,
                   const struct kube_http_result *res)
{
	uint32_t d;

	r->st.failures++;
	if (refuses_request(res) && refused(r, op, res)) {
		start_list(r, r->listing ? r->why : KUBE_LIST_ERROR, !r->synced && r->list_rv0);
		return;
	}
	if (r->cbs.failed)
		r->cbs.failed(r->ctx, r, res);
	if (refuses_request(res)) {
		d = r->o.backoff_max_ms ? r->o.backoff_max_ms : KUBE_BACKOFF_MAX_MS;
		log_debug("api_rejected_retry", "resource=%s op=%s status=%ld retry_in=%.1fs",
		          r->o.name, op, res->status, d / 1000.0);
	} else {
		d = next_delay(r, res->retry_after);
		log_failure(r, op, res, d);
	}
	wait_then(r, list, d);
}

static void list_failed(struct kube_reflector *r, const struct kube_http_result *res)
{
	failed(r, true, "list", res);
}

/* Applies one page; 0, or -EINVAL when the page is not a list. */
static int apply_page(struct kube_reflector *r, const cJSON *page)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(page, "metadata");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(page, "items");
	const char *lrv = meta_str(meta, "resourceVersion");
	const char *cont = meta_str(meta, "continue");
	const cJSON *it;
	int idx = 0;

	if (!cJSON_IsObject(page) || !lrv || !*lrv ||
	    (items && !cJSON_IsArray(items) && !cJSON_IsNull(items)))
		return -EINVAL;
	if (!r->list_rv && !(r->list_rv = strdup(lrv)))
		return -ENOMEM;
	if (!cJSON_IsArray(items))
		items = NULL;
	cJSON_ArrayForEach(it, items)
	{
		const cJSON *im = cJSON_GetObjectItemCaseSensitive(it, "metadata");
		const char *name = meta_str(im, "name"), *ns = meta_str(im, "namespace");
		const char *rv = meta_str(im, "resourceVersion");

		idx++;
		if (!name || !*name) {
			log_warn("list_item_malformed", "resource=%s index=%d reason=%s", r->o.name,
			         idx - 1, "\"no metadata.name\"");
			continue;
		}
		deliver_upsert(r, it, ns ? ns : "", name, rv ? rv : "");
	}
	free(r->cont);
	r->cont = cont && *cont ? strdup(cont) : NULL;
	if (cont && *cont && !r->cont)
		return -ENOMEM;
	return 0;
}

static void list_done(void *ctx, const struct kube_http_result *res)
{
	struct kube_reflector *r = ctx;
	struct kube_status si = { 0 };
	const cJSON *page = NULL;
	int rc;

	r->req = NULL;
	if (res->err == -ECANCELED && r->body_over) {
		log_err("list_too_large", "resource=%s max_bytes=%zu action=relist-paged",
		        r->o.name, r->o.max_list_bytes);
		body_free(r);
		r->list_rv0 = false; /* an RV=0 list may ignore limit; a consistent one pages */
		list_failed(r, res);
		return;
	}
	if (res->err) {
		body_free(r);
		list_failed(r, res);
		return;
	}
	if (res->status == 410 || res->status == 504)
		kube_http_status(res->body, res->body_len, &si);
	if (res->status == 410 || kube_status_is_rv_too_large(&si)) {
		char qm[600];

		body_free(r);
		log_info("list_expired", "resource=%s status=%ld message=%s action=relist",
		         r->o.name, res->status, log_quote(si.message, qm, sizeof(qm)));
		r->list_rv0 = false;
		if (++r->expired_in_row > 1) {
			list_failed(r, res);
			return;
		}
		/* An expired continue token: list again in one piece (client-go's
		 * pager does the same), so that a slow consumer still finishes. */
		r->unpaged = r->cont != NULL;
		start_list(r, r->why, false);
		return;
	}
	if (res->status != 200) {
		body_free(r);
		list_failed(r, res);
		return;
	}
	r->st.pages++;
	log_debug("list_page", "resource=%s bytes=%zu http=%s", r->o.name, r->blen,
	          res->http2 ? "2" : "1.1");
	/* A page is thousands of objects: parse it into an arena (one block
	 * allocation instead of one malloc per node, freed at once), without
	 * the managedFields nobody reads. */
	if (r->body)
		r->blen = kube_json_drop_managed_fields(r->body, r->blen);
	rc = kube_json_arena_parse(r->arena, r->body ? r->body : "", r->blen, r->o.name, &page);
	body_free(r);
	if (!rc)
		rc = apply_page(r, page);
	kube_json_arena_reset(r->arena);
	if (rc) {
		struct kube_http_result bad = { .err = -EIO, .detail = "the answer is not a list" };

		if (rc == -ENOMEM)
			bad.detail = "out of memory";
		list_failed(r, &bad);
		return;
	}
	r->expired_in_row = 0;
	accepted(r);
	if (r->cont && !r->unpaged) {
		request_page(r);
		return;
	}
	/* the list is complete: what it did not contain is gone */
	r->unpaged = false;
	kube_json_arena_trim(r->arena); /* watch events are small */
	kube_cache_relist_end(r->cache, on_gone, r);
	free(r->rv);
	r->rv = r->list_rv;
	r->list_rv = NULL;
	r->listing = false;
	{
		bool first = !r->synced;

		r->synced = true;
		log_debug("list_done", "resource=%s rv=%s objects=%zu", r->o.name, r->rv,
		          kube_cache_count(r->cache));
		if (r->cbs.list_end)
			r->cbs.list_end(r->ctx, r, first);
	}
	start_watch(r);
}

static void request_page(struct kube_reflector *r)
{
	struct kube_http_req_opts ho = { 0 };
	char path[PATH_MAX_LEN];
	size_t pl = strlen(r->o.path);
	int n;

	memcpy(path, r->o.path, pl + 1);
	n = kube_reflector_query(&r->o, false,
	                         r->cont       ? NULL
	                         : r->list_rv0 ? "0"
	                                       : NULL,
	                         r->cont, r->unpaged ? 0 : r->o.page_size, 0, path + pl,
	                         sizeof(path) - pl);
	if (n < 0) {
		struct kube_http_result bad = { .err = -EIO, .detail = "request URL too long" };

		list_failed(r, &bad);
		return;
	}
	ho.path = path;
	ho.on_data = list_data;
	ho.on_done = list_done;
	ho.ctx = r;
	body_free(r);
	r->phase = PH_LIST;
	n = kube_http_get(r->http, &ho, &r->req);
	if (n) {
		struct kube_http_result bad = { .err = n, .detail = "could not start the request" };

		list_failed(r, &bad);
	}
}

static void start_list(struct kube_reflector *r, enum kube_list_reason why, bool rv0)
{
	if (!r->listing) {
		r->listing = true;
		r->why = why;
		r->st.lists++;
		if (r->synced)
			r->st.relists++;
		if (why != KUBE_LIST_INITIAL)
			log_info("relist", "resource=%s reason=%s", r->o.name,
			         kube_list_reason_name(why));
		if (r->cbs.list_begin)
			r->cbs.list_begin(r->ctx, r, why);
	}
	/* Every attempt starts a new generation: a page delivered by an
	 * abandoned attempt does not count as seen by this one. */
	kube_cache_relist_begin(r->cache);
	free(r->cont);
	r->cont = NULL;
	free(r->list_rv);
	r->list_rv = NULL;
	r->list_rv0 = rv0;
	request_page(r);
}

/* ---- watch ----------------------------------------------------------------- */

static void malformed(struct kube_reflector *r, const char *reason, const char *line, size_t len)
{
	char prefix[81], q[200];
	size_t n = len < sizeof(prefix) - 1 ? len : sizeof(prefix) - 1;

	memcpy(prefix, line, n);
	prefix[n] = '\0';
	r->st.malformed++;
	log_warn("watch_event_malformed", "resource=%s reason=%s line=%s", r->o.name, reason,
	         log_quote(prefix, q, sizeof(q)));
}

static int on_line(void *ctx, const char *line, size_t len)
{
	struct kube_reflector *r = ctx;
	cJSON *ev = cJSON_ParseWithLength(line, len);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
	cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const char *t, *name = meta_str(meta, "name"), *ns = meta_str(meta, "namespace");
	const char *rv = meta_str(meta, "resourceVersion");
	int stop = 0;

	if (!cJSON_IsObject(ev)) {
		malformed(r, "not-json", line, len);
		goto out;
	}
	if (!cJSON_IsString(type) || !cJSON_IsObject(obj)) {
		malformed(r, "no-type-or-object", line, len);
		goto out;
	}
	t = type->valuestring;
	ns = ns ? ns : "";
	if (!strcmp(t, "ADDED") || !strcmp(t, "MODIFIED") || !strcmp(t, "DELETED")) {
		char *nrv;

		if (!name || !*name || !rv || !*rv) {
			malformed(r, "no-name-or-resourceVersion", line, len);
			goto out;
		}
		nrv = strdup(rv);
		if (!nrv)
			goto out;
		free(r->rv);
		r->rv = nrv;
		r->watch_events++;
		r->st.events++;
		if (t[0] != 'D') {
			deliver_upsert(r, obj, ns, name, rv);
		} else if (kube_cache_remove(r->cache, ns, name) && r->cbs.remove) {
			r->cbs.remove(r->ctx, r, ns, name, obj);
		}
	} else if (!strcmp(t, "BOOKMARK")) {
		if (rv && *rv) {
			char *nrv = strdup(rv);

			if (nrv) {
				free(r->rv);
				r->rv = nrv;
			}
		}
		r->watch_events++;
	} else if (!strcmp(t, "ERROR")) {
		struct kube_status si = { 0 };
		char qm[600];

		if (kube_status_decode(obj, &si))
			memset(&si, 0, sizeof(si)); /* cannot happen: obj is an object */
		if (si.code == 410 || kube_status_is_expired(&si) ||
		    kube_status_is_rv_too_large(&si)) {
			log_info("watch_expired", "resource=%s rv=%s message=%s", r->o.name,
			         r->rv ? r->rv : "", log_quote(si.message, qm, sizeof(qm)));
			r->wstop = WS_EXPIRED;
		} else {
			log_warn("watch_error_event", "resource=%s code=%d reason=%s message=%s",
			         r->o.name, si.code, si.reason[0] ? si.reason : "-",
			         log_quote(si.message, qm, sizeof(qm)));
			r->wstop = WS_ERROR;
		}
		stop = 1;
	} else {
		malformed(r, "unknown-type", line, len);
	}
out:
	cJSON_Delete(ev);
	return stop;
}

static int watch_data(void *ctx, const char *data, size_t len)
{
	struct kube_reflector *r = ctx;
	int rc;

	accepted(r); /* a watch answered with data: any refusal is over */
	r->rx_us = mono_us();
	rc = kube_lines_feed(&r->lines, data, len, on_line, r);
	r->rx_us = 0;

	if (rc == -EMSGSIZE || rc == -ENOMEM) {
		log_warn("watch_event_too_large", "resource=%s max_bytes=%zu action=relist",
		         r->o.name, r->o.max_event_bytes);
		r->wstop = WS_TOO_LARGE;
	}
	return rc ? 1 : 0;
}

static void watch_done(void *ctx, const struct kube_http_result *res)
{
	struct kube_reflector *r = ctx;
	bool short_empty = ev_now(r->loop) - r->watch_t0 < SHORT_WATCH_S && r->watch_events == 0;
	enum kube_list_reason why = KUBE_LIST_ERROR;
	uint32_t d;

	r->req = NULL;
	kube_lines_reset(&r->lines);
	/*
	 * Only watches the server answered count: connections refused or reset
	 * during an outage must not make the first 410 after it wait in the
	 * backoff before relisting.
	 */
	if (!res->err)
		r->quick_fails = short_empty ? r->quick_fails + 1 : 0;
	switch (r->wstop) {
	case WS_EXPIRED:
		why = KUBE_LIST_EXPIRED;
		break;
	case WS_TOO_LARGE:
		why = KUBE_LIST_TOO_LARGE;
		break;
	case WS_ERROR:
		why = KUBE_LIST_ERROR;
		break;
	case WS_NONE:
		if (!res->err && res->status == 410) {
			log_info("watch_expired", "resource=%s rv=%s status=410", r->o.name,
			         r->rv ? r->rv : "");
			why = KUBE_LIST_EXPIRED;
			break;
		}
		if (!res->err && res->status == 200) {
			/* the server ended the watch: re-open it, no relist */
			if (!short_empty) {
				start_watch(r);
				return;
			}
			d = next_delay(r, 0);
			r->st.failures++;
			log_warn("watch_too_short", "resource=%s retry_in=%.1fs", r->o.name,
			         d / 1000.0);
			wait_then(r, false, d);
			return;
		}
		failed(r, false, "watch", res);
		return;
	}
	/* Relist. Through the backoff when watches die at once again and again:
	 * a server answering every watch with 410 must not make us list in a
	 * loop. One immediate 410 is normal (a long disconnection). */
	if (r->quick_fails > 1 || (short_empty && why != KUBE_LIST_EXPIRED)) {
		r->why = why;
		wait_then(r, true, next_delay(r, 0));
		return;
	}
	start_list(r, why, false);
}

static void start_watch(struct kube_reflector *r)
{
	struct kube_http_req_opts ho = { 0 };
	char path[PATH_MAX_LEN];
	size_t pl = strlen(r->o.path);
	unsigned span =
	    r->o.watch_max_s > r->o.watch_min_s ? r->o.watch_max_s - r->o.watch_min_s : 1;
	unsigned timeout = r->o.watch_min_s + rnd(r) % span;
	int n;

	memcpy(path, r->o.path, pl + 1);
	n = kube_reflector_query(&r->o, true, r->rv, NULL, 0, timeout, path + pl,
	                         sizeof(path) - pl);
	if (n < 0) {
		log_err("watch_url_too_long", "resource=%s", r->o.name);
		wait_then(r, false, next_delay(r, 0));
		return;
	}
	ho.path = path;
	ho.watch = true;
	ho.stall_s =
	    (long)timeout + (timeout / 2 > WATCH_STALL_MARGIN_MAX_S   ? WATCH_STALL_MARGIN_MAX_S
	                     : timeout / 2 < WATCH_STALL_MARGIN_MIN_S ? WATCH_STALL_MARGIN_MIN_S
	                                                              : timeout / 2);
	ho.on_data = watch_data;
	ho.on_done = watch_done;
	ho.ctx = r;
	kube_lines_reset(&r->lines);
	r->wstop = WS_NONE;
	r->watch_events = 0;
	r->watch_t0 = ev_now(r->loop);
	r->phase = PH_WATCH;
	r->st.watches++;
	n = kube_http_get(r->http, &ho, &r->req);
	if (n) {
		log_err("watch_start_failed", "resource=%s err=%s", r->o.name, strerror(-n));
		wait_then(r, false, next_delay(r, 0));
	}
}

/* ---- lifecycle ------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

int kube_reflector_new(struct ev_loop *loop, struct kube_http *http,
                       const struct kube_reflector_opts *o, const struct kube_reflector_cbs *cbs,
                       void *ctx, struct kube_reflector **out)
{
	struct kube_reflector *r;
	uint64_t seed = 0;

	*out = NULL;
	if (!o->name || !o->path || o->path[0] != '/')
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->loop = loop;
	r->http = http;
	r->o = *o;
	r->o.name = strdup(o->name);
	r->o.path = strdup(o->path);
	r->o.label_selector = dup_or_null(o->label_selector);
	r->o.field_selector = dup_or_null(o->field_selector);
	r->o.reject_hint = dup_or_null(o->reject_hint);
	if (!r->o.page_size)
		r->o.page_size = PAGE_SIZE_DEFAULT;
	if (!r->o.max_event_bytes)
		r->o.max_event_bytes = KUBE_MAX_EVENT_BYTES;
	if (!r->o.max_list_bytes)
		r->o.max_list_bytes = KUBE_MAX_LIST_BYTES;
	if (!r->o.watch_min_s)
		r->o.watch_min_s = 300;
	if (!r->o.watch_max_s)
		r->o.watch_max_s = 600;
	if (cbs)
		r->cbs = *cbs;
	r->ctx = ctx;
	kube_lines_init(&r->lines, r->o.max_event_bytes);
	kube_backoff_init(&r->bo, o->backoff_min_ms ? o->backoff_min_ms : KUBE_BACKOFF_MIN_MS,
	                  o->backoff_max_ms ? o->backoff_max_ms : KUBE_BACKOFF_MAX_MS,
	                  KUBE_BACKOFF_RESET);
	ev_init(&r->timer, timer_cb);
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)(uintptr_t)r ^ (uint64_t)(ev_time() * 1e6);
	r->rng = seed | 1;
	if (!r->o.name || !r->o.path || (o->label_selector && !r->o.label_selector) ||
	    (o->field_selector && !r->o.field_selector) || (o->reject_hint && !r->o.reject_hint) ||
	    kube_cache_new(&r->cache) || kube_json_arena_new(0, &r->arena)) {
		kube_reflector_free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

int kube_reflector_start(struct kube_reflector *r)
{
	if (r->phase != PH_IDLE)
		return -EALREADY;
	start_list(r, KUBE_LIST_INITIAL, true);
	return 0;
}

void kube_reflector_free(struct kube_reflector *r)
{
	if (!r)
		return;
	kube_http_cancel(r->req);
	ev_timer_stop(r->loop, &r->timer);
	kube_cache_free(r->cache);
	kube_json_arena_free(r->arena);
	kube_lines_free(&r->lines);
	body_free(r);
	free(r->rv);
	free(r->cont);
	free(r->list_rv);
	free((char *)r->o.name);
	free((char *)r->o.path);
	free((char *)r->o.label_selector);
	free((char *)r->o.field_selector);
	free((char *)r->o.reject_hint);
	free(r);
}

uint64_t kube_reflector_event_rx_us(const struct kube_reflector *r)
{
	return r->rx_us;
}

const char *kube_reflector_name(const struct kube_reflector *r)
{
	return r->o.name;
}

bool kube_reflector_synced(const struct kube_reflector *r)
{
	return r->synced;
}

const char *kube_reflector_rv(const struct kube_reflector *r)
{
	return r->rv ? r->rv : "";
}

bool kube_reflector_rejected(const struct kube_reflector *r)
{
	return r->rejected;
}

const char *kube_reflector_field_selector(const struct kube_reflector *r)
{
	return r->o.field_selector ? r->o.field_selector : "";
}

size_t kube_reflector_count(const struct kube_reflector *r)
{
	return kube_cache_count(r->cache);
}

void kube_reflector_stats(const struct kube_reflector *r, struct kube_reflector_stats *out)
{
	*out = r->st;
}
