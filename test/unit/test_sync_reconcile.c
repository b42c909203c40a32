/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's sync passes (sync_reconcile) against the in-memory kernel
 * (sync_mem): full passes in one go and in chunks, drift repair, foreign
 * virtual servers, kube-ipvs0 addresses, writes failing halfway and what is
 * retried, graceful termination, a restart over a programmed table, and
 * `kipvs diff`'s recorder.
 *
 * The node is node-a with the address 172.18.0.2 (NodePorts 30000-32767);
 * 10.99.0.0/16 is excluded.
 */
#include "unit.h"

#include <errno.h>
#include <netinet/in.h>

#include "support/sync_mem.h"
#include "../../sync/driver/sync_reconcile.h"
#include "../../sync/driver/sync_record.h"
#include "test_sync_fx.h"

#define MIN_MS (60ULL * 1000)

struct rfx {
	struct kipvs_config cfg;
	struct sync_store *st;
	struct sync_mem *m;
	struct sync_reconcile *r;
};

static void rfx_reconciler(struct rfx *x, const struct sync_ops *ops, void *be)
{
	struct sync_reconcile_opts o = { .cfg = &x->cfg, .ops = ops, .be = be, .store = x->st };

	assert_int_equal(sync_reconcile_new(&o, &x->r), 0);
}

static void rfx_init(struct rfx *x)
{
	struct net_addr node = fx_addr("172.18.0.2");
	struct net_cidr ex;

	memset(x, 0, sizeof(*x));
	config_init(&x->cfg);
	x->cfg.hostname_override = strdup("node-a");
	assert_int_equal(cidr_parse("10.99.0.0/16", &ex), 0);
	x->cfg.exclude_cidrs = malloc(sizeof(ex));
	x->cfg.exclude_cidrs[0] = ex;
	x->cfg.n_exclude_cidrs = 1;
	assert_int_equal(sync_store_new(&x->st), 0);
	assert_int_equal(sync_mem_new(&x->m), 0);
	assert_int_equal(sync_mem_set_node_addrs(x->m, &node, 1), 0);
	rfx_reconciler(x, &sync_mem_ops, x->m);
}

static void rfx_fini(struct rfx *x)
{
	sync_reconcile_free(x->r);
	sync_mem_free(x->m);
	sync_store_free(x->st);
	config_free(&x->cfg);
}

/* Service @key ("ns/name") at @cip, TCP port 80 (NodePort @np when not 0),
 * with ready endpoints @eps ("a,b") on port 8080. */
static void svc(struct rfx *x, const char *key, const char *cip, uint16_t np, const char *eps)
{
	struct kube_service *s = fx_service(key, cip);
	struct kube_endpoint_slice *sl;
	char skey[96], list[256], *save = NULL;

	if (np)
		s->type = KUBE_SVC_NODE_PORT;
	fx_port(s, "http", IPPROTO_TCP, 80, np);
	assert_int_equal(sync_store_upsert_service(x->st, s), 0);
	snprintf(skey, sizeof(skey), "%s-1", key);
	sl = fx_slice(skey, strchr(key, '/') + 1, AF_INET);
	fx_slice_port(sl, "http", IPPROTO_TCP, 8080);
	snprintf(list, sizeof(list), "%s", eps);
	for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
		fx_ep(sl, t, "node-b", FX_RS);
	assert_int_equal(sync_store_upsert_slice(x->st, sl), 0);
}

/* A whole full pass, @chunk changes per step; returns the steps taken. */
static int full(struct rfx *x, uint64_t now, size_t chunk)
{
	bool more = true;
	int steps = 0;

	assert_int_equal(sync_reconcile_full_begin(x->r, now, false), 0);
	assert_true(sync_reconcile_full_pending(x->r));
	while (more) {
		assert_int_equal(sync_reconcile_full_step(x->r, chunk, &more), 0);
		steps++;
	}
	assert_false(sync_reconcile_full_pending(x->r));
	return steps;
}

static void dirty(struct rfx *x, uint64_t now)
{
	assert_int_equal(sync_reconcile_dirty(x->r, now, NULL), 0);
}

