/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request builders (checked byte by byte where the kernel is picky, and by
 * decoding them back), error translation and error texts.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../ipvs/ipvs_nl.h"
#include "../../ipvs/nle.h"

#define FAMILY 32

static struct ipvs_service svc4(void)
{
	struct ipvs_service s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(addr_parse("10.96.0.10", &s.addr), 0);
	s.protocol = IPPROTO_UDP;
	s.port = 53;
	snprintf(s.sched_name, sizeof(s.sched_name), "%s", "rr");
	snprintf(s.pe_name, sizeof(s.pe_name), "%s", "sip");
	s.flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED | IP_VS_SVC_F_ONEPACKET;
	s.timeout = 10800;
	memcpy(&s.netmask, "\xff\xff\xff\x00", 4);
	return s;
}

static struct ipvs_dest dest4(void)
{
	struct ipvs_dest d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(addr_parse("10.244.8.4", &d.addr), 0);
	d.port = 8080;
	d.conn_flags = IP_VS_CONN_F_TUNNEL | IP_VS_CONN_F_SYNC; /* only the method goes out */
	d.weight = 65535;
	d.u_threshold = 100;
	d.l_threshold = 10;
	d.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	d.tun_port = 6082;
	d.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
	return d;
}

/* The top-level attribute @type of the request in @m. */
static struct nlattr *top_attr(struct nl_msg *m, int type)
{
	return nlmsg_find_attr(nlmsg_hdr(m), GENL_HDRLEN, type);
}

static struct nlattr *nested(struct nlattr *nest, int type)
{
	return nla_find(nla_data(nest), nla_len(nest), type);
}

static void add_service_request(void **state)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ipvs_change c = { .op = IPVS_OP_ADD_SERVICE, .svc = svc4() };
	static const uint8_t addr[16] = { 10, 96, 0, 10 };
	struct ipvs_service back;
	struct ip_vs_flags fl;
	struct nlattr *nest;
	struct genlmsghdr *g;

	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 77, NLM_F_REQUEST, &c), 0);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_type, FAMILY);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_seq, 77);
	assert_int_equal(nlmsg_hdr(m)->nlmsg_flags, NLM_F_REQUEST);
	g = nlmsg_data(nlmsg_hdr(m));
	assert_int_equal(g->cmd, IPVS_CMD_NEW_SERVICE);
	assert_int_equal(g->version, IPVS_GENL_VERSION);
	nest = top_attr(m, IPVS_CMD_ATTR_SERVICE);
	assert_non_null(nest);
	/* Port in network order, 16 address bytes, flags without HASHED and a full mask. */
	assert_memory_equal(nla_data(nested(nest, IPVS_SVC_ATTR_PORT)), "\x00\x35", 2);
	assert_int_equal(nla_len(nested(nest, IPVS_SVC_ATTR_ADDR)), 16);
	assert_memory_equal(nla_data(nested(nest, IPVS_SVC_ATTR_ADDR)), addr, 16);
	memcpy(&fl, nla_data(nested(nest, IPVS_SVC_ATTR_FLAGS)), sizeof(fl));
	assert_int_equal(fl.flags, IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET);
	assert_int_equal(fl.mask, 0xffffffffu);
	assert_memory_equal(nla_data(nested(nest, IPVS_SVC_ATTR_NETMASK)), "\xff\xff\xff\x00", 4);
	assert_null(nested(nest, IPVS_SVC_ATTR_FWMARK));
	/* Decoded back it is the same service. */
	assert_int_equal(ipvs_nl_parse_service_nest(nest, true, &back, NULL), 0);
	assert_true(ipvs_service_same(&back, &c.svc));
	assert_string_equal(back.sched_name, "rr");
	assert_string_equal(back.pe_name, "sip");
	assert_int_equal(back.timeout, 10800);
	assert_int_equal(back.netmask, c.svc.netmask);
	nlmsg_free(m);
}

