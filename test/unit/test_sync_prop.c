/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Property tests of the daemon's sync passes (sync_reconcile), through the
 * in-memory kernel (sync_mem).
 *
 * 1. For a random kernel table A (kipvs's, foreign, excluded, fwmark
 *    virtual servers, random weights/methods/counters, some of the wanted
 *    ones with other settings) and a random cluster whose wanted table is B:
 *    a full pass, in chunks of random size, gives B on every owned virtual
 *    server, leaves every foreign or excluded one exactly as it was, never
 *    sends a change the kernel refuses, binds exactly B's addresses, and a
 *    second pass sends nothing. TCP destinations with connections stay at
 *    weight 0 until their connections end (a drain pass) or the graceful
 *    timeout passes, then the table is B.
 * 2. For a random cluster and random changes to it, a dirty pass over every
 *    service (what the daemon sends per dirty service) sends exactly the
 *    changes a full pass of the whole table sends, and leaves the same
 *    table.
 *
 * Seeds are fixed (KIPVS_PROP_SEED overrides) so a failure reproduces.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "support/sync_mem.h"
#include "../../sync/driver/sync_reconcile.h"
#include "test_sync_fx.h"

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

static void seed(uint64_t s)
{
	const char *e = getenv("KIPVS_PROP_SEED");

	rng_state = (e && *e) ? strtoull(e, NULL, 0) : s;
	if (!rng_state)
		rng_state = 88172645463325252ULL;
}

static struct net_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct net_addr x = { .af = AF_INET };

	x.a.b[0] = a;
	x.a.b[1] = b;
	x.a.b[2] = c;
	x.a.b[3] = d;
	return x;
}

static struct net_addr v6(uint16_t hi, uint8_t lo)
{
	struct net_addr x = { .af = AF_INET6 };

	x.a.b[0] = (uint8_t)(hi >> 8);
	x.a.b[1] = (uint8_t)hi;
	x.a.b[15] = lo;
	return x;
}

static const uint16_t protos[3] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
static const char *const scheds[4] = { "rr", "wlc", "sh", "mh" };

enum pool { P_BOUND, P_NODE, P_FOREIGN, P_EXCLUDED, P_FWMARK, P_N };

static struct ipvs_service rand_svc(enum pool p)
{
	struct ipvs_service s;

	memset(&s, 0, sizeof(s));
	s.protocol = protos[rnd(3)];
	switch (p) {
	case P_BOUND:
		s.addr = rnd(4) ? v4(10, 96, 0, (uint8_t)(1 + rnd(12)))
		                : v6(0xfd00, (uint8_t)(1 + rnd(4)));
		s.port = (uint16_t)(80 + rnd(3));
		break;
	case P_NODE:
		s.addr = v4(172, 18, 0, 2);
		s.port = (uint16_t)(30000 + rnd(5));
		break;
	case P_FOREIGN:
		if (rnd(2)) {
			s.addr = v4(5, 5, 5, (uint8_t)(1 + rnd(4)));
			s.port = (uint16_t)(80 + rnd(3));
		} else { /* a node address, but not a NodePort */
			s.addr = v4(172, 18, 0, 2);
			s.port = (uint16_t)(20 + rnd(5));
		}
		break;
	case P_EXCLUDED:
		s.addr = v4(10, 99, 0, (uint8_t)(1 + rnd(3)));
		s.port = 80;
		break;
	default:
		s.addr.af = rnd(2) ? AF_INET : AF_INET6;
		s.protocol = 0;
		s.fwmark = 1 + rnd(3);
		break;
	}
	snprintf(s.sched_name, sizeof(s.sched_name), "%s", scheds[rnd(4)]);
	if (rnd(3) == 0) {
		s.flags |= IP_VS_SVC_F_PERSISTENT;
		s.timeout = rnd(2) ? 10800 : 60;
	}
	if (rnd(4) == 0)
		s.flags |= IP_VS_SVC_F_SCHED2;
	s.netmask = s.addr.af == AF_INET6 ? 128 : 0xffffffffu;
	return s;
}

