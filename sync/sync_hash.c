/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define MIN_CAP 16

void sync_hash_init(struct sync_hash *h)
{
	memset(h, 0, sizeof(*h));
}

void sync_hash_free(struct sync_hash *h)
{
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

static size_t home(const struct sync_hash *h, uint64_t hash)
{
	return (size_t)hash & (h->cap - 1);
}

static int resize(struct sync_hash *h, size_t cap)
{
	struct sync_hslot *old = h->slots;
	size_t old_cap = h->cap;
	struct sync_hslot *ns = calloc(cap, sizeof(*ns));

	if (!ns)
		return -ENOMEM;
	h->slots = ns;
	h->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (!old[i].item)
			continue;
		j = home(h, old[i].hash);
		while (ns[j].item)
			j = (j + 1) & (cap - 1);
		ns[j] = old[i];
	}
	free(old);
	return 0;
}

/* Load factor at most 3/4. */
static size_t cap_for(size_t n)
{
	size_t cap = MIN_CAP;

	while (n > cap / 4 * 3)
		cap *= 2;
	return cap;
}

int sync_hash_reserve(struct sync_hash *h, size_t n)
{
	size_t cap = cap_for(n);

	if (cap <= h->cap)
		return 0;
	return resize(h, cap);
}

static ssize_t find_pos(const struct sync_hash *h, uint64_t hash, sync_hash_eq_fn eq,
                        const void *key)
{
	size_t i;

	if (!h->cap)
		return -1;
	for (i = home(h, hash); h->slots[i].item; i = (i + 1) & (h->cap - 1))
		if (h->slots[i].hash == hash && eq(h->slots[i].item, key))
			return (ssize_t)i;
	return -1;
}

void *sync_hash_find(const struct sync_hash *h, uint64_t hash, sync_hash_eq_fn eq, const void *key)
{
	ssize_t i = find_pos(h, hash, eq, key);

	return i < 0 ? NULL : h->slots[i].item;
}

void **sync_hash_slot(const struct sync_hash *h, uint64_t hash, sync_hash_eq_fn eq, const void *key)
{
	ssize_t i = find_pos(h, hash, eq, key);

	return i < 0 ? NULL : &h->slots[i].item;
}

int sync_hash_insert(struct sync_hash *h, uint64_t hash, void *item)
{
	size_t i;

	if (h->n + 1 > h->cap / 4 * 3) {
		int err = resize(h, h->cap ? h->cap * 2 : MIN_CAP);

		if (err)
			return err;
	}
	for (i = home(h, hash); h->slots[i].item; i = (i + 1) & (h->cap - 1))
		;
	h->slots[i].hash = hash;
	h->slots[i].item = item;
	h->n++;
	return 0;
}

void *sync_hash_remove(struct sync_hash *h, uint64_t hash, sync_hash_eq_fn eq, const void *key)
{
	ssize_t found = find_pos(h, hash, eq, key);
	size_t mask = h->cap - 1, i, j;
	void *item;

	if (found < 0)
		return NULL;
	i = (size_t)found;
	item = h->slots[i].item;
	/*
	 * Backward shift: walk the cluster after the hole and move back every
	 * entry whose home position is not inside (hole, entry], so probes
	 * for it still reach it without tombstones.
	 */
	for (j = (i + 1) & mask; h->slots[j].item; j = (j + 1) & mask) {
		size_t k = home(h, h->slots[j].hash);
		bool stays = (i <= j) ? (i < k && k <= j) : (i < k || k <= j);

		if (stays)
			continue;
		h->slots[i] = h->slots[j];
		i = j;
	}
	h->slots[i].item = NULL;
	h->slots[i].hash = 0;
	h->n--;
	return item;
}

void *sync_hash_next(const struct sync_hash *h, size_t *pos)
{
	while (*pos < h->cap) {
		void *item = h->slots[(*pos)++].item;

		if (item)
			return item;
	}
	return NULL;
}

uint64_t sync_hash_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

uint64_t sync_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *b = p;
	uint64_t x = 0xcbf29ce484222325ULL ^ seed;

	for (size_t i = 0; i < n; i++) {
		x ^= b[i];
		x *= 0x100000001b3ULL;
	}
	return sync_hash_mix(x);
}

uint64_t sync_hash_str(const char *s)
{
	return sync_hash_bytes(s, strlen(s), 0);
}
