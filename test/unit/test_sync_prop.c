/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Property tests of the diff, through the in-memory kernel (sync_mem).
 *
 * 1. For random tables A (the kernel: kipvs's, foreign, excluded, fwmark
 *    virtual servers, random weights/methods/counters) and B (wanted):
 *    applying diff(A→B) to A gives B on every owned virtual server, leaves
 *    every foreign or excluded one exactly as it was, never sends a change
 *    the kernel refuses, and a second pass sends nothing. With graceful
 *    termination, TCP destinations with connections stay at weight 0 until
 *    their connections end or the timeout passes, then the table is B.
 * 2. For a random store and random changes to it, the keyed diffs of every
 *    service (what the reconcile loop sends per dirty service) add up to
 *    exactly the full diff of the whole table.
 *
 * Seeds are fixed (KIPVS_PROP_SEED overrides) so a failure reproduces.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "../../sync/sync_mem.h"
#include "../../sync/sync_ops.h"
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

static void own_init(struct sync_own *o)
{
	struct net_addr bound[16], node = v4(172, 18, 0, 2);
	struct net_cidr ex;
	size_t n = 0;

	for (int i = 1; i <= 12; i++)
		bound[n++] = v4(10, 96, 0, (uint8_t)i);
	for (int i = 1; i <= 4; i++)
		bound[n++] = v6(0xfd00, (uint8_t)i);
	sync_own_init(o);
	assert_int_equal(sync_own_set_bound(o, bound, n), 0);
	assert_int_equal(sync_own_set_node(o, &node, 1), 0);
	assert_int_equal(cidr_parse("10.99.0.0/16", &ex), 0);
	assert_int_equal(sync_own_set_exclude(o, &ex, 1), 0);
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

struct case_ctx {
	struct ipvs_table a, b;
	struct sync_own own;
	struct sync_mem *m;
};

/* Checks the kernel against A and B; @draining allows weight-0 leftovers. */
static void check(struct case_ctx *c, bool draining)
{
	const struct ipvs_table *k = sync_mem_table(c->m);

	/* Wanted and not excluded: exactly B. Owned, unwanted: gone. Foreign
	 * or excluded: exactly as in A. Nothing else. */
	for (size_t i = 0; i < c->b.n; i++) {
		const struct ipvs_vs *want = &c->b.vs[i], *got = ipvs_table_find(k, &want->svc);

		if (sync_own_excluded(&c->own, &want->svc.addr))
			continue;
		assert_non_null(got);
		assert_true(vs_equal(got, want, draining));
		for (size_t j = 0; j < got->n_dests; j++)
			if (draining && !ipvs_vs_find_dest(want, &got->dests[j])) {
				assert_int_equal(want->svc.protocol, IPPROTO_TCP);
				assert_true(got->dests[j].active_conns + got->dests[j].inact_conns >
				            0);
			}
	}
	for (size_t i = 0; i < c->a.n; i++) {
		const struct ipvs_vs *was = &c->a.vs[i], *got = ipvs_table_find(k, &was->svc);
		bool wanted = ipvs_table_find(&c->b, &was->svc) != NULL;
		bool excluded = sync_own_excluded(&c->own, &was->svc.addr);

		if (excluded || (!wanted && !sync_own_owns(&c->own, &was->svc))) {
			assert_non_null(got);
			assert_true(svc_equal(&got->svc, &was->svc));
			assert_int_equal(got->n_dests, was->n_dests);
			assert_true(vs_equal(got, was, false));
		} else if (!wanted) {
			assert_null(got);
		}
	}
	for (size_t i = 0; i < k->n; i++)
		assert_true(ipvs_table_find(&c->a, &k->vs[i].svc) ||
		            ipvs_table_find(&c->b, &k->vs[i].svc));
}

static void run(struct case_ctx *c, struct sync_drain *dr, uint64_t now, struct sync_result *res)
{
	struct sync_run r = { .ops = &sync_mem_ops,
		              .be = c->m,
		              .own = &c->own,
		              .drain = dr,
		              .now_ms = now,
		              .batch = 1 + rnd(8) };

	assert_int_equal(sync_run_table(&r, &c->b, res), 0);
	assert_int_equal(res->failed, 0); /* never a change the kernel refuses */
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

static void diff_applied_gives_b(void **state)
{
	struct sync_diff_stats tot = { 0 };

	seed(0x5eed1234);
	for (int iter = 0; iter < 400; iter++) {
		struct case_ctx c;
		struct sync_result res;
		struct sync_drain *dr;
		bool graceful = iter % 2;

		ipvs_table_init(&c.a);
		ipvs_table_init(&c.b);
		own_init(&c.own);
		assert_int_equal(sync_mem_new(&c.m), 0);
		rand_table(&c.a, true);
		rand_table(&c.b, false);
		/* Make some wanted VSs already present with other settings. */
		for (size_t i = 0; i < c.b.n && c.a.n; i++)
			if (rnd(3) == 0 && !ipvs_table_find(&c.a, &c.b.vs[i].svc)) {
				struct ipvs_service s = c.b.vs[i].svc;
				struct ipvs_vs *vs;

				snprintf(s.sched_name, sizeof(s.sched_name), "%s", scheds[rnd(4)]);
				s.flags |= IP_VS_SVC_F_HASHED;
				vs = ipvs_table_add(&c.a, &s);
				assert_non_null(vs);
				rand_dests(vs, true);
			}
		assert_int_equal(sync_mem_load(c.m, &c.a), 0);
		assert_int_equal(sync_drain_new(&dr, 15 * 60 * 1000), 0);

		run(&c, graceful ? dr : NULL, 1000, &res);
		check(&c, graceful);
		tot.vs_add += res.diff.vs_add;
		tot.vs_edit += res.diff.vs_edit;
		tot.vs_del += res.diff.vs_del;
		tot.dest_add += res.diff.dest_add;
		tot.dest_edit += res.diff.dest_edit;
		tot.dest_del += res.diff.dest_del;
		tot.dest_drain += res.diff.dest_drain;
		tot.draining += res.diff.draining;
		tot.foreign += res.diff.foreign;
		tot.excluded += res.diff.excluded;
		/* A second pass at the same time sends nothing. */
		run(&c, graceful ? dr : NULL, 1000, &res);
		assert_int_equal(res.sent, 0);
		if (graceful) {
			if (rnd(2)) {
				/* Connections end: the leftovers go, the table is B. */
				zero_all_conns(c.m);
				run(&c, dr, 2000, &res);
			} else {
				/* Or the graceful timeout passes. */
				run(&c, dr, 1000 + 15 * 60 * 1000, &res);
			}
			check(&c, false);
			assert_int_equal(sync_drain_count(dr), 0);
			run(&c, dr, 3000 + 15 * 60 * 1000, &res);
			assert_int_equal(res.sent, 0);
		}
		sync_drain_free(dr);
		sync_mem_free(c.m);
		sync_own_clear(&c.own);
		ipvs_table_free(&c.a);
		ipvs_table_free(&c.b);
	}
	/* The random cases did exercise every kind of decision. */
	print_message("adds %zu/%zu edits %zu/%zu dels %zu/%zu drains %zu (+%zu at 0) "
	              "foreign %zu excluded %zu\n",
	              tot.vs_add, tot.dest_add, tot.vs_edit, tot.dest_edit, tot.vs_del,
	              tot.dest_del, tot.dest_drain, tot.draining, tot.foreign, tot.excluded);
	assert_true(tot.vs_add && tot.vs_edit && tot.vs_del && tot.dest_add && tot.dest_edit &&
	            tot.dest_del && tot.dest_drain && tot.draining && tot.foreign && tot.excluded);
}

/* --- keyed diffs add up to the full diff ----------------------------------- */

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
	snprintf(ip, sizeof(ip), rnd(4) ? "10.96.0.%d" : "10.96.0.%d,fd00::%d", i + 1, i + 1);
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

static void keyed_sum_equals_full(void **state)
{
	size_t total_changes = 0;

	seed(0xabcdef01);
	for (int iter = 0; iter < 60; iter++) {
		struct fx f;
		struct ipvs_table have;
		struct sync_own own;
		struct sync_drain *d1, *d2;
		struct sync_changes keyed = { 0 }, full = { 0 };
		struct sync_diff c;
		struct net_addr *b0, *b1, foreign = v4(5, 5, 5, 5);
		size_t nb0, nb1;
		char *a, *b;

		fx_init(&f);
		assert_int_equal(sync_node_set_name(&f.node, "node-a"), 0);
		fx_node_ips(&f, "172.18.0.2");
		for (int i = 0; i < N_SVC; i++)
			rand_service(&f, i);
		assert_int_equal(sync_desired_build(f.d, f.st, &f.node), 0);
		ipvs_table_init(&have);
		assert_int_equal(sync_desired_to_table(f.d, &have), 0);
		assert_int_equal(sync_desired_bound_addrs(f.d, &b0, &nb0), 0);
		mutate_kernel(&have);
		{ /* a foreign VS the diffs must both leave alone */
			struct ipvs_service s;

			memset(&s, 0, sizeof(s));
			s.addr = foreign;
			s.protocol = IPPROTO_TCP;
			s.port = 80;
			snprintf(s.sched_name, sizeof(s.sched_name), "rr");
			assert_non_null(ipvs_table_add(&have, &s));
		}
		/* Change the world: re-create, delete and add Services and slices. */
		for (int i = 0; i < N_SVC; i++) {
			uint32_t what = rnd(6);

			if (what == 0) {
				char name[8];

				snprintf(name, sizeof(name), "s%d", i);
				sync_store_delete_service(f.st, "ns", name);
			} else if (what == 1) {
				rand_service(&f, i);
			} else if (what == 2) {
				char name[16];

				snprintf(name, sizeof(name), "s%d-0", i);
				sync_store_delete_slice(f.st, "ns", name);
			}
		}
		for (int i = N_SVC; i < N_SVC + 4; i++)
			rand_service(&f, i);

		/* Per service: update, then diff only what it touched. */
		sync_own_init(&own);
		assert_int_equal(sync_own_set_bound(&own, b0, nb0), 0);
		{
			struct net_addr node = v4(172, 18, 0, 2);

			assert_int_equal(sync_own_set_node(&own, &node, 1), 0);
		}
		assert_int_equal(sync_drain_new(&d1, 60000), 0);
		assert_int_equal(sync_drain_new(&d2, 60000), 0);
		{
			struct sync_keys touched;
			char key[32];

			sync_keys_init(&touched);
			for (int i = 0; i < N_SVC + 4; i++) {
				snprintf(key, sizeof(key), "ns/s%d", i);
				sync_keys_reset(&touched);
				assert_int_equal(
				    sync_desired_update(f.d, f.st, &f.node, key, &touched), 0);
				sync_diff_init(&c, &own, d1, 5, sync_changes_emit, &keyed);
				assert_int_equal(sync_diff_keys(&c, f.d, &touched, &have, NULL), 0);
				sync_diff_clear(&c);
			}
			sync_keys_free(&touched);
		}
		{
			/* The destination count kept as claims change = a recount. */
			struct sync_desired_stats ds;
			const struct ipvs_vs *vs;
			size_t pos = 0, n = 0;

			sync_desired_stats(f.d, &ds);
			while ((vs = sync_desired_next(f.d, &pos, NULL)))
				n += vs->n_dests;
			assert_int_equal(ds.dests, n);
		}
		assert_int_equal(sync_desired_bound_addrs(f.d, &b1, &nb1), 0);
		/* Ownership for the full diff: what was bound and what is bound now. */
		assert_int_equal(sync_own_add_bound(&own, b1, nb1), 0);
		sync_diff_init(&c, &own, d2, 5, sync_changes_emit, &full);
		assert_int_equal(sync_diff_full(&c, f.d, &have, NULL), 0);
		sync_diff_clear(&c);
		a = sorted_text(&keyed);
		b = sorted_text(&full);
		assert_true(full.n > 0);
		total_changes += full.n;
		if (strcmp(a, b))
			print_error("keyed:\n%s\nfull:\n%s\n", a, b);
		assert_string_equal(a, b);
		assert_int_equal(sync_drain_count(d1), sync_drain_count(d2));
		free(a);
		free(b);
		free(b0);
		free(b1);
		sync_changes_free(&keyed);
		sync_changes_free(&full);
		sync_drain_free(d1);
		sync_drain_free(d2);
		sync_own_clear(&own);
		ipvs_table_free(&have);
		fx_fini(&f);
	}
	print_message("%zu changes compared\n", total_changes);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(diff_applied_gives_b),
	cmocka_unit_test(keyed_sum_equals_full),
};

UNIT_MAIN(tests)