static void rand_dests(struct ipvs_vs *vs, bool kernel)
{
	uint32_t n = rnd(6);

	for (uint32_t i = 0; i < n; i++) {
		struct ipvs_dest d;

		memset(&d, 0, sizeof(d));
		d.addr = vs->svc.addr.af == AF_INET6 ? v6(0xfd01, (uint8_t)(1 + rnd(8)))
		                                     : v4(10, 244, 0, (uint8_t)(1 + rnd(8)));
		d.port = vs->svc.fwmark ? 0 : (uint16_t)(8080 + rnd(2));
		d.weight = 1;
		if (kernel) {
			d.weight = (int32_t)rnd(3);
			d.conn_flags = rnd(4) ? IP_VS_CONN_F_MASQ : IP_VS_CONN_F_DROUTE;
			if (rnd(2)) {
				d.active_conns = rnd(3);
				d.inact_conns = rnd(2);
			}
		}
		if (!ipvs_vs_find_dest(vs, &d))
			assert_int_equal(ipvs_vs_add_dest(vs, &d), 0);
	}
}

static void rand_table(struct ipvs_table *t, bool kernel)
{
	uint32_t n = 3 + rnd(18);

	for (uint32_t i = 0; i < n; i++) {
		enum pool p =
		    kernel ? (enum pool)rnd(P_N) : (rnd(5) == 0 ? P_EXCLUDED : (enum pool)rnd(2));
		struct ipvs_service s = rand_svc(p);
		struct ipvs_vs *vs;

		if (ipvs_table_find(t, &s))
			continue;
		if (kernel)
			s.flags |= IP_VS_SVC_F_HASHED;
		vs = ipvs_table_add(t, &s);
		assert_non_null(vs);
		rand_dests(vs, kernel);
	}
}

static bool svc_equal(const struct ipvs_service *a, const struct ipvs_service *b)
{
	return ipvs_service_same(a, b) && !strcmp(a->sched_name, b->sched_name) &&
	       (a->flags & ~IP_VS_SVC_F_HASHED) == (b->flags & ~IP_VS_SVC_F_HASHED) &&
	       a->timeout == b->timeout && a->netmask == b->netmask &&
	       !strcmp(a->pe_name, b->pe_name);
}

/* Same VS settings and the same destinations (as sets, with their fields).
 * @min_weight0: also accept extra weight-0 destinations in @got. */
static bool vs_equal(const struct ipvs_vs *got, const struct ipvs_vs *exp, bool extra_w0)
{
	size_t matched = 0;

	if (!svc_equal(&got->svc, &exp->svc))
		return false;
	for (size_t i = 0; i < got->n_dests; i++) {
		const struct ipvs_dest *g = &got->dests[i];
		const struct ipvs_dest *e = ipvs_vs_find_dest(exp, g);

		if (!e) {
			if (extra_w0 && g->weight == 0)
				continue;
			return false;
		}
		if (g->weight != e->weight || (g->conn_flags & IP_VS_CONN_F_FWD_MASK) !=
		                                  (e->conn_flags & IP_VS_CONN_F_FWD_MASK))
			return false;
		matched++;
	}
	return matched == exp->n_dests;
}

static void zero_all_conns(struct sync_mem *m)
{
	const struct ipvs_table *k = sync_mem_table(m);

	for (size_t i = 0; i < k->n; i++)
		for (size_t j = 0; j < k->vs[i].n_dests; j++) {
			struct ipvs_dest d = k->vs[i].dests[j];
			struct ipvs_service s = k->vs[i].svc;

			assert_int_equal(sync_mem_set_conns(m, &s, &d, 0, 0), 0);
		}
}

#define N_SVC 24

