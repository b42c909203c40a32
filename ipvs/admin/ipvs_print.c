/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The -L and -S printers. Every format string below reproduces one of
 * ipvsadm 1.31's, checked against its captured output (test/fixtures/ipvsadm);
 * the comments name the quirk when the byte layout is surprising.
 */
#include "ipvs_print.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipvs_sort.h"

#define SCHED_FLAGS (IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3)

static int out_status(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/* ---- names ---------------------------------------------------------------- */

/* Host name for @a, or its numeric form (inet_ntop) when it has none. */
static void host_name(char *buf, size_t len, uint16_t af, const union addr_raw *a, bool numeric)
{
	if (!numeric && (af == AF_INET || af == AF_INET6)) {
		struct sockaddr_storage ss;
		socklen_t sl;

		memset(&ss, 0, sizeof(ss));
		if (af == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, a->b, 4);
			sl = sizeof(*s4);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, a->b, 16);
			sl = sizeof(*s6);
		}
		if (getnameinfo((struct sockaddr *)&ss, sl, buf, len, NULL, 0, NI_NAMEREQD) == 0)
			return;
	}
	/* glibc prints a NULL %s as "(null)"; inet_ntop fails only for an unknown family. */
	if (!inet_ntop(af, a->b, buf, len))
		snprintf(buf, len, "(null)");
}

static void port_name(char *buf, size_t len, uint16_t port, uint16_t proto, bool numeric)
{
	const char *db = ipvs_proto_name(proto);

	if (!numeric && db) {
		struct servent se, *res = NULL;
		char tmp[1024];

		if (getservbyport_r(htons(port), db, &se, tmp, sizeof(tmp), &res) == 0 && res) {
			snprintf(buf, len, "%s", res->s_name);
			return;
		}
	}
	snprintf(buf, len, "%u", (unsigned)port);
}

const char *ipvs_print_addrport(char *buf, uint16_t af, const union addr_raw *a, uint16_t port,
                                uint16_t proto, unsigned fmt)
{
	bool numeric = fmt & IPVS_FMT_NUMERIC;
	char host[NI_MAXHOST], serv[NI_MAXSERV + 32];
	const char *lb = af == AF_INET ? "" : "[", *rb = af == AF_INET ? "" : "]";

	host_name(host, sizeof(host), af, a, numeric);
	port_name(serv, sizeof(serv), port, proto, numeric);
	char full[sizeof(host) + sizeof(serv) + 4];
	size_t n;

	snprintf(full, sizeof(full), "%s%s%s:%s", lb, host, rb, serv);
	/* ipvsadm formats into a 60-byte buffer: longer names are cut. */
	n = strnlen(full, IPVS_PRINT_NAMELEN - 1);
	memcpy(buf, full, n);
	buf[n] = '\0';
	return buf;
}

/* ---- numbers -------------------------------------------------------------- */

void ipvs_print_number(FILE *out, uint64_t v, unsigned fmt)
{
	unsigned long long i = v;

	if (fmt & IPVS_FMT_EXACT) {
		char tmp[32];
		int len = snprintf(tmp, sizeof(tmp), "%llu", i);

		/* At least one leading space: width 9, or digits + 1. */
		fprintf(out, "%*llu", len <= 8 ? 9 : len + 1, i);
		return;
	}
	if (i < 100000000ULL)
		fprintf(out, "%9llu", i);
	else if (i < 1000000000ULL) /* the K band is only 100 000 000 .. 999 999 999 */
		fprintf(out, "%8lluK", i / 1000ULL);
	else if (i < 100000000000ULL)
		fprintf(out, "%8lluM", i / 1000000ULL);
	else if (i < 100000000000000ULL)
		fprintf(out, "%8lluG", i / 1000000000ULL);
	else
		fprintf(out, "%8lluT", i / 1000000000000ULL);
}

/* ---- pieces of a line ----------------------------------------------------- */

