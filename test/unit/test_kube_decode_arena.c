/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parse arena: documents parsed into it decode exactly as malloc'd DOMs
 * do, blocks are reused, the cap holds, errors leave it usable, and cJSON's
 * default allocator is back in place after every parse (else the ordinary
 * cJSON_Delete below would leak or crash under ASan).
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_decode.h"

static char *read_ref(const char *rel, size_t *len)
{
	char *buf = unit_read_file(unit_fixture_path(rel), len);

	assert_non_null(buf);
	return buf;
}

/* Decodes every item of a list DOM; returns the count, checks names. */
static size_t decode_items(const cJSON *list, char names[][64], size_t max)
{
	struct kube_list_iter it;
	enum kube_kind kind;
	const cJSON *item;
	size_t n = 0;

	assert_int_equal(kube_list_iter_init(&it, list, KUBE_KIND_UNKNOWN), 0);
	while ((item = kube_list_iter_next(&it, &kind))) {
		struct kube_object o;

		assert_true(n < max);
		assert_int_equal(kube_object_decode(item, kind, &o), 0);
		snprintf(names[n], 64, "%s/%s", kube_object_meta(&o)->namespace,
		         kube_object_meta(&o)->name);
		kube_object_free(&o);
		n++;
	}
	return n;
}

static void same_as_heap_dom(void **state)
{
	static const char *const files[] = { "k8s/services.json", "k8s/endpointslices.json",
		                             "k8s/endpoints.json" };
	struct kube_json_arena *a;

	assert_int_equal(kube_json_arena_new(0, &a), 0);
	assert_int_equal(kube_json_arena_size(a), 0);
	for (int round = 0; round < 2; round++) {
		for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
			char heap_names[16][64], arena_names[16][64];
			size_t len, n_heap, n_arena;
			char *buf = read_ref(files[f], &len);
			const cJSON *adom;
			cJSON *hdom;

			assert_int_equal(kube_json_parse(buf, len, files[f], &hdom), 0);
			n_heap = decode_items(hdom, heap_names, 16);
			cJSON_Delete(hdom);
			assert_int_equal(kube_json_arena_parse(a, buf, len, files[f], &adom), 0);
			n_arena = decode_items(adom, arena_names, 16);
			assert_int_equal(n_heap, n_arena);
			assert_true(n_heap >= 5);
			for (size_t i = 0; i < n_heap; i++)
				assert_string_equal(heap_names[i], arena_names[i]);
			kube_json_arena_reset(a);
			free(buf);
		}
	}
	/* The small fixtures fit one block, kept across documents. */
	assert_int_equal(kube_json_arena_size(a), 1u << 20);

	/* cJSON's default hooks are back: an ordinary DOM allocates and frees. */
	cJSON *o = cJSON_CreateObject();

	assert_non_null(cJSON_AddStringToObject(o, "k", "v"));
	cJSON_Delete(o);
	kube_json_arena_free(a);
}

/* A document larger than a block: more blocks, reused next time, trimmed. */
static void big_documents(void **state)
{
	enum { N = 100000 };
	struct kube_json_arena *a;
	size_t cap = (size_t)4 << 20, o = 0, held;
	char *buf = malloc(cap);
	const cJSON *dom;

	assert_non_null(buf);
	o += (size_t)snprintf(buf + o, cap - o, "[");
	for (int i = 0; i < N; i++)
		o += (size_t)snprintf(buf + o, cap - o, "%s\"s%07d\"", i ? "," : "", i);
	o += (size_t)snprintf(buf + o, cap - o, "]");
	assert_int_equal(kube_json_arena_new(0, &a), 0);
	assert_int_equal(kube_json_arena_parse(a, buf, o, "big", &dom), 0);
	assert_int_equal(cJSON_GetArraySize(dom), N);
	assert_string_equal(cJSON_GetArrayItem(dom, N - 1)->valuestring, "s0099999");
	held = kube_json_arena_size(a);
	assert_true(held > (2u << 20)); /* ~100k nodes of 64 bytes and their strings */
	/* Same document again: no new blocks. */
	assert_int_equal(kube_json_arena_parse(a, buf, o, "big", &dom), 0);
	assert_int_equal(kube_json_arena_size(a), held);
	kube_json_arena_trim(a);
	assert_int_equal(kube_json_arena_size(a), 1u << 20);
	/* A single string bigger than a block gets a block of its own. */
	memset(buf, 'x', 3u << 20);
	buf[0] = '"';
	buf[(3u << 20) - 1] = '"';
	assert_int_equal(kube_json_arena_parse(a, buf, 3u << 20, "string", &dom), 0);
	assert_int_equal(strlen(dom->valuestring), (3u << 20) - 2);
	assert_true(kube_json_arena_size(a) >= (4u << 20));
	kube_json_arena_free(a);
	free(buf);
}

