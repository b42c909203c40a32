/* SPDX-License-Identifier: Apache-2.0 */
/* The reflector's pure pieces: line framing with a cap, backoff bounds, the
 * key/RV cache and its relist diff. */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_backoff.h"
#include "../../lib/kube/kube_cache.h"
#include "../../lib/kube/kube_lines.h"
#include "../../lib/kube/kube_reflector.h"

struct got {
	char lines[16][64];
	int n;
	int stop_at; /* return 1 on this line number (1-based); 0 = never */
};

static int on_line(void *ctx, const char *line, size_t len)
{
	struct got *g = ctx;

	assert_true(len > 0);
	assert_true(len < sizeof(g->lines[0]));
	assert_true(g->n < 16);
	memcpy(g->lines[g->n], line, len);
	g->lines[g->n][len] = '\0';
	g->n++;
	return g->stop_at == g->n ? 1 : 0;
}

static void lines_split_across_slices(void **state)
{
	static const char stream[] = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n{\"d\":";
	struct kube_lines l;
	struct got g = { 0 };

	/* every way of slicing the stream gives the same lines */
	for (size_t step = 1; step <= sizeof(stream); step++) {
		memset(&g, 0, sizeof(g));
		kube_lines_init(&l, 16);
		for (size_t off = 0; off < sizeof(stream) - 1; off += step) {
			size_t n =
			    sizeof(stream) - 1 - off < step ? sizeof(stream) - 1 - off : step;

			assert_int_equal(kube_lines_feed(&l, stream + off, n, on_line, &g), 0);
		}
		assert_int_equal(g.n, 3);
		assert_string_equal(g.lines[0], "{\"a\":1}");
		assert_string_equal(g.lines[1], "{\"b\":2}");
		assert_string_equal(g.lines[2], "{\"c\":3}");
		assert_int_equal(kube_lines_pending(&l), 5); /* {"d": waits for its end */
		kube_lines_free(&l);
	}
}

static void lines_cap(void **state)
{
	struct kube_lines l;
	struct got g = { 0 };

	kube_lines_init(&l, 8);
	/* exactly the cap is fine, in one slice or split */
	assert_int_equal(kube_lines_feed(&l, "12345678\n", 9, on_line, &g), 0);
	assert_int_equal(kube_lines_feed(&l, "1234", 4, on_line, &g), 0);
	assert_int_equal(kube_lines_feed(&l, "5678\r\n", 6, on_line, &g), 0);
	assert_int_equal(g.n, 2);
	/* one byte over: refused, whether whole or growing across slices */
	assert_int_equal(kube_lines_feed(&l, "123456789\n", 10, on_line, &g), -EMSGSIZE);
	assert_int_equal(kube_lines_pending(&l), 0);
	assert_int_equal(kube_lines_feed(&l, "12345", 5, on_line, &g), 0);
	assert_int_equal(kube_lines_feed(&l, "6789", 4, on_line, &g), 0); /* maybe a '\r' next */
	assert_int_equal(kube_lines_feed(&l, "0", 1, on_line, &g), -EMSGSIZE);
	/* refused before the end arrives: the stream can be dropped at once */
	assert_int_equal(kube_lines_feed(&l, "0123456789AB", 12, on_line, &g), -EMSGSIZE);
	assert_int_equal(g.n, 2);
	/* after an error the framer starts clean */
	assert_int_equal(kube_lines_feed(&l, "ok\n", 3, on_line, &g), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[2], "ok");
	kube_lines_free(&l);
}

static void lines_stop(void **state)
{
	struct kube_lines l;
	struct got g = { .stop_at = 2 };

	kube_lines_init(&l, 64);
	assert_int_equal(kube_lines_feed(&l, "a\nb\nc\n", 6, on_line, &g), 1);
	assert_int_equal(g.n, 2);
	kube_lines_free(&l);
}

static void backoff_bounds(void **state)
{
	static const uint32_t caps[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };
	static const uint32_t rnds[] = { 0, 1, 499, 12345, 2000000000u, 0xffffffffu };
	struct kube_backoff b;
	double t = 1000;

	/* whatever the random numbers, the n-th delay is in [cap/2, cap], 0.5..30 s */
	for (size_t k = 0; k < sizeof(rnds) / sizeof(rnds[0]); k++) {
		kube_backoff_init(&b, KUBE_BACKOFF_MIN_MS, KUBE_BACKOFF_MAX_MS, KUBE_BACKOFF_RESET);
		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
			uint32_t d = kube_backoff_next(&b, t += 1, rnds[k] + (uint32_t)i);
			uint32_t lo = caps[i] / 2 < 500 ? 500 : caps[i] / 2;

			assert_true(d >= lo);
			assert_true(d <= caps[i]);
		}
	}
	/* the first delay is the floor; the jitter spans the whole range at the cap */
	kube_backoff_init(&b, KUBE_BACKOFF_MIN_MS, KUBE_BACKOFF_MAX_MS, KUBE_BACKOFF_RESET);
	assert_int_equal(kube_backoff_next(&b, t += 1, 999), 500);
	for (int i = 0; i < 10; i++)
		(void)kube_backoff_next(&b, t += 1, 0);
	assert_int_equal(kube_backoff_next(&b, t += 1, 0), 15000);
	assert_int_equal(kube_backoff_next(&b, t += 1, 15000), 30000);
	/* two quiet minutes: back to the start */
	assert_int_equal(kube_backoff_next(&b, t += 121, 7), 500);
	assert_int_equal(kube_backoff_next(&b, t += 1, 500), 1000);
	kube_backoff_reset(&b);
	assert_int_equal(kube_backoff_next(&b, t += 1, 7), 500);
}

