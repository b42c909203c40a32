/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Encoding: a transaction (struct nft_op list) → one nfnetlink batch.
 * Attribute by attribute what nft 1.0.6 sends for the same objects (see
 * nft_nl.h); test/unit/test_nft_msg.c holds the comparison.
 *
 * Ids: the kernel wants an id for every set a batch creates (nft numbers
 * them 1, 2, ... per batch; so does this); kipvs names sets by name
 * everywhere else, so lookups and element lists carry no id.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netlink/attr.h>
#include <netlink/netfilter/nfnl.h>
#include <stdlib.h>
#include <string.h>

#include "nft_nl.h"

/* A rule of kipvs encodes in far less; elements are capped below it too. */
#define MSG_MAX (64 * 1024)

/* Nests carry NLA_F_NESTED, as nft marks them. */
static struct nlattr *nest(struct nl_msg *m, int type)
{
	struct nlattr *n = nla_nest_start(m, type);

	if (n)
		n->nla_type |= NLA_F_NESTED;
	return n;
}

/* Closes a nest. libnl's nla_nest_end() drops an empty one; nft sends an
 * empty expression data nest (masquerade without flags), so this keeps it. */
static void nest_end(struct nl_msg *m, struct nlattr *n)
{
	n->nla_len = (uint16_t)((uint8_t *)nlmsg_tail(nlmsg_hdr(m)) - (uint8_t *)n);
}

static int put_be32(struct nl_msg *m, int type, uint32_t v)
{
	return nla_put_u32(m, type, htonl(v));
}

static int put_data(struct nl_msg *m, int type, const void *p, size_t len)
{
	struct nlattr *n = nest(m, type);

	if (!n || nla_put(m, NFTA_DATA_VALUE, (int)len, p) < 0)
		return -EMSGSIZE;
	nest_end(m, n);
	return 0;
}

static int hdr(struct nl_msg *m, uint8_t type, int flags, uint8_t family, uint32_t seq)
{
	/* Without NLM_F_REQUEST the kernel acks a message unread. */
	return nfnlmsg_put(m, 0, seq, NFNL_SUBSYS_NFTABLES, type, NLM_F_REQUEST | flags, family,
	                   0) < 0
	           ? -EMSGSIZE
	           : 0;
}

/* --- expressions ------------------------------------------------------------ */

static int put_expr_data(struct nl_msg *m, const struct nft_expr *x)
{
	int r = 0;

	switch (x->kind) {
	case NFT_X_PAYLOAD:
		r |= put_be32(m, NFTA_PAYLOAD_DREG, x->reg);
		r |= put_be32(m, NFTA_PAYLOAD_BASE, x->base);
		r |= put_be32(m, NFTA_PAYLOAD_OFFSET, x->off);
		r |= put_be32(m, NFTA_PAYLOAD_LEN, x->len);
		break;
	case NFT_X_META:
		r |= put_be32(m, NFTA_META_KEY, x->key);
		r |= put_be32(m, NFTA_META_DREG, x->reg);
		break;
	case NFT_X_META_SET:
		r |= put_be32(m, NFTA_META_KEY, x->key);
		r |= put_be32(m, NFTA_META_SREG, x->reg);
		break;
	case NFT_X_CT:
		r |= put_be32(m, NFTA_CT_KEY, x->key);
		r |= put_be32(m, NFTA_CT_DREG, x->reg);
		break;
	case NFT_X_FIB:
		r |= put_be32(m, NFTA_FIB_FLAGS, x->flags);
		r |= put_be32(m, NFTA_FIB_RESULT, x->key);
		r |= put_be32(m, NFTA_FIB_DREG, x->reg);
		break;
	case NFT_X_CMP:
		r |= put_be32(m, NFTA_CMP_SREG, x->reg);
		r |= put_be32(m, NFTA_CMP_OP, x->key);
		r |= put_data(m, NFTA_CMP_DATA, x->data, x->len);
		break;
	case NFT_X_BITWISE:
		r |= put_be32(m, NFTA_BITWISE_SREG, x->reg);
		r |= put_be32(m, NFTA_BITWISE_DREG, x->reg2);
		r |= put_be32(m, NFTA_BITWISE_LEN, x->len);
		r |= put_data(m, NFTA_BITWISE_MASK, x->data, x->len);
		r |= put_data(m, NFTA_BITWISE_XOR, x->xor, x->len);
		break;
	case NFT_X_BYTEORDER:
		r |= put_be32(m, NFTA_BYTEORDER_SREG, x->reg);
		r |= put_be32(m, NFTA_BYTEORDER_DREG, x->reg2);
		r |= put_be32(m, NFTA_BYTEORDER_OP, x->key);
		r |= put_be32(m, NFTA_BYTEORDER_LEN, x->len);
		r |= put_be32(m, NFTA_BYTEORDER_SIZE, x->size);
		break;
	case NFT_X_LOOKUP:
		r |= put_be32(m, NFTA_LOOKUP_SREG, x->reg);
		r |= nla_put_string(m, NFTA_LOOKUP_SET, x->name);
		if (x->flags)
			r |= put_be32(m, NFTA_LOOKUP_FLAGS, x->flags);
		break;
	case NFT_X_VERDICT: {
		struct nlattr *d, *v;

		r |= put_be32(m, NFTA_IMMEDIATE_DREG, NFT_REG_VERDICT);
		d = nest(m, NFTA_IMMEDIATE_DATA);
		v = d ? nest(m, NFTA_DATA_VERDICT) : NULL;
		if (!v)
			return -EMSGSIZE;
		r |= put_be32(m, NFTA_VERDICT_CODE, x->key);
		if (x->name[0])
			r |= nla_put_string(m, NFTA_VERDICT_CHAIN, x->name);
		nest_end(m, v);
		nest_end(m, d);
		break;
	}
	case NFT_X_MASQ:
		if (x->flags)
			r |= put_be32(m, NFTA_MASQ_FLAGS, x->flags);
		break;
	case NFT_X_REJECT:
		r |= put_be32(m, NFTA_REJECT_TYPE, x->key);
		r |= nla_put_u8(m, NFTA_REJECT_ICMP_CODE, (uint8_t)x->flags);
		break;
	default:
		return -EINVAL;
	}
	return r ? -EMSGSIZE : 0;
}

