/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoding: one nf_tables dump reply → a plain value of nft_types.h. The
 * decoders do not care where the bytes came from (a live dump, a recorded
 * one in a unit test).
 *
 * An expression decodes into the struct kipvs builds it from, and only
 * when it is one kipvs could have built: an attribute kipvs never sends
 * with a value other than zero (a lookup's invert flag, a payload write, a
 * ct direction...) makes it kind 0, which equals nothing kipvs builds. So a
 * rule someone edited in place never reads as kipvs's own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <netlink/attr.h>
#include <netlink/netfilter/nfnl.h>
#include <string.h>

#include "nft_nl.h"

#define ATTRS_MAX 16

static uint32_t be32(const struct nlattr *a)
{
	return a ? ntohl(nla_get_u32(a)) : 0;
}

/* A non-zero attribute kipvs never sends. */
static bool set_nonzero(const struct nlattr *a)
{
	if (!a)
		return false;
	for (int i = 0; i < nla_len(a); i++)
		if (((const uint8_t *)nla_data(a))[i])
			return true;
	return false;
}

static int get_name(const struct nlattr *a, char *out)
{
	if (!a || nla_len(a) < 1 || nla_len(a) > NFT_NAME_LEN)
		return -EINVAL;
	if (((const char *)nla_data(a))[nla_len(a) - 1] != '\0')
		return -EINVAL;
	memcpy(out, nla_data(a), (size_t)nla_len(a));
	return 0;
}

/* The NFTA_DATA_VALUE inside a data nest, into @out (NFT_DATA_MAX). */
static int get_value(const struct nlattr *nest, uint8_t *out, size_t max, size_t *len)
{
	struct nlattr *tb[NFTA_DATA_MAX + 1];

	if (!nest || nla_parse_nested(tb, NFTA_DATA_MAX, (struct nlattr *)nest, NULL) < 0 ||
	    !tb[NFTA_DATA_VALUE] || (size_t)nla_len(tb[NFTA_DATA_VALUE]) > max)
		return -EINVAL;
	*len = (size_t)nla_len(tb[NFTA_DATA_VALUE]);
	memcpy(out, nla_data(tb[NFTA_DATA_VALUE]), *len);
	return 0;
}

static int parse_msg(const struct nlmsghdr *nlh, struct nlattr **tb, int max)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NFNL_HDRLEN)
		return -EINVAL;
	return nlmsg_parse((struct nlmsghdr *)nlh, NFNL_HDRLEN, tb, max, NULL) < 0 ? -EINVAL : 0;
}

static uint8_t msg_family(const struct nlmsghdr *nlh)
{
	return ((const struct nfgenmsg *)nlmsg_data(nlh))->nfgen_family;
}

int nft_parse_table(const struct nlmsghdr *nlh, struct nft_table_def *out)
{
	struct nlattr *tb[NFTA_TABLE_MAX + 1];
	int err = parse_msg(nlh, tb, NFTA_TABLE_MAX);

	memset(out, 0, sizeof(*out));
	if (!err)
		err = get_name(tb[NFTA_TABLE_NAME], out->name);
	if (err)
		return err;
	out->family = msg_family(nlh);
	out->flags = be32(tb[NFTA_TABLE_FLAGS]);
	out->use = be32(tb[NFTA_TABLE_USE]);
	return 0;
}

int nft_parse_chain(const struct nlmsghdr *nlh, struct nft_chain_def *out)
{
	struct nlattr *tb[NFTA_CHAIN_MAX + 1], *hk[NFTA_HOOK_MAX + 1];
	int err = parse_msg(nlh, tb, NFTA_CHAIN_MAX);

	memset(out, 0, sizeof(*out));
	out->hook = -1;
	if (!err)
		err = get_name(tb[NFTA_CHAIN_NAME], out->name);
	if (err || !tb[NFTA_CHAIN_HOOK])
		return err;
	if (nla_parse_nested(hk, NFTA_HOOK_MAX, tb[NFTA_CHAIN_HOOK], NULL) < 0 ||
	    !hk[NFTA_HOOK_HOOKNUM] || !tb[NFTA_CHAIN_TYPE] ||
	    (size_t)nla_len(tb[NFTA_CHAIN_TYPE]) > sizeof(out->type))
		return -EINVAL;
	out->hook = (int)be32(hk[NFTA_HOOK_HOOKNUM]);
	out->prio = (int32_t)be32(hk[NFTA_HOOK_PRIORITY]);
	out->policy = be32(tb[NFTA_CHAIN_POLICY]);
	nla_strlcpy(out->type, tb[NFTA_CHAIN_TYPE], sizeof(out->type));
	return 0;
}

