/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The conntrack clean-up plan (sync_ct): which targets applied changes call
 * for (UDP only, accepted changes only, 0 -> N from the diff's note), how
 * the dumps are grouped, which dumped entries the index finds stale; and
 * the passes (sync_reconcile over the in-memory kernel) handing each pass's
 * plan to the backend after its changes, and `kipvs diff`'s recorder
 * keeping it.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "support/sync_mem.h"
#include "../../sync/driver/sync_reconcile.h"
#include "../../sync/driver/sync_record.h"
#include "../../sync/sync_ct.h"
#include "test_sync_fx.h"

/* --- building changes and entries ---------------------------------------------- */

static struct ipvs_change chg(enum ipvs_op op, const char *proto, const char *vs, const char *rs)
{
	struct ipvs_change c;

	memset(&c, 0, sizeof(c));
	c.op = op;
	fx_parse_svc(proto, vs, &c.svc);
	if (rs) {
		struct ipvs_service d;

		fx_parse_svc(proto, rs, &d);
		c.dest.addr = d.addr;
		c.dest.port = d.port;
		c.dest.weight = 1;
	}
	return c;
}

/* "ORIG_SRC:P ORIG_DST:P REPLY_SRC:P" (reply destination = original source). */
static struct ct_entry entry(uint8_t proto, const char *os, const char *od, const char *rs)
{
	struct ipvs_service a, b, c;
	struct ct_entry e;

	memset(&e, 0, sizeof(e));
	fx_parse_svc("-u", os, &a);
	fx_parse_svc("-u", od, &b);
	fx_parse_svc("-u", rs, &c);
	e.orig = (struct ct_tuple){ a.addr, b.addr, a.port, b.port, proto };
	e.reply = (struct ct_tuple){ c.addr, a.addr, c.port, a.port, proto };
	e.id = 7;
	return e;
}

/* The plan as text, one target per line. */
static char *plan_text(const struct sync_ct_plan *p)
{
	size_t cap = 64 + p->n * 256, len = 0;
	char *out = calloc(1, cap), a[ADDR_STRLEN];

	for (size_t i = 0; i < p->n; i++) {
		const struct sync_ct_target *t = &p->v[i];

		len += (size_t)snprintf(out + len, cap - len, "%s %u %s", sync_ct_why_name(t->why),
		                        t->proto, addr_port_fmt(&t->addr, t->port, a));
		if (t->why == SYNC_CT_DEST_GONE)
			len += (size_t)snprintf(out + len, cap - len, " rs=%s",
			                        addr_port_fmt(&t->rs.addr, t->rs.port, a));
		for (size_t k = 0; k < t->n_keep; k++)
			len += (size_t)snprintf(out + len, cap - len, "%s%s", k ? "," : " keep=",
			                        addr_port_fmt(&p->keep[t->keep + k].addr,
			                                      p->keep[t->keep + k].port, a));
		out[len++] = '\n';
	}
	return out;
}

/* --- the plan --------------------------------------------------------------------- */

static void udp_only_and_accepted_only(void **state)
{
	struct ipvs_change c[] = {
		chg(IPVS_OP_DEL_DEST, "-u", "10.96.0.10:53", "10.244.0.1:53"),
		chg(IPVS_OP_DEL_DEST, "-t", "10.96.0.10:53", "10.244.0.1:53"),
		chg(IPVS_OP_DEL_DEST, "--sctp", "10.96.0.11:53", "10.244.0.1:53"),
		chg(IPVS_OP_DEL_DEST, "-u", "10.96.0.12:53", "10.244.0.2:53"),
		chg(IPVS_OP_DEL_SERVICE, "-u", "[fd00::10]:53", NULL),
		chg(IPVS_OP_DEL_SERVICE, "-t", "10.96.0.13:80", NULL),
		chg(IPVS_OP_EDIT_DEST, "-u", "10.96.0.10:53", "10.244.0.3:53"),
		chg(IPVS_OP_ADD_DEST, "-u", "10.96.0.10:53", "10.244.0.4:53"),
	};
	struct sync_ct_plan p;

	(void)state;
	c[3].err = -ENOENT; /* refused by the kernel: nothing left it */
	sync_ct_plan_init(&p);
	assert_int_equal(sync_ct_plan_add(&p, c, sizeof(c) / sizeof(c[0]), NULL), 0);
	assert_text(plan_text(&p), "dest_gone 17 10.96.0.10:53 rs=10.244.0.1:53\n"
	                           "vs_gone 17 [fd00::10]:53\n");
	sync_ct_plan_free(&p);
}

static void newly_active_keeps_its_destinations(void **state)
{
	/* Two virtual servers went from none to some; their additions are
	 * interleaved; a third got a destination but had some already. */
	struct ipvs_change c[] = {
		chg(IPVS_OP_ADD_SERVICE, "-u", "10.96.0.10:53", NULL),
		chg(IPVS_OP_ADD_DEST, "-u", "10.96.0.10:53", "10.244.0.1:53"),
		chg(IPVS_OP_ADD_DEST, "-u", "172.18.0.2:30053", "10.244.0.1:53"),
		chg(IPVS_OP_ADD_DEST, "-u", "10.96.0.10:53", "10.244.0.2:53"),
		chg(IPVS_OP_ADD_DEST, "-u", "10.96.0.20:53", "10.244.0.9:53"),
		chg(IPVS_OP_ADD_DEST, "-u", "10.96.0.10:53", "10.244.0.3:53"),
		chg(IPVS_OP_ADD_DEST, "-t", "10.96.0.30:80", "10.244.0.3:80"),
	};
	struct sync_keys act;
	struct sync_ct_plan p;

	(void)state;
	sync_keys_init(&act);
	assert_int_equal(sync_keys_add(&act, &c[0].svc), 0);
	assert_int_equal(sync_keys_add(&act, &c[2].svc), 0);
	assert_int_equal(sync_keys_add(&act, &c[6].svc), 0); /* TCP: never */
	c[5].err = -EEXIST;                                  /* not added by us: not kept either */
	sync_ct_plan_init(&p);
	assert_int_equal(sync_ct_plan_add(&p, c, sizeof(c) / sizeof(c[0]), &act), 0);
	assert_text(plan_text(&p),
	            "newly_active 17 10.96.0.10:53 keep=10.244.0.1:53,10.244.0.2:53\n"
	            "newly_active 17 172.18.0.2:30053 keep=10.244.0.1:53\n");
	/* An activated virtual server whose additions all failed: nothing. */
	sync_ct_plan_reset(&p);
	c[1].err = c[3].err = -ENOMEM;
	assert_int_equal(sync_ct_plan_add(&p, c, 4, &act), 0);
	assert_text(plan_text(&p), "newly_active 17 172.18.0.2:30053 keep=10.244.0.1:53\n");
	sync_ct_plan_free(&p);
	sync_keys_free(&act);
}

static void append_keeps_keep_lists(void **state)
{
	struct ipvs_change c[] = {
		chg(IPVS_OP_ADD_DEST, "-u", "10.96.0.10:53", "10.244.0.1:53"),
		chg(IPVS_OP_ADD_DEST, "-u", "10.96.0.11:53", "10.244.0.2:53"),
	};
	struct sync_keys act;
	struct sync_ct_plan a, b;

	(void)state;
	sync_keys_init(&act);
	assert_int_equal(sync_keys_add(&act, &c[0].svc), 0);
	assert_int_equal(sync_keys_add(&act, &c[1].svc), 0);
	sync_ct_plan_init(&a);
	sync_ct_plan_init(&b);
	assert_int_equal(sync_ct_plan_add(&a, &c[0], 1, &act), 0);
	assert_int_equal(sync_ct_plan_add(&b, &c[1], 1, &act), 0);
	assert_int_equal(sync_ct_plan_append(&a, &b), 0);
	assert_text(plan_text(&a), "newly_active 17 10.96.0.10:53 keep=10.244.0.1:53\n"
	                           "newly_active 17 10.96.0.11:53 keep=10.244.0.2:53\n");
	sync_ct_plan_free(&a);
	sync_ct_plan_free(&b);
	sync_keys_free(&act);
}

/* --- dumps and matching ---------------------------------------------------------------- */

static char *dumps_text(const struct sync_ct_plan *p, bool kf, size_t *group)
{
	struct ct_filter *f;
	size_t n, cap = 1024, len = 0;
	char *out = calloc(1, cap), a[ADDR_STRLEN];

	assert_int_equal(sync_ct_dumps(p, kf, &f, &n, group), 0);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "af=%d proto=%u dport=%u rs=%s\n",
		                        f[i].af == AF_INET ? 4 : 6, f[i].proto, f[i].orig_dport,
		                        f[i].reply_src.af ? addr_fmt(&f[i].reply_src, a) : "-");
	free(f);
	return out;
}

