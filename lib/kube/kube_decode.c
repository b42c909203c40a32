/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_decode — shared helpers, metadata, and the envelopes (lists, watch
 * events, Status). The object decoders live in kube_decode_svc.c and
 * kube_decode_eps.c.
 */
#include "kube_decode.h"
#include "kube_decode_priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"

/* ---- kinds ------------------------------------------------------------ */

static const struct {
	const char *name;
	const char *list;
	enum kube_kind kind;
} kinds[] = {
	{ "Service", "ServiceList", KUBE_KIND_SERVICE },
	{ "EndpointSlice", "EndpointSliceList", KUBE_KIND_ENDPOINT_SLICE },
	{ "Endpoints", "EndpointsList", KUBE_KIND_ENDPOINTS },
	{ "Node", "NodeList", KUBE_KIND_NODE },
};

enum kube_kind kube_kind_parse(const char *kind)
{
	if (!kind)
		return KUBE_KIND_UNKNOWN;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i].name))
			return kinds[i].kind;
	return KUBE_KIND_UNKNOWN;
}

static enum kube_kind list_kind_parse(const char *kind)
{
	if (!kind)
		return KUBE_KIND_UNKNOWN;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i].list))
			return kinds[i].kind;
	return KUBE_KIND_UNKNOWN;
}

const char *kube_kind_name(enum kube_kind kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].name;
	return "Unknown";
}

/* ---- logging ---------------------------------------------------------- */

/* A short, safe rendering of any JSON value for a log line. Objects and
 * arrays are never printed: they can be arbitrarily large. */
static const char *value_str(const cJSON *v, char *buf, unsigned len)
{
	if (!v)
		return "absent";
	if (kd_is_string(v))
		return log_quote(v->valuestring, buf, len);
	if (kd_is_number(v)) {
		double x = v->valuedouble;

		if (x == floor(x) && fabs(x) < 1e15)
			snprintf(buf, len, "%.0f", x);
		else
			snprintf(buf, len, "%g", x);
		return buf;
	}
	if (kd_is_bool(v))
		return cJSON_IsTrue(v) ? "true" : "false";
	if (kd_is_null(v))
		return "null";
	if (kd_is_array(v))
		return "[...]";
	if (kd_is_object(v))
		return "{...}";
	return "?";
}

const struct kd_at kd_at_metadata = { .key = "metadata" };
const struct kd_at kd_at_labels = { .up = &kd_at_metadata, .key = "labels" };
const struct kd_at kd_at_annotations = { .up = &kd_at_metadata, .key = "annotations" };

/* Appends @at's steps to @buf at *o (bounded; a cut path is still useful). */
static void fmt_at(const struct kd_at *at, char *buf, size_t len, size_t *o)
{
	int n;

	if (!at)
		return;
	fmt_at(at->up, buf, len, o);
	if (*o >= len)
		return;
	if (at->key)
		n = snprintf(buf + *o, len - *o, "%s%s", *o ? "." : "", at->key);
	else if (at->mkey)
		n = snprintf(buf + *o, len - *o, "[%s]", at->mkey);
	else
		n = snprintf(buf + *o, len - *o, "[%zu]", at->idx);
	if (n > 0)
		*o += (size_t)n;
}

void kd_log(const struct kd *d, const struct kd_at *at, const char *key, const cJSON *val,
            const char *reason)
{
	struct kd_at leaf = { .up = at, .key = key };
	char vb[96], nb[160], nsb[80], field[192];
	size_t o = 0;

	field[0] = '\0';
	fmt_at(key ? &leaf : at, field, sizeof(field), &o);
	if (!field[0])
		snprintf(field, sizeof(field), ".");
	if (d->name && d->ns && *d->ns)
		log_warn("decode_invalid", "kind=%s obj=%s/%s field=%s value=%s reason=%s", d->kind,
		         log_quote(d->ns, nsb, sizeof(nsb)), log_quote(d->name, nb, sizeof(nb)),
		         field, value_str(val, vb, sizeof(vb)), reason);
	else
		log_warn("decode_invalid", "kind=%s obj=%s field=%s value=%s reason=%s", d->kind,
		         d->name ? log_quote(d->name, nb, sizeof(nb)) : "?", field,
		         value_str(val, vb, sizeof(vb)), reason);
}

