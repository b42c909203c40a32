/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctnetlink messages (ipvs/ct_msg.c) read back as the kernel reads them:
 * the dump request's filter (CTA_FILTER flags and the tuples they refer
 * to), a deletion (complete tuple, zone, id; never without a tuple: that
 * would be a flush), and a dumped entry built here as the kernel sends it.
 */
#include "unit.h"

#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <string.h>

#include "../../ipvs/ct.h"

static struct net_addr ip(const char *s)
{
	struct net_addr a;

	assert_int_equal(addr_parse(s, &a), 0);
	return a;
}

struct tuple_attrs {
	struct nlattr *ip[CTA_IP_MAX + 1];
	struct nlattr *pr[CTA_PROTO_MAX + 1];
};

static void read_tuple(struct nlattr *t, struct tuple_attrs *out)
{
	struct nlattr *tb[CTA_TUPLE_MAX + 1];

	assert_non_null(t);
	assert_int_equal(nla_parse_nested(tb, CTA_TUPLE_MAX, t, NULL), 0);
	assert_non_null(tb[CTA_TUPLE_IP]);
	assert_non_null(tb[CTA_TUPLE_PROTO]);
	assert_int_equal(nla_parse_nested(out->ip, CTA_IP_MAX, tb[CTA_TUPLE_IP], NULL), 0);
	assert_int_equal(nla_parse_nested(out->pr, CTA_PROTO_MAX, tb[CTA_TUPLE_PROTO], NULL), 0);
}

static struct nlmsghdr *parse(struct nl_msg *m, struct nlattr **tb, uint16_t type, int af)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct nfgenmsg *g = nlmsg_data(nlh);

	assert_int_equal(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | type);
	assert_int_equal(g->nfgen_family, af);
	assert_int_equal(nlmsg_parse(nlh, sizeof(*g), tb, CTA_MAX, NULL), 0);
	return nlh;
}

static void dump_request_carries_the_filter(void **state)
{
	struct ct_filter f = { .af = AF_INET, .proto = IPPROTO_UDP };
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *tb[CTA_MAX + 1], *ff[CTA_FILTER_MAX + 1];
	struct tuple_attrs o, r;
	struct nlmsghdr *nlh;

	(void)state;
	f.orig_dst = ip("10.96.0.10");
	f.orig_dport = 53;
	f.reply_src = ip("10.244.0.1");
	assert_int_equal(ct_build_dump(m, 9, &f), 0);
	nlh = parse(m, tb, IPCTNL_MSG_CT_GET, AF_INET);
	assert_true(nlh->nlmsg_flags & NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_seq, 9);
	assert_int_equal(nla_parse_nested(ff, CTA_FILTER_MAX, tb[CTA_FILTER], NULL), 0);
	/* nf_internals.h: IP_SRC 1, IP_DST 2, PROTO_NUM 8, PROTO_DST_PORT 32 */
	assert_int_equal(nla_get_u32(ff[CTA_FILTER_ORIG_FLAGS]), 0x2 | 0x8 | 0x20);
	assert_int_equal(nla_get_u32(ff[CTA_FILTER_REPLY_FLAGS]), 0x1 | 0x8);
	read_tuple(tb[CTA_TUPLE_ORIG], &o);
	assert_null(o.ip[CTA_IP_V4_SRC]);
	assert_memory_equal(nla_data(o.ip[CTA_IP_V4_DST]), f.orig_dst.a.b, 4);
	assert_int_equal(nla_get_u8(o.pr[CTA_PROTO_NUM]), IPPROTO_UDP);
	assert_int_equal(ntohs(nla_get_u16(o.pr[CTA_PROTO_DST_PORT])), 53);
	read_tuple(tb[CTA_TUPLE_REPLY], &r);
	assert_memory_equal(nla_data(r.ip[CTA_IP_V4_SRC]), f.reply_src.a.b, 4);
	assert_null(r.ip[CTA_IP_V4_DST]);
	assert_null(r.pr[CTA_PROTO_SRC_PORT]);
	nlmsg_free(m);

	/* By port alone (every node address of a NodePort), IPv6. */
	m = nlmsg_alloc();
	f = (struct ct_filter){ .af = AF_INET6, .proto = IPPROTO_UDP, .orig_dport = 30053 };
	assert_int_equal(ct_build_dump(m, 10, &f), 0);
	parse(m, tb, IPCTNL_MSG_CT_GET, AF_INET6);
	assert_int_equal(nla_parse_nested(ff, CTA_FILTER_MAX, tb[CTA_FILTER], NULL), 0);
	assert_int_equal(nla_get_u32(ff[CTA_FILTER_ORIG_FLAGS]), 0x8 | 0x20);
	assert_null(ff[CTA_FILTER_REPLY_FLAGS]);
	assert_null(tb[CTA_TUPLE_REPLY]);
	nlmsg_free(m);
}

