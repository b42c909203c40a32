/* SPDX-License-Identifier: Apache-2.0 */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int addr_parse(const char *s, struct net_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &out->a.v4) == 1) {
		out->af = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &out->a.v6) == 1) {
		out->af = AF_INET6;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

const char *addr_fmt(const struct net_addr *a, char *buf)
{
	buf[0] = '\0';
	if (a->af == AF_INET || a->af == AF_INET6)
		inet_ntop(a->af, a->a.b, buf, ADDR_STRLEN);
	return buf;
}

const char *addr_port_fmt(const struct net_addr *a, uint16_t port, char *buf)
{
	char ip[ADDR_STRLEN];

	addr_fmt(a, ip);
	if (a->af == AF_INET6)
		snprintf(buf, ADDR_STRLEN, "[%s]:%u", ip, (unsigned)port);
	else
		snprintf(buf, ADDR_STRLEN, "%s:%u", ip, (unsigned)port);
	return buf;
}

bool addr_eq(const struct net_addr *x, const struct net_addr *y)
{
	return x->af == y->af && memcmp(x->a.b, y->a.b, 16) == 0;
}

int addr_cmp(const struct net_addr *x, const struct net_addr *y)
{
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	return memcmp(x->a.b, y->a.b, 16);
}

bool addr_is_loopback(const struct net_addr *a)
{
	if (a->af == AF_INET)
		return a->a.b[0] == 127;
	if (a->af == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&a->a.v6);
	return false;
}

bool addr_is_link_local(const struct net_addr *a)
{
	return a->af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->a.v6);
}

void addr_unmap(struct net_addr *a)
{
	if (a->af == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&a->a.v6)) {
		uint32_t v4 = a->a.w[3];

		memset(&a->a, 0, sizeof(a->a));
		a->a.w[0] = v4;
		a->af = AF_INET;
	}
}

static void mask_bytes(uint8_t *b, unsigned plen, unsigned total_bits)
{
	for (unsigned i = 0; i < total_bits / 8; i++) {
		unsigned bit = i * 8;

		if (bit >= plen)
			b[i] = 0;
		else if (plen - bit < 8)
			b[i] &= (uint8_t)(0xff << (8 - (plen - bit)));
	}
}

int cidr_parse(const char *s, struct net_cidr *out)
{
	char tmp[ADDR_STRLEN];
	const char *slash;
	struct net_addr a;
	unsigned max, plen;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (addr_parse(tmp, &a) < 0)
		return -EINVAL;
	max = a.af == AF_INET ? 32 : 128;
	plen = max;
	if (slash) {
		char *end;
		unsigned long v;

		if (!slash[1] || slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		v = strtoul(slash + 1, &end, 10);
		if (errno || *end || v > max)
			return -EINVAL;
		plen = (unsigned)v;
	}
	out->af = a.af;
	out->plen = (uint8_t)plen;
	out->a = a.a;
	mask_bytes(out->a.b, plen, max);
	return 0;
}

bool cidr_contains(const struct net_cidr *c, const struct net_addr *a)
{
	union addr_raw m;

	if (c->af != a->af)
		return false;
	m = a->a;
	mask_bytes(m.b, c->plen, c->af == AF_INET ? 32 : 128);
	return memcmp(m.b, c->a.b, 16) == 0;
}

const char *cidr_fmt(const struct net_cidr *c, char *buf)
{
	struct net_addr a = { .af = c->af, .a = c->a };
	char ip[ADDR_STRLEN];

	snprintf(buf, ADDR_STRLEN, "%s/%u", addr_fmt(&a, ip), (unsigned)c->plen);
	return buf;
}
