/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_decode — Kubernetes API JSON (cJSON DOM) into the typed objects of
 * kube_types.h, plus the envelope helpers a list+watch client and
 * `kipvs render` need: lists (items, resourceVersion, continue), watch event
 * lines and Status bodies.
 *
 * What the decoders promise:
 *   - Every field kube_types.h holds is filled with the API's nil/default
 *     semantics applied (as client-go reads them): absent ready/serving => true,
 *     absent terminating => false, absent protocol => TCP, absent Service port
 *     name => "", absent affinity timeout => 10800, "None" cluster IP =>
 *     headless with no cluster IP, clusterIPs preferred over clusterIP.
 *   - Bad input is rejected as narrowly as possible, with exactly one log line
 *     per rejection (event "decode_invalid", naming kind, obj=namespace/name,
 *     the field path and the offending value, quoted and truncated):
 *       * a missing/empty/non-string metadata.name, or metadata.namespace for a
 *         namespaced kind, or a non-object where the object or its spec must
 *         be => the whole object is rejected (-EINVAL);
 *       * a bad entry of a list field (one externalIP, one port, one
 *         endpoint, one source range...) => that entry alone is dropped;
 *       * a bad scalar field (wrong JSON type, out of range, unknown enum) =>
 *         that field falls back to its API default;
 *       * a list field of the wrong JSON type => treated as empty.
 *     Port entries: a Service port whose port number is missing or outside
 *     1..65535 is dropped; one with an unknown protocol is KEPT with
 *     protocol 0 (kube_types.h: "0 = unusable") so that consumers see it
 *     existed. Slice/Endpoints ports: null/absent port => 0 (unusable, no log,
 *     the API allows it), out of range or wrong type => dropped with a log;
 *     unknown protocol => kept with protocol 0.
 *     EndpointSlice endpoints: only addresses[0] is read; an endpoint whose
 *     address is missing, unparsable or of the other family than the slice's
 *     addressType is dropped. FQDN (and unknown) slices keep address_type 0
 *     and no endpoints (their addresses are not IPs).
 *     Unknown enum values: spec.type => ClusterIP, traffic policies =>
 *     Cluster, sessionAffinity => None, LB ingress ipMode => treated as Proxy
 *     (kube-proxy programs an ingress IP only for ipMode VIP or unset).
 *   - Unknown fields are ignored; JSON null is the same as absent.
 *   - Arrays are walked as linked lists (cJSON_ArrayForEach), never indexed.
 *   - On -ENOMEM nothing leaks and nothing is logged; *out is left NULL.
 *   - Decoded objects are allocated with cJSON_malloc(), which is malloc()
 *     unless a test installs failing hooks, and released by kube_*_free().
 *     They never point into the DOM: it can be freed right after decoding.
 *
 * The caller owns the cJSON DOM and the decoded objects (kube_*_free,
 * kube_object_free). Apart from the parse arena (below), nothing here keeps
 * state and every function is reentrant.
 */
#ifndef KIPVS_KUBE_DECODE_H
#define KIPVS_KUBE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "kube_types.h"

/* Object kinds kipvs decodes. */
enum kube_kind {
	KUBE_KIND_UNKNOWN = 0,
	KUBE_KIND_SERVICE,
	KUBE_KIND_ENDPOINT_SLICE,
	KUBE_KIND_ENDPOINTS,
	KUBE_KIND_NODE,
};

/* "Service" -> KUBE_KIND_SERVICE ...; NULL or anything else -> UNKNOWN. */
enum kube_kind kube_kind_parse(const char *kind);
/* "Service", "EndpointSlice", "Endpoints", "Node", "Unknown". */
const char *kube_kind_name(enum kube_kind kind);

/* The decoders. @obj is one object (a list item or a watch event's object).
 * 0 with *out set, -EINVAL (logged) or -ENOMEM. */
int kube_service_decode(const cJSON *obj, struct kube_service **out)
    __attribute__((warn_unused_result));
int kube_endpoint_slice_decode(const cJSON *obj, struct kube_endpoint_slice **out)
    __attribute__((warn_unused_result));
int kube_endpoints_decode(const cJSON *obj, struct kube_endpoints **out)
    __attribute__((warn_unused_result));
