/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The KubeProxyConfiguration file (kubeproxy.config.k8s.io/v1alpha1). Each
 * field that applies to IPVS mode maps onto a flag, so the file and the
 * command line share one parser and one set of checks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "config_priv.h"
#include "log.h"
#include "yamltree.h"

/* A config file is small; anything bigger is a mistake, not a config. */
#define CONFIG_MAX_BYTES (1024 * 1024)

struct field_map {
	const char *path; /* dotted path in the file */
	const char *flag; /* the flag it sets */
};

static const struct field_map fields[] = {
	{ "mode", "proxy-mode" },
	{ "clientConnection.kubeconfig", "kubeconfig" },
	{ "hostnameOverride", "hostname-override" },
	{ "bindAddress", "bind-address" },
	{ "healthzBindAddress", "healthz-bind-address" },
	{ "metricsBindAddress", "metrics-bind-address" },
	{ "nodePortAddresses", "nodeport-addresses" },
	{ "configSyncPeriod", "config-sync-period" },
	{ "ipvs.syncPeriod", "ipvs-sync-period" },
	{ "ipvs.minSyncPeriod", "ipvs-min-sync-period" },
	{ "ipvs.scheduler", "ipvs-scheduler" },
	{ "ipvs.excludeCIDRs", "ipvs-exclude-cidrs" },
	{ "ipvs.strictARP", "ipvs-strict-arp" },
	{ "ipvs.tcpTimeout", "ipvs-tcp-timeout" },
	{ "ipvs.tcpFinTimeout", "ipvs-tcpfin-timeout" },
	{ "ipvs.udpTimeout", "ipvs-udp-timeout" },
	{ "conntrack.maxPerCore", "conntrack-max-per-core" },
	{ "conntrack.min", "conntrack-min" },
	{ "conntrack.tcpEstablishedTimeout", "conntrack-tcp-timeout-established" },
	{ "conntrack.tcpCloseWaitTimeout", "conntrack-tcp-timeout-close-wait" },
	{ "conntrack.tcpBeLiberal", "conntrack-tcp-be-liberal" },
	{ "conntrack.udpTimeout", "conntrack-udp-timeout" },
	{ "conntrack.udpStreamTimeout", "conntrack-udp-timeout-stream" },
	{ "iptables.masqueradeAll", "masquerade-all" },
	{ "iptables.masqueradeBit", "iptables-masquerade-bit" },
	{ "clusterCIDR", "cluster-cidr" },
	{ "detectLocalMode", "detect-local-mode" },
	{ "detectLocal.bridgeInterface", "pod-bridge-interface" },
	{ "detectLocal.interfaceNamePrefix", "pod-interface-name-prefix" },
	{ "detectLocal.clusterCIDRs", "cluster-cidr" },
};

/* Known KubeProxyConfiguration fields that have no meaning for kipvs. */
static const char *const not_applicable[] = {
	"iptables.localhostNodePorts",
	"iptables.syncPeriod",
	"iptables.minSyncPeriod",
	"nftables",
	"winkernel",
	"oomScoreAdj",
	"portRange",
	"featureGates",
	"enableProfiling",
	"showHiddenMetricsForVersion",
	"logging",
	"bindAddressHardFail",
	"udpIdleTimeout",
	"windowsRunAsService",
	"linux",
	"windows",
	"syncPeriod",
	"minSyncPeriod",
	"clientConnection.acceptContentTypes",
	"clientConnection.contentType",
	"clientConnection.qps",
	"clientConnection.burst",
	"ipvs.masqueradeBit",
};

struct walk {
	struct kipvs_config *c;
	const char *file;
	char *err;
	size_t errlen;
	char ignored[512];
	char unknown[512];
};

static void note(char *list, size_t len, const char *path)
{
	size_t used = strlen(list);

	if (used + strlen(path) + 3 >= len)
		return;
	snprintf(list + used, len - used, "%s%s", used ? "," : "", path);
}

static const struct config_flag *flag_by_name(const char *name)
{
	size_t n;
	const struct config_flag *f = config_flags(&n);

	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}

static int fail(struct walk *w, const char *path, int line, const char *why)
{
	snprintf(w->err, w->errlen, "%s:%d: field %s: %s", w->file, line, path, why);
	return -EINVAL;
}

