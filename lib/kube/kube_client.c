/* SPDX-License-Identifier: Apache-2.0 */
#include "kube_client.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "kube_backoff.h"
#include "kube_config.h"
#include "kube_decode.h"
#include "kube_http.h"
#include "kube_types.h"

#define SEL_PROXY_NAME "!" KUBE_LABEL_SERVICE_PROXY_NAME
#define SEL_SLICES     "!" KUBE_LABEL_HEADLESS ",!" KUBE_LABEL_SERVICE_PROXY_NAME
#define DISCOVERY_PATH "/apis/discovery.k8s.io/v1"
#define DISCOVERY_MAX  (1u << 20)
#define VERSION_MAX    (64u << 10)
#define NODE_WAIT_S    5.0
#define SLICES_HINT                                                                                \
	"EndpointSlice (discovery.k8s.io/v1) needs Kubernetes 1.21 or newer; "                     \
	"--endpoints-api=endpoints (or auto) reads core/v1 Endpoints instead"

/* A small response body, capped. */
struct body {
	char *data;
	size_t len, max;
	bool over;
};

struct kube_client {
	struct ev_loop *loop;
	const struct kube_config *cfg;
	struct kube_client_opts o;
	char *node_name;
	struct kube_client_cbs cbs;
	void *ctx;
	struct kube_http *http;
	struct kube_reflector *refl[KUBE_RES_COUNT];
	bool want[KUBE_RES_COUNT];
	bool synced[KUBE_RES_COUNT];
	bool all_synced;
	/* discovery of discovery.k8s.io/v1 */
	struct kube_http_req *disc;
	struct body disc_body;
	struct kube_backoff disc_bo;
	ev_timer disc_timer;
	/* /version, for the log */
	struct kube_http_req *ver;
	struct body ver_body;
	char server_version[64];
	/* the Node: wanted, not needed (see the header) */
	bool node_given_up;
	ev_timer node_timer;
};

const char *kube_resource_name(enum kube_resource res)
{
	static const char *const names[] = { "services", "endpointslices", "endpoints", "nodes" };

	return res < KUBE_RES_COUNT ? names[res] : "?";
}

static enum kube_resource res_of(struct kube_client *c, struct kube_reflector *r)
{
	for (int i = 0; i < KUBE_RES_COUNT; i++)
		if (c->refl[i] == r)
			return (enum kube_resource)i;
	return KUBE_RES_COUNT;
}

static int r_upsert(void *ctx, struct kube_reflector *r, const cJSON *obj, const char *ns,
                    const char *name, const char *rv)
{
	struct kube_client *c = ctx;
	struct kube_object o = { 0 };
	static const enum kube_kind kinds[KUBE_RES_COUNT] = {
		[KUBE_RES_SERVICES] = KUBE_KIND_SERVICE,
		[KUBE_RES_ENDPOINTSLICES] = KUBE_KIND_ENDPOINT_SLICE,
		[KUBE_RES_ENDPOINTS] = KUBE_KIND_ENDPOINTS,
		[KUBE_RES_NODES] = KUBE_KIND_NODE,
	};
	enum kube_resource res = res_of(c, r);
	int rc;

	if (res >= KUBE_RES_COUNT)
		return -EINVAL;
	rc = kube_object_decode(obj, kinds[res], &o);
	if (rc) {
		if (rc == -ENOMEM)
			log_err("decode_failed", "resource=%s obj=%s/%s err=%s",
			        kube_resource_name(res), ns, name, strerror(-rc));
		return rc;
	}
	switch (res) {
	case KUBE_RES_SERVICES:
		if (c->cbs.service_upsert) {
			c->cbs.service_upsert(c->ctx, o.svc);
			o.ptr = NULL;
		}
		break;
	case KUBE_RES_ENDPOINTSLICES:
		if (c->cbs.slice_upsert) {
			c->cbs.slice_upsert(c->ctx, o.slice);
			o.ptr = NULL;
		}
		break;
	case KUBE_RES_ENDPOINTS:
		if (c->cbs.endpoints_upsert) {
			c->cbs.endpoints_upsert(c->ctx, o.eps);
			o.ptr = NULL;
		}
		break;
	default:
		if (c->cbs.node_upsert) {
			c->cbs.node_upsert(c->ctx, o.node);
			o.ptr = NULL;
		}
		break;
	}
	kube_object_free(&o); /* only when nobody took it */
	return 0;
}

