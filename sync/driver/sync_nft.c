/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_nft.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/log.h"
#include "../../lib/mono.h"
#include "../../ipvs/nft.h"

/* A transaction is sent again without what the kernel refused, at most this
 * many times (each answer names one refused element per message). */
#define MAX_ROUNDS 8
/* Element failures logged one by one per transaction; the rest counted. */
#define MAX_ELEM_LOGS 20
/* Operations in one transaction: both tables replaced, every set twice. */
#define MAX_OPS (SYNC_FILTER_FAMS * (2 + 2 * FSET_N))

struct sync_nft {
	const struct sync_ops *ops;
	void *be;
	struct sync_filter *f;
	bool available;
	bool told_unavailable;
	bool need_full;
	/* the removals a full pass sends once its IPVS changes are in */
	struct sync_filter_delta post;
	bool have_post;
	/* the dirty pass's changes, between its two transactions */
	struct sync_filter_delta dirty;
	bool have_dirty;
	struct net_cidr pod_cidrs[2]; /* the Node's, for NodeCIDR mode */
	size_t n_pod_cidrs;
	struct sync_nft_stats st;
};

/* One transaction being assembled: its ops and, for element ops, the array
 * each op's elements live in (refused ones are taken out of it). */
struct txn {
	struct nft_op op[MAX_OPS];
	struct nft_elems *arr[MAX_OPS];
	size_t n;
	const char *pass;
	size_t elem_logs;
};

static const char *fam_name(int fam)
{
	return fam == 0 ? "ip" : "ip6";
}

int sync_nft_new(const struct sync_ops *ops, void *be, const struct sync_filter_opts *fo,
                 struct sync_nft **out)
{
	struct sync_nft *n = calloc(1, sizeof(*n));
	int err;

	*out = NULL;
	if (!n)
		return -ENOMEM;
	n->ops = ops;
	n->be = be;
	n->available = true;
	err = sync_filter_new(fo, &n->f);
	if (err) {
		free(n);
		return err;
	}
	sync_filter_delta_init(n->f, &n->post);
	sync_filter_delta_init(n->f, &n->dirty);
	*out = n;
	return 0;
}

void sync_nft_free(struct sync_nft *n)
{
	if (!n)
		return;
	sync_filter_delta_free(&n->post);
	sync_filter_delta_free(&n->dirty);
	sync_filter_free(n->f);
	free(n);
}

const struct sync_filter *sync_nft_filter(const struct sync_nft *n)
{
	return n->f;
}

int sync_nft_set_opts(struct sync_nft *n, const struct sync_filter_opts *fo)
{
	bool changed = false;
	int err = sync_filter_set_opts(n->f, fo, &changed);

	if (!err && changed) {
		log_info("nft_rules_changed", "action=replace-tables-at-next-full-pass");
		n->need_full = true;
	}
	return err;
}

int sync_nft_set_pod_cidrs(struct sync_nft *n, const struct kipvs_config *cfg,
                           const struct net_cidr *cidrs, size_t n_cidrs, bool *changed)
{
	struct sync_filter_opts fo;
	bool was = n->need_full;
	int err;

	if (changed)
		*changed = false;
	if (n_cidrs > 2)
		n_cidrs = 2;
	if (n_cidrs == n->n_pod_cidrs &&
	    (!n_cidrs || !memcmp(cidrs, n->pod_cidrs, n_cidrs * sizeof(*cidrs))))
		return 0;
	if (n_cidrs)
		memcpy(n->pod_cidrs, cidrs, n_cidrs * sizeof(*cidrs));
	n->n_pod_cidrs = n_cidrs;
	if (cfg->detect_local_mode != DETECT_LOCAL_NODE_CIDR)
		return 0;
	n->need_full = false;
	sync_filter_opts_from(cfg, n->pod_cidrs, n->n_pod_cidrs, &fo);
	err = sync_nft_set_opts(n, &fo);
	if (changed)
		*changed = n->need_full;
	n->need_full |= was;
	return err;
}

