/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The handle: one generic netlink socket, the "IPVS" family resolved once,
 * our own receive loop and the single-request operations.
 *
 * libnl opens the socket, resolves the family, builds and parses messages.
 * Sending and receiving are ours: libnl's nl_recvmsgs() works in lock step
 * (one request, its replies, the next) and checks one expected sequence
 * number, while ipvs_apply() has thousands of requests in flight per
 * sendmsg(). Every request gets its own sequence number and every receive
 * drops replies to older requests, so a reply left in the socket (the ACK
 * after a do-request's data, a dump abandoned half-way) can never be taken
 * for the answer to a later request.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../lib/log.h"
#include "ipvs_nl.h"
#include "nle.h"
#include "nlsock.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * Room for one datagram. The kernel's dump buffer is the larger of about a
 * page (NLMSG_GOODSIZE: min(page, 8 KiB) less the skb's shared info, 320
 * bytes on x86-64) and the largest buffer this socket ever offered, at most
 * 32 KiB less that overhead. We offer a page's worth; a kernel whose
 * minimum is larger truncates a datagram once, and the slots grow to the
 * maximum (ipvs_nl_recv()).
 */
#define RSLOT_MAX      (32 * 1024)
#define SKB_SHINFO_LEN 320
/* One batch of requests per sendmsg(): well under the send buffer we ask for. */
#define SBUF_LEN       (256 * 1024)
#define SNDBUF_WANT    (1024 * 1024)
#define RCVBUF_WANT    (4 * 1024 * 1024)
#define RECV_TIMEOUT_S 30
/*
 * What one error reply costs in the receive buffer (skb truesize): about
 * 768 bytes when NETLINK_CAP_ACK keeps the request out of it, about 1.3 KiB
 * with the request echoed. Rounded up.
 */
#define ERR_COST_CAPPED 1024
#define ERR_COST_ECHO   2048
#define WINDOW_MIN      16
#define WINDOW_MAX      8192

uint32_t ipvs_nl_next_seq(struct ipvs_handle *h)
{
	if (++h->seq == 0)
		h->seq = 1;
	return h->seq;
}

int ipvs_nl_send(struct ipvs_handle *h, const void *buf, size_t len)
{
	return nlsock_send(h->fd, buf, len);
}

int ipvs_nl_send_msg(struct ipvs_handle *h)
{
	struct nlmsghdr *nlh = nlmsg_hdr(h->msg);

	return ipvs_nl_send(h, nlh, nlh->nlmsg_len);
}

static size_t default_rslot(void)
{
	long page = sysconf(_SC_PAGESIZE);

	if (page <= 0 || page > 8192)
		page = 8192;
	return (size_t)page - SKB_SHINFO_LEN;
}

int ipvs_nl_set_rslot(struct ipvs_handle *h, size_t size)
{
	uint8_t *nb;

	if (!size)
		size = default_rslot();
	if (size < 1024 || size > RSLOT_MAX)
		return -EINVAL;
	nb = malloc(size * IPVS_NL_RSLOTS);
	if (!nb)
		return -ENOMEM;
	free(h->rbuf);
	h->rbuf = nb;
	h->rslot = size;
	h->rslot_next = 0;
	return 0;
}

int ipvs_nl_recv(struct ipvs_handle *h, int flags)
{
	struct sockaddr_nl from[IPVS_NL_RSLOTS];
	struct iovec iov[IPVS_NL_RSLOTS];
	struct mmsghdr mm[IPVS_NL_RSLOTS];
	int n;

	/* Grown here, not when the truncation was seen: the caller was still
	 * reading the other datagrams of that call. */
	if (h->rslot_next && ipvs_nl_set_rslot(h, h->rslot_next) < 0)
		return -ENOMEM;
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < IPVS_NL_RSLOTS; i++) {
		iov[i].iov_base = h->rbuf + (size_t)i * h->rslot;
		iov[i].iov_len = h->rslot;
		mm[i].msg_hdr.msg_name = &from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	do
		n = recvmmsg(h->fd, mm, IPVS_NL_RSLOTS, flags | MSG_WAITFORONE, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return (flags & MSG_DONTWAIT) ? -EAGAIN : -ETIMEDOUT;
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		/* Only the kernel talks to us; anything else is dropped. */
		h->rlen[i] = from[i].nl_pid == 0 ? mm[i].msg_len : 0;
		if (mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			log_debug("ipvs_datagram_truncated", "slot=%zu grow_to=%d", h->rslot,
			          RSLOT_MAX);
			h->rlen[i] = 0;
			h->truncated = true;
			h->rslot_next = RSLOT_MAX;
		}
	}
	return n;
}

struct nlmsghdr *ipvs_nl_dgram(struct ipvs_handle *h, int i, unsigned *len)
{
	*len = h->rlen[i];
	return (struct nlmsghdr *)(h->rbuf + (size_t)i * h->rslot);
}

/* The kernel's extended-ACK text for an error, when it gave one. */
static const char *ext_ack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t off = sizeof(*e), len = nlh->nlmsg_len - NLMSG_HDRLEN;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	if (off >= len)
		return NULL;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off), (int)(len - off),
	              NULL) < 0 ||
	    !tb[NLMSGERR_ATTR_MSG] || nla_len(tb[NLMSGERR_ATTR_MSG]) < 1)
		return NULL;
	/* NUL-terminated by the kernel; checked rather than trusted. */
	if (((const char *)nla_data(tb[NLMSGERR_ATTR_MSG]))[nla_len(tb[NLMSGERR_ATTR_MSG]) - 1])
		return NULL;
	return nla_data(tb[NLMSGERR_ATTR_MSG]);
}