static void fwmark_and_identity_requests(void **state)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ipvs_change c = { .op = IPVS_OP_DEL_SERVICE };
	struct ipvs_service back;
	struct nlattr *nest;

	c.svc.addr.af = AF_INET6;
	c.svc.fwmark = 0xffffffffu;
	snprintf(c.svc.sched_name, sizeof(c.svc.sched_name), "%s", "rr");
	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST, &c), 0);
	nest = top_attr(m, IPVS_CMD_ATTR_SERVICE);
	/* A delete carries the identity only. */
	assert_non_null(nested(nest, IPVS_SVC_ATTR_FWMARK));
	assert_null(nested(nest, IPVS_SVC_ATTR_PROTOCOL));
	assert_null(nested(nest, IPVS_SVC_ATTR_SCHED_NAME));
	assert_null(nested(nest, IPVS_SVC_ATTR_FLAGS));
	assert_int_equal(ipvs_nl_parse_service_nest(nest, false, &back, NULL), 0);
	assert_int_equal(back.addr.af, AF_INET6);
	assert_int_equal(back.fwmark, 0xffffffffu);
	assert_int_equal(ipvs_nl_parse_service_nest(nest, true, &back, NULL), -EINVAL);
	nlmsg_free(m);
}

static void dest_requests(void **state)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ipvs_change c = { .op = IPVS_OP_ADD_DEST, .svc = svc4(), .dest = dest4() };
	struct ipvs_dest back;
	struct ipvs_service sback;
	struct nlattr *nest;

	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST, &c), 0);
	assert_int_equal(((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(m)))->cmd, IPVS_CMD_NEW_DEST);
	/* The service is identified only; the dest fully described. */
	nest = top_attr(m, IPVS_CMD_ATTR_SERVICE);
	assert_null(nested(nest, IPVS_SVC_ATTR_SCHED_NAME));
	assert_int_equal(ipvs_nl_parse_service_nest(nest, false, &sback, NULL), 0);
	assert_true(ipvs_service_same(&sback, &c.svc));
	nest = top_attr(m, IPVS_CMD_ATTR_DEST);
	assert_memory_equal(nla_data(nested(nest, IPVS_DEST_ATTR_PORT)), "\x1f\x90", 2);
	assert_memory_equal(nla_data(nested(nest, IPVS_DEST_ATTR_TUN_PORT)), "\x17\xc2", 2);
	assert_int_equal(nla_get_u32(nested(nest, IPVS_DEST_ATTR_FWD_METHOD)), IP_VS_CONN_F_TUNNEL);
	assert_int_equal(ipvs_nl_parse_dest_nest(nest, false, &back, NULL), 0);
	assert_true(ipvs_dest_same(&back, &c.dest));
	assert_int_equal(back.addr.af, AF_INET);
	assert_int_equal(back.weight, 65535);
	assert_int_equal(back.u_threshold, 100);
	assert_int_equal(back.l_threshold, 10);
	assert_int_equal(back.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	assert_int_equal(back.tun_port, 6082);
	assert_int_equal(back.tun_flags, IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);
	nlmsg_free(m);

	/* A dest delete: family, address and port, nothing else. */
	m = nlmsg_alloc();
	c.op = IPVS_OP_DEL_DEST;
	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST, &c), 0);
	nest = top_attr(m, IPVS_CMD_ATTR_DEST);
	assert_non_null(nested(nest, IPVS_DEST_ATTR_ADDR_FAMILY));
	assert_non_null(nested(nest, IPVS_DEST_ATTR_ADDR));
	assert_non_null(nested(nest, IPVS_DEST_ATTR_PORT));
	assert_null(nested(nest, IPVS_DEST_ATTR_WEIGHT));
	assert_null(nested(nest, IPVS_DEST_ATTR_FWD_METHOD));
	nlmsg_free(m);
}