bool sync_nft_need_full(const struct sync_nft *n)
{
	return n->need_full;
}

int sync_nft_update(struct sync_nft *n, const struct sync_store *st, const struct sync_node *node,
                    const char *key)
{
	return sync_filter_update(n->f, st, node, key);
}

/* --- availability ------------------------------------------------------------------- */

static void set_available(struct sync_nft *n, bool yes, int err)
{
	char why[160];

	if (yes && !n->available)
		log_info("nft_available", "tables=ip/%s,ip6/%s", SYNC_FILTER_TABLE,
		         SYNC_FILTER_TABLE);
	if (!yes && (n->available || !n->told_unavailable))
		log_warn("nft_unavailable", "err=%s action=ipvs-only-until-it-answers",
		         log_quote(nft_strerror(err), why, sizeof(why)));
	if (!yes)
		n->told_unavailable = true;
	n->available = yes;
}

/* --- transactions --------------------------------------------------------------------- */

static const char *op_name(enum nft_op_kind k)
{
	switch (k) {
	case NFT_OP_DEL_TABLE:
		return "delete-table";
	case NFT_OP_ADD_TABLE:
		return "add-table";
	case NFT_OP_DEL_ELEMS:
		return "delete-elements";
	case NFT_OP_ADD_ELEMS:
		return "add-elements";
	}
	return "?";
}

static void txn_add(struct txn *t, enum nft_op_kind kind, const struct nft_table_def *table,
                    size_t set, struct nft_elems *e)
{
	struct nft_op *op;

	if (e && !e->n)
		return;
	op = &t->op[t->n];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->table = table;
	op->set = set;
	if (e) {
		op->elems = e->v;
		op->n = e->n;
	}
	t->arr[t->n++] = e;
}

static size_t txn_elems(const struct txn *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->op[i].n;
	return n;
}

/* Takes element @i out of op @k's array. */
static void drop_elem(struct txn *t, size_t k, size_t i)
{
	struct nft_elems *e = t->arr[k];

	memmove(e->v + i * e->stride, e->v + (i + 1) * e->stride, (e->n - i - 1) * e->stride);
	e->n--;
	t->op[k].elems = e->v;
	t->op[k].n = e->n;
}

/* Drops op @k (and, for a table op, everything of that table). */
static void drop_op(struct txn *t, size_t k)
{
	uint8_t fam = t->op[k].table->family;
	bool table = t->op[k].kind == NFT_OP_ADD_TABLE || t->op[k].kind == NFT_OP_DEL_TABLE;
	size_t o = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (i == k || (table && t->op[i].table->family == fam))
			continue;
		t->op[o] = t->op[i];
		t->arr[o++] = t->arr[i];
	}
	t->n = o;
}

/*
 * What the kernel said of one refused op: an element taken out (and logged),
 * or the op dropped. 0, or 1 when the op was dropped.
 */
static int handle_refused(struct sync_nft *n, struct txn *t, size_t k)
{
	struct nft_op *op = &t->op[k];
	int fam = sync_filter_fam(op->table->family);
	bool elems = op->kind == NFT_OP_ADD_ELEMS || op->kind == NFT_OP_DEL_ELEMS;
	char e[256], q[300];

	if (elems && op->bad < op->n) {
		const uint8_t *el = op->elems + op->bad * t->arr[k]->stride;

		sync_filter_elem_fmt(fam, (enum sync_fset)op->set, el, e, sizeof(e));
		if (op->kind == NFT_OP_DEL_ELEMS && op->err == -ENOENT) {
			/* Gone already (someone removed it): what we wanted. */
			log_debug("nft_element_gone", "table=%s/%s set=%s elem=%s", fam_name(fam),
			          op->table->name, sync_fset_name((enum sync_fset)op->set),
			          log_quote(e, q, sizeof(q)));
		} else {
			n->st.elems_failed++;
			if (t->elem_logs++ < MAX_ELEM_LOGS)
				log_warn("nft_element_failed",
				         "pass=%s table=%s/%s set=%s op=%s elem=%s err=%s", t->pass,
				         fam_name(fam), op->table->name,
				         sync_fset_name((enum sync_fset)op->set),
				         op->kind == NFT_OP_ADD_ELEMS ? "add" : "delete",
				         log_quote(e, q, sizeof(q)), strerror(-op->err));
		}
		drop_elem(t, k, op->bad);
		return 0;
	}
	log_warn("nft_transaction_failed", "pass=%s table=%s/%s op=%s set=%s err=%s", t->pass,
	         fam_name(fam), op->table->name, op_name(op->kind),
	         elems ? sync_fset_name((enum sync_fset)op->set) : "-", strerror(-op->err));
	/* A table or set that is not there, or not as expected: rebuild. */
	n->need_full = true;
	drop_op(t, k);
	return 1;
}

