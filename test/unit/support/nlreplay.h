/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nlreplay — recorded IPVS netlink replies, replayed without a kernel.
 *
 * The probe decodes under test/fixtures/ipvsadm (full/15_probe_dump.out,
 * stats/31_probe_dump_stats.out) print every reply of a GET_INFO,
 * GET_CONFIG, GET_DAEMON, GET_SERVICE and per-service GET_DEST exchange:
 * each attribute with its type number and raw bytes, nests indented.
 * nlreplay_load() rebuilds the binary generic netlink messages byte for
 * byte, then decodes them with the real parsers (ipvs_parse_service_msg(),
 * ipvs_parse_dest_msg(), ...) into the same structs a live dump fills: the
 * table in dump order (services as dumped, each with its destinations in
 * dump order, newest first), plus info, timeouts and daemons. Printers can
 * then be fed exactly what the kernel sent when the golden ipvsadm output
 * was captured.
 *
 * The rebuilt messages are kept (msgs[]) so tests can corrupt and re-parse
 * them.
 */
#ifndef KIPVS_NLREPLAY_H
#define KIPVS_NLREPLAY_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../../ipvs/ipvs_table.h"

enum nlreplay_kind {
	NLREPLAY_INFO = 1, /* GET_INFO reply */
	NLREPLAY_CONFIG,   /* GET_CONFIG (timeouts) reply */
	NLREPLAY_DAEMON,   /* GET_DAEMON dump message */
	NLREPLAY_SERVICE,  /* GET_SERVICE dump message */
	NLREPLAY_DEST,     /* GET_DEST dump message of service svc_index */
};

struct nlreplay_msg {
	enum nlreplay_kind kind;
	size_t svc_index;     /* NLREPLAY_DEST: index of its service in the dump */
	struct nlmsghdr *nlh; /* nlh->nlmsg_len bytes, malloc'd */
};

struct nlreplay {
	struct ipvs_table table; /* services in dump order, each with its dests */
	struct ipvs_info info;
	bool has_info;
	struct ipvs_timeouts timeouts;
	bool has_timeouts;
	struct ipvs_daemon daemons[2]; /* master first, as the kernel dumps them */
	size_t n_daemons;
	struct nlreplay_msg *msgs; /* every rebuilt message, in file order */
	size_t n_msgs;
};

/*
 * Loads and decodes a probe decode file. 0; -ENOENT/-EIO if unreadable;
 * -EINVAL if the text is malformed (a nest length or a message count that
 * does not add up) or a rebuilt message fails to decode. On error @out is
 * left empty (nothing to free).
 */
int nlreplay_load(const char *path, struct nlreplay *out) __attribute__((warn_unused_result));
/* The same from text already in memory. */
int nlreplay_parse(const char *text, struct nlreplay *out) __attribute__((warn_unused_result));
void nlreplay_free(struct nlreplay *r);

#endif
