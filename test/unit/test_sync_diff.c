/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The diff: wanted vs kernel tables → ordered changes; ownership; graceful
 * termination with explicit time; the in-memory kernel's semantics. (The
 * passes that use the diff: test_sync_reconcile.c.)
 *
 * Owned addresses in these tests: 10.96.0.1, 10.96.0.2 and 192.0.2.1 are
 * bound on kube-ipvs0; 172.18.0.2 is a node address (NodePorts
 * 30000-32767); 10.99.0.0/16 is excluded. Anything else is foreign.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "support/sync_mem.h"
#include "test_sync_fx.h"

#define MIN_MS (60ULL * 1000)

struct dfx {
	struct sync_own own;
	struct sync_drain *drain;
};

static void dfx_init(struct dfx *x)
{
	struct net_addr bound[3] = { fx_addr("10.96.0.1"), fx_addr("10.96.0.2"),
		                     fx_addr("192.0.2.1") };
	struct net_addr node = fx_addr("172.18.0.2");
	struct net_cidr ex;

	sync_own_init(&x->own);
	assert_int_equal(sync_own_set_bound(&x->own, bound, 3), 0);
	assert_int_equal(sync_own_set_node(&x->own, &node, 1), 0);
	assert_int_equal(cidr_parse("10.99.0.0/16", &ex), 0);
	assert_int_equal(sync_own_set_exclude(&x->own, &ex, 1), 0);
	assert_int_equal(sync_drain_new(&x->drain, 15 * MIN_MS), 0);
}

static void dfx_fini(struct dfx *x)
{
	sync_own_clear(&x->own);
	sync_drain_free(x->drain);
}

/* Every virtual server of two plain tables through sync_diff_vs (the
 * wanted ones first, then what is left of @have), as a pass does. */
static int diff_tables(struct sync_diff *c, const struct ipvs_table *want,
                       const struct ipvs_table *have)
{
	int err = 0;

	for (size_t i = 0; !err && i < want->n; i++)
		err = sync_diff_vs(c, &want->vs[i], ipvs_table_find(have, &want->vs[i].svc), false);
	for (size_t i = 0; !err && i < have->n; i++)
		if (!ipvs_table_find(want, &have->vs[i].svc))
			err = sync_diff_vs(c, NULL, &have->vs[i], false);
	return err;
}

/* Diff @want against @have at time @now; returns the changes as text. */
static char *diff(struct dfx *x, const char *want, const char *have, uint64_t now)
{
	struct ipvs_table w, h;
	struct sync_changes ch = { 0 };
	struct sync_diff c;
	char *out;

	ipvs_table_init(&w);
	ipvs_table_init(&h);
	fx_table_parse(&w, want);
	fx_table_parse(&h, have);
	sync_diff_init(&c, &x->own, x->drain, now, sync_changes_emit, &ch);
	assert_int_equal(diff_tables(&c, &w, &h), 0);
	sync_diff_clear(&c);
	out = fx_changes_text(&ch);
	sync_changes_free(&ch);
	ipvs_table_free(&w);
	ipvs_table_free(&h);
	return out;
}

static void add_service_then_dests(void **state)
{
	struct dfx x;

	dfx_init(&x);
	assert_text(diff(&x,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1\n",
	                 "", 0),
	            "add_service tcp/10.96.0.1:80 rr flags=0 timeout=0\n"
	            "add_dest tcp/10.96.0.1:80 10.244.0.1:8080 w=1\n"
	            "add_dest tcp/10.96.0.1:80 10.244.0.2:8080 w=1\n");
	dfx_fini(&x);
}

static void no_change(void **state)
{
	struct dfx x;
	const char *t = "-A -t 10.96.0.1:80 -s rr -p 10800\n"
	                "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1\n"
	                "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n";
	const char *k = "-A -t 10.96.0.1:80 -s rr -p 10800 hashed\n"
	                "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1 conns=3/1\n"
	                "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1\n";

	dfx_init(&x);
	/* The kernel's HASHED flag, dest order and counters are not differences. */
	assert_text(diff(&x, t, k, 0), "");
	dfx_fini(&x);
}

static void edit_service_in_place(void **state)
{
	struct dfx x;

	dfx_init(&x);
	/* Scheduler rr→wlc, then persistence on: one SET_SERVICE each, no delete. */
	assert_text(diff(&x,
	                 "-A -t 10.96.0.1:80 -s wlc\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n",
	                 "-A -t 10.96.0.1:80 -s rr hashed\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1 conns=5/0\n",
	                 0),
	            "edit_service tcp/10.96.0.1:80 wlc flags=0 timeout=0\n");
	assert_text(diff(&x, "-A -u 10.96.0.2:53 -s rr -p 600\n", "-A -u 10.96.0.2:53 -s rr\n", 0),
	            "edit_service udp/10.96.0.2:53 rr flags=0x1 timeout=600\n");
	assert_text(
	    diff(&x, "-A -u 10.96.0.2:53 -s rr -p 600\n", "-A -u 10.96.0.2:53 -s rr -p 300\n", 0),
	    "edit_service udp/10.96.0.2:53 rr flags=0x1 timeout=600\n");
	assert_text(diff(&x, "-A -t 10.96.0.2:80 -s mh -b mh-port\n",
	                 "-A -t 10.96.0.2:80 -s mh -b mh-port,mh-fallback\n", 0),
	            "edit_service tcp/10.96.0.2:80 mh flags=0x10 timeout=0\n");
	dfx_fini(&x);
}

