/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The socket side of the nf_tables module: one NETLINK_NETFILTER socket,
 * batches sent in one sendmsg() each, every answer read and attached to the
 * operation it names, and the scoped dumps.
 *
 * The kernel processes a batch inside sendmsg() and queues its answers
 * before sendmsg() returns: an error for each message it refused, an ACK
 * for the messages that asked for one (only the last), all delivered after
 * the batch was committed or aborted. So the reader takes answers until the
 * last message's, or until an error against BATCH_BEGIN (the whole batch
 * refused: no nf_tables, out of memory, a failed commit).
 */
#include "nft.h"

#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <netlink/attr.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "nft_nl.h"
#include "nlsock.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* Dump datagrams are at most 32 KiB (the kernel's cap on its dump buffer). */
#define RBUF_LEN       (64 * 1024)
#define RCVBUF_WANT    (4 * 1024 * 1024)
#define SNDBUF_MIN     (1024 * 1024)
#define RECV_TIMEOUT_S 30
/* A dump the kernel marks interrupted (the table changed meanwhile) is
 * read again, this many times at most. */
#define DUMP_TRIES 4

struct nft_handle {
	struct nl_sock *sk;
	int fd;
	uint32_t seq;
	uint8_t *rbuf;
	int sndbuf; /* what the socket accepts in one sendmsg() */
	struct nl_msg *req;
	struct nft_batch batch;
	size_t last_msgs, last_bytes;
};

static uint32_t next_seq(struct nft_handle *h, uint32_t n)
{
	uint32_t s = h->seq + 1;

	if (s == 0 || s + n < s)
		s = 1; /* 0 is the kernel's own; wrap before it */
	h->seq = s + n;
	return s;
}

const char *nft_strerror(int err)
{
	switch (err) {
	case -EOPNOTSUPP:
	case -EPROTONOSUPPORT:
	case -EAFNOSUPPORT:
		return "nf_tables is not available in this kernel (modprobe nf_tables; "
		       "CONFIG_NF_TABLES)";
	case -EPERM:
		return "no permission for nf_tables (kipvs needs CAP_NET_ADMIN)";
	case -ENOENT:
		return "no such table, chain or set";
	default:
		return strerror(-err);
	}
}