static void dump_request_refuses_nonsense(void **state)
{
	struct ct_filter f = { .af = AF_INET, .proto = IPPROTO_UDP };
	struct nl_msg *m = nlmsg_alloc();

	(void)state;
	f.orig_dst = ip("fd00::10");
	assert_int_equal(ct_build_dump(m, 1, &f), -EINVAL);
	f = (struct ct_filter){ .af = 0, .proto = IPPROTO_UDP };
	assert_int_equal(ct_build_dump(m, 1, &f), -EINVAL);
	f = (struct ct_filter){ .af = AF_INET, .proto = 0 };
	assert_int_equal(ct_build_dump(m, 1, &f), -EINVAL);
	nlmsg_free(m);
}

static struct ct_entry sample(void)
{
	struct ct_entry e;

	memset(&e, 0, sizeof(e));
	e.orig =
	    (struct ct_tuple){ ip("fd00:244::9:1"), ip("fd00:10:96::45"), 40022, 53, IPPROTO_UDP };
	e.reply =
	    (struct ct_tuple){ ip("fd00:244::2:1"), ip("fd00:244::9:1"), 53, 40022, IPPROTO_UDP };
	e.zone = 3;
	e.id = 0xdeadbeef;
	return e;
}

static void delete_names_one_entry(void **state)
{
	struct ct_entry e = sample();
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *tb[CTA_MAX + 1];
	struct tuple_attrs o;
	struct nlmsghdr *nlh;

	(void)state;
	assert_int_equal(ct_build_delete(m, 5, &e), 0);
	nlh = parse(m, tb, IPCTNL_MSG_CT_DELETE, AF_INET6);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK);
	read_tuple(tb[CTA_TUPLE_ORIG], &o);
	assert_memory_equal(nla_data(o.ip[CTA_IP_V6_SRC]), e.orig.src.a.b, 16);
	assert_memory_equal(nla_data(o.ip[CTA_IP_V6_DST]), e.orig.dst.a.b, 16);
	assert_int_equal(ntohs(nla_get_u16(o.pr[CTA_PROTO_SRC_PORT])), 40022);
	assert_int_equal(ntohs(nla_get_u16(o.pr[CTA_PROTO_DST_PORT])), 53);
	assert_int_equal(nla_get_u8(o.pr[CTA_PROTO_NUM]), IPPROTO_UDP);
	assert_int_equal(ntohl(nla_get_u32(tb[CTA_ID])), 0xdeadbeef);
	assert_int_equal(ntohs(nla_get_u16(tb[CTA_ZONE])), 3);
	assert_null(tb[CTA_TUPLE_REPLY]);
	nlmsg_free(m);
	/* Zone 0 is the default: not sent. */
	m = nlmsg_alloc();
	e.zone = 0;
	assert_int_equal(ct_build_delete(m, 6, &e), 0);
	parse(m, tb, IPCTNL_MSG_CT_DELETE, AF_INET6);
	assert_null(tb[CTA_ZONE]);
	nlmsg_free(m);
}

static void delete_without_tuple_is_refused(void **state)
{
	struct ct_entry e;
	struct nl_msg *m = nlmsg_alloc();

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(ct_build_delete(m, 1, &e), -EINVAL);
	e = sample();
	memset(&e.orig.dst, 0, sizeof(e.orig.dst));
	assert_int_equal(ct_build_delete(m, 1, &e), -EINVAL);
	e = sample();
	e.orig.dst = ip("10.96.0.10"); /* families differ */
	assert_int_equal(ct_build_delete(m, 1, &e), -EINVAL);
	e = sample();
	e.orig.proto = 0;
	assert_int_equal(ct_build_delete(m, 1, &e), -EINVAL);
	nlmsg_free(m);
}

