/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_types — the plain structs that describe IPVS state everywhere in kipvs.
 *
 * The same virtual server and destination structs are parsed from the kernel,
 * built from Kubernetes objects, printed in ipvsadm format and compared in the
 * diff, so nothing converts between "kernel" and "desired" shapes.
 *
 * Conventions: ports are host order; addresses are struct net_addr (lib/addr.h,
 * network-order bytes); names are NUL-terminated in fixed arrays sized as the
 * kernel limits them. No pointers inside these structs, so they copy by value.
 *
 * Counters and rates are not part of a service or destination: only the
 * listings print them, and the wanted table, the diff and every change would
 * otherwise carry 80 unused bytes per entry. A dumped table keeps them
 * beside its entries when asked (ipvs_table.h).
 */
#ifndef KIPVS_IPVS_TYPES_H
#define KIPVS_IPVS_TYPES_H

#include <linux/ip_vs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/addr.h"

/* 64-bit counters and rates, as the kernel's STATS64 nest carries them. */
struct ipvs_stats {
	uint64_t conns;
	uint64_t inpkts;
	uint64_t outpkts;
	uint64_t inbytes;
	uint64_t outbytes;
	uint64_t cps;
	uint64_t inpps;
	uint64_t outpps;
	uint64_t inbps;
	uint64_t outbps;
};

/*
 * A virtual server. Identity: af + (fwmark, or protocol + addr + port).
 * For fwmark services protocol is 0 and addr is all zero, as in the dump.
 */
struct ipvs_service {
	struct net_addr addr; /* addr.af is the service's family */
	uint16_t protocol;    /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP; 0 with fwmark */
	uint16_t port;        /* host order */
	uint32_t fwmark;      /* 0 = address service */
	char sched_name[IP_VS_SCHEDNAME_MAXLEN];
	char pe_name[IP_VS_PENAME_MAXLEN]; /* "" = none */
	uint32_t flags;                    /* IP_VS_SVC_F_*; HASHED as the kernel reports it */
	uint32_t timeout;                  /* persistence timeout, seconds */
	/*
	 * As on the wire: IPv4 = the mask's bytes in network order (so
	 * 255.255.255.0 is the u32 whose bytes are ff ff ff 00); IPv6 = a
	 * prefix length 1..128.
	 */
	uint32_t netmask;
};

/* A destination (real server) of one virtual server. */
struct ipvs_dest {
	struct net_addr addr; /* addr.af is the destination's family */
	uint16_t port;        /* host order; 0 allowed under fwmark services */
	uint32_t conn_flags;  /* forwarding method, IP_VS_CONN_F_MASQ etc. (& FWD_MASK) */
	int32_t weight;
	uint32_t u_threshold;
	uint32_t l_threshold;
	uint32_t active_conns;  /* read-only (dump) */
	uint32_t inact_conns;   /* read-only (dump) */
	uint32_t persist_conns; /* read-only (dump) */
	uint8_t tun_type;       /* IP_VS_CONN_F_TUNNEL_TYPE_* */
	uint16_t tun_port;      /* host order */
	uint16_t tun_flags;     /* IP_VS_TUNNEL_ENCAP_FLAG_* */
};

/* Kernel-wide IPVS facts (GET_INFO). */
struct ipvs_info {
	uint32_t version; /* 0x00010201 = 1.2.1 */
	uint32_t conn_tab_size;
};

/* TCP, TCP FIN and UDP timeouts in seconds; 0 in a set request = leave as is. */
struct ipvs_timeouts {
	uint32_t tcp;
	uint32_t tcp_fin;
	uint32_t udp;
};

/* One sync daemon (GET_DAEMON); state is IP_VS_STATE_MASTER or _BACKUP. */
struct ipvs_daemon {
	uint32_t state;
	char mcast_ifn[IP_VS_IFNAME_MAXLEN];
	uint32_t syncid;
	uint16_t sync_maxlen;
	struct net_addr mcast_group; /* af 0 = not reported */
	uint16_t mcast_port;
	uint8_t mcast_ttl;
};

enum ipvs_op {
	IPVS_OP_ADD_SERVICE = 1,
	IPVS_OP_EDIT_SERVICE,
	IPVS_OP_DEL_SERVICE,
	IPVS_OP_ADD_DEST,
	IPVS_OP_EDIT_DEST,
	IPVS_OP_DEL_DEST,
};

/*
 * One change to send. svc identifies (and, for service ops, fully describes)
 * the virtual server; dest is used by the destination ops. After a batch,
 * err holds 0 or the kernel's -errno for this change.
 */
struct ipvs_change {
	enum ipvs_op op;
	int err;
	struct ipvs_service svc;
	struct ipvs_dest dest;
};

/* True when two services have the same identity (af, fwmark or proto/addr/port). */
bool ipvs_service_same(const struct ipvs_service *a, const struct ipvs_service *b);
/* True when two destinations have the same identity (af, addr, port). */
bool ipvs_dest_same(const struct ipvs_dest *a, const struct ipvs_dest *b);

/* "tcp"/"udp"/"sctp" ↔ IPPROTO_*; 0 / NULL for anything else. */
uint16_t ipvs_proto_parse(const char *name);
const char *ipvs_proto_name(uint16_t proto);

#endif