int ipvs_nl_msg_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e;
	const char *why;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EPROTO;
	e = nlmsg_data(nlh);
	if (e->error > 0 || e->error < -4095)
		return -EPROTO;
	if (e->error && (why = ext_ack_msg(nlh)) != NULL) {
		char q[160];

		log_debug("ipvs_kernel_error", "seq=%u err=%d msg=%s", nlh->nlmsg_seq, e->error,
		          log_quote(why, q, sizeof(q)));
	}
	return e->error;
}

/*
 * One reply message for ipvs_nl_wait(): 1 when the request is finished
 * (*ret then holds its outcome), 0 to read on.
 */
static int wait_msg(uint32_t seq, const struct nlmsghdr *nlh, ipvs_nl_msg_cb cb, void *arg,
                    int *ret)
{
	int done_err = 0;

	if (nlh->nlmsg_seq != seq) {
		log_debug("ipvs_stale_reply", "seq=%u want=%u type=%u", nlh->nlmsg_seq, seq,
		          nlh->nlmsg_type);
		return 0;
	}
	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return 0;
	case NLMSG_ERROR:
		if (!*ret)
			*ret = ipvs_nl_msg_error(nlh);
		return 1;
	case NLMSG_DONE:
		if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
			memcpy(&done_err, NLMSG_DATA(nlh), sizeof(int));
		/* An errno, as ipvs_nl_msg_error() insists: INT_MIN would be
		 * negated on its way to strerror(). */
		if (done_err < -4095)
			done_err = -EPROTO;
		if (!*ret && done_err < 0)
			*ret = done_err;
		return 1;
	case NLMSG_OVERRUN:
		if (!*ret)
			*ret = -ENOBUFS;
		return 1;
	default:
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			log_debug("ipvs_dump_interrupted", "seq=%u", seq);
		/* After a callback error keep draining, so the dump ends and the
		 * socket stays clean. */
		if (cb && !*ret)
			*ret = cb(arg, nlh);
		return 0;
	}
}

int ipvs_nl_walk(const struct nlmsghdr *nlh, unsigned len, uint32_t seq, ipvs_nl_msg_cb cb,
                 void *arg, int *ret)
{
	const void *dgram = nlh;
	size_t off = 0;

	while ((nlh = nlsock_next(dgram, len, &off)))
		if (wait_msg(seq, nlh, cb, arg, ret))
			return 1;
	return 0;
}

