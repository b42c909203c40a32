/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs watch — runs the apiserver reflectors and prints one line per event:
 *
 *   upsert service shop/frontend rv=48230 ports=2
 *   delete endpointslice shop/frontend-x7k2p
 *   synced services
 *   relist services reason=410
 *   relisted services
 *
 * Logs go to stderr. A tool for operators ("what does kipvs see?") and the
 * driver of the API-tier host tests.
 */
#include <errno.h>
#include <ev.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/kube/kube_client.h"
#include "../lib/kube/kube_config.h"
#include "../lib/kube/kube_types.h"
#include "../lib/config.h"
#include "../lib/log.h"
#include "../sync/driver/sync_fetch.h"
#include "cmd.h"

static const char watch_usage[] =
    "Usage: kipvs watch [options]\n"
    "  --kubeconfig FILE        kubeconfig to use (default: $KUBECONFIG, else in-cluster)\n"
    "  --context NAME           context of the kubeconfig (default: its current-context)\n"
    "  --master URL             apiserver URL; overrides the kubeconfig's server\n"
    "  --endpoints-api API      slices | endpoints | auto (default auto: slices unless the\n"
    "                           server has no discovery.k8s.io/v1)\n"
    "  --node NAME              also watch this Node (its zone label)\n"
    "  --once                   print the initial lists, then exit once all are synced\n"
    "  --timeout DURATION       with --once: give up (exit 1) when the lists are not all\n"
    "                           complete by then (default 30s)\n"
    "  --log-level LEVEL        error | warn | info | debug (default info)\n";

struct watch_ctx {
	struct ev_loop *loop;
	bool once;
	bool all_synced;
	bool timed_out;
	bool synced[KUBE_RES_COUNT];
};

static void print_key(const char *verb, const char *kind, const char *ns, const char *name)
{
	if (ns && *ns)
		printf("%s %s %s/%s", verb, kind, ns, name);
	else
		printf("%s %s %s", verb, kind, name);
}

/*
 * Objects are printed, then freed: this consumer keeps nothing. (A real
 * consumer stores them and frees the previous version on the next upsert.)
 */
static void on_service(void *ctx, struct kube_service *s)
{
	print_key("upsert", "service", s->meta.namespace, s->meta.name);
	printf(" rv=%s ports=%zu\n", s->meta.resource_version, s->n_ports);
	kube_service_free(s);
}

static void on_slice(void *ctx, struct kube_endpoint_slice *s)
{
	print_key("upsert", "endpointslice", s->meta.namespace, s->meta.name);
	printf(" rv=%s service=%s endpoints=%zu ports=%zu\n", s->meta.resource_version,
	       s->service_name ? s->service_name : "-", s->n_endpoints, s->n_ports);
	kube_endpoint_slice_free(s);
}

static void on_endpoints(void *ctx, struct kube_endpoints *e)
{
	print_key("upsert", "endpoints", e->meta.namespace, e->meta.name);
	printf(" rv=%s subsets=%zu\n", e->meta.resource_version, e->n_subsets);
	kube_endpoints_free(e);
}

static void on_node(void *ctx, struct kube_node *n)
{
	print_key("upsert", "node", NULL, n->meta.name);
	printf(" rv=%s zone=%s\n", n->meta.resource_version, n->zone ? n->zone : "-");
	kube_node_free(n);
}

static void on_service_delete(void *ctx, const char *ns, const char *name)
{
	print_key("delete", "service", ns, name);
	putchar('\n');
}

static void on_slice_delete(void *ctx, const char *ns, const char *name)
{
	print_key("delete", "endpointslice", ns, name);
	putchar('\n');
}

static void on_endpoints_delete(void *ctx, const char *ns, const char *name)
{
	print_key("delete", "endpoints", ns, name);
	putchar('\n');
}

static void on_node_delete(void *ctx, const char *name)
{
	print_key("delete", "node", NULL, name);
	putchar('\n');
}