/* The in-memory kernel's table, sorted, as ipvsadm -S lines. */
static char *kernel(struct rfx *x)
{
	struct ipvs_table t;
	char *s;

	ipvs_table_init(&t);
	assert_int_equal(sync_table_append(&t, sync_mem_table(x->m)), 0);
	sync_table_sort(&t);
	s = fx_table_text(&t);
	ipvs_table_free(&t);
	return s;
}

/* The addresses on kube-ipvs0, one per line. */
static char *bound(struct rfx *x)
{
	size_t n;
	const struct net_addr *a = sync_mem_bound(x->m, &n);
	size_t cap = n * (ADDR_STRLEN + 1) + 1, len = 0;
	char *out = calloc(1, cap), buf[ADDR_STRLEN];

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s\n", addr_fmt(&a[i], buf));
	return out;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @text's lines sorted (for passes that walk virtual servers in hash order).
 * Frees @text. */
static char *sorted(char *text)
{
	size_t cap = strlen(text) + 2, len = 0, n = 0;
	char *lines[256], *save = NULL, *out = calloc(1, cap);

	for (char *l = strtok_r(text, "\n", &save); l && n < 256; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s\n", lines[i]);
	free(text);
	return out;
}

/* The changes sent since the last call, one per line. */
static char *sent(struct rfx *x)
{
	struct sync_changes ch = { 0 };
	size_t n;
	const struct ipvs_change *c = sync_mem_log(x->m, &n);
	char *s;

	ch.v = (struct ipvs_change *)c;
	ch.n = n;
	s = fx_changes_text(&ch);
	sync_mem_log_reset(x->m);
	return s;
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void load(struct rfx *x, const char *text)
{
	struct ipvs_table t;

	ipvs_table_init(&t);
	fx_table_parse(&t, text);
	assert_int_equal(sync_mem_load(x->m, &t), 0);
	ipvs_table_free(&t);
}

static const char two_services[] = "-A -t 10.96.0.1:80 -s rr\n"
                                   "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
                                   "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1\n"
                                   "-A -t 10.96.0.2:80 -s rr\n"
                                   "-a -t 10.96.0.2:80 -r 10.244.0.3:8080 -m -w 1\n"
                                   "-A -t 172.18.0.2:30080 -s rr\n"
                                   "-a -t 172.18.0.2:30080 -r 10.244.0.3:8080 -m -w 1\n";

static void full_pass_programs_and_binds(void **state)
{
	struct rfx x;
	struct sync_reconcile_stats st;

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1,10.244.0.2");
	svc(&x, "shop/api", "10.96.0.2", 30080, "10.244.0.3");
	assert_int_equal(full(&x, 0, 2000), 1);
	assert_text(kernel(&x), two_services);
	assert_text(bound(&x), "10.96.0.1\n10.96.0.2\n");
	sync_reconcile_stats(x.r, &st);
	assert_int_equal(st.full_passes, 1);
	assert_int_equal(st.ipvs_changes, 7);
	assert_int_equal(st.addr_added, 2);
	assert_int_equal(st.vs, 3);
	assert_int_equal(st.dests, 4);
	assert_int_equal(st.bound, 2);
	assert_int_equal(st.failed_passes, 0);
	free(sent(&x));
	/* In sync: a second pass writes nothing. */
	full(&x, 1000, 2000);
	assert_text(sent(&x), "");
	sync_reconcile_stats(x.r, &st);
	assert_int_equal(st.ipvs_changes, 7);
	assert_int_equal(st.addr_added, 2);
	rfx_fini(&x);
}

/* A large pass in small steps gives the same table as one step, every change
 * once, and deletions after additions. */
static void chunked_full_pass(void **state)
{
	struct rfx a, b;
	char *ta, *tb, *log;
	int steps;

	rfx_init(&a);
	rfx_init(&b);
	for (int i = 1; i <= 30; i++) {
		char key[32], ip[32], eps[128];

		snprintf(key, sizeof(key), "ns/s%d", i);
		snprintf(ip, sizeof(ip), "10.96.1.%d", i);
		snprintf(eps, sizeof(eps), "10.244.%d.1,10.244.%d.2,10.244.%d.3", i, i, i);
		svc(&a, key, ip, (uint16_t)(i % 3 ? 0 : 30000 + i), eps);
		svc(&b, key, ip, (uint16_t)(i % 3 ? 0 : 30000 + i), eps);
	}
	/* Stale virtual servers of ours (a NodePort and one on a bound address). */
	load(&a, "-A -t 172.18.0.2:31999 -s rr\n-A -u 10.96.1.200:53 -s rr\n");
	load(&b, "-A -t 172.18.0.2:31999 -s rr\n-A -u 10.96.1.200:53 -s rr\n");
	{
		struct net_addr v = fx_addr("10.96.1.200");

		assert_int_equal(sync_mem_set_bound(a.m, SYNC_IFNAME, &v, 1), 0);
		assert_int_equal(sync_mem_set_bound(b.m, SYNC_IFNAME, &v, 1), 0);
	}
	steps = full(&a, 0, 7);
	assert_true(steps > 10);
	assert_int_equal(full(&b, 0, 100000), 1);
	ta = kernel(&a);
	tb = kernel(&b);
	assert_string_equal(ta, tb);
	assert_null(strstr(ta, "31999"));
	assert_null(strstr(ta, "10.96.1.200"));
	free(tb);
	free(ta);
	/* Every change once, the two deletions after every addition. */
	log = sent(&a);
	{
		const char *first_del = strstr(log, "del_service");
		const char *last_add = NULL;

		for (const char *p = strstr(log, "add_"); p; p = strstr(p + 1, "add_"))
			last_add = p;
		assert_non_null(first_del);
		assert_non_null(last_add);
		assert_true(first_del > last_add);
		assert_non_null(strstr(first_del, "del_service tcp/172.18.0.2:31999\n"));
		assert_non_null(strstr(first_del, "del_service udp/10.96.1.200:53\n"));
	}
	/* The same changes as in one step, in another order. */
	tb = sent(&b);
	assert_int_equal(lines(log), lines(tb));
	assert_int_equal(lines(log), 40 + 40 * 3 + 2); /* 30 + 10 NodePorts, 3 dests each */
	free(tb);
	free(log);
	/* The stale address went once nothing used it. */
	log = bound(&a);
	assert_null(strstr(log, "10.96.1.200"));
	free(log);
	rfx_fini(&a);
	rfx_fini(&b);
}

static void drift_repaired(void **state)
{
	struct rfx x;
	struct net_addr gone = fx_addr("10.96.0.2");

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1,10.244.0.2");
	svc(&x, "shop/api", "10.96.0.2", 30080, "10.244.0.3");
	full(&x, 0, 2000);
	/* Someone edits the kernel: another scheduler, a destination gone, a
	 * stray one (no connections), a virtual server gone, an address gone. */
	load(&x, "-A -t 10.96.0.1:80 -s wlc\n"
	         "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	         "-a -t 10.96.0.1:80 -r 10.244.0.9:8080 -m -w 1\n"
	         "-A -t 10.96.0.2:80 -s rr\n"
	         "-a -t 10.96.0.2:80 -r 10.244.0.3:8080 -g -w 5\n");
	assert_int_equal(sync_mem_set_bound(x.m, SYNC_IFNAME, &gone, 1), 0);
	free(sent(&x));
	full(&x, 1000, 2000);
	assert_text(kernel(&x), two_services);
	assert_text(bound(&x), "10.96.0.1\n10.96.0.2\n");
	assert_text(sorted(sent(&x)), "add_dest tcp/10.96.0.1:80 10.244.0.2:8080 w=1\n"
	                              "add_dest tcp/172.18.0.2:30080 10.244.0.3:8080 w=1\n"
	                              "add_service tcp/172.18.0.2:30080 rr flags=0 timeout=0\n"
	                              "del_dest tcp/10.96.0.1:80 10.244.0.9:8080\n"
	                              "edit_dest tcp/10.96.0.2:80 10.244.0.3:8080 w=1\n"
	                              "edit_service tcp/10.96.0.1:80 rr flags=0 timeout=0\n");
	rfx_fini(&x);
}

/* Foreign and excluded virtual servers are never touched, even on an
 * address kipvs binds or a node address. */
static void foreign_left_alone(void **state)
{
	struct rfx x;
	struct net_addr was[2] = { fx_addr("10.96.0.9"), fx_addr("10.99.0.1") };
	const char *foreign = "-A -t 5.5.5.5:80 -s rr\n"
	                      "-a -t 5.5.5.5:80 -r 10.1.0.1:80 -m -w 1\n"
	                      "-A -t 10.99.0.1:80 -s rr\n"
	                      "-A -t 172.18.0.2:22 -s rr\n";
	char all[512];

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1");
	snprintf(all, sizeof(all), "%s-A -t 10.96.0.9:80 -s rr\n", foreign);
	load(&x, all);
	assert_int_equal(sync_mem_set_bound(x.m, SYNC_IFNAME, was, 2), 0);
	full(&x, 0, 2000);
	assert_text(kernel(&x), "-A -t 5.5.5.5:80 -s rr\n"
	                        "-a -t 5.5.5.5:80 -r 10.1.0.1:80 -m -w 1\n"
	                        "-A -t 10.96.0.1:80 -s rr\n"
	                        "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                        "-A -t 10.99.0.1:80 -s rr\n"
	                        "-A -t 172.18.0.2:22 -s rr\n");
	/* 10.96.0.9 served only the deleted virtual server; 10.99.0.1 is
	 * excluded, so its virtual server stays, but nothing wants it bound. */
	assert_text(bound(&x), "10.96.0.1\n");
	rfx_fini(&x);
}

/* The exchange breaks after a few changes: the pass stops there, logged and
 * counted once, nothing is unbound, and the next pass finishes the job. */
static void write_failing_halfway(void **state)
{
	struct rfx x;
	struct net_addr stale = fx_addr("10.96.0.9");
	struct sync_reconcile_stats st;
	bool more = true;

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1,10.244.0.2");
	svc(&x, "shop/api", "10.96.0.2", 30080, "10.244.0.3");
	load(&x, "-A -t 10.96.0.9:80 -s rr\n");
	assert_int_equal(sync_mem_set_bound(x.m, SYNC_IFNAME, &stale, 1), 0);
	unit_log_start();
	sync_mem_fail(x.m, SYNC_MEM_APPLY, 3, -ENOBUFS);
	assert_int_equal(sync_reconcile_full_begin(x.r, 0, false), 0);
	assert_int_equal(sync_reconcile_full_step(x.r, 2000, &more), -ENOBUFS);
	assert_false(more);
	assert_false(sync_reconcile_full_pending(x.r));
	assert_int_equal(unit_log_count("event=sync_failed", "kind=full", "stage=apply",
	                                "err=No buffer space available", NULL),
	                 1);
	unit_log_stop();
	sync_reconcile_stats(x.r, &st);
	assert_int_equal(st.failed_passes, 1);
	assert_int_equal(st.full_passes, 0);
	/* The rest of the batch: 8 changes (7 and a deletion), 3 applied. */
	assert_int_equal(st.ipvs_failed, 5);
	assert_int_equal(st.last_errno_count[ENOBUFS], 5);
	/* The stale virtual server may still use its address: kept. */
	{
		char *b = bound(&x);

		assert_non_null(strstr(b, "10.96.0.9"));
		free(b);
	}
	full(&x, 1000, 2000);
	assert_text(kernel(&x), two_services);
	assert_text(bound(&x), "10.96.0.1\n10.96.0.2\n");
	rfx_fini(&x);
}

/* A dirty pass that fails keeps its virtual servers for the next one. */
static void dirty_failure_requeued(void **state)
{
	struct rfx x;
	struct sync_reconcile_stats st;
	size_t n = 0;

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1");
	full(&x, 0, 2000);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1,10.244.0.2");
	assert_true(sync_reconcile_pending(x.r));
	unit_log_start();
	sync_mem_fail(x.m, SYNC_MEM_SERVICE, 0, -EIO);
	assert_int_equal(sync_reconcile_dirty(x.r, 10, &n), -EIO);
	assert_int_equal(
	    unit_log_count("event=sync_failed", "kind=dirty", "err=Input/output error", NULL), 1);
	unit_log_stop();
	assert_int_equal(n, 0);
	/* Off the store's dirty list, but not lost. */
	assert_int_equal(sync_store_n_dirty(x.st), 0);
	assert_true(sync_reconcile_pending(x.r));
	sync_mem_fail(x.m, SYNC_MEM_APPLY, 0, -ENOBUFS);
	assert_int_equal(sync_reconcile_dirty(x.r, 20, &n), -ENOBUFS);
	assert_true(sync_reconcile_pending(x.r));
	assert_int_equal(sync_reconcile_dirty(x.r, 30, &n), 0);
	assert_int_equal(n, 1);
	assert_false(sync_reconcile_pending(x.r));
	assert_text(kernel(&x), "-A -t 10.96.0.1:80 -s rr\n"
	                        "-a -t 10.96.0.1:80 -r 10.244.0.1:8080 -m -w 1\n"
	                        "-a -t 10.96.0.1:80 -r 10.244.0.2:8080 -m -w 1\n");
	sync_reconcile_stats(x.r, &st);
	assert_int_equal(st.failed_passes, 2);
	rfx_fini(&x);
}

/* Without its interface nothing binds: the full pass does not start. */
static void link_failure_stops_the_pass(void **state)
{
	struct rfx x;

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1");
	unit_log_start();
	sync_mem_fail(x.m, SYNC_MEM_LINK_ENSURE, 0, -EPERM);
	assert_int_equal(sync_reconcile_full_begin(x.r, 0, false), -EPERM);
	assert_false(sync_reconcile_full_pending(x.r));
	assert_int_equal(unit_log_count("event=sync_failed", "kind=full", "stage=link", NULL), 1);
	unit_log_stop();
	assert_text(kernel(&x), "");
	full(&x, 0, 2000);
	assert_text(bound(&x), "10.96.0.1\n");
	rfx_fini(&x);
}

/* A removed TCP endpoint with connections drains at weight 0 until they end
 * (drain pass), another until the graceful timeout; a new one and a dirty
 * pass that wants a draining one back restore it. */
static void graceful_drain(void **state)
{
	struct rfx x;
	struct ipvs_service s = { 0 };
	struct ipvs_dest d1 = { 0 }, d2 = { 0 };
	size_t n;

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1,10.244.0.2,10.244.0.3");
	full(&x, 0, 2000);
	fx_parse_svc("-t", "10.96.0.1:80", &s);
	d1.addr = fx_addr("10.244.0.1");
	d2.addr = fx_addr("10.244.0.2");
	d1.port = d2.port = 8080;
	assert_int_equal(sync_mem_set_conns(x.m, &s, &d1, 2, 0), 0);
	assert_int_equal(sync_mem_set_conns(x.m, &s, &d2, 0, 1), 0);
	free(sent(&x));
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.3");
	dirty(&x, 1000);
	assert_text(sorted(sent(&x)), "edit_dest tcp/10.96.0.1:80 10.244.0.1:8080 w=0\n"
	                              "edit_dest tcp/10.96.0.1:80 10.244.0.2:8080 w=0\n");
	assert_int_equal(sync_reconcile_drain_deadline(x.r), 1000 + 15 * MIN_MS);
	/* Still busy: nothing. */
	assert_int_equal(sync_reconcile_drain(x.r, 2000, &n), 0);
	assert_int_equal(n, 0);
	/* 10.244.0.2's connections end: it goes. */
	assert_int_equal(sync_mem_set_conns(x.m, &s, &d2, 0, 0), 0);
	assert_int_equal(sync_reconcile_drain(x.r, 3000, &n), 0);
	assert_int_equal(n, 1);
	assert_text(sent(&x), "del_dest tcp/10.96.0.1:80 10.244.0.2:8080\n");
	/* A full pass leaves the draining one alone. */
	full(&x, 4000, 2000);
	assert_text(sent(&x), "");
	/* The timeout passes: 10.244.0.1 goes with its connections. */
	assert_int_equal(sync_reconcile_drain(x.r, 1000 + 15 * MIN_MS, &n), 0);
	assert_text(sent(&x), "del_dest tcp/10.96.0.1:80 10.244.0.1:8080\n");
	assert_int_equal(sync_reconcile_drain_deadline(x.r), UINT64_MAX);
	assert_text(kernel(&x), "-A -t 10.96.0.1:80 -s rr\n"
	                        "-a -t 10.96.0.1:80 -r 10.244.0.3:8080 -m -w 1\n");
	rfx_fini(&x);
}

/* A new kipvs over the table an earlier one programmed writes nothing and
 * adopts what was draining (weight 0 with connections) as draining. */
static void restart_adopts(void **state)
{
	struct rfx x;
	struct sync_reconcile_stats st;
	struct ipvs_service s = { 0 };
	struct ipvs_dest d = { 0 };

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1,10.244.0.2");
	svc(&x, "shop/api", "10.96.0.2", 30080, "10.244.0.3");
	full(&x, 0, 2000);
	fx_parse_svc("-t", "10.96.0.1:80", &s);
	d.addr = fx_addr("10.244.0.2");
	d.port = 8080;
	assert_int_equal(sync_mem_set_conns(x.m, &s, &d, 1, 0), 0);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1");
	dirty(&x, 10);
	/* Restart: a new reconciler, the same kernel and cluster. */
	sync_reconcile_free(x.r);
	assert_int_equal(sync_store_mark_all_dirty(x.st), 0);
	rfx_reconciler(&x, &sync_mem_ops, x.m);
	free(sent(&x));
	assert_int_equal(sync_reconcile_full_begin(x.r, 5000, true), 0);
	{
		bool more = true;

		while (more)
			assert_int_equal(sync_reconcile_full_step(x.r, 1, &more), 0);
	}
	assert_text(sent(&x), "");
	sync_reconcile_stats(x.r, &st);
	assert_int_equal(st.kernel_writes, 0);
	assert_int_equal(st.draining, 1);
	assert_int_equal(sync_reconcile_drain_deadline(x.r), 5000 + 15 * MIN_MS);
	rfx_fini(&x);
}

/* `kipvs diff`: the same pass over a recorder writes nothing and records
 * what it would write, in order. */
/* The record without its nftables entries (counted in *nft, with how many
 * elements they add): the IPVS and address writes, in order. */
static const struct sync_record_entry *not_nft(const struct sync_record *rec, size_t *n,
                                               size_t *nft, size_t *added)
{
	static struct sync_record_entry v[64];
	size_t all, k = 0;
	const struct sync_record_entry *e = sync_record_entries(rec, &all);

	*nft = *added = 0;
	for (size_t i = 0; i < all; i++) {
		if (e[i].kind == SYNC_REC_NFT) {
			(*nft)++;
			if (e[i].nft.kind == NFT_OP_ADD_ELEMS)
				*added += e[i].nft.n;
			continue;
		}
		assert_true(k < 64);
		v[k++] = e[i];
	}
	*n = k;
	return v;
}

static void recorder_writes_nothing(void **state)
{
	struct rfx x;
	struct sync_record *rec;
	const struct sync_record_entry *e;
	struct net_addr stale = fx_addr("10.96.0.9");
	struct sync_changes ch = { 0 };
	char buf[ADDR_STRLEN];
	size_t n, nft, added;

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1");
	x.cfg.tcp_timeout_ms = 60000;
	sync_reconcile_free(x.r);
	assert_int_equal(sync_record_new(&sync_mem_ops, x.m, &rec), 0);
	rfx_reconciler(&x, &sync_record_ops, rec);
	full(&x, 0, 1);
	e = not_nft(rec, &n, &nft, &added);
	/* the filter: both tables created (delete + add, each) with their
	 * elements: vips, clusterip, vip_ports (and no local endpoint) */
	assert_int_equal(nft, 4 + 3);
	assert_int_equal(added, 3);
	assert_false(sync_mem_nft_has_table(sync_mem_nft(x.m), 2, "kipvs"));
	assert_int_equal(sync_mem_nft_writes(sync_mem_nft(x.m)), 0);
	assert_int_equal(n, 5);
	assert_int_equal(e[0].kind, SYNC_REC_LINK_ADD);
	assert_string_equal(e[0].link, SYNC_IFNAME);
	assert_int_equal(e[1].kind, SYNC_REC_ADDR_ADD);
	assert_string_equal(addr_fmt(&e[1].addr, buf), "10.96.0.1");
	assert_int_equal(e[2].kind, SYNC_REC_TIMEOUTS);
	assert_int_equal(e[2].timeouts.tcp, 60);
	for (size_t i = 3; i < n; i++) {
		assert_int_equal(e[i].kind, SYNC_REC_IPVS);
		assert_int_equal(sync_changes_emit(&ch, &e[i].change), 0);
	}
	assert_text(fx_changes_text(&ch), "add_service tcp/10.96.0.1:80 rr flags=0 timeout=0\n"
	                                  "add_dest tcp/10.96.0.1:80 10.244.0.1:8080 w=1\n");
	sync_changes_free(&ch);
	assert_text(kernel(&x), "");
	assert_text(bound(&x), "");
	assert_int_equal(sync_mem_timeouts(x.m)->tcp, 900);
	sync_reconcile_free(x.r);
	sync_record_free(rec);
	/* Over an existing interface: a stale address is recorded as removed. */
	assert_int_equal(sync_mem_set_bound(x.m, SYNC_IFNAME, &stale, 1), 0);
	x.cfg.tcp_timeout_ms = 0;
	assert_int_equal(sync_record_new(&sync_mem_ops, x.m, &rec), 0);
	assert_int_equal(sync_store_mark_all_dirty(x.st), 0);
	rfx_reconciler(&x, &sync_record_ops, rec);
	full(&x, 0, 2000);
	e = not_nft(rec, &n, &nft, &added);
	assert_int_equal(n, 4);
	assert_int_equal(e[0].kind, SYNC_REC_ADDR_ADD);
	assert_int_equal(e[1].kind, SYNC_REC_IPVS);
	assert_int_equal(e[2].kind, SYNC_REC_IPVS);
	assert_int_equal(e[3].kind, SYNC_REC_ADDR_DEL);
	assert_string_equal(addr_fmt(&e[3].addr, buf), "10.96.0.9");
	assert_text(bound(&x), "10.96.0.9\n");
	sync_record_free(rec);
	rfx_fini(&x);
}

/* The kernel changed between the read and the write: the change it refuses
 * is logged with its virtual server and reason, and counted by errno. */
static void refused_change_logged(void **state)
{
	struct rfx x;
	struct sync_reconcile_stats st;
	bool more = true;

	rfx_init(&x);
	svc(&x, "shop/web", "10.96.0.1", 0, "10.244.0.1");
	assert_int_equal(sync_reconcile_full_begin(x.r, 0, false), 0);
	load(&x, "-A -t 10.96.0.1:80 -s rr\n");
	unit_log_start();
	assert_int_equal(sync_reconcile_full_step(x.r, 2000, &more), 0);
	assert_int_equal(unit_log_count("event=ipvs_change_failed", "kind=full", "op=add_service",
	                                "vs=tcp/10.96.0.1:80", "dest=-", "err=", NULL),
	                 1);
	assert_int_equal(unit_log_count("ipvs_change_failed", NULL), 1);
	assert_int_equal(unit_log_count("event=sync ", "kind=full", "changes=2", "failed=1", NULL),
	                 1);
	unit_log_stop();
	sync_reconcile_stats(x.r, &st);
	assert_int_equal(st.ipvs_failed, 1);
	assert_int_equal(st.last_errno_count[EEXIST], 1);
	assert_int_equal(st.failed_passes, 0);
	rfx_fini(&x);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(full_pass_programs_and_binds),
	cmocka_unit_test(chunked_full_pass),
	cmocka_unit_test(drift_repaired),
	cmocka_unit_test(foreign_left_alone),
	cmocka_unit_test(write_failing_halfway),
	cmocka_unit_test(dirty_failure_requeued),
	cmocka_unit_test(link_failure_stops_the_pass),
	cmocka_unit_test(graceful_drain),
	cmocka_unit_test(restart_adopts),
	cmocka_unit_test(recorder_writes_nothing),
	cmocka_unit_test(refused_change_logged),
};

UNIT_MAIN(tests)
