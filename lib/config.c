/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line flags and defaults. The flag table drives parsing and --help,
 * so a flag cannot be documented differently from how it behaves.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config_priv.h"

void config_init(struct kipvs_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->scheduler, sizeof(c->scheduler), "rr");
	c->sync_period_ms = 30 * 1000;
	c->min_sync_period_ms = 0;
	c->graceful_timeout_ms = 15 * 60 * 1000;
	c->nodeport_min = 30000;
	c->nodeport_max = 32767;
	c->healthz_bind_address = strdup("0.0.0.0:10256");
	c->metrics_bind_address = strdup("127.0.0.1:10249");
	c->conntrack_max_per_core = 32768;
	c->conntrack_min = 131072;
	c->conntrack_tcp_established_ms = 24ULL * 3600 * 1000;
	c->conntrack_tcp_close_wait_ms = 3600ULL * 1000;
	c->config_sync_period_ms = 15 * 60 * 1000;
	c->masquerade_bit = 14;
	c->log_level = LOG_LVL_INFO;
}

void config_free(struct kipvs_config *c)
{
	free(c->kubeconfig);
	free(c->master);
	free(c->context);
	free(c->hostname_override);
	free(c->node_ips);
	free(c->node_zone);
	free(c->nodeport_cidrs);
	free(c->exclude_cidrs);
	free(c->cluster_cidrs);
	free(c->pod_bridge_interface);
	free(c->pod_interface_prefix);
	free(c->healthz_bind_address);
	free(c->metrics_bind_address);
	free(c->config_file);
	memset(c, 0, sizeof(*c));
}

int config_parse_duration(const char *s, uint64_t *ms)
{
	/* Nanoseconds accumulate in a double: Go durations allow fractions ("1.5h"). */
	double total = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*p) {
		char *end;
		double v, unit;

		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return -EINVAL;
		errno = 0;
		v = strtod(p, &end);
		if (errno || end == p || v < 0)
			return -EINVAL;
		p = end;
		if (!strncmp(p, "ns", 2)) {
			unit = 1e-6;
			p += 2;
		} else if (!strncmp(p, "us", 2)) {
			unit = 1e-3;
			p += 2;
		} else if (!strncmp(p, "\xc2\xb5s", 3)) {
			unit = 1e-3;
			p += 3;
		} else if (!strncmp(p, "ms", 2)) {
			unit = 1;
			p += 2;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else if (*p == 'm') {
			unit = 60 * 1000;
			p++;
		} else if (*p == 'h') {
			unit = 3600 * 1000;
			p++;
		} else {
			return -EINVAL;
		}
		total += v * unit;
	}
	if (total > 1e15)
		return -EINVAL;
	*ms = (uint64_t)(total + 0.5);
	return 0;
}

bool config_scheduler_known(const char *name)
{
	static const char *const known[] = { "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
		                             "sh", "sed", "nq", "mh",  "fo",   "ovf",   "twos" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(name, known[i]) == 0)
			return true;
	return false;
}

#define OFF(field) offsetof(struct kipvs_config, field)

