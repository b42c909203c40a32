/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_store — the Kubernetes objects kipvs acts on, indexed by Service.
 *
 * Holds Services, EndpointSlices and core/v1 Endpoints keyed by the Service
 * they belong to ("namespace/name"). Every event costs O(size of the objects
 * it touches): hash tables by service key and by slice key, no scans.
 *
 * What the store promises:
 *   - A slice belongs to the Service named by its kubernetes.io/service-name
 *     label in its namespace. Slices whose Service is unknown are kept (it
 *     may arrive later); deleting a Service keeps its slices.
 *   - Slices labelled service.kubernetes.io/headless or
 *     service.kubernetes.io/service-proxy-name, without a service-name label,
 *     or of addressType FQDN are treated as absent, as kube-proxy's informer
 *     selectors make them.
 *   - core/v1 Endpoints are used for a Service only while it has no
 *     EndpointSlice (watching both never double-counts).
 *   - Endpoints are stored compactly (node names and hint lists interned);
 *     the decoded object is freed at once.
 *   - Every change marks exactly the affected services dirty; an upsert of
 *     an object with the same non-empty resourceVersion changes nothing.
 *   - Invalid or unsupported parts of an object are logged once per object
 *     version (with the object and field) when it enters the store.
 *
 * The store takes ownership of every object passed to an upsert, whatever
 * the result.
 */
#ifndef KIPVS_SYNC_STORE_H
#define KIPVS_SYNC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../lib/kube/kube_types.h"
#include "sync_node.h"

#define SYNC_WUR __attribute__((warn_unused_result))

struct sync_store;
struct sync_svc; /* everything the store holds for one service key */

int sync_store_new(struct sync_store **out) SYNC_WUR;
void sync_store_free(struct sync_store *st);

/* 0, -EINVAL (object without name/namespace; logged) or -ENOMEM. */
int sync_store_upsert_service(struct sync_store *st, struct kube_service *svc) SYNC_WUR;
int sync_store_upsert_slice(struct sync_store *st, struct kube_endpoint_slice *sl) SYNC_WUR;
int sync_store_upsert_endpoints(struct sync_store *st, struct kube_endpoints *ep) SYNC_WUR;
/* Deleting an unknown object is not an error. */
void sync_store_delete_service(struct sync_store *st, const char *ns, const char *name);
void sync_store_delete_slice(struct sync_store *st, const char *ns, const char *name);
void sync_store_delete_endpoints(struct sync_store *st, const char *ns, const char *name);

/* --- dirty set --------------------------------------------------------- */

size_t sync_store_n_dirty(const struct sync_store *st);
/* Called once per dirty service key; must not modify the store. */
typedef int (*sync_dirty_fn)(void *ctx, const char *key);
/* Calls @fn for every dirty key and clears them. When @fn fails, that key
 * and the rest stay dirty and its error is returned. */
int sync_store_drain(struct sync_store *st, sync_dirty_fn fn, void *ctx) SYNC_WUR;
/* Marks every known service dirty (node config change, full resync). */
int sync_store_mark_all_dirty(struct sync_store *st) SYNC_WUR;

/* --- reading (the desired-table builder) -------------------------------- */

const struct sync_svc *sync_store_find(const struct sync_store *st, const char *key);
/* Iterates every service key the store knows (with or without a Service). */
const struct sync_svc *sync_store_next(const struct sync_store *st, size_t *pos);
const char *sync_svc_key(const struct sync_svc *e);
/* NULL when only slices/Endpoints are known. */
const struct kube_service *sync_svc_service(const struct sync_svc *e);
/* The kipvs.io/scheduler annotation when present and valid, else NULL. */
const char *sync_svc_scheduler(const struct sync_svc *e);
/* The kipvs.io/scheduler-flags bits (0 when absent or invalid). */
uint32_t sync_svc_sched_flags(const struct sync_svc *e);

/* One merged backend of a service port. */
#define SYNC_EP_READY       0x01
#define SYNC_EP_SERVING     0x02
#define SYNC_EP_TERMINATING 0x04
#define SYNC_EP_LOCAL       0x08 /* nodeName is this node */
#define SYNC_EP_ZONE_HINTS  0x10 /* has hints.forZones */
#define SYNC_EP_ZONE_MATCH  0x20 /* ... naming this node's zone */
#define SYNC_EP_NODE_HINTS  0x40 /* has hints.forNodes */
#define SYNC_EP_NODE_MATCH  0x80 /* ... naming this node */

struct sync_mep {
	struct net_addr addr;
	uint16_t port;
	uint16_t flags;
};

/* A reusable buffer of merged endpoints (sync_meps_free releases it). */
struct sync_meps {
	struct sync_mep *v;
	size_t n, cap;
	void *scratch; /* internal */
	size_t scratch_cap;
};
void sync_meps_free(struct sync_meps *m);

/*
 * The backends of service port (@port_name, @proto) in family @af, merged
 * over every slice of the service as kube-proxy merges them: ports matched
 * by name and protocol (never number; the number is the slice's), only
 * addresses[0], endpoints of another family dropped, duplicates by ip:port
 * collapsed keeping the best copy (ready, then not terminating, then local;
 * ties go to the slice whose name sorts first). Result sorted by address,
 * then port. Flags are resolved against @node's name and zone.
 * 0 or -ENOMEM.
 */
int sync_store_port_endpoints(const struct sync_store *st, const struct sync_svc *e,
                              const char *port_name, uint16_t proto, uint16_t af,
                              const struct sync_node *node, struct sync_meps *out) SYNC_WUR;

/* --- figures ------------------------------------------------------------ */

struct sync_store_stats {
	size_t services; /* Service objects held */
	size_t keys;     /* service keys (with or without a Service) */
	size_t slices;
	size_t endpoints_objs;
	size_t endpoints; /* stored endpoints over all slices and subsets */
	size_t interned;  /* distinct node names / hint lists */
};
void sync_store_stats(const struct sync_store *st, struct sync_store_stats *out);

/* "ns/name" into @buf; -ENAMETOOLONG if it does not fit. */
int sync_key_fmt(char *buf, size_t len, const char *ns, const char *name) SYNC_WUR;
#define SYNC_KEY_MAX 512

#endif