static void dumps_grouped(void **state)
{
	/* One endpoint left a ClusterIP and the NodePort on two node
	 * addresses; another left the ClusterIP; a v6 service became active. */
	struct ipvs_change c[] = {
		chg(IPVS_OP_DEL_DEST, "-u", "10.96.0.10:53", "10.244.0.1:53"),
		chg(IPVS_OP_DEL_DEST, "-u", "172.18.0.2:30053", "10.244.0.1:53"),
		chg(IPVS_OP_DEL_DEST, "-u", "192.168.1.2:30053", "10.244.0.1:53"),
		chg(IPVS_OP_DEL_DEST, "-u", "10.96.0.10:53", "10.244.0.2:53"),
		chg(IPVS_OP_ADD_DEST, "-u", "[fd00::10]:53", "[fd00:244::1]:53"),
		chg(IPVS_OP_DEL_SERVICE, "-u", "172.18.0.2:30054", NULL),
		chg(IPVS_OP_DEL_SERVICE, "-u", "192.168.1.2:30054", NULL),
	};
	struct sync_keys act;
	struct sync_ct_plan p;
	size_t group[7];

	(void)state;
	sync_keys_init(&act);
	assert_int_equal(sync_keys_add(&act, &c[4].svc), 0);
	sync_ct_plan_init(&p);
	assert_int_equal(sync_ct_plan_add(&p, c, 7, &act), 0);
	assert_int_equal(p.n, 7);
	assert_text(dumps_text(&p, true, group), "af=4 proto=17 dport=0 rs=10.244.0.1\n"
	                                         "af=4 proto=17 dport=0 rs=10.244.0.2\n"
	                                         "af=4 proto=17 dport=30054 rs=-\n"
	                                         "af=6 proto=17 dport=53 rs=-\n");
	/* Targets in plan order: 4 dest_gone, 2 vs_gone, then newly_active. */
	assert_int_equal(group[0], 0);
	assert_int_equal(group[2], 0);
	assert_int_equal(group[3], 1);
	assert_int_equal(group[5], 2);
	assert_int_equal(group[6], 3);
	/* A kernel that does not filter: one dump per family. */
	assert_text(dumps_text(&p, false, group), "af=4 proto=17 dport=0 rs=-\n"
	                                          "af=6 proto=17 dport=0 rs=-\n");
	assert_int_equal(group[3], 0);
	assert_int_equal(group[6], 1);
	sync_ct_plan_free(&p);
	sync_keys_free(&act);
}

