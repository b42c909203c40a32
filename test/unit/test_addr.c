/* SPDX-License-Identifier: Apache-2.0 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "../../lib/addr.h"

static void parse_and_format(void **state)
{
	struct net_addr a;
	char buf[ADDR_STRLEN];

	assert_int_equal(addr_parse("10.96.0.1", &a), 0);
	assert_int_equal(a.af, AF_INET);
	assert_string_equal(addr_fmt(&a, buf), "10.96.0.1");
	assert_string_equal(addr_port_fmt(&a, 443, buf), "10.96.0.1:443");
	assert_int_equal(addr_parse("2001:db8::0:1", &a), 0);
	assert_int_equal(a.af, AF_INET6);
	assert_string_equal(addr_port_fmt(&a, 80, buf), "[2001:db8::1]:80");
}

static void parse_rejects_garbage(void **state)
{
	struct net_addr a;
	const char *bad[] = { "",    "10.96.0", "10.96.0.256", "1.2.3.4 ",
		              "::g", "[::1]",   "1.2.3.4/32",  "fe80::1%eth0" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(addr_parse(bad[i], &a), -EINVAL);
		assert_int_equal(a.af, 0);
	}
	assert_int_equal(addr_parse(NULL, &a), -EINVAL);
}

static void classify(void **state)
{
	struct net_addr a;

	assert_int_equal(addr_parse("127.0.0.5", &a), 0);
	assert_true(addr_is_loopback(&a));
	assert_int_equal(addr_parse("::1", &a), 0);
	assert_true(addr_is_loopback(&a));
	assert_int_equal(addr_parse("fe80::1", &a), 0);
	assert_true(addr_is_link_local(&a));
	assert_int_equal(addr_parse("169.254.1.1", &a), 0);
	assert_false(addr_is_link_local(&a));
	assert_int_equal(addr_parse("::ffff:10.1.2.3", &a), 0);
	addr_unmap(&a);
	assert_int_equal(a.af, AF_INET);
	assert_int_equal(a.a.b[0], 10);
	assert_int_equal(a.a.b[3], 3);
	assert_int_equal(a.a.w[1], 0);
}

static void cidrs(void **state)
{
	struct net_cidr c;
	struct net_addr a;
	char buf[ADDR_STRLEN];

	assert_int_equal(cidr_parse("10.96.0.77/12", &c), 0);
	assert_string_equal(cidr_fmt(&c, buf), "10.96.0.0/12");
	assert_int_equal(addr_parse("10.111.255.255", &a), 0);
	assert_true(cidr_contains(&c, &a));
	assert_int_equal(addr_parse("10.112.0.0", &a), 0);
	assert_false(cidr_contains(&c, &a));
	assert_int_equal(addr_parse("fd00::1", &a), 0);
	assert_false(cidr_contains(&c, &a));
	assert_int_equal(cidr_parse("fd00:10:96::/112", &c), 0);
	assert_int_equal(addr_parse("fd00:10:96::ffff", &a), 0);
	assert_true(cidr_contains(&c, &a));
	assert_int_equal(cidr_parse("1.2.3.4", &c), 0);
	assert_int_equal(c.plen, 32);
	assert_int_equal(cidr_parse("0.0.0.0/0", &c), 0);
	assert_true(cidr_contains(&c, &(struct net_addr){ .af = AF_INET }));
	assert_int_equal(cidr_parse("10.0.0.0/33", &c), -EINVAL);
	assert_int_equal(cidr_parse("10.0.0.0/", &c), -EINVAL);
	assert_int_equal(cidr_parse("10.0.0.0/-1", &c), -EINVAL);
	assert_int_equal(cidr_parse("/8", &c), -EINVAL);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(parse_and_format),
	cmocka_unit_test(parse_rejects_garbage),
	cmocka_unit_test(classify),
	cmocka_unit_test(cidrs),
};

UNIT_MAIN(tests)
