/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ct — the kernel's connection tracking table over ctnetlink
 * (NETLINK_NETFILTER, subsystem CTNETLINK), for the targeted clean-up of
 * stale UDP/SCTP entries. Knows nothing of Kubernetes.
 *
 * Messages are built and read here with libnl-3's message and attribute
 * helpers (LGPL-2.1, already linked); no conntrack library: Debian's
 * libnetfilter_conntrack is GPL-2+ (and its 1.0.9 filtered flush ignores the
 * filter), and libnl-nf-3 has no dump filter, so with it every entry of the
 * table would be copied to us and parsed (README, "UDP conntrack clean-up").
 *
 * A handle holds two sockets: one for dumps, one for deletions (the kernel
 * refuses a request on a socket whose dump is still running). Reads are
 * filtered in the kernel (CTA_FILTER, Linux 5.8+): a dump returns only the
 * entries whose original destination address, port and protocol (and reply
 * source, when given) match, however large the table. Kernels before 5.8
 * ignore CTA_FILTER and send the whole family: every entry is checked
 * against the same filter here as well. Deletions name one entry each: its original tuple, zone and
 * id (an entry created later with the same tuple is not touched). A deletion request without a
 * tuple would flush the table: this module never builds one.
 *
 * Every function returns 0 or -errno. Nothing here prints or exits.
 */
#ifndef KIPVS_CT_H
#define KIPVS_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/addr.h"

#define CT_WUR __attribute__((warn_unused_result))

/* One direction of a connection. Ports host order; both addresses one family. */
struct ct_tuple {
	struct net_addr src, dst;
	uint16_t sport, dport;
	uint8_t proto; /* IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_TCP ... */
};

struct ct_entry {
	struct ct_tuple orig, reply;
	uint16_t zone;
	uint32_t id; /* the kernel's id of this entry (CTA_ID) */
};

/* What a dump returns: entries of @af and @proto whose original destination
 * is @orig_dst (af 0: any address) port @orig_dport (0: any) and whose reply
 * source is @reply_src (af 0: any). */
struct ct_filter {
	int af;        /* AF_INET or AF_INET6 */
	uint8_t proto; /* required */
	struct net_addr orig_dst;
	uint16_t orig_dport;
	struct net_addr reply_src;
};

struct ct_handle;

/*
 * Opens a handle in the caller's network namespace and checks that the
 * kernel answers ctnetlink requests (loading nf_conntrack_netlink when it
 * can). -EPROTONOSUPPORT: no nfnetlink; -EOPNOTSUPP: no ctnetlink (module
 * absent); -EPERM: no CAP_NET_ADMIN; other socket errors.
 */
int ct_open(struct ct_handle **out) CT_WUR;
void ct_close(struct ct_handle *h);
/* False once a dump returned an entry its filter excludes: the kernel
 * ignores CTA_FILTER (before 5.8) and every dump costs a whole family. */
bool ct_kernel_filters(const struct ct_handle *h);

typedef int (*ct_entry_fn)(void *ctx, const struct ct_entry *e);

/*
 * Calls @fn for every entry matching @f. A non-zero return from @fn stops
 * the calls (the dump is still read to its end) and is returned.
 */
int ct_dump(struct ct_handle *h, const struct ct_filter *f, ct_entry_fn fn, void *ctx) CT_WUR;

/*
 * Deletes @n entries (each by original tuple, zone and id), pipelined.
 * errs[i] (may be NULL) gets 0, -ENOENT (already gone) or the kernel's
 * -errno. Returns 0 when the exchange worked, else the socket's -errno.
 */
int ct_delete(struct ct_handle *h, const struct ct_entry *v, size_t n, int *errs) CT_WUR;

/* A one-line explanation of a ct_open() error. */
const char *ct_strerror(int err);

/* --- messages, for the unit tests (ct_msg.c) --------------------------------- */

struct nl_msg;
struct nlmsghdr;
/* A dump request of @f's family, with @f as CTA_FILTER. */
int ct_build_dump(struct nl_msg *m, uint32_t seq, const struct ct_filter *f) CT_WUR;
/* A deletion of one entry (NLM_F_ACK). -EINVAL for an entry without a tuple. */
int ct_build_delete(struct nl_msg *m, uint32_t seq, const struct ct_entry *e) CT_WUR;
/* One IPCTNL_MSG_CT_NEW message of a dump. 0 or -EINVAL. */
int ct_parse_entry(const struct nlmsghdr *nlh, struct ct_entry *out) CT_WUR;
/* Whether @e matches @f (what the kernel's filter checks). */
bool ct_filter_match(const struct ct_filter *f, const struct ct_entry *e);

#endif
