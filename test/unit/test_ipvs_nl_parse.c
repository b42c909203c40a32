/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The IPVS reply decoders, fed with replies recorded from a real 6.1 kernel
 * (rebuilt by nlreplay from the probe decodes) and with hand-made messages
 * for what the recordings do not show: STATS without STATS64, values above
 * 2^32, missing and truncated attributes.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netlink/genl/genl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../ipvs/ipvs_nl.h"
#include "support/nlreplay.h"

#define FULL  "ipvsadm/full/15_probe_dump.out"
#define STATS "ipvsadm/stats/31_probe_dump_stats.out"

static struct ipvs_vs *find_svc(struct nlreplay *r, uint16_t proto, const char *addr, uint16_t port)
{
	struct ipvs_service s = { 0 };

	assert_int_equal(addr_parse(addr, &s.addr), 0);
	s.protocol = proto;
	s.port = port;
	return ipvs_table_find(&r->table, &s);
}

static struct ipvs_vs *find_fwm(struct nlreplay *r, uint16_t af, uint32_t mark)
{
	struct ipvs_service s = { 0 };

	s.addr.af = af;
	s.fwmark = mark;
	return ipvs_table_find(&r->table, &s);
}

static void assert_addr(const struct net_addr *a, const char *want)
{
	char buf[ADDR_STRLEN];

	assert_string_equal(addr_fmt(a, buf), want);
}

static void load(struct nlreplay *r, const char *rel)
{
	assert_int_equal(nlreplay_load(unit_fixture_path(rel), r), 0);
}

static void replay_full_dump_order(void **state)
{
	struct nlreplay r;
	struct ipvs_vs *vs;

	load(&r, FULL);
	assert_true(r.has_info);
	assert_int_equal(r.info.version, 0x00010201);
	assert_int_equal(r.info.conn_tab_size, 4096);
	assert_true(r.has_timeouts);
	assert_int_equal(r.timeouts.tcp, 900);
	assert_int_equal(r.timeouts.tcp_fin, 120);
	assert_int_equal(r.timeouts.udp, 300);
	assert_int_equal(r.n_daemons, 0);
	assert_int_equal(r.table.n, 22);
	assert_int_equal(ipvs_table_count_dests(&r.table), 24);

	/* Dump order: the first service dumped, its dests newest first. */
	vs = &r.table.vs[0];
	assert_int_equal(vs->svc.addr.af, AF_INET);
	assert_int_equal(vs->svc.protocol, IPPROTO_TCP);
	assert_addr(&vs->svc.addr, "10.96.0.20");
	assert_int_equal(vs->svc.port, 80);
	assert_string_equal(vs->svc.sched_name, "wlc");
	assert_string_equal(vs->svc.pe_name, "");
	assert_int_equal(vs->svc.flags, IP_VS_SVC_F_HASHED);
	assert_int_equal(vs->svc.timeout, 0);
	assert_int_equal(vs->svc.netmask, 0xffffffff);
	assert_int_equal(vs->n_dests, 2);
	assert_addr(&vs->dests[0].addr, "10.244.5.2");
	assert_int_equal(vs->dests[0].port, 8080);
	assert_int_equal(vs->dests[0].conn_flags, IP_VS_CONN_F_MASQ);
	assert_int_equal(vs->dests[0].weight, 3);
	assert_int_equal(vs->dests[0].u_threshold, 50);
	assert_int_equal(vs->dests[0].l_threshold, 5);
	assert_addr(&vs->dests[1].addr, "10.244.5.1");
	assert_int_equal(vs->dests[1].port, 80);
	assert_int_equal(vs->dests[1].conn_flags, IP_VS_CONN_F_DROUTE);

	/* The last service dumped is the IPv4 fwmark 0xffffffff. */
	vs = &r.table.vs[21];
	assert_int_equal(vs->svc.fwmark, 0xffffffffu);
	assert_int_equal(vs->svc.addr.af, AF_INET);
	assert_int_equal(vs->n_dests, 0);
	nlreplay_free(&r);
}

