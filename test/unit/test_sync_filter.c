/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The desired packet filter (sync/sync_filter): the rules each option set
 * gives, the elements each kind of Service gives (kube-proxy's ipset entries,
 * IPv4 and IPv6), ownership of shared elements, the pending changes a dirty
 * pass sends (and how they cancel out), the full pass's diff against what
 * the kernel holds, bad input, and the text rendering.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>

#include "test_filter_fx.h"
#include "test_sync_fx.h"

#include "../../sync/sync_desired.h"

/* Every element of (@fam, @set) as nft prints it, one per line. */
static char *set_text(const struct sync_filter *f, int fam, enum sync_fset set)
{
	struct nft_elems e;
	char *out = NULL, buf[256];
	size_t len = 0;
	FILE *m = open_memstream(&out, &len);

	nft_elems_init(&e, nft_set_stride(&sync_filter_table(f, fam)->sets[set]));
	assert_int_equal(sync_filter_elems(f, fam, set, &e), 0);
	for (size_t i = 0; i < e.n; i++)
		fprintf(m, "%s\n",
		        sync_filter_elem_fmt(fam, set, nft_elems_at(&e, i), buf, sizeof(buf)));
	fclose(m);
	nft_elems_free(&e);
	return out;
}

static void assert_set(const struct sync_filter *f, int fam, enum sync_fset set, const char *want)
{
	char *got = set_text(f, fam, set);

	if (strcmp(got, want))
		fail_msg("set %s/%s:\n%s--- wanted ---\n%s", fam ? "ip6" : "ip",
		         sync_fset_name(set), got, want);
	free(got);
}

/* The rule of @chain's position @k, as text. */
static const char *rule_text(const struct sync_filter *f, int fam, const char *chain, size_t k)
{
	const struct nft_table_def *t = sync_filter_table(f, fam);

	for (size_t i = 0; i < t->n_rules; i++)
		if (!strcmp(t->chains[t->rules[i].chain].name, chain) && k-- == 0)
			return sync_filter_rule_text(f, fam, i);
	return "";
}

static struct sync_filter *filter_of(const char *variant)
{
	struct sync_filter_opts o;
	struct sync_filter *f;

	ffx_opts(variant, &o);
	assert_int_equal(sync_filter_new(&o, &f), 0);
	return f;
}

/* --- rules ------------------------------------------------------------------------------ */

