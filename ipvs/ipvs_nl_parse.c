/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decoders for the kernel's IPVS replies. They take a message buffer and
 * nothing else, so the dumps and the unit tests (replaying recorded replies)
 * go through the same code. Every attribute's length is checked against a
 * per-type rule before it is read; what a rule cannot say (address length
 * per family, required attributes) is checked here.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ipvs_nl.h"

/*
 * Per attribute type: the payload length allowed (max 0 = no upper bound)
 * and whether it is a NUL-terminated string. The same checks as libnl's
 * nla_parse() with a policy, done inline: with libnl's out-of-line
 * accessors a destination cost 3,300 instructions to decode (callgrind),
 * a third of a whole dump's time.
 */
struct rule {
	uint16_t min, max;
	bool str;
};

#define U8                                                                                         \
	{                                                                                          \
		1, 0, false                                                                        \
	}
#define U16                                                                                        \
	{                                                                                          \
		2, 0, false                                                                        \
	}
#define U32                                                                                        \
	{                                                                                          \
		4, 0, false                                                                        \
	}
#define U64                                                                                        \
	{                                                                                          \
		8, 0, false                                                                        \
	}
#define NEST                                                                                       \
	{                                                                                          \
		0, 0, false                                                                        \
	}
#define STR(n)                                                                                     \
	{                                                                                          \
		1, n, true                                                                         \
	}

