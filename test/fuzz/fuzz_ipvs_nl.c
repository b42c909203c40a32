/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel's generic netlink replies, as `kipvs -L` and every full sync
 * read them: GET_INFO, GET_CONFIG, the GET_DAEMON dump, the GET_SERVICE
 * dump and one GET_DEST dump per service found, then the table printed.
 *
 * Input: [fmt] [flags] then datagrams, each [u16 length, little endian]
 * [bytes]. The replies follow one another in the order above; a reply ends
 * with the datagram holding its NLMSG_DONE, NLMSG_ERROR or NLMSG_OVERRUN,
 * and its messages carry sequence number 1 for the first reply, 2 for the
 * next... (others are dropped as stale). Each datagram goes through
 * ipvs_nl_walk(), the part of ipvs_nl_wait() after recvmmsg(), to the
 * decoder its request uses. Every datagram sits in a buffer of its exact
 * size, so a read past it is caught.
 *   fmt    listing flags for ipvs_print_list() (always numeric: no resolver)
 *   flags  bit 0: the table keeps counters (--stats and --rate do)
 * Seeds: the recorded replies of the unit tests (nlreplay), rebuilt as
 * datagrams by test/fuzz/tools/nl_seed.c.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/ipvs_nl.h"
#include "../../ipvs/admin/ipvs_print.h"
#include "../../ipvs/ipvs_table.h"
#include "fuzz.h"

enum phase { PH_INFO, PH_CONFIG, PH_DAEMON, PH_SERVICES, PH_DESTS };

struct session {
	enum phase phase;
	size_t dest_of; /* PH_DESTS: the service whose destinations come */
	uint32_t seq;   /* the request's sequence number: 1, 2, ... */
	uint64_t dgram_no;
	struct ipvs_info info;
	bool has_info;
	struct ipvs_timeouts timeouts;
	bool has_timeouts;
	struct ipvs_daemon daemons[2];
	size_t n_daemons;
	struct ipvs_table t;
	struct ipvs_nl_acc acc;
	bool acc_open;
};

/* The callback ipvs_nl_walk() hands each data message of the request to. */
static int data_msg(void *arg, const struct nlmsghdr *nlh)
{
	struct session *s = arg;
	struct ipvs_daemon d;

	switch (s->phase) {
	case PH_INFO:
		if (!s->has_info)
			s->has_info = ipvs_parse_info_msg(nlh, &s->info) == 0;
		return 0;
	case PH_CONFIG:
		if (!s->has_timeouts)
			s->has_timeouts = ipvs_parse_timeouts_msg(nlh, &s->timeouts) == 0;
		return 0;
	case PH_DAEMON:
		if (ipvs_parse_daemon_msg(nlh, &d) == 0 && s->n_daemons < 2)
			s->daemons[s->n_daemons++] = d;
		return 0;
	default:
		/* -ENOMEM is its only error; a malformed message is counted */
		FUZZ_ASSERT(ipvs_nl_acc_add(&s->acc, nlh, s->dgram_no) == 0, "memory");
		return 0;
	}
}

/* Opens the next reply; false when there is none left to read. */
static bool reply_begin(struct session *s)
{
	s->seq++;
	if (s->phase == PH_SERVICES) {
		ipvs_nl_acc_services(&s->acc, &s->t);
		s->acc_open = true;
	} else if (s->phase == PH_DESTS) {
		if (s->dest_of >= s->t.n)
			return false;
		ipvs_nl_acc_dests(&s->acc, &s->t.vs[s->dest_of]);
		s->acc_open = true;
	}
	return true;
}

static void reply_end(struct session *s)
{
	if (s->acc_open)
		ipvs_nl_acc_finish(&s->acc);
	s->acc_open = false;
	if (s->phase == PH_DESTS)
		s->dest_of++;
	else
		s->phase++;
}

/* One datagram of the current reply; true when it ended the reply. */
static bool datagram(struct session *s, const struct nlmsghdr *nlh, unsigned len)
{
	int ret = 0, done;

	s->dgram_no++;
	done = ipvs_nl_walk(nlh, len, s->seq, data_msg, s, &ret);
	FUZZ_ASSERT(ret <= 0 && ret >= -4095, "an errno");
	return done;
}

static void print_all(struct session *s, unsigned fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	int err;

	FUZZ_ASSERT(f != NULL, "memory");
	err = ipvs_print_list(f, s->has_info ? &s->info : NULL, &s->t, fmt);
	if (!err)
		err = ipvs_print_save(f, &s->t, IPVS_FMT_NUMERIC);
	for (size_t i = 0; !err && i < s->t.n; i++)
		err = ipvs_print_one(f, &s->t.vs[i], fmt);
	if (!err && s->has_timeouts)
		err = ipvs_print_timeouts(f, &s->timeouts);
	if (!err)
		err = ipvs_print_daemons(f, s->daemons, s->n_daemons);
	FUZZ_ASSERT(err == 0, "printing into memory works");
	fclose(f);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned fmts[] = { 0,
		                         IPVS_FMT_STATS,
		                         IPVS_FMT_RATE,
		                         IPVS_FMT_THRESHOLDS,
		                         IPVS_FMT_PERSISTENTCONN,
		                         IPVS_FMT_TUN_INFO,
		                         IPVS_FMT_STATS | IPVS_FMT_EXACT,
		                         IPVS_FMT_RATE | IPVS_FMT_EXACT };
	struct fuzz_in in = { data, size };
	struct session s = { 0 };
	uint8_t fsel = fuzz_u8(&in), flags = fuzz_u8(&in);
	unsigned fmt = IPVS_FMT_NUMERIC | fmts[fsel & 7] | (fsel & 8 ? IPVS_FMT_NOSORT : 0);
	bool open = false;

	ipvs_table_init(&s.t);
	s.t.with_stats = flags & 1;
	while (in.n >= 2) {
		uint16_t lo = fuzz_u8(&in), dl = (uint16_t)(lo | fuzz_u8(&in) << 8);
		size_t got;
		const uint8_t *p = fuzz_bytes(&in, dl, &got);
		/* an aligned buffer of the datagram's exact size, as recvmmsg() fills */
		uint8_t *dg = malloc(got ? got : 1);

		FUZZ_ASSERT(dg != NULL, "memory");
		memcpy(dg, p, got);
		if (!open && !(open = reply_begin(&s))) {
			free(dg);
			break;
		}
		if (datagram(&s, (const struct nlmsghdr *)dg, (unsigned)got)) {
			reply_end(&s);
			open = false;
		}
		free(dg);
	}
	if (open)
		reply_end(&s);
	print_all(&s, fmt);
	ipvs_table_free(&s.t);
	return 0;
}
