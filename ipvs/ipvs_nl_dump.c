/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Dumps: GET_SERVICE, then GET_DEST per service. Replies of any size arrive
 * as several datagrams and ipvs_nl_wait() reads until NLMSG_DONE.
 *
 * A dump is not a snapshot: the kernel resumes each datagram by position
 * and drops its lock in between, so an entry added or removed meanwhile can
 * make another one show up twice (or not at all). Entries are therefore
 * keyed by identity; a repeat replaces the earlier copy in place (it is the
 * fresher one) instead of adding a second entry. What was missed is for the
 * caller's next pass to see. One datagram is filled under the kernel's lock
 * and cannot repeat itself, so the index is built only when a dump's second
 * datagram arrives: most per-service destination dumps never need it.
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

/* ---- accumulating a dump ------------------------------------------------ */

void ipvs_nl_acc_services(struct ipvs_nl_acc *a, struct ipvs_table *t)
{
	memset(a, 0, sizeof(*a));
	a->t = t;
	a->base = t->n;
}

void ipvs_nl_acc_dests(struct ipvs_nl_acc *a, struct ipvs_vs *vs)
{
	memset(a, 0, sizeof(*a));
	a->vs = vs;
	a->base = vs->n_dests;
}

/* Entry @i (counted from the dump's first) of the array being filled. */
static const void *acc_entry(const struct ipvs_nl_acc *a, size_t i)
{
	return a->t ? (const void *)&a->t->vs[a->base + i].svc
	            : (const void *)&a->vs->dests[a->base + i];
}

static size_t acc_count(const struct ipvs_nl_acc *a)
{
	return (a->t ? a->t->n : a->vs->n_dests) - a->base;
}

static uint32_t acc_hash(const struct ipvs_nl_acc *a, const void *e)
{
	return a->t ? svc_hash(e) : dest_hash(e);
}

static bool acc_eq(const void *base, size_t idx, const void *key)
{
	const struct ipvs_nl_acc *a = base;

	return a->t ? ipvs_service_same(acc_entry(a, idx), key)
	            : ipvs_dest_same(acc_entry(a, idx), key);
}

/* Looks @e up (indexing the entries so far first, if not done yet). */
static size_t acc_find(struct ipvs_nl_acc *a, const void *e, uint64_t dgram)
{
	if (!a->first_dgram)
		a->first_dgram = dgram;
	if (!a->indexed && dgram != a->first_dgram) {
		for (size_t i = 0; i < acc_count(a); i++)
			if (seen_put(&a->seen, acc_hash(a, acc_entry(a, i)), a, acc_eq,
			             acc_entry(a, i), i) == (size_t)-2)
				return (size_t)-2;
		a->indexed = true;
	}
	if (!a->indexed)
		return SIZE_MAX;
	return seen_put(&a->seen, acc_hash(a, e), a, acc_eq, e, acc_count(a));
}

int ipvs_nl_acc_add(struct ipvs_nl_acc *a, const struct nlmsghdr *nlh, uint64_t dgram)
{
	struct ipvs_service s;
	struct ipvs_dest d;
	struct ipvs_stats st, *keep;
	bool want_st = a->t ? a->t->with_stats : a->vs->stats != NULL;
	size_t dup;

	if (a->t ? ipvs_parse_service_msg(nlh, &s, want_st ? &st : NULL) < 0
	         : ipvs_parse_dest_msg(nlh, &d, want_st ? &st : NULL) < 0) {
		/* Keep the rest of the table; ipvsadm would fail the whole listing. */
		a->bad++;
		return 0;
	}
	if (!a->t && !d.addr.af) {
		/* No ADDR_FAMILY (kernels before 3.18): the service's family. */
		d.addr.af = a->vs->svc.addr.af;
		if (d.addr.af == AF_INET)
			memset(d.addr.a.b + 4, 0, 12);
	}
	dup = acc_find(a, a->t ? (const void *)&s : (const void *)&d, dgram);
	if (dup == (size_t)-2)
		return -ENOMEM;
	if (dup != SIZE_MAX) {
		/* Seen before: keep its place, take the fresher values. */
		if (a->t) {
			a->t->vs[a->base + dup].svc = s;
			keep = ipvs_vs_stats(&a->t->vs[a->base + dup], NULL);
		} else {
			a->vs->dests[a->base + dup] = d;
			keep = ipvs_vs_stats(a->vs, &a->vs->dests[a->base + dup]);
		}
		a->dups++;
	} else if (a->t) {
		struct ipvs_vs *vs = ipvs_table_add(a->t, &s);

		if (!vs)
			return -ENOMEM;
		keep = ipvs_vs_stats(vs, NULL);
	} else {
		if (ipvs_vs_add_dest(a->vs, &d) < 0)
			return -ENOMEM;
		keep = ipvs_vs_stats(a->vs, &a->vs->dests[a->vs->n_dests - 1]);
	}
	if (keep && want_st)
		*keep = st;
	return 0;
}