static void replay_ipv6(void **state)
{
	static const uint8_t want[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78,
		                          0x9a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78 };
	struct nlreplay r;
	struct ipvs_vs *vs;

	load(&r, FULL);
	vs = &r.table.vs[1];
	assert_int_equal(vs->svc.addr.af, AF_INET6);
	assert_memory_equal(vs->svc.addr.a.b, want, 16);
	assert_int_equal(vs->svc.port, 65535);
	assert_int_equal(vs->svc.netmask, 128); /* IPv6: a prefix length */
	assert_int_equal(vs->n_dests, 1);
	assert_int_equal(vs->dests[0].addr.af, AF_INET6);
	assert_addr(&vs->dests[0].addr, "2001:db8:1234:5678:9abc:def0:1234:5679");
	assert_int_equal(vs->dests[0].port, 65535);

	vs = find_svc(&r, IPPROTO_TCP, "2001:db8::1", 80);
	assert_non_null(vs);
	assert_int_equal(vs->n_dests, 2);
	assert_addr(&vs->dests[0].addr, "2001:db8:1234:5678:9abc:def0:1234:5678");
	assert_int_equal(vs->dests[0].weight, 65535);
	assert_addr(&vs->dests[1].addr, "2001:db8::10");
	assert_int_equal(vs->dests[1].port, 8080);
	nlreplay_free(&r);
}

static void replay_flags_and_netmasks(void **state)
{
	static const uint8_t mask24[4] = { 0xff, 0xff, 0xff, 0x00 };
	struct nlreplay r;
	struct ipvs_vs *vs;

	load(&r, FULL);
	vs = find_svc(&r, IPPROTO_TCP, "1.2.3.4", 80);
	assert_non_null(vs);
	assert_string_equal(vs->svc.sched_name, "mh");
	/* PERSISTENT|HASHED|SCHED1|SCHED2, HASHED kept as the kernel reports it. */
	assert_int_equal(vs->svc.flags, 0x1b);
	assert_int_equal(vs->svc.timeout, 60);

	vs = find_svc(&r, IPPROTO_TCP, "192.168.50.1", 8080);
	assert_non_null(vs);
	assert_string_equal(vs->svc.sched_name, "wrr");
	assert_int_equal(vs->svc.timeout, 360);
	/* IPv4: the mask's bytes in network order, as on the wire (ffffff00). */
	assert_memory_equal(&vs->svc.netmask, mask24, 4);

	vs = find_svc(&r, IPPROTO_UDP, "2001:db8::1", 53);
	assert_non_null(vs);
	assert_string_equal(vs->svc.sched_name, "lc");
	assert_int_equal(vs->svc.flags, IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED);
	assert_int_equal(vs->svc.timeout, 120);
	assert_int_equal(vs->svc.netmask, 64);

	vs = find_svc(&r, IPPROTO_UDP, "10.96.0.40", 9999);
	assert_non_null(vs);
	assert_int_equal(vs->svc.flags, IP_VS_SVC_F_ONEPACKET | IP_VS_SVC_F_HASHED);

	vs = find_svc(&r, IPPROTO_TCP, "10.96.0.62", 80);
	assert_non_null(vs);
	assert_int_equal(vs->svc.flags, IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED3 | 0x2);

	vs = find_svc(&r, IPPROTO_UDP, "10.96.0.41", 0);
	assert_non_null(vs);
	assert_int_equal(vs->svc.port, 0);
	assert_int_equal(vs->n_dests, 1);
	assert_int_equal(vs->dests[0].port, 0);

	vs = find_svc(&r, IPPROTO_SCTP, "10.96.0.50", 3868);
	assert_non_null(vs);
	assert_int_equal(vs->svc.protocol, 132);
	assert_int_equal(vs->dests[0].port, 3868);
	nlreplay_free(&r);
}

static void replay_fwmark(void **state)
{
	static const uint8_t zero[16];
	struct nlreplay r;
	struct ipvs_vs *vs;

	load(&r, FULL);
	/* FWMARK bytes 00000080: 2^31 in host order. */
	vs = find_fwm(&r, AF_INET, 0x80000000u);
	assert_non_null(vs);
	assert_int_equal(vs->svc.protocol, 0);
	assert_int_equal(vs->svc.port, 0);
	assert_memory_equal(vs->svc.addr.a.b, zero, 16);
	assert_int_equal(vs->svc.flags, 3);
	assert_int_equal(vs->svc.timeout, 360);

	vs = find_fwm(&r, AF_INET, 1);
	assert_non_null(vs);
	assert_int_equal(vs->n_dests, 2);
	assert_addr(&vs->dests[0].addr, "10.244.7.2");
	assert_int_equal(vs->dests[0].port, 8080);
	assert_int_equal(vs->dests[0].conn_flags, IP_VS_CONN_F_MASQ);
	assert_addr(&vs->dests[1].addr, "10.244.7.1");
	assert_int_equal(vs->dests[1].port, 0);
	assert_int_equal(vs->dests[1].conn_flags, IP_VS_CONN_F_DROUTE);

	/* IPv6 fwmarks are different services from IPv4 ones with the same mark. */
	assert_null(find_fwm(&r, AF_INET6, 1));
	vs = find_fwm(&r, AF_INET6, 2);
	assert_non_null(vs);
	assert_int_equal(vs->svc.netmask, 64);
	assert_int_equal(vs->svc.timeout, 100);
	vs = find_fwm(&r, AF_INET6, 3);
	assert_non_null(vs);
	assert_int_equal(vs->svc.netmask, 128);
	assert_non_null(find_fwm(&r, AF_INET, 0xffffffffu));
	nlreplay_free(&r);
}