static void rand_service(struct fx *f, int i)
{
	char key[32], ip[32], skey[48], sname[32];
	struct kube_service *s;
	struct kube_endpoint_slice *sl;
	uint32_t kind = rnd(3), nports = 1 + rnd(2);

	snprintf(key, sizeof(key), "ns/s%d", i);
	snprintf(sname, sizeof(sname), "s%d", i);
	/* Each Service has its own addresses: no two claim one VS. */
	if (rnd(8) == 0) /* inside --ipvs-exclude-cidrs */
		snprintf(ip, sizeof(ip), "10.99.0.%d", i + 1);
	else
		snprintf(ip, sizeof(ip), rnd(4) ? "10.96.0.%d" : "10.96.0.%d,fd00::%d", i + 1,
		         i + 1);
	s = fx_service(key, ip);
	s->type = kind == 0   ? KUBE_SVC_CLUSTER_IP
	          : kind == 1 ? KUBE_SVC_NODE_PORT
	                      : KUBE_SVC_LOAD_BALANCER;
	for (uint32_t p = 0; p < nports; p++)
		fx_port(s, p ? "b" : "a", protos[rnd(3)], (uint16_t)(80 + p),
		        kind ? (uint16_t)(30000 + i * 2 + (int)p) : 0);
	if (kind == 2) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		fx_lb(s, ip, false);
	}
	if (rnd(3) == 0)
		s->external_policy = KUBE_POLICY_LOCAL;
	if (rnd(4) == 0)
		s->affinity_client_ip = true;
	if (rnd(4) == 0)
		s->scheduler = strdup(scheds[rnd(4)]);
	fx_add_svc(f, s);
	for (int k = 0; k < 1 + (int)rnd(2); k++) {
		snprintf(skey, sizeof(skey), "ns/s%d-%d", i, k);
		sl = fx_slice(skey, sname, AF_INET);
		fx_slice_port(sl, "a", s->ports[0].protocol, 8080);
		if (nports > 1)
			fx_slice_port(sl, "b", s->ports[1].protocol, 9090);
		for (uint32_t e = rnd(5); e > 0; e--) {
			char eip[32];
			static const int conds[4] = { FX_RS, FX_RS, 0, FX_S | FX_T };

			snprintf(eip, sizeof(eip), "10.244.%d.%u", i, 1 + rnd(6));
			fx_ep(sl, eip, rnd(2) ? "node-a" : "node-b", conds[rnd(4)]);
		}
		fx_add_slice(f, sl);
	}
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The changes as sorted lines, so two runs compare as multisets. */
static char *sorted_text(const struct sync_changes *ch)
{
	char **lines = calloc(ch->n + 1, sizeof(*lines)), *out;
	size_t len = 1;

	for (size_t i = 0; i < ch->n; i++) {
		lines[i] = malloc(256);
		fx_change_line(&ch->v[i], lines[i], 256);
		len += strlen(lines[i]) + 1;
	}
	qsort(lines, ch->n, sizeof(*lines), cmp_lines);
	out = malloc(len);
	len = 0;
	for (size_t i = 0; i < ch->n; i++) {
		size_t l = strlen(lines[i]);

		memcpy(out + len, lines[i], l);
		out[len + l] = '\n';
		len += l + 1;
		free(lines[i]);
	}
	out[len] = '\0';
	free(lines);
	return out;
}

static void mutate_kernel(struct ipvs_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct ipvs_vs *vs = &t->vs[i];

		if (rnd(4) == 0)
			snprintf(vs->svc.sched_name, sizeof(vs->svc.sched_name), "wrr");
		if (vs->n_dests && rnd(3) == 0)
			vs->n_dests--; /* a missing destination */
		for (size_t j = 0; j < vs->n_dests; j++) {
			if (rnd(5) == 0)
				vs->dests[j].weight = 0;
			vs->dests[j].active_conns = rnd(2);
		}
		if (rnd(3) == 0) {
			struct ipvs_dest d;

			memset(&d, 0, sizeof(d));
			d.addr = vs->svc.addr.af == AF_INET6 ? v6(0xfd02, 9) : v4(10, 245, 0, 9);
			d.port = 1;
			d.weight = 1;
			d.inact_conns = rnd(2);
			if (!ipvs_vs_find_dest(vs, &d))
				assert_int_equal(ipvs_vs_add_dest(vs, &d), 0);
		}
	}
}

