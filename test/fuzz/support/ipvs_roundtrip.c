/* SPDX-License-Identifier: Apache-2.0 */
#include "ipvs_roundtrip.h"

#include <errno.h>
#include <netlink/genl/genl.h>
#include <string.h>
#include <sys/socket.h>

#include "../../../ipvs/ipvs_nl.h"
#include "../fuzz.h"

#define FAMILY 42 /* any genl id: the builders only store it */

static struct nl_msg *msg_new(void)
{
	struct nl_msg *m = nlmsg_alloc();

	FUZZ_ASSERT(m != NULL, "memory");
	return m;
}

static const struct nlattr *top_attr(struct nl_msg *m, int type)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);
	struct genlmsghdr *g = genlmsg_hdr(nlh);

	return nla_find(genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0), type);
}

static void check_service(const struct ipvs_service *in, const struct ipvs_service *out, bool full)
{
	FUZZ_ASSERT(out->addr.af == in->addr.af, "service family");
	FUZZ_ASSERT(out->fwmark == in->fwmark, "service fwmark");
	if (!in->fwmark) {
		FUZZ_ASSERT(out->protocol == in->protocol, "service protocol");
		FUZZ_ASSERT(out->port == in->port, "service port");
		FUZZ_ASSERT(!memcmp(out->addr.a.b, in->addr.a.b, in->addr.af == AF_INET ? 4 : 16),
		            "service address");
	}
	if (!full)
		return;
	FUZZ_ASSERT(!strcmp(out->sched_name, in->sched_name), "scheduler");
	FUZZ_ASSERT(!strcmp(out->pe_name, in->pe_name), "persistence engine");
	FUZZ_ASSERT(out->flags == (in->flags & ~(uint32_t)IP_VS_SVC_F_HASHED), "service flags");
	FUZZ_ASSERT(out->timeout == in->timeout, "persistence timeout");
	FUZZ_ASSERT(out->netmask == in->netmask, "netmask");
}

static void check_dest(const struct ipvs_dest *in, const struct ipvs_dest *out, bool full)
{
	FUZZ_ASSERT(out->addr.af == in->addr.af, "destination family");
	FUZZ_ASSERT(!memcmp(out->addr.a.b, in->addr.a.b, in->addr.af == AF_INET ? 4 : 16),
	            "destination address");
	FUZZ_ASSERT(out->port == in->port, "destination port");
	if (!full)
		return;
	FUZZ_ASSERT(out->conn_flags == (in->conn_flags & IP_VS_CONN_F_FWD_MASK), "forwarding");
	FUZZ_ASSERT(out->weight == in->weight, "weight");
	FUZZ_ASSERT(out->u_threshold == in->u_threshold, "upper threshold");
	FUZZ_ASSERT(out->l_threshold == in->l_threshold, "lower threshold");
	FUZZ_ASSERT(out->tun_type == in->tun_type, "tunnel type");
	FUZZ_ASSERT(out->tun_port == in->tun_port, "tunnel port");
	FUZZ_ASSERT(out->tun_flags == in->tun_flags, "tunnel flags");
}

static bool family_ok(uint16_t af)
{
	return af == AF_INET || af == AF_INET6;
}

void fuzz_ipvs_change_roundtrip(const struct ipvs_change *c)
{
	struct nl_msg *m = msg_new();
	bool svc_full = c->op == IPVS_OP_ADD_SERVICE || c->op == IPVS_OP_EDIT_SERVICE;
	bool has_dest = c->op >= IPVS_OP_ADD_DEST;
	bool dest_full = c->op == IPVS_OP_ADD_DEST || c->op == IPVS_OP_EDIT_DEST;
	int err = ipvs_nl_build_change(m, FAMILY, 1, NLM_F_REQUEST | NLM_F_ACK, c);
	struct ipvs_service s;
	struct ipvs_dest d;

	if (err == -EINVAL) {
		/* only what the builder documents: a family it does not know */
		FUZZ_ASSERT(!family_ok(c->svc.addr.af) || (has_dest && !family_ok(c->dest.addr.af)),
		            "a change the parser accepted is refused by the builder");
		nlmsg_free(m);
		return;
	}
	FUZZ_ASSERT(err == 0, "the request fits a message");
	FUZZ_ASSERT(
	    ipvs_nl_parse_service_nest(top_attr(m, IPVS_CMD_ATTR_SERVICE), svc_full, &s, NULL) == 0,
	    "the service nest sent decodes");
	check_service(&c->svc, &s, svc_full);
	if (has_dest) {
		FUZZ_ASSERT(
		    ipvs_nl_parse_dest_nest(top_attr(m, IPVS_CMD_ATTR_DEST), false, &d, NULL) == 0,
		    "the destination nest sent decodes");
		check_dest(&c->dest, &d, dest_full);
	}
	nlmsg_free(m);
}