static void replay_pe_name(void **state)
{
	struct nlreplay r;
	struct ipvs_vs *vs;

	load(&r, FULL);
	vs = find_svc(&r, IPPROTO_UDP, "10.96.0.30", 5060);
	assert_non_null(vs);
	assert_string_equal(vs->svc.pe_name, "sip");
	assert_int_equal(vs->svc.flags, 3);
	assert_int_equal(vs->svc.timeout, 60);
	/* The kernel keeps a PE on a non-persistent service too. */
	vs = find_svc(&r, IPPROTO_UDP, "10.96.0.31", 5060);
	assert_non_null(vs);
	assert_string_equal(vs->svc.pe_name, "sip");
	assert_int_equal(vs->svc.flags, IP_VS_SVC_F_HASHED);
	nlreplay_free(&r);
}

static void replay_tunnels_and_raw_fwd(void **state)
{
	static const struct {
		const char *addr;
		uint8_t type;
		uint16_t port, flags;
	} tun[] = {
		{ "10.244.8.6", IP_VS_CONN_F_TUNNEL_TYPE_GRE, 0, IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM },
		{ "10.244.8.5", IP_VS_CONN_F_TUNNEL_TYPE_GRE, 0, IP_VS_TUNNEL_ENCAP_FLAG_CSUM },
		{ "10.244.8.4", IP_VS_CONN_F_TUNNEL_TYPE_GUE, 6082,
		  IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM },
		{ "10.244.8.3", IP_VS_CONN_F_TUNNEL_TYPE_GUE, 6081,
		  IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM },
		{ "10.244.8.2", IP_VS_CONN_F_TUNNEL_TYPE_GUE, 6080, IP_VS_TUNNEL_ENCAP_FLAG_CSUM },
		{ "10.244.8.1", IP_VS_CONN_F_TUNNEL_TYPE_IPIP, 0, IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM },
	};
	static const uint32_t fwd[] = { 0, 7, 5, 4, 1 }; /* raw values the kernel accepts */
	struct nlreplay r;
	struct ipvs_vs *vs;

	load(&r, FULL);
	vs = find_svc(&r, IPPROTO_TCP, "10.96.0.60", 80);
	assert_non_null(vs);
	assert_int_equal(vs->n_dests, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_addr(&vs->dests[i].addr, tun[i].addr);
		assert_int_equal(vs->dests[i].conn_flags, IP_VS_CONN_F_TUNNEL);
		assert_int_equal(vs->dests[i].tun_type, tun[i].type);
		assert_int_equal(vs->dests[i].tun_port, tun[i].port);
		assert_int_equal(vs->dests[i].tun_flags, tun[i].flags);
	}
	vs = find_svc(&r, IPPROTO_TCP, "10.96.0.61", 80);
	assert_non_null(vs);
	assert_int_equal(vs->n_dests, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(vs->dests[i].conn_flags, fwd[i]);
	nlreplay_free(&r);
}

static void replay_stats_and_daemons(void **state)
{
	struct nlreplay r;
	struct ipvs_vs *vs;
	char buf[ADDR_STRLEN];

	load(&r, STATS);
	assert_int_equal(r.table.n, 4);
	assert_int_equal(r.timeouts.tcp, 3600);
	assert_int_equal(r.timeouts.tcp_fin, 30);
	assert_int_equal(r.timeouts.udp, 600);
	assert_int_equal(r.n_daemons, 1);
	assert_int_equal(r.daemons[0].state, IP_VS_STATE_MASTER);
	assert_string_equal(r.daemons[0].mcast_ifn, "sync0");
	assert_int_equal(r.daemons[0].syncid, 5);
	assert_int_equal(r.daemons[0].sync_maxlen, 1472);
	assert_int_equal(r.daemons[0].mcast_port, 8848);
	assert_int_equal(r.daemons[0].mcast_ttl, 1);
	assert_string_equal(addr_fmt(&r.daemons[0].mcast_group, buf), "224.0.0.81");

	vs = find_svc(&r, IPPROTO_UDP, "10.96.0.10", 53);
	assert_non_null(vs);
	assert_int_equal(vs->svc.timeout, 10800);
	assert_int_equal(vs->stats[0].conns, 1);
	assert_int_equal(vs->stats[0].inpkts, 1600);
	assert_int_equal(vs->stats[0].outpkts, 0);
	assert_int_equal(vs->stats[0].inbytes, 104044800);
	assert_int_equal(vs->stats[0].inpps, 94);
	assert_int_equal(vs->stats[0].inbps, 6084563);
	assert_int_equal(vs->n_dests, 2);
	assert_addr(&vs->dests[0].addr, "10.244.0.6");
	assert_int_equal(vs->dests[0].inact_conns, 1);
	assert_int_equal(vs->dests[0].persist_conns, 1);
	assert_int_equal(vs->stats[1 + 0].inpkts, 1600);
	assert_int_equal(vs->stats[1 + 0].inbytes, 104044800);
	assert_int_equal(vs->stats[1 + 1].inpkts, 0);

	vs = find_svc(&r, IPPROTO_TCP, "10.96.0.1", 443);
	assert_non_null(vs);
	assert_int_equal(vs->dests[0].active_conns, 3);
	nlreplay_free(&r);
}

/* ---- hand-made messages ---------------------------------------------- */

/* Attribute numbers left out of a hand-made message (bit n = type n). */
struct omit {
	uint32_t svc, dest, stats32, stats64;
};

static void put_stats(struct nl_msg *m, int type, bool wide, uint64_t base)
{
	struct nlattr *n = nla_nest_start(m, type);

	for (int t = IPVS_STATS_ATTR_CONNS; t <= IPVS_STATS_ATTR_OUTBPS; t++) {
		uint64_t v = base + (uint64_t)t;

		if (wide || t == IPVS_STATS_ATTR_INBYTES || t == IPVS_STATS_ATTR_OUTBYTES)
			assert_int_equal(nla_put_u64(m, t, v), 0);
		else
			assert_int_equal(nla_put_u32(m, t, (uint32_t)v), 0);
	}
	nla_nest_end(m, n);
}

#define PUT(mask, type, expr)                                                                      \
	do {                                                                                       \
		if (!((mask) & (1u << (type))))                                                    \
			assert_int_equal((expr), 0);                                               \
	} while (0)

static struct nl_msg *svc_msg(const struct omit *o, uint64_t s32, uint64_t s64)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ip_vs_flags fl = { .flags = 0x3, .mask = ~0U };
	uint8_t addr[16] = { 10, 96, 0, 1 };
	struct nlattr *n;

	assert_non_null(genlmsg_put(m, 0, 1, 32, 0, NLM_F_MULTI, IPVS_CMD_NEW_SERVICE, 1));
	n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	PUT(o->svc, IPVS_SVC_ATTR_AF, nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET));
	PUT(o->svc, IPVS_SVC_ATTR_PROTOCOL, nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP));
	PUT(o->svc, IPVS_SVC_ATTR_ADDR, nla_put(m, IPVS_SVC_ATTR_ADDR, 16, addr));
	PUT(o->svc, IPVS_SVC_ATTR_PORT, nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(443)));
	PUT(o->svc, IPVS_SVC_ATTR_SCHED_NAME, nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr"));
	PUT(o->svc, IPVS_SVC_ATTR_FLAGS, nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl));
	PUT(o->svc, IPVS_SVC_ATTR_TIMEOUT, nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, 300));
	PUT(o->svc, IPVS_SVC_ATTR_NETMASK, nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, 0xffffffff));
	if (!(o->svc & (1u << IPVS_SVC_ATTR_STATS)))
		put_stats(m, IPVS_SVC_ATTR_STATS, false, s32);
	if (!(o->svc & (1u << IPVS_SVC_ATTR_STATS64)))
		put_stats(m, IPVS_SVC_ATTR_STATS64, true, s64);
	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *dest_msg(const struct omit *o, uint64_t s64)
{
	struct nl_msg *m = nlmsg_alloc();
	uint8_t addr[16] = { 10, 244, 0, 9 };
	struct nlattr *n;

	assert_non_null(genlmsg_put(m, 0, 1, 32, 0, NLM_F_MULTI, IPVS_CMD_NEW_DEST, 1));
	n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
	PUT(o->dest, IPVS_DEST_ATTR_ADDR, nla_put(m, IPVS_DEST_ATTR_ADDR, 16, addr));
	PUT(o->dest, IPVS_DEST_ATTR_PORT, nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(8443)));
	PUT(o->dest, IPVS_DEST_ATTR_FWD_METHOD, nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, 2));
	PUT(o->dest, IPVS_DEST_ATTR_WEIGHT, nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, 7));
	PUT(o->dest, IPVS_DEST_ATTR_U_THRESH, nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, 100));
	PUT(o->dest, IPVS_DEST_ATTR_L_THRESH, nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, 10));
	PUT(o->dest, IPVS_DEST_ATTR_ACTIVE_CONNS, nla_put_u32(m, IPVS_DEST_ATTR_ACTIVE_CONNS, 11));
	PUT(o->dest, IPVS_DEST_ATTR_INACT_CONNS, nla_put_u32(m, IPVS_DEST_ATTR_INACT_CONNS, 12));
	PUT(o->dest, IPVS_DEST_ATTR_PERSIST_CONNS,
	    nla_put_u32(m, IPVS_DEST_ATTR_PERSIST_CONNS, 13));
	PUT(o->dest, IPVS_DEST_ATTR_ADDR_FAMILY,
	    nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET));
	PUT(o->dest, IPVS_DEST_ATTR_TUN_TYPE, nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE, 1));
	PUT(o->dest, IPVS_DEST_ATTR_TUN_PORT, nla_put_u16(m, IPVS_DEST_ATTR_TUN_PORT, htons(6080)));
	PUT(o->dest, IPVS_DEST_ATTR_TUN_FLAGS, nla_put_u16(m, IPVS_DEST_ATTR_TUN_FLAGS, 2));
	if (!(o->dest & (1u << IPVS_DEST_ATTR_STATS)))
		put_stats(m, IPVS_DEST_ATTR_STATS, false, s64);
	if (!(o->dest & (1u << IPVS_DEST_ATTR_STATS64)))
		put_stats(m, IPVS_DEST_ATTR_STATS64, true, s64);
	nla_nest_end(m, n);
	return m;
}