static int parse_concat(const struct nlattr *desc, struct nft_set_def *out)
{
	struct nlattr *tb[NFTA_SET_DESC_MAX + 1], *a;
	int rem;
	size_t i = 0;

	if (nla_parse_nested(tb, NFTA_SET_DESC_MAX, (struct nlattr *)desc, NULL) < 0)
		return -EINVAL;
	if (!tb[2]) /* NFTA_SET_DESC_CONCAT */
		return 0;
	nla_for_each_nested(a, tb[2], rem)
	{
		struct nlattr *f[NFTA_SET_FIELD_MAX + 1];

		if (i == NFT_FIELDS_MAX || nla_parse_nested(f, NFTA_SET_FIELD_MAX, a, NULL) < 0 ||
		    !f[NFTA_SET_FIELD_LEN])
			return -EINVAL;
		out->field_len[i++] = (uint8_t)be32(f[NFTA_SET_FIELD_LEN]);
	}
	out->n_fields = (uint8_t)i;
	return 0;
}

int nft_parse_set(const struct nlmsghdr *nlh, struct nft_set_def *out)
{
	struct nlattr *tb[NFTA_SET_MAX + 1];
	int err = parse_msg(nlh, tb, NFTA_SET_MAX);

	memset(out, 0, sizeof(*out));
	if (!err)
		err = get_name(tb[NFTA_SET_NAME], out->name);
	if (err)
		return err;
	out->flags = be32(tb[NFTA_SET_FLAGS]);
	out->key_type = be32(tb[NFTA_SET_KEY_TYPE]);
	out->key_len = be32(tb[NFTA_SET_KEY_LEN]);
	if (!out->key_len || out->key_len > NFT_KEY_MAX)
		return -EINVAL;
	if (tb[NFTA_SET_DESC] && parse_concat(tb[NFTA_SET_DESC], out))
		return -EINVAL;
	if (tb[NFTA_SET_USERDATA]) {
		int len = nla_len(tb[NFTA_SET_USERDATA]);

		if (len > NFT_UDATA_MAX)
			return -EINVAL;
		memcpy(out->udata, nla_data(tb[NFTA_SET_USERDATA]), (size_t)len);
		out->udata_len = (uint8_t)len;
	}
	return 0;
}

/* --- expressions ---------------------------------------------------------------- */

/* Fills @x from the data attributes of expression @name. kind stays 0 for
 * anything kipvs does not build. */