void ipvs_nl_acc_finish(struct ipvs_nl_acc *a)
{
	const char *kind = a->t ? "service" : "dest";

	ipvs_nl_seen_free(&a->seen);
	if (a->bad)
		log_warn("ipvs_dump_skipped", "kind=%s count=%zu reason=malformed_reply", kind,
		         a->bad);
	if (a->dups)
		log_debug("ipvs_dump_duplicates", "kind=%s count=%zu", kind, a->dups);
}

struct dump_ctx {
	struct ipvs_handle *h;
	struct ipvs_nl_acc acc;
};

static int dump_cb(void *arg, const struct nlmsghdr *nlh)
{
	struct dump_ctx *c = arg;

	return ipvs_nl_acc_add(&c->acc, nlh, c->h->dgram_no);
}

/*
 * One dump request, asked again once if a datagram was lost to a receive
 * slot too small for this kernel (the slots have grown by then): what the
 * first try gathered is dropped.
 */
static int dump(struct ipvs_handle *h, struct dump_ctx *c, const struct ipvs_service *svc)
{
	int err = -EMSGSIZE;

	for (int attempt = 0; attempt < 2 && err == -EMSGSIZE; attempt++) {
		uint32_t seq = ipvs_nl_next_seq(h);

		if (c->acc.t) {
			struct ipvs_table *t = c->acc.t;

			while (t->n > c->acc.base)
				ipvs_vs_free(&t->vs[--t->n]);
			ipvs_nl_acc_services(&c->acc, t);
		} else {
			c->acc.vs->n_dests = c->acc.base;
			ipvs_nl_acc_dests(&c->acc, c->acc.vs);
		}
		ipvs_nl_msg_reset(h->msg);
		err = svc ? ipvs_nl_build_svc_id(h->msg, h->family, seq, NLM_F_REQUEST | NLM_F_DUMP,
		                                 IPVS_CMD_GET_DEST, svc)
		          : ipvs_nl_build_simple(h->msg, h->family, seq, NLM_F_REQUEST | NLM_F_DUMP,
		                                 IPVS_CMD_GET_SERVICE);
		if (!err)
			err = ipvs_nl_transact(h, seq, dump_cb, c);
		ipvs_nl_acc_finish(&c->acc);
	}
	return err;
}

int ipvs_dump_services(struct ipvs_handle *h, struct ipvs_table *out)
{
	struct dump_ctx c = { .h = h };

	ipvs_nl_acc_services(&c.acc, out);
	return dump(h, &c, NULL);
}

int ipvs_dump_dests(struct ipvs_handle *h, struct ipvs_vs *vs)
{
	struct dump_ctx c = { .h = h };
	struct ipvs_service svc = vs->svc;

	/*
	 * A service removed since the service dump gives an empty dump, not
	 * ESRCH: it then shows no destinations, and the caller's next pass
	 * no longer sees it.
	 */
	ipvs_nl_acc_dests(&c.acc, vs);
	return dump(h, &c, &svc);
}

int ipvs_dump_table(struct ipvs_handle *h, struct ipvs_table *out)
{
	size_t base = out->n;
	int err = ipvs_dump_services(h, out);

	for (size_t i = base; !err && i < out->n; i++)
		err = ipvs_dump_dests(h, &out->vs[i]);
	return err;
}