static const struct rule cmd_rules[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = NEST,        [IPVS_CMD_ATTR_DEST] = NEST,
	[IPVS_CMD_ATTR_DAEMON] = NEST,         [IPVS_CMD_ATTR_TIMEOUT_TCP] = U32,
	[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = U32, [IPVS_CMD_ATTR_TIMEOUT_UDP] = U32,
};

/* The GET_INFO reply reuses attribute numbers 1 and 2 at the top level. */
static const struct rule info_rules[IPVS_INFO_ATTR_MAX + 1] = {
	[IPVS_INFO_ATTR_VERSION] = U32,
	[IPVS_INFO_ATTR_CONN_TAB_SIZE] = U32,
};

static const struct rule svc_rules[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = U16,
	[IPVS_SVC_ATTR_PROTOCOL] = U16,
	[IPVS_SVC_ATTR_ADDR] = { 4, 16, false },
	[IPVS_SVC_ATTR_PORT] = U16,
	[IPVS_SVC_ATTR_FWMARK] = U32,
	[IPVS_SVC_ATTR_SCHED_NAME] = STR(IP_VS_SCHEDNAME_MAXLEN),
	[IPVS_SVC_ATTR_FLAGS] = { sizeof(struct ip_vs_flags), 0, false },
	[IPVS_SVC_ATTR_TIMEOUT] = U32,
	[IPVS_SVC_ATTR_NETMASK] = U32,
	[IPVS_SVC_ATTR_STATS] = NEST,
	[IPVS_SVC_ATTR_PE_NAME] = STR(IP_VS_PENAME_MAXLEN),
	[IPVS_SVC_ATTR_STATS64] = NEST,
};

static const struct rule dest_rules[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = { 4, 16, false }, [IPVS_DEST_ATTR_PORT] = U16,
	[IPVS_DEST_ATTR_FWD_METHOD] = U32,        [IPVS_DEST_ATTR_WEIGHT] = U32,
	[IPVS_DEST_ATTR_U_THRESH] = U32,          [IPVS_DEST_ATTR_L_THRESH] = U32,
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = U32,      [IPVS_DEST_ATTR_INACT_CONNS] = U32,
	[IPVS_DEST_ATTR_PERSIST_CONNS] = U32,     [IPVS_DEST_ATTR_STATS] = NEST,
	[IPVS_DEST_ATTR_ADDR_FAMILY] = U16,       [IPVS_DEST_ATTR_STATS64] = NEST,
	[IPVS_DEST_ATTR_TUN_TYPE] = U8,           [IPVS_DEST_ATTR_TUN_PORT] = U16,
	[IPVS_DEST_ATTR_TUN_FLAGS] = U16,
};

static const struct rule daemon_rules[IPVS_DAEMON_ATTR_MAX + 1] = {
	[IPVS_DAEMON_ATTR_STATE] = U32,
	[IPVS_DAEMON_ATTR_MCAST_IFN] = STR(IP_VS_IFNAME_MAXLEN),
	[IPVS_DAEMON_ATTR_SYNC_ID] = U32,
	[IPVS_DAEMON_ATTR_SYNC_MAXLEN] = U16,
	[IPVS_DAEMON_ATTR_MCAST_GROUP] = U32,
	[IPVS_DAEMON_ATTR_MCAST_GROUP6] = { 16, 16, false },
	[IPVS_DAEMON_ATTR_MCAST_PORT] = U16,
	[IPVS_DAEMON_ATTR_MCAST_TTL] = U8,
};

/* In STATS the packet counters and rates are u32 and the byte counters u64. */
static const struct rule stats32_rules[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = U32,    [IPVS_STATS_ATTR_INPKTS] = U32,
	[IPVS_STATS_ATTR_OUTPKTS] = U32,  [IPVS_STATS_ATTR_INBYTES] = U64,
	[IPVS_STATS_ATTR_OUTBYTES] = U64, [IPVS_STATS_ATTR_CPS] = U32,
	[IPVS_STATS_ATTR_INPPS] = U32,    [IPVS_STATS_ATTR_OUTPPS] = U32,
	[IPVS_STATS_ATTR_INBPS] = U32,    [IPVS_STATS_ATTR_OUTBPS] = U32,
};

static const struct rule stats64_rules[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = U64,    [IPVS_STATS_ATTR_INPKTS] = U64,
	[IPVS_STATS_ATTR_OUTPKTS] = U64,  [IPVS_STATS_ATTR_INBYTES] = U64,
	[IPVS_STATS_ATTR_OUTBYTES] = U64, [IPVS_STATS_ATTR_CPS] = U64,
	[IPVS_STATS_ATTR_INPPS] = U64,    [IPVS_STATS_ATTR_OUTPPS] = U64,
	[IPVS_STATS_ATTR_INBPS] = U64,    [IPVS_STATS_ATTR_OUTBPS] = U64,
};

typedef const struct nlattr *attr_tab;

static const void *payload(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static int payload_len(const struct nlattr *a)
{
	return (int)a->nla_len - NLA_HDRLEN;
}

/*
 * Indexes the attributes in @data (@len bytes) by type into tb[0..max].
 * Types above @max are ignored (newer kernels add some), a later duplicate
 * wins, a header that does not fit ends the walk (the rest is ignored, as
 * libnl does); a length outside its rule is -EINVAL.
 */
static int index_attrs(const uint8_t *data, size_t len, const struct rule *rules, int max,
                       attr_tab *tb)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)data;
		size_t step = NLA_ALIGN(a->nla_len);
		int type = a->nla_type & NLA_TYPE_MASK, plen;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			break;
		plen = payload_len(a);
		if (type <= max) {
			const struct rule *r = &rules[type];

			if (plen < r->min || (r->max && plen > r->max))
				return -EINVAL;
			if (r->str && ((const char *)payload(a))[plen - 1] != '\0')
				return -EINVAL;
			tb[type] = a;
		}
		if (step >= len)
			break;
		data += step;
		len -= step;
	}
	return 0;
}

static int parse_nest(attr_tab *tb, int max, const struct nlattr *nest, const struct rule *rules)
{
	return index_attrs(payload(nest), (size_t)payload_len(nest), rules, max, tb);
}

