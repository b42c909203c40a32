/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The nf_tables encoding and decoding (ipvs/nft_msg.c, nft_parse.c) against
 * what nft and the kernel really say (test/fixtures/nft/, recorded by
 * record.sh):
 *   - for each set of options, the messages kipvs builds for its tables and
 *     their elements equal, attribute for attribute, the ones nft 1.0.6 sends
 *     for `nft -f` of kipvs's own rendering (so the rules and their text say
 *     the same, and `nft list` prints kipvs's tables as it prints nft's);
 *   - the kernel's dump of the tables kipvs programmed decodes into exactly
 *     the table kipvs built (nft_table_same), with the same elements, and a
 *     change of any kind makes it differ;
 *   - encoding round trips, element errors map to their element.
 *
 * What nft sends that kipvs leaves out on purpose: the set id in element
 * lists and lookups (kipvs names the set), a bitwise's operation when it is
 * the default (0). Everything else must match byte for byte.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <netlink/attr.h>
#include <netlink/netfilter/nfnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/nft_nl.h"
#include "test_filter_fx.h"

#define MAX_MSGS 256

/* One message: its type and what follows the netlink header. */
struct rmsg {
	uint16_t type;
	uint8_t *b;
	size_t len;
};

struct rmsgs {
	struct rmsg v[MAX_MSGS];
	size_t n;
};

static void rmsgs_free(struct rmsgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].b);
	m->n = 0;
}

/* A recorded file: "TYPE HEX" lines. */
static void load_rec(const char *rel, struct rmsgs *out)
{
	size_t len = 0;
	char *text = unit_read_file(unit_fixture_path(rel), &len), *save = NULL;

	assert_non_null(text);
	out->n = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *hex = strchr(l, ' ');
		struct rmsg *m = &out->v[out->n++];

		assert_non_null(hex);
		assert_true(out->n <= MAX_MSGS);
		m->type = (uint16_t)strtoul(l, NULL, 10);
		hex++;
		m->len = strlen(hex) / 2;
		m->b = malloc(m->len + 1);
		for (size_t i = 0; i < m->len; i++) {
			unsigned v;

			assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
			m->b[i] = (uint8_t)v;
		}
	}
	free(text);
}

/* The messages of a batch kipvs built (BEGIN/END left out). */
static void from_batch(const struct nft_batch *b, struct rmsgs *out)
{
	out->n = 0;
	for (size_t i = 0; i < b->n; i++) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b->buf + b->m[i].off);
		struct rmsg *m = &out->v[out->n++];

		assert_true(out->n <= MAX_MSGS);
		m->type = nlh->nlmsg_type;
		m->len = nlh->nlmsg_len - NLMSG_HDRLEN;
		m->b = malloc(m->len);
		memcpy(m->b, (const uint8_t *)nlh + NLMSG_HDRLEN, m->len);
	}
}

/* A whole message (header rebuilt) for the decoders. */
static struct nlmsghdr *as_nlmsg(const struct rmsg *m)
{
	struct nlmsghdr *nlh = calloc(1, NLMSG_HDRLEN + m->len);

	nlh->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + m->len);
	nlh->nlmsg_type = m->type;
	memcpy((uint8_t *)nlh + NLMSG_HDRLEN, m->b, m->len);
	return nlh;
}

/* --- attribute trees ------------------------------------------------------------- */

static const struct nlattr *attr_find(const uint8_t *p, size_t len, int type)
{
	const struct nlattr *a;
	int rem;

	nla_for_each_attr(a, (struct nlattr *)p, (int)len, rem) if (nla_type(a) == type) return a;
	return NULL;
}

/* What nft sends and kipvs leaves out: element-list and lookup set ids,
 * a bitwise's default operation. */
static bool ignorable(uint16_t msg, const char *expr, int depth, const struct nlattr *a)
{
	int t = nla_type(a);

	if (msg == (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWSETELEM) && depth == 0 &&
	    t == NFTA_SET_ELEM_LIST_SET_ID)
		return true;
	if (expr && !strcmp(expr, "lookup") && t == NFTA_LOOKUP_SET_ID)
		return true;
	if (expr && !strcmp(expr, "bitwise") && t == NFTA_BITWISE_OP && nla_len(a) == 4 &&
	    nla_get_u32(a) == 0)
		return true;
	return false;
}

