/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctnetlink messages: the dump request with its filter, one deletion, one
 * dumped entry. No I/O, so the unit tests build and read them as the kernel
 * would.
 */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <string.h>

#include "ct.h"

/*
 * CTA_FILTER_ORIG_FLAGS / _REPLY_FLAGS bits: which fields of the tuple given
 * with the request must match. The kernel keeps them in an internal header
 * (net/netfilter/nf_internals.h, CTA_FILTER_F_*), not in the UAPI.
 */
#define CT_F_IP_SRC    (1u << 0)
#define CT_F_IP_DST    (1u << 1)
#define CT_F_PROTO_NUM (1u << 3)
#define CT_F_PROTO_DST (1u << 5)
#define CT_MSG(type)   ((NFNL_SUBSYS_CTNETLINK << 8) | (type))

static int put_hdr(struct nl_msg *m, uint32_t seq, uint16_t type, int flags, int af)
{
	struct nfgenmsg g = { .nfgen_family = (uint8_t)af, .version = NFNETLINK_V0 };

	if (!nlmsg_put(m, NL_AUTO_PORT, seq, CT_MSG(type), 0, NLM_F_REQUEST | flags))
		return -EMSGSIZE;
	return nlmsg_append(m, &g, sizeof(g), NLMSG_ALIGNTO) ? -EMSGSIZE : 0;
}

static int put_ip(struct nl_msg *m, int attr4, int attr6, const struct net_addr *a)
{
	return a->af == AF_INET ? nla_put(m, attr4, 4, a->a.b) : nla_put(m, attr6, 16, a->a.b);
}

/* CTA_TUPLE_ORIG/_REPLY: the addresses present (af != 0), the protocol, the
 * ports when @ports. */
static int put_tuple(struct nl_msg *m, int type, const struct net_addr *src,
                     const struct net_addr *dst, uint8_t proto, bool ports, uint16_t sport,
                     uint16_t dport)
{
	struct nlattr *t = nla_nest_start(m, type), *ip, *pr;
	int err = 0;

	if (!t || !(ip = nla_nest_start(m, CTA_TUPLE_IP)))
		return -EMSGSIZE;
	if (src && src->af)
		err = put_ip(m, CTA_IP_V4_SRC, CTA_IP_V6_SRC, src);
	if (!err && dst && dst->af)
		err = put_ip(m, CTA_IP_V4_DST, CTA_IP_V6_DST, dst);
	if (err)
		return -EMSGSIZE;
	nla_nest_end(m, ip);
	pr = nla_nest_start(m, CTA_TUPLE_PROTO);
	if (!pr || nla_put_u8(m, CTA_PROTO_NUM, proto))
		return -EMSGSIZE;
	if (ports && (nla_put_u16(m, CTA_PROTO_SRC_PORT, htons(sport)) ||
	              nla_put_u16(m, CTA_PROTO_DST_PORT, htons(dport))))
		return -EMSGSIZE;
	nla_nest_end(m, pr);
	nla_nest_end(m, t);
	return 0;
}

int ct_build_dump(struct nl_msg *m, uint32_t seq, const struct ct_filter *f)
{
	uint32_t orig = CT_F_PROTO_NUM, reply = 0;
	struct nlattr *nf;
	int err;

	if ((f->af != AF_INET && f->af != AF_INET6) || !f->proto ||
	    (f->orig_dst.af && f->orig_dst.af != f->af) ||
	    (f->reply_src.af && f->reply_src.af != f->af))
		return -EINVAL;
	err = put_hdr(m, seq, IPCTNL_MSG_CT_GET, NLM_F_DUMP, f->af);
	if (err)
		return err;
	if (f->orig_dst.af)
		orig |= CT_F_IP_DST;
	if (f->orig_dport)
		orig |= CT_F_PROTO_DST;
	/* The kernel reads the ports only when their flag is set: the source
	 * port carried here is not compared. */
	err = put_tuple(m, CTA_TUPLE_ORIG, NULL, &f->orig_dst, f->proto, f->orig_dport != 0, 0,
	                f->orig_dport);
	if (!err && f->reply_src.af) {
		reply = CT_F_IP_SRC | CT_F_PROTO_NUM;
		err = put_tuple(m, CTA_TUPLE_REPLY, &f->reply_src, NULL, f->proto, false, 0, 0);
	}
	if (err)
		return err;
	nf = nla_nest_start(m, CTA_FILTER);
	if (!nf || nla_put_u32(m, CTA_FILTER_ORIG_FLAGS, orig) ||
	    (reply && nla_put_u32(m, CTA_FILTER_REPLY_FLAGS, reply)))
		return -EMSGSIZE;
	nla_nest_end(m, nf);
	return 0;
}