int nft_open(struct nft_handle **out)
{
	struct nft_handle *h = calloc(1, sizeof(*h));
	struct timeval tv = { .tv_sec = RECV_TIMEOUT_S };
	int one = 1, rcv = RCVBUF_WANT, err;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	nft_batch_init(&h->batch);
	h->sk = nl_socket_alloc();
	h->rbuf = malloc(RBUF_LEN);
	h->req = nlmsg_alloc_size(4096);
	if (!h->sk || !h->rbuf || !h->req) {
		nft_close(h);
		return -ENOMEM;
	}
	err = nl_connect(h->sk, NETLINK_NETFILTER);
	if (err < 0) {
		nft_close(h);
		/* No nfnetlink in this kernel. */
		return err == -NLE_PROTO_MISMATCH || err == -NLE_AF_NOSUPPORT ? -EOPNOTSUPP
		                                                              : -ENOTCONN;
	}
	h->fd = nl_socket_get_fd(h->sk);
	/* Errors name the attribute at fault; and without echoing the request
	 * (a batch of elements would come back whole with every error). */
	(void)setsockopt(h->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(h->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(h->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		(void)setsockopt(h->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(h->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*out = h;
	return 0;
}

void nft_close(struct nft_handle *h)
{
	if (!h)
		return;
	if (h->sk)
		nl_socket_free(h->sk);
	if (h->req)
		nlmsg_free(h->req);
	nft_batch_free(&h->batch);
	free(h->rbuf);
	free(h);
}

void nft_last_batch(const struct nft_handle *h, size_t *msgs, size_t *bytes)
{
	*msgs = h->last_msgs;
	*bytes = h->last_bytes;
}

/* --- sending and receiving ---------------------------------------------------- */

/* The socket must take @len bytes in one sendmsg() (the kernel refuses
 * more than its send buffer): grow it when a batch is larger. */
static int fit_sndbuf(struct nft_handle *h, size_t len)
{
	int want;
	socklen_t sl = sizeof(h->sndbuf);

	if (h->sndbuf && (size_t)h->sndbuf >= len + 64)
		return 0;
	want = len < SNDBUF_MIN ? SNDBUF_MIN : (int)(len + 4096);
	if (setsockopt(h->fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		(void)setsockopt(h->fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (getsockopt(h->fd, SOL_SOCKET, SO_SNDBUF, &h->sndbuf, &sl) < 0)
		return -errno;
	return (size_t)h->sndbuf >= len + 64 ? 0 : -EMSGSIZE;
}

/* One datagram into h->rbuf: its length or -errno. */
static ssize_t recv_dgram(struct nft_handle *h)
{
	ssize_t n;

	do
		n = recv(h->fd, h->rbuf, RBUF_LEN, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
	return n;
}

/* The error of an NLMSG_ERROR message and, when the kernel named one, the
 * offset of the attribute at fault in the request (else 0). */
static int msg_error(const struct nlmsghdr *nlh, uint32_t *bad_off)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t hlen;

	*bad_off = 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EPROTO;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];

		hlen = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			hlen += e->msg.nlmsg_len - NLMSG_HDRLEN;
		if (NLMSG_HDRLEN + hlen <= nlh->nlmsg_len &&
		    nla_parse(tb, NLMSGERR_ATTR_MAX,
		              (struct nlattr *)((const uint8_t *)e + NLMSG_ALIGN(hlen)),
		              (int)(nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(hlen)),
		              NULL) >= 0 &&
		    tb[NLMSGERR_ATTR_OFFS])
			*bad_off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
	}
	return e->error;
}

typedef int (*reply_cb)(void *arg, const struct nlmsghdr *nlh);

/*
 * Reads the answer to request @seq: data messages to @cb until NLMSG_DONE
 * (a dump) or the ACK/error. Answers to older requests are dropped.
 * -EINTR when a dump was interrupted (the caller reads again).
 */
static int wait_reply(struct nft_handle *h, uint32_t seq, reply_cb cb, void *arg)
{
	int cb_err = 0;
	bool intr = false;

	for (;;) {
		ssize_t n = recv_dgram(h);
		const struct nlmsghdr *nlh;
		size_t at = 0;

		if (n < 0)
			return (int)n;
		while ((nlh = nlsock_next(h->rbuf, (size_t)n, &at))) {
			uint32_t off;

			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return cb_err ? cb_err : intr ? -EINTR : 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				int e = msg_error(nlh, &off);

				return e ? e : cb_err;
			}
			if (!cb_err && cb)
				cb_err = cb(arg, nlh);
		}
	}
}

static int request(struct nft_handle *h, uint8_t type, uint8_t family, bool dump, const char *table,
                   int name_attr, const char *name, reply_cb cb, void *arg)
{
	uint32_t seq = next_seq(h, 0);
	struct nlmsghdr *nlh;
	int err;

	nlmsg_free(h->req);
	h->req = nlmsg_alloc_size(4096);
	if (!h->req)
		return -ENOMEM;
	err = nft_build_get(h->req, type, family, seq, dump, table, name_attr, name);
	if (err)
		return err;
	nlh = nlmsg_hdr(h->req);
	err = nlsock_send(h->fd, nlh, nlh->nlmsg_len);
	return err ? err : wait_reply(h, seq, cb, arg);
}

/* --- reading a table ----------------------------------------------------------- */

struct rd {
	struct nft_table_def *t;
	int err;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	nv = realloc(*v, nc * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

static int on_table(void *arg, const struct nlmsghdr *nlh)
{
	struct nft_table_def *t = ((struct rd *)arg)->t, got;
	int err = nft_parse_table(nlh, &got);

	if (!err) {
		t->use = got.use;
		t->flags = got.flags;
	}
	return err;
}

struct grown {
	size_t chains, sets, rules;
};

static int add_chain(struct nft_table_def *t, size_t *cap, const struct nft_chain_def *c)
{
	int err = grow((void **)&t->chains, cap, t->n_chains, sizeof(*t->chains));

	if (!err)
		t->chains[t->n_chains++] = *c;
	return err;
}

struct chain_rd {
	struct nft_table_def *t;
	size_t *cap;
};

static int on_chain(void *arg, const struct nlmsghdr *nlh)
{
	struct chain_rd *c = arg;
	struct nft_chain_def def;
	int err = nft_parse_chain(nlh, &def);

	return err ? err : add_chain(c->t, c->cap, &def);
}

struct set_rd {
	struct nft_table_def *t;
	size_t cap;
};

static int on_set(void *arg, const struct nlmsghdr *nlh)
{
	struct set_rd *s = arg;
	struct nft_set_def def;
	int err = nft_parse_set(nlh, &def);

	if (!err)
		err = grow((void **)&s->t->sets, &s->cap, s->t->n_sets, sizeof(*s->t->sets));
	if (!err)
		s->t->sets[s->t->n_sets++] = def;
	return err;
}

/* Rules keep their chain's name until the chains are known. */
struct rule_rd {
	struct nft_rule_def *v;
	char (*chain)[NFT_NAME_LEN];
	size_t n, cap, cap_names;
};

static int on_rule(void *arg, const struct nlmsghdr *nlh)
{
	struct rule_rd *r = arg;
	int err = grow((void **)&r->v, &r->cap, r->n, sizeof(*r->v));

	if (!err)
		err = grow((void **)&r->chain, &r->cap_names, r->n, sizeof(*r->chain));
	if (!err)
		err = nft_parse_rule(nlh, r->chain[r->n], &r->v[r->n]);
	if (!err)
		r->n++;
	return err;
}

static long chain_index(const struct nft_table_def *t, const char *name)
{
	for (size_t i = 0; i < t->n_chains; i++)
		if (!strcmp(t->chains[i].name, name))
			return (long)i;
	return -1;
}

static int get_chain(struct nft_handle *h, struct nft_table_def *t, size_t *cap, const char *name)
{
	struct chain_rd c = { t, cap };
	int err = request(h, NFT_MSG_GETCHAIN, t->family, false, t->name, NFTA_CHAIN_NAME, name,
	                  on_chain, &c);

	return err == -ENOENT ? 0 : err;
}

static int read_once(struct nft_handle *h, uint8_t family, const char *name,
                     const struct nft_table_def *want, struct nft_table_def *out)
{
	struct rd rd = { out, 0 };
	struct set_rd srd = { out, 0 };
	struct rule_rd rr = { 0 };
	size_t cap_chains = 0;
	int err;

	memset(out, 0, sizeof(*out));
	out->family = family;
	snprintf(out->name, sizeof(out->name), "%s", name);
	err = request(h, NFT_MSG_GETTABLE, family, false, name, 0, NULL, on_table, &rd);
	for (size_t i = 0; !err && want && i < want->n_chains; i++)
		err = get_chain(h, out, &cap_chains, want->chains[i].name);
	if (!err)
		err = request(h, NFT_MSG_GETSET, family, true, name, 0, NULL, on_set, &srd);
	if (!err)
		err = request(h, NFT_MSG_GETRULE, family, true, name, 0, NULL, on_rule, &rr);
	/* Chains the rules sit in that were not asked for. */
	for (size_t i = 0; !err && i < rr.n; i++)
		if (chain_index(out, rr.chain[i]) < 0)
			err = get_chain(h, out, &cap_chains, rr.chain[i]);
	for (size_t i = 0; !err && i < rr.n; i++) {
		long c = chain_index(out, rr.chain[i]);

		if (c < 0) {
			/* Gone between the two reads: read again. */
			err = -EINTR;
			break;
		}
		rr.v[i].chain = (uint16_t)c;
	}
	if (!err) {
		out->rules = rr.v;
		out->n_rules = rr.n;
		rr.v = NULL;
	}
	free(rr.v);
	free(rr.chain);
	if (err)
		nft_table_def_clear(out);
	return err;
}

int nft_read_table(struct nft_handle *h, uint8_t family, const char *name,
                   const struct nft_table_def *want, struct nft_table_def *out)
{
	int err = -EINTR;

	for (int i = 0; i < DUMP_TRIES && err == -EINTR; i++)
		err = read_once(h, family, name, want, out);
	return err;
}

struct elem_rd {
	const struct nft_set_def *set;
	struct nft_elems *out;
};

static int on_elems(void *arg, const struct nlmsghdr *nlh)
{
	struct elem_rd *e = arg;

	return nft_parse_elems(nlh, e->set->key_len, nft_set_is_interval(e->set), e->out);
}

int nft_read_elems(struct nft_handle *h, uint8_t family, const char *table,
                   const struct nft_set_def *set, struct nft_elems *out)
{
	struct elem_rd e = { set, out };
	size_t start = out->n;
	int err = -EINTR;

	for (int i = 0; i < DUMP_TRIES && err == -EINTR; i++) {
		out->n = start;
		err = request(h, NFT_MSG_GETSETELEM, family, true, table, NFTA_SET_ELEM_LIST_SET,
		              set->name, on_elems, &e);
	}
	return err;
}

/* --- transactions --------------------------------------------------------------- */

/* Attaches one error answer to the operation it names. */
static void attach(const struct nft_batch *b, struct nft_op *ops, const struct nlmsghdr *nlh,
                   int err, uint32_t off)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	const struct nft_bmsg *m = nft_batch_find(b, e->msg.nlmsg_seq);
	struct nft_op *op;

	if (!m || !err)
		return;
	op = &ops[m->op];
	if (op->err)
		return; /* the first error of an operation is the one to tell */
	op->err = err;
	if ((op->kind == NFT_OP_ADD_ELEMS || op->kind == NFT_OP_DEL_ELEMS) && off) {
		long i = nft_batch_elem_at(b, m, off);

		if (i >= 0)
			op->bad = (size_t)i;
	}
}

/* Reads answers until the last message's, or an error against BEGIN (the
 * batch refused whole). Returns that batch-wide error, 0, or -errno. */
static int read_answers(struct nft_handle *h, struct nft_op *ops)
{
	const struct nft_batch *b = &h->batch;
	uint32_t last = b->m[b->n - 1].seq;

	for (;;) {
		ssize_t n = recv_dgram(h);
		const struct nlmsghdr *nlh;
		size_t at = 0;

		if (n < 0)
			return (int)n;
		while ((nlh = nlsock_next(h->rbuf, (size_t)n, &at))) {
			const struct nlmsgerr *e = nlmsg_data(nlh);
			uint32_t off;
			int err;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			err = msg_error(nlh, &off);
			if (e->msg.nlmsg_seq == b->begin_seq && err)
				return err;
			if (e->msg.nlmsg_seq < b->begin_seq || e->msg.nlmsg_seq > last)
				continue; /* an older exchange's */
			attach(b, ops, nlh, err, off);
			if (e->msg.nlmsg_seq == last)
				return 0;
		}
	}
}

int nft_apply(struct nft_handle *h, struct nft_op *ops, size_t n)
{
	struct nft_batch *b = &h->batch;
	bool failed = false;
	int err;

	h->last_msgs = h->last_bytes = 0;
	for (size_t i = 0; i < n; i++) {
		ops[i].err = 0;
		ops[i].bad = ops[i].n;
	}
	if (!n)
		return 0;
	/* Sequence numbers for BEGIN, every message and END: counted after
	 * encoding, reserved now (an upper bound is not needed: the batch
	 * takes what it uses from h->seq afterwards). */
	err = nft_batch_start(b, next_seq(h, 0));
	for (size_t i = 0; !err && i < n; i++)
		err = nft_batch_op(b, &ops[i], (uint32_t)i);
	if (!err)
		err = nft_batch_finish(b);
	if (err)
		return err;
	h->seq = b->next_seq;
	h->last_msgs = b->n;
	h->last_bytes = b->len;
	if (!b->n)
		return 0;
	err = fit_sndbuf(h, b->len);
	if (!err)
		err = nlsock_send(h->fd, b->buf, b->len);
	if (!err)
		err = read_answers(h, ops);
	if (err == -ENOENT || err == -EPROTONOSUPPORT)
		err = -EOPNOTSUPP; /* BEGIN refused: the subsystem is not there */
	if (err) {
		for (size_t i = 0; i < n; i++)
			ops[i].err = 0;
		return err;
	}
	for (size_t i = 0; i < n; i++)
		failed |= ops[i].err != 0;
	for (size_t i = 0; failed && i < n; i++)
		if (!ops[i].err)
			ops[i].err = -ECANCELED;
	return 0;
}
