/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_reflector — keeps one Kubernetes collection mirrored: LIST, then
 * WATCH, forever, the way client-go's reflector (tools/cache) does.
 *
 *   1. LIST in pages (limit + continue). The first list asks resourceVersion
 *      "0" (the watch cache: cheap for the apiserver when every node starts);
 *      relists ask for the newest state. A 410 on a page restarts the list.
 *   2. Replace: every object of the list is delivered (unchanged ones — same
 *      resourceVersion as already delivered — are not); objects delivered
 *      before but absent from the list are delivered as deletions.
 *   3. WATCH from the list's resourceVersion with allowWatchBookmarks and a
 *      random timeoutSeconds; events are cut out of the chunked body line by
 *      line (with a hard cap) and applied in order. Every ADDED, MODIFIED,
 *      DELETED and BOOKMARK advances the resourceVersion.
 *   4. A watch the server ends normally is re-opened from the last
 *      resourceVersion, no relist. ERROR 410 / HTTP 410, an oversized event or
 *      an ERROR event relist. Connection failures, 5xx, 429, 401 and 403 back
 *      off (0.5 s doubling to 30 s, jittered; Retry-After honoured) and re-open
 *      the watch (or the list, if it never completed).
 *   5. A malformed event line is logged (resource, reason, a prefix of the
 *      line) and skipped.
 *   6. A request the server refuses as malformed or unsupported (400, 404,
 *      405, 406, 415, 422) cannot succeed by being sent again as it is. An
 *      optional field selector the server does not know (API servers before
 *      1.31 know no spec.clusterIP) is dropped at once, said once
 *      (event=api_compat) and the list starts again without it. Any other
 *      refusal is logged once with the server's message (event=api_rejected),
 *      reported through the rejected callback, and retried at the longest
 *      backoff, quietly, until the server accepts it again.
 *
 * The reflector knows nothing of what the objects mean: it hands cJSON
 * objects to its callbacks. kube_client turns them into typed structs.
 *
 * Callbacks may run inside libcurl's write callback (watch events): they must
 * not free or stop the reflector, its kube_http or its client. To stop from a
 * callback, break the loop (ev_break) and free afterwards.
 */
#ifndef KIPVS_KUBE_REFLECTOR_H
#define KIPVS_KUBE_REFLECTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct cJSON;
struct ev_loop;
struct kube_http;
struct kube_http_result;
struct kube_reflector;

/* Why a (re)list started, for callbacks and logs. */
enum kube_list_reason {
	KUBE_LIST_INITIAL = 0,
	KUBE_LIST_EXPIRED,   /* 410: the resourceVersion was compacted away */
	KUBE_LIST_TOO_LARGE, /* an event was over the cap */
	KUBE_LIST_ERROR,     /* an ERROR event other than 410 */
};
const char *kube_list_reason_name(enum kube_list_reason r);

struct kube_reflector_cbs {
	/* An object is new or changed. @obj is borrowed, read-only, for the
	 * call (list pages live in a parse arena); @ns is "" for cluster-scoped.
	 * Return 0 when taken, nonzero when refused (could not be decoded): the
	 * reflector then treats the consumer as still holding the previous
	 * version (none for a new object) and offers the object again on the
	 * next relist. */
	int (*upsert)(void *ctx, struct kube_reflector *r, const struct cJSON *obj, const char *ns,
	              const char *name, const char *rv);
	/* An object is gone. @last: its final state (DELETED event), or NULL
	 * when it was missing from a relist. */
	void (*remove)(void *ctx, struct kube_reflector *r, const char *ns, const char *name,
	               const struct cJSON *last);
	/* A (re)list cycle starts / has been fully applied. @first: the first
	 * complete list of this reflector (the "synced" moment). */
	void (*list_begin)(void *ctx, struct kube_reflector *r, enum kube_list_reason why);
	void (*list_end)(void *ctx, struct kube_reflector *r, bool first);
	/* A list or watch request failed; @res says how (the reflector has
	 * logged it and backs off). */
	void (*failed)(void *ctx, struct kube_reflector *r, const struct kube_http_result *res);
	/* The server refused one of this reflector's requests as malformed
	 * or unsupported (@active: once per refused answer; see 6. above), or
	 * accepts them again (!@active, once). @status and @message are the
	 * server's (message "" when it sent none). */
	void (*rejected)(void *ctx, struct kube_reflector *r, bool active, long status,
	                 const char *message);
};