static const struct nlattr *next_kept(const struct nlattr *a, int *rem, uint16_t msg,
                                      const char *expr, int depth)
{
	while (nla_ok(a, *rem) && ignorable(msg, expr, depth, a))
		a = nla_next(a, rem);
	return nla_ok(a, *rem) ? a : NULL;
}

/* Compares two attribute streams; @where names the first difference. */
static bool same_attrs(const uint8_t *x, size_t xl, const uint8_t *y, size_t yl, uint16_t msg,
                       const char *expr, int depth, char *where, size_t wl)
{
	const struct nlattr *a = (const struct nlattr *)x, *b = (const struct nlattr *)y;
	int ra = (int)xl, rb = (int)yl;

	for (;;) {
		const char *sub = NULL;

		a = next_kept(a, &ra, msg, expr, depth);
		b = next_kept(b, &rb, msg, expr, depth);
		if (!a || !b) {
			if (a || b)
				snprintf(where, wl, "depth %d: attribute %d only on one side",
				         depth, nla_type(a ? a : b));
			return !a && !b;
		}
		if (a->nla_type != b->nla_type) {
			snprintf(where, wl, "depth %d: attribute %d vs %d", depth, a->nla_type,
			         b->nla_type);
			return false;
		}
		if (a->nla_type & NLA_F_NESTED) {
			const struct nlattr *name =
			    attr_find(nla_data(a), (size_t)nla_len(a), NFTA_EXPR_NAME);

			if (depth >= 1 && nla_type(a) == NFTA_EXPR_DATA) {
				/* the data of the expression named by the sibling */
				sub = expr;
			} else if (name) {
				sub = nla_data(name);
			}
			if (!same_attrs(nla_data(a), (size_t)nla_len(a), nla_data(b),
			                (size_t)nla_len(b), msg, sub ? sub : expr, depth + 1, where,
			                wl))
				return false;
		} else if (nla_len(a) != nla_len(b) ||
		           memcmp(nla_data(a), nla_data(b), nla_len(a))) {
			snprintf(where, wl, "depth %d: attribute %d (%s) differs", depth,
			         nla_type(a), expr ? expr : "-");
			return false;
		}
		a = nla_next(a, &ra);
		b = nla_next(b, &rb);
	}
}

static bool same_msg(const struct rmsg *a, const struct rmsg *b, char *where, size_t wl)
{
	if (a->type != b->type || a->len < NFNL_HDRLEN || b->len < NFNL_HDRLEN ||
	    memcmp(a->b, b->b, NFNL_HDRLEN)) {
		snprintf(where, wl, "header");
		return false;
	}
	return same_attrs(a->b + NFNL_HDRLEN, a->len - NFNL_HDRLEN, b->b + NFNL_HDRLEN,
	                  b->len - NFNL_HDRLEN, a->type, NULL, 0, where, wl);
}

/* The identity of a message: family, type, object name, and for a rule its
 * position in its chain. */
static void msg_key(const struct rmsgs *all, size_t i, char *key, size_t len)
{
	const struct rmsg *m = &all->v[i];
	const uint8_t *attrs = m->b + NFNL_HDRLEN;
	size_t al = m->len - NFNL_HDRLEN;
	uint8_t type = (uint8_t)m->type;
	int name_attr = type == NFT_MSG_NEWCHAIN     ? NFTA_CHAIN_NAME
	                : type == NFT_MSG_NEWRULE    ? NFTA_RULE_CHAIN
	                : type == NFT_MSG_NEWSET     ? NFTA_SET_NAME
	                : type == NFT_MSG_NEWSETELEM ? NFTA_SET_ELEM_LIST_SET
	                                             : NFTA_TABLE_NAME;
	const struct nlattr *n = attr_find(attrs, al, name_attr);
	size_t nth = 0;

	for (size_t j = 0; type == NFT_MSG_NEWRULE && j < i; j++) {
		const struct rmsg *o = &all->v[j];
		const struct nlattr *on =
		    attr_find(o->b + NFNL_HDRLEN, o->len - NFNL_HDRLEN, NFTA_RULE_CHAIN);

		nth += o->type == m->type && o->b[0] == m->b[0] && on && n &&
		       !strcmp(nla_data(on), nla_data(n));
	}
	snprintf(key, len, "%u/%u/%s/%zu", m->b[0], type, n ? (const char *)nla_data(n) : "-", nth);
}

