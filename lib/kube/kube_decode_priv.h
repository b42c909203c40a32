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

#include <cjson/cJSON.h>

#include "kube_decode.h"

/* The object being decoded, for log lines. ns/name borrow from the DOM. */
struct kd {
	const char *kind;
	const char *ns;   /* NULL until metadata is read; "" for cluster-scoped */
	const char *name; /* NULL until metadata is read */
};

/* Room for "spec.ports[123].nodePort" and label-key paths. */
#define KD_PATH_MAX 160

/* snprintf into a KD_PATH_MAX buffer. A path cut short still names the
 * field well enough for a log line, so truncation is not an error. */
void kd_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One "decode_invalid" line: kind, obj, field, value (quoted; "absent" when
 * @val is NULL), reason. */
void kd_log(const struct kd *d, const char *field, const cJSON *val, const char *reason);

/* Member @key of @obj; NULL when absent or JSON null (the API's nil). */
static inline const cJSON *kd_get(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNull(v) ? NULL : v;
}

/* Typed member reads. Absent/null => NULL (or 0 for the int/bool forms, with
 * *out untouched); wrong type or range => logged, NULL (or -EINVAL). */
const cJSON *kd_object(const struct kd *d, const cJSON *parent, const char *key, const char *path);
const cJSON *kd_array(const struct kd *d, const cJSON *parent, const char *key, const char *path);
const char *kd_string(const struct kd *d, const cJSON *parent, const char *key, const char *path);
/* 1 when set, 0 when absent, -EINVAL when bad (logged). */
int kd_int(const struct kd *d, const cJSON *parent, const char *key, const char *path, int64_t min,
           int64_t max, int64_t *out);
int kd_bool(const struct kd *d, const cJSON *parent, const char *key, const char *path, bool *out);

/* An integral JSON number within [min, max]: 0, -EINVAL (not an integral
 * number) or -ERANGE. Never logs. */
int kd_int_value(const cJSON *v, int64_t min, int64_t max, int64_t *out);

/* "TCP"/"UDP"/"SCTP" -> IPPROTO_*; anything else 0. */
uint16_t kd_protocol(const char *s);

/*
 * Reads a member protocol: absent/null => TCP (the API default), known =>
 * IPPROTO_*, otherwise logged (reason=unknown-protocol) and 0.
 */
uint16_t kd_protocol_field(const struct kd *d, const cJSON *parent, const char *path);

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

/* String value of map[@key] duplicated into *out (NULL when absent; a
 * non-string value is logged and skipped). 0 or -ENOMEM. @what names the map
 * in the log ("metadata.labels"). */
int kd_map_dup(const struct kd *d, const cJSON *map, const char *what, const char *key, char **out);

/* The last-change-trigger-time annotation as Unix ms (0 absent or bad, logged). */
int64_t kd_trigger_time(const struct kd *d, const cJSON *annotations);

/* Checks @obj is a JSON object; logs "field=. reason=not-an-object" otherwise. */
bool kd_is_object(const struct kd *d, const cJSON *obj);

#endif
