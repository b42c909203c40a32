/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs render — offline: Kubernetes objects in (a List as
 * `kubectl get svc,endpointslices -A -o json` prints it, typed lists,
 * single objects, core/v1 Endpoints, Nodes), the IPVS table this node would
 * program out, as `ipvsadm -S -n` lines (or, with --bound, the kube-ipvs0
 * addresses; with --nft, the nftables tables of the packet filter, in nft's
 * syntax). No kernel, no apiserver.
 *
 * Order: virtual servers by protocol (tcp, udp, sctp), then address (IPv4
 * before IPv6, numerically), then port; destinations by address, then port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ipvs/admin/ipvs_print.h"
#include "../lib/kube/kube_decode.h"
#include "../lib/log.h"
#include "../lib/config.h"
#include "../sync/sync_desired.h"
#include "../sync/sync_filter.h"
#include "../sync/driver/sync_fetch.h"
#include "../sync/sync_store.h"
#include "cmd.h"

#define MAX_INPUT (512u << 20) /* one JSON document */
#define MAX_FILES 64

static const char render_usage[] =
    "Usage: kipvs render -f FILE|- [-f FILE...] [options]\n"
    "  -f, --filename FILE|-         Kubernetes JSON: a List (kubectl get svc,endpointslices\n"
    "                                -A -o json), a ServiceList/EndpointSliceList/\n"
    "                                EndpointsList, or single objects; '-' is stdin\n"
    "  --hostname-override NAME      this node's name (endpoints on it are local)\n"
    "  --node-ip IP[,IP...]          this node's addresses (NodePorts; repeatable)\n"
    "  --node-zone ZONE              this node's topology zone (default: from the Node\n"
    "                                object named by --hostname-override, if given)\n"
    "  --nodeport-addresses CIDR[,CIDR...]  keep only node addresses inside these\n"
    "  --ipvs-scheduler NAME         default scheduler (rr)\n"
    "  --feature-gates PreferSameTrafficDistribution=true|false\n"
    "  --bound                       print the kube-ipvs0 addresses instead\n"
    "  --nft                         print the packet filter instead: kipvs's nftables\n"
    "                                tables (table ip kipvs, table ip6 kipvs) in nft syntax\n"
    "  --masquerade-all, --cluster-cidr CIDR[,CIDR], --detect-local-mode MODE,\n"
    "  --pod-bridge-interface NAME, --pod-interface-name-prefix PREFIX,\n"
    "  --iptables-masquerade-bit N   the filter's options, as for kipvs run\n"
    "Without -f the objects are read from the API server (one LIST each):\n"
    "  --kubeconfig FILE, --master URL, --context NAME, --endpoints-api "
    "auto|endpointslices|endpoints\n" CMD_TIMEOUT_HELP
    "Output: the table in `ipvsadm -S -n` form, sorted by protocol, address, port.\n";

struct render_opts {
	const char *files[MAX_FILES];
	size_t n_files;
	bool prefer_same_node;
	bool bound;
	bool nft;
	/* kipvs run's flags render takes (the node's, and without -f the API
	 * server's), parsed by its flag table */
	struct kipvs_config cfg;
};

/* The flags of kipvs run that render reads. */
static const char *const run_flags[] = {
	"hostname-override",
	"node-ip",
	"node-zone",
	"nodeport-addresses",
	"ipvs-scheduler",
	"kubeconfig",
	"master",
	"context",
	"endpoints-api",
	"masquerade-all",
	"cluster-cidr",
	"detect-local-mode",
	"pod-bridge-interface",
	"pod-interface-name-prefix",
	"iptables-masquerade-bit",
};

/* "--flag value" or "--flag=value"; advances *i past a separate value. */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		fprintf(stderr, "kipvs render: %s needs a value\n", name);
		return "";
	}
	return argv[++*i];
}

static int parse_gates(const char *v, struct render_opts *o)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (!strcmp(t, "PreferSameTrafficDistribution=true"))
			o->prefer_same_node = true;
		else if (!strcmp(t, "PreferSameTrafficDistribution=false"))
			o->prefer_same_node = false;
		else
			fprintf(stderr, "kipvs render: ignoring feature gate %s\n", t);
	}
	return 0;
}

