/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ctnetlink handle: two NETLINK_NETFILTER sockets, a receive loop, the
 * filtered dump and pipelined deletions. Messages come from ct_msg.c.
 */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <netlink/msg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ct.h"
#include "nlsock.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* One receive: a dump datagram is at most 32 KiB; acks are small. */
#define RBUF_LEN       (64 * 1024)
#define RCVBUF_WANT    (4 * 1024 * 1024)
#define RECV_TIMEOUT_S 30
/* Deletions per sendmsg(): each ack costs well under 1 KiB of receive buffer. */
#define DEL_WINDOW  512
#define DEL_MSG_MAX 256 /* bytes one deletion request takes, at most */

struct ct_handle {
	int dump_fd, del_fd;
	bool unfiltered; /* the kernel ignored a dump's filter */
	uint32_t seq;
	struct nl_msg *msg;
	uint8_t *rbuf;
	uint8_t *sbuf; /* DEL_WINDOW requests */
};

static int open_sock(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	int one = 1, rcv = RCVBUF_WANT;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* Best effort: a larger buffer needs CAP_NET_ADMIN (FORCE) or rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static uint32_t next_seq(struct ct_handle *h)
{
	if (++h->seq == 0)
		h->seq = 1;
	return h->seq;
}

static int send_msg(int fd, struct nl_msg *m)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);

	return nlsock_send(fd, nlh, nlh->nlmsg_len);
}

static void reset_msg(struct nl_msg *m)
{
	struct nlmsghdr *nlh = nlmsg_hdr(m);

	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN;
}

static int msg_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(int)))
		return -EPROTO;
	return e->error;
}

typedef int (*msg_fn)(void *ctx, const struct nlmsghdr *nlh);

/*
 * Reads replies on @fd until the request @seq is finished (its ack or error,
 * or NLMSG_DONE). Data messages go to @fn (when set) until it returns
 * non-zero. Replies to other requests are dropped.
 */
static int wait_reply(struct ct_handle *h, int fd, uint32_t seq, msg_fn fn, void *ctx)
{
	int cb_err = 0;

	for (;;) {
		ssize_t n = recv(fd, h->rbuf, RBUF_LEN, MSG_TRUNC);
		const struct nlmsghdr *nlh;
		size_t at = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n > RBUF_LEN)
			return -EMSGSIZE;
		while ((nlh = nlsock_next(h->rbuf, (size_t)n, &at))) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return cb_err;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int err = msg_error(nlh);

				return err ? err : cb_err;
			}
			if (fn && !cb_err)
				cb_err = fn(ctx, nlh);
		}
	}
}

/* Counters (IPCTNL_MSG_CT_GET_STATS): answered only when ctnetlink is there. */
static int probe(struct ct_handle *h)
{
	struct nfgenmsg g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 };
	uint32_t seq = next_seq(h);
	int err;

	reset_msg(h->msg);
	if (!nlmsg_put(h->msg, NL_AUTO_PORT, seq,
	               (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS, 0,
	               NLM_F_REQUEST | NLM_F_ACK) ||
	    nlmsg_append(h->msg, &g, sizeof(g), NLMSG_ALIGNTO))
		return -EMSGSIZE;
	err = send_msg(h->del_fd, h->msg);
	if (!err)
		err = wait_reply(h, h->del_fd, seq, NULL, NULL);
	/* nfnetlink answers a subsystem it does not have with EOPNOTSUPP
	 * (older kernels: EINVAL). */
	return err == -EINVAL ? -EOPNOTSUPP : err;
}

int ct_open(struct ct_handle **out)
{
	struct ct_handle *h = calloc(1, sizeof(*h));
	int err = 0;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->dump_fd = h->del_fd = -1;
	h->msg = nlmsg_alloc_size(DEL_MSG_MAX * 4);
	h->rbuf = malloc(RBUF_LEN);
	h->sbuf = malloc((size_t)DEL_WINDOW * DEL_MSG_MAX);
	if (!h->msg || !h->rbuf || !h->sbuf)
		err = -ENOMEM;
	if (!err && (h->dump_fd = open_sock()) < 0)
		err = h->dump_fd;
	if (!err && (h->del_fd = open_sock()) < 0)
		err = h->del_fd;
	if (!err)
		err = probe(h);
	if (err) {
		ct_close(h);
		return err;
	}
	*out = h;
	return 0;
}