/* The top-level attributes of a generic netlink message from the kernel. */
static int parse_top(const struct nlmsghdr *nlh, attr_tab *tb, int max, const struct rule *rules)
{
	if (!nlh || nlh->nlmsg_type < NLMSG_MIN_TYPE || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EINVAL;
	return index_attrs((const uint8_t *)nlh + NLMSG_HDRLEN + GENL_HDRLEN,
	                   nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, rules, max, tb);
}

/* Fixed-size reads through memcpy: a recorded buffer need not be aligned. */
static uint64_t get_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, payload(a), sizeof(v));
	return v;
}

static uint32_t get_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, payload(a), sizeof(v));
	return v;
}

static uint16_t get_u16(const struct nlattr *a)
{
	uint16_t v;

	memcpy(&v, payload(a), sizeof(v));
	return v;
}

static uint8_t get_u8(const struct nlattr *a)
{
	return *(const uint8_t *)payload(a);
}

static uint64_t stat_val(const attr_tab *tb, int type, bool wide)
{
	if (!tb[type])
		return 0;
	if (wide || type == IPVS_STATS_ATTR_INBYTES || type == IPVS_STATS_ATTR_OUTBYTES)
		return get_u64(tb[type]);
	return get_u32(tb[type]);
}

/* STATS64 when present (full values), else STATS; neither leaves zeros. */
static int parse_stats(const struct nlattr *s32, const struct nlattr *s64, struct ipvs_stats *out)
{
	attr_tab tb[IPVS_STATS_ATTR_MAX + 1];
	bool wide = s64 != NULL;

	memset(out, 0, sizeof(*out));
	if (!s32 && !s64)
		return 0;
	if (parse_nest(tb, IPVS_STATS_ATTR_MAX, wide ? s64 : s32,
	               wide ? stats64_rules : stats32_rules) < 0)
		return -EINVAL;
	out->conns = stat_val(tb, IPVS_STATS_ATTR_CONNS, wide);
	out->inpkts = stat_val(tb, IPVS_STATS_ATTR_INPKTS, wide);
	out->outpkts = stat_val(tb, IPVS_STATS_ATTR_OUTPKTS, wide);
	out->inbytes = stat_val(tb, IPVS_STATS_ATTR_INBYTES, wide);
	out->outbytes = stat_val(tb, IPVS_STATS_ATTR_OUTBYTES, wide);
	out->cps = stat_val(tb, IPVS_STATS_ATTR_CPS, wide);
	out->inpps = stat_val(tb, IPVS_STATS_ATTR_INPPS, wide);
	out->outpps = stat_val(tb, IPVS_STATS_ATTR_OUTPPS, wide);
	out->inbps = stat_val(tb, IPVS_STATS_ATTR_INBPS, wide);
	out->outbps = stat_val(tb, IPVS_STATS_ATTR_OUTBPS, wide);
	return 0;
}

/*
 * An address attribute into @out for family @af: IPv4 takes the first four
 * bytes (the kernel pads to 16 with zeros; we do not trust the padding),
 * IPv6 needs all sixteen. @af 0 (family not known yet) copies what is there.
 */
static int get_addr(const struct nlattr *a, uint16_t af, struct net_addr *out)
{
	int len = payload_len(a);

	memset(out, 0, sizeof(*out));
	out->af = af;
	if (af == AF_INET) {
		memcpy(out->a.b, payload(a), 4);
	} else if (af == AF_INET6) {
		if (len < 16)
			return -EINVAL;
		memcpy(out->a.b, payload(a), 16);
	} else if (af == 0) {
		memcpy(out->a.b, payload(a), (size_t)len > 16 ? 16 : (size_t)len);
	} else {
		return -EINVAL;
	}
	return 0;
}

static void get_str(const struct nlattr *a, char *dst, size_t size)
{
	/* The rule guarantees a NUL within the payload, itself at most @size. */
	size_t n = strnlen(payload(a), (size_t)payload_len(a));

	if (n >= size)
		n = size - 1;
	memcpy(dst, payload(a), n);
	dst[n] = '\0';
}