static void many_dumps_become_one(void **state)
{
	struct sync_ct_plan p;

	(void)state;
	sync_ct_plan_init(&p);
	for (int i = 0; i <= SYNC_CT_MAX_DUMPS; i++) {
		char rs[32];
		struct ipvs_change c;

		snprintf(rs, sizeof(rs), "10.244.1.%d:53", i + 1);
		c = chg(IPVS_OP_DEL_DEST, "-u", "10.96.0.10:53", rs);
		assert_int_equal(sync_ct_plan_add(&p, &c, 1, NULL), 0);
	}
	assert_text(dumps_text(&p, true, NULL), "af=4 proto=17 dport=0 rs=-\n");
	p.n--; /* exactly the most: each its own */
	{
		char *t = dumps_text(&p, true, NULL);
		size_t lines = 0;

		for (char *s = t; *s; s++)
			lines += *s == '\n';
		assert_int_equal(lines, SYNC_CT_MAX_DUMPS);
		free(t);
	}
	sync_ct_plan_free(&p);
}

static void index_finds_stale_entries(void **state)
{
	struct ipvs_change c[] = {
		chg(IPVS_OP_DEL_DEST, "-u", "10.96.0.10:53", "10.244.0.1:53"),
		chg(IPVS_OP_ADD_DEST, "-u", "10.96.0.20:53", "10.244.0.5:53"),
		chg(IPVS_OP_DEL_SERVICE, "-u", "[fd00::30]:53", NULL),
	};
	struct sync_keys act;
	struct sync_ct_plan p;
	struct sync_ct_index ix;
	struct ct_entry e;

	(void)state;
	sync_keys_init(&act);
	assert_int_equal(sync_keys_add(&act, &c[1].svc), 0);
	sync_ct_plan_init(&p);
	assert_int_equal(sync_ct_plan_add(&p, c, 3, &act), 0);
	assert_int_equal(sync_ct_index_build(&ix, &p), 0);
	/* dest_gone: reply from the endpoint that left (address and port). */
	e = entry(IPPROTO_UDP, "10.244.9.1:40000", "10.96.0.10:53", "10.244.0.1:53");
	assert_int_equal(sync_ct_index_match(&ix, &e), 0);
	e = entry(IPPROTO_UDP, "10.244.9.1:40000", "10.96.0.10:53", "10.244.0.2:53");
	assert_int_equal(sync_ct_index_match(&ix, &e), -1);
	e = entry(IPPROTO_UDP, "10.244.9.1:40000", "10.96.0.10:53", "10.244.0.1:5353");
	assert_int_equal(sync_ct_index_match(&ix, &e), -1);
	e = entry(IPPROTO_UDP, "10.244.9.1:40000", "10.96.0.10:54", "10.244.0.1:53");
	assert_int_equal(sync_ct_index_match(&ix, &e), -1);
	e = entry(IPPROTO_TCP, "10.244.9.1:40000", "10.96.0.10:53", "10.244.0.1:53");
	assert_int_equal(sync_ct_index_match(&ix, &e), -1);
	/* newly_active: anything but a reply from its destinations. */
	e = entry(IPPROTO_UDP, "10.244.9.1:40000", "10.96.0.20:53", "10.96.0.20:53");
	assert_int_equal(sync_ct_index_match(&ix, &e), 2);
	e = entry(IPPROTO_UDP, "10.244.9.1:40000", "10.96.0.20:53", "10.244.0.5:53");
	assert_int_equal(sync_ct_index_match(&ix, &e), -1);
	/* vs_gone: every entry to it, IPv6 here. */
	e = entry(IPPROTO_UDP, "[fd00:244::1]:40000", "[fd00::30]:53", "[fd00:244::7]:53");
	assert_int_equal(sync_ct_index_match(&ix, &e), 1);
	e = entry(IPPROTO_UDP, "[fd00:244::1]:40000", "[fd00::31]:53", "[fd00:244::7]:53");
	assert_int_equal(sync_ct_index_match(&ix, &e), -1);
	sync_ct_index_free(&ix);
	sync_ct_plan_free(&p);
	sync_keys_free(&act);
}