int ct_build_delete(struct nl_msg *m, uint32_t seq, const struct ct_entry *e)
{
	const struct ct_tuple *t = &e->orig;
	int err;

	/* Without a complete tuple the kernel would flush the table. */
	if ((t->src.af != AF_INET && t->src.af != AF_INET6) || t->dst.af != t->src.af || !t->proto)
		return -EINVAL;
	err = put_hdr(m, seq, IPCTNL_MSG_CT_DELETE, NLM_F_ACK, t->src.af);
	if (!err)
		err = put_tuple(m, CTA_TUPLE_ORIG, &t->src, &t->dst, t->proto, true, t->sport,
		                t->dport);
	if (!err && e->zone && nla_put_u16(m, CTA_ZONE, htons(e->zone)))
		err = -EMSGSIZE;
	if (!err && nla_put_u32(m, CTA_ID, htonl(e->id)))
		err = -EMSGSIZE;
	return err;
}

/* --- reading a dumped entry ---------------------------------------------------- */

static int get_ip(struct nlattr *v4, struct nlattr *v6, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (v4 && nla_len(v4) == 4) {
		out->af = AF_INET;
		memcpy(out->a.b, nla_data(v4), 4);
		return 0;
	}
	if (v6 && nla_len(v6) == 16) {
		out->af = AF_INET6;
		memcpy(out->a.b, nla_data(v6), 16);
		return 0;
	}
	return -EINVAL;
}

static int get_tuple(struct nlattr *attr, struct ct_tuple *t)
{
	struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1], *pr[CTA_PROTO_MAX + 1];

	memset(t, 0, sizeof(*t));
	if (!attr || nla_parse_nested(tb, CTA_TUPLE_MAX, attr, NULL) || !tb[CTA_TUPLE_IP] ||
	    !tb[CTA_TUPLE_PROTO] || nla_parse_nested(ip, CTA_IP_MAX, tb[CTA_TUPLE_IP], NULL) ||
	    nla_parse_nested(pr, CTA_PROTO_MAX, tb[CTA_TUPLE_PROTO], NULL))
		return -EINVAL;
	if (get_ip(ip[CTA_IP_V4_SRC], ip[CTA_IP_V6_SRC], &t->src) ||
	    get_ip(ip[CTA_IP_V4_DST], ip[CTA_IP_V6_DST], &t->dst) || !pr[CTA_PROTO_NUM])
		return -EINVAL;
	t->proto = nla_get_u8(pr[CTA_PROTO_NUM]);
	if (pr[CTA_PROTO_SRC_PORT])
		t->sport = ntohs(nla_get_u16(pr[CTA_PROTO_SRC_PORT]));
	if (pr[CTA_PROTO_DST_PORT])
		t->dport = ntohs(nla_get_u16(pr[CTA_PROTO_DST_PORT]));
	return 0;
}

int ct_parse_entry(const struct nlmsghdr *nlh, struct ct_entry *out)
{
	struct nlattr *tb[CTA_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != CT_MSG(IPCTNL_MSG_CT_NEW) ||
	    nlmsg_parse((struct nlmsghdr *)nlh, sizeof(struct nfgenmsg), tb, CTA_MAX, NULL) ||
	    get_tuple(tb[CTA_TUPLE_ORIG], &out->orig) ||
	    get_tuple(tb[CTA_TUPLE_REPLY], &out->reply) || !tb[CTA_ID])
		return -EINVAL;
	out->id = ntohl(nla_get_u32(tb[CTA_ID]));
	if (tb[CTA_ZONE])
		out->zone = ntohs(nla_get_u16(tb[CTA_ZONE]));
	return 0;
}

bool ct_filter_match(const struct ct_filter *f, const struct ct_entry *e)
{
	return e->orig.dst.af == f->af && e->orig.proto == f->proto &&
	       (!f->orig_dst.af || addr_eq(&e->orig.dst, &f->orig_dst)) &&
	       (!f->orig_dport || e->orig.dport == f->orig_dport) &&
	       (!f->reply_src.af || addr_eq(&e->reply.src, &f->reply_src));
}
