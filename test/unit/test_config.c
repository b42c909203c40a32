/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/config.h"

static char path[64];

static void write_file(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/kipvs-config-%d.yaml", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int run_args(struct kipvs_config *c, char *err, size_t len, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"run";
	va_start(ap, len);
	for (char *a = va_arg(ap, char *); a; a = va_arg(ap, char *))
		argv[argc++] = a;
	va_end(ap);
	return config_from_args(c, argc, argv, stdout, NULL, err, len);
}

static void defaults(void **state)
{
	struct kipvs_config c;

	config_init(&c);
	assert_string_equal(c.scheduler, "rr");
	assert_int_equal(c.sync_period_ms, 30000);
	assert_int_equal(c.min_sync_period_ms, 0);
	assert_int_equal(c.graceful_timeout_ms, 15 * 60 * 1000);
	assert_string_equal(c.healthz_bind_address, "0.0.0.0:10256");
	assert_string_equal(c.metrics_bind_address, "127.0.0.1:10249");
	assert_int_equal(c.conntrack_max_per_core, 32768);
	assert_int_equal(c.endpoints_api, ENDPOINTS_API_AUTO);
	config_free(&c);
}

static void durations(void **state)
{
	uint64_t ms;

	assert_int_equal(config_parse_duration("30s", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(config_parse_duration("1m30s", &ms), 0);
	assert_int_equal(ms, 90000);
	assert_int_equal(config_parse_duration("1.5h", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(config_parse_duration("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(config_parse_duration("0s", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(config_parse_duration("0", &ms), 0);
	assert_int_equal(config_parse_duration("30", &ms), -EINVAL);
	assert_int_equal(config_parse_duration("-1s", &ms), -EINVAL);
	assert_int_equal(config_parse_duration("1d", &ms), -EINVAL);
	assert_int_equal(config_parse_duration("", &ms), -EINVAL);
}

static void flags_parse(void **state)
{
	struct kipvs_config c;
	char err[256];
	char buf[ADDR_STRLEN];

	config_init(&c);
	assert_int_equal(run_args(&c, err, sizeof(err), "--ipvs-scheduler=wrr", "--sync-period",
	                          "10s", "--ipvs-strict-arp", "--node-ip", "10.0.0.5", "--node-ip",
	                          "fd00::5,10.0.0.6", "--nodeport-addresses", "10.0.0.0/8, primary",
	                          "--ipvs-exclude-cidrs=192.168.0.0/16", "--endpoints-api",
	                          "endpoints", "--log-level=debug", "--hostname-override", "node-b",
	                          NULL),
	                 0);
	assert_string_equal(c.scheduler, "wrr");
	assert_int_equal(c.sync_period_ms, 10000);
	assert_true(c.strict_arp);
	assert_int_equal(c.n_node_ips, 3);
	assert_string_equal(addr_fmt(&c.node_ips[1], buf), "fd00::5");
	assert_int_equal(c.n_nodeport_cidrs, 1);
	assert_true(c.nodeport_primary);
	assert_int_equal(c.n_exclude_cidrs, 1);
	assert_int_equal(c.endpoints_api, ENDPOINTS_API_ENDPOINTS);
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	assert_string_equal(c.hostname_override, "node-b");
	config_free(&c);
}

static void klog_verbosity(void **state)
{
	struct kipvs_config c;
	char err[256];

	config_init(&c);
	assert_int_equal(run_args(&c, err, sizeof(err), "--v=2", NULL), 0);
	assert_int_equal(c.log_level, LOG_LVL_INFO);
	assert_int_equal(run_args(&c, err, sizeof(err), "--v", "4", NULL), 0);
	assert_int_equal(c.log_level, LOG_LVL_DEBUG);
	config_free(&c);
}

static void flag_errors(void **state)
{
	struct kipvs_config c;
	char err[256];

	config_init(&c);
	assert_int_equal(run_args(&c, err, sizeof(err), "--ipvs-scheduler=bogus", NULL), -EINVAL);
	assert_non_null(strstr(err, "unknown IPVS scheduler 'bogus'"));
	assert_int_equal(run_args(&c, err, sizeof(err), "--ipvs-sync-period=10", NULL), -EINVAL);
	assert_non_null(strstr(err, "invalid duration"));
	assert_int_equal(run_args(&c, err, sizeof(err), "--node-ip=10.0.0.300", NULL), -EINVAL);
	assert_non_null(strstr(err, "--node-ip"));
	assert_int_equal(run_args(&c, err, sizeof(err), "--no-such-flag", NULL), -EINVAL);
	assert_non_null(strstr(err, "unknown flag '--no-such-flag'"));
	assert_int_equal(run_args(&c, err, sizeof(err), "--kubeconfig", NULL), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(run_args(&c, err, sizeof(err), "--v=x", NULL), -EINVAL);
	assert_int_equal(run_args(&c, err, sizeof(err), "--proxy-mode=iptables", NULL), -EINVAL);
	assert_non_null(strstr(err, "only implements IPVS"));
	{
		static const char *const bad[] = { "--service-node-port-range=abc",
			                           "--service-node-port-range=32767-30000",
			                           "--service-node-port-range=0-100",
			                           "--service-node-port-range=30000-70000",
			                           "--service-node-port-range=30000-",
			                           "--service-node-port-range=30000-32767x",
			                           "--service-node-port-range=65000+1000",
			                           "--service-node-port-range=30000-32767-1",
			                           "--service-node-port-range=-5",
			                           "--service-node-port-range=+5" };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_equal(run_args(&c, err, sizeof(err), bad[i], NULL), -EINVAL);
			assert_non_null(strstr(err, "expected a port range"));
		}
		/* A rejected value leaves the range as it was. */
		assert_int_equal(c.nodeport_min, 30000);
		assert_int_equal(c.nodeport_max, 32767);
	}
	config_free(&c);
}

/* The API server's two forms of --service-node-port-range. */
static void nodeport_range(void **state)
{
	struct kipvs_config c;
	char err[256];

	(void)state;
	config_init(&c);
	assert_int_equal(c.nodeport_min, 30000);
	assert_int_equal(c.nodeport_max, 32767);
	assert_int_equal(
	    run_args(&c, err, sizeof(err), "--service-node-port-range=20000-22767", NULL), 0);
	assert_int_equal(c.nodeport_min, 20000);
	assert_int_equal(c.nodeport_max, 22767);
	assert_int_equal(
	    run_args(&c, err, sizeof(err), "--service-node-port-range", "30000+2767", NULL), 0);
	assert_int_equal(c.nodeport_min, 30000);
	assert_int_equal(c.nodeport_max, 32767);
	assert_int_equal(run_args(&c, err, sizeof(err), "--service-node-port-range=80-80", NULL),
	                 0);
	assert_int_equal(c.nodeport_min, 80);
	assert_int_equal(c.nodeport_max, 80);
	/* One port, and a zero offset. */
	assert_int_equal(run_args(&c, err, sizeof(err), "--service-node-port-range=31000", NULL),
	                 0);
	assert_int_equal(c.nodeport_min, 31000);
	assert_int_equal(c.nodeport_max, 31000);
	assert_int_equal(run_args(&c, err, sizeof(err), "--service-node-port-range=32000+0", NULL),
	                 0);
	assert_int_equal(c.nodeport_min, 32000);
	assert_int_equal(c.nodeport_max, 32000);
	config_free(&c);
}

/* What kubeadm's kube-proxy ConfigMap holds, set to ipvs mode. */
static const char kubeadm_cfg[] = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
                                  "kind: KubeProxyConfiguration\n"
                                  "bindAddress: 0.0.0.0\n"
                                  "bindAddressHardFail: false\n"
                                  "clientConnection:\n"
                                  "  acceptContentTypes: \"\"\n"
                                  "  burst: 0\n"
                                  "  contentType: \"\"\n"
                                  "  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf\n"
                                  "  qps: 0\n"
                                  "clusterCIDR: 10.244.0.0/16\n"
                                  "configSyncPeriod: 0s\n"
                                  "conntrack:\n"
                                  "  maxPerCore: null\n"
                                  "  min: null\n"
                                  "  tcpCloseWaitTimeout: null\n"
                                  "  tcpEstablishedTimeout: null\n"
                                  "detectLocalMode: \"\"\n"
                                  "enableProfiling: false\n"
                                  "healthzBindAddress: \"\"\n"
                                  "hostnameOverride: \"\"\n"
                                  "iptables:\n"
                                  "  masqueradeAll: false\n"
                                  "  masqueradeBit: null\n"
                                  "ipvs:\n"
                                  "  excludeCIDRs:\n"
                                  "  - 10.1.0.0/16\n"
                                  "  minSyncPeriod: 1s\n"
                                  "  scheduler: \"wlc\"\n"
                                  "  strictARP: true\n"
                                  "  syncPeriod: 20s\n"
                                  "  tcpFinTimeout: 0s\n"
                                  "  tcpTimeout: 0s\n"
                                  "  udpTimeout: 0s\n"
                                  "metricsBindAddress: 0.0.0.0:10249\n"
                                  "mode: ipvs\n"
                                  "nodePortAddresses:\n"
                                  "- 172.18.0.0/16\n"
                                  "oomScoreAdj: null\n"
                                  "portRange: \"\"\n"
                                  "someFutureField: 1\n";

static void kubeadm_file_then_flags(void **state)
{
	struct kipvs_config c;
	char err[256];

	write_file(kubeadm_cfg);
	config_init(&c);
	unit_log_start();
	assert_int_equal(
	    run_args(&c, err, sizeof(err), "--ipvs-sync-period=5s", "--config", path, NULL), 0);
	assert_string_equal(c.kubeconfig, "/var/lib/kube-proxy/kubeconfig.conf");
	assert_string_equal(c.scheduler, "wlc");
	assert_true(c.strict_arp);
	assert_int_equal(c.sync_period_ms, 5000); /* the flag wins over the file's 20s */
	assert_int_equal(c.min_sync_period_ms, 1000);
	assert_int_equal(c.n_exclude_cidrs, 1);
	assert_int_equal(c.n_nodeport_cidrs, 1);
	assert_string_equal(c.metrics_bind_address, "0.0.0.0:10249");
	assert_string_equal(c.healthz_bind_address, "");
	assert_int_equal(c.conntrack_max_per_core, 32768); /* null keeps the default */
	assert_string_equal(c.config_file, path);
	/* The packet filter's: clusterCIDR taken, an empty detectLocalMode and a
	 * null masqueradeBit keep kube-proxy's defaults. */
	assert_int_equal(c.n_cluster_cidrs, 1);
	assert_int_equal(c.cluster_cidrs[0].plen, 16);
	assert_int_equal(c.detect_local_mode, DETECT_LOCAL_CLUSTER_CIDR);
	assert_int_equal(c.masquerade_bit, 14);
	assert_false(c.masquerade_all);
	/* One warning lists the inapplicable fields that were set, another the unknown. */
	assert_int_equal(
	    unit_log_count("config_fields_ignored", "clientConnection.acceptContentTypes", NULL),
	    1);
	assert_int_equal(unit_log_count("config_fields_ignored", "clusterCIDR", NULL), 0);
	assert_int_equal(unit_log_count("config_fields_ignored", "iptables", NULL), 0);
	assert_int_equal(unit_log_count("config_fields_ignored", "oomScoreAdj", NULL), 0);
	assert_int_equal(unit_log_count("config_fields_unknown", "someFutureField", NULL), 1);
	unit_log_stop();
	config_free(&c);
	unlink(path);
}

/* The packet filter's fields, as kube-proxy names them. */
static void filter_fields(void **state)
{
	struct kipvs_config c;
	char err[256];

	write_file("apiVersion: kubeproxy.config.k8s.io/v1alpha1\n"
	           "kind: KubeProxyConfiguration\n"
	           "mode: ipvs\n"
	           "clusterCIDR: 10.0.0.0/8,fd00::/48\n"
	           "detectLocalMode: InterfaceNamePrefix\n"
	           "detectLocal:\n"
	           "  interfaceNamePrefix: veth\n"
	           "  bridgeInterface: cbr0\n"
	           "iptables:\n"
	           "  masqueradeAll: true\n"
	           "  masqueradeBit: 12\n"
	           "  localhostNodePorts: true\n");
	config_init(&c);
	unit_log_start();
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), 0);
	assert_int_equal(
	    unit_log_count("config_fields_ignored", "iptables.localhostNodePorts", NULL), 1);
	unit_log_stop();
	assert_int_equal(c.n_cluster_cidrs, 2);
	assert_int_equal(c.detect_local_mode, DETECT_LOCAL_PREFIX);
	assert_string_equal(c.pod_interface_prefix, "veth");
	assert_string_equal(c.pod_bridge_interface, "cbr0");
	assert_true(c.masquerade_all);
	assert_int_equal(c.masquerade_bit, 12);
	config_free(&c);
	write_file("iptables:\n  masqueradeBit: 40\n");
	config_init(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "iptables.masqueradeBit"));
	config_free(&c);
	unlink(path);
}

static void json_file(void **state)
{
	struct kipvs_config c;
	char err[256];

	write_file("{\"apiVersion\":\"kubeproxy.config.k8s.io/v1alpha1\","
	           "\"kind\":\"KubeProxyConfiguration\",\"mode\":\"ipvs\","
	           "\"ipvs\":{\"scheduler\":\"\",\"syncPeriod\":\"45s\"},"
	           "\"nodePortAddresses\":[\"primary\"]}");
	config_init(&c);
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), 0);
	assert_string_equal(c.scheduler, "rr");
	assert_int_equal(c.sync_period_ms, 45000);
	assert_true(c.nodeport_primary);
	config_free(&c);
	unlink(path);
}

static void file_errors(void **state)
{
	struct kipvs_config c;
	char err[256];

	config_init(&c);
	write_file("kind: KubeProxyConfiguration\nmode: iptables\n");
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: field mode: kipvs only implements IPVS mode"));
	write_file("kind: KubeProxyConfiguration\nipvs:\n  syncPeriod: soon\n");
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: field ipvs.syncPeriod: invalid duration"));
	write_file("kind: KubeProxyConfiguration\nipvs:\n  excludeCIDRs: [10.0.0.0/33]\n");
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "field ipvs.excludeCIDRs: invalid CIDR"));
	write_file("kind: Pod\n");
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "kind is Pod"));
	write_file("a: [1, 2\n");
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not valid YAML or JSON"));
	write_file("a: &x 1\nb: *x\n");
	assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "aliases are not supported"));
	assert_int_equal(config_load_file(&c, "/nonexistent/kipvs.yaml", err, sizeof(err)),
	                 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/kipvs.yaml: cannot read config"));
	config_free(&c);
	unlink(path);
}