static const char *expr_name(uint8_t kind)
{
	switch (kind) {
	case NFT_X_PAYLOAD:
		return "payload";
	case NFT_X_META:
	case NFT_X_META_SET:
		return "meta";
	case NFT_X_CT:
		return "ct";
	case NFT_X_FIB:
		return "fib";
	case NFT_X_CMP:
		return "cmp";
	case NFT_X_BITWISE:
		return "bitwise";
	case NFT_X_BYTEORDER:
		return "byteorder";
	case NFT_X_LOOKUP:
		return "lookup";
	case NFT_X_VERDICT:
		return "immediate";
	case NFT_X_MASQ:
		return "masq";
	case NFT_X_REJECT:
		return "reject";
	}
	return NULL;
}

int nft_put_expr(struct nl_msg *m, const struct nft_expr *x)
{
	const char *name = expr_name(x->kind);
	struct nlattr *e, *d;
	int r;

	if (!name)
		return -EINVAL;
	if (x->len > NFT_DATA_MAX && (x->kind == NFT_X_CMP || x->kind == NFT_X_BITWISE))
		return -EINVAL;
	e = nest(m, NFTA_LIST_ELEM);
	if (!e || nla_put_string(m, NFTA_EXPR_NAME, name) < 0)
		return -EMSGSIZE;
	d = nest(m, NFTA_EXPR_DATA);
	if (!d)
		return -EMSGSIZE;
	r = put_expr_data(m, x);
	if (r)
		return r;
	nest_end(m, d);
	nest_end(m, e);
	return 0;
}

/* --- objects ------------------------------------------------------------------ */

static int enc_table(struct nl_msg *m, uint8_t type, int flags, const struct nft_table_def *t,
                     uint32_t seq)
{
	if (hdr(m, type, flags, t->family, seq) || nla_put_string(m, NFTA_TABLE_NAME, t->name) < 0)
		return -EMSGSIZE;
	if (type == NFT_MSG_NEWTABLE && put_be32(m, NFTA_TABLE_FLAGS, t->flags))
		return -EMSGSIZE;
	return 0;
}