/* --- the passes over a random kernel and cluster ------------------------------ */

struct pctx {
	struct kipvs_config cfg;
	struct fx f; /* the cluster, and its wanted table B computed apart */
	struct sync_mem *m;
	struct sync_reconcile *r;
	struct ipvs_table a, b; /* the kernel before, the wanted table */
	struct sync_own own;    /* ownership as the pass sees it */
};

static void pctx_init(struct pctx *c)
{
	struct net_addr node = v4(172, 18, 0, 2);
	struct sync_reconcile_opts o;
	struct net_cidr ex;

	memset(c, 0, sizeof(*c));
	config_init(&c->cfg);
	c->cfg.hostname_override = strdup("node-a");
	assert_int_equal(cidr_parse("10.99.0.0/16", &ex), 0);
	c->cfg.exclude_cidrs = malloc(sizeof(ex));
	c->cfg.exclude_cidrs[0] = ex;
	c->cfg.n_exclude_cidrs = 1;
	fx_init(&c->f);
	assert_int_equal(sync_node_set_name(&c->f.node, "node-a"), 0);
	fx_node_ips(&c->f, "172.18.0.2");
	assert_int_equal(sync_node_set_local_addrs(&c->f.node, &node, 1), 0);
	assert_int_equal(sync_mem_new(&c->m), 0);
	assert_int_equal(sync_mem_set_node_addrs(c->m, &node, 1), 0);
	o = (struct sync_reconcile_opts){
		.cfg = &c->cfg, .ops = &sync_mem_ops, .be = c->m, .store = c->f.st
	};
	assert_int_equal(sync_reconcile_new(&o, &c->r), 0);
	ipvs_table_init(&c->a);
	ipvs_table_init(&c->b);
	sync_own_init(&c->own);
}

static void pctx_fini(struct pctx *c)
{
	sync_reconcile_free(c->r);
	sync_mem_free(c->m);
	fx_fini(&c->f);
	ipvs_table_free(&c->a);
	ipvs_table_free(&c->b);
	sync_own_clear(&c->own);
	config_free(&c->cfg);
}

/* A whole full pass in chunks of random size; the changes it sent. */
static size_t full_pass(struct pctx *c, uint64_t now, struct sync_diff_stats *diff)
{
	struct sync_reconcile_stats st;
	bool more = true;
	size_t n;

	sync_mem_log_reset(c->m);
	assert_int_equal(sync_reconcile_full_begin(c->r, now, false), 0);
	while (more)
		assert_int_equal(sync_reconcile_full_step(c->r, 1 + rnd(8), &more), 0);
	sync_reconcile_stats(c->r, &st);
	assert_int_equal(st.ipvs_failed, 0); /* never a change the kernel refuses */
	assert_int_equal(st.failed_passes, 0);
	if (diff)
		*diff = st.last_diff;
	sync_mem_log(c->m, &n);
	return n;
}