static void r_remove(void *ctx, struct kube_reflector *r, const char *ns, const char *name,
                     const cJSON *last)
{
	struct kube_client *c = ctx;

	switch (res_of(c, r)) {
	case KUBE_RES_SERVICES:
		if (c->cbs.service_delete)
			c->cbs.service_delete(c->ctx, ns, name);
		break;
	case KUBE_RES_ENDPOINTSLICES:
		if (c->cbs.slice_delete)
			c->cbs.slice_delete(c->ctx, ns, name);
		break;
	case KUBE_RES_ENDPOINTS:
		if (c->cbs.endpoints_delete)
			c->cbs.endpoints_delete(c->ctx, ns, name);
		break;
	case KUBE_RES_NODES:
		if (c->cbs.node_delete)
			c->cbs.node_delete(c->ctx, name);
		break;
	default:
		break;
	}
}

static void r_list_begin(void *ctx, struct kube_reflector *r, enum kube_list_reason why)
{
	struct kube_client *c = ctx;

	if (c->cbs.list_begin)
		c->cbs.list_begin(c->ctx, res_of(c, r), why);
}

static void node_give_up(struct kube_client *c, const char *reason);

static void check_all_synced(struct kube_client *c)
{
	bool node_pending = false;

	if (c->all_synced)
		return;
	for (int i = 0; i < KUBE_RES_COUNT; i++) {
		if (!c->want[i] || c->synced[i])
			continue;
		if (i != KUBE_RES_NODES)
			return;
		node_pending = true;
	}
	/* with the endpoints API still undecided, nothing is complete yet */
	if (!c->want[KUBE_RES_ENDPOINTSLICES] && !c->want[KUBE_RES_ENDPOINTS])
		return;
	if (node_pending && c->o.node_optional)
		node_pending = false;
	if (node_pending && !c->node_given_up) {
		/* the rest is here: the Node gets a little longer, not forever */
		if (!ev_is_active(&c->node_timer)) {
			ev_timer_set(&c->node_timer, c->o.node_wait_s, 0.);
			ev_timer_start(c->loop, &c->node_timer);
		}
		return;
	}
	ev_timer_stop(c->loop, &c->node_timer);
	c->all_synced = true;
	log_info("kube_synced", "resources=services,%s%s",
	         c->want[KUBE_RES_ENDPOINTS] ? "endpoints" : "endpointslices",
	         c->synced[KUBE_RES_NODES] ? ",nodes" : "");
	if (c->cbs.all_synced)
		c->cbs.all_synced(c->ctx);
}

static void r_list_end(void *ctx, struct kube_reflector *r, bool first)
{
	struct kube_client *c = ctx;
	enum kube_resource res = res_of(c, r);

	if (c->cbs.list_end)
		c->cbs.list_end(c->ctx, res);
	if (first && res == KUBE_RES_NODES && c->node_given_up)
		log_info("node_available", "node=%s", c->node_name);
	if (first && res < KUBE_RES_COUNT) {
		c->synced[res] = true;
		if (c->cbs.synced)
			c->cbs.synced(c->ctx, res);
		check_all_synced(c);
	}
}

/* The Node could not be listed: the rest does not wait for it. */
static void node_give_up(struct kube_client *c, const char *reason)
{
	char q[300];

	if (c->node_given_up || c->synced[KUBE_RES_NODES])
		return;
	c->node_given_up = true;
	log_warn("node_unavailable",
	         "node=%s reason=%s action=\"going on without it: no zone from its labels, "
	         "node assumed eligible; still trying in the background\"",
	         c->node_name, log_quote(reason, q, sizeof(q)));
	check_all_synced(c);
}

static void node_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kube_client *c =
	    (struct kube_client *)((char *)w - offsetof(struct kube_client, node_timer));
	char why[64];

	snprintf(why, sizeof(why), "no complete list within %.0fs", c->o.node_wait_s);
	node_give_up(c, why);
}

