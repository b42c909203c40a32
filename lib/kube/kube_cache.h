/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_cache — what a reflector remembers of each object: its key
 * (namespace, name) and resourceVersion. Nothing else: the consumer keeps the
 * objects; the reflector only needs enough to
 *   - tell a changed object from an unchanged one after a relist (same RV:
 *     nothing to deliver),
 *   - deliver a DELETED only for an object the consumer was given, and
 *   - find the objects that vanished while the watch was down: every key not
 *     seen by the relist that replaces the cache is a deletion.
 *
 * resourceVersions are opaque strings, compared only for equality.
 */
#ifndef KIPVS_KUBE_CACHE_H
#define KIPVS_KUBE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

struct kube_cache;

enum kube_cache_change {
	KUBE_CACHE_NEW = 0, /* key was absent */
	KUBE_CACHE_CHANGED, /* key present, another resourceVersion */
	KUBE_CACHE_SAME,    /* key present, same resourceVersion */
};

int kube_cache_new(struct kube_cache **out) __attribute__((warn_unused_result));
void kube_cache_free(struct kube_cache *c);
size_t kube_cache_count(const struct kube_cache *c);

/* Records @ns/@name at @rv (and marks it seen by the current relist).
 * Returns an enum kube_cache_change, or -ENOMEM. */
int kube_cache_upsert(struct kube_cache *c, const char *ns, const char *name, const char *rv)
    __attribute__((warn_unused_result));
/* Forgets @ns/@name; true when it was there. */
bool kube_cache_remove(struct kube_cache *c, const char *ns, const char *name);
bool kube_cache_has(const struct kube_cache *c, const char *ns, const char *name);

/* A relist starts: from now on kube_cache_upsert() marks keys as seen. */
void kube_cache_relist_begin(struct kube_cache *c);
/* The relist is complete: every key not seen since kube_cache_relist_begin()
 * is removed and passed to @gone (may be NULL). Returns how many. */
size_t kube_cache_relist_end(struct kube_cache *c,
                             void (*gone)(void *ctx, const char *ns, const char *name), void *ctx);

#endif