static int parse_service_nest(const struct nlattr *nest, bool need_full, struct ipvs_service *out,
                              struct ipvs_stats *stats)
{
	attr_tab tb[IPVS_SVC_ATTR_MAX + 1];
	struct ip_vs_flags fl;
	uint16_t af;

	if (!nest || parse_nest(tb, IPVS_SVC_ATTR_MAX, nest, svc_rules) < 0)
		return -EINVAL;
	if (!tb[IPVS_SVC_ATTR_AF])
		return -EINVAL;
	af = get_u16(tb[IPVS_SVC_ATTR_AF]);
	if (af != AF_INET && af != AF_INET6)
		return -EINVAL;
	if (tb[IPVS_SVC_ATTR_FWMARK]) {
		/* A fwmark service has no protocol, address or port. */
		out->addr.af = af;
		out->fwmark = get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
		if (!out->fwmark)
			return -EINVAL;
	} else {
		if (!tb[IPVS_SVC_ATTR_PROTOCOL] || !tb[IPVS_SVC_ATTR_ADDR] ||
		    !tb[IPVS_SVC_ATTR_PORT])
			return -EINVAL;
		if (get_addr(tb[IPVS_SVC_ATTR_ADDR], af, &out->addr) < 0)
			return -EINVAL;
		out->protocol = get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]);
		out->port = ntohs(get_u16(tb[IPVS_SVC_ATTR_PORT]));
	}
	if (need_full && (!tb[IPVS_SVC_ATTR_SCHED_NAME] || !tb[IPVS_SVC_ATTR_FLAGS] ||
	                  !tb[IPVS_SVC_ATTR_TIMEOUT] || !tb[IPVS_SVC_ATTR_NETMASK]))
		return -EINVAL;
	if (tb[IPVS_SVC_ATTR_SCHED_NAME])
		get_str(tb[IPVS_SVC_ATTR_SCHED_NAME], out->sched_name, sizeof(out->sched_name));
	if (tb[IPVS_SVC_ATTR_PE_NAME])
		get_str(tb[IPVS_SVC_ATTR_PE_NAME], out->pe_name, sizeof(out->pe_name));
	if (tb[IPVS_SVC_ATTR_FLAGS]) {
		/* Both words are host order despite the __be32 in the uapi header. */
		memcpy(&fl, payload(tb[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
		out->flags = fl.flags;
	}
	if (tb[IPVS_SVC_ATTR_TIMEOUT])
		out->timeout = get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
	/* Copied as on the wire: IPv4 mask bytes in network order, IPv6 a prefix length. */
	if (tb[IPVS_SVC_ATTR_NETMASK])
		out->netmask = get_u32(tb[IPVS_SVC_ATTR_NETMASK]);
	if (!stats)
		return 0;
	return parse_stats(tb[IPVS_SVC_ATTR_STATS], tb[IPVS_SVC_ATTR_STATS64], stats);
}

int ipvs_nl_parse_service_nest(const struct nlattr *nest, bool need_full, struct ipvs_service *out,
                               struct ipvs_stats *stats)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = parse_service_nest(nest, need_full, out, stats);
	if (err < 0)
		memset(out, 0, sizeof(*out));
	return err;
}

static int parse_dest_nest(const struct nlattr *nest, bool need_counters, struct ipvs_dest *out,
                           struct ipvs_stats *stats)
{
	static const int required[] = { IPVS_DEST_ATTR_ADDR,         IPVS_DEST_ATTR_PORT,
		                        IPVS_DEST_ATTR_FWD_METHOD,   IPVS_DEST_ATTR_WEIGHT,
		                        IPVS_DEST_ATTR_U_THRESH,     IPVS_DEST_ATTR_L_THRESH,
		                        IPVS_DEST_ATTR_ACTIVE_CONNS, IPVS_DEST_ATTR_INACT_CONNS,
		                        IPVS_DEST_ATTR_PERSIST_CONNS };
	attr_tab tb[IPVS_DEST_ATTR_MAX + 1];
	size_t n_required = need_counters ? 9 : 2;
	uint16_t af = 0;

	if (!nest || parse_nest(tb, IPVS_DEST_ATTR_MAX, nest, dest_rules) < 0)
		return -EINVAL;
	for (size_t i = 0; i < n_required; i++)
		if (!tb[required[i]])
			return -EINVAL;
	if (tb[IPVS_DEST_ATTR_ADDR_FAMILY]) {
		af = get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]);
		if (af != AF_INET && af != AF_INET6)
			return -EINVAL;
	}
	if (get_addr(tb[IPVS_DEST_ATTR_ADDR], af, &out->addr) < 0)
		return -EINVAL;
	out->port = ntohs(get_u16(tb[IPVS_DEST_ATTR_PORT]));
	if (tb[IPVS_DEST_ATTR_FWD_METHOD])
		out->conn_flags = get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]);
	if (tb[IPVS_DEST_ATTR_WEIGHT])
		out->weight = (int32_t)get_u32(tb[IPVS_DEST_ATTR_WEIGHT]);
	if (tb[IPVS_DEST_ATTR_U_THRESH])
		out->u_threshold = get_u32(tb[IPVS_DEST_ATTR_U_THRESH]);
	if (tb[IPVS_DEST_ATTR_L_THRESH])
		out->l_threshold = get_u32(tb[IPVS_DEST_ATTR_L_THRESH]);
	if (tb[IPVS_DEST_ATTR_ACTIVE_CONNS])
		out->active_conns = get_u32(tb[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	if (tb[IPVS_DEST_ATTR_INACT_CONNS])
		out->inact_conns = get_u32(tb[IPVS_DEST_ATTR_INACT_CONNS]);
	if (tb[IPVS_DEST_ATTR_PERSIST_CONNS])
		out->persist_conns = get_u32(tb[IPVS_DEST_ATTR_PERSIST_CONNS]);
	if (tb[IPVS_DEST_ATTR_TUN_TYPE])
		out->tun_type = get_u8(tb[IPVS_DEST_ATTR_TUN_TYPE]);
	if (tb[IPVS_DEST_ATTR_TUN_PORT])
		out->tun_port = ntohs(get_u16(tb[IPVS_DEST_ATTR_TUN_PORT]));
	if (tb[IPVS_DEST_ATTR_TUN_FLAGS])
		out->tun_flags = get_u16(tb[IPVS_DEST_ATTR_TUN_FLAGS]);
	/* Full 64-bit values: ipvsadm's 32-bit cut of dest stats is the printer's business. */
	if (!stats)
		return 0;
	return parse_stats(tb[IPVS_DEST_ATTR_STATS], tb[IPVS_DEST_ATTR_STATS64], stats);
}

int ipvs_nl_parse_dest_nest(const struct nlattr *nest, bool need_counters, struct ipvs_dest *out,
                            struct ipvs_stats *stats)
{
	int err;

	memset(out, 0, sizeof(*out));
	err = parse_dest_nest(nest, need_counters, out, stats);
	if (err < 0)
		memset(out, 0, sizeof(*out));
	return err;
}

int ipvs_parse_service_msg(const struct nlmsghdr *nlh, struct ipvs_service *out,
                           struct ipvs_stats *stats)
{
	attr_tab tb[IPVS_CMD_ATTR_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (parse_top(nlh, tb, IPVS_CMD_ATTR_MAX, cmd_rules) < 0)
		return -EINVAL;
	return ipvs_nl_parse_service_nest(tb[IPVS_CMD_ATTR_SERVICE], true, out, stats);
}

int ipvs_parse_dest_msg(const struct nlmsghdr *nlh, struct ipvs_dest *out, struct ipvs_stats *stats)
{
	attr_tab tb[IPVS_CMD_ATTR_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (parse_top(nlh, tb, IPVS_CMD_ATTR_MAX, cmd_rules) < 0)
		return -EINVAL;
	return ipvs_nl_parse_dest_nest(tb[IPVS_CMD_ATTR_DEST], true, out, stats);
}

int ipvs_parse_info_msg(const struct nlmsghdr *nlh, struct ipvs_info *out)
{
	attr_tab tb[IPVS_INFO_ATTR_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (parse_top(nlh, tb, IPVS_INFO_ATTR_MAX, info_rules) < 0)
		return -EINVAL;
	if (!tb[IPVS_INFO_ATTR_VERSION] || !tb[IPVS_INFO_ATTR_CONN_TAB_SIZE])
		return -EINVAL;
	out->version = get_u32(tb[IPVS_INFO_ATTR_VERSION]);
	out->conn_tab_size = get_u32(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE]);
	return 0;
}

int ipvs_parse_timeouts_msg(const struct nlmsghdr *nlh, struct ipvs_timeouts *out)
{
	attr_tab tb[IPVS_CMD_ATTR_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (parse_top(nlh, tb, IPVS_CMD_ATTR_MAX, cmd_rules) < 0)
		return -EINVAL;
	/* The kernel leaves out a protocol it was built without. */
	if (tb[IPVS_CMD_ATTR_TIMEOUT_TCP])
		out->tcp = get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP]);
	if (tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN])
		out->tcp_fin = get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
	if (tb[IPVS_CMD_ATTR_TIMEOUT_UDP])
		out->udp = get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_UDP]);
	return 0;
}