int ipvs_nl_wait(struct ipvs_handle *h, uint32_t seq, ipvs_nl_msg_cb cb, void *arg)
{
	int ret = 0;

	h->truncated = false;
	for (;;) {
		int n = ipvs_nl_recv(h, 0);

		if (n < 0)
			return n;
		/* A lost datagram makes the whole reply unusable; read on to
		 * its end all the same, so the socket is ready for a retry. */
		if (h->truncated && !ret)
			ret = -EMSGSIZE;
		for (int d = 0; d < n; d++) {
			unsigned len;
			struct nlmsghdr *nlh = ipvs_nl_dgram(h, d, &len);

			h->dgram_no++;
			if (ipvs_nl_walk(nlh, len, seq, cb, arg, &ret))
				return ret;
		}
	}
}

int ipvs_nl_transact(struct ipvs_handle *h, uint32_t seq, ipvs_nl_msg_cb cb, void *arg)
{
	int err = ipvs_nl_send_msg(h);

	if (err < 0)
		return err;
	return ipvs_nl_wait(h, seq, cb, arg);
}

/* Sets a buffer size, with the FORCE variant (CAP_NET_ADMIN lifts rmem_max) first. */
static int set_buf(int fd, int force_opt, int opt, int want)
{
	int got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, force_opt, &want, sizeof(want)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &want, sizeof(want));
	if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) < 0)
		return 0;
	return got;
}

static int setup_socket(struct ipvs_handle *h)
{
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	int one = 1, sndbuf;
	size_t cost;

	/* Error replies carry only the request's header, not the whole request. */
	h->cap_ack = setsockopt(h->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) == 0;
	/* The kernel's reason text, when it has one, goes to the debug log. */
	(void)setsockopt(h->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return -errno;
	h->rcvbuf = set_buf(h->fd, SO_RCVBUFFORCE, SO_RCVBUF, RCVBUF_WANT);
	sndbuf = set_buf(h->fd, SO_SNDBUFFORCE, SO_SNDBUF, SNDBUF_WANT);
	/*
	 * The kernel handles a whole sendmsg() before returning, queueing one
	 * error reply per failed request; a reply that does not fit in the
	 * receive buffer is dropped (ENOBUFS). So a batch holds no more
	 * requests than there is room for replies, with a factor two to spare.
	 */
	cost = h->cap_ack ? ERR_COST_CAPPED : ERR_COST_ECHO;
	h->window = h->rcvbuf > 0 ? (size_t)h->rcvbuf / (2 * cost) : WINDOW_MIN;
	if (h->window < WINDOW_MIN)
		h->window = WINDOW_MIN;
	if (h->window > WINDOW_MAX)
		h->window = WINDOW_MAX;
	/* netlink refuses a datagram larger than the send buffer less 32 bytes. */
	h->sbuf_len = SBUF_LEN;
	if (sndbuf > 0 && (size_t)sndbuf < SBUF_LEN + 64)
		h->sbuf_len = (size_t)sndbuf > 4096 + 64 ? (size_t)sndbuf - 64 : 4096;
	h->sbuf = malloc(h->sbuf_len);
	h->map = calloc(h->window, sizeof(*h->map));
	h->msg = nlmsg_alloc_size(8192);
	if (!h->sbuf || !h->map || !h->msg || ipvs_nl_set_rslot(h, 0) < 0)
		return -ENOMEM;
	log_debug("ipvs_socket",
	          "family=%d rcvbuf=%d sndbuf=%d cap_ack=%d window=%zu batch_bytes=%zu", h->family,
	          h->rcvbuf, sndbuf, h->cap_ack, h->window, h->sbuf_len);
	return 0;
}

/*
 * The "IPVS" family id, looked up on a socket of its own: libnl reads the
 * answer with a 16 KiB buffer, and the kernel would size every later dump
 * datagram of that socket after it (see RSLOT). ip_vs.ko registers the
 * family, and its alias lets the lookup load the module: not found means
 * IPVS is not available at all.
 */
static int resolve_family(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk)
		return -ENOMEM;
	err = genl_connect(sk);
	if (!err)
		err = genl_ctrl_resolve(sk, IPVS_GENL_NAME);
	nl_socket_free(sk);
	return err < 0 ? nle_errno(err) : err;
}

