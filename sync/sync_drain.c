/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_drain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "sync_hash.h"

struct dd {
	struct net_addr addr;
	uint16_t port;
	uint64_t since;
};

/* The draining destinations of one virtual server. */
struct dvs {
	struct ipvs_service id;
	uint64_t hash;
	struct dd *v;
	size_t n, cap;
};

struct sync_drain {
	struct sync_hash vs;
	uint64_t timeout_ms;
	size_t count;
};

static bool dvs_eq(const void *item, const void *key)
{
	return ipvs_service_same(&((const struct dvs *)item)->id, key);
}

int sync_drain_new(struct sync_drain **out, uint64_t timeout_ms)
{
	struct sync_drain *d = calloc(1, sizeof(*d));

	*out = d;
	if (!d)
		return -ENOMEM;
	sync_hash_init(&d->vs);
	d->timeout_ms = timeout_ms;
	return 0;
}

void sync_drain_free(struct sync_drain *d)
{
	size_t pos = 0;
	struct dvs *v;

	if (!d)
		return;
	while ((v = sync_hash_next(&d->vs, &pos))) {
		free(v->v);
		free(v);
	}
	sync_hash_free(&d->vs);
	free(d);
}

uint64_t sync_drain_timeout(const struct sync_drain *d)
{
	return d->timeout_ms;
}

static struct dvs *find_vs(const struct sync_drain *d, const struct ipvs_service *vs)
{
	if (!d->vs.n)
		return NULL;
	return sync_hash_find(&d->vs, sync_vs_hash(vs), dvs_eq, vs);
}

static ssize_t find_dest(const struct dvs *v, const struct ipvs_dest *dest)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].port == dest->port && addr_eq(&v->v[i].addr, &dest->addr))
			return (ssize_t)i;
	return -1;
}

bool sync_drain_has_vs(const struct sync_drain *d, const struct ipvs_service *vs)
{
	return find_vs(d, vs) != NULL;
}

bool sync_drain_get(const struct sync_drain *d, const struct ipvs_service *vs,
                    const struct ipvs_dest *dest, uint64_t *since)
{
	struct dvs *v = find_vs(d, vs);
	ssize_t i = v ? find_dest(v, dest) : -1;

	if (i < 0)
		return false;
	if (since)
		*since = v->v[i].since;
	return true;
}

int sync_drain_start(struct sync_drain *d, const struct ipvs_service *vs,
                     const struct ipvs_dest *dest, uint64_t now)
{
	struct dvs *v = find_vs(d, vs);

	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
		sync_vs_id(&v->id, vs);
		v->hash = sync_vs_hash(vs);
		if (sync_hash_insert(&d->vs, v->hash, v)) {
			free(v);
			return -ENOMEM;
		}
	} else if (find_dest(v, dest) >= 0) {
		return 0;
	}
	if (v->n == v->cap) {
		size_t nc = v->cap ? v->cap * 2 : 4;
		struct dd *nv = realloc(v->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		v->v = nv;
		v->cap = nc;
	}
	v->v[v->n].addr = dest->addr;
	v->v[v->n].port = dest->port;
	v->v[v->n].since = now;
	v->n++;
	d->count++;
	return 0;
}

static void drop_vs(struct sync_drain *d, struct dvs *v)
{
	sync_hash_remove(&d->vs, v->hash, dvs_eq, &v->id);
	d->count -= v->n;
	free(v->v);
	free(v);
}

void sync_drain_stop(struct sync_drain *d, const struct ipvs_service *vs,
                     const struct ipvs_dest *dest)
{
	struct dvs *v = find_vs(d, vs);
	ssize_t i = v ? find_dest(v, dest) : -1;

	if (i < 0)
		return;
	v->v[i] = v->v[--v->n];
	d->count--;
	if (!v->n)
		drop_vs(d, v);
}

void sync_drain_forget_vs(struct sync_drain *d, const struct ipvs_service *vs)
{
	struct dvs *v = find_vs(d, vs);

	if (v)
		drop_vs(d, v);
}

void sync_drain_prune(struct sync_drain *d, const struct ipvs_vs *have)
{
	struct dvs *v = find_vs(d, &have->svc);

	if (!v)
		return;
	for (size_t i = 0; i < v->n;) {
		bool present = false;

		for (size_t j = 0; j < have->n_dests && !present; j++)
			present = have->dests[j].port == v->v[i].port &&
			          addr_eq(&have->dests[j].addr, &v->v[i].addr);
		if (present) {
			i++;
			continue;
		}
		v->v[i] = v->v[--v->n];
		d->count--;
	}
	if (!v->n)
		drop_vs(d, v);
}

size_t sync_drain_count(const struct sync_drain *d)
{
	return d->count;
}

uint64_t sync_drain_next_deadline(const struct sync_drain *d)
{
	uint64_t best = UINT64_MAX;
	size_t pos = 0;
	const struct dvs *v;

	while ((v = sync_hash_next(&d->vs, &pos)))
		for (size_t i = 0; i < v->n; i++)
			if (v->v[i].since + d->timeout_ms < best)
				best = v->v[i].since + d->timeout_ms;
	return best;
}

int sync_drain_vs_keys(const struct sync_drain *d, struct sync_keys *out)
{
	size_t pos = 0;
	const struct dvs *v;

	while ((v = sync_hash_next(&d->vs, &pos)))
		if (sync_keys_add(out, &v->id))
			return -ENOMEM;
	return 0;
}
