/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_reconcile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/log.h"
#include "../lib/mono.h"
#include "sync_desired.h"
#include "sync_diff.h"
#include "sync_drain.h"
#include "sync_node.h"
#include "sync_ops.h"
#include "sync_table.h"

/* Changes per ipvs_apply() call within a pass. */
#define APPLY_BATCH 1024

struct addr_set {
	struct net_addr *v; /* sorted (addr_cmp) */
	size_t n, cap;
	uint64_t gen; /* bumped on every change */
};

struct sync_reconcile {
	struct sync_reconcile_opts o;
	struct sync_node node;
	struct sync_desired *d;
	struct sync_drain *drain;
	struct sync_own own;
	struct sync_keys keys;
	int ifindex; /* kube-ipvs0; -1 when absent */
	struct addr_set bound;

	/*
	 * The full pass in progress. Its changes are planned a chunk at a time
	 * (a cold start at 10,000 services x 10 is 110,000 changes, ~33 MB if
	 * planned at once): the kernel's virtual servers read at the start
	 * (without destinations: those are read one virtual server at a time
	 * as the pass reaches it, so the kernel table is never held whole), an
	 * index over them, which ones the wanted table met, and cursors into
	 * both tables.
	 */
	bool full_active;
	struct sync_changes plan; /* the current chunk (the whole plan in a dry run) */
	struct ipvs_table have;
	struct sync_index have_idx;
	uint8_t *seen;
	size_t want_pos, have_pos;
	bool want_done;
	struct sync_diff diff;
	struct ipvs_vs cur; /* the kernel virtual server being compared, with its dests */
	/* The bound set the ownership rules have (own_set_bound()). */
	bool own_bound_set;
	uint64_t own_bound_gen;
	/* Arrival of the oldest watch event the next dirty pass serves; 0 = none. */
	uint64_t event_us;
	size_t full_changes;
	struct addr_set unbind;
	struct addr_set bind_plan; /* dry run: what would be bound */
	uint64_t full_start_us;
	size_t full_failed;

	struct sync_reconcile_stats st;
};

/* --- sorted address sets ---------------------------------------------------- */

