/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_reconcile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/ipvs.h"
#include "../../lib/log.h"
#include "../../lib/mono.h"
#include "../sync_ct.h"
#include "../sync_desired.h"
#include "../sync_drain.h"
#include "../sync_node.h"
#include "../sync_table.h"
#include "sync_addrset.h"

/* Failed changes logged one by one per pass; the rest are counted in one line. */
#define MAX_FAIL_LOGS 20

/* One pass's kernel writes: what was sent and refused, for its log line. */
struct pass {
	const char *kind;
	size_t sent, failed, logged;
	struct sync_diff_stats diff;
};

/*
 * The full pass in progress, from sync_reconcile_full_begin() to its last
 * step. Its changes are planned a chunk at a time (a cold start at 10,000
 * services x 10 is 110,000 changes, ~33 MB if planned at once): the kernel's
 * virtual servers read at the start (without destinations: those are read one
 * virtual server at a time as the pass reaches it, so the kernel table is
 * never held whole), an index over them, which ones the wanted table met, and
 * cursors into both tables.
 */
struct full_pass {
	struct pass p;
	struct ipvs_table have;
	struct sync_index have_idx;
	uint8_t *seen;
	size_t want_pos, have_pos;
	bool want_done;
	struct sync_diff diff;
	struct ipvs_vs cur;       /* the kernel virtual server being compared, with its dests */
	struct sync_changes plan; /* the current chunk */
	struct addr_set unbind;   /* to remove at the end: bound, and nothing wants them */
	uint64_t start_us;
	uint64_t nft_writes; /* the filter's transactions before the pass */
};

struct sync_reconcile {
	struct sync_reconcile_opts o;
	struct sync_node node;
	struct sync_desired *d;
	struct sync_drain *drain;
	struct sync_nft *nft; /* the packet filter's part of the passes */
	struct sync_own own;
	struct sync_keys keys;  /* the virtual servers of the keyed pass under way */
	struct sync_keys retry; /* virtual servers a failed keyed pass left */
	int ifindex;            /* kube-ipvs0; -1 when absent */
	struct addr_set bound;
	struct full_pass *full; /* NULL: no full pass under way */
	/* The bound set the ownership rules have (own_set_bound()). */
	bool own_bound_set;
	uint64_t own_bound_gen;
	/* Arrival of the oldest watch event the next dirty pass serves; 0 = none. */
	uint64_t event_us;
	/* The pass's conntrack clean-up: targets from its applied changes, and
	 * the virtual servers its diff saw go from no destination to some. */
	struct sync_ct_plan ct;
	struct sync_keys activated;
	struct sync_reconcile_stats st;
};

/* --- applying changes: the one apply-and-log loop ------------------------------ */

static void log_failed(struct pass *p, const struct ipvs_change *c)
{
	char buf[160], va[ADDR_STRLEN], da[ADDR_STRLEN];
	const char *proto = ipvs_proto_name(c->svc.protocol);

	if (p->logged++ >= MAX_FAIL_LOGS)
		return;
	log_warn("ipvs_change_failed", "kind=%s op=%s vs=%s/%s dest=%s err=%s", p->kind,
	         sync_op_name(c->op), proto ? proto : "fwm",
	         addr_port_fmt(&c->svc.addr, c->svc.port, va),
	         c->op >= IPVS_OP_ADD_DEST ? addr_port_fmt(&c->dest.addr, c->dest.port, da) : "-",
	         ipvs_change_strerror(c, buf, sizeof(buf)));
}

/*
 * Sends @n changes a batch at a time; counts and logs the ones the kernel
 * refused. 0, or the exchange's -errno (the rest is not sent).
 */
static int apply_changes(struct sync_reconcile *r, struct pass *p, struct ipvs_change *c, size_t n)
{
	for (size_t pos = 0; pos < n;) {
		size_t chunk = n - pos < SYNC_APPLY_BATCH ? n - pos : SYNC_APPLY_BATCH;
		size_t failed = 0;
		int err = r->o.ops->apply(r->o.be, &c[pos], chunk, &failed);

		r->st.ipvs_changes += chunk;
		r->st.kernel_writes += chunk;
		p->sent += chunk;
		for (size_t i = pos; i < pos + chunk; i++) {
			int e = -c[i].err;

			if (!e)
				continue;
			p->failed++;
			r->st.ipvs_failed++;
			if (e > 0 && e < SYNC_ERRNO_MAX)
				r->st.last_errno_count[e]++;
			log_failed(p, &c[i]);
		}
		pos += chunk;
		if (err)
			return err;
	}
	return 0;
}