bool kd_check_object(const struct kd *d, const cJSON *obj)
{
	if (kd_is_object(obj))
		return true;
	kd_log(d, NULL, NULL, obj, "not-an-object");
	return false;
}

/* ---- typed member reads ----------------------------------------------- */

const cJSON *kd_object(const struct kd *d, const cJSON *parent, const struct kd_at *at,
                       const char *key)
{
	const cJSON *v = kd_get(parent, key);

	if (!v || kd_is_object(v))
		return v;
	kd_log(d, at, key, v, "not-an-object");
	return NULL;
}

const cJSON *kd_array(const struct kd *d, const cJSON *parent, const struct kd_at *at,
                      const char *key)
{
	const cJSON *v = kd_get(parent, key);

	if (!v || kd_is_array(v))
		return v;
	kd_log(d, at, key, v, "not-an-array");
	return NULL;
}

const char *kd_string(const struct kd *d, const cJSON *parent, const struct kd_at *at,
                      const char *key)
{
	const cJSON *v = kd_get(parent, key);

	if (!v)
		return NULL;
	if (kd_is_string(v))
		return v->valuestring;
	kd_log(d, at, key, v, "not-a-string");
	return NULL;
}

int kd_int_value(const cJSON *v, int64_t min, int64_t max, int64_t *out)
{
	double x;

	if (!kd_is_number(v))
		return -EINVAL;
	x = v->valuedouble;
	if (!isfinite(x) || x != floor(x))
		return -EINVAL;
	if (x < (double)min || x > (double)max)
		return -ERANGE;
	*out = (int64_t)x;
	return 0;
}

int kd_int(const struct kd *d, const cJSON *parent, const struct kd_at *at, const char *key,
           int64_t min, int64_t max, int64_t *out)
{
	const cJSON *v = kd_get(parent, key);
	int r;

	if (!v)
		return 0;
	r = kd_int_value(v, min, max, out);
	if (r == 0)
		return 1;
	kd_log(d, at, key, v, r == -ERANGE ? "out-of-range" : "not-an-integer");
	return -EINVAL;
}

int kd_bool(const struct kd *d, const cJSON *parent, const struct kd_at *at, const char *key,
            bool *out)
{
	const cJSON *v = kd_get(parent, key);

	if (!v)
		return 0;
	if (kd_is_bool(v)) {
		*out = cJSON_IsTrue(v);
		return 1;
	}
	kd_log(d, at, key, v, "not-a-bool");
	return -EINVAL;
}

uint16_t kd_protocol(const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "TCP"))
		return IPPROTO_TCP;
	if (!strcmp(s, "UDP"))
		return IPPROTO_UDP;
	if (!strcmp(s, "SCTP"))
		return IPPROTO_SCTP;
	return 0;
}

uint16_t kd_protocol_field(const struct kd *d, const cJSON *parent, const struct kd_at *at)
{
	const cJSON *v = kd_get(parent, "protocol");
	uint16_t p;

	if (!v)
		return IPPROTO_TCP;
	p = kd_is_string(v) ? kd_protocol(v->valuestring) : 0;
	if (!p)
		kd_log(d, at, "protocol", v, "unknown-protocol");
	return p;
}

void *kd_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = cJSON_malloc(n * size > 0 ? n * size : 1);
	if (p)
		memset(p, 0, n * size);
	return p;
}

char *kd_dup(const char *s, int *err)
{
	size_t n;
	char *r;

	if (!s)
		return NULL;
	n = strlen(s) + 1;
	r = cJSON_malloc(n);
	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(r, s, n);
	return r;
}

/* ---- metadata --------------------------------------------------------- */

