/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_intern — reference-counted string interning: each distinct string
 * gets a small integer id (1, 2, ...; 0 means "none"), so the store keeps one
 * copy of every node name and hint list however many endpoints carry it, and
 * compares them as integers.
 *
 * Ids of strings whose last reference is dropped are reused.
 */
#ifndef KIPVS_SYNC_INTERN_H
#define KIPVS_SYNC_INTERN_H

#include <stddef.h>
#include <stdint.h>

struct sync_intern;

int sync_intern_new(struct sync_intern **out) __attribute__((warn_unused_result));
void sync_intern_free(struct sync_intern *in);
/* Takes a reference on @s and stores its id in @id. NULL or "" gives id 0
 * and takes nothing. 0 or -ENOMEM. */
int sync_intern_ref(struct sync_intern *in, const char *s, uint32_t *id)
    __attribute__((warn_unused_result));
/* Drops one reference (id 0 is ignored). */
void sync_intern_unref(struct sync_intern *in, uint32_t id);
/* Takes one more reference on an id already held. */
void sync_intern_dup(struct sync_intern *in, uint32_t id);
/* The id of @s without taking a reference; 0 when absent. */
uint32_t sync_intern_lookup(const struct sync_intern *in, const char *s);
/* The string of @id, or NULL for 0 or an unused id. */
const char *sync_intern_str(const struct sync_intern *in, uint32_t id);
/* Number of distinct strings held, and bytes used (for memory figures). */
size_t sync_intern_count(const struct sync_intern *in);
size_t sync_intern_bytes(const struct sync_intern *in);

#endif
