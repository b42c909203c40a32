/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The packet filter in the sync passes (sync/driver/sync_nft through
 * sync_reconcile) against the in-memory nf_tables (support/sync_mem_nft):
 * a cold start in one transaction ahead of the IPVS changes, a restart
 * that writes nothing, drift repaired (table gone, element gone or added,
 * rule edited, object added), dirty passes that touch only their Services'
 * elements (additions before IPVS, removals after), refused elements logged
 * and left out while the rest is applied, a failed exchange and a vanished
 * table leading to a full pass, a kernel without nf_tables, the admin's own
 * tables never touched, rule changes from the Node's pod ranges, and ranges
 * replaced in one transaction.
 *
 * The node is node-a at 172.18.0.2.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "support/sync_mem.h"
#include "../../sync/driver/sync_reconcile.h"
#include "../../sync/driver/sync_record.h"
#include "test_sync_fx.h"

#define IP  2  /* NFPROTO_IPV4 */
#define IP6 10 /* NFPROTO_IPV6 */

struct nfx {
	struct kipvs_config cfg;
	struct sync_store *st;
	struct sync_mem *m;
	struct sync_mem_nft *k; /* the kernel's nf_tables */
	struct sync_reconcile *r;
};

static void nfx_reconciler(struct nfx *x, const struct sync_ops *ops, void *be)
{
	struct sync_reconcile_opts o = { .cfg = &x->cfg, .ops = ops, .be = be, .store = x->st };

	sync_reconcile_free(x->r);
	x->r = NULL;
	assert_int_equal(sync_reconcile_new(&o, &x->r), 0);
}

static void nfx_init(struct nfx *x)
{
	struct net_addr node = fx_addr("172.18.0.2");

	memset(x, 0, sizeof(*x));
	config_init(&x->cfg);
	x->cfg.hostname_override = strdup("node-a");
	assert_int_equal(sync_store_new(&x->st), 0);
	assert_int_equal(sync_mem_new(&x->m), 0);
	assert_int_equal(sync_mem_set_node_addrs(x->m, &node, 1), 0);
	x->k = sync_mem_nft(x->m);
	nfx_reconciler(x, &sync_mem_ops, x->m);
}

static void nfx_fini(struct nfx *x)
{
	sync_reconcile_free(x->r);
	sync_mem_free(x->m);
	sync_store_free(x->st);
	config_free(&x->cfg);
}

/* Service @key at @cip, TCP 80 → 8080, endpoints @eps ("ip@node,..."). */
static void svc(struct nfx *x, const char *key, const char *cip, const char *eps)
{
	struct kube_service *s = fx_service(key, cip);
	struct kube_endpoint_slice *sl;
	char skey[96], list[256], *save = NULL;

	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	assert_int_equal(sync_store_upsert_service(x->st, s), 0);
	snprintf(skey, sizeof(skey), "%s-1", key);
	sl = fx_slice(skey, strchr(key, '/') + 1, AF_INET);
	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	snprintf(list, sizeof(list), "%s", eps);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *at = strchr(t, '@');

		*at = '\0';
		fx_ep(sl, t, at + 1, FX_RS);
	}
	assert_int_equal(sync_store_upsert_slice(x->st, sl), 0);
}

/* A LoadBalancer at @lb with the source ranges @ranges ("a,b"). */
static void lb(struct nfx *x, const char *key, const char *cip, const char *lbip,
               const char *ranges)
{
	struct kube_service *s = fx_service(key, cip);
	char list[256], *save = NULL;

	s->type = KUBE_SVC_LOAD_BALANCER;
	fx_port(s, "http", IPPROTO_TCP, 80, 0);
	fx_lb(s, lbip, false);
	snprintf(list, sizeof(list), "%s", ranges);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		s->lb_source_ranges = fx_grow(s->lb_source_ranges, s->n_lb_source_ranges,
		                              sizeof(*s->lb_source_ranges));
		assert_int_equal(cidr_parse(t, &s->lb_source_ranges[s->n_lb_source_ranges++]), 0);
	}
	assert_int_equal(sync_store_upsert_service(x->st, s), 0);
}

static void full(struct nfx *x)
{
	bool more = true;

	assert_int_equal(sync_reconcile_full_begin(x->r, 0, false), 0);
	while (more)
		assert_int_equal(sync_reconcile_full_step(x->r, 1000, &more), 0);
}

static void dirty(struct nfx *x)
{
	assert_int_equal(sync_reconcile_dirty(x->r, 0, NULL), 0);
}