/* Sends @t, and again without what the kernel refused, until it is
 * applied or nothing is left. Never fails the pass. */
static void run_txn(struct sync_nft *n, struct txn *t)
{
	for (int round = 0; round < MAX_ROUNDS; round++) {
		uint64_t t0;
		bool refused = false;
		size_t o = 0;
		int err;

		for (size_t i = 0; i < t->n; i++) /* emptied element ops go */
			if (!t->arr[i] || t->op[i].n) {
				t->op[o] = t->op[i];
				t->arr[o++] = t->arr[i];
			}
		t->n = o;
		if (!t->n)
			return;
		t0 = mono_us();
		err = n->ops->nft_apply(n->be, t->op, t->n);
		n->st.last_txn_us = mono_us() - t0;
		n->st.writes++;
		n->st.elems_sent += txn_elems(t);
		if (err) {
			n->st.txn_failed++;
			if (err == -EOPNOTSUPP) {
				set_available(n, false, err);
				return;
			}
			log_warn("nft_transaction_failed", "pass=%s stage=exchange err=%s", t->pass,
			         strerror(-err));
			n->need_full = true;
			return;
		}
		for (size_t k = 0; k < t->n;) {
			if (t->op[k].err && t->op[k].err != -ECANCELED) {
				refused = true;
				if (handle_refused(n, t, k))
					continue; /* op k is now the next one */
			}
			k++;
		}
		if (!refused) {
			n->st.txn_ok++;
			return;
		}
		n->st.txn_failed++;
	}
	log_warn("nft_transaction_failed", "pass=%s stage=retries err=too-many-refusals", t->pass);
	n->need_full = true;
}

/* The element ops of @d for a transaction: before the IPVS changes every
 * addition (ranges' removals first: overlapping ranges cannot coexist),
 * after them the other removals. */
static void txn_from_delta(struct sync_nft *n, struct txn *t, struct sync_filter_delta *d,
                           bool before)
{
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++) {
		const struct nft_table_def *tab = sync_filter_table(n->f, fam);

		for (int s = 0; s < FSET_N; s++) {
			bool ranges = s == FSET_LB_ALLOW;

			if (ranges == before)
				txn_add(t, NFT_OP_DEL_ELEMS, tab, (size_t)s, &d->del[fam][s]);
		}
		for (int s = 0; before && s < FSET_N; s++)
			txn_add(t, NFT_OP_ADD_ELEMS, tab, (size_t)s, &d->add[fam][s]);
	}
}

static void delta_reset(struct sync_filter_delta *d)
{
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		for (int s = 0; s < FSET_N; s++)
			d->add[fam][s].n = d->del[fam][s].n = 0;
}

/* --- the full pass -------------------------------------------------------------------------- */

/* Reads table @fam and, when it is kipvs's as built, its elements into
 * @have. 1: the structure is right; 0: it must be replaced; -errno. */
