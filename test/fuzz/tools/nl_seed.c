/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nl_seed — writes an ipvs_nl fuzz input (see fuzz_ipvs_nl.c) from a
 * recorded probe decode, the text the unit tests replay with nlreplay:
 *
 *   nl_seed PROBE.out FMT FLAGS PER_DATAGRAM > seed
 *
 * The replies come out in the session's order (info, config, daemons,
 * services, the destinations of each service), each data message as
 * nlreplay rebuilt it with the reply's sequence number (1, 2, ...),
 * PER_DATAGRAM messages to a datagram, and every reply closed by an ACK
 * (do-requests) or NLMSG_DONE (dumps).
 * Built by `make fuzz-tools`; used once to make the stored seeds.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../unit/support/nlreplay.h"

static void datagram(const uint8_t *p, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len & 0xff), (uint8_t)(len >> 8) };

	fwrite(hdr, 1, 2, stdout);
	fwrite(p, 1, len, stdout);
}

static void terminator(bool ack, uint32_t seq)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nlmsg_type = ack ? NLMSG_ERROR : NLMSG_DONE;
	m.h.nlmsg_len = ack ? sizeof(m) : NLMSG_LENGTH(sizeof(int));
	m.h.nlmsg_flags = NLM_F_MULTI;
	m.h.nlmsg_seq = seq;
	datagram((const uint8_t *)&m, m.h.nlmsg_len);
}

/* The messages of one reply, @per to a datagram. */
static void reply(const struct nlreplay *r, enum nlreplay_kind kind, size_t svc, size_t per,
                  bool ack)
{
	static uint32_t seq;
	static uint8_t buf[65536] __attribute__((aligned(4)));
	size_t len = 0, in = 0;

	for (size_t i = 0; i < r->n_msgs; i++) {
		const struct nlreplay_msg *m = &r->msgs[i];

		if (m->kind != kind || (kind == NLREPLAY_DEST && m->svc_index != svc))
			continue;
		if (len + NLMSG_ALIGN(m->nlh->nlmsg_len) > sizeof(buf) || in == per) {
			datagram(buf, len);
			len = in = 0;
		}
		memcpy(buf + len, m->nlh, m->nlh->nlmsg_len);
		((struct nlmsghdr *)(buf + len))->nlmsg_seq = seq + 1;
		memset(buf + len + m->nlh->nlmsg_len, 0,
		       NLMSG_ALIGN(m->nlh->nlmsg_len) - m->nlh->nlmsg_len);
		len += NLMSG_ALIGN(m->nlh->nlmsg_len);
		in++;
	}
	if (len)
		datagram(buf, len);
	terminator(ack, ++seq);
}

int main(int argc, char **argv)
{
	struct nlreplay r;
	uint8_t head[2];
	size_t per;

	if (argc != 5) {
		fprintf(stderr, "usage: nl_seed PROBE.out FMT FLAGS PER_DATAGRAM\n");
		return 2;
	}
	if (nlreplay_load(argv[1], &r)) {
		fprintf(stderr, "nl_seed: cannot load %s\n", argv[1]);
		return 1;
	}
	head[0] = (uint8_t)strtoul(argv[2], NULL, 0);
	head[1] = (uint8_t)strtoul(argv[3], NULL, 0);
	per = strtoul(argv[4], NULL, 0);
	fwrite(head, 1, 2, stdout);
	reply(&r, NLREPLAY_INFO, 0, per, true);
	reply(&r, NLREPLAY_CONFIG, 0, per, true);
	reply(&r, NLREPLAY_DAEMON, 0, per, false);
	reply(&r, NLREPLAY_SERVICE, 0, per, false);
	for (size_t i = 0; i < r.table.n; i++)
		reply(&r, NLREPLAY_DEST, i, per, false);
	nlreplay_free(&r);
	return 0;
}