static void reset_reuses_one_message(void **state)
{
	struct nl_msg *m = nlmsg_alloc_size(8192);
	struct ipvs_change c = { .op = IPVS_OP_ADD_DEST, .svc = svc4(), .dest = dest4() };
	uint32_t first;

	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST, &c), 0);
	first = nlmsg_hdr(m)->nlmsg_len;
	for (int i = 0; i < 1000; i++) {
		ipvs_nl_msg_reset(m);
		assert_int_equal(ipvs_nl_build_change(m, FAMILY, (uint32_t)i, NLM_F_REQUEST, &c),
		                 0);
		assert_int_equal(nlmsg_hdr(m)->nlmsg_len, first);
		assert_int_equal(nlmsg_hdr(m)->nlmsg_seq, (uint32_t)i);
	}
	nlmsg_free(m);
}

static void invalid_changes_refused(void **state)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ipvs_change c = { .op = IPVS_OP_ADD_SERVICE, .svc = svc4() };

	c.svc.addr.af = 0;
	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST, &c), -EINVAL);
	ipvs_nl_msg_reset(m);
	c.svc = svc4();
	memset(c.svc.sched_name, 'a', sizeof(c.svc.sched_name)); /* no room for the NUL */
	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST, &c), -EINVAL);
	ipvs_nl_msg_reset(m);
	c.svc = svc4();
	c.op = (enum ipvs_op)99;
	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST, &c), -EINVAL);
	ipvs_nl_msg_reset(m);
	c.op = IPVS_OP_ADD_DEST;
	c.dest = dest4();
	c.dest.addr.af = 7;
	assert_int_equal(ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST, &c), -EINVAL);
	nlmsg_free(m);
}

static void daemon_and_timeout_requests(void **state)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ipvs_daemon d = { .state = IP_VS_STATE_BACKUP, .syncid = 9, .mcast_port = 8848 };
	struct ipvs_timeouts t = { .tcp = 900, .tcp_fin = 0, .udp = 300 };
	struct nlattr *nest;

	snprintf(d.mcast_ifn, sizeof(d.mcast_ifn), "%s", "sync0");
	assert_int_equal(addr_parse("224.0.0.81", &d.mcast_group), 0);
	assert_int_equal(ipvs_nl_build_daemon(m, FAMILY, 1, NLM_F_REQUEST, IPVS_CMD_NEW_DAEMON, &d),
	                 0);
	nest = top_attr(m, IPVS_CMD_ATTR_DAEMON);
	assert_int_equal(nla_get_u32(nested(nest, IPVS_DAEMON_ATTR_STATE)), IP_VS_STATE_BACKUP);
	assert_string_equal(nla_get_string(nested(nest, IPVS_DAEMON_ATTR_MCAST_IFN)), "sync0");
	assert_memory_equal(nla_data(nested(nest, IPVS_DAEMON_ATTR_MCAST_GROUP)),
	                    "\xe0\x00\x00\x51", 4);
	/* The sync port is host order on the wire (8848 = bytes 90 22 on x86). */
	assert_int_equal(nla_get_u16(nested(nest, IPVS_DAEMON_ATTR_MCAST_PORT)), 8848);
	assert_null(nested(nest, IPVS_DAEMON_ATTR_MCAST_TTL)); /* 0: the kernel's default */
	nlmsg_free(m);

	m = nlmsg_alloc();
	assert_int_equal(ipvs_nl_build_daemon(m, FAMILY, 1, NLM_F_REQUEST, IPVS_CMD_DEL_DAEMON, &d),
	                 0);
	nest = top_attr(m, IPVS_CMD_ATTR_DAEMON);
	assert_non_null(nested(nest, IPVS_DAEMON_ATTR_STATE));
	assert_null(nested(nest, IPVS_DAEMON_ATTR_MCAST_IFN));
	nlmsg_free(m);

	m = nlmsg_alloc();
	assert_int_equal(ipvs_nl_build_timeouts(m, FAMILY, 1, NLM_F_REQUEST, &t), 0);
	assert_int_equal(nla_get_u32(top_attr(m, IPVS_CMD_ATTR_TIMEOUT_TCP)), 900);
	assert_int_equal(nla_get_u32(top_attr(m, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN)), 0);
	assert_int_equal(nla_get_u32(top_attr(m, IPVS_CMD_ATTR_TIMEOUT_UDP)), 300);
	nlmsg_free(m);
}