static struct sync_nft_stats nft_stats(struct nfx *x)
{
	struct sync_reconcile_stats st;

	sync_reconcile_stats(x->r, &st);
	return st.nft;
}

/* A clusterIP . tcp . port element, as the sets key it. */
static const uint8_t *cip_elem(const char *ip, uint16_t port)
{
	static uint8_t k[12];
	struct net_addr a = fx_addr(ip);

	memset(k, 0, sizeof(k));
	memcpy(k, a.a.b, 4);
	k[4] = IPPROTO_TCP;
	k[8] = (uint8_t)(port >> 8);
	k[9] = (uint8_t)port;
	return k;
}

/* A loopback element: ep . tcp . port . ep. */
static const uint8_t *loop_elem(const char *ip, uint16_t port)
{
	static uint8_t k[16];

	memcpy(k, cip_elem(ip, port), 12);
	memcpy(k + 12, k, 4);
	return k;
}

/* --- full passes ------------------------------------------------------------------------ */

static void cold_start_in_one_transaction(void **state)
{
	struct nfx x;

	nfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-a,10.244.1.1@node-b");
	svc(&x, "shop/api", "10.96.0.2", "10.244.1.2@node-b");
	full(&x);
	assert_int_equal(sync_mem_nft_writes(x.k), 1);
	assert_true(sync_mem_nft_has_table(x.k, IP, "kipvs"));
	assert_true(sync_mem_nft_has_table(x.k, IP6, "kipvs"));
	assert_int_equal(sync_mem_nft_count(x.k, IP, "clusterip"), 2);
	assert_int_equal(sync_mem_nft_count(x.k, IP, "vips"), 2);
	assert_int_equal(sync_mem_nft_count(x.k, IP, "loopback"), 1);
	assert_true(sync_mem_nft_has(x.k, IP, "loopback", loop_elem("10.244.0.1", 8080)));
	assert_int_equal(sync_mem_nft_count(x.k, IP6, "vips"), 0);
	assert_int_equal(nft_stats(&x).rebuilds, 2);
	assert_int_equal(nft_stats(&x).last_full_elems, 2 + 2 + 2 + 1);
	nfx_fini(&x);
}

/* A new kipvs over the tables an earlier one left: not one write. */
static void restart_writes_nothing(void **state)
{
	struct nfx x;
	struct sync_reconcile_stats st;

	nfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-a");
	lb(&x, "shop/lb", "10.96.0.3", "198.51.100.9", "10.0.0.0/8,172.18.0.0/16");
	full(&x);
	assert_int_equal(sync_mem_nft_writes(x.k), 1);
	nfx_reconciler(&x, &sync_mem_ops, x.m);
	assert_int_equal(sync_store_mark_all_dirty(x.st), 0);
	full(&x);
	full(&x);
	sync_reconcile_stats(x.r, &st);
	assert_int_equal(sync_mem_nft_writes(x.k), 1);
	assert_int_equal(st.kernel_writes, 0);
	assert_int_equal(st.nft.writes, 0);
	nfx_fini(&x);
}

static void drift_repaired(void **state)
{
	struct nfx x;
	uint8_t theirs[12];

	nfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-a");
	full(&x);
	/* An element someone deleted comes back alone, before IPVS. */
	assert_int_equal(
	    sync_mem_nft_tamper_elem(x.k, IP, "clusterip", cip_elem("10.96.0.1", 80), false), 0);
	full(&x);
	assert_true(sync_mem_nft_has(x.k, IP, "clusterip", cip_elem("10.96.0.1", 80)));
	assert_int_equal(sync_mem_nft_writes(x.k), 2);
	assert_int_equal(sync_mem_nft_ops(x.k, NFT_OP_ADD_TABLE), 2);
	/* One someone added goes (after IPVS: a transaction of its own). */
	memcpy(theirs, cip_elem("10.96.9.9", 22), 12);
	assert_int_equal(sync_mem_nft_tamper_elem(x.k, IP, "clusterip", theirs, true), 0);
	full(&x);
	assert_false(sync_mem_nft_has(x.k, IP, "clusterip", theirs));
	assert_int_equal(sync_mem_nft_writes(x.k), 3);
	assert_int_equal(sync_mem_nft_ops(x.k, NFT_OP_DEL_ELEMS), 1);
	/* The table deleted, a rule edited, a chain added: replaced whole. */
	sync_mem_nft_drop_table(x.k, IP, "kipvs");
	full(&x);
	assert_true(sync_mem_nft_has(x.k, IP, "clusterip", cip_elem("10.96.0.1", 80)));
	assert_int_equal(sync_mem_nft_ops(x.k, NFT_OP_ADD_TABLE), 3);
	sync_mem_nft_tamper_rule(x.k, IP6, 4);
	full(&x);
	assert_int_equal(sync_mem_nft_ops(x.k, NFT_OP_ADD_TABLE), 4);
	sync_mem_nft_add_object(x.k, IP, "kipvs");
	unit_log_start();
	full(&x);
	assert_int_equal(unit_log_count("nft_table_drift", "table=ip/kipvs", "objects", NULL), 1);
	unit_log_stop();
	assert_int_equal(sync_mem_nft_ops(x.k, NFT_OP_ADD_TABLE), 5);
	assert_int_equal(nft_stats(&x).rebuilds, 5);
	/* and in line again */
	full(&x);
	assert_int_equal(sync_mem_nft_ops(x.k, NFT_OP_ADD_TABLE), 5);
	nfx_fini(&x);
}