static void stats64_preferred_else_stats(void **state)
{
	struct omit o = { 0 };
	struct ipvs_service s;
	struct ipvs_dest d;
	struct ipvs_stats st;
	struct nl_msg *m;

	/* Both nests: STATS64's full values win over STATS's cut ones. */
	m = svc_msg(&o, 5, (1ULL << 33));
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, &st), 0);
	assert_true(st.conns == (1ULL << 33) + IPVS_STATS_ATTR_CONNS);
	assert_true(st.outbps == (1ULL << 33) + IPVS_STATS_ATTR_OUTBPS);
	nlmsg_free(m);

	/* STATS only (older kernels): u32 counters, u64 byte counters. */
	o.svc = 1u << IPVS_SVC_ATTR_STATS64;
	m = svc_msg(&o, 0xfffffff0u, 0);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, &st), 0);
	assert_true(st.conns == 0xfffffff0u + IPVS_STATS_ATTR_CONNS);
	assert_true(st.inbytes == 0xfffffff0u + IPVS_STATS_ATTR_INBYTES);
	assert_true(st.outbps == 0xfffffff0u + IPVS_STATS_ATTR_OUTBPS);
	assert_int_equal(s.port, 443);
	assert_int_equal(s.timeout, 300);
	nlmsg_free(m);

	/* Neither: zeros, not an error. */
	o.svc |= 1u << IPVS_SVC_ATTR_STATS;
	m = svc_msg(&o, 0, 0);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, &st), 0);
	assert_true(st.conns == 0 && st.inbytes == 0);
	nlmsg_free(m);

	/* Dest counters stay 64-bit here; the printer makes ipvsadm's cut. */
	memset(&o, 0, sizeof(o));
	m = dest_msg(&o, 0x123456789ULL);
	assert_int_equal(ipvs_parse_dest_msg(nlmsg_hdr(m), &d, &st), 0);
	assert_true(st.inpkts == 0x123456789ULL + IPVS_STATS_ATTR_INPKTS);
	assert_true(st.inbps == 0x123456789ULL + IPVS_STATS_ATTR_INBPS);
	assert_int_equal(d.port, 8443);
	assert_int_equal(d.conn_flags, IP_VS_CONN_F_TUNNEL);
	assert_int_equal(d.weight, 7);
	assert_int_equal(d.u_threshold, 100);
	assert_int_equal(d.l_threshold, 10);
	assert_int_equal(d.active_conns, 11);
	assert_int_equal(d.inact_conns, 12);
	assert_int_equal(d.persist_conns, 13);
	assert_int_equal(d.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	assert_int_equal(d.tun_port, 6080);
	assert_int_equal(d.tun_flags, IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);
	nlmsg_free(m);
}

