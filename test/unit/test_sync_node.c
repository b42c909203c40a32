/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Node config (NodePort address selection as kube-proxy's
 * NodePortAddresses does it) and the scheduler vocabulary. (The ipvsadm -S
 * lines render writes: test_print.c.)
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "../../sync/sync_node.h"
#include "test_sync_fx.h"

static char *addrs_text(const struct net_addr *a, size_t n)
{
	static char buf[512];
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char s[ADDR_STRLEN];

		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? " " : "",
		                        addr_fmt(&a[i], s));
	}
	return buf;
}

static void pick(struct sync_node *n, const char *cands, const char *cidrs)
{
	struct net_addr a[16];
	struct net_cidr c[8];
	size_t na = 0, nc = 0;
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", cands);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		a[na++] = fx_addr(t);
	snprintf(buf, sizeof(buf), "%s", cidrs);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		assert_int_equal(cidr_parse(t, &c[nc++]), 0);
	assert_int_equal(sync_node_set_node_addrs(n, a, na, c, nc), 0);
}

static void node_addresses(void **state)
{
	struct sync_node n;
	const char *all = "172.18.0.2,10.0.0.5,127.0.0.1,169.254.3.3,fd00::2,fe80::1,::1,"
	                  "::ffff:192.168.1.9,10.0.0.5";

	sync_node_init(&n);
	/* No filter: every address but loopback and IPv6 link-local; IPv4-mapped
	 * counts as IPv4; 169.254/16 is accepted for IPv4; sorted, unique. */
	pick(&n, all, "");
	assert_string_equal(addrs_text(n.node_addrs, n.n_node_addrs),
	                    "10.0.0.5 169.254.3.3 172.18.0.2 192.168.1.9 fd00::2");
	/* A CIDR of one family filters that family only. */
	pick(&n, all, "172.18.0.0/16");
	assert_string_equal(addrs_text(n.node_addrs, n.n_node_addrs), "172.18.0.2 fd00::2");
	pick(&n, all, "172.18.0.0/16,fd01::/16");
	assert_string_equal(addrs_text(n.node_addrs, n.n_node_addrs), "172.18.0.2");
	/* 0.0.0.0/0 means all of that family, loopback still excluded. */
	pick(&n, all, "0.0.0.0/0,fd00::/64");
	assert_string_equal(addrs_text(n.node_addrs, n.n_node_addrs),
	                    "10.0.0.5 169.254.3.3 172.18.0.2 192.168.1.9 fd00::2");
	pick(&n, "", "");
	assert_int_equal(n.n_node_addrs, 0);
	sync_node_clear(&n);
}

static void local_addresses(void **state)
{
	struct sync_node n;
	struct net_addr a[3] = { fx_addr("192.0.2.7"), fx_addr("127.0.0.1"),
		                 fx_addr("::ffff:192.0.2.8") };
	struct net_addr x = fx_addr("192.0.2.8"), lo = fx_addr("127.0.0.1");

	sync_node_init(&n);
	assert_int_equal(sync_node_set_local_addrs(&n, a, 3), 0);
	assert_int_equal(n.n_local_addrs, 2);
	assert_true(sync_node_is_local_addr(&n, &x));
	assert_false(sync_node_is_local_addr(&n, &lo));
	assert_int_equal(sync_node_set_name(&n, "node-a"), 0);
	assert_int_equal(sync_node_set_zone(&n, ""), 0);
	assert_null(n.zone);
	sync_node_clear(&n);
	assert_null(n.name);
	assert_string_equal(n.sched, "rr");
}

static void scheduler_names_and_flags(void **state)
{
	const char *ok[] = { "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
		             "sh", "sed", "nq", "mh",  "fo",   "ovf",   "twos" };
	uint32_t f;
	char buf[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(sync_sched_valid(ok[i]));
	assert_false(sync_sched_valid("RR"));
	assert_false(sync_sched_valid(""));
	assert_false(sync_sched_valid("maglev"));
	assert_int_equal(sync_sched_flags_parse("mh-port,mh-fallback", &f), 0);
	assert_int_equal(f, IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2);
	assert_int_equal(sync_sched_flags_parse("flag-3", &f), 0);
	assert_int_equal(f, IP_VS_SVC_F_SCHED3);
	assert_int_equal(sync_sched_flags_parse("sh-port", &f), 0);
	assert_int_equal(f, IP_VS_SVC_F_SCHED2);
	assert_int_equal(sync_sched_flags_parse("", &f), 0);
	assert_int_equal(f, 0);
	assert_int_equal(sync_sched_flags_parse("mh-port,bogus", &f), -EINVAL);
	assert_int_equal(f, 0);
	assert_int_equal(sync_sched_flags_parse("mh-portx", &f), -EINVAL);
	assert_string_equal(
	    sync_sched_flags_fmt("sh", IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2, buf, sizeof(buf)),
	    "sh-fallback,sh-port");
	assert_string_equal(sync_sched_flags_fmt("wlc", IP_VS_SVC_F_SCHED2, buf, sizeof(buf)),
	                    "flag-2");
	assert_string_equal(sync_sched_flags_fmt("mh", IP_VS_SVC_F_SCHED3, buf, sizeof(buf)), "");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(node_addresses),
	cmocka_unit_test(local_addresses),
	cmocka_unit_test(scheduler_names_and_flags),
};

UNIT_MAIN(tests)