/* --- the passes ---------------------------------------------------------------------- */

struct pfx {
	struct kipvs_config cfg;
	struct sync_store *st;
	struct sync_mem *m;
	struct sync_reconcile *r;
};

static void pfx_init(struct pfx *x, const struct sync_ops *ops, void *be)
{
	struct net_addr node = fx_addr("172.18.0.2");
	struct sync_reconcile_opts o = { .cfg = &x->cfg, .store = NULL };

	memset(x, 0, sizeof(*x));
	config_init(&x->cfg);
	x->cfg.hostname_override = strdup("node-a");
	assert_int_equal(sync_store_new(&x->st), 0);
	assert_int_equal(sync_mem_new(&x->m), 0);
	assert_int_equal(sync_mem_set_node_addrs(x->m, &node, 1), 0);
	o.cfg = &x->cfg;
	o.ops = ops ? ops : &sync_mem_ops;
	o.be = be ? be : x->m;
	o.store = x->st;
	assert_int_equal(sync_reconcile_new(&o, &x->r), 0);
}

static void pfx_fini(struct pfx *x)
{
	sync_reconcile_free(x->r);
	sync_mem_free(x->m);
	sync_store_free(x->st);
	config_free(&x->cfg);
}

/* Service @key at @cip with one port @proto 53 (NodePort @np when not 0) and
 * ready endpoints @eps ("a,b"; "" = none) on port 53. */