/* Every message of @want has one equal in @got with the same key, and
 * the other way round. */
static void assert_same_msgs(const struct rmsgs *want, const struct rmsgs *got)
{
	assert_int_equal(want->n, got->n);
	for (size_t i = 0; i < want->n; i++) {
		char kw[128], kg[128], where[160] = "";
		bool found = false;

		msg_key(want, i, kw, sizeof(kw));
		for (size_t j = 0; j < got->n && !found; j++) {
			msg_key(got, j, kg, sizeof(kg));
			if (strcmp(kw, kg))
				continue;
			found = true;
			if (!same_msg(&want->v[i], &got->v[j], where, sizeof(where)))
				fail_msg("message %s: %s", kw, where);
		}
		if (!found)
			fail_msg("message %s: kipvs sends none", kw);
	}
}

/* --- the filter of the fixture --------------------------------------------------- */

struct ctx {
	struct sync_store *st;
	struct sync_node node;
	struct sync_filter *f;
	struct sync_filter_delta d;
};

static void ctx_init(struct ctx *c, const char *variant)
{
	struct sync_filter_opts o;

	c->st = ffx_store("k8s/filter.json");
	ffx_node(&c->node);
	ffx_opts(variant, &o);
	assert_int_equal(sync_filter_new(&o, &c->f), 0);
	assert_int_equal(sync_filter_build(c->f, c->st, &c->node), 0);
	sync_filter_delta_init(c->f, &c->d);
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		for (int s = 0; s < FSET_N; s++)
			assert_int_equal(sync_filter_elems(c->f, fam, s, &c->d.add[fam][s]), 0);
}

static void ctx_fini(struct ctx *c)
{
	sync_filter_delta_free(&c->d);
	sync_filter_free(c->f);
	sync_node_clear(&c->node);
	sync_store_free(c->st);
}

/* What kipvs sends to create both tables with every element. */
static void encode_all(struct ctx *c, struct nft_batch *b)
{
	nft_batch_init(b);
	assert_int_equal(nft_batch_start(b, 1), 0);
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++) {
		struct nft_op op = { .kind = NFT_OP_ADD_TABLE,
			             .table = sync_filter_table(c->f, fam) };

		assert_int_equal(nft_batch_op(b, &op, 0), 0);
	}
	for (int fam = 0; fam < SYNC_FILTER_FAMS; fam++)
		for (int s = 0; s < FSET_N; s++) {
			struct nft_op op = { .kind = NFT_OP_ADD_ELEMS,
				             .table = sync_filter_table(c->f, fam),
				             .set = (size_t)s,
				             .elems = c->d.add[fam][s].v,
				             .n = c->d.add[fam][s].n };

			if (op.n)
				assert_int_equal(nft_batch_op(b, &op, 0), 0);
		}
	assert_int_equal(nft_batch_finish(b), 0);
}

static void check_variant(const char *variant)
{
	char rel[64];
	struct rmsgs *want = calloc(1, sizeof(*want)), *got = calloc(1, sizeof(*got));
	struct nft_batch b;
	struct ctx c;

	ctx_init(&c, variant);
	encode_all(&c, &b);
	snprintf(rel, sizeof(rel), "nft/%s.batch", variant);
	load_rec(rel, want);
	from_batch(&b, got);
	assert_same_msgs(want, got);
	rmsgs_free(want);
	rmsgs_free(got);
	free(want);
	free(got);
	nft_batch_free(&b);
	ctx_fini(&c);
}

static void batch_default(void **state)
{
	check_variant("default");
}

static void batch_masquerade_all(void **state)
{
	check_variant("masqall");
}

/* Byte-aligned IPv6 prefix, unaligned IPv4 one; then the other way round
 * with mark bit 0. */
static void batch_cluster_cidr(void **state)
{
	check_variant("cidr");
	check_variant("cidr2");
}

static void batch_bridge_and_prefix(void **state)
{
	check_variant("bridge");
	check_variant("prefix");
}

/* --- read back ------------------------------------------------------------------ */