static const char *fwd_name(uint32_t conn_flags)
{
	switch (conn_flags & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_MASQ:
		return "Masq";
	case IP_VS_CONN_F_LOCALNODE:
		return "Local";
	case IP_VS_CONN_F_TUNNEL:
		return "Tunnel";
	case IP_VS_CONN_F_DROUTE:
		return "Route";
	default:
		return "(null)"; /* ipvsadm passes NULL to printf; glibc prints this */
	}
}

static const char *fwd_switch(uint32_t conn_flags)
{
	switch (conn_flags & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_MASQ:
		return "-m";
	case IP_VS_CONN_F_TUNNEL:
		return "-i";
	case IP_VS_CONN_F_LOCALNODE: /* saved as -g: comes back as Route */
	case IP_VS_CONN_F_DROUTE:
		return "-g";
	default:
		return "(null)";
	}
}

static const char *const tun_names[] = { "ipip", "gue", "gre" };
static const char *const tun_csum_short[] = { "-c", "+c", "r+c" };
static const char *const tun_csum_opt[] = { "--tun-nocsum", "--tun-csum", "--tun-remcsum" };

/*
 * ipvsadm indexes a 3-entry table with tun_flags; the kernel accepts any u16,
 * and a value of 3 or more reads past the table (undefined). kipvs prints "?".
 */
static const char *tun_csum(const char *const *tab, uint16_t flags)
{
	return flags < 3 ? tab[flags] : "?";
}

/* --tun-info column: NULL means "n/a". */
static const char *tun_info(char *buf, size_t len, const struct ipvs_dest *d)
{
	if ((d->conn_flags & IP_VS_CONN_F_FWD_MASK) != IP_VS_CONN_F_TUNNEL)
		return NULL;
	switch (d->tun_type) {
	case IP_VS_CONN_F_TUNNEL_TYPE_IPIP:
		snprintf(buf, len, "%s", tun_names[d->tun_type]);
		return buf;
	case IP_VS_CONN_F_TUNNEL_TYPE_GUE:
		snprintf(buf, len, "%s:%d:%s", tun_names[d->tun_type], (int)d->tun_port,
		         tun_csum(tun_csum_short, d->tun_flags));
		return buf;
	case IP_VS_CONN_F_TUNNEL_TYPE_GRE:
		snprintf(buf, len, "%s:%s", tun_names[d->tun_type],
		         tun_csum(tun_csum_short, d->tun_flags));
		return buf;
	default:
		return NULL;
	}
}

/* Scheduler flag names joined by commas; "" when none of the known ones is set. */
static void sched_flags(char *buf, size_t len, const struct ipvs_service *s)
{
	const char *n[3] = { NULL, NULL, NULL };
	size_t k = 0;

	if (!strcmp(s->sched_name, "sh")) {
		n[0] = s->flags & IP_VS_SVC_F_SCHED_SH_FALLBACK ? "sh-fallback" : NULL;
		n[1] = s->flags & IP_VS_SVC_F_SCHED_SH_PORT ? "sh-port" : NULL;
	} else if (!strcmp(s->sched_name, "mh")) {
		n[0] = s->flags & IP_VS_SVC_F_SCHED1 ? "mh-fallback" : NULL;
		n[1] = s->flags & IP_VS_SVC_F_SCHED2 ? "mh-port" : NULL;
	} else {
		n[0] = s->flags & IP_VS_SVC_F_SCHED1 ? "flag-1" : NULL;
		n[1] = s->flags & IP_VS_SVC_F_SCHED2 ? "flag-2" : NULL;
		n[2] = s->flags & IP_VS_SVC_F_SCHED3 ? "flag-3" : NULL;
	}
	buf[0] = '\0';
	for (int i = 0; i < 3; i++) {
		if (!n[i])
			continue;
		k += (size_t)snprintf(buf + k, len - k, "%s%s", k ? "," : "", n[i]);
		if (k >= len)
			break;
	}
}