static void missing_required_is_einval(void **state)
{
	static const int svc_req[] = { IPVS_SVC_ATTR_AF,         IPVS_SVC_ATTR_PROTOCOL,
		                       IPVS_SVC_ATTR_ADDR,       IPVS_SVC_ATTR_PORT,
		                       IPVS_SVC_ATTR_SCHED_NAME, IPVS_SVC_ATTR_FLAGS,
		                       IPVS_SVC_ATTR_TIMEOUT,    IPVS_SVC_ATTR_NETMASK };
	static const int dest_req[] = { IPVS_DEST_ATTR_ADDR,         IPVS_DEST_ATTR_PORT,
		                        IPVS_DEST_ATTR_FWD_METHOD,   IPVS_DEST_ATTR_WEIGHT,
		                        IPVS_DEST_ATTR_U_THRESH,     IPVS_DEST_ATTR_L_THRESH,
		                        IPVS_DEST_ATTR_ACTIVE_CONNS, IPVS_DEST_ATTR_INACT_CONNS,
		                        IPVS_DEST_ATTR_PERSIST_CONNS };
	struct ipvs_service s;
	struct ipvs_dest d;
	struct nl_msg *m;

	for (size_t i = 0; i < sizeof(svc_req) / sizeof(svc_req[0]); i++) {
		struct omit o = { .svc = 1u << svc_req[i] };

		m = svc_msg(&o, 0, 0);
		assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
		assert_int_equal(s.addr.af, 0); /* nothing half-filled */
		nlmsg_free(m);
	}
	for (size_t i = 0; i < sizeof(dest_req) / sizeof(dest_req[0]); i++) {
		struct omit o = { .dest = 1u << dest_req[i] };

		m = dest_msg(&o, 0);
		assert_int_equal(ipvs_parse_dest_msg(nlmsg_hdr(m), &d, NULL), -EINVAL);
		nlmsg_free(m);
	}
	/* A dest without ADDR_FAMILY (kernels before 3.18) is fine: af left 0. */
	{
		struct omit o = { .dest = 1u << IPVS_DEST_ATTR_ADDR_FAMILY };

		m = dest_msg(&o, 0);
		assert_int_equal(ipvs_parse_dest_msg(nlmsg_hdr(m), &d, NULL), 0);
		assert_int_equal(d.addr.af, 0);
		assert_int_equal(d.addr.a.b[1], 244);
		nlmsg_free(m);
	}
	/* A message with no nest at all, and a dest message given to the service parser. */
	m = nlmsg_alloc();
	assert_non_null(genlmsg_put(m, 0, 1, 32, 0, 0, IPVS_CMD_NEW_SERVICE, 1));
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
	assert_int_equal(ipvs_parse_dest_msg(nlmsg_hdr(m), &d, NULL), -EINVAL);
	nlmsg_free(m);
	{
		struct omit o = { 0 };

		m = dest_msg(&o, 0);
		assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
		nlmsg_free(m);
	}
	assert_int_equal(ipvs_parse_service_msg(NULL, &s, NULL), -EINVAL);
}