static void r_failed(void *ctx, struct kube_reflector *r, const struct kube_http_result *res)
{
	struct kube_client *c = ctx;
	char why[96];

	if (res_of(c, r) != KUBE_RES_NODES || c->synced[KUBE_RES_NODES])
		return;
	if (res->err)
		snprintf(why, sizeof(why), "list failed: %s", kube_http_strerror(res->err));
	else
		snprintf(why, sizeof(why), "list failed: status %ld", res->status);
	node_give_up(c, why);
}

static void r_rejected(void *ctx, struct kube_reflector *r, bool active, long status,
                       const char *message)
{
	struct kube_client *c = ctx;
	enum kube_resource res = res_of(c, r);
	char why[96];

	(void)message;
	if (active && res == KUBE_RES_NODES) {
		snprintf(why, sizeof(why), "list refused: status %ld", status);
		node_give_up(c, why);
	}
	if (c->cbs.rejected && res < KUBE_RES_COUNT)
		c->cbs.rejected(c->ctx, res, active, status);
}

static const struct kube_reflector_cbs refl_cbs = {
	.upsert = r_upsert,
	.remove = r_remove,
	.list_begin = r_list_begin,
	.list_end = r_list_end,
	.failed = r_failed,
	.rejected = r_rejected,
};

static int start_reflector(struct kube_client *c, enum kube_resource res)
{
	struct kube_reflector_opts ro = {
		.name = kube_resource_name(res),
		.page_size = c->o.page_size,
		.max_event_bytes = c->o.max_event_bytes,
		.max_list_bytes = c->o.max_list_bytes,
		.watch_min_s = c->o.watch_min_s,
		.watch_max_s = c->o.watch_max_s,
	};
	char field[320];
	int r;

	switch (res) {
	case KUBE_RES_SERVICES:
		ro.path = "/api/v1/services";
		ro.label_selector = SEL_PROXY_NAME;
		/* Known from 1.31; older servers refuse it and headless
		 * Services are dropped on arrival anyway. */
		ro.field_selector = "spec.clusterIP!=None";
		ro.field_selector_optional = true;
		break;
	case KUBE_RES_ENDPOINTSLICES:
		ro.path = DISCOVERY_PATH "/endpointslices";
		ro.label_selector = SEL_SLICES;
		ro.reject_hint = SLICES_HINT;
		break;
	case KUBE_RES_ENDPOINTS:
		ro.path = "/api/v1/endpoints";
		ro.label_selector = SEL_SLICES;
		break;
	case KUBE_RES_NODES:
		ro.path = "/api/v1/nodes";
		snprintf(field, sizeof(field), "metadata.name=%s", c->node_name);
		ro.field_selector = field;
		break;
	default:
		return -EINVAL;
	}
	c->want[res] = true;
	r = kube_reflector_new(c->loop, c->http, &ro, &refl_cbs, c, &c->refl[res]);
	if (!r)
		r = kube_reflector_start(c->refl[res]);
	return r;
}

/* ---- small bodies: discovery and /version ---------------------------------- */

static void body_reset(struct body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->over = false;
}

static int body_add(struct body *b, const char *data, size_t len)
{
	char *nb;

	if (b->len + len > b->max) {
		b->over = true;
		return 1;
	}
	nb = realloc(b->data, b->len + len + 1);
	if (!nb) {
		b->over = true;
		return 1;
	}
	memcpy(nb + b->len, data, len);
	b->len += len;
	nb[b->len] = '\0';
	b->data = nb;
	return 0;
}

static bool body_ok(const struct body *b, const struct kube_http_result *res)
{
	return !res->err && res->status == 200 && !b->over;
}

/* ---- /version: said once, for whoever reads the log ------------------------ */

static int ver_data(void *ctx, const char *data, size_t len)
{
	struct kube_client *c = ctx;

	return body_add(&c->ver_body, data, len);
}

static void ver_done(void *ctx, const struct kube_http_result *res)
{
	struct kube_client *c = ctx;
	cJSON *j = NULL;
	const cJSON *gv, *pf;

	c->ver = NULL;
	if (body_ok(&c->ver_body, res))
		j = cJSON_ParseWithLength(c->ver_body.data ? c->ver_body.data : "",
		                          c->ver_body.len);
	gv = cJSON_GetObjectItemCaseSensitive(j, "gitVersion");
	pf = cJSON_GetObjectItemCaseSensitive(j, "platform");
	if (cJSON_IsString(gv)) {
		char q1[160], q2[160];

		snprintf(c->server_version, sizeof(c->server_version), "%s", gv->valuestring);
		log_info("api_server", "version=%s platform=%s",
		         log_quote(c->server_version, q1, sizeof(q1)),
		         log_quote(cJSON_IsString(pf) ? pf->valuestring : "", q2, sizeof(q2)));
	} else {
		/* Not needed for anything: a server that hides it is fine. */
		log_debug("api_server_version_unknown", "status=%ld err=%d", res->status, res->err);
	}
	cJSON_Delete(j);
	body_reset(&c->ver_body);
}