static void on_list_begin(void *ctx, enum kube_resource res, enum kube_list_reason why)
{
	if (why != KUBE_LIST_INITIAL)
		printf("relist %s reason=%s\n", kube_resource_name(res),
		       kube_list_reason_name(why));
}

/* A relist is complete: the deletions printed since "relist" were found by it. */
static void on_list_end(void *ctx, enum kube_resource res)
{
	struct watch_ctx *w = ctx;

	if (res < KUBE_RES_COUNT && w->synced[res])
		printf("relisted %s\n", kube_resource_name(res));
}

static void on_synced(void *ctx, enum kube_resource res)
{
	struct watch_ctx *w = ctx;

	if (res < KUBE_RES_COUNT)
		w->synced[res] = true;
	printf("synced %s\n", kube_resource_name(res));
}

static void on_all_synced(void *ctx)
{
	struct watch_ctx *w = ctx;

	printf("synced all\n");
	w->all_synced = true;
	if (w->once)
		ev_break(w->loop, EVBREAK_ALL);
}

static const char *waiting_for(struct watch_ctx *w, struct kube_client *kc)
{
	static char buf[128];

	(void)w;
	return kube_client_pending(kc, buf, sizeof(buf));
}

/* --once did not see every list complete by --timeout. */
static void on_deadline(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct watch_ctx *w = t->data;

	w->timed_out = true;
	ev_break(loop, EVBREAK_ALL);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	log_info("signal", "signal=%d action=exit", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

int cmd_watch_tuned(int argc, char **argv, const struct watch_tuning *t)
{
	enum {
		O_KUBECONFIG = 1000,
		O_CONTEXT,
		O_MASTER,
		O_EPAPI,
		O_NODE,
		O_ONCE,
		O_LOGLEVEL,
		O_HELP,
	};
	static const struct option opts[] = {
		{ "kubeconfig", required_argument, NULL, O_KUBECONFIG },
		{ "context", required_argument, NULL, O_CONTEXT },
		{ "master", required_argument, NULL, O_MASTER },
		{ "endpoints-api", required_argument, NULL, O_EPAPI },
		{ "node", required_argument, NULL, O_NODE },
		{ "once", no_argument, NULL, O_ONCE },
		{ "log-level", required_argument, NULL, O_LOGLEVEL },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	struct kube_config_opts co = { 0 };
	struct kube_client_opts ko = { 0 };
	struct kube_client_cbs cbs = {
		.service_upsert = on_service,
		.service_delete = on_service_delete,
		.slice_upsert = on_slice,
		.slice_delete = on_slice_delete,
		.endpoints_upsert = on_endpoints,
		.endpoints_delete = on_endpoints_delete,
		.node_upsert = on_node,
		.node_delete = on_node_delete,
		.list_begin = on_list_begin,
		.list_end = on_list_end,
		.synced = on_synced,
		.all_synced = on_all_synced,
	};
	struct watch_ctx w = { 0 };
	struct kube_config *cfg = NULL;
	struct kube_client *kc = NULL;
	ev_signal sigint, sigterm;
	ev_timer deadline;
	double timeout_s;
	struct kipvs_config flags;
	bool level_set = false;
	char qs[300], qsrc[300];
	int c, r, rc = 1;

	config_init(&flags);
	if (cmd_take_timeout(&argc, argv, "watch", &timeout_s)) {
		rc = 2;
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char err[256];

		switch (c) {
		case O_KUBECONFIG:
		case O_CONTEXT:
		case O_MASTER:
		case O_EPAPI:
		case O_LOGLEVEL:
			/* kipvs run's flags, by its flag table (opts[] is in the
			 * order of the enum). */
			level_set |= c == O_LOGLEVEL;
			r = config_apply_flag(&flags, opts[c - O_KUBECONFIG].name, optarg, false,
			                      err, sizeof(err));
			if (r) {
				fprintf(stderr, "kipvs watch: %s\n",
				        r == -EINVAL ? err : strerror(-r));
				rc = 2;
				goto out;
			}
			break;
		case O_NODE:
			ko.node_name = optarg;
			break;
		case O_ONCE:
			w.once = true;
			break;
		case O_HELP:
		case 'h':
			fputs(watch_usage, stdout);
			rc = 0;
			goto out;
		default:
			fputs(watch_usage, stderr);
			rc = 2;
			goto out;
		}
	}
	co.kubeconfig = flags.kubeconfig;
	co.context = flags.context;
	co.master = flags.master;
	ko.endpoints_api = sync_endpoints_api(flags.endpoints_api);
	if (level_set)
		log_set_level(flags.log_level);
	if (optind < argc) {
		fprintf(stderr, "kipvs watch: unexpected argument %s\n", argv[optind]);
		rc = 2;
		goto out;
	}
	if (!co.kubeconfig && !co.master) {
		const char *env = getenv("KUBECONFIG");

		if (env && *env && !strchr(env, ':'))
			co.kubeconfig = env;
		else if (env && *env)
			log_warn("kubeconfig_env_ignored",
			         "reason=\"KUBECONFIG lists several files; kipvs reads one: pass "
			         "--kubeconfig FILE\"");
	}
	if (t) {
		co.sa_dir = t->sa_dir;
		ko.page_size = t->page_size;
		ko.max_event_bytes = t->max_event_bytes;
		ko.watch_min_s = t->watch_timeout_s;
		ko.watch_max_s = t->watch_timeout_s ? t->watch_timeout_s + 1 : 0;
		ko.token_period_s = t->token_period_s;
	}
	ko.user_agent = "kipvs/" KIPVS_VERSION " (linux) watch";
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (kube_config_load(&co, &cfg))
		goto out; /* the loader logged which file and field */
	w.loop = ev_default_loop(EVFLAG_AUTO);
	if (!w.loop) {
		fprintf(stderr, "kipvs watch: cannot create the event loop\n");
		goto out;
	}
	ev_signal_init(&sigint, on_signal, SIGINT);
	ev_signal_init(&sigterm, on_signal, SIGTERM);
	ev_signal_start(w.loop, &sigint);
	ev_signal_start(w.loop, &sigterm);
	log_info("watch_start", "server=%s source=%s", log_quote(cfg->server, qs, sizeof(qs)),
	         log_quote(cfg->source, qsrc, sizeof(qsrc)));
	r = kube_client_new(w.loop, cfg, &ko, &cbs, &w, &kc);
	if (!r)
		r = kube_client_start(kc);
	if (r) {
		log_err("watch_failed", "err=%s", strerror(-r));
		goto out;
	}
	if (w.once) {
		ev_timer_init(&deadline, on_deadline, timeout_s, 0.);
		deadline.data = &w;
		ev_timer_start(w.loop, &deadline);
	}
	ev_run(w.loop, 0);
	rc = 0;
	if (w.once && !w.all_synced) {
		if (w.timed_out) {
			log_err("api_timeout", "seconds=%g waiting_for=%s", timeout_s,
			        waiting_for(&w, kc));
			fprintf(stderr,
			        "kipvs watch: the API server did not answer every list within %gs "
			        "(--timeout)\n",
			        timeout_s);
		}
		rc = 1;
	}
	if (w.once)
		ev_timer_stop(w.loop, &deadline);
out:
	kube_client_free(kc);
	if (w.loop) {
		ev_signal_stop(w.loop, &sigint);
		ev_signal_stop(w.loop, &sigterm);
		ev_loop_destroy(w.loop);
	}
	kube_config_free(cfg);
	config_free(&flags);
	return rc;
}

int cmd_watch(int argc, char **argv)
{
	return cmd_watch_tuned(argc, argv, NULL);
}