static void dest_add_and_edit(void **state)
{
	struct dfx x;

	dfx_init(&x);
	assert_text(diff(&x,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.3:8080 -m -w 1\n",
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.3:8080 -g -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 7\n",
	                 0),
	            "edit_dest tcp/10.96.0.1:80 10.244.0.3:8080 w=1\n"
	            "edit_dest tcp/10.96.0.1:80 10.244.0.1:8080 w=1\n"
	            "add_dest tcp/10.96.0.1:80 10.244.0.2:8080 w=1\n");
	dfx_fini(&x);
}

static void ownership(void **state)
{
	struct dfx x;
	const char *kernel =
	    "-A -t 10.96.0.1:80 -s rr\n" /* bound: ours, unwanted → deleted */
	    "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1 conns=9/9\n"
	    "-A -t 172.18.0.2:30080 -s rr\n" /* NodePort on a node address: ours */
	    "-A -t 172.18.0.2:22 -s rr\n"    /* node address, not a NodePort: foreign */
	    "-A -t 5.5.5.5:57 -s rr\n"       /* an admin's: foreign */
	    "-a -t 5.5.5.5:57 -r 10.0.0.9:57 -m -w 3\n"
	    "-A -t 10.99.1.1:80 -s rr\n"  /* excluded */
	    "-A -t 10.96.0.2:80 -s rr\n"; /* wanted */

	dfx_init(&x);
	assert_text(diff(&x,
	                 "-A -t 10.96.0.2:80 -s rr\n"
	                 "-A -t 10.99.1.1:80 -s wlc\n" /* wanted but excluded: untouched */
	                 "-A -t 10.99.1.2:80 -s rr\n", /* ditto, not even added */
	                 kernel, 0),
	            "del_service tcp/10.96.0.1:80\n"
	            "del_service tcp/172.18.0.2:30080\n");
	{
		struct ipvs_service s = { 0 };

		s.addr = fx_addr("172.18.0.2");
		s.protocol = IPPROTO_TCP;
		s.port = 32767;
		assert_true(sync_own_owns(&x.own, &s));
		s.port = 32768;
		assert_false(sync_own_owns(&x.own, &s));
		s.fwmark = 5;
		assert_false(sync_own_owns(&x.own, &s));
		/* Another cluster's range (--service-node-port-range). */
		s.fwmark = 0;
		sync_own_set_nodeport_range(&x.own, 20000, 22767);
		s.port = 32767;
		assert_false(sync_own_owns(&x.own, &s));
		s.port = 20000;
		assert_true(sync_own_owns(&x.own, &s));
		s.port = 22768;
		assert_false(sync_own_owns(&x.own, &s));
	}
	dfx_fini(&x);
}

static void wanted_foreign_address_is_programmed(void **state)
{
	struct dfx x;

	dfx_init(&x);
	/* An externalIP local elsewhere (not bound) is wanted: programmed. */
	assert_text(diff(&x, "-A -t 203.0.113.9:80 -s rr\n", "-A -t 203.0.113.9:80 -s wlc\n", 0),
	            "edit_service tcp/203.0.113.9:80 rr flags=0 timeout=0\n");
	dfx_fini(&x);
}

static const char *want_one = "-A -t 10.96.0.1:80 -s rr\n"
                              "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n";