/* A message whose only service attribute of type @type has @len payload bytes. */
static struct nl_msg *svc_with_attr(uint16_t af, int type, const void *data, int len)
{
	struct omit o = { .svc = (1u << IPVS_SVC_ATTR_AF) | (1u << type) };
	struct nl_msg *m = svc_msg(&o, 0, 0);
	struct nlattr *n = (struct nlattr *)genlmsg_attrdata(nlmsg_data(nlmsg_hdr(m)), 0);
	struct nl_msg *out = nlmsg_alloc();
	struct nlattr *nest;

	/* Rebuild: AF first, the odd attribute, then the rest of the good one. */
	assert_non_null(genlmsg_put(out, 0, 1, 32, 0, 0, IPVS_CMD_NEW_SERVICE, 1));
	nest = nla_nest_start(out, IPVS_CMD_ATTR_SERVICE);
	assert_int_equal(nla_put_u16(out, IPVS_SVC_ATTR_AF, af), 0);
	assert_int_equal(nla_put(out, type, len, data), 0);
	{
		struct nlattr *pos;
		int rem;

		nla_for_each_nested(pos, n, rem)
		    assert_int_equal(nla_put(out, nla_type(pos), nla_len(pos), nla_data(pos)), 0);
	}
	nla_nest_end(out, nest);
	nlmsg_free(m);
	return out;
}