static int decode_expr(const char *name, struct nlattr **tb, struct nft_expr *x)
{
	size_t len = 0;

	if (!strcmp(name, "payload")) {
		if (set_nonzero(tb[NFTA_PAYLOAD_SREG]) || set_nonzero(tb[NFTA_PAYLOAD_CSUM_TYPE]))
			return 0;
		x->reg = (uint8_t)be32(tb[NFTA_PAYLOAD_DREG]);
		x->base = (uint8_t)be32(tb[NFTA_PAYLOAD_BASE]);
		x->off = (uint8_t)be32(tb[NFTA_PAYLOAD_OFFSET]);
		x->len = (uint8_t)be32(tb[NFTA_PAYLOAD_LEN]);
		x->kind = NFT_X_PAYLOAD;
	} else if (!strcmp(name, "meta")) {
		x->key = be32(tb[NFTA_META_KEY]);
		x->kind = tb[NFTA_META_SREG] ? NFT_X_META_SET : NFT_X_META;
		x->reg =
		    (uint8_t)be32(tb[NFTA_META_SREG] ? tb[NFTA_META_SREG] : tb[NFTA_META_DREG]);
	} else if (!strcmp(name, "ct")) {
		if (tb[NFTA_CT_DIRECTION] || tb[NFTA_CT_SREG])
			return 0;
		x->key = be32(tb[NFTA_CT_KEY]);
		x->reg = (uint8_t)be32(tb[NFTA_CT_DREG]);
		x->kind = NFT_X_CT;
	} else if (!strcmp(name, "fib")) {
		x->flags = be32(tb[NFTA_FIB_FLAGS]);
		x->key = be32(tb[NFTA_FIB_RESULT]);
		x->reg = (uint8_t)be32(tb[NFTA_FIB_DREG]);
		x->kind = NFT_X_FIB;
	} else if (!strcmp(name, "cmp")) {
		if (get_value(tb[NFTA_CMP_DATA], x->data, NFT_DATA_MAX, &len))
			return -EINVAL;
		x->reg = (uint8_t)be32(tb[NFTA_CMP_SREG]);
		x->key = be32(tb[NFTA_CMP_OP]);
		x->len = (uint8_t)len;
		x->kind = NFT_X_CMP;
	} else if (!strcmp(name, "bitwise")) {
		size_t xlen = 0;

		if (set_nonzero(tb[NFTA_BITWISE_OP]) || tb[NFTA_BITWISE_DATA])
			return 0;
		if (get_value(tb[NFTA_BITWISE_MASK], x->data, NFT_DATA_MAX, &len) ||
		    get_value(tb[NFTA_BITWISE_XOR], x->xor, NFT_DATA_MAX, &xlen) || len != xlen)
			return -EINVAL;
		x->reg = (uint8_t)be32(tb[NFTA_BITWISE_SREG]);
		x->reg2 = (uint8_t)be32(tb[NFTA_BITWISE_DREG]);
		x->len = (uint8_t)be32(tb[NFTA_BITWISE_LEN]);
		if (x->len != len)
			return 0;
		x->kind = NFT_X_BITWISE;
	} else if (!strcmp(name, "byteorder")) {
		x->reg = (uint8_t)be32(tb[NFTA_BYTEORDER_SREG]);
		x->reg2 = (uint8_t)be32(tb[NFTA_BYTEORDER_DREG]);
		x->key = be32(tb[NFTA_BYTEORDER_OP]);
		x->len = (uint8_t)be32(tb[NFTA_BYTEORDER_LEN]);
		x->size = (uint8_t)be32(tb[NFTA_BYTEORDER_SIZE]);
		x->kind = NFT_X_BYTEORDER;
	} else if (!strcmp(name, "lookup")) {
		if (tb[NFTA_LOOKUP_DREG] || get_name(tb[NFTA_LOOKUP_SET], x->name))
			return 0;
		x->reg = (uint8_t)be32(tb[NFTA_LOOKUP_SREG]);
		x->flags = be32(tb[NFTA_LOOKUP_FLAGS]);
		x->kind = NFT_X_LOOKUP;
	} else if (!strcmp(name, "immediate")) {
		struct nlattr *d[NFTA_DATA_MAX + 1], *v[NFTA_VERDICT_MAX + 1];

		if (be32(tb[NFTA_IMMEDIATE_DREG]) != NFT_REG_VERDICT || !tb[NFTA_IMMEDIATE_DATA] ||
		    nla_parse_nested(d, NFTA_DATA_MAX, tb[NFTA_IMMEDIATE_DATA], NULL) < 0 ||
		    !d[NFTA_DATA_VERDICT] ||
		    nla_parse_nested(v, NFTA_VERDICT_MAX, d[NFTA_DATA_VERDICT], NULL) < 0)
			return 0;
		x->key = be32(v[NFTA_VERDICT_CODE]);
		if (v[NFTA_VERDICT_CHAIN] && get_name(v[NFTA_VERDICT_CHAIN], x->name))
			return 0;
		x->kind = NFT_X_VERDICT;
	} else if (!strcmp(name, "masq")) {
		if (tb[NFTA_MASQ_REG_PROTO_MIN] || tb[NFTA_MASQ_REG_PROTO_MAX])
			return 0;
		x->flags = be32(tb[NFTA_MASQ_FLAGS]);
		x->kind = NFT_X_MASQ;
	} else if (!strcmp(name, "reject")) {
		x->key = be32(tb[NFTA_REJECT_TYPE]);
		x->flags = tb[NFTA_REJECT_ICMP_CODE] ? nla_get_u8(tb[NFTA_REJECT_ICMP_CODE]) : 0;
		x->kind = NFT_X_REJECT;
	}
	return 0;
}