static void cap_and_errors(void **state)
{
	struct kube_json_arena *a;
	size_t len;
	char *buf = read_ref("k8s/endpointslices.json", &len);
	const cJSON *dom = (void *)1;

	unit_log_start();
	assert_int_equal(kube_json_arena_new(16 * 1024, &a), 0);
	assert_int_equal(kube_json_arena_parse(a, buf, len, "slices page", &dom), -E2BIG);
	assert_null(dom);
	assert_int_equal(
	    unit_log_count("event=json_too_big", "what=\"slices page\"", "cap=16384", NULL), 1);
	assert_int_equal(unit_log_count("json_invalid", NULL), 0);
	/* Still usable: a small document fits. */
	assert_int_equal(kube_json_arena_parse(a, "{\"a\":[1,2,3]}", 13, "small", &dom), 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(dom, "a")), 3);
	/* Syntax error: -EINVAL, logged with the offset, arena usable. */
	assert_int_equal(kube_json_arena_parse(a, "{\"a\":[1,2,}", 11, "bad", &dom), -EINVAL);
	assert_null(dom);
	assert_int_equal(unit_log_count("event=json_invalid what=bad offset=10 len=11", NULL), 1);
	assert_int_equal(kube_json_arena_parse(a, "[true]", 6, "ok", &dom), 0);
	assert_true(cJSON_IsTrue(dom->child));
	kube_json_arena_free(a);
	kube_json_arena_free(NULL);
	unit_log_stop();
	free(buf);

	/* Heap DOMs still work after failed arena parses (hooks restored). */
	cJSON *h;

	assert_int_equal(kube_json_parse("{\"x\":\"y\"}", 9, "heap", &h), 0);
	cJSON_Delete(h);
}

/* Objects decoded from an arena DOM own their memory: reusing the arena for
 * another document (which overwrites the same block) leaves them intact. */
static void objects_outlive_reset(void **state)
{
	struct kube_object objs[16];
	struct kube_json_arena *a;
	struct kube_list_iter it;
	enum kube_kind kind;
	const cJSON *dom, *item;
	size_t len, len2, n = 0;
	char *svcs = read_ref("k8s/services.json", &len);
	char *slices = read_ref("k8s/endpointslices.json", &len2);

	assert_int_equal(kube_json_arena_new(0, &a), 0);
	assert_int_equal(kube_json_arena_parse(a, svcs, len, "svcs", &dom), 0);
	assert_int_equal(kube_list_iter_init(&it, dom, KUBE_KIND_UNKNOWN), 0);
	while ((item = kube_list_iter_next(&it, &kind)))
		assert_int_equal(kube_object_decode(item, kind, &objs[n++]), 0);
	assert_int_equal(n, 9);
	kube_json_arena_reset(a);
	assert_int_equal(kube_json_arena_parse(a, slices, len2, "slices", &dom), 0);
	assert_string_equal(objs[2].svc->meta.name, "frontend");
	assert_string_equal(objs[2].svc->meta.uid, "0b6f4e1a-9d2c-4f3b-a1e5-6c7d8e9f0a1b");
	assert_string_equal(objs[2].svc->ports[0].name, "http");
	assert_int_equal(objs[2].svc->ports[0].node_port, 30080);
	assert_string_equal(objs[8].svc->proxy_name, "mesh-proxy");
	assert_string_equal(objs[5].svc->traffic_distribution, "PreferClose");
	for (size_t i = 0; i < n; i++)
		kube_object_free(&objs[i]);
	kube_json_arena_free(a);
	free(svcs);
	free(slices);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(objects_outlive_reset),
	cmocka_unit_test(same_as_heap_dom),
	cmocka_unit_test(big_documents),
	cmocka_unit_test(cap_and_errors),
};

UNIT_MAIN(tests)
