/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The envelopes around objects: lists (typed and generic), list metadata,
 * watch events, Status bodies, JSON parse errors, kinds and RFC 3339 times.
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_decode.h"

static cJSON *json(const char *text)
{
	char *t = strdup(text);
	cJSON *j;

	assert_non_null(t);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	j = cJSON_Parse(t);
	free(t);
	assert_non_null(j);
	return j;
}

static void kinds(void **state)
{
	assert_int_equal(kube_kind_parse("Service"), KUBE_KIND_SERVICE);
	assert_int_equal(kube_kind_parse("EndpointSlice"), KUBE_KIND_ENDPOINT_SLICE);
	assert_int_equal(kube_kind_parse("Endpoints"), KUBE_KIND_ENDPOINTS);
	assert_int_equal(kube_kind_parse("Node"), KUBE_KIND_NODE);
	assert_int_equal(kube_kind_parse("service"), KUBE_KIND_UNKNOWN);
	assert_int_equal(kube_kind_parse("ServiceList"), KUBE_KIND_UNKNOWN);
	assert_int_equal(kube_kind_parse(NULL), KUBE_KIND_UNKNOWN);
	for (int k = KUBE_KIND_SERVICE; k <= KUBE_KIND_NODE; k++)
		assert_int_equal(kube_kind_parse(kube_kind_name((enum kube_kind)k)), k);
	assert_string_equal(kube_kind_name(KUBE_KIND_UNKNOWN), "Unknown");
	assert_string_equal(kube_event_type_name(KUBE_EV_BOOKMARK), "BOOKMARK");
	assert_string_equal(kube_event_type_name((enum kube_event_type)99), "UNKNOWN");
}

static void list_meta(void **state)
{
	struct kube_list_meta m;
	cJSON *j;

	j = json("{'kind':'ServiceList','metadata':{'resourceVersion':'48213','continue':"
	         "'eyJ2Ijoi','remainingItemCount':7},'items':[]}");
	assert_int_equal(kube_list_meta_get(j, &m), 0);
	assert_string_equal(m.resource_version, "48213");
	assert_string_equal(m.cont, "eyJ2Ijoi");
	assert_int_equal(m.remaining, 7);
	cJSON_Delete(j);

	j = json("{'items':[]}");
	assert_int_equal(kube_list_meta_get(j, &m), 0);
	assert_string_equal(m.resource_version, "");
	assert_string_equal(m.cont, "");
	assert_int_equal(m.remaining, -1);
	cJSON_Delete(j);

	unit_log_start();
	j = json("{'metadata':[]}");
	assert_int_equal(kube_list_meta_get(j, &m), -EINVAL);
	assert_int_equal(unit_log_count("kind=List",
	                                "field=metadata value=[...] "
	                                "reason=not-an-object",
	                                NULL),
	                 1);
	cJSON_Delete(j);
	j = json("{'metadata':{'resourceVersion':48213}}");
	assert_int_equal(kube_list_meta_get(j, &m), 0);
	assert_string_equal(m.resource_version, "");
	assert_int_equal(unit_log_count("field=metadata.resourceVersion value=48213 "
	                                "reason=not-a-string",
	                                NULL),
	                 1);
	cJSON_Delete(j);
	j = json("'text'");
	assert_int_equal(kube_list_meta_get(j, &m), -EINVAL);
	assert_int_equal(
	    unit_log_count("kind=List obj=? field=. value=text reason=not-an-object", NULL), 1);
	cJSON_Delete(j);
	unit_log_stop();
}

/* What `kubectl get svc,endpointslices -A -o json` prints: a generic List
 * whose items carry their own kind. */