static void short_attributes_are_einval(void **state)
{
	uint8_t bytes[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	const char nonul[3] = { 'r', 'r', 'x' };
	struct ipvs_service s;
	struct nl_msg *m;

	m = svc_with_attr(AF_INET, IPVS_SVC_ATTR_PORT, bytes, 1);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
	nlmsg_free(m);
	m = svc_with_attr(AF_INET, IPVS_SVC_ATTR_FLAGS, bytes, 4);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
	nlmsg_free(m);
	m = svc_with_attr(AF_INET, IPVS_SVC_ATTR_SCHED_NAME, nonul, 3);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
	nlmsg_free(m);
	m = svc_with_attr(AF_INET, IPVS_SVC_ATTR_SCHED_NAME, "0123456789abcdefg", 18);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
	nlmsg_free(m);
	/* Four address bytes are enough for IPv4, not for IPv6. */
	m = svc_with_attr(AF_INET, IPVS_SVC_ATTR_ADDR, bytes, 4);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), 0);
	assert_addr(&s.addr, "32.1.13.184");
	nlmsg_free(m);
	m = svc_with_attr(AF_INET6, IPVS_SVC_ATTR_ADDR, bytes, 4);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
	nlmsg_free(m);
	/* A family IPVS does not have. */
	m = svc_with_attr(7, IPVS_SVC_ATTR_ADDR, bytes, 16);
	assert_int_equal(ipvs_parse_service_msg(nlmsg_hdr(m), &s, NULL), -EINVAL);
	nlmsg_free(m);
}

static int parse_any(const struct nlreplay_msg *m, const struct nlmsghdr *nlh)
{
	union {
		struct ipvs_service s;
		struct ipvs_dest d;
		struct ipvs_info i;
		struct ipvs_timeouts t;
		struct ipvs_daemon dm;
	} u;

	switch (m->kind) {
	case NLREPLAY_SERVICE:
		return ipvs_parse_service_msg(nlh, &u.s, NULL);
	case NLREPLAY_DEST:
		return ipvs_parse_dest_msg(nlh, &u.d, NULL);
	case NLREPLAY_INFO:
		return ipvs_parse_info_msg(nlh, &u.i);
	case NLREPLAY_CONFIG:
		return ipvs_parse_timeouts_msg(nlh, &u.t);
	case NLREPLAY_DAEMON:
		return ipvs_parse_daemon_msg(nlh, &u.dm);
	}
	return -1;
}

/*
 * Every recorded message cut at every length, in a buffer of exactly that
 * size (ASan sees any read past it): never a crash, and -EINVAL whenever
 * the cut removes required data. Timeouts are all optional, so a cut
 * config reply may still parse.
 */
static void truncated_messages(void **state)
{
	const char *files[] = { FULL, STATS };

	for (size_t f = 0; f < 2; f++) {
		struct nlreplay r;

		load(&r, files[f]);
		for (size_t i = 0; i < r.n_msgs; i++) {
			const struct nlreplay_msg *m = &r.msgs[i];
			uint32_t full = m->nlh->nlmsg_len;

			assert_int_equal(parse_any(m, m->nlh), 0);
			for (uint32_t len = 0; len < full; len++) {
				struct nlmsghdr *cut =
				    malloc(len < sizeof(*cut) ? sizeof(*cut) : len);
				int err;

				memcpy(cut, m->nlh, len < sizeof(*cut) ? len : sizeof(*cut));
				if (len >= sizeof(*cut))
					memcpy(cut, m->nlh, len);
				cut->nlmsg_len = len;
				if (len < sizeof(*cut))
					cut->nlmsg_type = m->nlh->nlmsg_type;
				err = parse_any(m, cut);
				if (m->kind != NLREPLAY_CONFIG)
					assert_int_equal(err, -EINVAL);
				else
					assert_true(err == 0 || err == -EINVAL);
				free(cut);
			}
		}
		nlreplay_free(&r);
	}
}