/* One of kipvs run's flags at argv[*i] ("--name value" or "--name=value"),
 * applied to o->cfg: 1 when it was one, 0 when not, -EINVAL (message
 * printed). @seen_ips: --node-ip was given before (they accumulate). */
static int run_flag(int argc, char **argv, int *i, struct render_opts *o, bool *seen_ips)
{
	for (size_t k = 0; k < sizeof(run_flags) / sizeof(run_flags[0]); k++) {
		char flag[48], err[256];
		const char *v;
		bool ips = !strcmp(run_flags[k], "node-ip");
		int rc;

		snprintf(flag, sizeof(flag), "--%s", run_flags[k]);
		/* The one boolean among them may stand alone. */
		if (!strcmp(run_flags[k], "masquerade-all") && !strcmp(argv[*i], flag)) {
			o->cfg.masquerade_all = true;
			return 1;
		}
		v = flag_value(argc, argv, i, flag);
		if (!v)
			continue;
		if (!*v) {
			fprintf(stderr, "kipvs render: %s needs a value\n", flag);
			return -EINVAL;
		}
		rc =
		    config_apply_flag(&o->cfg, run_flags[k], v, ips && *seen_ips, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "kipvs render: %s\n", rc == -EINVAL ? err : strerror(-rc));
			return -EINVAL;
		}
		*seen_ips |= ips;
		return 1;
	}
	return 0;
}

/* 0, or -EINVAL (usage error, message printed); *help when --help was asked. */
static int parse_args(int argc, char **argv, struct render_opts *o, bool *help)
{
	bool seen_ips = false;

	*help = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int rc;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			*help = true;
			return 0;
		}
		if (!strcmp(a, "--bound")) {
			o->bound = true;
		} else if (!strcmp(a, "--nft")) {
			o->nft = true;
		} else if (!strcmp(a, "-f") || (v = flag_value(argc, argv, &i, "--filename"))) {
			if (!strcmp(a, "-f")) {
				if (i + 1 >= argc) {
					fputs("kipvs render: -f needs a file name or -\n", stderr);
					return -EINVAL;
				}
				v = argv[++i];
			}
			if (!*v || o->n_files >= MAX_FILES) {
				fputs("kipvs render: bad or too many -f\n", stderr);
				return -EINVAL;
			}
			o->files[o->n_files++] = v;
		} else if ((v = flag_value(argc, argv, &i, "--feature-gates"))) {
			parse_gates(v, o);
		} else if ((rc = run_flag(argc, argv, &i, o, &seen_ips)) != 0) {
			if (rc < 0)
				return rc;
		} else {
			fprintf(stderr, "kipvs render: unknown argument '%s'\n", a);
			return -EINVAL;
		}
	}
	if (o->cfg.nodeport_primary) {
		fputs("kipvs render: --nodeport-addresses primary needs a node: give CIDRs\n",
		      stderr);
		return -EINVAL;
	}
	return 0;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "kipvs render: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t r;

		if (n + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 262144;
			if (cap > MAX_INPUT + 1) {
				fprintf(stderr, "kipvs render: %s: larger than %u MiB\n", path,
				        MAX_INPUT >> 20);
				goto fail;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "kipvs render: %s: out of memory\n", path);
				goto fail;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "kipvs render: %s: read error\n", path);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (f != stdin)
		fclose(f);
	free(buf);
	return NULL;
}

struct render_ctx {
	struct sync_store *st;
	const char *node_name;
	char *node_zone;              /* from a Node object named --hostname-override */
	struct net_cidr pod_cidrs[2]; /* ... and its spec.podCIDRs */
	size_t n_pod_cidrs;
	size_t objects, invalid;
};