/* The kernel's replies of the recorded read-back, as two tables. */
static void read_back(struct nft_table_def have[2], struct nft_elems elems[2][FSET_N],
                      const struct sync_filter *f)
{
	struct rmsgs *r = calloc(1, sizeof(*r));
	char chains[2][32][NFT_NAME_LEN];
	size_t cap_r[2] = { 0 }, n_ch[2] = { 0 };

	load_rec("nft/default.replies", r);
	memset(have, 0, 2 * sizeof(*have));
	for (int fam = 0; fam < 2; fam++) {
		have[fam].sets = calloc(32, sizeof(struct nft_set_def));
		have[fam].chains = calloc(32, sizeof(struct nft_chain_def));
		have[fam].rules = calloc(64, sizeof(struct nft_rule_def));
		cap_r[fam] = 64;
		for (int s = 0; s < FSET_N; s++)
			nft_elems_init(&elems[fam][s],
			               nft_set_stride(&sync_filter_table(f, fam)->sets[s]));
	}
	for (size_t i = 0; i < r->n; i++) {
		struct nlmsghdr *nlh = as_nlmsg(&r->v[i]);
		int fam = sync_filter_fam(r->v[i].b[0]);
		struct nft_table_def *t = &have[fam];
		uint8_t type = (uint8_t)r->v[i].type;

		assert_true(fam >= 0);
		if (type == NFT_MSG_NEWTABLE) {
			struct nft_table_def tt;

			assert_int_equal(nft_parse_table(nlh, &tt), 0);
			t->family = tt.family;
			t->use = tt.use;
			memcpy(t->name, tt.name, sizeof(t->name));
		} else if (type == NFT_MSG_NEWCHAIN) {
			assert_int_equal(nft_parse_chain(nlh, &t->chains[t->n_chains]), 0);
			memcpy(chains[fam][n_ch[fam]++], t->chains[t->n_chains].name, NFT_NAME_LEN);
			t->n_chains++;
		} else if (type == NFT_MSG_NEWSET) {
			assert_int_equal(nft_parse_set(nlh, &t->sets[t->n_sets++]), 0);
		} else if (type == NFT_MSG_NEWRULE) {
			char chain[NFT_NAME_LEN];
			struct nft_rule_def *rule = &t->rules[t->n_rules++];

			assert_true(t->n_rules <= cap_r[fam]);
			assert_int_equal(nft_parse_rule(nlh, chain, rule), 0);
			for (size_t k = 0; k < n_ch[fam]; k++)
				if (!strcmp(chains[fam][k], chain))
					rule->chain = (uint16_t)k;
		} else if (type == NFT_MSG_NEWSETELEM) {
			const struct nlattr *sn =
			    attr_find(r->v[i].b + NFNL_HDRLEN, r->v[i].len - NFNL_HDRLEN,
			              NFTA_SET_ELEM_LIST_SET);
			const struct nft_table_def *want = sync_filter_table(f, fam);

			assert_non_null(sn);
			for (int s = 0; s < FSET_N; s++)
				if (!strcmp(want->sets[s].name, nla_data(sn)))
					assert_int_equal(
					    nft_parse_elems(nlh, want->sets[s].key_len,
					                    nft_set_is_interval(&want->sets[s]),
					                    &elems[fam][s]),
					    0);
		}
		free(nlh);
	}
	rmsgs_free(r);
	free(r);
}

static void free_back(struct nft_table_def have[2], struct nft_elems elems[2][FSET_N])
{
	for (int fam = 0; fam < 2; fam++) {
		nft_table_def_clear(&have[fam]);
		for (int s = 0; s < FSET_N; s++)
			nft_elems_free(&elems[fam][s]);
	}
}

static int elem_cmp_len;

static int elem_cmp(const void *a, const void *b)
{
	return memcmp(a, b, (size_t)elem_cmp_len);
}

