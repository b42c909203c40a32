/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nlreplay — rebuilds binary IPVS replies from a probe decode and runs them
 * through the real decoders. The decode's grammar, line by line:
 *
 *   == IPVS_CMD_GET_SERVICE (dump)             a section (one request)
 *   == IPVS_CMD_GET_DEST (dump) for service #N
 *   msg: nlmsg_type=32 flags=0x2 genl.cmd=1 genl.version=1
 *     SERVICE(1) len=296 {                     a nest: type, payload length
 *       AF(1) len=2 bytes=0200 u16=2 ...       a leaf: type, length, raw bytes
 *     }
 *   GET_SERVICE dump   -> 0 [22 data msgs]     the section's end and its count
 *
 * Indentation is two spaces per level; the message's own attributes are at
 * two. Nests are written without NLA_F_NESTED, as the kernel sends them.
 */
#include "nlreplay.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../../ipvs/ipvs_nl.h"
#include "../unit.h"

#define MAX_DEPTH 8

struct builder {
	uint8_t *buf;
	size_t len, cap;
	size_t nest_off[MAX_DEPTH];  /* offset of each open nest's header */
	size_t nest_decl[MAX_DEPTH]; /* its declared payload length */
	int depth;                   /* open nests */
	bool open;                   /* a message is being built */
};

struct section {
	enum nlreplay_kind kind;
	size_t svc_index;
	size_t n_msgs;
	bool open;
};

static int grow(struct builder *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 1024;
	uint8_t *nb;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	nb = realloc(b->buf, cap);
	if (!nb)
		return -ENOMEM;
	b->buf = nb;
	b->cap = cap;
	return 0;
}

static int put(struct builder *b, const void *data, size_t n)
{
	if (grow(b, n) < 0)
		return -ENOMEM;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return 0;
}