static void timeouts_roundtrip(const struct ipvs_timeouts *t)
{
	struct nl_msg *m = msg_new();
	struct ipvs_timeouts got;

	FUZZ_ASSERT(ipvs_nl_build_timeouts(m, FAMILY, 1, NLM_F_REQUEST, t) == 0, "timeouts fit");
	FUZZ_ASSERT(ipvs_parse_timeouts_msg(nlmsg_hdr(m), &got) == 0, "timeouts decode");
	FUZZ_ASSERT(got.tcp == t->tcp && got.tcp_fin == t->tcp_fin && got.udp == t->udp,
	            "timeouts as sent");
	nlmsg_free(m);
}

static void daemon_roundtrip(uint8_t cmd, const struct ipvs_daemon *d)
{
	struct nl_msg *m = msg_new();
	struct ipvs_daemon got;
	int err = ipvs_nl_build_daemon(m, FAMILY, 1, NLM_F_REQUEST, cmd, d);

	FUZZ_ASSERT(err == 0, "a daemon request fits");
	if (cmd == IPVS_CMD_NEW_DAEMON) {
		FUZZ_ASSERT(ipvs_parse_daemon_msg(nlmsg_hdr(m), &got) == 0, "the daemon decodes");
		FUZZ_ASSERT(got.state == d->state && got.syncid == d->syncid &&
		                !strcmp(got.mcast_ifn, d->mcast_ifn) &&
		                got.sync_maxlen == d->sync_maxlen &&
		                got.mcast_port == d->mcast_port && got.mcast_ttl == d->mcast_ttl &&
		                got.mcast_group.af ==
		                    (family_ok(d->mcast_group.af) ? d->mcast_group.af : 0),
		            "the daemon as sent");
	}
	nlmsg_free(m);
}

void fuzz_ipvs_req_roundtrip(const struct ipvs_cli_req *req)
{
	/* as cmd/admin.c runs each command */
	static const enum ipvs_op op_of[] = {
		[IPVS_CLI_ADD] = IPVS_OP_ADD_SERVICE,    [IPVS_CLI_EDIT] = IPVS_OP_EDIT_SERVICE,
		[IPVS_CLI_DEL] = IPVS_OP_DEL_SERVICE,    [IPVS_CLI_ADDDEST] = IPVS_OP_ADD_DEST,
		[IPVS_CLI_EDITDEST] = IPVS_OP_EDIT_DEST, [IPVS_CLI_DELDEST] = IPVS_OP_DEL_DEST,
	};
	struct ipvs_change c = {
		.op = (unsigned)req->cmd < sizeof(op_of) / sizeof(op_of[0]) ? op_of[req->cmd] : 0,
		.svc = req->svc,
		.dest = req->dest,
	};
	struct nl_msg *m;

	switch (req->cmd) {
	case IPVS_CLI_TIMEOUT:
		timeouts_roundtrip(&req->timeouts);
		return;
	case IPVS_CLI_STARTDAEMON:
		daemon_roundtrip(IPVS_CMD_NEW_DAEMON, &req->daemon);
		return;
	case IPVS_CLI_STOPDAEMON:
		daemon_roundtrip(IPVS_CMD_DEL_DAEMON, &req->daemon);
		return;
	case IPVS_CLI_ZERO:
		if (!req->svc.addr.af)
			return; /* every service: no nest */
		m = msg_new();
		FUZZ_ASSERT(ipvs_nl_build_svc_id(m, FAMILY, 1, NLM_F_REQUEST, IPVS_CMD_ZERO,
		                                 &req->svc) == 0,
		            "a zero request fits");
		nlmsg_free(m);
		return;
	default:
		if (c.op)
			fuzz_ipvs_change_roundtrip(&c);
		return;
	}
}
