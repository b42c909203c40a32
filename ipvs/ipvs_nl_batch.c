/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_apply(): changes sent pipelined, many requests per sendmsg().
 *
 * The kernel handles every request of a sendmsg() before the call returns
 * and answers only failures (requests go without NLM_F_ACK); one NLMSG_NOOP
 * with NLM_F_ACK closes each batch, and its ACK, queued after every error
 * of the batch, says the batch is finished. So a batch of thousands of
 * changes that all succeed costs one sendmsg() and one recvmsg(). Errors
 * find their change by sequence number.
 *
 * A batch holds at most h->window requests: had they all failed, their
 * error replies still fit in the receive buffer (ipvs_nl_sock.c sizes both).
 * Should replies be dropped anyway (ENOBUFS), the changes whose outcome is
 * unknown carry -ENOBUFS and the batch stops there.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "../lib/log.h"
#include "ipvs_nl.h"

struct chunk {
	uint32_t first; /* sequence number of the batch's first request */
	size_t cnt;     /* requests in the batch; the fence is first + cnt */
};

/* One reply: attaches an error to its change; true for the fence's ACK. */
static bool take_reply(struct ipvs_handle *h, struct ipvs_change *changes, const struct chunk *ch,
                       uint32_t fence, const struct nlmsghdr *nlh)
{
	uint32_t k = nlh->nlmsg_seq - ch->first;

	if (nlh->nlmsg_type != NLMSG_ERROR)
		return false; /* a stale reply to an earlier request */
	if (nlh->nlmsg_seq == fence)
		return true;
	if (k >= ch->cnt) {
		log_debug("ipvs_stale_reply", "seq=%u type=%u", nlh->nlmsg_seq, nlh->nlmsg_type);
		return false;
	}
	changes[h->map[k]].err = ipvs_nl_msg_error(nlh);
	return false;
}

/* Reads until the fence's ACK, attaching each error to its change. */
static int collect(struct ipvs_handle *h, struct ipvs_change *changes, const struct chunk *ch)
{
	uint32_t fence = ch->first + (uint32_t)ch->cnt;
	bool lost = false, done = false;
	int err = 0;

	while (!done) {
		/* After ENOBUFS the fence itself may be gone: everything is
		 * queued already (the kernel answered inside sendmsg), so read
		 * what is left without waiting. */
		int n = ipvs_nl_recv(h, lost ? MSG_DONTWAIT : 0);
		struct nlmsghdr *nlh;

		if (n == -ENOBUFS) {
			lost = true;
			continue;
		}
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			err = n;
			break;
		}
		for (int d = 0; d < n; d++) {
			unsigned len;

			for (nlh = ipvs_nl_dgram(h, d, &len); NLMSG_OK(nlh, len);
			     nlh = NLMSG_NEXT(nlh, len))
				done |= take_reply(h, changes, ch, fence, nlh);
		}
	}
	if (!err && lost)
		err = -ENOBUFS;
	if (err) {
		/* No reply is no proof of success any more. */
		for (size_t k = 0; k < ch->cnt; k++)
			if (!changes[h->map[k]].err)
				changes[h->map[k]].err = err;
		log_warn("ipvs_batch_lost", "changes=%zu err=%d window=%zu rcvbuf=%d", ch->cnt, err,
		         h->window, h->rcvbuf);
	}
	return err;
}

/* Builds, sends and collects one batch from changes[*pos]; advances *pos. */
static int apply_chunk(struct ipvs_handle *h, struct ipvs_change *changes, size_t n, size_t *pos)
{
	struct chunk ch = { .first = h->seq + 1 ? h->seq + 1 : 1 };
	struct nlmsghdr *fence;
	size_t off = 0, i = *pos;
	int err;

	while (i < n && ch.cnt < h->window) {
		struct ipvs_change *c = &changes[i];
		struct nlmsghdr *nlh;

		ipvs_nl_msg_reset(h->msg);
		/* No NLM_F_ACK: the kernel answers only failures. */
		err = ipvs_nl_build_change(h->msg, h->family, 0, NLM_F_REQUEST, c);
		if (err < 0) {
			c->err = err; /* never sent: the kernel would refuse it */
			i++;
			continue;
		}
		nlh = nlmsg_hdr(h->msg);
		if (off + NLMSG_ALIGN(nlh->nlmsg_len) + NLMSG_HDRLEN > h->sbuf_len)
			break;
		nlh->nlmsg_seq = ch.first + (uint32_t)ch.cnt;
		memcpy(h->sbuf + off, nlh, nlh->nlmsg_len);
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		c->err = 0;
		h->map[ch.cnt++] = i++;
	}
	*pos = i;
	if (ch.cnt == 0)
		return 0;
	fence = (struct nlmsghdr *)(h->sbuf + off);
	memset(fence, 0, NLMSG_HDRLEN);
	fence->nlmsg_len = NLMSG_HDRLEN;
	fence->nlmsg_type = NLMSG_NOOP;
	fence->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	fence->nlmsg_seq = ch.first + (uint32_t)ch.cnt;
	h->seq = fence->nlmsg_seq;
	err = ipvs_nl_send(h, h->sbuf, off + NLMSG_HDRLEN);
	if (err < 0) {
		for (size_t k = 0; k < ch.cnt; k++)
			changes[h->map[k]].err = err;
		return err;
	}
	return collect(h, changes, &ch);
}

int ipvs_apply(struct ipvs_handle *h, struct ipvs_change *changes, size_t n, size_t *n_failed)
{
	size_t pos = 0, failed = 0;
	int err = 0;

	while (pos < n && !err)
		err = apply_chunk(h, changes, n, &pos);
	/* Not sent at all: they carry the socket's error too. */
	for (; pos < n; pos++)
		changes[pos].err = err;
	for (size_t i = 0; i < n; i++)
		failed += changes[i].err != 0;
	if (n_failed)
		*n_failed = failed;
	return err;
}

static int apply_one(struct ipvs_handle *h, enum ipvs_op op, const struct ipvs_service *s,
                     const struct ipvs_dest *d)
{
	struct ipvs_change c;
	int err;

	memset(&c, 0, sizeof(c));
	c.op = op;
	c.svc = *s;
	if (d)
		c.dest = *d;
	err = ipvs_apply(h, &c, 1, NULL);
	return err ? err : c.err;
}

int ipvs_add_service(struct ipvs_handle *h, const struct ipvs_service *s)
{
	return apply_one(h, IPVS_OP_ADD_SERVICE, s, NULL);
}

int ipvs_edit_service(struct ipvs_handle *h, const struct ipvs_service *s)
{
	return apply_one(h, IPVS_OP_EDIT_SERVICE, s, NULL);
}

int ipvs_del_service(struct ipvs_handle *h, const struct ipvs_service *s)
{
	return apply_one(h, IPVS_OP_DEL_SERVICE, s, NULL);
}

int ipvs_add_dest(struct ipvs_handle *h, const struct ipvs_service *s, const struct ipvs_dest *d)
{
	return apply_one(h, IPVS_OP_ADD_DEST, s, d);
}

int ipvs_edit_dest(struct ipvs_handle *h, const struct ipvs_service *s, const struct ipvs_dest *d)
{
	return apply_one(h, IPVS_OP_EDIT_DEST, s, d);
}

int ipvs_del_dest(struct ipvs_handle *h, const struct ipvs_service *s, const struct ipvs_dest *d)
{
	return apply_one(h, IPVS_OP_DEL_DEST, s, d);
}
