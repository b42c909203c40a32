/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kipvs-testtool ct-test` — ipvs/ct directly, and the measurement behind
 * the choice of ctnetlink code (README, "UDP conntrack clean-up"):
 *
 *   ct-test dump PROTO [DST [PORT [REPLY_SRC]]] [-6]
 *       the matching entries, one per line (orig and reply tuples, zone, id)
 *   ct-test delete PROTO DST PORT [REPLY_SRC] [-6]
 *       deletes the matching entries; "deleted N" (ENOENT counts as gone)
 *   ct-test time PROTO DST PORT [REPLOOPS] [-6]
 *       times, over the whole table, the ways of finding the entries to
 *       a destination: the kernel-filtered dump (ipvs/ct), an unfiltered
 *       dump of the family read with ipvs/ct's parser, and libnl-nf-3's
 *       dump parsed into its objects (streamed, and as a cache). Prints
 *       "NAME ms=X found=N" per method (best of REPLOOPS runs, default 3).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netfilter/ct.h>
#include <netlink/netfilter/nfnl.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../ipvs/ct.h"
#include "testtool.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void print_tuple(const struct ct_tuple *t)
{
	char s[ADDR_STRLEN], d[ADDR_STRLEN];

	printf("src=%s dst=%s sport=%u dport=%u", addr_fmt(&t->src, s), addr_fmt(&t->dst, d),
	       t->sport, t->dport);
}

static int print_entry(void *ctx, const struct ct_entry *e)
{
	(void)ctx;
	printf("proto=%u ", e->orig.proto);
	print_tuple(&e->orig);
	printf(" | ");
	print_tuple(&e->reply);
	printf(" zone=%u id=%u\n", e->zone, e->id);
	return 0;
}

struct collect {
	struct ct_entry *v;
	size_t n, cap;
};

static int collect(void *ctx, const struct ct_entry *e)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		struct ct_entry *nv = realloc(c->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->v = nv;
		c->cap = nc;
	}
	c->v[c->n++] = *e;
	return 0;
}

static int count(void *ctx, const struct ct_entry *e)
{
	(void)e;
	(*(size_t *)ctx)++;
	return 0;
}

/* --- libnl-nf-3, for the comparison ---------------------------------------------- */

struct nf_count {
	struct nl_addr *dst;
	uint16_t port;
	uint8_t proto;
	size_t found, seen;
};

static int nf_match(struct nfnl_ct *ct, struct nf_count *c)
{
	struct nl_addr *d = nfnl_ct_get_dst(ct, 0);

	c->seen++;
	return d && nfnl_ct_get_proto(ct) == c->proto && !nl_addr_cmp(d, c->dst) &&
	       nfnl_ct_get_dst_port(ct, 0) == c->port;
}

static int nf_valid(struct nl_msg *msg, void *arg)
{
	struct nf_count *c = arg;
	struct nfnl_ct *ct = NULL;

	if (nfnlmsg_ct_parse(nlmsg_hdr(msg), &ct) < 0)
		return NL_SKIP;
	c->found += (size_t)nf_match(ct, c);
	nfnl_ct_put(ct);
	return NL_OK;
}

static int nf_stream(struct nf_count *c, int af)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk)
		return -ENOMEM;
	nl_socket_disable_seq_check(sk);
	err = nfnl_connect(sk);
	if (err >= 0)
		err = nl_socket_set_buffer_size(sk, 4 << 20, 0);
	if (err >= 0)
		err = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, nf_valid, c);
	/* libnl-nf-3 asks for every family; nothing narrower is on offer. */
	(void)af;
	if (err >= 0)
		err = nfnl_ct_dump_request(sk);
	if (err >= 0)
		err = nl_recvmsgs_default(sk);
	nl_socket_free(sk);
	return err < 0 ? -EIO : 0;
}

static void nf_cache_each(struct nl_object *o, void *arg)
{
	struct nf_count *c = arg;

	c->found += (size_t)nf_match((struct nfnl_ct *)o, c);
}

static int nf_cache(struct nf_count *c)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	int err;

	if (!sk)
		return -ENOMEM;
	err = nfnl_connect(sk);
	if (err >= 0)
		err = nl_socket_set_buffer_size(sk, 4 << 20, 0);
	if (err >= 0)
		err = nfnl_ct_alloc_cache(sk, &cache);
	if (err >= 0)
		nl_cache_foreach(cache, nf_cache_each, c);
	if (cache)
		nl_cache_free(cache);
	nl_socket_free(sk);
	return err < 0 ? -EIO : 0;
}

static int time_methods(struct ct_handle *h, const struct ct_filter *f, int loops)
{
	const char *names[] = { "ctnetlink-filtered", "ctnetlink-unfiltered", "libnl-nf-stream",
		                "libnl-nf-cache" };
	char buf[ADDR_STRLEN];

	for (int m = 0; m < 4; m++) {
		double best = 1e18;
		size_t found = 0, seen = 0;

		for (int l = 0; l < loops; l++) {
			struct ct_filter all = { .af = f->af, .proto = f->proto };
			struct nf_count c = { .port = f->orig_dport, .proto = f->proto };
			double t0 = now_ms(), t;
			int err = 0;

			found = 0;
			if (m == 0) {
				err = ct_dump(h, f, count, &found);
			} else if (m == 1) {
				/* The kernel returns every entry of the family; the
				 * same match runs here. */
				struct collect col = { 0 };

				all.proto = f->proto;
				err = ct_dump(h, &all, collect, &col);
				for (size_t i = 0; i < col.n; i++)
					found += ct_filter_match(f, &col.v[i]);
				seen = col.n;
				free(col.v);
			} else {
				c.dst = nl_addr_build(f->af, f->orig_dst.a.b,
				                      f->af == AF_INET ? 4 : 16);
				err = c.dst ? (m == 2 ? nf_stream(&c, f->af) : nf_cache(&c))
				            : -ENOMEM;
				nl_addr_put(c.dst);
				found = c.found;
				seen = c.seen;
			}
			t = now_ms() - t0;
			if (err) {
				fprintf(stderr, "ct-test time: %s: %s\n", names[m], strerror(-err));
				return 1;
			}
			if (t < best)
				best = t;
		}
		printf("%s ms=%.1f found=%zu", names[m], best, found);
		if (seen)
			printf(" entries_read=%zu", seen);
		printf(" dst=%s\n", addr_port_fmt(&f->orig_dst, f->orig_dport, buf));
	}
	return 0;
}

int tool_ct_test(int argc, char **argv)
{
	struct ct_filter f = { .af = AF_INET };
	struct ct_handle *h;
	int nargs = 0, rc = 0, err, loops = 3;
	const char *args[8];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-6"))
			f.af = AF_INET6;
		else if (nargs < 8)
			args[nargs++] = argv[i];
	}
	if (nargs < 2) {
		fprintf(stderr, "usage: kipvs-testtool ct-test dump|delete|time PROTO [DST [PORT "
		                "[REPLY_SRC|LOOPS]]] [-6]\n");
		return 2;
	}
	f.proto = !strcmp(args[1], "udp")    ? IPPROTO_UDP
	          : !strcmp(args[1], "sctp") ? IPPROTO_SCTP
	                                     : IPPROTO_TCP;
	if ((nargs > 2 && addr_parse(args[2], &f.orig_dst) < 0) ||
	    (nargs > 4 && strcmp(args[0], "time") && addr_parse(args[4], &f.reply_src) < 0)) {
		fprintf(stderr, "ct-test: bad address\n");
		return 2;
	}
	if (nargs > 3)
		f.orig_dport = (uint16_t)strtoul(args[3], NULL, 10);
	if (nargs > 4 && !strcmp(args[0], "time"))
		loops = (int)strtol(args[4], NULL, 10) > 0 ? (int)strtol(args[4], NULL, 10) : 3;
	if (f.orig_dst.af)
		f.af = f.orig_dst.af;
	err = ct_open(&h);
	if (err) {
		fprintf(stderr, "ct-test: %s\n", ct_strerror(err));
		return 1;
	}
	if (!strcmp(args[0], "dump")) {
		err = ct_dump(h, &f, print_entry, NULL);
	} else if (!strcmp(args[0], "delete") && f.orig_dst.af && f.orig_dport) {
		struct collect c = { 0 };
		size_t gone = 0;
		int *errs;

		err = ct_dump(h, &f, collect, &c);
		errs = calloc(c.n ? c.n : 1, sizeof(*errs));
		if (!err && !errs)
			err = -ENOMEM;
		if (!err)
			err = ct_delete(h, c.v, c.n, errs);
		for (size_t i = 0; !err && i < c.n; i++)
			gone += errs[i] == 0 || errs[i] == -ENOENT;
		if (!err)
			printf("deleted %zu\n", gone);
		free(errs);
		free(c.v);
	} else if (!strcmp(args[0], "time") && f.orig_dst.af && f.orig_dport) {
		rc = time_methods(h, &f, loops);
	} else {
		fprintf(stderr, "ct-test: unknown command or missing DST PORT\n");
		rc = 2;
	}
	if (err) {
		fprintf(stderr, "ct-test: %s\n", strerror(-err));
		rc = 1;
	}
	ct_close(h);
	return rc;
}
