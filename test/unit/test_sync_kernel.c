/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../ipvs/ksysctl.h"
#include "../../lib/config.h"
#include "../../sync/driver/sync_kernel.h"

static char root[64], ct[80];

static void put(const char *dir, const char *key, const char *v)
{
	char path[256], cmd[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname %s)\"", path);
	assert_int_equal(system(cmd), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", v);
	fclose(f);
}

static const char *get(const char *dir, const char *key)
{
	static char buf[64];

	if (ksysctl_read(dir, key, buf, sizeof(buf)) < 0)
		return "(missing)";
	return buf;
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/kipvs-sk-%d", (int)getpid());
	snprintf(ct, sizeof(ct), "%s/ctparams", root);
	put(root, "net/ipv4/vs/conntrack", "0");
	put(root, "net/ipv4/vs/conn_reuse_mode", "1");
	put(root, "net/ipv4/vs/expire_nodest_conn", "0");
	put(root, "net/ipv4/vs/expire_quiescent_template", "0");
	put(root, "net/ipv4/ip_forward", "0");
	put(root, "net/ipv4/conf/all/arp_ignore", "0");
	put(root, "net/ipv4/conf/all/arp_announce", "0");
	put(root, "net/netfilter/nf_conntrack_max", "65536");
	put(root, "net/netfilter/nf_conntrack_tcp_timeout_established", "432000");
	put(root, "net/netfilter/nf_conntrack_tcp_timeout_close_wait", "60");
	put(ct, "hashsize", "16384");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void applies_kube_proxy_settings_once(void **state)
{
	struct kipvs_config cfg;
	struct sync_kernel_env env = { root, ct, 6, 1, 4 };
	struct sync_kernel *k;
	int failed = -1;

	config_init(&cfg);
	assert_int_equal(sync_kernel_new(&cfg, &env, &k), 0);
	unit_log_start();
	/* conntrack, expire x2, ip_forward, ct max + hashsize, tcp close_wait */
	assert_int_equal(sync_kernel_apply(k, &failed), 7);
	assert_int_equal(failed, 0);
	assert_string_equal(get(root, "net/ipv4/vs/conntrack"), "1");
	assert_string_equal(get(root, "net/ipv4/vs/conn_reuse_mode"), "1");  /* 6.1: left alone */
	assert_string_equal(get(root, "net/ipv4/conf/all/arp_ignore"), "0"); /* no strict ARP */
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_max"), "131072");
	assert_string_equal(get(ct, "hashsize"), "32768");
	/* The admin's 5 days stay: conntrack settings only go up (kube-proxy). */
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_tcp_timeout_established"),
	                    "432000");
	assert_int_equal(unit_log_count("sysctl_kept",
	                                "key=net/netfilter/nf_conntrack_tcp_timeout_established",
	                                "value=432000", "wanted=86400", NULL),
	                 1);
	assert_int_equal(
	    unit_log_count("sysctl_set", "key=net/ipv4/vs/conntrack", "old=0", "new=1", NULL), 1);
	/* Second pass: nothing to write, nothing logged. */
	assert_int_equal(sync_kernel_apply(k, &failed), 0);
	assert_int_equal(unit_log_count("sysctl_set", NULL), 7);
	assert_int_equal(unit_log_count("sysctl_kept", NULL), 1);
	/* An admin changes one back: the next pass repairs it. */
	put(root, "net/ipv4/vs/expire_nodest_conn", "0");
	assert_int_equal(sync_kernel_apply(k, &failed), 1);
	assert_string_equal(get(root, "net/ipv4/vs/expire_nodest_conn"), "1");
	unit_log_stop();
	sync_kernel_free(k);
	config_free(&cfg);
}