static int read_table(struct sync_nft *n, int fam, struct nft_elems have[FSET_N])
{
	const struct nft_table_def *want = sync_filter_table(n->f, fam);
	struct nft_table_def got;
	char why[128];
	int err = n->ops->nft_table(n->be, want->family, want->name, want, &got);

	if (err == -ENOENT) {
		log_info("nft_table_missing", "table=%s/%s action=create", fam_name(fam),
		         want->name);
		return 0;
	}
	if (err)
		return err;
	if (!nft_table_same(want, &got, why, sizeof(why))) {
		nft_table_def_clear(&got);
		log_info("nft_table_drift", "table=%s/%s reason=\"%s\" action=replace",
		         fam_name(fam), want->name, why);
		return 0;
	}
	nft_table_def_clear(&got);
	for (int s = 0; s < FSET_N && !err; s++)
		err = n->ops->nft_elems(n->be, want->family, want->name, &want->sets[s], &have[s]);
	return err ? err : 1;
}

static void free_have(struct nft_elems have[FSET_N])
{
	for (int s = 0; s < FSET_N; s++)
		nft_elems_free(&have[s]);
}

/* Moves family @fam's additions (and range removals) from @from to @to. */
static void take_before(struct sync_filter_delta *to, struct sync_filter_delta *from, int fam)
{
	struct nft_elems tmp;

	for (int s = 0; s < FSET_N; s++) {
		tmp = to->add[fam][s];
		to->add[fam][s] = from->add[fam][s];
		from->add[fam][s] = tmp;
	}
	tmp = to->del[fam][FSET_LB_ALLOW];
	to->del[fam][FSET_LB_ALLOW] = from->del[fam][FSET_LB_ALLOW];
	from->del[fam][FSET_LB_ALLOW] = tmp;
}

/* Reads both tables and plans: @now gets what goes before IPVS, n->post
 * the removals after. @state[fam]: -1 not read, 0 replace, 1 as built. */
static int plan_full(struct sync_nft *n, struct sync_filter_delta *now, int state[])
{
	bool absent = false;
	int err = 0;

	for (int fam = 0; fam < SYNC_FILTER_FAMS && !err && !absent; fam++) {
		const struct nft_table_def *tab = sync_filter_table(n->f, fam);
		struct nft_elems have[FSET_N];

		for (int s = 0; s < FSET_N; s++)
			nft_elems_init(&have[s], nft_set_stride(&tab->sets[s]));
		state[fam] = read_table(n, fam, have);
		if (state[fam] == -EOPNOTSUPP) {
			set_available(n, false, state[fam]);
			absent = true;
		} else if (state[fam] < 0) {
			log_warn("nft_read_failed", "table=%s/%s err=%s", fam_name(fam), tab->name,
			         strerror(-state[fam]));
			n->need_full = true; /* this family waits for the next pass */
		} else {
			set_available(n, true, 0);
			if (state[fam] == 0) {
				/* Replaced whole: every wanted element comes with it. */
				for (int s = 0; s < FSET_N; s++)
					have[s].n = 0;
			}
			err = sync_filter_diff(n->f, fam, have, &n->post);
			if (!err)
				take_before(now, &n->post, fam);
		}
		free_have(have);
		if (state[fam] < 0)
			state[fam] = -1;
	}
	return err;
}

int sync_nft_full_pre(struct sync_nft *n, const struct sync_store *st, const struct sync_node *node)
{
	struct sync_filter_delta *now = calloc(1, sizeof(*now));
	struct txn *t = calloc(1, sizeof(*t));
	int state[SYNC_FILTER_FAMS] = { -1, -1 };
	int err = sync_filter_build(n->f, st, node);
	uint64_t t0;

	n->need_full = false;
	n->have_post = false;
	delta_reset(&n->post);
	if (!now || !t)
		err = -ENOMEM;
	if (err)
		goto out;
	sync_filter_delta_init(n->f, now);
	/* Without nf_tables nothing is sent; a first answer brings it all. */
	err = plan_full(n, now, state);
	if (err || !n->available) {
		int e = sync_filter_take_pending(n->f, now);

		err = err ? err : e;
		goto out;
	}
	t->pass = "full";
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++) {
		const struct nft_table_def *tab = sync_filter_table(n->f, fam);

		if (state[fam] < 0)
			continue;
		if (state[fam] == 0) {
			txn_add(t, NFT_OP_DEL_TABLE, tab, 0, NULL);
			txn_add(t, NFT_OP_ADD_TABLE, tab, 0, NULL);
			n->st.rebuilds++;
		} else {
			txn_add(t, NFT_OP_DEL_ELEMS, tab, FSET_LB_ALLOW,
			        &now->del[fam][FSET_LB_ALLOW]);
		}
		for (int s = 0; s < FSET_N; s++)
			txn_add(t, NFT_OP_ADD_ELEMS, tab, (size_t)s, &now->add[fam][s]);
	}
	n->st.last_full_elems = txn_elems(t);
	t0 = mono_us();
	run_txn(n, t);
	n->st.last_full_txn_us = t->n ? mono_us() - t0 : 0;
	n->have_post = n->available;