/* Checks the kernel against A and B; @draining allows weight-0 leftovers. */
static void check(struct pctx *c, bool draining)
{
	const struct ipvs_table *k = sync_mem_table(c->m);
	struct net_addr *want;
	const struct net_addr *got;
	size_t n_want, n_got;

	/* Wanted and not excluded: exactly B. Owned, unwanted: gone. Foreign
	 * or excluded: exactly as in A. Nothing else. */
	for (size_t i = 0; i < c->b.n; i++) {
		const struct ipvs_vs *w = &c->b.vs[i], *g = ipvs_table_find(k, &w->svc);

		if (sync_own_excluded(&c->own, &w->svc.addr))
			continue;
		assert_non_null(g);
		assert_true(vs_equal(g, w, draining));
		for (size_t j = 0; j < g->n_dests; j++)
			if (draining && !ipvs_vs_find_dest(w, &g->dests[j])) {
				assert_int_equal(w->svc.protocol, IPPROTO_TCP);
				assert_true(g->dests[j].active_conns + g->dests[j].inact_conns > 0);
			}
	}
	for (size_t i = 0; i < c->a.n; i++) {
		const struct ipvs_vs *was = &c->a.vs[i], *g = ipvs_table_find(k, &was->svc);
		bool wanted = ipvs_table_find(&c->b, &was->svc) != NULL;
		bool excluded = sync_own_excluded(&c->own, &was->svc.addr);

		if (excluded || (!wanted && !sync_own_owns(&c->own, &was->svc))) {
			assert_non_null(g);
			assert_true(svc_equal(&g->svc, &was->svc));
			assert_int_equal(g->n_dests, was->n_dests);
			assert_true(vs_equal(g, was, false));
		} else if (!wanted) {
			assert_null(g);
		}
	}
	for (size_t i = 0; i < k->n; i++)
		assert_true(ipvs_table_find(&c->a, &k->vs[i].svc) ||
		            ipvs_table_find(&c->b, &k->vs[i].svc));
	/* kube-ipvs0 holds exactly what B binds. */
	assert_int_equal(sync_desired_bound_addrs(c->f.d, &want, &n_want), 0);
	got = sync_mem_bound(c->m, &n_got);
	assert_int_equal(n_got, n_want);
	for (size_t i = 0; i < n_want; i++)
		assert_true(addr_eq(&got[i], &want[i]));
	free(want);
}

static void add_stats(struct sync_diff_stats *t, const struct sync_diff_stats *s)
{
	t->vs_add += s->vs_add;
	t->vs_edit += s->vs_edit;
	t->vs_del += s->vs_del;
	t->dest_add += s->dest_add;
	t->dest_edit += s->dest_edit;
	t->dest_del += s->dest_del;
	t->dest_drain += s->dest_drain;
	t->draining += s->draining;
	t->foreign += s->foreign;
	t->excluded += s->excluded;
}

/* The kernel before the pass: random entries of every kind, some of the
 * wanted virtual servers with other settings, the bound pool on kube-ipvs0. */
static void make_kernel(struct pctx *c)
{
	struct net_addr bound[16];
	size_t n = 0;

	rand_table(&c->a, true);
	for (size_t i = 0; i < c->b.n; i++)
		if (rnd(3) == 0 && !ipvs_table_find(&c->a, &c->b.vs[i].svc)) {
			struct ipvs_service s = c->b.vs[i].svc;
			struct ipvs_vs *vs;

			snprintf(s.sched_name, sizeof(s.sched_name), "%s", scheds[rnd(4)]);
			s.flags |= IP_VS_SVC_F_HASHED;
			vs = ipvs_table_add(&c->a, &s);
			assert_non_null(vs);
			for (size_t j = 0; j < c->b.vs[i].n_dests; j++)
				if (rnd(3)) {
					struct ipvs_dest d = c->b.vs[i].dests[j];

					d.weight = (int32_t)rnd(3);
					d.active_conns = rnd(2);
					assert_int_equal(ipvs_vs_add_dest(vs, &d), 0);
				}
			rand_dests(vs, true);
		}
	assert_int_equal(sync_mem_load(c->m, &c->a), 0);
	for (int i = 1; i <= 12; i++)
		bound[n++] = v4(10, 96, 0, (uint8_t)i);
	for (int i = 1; i <= 4; i++)
		bound[n++] = v6(0xfd00, (uint8_t)i);
	assert_int_equal(sync_mem_set_bound(c->m, SYNC_IFNAME, bound, n), 0);
	/* What the pass owns: what is bound and what it binds, NodePorts on
	 * the node address, outside the excluded range. */
	{
		struct net_addr *want, node = v4(172, 18, 0, 2);
		struct net_cidr ex = c->cfg.exclude_cidrs[0];
		size_t n_want;

		assert_int_equal(sync_desired_bound_addrs(c->f.d, &want, &n_want), 0);
		assert_int_equal(sync_own_set_bound(&c->own, bound, n), 0);
		assert_int_equal(sync_own_add_bound(&c->own, want, n_want), 0);
		assert_int_equal(sync_own_set_node(&c->own, &node, 1), 0);
		assert_int_equal(sync_own_set_exclude(&c->own, &ex, 1), 0);
		free(want);
	}
}