static void old_kernel_strict_arp_and_failures(void **state)
{
	struct kipvs_config cfg;
	struct sync_kernel_env env = { root, ct, 5, 4, 64 };
	struct sync_kernel *k;
	int failed = 0;

	config_init(&cfg);
	cfg.strict_arp = true;
	cfg.conntrack_tcp_close_wait_ms = 0; /* 0: leave as is */
	assert_int_equal(sync_kernel_new(&cfg, &env, &k), 0);
	unit_log_start();
	(void)sync_kernel_apply(k, &failed);
	assert_int_equal(failed, 0);
	assert_string_equal(get(root, "net/ipv4/vs/conn_reuse_mode"), "0"); /* 5.4: set to 0 */
	assert_string_equal(get(root, "net/ipv4/conf/all/arp_ignore"), "1");
	assert_string_equal(get(root, "net/ipv4/conf/all/arp_announce"), "2");
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_max"), "2097152");
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_tcp_timeout_close_wait"), "60");
	/* A key that vanishes (module unloaded) fails, logged once, others go on. */
	char path[200];

	snprintf(path, sizeof(path), "%s/net/ipv4/vs/conntrack", root);
	unlink(path);
	(void)sync_kernel_apply(k, &failed);
	assert_int_equal(failed, 1);
	(void)sync_kernel_apply(k, &failed);
	assert_int_equal(unit_log_count("sysctl_failed", "key=net/ipv4/vs/conntrack", NULL), 1);
	put(root, "net/ipv4/vs/conntrack", "0");
	(void)sync_kernel_apply(k, &failed);
	assert_int_equal(failed, 0);
	assert_int_equal(unit_log_count("sysctl_recovered", "key=net/ipv4/vs/conntrack", NULL), 1);
	unit_log_stop();
	sync_kernel_free(k);
	config_free(&cfg);
}

/* Every conntrack setting is raised when lower, left when higher, and put
 * back up when an admin lowers it; the IPVS ones are held both ways. */
static void conntrack_settings_only_go_up(void **state)
{
	struct kipvs_config cfg;
	struct sync_kernel_env env = { root, ct, 6, 1, 4 };
	struct sync_kernel *k;
	int failed = -1;

	config_init(&cfg);
	cfg.conntrack_tcp_be_liberal = true;
	cfg.conntrack_udp_timeout_ms = 30000;
	cfg.conntrack_udp_stream_timeout_ms = 120000;
	put(root, "net/netfilter/nf_conntrack_max", "1048576"); /* admin: larger */
	put(ct, "hashsize", "262144");
	put(root, "net/netfilter/nf_conntrack_tcp_timeout_established", "3600"); /* smaller */
	put(root, "net/netfilter/nf_conntrack_tcp_timeout_close_wait", "7200");
	put(root, "net/netfilter/nf_conntrack_tcp_be_liberal", "0");
	put(root, "net/netfilter/nf_conntrack_udp_timeout", "60");
	put(root, "net/netfilter/nf_conntrack_udp_timeout_stream", "30");
	assert_int_equal(sync_kernel_new(&cfg, &env, &k), 0);
	unit_log_start();
	(void)sync_kernel_apply(k, &failed);
	assert_int_equal(failed, 0);
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_max"), "1048576");
	assert_string_equal(get(ct, "hashsize"), "262144");
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_tcp_timeout_established"),
	                    "86400");
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_tcp_timeout_close_wait"), "7200");
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_tcp_be_liberal"), "1");
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_udp_timeout"), "60");
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_udp_timeout_stream"), "120");
	assert_int_equal(unit_log_count("sysctl_kept", NULL), 4);
	/* An admin lowers the table size below kipvs's value: raised again. */
	put(root, "net/netfilter/nf_conntrack_max", "1000");
	assert_int_equal(sync_kernel_apply(k, &failed), 1);
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_max"), "131072");
	/* ... and raises it again: kept, not logged a second time. */
	put(root, "net/netfilter/nf_conntrack_max", "2000000");
	assert_int_equal(sync_kernel_apply(k, &failed), 0);
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_max"), "2000000");
	assert_int_equal(unit_log_count("sysctl_kept", "key=net/netfilter/nf_conntrack_max", NULL),
	                 1);
	/* A non-number is no larger value: written. */
	put(root, "net/netfilter/nf_conntrack_udp_timeout", "junk");
	assert_int_equal(sync_kernel_apply(k, &failed), 1);
	assert_string_equal(get(root, "net/netfilter/nf_conntrack_udp_timeout"), "30");
	/* The IPVS settings are held at their value, from above too. */
	put(root, "net/ipv4/vs/expire_nodest_conn", "2");
	assert_int_equal(sync_kernel_apply(k, &failed), 1);
	assert_string_equal(get(root, "net/ipv4/vs/expire_nodest_conn"), "1");
	unit_log_stop();
	sync_kernel_free(k);
	config_free(&cfg);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(conntrack_settings_only_go_up, setup, teardown),
	cmocka_unit_test_setup_teardown(applies_kube_proxy_settings_once, setup, teardown),
	cmocka_unit_test_setup_teardown(old_kernel_strict_arp_and_failures, setup, teardown),
};

UNIT_MAIN(tests)