static void dns(struct pfx *x, const char *key, const char *cip, uint16_t proto, uint16_t np,
                const char *eps)
{
	struct kube_service *s = fx_service(key, cip);
	struct kube_endpoint_slice *sl;
	char skey[96], list[256], *save = NULL;

	if (np)
		s->type = KUBE_SVC_NODE_PORT;
	fx_port(s, "dns", proto, 53, np);
	assert_int_equal(sync_store_upsert_service(x->st, s), 0);
	snprintf(skey, sizeof(skey), "%s-1", key);
	sl = fx_slice(skey, strchr(key, '/') + 1, AF_INET);
	fx_slice_port(sl, "dns", proto, 53);
	snprintf(list, sizeof(list), "%s", eps);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		fx_ep(sl, t, "node-b", FX_RS);
	assert_int_equal(sync_store_upsert_slice(x->st, sl), 0);
}

static void pfx_full(struct pfx *x, uint64_t now)
{
	bool more = true;

	assert_int_equal(sync_reconcile_full_begin(x->r, now, false), 0);
	while (more)
		assert_int_equal(sync_reconcile_full_step(x->r, 3, &more), 0);
}

/* The plans handed to the in-memory kernel since the last call, sorted. */
static char *asked(struct pfx *x, size_t *calls)
{
	char *t = plan_text(sync_mem_ct(x->m, calls)), *lines[64], *save = NULL;
	size_t n = 0, cap = strlen(t) + 2, len = 0;
	char *out = calloc(1, cap);

	for (char *l = strtok_r(t, "\n", &save); l && n < 64; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
			char *tmp = lines[j];

			lines[j] = lines[j - 1];
			lines[j - 1] = tmp;
		}
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s\n", lines[i]);
	free(t);
	sync_mem_ct_reset(x->m);
	return out;
}

