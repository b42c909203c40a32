/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dumps: GET_SERVICE, then GET_DEST per service. Replies of any size arrive
 * as several datagrams and ipvs_nl_wait() reads until NLMSG_DONE.
 *
 * A dump is not a snapshot: the kernel resumes each datagram by position
 * and drops its lock in between, so an entry added or removed meanwhile can
 * make another one show up twice (or not at all). Entries are therefore
 * keyed by identity as they arrive; a repeat replaces the earlier copy in
 * place (it is the fresher one) instead of adding a second entry. What was
 * missed is for the caller's next pass to see.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../lib/log.h"
#include "ipvs_nl.h"

/* ---- the identity index ---------------------------------------------- */

void ipvs_nl_seen_free(struct ipvs_nl_seen *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}

/* FNV-1a: the keys are a few dozen bytes, any decent spread will do. */
static uint32_t hash_bytes(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t svc_hash(const struct ipvs_service *s)
{
	uint32_t h = hash_bytes(2166136261u, &s->addr.af, sizeof(s->addr.af));

	if (s->fwmark)
		return hash_bytes(h, &s->fwmark, sizeof(s->fwmark));
	h = hash_bytes(h, &s->protocol, sizeof(s->protocol));
	h = hash_bytes(h, &s->port, sizeof(s->port));
	return hash_bytes(h, s->addr.a.b, sizeof(s->addr.a.b));
}

static uint32_t dest_hash(const struct ipvs_dest *d)
{
	uint32_t h = hash_bytes(2166136261u, &d->addr.af, sizeof(d->addr.af));

	h = hash_bytes(h, &d->port, sizeof(d->port));
	return hash_bytes(h, d->addr.a.b, sizeof(d->addr.a.b));
}

static int seen_grow(struct ipvs_nl_seen *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64;
	struct ipvs_nl_seen_slot *old = s->slot, *nw = calloc(cap, sizeof(*nw));

	if (!nw)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!old[i].idx1)
			continue;
		for (j = old[i].hash & (cap - 1); nw[j].idx1; j = (j + 1) & (cap - 1))
			;
		nw[j] = old[i];
	}
	free(old);
	s->slot = nw;
	s->cap = cap;
	return 0;
}

typedef bool (*seen_eq)(const void *base, size_t idx, const void *key);

/*
 * Looks @key up; when absent, records it as entry @idx. Returns the index of
 * the equal entry already seen, SIZE_MAX when @key is new, or (size_t)-2 on
 * ENOMEM.
 */
static size_t seen_put(struct ipvs_nl_seen *s, uint32_t hash, const void *base, seen_eq eq,
                       const void *key, size_t idx)
{
	struct ipvs_nl_seen_slot *slot;
	size_t j;

	if ((s->n + 1) * 2 > s->cap && seen_grow(s) < 0)
		return (size_t)-2;
	slot = s->slot;
	for (j = hash & (s->cap - 1); slot[j].idx1; j = (j + 1) & (s->cap - 1))
		if (slot[j].hash == hash && eq(base, slot[j].idx1 - 1, key))
			return slot[j].idx1 - 1;
	slot[j].idx1 = (uint32_t)idx + 1;
	slot[j].hash = hash;
	s->n++;
	return SIZE_MAX;
}

static bool svc_eq(const void *base, size_t idx, const void *key)
{
	return ipvs_service_same(&((const struct ipvs_vs *)base)[idx].svc, key);
}

static bool dest_eq(const void *base, size_t idx, const void *key)
{
	return ipvs_dest_same(&((const struct ipvs_dest *)base)[idx], key);
}

/* ---- services ---------------------------------------------------------- */

struct svc_ctx {
	struct ipvs_table *t;
	size_t base; /* entries before this were not ours */
	struct ipvs_nl_seen seen;
	size_t dups, bad;
};