/* The IPv4 persistence mask as inet_ntoa prints it (the u32 holds the wire bytes). */
static const char *mask_v4(char *buf, uint32_t netmask)
{
	struct in_addr m;

	memcpy(&m, &netmask, 4);
	inet_ntop(AF_INET, &m, buf, INET_ADDRSTRLEN);
	return buf;
}

static const char *save_proto_option(uint16_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "-t";
	case IPPROTO_UDP:
		return "-u";
	case IPPROTO_SCTP:
		return "--sctp-service";
	default:
		return "--xxx-service";
	}
}

static const char *list_proto_name(uint16_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_SCTP:
		return "SCTP";
	default:
		return "?";
	}
}

/*
 * The service column: "TCP  10.96.0.1:443" / "FWM  2 IPv6" for listings,
 * "-t 10.96.0.1:443" / "-f 2 -6" for -S. fwmarks print signed (%d) in 1.31.
 * A non-IPv6 listing name is cut to 33 characters.
 */
static void service_name(char *buf, size_t len, const struct ipvs_service *s, bool rule,
                         unsigned fmt)
{
	char name[IPVS_PRINT_NAMELEN];
	bool v6 = s->addr.af == AF_INET6;

	if (s->fwmark) {
		if (rule)
			snprintf(buf, len, "-f %d%s", (int)s->fwmark, v6 ? " -6" : "");
		else
			snprintf(buf, len, "FWM  %d%s", (int)s->fwmark, v6 ? " IPv6" : "");
		return;
	}
	ipvs_print_addrport(name, s->addr.af, &s->addr.a, s->port, s->protocol, fmt);
	if (rule) {
		snprintf(buf, len, "%s %s", save_proto_option(s->protocol), name);
		return;
	}
	snprintf(buf, len, "%-4s %s", list_proto_name(s->protocol), name);
	if (!v6 && len > 33)
		buf[33] = '\0';
}

/* ---- -L ------------------------------------------------------------------- */

static void print_title(FILE *out, unsigned fmt)
{
	static const char rs[] = "  -> RemoteAddress:Port\n";
	static const char pl[] = "Prot LocalAddress:Port";

	if (fmt & IPVS_FMT_STATS)
		fprintf(out, "%-33s %8s %8s %8s %8s %8s\n%s", pl, "Conns", "InPkts", "OutPkts",
		        "InBytes", "OutBytes", rs);
	else if (fmt & IPVS_FMT_RATE)
		fprintf(out, "%-33s %8s %8s %8s %8s %8s\n%s", pl, "CPS", "InPPS", "OutPPS", "InBPS",
		        "OutBPS", rs);
	else if (fmt & IPVS_FMT_THRESHOLDS)
		fprintf(out, "%-33s %-10s %-10s %-10s %-10s\n%s", pl, "Uthreshold", "Lthreshold",
		        "ActiveConn", "InActConn", rs);
	else if (fmt & IPVS_FMT_PERSISTENTCONN)
		fprintf(out, "%-33s %-9s %-11s %-10s %-10s\n%s", pl, "Weight", "PersistConn",
		        "ActiveConn", "InActConn", rs);
	else if (fmt & IPVS_FMT_TUN_INFO)
		fputs("Prot LocalAddress:Port Scheduler Flags\n"
		      "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn "
		      "InActConn\n",
		      out);
	else
		fputs("Prot LocalAddress:Port Scheduler Flags\n"
		      "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n",
		      out);
}

