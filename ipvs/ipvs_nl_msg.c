/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request builders: plain structs → IPVS generic netlink requests, with
 * libnl's attribute writers. Byte orders follow the kernel: ports in network
 * order, the flags struct and the netmask as the dump shows them.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netlink/genl/genl.h>
#include <string.h>
#include <sys/socket.h>

#include "ipvs_nl.h"

void ipvs_nl_msg_reset(struct nl_msg *m)
{
	/*
	 * One nl_msg serves every request of a handle: libnl keeps the write
	 * position in nlmsg_len, so an empty header is an empty message. This
	 * spares an allocation (and a page-sized memset) per change in a batch.
	 */
	struct nlmsghdr *nlh = nlmsg_hdr(m);

	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN;
}

static int put_hdr(struct nl_msg *m, int family, uint32_t seq, int flags, uint8_t cmd)
{
	if (!genlmsg_put(m, NL_AUTO_PORT, seq, family, 0, flags, cmd, IPVS_GENL_VERSION))
		return -EMSGSIZE;
	return 0;
}

static bool af_ok(uint16_t af)
{
	return af == AF_INET || af == AF_INET6;
}

/* 16 address bytes as the kernel's union nf_inet_addr; IPv4 padded with zeros. */
static int put_addr(struct nl_msg *m, int type, const struct net_addr *a)
{
	uint8_t raw[16] = { 0 };

	memcpy(raw, a->a.b, a->af == AF_INET ? 4 : 16);
	return nla_put(m, type, sizeof(raw), raw);
}

static int put_svc_attrs(struct nl_msg *m, const struct ipvs_service *s, bool full)
{
	struct ip_vs_flags fl;

	if (!af_ok(s->addr.af))
		return -EINVAL;
	if (nla_put_u16(m, IPVS_SVC_ATTR_AF, s->addr.af) < 0)
		return -EMSGSIZE;
	if (s->fwmark) {
		if (nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, s->fwmark) < 0)
			return -EMSGSIZE;
	} else if (nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, s->protocol) < 0 ||
	           put_addr(m, IPVS_SVC_ATTR_ADDR, &s->addr) < 0 ||
	           nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(s->port)) < 0) {
		return -EMSGSIZE;
	}
	if (!full)
		return 0;
	if (strnlen(s->sched_name, sizeof(s->sched_name)) >= sizeof(s->sched_name) ||
	    strnlen(s->pe_name, sizeof(s->pe_name)) >= sizeof(s->pe_name))
		return -EINVAL;
	/*
	 * HASHED is the kernel's own bookkeeping (a dumped service carries it):
	 * never send it. The mask covers every bit, as ipvsadm does, so the
	 * struct describes the whole flag word.
	 */
	fl.flags = s->flags & ~(uint32_t)IP_VS_SVC_F_HASHED;
	fl.mask = ~0U;
	if (nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, s->sched_name) < 0 ||
	    (s->pe_name[0] && nla_put_string(m, IPVS_SVC_ATTR_PE_NAME, s->pe_name) < 0) ||
	    nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl) < 0 ||
	    nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, s->timeout) < 0 ||
	    nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, s->netmask) < 0)
		return -EMSGSIZE;
	return 0;
}

static int put_svc(struct nl_msg *m, const struct ipvs_service *s, bool full)
{
	struct nlattr *nest = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = put_svc_attrs(m, s, full);
	if (err < 0)
		return err;
	nla_nest_end(m, nest);
	return 0;
}

static int put_dest_attrs(struct nl_msg *m, const struct ipvs_dest *d, bool full)
{
	if (!af_ok(d->addr.af))
		return -EINVAL;
	if (nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, d->addr.af) < 0 ||
	    put_addr(m, IPVS_DEST_ATTR_ADDR, &d->addr) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(d->port)) < 0)
		return -EMSGSIZE;
	if (!full)
		return 0;
	if (nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, d->conn_flags & IP_VS_CONN_F_FWD_MASK) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, (uint32_t)d->weight) < 0 ||
	    nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE, d->tun_type) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_TUN_PORT, htons(d->tun_port)) < 0 ||
	    nla_put_u16(m, IPVS_DEST_ATTR_TUN_FLAGS, d->tun_flags) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, d->u_threshold) < 0 ||
	    nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, d->l_threshold) < 0)
		return -EMSGSIZE;
	return 0;
}

static int put_dest(struct nl_msg *m, const struct ipvs_dest *d, bool full)
{
	struct nlattr *nest = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
	int err;

	if (!nest)
		return -EMSGSIZE;
	err = put_dest_attrs(m, d, full);
	if (err < 0)
		return err;
	nla_nest_end(m, nest);
	return 0;
}