int kube_node_decode(const cJSON *obj, struct kube_node **out) __attribute__((warn_unused_result));

/* Any of the four, tagged. */
struct kube_object {
	enum kube_kind kind;
	union {
		void *ptr;
		struct kube_service *svc;
		struct kube_endpoint_slice *slice;
		struct kube_endpoints *eps;
		struct kube_node *node;
	};
};

/* Decodes @obj as @kind (KUBE_KIND_UNKNOWN: take it from obj's "kind"; an
 * unknown kind is -ENOTSUP, logged at debug level only since a List may hold
 * kinds kipvs does not read). 0, -EINVAL, -ENOTSUP or -ENOMEM. */
int kube_object_decode(const cJSON *obj, enum kube_kind kind, struct kube_object *out)
    __attribute__((warn_unused_result));
/* Frees the object and zeroes @o (NULL-safe, idempotent). */
void kube_object_free(struct kube_object *o);
/* The identity of any decoded object (NULL when o->ptr is NULL). */
const struct kube_meta *kube_object_meta(const struct kube_object *o);

/* ---- JSON text ------------------------------------------------------- */

/*
 * Parses @len bytes of JSON (no NUL needed) into an ordinary cJSON DOM.
 * 0 with *out (the caller cJSON_Deletes it), or -EINVAL with one log line
 * "json_invalid what=@what offset=N len=N". cJSON reports an allocation
 * failure the same way as a syntax error, so out of memory is also -EINVAL.
 */
int kube_json_parse(const char *buf, size_t len, const char *what, cJSON **out)
    __attribute__((warn_unused_result));

/*
 * Removes every "managedFields" member from the JSON text in @buf, in place,
 * and returns the new length. kipvs never reads managedFields, yet on objects
 * written by kubectl apply or by controllers they are a good share of a LIST
 * page; skipping their bytes costs far less than building and dropping their
 * DOM. Only a member whose key is the string token "managedFields" goes (a
 * key is the only place those bytes can stand unescaped in valid JSON), with
 * one comma; what does not look like valid JSON is left for the parser.
 */
size_t kube_json_drop_managed_fields(char *buf, size_t len);

/*
 * A parse arena: the DOM of one document (a LIST page, a watch event) lives
 * in a few large blocks instead of one malloc per node and per string, and
 * is released all at once. Measured on the LIST benchmark (bench_decode) this
 * makes parse + decode + release about 6x faster than malloc'd nodes: glibc
 * malloc/free of millions of small scattered nodes, not the parsing, was
 * the cost. Blocks are kept across documents, so steady state allocates
 * nothing.
 *
 * Rules: one document at a time (parse, read, reset); the DOM is read-only
 * (const) and must never be passed to cJSON_Delete or modified; objects
 * decoded from it own their memory and outlive the reset.
 * cJSON's allocation hooks are process-wide, so the arena installs its own
 * around the parse only and then restores cJSON's defaults (malloc/free):
 * do not call it from several threads, and do not combine it with other
 * cJSON_InitHooks users (kipvs has none outside tests).
 */
struct kube_json_arena;

/* @cap: most bytes one document may take (0 = no cap). 0 or -ENOMEM. */
int kube_json_arena_new(size_t cap, struct kube_json_arena **out)
    __attribute__((warn_unused_result));
void kube_json_arena_free(struct kube_json_arena *a);
/*
 * Parses into @a (reset first if it holds a document). 0 with *out valid
 * until the next reset; -EINVAL (syntax, logged "json_invalid"), -E2BIG (the
 * document needs more than the cap, logged "json_too_big") or -ENOMEM.
 */
int kube_json_arena_parse(struct kube_json_arena *a, const char *buf, size_t len, const char *what,
                          const cJSON **out) __attribute__((warn_unused_result));
/* Releases the document; keeps the blocks for the next one. */
void kube_json_arena_reset(struct kube_json_arena *a);
/* Releases the document and all blocks but the first (e.g. after a big LIST). */
void kube_json_arena_trim(struct kube_json_arena *a);
/* Bytes of blocks held (for metrics and tests). */
size_t kube_json_arena_size(const struct kube_json_arena *a);

/* ---- Lists ------------------------------------------------------------ */

