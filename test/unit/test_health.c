/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../lib/health.h"

#define S  1000000000LL
#define MS 1000000LL
/* 2024-05-01 10:00:00 UTC */
#define WALL0 (1714557600LL * S)
/* kube-proxy's default: 2 x syncPeriod (30 s). */
#define TIMEOUT (60 * S)

/* A clock whose wall time moves with the monotonic one from a base. */
static struct health_time at(int64_t mono)
{
	return (struct health_time){ .mono_ns = mono, .wall_ns = WALL0 + mono };
}

static unsigned answer(struct health *h, enum health_endpoint ep, int64_t mono, char *body)
{
	struct health_time t = at(mono);

	return health_answer(h, ep, &t, body, HEALTH_BODY_MAX);
}

static struct health *mk(void)
{
	struct health *h;

	assert_int_equal(health_create(TIMEOUT, &h), 0);
	return h;
}

static void starting_up_is_healthy(void **state)
{
	struct health *h = mk();
	struct health_time t;
	char body[HEALTH_BODY_MAX];

	assert_int_equal(answer(h, HEALTH_HEALTHZ, 5 * S, body), 200);
	assert_string_equal(body, "{\"lastUpdated\": \"2024-05-01 10:00:05 +0000 UTC\","
	                          "\"currentTime\": \"2024-05-01 10:00:05 +0000 UTC\", "
	                          "\"nodeEligible\": true}");
	assert_int_equal(answer(h, HEALTH_LIVEZ, 5 * S, body), 200);
	assert_string_equal(body, "{\"lastUpdated\": \"2024-05-01 10:00:05 +0000 UTC\","
	                          "\"currentTime\": \"2024-05-01 10:00:05 +0000 UTC\"}");
	/* Queued changes before the first successful sync never make it unhealthy. */
	t = at(1 * S);
	health_queued(h, AF_INET, &t);
	health_queued(h, AF_INET6, &t);
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 1 * S + 10 * TIMEOUT, body), 200);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 1 * S + 10 * TIMEOUT, body), 200);
	t = at(1 * S + 10 * TIMEOUT);
	assert_true(health_is_healthy(h, &t));
	health_free(h);
}

static void pending_update_times_out_at_the_boundary(void **state)
{
	struct health *h = mk();
	struct health_time t;
	char body[HEALTH_BODY_MAX];

	t = at(10 * S + 250 * MS);
	health_updated(h, AF_INET, &t);
	t = at(20 * S);
	health_queued(h, AF_INET, &t);
	/* One nanosecond before the timeout: still healthy. */
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 20 * S + TIMEOUT - 1, body), 200);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 20 * S + TIMEOUT - 1, body), 200);
	/* At the timeout exactly: unhealthy, and lastUpdated is the last sync. */
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 20 * S + TIMEOUT, body), 503);
	assert_string_equal(body, "{\"lastUpdated\": \"2024-05-01 10:00:10.25 +0000 UTC\","
	                          "\"currentTime\": \"2024-05-01 10:01:20 +0000 UTC\", "
	                          "\"nodeEligible\": true}");
	assert_int_equal(answer(h, HEALTH_LIVEZ, 20 * S + TIMEOUT, body), 503);
	assert_string_equal(body, "{\"lastUpdated\": \"2024-05-01 10:00:10.25 +0000 UTC\","
	                          "\"currentTime\": \"2024-05-01 10:01:20 +0000 UTC\"}");
	t = at(20 * S + TIMEOUT);
	assert_false(health_is_healthy(h, &t));
	/* A successful sync makes it healthy at once. */
	t = at(90 * S);
	health_updated(h, AF_INET, &t);
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 90 * S, body), 200);
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 90 * S + 10 * TIMEOUT, body), 200);
	health_free(h);
}

static void the_oldest_pending_update_counts(void **state)
{
	struct health *h = mk();
	struct health_time t;
	char body[HEALTH_BODY_MAX];

	t = at(0);
	health_updated(h, AF_INET, &t);
	t = at(1 * S);
	health_queued(h, AF_INET, &t);
	t = at(1 * S + TIMEOUT / 2);
	health_queued(h, AF_INET, &t); /* does not restart the clock */
	assert_int_equal(answer(h, HEALTH_LIVEZ, 1 * S + TIMEOUT - 1, body), 200);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 1 * S + TIMEOUT, body), 503);
	/* After a sync the next queued update starts a fresh window. */
	t = at(2 * TIMEOUT);
	health_updated(h, AF_INET, &t);
	t = at(3 * TIMEOUT);
	health_queued(h, AF_INET, &t);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 4 * TIMEOUT - 1, body), 200);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 4 * TIMEOUT, body), 503);
	health_free(h);
}

static void node_eligibility_only_affects_healthz(void **state)
{
	struct health *h = mk();
	struct health_time t;
	char body[HEALTH_BODY_MAX];

	assert_true(health_node_eligible(h));
	health_set_node_eligible(h, false);
	assert_false(health_node_eligible(h));
	/* Never synced: lastUpdated is Go's zero time. */
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 3 * S, body), 503);
	assert_string_equal(body, "{\"lastUpdated\": \"0001-01-01 00:00:00 +0000 UTC\","
	                          "\"currentTime\": \"2024-05-01 10:00:03 +0000 UTC\", "
	                          "\"nodeEligible\": false}");
	assert_int_equal(answer(h, HEALTH_LIVEZ, 3 * S, body), 200);
	/* Synced: a 503 for the node reports the last sync, not now. */
	t = at(4 * S);
	health_updated(h, AF_INET, &t);
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 7 * S, body), 503);
	assert_string_equal(body, "{\"lastUpdated\": \"2024-05-01 10:00:04 +0000 UTC\","
	                          "\"currentTime\": \"2024-05-01 10:00:07 +0000 UTC\", "
	                          "\"nodeEligible\": false}");
	assert_int_equal(answer(h, HEALTH_LIVEZ, 7 * S, body), 200);
	health_set_node_eligible(h, true);
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 7 * S, body), 200);
	health_free(h);
}

