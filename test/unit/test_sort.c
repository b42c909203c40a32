/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's order: the wrapping 32-bit comparators and glibc 2.36's merge
 * sort, including the non-transitive fwmark case whose result depends on the
 * algorithm and the input order.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <gnu/libc-version.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../ipvs/admin/ipvs_sort.h"

static struct ipvs_service svc(uint16_t proto, const char *addr, uint16_t port)
{
	struct ipvs_service s = { 0 };

	assert_int_equal(addr_parse(addr, &s.addr), 0);
	s.protocol = proto;
	s.port = port;
	return s;
}

static struct ipvs_service fwm(uint16_t af, uint32_t mark)
{
	struct ipvs_service s = { 0 };

	s.addr.af = af;
	s.fwmark = mark;
	return s;
}

static struct ipvs_dest dest(const char *addr, uint16_t port)
{
	struct ipvs_dest d = { 0 };

	assert_int_equal(addr_parse(addr, &d.addr), 0);
	d.port = port;
	return d;
}

/* The 32-bit subtraction wraps: 10.96.0.1 - 192.168.1.1 is positive. */
static void v4_wraps(void **state)
{
	struct ipvs_service a = svc(IPPROTO_TCP, "10.96.0.1", 443);
	struct ipvs_service b = svc(IPPROTO_TCP, "192.168.1.1", 443);
	struct ipvs_service c = svc(IPPROTO_TCP, "1.2.3.4", 80);
	struct ipvs_service d = svc(IPPROTO_TCP, "200.0.0.1", 80);

	assert_true(ipvs_sort_cmp_services(&a, &b) > 0);
	assert_true(ipvs_sort_cmp_services(&b, &a) < 0);
	assert_true(ipvs_sort_cmp_services(&d, &c) < 0); /* 200.0.0.1 before 1.2.3.4 */
	assert_true(ipvs_sort_cmp_services(&c, &a) < 0);
	assert_int_equal(ipvs_sort_cmp_services(&a, &a), 0);
}

static void key_order(void **state)
{
	struct ipvs_service t = svc(IPPROTO_TCP, "10.96.0.1", 80);
	struct ipvs_service u = svc(IPPROTO_UDP, "10.96.0.1", 53);
	struct ipvs_service s = svc(IPPROTO_SCTP, "10.0.0.1", 1);
	struct ipvs_service t6 = svc(IPPROTO_TCP, "2001:db8::1", 80);
	struct ipvs_service p1 = svc(IPPROTO_TCP, "10.96.0.1", 443);

	assert_true(ipvs_sort_cmp_services(&t, &u) < 0);  /* protocol before address/port */
	assert_true(ipvs_sort_cmp_services(&u, &s) < 0);  /* 17 < 132 */
	assert_true(ipvs_sort_cmp_services(&s, &t6) < 0); /* family first: 2 < 10 */
	assert_true(ipvs_sort_cmp_services(&t, &p1) < 0); /* port last */
	assert_int_equal(ipvs_sort_cmp_services(&t, &p1), 80 - 443);
}

/* fwmarks >= 2^31 compare as negative; the comparator is not transitive. */
static void fwmark_not_transitive(void **state)
{
	struct ipvs_service big = fwm(AF_INET, 0x80000000U), one = fwm(AF_INET, 1);
	struct ipvs_service max = fwm(AF_INET, 0xffffffffU), tcp = svc(IPPROTO_TCP, "10.0.0.1", 80);

	assert_true(ipvs_sort_cmp_services(&max, &tcp) < 0); /* FWM -1 before everything */
	assert_true(ipvs_sort_cmp_services(&big, &tcp) < 0);
	assert_true(ipvs_sort_cmp_services(&tcp, &one) < 0);
	assert_true(ipvs_sort_cmp_services(&one, &big) < 0); /* ... and back to big: a cycle */
}

static int cmp_svc_p(const void *a, const void *b)
{
	return ipvs_sort_cmp_services(a, b);
}

static void sort3(const struct ipvs_service *in[3], const struct ipvs_service *want[3])
{
	const void *v[3] = { in[0], in[1], in[2] };

	assert_int_equal(ipvs_msort(v, 3, cmp_svc_p), 0);
	for (int i = 0; i < 3; i++)
		assert_ptr_equal(v[i], want[i]);
}

/* With a cycle the result depends on the input order, exactly as glibc's. */
static void fwmark_cycle_depends_on_input(void **state)
{
	struct ipvs_service big = fwm(AF_INET, 0x80000000U), one = fwm(AF_INET, 1);
	struct ipvs_service tcp = svc(IPPROTO_TCP, "10.0.0.1", 80);
	const struct ipvs_service *in1[3] = { &big, &one, &tcp }, *want1[3] = { &big, &tcp, &one };
	const struct ipvs_service *in2[3] = { &tcp, &one, &big }, *want2[3] = { &tcp, &one, &big };

	sort3(in1, want1);
	sort3(in2, want2);
}

static void ipv6_word_by_word(void **state)
{
	struct ipvs_service a = svc(IPPROTO_TCP, "2001:db8::1", 80);
	struct ipvs_service b = svc(IPPROTO_TCP, "2001:db8:1234:5678:9abc:def0:1234:5678", 65535);
	struct ipvs_service c = svc(IPPROTO_TCP, "fe80::1", 80);

	assert_true(ipvs_sort_cmp_services(&a, &b) < 0);
	/* 0xfe800000 - 0x20010db8 wraps to a negative int: fe80:: sorts first. */
	assert_true(ipvs_sort_cmp_services(&c, &a) < 0);
}