static void print_service_line(FILE *out, const struct ipvs_vs *vs, unsigned fmt)
{
	char name[1024], buf[64];
	const struct ipvs_service *s = &vs->svc;
	const struct ipvs_stats *st = ipvs_vs_stats_or_zero(vs, NULL);

	service_name(name, sizeof(name), s, false, fmt);
	if (fmt & IPVS_FMT_STATS) {
		fprintf(out, "%-33s", name);
		ipvs_print_number(out, st->conns, fmt);
		ipvs_print_number(out, st->inpkts, fmt);
		ipvs_print_number(out, st->outpkts, fmt);
		ipvs_print_number(out, st->inbytes, fmt);
		ipvs_print_number(out, st->outbytes, fmt);
	} else if (fmt & IPVS_FMT_RATE) {
		fprintf(out, "%-33s", name);
		ipvs_print_number(out, st->cps, fmt);
		ipvs_print_number(out, st->inpps, fmt);
		ipvs_print_number(out, st->outpps, fmt);
		ipvs_print_number(out, st->inbps, fmt);
		ipvs_print_number(out, st->outbps, fmt);
	} else {
		fprintf(out, "%s %s", name, s->sched_name);
		/* The wrapper prints for any of the 3 bits: "sh ()" with only SCHED3. */
		if (s->flags & SCHED_FLAGS) {
			sched_flags(buf, sizeof(buf), s);
			fprintf(out, " (%s)", buf);
		}
		if (s->flags & IP_VS_SVC_F_PERSISTENT) {
			fprintf(out, " persistent %u", s->timeout);
			if (s->addr.af == AF_INET && s->netmask != 0xffffffffU)
				fprintf(out, " mask %s", mask_v4(buf, s->netmask));
			if (s->addr.af == AF_INET6 && s->netmask != 128)
				fprintf(out, " mask %i", (int)s->netmask);
			if (s->pe_name[0])
				fprintf(out, " pe %.*s", (int)sizeof(s->pe_name), s->pe_name);
		}
		if (s->flags & IP_VS_SVC_F_ONEPACKET)
			fputs(" ops", out);
	}
	fputc('\n', out);
}

/*
 * libipvs parses a destination's STATS64 with its 32-bit getters: on
 * little-endian that keeps the low 32 bits of every counter and rate except
 * the byte counters (read as u64).
 */
static uint64_t cut32(uint64_t v)
{
	return (uint32_t)v;
}

static void print_dest_line(FILE *out, const struct ipvs_vs *vs, const struct ipvs_dest *d,
                            unsigned fmt)
{
	char name[IPVS_PRINT_NAMELEN], ti[16];
	const struct ipvs_service *s = &vs->svc;
	const struct ipvs_stats *st = ipvs_vs_stats_or_zero(vs, d);
	const char *tinfo;

	ipvs_print_addrport(name, d->addr.af, &d->addr.a, d->port, s->protocol, fmt);
	if (d->addr.af != AF_INET6)
		name[28] = '\0';

	if (fmt & IPVS_FMT_STATS) {
		fprintf(out, "  -> %-28s", name);
		ipvs_print_number(out, cut32(st->conns), fmt);
		ipvs_print_number(out, cut32(st->inpkts), fmt);
		ipvs_print_number(out, cut32(st->outpkts), fmt);
		ipvs_print_number(out, st->inbytes, fmt);
		ipvs_print_number(out, st->outbytes, fmt);
		fputc('\n', out);
	} else if (fmt & IPVS_FMT_RATE) {
		/* cps/inpps/outpps are raw: never scaled, not widened by --exact. */
		fprintf(out, "  -> %-28s %8llu %8llu %8llu", name,
		        (unsigned long long)cut32(st->cps), (unsigned long long)cut32(st->inpps),
		        (unsigned long long)cut32(st->outpps));
		ipvs_print_number(out, cut32(st->inbps), fmt);
		ipvs_print_number(out, cut32(st->outbps), fmt);
		fputc('\n', out);
	} else if (fmt & IPVS_FMT_THRESHOLDS) {
		fprintf(out, "  -> %-28s %-10u %-10u %-10u %-10u\n", name, d->u_threshold,
		        d->l_threshold, d->active_conns, d->inact_conns);
	} else if (fmt & IPVS_FMT_PERSISTENTCONN) {
		fprintf(out, "  -> %-28s %-9u %-11u %-10u %-10u\n", name, (unsigned)d->weight,
		        d->persist_conns, d->active_conns, d->inact_conns);
	} else if (fmt & IPVS_FMT_TUN_INFO) {
		tinfo = tun_info(ti, sizeof(ti), d);
		fprintf(out, "  -> %-28s %-7s %-13s %-6d %-10u %-10u\n", name,
		        fwd_name(d->conn_flags), tinfo ? tinfo : "n/a", (int)d->weight,
		        d->active_conns, d->inact_conns);
	} else {
		fprintf(out, "  -> %-28s %-7s %-6d %-10u %-10u\n", name, fwd_name(d->conn_flags),
		        (int)d->weight, d->active_conns, d->inact_conns);
	}
}