static void ver_start(struct kube_client *c)
{
	struct kube_http_req_opts ho = {
		.path = "/version",
		.on_data = ver_data,
		.on_done = ver_done,
		.ctx = c,
	};

	if (kube_http_get(c->http, &ho, &c->ver))
		c->ver = NULL;
}

/* ---- discovery: does the server serve discovery.k8s.io/v1 endpointslices? -- */

static void disc_start(struct kube_client *c);

static int disc_data(void *ctx, const char *data, size_t len)
{
	struct kube_client *c = ctx;

	return body_add(&c->disc_body, data, len);
}

static bool lists_endpointslices(const char *body, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(body, len), *res, *it;
	bool found = false;

	res = cJSON_GetObjectItemCaseSensitive(j, "resources");
	if (cJSON_IsArray(res)) {
		cJSON_ArrayForEach(it, res)
		{
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");

			if (cJSON_IsString(n) && !strcmp(n->valuestring, "endpointslices"))
				found = true;
		}
	}
	cJSON_Delete(j);
	return found;
}

static void use_endpoints_api(struct kube_client *c, enum kube_resource res, const char *why)
{
	int r;

	log_info("endpoints_api", "using=%s reason=%s", kube_resource_name(res), why);
	r = start_reflector(c, res);
	if (r)
		log_err("reflector_start_failed", "resource=%s err=%s", kube_resource_name(res),
		        strerror(-r));
}

static void disc_done(void *ctx, const struct kube_http_result *res)
{
	struct kube_client *c = ctx;
	uint32_t d;

	c->disc = NULL;
	if (body_ok(&c->disc_body, res)) {
		bool slices = lists_endpointslices(c->disc_body.data ? c->disc_body.data : "",
		                                   c->disc_body.len);

		body_reset(&c->disc_body);
		use_endpoints_api(c, slices ? KUBE_RES_ENDPOINTSLICES : KUBE_RES_ENDPOINTS,
		                  slices ? "discovery"
		                         : "\"discovery.k8s.io/v1 lists no endpointslices\"");
		return;
	}
	body_reset(&c->disc_body);
	if (!res->err && res->status == 404) {
		/* 1.17-1.20 serve only discovery.k8s.io/v1beta1, which kipvs
		 * does not read: Endpoints carry the same backends. */
		use_endpoints_api(c, KUBE_RES_ENDPOINTS,
		                  "\"the server has no discovery.k8s.io/v1 (EndpointSlice v1 "
		                  "needs Kubernetes 1.21+)\"");
		return;
	}
	d = kube_backoff_next(&c->disc_bo, ev_now(c->loop), (uint32_t)(ev_time() * 1e6));
	kube_http_log_failure(c->http, "discovery", "get", DISCOVERY_PATH, res, d);
	ev_timer_set(&c->disc_timer, d / 1000.0, 0.);
	ev_timer_start(c->loop, &c->disc_timer);
}

static void disc_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct kube_client *c =
	    (struct kube_client *)((char *)w - offsetof(struct kube_client, disc_timer));

	disc_start(c);
}

static void disc_start(struct kube_client *c)
{
	struct kube_http_req_opts ho = {
		.path = DISCOVERY_PATH,
		.on_data = disc_data,
		.on_done = disc_done,
		.ctx = c,
	};
	int r;

	body_reset(&c->disc_body);
	r = kube_http_get(c->http, &ho, &c->disc);
	if (r) {
		log_err("discovery_start_failed", "err=%s", strerror(-r));
		ev_timer_set(&c->disc_timer, 1.0, 0.);
		ev_timer_start(c->loop, &c->disc_timer);
	}
}

/* ---- lifecycle --------------------------------------------------------------- */