static void generic_list(void **state)
{
	static const enum kube_kind want[] = { KUBE_KIND_SERVICE, KUBE_KIND_ENDPOINT_SLICE,
		                               KUBE_KIND_UNKNOWN, KUBE_KIND_NODE,
		                               KUBE_KIND_ENDPOINT_SLICE };
	struct kube_list_iter it;
	enum kube_kind kind;
	const cJSON *item;
	size_t n = 0;
	cJSON *j;

	j = json("{'apiVersion':'v1','kind':'List','metadata':{'resourceVersion':''},'items':["
	         "{'kind':'Service','metadata':{'name':'a','namespace':'n'}},"
	         "{'kind':'EndpointSlice','metadata':{'name':'a-1','namespace':'n'},"
	         "'addressType':'IPv4'},"
	         "{'kind':'Pod','metadata':{'name':'p','namespace':'n'}},"
	         "{'kind':'Node','metadata':{'name':'node-a'}},"
	         "{'metadata':{'name':'b-1','namespace':'n'},'addressType':'IPv6'}]}");
	unit_log_start();
	assert_int_equal(kube_list_iter_init(&it, j, KUBE_KIND_ENDPOINT_SLICE), 0);
	while ((item = kube_list_iter_next(&it, &kind))) {
		struct kube_object o;
		int r;

		assert_true(n < 5);
		assert_int_equal(kind, want[n]);
		r = kube_object_decode(item, kind, &o);
		if (kind == KUBE_KIND_UNKNOWN) {
			assert_int_equal(r, -ENOTSUP);
			assert_null(o.ptr);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(o.kind, kind);
			assert_non_null(kube_object_meta(&o));
		}
		kube_object_free(&o);
		n++;
	}
	assert_int_equal(n, 5);
	/* An unsupported kind in a List is not a warning. */
	assert_int_equal(unit_log_count("level=warn", NULL), 0);

	/* No hint: an item without kind stays unknown. */
	assert_int_equal(kube_list_iter_init(&it, j, KUBE_KIND_UNKNOWN), 0);
	for (n = 0; (item = kube_list_iter_next(&it, &kind)); n++)
		if (n == 4)
			assert_int_equal(kind, KUBE_KIND_UNKNOWN);
	assert_int_equal(n, 5);
	cJSON_Delete(j);

	/* kind from the object itself when the caller does not know it. */
	struct kube_object o;

	j = json("{'kind':'Node','metadata':{'name':'node-b'}}");
	assert_int_equal(kube_object_decode(j, KUBE_KIND_UNKNOWN, &o), 0);
	assert_int_equal(o.kind, KUBE_KIND_NODE);
	assert_string_equal(kube_object_meta(&o)->name, "node-b");
	kube_object_free(&o);
	kube_object_free(&o); /* idempotent */
	assert_null(kube_object_meta(&o));
	cJSON_Delete(j);
	unit_log_stop();
}

static void typed_list_items_without_kind(void **state)
{
	struct kube_list_iter it;
	enum kube_kind kind;
	cJSON *j;

	/* Typed list: the list's kind wins even over a (stray) item kind. */
	j = json("{'kind':'EndpointSliceList','items':[{'metadata':{}},{'kind':'Service'}]}");
	assert_int_equal(kube_list_iter_init(&it, j, KUBE_KIND_UNKNOWN), 0);
	assert_non_null(kube_list_iter_next(&it, &kind));
	assert_int_equal(kind, KUBE_KIND_ENDPOINT_SLICE);
	assert_non_null(kube_list_iter_next(&it, &kind));
	assert_int_equal(kind, KUBE_KIND_ENDPOINT_SLICE);
	assert_null(kube_list_iter_next(&it, &kind));
	assert_null(kube_list_iter_next(&it, &kind));
	cJSON_Delete(j);

	/* items null or absent: empty. items an object: rejected, logged. */
	j = json("{'kind':'ServiceList','items':null}");
	assert_int_equal(kube_list_iter_init(&it, j, KUBE_KIND_UNKNOWN), 0);
	assert_null(kube_list_iter_next(&it, &kind));
	cJSON_Delete(j);
	j = json("{'kind':'NodeList'}");
	assert_int_equal(kube_list_iter_init(&it, j, KUBE_KIND_UNKNOWN), 0);
	assert_null(kube_list_iter_next(&it, &kind));
	cJSON_Delete(j);
	unit_log_start();
	j = json("{'kind':'ServiceList','items':{'a':1}}");
	assert_int_equal(kube_list_iter_init(&it, j, KUBE_KIND_UNKNOWN), -EINVAL);
	assert_null(kube_list_iter_next(&it, &kind));
	assert_int_equal(unit_log_count("field=items value={...} reason=not-an-array", NULL), 1);
	cJSON_Delete(j);
	unit_log_stop();
}

