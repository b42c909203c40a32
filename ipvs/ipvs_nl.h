/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_nl — the insides of the netlink IPVS module (ipvs.h is its public
 * face). Shared by its files, the unit tests and the `kipvs nl-test`
 * developer command; nothing else includes it.
 *
 *   ipvs_nl_parse.c  decoders: one reply message → plain struct (no I/O)
 *   ipvs_nl_msg.c    request builders: plain struct → attributes (no I/O)
 *   ipvs_nl_sock.c   the handle: open, the receive loop, do-requests
 *   ipvs_nl_err.c    error texts
 *   ipvs_nl_dump.c   multipart dumps with de-duplication
 *   ipvs_nl_batch.c  ipvs_apply: pipelined changes, bounded window
 */
#ifndef KIPVS_IPVS_NL_H
#define KIPVS_IPVS_NL_H

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipvs.h"

/* ---- decoders (ipvs_nl_parse.c) -------------------------------------- */

/*
 * The attributes of a service nest (IPVS_CMD_ATTR_SERVICE). With @need_full
 * the attributes a dump always carries (sched, flags, timeout, netmask) are
 * required; without it only the identity is (AF + FWMARK or
 * PROTOCOL/ADDR/PORT), as in a DEL/GET request. 0 or -EINVAL.
 */
int ipvs_nl_parse_service_nest(const struct nlattr *nest, bool need_full, struct ipvs_service *out,
                               struct ipvs_stats *stats) IPVS_WUR;
/*
 * The attributes of a destination nest (IPVS_CMD_ATTR_DEST). With
 * @need_counters the connection counters a dump carries are required.
 * out->addr.af is 0 when the nest has no ADDR_FAMILY (kernels before 3.18):
 * the caller knows the service's family and fills it in.
 */
int ipvs_nl_parse_dest_nest(const struct nlattr *nest, bool need_counters, struct ipvs_dest *out,
                            struct ipvs_stats *stats) IPVS_WUR;
/* GET_INFO reply (cmd SET_INFO): VERSION and CONN_TAB_SIZE, both required. */
int ipvs_parse_info_msg(const struct nlmsghdr *nlh, struct ipvs_info *out) IPVS_WUR;
/* GET_CONFIG reply (cmd SET_CONFIG): each timeout optional (0 when absent). */
int ipvs_parse_timeouts_msg(const struct nlmsghdr *nlh, struct ipvs_timeouts *out) IPVS_WUR;
/* One GET_DAEMON dump message: STATE, MCAST_IFN and SYNC_ID required. */
int ipvs_parse_daemon_msg(const struct nlmsghdr *nlh, struct ipvs_daemon *out) IPVS_WUR;

/* ---- request builders (ipvs_nl_msg.c) -------------------------------- */

/*
 * Each writes a complete request into @m, which must be empty (fresh from
 * nlmsg_alloc_size() or cleared with ipvs_nl_msg_reset()). @family is the
 * resolved genl family id. 0, -EINVAL for a struct the kernel would reject
 * for sure (unknown family, unknown op, name too long) or -EMSGSIZE.
 */
void ipvs_nl_msg_reset(struct nl_msg *m);
int ipvs_nl_build_change(struct nl_msg *m, int family, uint32_t seq, int flags,
                         const struct ipvs_change *c) IPVS_WUR;
/* A request with no attributes (GET_INFO, GET_CONFIG, FLUSH, dumps...). */
int ipvs_nl_build_simple(struct nl_msg *m, int family, uint32_t seq, int flags,
                         uint8_t cmd) IPVS_WUR;
/* A request carrying only the identity of @s (GET_SERVICE, GET_DEST, ZERO). */
int ipvs_nl_build_svc_id(struct nl_msg *m, int family, uint32_t seq, int flags, uint8_t cmd,
                         const struct ipvs_service *s) IPVS_WUR;
int ipvs_nl_build_timeouts(struct nl_msg *m, int family, uint32_t seq, int flags,
                           const struct ipvs_timeouts *t) IPVS_WUR;
int ipvs_nl_build_daemon(struct nl_msg *m, int family, uint32_t seq, int flags, uint8_t cmd,
                         const struct ipvs_daemon *d) IPVS_WUR;

/* ---- the handle (ipvs_nl_sock.c) ------------------------------------- */

/* Datagrams taken per recvmmsg(): a dump's data and its DONE come together. */
#define IPVS_NL_RSLOTS 8

struct ipvs_handle {
	struct nl_sock *sk;
	int fd;
	int family;         /* genl id of "IPVS" */
	uint32_t seq;       /* last sequence number used */
	struct nl_msg *msg; /* builder reused for every request */
	uint8_t *rbuf;      /* IPVS_NL_RSLOTS datagram slots of rslot bytes */
	size_t rslot;
	size_t rslot_next;             /* a larger size wanted after a truncation */
	bool truncated;                /* a datagram did not fit since the last reset */
	unsigned rlen[IPVS_NL_RSLOTS]; /* length of each datagram received */
	uint64_t dgram_no;             /* datagrams handled by ipvs_nl_wait() so far */
	uint8_t *sbuf;                 /* one batch of requests */
	size_t sbuf_len;
	size_t window; /* most changes in one sendmsg (bounded by rcvbuf) */
	size_t *map;   /* batch slot -> change index, window entries */
	bool cap_ack;  /* NETLINK_CAP_ACK took: error replies do not echo requests */
	int rcvbuf;    /* effective receive buffer, bytes */
};