static size_t set_pos(const struct addr_set *s, const struct net_addr *a, bool *found)
{
	size_t lo = 0, hi = s->n;

	*found = false;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = addr_cmp(&s->v[mid], a);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool set_has(const struct addr_set *s, const struct net_addr *a)
{
	bool found;

	set_pos(s, a, &found);
	return found;
}

static int set_add(struct addr_set *s, const struct net_addr *a)
{
	bool found;
	size_t i = set_pos(s, a, &found);

	if (found)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct net_addr *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = *a;
	s->n++;
	s->gen++;
	return 0;
}

static void set_del(struct addr_set *s, const struct net_addr *a)
{
	bool found;
	size_t i = set_pos(s, a, &found);

	if (!found)
		return;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
	s->gen++;
}

static void set_free(struct addr_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* --- the kernel behind sync_ops -------------------------------------------------- */

static int be_dump(void *be, struct ipvs_table *out)
{
	struct sync_reconcile *r = be;

	return ipvs_dump_table(r->o.ipvs, out);
}

static int be_get_vs(void *be, const struct ipvs_service *id, struct ipvs_table *out)
{
	struct sync_reconcile *r = be;
	struct ipvs_service s = *id;
	struct ipvs_vs *vs;
	int err = ipvs_get_service(r->o.ipvs, &s);

	if (err)
		return err;
	vs = ipvs_table_add(out, &s);
	if (!vs)
		return -ENOMEM;
	return ipvs_dump_dests(r->o.ipvs, vs);
}

static void count_results(struct sync_reconcile *r, const struct ipvs_change *c, size_t n)
{
	r->st.ipvs_changes += n;
	r->st.kernel_writes += n;
	for (size_t i = 0; i < n; i++) {
		if (!c[i].err)
			continue;
		r->st.ipvs_failed++;
		if (-c[i].err > 0 && -c[i].err < 134)
			r->st.last_errno_count[-c[i].err]++;
	}
}

static int be_apply(void *be, struct ipvs_change *c, size_t n, size_t *n_failed)
{
	struct sync_reconcile *r = be;
	int err;

	if (r->o.dry_run) {
		/* kipvs diff: keep the plan, write nothing. */
		for (size_t i = 0; i < n; i++) {
			c[i].err = 0;
			err = sync_changes_emit(&r->plan, &c[i]);
			if (err)
				return err;
		}
		*n_failed = 0;
		return 0;
	}
	err = ipvs_apply(r->o.ipvs, c, n, n_failed);
	count_results(r, c, n);
	return err;
}

static const struct sync_ops kernel_ops = {
	.dump = be_dump,
	.get_vs = be_get_vs,
	.apply = be_apply,
};

static void run_init(struct sync_reconcile *r, struct sync_run *run, uint64_t now_ms)
{
	memset(run, 0, sizeof(*run));
	run->ops = &kernel_ops;
	run->be = r;
	run->own = &r->own;
	run->drain = r->drain;
	run->now_ms = now_ms;
	run->batch = APPLY_BATCH;
}

/* Drops what a full pass holds between its steps. */
static void full_release(struct sync_reconcile *r)
{
	ipvs_vs_free(&r->cur);
	sync_index_free(&r->have_idx);
	ipvs_table_free(&r->have);
	free(r->seen);
	r->seen = NULL;
	sync_diff_clear(&r->diff);
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
	ipvs_table_init(&r->have);
	sync_index_init(&r->have_idx);
	sync_node_init(&r->node);
	sync_own_init(&r->own);
	sync_own_set_nodeport_range(&r->own, cfg->nodeport_min, cfg->nodeport_max);
	sync_keys_init(&r->keys);
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
	sync_desired_free(r->d);
	sync_drain_free(r->drain);
	sync_changes_free(&r->plan);
	full_release(r);
	set_free(&r->bound);
	set_free(&r->unbind);
	set_free(&r->bind_plan);
	free(r);
}

/* --- node configuration -------------------------------------------------------- */

static bool same_addrs(const struct net_addr *a, size_t na, const struct net_addr *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

int sync_reconcile_set_zone(struct sync_reconcile *r, const char *zone)
{
	const char *cur = r->node.zone;
	int err;

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
	return err ? err : 1;
}

static int find_ifindex(struct sync_reconcile *r)
{
	int idx = netif_index(r->o.netif, SYNC_IFNAME);

	r->ifindex = idx >= 0 ? idx : -1;
	return idx == -ENODEV ? 0 : idx < 0 ? idx : 0;
}

int sync_reconcile_refresh_node(struct sync_reconcile *r)
{
	const struct kipvs_config *cfg = r->o.cfg;
	struct netif_addr *all = NULL;
	struct net_addr *local = NULL, *old_node = NULL, *old_local = NULL;
	size_t n_all = 0, n_local = 0, n_old_node = r->node.n_node_addrs,
	       n_old_local = r->node.n_local_addrs;
	const struct net_addr *cand;
	size_t n_cand;
	bool changed;
	int err = find_ifindex(r);

	if (!err)
		err = netif_addrs(r->o.netif, 0, r->ifindex > 0 ? r->ifindex : 0, &all, &n_all);
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
	changed = !same_addrs(old_node, n_old_node, r->node.node_addrs, r->node.n_node_addrs) ||
	          !same_addrs(old_local, n_old_local, r->node.local_addrs, r->node.n_local_addrs);
	if (changed) {
		char buf[ADDR_STRLEN];
		char list[512] = "";
		size_t used = 0;

		for (size_t i = 0; i < r->node.n_node_addrs && used < sizeof(list) - ADDR_STRLEN;
		     i++)
			used +=
			    (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? "," : "",
			                     addr_fmt(&r->node.node_addrs[i], buf));
		log_info("node_addresses", "nodeport=%s local=%zu", used ? list : "-",
		         r->node.n_local_addrs);
		err = sync_store_mark_all_dirty(r->o.store);
	}
	r->st.node_addrs = r->node.n_node_addrs;
	if (!err)
		err = changed ? 1 : 0;
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
	err = netif_addrs(r->o.netif, r->ifindex, 0, &v, &n);
	if (err)
		return err;
	for (size_t i = 0; !err && i < n; i++) {
		/* IPv6 link-local addresses the kernel may add are not ours. */
		if (addr_is_link_local(&v[i].addr))
			continue;
		err = set_add(&r->bound, &v[i].addr);
	}
	free(v);
	return err;
}

static void bind_addr(struct sync_reconcile *r, const struct net_addr *a)
{
	char buf[ADDR_STRLEN];
	int err;

	if (r->o.dry_run) {
		if (set_add(&r->bind_plan, a) == 0)
			(void)set_add(&r->bound, a);
		return;
	}
	err = netif_addr_add(r->o.netif, r->ifindex, a);
	if (err && err != -EEXIST) {
		log_warn("bind_failed", "dev=%s addr=%s err=%s", SYNC_IFNAME, addr_fmt(a, buf),
		         strerror(-err));
		return;
	}
	if (!err) {
		r->st.addr_added++;
		r->st.kernel_writes++;
		log_debug("bind", "dev=%s addr=%s", SYNC_IFNAME, addr_fmt(a, buf));
	}
	(void)set_add(&r->bound, a);
}

static void unbind_addr(struct sync_reconcile *r, const struct net_addr *a)
{
	char buf[ADDR_STRLEN];
	int err;

	if (r->o.dry_run) {
		set_del(&r->bound, a);
		return;
	}
	err = netif_addr_del(r->o.netif, r->ifindex, a);
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
	set_del(&r->bound, a);
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

	if (r->o.dry_run || (!want.tcp && !want.tcp_fin && !want.udp))
		return;
	err = ipvs_get_timeouts(r->o.ipvs, &cur);
	if (!err && (!want.tcp || want.tcp == cur.tcp) &&
	    (!want.tcp_fin || want.tcp_fin == cur.tcp_fin) && (!want.udp || want.udp == cur.udp))
		return;
	if (!err)
		err = ipvs_set_timeouts(r->o.ipvs, &want);
	if (err) {
		log_warn("ipvs_timeouts_failed", "err=%s", strerror(-err));
		return;
	}
	r->st.kernel_writes++;
	log_info("ipvs_timeouts", "tcp=%u tcpfin=%u udp=%u old_tcp=%u old_tcpfin=%u old_udp=%u",
	         want.tcp, want.tcp_fin, want.udp, cur.tcp, cur.tcp_fin, cur.udp);
}

/* --- passes ------------------------------------------------------------------------ */

static int ignore_key(void *ctx, const char *key)
{
	(void)ctx;
	(void)key;
	return 0;
}

static void update_now_stats(struct sync_reconcile *r)
{
	struct sync_desired_stats ds;

	sync_desired_stats(r->d, &ds);
	r->st.vs = ds.vs;
	r->st.dests = ds.dests;
	r->st.bound = r->bound.n;
	r->st.draining = sync_drain_count(r->drain);
}

static int apply_kubernetes_first(struct sync_reconcile *r, uint64_t now_ms)
{
	struct sync_run run;
	struct sync_result res;
	int err;

	sync_keys_reset(&r->keys);
	err = sync_desired_update(r->d, r->o.store, &r->node, "default/kubernetes", &r->keys);
	if (err || !r->keys.n)
		return err;
	run_init(r, &run, now_ms);
	err = sync_run_keys(&run, r->d, &r->keys, &res);
	if (!err && res.sent)
		log_info("sync", "kind=kubernetes-first changes=%zu failed=%zu", res.sent,
		         res.failed);
	return err;
}

/*
 * Plans the next virtual servers of the full pass into r->plan until it holds
 * @max changes or the pass is planned to the end: the wanted table first
 * (additions and edits), then what is left in the kernel (deletions, when
 * owned). 1 while more remains, 0 at the end, -errno.
 */
static int plan_some(struct sync_reconcile *r, size_t max)
{
	int err = 0;

	while (!err && r->plan.n < max) {
		if (!r->want_done) {
			const struct ipvs_vs *w = sync_desired_next(r->d, &r->want_pos, NULL);
			const struct ipvs_vs *h;

			if (!w) {
				r->want_done = true;
				continue;
			}
			h = sync_index_find(&r->have_idx, &w->svc);
			if (h) {
				r->seen[h - r->have.vs] = 1;
				/* Its destinations, read now: the same one GET_DEST per
				 * virtual server a whole-table dump makes. */
				r->cur.svc = h->svc;
				r->cur.n_dests = 0;
				err = ipvs_dump_dests(r->o.ipvs, &r->cur);
				h = &r->cur;
			}
			if (!err)
				err = sync_diff_vs(&r->diff, w, h, false);
		} else if (r->have_pos < r->have.n) {
			size_t i = r->have_pos++;

			if (!r->seen[i] && !sync_desired_find(r->d, &r->have.vs[i].svc, NULL))
				err = sync_diff_vs(&r->diff, NULL, &r->have.vs[i], false);
		} else {
			return 0;
		}
	}
	return err ? err : 1;
}

int sync_reconcile_full_begin(struct sync_reconcile *r, uint64_t now_ms, bool kubernetes_first)
{
	struct net_addr *want = NULL;
	size_t n_want = 0;
	int err;

	if (r->full_active)
		return 1;
	r->full_start_us = mono_us();
	r->plan.n = 0;
	r->unbind.n = 0;
	r->bind_plan.n = 0;
	/* This pass covers every service: earlier dirty marks are served by it. */
	err = sync_store_drain(r->o.store, ignore_key, NULL);
	r->event_us = 0; /* programmed by this pass; later events mark again */
	if (!err) {
		err = sync_reconcile_refresh_node(r);
		if (err == 1)
			err = sync_store_drain(r->o.store, ignore_key, NULL);
	}
	if (!err)
		err = sync_desired_build(r->d, r->o.store, &r->node);
	if (err)
		return err;
	if (!r->o.dry_run) {
		int idx = netif_ensure_dummy(r->o.netif, SYNC_IFNAME);

		if (idx < 0) {
			/* kube-proxy aborts the sync too: without the link nothing binds. */
			log_err("link_failed", "dev=%s err=%s", SYNC_IFNAME, strerror(-idx));
			return idx;
		}
		if (r->ifindex != idx)
			log_info("link", "dev=%s ifindex=%d", SYNC_IFNAME, idx);
		r->ifindex = idx;
	}
	err = read_bound(r);
	if (!err)
		err = sync_desired_bound_addrs(r->d, &want, &n_want);
	if (err)
		return err;
	/* Addresses to remove once the virtual servers that used them are gone. */
	for (size_t i = 0; !err && i < r->bound.n; i++) {
		bool found = false;

		for (size_t lo = 0, hi = n_want; lo < hi && !found;) {
			size_t mid = (lo + hi) / 2;
			int cmp = addr_cmp(&want[mid], &r->bound.v[i]);

			if (!cmp)
				found = true;
			else if (cmp < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!found)
			err = set_add(&r->unbind, &r->bound.v[i]);
	}
	for (size_t i = 0; !err && i < n_want; i++)
		if (!set_has(&r->bound, &want[i]))
			bind_addr(r, &want[i]);
	free(want);
	if (!err)
		err = own_set_bound(r);
	if (err)
		return err;
	ensure_timeouts(r);
	if (kubernetes_first && !r->o.dry_run) {
		err = apply_kubernetes_first(r, now_ms);
		if (err)
			return err;
	}
	full_release(r);
	err = ipvs_dump_services(r->o.ipvs, &r->have);
	if (!err)
		err = sync_index_build(&r->have_idx, &r->have);
	if (!err) {
		r->seen = calloc(r->have.n ? r->have.n : 1, 1);
		if (!r->seen)
			err = -ENOMEM;
	}
	if (err) {
		full_release(r);
		log_warn("sync_failed", "kind=full err=%s", strerror(-err));
		return err;
	}
	sync_diff_init(&r->diff, &r->own, r->drain, now_ms, sync_changes_emit, &r->plan);
	r->want_pos = r->have_pos = 0;
	r->want_done = false;
	r->full_changes = 0;
	r->full_active = true;
	r->full_failed = 0;
	if (r->o.dry_run) {
		/* kipvs diff shows the whole plan: make it all now. */
		err = plan_some(r, SIZE_MAX);
		if (err < 0)
			return err;
	}
	return 1;
}

bool sync_reconcile_full_pending(const struct sync_reconcile *r)
{
	return r->full_active;
}

static void log_failed(const struct ipvs_change *c, size_t *logged)
{
	char buf[160], va[ADDR_STRLEN], da[ADDR_STRLEN];
	const char *proto = ipvs_proto_name(c->svc.protocol);

	if ((*logged)++ >= 20)
		return;
	log_warn("ipvs_change_failed", "op=%s vs=%s/%s dest=%s err=%s", sync_op_name(c->op),
	         proto ? proto : "fwm", addr_port_fmt(&c->svc.addr, c->svc.port, va),
	         c->op >= IPVS_OP_ADD_DEST ? addr_port_fmt(&c->dest.addr, c->dest.port, da) : "-",
	         ipvs_change_strerror(c, buf, sizeof(buf)));
}

static void finish_full(struct sync_reconcile *r)
{
	size_t removed = 0;

	for (size_t i = 0; i < r->unbind.n; i++) {
		/* A dirty pass between planning and now may want it again. */
		if (sync_desired_is_bound(r->d, &r->unbind.v[i]))
			continue;
		unbind_addr(r, &r->unbind.v[i]);
		removed++;
	}
	own_shrink(r);
	r->full_active = false;
	r->st.full_passes++;
	r->st.last_duration_us = mono_us() - r->full_start_us;
	r->st.last_changes = r->full_changes;
	update_now_stats(r);
	log_info("sync",
	         "kind=full vs=%zu dests=%zu bound=%zu changes=%zu failed=%zu addr_removed=%zu "
	         "draining=%zu duration_ms=%.1f",
	         r->st.vs, r->st.dests, r->st.bound, r->full_changes, r->full_failed, removed,
	         r->st.draining, (double)r->st.last_duration_us / 1000.0);
	/* The kernel table and its index are a pass's, not the daemon's: free
	 * them (a dry run keeps its plan for sync_reconcile_plan()). */
	full_release(r);
	if (!r->o.dry_run) {
		sync_changes_free(&r->plan);
	}
}

int sync_reconcile_full_step(struct sync_reconcile *r, size_t max)
{
	size_t logged = 0;
	int more = 0;

	if (!r->full_active)
		return 0;
	if (r->o.dry_run) {
		/* Planned whole at the start: nothing to send. */
		r->full_changes = r->plan.n;
		finish_full(r);
		return 0;
	}
	r->plan.n = 0;
	more = plan_some(r, max ? max : 1);
	if (more < 0) {
		log_warn("sync_failed", "kind=full err=%s", strerror(-more));
		more = 0; /* the next full pass starts over from a dump */
	}
	for (size_t pos = 0; pos < r->plan.n;) {
		size_t chunk = r->plan.n - pos < APPLY_BATCH ? r->plan.n - pos : APPLY_BATCH;
		size_t failed = 0;
		struct ipvs_change *c = &r->plan.v[pos];
		int err = ipvs_apply(r->o.ipvs, c, chunk, &failed);

		count_results(r, c, chunk);
		for (size_t i = 0; i < chunk; i++)
			if (c[i].err)
				log_failed(&c[i], &logged);
		r->full_failed += failed;
		r->full_changes += chunk;
		pos += chunk;
		if (err) {
			/* The socket failed: the next full pass starts over from a dump. */
			log_warn("sync_failed", "kind=full err=%s", strerror(-err));
			more = 0;
			break;
		}
	}
	if (logged > 20)
		log_warn("ipvs_change_failed_more", "count=%zu", logged - 20);
	if (!more)
		finish_full(r);
	return more;
}

static int update_key(void *ctx, const char *key)
{
	struct sync_reconcile *r = ctx;

	return sync_desired_update(r->d, r->o.store, &r->node, key, &r->keys);
}

/*
 * Applies r->keys. @event_us: arrival of the watch event these keys serve
 * (0 = none, as for drain re-checks), for the event-to-kernel latency.
 */
static int run_keys(struct sync_reconcile *r, uint64_t now_ms, const char *kind, uint64_t event_us)
{
	struct sync_run run;
	struct sync_result res;
	uint64_t t0 = mono_us();
	char lat[48] = "";
	int err;

	run_init(r, &run, now_ms);
	err = sync_run_keys(&run, r->d, &r->keys, &res);
	if (err) {
		log_warn("sync_failed", "kind=%s err=%s", kind, strerror(-err));
		return err;
	}
	r->st.last_duration_us = mono_us() - t0;
	r->st.last_changes = res.sent;
	if (res.sent && event_us) {
		/* The kernel has acked: the watch event is programmed. */
		r->st.last_event_to_kernel_us = mono_us() - event_us;
		r->st.events_to_kernel++;
		snprintf(lat, sizeof(lat), " event_to_kernel_ms=%.2f",
		         (double)r->st.last_event_to_kernel_us / 1000.0);
	}
	if (res.sent)
		log_info("sync", "kind=%s vs=%zu changes=%zu failed=%zu duration_ms=%.2f%s", kind,
		         r->keys.n, res.sent, res.failed, (double)r->st.last_duration_us / 1000.0,
		         lat);
	return (int)res.sent;
}

void sync_reconcile_note_event(struct sync_reconcile *r, uint64_t rx_us)
{
	if (rx_us && (!r->event_us || rx_us < r->event_us))
		r->event_us = rx_us;
}

static int dirty_pass(struct sync_reconcile *r, uint64_t now_ms)
{
	int err, sent;

	if (!sync_store_n_dirty(r->o.store))
		return 0;
	sync_keys_reset(&r->keys);
	err = sync_store_drain(r->o.store, update_key, r);
	if (err) {
		log_warn("sync_failed", "kind=dirty err=%s", strerror(-err));
		return err;
	}
	r->st.dirty_passes++;
	if (!r->keys.n)
		return 0;
	if (r->ifindex < 0 && !r->o.dry_run) {
		int idx = netif_ensure_dummy(r->o.netif, SYNC_IFNAME);

		if (idx < 0)
			return idx;
		r->ifindex = idx;
	}
	for (size_t i = 0; i < r->keys.n; i++) {
		const struct net_addr *a = &r->keys.v[i].addr;

		if (!r->keys.v[i].fwmark && sync_desired_is_bound(r->d, a) &&
		    !set_has(&r->bound, a))
			bind_addr(r, a);
	}
	err = own_set_bound(r);
	if (err)
		return err;
	sent = run_keys(r, now_ms, "dirty", r->event_us);
	for (size_t i = 0; i < r->keys.n; i++) {
		const struct net_addr *a = &r->keys.v[i].addr;

		if (!r->keys.v[i].fwmark && !sync_desired_is_bound(r->d, a) &&
		    set_has(&r->bound, a))
			unbind_addr(r, a);
	}
	own_shrink(r);
	update_now_stats(r);
	return sent;
}

int sync_reconcile_dirty(struct sync_reconcile *r, uint64_t now_ms)
{
	int sent;

	if (r->full_active)
		return 0; /* the pass after it serves the events */
	sent = dirty_pass(r, now_ms);
	/* Served, or they changed nothing this node programs: either way a
	 * later event must not be timed from them. */
	r->event_us = 0;
	return sent;
}

int sync_reconcile_drain(struct sync_reconcile *r, uint64_t now_ms)
{
	int err;

	if (r->full_active || !sync_drain_count(r->drain))
		return 0;
	sync_keys_reset(&r->keys);
	err = sync_drain_vs_keys(r->drain, &r->keys);
	if (err)
		return err;
	err = run_keys(r, now_ms, "drain", 0);
	update_now_stats(r);
	return err;
}

uint64_t sync_reconcile_drain_deadline(const struct sync_reconcile *r)
{
	return sync_drain_next_deadline(r->drain);
}

void sync_reconcile_stats(const struct sync_reconcile *r, struct sync_reconcile_stats *out)
{
	*out = r->st;
	out->bound = r->bound.n;
	out->draining = sync_drain_count(r->drain);
}

const struct ipvs_change *sync_reconcile_plan(const struct sync_reconcile *r, size_t *n)
{
	*n = r->plan.n;
	return r->plan.v;
}

void sync_reconcile_addr_plan(const struct sync_reconcile *r, const struct net_addr **add,
                              size_t *n_add, const struct net_addr **del, size_t *n_del)
{
	*add = r->bind_plan.v;
	*n_add = r->bind_plan.n;
	*del = r->unbind.v;
	*n_del = r->unbind.n;
}

const struct sync_desired *sync_reconcile_desired(const struct sync_reconcile *r)
{
	return r->d;
}