static int enc_chain(struct nl_msg *m, const struct nft_table_def *t, const struct nft_chain_def *c,
                     uint32_t seq)
{
	struct nlattr *h;

	if (hdr(m, NFT_MSG_NEWCHAIN, NLM_F_CREATE, t->family, seq) ||
	    nla_put_string(m, NFTA_CHAIN_TABLE, t->name) < 0 ||
	    nla_put_string(m, NFTA_CHAIN_NAME, c->name) < 0)
		return -EMSGSIZE;
	if (c->hook < 0)
		return 0;
	if (nla_put_string(m, NFTA_CHAIN_TYPE, c->type) < 0 ||
	    put_be32(m, NFTA_CHAIN_POLICY, c->policy))
		return -EMSGSIZE;
	h = nest(m, NFTA_CHAIN_HOOK);
	if (!h || put_be32(m, NFTA_HOOK_HOOKNUM, (uint32_t)c->hook) ||
	    put_be32(m, NFTA_HOOK_PRIORITY, (uint32_t)c->prio))
		return -EMSGSIZE;
	nest_end(m, h);
	return 0;
}

/* @id: unique in the batch (the kernel requires one for every new set). */
static int enc_set(struct nl_msg *m, const struct nft_table_def *t, const struct nft_set_def *s,
                   uint32_t seq, uint32_t id)
{
	if (hdr(m, NFT_MSG_NEWSET, NLM_F_CREATE, t->family, seq) ||
	    nla_put_string(m, NFTA_SET_TABLE, t->name) < 0 ||
	    nla_put_string(m, NFTA_SET_NAME, s->name) < 0 ||
	    put_be32(m, NFTA_SET_FLAGS, s->flags) || put_be32(m, NFTA_SET_KEY_TYPE, s->key_type) ||
	    put_be32(m, NFTA_SET_KEY_LEN, s->key_len) || put_be32(m, NFTA_SET_ID, id))
		return -EMSGSIZE;
	if (s->flags & NFT_SET_CONCAT) {
		struct nlattr *desc = nest(m, NFTA_SET_DESC), *cc = desc ? nest(m, 2) : NULL;

		/* NFTA_SET_DESC_CONCAT (2): one NFTA_LIST_ELEM per field. */
		if (!cc)
			return -EMSGSIZE;
		for (size_t i = 0; i < s->n_fields; i++) {
			struct nlattr *f = nest(m, NFTA_LIST_ELEM);

			if (!f || put_be32(m, NFTA_SET_FIELD_LEN, s->field_len[i]))
				return -EMSGSIZE;
			nest_end(m, f);
		}
		nest_end(m, cc);
		nest_end(m, desc);
	}
	if (s->udata_len && nla_put(m, NFTA_SET_USERDATA, s->udata_len, s->udata) < 0)
		return -EMSGSIZE;
	return 0;
}

static int enc_rule(struct nl_msg *m, const struct nft_table_def *t, const struct nft_rule_def *r,
                    uint32_t seq)
{
	struct nlattr *xs;

	if (r->chain >= t->n_chains || r->n > NFT_EXPRS_MAX)
		return -EINVAL;
	if (hdr(m, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, t->family, seq) ||
	    nla_put_string(m, NFTA_RULE_TABLE, t->name) < 0 ||
	    nla_put_string(m, NFTA_RULE_CHAIN, t->chains[r->chain].name) < 0)
		return -EMSGSIZE;
	xs = nest(m, NFTA_RULE_EXPRESSIONS);
	if (!xs)
		return -EMSGSIZE;
	for (size_t i = 0; i < r->n; i++) {
		int err = nft_put_expr(m, &r->x[i]);

		if (err)
			return err;
	}
	nest_end(m, xs);
	return 0;
}

/* Elements [first, first + n) of @op into one message. */
static int enc_elems(struct nl_msg *m, const struct nft_op *op, size_t first, size_t n,
                     uint32_t seq)
{
	const struct nft_table_def *t = op->table;
	const struct nft_set_def *s = &t->sets[op->set];
	size_t stride = nft_set_stride(s);
	bool add = op->kind == NFT_OP_ADD_ELEMS;
	struct nlattr *list;

	if (hdr(m, add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, add ? NLM_F_CREATE : 0, t->family,
	        seq) ||
	    nla_put_string(m, NFTA_SET_ELEM_LIST_TABLE, t->name) < 0 ||
	    nla_put_string(m, NFTA_SET_ELEM_LIST_SET, s->name) < 0)
		return -EMSGSIZE;
	list = nest(m, NFTA_SET_ELEM_LIST_ELEMENTS);
	if (!list)
		return -EMSGSIZE;
	for (size_t i = first; i < first + n; i++) {
		const uint8_t *k = op->elems + i * stride;
		/* Numbered from 1 in each message, as nft numbers them (the
		 * kernel reads any type there). */
		struct nlattr *e = nest(m, (int)(i - first + 1));

		if (!e || put_data(m, NFTA_SET_ELEM_KEY, k, s->key_len))
			return -EMSGSIZE;
		if (nft_set_is_interval(s) &&
		    put_data(m, NFTA_SET_ELEM_KEY_END, k + s->key_len, s->key_len))
			return -EMSGSIZE;
		nest_end(m, e);
	}
	nest_end(m, list);
	return 0;
}