/* Destinations: the address step follows the first argument's family. */
static void dests_by_first_family(void **state)
{
	struct ipvs_dest v4 = dest("10.0.0.1", 80), v6 = dest("2001:db8::1", 80);
	struct ipvs_dest p1 = dest("10.244.0.9", 443), p2 = dest("10.244.0.9", 8080);
	struct ipvs_dest p3 = dest("10.244.0.10", 1);

	assert_true(ipvs_sort_cmp_dests(&v4, &v6) < 0); /* 0x0a000001 vs 0x20010db8 */
	assert_true(ipvs_sort_cmp_dests(&v6, &v4) > 0);
	assert_true(ipvs_sort_cmp_dests(&p1, &p2) < 0);
	assert_true(ipvs_sort_cmp_dests(&p2, &p3) < 0); /* .9 before .10 whatever the port */
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a / 10 - *(const int *)b / 10;
}

/* Equal keys keep their input order (a merge takes the left one on ties). */
static void stable(void **state)
{
	int x[] = { 31, 12, 35, 11, 33, 14 };
	const void *v[6];
	const int want[] = { 12, 11, 14, 31, 35, 33 };

	for (int i = 0; i < 6; i++)
		v[i] = &x[i];
	assert_int_equal(ipvs_msort(v, 6, cmp_int), 0);
	for (int i = 0; i < 6; i++)
		assert_int_equal(*(const int *)v[i], want[i]);
	assert_int_equal(ipvs_msort(v, 0, cmp_int), 0);
	assert_int_equal(ipvs_msort(v, 1, cmp_int), 0);
}

static int cmp_svc_pp(const void *a, const void *b)
{
	return ipvs_sort_cmp_services(*(const struct ipvs_service *const *)a,
	                              *(const struct ipvs_service *const *)b);
}

/*
 * The reference itself: on glibc up to 2.36 qsort is this merge sort, so a
 * random mix of services and fwmarks (non-transitive) must come out in the
 * same permutation from both.
 */
static void same_as_glibc_qsort(void **state)
{
	enum { N = 257 };
	struct ipvs_service *s = calloc(N, sizeof(*s));
	const void *a[N], *b[N];
	const char *ver = gnu_get_libc_version();
	int major = 0, minor = 0;

	assert_non_null(s);
	if (sscanf(ver, "%d.%d", &major, &minor) != 2 || major != 2 || minor > 36) {
		print_message("glibc %s: qsort is no merge sort any more; nothing to compare\n",
		              ver);
		free(s);
		return;
	}
	srand(7);
	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < N; i++) {
			int k = rand() % 4;

			if (k == 0)
				s[i] = fwm(rand() % 2 ? AF_INET : AF_INET6, (uint32_t)rand() * 3U);
			else
				s[i] = svc(k == 1 ? IPPROTO_TCP : IPPROTO_UDP, "10.0.0.1",
				           (uint16_t)rand());
			s[i].addr.a.w[0] = (uint32_t)rand() * 2U;
			a[i] = b[i] = &s[i];
		}
		assert_int_equal(ipvs_msort(a, N, cmp_svc_p), 0);
		qsort(b, N, sizeof(b[0]), cmp_svc_pp);
		for (int i = 0; i < N; i++)
			assert_ptr_equal(a[i], b[i]);
	}
	free(s);
}

static void table_helpers(void **state)
{
	struct ipvs_table t;
	const struct ipvs_vs **v;
	const struct ipvs_dest **d;
	struct ipvs_service s1 = svc(IPPROTO_TCP, "10.96.0.1", 443);
	struct ipvs_service s2 = svc(IPPROTO_TCP, "192.168.0.1", 80);
	struct ipvs_dest d1 = dest("10.244.2.200", 6443), d2 = dest("10.244.1.3", 6443);
	struct ipvs_vs *vs;

	ipvs_table_init(&t);
	vs = ipvs_table_add(&t, &s1);
	assert_non_null(vs);
	assert_int_equal(ipvs_vs_add_dest(vs, &d1), 0);
	assert_int_equal(ipvs_vs_add_dest(vs, &d2), 0);
	assert_non_null(ipvs_table_add(&t, &s2));

	assert_int_equal(ipvs_sort_services(&t, true, &v), 0);
	assert_ptr_equal(v[0], &t.vs[1]); /* 192.168.0.1 before 10.96.0.1 */
	assert_ptr_equal(v[1], &t.vs[0]);
	free(v);
	assert_int_equal(ipvs_sort_services(&t, false, &v), 0);
	assert_ptr_equal(v[0], &t.vs[0]);
	free(v);
	assert_int_equal(ipvs_sort_dests(&t.vs[0], true, &d), 0);
	assert_ptr_equal(d[0], &t.vs[0].dests[1]);
	free(d);
	assert_int_equal(ipvs_sort_dests(&t.vs[1], true, &d), 0); /* no dests: still an array */
	assert_non_null(d);
	free(d);
	ipvs_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v4_wraps),
		cmocka_unit_test(key_order),
		cmocka_unit_test(fwmark_not_transitive),
		cmocka_unit_test(fwmark_cycle_depends_on_input),
		cmocka_unit_test(ipv6_word_by_word),
		cmocka_unit_test(dests_by_first_family),
		cmocka_unit_test(stable),
		cmocka_unit_test(same_as_glibc_qsort),
		cmocka_unit_test(table_helpers),
	};

	return unit_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
}