static int print_vs(FILE *out, const struct ipvs_vs *vs, unsigned fmt)
{
	const struct ipvs_dest **d;
	int err;

	err = ipvs_sort_dests(vs, !(fmt & IPVS_FMT_NOSORT), &d);
	if (err)
		return err;
	print_service_line(out, vs, fmt);
	for (size_t i = 0; i < vs->n_dests; i++)
		print_dest_line(out, vs, d[i], fmt);
	free(d);
	return 0;
}

int ipvs_print_list(FILE *out, const struct ipvs_info *info, const struct ipvs_table *t,
                    unsigned fmt)
{
	const struct ipvs_vs **v;
	int err;

	err = ipvs_sort_services(t, !(fmt & IPVS_FMT_NOSORT), &v);
	if (err)
		return err;
	if (info)
		fprintf(out, "IP Virtual Server version %u.%u.%u (size=%d)\n",
		        (info->version >> 16) & 0xff, (info->version >> 8) & 0xff,
		        info->version & 0xff, (int)info->conn_tab_size);
	print_title(out, fmt);
	for (size_t i = 0; i < t->n && !err; i++)
		err = print_vs(out, v[i], fmt);
	free(v);
	return err ? err : out_status(out);
}

int ipvs_print_one(FILE *out, const struct ipvs_vs *vs, unsigned fmt)
{
	int err;

	print_title(out, fmt);
	err = print_vs(out, vs, fmt);
	return err ? err : out_status(out);
}

/* ---- -S ------------------------------------------------------------------- */

static void save_service(FILE *out, const char *name, const struct ipvs_service *s)
{
	char buf[64];

	fprintf(out, "-A %s -s %s", name, s->sched_name);
	if (s->flags & IP_VS_SVC_F_PERSISTENT) {
		fprintf(out, " -p %u", s->timeout);
		if (s->addr.af == AF_INET && s->netmask != 0xffffffffU)
			fprintf(out, " -M %s", mask_v4(buf, s->netmask));
		if (s->addr.af == AF_INET6 && s->netmask != 128)
			fprintf(out, " -M %i", (int)s->netmask);
	}
	/* Saved even when not persistent (the listing shows it only under -p). */
	if (s->pe_name[0])
		fprintf(out, " --pe %.*s", (int)sizeof(s->pe_name), s->pe_name);
	if (s->flags & IP_VS_SVC_F_ONEPACKET)
		fputs(" -o", out);
	if (s->flags & SCHED_FLAGS) {
		/* "-b " with nothing after it for sh/mh with only SCHED3. */
		sched_flags(buf, sizeof(buf), s);
		fprintf(out, " -b %s", buf);
	}
	fputc('\n', out);
}

