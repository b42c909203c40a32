/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_save.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sync_node.h"

struct out {
	char *buf;
	size_t len, off;
	int err;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->err)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->buf + o->off, o->len - o->off, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= o->len - o->off) {
		o->err = -ENOSPC;
		return;
	}
	o->off += (size_t)r;
}

static void put_svc(struct out *o, const struct ipvs_service *s)
{
	char a[ADDR_STRLEN];

	if (s->fwmark) {
		/* ipvsadm prints the mark with %d. */
		put(o, "-f %d%s", (int)s->fwmark, s->addr.af == AF_INET6 ? " -6" : "");
		return;
	}
	switch (s->protocol) {
	case IPPROTO_TCP:
		put(o, "-t ");
		break;
	case IPPROTO_UDP:
		put(o, "-u ");
		break;
	case IPPROTO_SCTP:
		put(o, "--sctp-service ");
		break;
	default:
		o->err = -EINVAL;
		return;
	}
	put(o, "%s", addr_port_fmt(&s->addr, s->port, a));
}

static int finish(struct out *o)
{
	return o->err ? o->err : (int)o->off;
}

int sync_save_service(const struct ipvs_service *s, char *buf, size_t len)
{
	struct out o = { buf, len, 0, 0 };
	uint32_t sched = s->flags & (IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3);
	char flags[64];

	put(&o, "-A ");
	put_svc(&o, s);
	put(&o, " -s %.*s", (int)sizeof(s->sched_name), s->sched_name);
	if (s->flags & IP_VS_SVC_F_PERSISTENT) {
		put(&o, " -p %u", s->timeout);
		if (s->addr.af == AF_INET6 && s->netmask != 128) {
			put(&o, " -M %u", s->netmask);
		} else if (s->addr.af != AF_INET6 && s->netmask != 0xffffffffu) {
			struct in_addr m = { .s_addr = s->netmask };
			char ms[INET_ADDRSTRLEN];

			put(&o, " -M %s", inet_ntop(AF_INET, &m, ms, sizeof(ms)));
		}
	}
	if (s->pe_name[0])
		put(&o, " --pe %.*s", (int)sizeof(s->pe_name), s->pe_name);
	if (s->flags & IP_VS_SVC_F_ONEPACKET)
		put(&o, " -o");
	if (sched)
		put(&o, " -b %s", sync_sched_flags_fmt(s->sched_name, sched, flags, sizeof(flags)));
	return finish(&o);
}

int sync_save_dest(const struct ipvs_service *s, const struct ipvs_dest *d, char *buf, size_t len)
{
	struct out o = { buf, len, 0, 0 };
	char a[ADDR_STRLEN];
	const char *fwd;

	switch (d->conn_flags & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_MASQ:
		fwd = "-m";
		break;
	case IP_VS_CONN_F_TUNNEL:
		fwd = "-i";
		break;
	case IP_VS_CONN_F_LOCALNODE:
	case IP_VS_CONN_F_DROUTE:
		fwd = "-g";
		break;
	default:
		fwd = "(null)";
		break;
	}
	put(&o, "-a ");
	put_svc(&o, s);
	put(&o, " -r %s %s -w %d", addr_port_fmt(&d->addr, d->port, a), fwd, d->weight);
	return finish(&o);
}