/* The end of a pass's writes: failures past the first ones, in one line. */
static void pass_end(struct pass *p)
{
	if (p->logged > MAX_FAIL_LOGS)
		log_warn("ipvs_change_failed_more", "kind=%s count=%zu", p->kind,
		         p->logged - MAX_FAIL_LOGS);
	p->logged = 0;
}

/* A pass stopped on @err: logged once, counted. */
static int pass_failed(struct sync_reconcile *r, const char *kind, const char *stage, int err)
{
	r->st.failed_passes++;
	log_warn("sync_failed", "kind=%s stage=%s err=%s", kind, stage, strerror(-err));
	return err;
}

/*
 * The conntrack targets of changes just applied (only those the kernel
 * accepted count) join the pass's plan; the activated set is consumed.
 */
static void ct_plan(struct sync_reconcile *r, const struct ipvs_change *c, size_t n)
{
	int err = sync_ct_plan_add(&r->ct, c, n, &r->activated);

	sync_keys_reset(&r->activated);
	if (err)
		log_warn("conntrack_plan_failed", "err=%s", strerror(-err));
}

/* The end of a pass: its plan goes to the backend (after its IPVS changes). */
static void ct_flush(struct sync_reconcile *r, const char *kind)
{
	int err = 0;

	if (r->ct.n)
		err = r->o.ops->ct_clean(r->o.be, &r->ct);
	if (err)
		log_warn("conntrack_cleanup_failed", "kind=%s targets=%zu stage=submit err=%s",
		         kind, r->ct.n, strerror(-err));
	r->st.ct_targets += r->ct.n;
	sync_ct_plan_reset(&r->ct);
	sync_keys_reset(&r->activated);
}

/* Drops a full pass and everything it holds. */
static void full_free(struct full_pass *f)
{
	if (!f)
		return;
	ipvs_vs_free(&f->cur);
	sync_index_free(&f->have_idx);
	ipvs_table_free(&f->have);
	free(f->seen);
	sync_diff_clear(&f->diff);
	sync_changes_free(&f->plan);
	addr_set_free(&f->unbind);
	free(f);
}

/* --- life cycle ---------------------------------------------------------------- */

int sync_reconcile_new(const struct sync_reconcile_opts *o, struct sync_reconcile **out)
{
	struct sync_reconcile *r = calloc(1, sizeof(*r));
	const struct kipvs_config *cfg = o->cfg;
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->o = *o;
	r->ifindex = -1;
	sync_node_init(&r->node);
	sync_own_init(&r->own);
	sync_own_set_nodeport_range(&r->own, cfg->nodeport_min, cfg->nodeport_max);
	sync_keys_init(&r->keys);
	sync_keys_init(&r->retry);
	sync_keys_init(&r->activated);
	sync_ct_plan_init(&r->ct);
	err = sync_node_set_scheduler(&r->node, cfg->scheduler);
	if (!err && cfg->hostname_override && *cfg->hostname_override)
		err = sync_node_set_name(&r->node, cfg->hostname_override);
	if (!err && cfg->node_zone)
		err = sync_node_set_zone(&r->node, cfg->node_zone);
	if (!err)
		err = sync_own_set_exclude(&r->own, cfg->exclude_cidrs, cfg->n_exclude_cidrs);
	if (!err)
		err = sync_desired_new(&r->d);
	if (!err)
		err = sync_drain_new(&r->drain, cfg->graceful_timeout_ms);
	if (!err) {
		struct sync_filter_opts fo;

		sync_filter_opts_from(cfg, NULL, 0, &fo);
		err = sync_nft_new(o->ops, o->be, &fo, &r->nft);
	}
	if (err) {
		sync_reconcile_free(r);
		return err;
	}
	*out = r;
	return 0;
}

void sync_reconcile_free(struct sync_reconcile *r)
{
	if (!r)
		return;
	sync_node_clear(&r->node);
	sync_own_clear(&r->own);
	sync_keys_free(&r->keys);
	sync_keys_free(&r->retry);
	sync_keys_free(&r->activated);
	sync_ct_plan_free(&r->ct);
	sync_desired_free(r->d);
	sync_drain_free(r->drain);
	sync_nft_free(r->nft);
	full_free(r->full);
	addr_set_free(&r->bound);
	free(r);
}

