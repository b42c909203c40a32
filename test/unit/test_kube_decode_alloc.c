/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation failure, curl-torture style: for every fixture object the
 * decoder is run again and again with the 1st, 2nd, ... Nth allocation
 * failing, until a run needs no failure. Each failed run must return -ENOMEM
 * with *out NULL; LeakSanitizer (at exit) proves nothing leaked on any path.
 *
 * The decoders allocate through cJSON's hooks (kube_decode_priv.h), so one
 * cJSON_InitHooks() wrapper reaches the parser and the decoders alike.
 */
#include "unit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_decode.h"

/* Test-only allocator state: countdown to the allocation that fails. */
static struct {
	long countdown; /* 0 = never fail */
	int injected;
	long calls;
} fa;

static void *failing_malloc(size_t n)
{
	fa.calls++;
	if (fa.countdown > 0 && --fa.countdown == 0) {
		fa.injected = 1;
		return NULL;
	}
	return malloc(n);
}

static int setup(void **state)
{
	cJSON_Hooks h = { .malloc_fn = failing_malloc, .free_fn = free };

	cJSON_InitHooks(&h);
	memset(&fa, 0, sizeof(fa));
	return 0;
}

static int teardown(void **state)
{
	cJSON_InitHooks(NULL);
	return 0;
}

/* Fail the @nth allocation from now on (0: none). Returns whether the
 * previous arming injected its failure. */
static int arm(long nth)
{
	int was = fa.injected;

	fa.countdown = nth;
	fa.injected = 0;
	return was;
}

static cJSON *load(const char *rel)
{
	size_t len;
	char *buf = unit_read_file(unit_fixture_path(rel), &len);
	cJSON *j;

	assert_non_null(buf);
	arm(0);
	assert_int_equal(kube_json_parse(buf, len, rel, &j), 0);
	free(buf);
	return j;
}

/* Decodes @obj with every allocation failing in turn; returns how many
 * failures were injected (= allocations a clean decode makes). */
static long torture_object(const cJSON *obj, enum kube_kind kind)
{
	long nth;

	for (nth = 1;; nth++) {
		struct kube_object o;
		int r;

		memset(&o, 0xa5, sizeof(o));
		arm(nth);
		r = kube_object_decode(obj, kind, &o);
		if (!arm(0)) {
			assert_int_equal(r, 0);
			assert_non_null(o.ptr);
			kube_object_free(&o);
			return nth - 1;
		}
		if (r != -ENOMEM)
			fail_msg("allocation %ld failed but decode returned %d", nth, r);
		assert_null(o.ptr);
	}
}

static void torture_list(const char *rel, long min_failures)
{
	struct kube_list_iter it;
	enum kube_kind kind;
	const cJSON *item;
	long total = 0;
	cJSON *list = load(rel);

	assert_int_equal(kube_list_iter_init(&it, list, KUBE_KIND_UNKNOWN), 0);
	while ((item = kube_list_iter_next(&it, &kind)))
		total += torture_object(item, kind);
	cJSON_Delete(list);
	/* Proves failures really reached the decoders (not a vacuous loop). */
	if (total < min_failures)
		fail_msg("%s: only %ld allocation failures injected", rel, total);
}

static void decoders_services(void **state)
{
	unit_log_start();
	torture_list("k8s/services.json", 60);
	unit_log_stop();
}

static void decoders_slices(void **state)
{
	unit_log_start();
	torture_list("k8s/endpointslices.json", 120);
	unit_log_stop();
}

static void decoders_endpoints(void **state)
{
	unit_log_start();
	torture_list("k8s/endpoints.json", 40);
	unit_log_stop();
}