static int pad(struct builder *b)
{
	static const uint8_t zero[4];
	size_t n = NLA_ALIGN(b->len) - b->len;

	return n ? put(b, zero, n) : 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "NAME(TYPE) len=LEN" at @p: the type and length. Returns the rest or NULL. */
static const char *attr_head(const char *p, unsigned long *type, unsigned long *len)
{
	const char *lp = strchr(p, '(');
	char *end;

	if (!lp)
		return NULL;
	*type = strtoul(lp + 1, &end, 10);
	if (end == lp + 1 || strncmp(end, ") len=", 6) != 0)
		return NULL;
	p = end + 6;
	*len = strtoul(p, &end, 10);
	if (end == p)
		return NULL;
	return end;
}

static int leaf(struct builder *b, unsigned long type, unsigned long len, const char *rest)
{
	const char *hex = strstr(rest, "bytes=");
	struct nlattr nla;

	if (!hex || type > 0x3fff || len > 0xfff0)
		return -EINVAL;
	hex += 6;
	nla.nla_len = (uint16_t)(NLA_HDRLEN + len);
	nla.nla_type = (uint16_t)type;
	if (put(b, &nla, sizeof(nla)) < 0)
		return -ENOMEM;
	for (unsigned long i = 0; i < len; i++) {
		int hi = hexval(hex[2 * i]), lo = hi < 0 ? -1 : hexval(hex[2 * i + 1]);
		uint8_t byte;

		if (hi < 0 || lo < 0)
			return -EINVAL;
		byte = (uint8_t)(hi << 4 | lo);
		if (put(b, &byte, 1) < 0)
			return -ENOMEM;
	}
	/* Exactly @len bytes: the next character ends the hex run. */
	if (hexval(hex[2 * len]) >= 0)
		return -EINVAL;
	return pad(b);
}

static int nest_open(struct builder *b, unsigned long type, unsigned long len)
{
	struct nlattr nla = { .nla_len = 0, .nla_type = (uint16_t)type };

	if (b->depth >= MAX_DEPTH || type > 0x3fff)
		return -EINVAL;
	b->nest_off[b->depth] = b->len;
	b->nest_decl[b->depth] = len;
	b->depth++;
	return put(b, &nla, sizeof(nla));
}

static int nest_close(struct builder *b)
{
	struct nlattr *nla;
	size_t total;

	if (b->depth == 0)
		return -EINVAL;
	b->depth--;
	total = b->len - b->nest_off[b->depth];
	/* The decode's len is the payload: children with their padding. */
	if (total - NLA_HDRLEN != b->nest_decl[b->depth] || total > 0xffff)
		return -EINVAL;
	nla = (struct nlattr *)(b->buf + b->nest_off[b->depth]);
	nla->nla_len = (uint16_t)total;
	return 0;
}

static int msg_open(struct builder *b, const char *line)
{
	unsigned type, flags, cmd, version;
	struct nlmsghdr nlh;
	struct genlmsghdr g;

	if (sscanf(line, "msg: nlmsg_type=%u flags=%x genl.cmd=%u genl.version=%u", &type, &flags,
	           &cmd, &version) != 4)
		return -EINVAL;
	memset(&nlh, 0, sizeof(nlh));
	memset(&g, 0, sizeof(g));
	nlh.nlmsg_type = (uint16_t)type;
	nlh.nlmsg_flags = (uint16_t)flags;
	g.cmd = (uint8_t)cmd;
	g.version = (uint8_t)version;
	b->len = 0;
	b->depth = 0;
	b->open = true;
	if (put(b, &nlh, sizeof(nlh)) < 0 || put(b, &g, sizeof(g)) < 0)
		return -ENOMEM;
	return 0;
}

static int add_msg(struct nlreplay *r, const struct section *sec, const struct builder *b)
{
	struct nlreplay_msg *nm;
	struct nlmsghdr *nlh;

	nm = realloc(r->msgs, (r->n_msgs + 1) * sizeof(*nm));
	if (!nm)
		return -ENOMEM;
	r->msgs = nm;
	nlh = malloc(b->len);
	if (!nlh)
		return -ENOMEM;
	memcpy(nlh, b->buf, b->len);
	nlh->nlmsg_len = (uint32_t)b->len;
	nm[r->n_msgs].kind = sec->kind;
	nm[r->n_msgs].svc_index = sec->svc_index;
	nm[r->n_msgs].nlh = nlh;
	r->n_msgs++;
	return 0;
}

static int msg_close(struct nlreplay *r, struct section *sec, struct builder *b)
{
	if (!b->open)
		return 0;
	b->open = false;
	if (b->depth != 0 || !sec->open)
		return -EINVAL;
	sec->n_msgs++;
	return add_msg(r, sec, b);
}

static int section_open(struct section *sec, const char *line)
{
	const char *hash;
	char *end;

	memset(sec, 0, sizeof(*sec));
	if (strstr(line, "GET_INFO"))
		sec->kind = NLREPLAY_INFO;
	else if (strstr(line, "GET_CONFIG"))
		sec->kind = NLREPLAY_CONFIG;
	else if (strstr(line, "GET_DAEMON"))
		sec->kind = NLREPLAY_DAEMON;
	else if (strstr(line, "GET_SERVICE"))
		sec->kind = NLREPLAY_SERVICE;
	else if (strstr(line, "GET_DEST")) {
		sec->kind = NLREPLAY_DEST;
		hash = strstr(line, "for service #");
		if (!hash)
			return -EINVAL;
		hash += strlen("for service #");
		sec->svc_index = strtoul(hash, &end, 10);
		if (end == hash)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	sec->open = true;
	return 0;
}

/* "GET_X ... -> 0 [N data msgs]": the section's end; N must match. */
static int section_close(struct section *sec, const char *line)
{
	const char *br = strstr(line, "-> ");
	unsigned long n;
	char *end;

	if (!sec->open || !br)
		return -EINVAL;
	br = strchr(br, '[');
	if (!br)
		return -EINVAL;
	n = strtoul(br + 1, &end, 10);
	if (end == br + 1 || strncmp(end, " data msg", 9) != 0 || n != sec->n_msgs)
		return -EINVAL;
	sec->open = false;
	return 0;
}

static int parse_line(struct nlreplay *r, struct section *sec, struct builder *b, const char *line)
{
	unsigned long type, len;
	const char *p = line, *rest;
	int indent;

	while (*p == ' ')
		p++;
	indent = (int)(p - line);
	if (*p == '\0')
		return 0;
	if (indent == 0) {
		int err = msg_close(r, sec, b);

		if (err < 0)
			return err;
		if (!strncmp(p, "== ", 3))
			return section_open(sec, p);
		if (!strncmp(p, "msg: ", 5))
			return sec->open ? msg_open(b, p) : -EINVAL;
		return section_close(sec, p);
	}
	if (!b->open || indent % 2 || indent / 2 - 1 != b->depth - (*p == '}'))
		return -EINVAL;
	if (*p == '}')
		return nest_close(b);
	rest = attr_head(p, &type, &len);
	if (!rest)
		return -EINVAL;
	if (!strcmp(rest, " {"))
		return nest_open(b, type, len);
	return leaf(b, type, len, rest);
}

/* Runs the rebuilt messages through the module's decoders. */
static int decode(struct nlreplay *r)
{
	for (size_t i = 0; i < r->n_msgs; i++) {
		const struct nlreplay_msg *m = &r->msgs[i];
		struct ipvs_service svc;
		struct ipvs_dest d;
		struct ipvs_stats st;
		struct ipvs_vs *vs;
		int err = 0;

		switch (m->kind) {
		case NLREPLAY_INFO:
			err = ipvs_parse_info_msg(m->nlh, &r->info);
			r->has_info = err == 0;
			break;
		case NLREPLAY_CONFIG:
			err = ipvs_parse_timeouts_msg(m->nlh, &r->timeouts);
			r->has_timeouts = err == 0;
			break;
		case NLREPLAY_DAEMON:
			if (r->n_daemons == 2)
				return -EINVAL;
			err = ipvs_parse_daemon_msg(m->nlh, &r->daemons[r->n_daemons++]);
			break;
		case NLREPLAY_SERVICE:
			err = ipvs_parse_service_msg(m->nlh, &svc, &st);
			if (!err && !(vs = ipvs_table_add(&r->table, &svc)))
				err = -ENOMEM;
			if (!err)
				*ipvs_vs_stats(vs, NULL) = st;
			break;
		case NLREPLAY_DEST:
			if (m->svc_index >= r->table.n)
				return -EINVAL;
			vs = &r->table.vs[m->svc_index];
			err = ipvs_parse_dest_msg(m->nlh, &d, &st);
			if (!err && !d.addr.af) /* no ADDR_FAMILY: the service's */
				d.addr.af = vs->svc.addr.af;
			if (!err)
				err = ipvs_vs_add_dest(vs, &d);
			if (!err)
				*ipvs_vs_stats(vs, &vs->dests[vs->n_dests - 1]) = st;
			break;
		}
		if (err < 0)
			return err;
	}
	return 0;
}

int nlreplay_parse(const char *text, struct nlreplay *out)
{
	struct builder b = { 0 };
	struct section sec = { 0 };
	const char *p = text;
	char *line = NULL;
	size_t line_cap = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	ipvs_table_init(&out->table);
	out->table.with_stats = true; /* the printers' --stats/--rate goldens */
	while (*p && !err) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n + 1 > line_cap) {
			char *nlb = realloc(line, n + 1);

			if (!nlb) {
				err = -ENOMEM;
				break;
			}
			line = nlb;
			line_cap = n + 1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		err = parse_line(out, &sec, &b, line);
		p += n + (nl ? 1 : 0);
	}
	if (!err)
		err = msg_close(out, &sec, &b);
	if (!err && (sec.open || out->n_msgs == 0))
		err = -EINVAL;
	if (!err)
		err = decode(out);
	free(line);
	free(b.buf);
	if (err)
		nlreplay_free(out);
	return err;
}

int nlreplay_load(const char *path, struct nlreplay *out)
{
	size_t len;
	char *text = unit_read_file(path, &len);
	int err;

	memset(out, 0, sizeof(*out));
	if (!text)
		return errno == ENOENT ? -ENOENT : -EIO;
	err = nlreplay_parse(text, out);
	free(text);
	return err;
}

void nlreplay_free(struct nlreplay *r)
{
	if (!r)
		return;
	ipvs_table_free(&r->table);
	for (size_t i = 0; i < r->n_msgs; i++)
		free(r->msgs[i].nlh);
	free(r->msgs);
	memset(r, 0, sizeof(*r));
}