/* --- node configuration -------------------------------------------------------- */

static bool same_addrs(const struct net_addr *a, size_t na, const struct net_addr *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

int sync_reconcile_set_zone(struct sync_reconcile *r, const char *zone, bool *changed)
{
	const char *cur = r->node.zone;
	int err;

	if (changed)
		*changed = false;
	/* --node-zone wins over the Node object's label. */
	if (r->o.cfg->node_zone)
		return 0;
	if ((!cur && (!zone || !*zone)) || (cur && zone && !strcmp(cur, zone)))
		return 0;
	err = sync_node_set_zone(&r->node, zone);
	if (err)
		return err;
	log_info("node_zone", "zone=%s", zone && *zone ? zone : "-");
	err = sync_store_mark_all_dirty(r->o.store);
	if (!err && changed)
		*changed = true;
	return err;
}

int sync_reconcile_set_pod_cidrs(struct sync_reconcile *r, const struct net_cidr *cidrs, size_t n,
                                 bool *changed)
{
	return sync_nft_set_pod_cidrs(r->nft, r->o.cfg, cidrs, n, changed);
}

static int find_ifindex(struct sync_reconcile *r)
{
	int idx = r->o.ops->link_index(r->o.be, SYNC_IFNAME);

	r->ifindex = idx >= 0 ? idx : -1;
	return idx == -ENODEV ? 0 : idx < 0 ? idx : 0;
}

static void log_node_addrs(const struct sync_node *n)
{
	char buf[ADDR_STRLEN];
	char list[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < n->n_node_addrs && used < sizeof(list) - ADDR_STRLEN; i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? "," : "",
		                         addr_fmt(&n->node_addrs[i], buf));
	log_info("node_addresses", "nodeport=%s local=%zu", used ? list : "-", n->n_local_addrs);
}

int sync_reconcile_refresh_node(struct sync_reconcile *r, bool *changed)
{
	const struct kipvs_config *cfg = r->o.cfg;
	struct netif_addr *all = NULL;
	struct net_addr *local = NULL, *old_node = NULL, *old_local = NULL;
	size_t n_all = 0, n_local = 0, n_old_node = r->node.n_node_addrs,
	       n_old_local = r->node.n_local_addrs;
	const struct net_addr *cand;
	size_t n_cand;
	bool differ;
	int err = find_ifindex(r);

	if (changed)
		*changed = false;
	if (!err)
		err = r->o.ops->addrs(r->o.be, 0, r->ifindex > 0 ? r->ifindex : 0, &all, &n_all);
	if (err)
		return err;
	local = calloc(n_all ? n_all : 1, sizeof(*local));
	old_node = calloc(n_old_node ? n_old_node : 1, sizeof(*old_node));
	old_local = calloc(n_old_local ? n_old_local : 1, sizeof(*old_local));
	if (!local || !old_node || !old_local) {
		err = -ENOMEM;
		goto out;
	}
	if (n_old_node)
		memcpy(old_node, r->node.node_addrs, n_old_node * sizeof(*old_node));
	if (n_old_local)
		memcpy(old_local, r->node.local_addrs, n_old_local * sizeof(*old_local));
	for (size_t i = 0; i < n_all; i++)
		local[n_local++] = all[i].addr;
	if (cfg->n_node_ips) {
		cand = cfg->node_ips;
		n_cand = cfg->n_node_ips;
	} else if (cfg->nodeport_primary && cfg->bind_address.af) {
		cand = &cfg->bind_address;
		n_cand = 1;
	} else {
		cand = local;
		n_cand = n_local;
	}
	err = sync_node_set_node_addrs(&r->node, cand, n_cand, cfg->nodeport_cidrs,
	                               cfg->n_nodeport_cidrs);
	if (!err)
		err = sync_node_set_local_addrs(&r->node, local, n_local);
	if (!err)
		err = sync_own_set_node(&r->own, r->node.node_addrs, r->node.n_node_addrs);
	if (err)
		goto out;
	differ = !same_addrs(old_node, n_old_node, r->node.node_addrs, r->node.n_node_addrs) ||
	         !same_addrs(old_local, n_old_local, r->node.local_addrs, r->node.n_local_addrs);
	if (differ) {
		log_node_addrs(&r->node);
		err = sync_store_mark_all_dirty(r->o.store);
	}
	r->st.node_addrs = r->node.n_node_addrs;
	if (!err && changed)
		*changed = differ;
out:
	free(all);
	free(local);
	free(old_node);
	free(old_local);
	return err;
}

/* --- kube-ipvs0 addresses -------------------------------------------------------- */

static int read_bound(struct sync_reconcile *r)
{
	struct netif_addr *v;
	size_t n;
	int err;

	r->bound.n = 0;
	r->bound.gen++;
	if (r->ifindex < 0)
		return 0;
	err = r->o.ops->addrs(r->o.be, r->ifindex, 0, &v, &n);
	if (err)
		return err;
	for (size_t i = 0; !err && i < n; i++) {
		/* IPv6 link-local addresses the kernel may add are not ours. */
		if (addr_is_link_local(&v[i].addr))
			continue;
		err = addr_set_add(&r->bound, &v[i].addr);
	}
	free(v);
	return err;
}

/*
 * Binds @a on kube-ipvs0. A failure is logged and leaves the address out of
 * the bound set (so a later pass tries again); the pass goes on: the virtual
 * server works for every address but that one.
 */
static int bind_addr(struct sync_reconcile *r, const struct net_addr *a)
{
	char buf[ADDR_STRLEN];
	int err = r->o.ops->addr_add(r->o.be, r->ifindex, a);

	if (err && err != -EEXIST) {
		log_warn("bind_failed", "dev=%s addr=%s err=%s", SYNC_IFNAME, addr_fmt(a, buf),
		         strerror(-err));
		return 0;
	}
	if (!err) {
		r->st.addr_added++;
		r->st.kernel_writes++;
		log_debug("bind", "dev=%s addr=%s", SYNC_IFNAME, addr_fmt(a, buf));
	}
	return addr_set_add(&r->bound, a);
}

static void unbind_addr(struct sync_reconcile *r, const struct net_addr *a)
{
	char buf[ADDR_STRLEN];
	int err = r->o.ops->addr_del(r->o.be, r->ifindex, a);

	if (err && err != -EADDRNOTAVAIL) {
		log_warn("unbind_failed", "dev=%s addr=%s err=%s", SYNC_IFNAME, addr_fmt(a, buf),
		         strerror(-err));
		return;
	}
	if (!err) {
		r->st.addr_removed++;
		r->st.kernel_writes++;
		log_debug("unbind", "dev=%s addr=%s", SYNC_IFNAME, addr_fmt(a, buf));
	}
	addr_set_del(&r->bound, a);
}

/* kube-ipvs0, created when missing; its index in r->ifindex. */
static int ensure_link(struct sync_reconcile *r)
{
	int idx = r->o.ops->link_ensure(r->o.be, SYNC_IFNAME);

	if (idx < 0)
		return idx; /* kube-proxy aborts the sync too: without the link nothing binds */
	if (r->ifindex != idx)
		log_info("link", "dev=%s ifindex=%d", SYNC_IFNAME, idx);
	r->ifindex = idx;
	return 0;
}

/*
 * Gives the ownership rules the bound set when it changed since they last
 * had it: at 10,000 addresses the copy and sort cost more than the rest of
 * a one-service dirty pass.
 */
static int own_set_bound(struct sync_reconcile *r)
{
	int err;

	if (r->own_bound_set && r->own_bound_gen == r->bound.gen)
		return 0;
	err = sync_own_set_bound(&r->own, r->bound.v, r->bound.n);
	r->own_bound_set = !err;
	r->own_bound_gen = r->bound.gen;
	return err;
}

/*
 * After addresses left kube-ipvs0: ownership follows. Failing (out of memory)
 * leaves the previous, larger set, which only delays deleting a service.
 */
static void own_shrink(struct sync_reconcile *r)
{
	if (own_set_bound(r))
		log_warn("own_update_failed", "err=%s", strerror(ENOMEM));
}

/* --- IPVS timeouts (--ipvs-tcp-timeout ...) ------------------------------------------ */

static void ensure_timeouts(struct sync_reconcile *r)
{
	const struct kipvs_config *cfg = r->o.cfg;
	struct ipvs_timeouts cur, want = {
		.tcp = (uint32_t)(cfg->tcp_timeout_ms / 1000),
		.tcp_fin = (uint32_t)(cfg->tcpfin_timeout_ms / 1000),
		.udp = (uint32_t)(cfg->udp_timeout_ms / 1000),
	};
	int err;

	if (!want.tcp && !want.tcp_fin && !want.udp)
		return;
	err = r->o.ops->get_timeouts(r->o.be, &cur);
	if (!err && (!want.tcp || want.tcp == cur.tcp) &&
	    (!want.tcp_fin || want.tcp_fin == cur.tcp_fin) && (!want.udp || want.udp == cur.udp))
		return;
	if (!err)
		err = r->o.ops->set_timeouts(r->o.be, &want);
	if (err) {
		log_warn("ipvs_timeouts_failed", "err=%s", strerror(-err));
		return;
	}
	r->st.kernel_writes++;
	log_info("ipvs_timeouts", "tcp=%u tcpfin=%u udp=%u old_tcp=%u old_tcpfin=%u old_udp=%u",
	         want.tcp, want.tcp_fin, want.udp, cur.tcp, cur.tcp_fin, cur.udp);
}

/* --- keyed passes (dirty, drain, kubernetes first) ------------------------------------ */

static void update_now_stats(struct sync_reconcile *r)
{
	struct sync_desired_stats ds;

	sync_desired_stats(r->d, &ds);
	r->st.vs = ds.vs;
	r->st.dests = ds.dests;
	r->st.bound = r->bound.n;
	r->st.draining = sync_drain_count(r->drain);
}

/* Reads, diffs and applies the virtual servers in r->keys. 0 or -errno. */
static int run_keys(struct sync_reconcile *r, uint64_t now_ms, struct pass *p)
{
	struct ipvs_table have;
	struct sync_changes plan = { 0 };
	struct sync_diff c;
	int err;

	ipvs_table_init(&have);
	sync_diff_init(&c, &r->own, r->drain, now_ms, sync_changes_emit, &plan);
	c.activated = &r->activated;
	err = sync_ops_read_keys(r->o.ops, r->o.be, &r->keys, &have);
	if (!err)
		err = sync_diff_keys(&c, r->d, &r->keys, &have, NULL);
	if (!err)
		err = apply_changes(r, p, plan.v, plan.n);
	ct_plan(r, plan.v, plan.n);
	ct_flush(r, p->kind);
	pass_end(p);
	p->diff = c.stats;
	r->st.last_diff = c.stats;
	sync_diff_clear(&c);
	sync_changes_free(&plan);
	ipvs_table_free(&have);
	return err;
}

/* A keyed pass failed: its virtual servers wait for the next dirty pass. */
static int keep_keys(struct sync_reconcile *r, const char *kind, const char *stage, int err)
{
	int e = sync_keys_reserve(&r->retry, r->keys.n);

	for (size_t i = 0; !e && i < r->keys.n; i++)
		e = sync_keys_add(&r->retry, &r->keys.v[i]);
	if (e)
		log_err("sync_retry_lost", "kind=%s vs=%zu err=%s", kind, r->keys.n, strerror(-e));
	return pass_failed(r, kind, stage, err);
}

static int apply_kubernetes_first(struct sync_reconcile *r, uint64_t now_ms)
{
	struct pass p = { .kind = "kubernetes-first" };
	int err;

	sync_keys_reset(&r->keys);
	err = sync_desired_update(r->d, r->o.store, &r->node, "default/kubernetes", &r->keys);
	if (err || !r->keys.n)
		return err;
	err = run_keys(r, now_ms, &p);
	if (!err && p.sent)
		log_info("sync", "kind=kubernetes-first changes=%zu failed=%zu", p.sent, p.failed);
	return err;
}

/* --- the full pass ---------------------------------------------------------------------- */

/*
 * Plans the next virtual servers of the full pass into f->plan until it holds
 * @max changes or the pass is planned to the end: the wanted table first
 * (additions and edits), then what is left in the kernel (deletions, when
 * owned). 1 while more remains, 0 at the end, -errno.
 */
static int plan_some(struct sync_reconcile *r, struct full_pass *f, size_t max)
{
	int err = 0;

	while (!err && f->plan.n < max) {
		if (!f->want_done) {
			const struct ipvs_vs *w = sync_desired_next(r->d, &f->want_pos, NULL);
			const struct ipvs_vs *h;

			if (!w) {
				f->want_done = true;
				continue;
			}
			h = sync_index_find(&f->have_idx, &w->svc);
			if (h) {
				f->seen[h - f->have.vs] = 1;
				/* Its destinations, read now: the same one GET_DEST per
				 * virtual server a whole-table dump makes. */
				f->cur.svc = h->svc;
				f->cur.n_dests = 0;
				err = r->o.ops->dests(r->o.be, &f->cur);
				h = &f->cur;
			}
			if (!err)
				err = sync_diff_vs(&f->diff, w, h, false);
		} else if (f->have_pos < f->have.n) {
			size_t i = f->have_pos++;

			if (!f->seen[i] && !sync_desired_find(r->d, &f->have.vs[i].svc, NULL))
				err = sync_diff_vs(&f->diff, NULL, &f->have.vs[i], false);
		} else {
			return 0;
		}
	}
	return err ? err : 1;
}

/* Binds what the wanted table needs on kube-ipvs0 and notes in f->unbind
 * what it no longer needs (removed once the pass is over). */
static int full_addresses(struct sync_reconcile *r, struct full_pass *f)
{
	struct net_addr *want = NULL;
	size_t n_want = 0;
	int err = read_bound(r);

	if (!err)
		err = sync_desired_bound_addrs(r->d, &want, &n_want);
	for (size_t i = 0; !err && i < r->bound.n; i++)
		if (!sync_addrs_contains(want, n_want, &r->bound.v[i]))
			err = addr_set_add(&f->unbind, &r->bound.v[i]);
	for (size_t i = 0; !err && i < n_want; i++)
		if (!addr_set_has(&r->bound, &want[i]))
			err = bind_addr(r, &want[i]);
	free(want);
	if (!err)
		err = own_set_bound(r);
	return err;
}

/* The kernel's virtual servers, indexed, for the pass to walk. */
static int full_read(struct sync_reconcile *r, struct full_pass *f, uint64_t now_ms)
{
	int err = r->o.ops->services(r->o.be, &f->have);

	if (!err)
		err = sync_index_build(&f->have_idx, &f->have);
	if (!err) {
		f->seen = calloc(f->have.n ? f->have.n : 1, 1);
		if (!f->seen)
			err = -ENOMEM;
	}
	sync_diff_init(&f->diff, &r->own, r->drain, now_ms, sync_changes_emit, &f->plan);
	f->diff.activated = &r->activated;
	return err;
}

static int ignore_key(void *ctx, const char *key)
{
	(void)ctx;
	(void)key;
	return 0;
}

int sync_reconcile_full_begin(struct sync_reconcile *r, uint64_t now_ms, bool kubernetes_first)
{
	struct full_pass *f;
	const char *stage = "store";
	int err;

	if (r->full)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return pass_failed(r, "full", "start", -ENOMEM);
	f->p.kind = "full";
	f->start_us = mono_us();
	ipvs_table_init(&f->have);
	sync_index_init(&f->have_idx);
	/* This pass covers every service: earlier dirty marks and retries are
	 * served by it. */
	err = sync_store_drain(r->o.store, ignore_key, NULL);
	sync_keys_reset(&r->retry);
	r->event_us = 0; /* programmed by this pass; later events mark again */
	if (!err) {
		bool changed;

		stage = "node";
		err = sync_reconcile_refresh_node(r, &changed);
		if (!err && changed)
			err = sync_store_drain(r->o.store, ignore_key, NULL);
	}
	if (!err) {
		stage = "desired";
		err = sync_desired_build(r->d, r->o.store, &r->node);
	}
	if (!err) {
		stage = "link";
		err = ensure_link(r);
	}
	if (!err) {
		stage = "addresses";
		err = full_addresses(r, f);
	}
	if (!err) {
		/* What traffic to the new state needs, before any IPVS change. */
		stage = "filter";
		f->nft_writes = r->st.nft.writes;
		err = sync_nft_full_pre(r->nft, r->o.store, &r->node);
		sync_nft_stats(r->nft, &r->st.nft);
	}
	if (!err) {
		ensure_timeouts(r);
		stage = "kubernetes-first";
		if (kubernetes_first)
			err = apply_kubernetes_first(r, now_ms);
	}
	if (!err) {
		stage = "read";
		err = full_read(r, f, now_ms);
	}
	if (err) {
		full_free(f);
		return pass_failed(r, "full", stage, err);
	}
	r->full = f;
	return 0;
}

bool sync_reconcile_full_pending(const struct sync_reconcile *r)
{
	return r->full != NULL;
}

/* The pass is over: addresses nothing wants go (when it went well), figures. */
static void finish_full(struct sync_reconcile *r, bool ok)
{
	struct full_pass *f = r->full;
	size_t removed = 0;

	if (ok)
		sync_nft_full_post(r->nft); /* what nothing uses any more */
	sync_nft_stats(r->nft, &r->st.nft);
	ct_flush(r, "full");
	for (size_t i = 0; ok && i < f->unbind.n; i++) {
		/* A dirty pass between planning and now may want it again. */
		if (sync_desired_is_bound(r->d, &f->unbind.v[i]))
			continue;
		unbind_addr(r, &f->unbind.v[i]);
		removed++;
	}
	own_shrink(r);
	r->st.full_passes += ok;
	r->st.last_duration_us = mono_us() - f->start_us;
	r->st.last_changes = f->p.sent;
	r->st.last_diff = f->diff.stats;
	update_now_stats(r);
	if (ok)
		log_info("sync",
		         "kind=full vs=%zu dests=%zu bound=%zu changes=%zu failed=%zu "
		         "addr_removed=%zu draining=%zu nft_writes=%llu duration_ms=%.1f",
		         r->st.vs, r->st.dests, r->st.bound, f->p.sent, f->p.failed, removed,
		         r->st.draining, (unsigned long long)(r->st.nft.writes - f->nft_writes),
		         (double)r->st.last_duration_us / 1000.0);
	/* The kernel's table and its index are a pass's, not the daemon's. */
	full_free(f);
	r->full = NULL;
}

int sync_reconcile_full_step(struct sync_reconcile *r, size_t max, bool *more)
{
	struct full_pass *f = r->full;
	const char *stage = "read";
	int left, err = 0;

	*more = false;
	if (!f)
		return 0;
	f->plan.n = 0;
	left = plan_some(r, f, max ? max : 1);
	if (left < 0)
		err = left;
	if (!err) {
		stage = "apply";
		err = apply_changes(r, &f->p, f->plan.v, f->plan.n);
	}
	ct_plan(r, f->plan.v, f->plan.n);
	if (err || left == 0)
		pass_end(&f->p);
	if (err) {
		/* The caller starts another full pass: it begins with a fresh read. */
		finish_full(r, false);
		return pass_failed(r, "full", stage, err);
	}
	if (left == 0)
		finish_full(r, true);
	*more = left > 0;
	return 0;
}

/* --- dirty and drain passes ------------------------------------------------------------- */

static int update_key(void *ctx, const char *key)
{
	struct sync_reconcile *r = ctx;
	int err = sync_desired_update(r->d, r->o.store, &r->node, key, &r->keys);

	return err ? err : sync_nft_update(r->nft, r->o.store, &r->node, key);
}

void sync_reconcile_note_event(struct sync_reconcile *r, uint64_t rx_us)
{
	if (rx_us && (!r->event_us || rx_us < r->event_us))
		r->event_us = rx_us;
}

bool sync_reconcile_pending(const struct sync_reconcile *r)
{
	return sync_store_n_dirty(r->o.store) || r->retry.n;
}

/* Binds the addresses of r->keys that belong on kube-ipvs0 (before the
 * virtual servers on them are programmed). */
static int dirty_bind(struct sync_reconcile *r)
{
	int err = 0;

	if (r->ifindex < 0)
		err = ensure_link(r);
	for (size_t i = 0; !err && i < r->keys.n; i++) {
		const struct net_addr *a = &r->keys.v[i].addr;

		if (!r->keys.v[i].fwmark && sync_desired_is_bound(r->d, a) &&
		    !addr_set_has(&r->bound, a))
			err = bind_addr(r, a);
	}
	return err ? err : own_set_bound(r);
}

/* Unbinds the addresses of r->keys nothing wants any more (after). */
static void dirty_unbind(struct sync_reconcile *r)
{
	for (size_t i = 0; i < r->keys.n; i++) {
		const struct net_addr *a = &r->keys.v[i].addr;

		if (!r->keys.v[i].fwmark && !sync_desired_is_bound(r->d, a) &&
		    addr_set_has(&r->bound, a))
			unbind_addr(r, a);
	}
	own_shrink(r);
}

static void log_dirty(struct sync_reconcile *r, const struct pass *p, uint64_t event_us)
{
	char lat[48] = "";

	if (!p->sent)
		return;
	if (event_us) {
		/* The kernel has acked: the watch event is programmed. */
		r->st.last_event_to_kernel_us = mono_us() - event_us;
		r->st.events_to_kernel++;
		snprintf(lat, sizeof(lat), " event_to_kernel_ms=%.2f",
		         (double)r->st.last_event_to_kernel_us / 1000.0);
	}
	log_info("sync", "kind=%s vs=%zu changes=%zu failed=%zu duration_ms=%.2f%s", p->kind,
	         r->keys.n, p->sent, p->failed, (double)r->st.last_duration_us / 1000.0, lat);
}

static int dirty_pass(struct sync_reconcile *r, uint64_t now_ms, struct pass *p)
{
	uint64_t t0;
	int err;

	sync_keys_reset(&r->keys);
	/* What a failed pass left first: the store's keys may add to it. */
	err = sync_keys_reserve(&r->keys, r->retry.n);
	for (size_t i = 0; !err && i < r->retry.n; i++)
		err = sync_keys_add(&r->keys, &r->retry.v[i]);
	if (err)
		return pass_failed(r, p->kind, "retry", err);
	sync_keys_reset(&r->retry);
	err = sync_store_drain(r->o.store, update_key, r);
	if (err)
		return keep_keys(r, p->kind, "desired", err);
	r->st.dirty_passes++;
	if (!r->keys.n && !sync_filter_has_pending(sync_nft_filter(r->nft)))
		return 0;
	err = dirty_bind(r);
	if (err)
		return keep_keys(r, p->kind, "addresses", err);
	t0 = mono_us();
	/* The filter's additions before IPVS sends traffic their way, its
	 * removals once IPVS no longer does. */
	err = sync_nft_dirty_pre(r->nft);
	if (!err)
		err = run_keys(r, now_ms, p);
	sync_nft_dirty_post(r->nft);
	sync_nft_stats(r->nft, &r->st.nft);
	if (err)
		return keep_keys(r, p->kind, "apply", err);
	r->st.last_duration_us = mono_us() - t0;
	r->st.last_changes = p->sent;
	log_dirty(r, p, r->event_us);
	dirty_unbind(r);
	update_now_stats(r);
	return 0;
}

int sync_reconcile_dirty(struct sync_reconcile *r, uint64_t now_ms, size_t *sent)
{
	struct pass p = { .kind = "dirty" };
	int err = 0;

	if (!r->full && sync_reconcile_pending(r)) {
		err = dirty_pass(r, now_ms, &p);
		/* Served, failed or changing nothing this node programs: either
		 * way a later event must not be timed from them. */
		r->event_us = 0;
	}
	if (sent)
		*sent = p.sent;
	return err;
}

int sync_reconcile_drain(struct sync_reconcile *r, uint64_t now_ms, size_t *sent)
{
	struct pass p = { .kind = "drain" };
	uint64_t t0 = mono_us();
	int err = 0;

	if (sent)
		*sent = 0;
	if (r->full || !sync_drain_count(r->drain))
		return 0;
	sync_keys_reset(&r->keys);
	err = sync_drain_vs_keys(r->drain, &r->keys);
	if (!err)
		err = run_keys(r, now_ms, &p);
	if (err)
		return keep_keys(r, p.kind, "apply", err);
	r->st.last_duration_us = mono_us() - t0;
	r->st.last_changes = p.sent;
	log_dirty(r, &p, 0);
	update_now_stats(r);
	if (sent)
		*sent = p.sent;
	return 0;
}

uint64_t sync_reconcile_drain_deadline(const struct sync_reconcile *r)
{
	return sync_drain_next_deadline(r->drain);
}

void sync_reconcile_stats(const struct sync_reconcile *r, struct sync_reconcile_stats *out)
{
	*out = r->st;
	sync_nft_stats(r->nft, &out->nft);
	out->kernel_writes += out->nft.writes;
	out->bound = r->bound.n;
	out->draining = sync_drain_count(r->drain);
}

const struct sync_desired *sync_reconcile_desired(const struct sync_reconcile *r)
{
	return r->d;
}

const struct sync_filter *sync_reconcile_filter(const struct sync_reconcile *r)
{
	return sync_nft_filter(r->nft);
}

bool sync_reconcile_full_wanted(const struct sync_reconcile *r)
{
	return sync_nft_need_full(r->nft);
}

const struct sync_node *sync_reconcile_node(const struct sync_reconcile *r)
{
	return &r->node;
}