/* Called for each data message whose sequence number is the request's. */
typedef int (*ipvs_nl_msg_cb)(void *arg, const struct nlmsghdr *nlh);

/* The next sequence number (never 0, which the kernel uses for notifications). */
uint32_t ipvs_nl_next_seq(struct ipvs_handle *h);
/* Sends @len bytes (one or more requests) in one sendmsg(). 0 or -errno. */
int ipvs_nl_send(struct ipvs_handle *h, const void *buf, size_t len) IPVS_WUR;
/* Sends the request built in h->msg. */
int ipvs_nl_send_msg(struct ipvs_handle *h) IPVS_WUR;
/*
 * Receives up to IPVS_NL_RSLOTS queued datagrams with one recvmmsg(),
 * waiting for the first (@flags: 0 or MSG_DONTWAIT). Returns how many (read
 * them with ipvs_nl_dgram()) or -errno: -ENOBUFS, the kernel dropped
 * replies; -ETIMEDOUT, no answer in time; -EAGAIN, nothing queued (with
 * MSG_DONTWAIT). A datagram larger than a slot is lost: its length reads 0,
 * h->truncated is set and the slots grow for the next call.
 */
int ipvs_nl_recv(struct ipvs_handle *h, int flags) IPVS_WUR;
/* Datagram @i of the last ipvs_nl_recv(); its length in *len (0 = dropped). */
struct nlmsghdr *ipvs_nl_dgram(struct ipvs_handle *h, int i, unsigned *len);
/*
 * Reads replies to the request with sequence number @seq until it is
 * finished: an ACK or error (for do-requests sent with NLM_F_ACK) or
 * NLMSG_DONE (dumps). Data messages go to @cb; replies to other (older)
 * requests are dropped. Returns 0, the kernel's -errno, the first non-zero
 * value @cb returned (the rest of the reply is still drained), -EMSGSIZE
 * when a datagram was lost to a small slot (drained too: the caller may
 * simply ask again) or a socket error.
 */
int ipvs_nl_wait(struct ipvs_handle *h, uint32_t seq, ipvs_nl_msg_cb cb, void *arg) IPVS_WUR;
/*
 * The messages of one datagram (@len bytes at @nlh) for ipvs_nl_wait():
 * replies to other requests than @seq are dropped, data messages go to @cb,
 * and an ACK, error, NLMSG_DONE or overrun finishes the request: then 1,
 * with its outcome in *@ret (left alone when already nonzero). 0 when the
 * request goes on in the next datagram. Exposed for the fuzzer.
 */
int ipvs_nl_walk(const struct nlmsghdr *nlh, unsigned len, uint32_t seq, ipvs_nl_msg_cb cb,
                 void *arg, int *ret);
/* The -errno of an NLMSG_ERROR message (0 for an ACK); -EPROTO if malformed. */
int ipvs_nl_msg_error(const struct nlmsghdr *nlh);
/*
 * Receive slot size: the kernel sizes dump datagrams after the largest
 * buffer a socket ever offered (at least about a page). Page-sized slots
 * keep the kernel's dump buffers to one page, which measured 40% cheaper
 * per destination dump than 32 KiB ones. 0 restores the default.
 */
int ipvs_nl_set_rslot(struct ipvs_handle *h, size_t size) IPVS_WUR;
/* Sends h->msg (built with @seq) and waits for it, as above. */
int ipvs_nl_transact(struct ipvs_handle *h, uint32_t seq, ipvs_nl_msg_cb cb, void *arg) IPVS_WUR;

/* ---- dumps (ipvs_nl_dump.c) ------------------------------------------ */

/*
 * An index over table entries by identity, so a dump that repeats an entry
 * (dumps resume by position, not by key) keeps one copy. Open addressing
 * over entry indexes; the caller's array is the storage.
 */
struct ipvs_nl_seen_slot {
	uint32_t idx1; /* entry index + 1; 0 = empty */
	uint32_t hash;
};

struct ipvs_nl_seen {
	struct ipvs_nl_seen_slot *slot;
	size_t cap; /* power of two */
	size_t n;
};

void ipvs_nl_seen_free(struct ipvs_nl_seen *s);

/*
 * What a dump has gathered so far: replies are decoded and appended to the
 * caller's table (service dump) or service (destination dump), repeats
 * merged in place. The dumps feed it from the socket; tests feed it
 * recorded replies.
 */
struct ipvs_nl_acc {
	struct ipvs_table *t; /* a service dump fills this... */
	struct ipvs_vs *vs;   /* ...a destination dump this */
	size_t base;          /* entries before this were there already */
	struct ipvs_nl_seen seen;
	uint64_t first_dgram; /* datagram number of the first entry; 0 = none */
	bool indexed;         /* seen covers the entries (from the 2nd datagram on) */
	size_t dups, bad;
};

void ipvs_nl_acc_services(struct ipvs_nl_acc *a, struct ipvs_table *t);
void ipvs_nl_acc_dests(struct ipvs_nl_acc *a, struct ipvs_vs *vs);
/*
 * One reply message, received in datagram number @dgram (never 0; equal
 * numbers = same datagram). 0 or -ENOMEM; a message that does not decode
 * is skipped and counted.
 */
int ipvs_nl_acc_add(struct ipvs_nl_acc *a, const struct nlmsghdr *nlh, uint64_t dgram) IPVS_WUR;
/* Logs what was skipped or merged; frees the index (not the entries). */
void ipvs_nl_acc_finish(struct ipvs_nl_acc *a);

#endif