/* A dumped entry, as the kernel writes one (IPv4, zone 0, with status and
 * timeout attributes the parser skips). */
static void put_tuple(struct nl_msg *m, int type, const char *src, const char *dst, uint16_t sport,
                      uint16_t dport)
{
	struct nlattr *t = nla_nest_start(m, type), *x;
	struct net_addr s = ip(src), d = ip(dst);

	x = nla_nest_start(m, CTA_TUPLE_IP);
	nla_put(m, CTA_IP_V4_SRC, 4, s.a.b);
	nla_put(m, CTA_IP_V4_DST, 4, d.a.b);
	nla_nest_end(m, x);
	x = nla_nest_start(m, CTA_TUPLE_PROTO);
	nla_put_u8(m, CTA_PROTO_NUM, IPPROTO_UDP);
	nla_put_u16(m, CTA_PROTO_SRC_PORT, htons(sport));
	nla_put_u16(m, CTA_PROTO_DST_PORT, htons(dport));
	nla_nest_end(m, x);
	nla_nest_end(m, t);
}

static struct nl_msg *dumped(bool with_reply, uint16_t type)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nfgenmsg g = { .nfgen_family = AF_INET, .version = NFNETLINK_V0 };

	assert_non_null(nlmsg_put(m, 0, 1, (NFNL_SUBSYS_CTNETLINK << 8) | type, 0, NLM_F_MULTI));
	assert_int_equal(nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO), 0);
	put_tuple(m, CTA_TUPLE_ORIG, "10.244.9.1", "10.96.0.10", 40000, 53);
	if (with_reply)
		put_tuple(m, CTA_TUPLE_REPLY, "10.244.2.1", "10.244.9.1", 53, 40000);
	nla_put_u32(m, CTA_STATUS, htonl(0x0e));
	nla_put_u32(m, CTA_TIMEOUT, htonl(119));
	nla_put_u32(m, CTA_ID, htonl(4242));
	return m;
}

static void dumped_entry_read(void **state)
{
	struct nl_msg *m = dumped(true, IPCTNL_MSG_CT_NEW);
	struct ct_entry e;
	struct ct_filter f = { .af = AF_INET, .proto = IPPROTO_UDP, .orig_dport = 53 };
	char a[ADDR_STRLEN];

	(void)state;
	assert_int_equal(ct_parse_entry(nlmsg_hdr(m), &e), 0);
	assert_string_equal(addr_port_fmt(&e.orig.src, e.orig.sport, a), "10.244.9.1:40000");
	assert_string_equal(addr_port_fmt(&e.orig.dst, e.orig.dport, a), "10.96.0.10:53");
	assert_string_equal(addr_port_fmt(&e.reply.src, e.reply.sport, a), "10.244.2.1:53");
	assert_int_equal(e.orig.proto, IPPROTO_UDP);
	assert_int_equal(e.id, 4242);
	assert_int_equal(e.zone, 0);
	/* The same filter the kernel applies. */
	assert_true(ct_filter_match(&f, &e));
	f.reply_src = ip("10.244.2.1");
	assert_true(ct_filter_match(&f, &e));
	f.reply_src = ip("10.244.2.2");
	assert_false(ct_filter_match(&f, &e));
	f = (struct ct_filter){ .af = AF_INET, .proto = IPPROTO_TCP };
	assert_false(ct_filter_match(&f, &e));
	f = (struct ct_filter){ .af = AF_INET6, .proto = IPPROTO_UDP };
	assert_false(ct_filter_match(&f, &e));
	nlmsg_free(m);
	/* Without a reply tuple, or another message: refused. */
	m = dumped(false, IPCTNL_MSG_CT_NEW);
	assert_int_equal(ct_parse_entry(nlmsg_hdr(m), &e), -EINVAL);
	nlmsg_free(m);
	m = dumped(true, IPCTNL_MSG_CT_DELETE);
	assert_int_equal(ct_parse_entry(nlmsg_hdr(m), &e), -EINVAL);
	nlmsg_free(m);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(dump_request_carries_the_filter),
	cmocka_unit_test(dump_request_refuses_nonsense),
	cmocka_unit_test(delete_names_one_entry),
	cmocka_unit_test(delete_without_tuple_is_refused),
	cmocka_unit_test(dumped_entry_read),
};

UNIT_MAIN(tests)