out:
	if (now)
		sync_filter_delta_free(now);
	free(now);
	free(t);
	return err;
}

void sync_nft_full_post(struct sync_nft *n)
{
	struct txn *t;

	if (!n->have_post || !n->available)
		return;
	n->have_post = false;
	t = calloc(1, sizeof(*t));
	if (!t) {
		n->need_full = true;
		return;
	}
	t->pass = "full";
	txn_from_delta(n, t, &n->post, false);
	run_txn(n, t);
	free(t);
	delta_reset(&n->post);
}

/* --- the dirty pass ------------------------------------------------------------------------- */

int sync_nft_dirty_pre(struct sync_nft *n)
{
	struct txn *t;
	int err;

	delta_reset(&n->dirty);
	n->have_dirty = false;
	if (!sync_filter_has_pending(n->f))
		return 0;
	err = sync_filter_take_pending(n->f, &n->dirty);
	if (err)
		return err;
	if (!n->available)
		return 0; /* the next full pass that reaches nf_tables brings it all */
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	n->have_dirty = true;
	t->pass = "dirty";
	txn_from_delta(n, t, &n->dirty, true);
	run_txn(n, t);
	free(t);
	return 0;
}

void sync_nft_dirty_post(struct sync_nft *n)
{
	struct txn *t;

	if (!n->have_dirty || !n->available)
		return;
	n->have_dirty = false;
	t = calloc(1, sizeof(*t));
	if (!t) {
		n->need_full = true;
		return;
	}
	t->pass = "dirty";
	txn_from_delta(n, t, &n->dirty, false);
	run_txn(n, t);
	free(t);
}

void sync_nft_stats(const struct sync_nft *n, struct sync_nft_stats *out)
{
	*out = n->st;
	out->available = n->available;
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		for (int s = 0; s < FSET_N; s++)
			out->elems[fam][s] = sync_filter_count(n->f, fam, (enum sync_fset)s);
}

/* --- cleanup --------------------------------------------------------------------------------- */

int sync_nft_remove(const struct sync_ops *ops, void *be, bool dry_run, size_t *removed)
{
	struct nft_table_def tab[SYNC_FILTER_FAMS];
	struct nft_op op[SYNC_FILTER_FAMS];
	size_t n = 0;
	int err = 0;

	*removed = 0;
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++) {
		struct nft_table_def got;
		int e;

		memset(&tab[fam], 0, sizeof(tab[fam]));
		tab[fam].family = fam == 0 ? 2 : 10;
		snprintf(tab[fam].name, sizeof(tab[fam].name), "%s", SYNC_FILTER_TABLE);
		e = ops->nft_table(be, tab[fam].family, tab[fam].name, NULL, &got);
		if (e == -ENOENT)
			continue;
		if (e)
			return e;
		nft_table_def_clear(&got);
		memset(&op[n], 0, sizeof(op[n]));
		op[n].kind = NFT_OP_DEL_TABLE;
		op[n++].table = &tab[fam];
	}
	if (n && !dry_run)
		err = ops->nft_apply(be, op, n);
	for (size_t i = 0; !err && i < n; i++)
		if (op[i].err)
			err = op[i].err;
	if (!err)
		*removed = n;
	return err;
}