static int apply(struct walk *w, const char *path, const struct config_flag *f,
                 const struct ynode *v)
{
	char err[256];
	int rc;

	if (ytree_is_null(v))
		return 0;
	if (v->type == YNODE_SEQ) {
		if (f->type != CF_ADDRS && f->type != CF_NPADDR && f->type != CF_CIDRS &&
		    f->type != CF_LCIDRS)
			return fail(w, path, v->line, "expected a single value, not a list");
		/* An explicit list replaces the default, even when empty. */
		rc = config_set(w->c, f, "", false, err, sizeof(err));
		for (size_t i = 0; rc == 0 && i < v->n; i++) {
			if (v->items[i]->type != YNODE_SCALAR)
				return fail(w, path, v->items[i]->line,
				            "expected a list of strings");
			rc = config_set(w->c, f, v->items[i]->scalar, true, err, sizeof(err));
		}
	} else if (v->type == YNODE_SCALAR) {
		/* kube-proxy treats an empty scheduler as the default. */
		if (f->type == CF_SCHED && !*v->scalar)
			return 0;
		rc = config_set(w->c, f, v->scalar, false, err, sizeof(err));
	} else {
		return fail(w, path, v->line, "expected a value, not a map");
	}
	if (rc == -EINVAL) {
		/* The flag parser names the flag; the file's reader wants the field. */
		const char *why = strstr(err, ": ");

		return fail(w, path, v->line, why ? why + 2 : err);
	}
	return rc;
}

static int walk_map(struct walk *w, const struct ynode *map, const char *prefix)
{
	for (size_t i = 0; i < map->n; i++) {
		const struct ynode *v = map->items[i];
		char path[256];
		bool handled = false;

		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", map->keys[i]);
		if (!*prefix && (!strcmp(path, "apiVersion") || !strcmp(path, "kind")))
			continue;
		for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
			if (strcmp(fields[k].path, path) == 0) {
				int rc = apply(w, path, flag_by_name(fields[k].flag), v);

				if (rc < 0)
					return rc;
				handled = true;
			}
		}
		for (size_t k = 0; !handled && k < sizeof(not_applicable) / sizeof(*not_applicable);
		     k++) {
			if (strcmp(not_applicable[k], path) == 0) {
				if (!ytree_is_null(v))
					note(w->ignored, sizeof(w->ignored), path);
				handled = true;
			}
		}
		if (handled)
			continue;
		if (v->type == YNODE_MAP &&
		    (!strcmp(path, "ipvs") || !strcmp(path, "conntrack") ||
		     !strcmp(path, "clientConnection") || !strcmp(path, "iptables") ||
		     !strcmp(path, "detectLocal"))) {
			int rc = walk_map(w, v, path);

			if (rc < 0)
				return rc;
			continue;
		}
		note(w->unknown, sizeof(w->unknown), path);
	}
	return 0;
}

static char *read_capped(const char *path, size_t *len, int *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	*err = 0;
	if (!f) {
		*err = -errno;
		return NULL;
	}
	buf = malloc(CONFIG_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		*err = -ENOMEM;
		return NULL;
	}
	n = fread(buf, 1, CONFIG_MAX_BYTES + 1, f);
	if (ferror(f))
		*err = -EIO;
	else if (n > CONFIG_MAX_BYTES)
		*err = -EFBIG;
	fclose(f);
	if (*err) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

int config_load_file(struct kipvs_config *c, const char *path, char *err, size_t errlen)
{
	struct walk w = { .c = c, .file = path, .err = err, .errlen = errlen };
	struct ynode *root = NULL;
	const struct ynode *kind, *api;
	char perr[200];
	size_t len = 0;
	int rc;
	char *buf = read_capped(path, &len, &rc);

	if (!buf) {
		snprintf(err, errlen, "%s: cannot read config: %s", path,
		         rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc));
		return rc;
	}
	rc = ytree_parse(buf, len, &root, perr, sizeof(perr));
	free(buf);
	if (rc < 0) {
		snprintf(err, errlen, "%s: not valid YAML or JSON: %s", path, perr);
		return rc;
	}
	if (root->type != YNODE_MAP) {
		ytree_free(root);
		snprintf(err, errlen, "%s: expected a KubeProxyConfiguration object", path);
		return -EINVAL;
	}
	kind = ytree_get(root, "kind");
	api = ytree_get(root, "apiVersion");
	if (kind && kind->type == YNODE_SCALAR && strcmp(kind->scalar, "KubeProxyConfiguration")) {
		snprintf(err, errlen, "%s: kind is %s, expected KubeProxyConfiguration", path,
		         kind->scalar);
		ytree_free(root);
		return -EINVAL;
	}
	if (api && api->type == YNODE_SCALAR &&
	    strcmp(api->scalar, "kubeproxy.config.k8s.io/v1alpha1"))
		log_warn("config_api_version", "file=%s apiVersion=%s expected=%s", path,
		         api->scalar, "kubeproxy.config.k8s.io/v1alpha1");
	rc = walk_map(&w, root, "");
	ytree_free(root);
	if (rc < 0)
		return rc;
	if (w.ignored[0])
		log_warn("config_fields_ignored",
		         "file=%s fields=%s reason=not-applicable-to-kipvs", path, w.ignored);
	if (w.unknown[0])
		log_warn("config_fields_unknown", "file=%s fields=%s", path, w.unknown);
	return 0;
}