int ipvs_open(struct ipvs_handle **out)
{
	struct ipvs_handle *h;
	struct ipvs_info info;
	int err;

	*out = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = -1;
	h->sk = nl_socket_alloc();
	if (!h->sk) {
		free(h);
		return -ENOMEM;
	}
	err = genl_connect(h->sk);
	if (err < 0) {
		err = nle_errno(err);
		goto fail;
	}
	h->fd = nl_socket_get_fd(h->sk);
	h->family = resolve_family();
	if (h->family < 0) {
		err = h->family;
		goto fail;
	}
	h->seq = nl_socket_use_seq(h->sk);
	err = setup_socket(h);
	if (err < 0)
		goto fail;
	/* Every IPVS op needs CAP_NET_ADMIN: ask once now, so -EPERM shows at open. */
	err = ipvs_get_info(h, &info);
	if (err < 0)
		goto fail;
	log_debug("ipvs_open", "version=0x%06x conn_tab_size=%u", info.version, info.conn_tab_size);
	*out = h;
	return 0;
fail:
	ipvs_close(h);
	return err;
}

void ipvs_close(struct ipvs_handle *h)
{
	if (!h)
		return;
	if (h->sk)
		nl_socket_free(h->sk); /* closes the fd */
	if (h->msg)
		nlmsg_free(h->msg);
	free(h->rbuf);
	free(h->sbuf);
	free(h->map);
	free(h);
}

/* ---- single requests --------------------------------------------------- */

/* Sends the request ipvs_nl_build_* left in h->msg with @seq and waits for it. */
static int request(struct ipvs_handle *h, uint32_t seq, int built, ipvs_nl_msg_cb cb, void *arg)
{
	if (built < 0)
		return built;
	return ipvs_nl_transact(h, seq, cb, arg);
}

#define DO_FLAGS   (NLM_F_REQUEST | NLM_F_ACK)
#define DUMP_FLAGS (NLM_F_REQUEST | NLM_F_DUMP)

struct one_ctx {
	void *out;
	int (*parse)(const struct nlmsghdr *nlh, void *out);
	bool got;
};

static int one_cb(void *arg, const struct nlmsghdr *nlh)
{
	struct one_ctx *c = arg;

	if (c->got)
		return 0; /* one reply expected; ignore any extra */
	c->got = true;
	return c->parse(nlh, c->out);
}

static int parse_info(const struct nlmsghdr *nlh, void *out)
{
	return ipvs_parse_info_msg(nlh, out);
}

static int parse_timeouts(const struct nlmsghdr *nlh, void *out)
{
	return ipvs_parse_timeouts_msg(nlh, out);
}

struct svc_out {
	struct ipvs_service *svc;
	struct ipvs_stats *stats;
};

static int parse_service(const struct nlmsghdr *nlh, void *out)
{
	struct svc_out *o = out;

	return ipvs_parse_service_msg(nlh, o->svc, o->stats);
}

/* A do-request with no attributes whose one reply @parse decodes. */
static int get_one(struct ipvs_handle *h, uint8_t cmd,
                   int (*parse)(const struct nlmsghdr *, void *), void *out)
{
	struct one_ctx c = { .out = out, .parse = parse };
	uint32_t seq = ipvs_nl_next_seq(h);
	int err;

	ipvs_nl_msg_reset(h->msg);
	err = request(h, seq, ipvs_nl_build_simple(h->msg, h->family, seq, DO_FLAGS, cmd), one_cb,
	              &c);
	if (!err && !c.got)
		err = -EPROTO;
	return err;
}

int ipvs_get_info(struct ipvs_handle *h, struct ipvs_info *out)
{
	memset(out, 0, sizeof(*out));
	return get_one(h, IPVS_CMD_GET_INFO, parse_info, out);
}

int ipvs_get_timeouts(struct ipvs_handle *h, struct ipvs_timeouts *out)
{
	memset(out, 0, sizeof(*out));
	return get_one(h, IPVS_CMD_GET_CONFIG, parse_timeouts, out);
}