/* --- the batch ------------------------------------------------------------------ */

void nft_batch_init(struct nft_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void nft_batch_free(struct nft_batch *b)
{
	free(b->buf);
	free(b->m);
	if (b->msg)
		nlmsg_free(b->msg);
	memset(b, 0, sizeof(*b));
}

static int reserve(struct nft_batch *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 64 * 1024;
	uint8_t *nb;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	nb = realloc(b->buf, cap);
	if (!nb)
		return -ENOMEM;
	b->buf = nb;
	b->cap = cap;
	return 0;
}

/* A fresh scratch message. */
static int scratch(struct nft_batch *b)
{
	if (b->msg)
		nlmsg_free(b->msg);
	b->msg = nlmsg_alloc_size(MSG_MAX);
	return b->msg ? 0 : -ENOMEM;
}

/* Copies the scratch message into the batch; @track: one of the messages
 * errors can come back for. */
static int append(struct nft_batch *b, bool track, uint32_t op, size_t first, size_t n)
{
	struct nlmsghdr *nlh = nlmsg_hdr(b->msg);
	size_t len = NLMSG_ALIGN(nlh->nlmsg_len);
	int err = reserve(b, len);

	if (err)
		return err;
	if (track) {
		if (b->n == b->cap_m) {
			size_t cap = b->cap_m ? b->cap_m * 2 : 64;
			struct nft_bmsg *nm = realloc(b->m, cap * sizeof(*nm));

			if (!nm)
				return -ENOMEM;
			b->m = nm;
			b->cap_m = cap;
		}
		b->m[b->n++] = (struct nft_bmsg){ .off = b->len,
			                          .seq = nlh->nlmsg_seq,
			                          .op = op,
			                          .first = (uint32_t)first,
			                          .n = (uint32_t)n };
	}
	memcpy(b->buf + b->len, nlh, nlh->nlmsg_len);
	memset(b->buf + b->len + nlh->nlmsg_len, 0, len - nlh->nlmsg_len);
	b->len += len;
	return 0;
}

static int batch_marker(struct nft_batch *b, uint8_t type, uint32_t seq)
{
	int err = scratch(b);

	if (err)
		return err;
	/* BEGIN and END name the subsystem in res_id, family unspecified. */
	if (nfnlmsg_put(b->msg, 0, seq, 0, type, NLM_F_REQUEST, AF_UNSPEC, NFNL_SUBSYS_NFTABLES) <
	    0)
		return -EMSGSIZE;
	return append(b, false, 0, 0, 0);
}

int nft_batch_start(struct nft_batch *b, uint32_t seq)
{
	b->len = 0;
	b->n = 0;
	b->begin_seq = seq;
	b->next_seq = seq + 1;
	b->set_id = 0;
	return batch_marker(b, NFNL_MSG_BATCH_BEGIN, seq);
}

int nft_batch_finish(struct nft_batch *b)
{
	if (b->n) {
		/* The last message asks for an ACK: its answer comes after every
		 * error of the batch, so the reader knows it has them all. */
		struct nlmsghdr *last = (struct nlmsghdr *)(b->buf + b->m[b->n - 1].off);

		last->nlmsg_flags |= NLM_F_ACK;
	}
	return batch_marker(b, NFNL_MSG_BATCH_END, b->next_seq++);
}

/* Encodes one message with @enc's result and appends it. */
#define EMIT(b, track, op, first, n, call)                                                         \
	do {                                                                                       \
		int e_ = scratch(b);                                                               \
		if (!e_)                                                                           \
			e_ = (call);                                                               \
		if (!e_)                                                                           \
			e_ = append(b, track, op, first, n);                                       \
		if (e_)                                                                            \
			return e_;                                                                 \
	} while (0)

static int batch_table(struct nft_batch *b, const struct nft_table_def *t, uint32_t idx)
{
	EMIT(b, true, idx, 0, 0,
	     enc_table(b->msg, NFT_MSG_NEWTABLE, NLM_F_CREATE, t, b->next_seq++));
	for (size_t i = 0; i < t->n_sets; i++)
		EMIT(b, true, idx, 0, 0,
		     enc_set(b->msg, t, &t->sets[i], b->next_seq++, ++b->set_id));
	for (size_t i = 0; i < t->n_chains; i++)
		EMIT(b, true, idx, 0, 0, enc_chain(b->msg, t, &t->chains[i], b->next_seq++));
	for (size_t i = 0; i < t->n_rules; i++)
		EMIT(b, true, idx, 0, 0, enc_rule(b->msg, t, &t->rules[i], b->next_seq++));
	return 0;
}

int nft_batch_op(struct nft_batch *b, const struct nft_op *op, uint32_t idx)
{
	const struct nft_table_def *t = op->table;

	switch (op->kind) {
	case NFT_OP_DEL_TABLE:
		/* "add" first (a no-op when it exists) so that the delete never
		 * fails for a table that is not there: nft's own idiom. */
		EMIT(b, true, idx, 0, 0,
		     enc_table(b->msg, NFT_MSG_NEWTABLE, NLM_F_CREATE, t, b->next_seq++));
		EMIT(b, true, idx, 0, 0, enc_table(b->msg, NFT_MSG_DELTABLE, 0, t, b->next_seq++));
		return 0;
	case NFT_OP_ADD_TABLE:
		return batch_table(b, t, idx);
	case NFT_OP_ADD_ELEMS:
	case NFT_OP_DEL_ELEMS: {
		size_t per, stride;

		if (op->set >= t->n_sets)
			return -EINVAL;
		stride = nft_set_stride(&t->sets[op->set]);
		per = NFT_ELEMS_MSG_BYTES / (stride + 24);
		for (size_t first = 0; first < op->n; first += per) {
			size_t n = op->n - first < per ? op->n - first : per;

			EMIT(b, true, idx, first, n,
			     enc_elems(b->msg, op, first, n, b->next_seq++));
		}
		return 0;
	}
	}
	return -EINVAL;
}

const struct nft_bmsg *nft_batch_find(const struct nft_batch *b, uint32_t seq)
{
	/* Sequence numbers count up by one from the first message. */
	if (!b->n || seq < b->m[0].seq || seq > b->m[b->n - 1].seq)
		return NULL;
	return &b->m[seq - b->m[0].seq];
}

long nft_batch_elem_at(const struct nft_batch *b, const struct nft_bmsg *m, uint32_t off)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)(b->buf + m->off);
	const struct nlattr *list = NULL, *a;
	int rem;
	long i = 0;

	nla_for_each_attr(a, (struct nlattr *)((const uint8_t *)nlmsg_data(nlh) + NFNL_HDRLEN),
	                  (int)(nlh->nlmsg_len - NLMSG_HDRLEN - NFNL_HDRLEN), rem)
	{
		if (nla_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			list = a;
	}
	if (!list)
		return -1;
	nla_for_each_nested(a, list, rem)
	{
		size_t start = (size_t)((const uint8_t *)a - (const uint8_t *)nlh);

		if (off >= start && off < start + nla_len(a) + NLA_HDRLEN)
			return (long)m->first + i;
		i++;
	}
	return -1;
}

/* --- read requests ----------------------------------------------------------------- */

int nft_build_get(struct nl_msg *m, uint8_t type, uint8_t family, uint32_t seq, bool dump,
                  const char *table, int name_attr, const char *name)
{
	/* Every GET names the table in attribute 1 (NFTA_TABLE_NAME,
	 * NFTA_CHAIN_TABLE, NFTA_SET_TABLE, NFTA_RULE_TABLE,
	 * NFTA_SET_ELEM_LIST_TABLE). */
	int flags = NLM_F_ACK | (dump ? NLM_F_DUMP : 0);

	if (hdr(m, type, flags, family, seq) || nla_put_string(m, 1, table) < 0)
		return -EMSGSIZE;
	if (name && nla_put_string(m, name_attr, name) < 0)
		return -EMSGSIZE;
	return 0;
}