static const struct config_flag flags[] = {
	{ "config", NULL, CF_STR, OFF(config_file), "",
	  "KubeProxyConfiguration file (YAML or JSON)" },
	{ "kubeconfig", NULL, CF_STR, OFF(kubeconfig), "in-cluster",
	  "kubeconfig file for the API server" },
	{ "master", NULL, CF_STR, OFF(master), "", "API server URL; overrides the kubeconfig's" },
	{ "context", NULL, CF_STR, OFF(context), "current-context", "kubeconfig context to use" },
	{ "endpoints-api", NULL, CF_EPAPI, OFF(endpoints_api), "auto",
	  "where backends come from: auto, endpointslices or endpoints" },
	{ "hostname-override", NULL, CF_STR, OFF(hostname_override), "host name",
	  "this node's name, as endpoints' nodeName carries it" },
	{ "node-ip", "node-ip-override", CF_ADDRS, OFF(node_ips), "interface addresses",
	  "node address for NodePort services (repeatable, or comma-separated)" },
	{ "bind-address", NULL, CF_ADDR, OFF(bind_address), "0.0.0.0",
	  "the node's primary IP (kube-proxy compatibility)" },
	{ "node-zone", NULL, CF_STR, OFF(node_zone), "the Node's topology.kubernetes.io/zone",
	  "this node's zone, for topology hints" },
	{ "nodeport-addresses", NULL, CF_NPADDR, OFF(nodeport_cidrs), "all",
	  "CIDRs (comma-separated) or \"primary\": node addresses that get NodePorts" },
	{ "ipvs-scheduler", NULL, CF_SCHED, OFF(scheduler), "rr", "IPVS scheduler" },
	{ "ipvs-sync-period", "sync-period", CF_DUR, OFF(sync_period_ms), "30s",
	  "full resync interval: re-read the kernel table and repair drift" },
	{ "ipvs-min-sync-period", "min-sync-period", CF_DUR, OFF(min_sync_period_ms), "0",
	  "minimum interval between syncs; 0 = the next loop turn after a change" },
	{ "ipvs-graceful-timeout", NULL, CF_DUR, OFF(graceful_timeout_ms), "15m",
	  "longest a removed TCP destination drains at weight 0" },
	{ "ipvs-exclude-cidrs", NULL, CF_CIDRS, OFF(exclude_cidrs), "",
	  "virtual servers in these CIDRs (comma-separated) are never touched" },
	{ "service-node-port-range", NULL, CF_PORTS, 0, "30000-32767",
	  "the cluster's NodePort range (as given to the API server): NodePorts kipvs owns" },
	{ "ipvs-strict-arp", NULL, CF_BOOL, OFF(strict_arp), "false",
	  "set arp_ignore=1 and arp_announce=2 (needed by MetalLB L2)" },
	{ "ipvs-tcp-timeout", NULL, CF_DUR, OFF(tcp_timeout_ms), "0",
	  "IPVS idle TCP timeout; 0 = leave as is" },
	{ "ipvs-tcpfin-timeout", NULL, CF_DUR, OFF(tcpfin_timeout_ms), "0",
	  "IPVS TCP FIN_WAIT timeout; 0 = leave as is" },
	{ "ipvs-udp-timeout", NULL, CF_DUR, OFF(udp_timeout_ms), "0",
	  "IPVS UDP timeout; 0 = leave as is" },
	{ "masquerade-all", NULL, CF_BOOL, OFF(masquerade_all), "false",
	  "masquerade (SNAT) all traffic to cluster IPs" },
	{ "iptables-masquerade-bit", NULL, CF_BIT, OFF(masquerade_bit), "14",
	  "bit of the packet mark that flags traffic to masquerade (0-31)" },
	{ "cluster-cidr", NULL, CF_LCIDRS, OFF(cluster_cidrs), "",
	  "the pods' CIDRs (comma-separated, one per family): traffic from elsewhere to a "
	  "cluster IP is masqueraded" },
	{ "detect-local-mode", NULL, CF_LOCAL, OFF(detect_local_mode), "ClusterCIDR",
	  "how pod traffic is recognised: ClusterCIDR, NodeCIDR, BridgeInterface or "
	  "InterfaceNamePrefix" },
	{ "pod-bridge-interface", NULL, CF_IFNAME, OFF(pod_bridge_interface), "",
	  "the pods' bridge (--detect-local-mode=BridgeInterface)" },
	{ "pod-interface-name-prefix", NULL, CF_IFNAME, OFF(pod_interface_prefix), "",
	  "the prefix of the pods' interfaces (--detect-local-mode=InterfaceNamePrefix)" },
	{ "healthz-bind-address", NULL, CF_STR, OFF(healthz_bind_address), "0.0.0.0:10256",
	  "address:port of /healthz and /livez; empty = off" },
	{ "metrics-bind-address", NULL, CF_STR, OFF(metrics_bind_address), "127.0.0.1:10249",
	  "address:port of /metrics; empty = off" },
	{ "conntrack-max-per-core", NULL, CF_INT, OFF(conntrack_max_per_core), "32768",
	  "nf_conntrack_max per CPU; 0 = leave as is" },
	{ "conntrack-min", NULL, CF_INT, OFF(conntrack_min), "131072",
	  "lower bound of nf_conntrack_max" },
	{ "conntrack-tcp-timeout-established", NULL, CF_DUR, OFF(conntrack_tcp_established_ms),
	  "24h", "nf_conntrack_tcp_timeout_established; 0 = leave as is" },
	{ "conntrack-tcp-timeout-close-wait", NULL, CF_DUR, OFF(conntrack_tcp_close_wait_ms), "1h",
	  "nf_conntrack_tcp_timeout_close_wait; 0 = leave as is" },
	{ "conntrack-tcp-be-liberal", NULL, CF_BOOL, OFF(conntrack_tcp_be_liberal), "false",
	  "set nf_conntrack_tcp_be_liberal=1" },
	{ "conntrack-udp-timeout", NULL, CF_DUR, OFF(conntrack_udp_timeout_ms), "0",
	  "nf_conntrack_udp_timeout; 0 = leave as is" },
	{ "conntrack-udp-timeout-stream", NULL, CF_DUR, OFF(conntrack_udp_stream_timeout_ms), "0",
	  "nf_conntrack_udp_timeout_stream; 0 = leave as is" },
	{ "config-sync-period", NULL, CF_DUR, OFF(config_sync_period_ms), "15m",
	  "accepted for kube-proxy compatibility (watches need no resync)" },
	{ "cleanup", NULL, CF_BOOL, OFF(cleanup), "false",
	  "remove kipvs's virtual servers, kube-ipvs0 and nftables tables, then exit" },
	{ "log-level", NULL, CF_LOGLVL, OFF(log_level), "info", "error, warn, info or debug" },
	{ "v", NULL, CF_KLOGV, OFF(log_level), "2",
	  "kube-proxy's verbosity: 0-3 = info, 4 and more = debug" },
	{ "proxy-mode", NULL, CF_MODE, 0, "ipvs",
	  "only ipvs is accepted (kube-proxy compatibility)" },
};