static void graceful_tcp(void **state)
{
	struct dfx x;
	uint64_t since;
	struct ipvs_service vs = { 0 };
	struct ipvs_dest d = { 0 };

	dfx_init(&x);
	vs.addr = fx_addr("10.96.0.1");
	vs.protocol = IPPROTO_TCP;
	vs.port = 80;
	d.addr = fx_addr("10.244.0.2");
	d.port = 8080;
	/* Unwanted with connections: weight 0, draining since t=1000. */
	assert_text(diff(&x, want_one,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1 conns=2/1\n",
	                 1000),
	            "edit_dest tcp/10.96.0.1:80 10.244.0.2:8080 w=0\n");
	assert_true(sync_drain_get(x.drain, &vs, &d, &since));
	assert_int_equal(since, 1000);
	assert_int_equal(sync_drain_next_deadline(x.drain), 1000 + 15 * MIN_MS);
	/* Still connections, before the timeout: left alone. */
	assert_text(diff(&x, want_one,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 0 conns=1/0\n",
	                 1000 + 5 * MIN_MS),
	            "");
	/* Someone put the weight back: set to 0 again, same start time. */
	assert_text(diff(&x, want_one,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1 conns=1/0\n",
	                 1000 + 6 * MIN_MS),
	            "edit_dest tcp/10.96.0.1:80 10.244.0.2:8080 w=0\n");
	assert_true(sync_drain_get(x.drain, &vs, &d, &since));
	assert_int_equal(since, 1000);
	/* Connections gone: deleted. */
	assert_text(diff(&x, want_one,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 0 conns=0/0\n",
	                 1000 + 7 * MIN_MS),
	            "del_dest tcp/10.96.0.1:80 10.244.0.2:8080\n");
	assert_int_equal(sync_drain_count(x.drain), 0);
	assert_int_equal(sync_drain_next_deadline(x.drain), UINT64_MAX);
	dfx_fini(&x);
}

static void graceful_timeout(void **state)
{
	struct dfx x;
	const char *have = "-A -t 10.96.0.1:80 -s rr\n"
	                   "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                   "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 0 conns=40/2\n";

	dfx_init(&x);
	/* Found at weight 0 after a restart: draining from now, no change. */
	assert_text(diff(&x, want_one, have, 50000), "");
	assert_int_equal(sync_drain_count(x.drain), 1);
	assert_text(diff(&x, want_one, have, 50000 + 15 * MIN_MS - 1), "");
	/* The graceful timeout ends it whatever the connections. */
	assert_text(diff(&x, want_one, have, 50000 + 15 * MIN_MS),
	            "del_dest tcp/10.96.0.1:80 10.244.0.2:8080\n");
	dfx_fini(&x);
}

static void no_connections_deleted_at_once(void **state)
{
	struct dfx x;

	dfx_init(&x);
	assert_text(diff(&x, want_one,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1\n",
	                 0),
	            "del_dest tcp/10.96.0.1:80 10.244.0.2:8080\n");
	dfx_fini(&x);
}

static void udp_sctp_deleted_at_once(void **state)
{
	struct dfx x;

	dfx_init(&x);
	assert_text(diff(&x,
	                 "-A -u 10.96.0.1:53 -s rr\n"
	                 "-A --sctp-service 10.96.0.1:3868 -s rr\n",
	                 "-A -u 10.96.0.1:53 -s rr\n"
	                 "-a -u 10.96.0.1:53 -r 10.244.0.2:53 -m -w 1 conns=0/7\n"
	                 "-A --sctp-service 10.96.0.1:3868 -s rr\n"
	                 "-a --sctp-service 10.96.0.1:3868 -r 10.244.0.2:3868 -m -w 1 conns=3/0\n",
	                 0),
	            "del_dest udp/10.96.0.1:53 10.244.0.2:53\n"
	            "del_dest sctp/10.96.0.1:3868 10.244.0.2:3868\n");
	assert_int_equal(sync_drain_count(x.drain), 0);
	dfx_fini(&x);
}

static void comes_back_while_draining(void **state)
{
	struct dfx x;
	struct sync_keys k;

	dfx_init(&x);
	sync_keys_init(&k);
	assert_text(diff(&x, want_one,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1 conns=1/0\n",
	                 0),
	            "");
	assert_text(diff(&x, "-A -t 10.96.0.1:80 -s rr\n",
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1 conns=1/0\n",
	                 10),
	            "edit_dest tcp/10.96.0.1:80 10.244.0.1:8080 w=0\n");
	assert_int_equal(sync_drain_vs_keys(x.drain, &k), 0);
	assert_int_equal(k.n, 1);
	/* The endpoint is ready again: back to weight 1 in place. */
	assert_text(diff(&x, want_one,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 0 conns=1/0\n",
	                 20),
	            "edit_dest tcp/10.96.0.1:80 10.244.0.1:8080 w=1\n");
	assert_int_equal(sync_drain_count(x.drain), 0);
	sync_keys_free(&k);
	dfx_fini(&x);
}

static void service_delete_not_graceful(void **state)
{
	struct dfx x;

	dfx_init(&x);
	assert_text(diff(&x, "",
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 0 conns=5/5\n",
	                 0),
	            "del_service tcp/10.96.0.1:80\n");
	assert_int_equal(sync_drain_count(x.drain), 0);
	dfx_fini(&x);
}

static void drain_forgets_vanished_dests(void **state)
{
	struct dfx x;

	dfx_init(&x);
	assert_text(diff(&x, "-A -t 10.96.0.1:80 -s rr\n",
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1 conns=1/0\n",
	                 0),
	            "edit_dest tcp/10.96.0.1:80 10.244.0.1:8080 w=0\n");
	/* Someone else deleted it: nothing to do, and it is no longer tracked. */
	assert_text(diff(&x, "-A -t 10.96.0.1:80 -s rr\n", "-A -t 10.96.0.1:80 -s rr\n", 10), "");
	assert_int_equal(sync_drain_count(x.drain), 0);
	dfx_fini(&x);
}

