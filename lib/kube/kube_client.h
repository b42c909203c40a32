/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_client — everything a service proxy watches on the apiserver, as
 * one handle on a libev loop: one kube_http (connections, auth) and one
 * reflector per resource, with kube-proxy's selectors.
 *
 *   services        /api/v1/services
 *                   labelSelector  !service.kubernetes.io/service-proxy-name
 *                   fieldSelector  spec.clusterIP!=None
 *   endpointslices  /apis/discovery.k8s.io/v1/endpointslices
 *                   labelSelector  !service.kubernetes.io/headless,
 *                                  !service.kubernetes.io/service-proxy-name
 *   endpoints       /api/v1/endpoints (same labels) — instead of slices when
 *                   asked, or when discovery shows no discovery.k8s.io/v1
 *   nodes           /api/v1/nodes, fieldSelector metadata.name=NODE — when a
 *                   node name is given (for its zone label)
 *
 * Supported API servers: Kubernetes 1.20 and newer (EndpointSlice v1 from
 * 1.21; before, Endpoints). Servers before 1.31 know no spec.clusterIP field
 * selector: the Service list then goes without it (event=api_compat) and the
 * consumer drops headless Services itself. The server's version (/version)
 * is logged once at start (event=api_server).
 *
 * The Node is wanted, not needed: all_synced waits for it at most
 * NODE_WAIT_S after everything else is synced, and not at all once its list
 * has failed (403 without RBAC for nodes, 404, ...) or when the consumer
 * says it needs no Node (node_optional); it logs event=node_unavailable
 * once, keeps trying in the background and delivers the Node when it comes.
 *
 * The client knows nothing of IPVS. It hands the consumer events per
 * resource; "synced" fires once per resource after its first complete list,
 * and all_synced once every resource has (the moment rules may be written:
 * before it, a missing backend may simply not have arrived yet).
 */
#ifndef KIPVS_KUBE_CLIENT_H
#define KIPVS_KUBE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "kube_reflector.h"
#include "kube_types.h"

struct ev_loop;
struct kube_config;
struct kube_client;

enum kube_resource {
	KUBE_RES_SERVICES = 0,
	KUBE_RES_ENDPOINTSLICES,
	KUBE_RES_ENDPOINTS,
	KUBE_RES_NODES,
	KUBE_RES_COUNT,
};
/* "services", "endpointslices", "endpoints", "nodes" */
const char *kube_resource_name(enum kube_resource res);

enum kube_endpoints_api {
	KUBE_EP_AUTO = 0, /* EndpointSlices, unless discovery shows none */
	KUBE_EP_SLICES,
	KUBE_EP_ENDPOINTS,
};

struct kube_client_opts {
	enum kube_endpoints_api endpoints_api;
	const char *node_name;  /* watch this Node; NULL = none */
	bool node_optional;     /* never wait for the Node (its zone is known) */
	double node_wait_s;     /* wait for the Node after the rest; 0 = 5 s */
	unsigned page_size;     /* list limit; 0 = 500 */
	size_t max_event_bytes; /* 0 = KUBE_MAX_EVENT_BYTES */
	size_t max_list_bytes;  /* 0 = KUBE_MAX_LIST_BYTES */
	unsigned watch_min_s;   /* watch timeoutSeconds range; 0 = 300..600 */
	unsigned watch_max_s;
	double token_period_s;  /* token file re-read period; 0 = 60 */
	const char *user_agent; /* NULL = kipvs/VERSION */
};

/*
 * The consumer's callbacks (any may be NULL).
 *
 * Ownership: an *_upsert callback receives a freshly decoded object and
 * takes it over: the consumer frees it (kube_service_free() ...) when it is
 * replaced or deleted. A MODIFIED object arrives whole, as a new upsert of
 * the same namespace/name; the previous one is the consumer's to free.
 * *_delete callbacks pass borrowed strings, valid for the call. When an
 * *_upsert callback is NULL the client frees the object itself.
 *
 * Guarantees: for each namespace/name, events arrive in the apiserver's
 * order; a delete is only sent for an object that was upserted before; an
 * object that cannot be decoded is not delivered (the decoder logs which
 * object and field) and the consumer keeps its previous version.
 * Relists are bracketed by list_begin/list_end: between them the consumer
 * gets upserts for new or changed objects and deletes for objects that
 * vanished while the watch was down.
 *
 * Callbacks may run inside libcurl callbacks: do not free the client from
 * one; break the loop (ev_break) and free it afterwards.
 */
struct kube_client_cbs {
	void (*service_upsert)(void *ctx, struct kube_service *svc);
	void (*service_delete)(void *ctx, const char *ns, const char *name);
	void (*slice_upsert)(void *ctx, struct kube_endpoint_slice *slice);
	void (*slice_delete)(void *ctx, const char *ns, const char *name);
	void (*endpoints_upsert)(void *ctx, struct kube_endpoints *eps);
	void (*endpoints_delete)(void *ctx, const char *ns, const char *name);
	void (*node_upsert)(void *ctx, struct kube_node *node);
	void (*node_delete)(void *ctx, const char *name);
	/* A (re)list of @res starts / is fully applied. */
	void (*list_begin)(void *ctx, enum kube_resource res, enum kube_list_reason why);
	void (*list_end)(void *ctx, enum kube_resource res);
	/* @res completed its first list (once per resource). */
	void (*synced)(void *ctx, enum kube_resource res);
	/* Every resource is synced (once; the Node too, unless the client
	 * stopped waiting for it — see above). */
	void (*all_synced)(void *ctx);
	/* The server refused a request for @res as malformed or unsupported
	 * (@active, once per refused answer; @status is its answer), or
	 * accepts them again (!@active). The client has logged it. */
	void (*rejected)(void *ctx, enum kube_resource res, bool active, long status);
};

/* @cfg must outlive the client. */
int kube_client_new(struct ev_loop *loop, const struct kube_config *cfg,
                    const struct kube_client_opts *o, const struct kube_client_cbs *cbs, void *ctx,
                    struct kube_client **out) __attribute__((warn_unused_result));
/* Starts discovery (if needed) and the reflectors. */
int kube_client_start(struct kube_client *c) __attribute__((warn_unused_result));
/* Stops everything, no more callbacks. NULL is fine. Not from a callback. */
void kube_client_free(struct kube_client *c);

bool kube_client_synced(const struct kube_client *c);
/* The API server's gitVersion ("v1.28.3"), "" until /version answered. */
const char *kube_client_server_version(const struct kube_client *c);
/* What the first complete lists still wait for, comma-separated into @buf
 * ("services,endpointslices"; "discovery" while the endpoints API is not
 * decided; "" when all_synced has fired). Returns @buf. */
const char *kube_client_pending(const struct kube_client *c, char *buf, size_t len);
/* Whether the server refuses any of the client's requests right now. */
bool kube_client_rejected(const struct kube_client *c);
/* Whether @res is being watched (endpoints vs slices is known after discovery). */
bool kube_client_watches(const struct kube_client *c, enum kube_resource res);
/* The reflector of @res, or NULL. */
struct kube_reflector *kube_client_reflector(const struct kube_client *c, enum kube_resource res);
struct kube_http *kube_client_http(const struct kube_client *c);

#endif