const struct config_flag *config_flags(size_t *n)
{
	*n = sizeof(flags) / sizeof(flags[0]);
	return flags;
}

static int set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int append_addr(struct net_addr **v, size_t *n, const struct net_addr *a)
{
	struct net_addr *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = *a;
	*v = nv;
	return 0;
}

static int append_cidr(struct net_cidr **v, size_t *n, const struct net_cidr *a)
{
	struct net_cidr *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = *a;
	*v = nv;
	return 0;
}

/* Comma-separated lists: each item trimmed, empty items skipped. */
static int for_each_item(const char *list, int (*fn)(void *ctx, const char *item), void *ctx)
{
	const char *p = list;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[128];
		int err;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len >= sizeof(item))
			return -EINVAL;
		if (len) {
			memcpy(item, p, len);
			item[len] = '\0';
			err = fn(ctx, item);
			if (err < 0)
				return err;
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

struct list_ctx {
	struct kipvs_config *c;
	const struct config_flag *f;
};

static int add_addr_item(void *ctx, const char *item)
{
	struct list_ctx *l = ctx;
	struct net_addr a;

	if (addr_parse(item, &a) < 0)
		return -EINVAL;
	return append_addr(&l->c->node_ips, &l->c->n_node_ips, &a);
}

static int add_cidr_item(void *ctx, const char *item)
{
	struct list_ctx *l = ctx;
	struct net_cidr cidr;

	if (l->f->type == CF_LCIDRS) {
		char q[160];

		if (cidr_parse(item, &cidr) == 0)
			return append_cidr(&l->c->cluster_cidrs, &l->c->n_cluster_cidrs, &cidr);
		/* The rest of the list still counts. */
		log_warn("config_invalid", "flag=%s value=%s reason=invalid-cidr action=skipped",
		         l->f->name, log_quote(item, q, sizeof(q)));
		return 0;
	}

	if (l->f->type == CF_NPADDR && strcmp(item, "primary") == 0) {
		l->c->nodeport_primary = true;
		return 0;
	}
	if (cidr_parse(item, &cidr) < 0)
		return -EINVAL;
	if (l->f->type == CF_NPADDR)
		return append_cidr(&l->c->nodeport_cidrs, &l->c->n_nodeport_cidrs, &cidr);
	return append_cidr(&l->c->exclude_cidrs, &l->c->n_exclude_cidrs, &cidr);
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

int config_set(struct kipvs_config *c, const struct config_flag *f, const char *v, bool append,
               char *err, size_t errlen)
{
	char *base = (char *)c;
	struct list_ctx l = { c, f };

	switch (f->type) {
	case CF_STR: {
		char **dst = (char **)(base + f->off);
		char *dup = strdup(v);

		if (!dup)
			return -ENOMEM;
		free(*dst);
		*dst = dup;
		return 0;
	}
	case CF_BOOL:
		if (parse_bool(v, (bool *)(base + f->off)) < 0)
			return set_err(err, errlen, "--%s: expected true or false, got '%s'",
			               f->name, v);
		return 0;
	case CF_DUR:
		if (config_parse_duration(v, (uint64_t *)(base + f->off)) < 0)
			return set_err(err, errlen,
			               "--%s: invalid duration '%s' (e.g. 30s, 1m, 500ms)", f->name,
			               v);
		return 0;
	case CF_INT: {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end || n < 0)
			return set_err(err, errlen, "--%s: invalid number '%s'", f->name, v);
		*(int64_t *)(base + f->off) = n;
		return 0;
	}
	case CF_ADDR:
		if (addr_parse(v, (struct net_addr *)(base + f->off)) < 0)
			return set_err(err, errlen, "--%s: invalid IP address '%s'", f->name, v);
		return 0;
	case CF_ADDRS:
		if (!append) {
			free(c->node_ips);
			c->node_ips = NULL;
			c->n_node_ips = 0;
		}
		if (for_each_item(v, add_addr_item, &l) < 0)
			return set_err(err, errlen, "--%s: invalid IP address in '%s'", f->name, v);
		return 0;
	case CF_NPADDR:
	case CF_CIDRS:
	case CF_LCIDRS:
		if (!append) {
			struct net_cidr **dst = (struct net_cidr **)(base + f->off);
			size_t *n = f->type == CF_NPADDR  ? &c->n_nodeport_cidrs
			            : f->type == CF_CIDRS ? &c->n_exclude_cidrs
			                                  : &c->n_cluster_cidrs;

			free(*dst);
			*dst = NULL;
			*n = 0;
			if (f->type == CF_NPADDR)
				c->nodeport_primary = false;
		}
		if (for_each_item(v, add_cidr_item, &l) < 0)
			return set_err(err, errlen, "--%s: invalid CIDR in '%s'", f->name, v);
		return 0;
	case CF_SCHED:
		if (!config_scheduler_known(v))
			return set_err(err, errlen, "--%s: unknown IPVS scheduler '%s'", f->name,
			               v);
		snprintf(c->scheduler, sizeof(c->scheduler), "%s", v);
		return 0;
	case CF_EPAPI:
		if (!strcmp(v, "auto"))
			c->endpoints_api = ENDPOINTS_API_AUTO;
		else if (!strcmp(v, "endpointslices") || !strcmp(v, "slices"))
			c->endpoints_api = ENDPOINTS_API_SLICES;
		else if (!strcmp(v, "endpoints"))
			c->endpoints_api = ENDPOINTS_API_ENDPOINTS;
		else
			return set_err(err, errlen,
			               "--%s: expected auto, endpointslices or endpoints, got '%s'",
			               f->name, v);
		return 0;
	case CF_LOGLVL:
		if (log_parse_level(v, &c->log_level) < 0)
			return set_err(err, errlen,
			               "--%s: expected error, warn, info, debug or 0-7, got '%s'",
			               f->name, v);
		return 0;
	case CF_KLOGV: {
		char *end;
		long level;

		errno = 0;
		level = strtol(v, &end, 10);
		if (errno || end == v || *end || level < 0)
			return set_err(err, errlen, "--%s: expected a number, got '%s'", f->name,
			               v);
		c->log_level = level >= 4 ? LOG_LVL_DEBUG : LOG_LVL_INFO;
		return 0;
	}
	case CF_PORTS: {
		/* The API server's syntax: "30000-32767", "30000+2767" (base and
		 * offset: the same range) or one port. */
		unsigned long lo, hi;
		char *end;

		errno = 0;
		lo = strtoul(v, &end, 10);
		hi = lo;
		if (!errno && end != v && v[0] >= '0' && v[0] <= '9' &&
		    (*end == '-' || *end == '+') && end[1] >= '0' && end[1] <= '9') {
			char sep = *end;

			hi = strtoul(end + 1, &end, 10);
			if (sep == '+')
				hi += lo;
		}
		if (!errno && end != v && !*end && v[0] >= '0' && v[0] <= '9' && lo >= 1 &&
		    hi >= lo && hi <= 65535) {
			c->nodeport_min = (uint16_t)lo;
			c->nodeport_max = (uint16_t)hi;
			return 0;
		}
		return set_err(
		    err, errlen,
		    "--%s: expected a port range like 30000-32767 or 30000+2767, got '%s'", f->name,
		    v);
	}
	case CF_BIT: {
		char *end;
		long bit;

		errno = 0;
		bit = strtol(v, &end, 10);
		if (errno || end == v || *end || bit < 0 || bit > 31)
			return set_err(err, errlen, "--%s: expected a bit number 0-31, got '%s'",
			               f->name, v);
		*(int *)(base + f->off) = (int)bit;
		return 0;
	}
	case CF_LOCAL: {
		static const char *const modes[] = { "ClusterCIDR", "NodeCIDR", "BridgeInterface",
			                             "InterfaceNamePrefix" };

		/* kube-proxy takes an empty mode as its default. */
		for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
			if (!strcmp(v, modes[i]) || (!*v && i == 0)) {
				c->detect_local_mode = (enum detect_local_mode)i;
				return 0;
			}
		return set_err(err, errlen,
		               "--%s: expected ClusterCIDR, NodeCIDR, BridgeInterface or "
		               "InterfaceNamePrefix, got '%s'",
		               f->name, v);
	}
	case CF_IFNAME: {
		char **dst = (char **)(base + f->off);
		char *dup;

		/* IFNAMSIZ - 1, and what a Linux interface name may hold. */
		if (strlen(v) > 15 || strpbrk(v, " /\t\n\"*:"))
			return set_err(err, errlen, "--%s: not an interface name: '%s'", f->name,
			               v);
		dup = strdup(v);
		if (!dup)
			return -ENOMEM;
		free(*dst);
		*dst = dup;
		return 0;
	}
	case CF_MODE:
		if (strcmp(v, "ipvs") != 0 && *v)
			return set_err(err, errlen,
			               "--%s=%s: kipvs only implements IPVS mode (use mode ipvs)",
			               f->name, v);
		return 0;
	}
	return -EINVAL;
}

static const struct config_flag *find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const struct config_flag *f = &flags[i];

		if ((strlen(f->name) == len && !strncmp(f->name, name, len)) ||
		    (f->alias && strlen(f->alias) == len && !strncmp(f->alias, name, len)))
			return f;
	}
	return NULL;
}