/* --- dirty passes ---------------------------------------------------------------------- */

/* The index of the first entry of @kind (and nft op @op) in the record. */
static long first(const struct sync_record *rec, enum sync_record_kind kind, int op)
{
	size_t n;
	const struct sync_record_entry *e = sync_record_entries(rec, &n);

	for (size_t i = 0; i < n; i++)
		if (e[i].kind == kind && (op < 0 || (int)e[i].nft.kind == op))
			return (long)i;
	return -1;
}

static void dirty_touches_only_its_elements(void **state)
{
	struct nfx x;
	struct sync_record *rec;
	size_t w;

	nfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-a");
	svc(&x, "shop/api", "10.96.0.2", "10.244.1.2@node-b");
	full(&x);
	w = sync_mem_nft_writes(x.k);
	/* A local endpoint more: one element, one transaction, before IPVS. */
	assert_int_equal(sync_record_new(&sync_mem_ops, x.m, &rec), 0);
	nfx_reconciler(&x, &sync_record_ops, rec);
	full(&x); /* the recorder's reconciler starts from a full pass: nothing */
	assert_int_equal(first(rec, SYNC_REC_NFT, -1), -1);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-a,10.244.0.7@node-a");
	dirty(&x);
	assert_true(first(rec, SYNC_REC_NFT, NFT_OP_ADD_ELEMS) >= 0);
	assert_true(first(rec, SYNC_REC_NFT, NFT_OP_ADD_ELEMS) < first(rec, SYNC_REC_IPVS, -1));
	{
		size_t n;
		const struct sync_record_entry *e = sync_record_entries(rec, &n);
		size_t elems = 0, nft = 0;

		for (size_t i = 0; i < n; i++)
			if (e[i].kind == SYNC_REC_NFT) {
				nft++;
				elems += e[i].nft.n;
				assert_string_equal(e[i].nft.table->sets[e[i].nft.set].name,
				                    "loopback");
			}
		assert_int_equal(nft, 1);
		assert_int_equal(elems, 1);
	}
	sync_record_free(rec);
	/* (the recorder wrote nothing: the kernel catches up) */
	nfx_reconciler(&x, &sync_mem_ops, x.m);
	full(&x);
	/* The Service gone: its removals come after IPVS's. */
	assert_int_equal(sync_record_new(&sync_mem_ops, x.m, &rec), 0);
	nfx_reconciler(&x, &sync_record_ops, rec);
	full(&x);
	sync_store_delete_service(x.st, "shop", "api");
	dirty(&x);
	assert_true(first(rec, SYNC_REC_NFT, NFT_OP_DEL_ELEMS) > first(rec, SYNC_REC_IPVS, -1));
	assert_int_equal(first(rec, SYNC_REC_NFT, NFT_OP_ADD_ELEMS), -1);
	sync_record_free(rec);
	/* Through the kernel model: a pass with additions and removals sends
	 * two transactions, one with only either sends one. */
	nfx_reconciler(&x, &sync_mem_ops, x.m);
	full(&x);
	w = sync_mem_nft_writes(x.k);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.8@node-a");
	dirty(&x);
	assert_int_equal(sync_mem_nft_writes(x.k), w + 2);
	assert_true(sync_mem_nft_has(x.k, IP, "loopback", loop_elem("10.244.0.8", 8080)));
	assert_false(sync_mem_nft_has(x.k, IP, "loopback", loop_elem("10.244.0.1", 8080)));
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.8@node-a,10.244.1.9@node-b");
	dirty(&x);
	assert_int_equal(sync_mem_nft_writes(x.k), w + 2); /* no element changed */
	nfx_fini(&x);
}