/* A list's metadata. Strings are borrowed from the DOM; "" when absent. */
struct kube_list_meta {
	const char *resource_version;
	const char *cont;  /* metadata.continue: "" = last page */
	int64_t remaining; /* metadata.remainingItemCount; -1 when absent */
};

/* 0, or -EINVAL (logged) when @list is not an object or its metadata has the
 * wrong shape. */
int kube_list_meta_get(const cJSON *list, struct kube_list_meta *m)
    __attribute__((warn_unused_result));

/*
 * Walks a list's items. The kind of each item comes from the list's kind
 * ("ServiceList" -> Service, ...). For a generic "List" (what
 * `kubectl get svc,endpointslices -o json` prints) or a list without a kind
 * each item's own "kind" decides, and @hint is used for items without one.
 * "items": null or absent is an empty list.
 */
struct kube_list_iter {
	const cJSON *next;
	enum kube_kind list_kind; /* UNKNOWN for a generic List */
	enum kube_kind hint;
};

/* 0, or -EINVAL (logged) when @list is not an object or "items" is not an array. */
int kube_list_iter_init(struct kube_list_iter *it, const cJSON *list, enum kube_kind hint)
    __attribute__((warn_unused_result));
/* Next item (NULL at the end) and its kind (UNKNOWN if undecidable). */
const cJSON *kube_list_iter_next(struct kube_list_iter *it, enum kube_kind *kind);

/* ---- Status and watch events ------------------------------------------ */

/* A meta/v1 Status (error body or watch ERROR object), truncated copies. */
struct kube_status {
	int code;                /* HTTP status code; 0 when absent */
	bool failure;            /* status == "Failure" */
	char reason[64];         /* "Expired", "Forbidden", ...; "" when absent */
	char message[256];       /* human text, truncated */
	char cause[64];          /* details.causes[0].reason, e.g. ResourceVersionTooLarge */
	int retry_after_seconds; /* details.retryAfterSeconds; 0 when absent */
};

/* 0, or -EINVAL when @obj is not an object (no log: the caller knows the context). */
int kube_status_decode(const cJSON *obj, struct kube_status *st)
    __attribute__((warn_unused_result));
/* client-go's "expired": reason Expired or Gone, or code 410 with a reason
 * client-go does not know (or none). */
bool kube_status_is_expired(const struct kube_status *st);
/* 504 with cause ResourceVersionTooLarge: relist with resourceVersion unset. */
bool kube_status_is_rv_too_large(const struct kube_status *st);

enum kube_event_type {
	KUBE_EV_ADDED = 1,
	KUBE_EV_MODIFIED,
	KUBE_EV_DELETED,
	KUBE_EV_BOOKMARK,
	KUBE_EV_ERROR,
};

/* "ADDED", ... */
const char *kube_event_type_name(enum kube_event_type t);

/*
 * One decoded watch line {"type": ..., "object": {...}}. Pointers are
 * borrowed from the DOM passed to kube_watch_event_decode().
 *   ADDED / MODIFIED / DELETED: object + its kind + resource_version;
 *     decode the object with kube_object_decode(ev.object, ev.kind, ...).
 *   BOOKMARK: resource_version only (object must not be stored), plus
 *     initial_events_end when annotated k8s.io/initial-events-end: "true".
 *   ERROR: status (object is the Status); resource_version "".
 */
struct kube_watch_event {
	enum kube_event_type type;
	enum kube_kind kind; /* from object.kind; UNKNOWN for ERROR or absent */
	const cJSON *object;
	const char *resource_version; /* "" when absent */
	bool initial_events_end;
	struct kube_status status; /* ERROR only */
};

/* 0, or -EINVAL with one log line (event "watch_event_invalid") when the line
 * is not an event: not an object, unknown type, object missing or not an
 * object (ERROR without an object is accepted with an empty status). */
int kube_watch_event_decode(const cJSON *root, struct kube_watch_event *ev)
    __attribute__((warn_unused_result));

/* ---- Small parsers, exposed for tests and other decoders -------------- */

/* RFC 3339 ("2025-06-10T07:41:02Z", fractional seconds and +hh:mm offsets
 * allowed) to Unix milliseconds. 0 or -EINVAL. */
int kube_parse_rfc3339_ms(const char *s, int64_t *ms) __attribute__((warn_unused_result));

#endif
