/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-L -c`: the connection listing. There is no netlink dump of connections;
 * ipvsadm reads /proc/net/ip_vs_conn, so this does too (the caller opens it).
 * The kernel's text is
 *   Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
 *   TCP 0A600001 C938 0A600001 01BB 0AF40103 192B SYN_RECV         53
 * with IPv4 addresses in hex and IPv6 ones in text form.
 */
#include "ipvs_print.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* One whitespace-separated field, at most @len - 1 bytes kept. */
static const char *next_field(const char *p, char *buf, size_t len, bool *found)
{
	size_t n = 0;

	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')
		p++;
	*found = *p != '\0';
	while (*p &&
	       !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\v' || *p == '\f')) {
		if (n + 1 < len)
			buf[n++] = *p;
		p++;
	}
	buf[n] = '\0';
	return p;
}

/* sscanf's %hX: hex digits (optional 0x), truncated to 16 bits; false if none. */
static bool parse_hex16(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 16);

	if (end == s)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* sscanf's %d into an unsigned: decimal with an optional sign. */
static bool parse_dec(const char *s, unsigned *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s)
		return false;
	*out = (unsigned)v;
	return true;
}

/*
 * An address field: IPv6 text, IPv4 text, or the kernel's 8 hex digits.
 * Returns the family.
 */
static uint16_t parse_conn_addr(const char *s, union addr_raw *a, uint16_t force_af)
{
	memset(a, 0, sizeof(*a));
	if (force_af != AF_INET && inet_pton(AF_INET6, s, a->b) == 1)
		return AF_INET6;
	if (force_af == AF_INET6) /* ipvsadm keeps whatever inet_pton made of it */
		return AF_INET6;
	if (inet_pton(AF_INET, s, a->b) == 1)
		return AF_INET;
	a->w[0] = htonl((uint32_t)strtoul(s, NULL, 16));
	return AF_INET;
}

static uint16_t conn_proto(const char *name)
{
	if (!strcmp(name, "TCP"))
		return IPPROTO_TCP;
	if (!strcmp(name, "UDP"))
		return IPPROTO_UDP;
	if (!strcmp(name, "SCTP"))
		return IPPROTO_SCTP;
	return 0;
}

/*
 * One line, as ipvsadm's sscanf("%s %s %hX %s %hX %s %hX %s %d %s %s") sees
 * it: fields stop converting at the first one that does not parse; the PE
 * columns are printed only when all 11 converted.
 */
static int print_conn_line(FILE *out, const char *line, unsigned fmt)
{
	char f[11][256];
	bool found[11];
	const char *p = line;
	int n = 0;
	uint16_t cport = 0, vport = 0, dport = 0, proto, af, daf;
	unsigned expires = 0;
	union addr_raw caddr, vaddr, daddr;
	char cname[IPVS_PRINT_NAMELEN], vname[IPVS_PRINT_NAMELEN], dname[IPVS_PRINT_NAMELEN];
	char expire[32];

	for (int i = 0; i < 11; i++)
		p = next_field(p, f[i], sizeof(f[i]), &found[i]);
	if (!found[0])
		return -EBADMSG; /* sscanf returned EOF: ipvsadm exits 1 here */
	/* Count conversions the way sscanf would. */
	for (n = 0; n < 11 && found[n]; n++) {
		if ((n == 2 && !parse_hex16(f[2], &cport)) ||
		    (n == 4 && !parse_hex16(f[4], &vport)) ||
		    (n == 6 && !parse_hex16(f[6], &dport)) ||
		    (n == 8 && !parse_dec(f[8], &expires)))
			break;
	}
	/* Unconverted fields keep ipvsadm's uninitialised values; use empty ones. */
	for (int i = n; i < 11; i++)
		f[i][0] = '\0';

	proto = conn_proto(f[0]);
	af = parse_conn_addr(f[1], &caddr, 0);
	parse_conn_addr(f[3], &vaddr, af);
	daf = parse_conn_addr(f[5], &daddr, 0);

	ipvs_print_addrport(cname, af, &caddr, cport, proto, fmt);
	ipvs_print_addrport(vname, af, &vaddr, vport, proto, fmt);
	ipvs_print_addrport(dname, daf, &daddr, dport, proto, fmt);
	snprintf(expire, sizeof(expire), "%02d:%02d", (int)(expires / 60), (int)(expires % 60));

	/* The PE form pads destination to 16 and pe name to 18: not the header's widths. */
	if ((fmt & IPVS_FMT_PERSISTENTCONN) && n == 11)
		fprintf(out, "%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s\n", f[0], expire, f[7],
		        cname, vname, dname, f[9], f[10]);
	else
		fprintf(out, "%-3s %-6s %-11s %-18s %-18s %s\n", f[0], expire, f[7], cname, vname,
		        dname);
	return 0;
}

int ipvs_print_conns(FILE *out, FILE *in, unsigned fmt)
{
	/* ipvsadm reads with a 256-byte buffer: longer lines come in pieces. */
	char line[256];
	int err = 0;

	if (!fgets(line, sizeof(line), in))
		return -ENODATA;
	fputs("IPVS connection entries\n", out);
	if (fmt & IPVS_FMT_PERSISTENTCONN)
		fprintf(out, "pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source",
		        "virtual", "destination", "pe name", "pe_data");
	else
		fprintf(out, "pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual",
		        "destination");
	while (!err && fgets(line, sizeof(line), in))
		err = print_conn_line(out, line, fmt);
	if (err)
		return err;
	return ferror(out) ? -EIO : 0;
}