/* An element the kernel refuses is logged with its set and text and left
 * out; the rest of the transaction is applied; the next full pass tries it
 * again. */
static void refused_element_logged_rest_applied(void **state)
{
	struct nfx x;
	struct sync_nft_stats s;

	nfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-b");
	full(&x);
	sync_mem_nft_refuse(x.k, "clusterip", cip_elem("10.96.0.2", 80), 12, -EEXIST);
	svc(&x, "shop/api", "10.96.0.2", "10.244.1.2@node-b");
	unit_log_start();
	dirty(&x);
	assert_int_equal(unit_log_count("nft_element_failed", "set=clusterip",
	                                "elem=\"10.96.0.2 . tcp . 80\"", "op=add", NULL),
	                 1);
	unit_log_stop();
	s = nft_stats(&x);
	assert_int_equal(s.elems_failed, 1);
	assert_int_equal(s.txn_failed, 1);
	assert_int_equal(s.txn_ok, 2); /* the cold start, and the resend */
	assert_false(sync_mem_nft_has(x.k, IP, "clusterip", cip_elem("10.96.0.2", 80)));
	assert_true(sync_mem_nft_has(x.k, IP, "vip_ports", cip_elem("10.96.0.2", 80)));
	assert_int_equal(sync_mem_table(x.m)->n, 2); /* IPVS unaffected */
	sync_mem_nft_refuse(x.k, "clusterip", NULL, 0, 0);
	full(&x);
	assert_true(sync_mem_nft_has(x.k, IP, "clusterip", cip_elem("10.96.0.2", 80)));
	nfx_fini(&x);
}

/* A failed exchange, and a table gone under a dirty pass: a full pass is
 * asked for, and it repairs. */
static void failures_lead_to_a_full_pass(void **state)
{
	struct nfx x;

	nfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-b");
	full(&x);
	sync_mem_nft_fail_apply(x.k, 0, -ENOBUFS);
	svc(&x, "shop/api", "10.96.0.2", "10.244.1.2@node-b");
	unit_log_start();
	dirty(&x);
	assert_int_equal(unit_log_count("nft_transaction_failed", "stage=exchange", NULL), 1);
	unit_log_stop();
	assert_true(sync_reconcile_full_wanted(x.r));
	assert_int_equal(sync_mem_table(x.m)->n, 2);
	full(&x);
	assert_false(sync_reconcile_full_wanted(x.r));
	assert_true(sync_mem_nft_has(x.k, IP, "clusterip", cip_elem("10.96.0.2", 80)));

	sync_mem_nft_drop_table(x.k, IP, "kipvs");
	svc(&x, "shop/db", "10.96.0.3", "10.244.1.3@node-b");
	unit_log_start();
	dirty(&x);
	assert_int_equal(unit_log_count("nft_transaction_failed", "table=ip/kipvs",
	                                "op=add-elements", "err=No such file or directory", NULL),
	                 3); /* vips, vip_ports, clusterip */
	unit_log_stop();
	assert_true(sync_reconcile_full_wanted(x.r));
	full(&x);
	assert_int_equal(sync_mem_nft_count(x.k, IP, "clusterip"), 3);
	nfx_fini(&x);
}

/* No nf_tables: said once, IPVS programmed all the same; when it comes
 * back the next full pass programs the filter. */
static void without_nf_tables(void **state)
{
	struct nfx x;

	nfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-a");
	sync_mem_nft_absent(x.k, true);
	unit_log_start();
	full(&x);
	svc(&x, "shop/api", "10.96.0.2", "10.244.1.2@node-b");
	dirty(&x);
	full(&x);
	assert_int_equal(unit_log_count("nft_unavailable", NULL), 1);
	unit_log_stop();
	assert_false(nft_stats(&x).available);
	assert_int_equal(sync_mem_table(x.m)->n, 2);
	sync_mem_nft_absent(x.k, false);
	unit_log_start();
	full(&x);
	assert_int_equal(unit_log_count("nft_available", NULL), 1);
	unit_log_stop();
	assert_true(nft_stats(&x).available);
	assert_int_equal(sync_mem_nft_count(x.k, IP, "clusterip"), 2);
	nfx_fini(&x);
}