static int svc_cb(void *arg, const struct nlmsghdr *nlh)
{
	struct svc_ctx *c = arg;
	struct ipvs_service s;
	size_t dup;

	if (ipvs_parse_service_msg(nlh, &s) < 0) {
		/* Keep the rest of the table; ipvsadm would fail the whole listing. */
		c->bad++;
		return 0;
	}
	dup = seen_put(&c->seen, svc_hash(&s), c->t->vs + c->base, svc_eq, &s, c->t->n - c->base);
	if (dup == (size_t)-2)
		return -ENOMEM;
	if (dup != SIZE_MAX) {
		c->t->vs[c->base + dup].svc = s;
		c->dups++;
		return 0;
	}
	return ipvs_table_add(c->t, &s) ? 0 : -ENOMEM;
}

int ipvs_dump_services(struct ipvs_handle *h, struct ipvs_table *out)
{
	struct svc_ctx c = { .t = out, .base = out->n };
	uint32_t seq = ipvs_nl_next_seq(h);
	int err;

	ipvs_nl_msg_reset(h->msg);
	err = ipvs_nl_build_simple(h->msg, h->family, seq, NLM_F_REQUEST | NLM_F_DUMP,
	                           IPVS_CMD_GET_SERVICE);
	if (!err)
		err = ipvs_nl_transact(h, seq, svc_cb, &c);
	ipvs_nl_seen_free(&c.seen);
	if (c.bad)
		log_warn("ipvs_dump_skipped", "kind=service count=%zu reason=malformed_reply",
		         c.bad);
	if (c.dups)
		log_debug("ipvs_dump_duplicates", "kind=service count=%zu", c.dups);
	return err;
}

/* ---- destinations ---------------------------------------------------- */

struct dest_ctx {
	struct ipvs_vs *vs;
	size_t base;
	struct ipvs_nl_seen seen;
	size_t dups, bad;
};

static int dest_cb(void *arg, const struct nlmsghdr *nlh)
{
	struct dest_ctx *c = arg;
	struct ipvs_dest d;
	size_t dup;

	if (ipvs_parse_dest_msg(nlh, &d) < 0) {
		c->bad++;
		return 0;
	}
	if (!d.addr.af) {
		/* No ADDR_FAMILY (kernels before 3.18): the service's family. */
		d.addr.af = c->vs->svc.addr.af;
		if (d.addr.af == AF_INET)
			memset(d.addr.a.b + 4, 0, 12);
	}
	dup = seen_put(&c->seen, dest_hash(&d), c->vs->dests + c->base, dest_eq, &d,
	               c->vs->n_dests - c->base);
	if (dup == (size_t)-2)
		return -ENOMEM;
	if (dup != SIZE_MAX) {
		c->vs->dests[c->base + dup] = d;
		c->dups++;
		return 0;
	}
	return ipvs_vs_add_dest(c->vs, &d);
}

int ipvs_dump_dests(struct ipvs_handle *h, struct ipvs_vs *vs)
{
	struct dest_ctx c = { .vs = vs, .base = vs->n_dests };
	uint32_t seq = ipvs_nl_next_seq(h);
	int err;

	/*
	 * A service removed since the service dump gives an empty dump, not
	 * ESRCH: it then shows no destinations, and the caller's next pass
	 * no longer sees it.
	 */
	ipvs_nl_msg_reset(h->msg);
	err = ipvs_nl_build_svc_id(h->msg, h->family, seq, NLM_F_REQUEST | NLM_F_DUMP,
	                           IPVS_CMD_GET_DEST, &vs->svc);
	if (!err)
		err = ipvs_nl_transact(h, seq, dest_cb, &c);
	ipvs_nl_seen_free(&c.seen);
	if (c.bad)
		log_warn("ipvs_dump_skipped", "kind=dest count=%zu reason=malformed_reply", c.bad);
	if (c.dups)
		log_debug("ipvs_dump_duplicates", "kind=dest count=%zu", c.dups);
	return err;
}

int ipvs_dump_table(struct ipvs_handle *h, struct ipvs_table *out)
{
	size_t base = out->n;
	int err = ipvs_dump_services(h, out);

	for (size_t i = base; !err && i < out->n; i++)
		err = ipvs_dump_dests(h, &out->vs[i]);
	return err;
}
