/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_decode_priv — helpers shared by the kube_decode*.c files only.
 *
 * Every helper that finds bad input logs exactly one "decode_invalid" line
 * through kd_log(), naming the object being decoded (struct kd) and the field
 * path, so the decoders themselves stay a flat list of field reads.
 */
#ifndef KIPVS_KUBE_DECODE_PRIV_H
#define KIPVS_KUBE_DECODE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kube_decode.h"

/* The object being decoded, for log lines. ns/name borrow from the DOM. */
struct kd {
	const char *kind;
	const char *ns;   /* NULL until metadata is read; "" for cluster-scoped */
	const char *name; /* NULL until metadata is read */
};

/*
 * Where a value sits in the object, as a chain of steps on the callers'
 * stacks: "spec" -> "ports" -> [2] -> "port". It is formatted only when a
 * line is logged, so decoding a clean object never formats a path.
 * A step is ".key" (key set), "[mkey]" (a map key, mkey set) or "[idx]".
 */
struct kd_at {
	const struct kd_at *up; /* NULL: the object's root */
	const char *key;
	const char *mkey;
	size_t idx;
};

/* One "decode_invalid" line: kind, obj, field (@at then ".@key"; @key may
 * be NULL), value (quoted; "absent" when @val is NULL), reason. */
void kd_log(const struct kd *d, const struct kd_at *at, const char *key, const cJSON *val,
            const char *reason);

/*
 * Type tests and member lookup, inline: the decoders call them for every
 * field of every object, and cJSON's own versions are calls into the shared
 * library (the lookup a strcmp per member; here most members are passed
 * over on their first character).
 */
static inline bool kd_is(const cJSON *v, int type)
{
	return v && (v->type & 0xff) == type;
}
#define kd_is_string(v) kd_is((v), cJSON_String)
#define kd_is_number(v) kd_is((v), cJSON_Number)
#define kd_is_object(v) kd_is((v), cJSON_Object)
#define kd_is_array(v)  kd_is((v), cJSON_Array)
#define kd_is_null(v)   kd_is((v), cJSON_NULL)
static inline bool kd_is_bool(const cJSON *v)
{
	return kd_is(v, cJSON_True) || kd_is(v, cJSON_False);
}

/* Member @key of @obj (first match, like cJSON); NULL when absent or JSON
 * null (the API's nil), or when @obj is NULL. */
static inline const cJSON *kd_get(const cJSON *obj, const char *key)
{
	if (!obj)
		return NULL;
	for (const cJSON *c = obj->child; c; c = c->next)
		if (c->string && c->string[0] == key[0] && !strcmp(c->string, key))
			return kd_is_null(c) ? NULL : c;
	return NULL;
}

/* Typed reads of member @key of @parent (which sits at @at). Absent/null =>
 * NULL (or 0 for the int/bool forms, with *out untouched); wrong type or
 * range => logged, NULL (or -EINVAL). */
const cJSON *kd_object(const struct kd *d, const cJSON *parent, const struct kd_at *at,
                       const char *key);
const cJSON *kd_array(const struct kd *d, const cJSON *parent, const struct kd_at *at,
                      const char *key);
const char *kd_string(const struct kd *d, const cJSON *parent, const struct kd_at *at,
                      const char *key);
/* 1 when set, 0 when absent, -EINVAL when bad (logged). */
int kd_int(const struct kd *d, const cJSON *parent, const struct kd_at *at, const char *key,
           int64_t min, int64_t max, int64_t *out);
int kd_bool(const struct kd *d, const cJSON *parent, const struct kd_at *at, const char *key,
            bool *out);

/* An integral JSON number within [min, max]: 0, -EINVAL (not an integral
 * number) or -ERANGE. Never logs. */
int kd_int_value(const cJSON *v, int64_t min, int64_t max, int64_t *out);

/* "TCP"/"UDP"/"SCTP" -> IPPROTO_*; anything else 0. */
uint16_t kd_protocol(const char *s);

/*
 * Reads a member protocol: absent/null => TCP (the API default), known =>
 * IPPROTO_*, otherwise logged (reason=unknown-protocol) and 0.
 */
uint16_t kd_protocol_field(const struct kd *d, const cJSON *parent, const struct kd_at *at);

/*
 * Allocation for decoded objects goes through cJSON's hooks (cJSON_malloc),
 * which are malloc unless a test installs a failing wrapper: that lets one
 * allocator-failure test cover the parser and the decoders alike. Whatever
 * the hooks are, kube_*_free() releases with free(), so a hook must hand out
 * malloc'd memory.
 */
void *kd_calloc(size_t n, size_t size);
/* strdup that keeps NULL as NULL; sets *err = -ENOMEM on failure. */
char *kd_dup(const char *s, int *err);

/*
 * Reads metadata (name, namespace, uid, resourceVersion) into @m and points
 * d->ns/d->name at it. @namespaced: a missing namespace rejects the object.
 * Also returns metadata.labels / .annotations (NULL when absent or bad).
 * 0, -EINVAL (logged) or -ENOMEM.
 */
int kd_meta(struct kd *d, const cJSON *obj, bool namespaced, struct kube_meta *m,
            const cJSON **labels, const cJSON **annotations);

/* String value of @map[@key] duplicated into *out (NULL when absent; a
 * non-string value is logged and skipped). @at is where the map sits
 * (&kd_at_labels, &kd_at_annotations). 0 or -ENOMEM. */
int kd_map_dup(const struct kd *d, const cJSON *map, const struct kd_at *at, const char *key,
               char **out);

/* Paths of metadata and its maps. */
extern const struct kd_at kd_at_metadata, kd_at_labels, kd_at_annotations;

/* The last-change-trigger-time annotation as Unix ms (0 absent or bad, logged). */
int64_t kd_trigger_time(const struct kd *d, const cJSON *annotations);

/* Checks @obj is a JSON object; logs "field=. reason=not-an-object" otherwise. */
bool kd_check_object(const struct kd *d, const cJSON *obj);

#endif