static int parse_daemon(const struct nlattr *nest, struct ipvs_daemon *out)
{
	attr_tab tb[IPVS_DAEMON_ATTR_MAX + 1];

	if (!nest || parse_nest(tb, IPVS_DAEMON_ATTR_MAX, nest, daemon_rules) < 0)
		return -EINVAL;
	if (!tb[IPVS_DAEMON_ATTR_STATE] || !tb[IPVS_DAEMON_ATTR_MCAST_IFN] ||
	    !tb[IPVS_DAEMON_ATTR_SYNC_ID])
		return -EINVAL;
	out->state = get_u32(tb[IPVS_DAEMON_ATTR_STATE]);
	get_str(tb[IPVS_DAEMON_ATTR_MCAST_IFN], out->mcast_ifn, sizeof(out->mcast_ifn));
	out->syncid = get_u32(tb[IPVS_DAEMON_ATTR_SYNC_ID]);
	if (tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN])
		out->sync_maxlen = get_u16(tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
	if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP]) {
		/* The IPv4 group travels in network order, like an address. */
		out->mcast_group.af = AF_INET;
		memcpy(out->mcast_group.a.b, payload(tb[IPVS_DAEMON_ATTR_MCAST_GROUP]), 4);
	} else if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]) {
		out->mcast_group.af = AF_INET6;
		memcpy(out->mcast_group.a.b, payload(tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]), 16);
	}
	/* Unlike every other port here, the sync port is host order. */
	if (tb[IPVS_DAEMON_ATTR_MCAST_PORT])
		out->mcast_port = get_u16(tb[IPVS_DAEMON_ATTR_MCAST_PORT]);
	if (tb[IPVS_DAEMON_ATTR_MCAST_TTL])
		out->mcast_ttl = get_u8(tb[IPVS_DAEMON_ATTR_MCAST_TTL]);
	return 0;
}

int ipvs_parse_daemon_msg(const struct nlmsghdr *nlh, struct ipvs_daemon *out)
{
	attr_tab tb[IPVS_CMD_ATTR_MAX + 1];
	int err;

	memset(out, 0, sizeof(*out));
	if (parse_top(nlh, tb, IPVS_CMD_ATTR_MAX, cmd_rules) < 0)
		return -EINVAL;
	err = parse_daemon(tb[IPVS_CMD_ATTR_DAEMON], out);
	if (err < 0)
		memset(out, 0, sizeof(*out));
	return err;
}