static void passes_hand_on_their_targets(void **state)
{
	struct pfx x;
	struct sync_reconcile_stats st;
	size_t calls;

	(void)state;
	pfx_init(&x, NULL, NULL);
	dns(&x, "kube/dns", "10.96.0.10", IPPROTO_UDP, 30053, "10.244.0.1,10.244.0.2");
	dns(&x, "kube/empty", "10.96.0.11", IPPROTO_UDP, 0, "");
	dns(&x, "kube/tcp", "10.96.0.12", IPPROTO_TCP, 0, "10.244.0.1");
	/* The first full pass (in chunks of 3 changes) creates everything:
	 * the UDP virtual servers with destinations went from none to some,
	 * in one plan at the end. */
	pfx_full(&x, 0);
	assert_text(asked(&x, &calls),
	            "newly_active 17 10.96.0.10:53 keep=10.244.0.1:53,10.244.0.2:53\n"
	            "newly_active 17 172.18.0.2:30053 keep=10.244.0.1:53,10.244.0.2:53\n");
	assert_int_equal(calls, 1);
	/* In sync: nothing to clean, no call. */
	pfx_full(&x, 1000);
	assert_text(asked(&x, &calls), "");
	assert_int_equal(calls, 0);
	/* An endpoint leaves: the ClusterIP and the NodePort, in one call. */
	dns(&x, "kube/dns", "10.96.0.10", IPPROTO_UDP, 30053, "10.244.0.2");
	assert_int_equal(sync_reconcile_dirty(x.r, 2000, NULL), 0);
	assert_text(asked(&x, &calls), "dest_gone 17 10.96.0.10:53 rs=10.244.0.1:53\n"
	                               "dest_gone 17 172.18.0.2:30053 rs=10.244.0.1:53\n");
	assert_int_equal(calls, 1);
	/* The empty service gets its first endpoint. */
	dns(&x, "kube/empty", "10.96.0.11", IPPROTO_UDP, 0, "10.244.0.7");
	assert_int_equal(sync_reconcile_dirty(x.r, 3000, NULL), 0);
	assert_text(asked(&x, NULL), "newly_active 17 10.96.0.11:53 keep=10.244.0.7:53\n");
	/* A second endpoint is not "newly active". */
	dns(&x, "kube/empty", "10.96.0.11", IPPROTO_UDP, 0, "10.244.0.7,10.244.0.8");
	assert_int_equal(sync_reconcile_dirty(x.r, 4000, NULL), 0);
	assert_text(asked(&x, NULL), "");
	/* TCP: never. */
	dns(&x, "kube/tcp", "10.96.0.12", IPPROTO_TCP, 0, "");
	assert_int_equal(sync_reconcile_dirty(x.r, 5000, NULL), 0);
	assert_text(asked(&x, NULL), "");
	/* The service goes: every virtual server of it. */
	sync_store_delete_service(x.st, "kube", "dns");
	assert_int_equal(sync_reconcile_dirty(x.r, 6000, NULL), 0);
	assert_text(asked(&x, NULL), "vs_gone 17 10.96.0.10:53\n"
	                             "vs_gone 17 172.18.0.2:30053\n");
	sync_reconcile_stats(x.r, &st);
	assert_int_equal(st.ct_targets, 7);
	pfx_fini(&x);
}

/* Every address a Service is reached by is a virtual server of its own:
 * the cluster IP, each external IP and load-balancer IP each get a target. */
static void every_address_of_a_service(void **state)
{
	struct pfx x;
	struct kube_service *s;
	struct kube_endpoint_slice *sl;

	(void)state;
	pfx_init(&x, NULL, NULL);
	s = fx_service("kube/edge", "10.96.0.20");
	s->type = KUBE_SVC_LOAD_BALANCER;
	fx_port(s, "dns", IPPROTO_UDP, 53, 0);
	fx_external_ip(s, "192.0.2.10");
	fx_lb(s, "198.51.100.7", false);
	assert_int_equal(sync_store_upsert_service(x.st, s), 0);
	sl = fx_slice("kube/edge-1", "edge", AF_INET);
	fx_slice_port(sl, "dns", IPPROTO_UDP, 53);
	fx_ep(sl, "10.244.0.1", "node-b", FX_RS);
	fx_ep(sl, "10.244.0.2", "node-b", FX_RS);
	assert_int_equal(sync_store_upsert_slice(x.st, sl), 0);
	pfx_full(&x, 0);
	assert_text(asked(&x, NULL),
	            "newly_active 17 10.96.0.20:53 keep=10.244.0.1:53,10.244.0.2:53\n"
	            "newly_active 17 192.0.2.10:53 keep=10.244.0.1:53,10.244.0.2:53\n"
	            "newly_active 17 198.51.100.7:53 keep=10.244.0.1:53,10.244.0.2:53\n");
	sl = fx_slice("kube/edge-1", "edge", AF_INET);
	fx_slice_port(sl, "dns", IPPROTO_UDP, 53);
	fx_ep(sl, "10.244.0.2", "node-b", FX_RS);
	assert_int_equal(sync_store_upsert_slice(x.st, sl), 0);
	assert_int_equal(sync_reconcile_dirty(x.r, 1000, NULL), 0);
	assert_text(asked(&x, NULL), "dest_gone 17 10.96.0.20:53 rs=10.244.0.1:53\n"
	                             "dest_gone 17 192.0.2.10:53 rs=10.244.0.1:53\n"
	                             "dest_gone 17 198.51.100.7:53 rs=10.244.0.1:53\n");
	pfx_fini(&x);
}

/* Changes the kernel refused leave nothing to clean; a failing hand-over is
 * logged and the pass still counts as done. */