/* No nf_tables (or tables a full pass could not repair): /healthz fails,
 * /livez does not (a restart cannot bring the module). */
static void filter_down_only_affects_healthz(void **state)
{
	struct health *h = mk();
	struct health_time t = at(1 * S);
	char body[HEALTH_BODY_MAX];

	health_updated(h, AF_INET, &t);
	health_set_filter_down(h, true);
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 2 * S, body), 503);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 2 * S, body), 200);
	health_set_filter_down(h, false);
	assert_int_equal(answer(h, HEALTH_HEALTHZ, 2 * S, body), 200);
	health_free(h);
}

static void families_are_judged_separately(void **state)
{
	struct health *h = mk();
	struct health_time t;
	char body[HEALTH_BODY_MAX];

	t = at(1 * S);
	health_updated(h, AF_INET6, &t);
	t = at(2 * S);
	health_updated(h, AF_INET, &t);
	/* IPv6 falls behind; IPv4 keeps syncing. */
	t = at(3 * S);
	health_queued(h, AF_INET6, &t);
	for (int64_t s = 4; s < 70; s += 5) {
		t = at(s * S);
		health_queued(h, AF_INET, &t);
		health_updated(h, AF_INET, &t);
	}
	assert_int_equal(answer(h, HEALTH_LIVEZ, 3 * S + TIMEOUT - 1, body), 200);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 3 * S + TIMEOUT, body), 503);
	/* lastUpdated names the family that failed, not the newest sync. */
	assert_string_equal(body, "{\"lastUpdated\": \"2024-05-01 10:00:01 +0000 UTC\","
	                          "\"currentTime\": \"2024-05-01 10:01:03 +0000 UTC\"}");
	/* Other address families are ignored. */
	t = at(0);
	health_queued(h, AF_UNIX, &t);
	health_updated(h, AF_UNIX, &t);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 3 * S + TIMEOUT, body), 503);
	t = at(80 * S);
	health_updated(h, AF_INET6, &t);
	assert_int_equal(answer(h, HEALTH_LIVEZ, 80 * S, body), 200);
	health_free(h);
}

/* The timeout runs on the monotonic clock: a wall-clock step changes nothing. */
static void wall_clock_steps_do_not_matter(void **state)
{
	struct health *h = mk();
	struct health_time t = { .mono_ns = 100 * S, .wall_ns = WALL0 };
	char body[HEALTH_BODY_MAX];

	health_updated(h, AF_INET, &t);
	health_queued(h, AF_INET, &t);
	t = (struct health_time){ .mono_ns = 101 * S, .wall_ns = WALL0 + 3600 * S };
	assert_int_equal(health_answer(h, HEALTH_LIVEZ, &t, body, sizeof(body)), 200);
	t = (struct health_time){ .mono_ns = 100 * S + TIMEOUT, .wall_ns = WALL0 - 3600 * S };
	assert_int_equal(health_answer(h, HEALTH_LIVEZ, &t, body, sizeof(body)), 503);
	health_free(h);
}

static void time_format_is_gos(void **state)
{
	char buf[48];

	assert_string_equal(health_fmt_time(0, buf, sizeof(buf)), "1970-01-01 00:00:00 +0000 UTC");
	assert_string_equal(health_fmt_time(WALL0 + 123456789, buf, sizeof(buf)),
	                    "2024-05-01 10:00:00.123456789 +0000 UTC");
	assert_string_equal(health_fmt_time(WALL0 + 1, buf, sizeof(buf)),
	                    "2024-05-01 10:00:00.000000001 +0000 UTC");
	assert_string_equal(health_fmt_time(WALL0 + 500 * MS, buf, sizeof(buf)),
	                    "2024-05-01 10:00:00.5 +0000 UTC");
	assert_string_equal(health_fmt_time(-1, buf, sizeof(buf)),
	                    "1969-12-31 23:59:59.999999999 +0000 UTC");
}

static void bad_timeout_is_refused(void **state)
{
	struct health *h = (struct health *)1;

	assert_int_equal(health_create(0, &h), -EINVAL);
	assert_null(h);
	assert_int_equal(health_create(-5, &h), -EINVAL);
	health_free(NULL);
}

/* The real clocks: monotonic and wall both move forward. */
static void now_reads_both_clocks(void **state)
{
	struct health_time a = health_now(), b = health_now();

	assert_true(a.mono_ns > 0 && b.mono_ns >= a.mono_ns);
	assert_true(a.wall_ns > 1000000000LL * S); /* after 2001: a real wall clock */
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(starting_up_is_healthy),
	cmocka_unit_test(pending_update_times_out_at_the_boundary),
	cmocka_unit_test(the_oldest_pending_update_counts),
	cmocka_unit_test(node_eligibility_only_affects_healthz),
	cmocka_unit_test(filter_down_only_affects_healthz),
	cmocka_unit_test(families_are_judged_separately),
	cmocka_unit_test(wall_clock_steps_do_not_matter),
	cmocka_unit_test(time_format_is_gos),
	cmocka_unit_test(bad_timeout_is_refused),
	cmocka_unit_test(now_reads_both_clocks),
};

UNIT_MAIN(tests)
