/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <string.h>

static void one_line_key_value(void **state)
{
	unit_log_start();
	log_warn("decode_failed", "kind=Service obj=%s field=%s", "shop/web", "spec.clusterIP");
	log_debug("hidden", "x=1");
	assert_int_equal(unit_log_count("level=warn event=decode_failed kind=Service obj=shop/web "
	                                "field=spec.clusterIP",
	                                NULL),
	                 1);
	assert_int_equal(unit_log_count("hidden", NULL), 0);
	log_info("multi", "value=%s", "a\nb");
	assert_int_equal(unit_log_count("event=multi value=a b", NULL), 1);
	unit_log_stop();
}

static void quoting(void **state)
{
	char buf[32];

	assert_string_equal(log_quote("plain", buf, sizeof(buf)), "plain");
	assert_string_equal(log_quote("has space", buf, sizeof(buf)), "\"has space\"");
	assert_string_equal(log_quote("q\"x", buf, sizeof(buf)), "\"q\\\"x\"");
	assert_string_equal(log_quote("", buf, sizeof(buf)), "\"\"");
	assert_string_equal(log_quote("\x01", buf, sizeof(buf)), "\"\\x01\"");
	log_quote("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf));
	assert_non_null(strstr(buf, "..."));
}

static void levels(void **state)
{
	enum log_level l;

	assert_int_equal(log_parse_level("debug", &l), 0);
	assert_int_equal(l, LOG_LVL_DEBUG);
	assert_int_equal(log_parse_level("4", &l), 0);
	assert_int_equal(l, LOG_LVL_WARN);
	assert_true(log_parse_level("loud", &l) < 0);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(one_line_key_value),
	cmocka_unit_test(quoting),
	cmocka_unit_test(levels),
};

UNIT_MAIN(tests)