static void passes_give_b(void **state)
{
	struct sync_diff_stats tot = { 0 };

	seed(0x5eed1234);
	for (int iter = 0; iter < 300; iter++) {
		struct pctx c;
		struct sync_diff_stats ds;
		size_t sent;

		pctx_init(&c);
		for (int i = 0, n = 2 + (int)rnd(12); i < n; i++)
			rand_service(&c.f, i);
		assert_int_equal(sync_desired_build(c.f.d, c.f.st, &c.f.node), 0);
		assert_int_equal(sync_desired_to_table(c.f.d, &c.b), 0);
		make_kernel(&c);

		full_pass(&c, 1000, &ds);
		check(&c, true);
		add_stats(&tot, &ds);
		/* A second pass at the same time sends nothing. */
		assert_int_equal(full_pass(&c, 1000, NULL), 0);
		if (rnd(2)) {
			/* Connections end: a drain pass removes the leftovers. */
			zero_all_conns(c.m);
			assert_int_equal(sync_reconcile_drain(c.r, 2000, &sent), 0);
		} else {
			/* Or the graceful timeout passes. */
			assert_int_equal(sync_reconcile_drain(c.r, 1000 + 15 * 60 * 1000, &sent),
			                 0);
		}
		check(&c, false);
		assert_int_equal(sync_reconcile_drain_deadline(c.r), UINT64_MAX);
		assert_int_equal(full_pass(&c, 3000 + 15 * 60 * 1000, NULL), 0);
		pctx_fini(&c);
	}
	/* The random cases did exercise every kind of decision. */
	print_message("adds %zu/%zu edits %zu/%zu dels %zu/%zu drains %zu (+%zu at 0) "
	              "foreign %zu excluded %zu\n",
	              tot.vs_add, tot.dest_add, tot.vs_edit, tot.dest_edit, tot.vs_del,
	              tot.dest_del, tot.dest_drain, tot.draining, tot.foreign, tot.excluded);
	assert_true(tot.vs_add && tot.vs_edit && tot.vs_del && tot.dest_add && tot.dest_edit &&
	            tot.dest_del && tot.dest_drain && tot.draining && tot.foreign && tot.excluded);
}

/* --- a dirty pass over every service = a full pass ------------------------------- */

/* The log of the changes sent, sorted, and the table, as text. */
static void outcome(struct sync_mem *m, char **changes, char **table)
{
	struct sync_changes ch = { 0 };
	struct ipvs_table t;
	size_t n;

	ch.v = (struct ipvs_change *)sync_mem_log(m, &n);
	ch.n = n;
	*changes = sorted_text(&ch);
	ipvs_table_init(&t);
	assert_int_equal(sync_table_append(&t, sync_mem_table(m)), 0);
	sync_table_sort(&t);
	*table = fx_table_text(&t);
	ipvs_table_free(&t);
}