static void cluster_ip_rule_by_options(void **state)
{
	static const struct {
		const char *variant, *v4, *v6;
	} cases[] = {
		{ "default", "ip saddr . meta l4proto . th dport @clusterip jump mark_masq",
		  "ip6 saddr . meta l4proto . th dport @clusterip jump mark_masq" },
		{ "masqall", "ip daddr . meta l4proto . th dport @clusterip jump mark_masq",
		  "ip6 daddr . meta l4proto . th dport @clusterip jump mark_masq" },
		{ "cidr",
		  "ip daddr . meta l4proto . th dport @clusterip ip saddr != 10.240.0.0/12 jump "
		  "mark_masq",
		  "ip6 daddr . meta l4proto . th dport @clusterip ip6 saddr != fd00:10::/56 jump "
		  "mark_masq" },
		{ "bridge",
		  "ip daddr . meta l4proto . th dport @clusterip iifname != \"cbr0\" jump "
		  "mark_masq",
		  "ip6 daddr . meta l4proto . th dport @clusterip iifname != \"cbr0\" jump "
		  "mark_masq" },
		{ "prefix",
		  "ip daddr . meta l4proto . th dport @clusterip iifname != \"veth*\" jump "
		  "mark_masq",
		  "ip6 daddr . meta l4proto . th dport @clusterip iifname != \"veth*\" jump "
		  "mark_masq" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sync_filter *f = filter_of(cases[i].variant);

		assert_string_equal(rule_text(f, 0, "svc", 2), cases[i].v4);
		assert_string_equal(rule_text(f, 1, "svc", 2), cases[i].v6);
		sync_filter_free(f);
	}
}

static void mark_and_fixed_rules(void **state)
{
	struct sync_filter *f = filter_of("cidr2"); /* mark bit 0 */
	const struct nft_table_def *t = sync_filter_table(f, 1);

	assert_string_equal(rule_text(f, 0, "mark_masq", 0),
	                    "meta mark set meta mark | 0x00000001");
	assert_string_equal(rule_text(f, 0, "nat_post", 1),
	                    "meta mark & 0x00000001 == 0x00000000 return");
	assert_string_equal(rule_text(f, 1, "svc", 0), "ip6 saddr ::1 return");
	assert_string_equal(rule_text(f, 0, "svc", 0), "ip saddr 127.0.0.0/8 return");
	assert_string_equal(rule_text(f, 1, "flt_out", 0),
	                    "ip6 daddr . meta l4proto . th dport . ip6 saddr @lb_nonode drop");
	assert_string_equal(rule_text(f, 1, "vip_guard", 2), "reject");
	/* Base chains: IPVS sits at input 98/99, output -99/-98. */
	assert_int_equal(t->n_chains, 12);
	for (size_t i = 0; i < t->n_chains; i++) {
		const struct nft_chain_def *c = &t->chains[i];

		if (!strcmp(c->name, "flt_in"))
			assert_true(c->hook == 1 && c->prio < 98);
		if (!strcmp(c->name, "flt_out") || !strcmp(c->name, "nat_out"))
			assert_true(c->hook == 3 && c->prio < -99);
	}
	sync_filter_free(f);
}

static void options_change_and_refusals(void **state)
{
	struct sync_filter *f = filter_of("default");
	struct sync_filter_opts o;
	bool changed = true;

	ffx_opts("default", &o);
	assert_int_equal(sync_filter_set_opts(f, &o, &changed), 0);
	assert_false(changed);
	o.mark = 0x8000;
	assert_int_equal(sync_filter_set_opts(f, &o, &changed), 0);
	assert_true(changed);
	/* A pod range of /0 (everything is local) and an address of the wrong
	 * family are refused; the options stay as they were. */
	assert_int_equal(cidr_parse("0.0.0.0/0", &o.local_cidr[0]), 0);
	assert_int_equal(sync_filter_set_opts(f, &o, &changed), -EINVAL);
	assert_int_equal(cidr_parse("fd00::/48", &o.local_cidr[0]), 0);
	assert_int_equal(sync_filter_set_opts(f, &o, &changed), -EINVAL);
	assert_int_equal(sync_filter_opts(f)->mark, 0x8000);
	sync_filter_free(f);
}

static void options_from_flags(void **state)
{
	struct kipvs_config c;
	struct sync_filter_opts o;
	struct net_cidr pods[2];
	char err[256];

	config_init(&c);
	unit_log_start();
	assert_int_equal(config_apply_flag(&c, "cluster-cidr",
	                                   "10.0.0.0/8,bogus,fd00::/48,10.1.0.0/16,0.0.0.0/0",
	                                   false, err, sizeof(err)),
	                 0);
	/* The bad item is said and skipped; the rest is kept. */
	assert_int_equal(unit_log_count("config_invalid", "flag=cluster-cidr", "value=bogus", NULL),
	                 1);
	unit_log_stop();
	assert_int_equal(c.n_cluster_cidrs, 4);
	sync_filter_opts_from(&c, NULL, 0, &o);
	assert_int_equal(o.mark, 0x4000);
	assert_int_equal(o.local_mode, SYNC_LOCAL_CLUSTER_CIDR);
	assert_int_equal(o.local_cidr[0].plen, 8); /* the first of each family */
	assert_int_equal(o.local_cidr[1].plen, 48);
	/* NodeCIDR: the Node's ranges; none yet: no detection. */
	assert_int_equal(
	    config_apply_flag(&c, "detect-local-mode", "NodeCIDR", false, err, sizeof(err)), 0);
	sync_filter_opts_from(&c, NULL, 0, &o);
	assert_int_equal(o.local_cidr[0].af, 0);
	assert_int_equal(cidr_parse("10.244.3.0/24", &pods[0]), 0);
	sync_filter_opts_from(&c, pods, 1, &o);
	assert_int_equal(o.local_cidr[0].plen, 24);
	assert_int_equal(o.local_cidr[1].af, 0);
	/* A bridge mode without its bridge: no detection either. */
	assert_int_equal(
	    config_apply_flag(&c, "detect-local-mode", "BridgeInterface", false, err, sizeof(err)),
	    0);
	sync_filter_opts_from(&c, NULL, 0, &o);
	assert_int_equal(o.iface[0], '\0');
	assert_int_equal(
	    config_apply_flag(&c, "pod-bridge-interface", "cni0", false, err, sizeof(err)), 0);
	assert_int_equal(
	    config_apply_flag(&c, "iptables-masquerade-bit", "31", false, err, sizeof(err)), 0);
	sync_filter_opts_from(&c, NULL, 0, &o);
	assert_string_equal(o.iface, "cni0");
	assert_int_equal(o.mark, 0x80000000u);
	assert_int_equal(
	    config_apply_flag(&c, "iptables-masquerade-bit", "32", false, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(
	    config_apply_flag(&c, "detect-local-mode", "Pods", false, err, sizeof(err)), -EINVAL);
	assert_int_equal(config_apply_flag(&c, "pod-interface-name-prefix", "a-name-far-too-long",
	                                   false, err, sizeof(err)),
	                 -EINVAL);
	config_free(&c);
}

/* --- elements of the fixture cluster ------------------------------------------------------ */

struct ffx {
	struct sync_store *st;
	struct sync_node node;
	struct sync_filter *f;
};

static void ffx_init(struct ffx *x)
{
	unit_log_start(); /* the fixture's invalid source range */
	x->st = ffx_store("k8s/filter.json");
	assert_int_equal(unit_log_count("decode_invalid", "obj=shop/checkout",
	                                "field=spec.loadBalancerSourceRanges[4]", "invalid-cidr",
	                                NULL),
	                 1);
	unit_log_stop();
	ffx_node(&x->node);
	x->f = filter_of("default");
	assert_int_equal(sync_filter_build(x->f, x->st, &x->node), 0);
}

static void ffx_fini(struct ffx *x)
{
	sync_filter_free(x->f);
	sync_node_clear(&x->node);
	sync_store_free(x->st);
}

static void elements_ipv4(void **state)
{
	struct ffx x;

	ffx_init(&x);
	assert_set(x.f, 0, FSET_VIPS,
	           "10.96.0.1\n10.96.10.10\n10.96.10.20\n10.96.10.30\n10.96.10.40\n10.96.10.50\n"
	           "10.96.10.60\n192.0.2.10\n192.0.2.11\n198.51.100.20\n198.51.100.21\n");
	assert_set(x.f, 0, FSET_CLUSTERIP,
	           "10.96.0.1 . tcp . 443\n10.96.10.10 . tcp . 80\n10.96.10.20 . udp . 53\n"
	           "10.96.10.20 . sctp . 3868\n10.96.10.30 . tcp . 80\n10.96.10.40 . tcp . 443\n"
	           "10.96.10.50 . tcp . 80\n10.96.10.60 . tcp . 8080\n");
	/* externalIPs: both policies stop the VIP guard, ETP Cluster alone is
	 * masqueraded (edge's 192.0.2.11 is ETP Local). */
	assert_set(x.f, 0, FSET_EXTIP_MASQ, "192.0.2.10 . tcp . 80\n");
	assert_set(x.f, 0, FSET_LB, "198.51.100.20 . tcp . 443\n198.51.100.21 . tcp . 80\n");
	assert_set(x.f, 0, FSET_LB_LOCAL, "198.51.100.20 . tcp . 443\n");
	assert_set(x.f, 0, FSET_LB_FW, "198.51.100.20 . tcp . 443\n198.51.100.21 . tcp . 80\n");
	/* checkout: the node's 172.18.0.2 is in 172.18.0.0/16, so the LB
	 * address itself is allowed (KUBE-LOAD-BALANCER-SOURCE-IP); the nested
	 * /25 is merged away. search: 10.0.0.0/8 leaves the node out. */
	assert_set(x.f, 0, FSET_LB_ALLOW,
	           "198.51.100.20 . tcp . 443 . 172.18.0.0/16\n"
	           "198.51.100.20 . tcp . 443 . 198.51.100.20\n"
	           "198.51.100.20 . tcp . 443 . 203.0.113.0/24\n"
	           "198.51.100.21 . tcp . 80 . 10.0.0.0/8\n");
	assert_set(x.f, 0, FSET_LB_NONODE, "198.51.100.21 . tcp . 80 . 198.51.100.21\n");
	assert_set(x.f, 0, FSET_NODEPORT,
	           "tcp . 30080\ntcp . 30081\ntcp . 31443\nudp . 31053\nsctp . 31868\n");
	assert_set(x.f, 0, FSET_NODEPORT_LOC, "tcp . 31443\n");
	assert_set(x.f, 0, FSET_HC_PORT, "32001\n");
	/* Local endpoints only, the not-ready one too (KUBE-LOOP-BACK). */
	assert_set(x.f, 0, FSET_LOOPBACK,
	           "10.244.0.5 . tcp . 8080 . 10.244.0.5\n10.244.0.6 . tcp . 8080 . 10.244.0.6\n"
	           "10.244.0.9 . tcp . 8443 . 10.244.0.9\n"
	           "10.244.0.10 . tcp . 8443 . 10.244.0.10\n"
	           "10.244.0.11 . tcp . 8080 . 10.244.0.11\n"
	           "172.18.0.2 . tcp . 6443 . 172.18.0.2\n");
	ffx_fini(&x);
}

static void elements_ipv6(void **state)
{
	struct ffx x;

	ffx_init(&x);
	assert_set(x.f, 1, FSET_VIPS, "2001:db8:1::20\nfd00:96::a\nfd00:96::28\n");
	assert_set(x.f, 1, FSET_CLUSTERIP, "fd00:96::a . tcp . 80\nfd00:96::28 . tcp . 443\n");
	assert_set(x.f, 1, FSET_LB_ALLOW, "2001:db8:1::20 . tcp . 443 . 2001:db8:77::/48\n");
	assert_set(x.f, 1, FSET_LB_NONODE, "2001:db8:1::20 . tcp . 443 . 2001:db8:1::20\n");
	assert_set(x.f, 1, FSET_NODEPORT, "tcp . 31443\n");
	assert_set(x.f, 1, FSET_HC_PORT, "32001\n");
	/* checkout's IPv6 endpoint is on node-b */
	assert_set(x.f, 1, FSET_LOOPBACK, "fd00:244::5 . tcp . 8080 . fd00:244::5\n");
	assert_set(x.f, 1, FSET_EXTIP_MASQ, "");
	ffx_fini(&x);
}

/* hc_port holds exactly the ports sync_desired_health_ports() lists (the
 * servers sync_hcnp opens), in each family. */
static void hc_port_is_the_health_ports(void **state)
{
	struct sync_health_port *p = NULL;
	char want[256];
	struct ffx x;
	size_t n = 0, len = 0;

	ffx_init(&x);
	assert_int_equal(sync_desired_health_ports(x.st, &x.node, &p, &n), 0);
	assert_true(n > 0);
	want[0] = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(want + len, sizeof(want) - len, "%u\n", p[i].port);
	free(p);
	assert_set(x.f, 0, FSET_HC_PORT, want);
	assert_set(x.f, 1, FSET_HC_PORT, want);
	ffx_fini(&x);
}

/* A node without IPv6 addresses serves no IPv6 NodePorts (kube-proxy
 * skips them) but keeps the rest of the family. */
static void nodeports_need_a_node_address(void **state)
{
	struct ffx x;
	struct net_addr a = fx_addr("172.18.0.2");

	ffx_init(&x);
	assert_int_equal(sync_node_set_node_addrs(&x.node, &a, 1, NULL, 0), 0);
	assert_int_equal(sync_filter_build(x.f, x.st, &x.node), 0);
	assert_set(x.f, 1, FSET_NODEPORT, "");
	assert_int_equal(sync_filter_count(x.f, 1, FSET_CLUSTERIP), 2);
	assert_int_equal(sync_filter_count(x.f, 0, FSET_NODEPORT), 5);
	ffx_fini(&x);
}

/* --- ownership, pending changes ---------------------------------------------------------- */

static struct kube_service *lb_svc(const char *key, const char *cip, const char *lb)
{
	struct kube_service *s = fx_service(key, cip);

	s->type = KUBE_SVC_LOAD_BALANCER;
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_lb(s, lb, false);
	return s;
}

static struct sync_filter_delta *take(struct sync_filter *f)
{
	struct sync_filter_delta *d = calloc(1, sizeof(*d));

	sync_filter_delta_init(f, d);
	assert_int_equal(sync_filter_take_pending(f, d), 0);
	return d;
}

static void delta_done(struct sync_filter_delta *d)
{
	sync_filter_delta_free(d);
	free(d);
}

static void shared_elements_are_counted(void **state)
{
	struct sync_store *st;
	struct sync_node node;
	struct sync_filter *f = filter_of("default");
	struct sync_filter_delta *d;

	ffx_node(&node);
	assert_int_equal(sync_store_new(&st), 0);
	/* Two Services claim the same LB address and port (IPVS gives it to
	 * one; the filter element is the same for both). */
	assert_int_equal(
	    sync_store_upsert_service(st, lb_svc("a/one", "10.96.0.11", "198.51.100.9")), 0);
	assert_int_equal(
	    sync_store_upsert_service(st, lb_svc("b/two", "10.96.0.12", "198.51.100.9")), 0);
	assert_int_equal(sync_filter_update(f, st, &node, "a/one"), 0);
	assert_int_equal(sync_filter_update(f, st, &node, "b/two"), 0);
	d = take(f);
	assert_int_equal(d->add[0][FSET_LB].n, 1);
	assert_int_equal(d->add[0][FSET_VIPS].n, 3);
	delta_done(d);
	/* One goes: the shared element stays, its own cluster IP goes. */
	sync_store_delete_service(st, "a", "one");
	assert_int_equal(sync_filter_update(f, st, &node, "a/one"), 0);
	d = take(f);
	assert_int_equal(d->del[0][FSET_LB].n, 0);
	assert_int_equal(d->del[0][FSET_CLUSTERIP].n, 1);
	assert_int_equal(d->del[0][FSET_VIPS].n, 1);
	assert_int_equal(sync_filter_delta_count(d), 3); /* + vip_ports */
	delta_done(d);
	sync_store_delete_service(st, "b", "two");
	assert_int_equal(sync_filter_update(f, st, &node, "b/two"), 0);
	d = take(f);
	assert_int_equal(d->del[0][FSET_LB].n, 1);
	delta_done(d);
	assert_int_equal(sync_filter_count(f, 0, FSET_VIPS), 0);
	sync_filter_free(f);
	sync_node_clear(&node);
	sync_store_free(st);
}

/* A change undone before the kernel heard of it sends nothing; an element
 * removed and wanted again before the next pass is not touched. */
static void pending_changes_cancel_out(void **state)
{
	struct sync_store *st;
	struct sync_node node;
	struct sync_filter *f = filter_of("default");
	struct sync_filter_delta *d;

	ffx_node(&node);
	assert_int_equal(sync_store_new(&st), 0);
	assert_int_equal(
	    sync_store_upsert_service(st, lb_svc("a/one", "10.96.0.11", "198.51.100.9")), 0);
	assert_int_equal(sync_filter_update(f, st, &node, "a/one"), 0);
	assert_true(sync_filter_has_pending(f));
	sync_store_delete_service(st, "a", "one");
	assert_int_equal(sync_filter_update(f, st, &node, "a/one"), 0);
	assert_false(sync_filter_has_pending(f));
	d = take(f);
	assert_int_equal(sync_filter_delta_count(d), 0);
	delta_done(d);

	assert_int_equal(
	    sync_store_upsert_service(st, lb_svc("a/one", "10.96.0.11", "198.51.100.9")), 0);
	assert_int_equal(sync_filter_update(f, st, &node, "a/one"), 0);
	d = take(f); /* now in the kernel */
	assert_int_equal(sync_filter_delta_count(d), 6);
	delta_done(d);
	sync_store_delete_service(st, "a", "one");
	assert_int_equal(sync_filter_update(f, st, &node, "a/one"), 0);
	assert_int_equal(
	    sync_store_upsert_service(st, lb_svc("a/one", "10.96.0.11", "198.51.100.9")), 0);
	assert_int_equal(sync_filter_update(f, st, &node, "a/one"), 0);
	assert_false(sync_filter_has_pending(f));
	/* A different LB address: one element out, one in. */
	assert_int_equal(
	    sync_store_upsert_service(st, lb_svc("a/one", "10.96.0.11", "198.51.100.8")), 0);
	assert_int_equal(sync_filter_update(f, st, &node, "a/one"), 0);
	d = take(f);
	assert_int_equal(d->add[0][FSET_LB].n, 1);
	assert_int_equal(d->del[0][FSET_LB].n, 1);
	assert_int_equal(d->add[0][FSET_CLUSTERIP].n, 0);
	delta_done(d);
	sync_filter_free(f);
	sync_node_clear(&node);
	sync_store_free(st);
}

/* The full pass: what the kernel lacks is added, what it holds that no
 * Service wants (an element someone added) removed; pending is covered. */
static void full_diff_against_the_kernel(void **state)
{
	struct ffx x;
	struct nft_elems have[FSET_N];
	struct sync_filter_delta *d = calloc(1, sizeof(*d));
	const struct nft_table_def *t;
	uint8_t foreign[12] = { 10, 96, 99, 99, 6, 0, 0, 0, 0, 22, 0, 0 };

	ffx_init(&x);
	t = sync_filter_table(x.f, 0);
	for (int s = 0; s < FSET_N; s++) {
		nft_elems_init(&have[s], nft_set_stride(&t->sets[s]));
		assert_int_equal(sync_filter_elems(x.f, 0, s, &have[s]), 0);
	}
	/* someone deleted the first cluster IP element, added one of theirs */
	memmove(have[FSET_CLUSTERIP].v, have[FSET_CLUSTERIP].v + 12,
	        (have[FSET_CLUSTERIP].n - 1) * 12);
	have[FSET_CLUSTERIP].n--;
	assert_int_equal(nft_elems_add(&have[FSET_VIP_PORTS], foreign, NULL, 12), 0);
	assert_true(sync_filter_has_pending(x.f)); /* the build queued everything */
	sync_filter_delta_init(x.f, d);
	assert_int_equal(sync_filter_diff(x.f, 0, have, d), 0);
	assert_int_equal(sync_filter_delta_count(d), 2);
	assert_int_equal(d->add[0][FSET_CLUSTERIP].n, 1);
	assert_memory_equal(d->add[0][FSET_CLUSTERIP].v, "\x0a\x60\x00\x01\x06\x00\x00\x00\x01\xbb",
	                    10);
	assert_int_equal(d->del[0][FSET_VIP_PORTS].n, 1);
	assert_memory_equal(d->del[0][FSET_VIP_PORTS].v, foreign, 12);
	/* IPv6 still pending: its diff has not run. */
	assert_true(sync_filter_has_pending(x.f));
	for (int s = 0; s < FSET_N; s++)
		nft_elems_free(&have[s]);
	t = sync_filter_table(x.f, 1);
	for (int s = 0; s < FSET_N; s++)
		nft_elems_init(&have[s], nft_set_stride(&t->sets[s]));
	assert_int_equal(sync_filter_diff(x.f, 1, have, d), 0);
	assert_int_equal(d->add[1][FSET_VIPS].n, 3);
	assert_false(sync_filter_has_pending(x.f));
	for (int s = 0; s < FSET_N; s++)
		nft_elems_free(&have[s]);
	sync_filter_delta_free(d);
	free(d);
	ffx_fini(&x);
}

/* An externalIP that is already an address of the node is not bound, so
 * it is no VIP; its ports still pass the guard. */
static void local_external_ip_is_not_a_vip(void **state)
{
	struct ffx x;
	struct net_addr local[3] = { fx_addr("172.18.0.2"), fx_addr("fd00:18::2"),
		                     fx_addr("192.0.2.10") };

	ffx_init(&x);
	assert_int_equal(sync_node_set_local_addrs(&x.node, local, 3), 0);
	assert_int_equal(sync_filter_build(x.f, x.st, &x.node), 0);
	assert_int_equal(sync_filter_count(x.f, 0, FSET_VIPS), 10);
	assert_int_equal(sync_filter_count(x.f, 0, FSET_EXTIP_MASQ), 1);
	ffx_fini(&x);
}

/* --- text --------------------------------------------------------------------------------- */

/* The rendering is what record.sh gave nft (test/fixtures/nft/default.nft)
 * and what the VM test compares with `nft list table`. */
static void render_as_recorded(void **state)
{
	struct ffx x;
	char *out = NULL, *want;
	size_t len = 0;
	FILE *m;

	ffx_init(&x);
	m = open_memstream(&out, &len);
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		assert_int_equal(sync_filter_render(x.f, fam, true, m), 0);
	fclose(m);
	want = unit_read_file(unit_fixture_path("nft/default.nft"), &len);
	assert_non_null(want);
	assert_string_equal(out, want);
	free(out);
	free(want);
	ffx_fini(&x);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(cluster_ip_rule_by_options),
	cmocka_unit_test(mark_and_fixed_rules),
	cmocka_unit_test(options_change_and_refusals),
	cmocka_unit_test(options_from_flags),
	cmocka_unit_test(elements_ipv4),
	cmocka_unit_test(elements_ipv6),
	cmocka_unit_test(hc_port_is_the_health_ports),
	cmocka_unit_test(nodeports_need_a_node_address),
	cmocka_unit_test(shared_elements_are_counted),
	cmocka_unit_test(pending_changes_cancel_out),
	cmocka_unit_test(full_diff_against_the_kernel),
	cmocka_unit_test(local_external_ip_is_not_a_vip),
	cmocka_unit_test(render_as_recorded),
};

UNIT_MAIN(tests)