int config_apply_flag(struct kipvs_config *c, const char *name, const char *value, bool append,
                      char *err, size_t errlen)
{
	const struct config_flag *f = find_flag(name, strlen(name));

	if (!f)
		return -ENOENT;
	return config_set(c, f, value, append, err, errlen);
}

void config_help(FILE *f, const char *cmd)
{
	fprintf(f,
	        "Usage: kipvs %s [--config FILE] [flags]\n\nFlags (flags override the "
	        "--config file):\n",
	        cmd && *cmd ? cmd : "run");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const struct config_flag *fl = &flags[i];
		char name[80];

		snprintf(name, sizeof(name), "--%s%s%s", fl->name, fl->alias ? ", --" : "",
		         fl->alias ? fl->alias : "");
		fprintf(f, "  %-44s %s", name, fl->help);
		if (fl->def && *fl->def)
			fprintf(f, " (default: %s)", fl->def);
		fputc('\n', f);
	}
}

/* Splits "--name=value" / "--name value"; returns the index of the last argv used. */
static int next_flag(int argc, char **argv, int i, const struct config_flag **f, const char **v,
                     char *err, size_t errlen)
{
	const char *arg = argv[i];
	const char *name = arg + (arg[1] == '-' ? 2 : 1);
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);

	*f = find_flag(name, len);
	if (!*f)
		return set_err(err, errlen, "unknown flag '%s' (see --help)", arg);
	if (eq) {
		*v = eq + 1;
		return i;
	}
	if ((*f)->type == CF_BOOL) {
		*v = "true";
		return i;
	}
	if (i + 1 >= argc)
		return set_err(err, errlen, "flag '%s' needs a value", arg);
	*v = argv[i + 1];
	return i + 1;
}

