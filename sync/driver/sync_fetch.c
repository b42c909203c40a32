/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_fetch.h"

#include <errno.h>
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_client.h"
#include "../../lib/kube/kube_config.h"
#include "../../lib/log.h"

static void stored(int err, const char *kind)
{
	if (err == -ENOMEM)
		log_err("store_failed", "kind=%s err=%s", kind, strerror(-err));
}

struct fetch {
	struct ev_loop *loop;
	struct sync_store *st;
	char *zone;
	int result;
};

static void svc_up(void *ctx, struct kube_service *s)
{
	struct fetch *f = ctx;

	stored(sync_store_upsert_service(f->st, s), "Service");
}

static void svc_del(void *ctx, const char *ns, const char *name)
{
	struct fetch *f = ctx;

	sync_store_delete_service(f->st, ns, name);
}

static void slice_up(void *ctx, struct kube_endpoint_slice *s)
{
	struct fetch *f = ctx;

	stored(sync_store_upsert_slice(f->st, s), "EndpointSlice");
}

static void slice_del(void *ctx, const char *ns, const char *name)
{
	struct fetch *f = ctx;

	sync_store_delete_slice(f->st, ns, name);
}

static void eps_up(void *ctx, struct kube_endpoints *e)
{
	struct fetch *f = ctx;

	stored(sync_store_upsert_endpoints(f->st, e), "Endpoints");
}

static void eps_del(void *ctx, const char *ns, const char *name)
{
	struct fetch *f = ctx;

	sync_store_delete_endpoints(f->st, ns, name);
}

static void node_up(void *ctx, struct kube_node *n)
{
	struct fetch *f = ctx;

	free(f->zone);
	f->zone = n->zone ? strdup(n->zone) : NULL;
	kube_node_free(n);
}

static void all_synced(void *ctx)
{
	struct fetch *f = ctx;

	f->result = 0;
	ev_break(f->loop, EVBREAK_ALL);
}

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	(void)w;
	ev_break(loop, EVBREAK_ALL);
}

enum kube_endpoints_api sync_endpoints_api(enum endpoints_api a)
{
	return a == ENDPOINTS_API_SLICES      ? KUBE_EP_SLICES
	       : a == ENDPOINTS_API_ENDPOINTS ? KUBE_EP_ENDPOINTS
	                                      : KUBE_EP_AUTO;
}

int sync_fetch(const struct kipvs_config *cfg, const char *node_name, struct sync_store *st,
               char **zone, double timeout_s)
{
	struct kube_config_opts ko = { cfg->kubeconfig, cfg->context, cfg->master, NULL };
	struct kube_client_opts co = { 0 };
	struct kube_client_cbs cbs = {
		.service_upsert = svc_up,
		.service_delete = svc_del,
		.slice_upsert = slice_up,
		.slice_delete = slice_del,
		.endpoints_upsert = eps_up,
		.endpoints_delete = eps_del,
		.node_upsert = node_up,
		.all_synced = all_synced,
	};
	struct fetch f = { .st = st, .result = -ETIMEDOUT };
	struct kube_config *kc = NULL;
	struct kube_client *cl = NULL;
	ev_timer tmo;
	int err;

	*zone = NULL;
	f.loop = ev_loop_new(EVFLAG_AUTO);
	if (!f.loop)
		return -ENOMEM;
	err = kube_config_load(&ko, &kc);
	co.endpoints_api = sync_endpoints_api(cfg->endpoints_api);
	co.node_name = node_name;
	co.node_optional = cfg->node_zone != NULL;
	if (!err)
		err = kube_client_new(f.loop, kc, &co, &cbs, &f, &cl);
	if (!err)
		err = kube_client_start(cl);
	if (!err) {
		ev_timer_init(&tmo, timeout_cb, timeout_s, 0.);
		ev_timer_start(f.loop, &tmo);
		ev_run(f.loop, 0);
		err = f.result;
		if (err == -ETIMEDOUT) {
			char pending[128];

			log_err("api_timeout", "seconds=%g waiting_for=%s", timeout_s,
			        kube_client_pending(cl, pending, sizeof(pending)));
		}
	}
	kube_client_free(cl);
	kube_config_free(kc);
	ev_loop_destroy(f.loop);
	if (err)
		free(f.zone);
	else
		*zone = f.zone;
	return err;
}