static void without_drain_state_deletes(void **state)
{
	struct dfx x;

	dfx_init(&x);
	sync_drain_free(x.drain);
	x.drain = NULL;
	assert_text(diff(&x, want_one,
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                 "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1 conns=4/4\n",
	                 0),
	            "del_dest tcp/10.96.0.1:80 10.244.0.2:8080\n");
	dfx_fini(&x);
}

static void deletes_come_last(void **state)
{
	struct dfx x;

	dfx_init(&x);
	assert_text(diff(&x,
	                 "-A -t 10.96.0.2:80 -s rr\n"
	                 "-a -t 10.96.0.2:80 -r 10.244.0.9:80 -m -w 1\n",
	                 "-A -t 10.96.0.1:80 -s rr\n"
	                 "-A -t 10.96.0.2:80 -s rr\n",
	                 0),
	            "add_dest tcp/10.96.0.2:80 10.244.0.9:80 w=1\n"
	            "del_service tcp/10.96.0.1:80\n");
	dfx_fini(&x);
}

/* A store-driven case: the keyed diff of one updated Service equals the full
 * diff, and only touches that Service's virtual servers. */
static void mem_backend_semantics(void **state)
{
	struct sync_mem *m;
	struct ipvs_change c;

	assert_int_equal(sync_mem_new(&m), 0);
	memset(&c, 0, sizeof(c));
	c.svc.addr = fx_addr("10.96.0.1");
	c.svc.protocol = IPPROTO_TCP;
	c.svc.port = 80;
	snprintf(c.svc.sched_name, sizeof(c.svc.sched_name), "rr");
	c.dest.addr = fx_addr("10.244.0.1");
	c.dest.port = 80;
	c.dest.weight = 1;
	c.op = IPVS_OP_EDIT_SERVICE;
	assert_int_equal(sync_mem_apply_one(m, &c), -ESRCH);
	c.op = IPVS_OP_ADD_DEST;
	assert_int_equal(sync_mem_apply_one(m, &c), -ESRCH);
	c.op = IPVS_OP_ADD_SERVICE;
	assert_int_equal(sync_mem_apply_one(m, &c), 0);
	assert_int_equal(sync_mem_apply_one(m, &c), -EEXIST);
	assert_true(sync_mem_table(m)->vs[0].svc.flags & IP_VS_SVC_F_HASHED);
	c.op = IPVS_OP_EDIT_DEST;
	assert_int_equal(sync_mem_apply_one(m, &c), -ENOENT);
	c.op = IPVS_OP_DEL_DEST;
	assert_int_equal(sync_mem_apply_one(m, &c), -ENOENT);
	c.op = IPVS_OP_ADD_DEST;
	assert_int_equal(sync_mem_apply_one(m, &c), 0);
	assert_int_equal(sync_mem_apply_one(m, &c), -EEXIST);
	assert_int_equal(sync_mem_set_conns(m, &c.svc, &c.dest, 3, 4), 0);
	assert_int_equal(sync_mem_table(m)->vs[0].dests[0].inact_conns, 4);
	c.op = IPVS_OP_DEL_SERVICE;
	assert_int_equal(sync_mem_apply_one(m, &c), 0);
	assert_int_equal(sync_mem_apply_one(m, &c), -ESRCH);
	snprintf(c.svc.sched_name, sizeof(c.svc.sched_name), "nope");
	c.op = IPVS_OP_ADD_SERVICE;
	assert_int_equal(sync_mem_apply_one(m, &c), -ENOENT);
	assert_int_equal(sync_mem_n_calls(m), 11);
	sync_mem_free(m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(add_service_then_dests),
	cmocka_unit_test(no_change),
	cmocka_unit_test(edit_service_in_place),
	cmocka_unit_test(dest_add_and_edit),
	cmocka_unit_test(ownership),
	cmocka_unit_test(wanted_foreign_address_is_programmed),
	cmocka_unit_test(graceful_tcp),
	cmocka_unit_test(graceful_timeout),
	cmocka_unit_test(no_connections_deleted_at_once),
	cmocka_unit_test(udp_sctp_deleted_at_once),
	cmocka_unit_test(comes_back_while_draining),
	cmocka_unit_test(service_delete_not_graceful),
	cmocka_unit_test(drain_forgets_vanished_dests),
	cmocka_unit_test(without_drain_state_deletes),
	cmocka_unit_test(deletes_come_last),
	cmocka_unit_test(mem_backend_semantics),
};

UNIT_MAIN(tests)
