/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_hash — a small open-addressing hash table of (64-bit hash, pointer).
 *
 * The table stores caller-owned items; it never allocates or frees them and
 * knows nothing of their keys: lookups take the key's hash plus an equality
 * callback (item, key). Linear probing, capacity a power of two, load kept
 * under 3/4, and removal by backward shift (no tombstones), so a table that
 * sees constant churn does not degrade. Every operation is O(1) expected.
 *
 * Items must not be NULL (NULL marks an empty slot). Inserting or removing
 * while iterating with sync_hash_next() is not allowed.
 */
#ifndef KIPVS_SYNC_HASH_H
#define KIPVS_SYNC_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sync_hslot {
	uint64_t hash;
	void *item; /* NULL = empty */
};

struct sync_hash {
	struct sync_hslot *slots;
	size_t cap; /* 0 or a power of two */
	size_t n;
};

typedef bool (*sync_hash_eq_fn)(const void *item, const void *key);

void sync_hash_init(struct sync_hash *h);
/* Releases the slot array (not the items). The table is empty and reusable. */
void sync_hash_free(struct sync_hash *h);
/* Makes room for @n items without further growth. 0 or -ENOMEM. */
int sync_hash_reserve(struct sync_hash *h, size_t n) __attribute__((warn_unused_result));

void *sync_hash_find(const struct sync_hash *h, uint64_t hash, sync_hash_eq_fn eq, const void *key);
/* Address of the slot holding the item equal to @key (to swap the item in
 * place), or NULL. Valid until the next insert or remove. */
void **sync_hash_slot(const struct sync_hash *h, uint64_t hash, sync_hash_eq_fn eq,
                      const void *key);
/* Adds @item; the caller has made sure no equal item is present. 0 or -ENOMEM. */
int sync_hash_insert(struct sync_hash *h, uint64_t hash, void *item)
    __attribute__((warn_unused_result));
/* Removes and returns the item equal to @key, or NULL. */
void *sync_hash_remove(struct sync_hash *h, uint64_t hash, sync_hash_eq_fn eq, const void *key);
/* Iteration: size_t pos = 0; while ((it = sync_hash_next(h, &pos))) ... */
void *sync_hash_next(const struct sync_hash *h, size_t *pos);

/* Hash functions: FNV-1a over the bytes, then a 64-bit finaliser so the low
 * bits (which pick the slot) depend on every input bit. */
uint64_t sync_hash_bytes(const void *p, size_t n, uint64_t seed);
uint64_t sync_hash_str(const char *s);
uint64_t sync_hash_mix(uint64_t x);

#endif