int kd_meta(struct kd *d, const cJSON *obj, bool namespaced, struct kube_meta *m,
            const cJSON **labels, const cJSON **annotations)
{
	const cJSON *md = kd_get(obj, "metadata");
	const cJSON *name, *ns;
	const char *uid, *rv;
	int err = 0;

	*labels = *annotations = NULL;
	if (!kd_is_object(md)) {
		kd_log(d, NULL, "metadata", md, md ? "not-an-object" : "missing");
		return -EINVAL;
	}
	name = kd_get(md, "name");
	if (!kd_is_string(name) || !*name->valuestring) {
		kd_log(d, &kd_at_metadata, "name", name, name ? "not-a-name" : "missing");
		return -EINVAL;
	}
	d->name = name->valuestring;
	ns = kd_get(md, "namespace");
	if (namespaced) {
		if (!kd_is_string(ns) || !*ns->valuestring) {
			kd_log(d, &kd_at_metadata, "namespace", ns, ns ? "not-a-name" : "missing");
			return -EINVAL;
		}
		d->ns = ns->valuestring;
	} else {
		/* Cluster-scoped: whatever a namespace field says is meaningless. */
		d->ns = "";
	}
	uid = kd_string(d, md, &kd_at_metadata, "uid");
	rv = kd_string(d, md, &kd_at_metadata, "resourceVersion");
	m->name = kd_dup(d->name, &err);
	m->namespace = kd_dup(d->ns, &err);
	m->uid = kd_dup(uid ? uid : "", &err);
	m->resource_version = kd_dup(rv ? rv : "", &err);
	if (err) {
		kube_meta_clear(m);
		return err;
	}
	*labels = kd_object(d, md, &kd_at_metadata, "labels");
	*annotations = kd_object(d, md, &kd_at_metadata, "annotations");
	return 0;
}

int kd_map_dup(const struct kd *d, const cJSON *map, const struct kd_at *at, const char *key,
               char **out)
{
	const cJSON *v = kd_get(map, key);
	int err = 0;

	*out = NULL;
	if (!v)
		return 0;
	if (!kd_is_string(v)) {
		struct kd_at mk = { .up = at, .mkey = key };

		kd_log(d, &mk, NULL, v, "not-a-string");
		return 0;
	}
	*out = kd_dup(v->valuestring, &err);
	return err;
}

int64_t kd_trigger_time(const struct kd *d, const cJSON *annotations)
{
	const cJSON *v = kd_get(annotations, KUBE_ANN_TRIGGER_TIME);
	int64_t ms;

	if (!v)
		return 0;
	if (kd_is_string(v) && kube_parse_rfc3339_ms(v->valuestring, &ms) == 0)
		return ms;
	struct kd_at mk = { .up = &kd_at_annotations, .mkey = KUBE_ANN_TRIGGER_TIME };

	kd_log(d, &mk, NULL, v, "not-rfc3339");
	return 0;
}