static void help_lists_every_flag(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	config_help(f, "diff");
	fclose(f);
	assert_non_null(strstr(buf, "Usage: kipvs diff [--config FILE]"));
	assert_non_null(strstr(buf, "--ipvs-sync-period, --sync-period"));
	assert_non_null(strstr(buf, "(default: 30s)"));
	assert_non_null(strstr(buf, "--ipvs-graceful-timeout"));
	assert_non_null(strstr(buf, "(default: 0.0.0.0:10256)"));
	free(buf);
}

/* --help is said through *help, with 0: nothing after it is parsed. */
static void help_through_out_parameter(void **state)
{
	struct kipvs_config c;
	char *buf = NULL, err[256] = "";
	char *argv[] = { (char *)"diff", (char *)"--help", (char *)"--no-such-flag", NULL };
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool help = false;

	config_init(&c);
	assert_int_equal(config_from_args(&c, 3, argv, f, &help, err, sizeof(err)), 0);
	fclose(f);
	assert_true(help);
	assert_non_null(strstr(buf, "Usage: kipvs diff"));
	free(buf);
	argv[1] = (char *)"--ipvs-scheduler=wrr";
	assert_int_equal(config_from_args(&c, 2, argv, stdout, &help, err, sizeof(err)), 0);
	assert_false(help);
	assert_string_equal(c.scheduler, "wrr");
	/* One flag by name, as render and watch apply them. */
	assert_int_equal(
	    config_apply_flag(&c, "endpoints-api", "endpoints", false, err, sizeof(err)), 0);
	assert_int_equal(c.endpoints_api, ENDPOINTS_API_ENDPOINTS);
	assert_int_equal(config_apply_flag(&c, "sync-period", "1m", false, err, sizeof(err)), 0);
	assert_int_equal(c.sync_period_ms, 60000);
	assert_int_equal(config_apply_flag(&c, "endpoints-api", "x", false, err, sizeof(err)),
	                 -EINVAL);
	assert_non_null(strstr(err, "--endpoints-api"));
	assert_int_equal(config_apply_flag(&c, "no-such", "x", false, err, sizeof(err)), -ENOENT);
	config_free(&c);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(defaults),
	cmocka_unit_test(durations),
	cmocka_unit_test(flags_parse),
	cmocka_unit_test(klog_verbosity),
	cmocka_unit_test(flag_errors),
	cmocka_unit_test(nodeport_range),
	cmocka_unit_test(kubeadm_file_then_flags),
	cmocka_unit_test(filter_fields),
	cmocka_unit_test(json_file),
	cmocka_unit_test(file_errors),
	cmocka_unit_test(help_lists_every_flag),
	cmocka_unit_test(help_through_out_parameter),
};

UNIT_MAIN(tests)