static int take_object(struct render_ctx *c, const cJSON *item, enum kube_kind kind)
{
	struct kube_object obj = { 0 };
	int err = kube_object_decode(item, kind, &obj);

	if (err == -ENOTSUP)
		return 0; /* a kind render does not read (Pods in a List...) */
	if (err == -ENOMEM)
		return err;
	if (err) {
		c->invalid++; /* the decoder logged kind, name and field */
		return 0;
	}
	c->objects++;
	switch (obj.kind) {
	case KUBE_KIND_SERVICE:
		err = sync_store_upsert_service(c->st, obj.svc);
		break;
	case KUBE_KIND_ENDPOINT_SLICE:
		err = sync_store_upsert_slice(c->st, obj.slice);
		break;
	case KUBE_KIND_ENDPOINTS:
		err = sync_store_upsert_endpoints(c->st, obj.eps);
		break;
	case KUBE_KIND_NODE:
		if (c->node_name && obj.node->meta.name &&
		    !strcmp(obj.node->meta.name, c->node_name)) {
			if (obj.node->zone) {
				free(c->node_zone);
				c->node_zone = strdup(obj.node->zone);
			}
			memcpy(c->pod_cidrs, obj.node->pod_cidrs, sizeof(c->pod_cidrs));
			c->n_pod_cidrs = obj.node->n_pod_cidrs;
		}
		kube_object_free(&obj);
		return 0;
	default:
		kube_object_free(&obj);
		return 0;
	}
	if (err == -EINVAL)
		c->invalid++;
	return err == -ENOMEM ? err : 0;
}

/* 0 when the document was read (even if some objects were invalid). */
static int take_file(struct render_ctx *c, const char *path)
{
	size_t len = 0;
	char *buf = read_all(path, &len);
	cJSON *root = NULL;
	int err;

	if (!buf)
		return -EIO;
	err = kube_json_parse(buf, len, path, &root);
	free(buf);
	if (err) {
		fprintf(stderr, "kipvs render: %s: not valid JSON\n", path);
		return err;
	}
	if (cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "items")) {
		struct kube_list_iter it;
		const cJSON *item;
		enum kube_kind kind;

		err = kube_list_iter_init(&it, root, KUBE_KIND_UNKNOWN);
		while (!err && (item = kube_list_iter_next(&it, &kind)))
			err = take_object(c, item, kind);
	} else if (cJSON_IsArray(root)) {
		const cJSON *item;

		cJSON_ArrayForEach(item, root)
		{
			err = take_object(c, item, KUBE_KIND_UNKNOWN);
			if (err)
				break;
		}
	} else {
		err = take_object(c, root, KUBE_KIND_UNKNOWN);
	}
	cJSON_Delete(root);
	if (err)
		fprintf(stderr, "kipvs render: %s: %s\n", path, strerror(-err));
	return err;
}

static bool any_node_port(const struct sync_store *st)
{
	const struct sync_svc *e;
	size_t pos = 0;

	while ((e = sync_store_next(st, &pos))) {
		const struct kube_service *s = sync_svc_service(e);

		for (size_t i = 0; s && i < s->n_ports; i++)
			if (s->ports[i].node_port)
				return true;
	}
	return false;
}

static int node_config(struct sync_node *n, const struct render_opts *o, const char *node_zone)
{
	const struct kipvs_config *cfg = &o->cfg;
	const char *zone = cfg->node_zone ? cfg->node_zone : node_zone;

	if (sync_node_set_name(n, cfg->hostname_override) || sync_node_set_zone(n, zone) ||
	    sync_node_set_scheduler(n, cfg->scheduler) ||
	    sync_node_set_node_addrs(n, cfg->node_ips, cfg->n_node_ips, cfg->nodeport_cidrs,
	                             cfg->n_nodeport_cidrs) ||
	    sync_node_set_local_addrs(n, cfg->node_ips, cfg->n_node_ips))
		return -ENOMEM;
	n->prefer_same_node = o->prefer_same_node;
	return 0;
}

static int print_table(const struct sync_desired *d)
{
	struct ipvs_table t;
	int err;

	ipvs_table_init(&t);
	err = sync_desired_to_table(d, &t);
	for (size_t i = 0; !err && i < t.n; i++) {
		const struct ipvs_vs *vs = &t.vs[i];

		err = ipvs_print_save_service(stdout, &vs->svc, IPVS_FMT_NUMERIC);
		for (size_t j = 0; !err && j < vs->n_dests; j++)
			err =
			    ipvs_print_save_dest(stdout, &vs->svc, &vs->dests[j], IPVS_FMT_NUMERIC);
	}
	ipvs_table_free(&t);
	return err;
}