/* The admin's tables: never read, never touched, by passes or cleanup. */
static void foreign_tables_untouched(void **state)
{
	struct nfx x;
	size_t removed = 0;

	nfx_init(&x);
	assert_int_equal(sync_mem_nft_add_foreign(x.k, IP, "filter"), 0);
	assert_int_equal(sync_mem_nft_add_foreign(x.k, IP6, "admin"), 0);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-a");
	full(&x);
	sync_mem_nft_drop_table(x.k, IP, "kipvs");
	full(&x);
	assert_int_equal(sync_nft_remove(&sync_mem_ops, x.m, true, &removed), 0);
	assert_int_equal(removed, 2);
	assert_true(sync_mem_nft_has_table(x.k, IP, "kipvs"));
	assert_int_equal(sync_nft_remove(&sync_mem_ops, x.m, false, &removed), 0);
	assert_int_equal(removed, 2);
	assert_false(sync_mem_nft_has_table(x.k, IP, "kipvs"));
	assert_false(sync_mem_nft_has_table(x.k, IP6, "kipvs"));
	assert_true(sync_mem_nft_has_table(x.k, IP, "filter"));
	assert_true(sync_mem_nft_has_table(x.k, IP6, "admin"));
	assert_int_equal(sync_nft_remove(&sync_mem_ops, x.m, false, &removed), 0);
	assert_int_equal(removed, 0);
	nfx_fini(&x);
}

/* NodeCIDR: the Node's ranges change the rules; a full pass replaces them. */
static void pod_ranges_change_the_rules(void **state)
{
	struct nfx x;
	struct net_cidr pods;
	bool changed = false;
	const struct nft_table_def *t;

	nfx_init(&x);
	x.cfg.detect_local_mode = DETECT_LOCAL_NODE_CIDR;
	nfx_reconciler(&x, &sync_mem_ops, x.m);
	svc(&x, "shop/web", "10.96.0.1", "10.244.0.1@node-a");
	full(&x);
	assert_int_equal(cidr_parse("10.244.0.0/24", &pods), 0);
	assert_int_equal(sync_reconcile_set_pod_cidrs(x.r, &pods, 1, &changed), 0);
	assert_true(changed);
	assert_true(sync_reconcile_full_wanted(x.r));
	assert_int_equal(sync_reconcile_set_pod_cidrs(x.r, &pods, 1, &changed), 0);
	assert_false(changed);
	full(&x);
	assert_false(sync_reconcile_full_wanted(x.r));
	assert_int_equal(sync_mem_nft_ops(x.k, NFT_OP_ADD_TABLE), 3); /* ip replaced, ip6 same */
	t = sync_filter_table(sync_reconcile_filter(x.r), 0);
	for (size_t i = 0; i < t->n_rules; i++)
		if (strstr(sync_filter_rule_text(sync_reconcile_filter(x.r), 0, i), "@clusterip"))
			assert_non_null(
			    strstr(sync_filter_rule_text(sync_reconcile_filter(x.r), 0, i),
			           "ip saddr != 10.244.0.0/24"));
	nfx_fini(&x);
}

/* A range widened: out and in within one transaction (as two, the new one
 * would overlap the old). */
static void ranges_replaced_in_one_transaction(void **state)
{
	struct nfx x;
	size_t w;

	nfx_init(&x);
	lb(&x, "shop/lb", "10.96.0.3", "198.51.100.9", "10.1.0.0/16");
	full(&x);
	w = sync_mem_nft_writes(x.k);
	lb(&x, "shop/lb", "10.96.0.3", "198.51.100.9", "10.0.0.0/8");
	unit_log_start();
	dirty(&x);
	assert_int_equal(unit_log_count("nft_element_failed", NULL), 0);
	unit_log_stop();
	assert_int_equal(sync_mem_nft_writes(x.k), w + 1);
	assert_int_equal(sync_mem_nft_count(x.k, IP, "lb_allow"), 1);
	assert_int_equal(nft_stats(&x).txn_failed, 0);
	nfx_fini(&x);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(cold_start_in_one_transaction),
	cmocka_unit_test(restart_writes_nothing),
	cmocka_unit_test(drift_repaired),
	cmocka_unit_test(dirty_touches_only_its_elements),
	cmocka_unit_test(refused_element_logged_rest_applied),
	cmocka_unit_test(failures_lead_to_a_full_pass),
	cmocka_unit_test(without_nf_tables),
	cmocka_unit_test(foreign_tables_untouched),
	cmocka_unit_test(pod_ranges_change_the_rules),
	cmocka_unit_test(ranges_replaced_in_one_transaction),
};

UNIT_MAIN(tests)