/* Every byte of some recorded messages overwritten with a few values: 0 or -EINVAL, no crash. */
static void corrupted_bytes(void **state)
{
	static const uint8_t vals[] = { 0x00, 0x01, 0x04, 0x7f, 0x80, 0xff };
	struct nlreplay r;

	load(&r, FULL);
	for (size_t i = 0; i < r.n_msgs; i += 3) {
		const struct nlreplay_msg *m = &r.msgs[i];
		uint32_t len = m->nlh->nlmsg_len;

		for (uint32_t pos = sizeof(struct nlmsghdr); pos < len; pos++) {
			for (size_t v = 0; v < sizeof(vals); v++) {
				struct nlmsghdr *c = malloc(len);
				int err;

				memcpy(c, m->nlh, len);
				((uint8_t *)c)[pos] = vals[v];
				err = parse_any(m, c);
				assert_true(err == 0 || err == -EINVAL);
				free(c);
			}
		}
	}
	nlreplay_free(&r);
}

static void replay_rejects_bad_text(void **state)
{
	struct nlreplay r;
	const char *good = "== IPVS_CMD_GET_INFO (doit)\n"
	                   "msg: nlmsg_type=32 flags=0x0 genl.cmd=14 genl.version=1\n"
	                   "  VERSION(1) len=4 bytes=01020100 u32=66049\n"
	                   "  CONN_TAB_SIZE(2) len=4 bytes=00100000 u32=4096\n"
	                   "GET_INFO         -> 0 [1 data msgs]\n";
	const char *bad_count = "== IPVS_CMD_GET_INFO (doit)\n"
	                        "msg: nlmsg_type=32 flags=0x0 genl.cmd=14 genl.version=1\n"
	                        "  VERSION(1) len=4 bytes=01020100 u32=66049\n"
	                        "  CONN_TAB_SIZE(2) len=4 bytes=00100000 u32=4096\n"
	                        "GET_INFO         -> 0 [2 data msgs]\n";
	const char *bad_nest = "== IPVS_CMD_GET_DAEMON (dump)\n"
	                       "msg: nlmsg_type=32 flags=0x2 genl.cmd=9 genl.version=1\n"
	                       "  DAEMON(3) len=12 {\n"
	                       "    STATE(1) len=4 bytes=01000000\n"
	                       "  }\n"
	                       "GET_DAEMON dump  -> 0 [1 data msgs]\n";
	const char *bad_hex = "== IPVS_CMD_GET_INFO (doit)\n"
	                      "msg: nlmsg_type=32 flags=0x0 genl.cmd=14 genl.version=1\n"
	                      "  VERSION(1) len=4 bytes=010201 u32=66049\n"
	                      "GET_INFO         -> 0 [1 data msgs]\n";
	const char *bad_decode = "== IPVS_CMD_GET_INFO (doit)\n"
	                         "msg: nlmsg_type=32 flags=0x0 genl.cmd=14 genl.version=1\n"
	                         "  VERSION(1) len=4 bytes=01020100 u32=66049\n"
	                         "GET_INFO         -> 0 [1 data msgs]\n";

	assert_int_equal(nlreplay_parse(good, &r), 0);
	assert_int_equal(r.info.version, 0x10201);
	assert_int_equal(r.n_msgs, 1);
	assert_int_equal(r.msgs[0].nlh->nlmsg_len, 16 + 4 + 8 + 8);
	nlreplay_free(&r);
	assert_int_equal(nlreplay_parse(bad_count, &r), -EINVAL);
	assert_int_equal(nlreplay_parse(bad_nest, &r), -EINVAL);
	assert_int_equal(nlreplay_parse(bad_hex, &r), -EINVAL);
	assert_int_equal(nlreplay_parse(bad_decode, &r), -EINVAL);
	assert_int_equal(nlreplay_parse("", &r), -EINVAL);
	assert_int_equal(nlreplay_load("/nonexistent/probe.out", &r), -ENOENT);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(replay_full_dump_order),
	cmocka_unit_test(replay_ipv6),
	cmocka_unit_test(replay_flags_and_netmasks),
	cmocka_unit_test(replay_fwmark),
	cmocka_unit_test(replay_pe_name),
	cmocka_unit_test(replay_tunnels_and_raw_fwd),
	cmocka_unit_test(replay_stats_and_daemons),
	cmocka_unit_test(stats64_preferred_else_stats),
	cmocka_unit_test(missing_required_is_einval),
	cmocka_unit_test(short_attributes_are_einval),
	cmocka_unit_test(truncated_messages),
	cmocka_unit_test(corrupted_bytes),
	cmocka_unit_test(replay_rejects_bad_text),
};

UNIT_MAIN(tests)