static int print_bound(const struct sync_desired *d)
{
	struct net_addr *a;
	size_t n;
	int err = sync_desired_bound_addrs(d, &a, &n);

	for (size_t i = 0; !err && i < n; i++) {
		char s[ADDR_STRLEN];

		printf("%s\n", addr_fmt(&a[i], s));
	}
	free(a);
	return err;
}

int render_load(const char *const *files, size_t n, const char *node_name, struct sync_store *st,
                struct render_node *node)
{
	struct render_ctx c = { .st = st, .node_name = node_name };
	int err = 0;

	for (size_t i = 0; !err && i < n; i++)
		err = take_file(&c, files[i]);
	memset(node, 0, sizeof(*node));
	node->zone = c.node_zone;
	memcpy(node->pod_cidrs, c.pod_cidrs, sizeof(node->pod_cidrs));
	node->n_pod_cidrs = c.n_pod_cidrs;
	return err;
}

/* The packet filter's two tables. */
static int print_nft(const struct render_opts *o, const struct render_ctx *c,
                     const struct sync_node *node)
{
	struct sync_filter_opts fo;
	struct sync_filter *f = NULL;
	int err;

	sync_filter_opts_from(&o->cfg, c->pod_cidrs, c->n_pod_cidrs, &fo);
	err = sync_filter_new(&fo, &f);
	if (!err)
		err = sync_filter_build(f, c->st, node);
	for (int fam = 0; !err && fam < SYNC_FILTER_FAMS; fam++)
		err = sync_filter_render(f, fam, true, stdout);
	sync_filter_free(f);
	return err;
}

int cmd_render(int argc, char **argv)
{
	struct render_opts o;
	struct render_ctx c = { 0 };
	struct sync_node node;
	struct sync_desired *d = NULL;
	size_t read_ok = 0;
	double timeout_s;
	bool help;
	int rc;

	memset(&o, 0, sizeof(o));
	config_init(&o.cfg);
	sync_node_init(&node);
	if (cmd_take_timeout(&argc, argv, "render", &timeout_s) ||
	    parse_args(argc, argv, &o, &help)) {
		rc = 2;
		goto out;
	}
	if (help) {
		fputs(render_usage, stdout);
		rc = 0;
		goto out;
	}
	c.node_name = o.cfg.hostname_override;
	if (sync_store_new(&c.st) || sync_desired_new(&d)) {
		fputs("kipvs render: out of memory\n", stderr);
		rc = 1;
		goto out;
	}
	for (size_t i = 0; i < o.n_files; i++)
		read_ok += take_file(&c, o.files[i]) == 0;
	if (!o.n_files) {
		/* The live cluster: one complete LIST of each resource. */
		int err =
		    sync_fetch(&o.cfg, o.cfg.hostname_override, c.st, &c.node_zone, timeout_s);

		if (err) {
			cmd_fetch_failed("render", err, timeout_s);
			rc = 1;
			goto out;
		}
		read_ok = 1;
	}
	if (!read_ok) {
		fputs("kipvs render: nothing could be read\n", stderr);
		rc = 1;
		goto out;
	}
	if (c.invalid)
		fprintf(stderr, "kipvs render: skipped %zu invalid object(s)\n", c.invalid);
	if (!o.cfg.n_node_ips && any_node_port(c.st))
		fputs("kipvs render: no --node-ip: NodePorts get no virtual servers\n", stderr);
	if (node_config(&node, &o, c.node_zone) || sync_desired_build(d, c.st, &node)) {
		fputs("kipvs render: out of memory\n", stderr);
		rc = 1;
		goto out;
	}
	rc = o.nft ? print_nft(&o, &c, &node) : o.bound ? print_bound(d) : print_table(d);
	if (rc) {
		fprintf(stderr, "kipvs render: %s\n",
		        rc == -EINVAL ? "an option the filter cannot express (a /0 range?)"
		                      : strerror(-rc));
		rc = 1;
		goto out;
	}
	rc = fflush(stdout) ? 1 : 0;
out:
	sync_desired_free(d);
	sync_store_free(c.st);
	sync_node_clear(&node);
	free(c.node_zone);
	config_free(&o.cfg);
	return rc;
}