int ipvs_set_timeouts(struct ipvs_handle *h, const struct ipvs_timeouts *t)
{
	uint32_t seq = ipvs_nl_next_seq(h);

	ipvs_nl_msg_reset(h->msg);
	return request(h, seq, ipvs_nl_build_timeouts(h->msg, h->family, seq, DO_FLAGS, t), NULL,
	               NULL);
}

int ipvs_get_service(struct ipvs_handle *h, struct ipvs_service *inout)
{
	return ipvs_get_service_stats(h, inout, NULL);
}

int ipvs_get_service_stats(struct ipvs_handle *h, struct ipvs_service *inout,
                           struct ipvs_stats *stats)
{
	struct ipvs_service got;
	struct svc_out o = { &got, stats };
	struct one_ctx c = { .out = &o, .parse = parse_service };
	uint32_t seq = ipvs_nl_next_seq(h);
	int err;

	ipvs_nl_msg_reset(h->msg);
	err = request(
	    h, seq,
	    ipvs_nl_build_svc_id(h->msg, h->family, seq, DO_FLAGS, IPVS_CMD_GET_SERVICE, inout),
	    one_cb, &c);
	if (!err && !c.got)
		err = -ESRCH;
	if (!err)
		*inout = got;
	return err;
}

int ipvs_zero(struct ipvs_handle *h, const struct ipvs_service *s)
{
	uint32_t seq = ipvs_nl_next_seq(h);

	ipvs_nl_msg_reset(h->msg);
	/* No service nest: the kernel zeroes every service. */
	return request(h, seq,
	               s ? ipvs_nl_build_svc_id(h->msg, h->family, seq, DO_FLAGS, IPVS_CMD_ZERO, s)
	                 : ipvs_nl_build_simple(h->msg, h->family, seq, DO_FLAGS, IPVS_CMD_ZERO),
	               NULL, NULL);
}

int ipvs_flush(struct ipvs_handle *h)
{
	uint32_t seq = ipvs_nl_next_seq(h);

	ipvs_nl_msg_reset(h->msg);
	return request(h, seq,
	               ipvs_nl_build_simple(h->msg, h->family, seq, DO_FLAGS, IPVS_CMD_FLUSH), NULL,
	               NULL);
}

struct daemons_ctx {
	struct ipvs_daemon *out;
	size_t n;
};

static int daemon_cb(void *arg, const struct nlmsghdr *nlh)
{
	struct daemons_ctx *c = arg;
	struct ipvs_daemon d;

	if (ipvs_parse_daemon_msg(nlh, &d) < 0) {
		log_warn("ipvs_dump_skipped", "kind=daemon reason=malformed_reply");
		return 0;
	}
	if (c->n < 2)
		c->out[c->n++] = d;
	return 0;
}

int ipvs_get_daemons(struct ipvs_handle *h, struct ipvs_daemon out[2], size_t *n)
{
	struct daemons_ctx c = { .out = out };
	uint32_t seq = ipvs_nl_next_seq(h);
	int err;

	memset(out, 0, 2 * sizeof(*out));
	ipvs_nl_msg_reset(h->msg);
	err = request(h, seq,
	              ipvs_nl_build_simple(h->msg, h->family, seq, DUMP_FLAGS, IPVS_CMD_GET_DAEMON),
	              daemon_cb, &c);
	*n = err ? 0 : c.n;
	return err;
}

int ipvs_start_daemon(struct ipvs_handle *h, const struct ipvs_daemon *d)
{
	uint32_t seq = ipvs_nl_next_seq(h);

	ipvs_nl_msg_reset(h->msg);
	return request(
	    h, seq, ipvs_nl_build_daemon(h->msg, h->family, seq, DO_FLAGS, IPVS_CMD_NEW_DAEMON, d),
	    NULL, NULL);
}

int ipvs_stop_daemon(struct ipvs_handle *h, uint32_t state)
{
	struct ipvs_daemon d = { .state = state };
	uint32_t seq = ipvs_nl_next_seq(h);

	ipvs_nl_msg_reset(h->msg);
	return request(
	    h, seq, ipvs_nl_build_daemon(h->msg, h->family, seq, DO_FLAGS, IPVS_CMD_DEL_DAEMON, &d),
	    NULL, NULL);
}
