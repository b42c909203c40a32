/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_json_drop_managed_fields(): every managedFields member goes, with
 * exactly one comma, whatever its place and its contents; everything else is
 * byte for byte what it was, and text that is not valid JSON is left alone.
 * On the Services fixture the result parses to the fixture's DOM less
 * managedFields.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_decode.h"

static void drop_eq(const char *in, const char *want)
{
	size_t len = strlen(in);
	char *buf = malloc(len + 1);
	size_t n;

	assert_non_null(buf);
	memcpy(buf, in, len + 1);
	n = kube_json_drop_managed_fields(buf, len);
	buf[n] = '\0';
	assert_string_equal(buf, want);
	free(buf);
}

static void members_in_every_place(void **state)
{
	(void)state;
	/* first, middle, last, only */
	drop_eq("{\"managedFields\":[{\"a\":1}],\"name\":\"x\"}", "{\"name\":\"x\"}");
	drop_eq("{\"a\":1,\"managedFields\":[],\"b\":2}", "{\"a\":1,\"b\":2}");
	drop_eq("{\"a\":1,\"managedFields\":[{\"f\":{}}]}", "{\"a\":1}");
	drop_eq("{\"managedFields\":null}", "{}");
	/* whitespace around the colon, the value and the commas */
	drop_eq("{ \"a\" : 1 , \"managedFields\" : [ 1 , 2 ] , \"b\" : 2 }",
	        "{ \"a\" : 1 ,  \"b\" : 2 }");
	drop_eq("{\"a\":1 ,\n \"managedFields\": [] \n}", "{\"a\":1  \n}");
	/* any control byte, as cJSON skips it (the kube_json fuzzer's find) */
	drop_eq("{\"b\":0, \"managedFields\" :\v {\"x\":\"y\"}}", "{\"b\":0}");
	/* several objects, as in a LIST page; scalar values too */
	drop_eq("{\"items\":[{\"metadata\":{\"managedFields\":[{\"m\":\"k\"}],\"n\":1}},"
	        "{\"metadata\":{\"n\":2,\"managedFields\":3}}]}",
	        "{\"items\":[{\"metadata\":{\"n\":1}},{\"metadata\":{\"n\":2}}]}");
	/* nothing to drop */
	drop_eq("{\"a\":\"managedFields\"}", "{\"a\":\"managedFields\"}");
	drop_eq("", "");
}

static void strings_inside_the_value(void **state)
{
	(void)state;
	/* brackets, braces, escaped quotes and backslashes inside strings */
	drop_eq("{\"managedFields\":[{\"f:x\":\"]}\\\"[{\",\"y\":\"\\\\\"}],\"k\":true}",
	        "{\"k\":true}");
	drop_eq("{\"managedFields\":[\"a,b\",\"c}\"],\"k\":[1]}", "{\"k\":[1]}");
}

static void look_alikes_stay(void **state)
{
	(void)state;
	/* inside a string (escaped quotes): not a key */
	drop_eq("{\"a\":\"\\\"managedFields\\\":[1]\"}", "{\"a\":\"\\\"managedFields\\\":[1]\"}");
	/* a key ending in a backslash-escaped quote around the word */
	drop_eq("{\"x\\\"managedFields\":1,\"b\":2}", "{\"x\\\"managedFields\":1,\"b\":2}");
	/* a value, not a key (no colon after it) */
	drop_eq("[\"managedFields\",1]", "[\"managedFields\",1]");
	/* cut short or unbalanced: left for the parser to reject */
	drop_eq("{\"managedFields\":[{\"a\":1}", "{\"managedFields\":[{\"a\":1}");
	drop_eq("{\"managedFields\":\"abc", "{\"managedFields\":\"abc");
	drop_eq("{\"managedFields\":]", "{\"managedFields\":]");
	drop_eq("{\"managedFields\"", "{\"managedFields\"");
}

/* Removes metadata.managedFields from every item of a list DOM. */
static void strip_dom(cJSON *list)
{
	cJSON *item;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items"))
	    cJSON_DeleteItemFromObjectCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(item, "metadata"), "managedFields");
}

static void fixture_same_dom_less_managed_fields(void **state)
{
	size_t len, n;
	char *text = unit_read_file(unit_fixture_path("k8s/services.json"), &len);
	cJSON *want, *got;

	(void)state;
	assert_non_null(text);
	assert_non_null(strstr(text, "\"managedFields\""));
	want = cJSON_ParseWithLength(text, len);
	assert_non_null(want);
	strip_dom(want);
	n = kube_json_drop_managed_fields(text, len);
	assert_true(n < len);
	assert_null(memmem(text, n, "\"managedFields\"", 15));
	got = cJSON_ParseWithLength(text, n);
	assert_non_null(got);
	assert_true(cJSON_Compare(want, got, true));
	cJSON_Delete(want);
	cJSON_Delete(got);
	free(text);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(members_in_every_place),
	cmocka_unit_test(strings_inside_the_value),
	cmocka_unit_test(look_alikes_stay),
	cmocka_unit_test(fixture_same_dom_less_managed_fields),
};

UNIT_MAIN(tests)