static void kernel_dump_is_what_was_built(void **state)
{
	struct nft_table_def have[2];
	struct nft_elems elems[2][FSET_N];
	char why[128];
	struct ctx c;

	ctx_init(&c, "default");
	read_back(have, elems, c.f);
	for (int fam = 0; fam < 2; fam++) {
		const struct nft_table_def *want = sync_filter_table(c.f, fam);

		if (!nft_table_same(want, &have[fam], why, sizeof(why)))
			fail_msg("family %d: %s", fam, why);
		for (int s = 0; s < FSET_N; s++) {
			struct nft_elems *k = &elems[fam][s], *w = &c.d.add[fam][s];

			/* the kernel's hash order against kipvs's sorted one */
			elem_cmp_len = (int)k->stride;
			assert_int_equal(k->n, w->n);
			if (!k->n)
				continue;
			qsort(k->v, k->n, k->stride, elem_cmp);
			assert_memory_equal(k->v, w->v, k->n * k->stride);
		}
		/* Every set of the fixture holds something in at least one family. */
	}
	/* 172.18.0.0/16 holds the node: the LB address itself is allowed too;
	 * 203.0.113.128/25 is inside 203.0.113.0/24 and left out. The IPv6
	 * range does not hold the node: lb_nonode instead. */
	assert_int_equal(elems[0][FSET_LB_ALLOW].n, 4);
	assert_int_equal(elems[1][FSET_LB_ALLOW].n, 1);
	assert_int_equal(elems[1][FSET_LB_NONODE].n, 1);
	free_back(have, elems);
	ctx_fini(&c);
}

/* Each kind of change someone could make to a table reads as drift. */
static void kernel_dump_edits_are_drift(void **state)
{
	struct nft_table_def have[2];
	struct nft_elems elems[2][FSET_N];
	char why[128];
	struct ctx c;

	ctx_init(&c, "default");
	read_back(have, elems, c.f);
	{
		const struct nft_table_def *want = sync_filter_table(c.f, 0);
		struct nft_table_def *h = &have[0];
		struct nft_rule_def keep = h->rules[4];
		struct nft_chain_def ck = h->chains[1];
		struct nft_set_def sk = h->sets[2];
		uint32_t use = h->use;

		/* svc's second rule: ip daddr . meta l4proto . th dport @lb ... */
		assert_int_equal(h->rules[4].x[3].kind, NFT_X_LOOKUP);
		h->rules[4].x[3].flags = NFT_LOOKUP_F_INV; /* inverted lookup */
		assert_false(nft_table_same(want, h, why, sizeof(why)));
		assert_non_null(strstr(why, "rule"));
		h->rules[4] = keep;
		h->n_rules--; /* a rule deleted */
		assert_false(nft_table_same(want, h, why, sizeof(why)));
		h->n_rules++;
		h->chains[1].prio = 0; /* a base chain re-created elsewhere */
		assert_false(nft_table_same(want, h, why, sizeof(why)));
		h->chains[1] = ck;
		h->sets[2].flags |= NFT_SET_TIMEOUT;
		assert_false(nft_table_same(want, h, why, sizeof(why)));
		h->sets[2] = sk;
		h->use = use + 1; /* a chain someone added */
		assert_false(nft_table_same(want, h, why, sizeof(why)));
		assert_non_null(strstr(why, "objects"));
		h->use = use;
		assert_true(nft_table_same(want, h, why, sizeof(why)));
	}
	free_back(have, elems);
	ctx_fini(&c);
}

/* --- round trips and error mapping -------------------------------------------------- */

static void rules_round_trip(void **state)
{
	struct ctx c;

	ctx_init(&c, "cidr2");
	for (int fam = 0; fam < 2; fam++) {
		const struct nft_table_def *t = sync_filter_table(c.f, fam);

		for (size_t i = 0; i < t->n_rules; i++) {
			struct nl_msg *m = nlmsg_alloc_size(8192);
			struct nlattr *xs;
			struct nft_rule_def back = { 0 };
			const struct nlattr *a;
			int rem;

			assert_non_null(m);
			nfnlmsg_put(m, 0, 1, NFNL_SUBSYS_NFTABLES, NFT_MSG_NEWRULE, 0, t->family,
			            0);
			nla_put_string(m, NFTA_RULE_CHAIN, t->chains[t->rules[i].chain].name);
			xs = nla_nest_start(m, NFTA_RULE_EXPRESSIONS);
			for (size_t k = 0; k < t->rules[i].n; k++)
				assert_int_equal(nft_put_expr(m, &t->rules[i].x[k]), 0);
			nla_nest_end(m, xs);
			nla_for_each_nested(a, xs, rem)
			{
				assert_int_equal(nft_parse_expr(a, &back.x[back.n]), 0);
				back.n++;
			}
			back.chain = t->rules[i].chain;
			assert_true(nft_rule_same(&t->rules[i], &back));
			nlmsg_free(m);
		}
	}
	ctx_fini(&c);
}