int config_from_args(struct kipvs_config *c, int argc, char **argv, FILE *help_out, bool *help,
                     char *err, size_t errlen)
{
	const struct config_flag *f;
	const char *v;
	int i, j, rc;

	if (help)
		*help = false;
	/* First pass: --help and --config, so flags can override the file. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			config_help(help_out, argv[0]);
			if (help)
				*help = true;
			return 0;
		}
		if (argv[i][0] != '-')
			return set_err(err, errlen, "unexpected argument '%s'", argv[i]);
		j = next_flag(argc, argv, i, &f, &v, err, errlen);
		if (j < 0)
			return j;
		if (f->off == offsetof(struct kipvs_config, config_file) && f->type == CF_STR) {
			rc = config_set(c, f, v, false, err, errlen);
			if (rc < 0)
				return rc;
			rc = config_load_file(c, v, err, errlen);
			if (rc < 0)
				return rc;
		}
		i = j;
	}
	/* Second pass: every flag over the file. Repeated list flags accumulate. */
	bool seen_addrs = false, seen_np = false, seen_ex = false, seen_cl = false;

	for (i = 1; i < argc; i++) {
		bool append = false;

		j = next_flag(argc, argv, i, &f, &v, err, errlen);
		if (j < 0)
			return j;
		if (f->type == CF_ADDRS) {
			append = seen_addrs;
			seen_addrs = true;
		} else if (f->type == CF_NPADDR) {
			append = seen_np;
			seen_np = true;
		} else if (f->type == CF_CIDRS) {
			append = seen_ex;
			seen_ex = true;
		} else if (f->type == CF_LCIDRS) {
			append = seen_cl;
			seen_cl = true;
		}
		if (!(f->off == offsetof(struct kipvs_config, config_file) && f->type == CF_STR)) {
			rc = config_set(c, f, v, append, err, errlen);
			if (rc < 0)
				return rc;
		}
		i = j;
	}
	return 0;
}