static void libnl_errors_translated(void **state)
{
	assert_int_equal(nle_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
	assert_int_equal(nle_errno(-NLE_PERM), -EPERM);
	assert_int_equal(nle_errno(-NLE_NOMEM), -ENOMEM);
	assert_int_equal(nle_errno(-NLE_EXIST), -EEXIST);
	assert_int_equal(nle_errno(-NLE_OPNOTSUPP), -EOPNOTSUPP);
	assert_int_equal(nle_errno(-NLE_AF_NOSUPPORT), -EAFNOSUPPORT);
	assert_int_equal(nle_errno(-NLE_DUMP_INTR), -EINTR);
	assert_int_equal(nle_errno(0), 0);
	assert_int_equal(nle_errno(-NLE_FAILURE), -EIO);
	/* The kernel dropped messages: the same errno for every socket. */
	assert_int_equal(nle_errno(-NLE_MSG_OVERFLOW), -ENOBUFS);
}

static void error_texts(void **state)
{
	struct ipvs_change c = { .op = IPVS_OP_ADD_SERVICE, .err = -ENOENT, .svc = svc4() };
	char buf[256];

	assert_string_equal(ipvs_strerror(-ENOENT),
	                    "IPVS is not available in this kernel (load it: modprobe ip_vs)");
	assert_string_equal(ipvs_strerror(-EPERM),
	                    "permission denied: kipvs needs CAP_NET_ADMIN (run as root)");
	assert_string_equal(ipvs_strerror(0), "success");
	assert_non_null(strstr(ipvs_strerror(-ENOBUFS), "read the table again"));
	assert_non_null(ipvs_strerror(-EHOSTUNREACH)); /* falls back to strerror */

	assert_string_equal(ipvs_change_strerror(&c, buf, sizeof(buf)),
	                    "scheduler \"rr\" or persistence engine \"sip\" not found (load it: "
	                    "modprobe ip_vs_rr; modprobe ip_vs_pe_sip)");
	c.svc.pe_name[0] = '\0';
	snprintf(c.svc.sched_name, sizeof(c.svc.sched_name), "%s", "foo");
	assert_string_equal(ipvs_change_strerror(&c, buf, sizeof(buf)),
	                    "scheduler \"foo\" not found (load it: modprobe ip_vs_foo)");
	c.op = IPVS_OP_DEL_DEST;
	assert_string_equal(ipvs_change_strerror(&c, buf, sizeof(buf)), "no such destination");
	c.err = -ESRCH;
	assert_string_equal(ipvs_change_strerror(&c, buf, sizeof(buf)), "no such virtual server");
	c.op = IPVS_OP_ADD_DEST;
	c.err = -EEXIST;
	assert_string_equal(ipvs_change_strerror(&c, buf, sizeof(buf)),
	                    "destination already exists");
	c.op = IPVS_OP_ADD_SERVICE;
	assert_string_equal(ipvs_change_strerror(&c, buf, sizeof(buf)),
	                    "virtual server already exists");
	/* Cut to the buffer, still terminated. */
	assert_string_equal(ipvs_change_strerror(&c, buf, 8), "virtual");
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(add_service_request),     cmocka_unit_test(fwmark_and_identity_requests),
	cmocka_unit_test(dest_requests),           cmocka_unit_test(reset_reuses_one_message),
	cmocka_unit_test(invalid_changes_refused), cmocka_unit_test(daemon_and_timeout_requests),
	cmocka_unit_test(libnl_errors_translated), cmocka_unit_test(error_texts),
};

UNIT_MAIN(tests)