/* The element an extended ack points at is found in a message of many. */
static void error_offsets_name_elements(void **state)
{
	struct ctx c;
	struct nft_batch b;
	const struct nft_bmsg *m;
	struct nft_op op;
	const struct nlmsghdr *nlh;
	const struct nlattr *list, *e;
	int rem, i = 0;

	ctx_init(&c, "default");
	op = (struct nft_op){ .kind = NFT_OP_DEL_ELEMS,
		              .table = sync_filter_table(c.f, 0),
		              .set = FSET_VIPS,
		              .elems = c.d.add[0][FSET_VIPS].v,
		              .n = c.d.add[0][FSET_VIPS].n };
	assert_true(op.n > 3);
	nft_batch_init(&b);
	assert_int_equal(nft_batch_start(&b, 100), 0);
	assert_int_equal(nft_batch_op(&b, &op, 7), 0);
	assert_int_equal(nft_batch_finish(&b), 0);
	m = nft_batch_find(&b, 101);
	assert_non_null(m);
	assert_int_equal(m->op, 7);
	assert_null(nft_batch_find(&b, 100)); /* BEGIN is no operation's */
	nlh = (const struct nlmsghdr *)(b.buf + m->off);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK); /* the last message asks */
	list = attr_find((const uint8_t *)nlh + NLMSG_HDRLEN + NFNL_HDRLEN,
	                 nlh->nlmsg_len - NLMSG_HDRLEN - NFNL_HDRLEN, NFTA_SET_ELEM_LIST_ELEMENTS);
	assert_non_null(list);
	nla_for_each_nested(e, list, rem)
	{
		uint32_t off = (uint32_t)((const uint8_t *)e - (const uint8_t *)nlh);

		/* its header, and a byte inside it */
		assert_int_equal(nft_batch_elem_at(&b, m, off), i);
		assert_int_equal(nft_batch_elem_at(&b, m, off + 9), i);
		i++;
	}
	assert_int_equal(i, (int)op.n);
	assert_int_equal(nft_batch_elem_at(&b, m, 20), -1); /* the table's name */
	nft_batch_free(&b);
	ctx_fini(&c);
}

/* Many elements are split over messages below the attribute size limit,
 * each message knowing its first element. */
static void big_element_ops_split(void **state)
{
	struct nft_set_def s;
	struct nft_table_def t = { .family = 2, .name = "kipvs", .sets = &s, .n_sets = 1 };
	const enum nft_dtype ty[4] = { NFT_DT_IPV4, NFT_DT_PROTO, NFT_DT_SERVICE, NFT_DT_IPV4 };
	struct nft_elems e;
	struct nft_batch b;
	struct nft_op op;
	size_t total = 0;

	assert_int_equal(nft_set_def_init(&s, "loopback", ty, 4, false), 0);
	nft_elems_init(&e, nft_set_stride(&s));
	for (uint32_t i = 0; i < 5000; i++) {
		uint8_t k[16] = { 0 };

		memcpy(k, &i, 4);
		assert_int_equal(nft_elems_add(&e, k, NULL, 16), 0);
	}
	op = (struct nft_op){ .kind = NFT_OP_ADD_ELEMS, .table = &t, .elems = e.v, .n = e.n };
	nft_batch_init(&b);
	assert_int_equal(nft_batch_start(&b, 1), 0);
	assert_int_equal(nft_batch_op(&b, &op, 0), 0);
	assert_int_equal(nft_batch_finish(&b), 0);
	assert_true(b.n > 1);
	for (size_t i = 0; i < b.n; i++) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b.buf + b.m[i].off);

		assert_int_equal(b.m[i].first, total);
		assert_true(nlh->nlmsg_len < 65535);
		total += b.m[i].n;
	}
	assert_int_equal(total, 5000);
	nft_batch_free(&b);
	nft_elems_free(&e);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(batch_default),
	cmocka_unit_test(batch_masquerade_all),
	cmocka_unit_test(batch_cluster_cidr),
	cmocka_unit_test(batch_bridge_and_prefix),
	cmocka_unit_test(kernel_dump_is_what_was_built),
	cmocka_unit_test(kernel_dump_edits_are_drift),
	cmocka_unit_test(rules_round_trip),
	cmocka_unit_test(error_offsets_name_elements),
	cmocka_unit_test(big_element_ops_split),
};

UNIT_MAIN(tests)