static void statuses(void **state)
{
	size_t len;
	char *buf = unit_read_file(unit_fixture_path("k8s/statuses.json"), &len);
	struct kube_status st;
	const cJSON *e;
	cJSON *all;
	int n = 0;

	assert_non_null(buf);
	assert_int_equal(kube_json_parse(buf, len, "statuses", &all), 0);
	free(buf);
	cJSON_ArrayForEach(e, all)
	{
		if (!cJSON_IsObject(e))
			continue; /* the _note */
		assert_int_equal(kube_status_decode(e, &st), 0);
		assert_true(st.failure);
		assert_true(st.code >= 400 && st.code < 600);
		assert_true(st.reason[0] != '\0');
		assert_true(st.message[0] != '\0');
		/* Only the 410s are "expired"; only the 504 is "too large". */
		assert_int_equal(kube_status_is_expired(&st), !strncmp(e->string, "410", 3));
		assert_int_equal(kube_status_is_rv_too_large(&st), !strncmp(e->string, "504", 3));
		if (!strncmp(e->string, "429", 3)) {
			assert_int_equal(st.retry_after_seconds, 1);
			assert_string_equal(st.reason, "TooManyRequests");
		}
		if (!strncmp(e->string, "422", 3))
			assert_string_equal(st.cause, "FieldValueForbidden");
		if (!strncmp(e->string, "504", 3))
			assert_string_equal(st.cause, "ResourceVersionTooLarge");
		if (!strcmp(e->string, "401-unauthorized")) {
			assert_int_equal(st.code, 401);
			assert_string_equal(st.message, "Unauthorized");
		}
		n++;
	}
	assert_true(n >= 12);
	cJSON_Delete(all);

	/* Long messages are truncated, not overflowed; client-go's 410 rule. */
	char msg[600];
	char text[800];

	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	snprintf(text, sizeof(text), "{'code':410,'reason':'SomethingNew','message':'%s'}", msg);
	all = json(text);
	assert_int_equal(kube_status_decode(all, &st), 0);
	assert_int_equal(strlen(st.message), sizeof(st.message) - 1);
	assert_true(kube_status_is_expired(&st)); /* unknown reason + 410 */
	assert_false(st.failure);
	cJSON_Delete(all);
	all = json("{'code':410,'reason':'Forbidden'}");
	assert_int_equal(kube_status_decode(all, &st), 0);
	assert_false(kube_status_is_expired(&st)); /* a known reason wins */
	cJSON_Delete(all);
	all = json("{'code':410}");
	assert_int_equal(kube_status_decode(all, &st), 0);
	assert_true(kube_status_is_expired(&st));
	cJSON_Delete(all);
	all = json("{'code':'410','reason':'Gone','details':{'causes':'x'}}");
	assert_int_equal(kube_status_decode(all, &st), 0);
	assert_int_equal(st.code, 0);
	assert_true(kube_status_is_expired(&st));
	cJSON_Delete(all);
	all = json("[]");
	assert_int_equal(kube_status_decode(all, &st), -EINVAL);
	cJSON_Delete(all);
}

static int event(const char *text, struct kube_watch_event *ev, cJSON **root)
{
	*root = json(text);
	return kube_watch_event_decode(*root, ev);
}