static void save_dest(FILE *out, const char *svc, const struct ipvs_service *s,
                      const struct ipvs_dest *d, unsigned fmt)
{
	char name[IPVS_PRINT_NAMELEN];

	ipvs_print_addrport(name, d->addr.af, &d->addr.a, d->port, s->protocol, fmt);
	fprintf(out, "-a %s -r %s %s -w %d", svc, name, fwd_switch(d->conn_flags), (int)d->weight);
	if ((d->conn_flags & IP_VS_CONN_F_FWD_MASK) == IP_VS_CONN_F_TUNNEL) {
		switch (d->tun_type) {
		case IP_VS_CONN_F_TUNNEL_TYPE_GRE:
			fprintf(out, " --tun-type %s %s", tun_names[d->tun_type],
			        tun_csum(tun_csum_opt, d->tun_flags));
			break;
		case IP_VS_CONN_F_TUNNEL_TYPE_GUE:
			fprintf(out, " --tun-type %s --tun-port %d %s", tun_names[d->tun_type],
			        (int)d->tun_port, tun_csum(tun_csum_opt, d->tun_flags));
			break;
		case IP_VS_CONN_F_TUNNEL_TYPE_IPIP:
			fprintf(out, " --tun-type %s", tun_names[d->tun_type]);
			break;
		default:
			break;
		}
	}
	fputc('\n', out);
}

void ipvs_print_service_id(char *buf, size_t len, const struct ipvs_service *s, unsigned fmt)
{
	service_name(buf, len, s, true, fmt);
}

int ipvs_print_save_service(FILE *out, const struct ipvs_service *s, unsigned fmt)
{
	char name[IPVS_PRINT_NAMELEN + 32];

	service_name(name, sizeof(name), s, true, fmt);
	save_service(out, name, s);
	return out_status(out);
}

int ipvs_print_save_dest(FILE *out, const struct ipvs_service *s, const struct ipvs_dest *d,
                         unsigned fmt)
{
	char name[IPVS_PRINT_NAMELEN + 32];

	service_name(name, sizeof(name), s, true, fmt);
	save_dest(out, name, s, d, fmt);
	return out_status(out);
}

int ipvs_print_save(FILE *out, const struct ipvs_table *t, unsigned fmt)
{
	const struct ipvs_vs **v;
	const struct ipvs_dest **d;
	char name[1024];
	int err;

	err = ipvs_sort_services(t, true, &v);
	if (err)
		return err;
	for (size_t i = 0; i < t->n && !err; i++) {
		err = ipvs_sort_dests(v[i], true, &d);
		if (err)
			break;
		service_name(name, sizeof(name), &v[i]->svc, true, fmt);
		save_service(out, name, &v[i]->svc);
		for (size_t j = 0; j < v[i]->n_dests; j++)
			save_dest(out, name, &v[i]->svc, d[j], fmt);
		free(d);
	}
	free(v);
	return err ? err : out_status(out);
}

/* ---- --timeout, --daemon -------------------------------------------------- */

int ipvs_print_timeouts(FILE *out, const struct ipvs_timeouts *t)
{
	fprintf(out, "Timeout (tcp tcpfin udp): %d %d %d\n", (int)t->tcp, (int)t->tcp_fin,
	        (int)t->udp);
	return out_status(out);
}

int ipvs_print_daemons(FILE *out, const struct ipvs_daemon *d, size_t n)
{
	char group[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++) {
		const char *type;

		if (d[i].state & IP_VS_STATE_MASTER)
			type = "master";
		else if (d[i].state & IP_VS_STATE_BACKUP)
			type = "backup";
		else
			continue;
		fprintf(out, "%s sync daemon (mcast=%.*s, syncid=%d", type,
		        (int)sizeof(d[i].mcast_ifn), d[i].mcast_ifn, (int)d[i].syncid);
		if (d[i].sync_maxlen)
			fprintf(out, ", maxlen=%u", (unsigned)d[i].sync_maxlen);
		if (d[i].mcast_group.af &&
		    inet_ntop(d[i].mcast_group.af, d[i].mcast_group.a.b, group, sizeof(group)))
			fprintf(out, ", group=%s", group);
		if (d[i].mcast_port)
			fprintf(out, ", port=%u", (unsigned)d[i].mcast_port);
		if (d[i].mcast_ttl)
			fprintf(out, ", ttl=%u", (unsigned)d[i].mcast_ttl);
		fputs(")\n", out);
	}
	return out_status(out);
}