int ipvs_nl_build_change(struct nl_msg *m, int family, uint32_t seq, int flags,
                         const struct ipvs_change *c)
{
	static const uint8_t cmd_of[] = {
		[IPVS_OP_ADD_SERVICE] = IPVS_CMD_NEW_SERVICE,
		[IPVS_OP_EDIT_SERVICE] = IPVS_CMD_SET_SERVICE,
		[IPVS_OP_DEL_SERVICE] = IPVS_CMD_DEL_SERVICE,
		[IPVS_OP_ADD_DEST] = IPVS_CMD_NEW_DEST,
		[IPVS_OP_EDIT_DEST] = IPVS_CMD_SET_DEST,
		[IPVS_OP_DEL_DEST] = IPVS_CMD_DEL_DEST,
	};
	int err;

	if ((unsigned)c->op >= sizeof(cmd_of) || !cmd_of[c->op])
		return -EINVAL;
	err = put_hdr(m, family, seq, flags, cmd_of[c->op]);
	if (err < 0)
		return err;
	switch (c->op) {
	case IPVS_OP_ADD_SERVICE:
	case IPVS_OP_EDIT_SERVICE:
		return put_svc(m, &c->svc, true);
	case IPVS_OP_DEL_SERVICE:
		return put_svc(m, &c->svc, false);
	case IPVS_OP_ADD_DEST:
	case IPVS_OP_EDIT_DEST:
		err = put_svc(m, &c->svc, false);
		return err < 0 ? err : put_dest(m, &c->dest, true);
	case IPVS_OP_DEL_DEST:
		err = put_svc(m, &c->svc, false);
		return err < 0 ? err : put_dest(m, &c->dest, false);
	}
	return -EINVAL;
}

int ipvs_nl_build_simple(struct nl_msg *m, int family, uint32_t seq, int flags, uint8_t cmd)
{
	return put_hdr(m, family, seq, flags, cmd);
}

int ipvs_nl_build_svc_id(struct nl_msg *m, int family, uint32_t seq, int flags, uint8_t cmd,
                         const struct ipvs_service *s)
{
	int err = put_hdr(m, family, seq, flags, cmd);

	return err < 0 ? err : put_svc(m, s, false);
}

int ipvs_nl_build_timeouts(struct nl_msg *m, int family, uint32_t seq, int flags,
                           const struct ipvs_timeouts *t)
{
	int err = put_hdr(m, family, seq, flags, IPVS_CMD_SET_CONFIG);

	if (err < 0)
		return err;
	/* 0 leaves the kernel's value as it is; sending it is harmless. */
	if (nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP, t->tcp) < 0 ||
	    nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t->tcp_fin) < 0 ||
	    nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_UDP, t->udp) < 0)
		return -EMSGSIZE;
	return 0;
}

static int put_daemon_attrs(struct nl_msg *m, uint8_t cmd, const struct ipvs_daemon *d)
{
	if (nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, d->state) < 0)
		return -EMSGSIZE;
	if (cmd == IPVS_CMD_DEL_DAEMON)
		return 0;
	if (strnlen(d->mcast_ifn, sizeof(d->mcast_ifn)) >= sizeof(d->mcast_ifn))
		return -EINVAL;
	if (nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, d->mcast_ifn) < 0 ||
	    nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, d->syncid) < 0)
		return -EMSGSIZE;
	/* Zero / unset values are left out: the kernel fills in its defaults. */
	if (d->sync_maxlen && nla_put_u16(m, IPVS_DAEMON_ATTR_SYNC_MAXLEN, d->sync_maxlen) < 0)
		return -EMSGSIZE;
	if (d->mcast_group.af == AF_INET &&
	    nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP, 4, d->mcast_group.a.b) < 0)
		return -EMSGSIZE;
	if (d->mcast_group.af == AF_INET6 &&
	    nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP6, 16, d->mcast_group.a.b) < 0)
		return -EMSGSIZE;
	if (d->mcast_port && nla_put_u16(m, IPVS_DAEMON_ATTR_MCAST_PORT, d->mcast_port) < 0)
		return -EMSGSIZE;
	if (d->mcast_ttl && nla_put_u8(m, IPVS_DAEMON_ATTR_MCAST_TTL, d->mcast_ttl) < 0)
		return -EMSGSIZE;
	return 0;
}

int ipvs_nl_build_daemon(struct nl_msg *m, int family, uint32_t seq, int flags, uint8_t cmd,
                         const struct ipvs_daemon *d)
{
	struct nlattr *nest;
	int err = put_hdr(m, family, seq, flags, cmd);

	if (err < 0)
		return err;
	nest = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
	if (!nest)
		return -EMSGSIZE;
	err = put_daemon_attrs(m, cmd, d);
	if (err < 0)
		return err;
	nla_nest_end(m, nest);
	return 0;
}