static void dirty_equals_full(void **state)
{
	size_t total_changes = 0;

	seed(0xabcdef01);
	for (int iter = 0; iter < 60; iter++) {
		struct pctx c;
		struct sync_mem *m2;
		struct sync_reconcile *r2;
		struct sync_reconcile_opts o;
		struct ipvs_table have;
		const struct net_addr *b0;
		size_t nb0;
		bool more = true;
		char *c1, *t1, *c2, *t2;

		pctx_init(&c);
		for (int i = 0; i < N_SVC; i++)
			rand_service(&c.f, i);
		/* The cluster programmed, then the kernel drifts. */
		assert_int_equal(sync_reconcile_full_begin(c.r, 1, false), 0);
		while (more)
			assert_int_equal(sync_reconcile_full_step(c.r, 1000, &more), 0);
		ipvs_table_init(&have);
		assert_int_equal(sync_table_append(&have, sync_mem_table(c.m)), 0);
		mutate_kernel(&have);
		{ /* a foreign VS both passes must leave alone */
			struct ipvs_service s;

			memset(&s, 0, sizeof(s));
			s.addr = v4(5, 5, 5, 5);
			s.protocol = IPPROTO_TCP;
			s.port = 80;
			snprintf(s.sched_name, sizeof(s.sched_name), "rr");
			assert_non_null(ipvs_table_add(&have, &s));
		}
		assert_int_equal(sync_mem_load(c.m, &have), 0);
		assert_int_equal(sync_mem_new(&m2), 0);
		assert_int_equal(sync_mem_load(m2, &have), 0);
		b0 = sync_mem_bound(c.m, &nb0);
		assert_int_equal(sync_mem_set_bound(m2, SYNC_IFNAME, b0, nb0), 0);
		{
			struct net_addr node = v4(172, 18, 0, 2);

			assert_int_equal(sync_mem_set_node_addrs(m2, &node, 1), 0);
		}
		/* Change the world: re-create, delete and add Services and slices. */
		for (int i = 0; i < N_SVC; i++) {
			uint32_t what = rnd(6);

			if (what == 0) {
				char name[8];

				snprintf(name, sizeof(name), "s%d", i);
				sync_store_delete_service(c.f.st, "ns", name);
			} else if (what == 1) {
				rand_service(&c.f, i);
			} else if (what == 2) {
				char name[16];

				snprintf(name, sizeof(name), "s%d-0", i);
				sync_store_delete_slice(c.f.st, "ns", name);
			}
		}
		for (int i = N_SVC; i < N_SVC + 4; i++)
			rand_service(&c.f, i);
		/* The daemon's dirty pass, every service dirty... */
		assert_int_equal(sync_store_mark_all_dirty(c.f.st), 0);
		sync_mem_log_reset(c.m);
		assert_int_equal(sync_reconcile_dirty(c.r, 5, NULL), 0);
		/* ...against a fresh kipvs's full pass over the same kernel. */
		o = (struct sync_reconcile_opts){
			.cfg = &c.cfg, .ops = &sync_mem_ops, .be = m2, .store = c.f.st
		};
		assert_int_equal(sync_reconcile_new(&o, &r2), 0);
		more = true;
		assert_int_equal(sync_reconcile_full_begin(r2, 5, false), 0);
		while (more)
			assert_int_equal(sync_reconcile_full_step(r2, 1 + rnd(50), &more), 0);
		outcome(c.m, &c1, &t1);
		outcome(m2, &c2, &t2);
		if (strcmp(c1, c2))
			print_error("dirty:\n%s\nfull:\n%s\n", c1, c2);
		assert_string_equal(c1, c2);
		assert_string_equal(t1, t2);
		assert_true(strlen(c2) > 0);
		total_changes += strlen(c2);
		free(c1);
		free(c2);
		free(t1);
		free(t2);
		sync_reconcile_free(r2);
		sync_mem_free(m2);
		ipvs_table_free(&have);
		pctx_fini(&c);
	}
	print_message("%zu bytes of changes compared\n", total_changes);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(passes_give_b),
	cmocka_unit_test(dirty_equals_full),
};

UNIT_MAIN(tests)