static void decoders_bad_input(void **state)
{
	/* Failures interleaved with dropped entries and log lines. */
	static const char *const objs[] = {
		"{\"kind\":\"Service\",\"metadata\":{\"name\":\"w\",\"namespace\":\"s\","
		"\"labels\":{\"service.kubernetes.io/service-proxy-name\":\"x\"},"
		"\"annotations\":{\"kipvs.io/scheduler\":\"sh\",\"kipvs.io/"
		"scheduler-flags\":\"f\"}},"
		"\"spec\":{\"ports\":[{\"port\":0},{\"name\":\"a\",\"port\":1,\"protocol\":\"X\"},"
		"{\"name\":\"b\",\"port\":2}],\"externalIPs\":[\"bad\",\"1.2.3.4\"],"
		"\"loadBalancerSourceRanges\":[\"x\",\"10.0.0.0/"
		"8\"],\"trafficDistribution\":\"P\"},"
		"\"status\":{\"loadBalancer\":{\"ingress\":[{\"ip\":\"bad\"},{\"ip\":\"1.1.1.1\"}]}"
		"}}",
		"{\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"w\",\"namespace\":\"s\","
		"\"labels\":{\"kubernetes.io/service-name\":\"w\"}},\"addressType\":\"IPv4\","
		"\"endpoints\":[{\"addresses\":[\"bad\"]},{\"addresses\":[\"10.0.0.1\"],"
		"\"nodeName\":\"n\",\"zone\":\"z\",\"hints\":{\"forZones\":[{\"name\":\"z\"},{}],"
		"\"forNodes\":[{\"name\":\"n\"}]}}],\"ports\":[{\"name\":null,\"port\":1},"
		"{\"name\":\"p\",\"port\":\"x\"},{\"name\":\"q\",\"port\":2}]}",
		"{\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"w\",\"namespace\":\"s\"},"
		"\"subsets\":[{\"addresses\":[{\"ip\":\"10.0.0.1\",\"nodeName\":\"n\"},{}],"
		"\"notReadyAddresses\":[{\"ip\":\"10.0.0.2\"}],\"ports\":[{\"port\":1},"
		"{\"port\":0}]},\"x\",{\"ports\":[{\"name\":\"n\",\"port\":3}]}]}",
		"{\"kind\":\"Node\",\"metadata\":{\"name\":\"n\",\"labels\":"
		"{\"topology.kubernetes.io/zone\":\"z\"}}}",
	};

	unit_log_start();
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		cJSON *j;

		arm(0);
		assert_int_equal(kube_json_parse(objs[i], strlen(objs[i]), "obj", &j), 0);
		assert_true(torture_object(j, KUBE_KIND_UNKNOWN) >= 5);
		cJSON_Delete(j);
	}
	unit_log_stop();
}

/* Parser and decoder together, as the reflector runs them on a watch line. */
static void watch_lines(void **state)
{
	size_t len;
	char *buf = unit_read_file(unit_fixture_path("k8s/watch-services.jsonl"), &len);
	char *line, *nl;
	long parse_fail = 0, decode_fail = 0;

	assert_non_null(buf);
	unit_log_start();
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + len - line));
		if (!nl)
			nl = buf + len;
		for (long nth = 1;; nth++) {
			struct kube_watch_event ev;
			struct kube_object o = { 0 };
			cJSON *root;
			int r;

			arm(nth);
			r = kube_json_parse(line, (size_t)(nl - line), "watch", &root);
			if (r) {
				assert_true(fa.injected);
				assert_null(root);
				parse_fail++;
				continue;
			}
			assert_int_equal(kube_watch_event_decode(root, &ev), 0);
			if (ev.type != KUBE_EV_BOOKMARK && ev.type != KUBE_EV_ERROR)
				r = kube_object_decode(ev.object, ev.kind, &o);
			cJSON_Delete(root);
			if (!arm(0)) {
				assert_int_equal(r, 0);
				kube_object_free(&o);
				break;
			}
			assert_int_equal(r, -ENOMEM);
			assert_null(o.ptr);
			decode_fail++;
		}
	}
	assert_true(parse_fail > 100);
	assert_true(decode_fail > 20);
	unit_log_stop();
	free(buf);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test_setup_teardown(decoders_services, setup, teardown),
	cmocka_unit_test_setup_teardown(decoders_slices, setup, teardown),
	cmocka_unit_test_setup_teardown(decoders_endpoints, setup, teardown),
	cmocka_unit_test_setup_teardown(decoders_bad_input, setup, teardown),
	cmocka_unit_test_setup_teardown(watch_lines, setup, teardown),
};

UNIT_MAIN(tests)