/* ---- RFC 3339 --------------------------------------------------------- */

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so that no time zone or libc state is involved. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int kube_parse_rfc3339_ms(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac = 0, off = 0;
	const char *p;

	if (!s || strlen(s) < 20)
		return -EINVAL;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
		return -EINVAL;
	p = s + 19;
	if (*p == '.') {
		int n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			if (n < 3)
				frac = frac * 10 + (*p - '0');
		if (n == 0)
			return -EINVAL;
		for (; n < 3; n++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om;

		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -EINVAL;
		off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	*ms = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - off) * 1000 + frac;
	return 0;
}

/* ---- any object ------------------------------------------------------- */

int kube_object_decode(const cJSON *obj, enum kube_kind kind, struct kube_object *out)
{
	memset(out, 0, sizeof(*out));
	if (kind == KUBE_KIND_UNKNOWN) {
		const cJSON *k = kd_get(obj, "kind");

		kind = kube_kind_parse(kd_is_string(k) ? k->valuestring : NULL);
		if (kind == KUBE_KIND_UNKNOWN) {
			char kb[80];

			log_debug("decode_skipped", "kind=%s reason=unsupported-kind",
			          log_quote(kd_is_string(k) ? k->valuestring : "", kb, sizeof(kb)));
			return -ENOTSUP;
		}
	}
	out->kind = kind;
	switch (kind) {
	case KUBE_KIND_SERVICE:
		return kube_service_decode(obj, &out->svc);
	case KUBE_KIND_ENDPOINT_SLICE:
		return kube_endpoint_slice_decode(obj, &out->slice);
	case KUBE_KIND_ENDPOINTS:
		return kube_endpoints_decode(obj, &out->eps);
	case KUBE_KIND_NODE:
		return kube_node_decode(obj, &out->node);
	default:
		out->kind = KUBE_KIND_UNKNOWN;
		return -ENOTSUP;
	}
}

void kube_object_free(struct kube_object *o)
{
	if (!o)
		return;
	switch (o->kind) {
	case KUBE_KIND_SERVICE:
		kube_service_free(o->svc);
		break;
	case KUBE_KIND_ENDPOINT_SLICE:
		kube_endpoint_slice_free(o->slice);
		break;
	case KUBE_KIND_ENDPOINTS:
		kube_endpoints_free(o->eps);
		break;
	case KUBE_KIND_NODE:
		kube_node_free(o->node);
		break;
	default:
		break;
	}
	memset(o, 0, sizeof(*o));
}

const struct kube_meta *kube_object_meta(const struct kube_object *o)
{
	if (!o->ptr)
		return NULL;
	switch (o->kind) {
	case KUBE_KIND_SERVICE:
		return &o->svc->meta;
	case KUBE_KIND_ENDPOINT_SLICE:
		return &o->slice->meta;
	case KUBE_KIND_ENDPOINTS:
		return &o->eps->meta;
	case KUBE_KIND_NODE:
		return &o->node->meta;
	default:
		return NULL;
	}
}

/* ---- lists ------------------------------------------------------------ */

int kube_list_meta_get(const cJSON *list, struct kube_list_meta *m)
{
	struct kd d = { .kind = "List" };
	const cJSON *md;
	const char *s;
	int64_t n;

	m->resource_version = "";
	m->cont = "";
	m->remaining = -1;
	if (!kd_check_object(&d, list))
		return -EINVAL;
	md = kd_get(list, "metadata");
	if (!md)
		return 0;
	if (!kd_is_object(md)) {
		kd_log(&d, NULL, "metadata", md, "not-an-object");
		return -EINVAL;
	}
	s = kd_string(&d, md, &kd_at_metadata, "resourceVersion");
	if (s)
		m->resource_version = s;
	s = kd_string(&d, md, &kd_at_metadata, "continue");
	if (s)
		m->cont = s;
	if (kd_int(&d, md, &kd_at_metadata, "remainingItemCount", 0, INT64_C(1) << 52, &n) == 1)
		m->remaining = n;
	return 0;
}

int kube_list_iter_init(struct kube_list_iter *it, const cJSON *list, enum kube_kind hint)
{
	struct kd d = { .kind = "List" };
	const cJSON *items, *k;

	memset(it, 0, sizeof(*it));
	if (!kd_check_object(&d, list))
		return -EINVAL;
	k = kd_get(list, "kind");
	it->list_kind = list_kind_parse(kd_is_string(k) ? k->valuestring : NULL);
	it->hint = hint;
	items = kd_get(list, "items");
	if (items && !kd_is_array(items)) {
		kd_log(&d, NULL, "items", items, "not-an-array");
		return -EINVAL;
	}
	it->next = items ? items->child : NULL;
	return 0;
}

const cJSON *kube_list_iter_next(struct kube_list_iter *it, enum kube_kind *kind)
{
	const cJSON *item = it->next;

	if (!item)
		return NULL;
	it->next = item->next;
	if (it->list_kind != KUBE_KIND_UNKNOWN) {
		/* A typed list's items carry no kind or apiVersion: the list's kind says. */
		*kind = it->list_kind;
	} else {
		const cJSON *k = kd_get(item, "kind");

		*kind = kd_is_string(k) ? kube_kind_parse(k->valuestring) : it->hint;
	}
	return item;
}

/* ---- Status and watch events ------------------------------------------ */

static void copy_str(char *dst, size_t len, const cJSON *v)
{
	dst[0] = '\0';
	if (kd_is_string(v))
		snprintf(dst, len, "%s", v->valuestring);
}

int kube_status_decode(const cJSON *obj, struct kube_status *st)
{
	const cJSON *v, *details;
	int64_t n;

	memset(st, 0, sizeof(*st));
	if (!kd_is_object(obj))
		return -EINVAL;
	if (kd_int_value(kd_get(obj, "code"), 0, 999, &n) == 0)
		st->code = (int)n;
	v = kd_get(obj, "status");
	st->failure = kd_is_string(v) && !strcmp(v->valuestring, "Failure");
	copy_str(st->reason, sizeof(st->reason), kd_get(obj, "reason"));
	copy_str(st->message, sizeof(st->message), kd_get(obj, "message"));
	details = kd_get(obj, "details");
	if (kd_is_object(details)) {
		const cJSON *causes = kd_get(details, "causes");

		if (kd_int_value(kd_get(details, "retryAfterSeconds"), 0, 86400 * 365, &n) == 0)
			st->retry_after_seconds = (int)n;
		if (kd_is_array(causes) && kd_is_object(causes->child))
			copy_str(st->cause, sizeof(st->cause), kd_get(causes->child, "reason"));
	}
	return 0;
}

/* metav1.StatusReason values client-go knows (apimachinery errors.go). */
static bool known_reason(const char *r)
{
	static const char *const known[] = {
		"Unauthorized",
		"Forbidden",
		"NotFound",
		"AlreadyExists",
		"Conflict",
		"Gone",
		"Invalid",
		"ServerTimeout",
		"StoreReadError",
		"Timeout",
		"TooManyRequests",
		"BadRequest",
		"MethodNotAllowed",
		"NotAcceptable",
		"RequestEntityTooLarge",
		"UnsupportedMediaType",
		"InternalError",
		"Expired",
		"ServiceUnavailable",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(r, known[i]))
			return true;
	return false;
}

bool kube_status_is_expired(const struct kube_status *st)
{
	if (!strcmp(st->reason, "Expired") || !strcmp(st->reason, "Gone"))
		return true;
	/* client-go: a reason it does not know (or none) with code 410 too. */
	return st->code == 410 && !known_reason(st->reason);
}

bool kube_status_is_rv_too_large(const struct kube_status *st)
{
	return st->code == 504 && !strcmp(st->cause, "ResourceVersionTooLarge");
}

static const char *const ev_names[] = {
	[KUBE_EV_ADDED] = "ADDED",     [KUBE_EV_MODIFIED] = "MODIFIED",
	[KUBE_EV_DELETED] = "DELETED", [KUBE_EV_BOOKMARK] = "BOOKMARK",
	[KUBE_EV_ERROR] = "ERROR",
};

const char *kube_event_type_name(enum kube_event_type t)
{
	if ((unsigned)t < sizeof(ev_names) / sizeof(ev_names[0]) && ev_names[t])
		return ev_names[t];
	return "UNKNOWN";
}

static void watch_bad(const char *field, const cJSON *v, const char *reason)
{
	char vb[96];

	log_warn("watch_event_invalid", "field=%s value=%s reason=%s", field,
	         value_str(v, vb, sizeof(vb)), reason);
}

int kube_watch_event_decode(const cJSON *root, struct kube_watch_event *ev)
{
	const cJSON *type, *obj, *md, *v, *rv = NULL;
	enum kube_event_type t = 0;

	memset(ev, 0, sizeof(*ev));
	ev->resource_version = "";
	if (!kd_is_object(root)) {
		watch_bad(".", root, "not-an-object");
		return -EINVAL;
	}
	type = kd_get(root, "type");
	if (kd_is_string(type))
		for (size_t i = 1; i < sizeof(ev_names) / sizeof(ev_names[0]); i++)
			if (!strcmp(type->valuestring, ev_names[i]))
				t = (enum kube_event_type)i;
	if (!t) {
		watch_bad("type", type, type ? "unknown-type" : "missing");
		return -EINVAL;
	}
	ev->type = t;
	obj = kd_get(root, "object");
	if (t == KUBE_EV_ERROR) {
		/* A Status; tolerate a missing one (the stream ends either way). */
		if (kube_status_decode(obj, &ev->status) == 0)
			ev->object = obj;
		return 0;
	}
	if (!kd_is_object(obj)) {
		watch_bad("object", obj, obj ? "not-an-object" : "missing");
		return -EINVAL;
	}
	ev->object = obj;
	v = kd_get(obj, "kind");
	ev->kind = kube_kind_parse(kd_is_string(v) ? v->valuestring : NULL);
	md = kd_get(obj, "metadata");
	if (kd_is_object(md)) {
		const cJSON *ann = kd_get(md, "annotations");

		rv = kd_get(md, "resourceVersion");
		if (kd_is_string(rv))
			ev->resource_version = rv->valuestring;
		if (t == KUBE_EV_BOOKMARK && kd_is_object(ann)) {
			v = kd_get(ann, "k8s.io/initial-events-end");
			ev->initial_events_end = kd_is_string(v) && !strcmp(v->valuestring, "true");
		}
	}
	if (t == KUBE_EV_BOOKMARK && !*ev->resource_version) {
		/* A bookmark's only content is its resourceVersion. */
		watch_bad("object.metadata.resourceVersion", rv,
		          kd_is_string(rv) || !rv ? "missing" : "not-a-string");
		return -EINVAL;
	}
	return 0;
}
