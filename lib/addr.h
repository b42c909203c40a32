/* SPDX-License-Identifier: Apache-2.0 */
/*
 * addr — IPv4/IPv6 addresses and CIDRs as plain values.
 *
 * One representation everywhere: the family plus 16 raw bytes in network
 * order (IPv4 in the first 4, the rest zero), the same layout the kernel's
 * IPVS attributes use. Values compare with memcmp and hash as bytes.
 */
#ifndef KIPVS_ADDR_H
#define KIPVS_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

union addr_raw {
	struct in_addr v4;
	struct in6_addr v6;
	uint8_t b[16];
	uint32_t w[4]; /* network order words */
};

struct net_addr {
	uint16_t af; /* AF_INET, AF_INET6, or 0 = unset */
	union addr_raw a;
};

struct net_cidr {
	uint16_t af;
	uint8_t plen;
	union addr_raw a; /* masked to plen */
};

/* Long enough for "[v6]:65535" and every string the formatters write. */
#define ADDR_STRLEN 56

/* Parse a numeric IPv4 or IPv6 address (no brackets, no port). 0 or -EINVAL. */
int addr_parse(const char *s, struct net_addr *out) __attribute__((warn_unused_result));
/* inet_ntop into @buf (at least ADDR_STRLEN); "" for an unset address. Returns @buf. */
const char *addr_fmt(const struct net_addr *a, char *buf);
/* "1.2.3.4:80" or "[2001:db8::1]:80". Returns @buf (ADDR_STRLEN). */
const char *addr_port_fmt(const struct net_addr *a, uint16_t port, char *buf);
bool addr_eq(const struct net_addr *x, const struct net_addr *y);
/* Total order: family, then bytes. For sorting and binary search. */
int addr_cmp(const struct net_addr *x, const struct net_addr *y);
bool addr_is_loopback(const struct net_addr *a);
bool addr_is_link_local(const struct net_addr *a); /* fe80::/10 (IPv6 only) */
/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is rewritten as IPv4. */
void addr_unmap(struct net_addr *a);

/* "10.0.0.0/8", "fd00::/64", or a bare address (full-length prefix). 0 or -EINVAL. */
int cidr_parse(const char *s, struct net_cidr *out) __attribute__((warn_unused_result));
bool cidr_contains(const struct net_cidr *c, const struct net_addr *a);
const char *cidr_fmt(const struct net_cidr *c, char *buf);

#endif
