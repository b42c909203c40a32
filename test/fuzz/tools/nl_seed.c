/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl_seed — writes an ipvs_nl fuzz input (see fuzz_ipvs_nl.c) from a
 * recorded probe decode, the text the unit tests replay with nlreplay:
 *
 *   nl_seed PROBE.out FMT FLAGS PER_DATAGRAM [FIRST COUNT] > seed
 *
 * The replies come out in the session's order (info, config, daemons,
 * services, the destinations of each service), each data message as
 * nlreplay rebuilt it with the reply's sequence number (1, 2, ...),
 * PER_DATAGRAM messages to a datagram, and every reply closed by an ACK
 * (do-requests) or NLMSG_DONE (dumps). FIRST and COUNT keep only those
 * services of the dump (and their destinations), for small seeds.
 * Built by `make fuzz-tools`; used once to make the stored seeds.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/support/nlreplay.h"

struct out {
	uint8_t buf[65536] __attribute__((aligned(4)));
	size_t len, in, per;
	uint32_t seq;
};

static void datagram(const uint8_t *p, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len & 0xff), (uint8_t)(len >> 8) };

	fwrite(hdr, 1, 2, stdout);
	fwrite(p, 1, len, stdout);
}

static void flush(struct out *o)
{
	if (o->len)
		datagram(o->buf, o->len);
	o->len = o->in = 0;
}

static void add(struct out *o, const struct nlmsghdr *nlh)
{
	size_t al = NLMSG_ALIGN(nlh->nlmsg_len);

	if (o->len + al > sizeof(o->buf) || o->in == o->per)
		flush(o);
	memcpy(o->buf + o->len, nlh, nlh->nlmsg_len);
	memset(o->buf + o->len + nlh->nlmsg_len, 0, al - nlh->nlmsg_len);
	((struct nlmsghdr *)(o->buf + o->len))->nlmsg_seq = o->seq;
	o->len += al;
	o->in++;
}

/* Ends the reply with an ACK (do-requests) or NLMSG_DONE (dumps). */
static void end_reply(struct out *o, bool ack)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} m;

	flush(o);
	memset(&m, 0, sizeof(m));
	m.h.nlmsg_type = ack ? NLMSG_ERROR : NLMSG_DONE;
	m.h.nlmsg_len = ack ? sizeof(m) : NLMSG_LENGTH(sizeof(int));
	m.h.nlmsg_flags = NLM_F_MULTI;
	m.h.nlmsg_seq = o->seq;
	datagram((const uint8_t *)&m, m.h.nlmsg_len);
	o->seq++;
}

/* The messages of @kind (for NLREPLAY_DEST: of service @svc) as one reply;
 * service messages only for services FIRST..FIRST+COUNT-1. */
static void reply(struct out *o, const struct nlreplay *r, enum nlreplay_kind kind, size_t svc,
                  size_t first, size_t count, bool ack)
{
	size_t n_svc = 0;

	for (size_t i = 0; i < r->n_msgs; i++) {
		const struct nlreplay_msg *m = &r->msgs[i];

		if (m->kind != kind || (kind == NLREPLAY_DEST && m->svc_index != svc))
			continue;
		if (kind == NLREPLAY_SERVICE && (n_svc++ < first || n_svc > first + count))
			continue;
		add(o, m->nlh);
	}
	end_reply(o, ack);
}

int main(int argc, char **argv)
{
	static struct out o = { .seq = 1 };
	struct nlreplay r;
	uint8_t head[2];
	size_t first = 0, count = (size_t)-1 / 2;

	if (argc != 5 && argc != 7) {
		fprintf(stderr, "usage: nl_seed PROBE.out FMT FLAGS PER_DATAGRAM [FIRST COUNT]\n");
		return 2;
	}
	if (nlreplay_load(argv[1], &r)) {
		fprintf(stderr, "nl_seed: cannot load %s\n", argv[1]);
		return 1;
	}
	head[0] = (uint8_t)strtoul(argv[2], NULL, 0);
	head[1] = (uint8_t)strtoul(argv[3], NULL, 0);
	o.per = strtoul(argv[4], NULL, 0);
	if (argc == 7) {
		first = strtoul(argv[5], NULL, 0);
		count = strtoul(argv[6], NULL, 0);
	}
	fwrite(head, 1, 2, stdout);
	reply(&o, &r, NLREPLAY_INFO, 0, 0, 0, true);
	reply(&o, &r, NLREPLAY_CONFIG, 0, 0, 0, true);
	reply(&o, &r, NLREPLAY_DAEMON, 0, 0, 0, false);
	reply(&o, &r, NLREPLAY_SERVICE, 0, first, count, false);
	for (size_t i = first; i < r.table.n && i < first + count; i++)
		reply(&o, &r, NLREPLAY_DEST, i, 0, 0, false);
	nlreplay_free(&r);
	return 0;
}