static void watch_events(void **state)
{
	struct kube_watch_event ev;
	cJSON *root;

	unit_log_start();
	assert_int_equal(event("{'type':'BOOKMARK','object':{'kind':'EndpointSlice','metadata':{"
	                       "'resourceVersion':'48215','creationTimestamp':null,'annotations':"
	                       "{'k8s.io/initial-events-end':'true'}},'addressType':'',"
	                       "'endpoints':null,'ports':null}}",
	                       &ev, &root),
	                 0);
	assert_int_equal(ev.type, KUBE_EV_BOOKMARK);
	assert_int_equal(ev.kind, KUBE_KIND_ENDPOINT_SLICE);
	assert_string_equal(ev.resource_version, "48215");
	assert_true(ev.initial_events_end);
	cJSON_Delete(root);

	/* A bookmark from 1.34 (no creationTimestamp), no annotation. */
	assert_int_equal(event("{'type':'BOOKMARK','object':{'kind':'Service','metadata':{"
	                       "'resourceVersion':'9'},'spec':{},'status':{'loadBalancer':{}}}}",
	                       &ev, &root),
	                 0);
	assert_false(ev.initial_events_end);
	assert_string_equal(ev.resource_version, "9");
	cJSON_Delete(root);

	/* ERROR without an object: accepted, empty status. */
	assert_int_equal(event("{'type':'ERROR'}", &ev, &root), 0);
	assert_int_equal(ev.type, KUBE_EV_ERROR);
	assert_null(ev.object);
	assert_int_equal(ev.status.code, 0);
	cJSON_Delete(root);
	assert_int_equal(unit_log_count("level=warn", NULL), 0);

	static const struct {
		const char *json, *needle;
	} bad[] = {
		{ "[]", "field=. value=[...] reason=not-an-object" },
		{ "{'object':{}}", "field=type value=absent reason=missing" },
		{ "{'type':'added','object':{}}", "field=type value=added reason=unknown-type" },
		{ "{'type':7,'object':{}}", "field=type value=7 reason=unknown-type" },
		{ "{'type':'ADDED'}", "field=object value=absent reason=missing" },
		{ "{'type':'MODIFIED','object':null}", "field=object value=absent reason=missing" },
		{ "{'type':'DELETED','object':[1]}",
		  "field=object value=[...] reason=not-an-object" },
		{ "{'type':'BOOKMARK','object':{'metadata':{}}}",
		  "field=object.metadata.resourceVersion value=absent reason=missing" },
		{ "{'type':'BOOKMARK','object':{'metadata':{'resourceVersion':5}}}",
		  "field=object.metadata.resourceVersion value=5 reason=not-a-string" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		unit_log_start();
		assert_int_equal(event(bad[i].json, &ev, &root), -EINVAL);
		if (unit_log_count("event=watch_event_invalid", bad[i].needle, NULL) != 1 ||
		    unit_log_count("level=", NULL) != 1)
			fail_msg("case %zu: want '%s', got:\n%s", i, bad[i].needle,
			         unit_log_text());
		cJSON_Delete(root);
	}

	/* An object event whose object is not one of ours: kind UNKNOWN, the
	 * caller decides (kube_object_decode says -ENOTSUP). */
	unit_log_start();
	assert_int_equal(event("{'type':'ADDED','object':{'kind':'Pod','metadata':{'name':'p',"
	                       "'namespace':'n','resourceVersion':'3'}}}",
	                       &ev, &root),
	                 0);
	assert_int_equal(ev.kind, KUBE_KIND_UNKNOWN);
	assert_string_equal(ev.resource_version, "3");
	cJSON_Delete(root);
	unit_log_stop();
}

static void json_errors(void **state)
{
	static const char good[] = "{\"a\":1} trailing ignored? no";
	cJSON *j;

	unit_log_start();
	assert_int_equal(kube_json_parse("{\"a\":[1,2,}", 11, "list page", &j), -EINVAL);
	assert_null(j);
	assert_int_equal(
	    unit_log_count("event=json_invalid what=\"list page\" offset=10 len=11", NULL), 1);
	/* Length-bounded: no NUL needed, nothing read past len. */
	assert_int_equal(kube_json_parse(good, 7, "x", &j), 0);
	assert_true(cJSON_IsObject(j));
	cJSON_Delete(j);
	assert_int_equal(kube_json_parse("", 0, "empty", &j), -EINVAL);

	/* Nesting far beyond cJSON's limit: a clean refusal, not a stack overflow. */
	enum { DEPTH = 100000 };
	char *deep = malloc(2 * DEPTH);

	assert_non_null(deep);
	memset(deep, '[', DEPTH);
	memset(deep + DEPTH, ']', DEPTH);
	assert_int_equal(kube_json_parse(deep, 2 * DEPTH, "deep", &j), -EINVAL);
	free(deep);
	assert_int_equal(unit_log_count("event=json_invalid", NULL), 3);
	unit_log_stop();
}

static void rfc3339(void **state)
{
	static const struct {
		const char *s;
		int64_t ms;
	} good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2025-06-10T07:41:02Z", INT64_C(1749541262000) },
		{ "2025-06-10T07:41:02.5Z", INT64_C(1749541262500) },
		{ "2025-06-10T07:41:02.123456789Z", INT64_C(1749541262123) },
		{ "2025-06-10T09:41:02+02:00", INT64_C(1749541262000) },
		{ "2025-06-10T02:11:02.250-05:30", INT64_C(1749541262250) },
		{ "2024-02-29T00:00:00z", INT64_C(1709164800000) },
		{ "2000-03-01t00:00:00Z", INT64_C(951868800000) },
		{ "1969-12-31T23:59:59Z", -1000 },
	};
	static const char *const bad[] = {
		"",
		"2025-06-10",
		"2025-06-10T07:41:02",
		"2025-06-10 07:41:02Z",
		"2025-02-29T00:00:00Z",
		"2025-13-01T00:00:00Z",
		"2025-06-10T24:00:00Z",
		"2025-06-10T07:60:00Z",
		"2025-06-10T07:41:02.Z",
		"2025-06-10T07:41:02Zjunk",
		"2025-06-10T07:41:02+0200",
		"2025-06-10T07:41:02+02:00x",
		"yesterday at noon, roughly",
		"20x5-06-10T07:41:02Z",
	};
	int64_t ms;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 42;
		if (kube_parse_rfc3339_ms(good[i].s, &ms) != 0 || ms != good[i].ms)
			fail_msg("%s: got %lld", good[i].s, (long long)ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kube_parse_rfc3339_ms(bad[i], &ms) != -EINVAL)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(kube_parse_rfc3339_ms(NULL, &ms), -EINVAL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(kinds),        cmocka_unit_test(list_meta),
	cmocka_unit_test(generic_list), cmocka_unit_test(typed_list_items_without_kind),
	cmocka_unit_test(statuses),     cmocka_unit_test(watch_events),
	cmocka_unit_test(json_errors),  cmocka_unit_test(rfc3339),
};

UNIT_MAIN(tests)