struct gone {
	char keys[8][32];
	int n;
};

static void on_gone(void *ctx, const char *ns, const char *name)
{
	struct gone *g = ctx;

	assert_true(g->n < 8);
	snprintf(g->keys[g->n++], sizeof(g->keys[0]), "%s/%s", ns, name);
}

static void cache_upsert_remove(void **state)
{
	struct kube_cache *c = NULL;

	assert_int_equal(kube_cache_new(&c), 0);
	assert_int_equal(kube_cache_upsert(c, "shop", "web", "10"), KUBE_CACHE_NEW);
	assert_int_equal(kube_cache_upsert(c, "shop", "web", "10"), KUBE_CACHE_SAME);
	assert_int_equal(kube_cache_upsert(c, "shop", "web", "9"), KUBE_CACHE_CHANGED);
	assert_int_equal(kube_cache_upsert(c, "shop", "web", "123456789012"), KUBE_CACHE_CHANGED);
	assert_int_equal(kube_cache_upsert(c, "shop", "web", "123456789012"), KUBE_CACHE_SAME);
	/* "a/bc" and "ab/c" are different keys */
	assert_int_equal(kube_cache_upsert(c, "a", "bc", "1"), KUBE_CACHE_NEW);
	assert_int_equal(kube_cache_upsert(c, "ab", "c", "1"), KUBE_CACHE_NEW);
	assert_int_equal(kube_cache_upsert(c, "", "node-a", "1"), KUBE_CACHE_NEW);
	assert_int_equal(kube_cache_count(c), 4);
	assert_true(kube_cache_remove(c, "a", "bc"));
	assert_false(kube_cache_remove(c, "a", "bc"));
	assert_true(kube_cache_has(c, "ab", "c"));
	assert_int_equal(kube_cache_count(c), 3);
	kube_cache_free(c);
}