int kube_client_new(struct ev_loop *loop, const struct kube_config *cfg,
                    const struct kube_client_opts *o, const struct kube_client_cbs *cbs, void *ctx,
                    struct kube_client **out)
{
	struct kube_client *c = calloc(1, sizeof(*c));
	struct kube_http_opts ho = { 0 };
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->cfg = cfg;
	if (o)
		c->o = *o;
	if (cbs)
		c->cbs = *cbs;
	c->ctx = ctx;
	ev_init(&c->disc_timer, disc_timer_cb);
	ev_init(&c->node_timer, node_timer_cb);
	c->disc_body.max = DISCOVERY_MAX;
	c->ver_body.max = VERSION_MAX;
	if (c->o.node_wait_s <= 0)
		c->o.node_wait_s = NODE_WAIT_S;
	kube_backoff_init(&c->disc_bo, KUBE_BACKOFF_MIN_MS, KUBE_BACKOFF_MAX_MS,
	                  KUBE_BACKOFF_RESET);
	if (c->o.node_name && !(c->node_name = strdup(c->o.node_name))) {
		free(c);
		return -ENOMEM;
	}
	c->o.node_name = c->node_name;
	ho.token_period_s = c->o.token_period_s;
	ho.user_agent = c->o.user_agent;
	c->o.user_agent = NULL;
	r = kube_http_new(loop, cfg, &ho, &c->http);
	if (r) {
		kube_client_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int kube_client_start(struct kube_client *c)
{
	int r;

	ver_start(c);
	r = start_reflector(c, KUBE_RES_SERVICES);

	if (!r && c->node_name)
		r = start_reflector(c, KUBE_RES_NODES);
	if (r)
		return r;
	switch (c->o.endpoints_api) {
	case KUBE_EP_SLICES:
		return start_reflector(c, KUBE_RES_ENDPOINTSLICES);
	case KUBE_EP_ENDPOINTS:
		return start_reflector(c, KUBE_RES_ENDPOINTS);
	default:
		disc_start(c);
		return 0;
	}
}

void kube_client_free(struct kube_client *c)
{
	if (!c)
		return;
	for (int i = 0; i < KUBE_RES_COUNT; i++)
		kube_reflector_free(c->refl[i]);
	kube_http_cancel(c->disc);
	kube_http_cancel(c->ver);
	ev_timer_stop(c->loop, &c->disc_timer);
	ev_timer_stop(c->loop, &c->node_timer);
	body_reset(&c->disc_body);
	body_reset(&c->ver_body);
	kube_http_free(c->http);
	free(c->node_name);
	free(c);
}

bool kube_client_synced(const struct kube_client *c)
{
	return c->all_synced;
}

const char *kube_client_server_version(const struct kube_client *c)
{
	return c->server_version;
}

const char *kube_client_pending(const struct kube_client *c, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (c->all_synced)
		return buf;
	if (!c->want[KUBE_RES_ENDPOINTSLICES] && !c->want[KUBE_RES_ENDPOINTS]) {
		int n = snprintf(buf, len, "discovery");

		o = n > 0 && (size_t)n < len ? (size_t)n : len - 1;
	}
	for (int i = 0; i < KUBE_RES_COUNT; i++) {
		int n;

		if (!c->want[i] || c->synced[i] || (i == KUBE_RES_NODES && c->node_given_up))
			continue;
		n = snprintf(buf + o, len - o, "%s%s", o ? "," : "",
		             kube_resource_name((enum kube_resource)i));
		if (n < 0 || (size_t)n >= len - o)
			break;
		o += (size_t)n;
	}
	return buf;
}

bool kube_client_rejected(const struct kube_client *c)
{
	for (int i = 0; i < KUBE_RES_COUNT; i++)
		if (c->refl[i] && kube_reflector_rejected(c->refl[i]))
			return true;
	return false;
}

bool kube_client_watches(const struct kube_client *c, enum kube_resource res)
{
	return res < KUBE_RES_COUNT && c->want[res];
}

struct kube_reflector *kube_client_reflector(const struct kube_client *c, enum kube_resource res)
{
	return res < KUBE_RES_COUNT ? c->refl[res] : NULL;
}

struct kube_http *kube_client_http(const struct kube_client *c)
{
	return c->http;
}