int nft_parse_expr(const struct nlattr *nest, struct nft_expr *out)
{
	struct nlattr *tb[NFTA_EXPR_MAX + 1], *data[ATTRS_MAX + 1];
	char name[NFT_NAME_LEN];

	memset(out, 0, sizeof(*out));
	if (nla_parse_nested(tb, NFTA_EXPR_MAX, (struct nlattr *)nest, NULL) < 0 ||
	    get_name(tb[NFTA_EXPR_NAME], name))
		return -EINVAL;
	memset(data, 0, sizeof(data));
	/* An expression without data (masquerade without flags) is fine. */
	if (tb[NFTA_EXPR_DATA] && nla_parse_nested(data, ATTRS_MAX, tb[NFTA_EXPR_DATA], NULL) < 0)
		return -EINVAL;
	return decode_expr(name, data, out);
}

int nft_parse_rule(const struct nlmsghdr *nlh, char *chain, struct nft_rule_def *out)
{
	struct nlattr *tb[NFTA_RULE_MAX + 1], *a;
	int rem, err = parse_msg(nlh, tb, NFTA_RULE_MAX);

	memset(out, 0, sizeof(*out));
	if (!err)
		err = get_name(tb[NFTA_RULE_CHAIN], chain);
	if (err)
		return err;
	if (!tb[NFTA_RULE_EXPRESSIONS])
		return 0;
	nla_for_each_nested(a, tb[NFTA_RULE_EXPRESSIONS], rem)
	{
		if (out->n == NFT_EXPRS_MAX) {
			/* Longer than any rule of kipvs's: mark it so. */
			out->x[NFT_EXPRS_MAX - 1].kind = 0;
			return 0;
		}
		err = nft_parse_expr(a, &out->x[out->n++]);
		if (err)
			return err;
	}
	return 0;
}

int nft_parse_elems(const struct nlmsghdr *nlh, size_t key_len, bool interval,
                    struct nft_elems *out)
{
	struct nlattr *tb[NFTA_SET_ELEM_LIST_MAX + 1], *a;
	int rem, err = parse_msg(nlh, tb, NFTA_SET_ELEM_LIST_MAX);

	if (err || !tb[NFTA_SET_ELEM_LIST_ELEMENTS])
		return err;
	nla_for_each_nested(a, tb[NFTA_SET_ELEM_LIST_ELEMENTS], rem)
	{
		struct nlattr *e[NFTA_SET_ELEM_MAX + 1];
		uint8_t key[NFT_KEY_MAX], end[NFT_KEY_MAX];
		size_t klen = 0, elen = 0;

		if (nla_parse_nested(e, NFTA_SET_ELEM_MAX, a, NULL) < 0 ||
		    get_value(e[NFTA_SET_ELEM_KEY], key, sizeof(key), &klen) || klen != key_len)
			return -EINVAL;
		if (interval) {
			if (get_value(e[NFTA_SET_ELEM_KEY_END], end, sizeof(end), &elen) ||
			    elen != key_len)
				return -EINVAL;
		}
		err = nft_elems_add(out, key, interval ? end : NULL, key_len);
		if (err)
			return err;
	}
	return 0;
}