static void cache_relist_diff(void **state)
{
	struct kube_cache *c = NULL;
	struct gone g = { 0 };
	char name[32];

	assert_int_equal(kube_cache_new(&c), 0);
	/* many keys: the table grows and keeps them all */
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "svc-%d", i);
		assert_int_equal(kube_cache_upsert(c, "ns", name, "1"), KUBE_CACHE_NEW);
	}
	assert_int_equal(kube_cache_count(c), 5000);
	/* a relist that sees all but three of them: exactly those three go */
	kube_cache_relist_begin(c);
	for (int i = 0; i < 5000; i++) {
		if (i == 7 || i == 4000 || i == 4999)
			continue;
		snprintf(name, sizeof(name), "svc-%d", i);
		assert_int_equal(kube_cache_upsert(c, "ns", name, i == 10 ? "2" : "1"),
		                 i == 10 ? KUBE_CACHE_CHANGED : KUBE_CACHE_SAME);
	}
	assert_int_equal(kube_cache_upsert(c, "ns", "new", "3"), KUBE_CACHE_NEW);
	assert_int_equal(kube_cache_relist_end(c, on_gone, &g), 3);
	assert_int_equal(g.n, 3);
	qsort(g.keys, (size_t)g.n, sizeof(g.keys[0]), (int (*)(const void *, const void *))strcmp);
	assert_string_equal(g.keys[0], "ns/svc-4000");
	assert_string_equal(g.keys[1], "ns/svc-4999");
	assert_string_equal(g.keys[2], "ns/svc-7");
	assert_int_equal(kube_cache_count(c), 4998);
	/* an empty relist removes everything */
	kube_cache_relist_begin(c);
	assert_int_equal(kube_cache_relist_end(c, NULL, NULL), 4998);
	assert_int_equal(kube_cache_count(c), 0);
	kube_cache_free(c);
}

/* The query strings kube-proxy's informers send (client-go sorts the keys). */
static void query_strings(void **state)
{
	struct kube_reflector_opts svc = {
		.label_selector = "!service.kubernetes.io/service-proxy-name",
		.field_selector = "spec.clusterIP!=None",
	};
	struct kube_reflector_opts eps = {
		.label_selector = "!service.kubernetes.io/headless,!service.kubernetes.io/"
		                  "service-proxy-name",
	};
	char buf[512];

	assert_true(kube_reflector_query(&svc, false, "0", NULL, 500, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "?fieldSelector=spec.clusterIP%21%3DNone"
	                         "&labelSelector=%21service.kubernetes.io%2Fservice-proxy-name"
	                         "&limit=500&resourceVersion=0");
	assert_true(kube_reflector_query(&svc, true, "48213", NULL, 0, 543, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "?allowWatchBookmarks=true&fieldSelector=spec.clusterIP%21%3DNone"
	                         "&labelSelector=%21service.kubernetes.io%2Fservice-proxy-name"
	                         "&resourceVersion=48213&timeoutSeconds=543&watch=true");
	/* a continue page: the token, no resourceVersion */
	assert_true(
	    kube_reflector_query(&eps, false, "0", "eyJ2Ijoi+/=", 500, 0, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "?continue=eyJ2Ijoi%2B%2F%3D"
	                         "&labelSelector=%21service.kubernetes.io%2Fheadless%2C%21service."
	                         "kubernetes.io%2Fservice-proxy-name&limit=500");
	/* no limit, no resourceVersion: a consistent list in one piece */
	assert_true(kube_reflector_query(&eps, false, NULL, NULL, 0, 0, buf, sizeof(buf)) > 0);
	assert_null(strstr(buf, "limit="));
	assert_null(strstr(buf, "resourceVersion="));
	/* too small a buffer is an error, never a truncated URL */
	assert_int_equal(kube_reflector_query(&svc, true, "1", NULL, 0, 300, buf, 40), -EINVAL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(query_strings),     cmocka_unit_test(lines_split_across_slices),
	cmocka_unit_test(lines_cap),         cmocka_unit_test(lines_stop),
	cmocka_unit_test(backoff_bounds),    cmocka_unit_test(cache_upsert_remove),
	cmocka_unit_test(cache_relist_diff),
};

UNIT_MAIN(tests)