static void refused_changes_and_failing_backend(void **state)
{
	struct pfx x;

	(void)state;
	pfx_init(&x, NULL, NULL);
	dns(&x, "kube/dns", "10.96.0.10", IPPROTO_UDP, 0, "10.244.0.1,10.244.0.2");
	pfx_full(&x, 0);
	free(asked(&x, NULL));
	dns(&x, "kube/dns", "10.96.0.10", IPPROTO_UDP, 0, "");
	/* The first deletion goes through, then the exchange breaks. */
	sync_mem_fail(x.m, SYNC_MEM_APPLY, 1, -ENOBUFS);
	unit_log_start();
	assert_int_equal(sync_reconcile_dirty(x.r, 1000, NULL), -ENOBUFS);
	unit_log_stop();
	{
		char *t = asked(&x, NULL);

		assert_non_null(strstr(t, "dest_gone 17 10.96.0.10:53 rs="));
		assert_int_equal(strchr(t, '\n') - t + 1, (long)strlen(t)); /* one line */
		free(t);
	}
	/* The retry deletes the other one. */
	assert_int_equal(sync_reconcile_dirty(x.r, 2000, NULL), 0);
	free(asked(&x, NULL));
	dns(&x, "kube/dns", "10.96.0.10", IPPROTO_UDP, 0, "10.244.0.3");
	sync_mem_fail(x.m, SYNC_MEM_CT_CLEAN, 0, -ENOMEM);
	unit_log_start();
	assert_int_equal(sync_reconcile_dirty(x.r, 3000, NULL), 0);
	assert_int_equal(unit_log_count("event=conntrack_cleanup_failed", "kind=dirty", "targets=1",
	                                "stage=submit", NULL),
	                 1);
	unit_log_stop();
	pfx_fini(&x);
}

/* kipvs diff: the recorder keeps the targets after the changes. */
static void recorder_keeps_targets(void **state)
{
	struct pfx x;
	struct sync_record *rec;
	const struct sync_record_entry *e;
	size_t n;
	bool more = true;

	(void)state;
	memset(&x, 0, sizeof(x));
	pfx_init(&x, NULL, NULL);
	dns(&x, "kube/dns", "10.96.0.10", IPPROTO_UDP, 0, "10.244.0.1,10.244.0.2");
	pfx_full(&x, 0);
	dns(&x, "kube/dns", "10.96.0.10", IPPROTO_UDP, 0, "10.244.0.2");
	sync_reconcile_free(x.r);
	assert_int_equal(sync_record_new(&sync_mem_ops, x.m, &rec), 0);
	{
		struct sync_reconcile_opts o = {
			.cfg = &x.cfg, .ops = &sync_record_ops, .be = rec, .store = x.st
		};

		assert_int_equal(sync_reconcile_new(&o, &x.r), 0);
	}
	assert_int_equal(sync_reconcile_full_begin(x.r, 0, false), 0);
	while (more)
		assert_int_equal(sync_reconcile_full_step(x.r, 100, &more), 0);
	e = sync_record_entries(rec, &n);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].kind, SYNC_REC_IPVS);
	assert_int_equal(e[0].change.op, IPVS_OP_DEL_DEST);
	assert_int_equal(e[1].kind, SYNC_REC_CT);
	assert_text(plan_text(sync_record_ct(rec)),
	            "dest_gone 17 10.96.0.10:53 rs=10.244.0.1:53\n");
	pfx_fini(&x);
	sync_record_free(rec);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(udp_only_and_accepted_only),
	cmocka_unit_test(newly_active_keeps_its_destinations),
	cmocka_unit_test(append_keeps_keep_lists),
	cmocka_unit_test(dumps_grouped),
	cmocka_unit_test(many_dumps_become_one),
	cmocka_unit_test(index_finds_stale_entries),
	cmocka_unit_test(passes_hand_on_their_targets),
	cmocka_unit_test(every_address_of_a_service),
	cmocka_unit_test(refused_changes_and_failing_backend),
	cmocka_unit_test(recorder_keeps_targets),
};

UNIT_MAIN(tests)