void ct_close(struct ct_handle *h)
{
	if (!h)
		return;
	if (h->dump_fd >= 0)
		close(h->dump_fd);
	if (h->del_fd >= 0)
		close(h->del_fd);
	if (h->msg)
		nlmsg_free(h->msg);
	free(h->rbuf);
	free(h->sbuf);
	free(h);
}

bool ct_kernel_filters(const struct ct_handle *h)
{
	return !h->unfiltered;
}

struct dump_ctx {
	struct ct_handle *h;
	const struct ct_filter *f;
	ct_entry_fn fn;
	void *ctx;
};

static int dump_msg(void *ctx, const struct nlmsghdr *nlh)
{
	struct dump_ctx *d = ctx;
	struct ct_entry e;

	/* An entry that does not decode is not one we could delete anyway. */
	if (ct_parse_entry(nlh, &e))
		return 0;
	if (!ct_filter_match(d->f, &e)) {
		d->h->unfiltered = true;
		return 0;
	}
	return d->fn(d->ctx, &e);
}

int ct_dump(struct ct_handle *h, const struct ct_filter *f, ct_entry_fn fn, void *ctx)
{
	struct dump_ctx d = { h, f, fn, ctx };
	uint32_t seq = next_seq(h);
	int err;

	reset_msg(h->msg);
	err = ct_build_dump(h->msg, seq, f);
	if (!err)
		err = send_msg(h->dump_fd, h->msg);
	if (!err)
		err = wait_reply(h, h->dump_fd, seq, dump_msg, &d);
	return err;
}

/* Sends deletions [from, to) in one sendmsg and collects their acks. An
 * entry that cannot be named (no tuple) gets -EINVAL and is not sent. */
static int delete_window(struct ct_handle *h, const struct ct_entry *v, size_t from, size_t to,
                         int *errs)
{
	uint32_t seq0 = h->seq + 1, sent[DEL_WINDOW];
	size_t len = 0, acked = 0, n = 0;
	int err;

	for (size_t i = from; i < to; i++) {
		struct nlmsghdr *nlh;

		reset_msg(h->msg);
		err = ct_build_delete(h->msg, seq0 + (uint32_t)n, &v[i]);
		if (err) {
			if (errs)
				errs[i] = err;
			continue;
		}
		nlh = nlmsg_hdr(h->msg);
		memcpy(h->sbuf + len, nlh, NLMSG_ALIGN(nlh->nlmsg_len));
		len += NLMSG_ALIGN(nlh->nlmsg_len);
		sent[n++] = (uint32_t)i;
	}
	h->seq = seq0 + (uint32_t)n - 1;
	if (!n)
		return 0;
	err = nlsock_send(h->del_fd, h->sbuf, len);
	if (err)
		return err;
	while (acked < n) {
		ssize_t r = recv(h->del_fd, h->rbuf, RBUF_LEN, 0);
		const struct nlmsghdr *nlh;
		size_t at = 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		while ((nlh = nlsock_next(h->rbuf, (size_t)r, &at))) {
			uint32_t k = nlh->nlmsg_seq - seq0;

			if (nlh->nlmsg_type != NLMSG_ERROR || k >= n)
				continue;
			if (errs)
				errs[sent[k]] = msg_error(nlh);
			acked++;
		}
	}
	return 0;
}

int ct_delete(struct ct_handle *h, const struct ct_entry *v, size_t n, int *errs)
{
	for (size_t pos = 0; pos < n; pos += DEL_WINDOW) {
		size_t end = n - pos < DEL_WINDOW ? n : pos + DEL_WINDOW;
		int err = delete_window(h, v, pos, end, errs);

		if (err) {
			for (size_t i = pos; errs && i < n; i++)
				errs[i] = err;
			return err;
		}
	}
	return 0;
}

const char *ct_strerror(int err)
{
	switch (err) {
	case -EPROTONOSUPPORT:
		return "the kernel has no nfnetlink (CONFIG_NETFILTER_NETLINK)";
	case -EOPNOTSUPP:
		return "the kernel has no ctnetlink (modprobe nf_conntrack_netlink)";
	case -EPERM:
		return "no permission to change conntrack entries (CAP_NET_ADMIN)";
	default:
		return strerror(err < 0 ? -err : err);
	}
}