struct kube_reflector_opts {
	const char *name;           /* for logs and callbacks: "services" */
	const char *path;           /* collection path: "/api/v1/services" */
	const char *label_selector; /* unencoded, e.g. "!service.kubernetes.io/headless"; NULL */
	const char *field_selector; /* unencoded, e.g. "metadata.name=node-a"; NULL */
	/* The field selector only saves bandwidth (the consumer drops what it
	 * would have filtered): on a server that does not know it, do without. */
	bool field_selector_optional;
	const char *reject_hint; /* said with api_rejected: what to do about it; NULL */
	unsigned page_size;      /* limit; 0 = 500 */
	size_t max_event_bytes;  /* watch line cap; 0 = KUBE_MAX_EVENT_BYTES */
	size_t max_list_bytes;   /* list page body cap; 0 = KUBE_MAX_LIST_BYTES */
	unsigned watch_min_s;    /* timeoutSeconds drawn from [min, max); 0 = 300 */
	unsigned watch_max_s;    /* 0 = 600 */
	unsigned backoff_min_ms; /* 0 = 500 */
	unsigned backoff_max_ms; /* 0 = 30000 */
};

/* etcd stores objects up to ~1.5 MiB; their JSON is somewhat larger. */
#define KUBE_MAX_EVENT_BYTES (8u << 20)
#define KUBE_MAX_LIST_BYTES  (512u << 20)

int kube_reflector_new(struct ev_loop *loop, struct kube_http *http,
                       const struct kube_reflector_opts *o, const struct kube_reflector_cbs *cbs,
                       void *ctx, struct kube_reflector **out) __attribute__((warn_unused_result));
/* Begins the first list. 0 or -errno. */
int kube_reflector_start(struct kube_reflector *r) __attribute__((warn_unused_result));
/* Stops every request and timer, frees. Not from inside a callback. */
void kube_reflector_free(struct kube_reflector *r);

const char *kube_reflector_name(const struct kube_reflector *r);
/*
 * Inside a callback delivering a watch event: when its bytes reached kipvs
 * (curl handed them over; µs of CLOCK_MONOTONIC, lib/mono.h), the start of
 * the event-to-kernel latency. 0 for objects delivered by a list.
 */
uint64_t kube_reflector_event_rx_us(const struct kube_reflector *r);
bool kube_reflector_synced(const struct kube_reflector *r);
/* The resourceVersion the next watch starts from ("" before the first list). */
const char *kube_reflector_rv(const struct kube_reflector *r);
/* How many objects the reflector currently knows. */
size_t kube_reflector_count(const struct kube_reflector *r);

struct kube_reflector_stats {
	unsigned long lists;     /* list cycles started */
	unsigned long pages;     /* list pages received */
	unsigned long watches;   /* watch requests started */
	unsigned long events;    /* watch events applied */
	unsigned long malformed; /* watch lines skipped */
	unsigned long failures;  /* requests that failed (then backed off) */
	unsigned long relists;   /* relists after the first list */
	unsigned long rejected;  /* answers refusing the request as malformed or unsupported */
};
/* Whether the server currently refuses this reflector's requests (see 6.). */
bool kube_reflector_rejected(const struct kube_reflector *r);
/* The field selector in use ("" when none, or after it was dropped). */
const char *kube_reflector_field_selector(const struct kube_reflector *r);
void kube_reflector_stats(const struct kube_reflector *r, struct kube_reflector_stats *out);

/*
 * The query string of a request ("?a=b&c=d", keys sorted as client-go sorts
 * them, values percent-encoded): the selectors of @o, then for a list
 * continue/limit (0 = none)/resourceVersion, for a watch allowWatchBookmarks,
 * resourceVersion, timeoutSeconds and watch. @rv/@cont may be NULL; a
 * continue page carries no resourceVersion. Exposed for tests. Returns the
 * length written, or -EINVAL when @len is too small.
 */
int kube_reflector_query(const struct kube_reflector_opts *o, bool watch, const char *rv,
                         const char *cont, unsigned limit, unsigned timeout_s, char *buf,
                         size_t len);

#endif
