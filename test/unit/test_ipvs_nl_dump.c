/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The dump accumulator: recorded replies fed as a live dump would feed
 * them, split over datagrams, with the repeats a dump that is not a
 * snapshot can produce.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netlink/genl/genl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../ipvs/ipvs_nl.h"
#include "support/nlreplay.h"

#define FULL "ipvsadm/full/15_probe_dump.out"

static void load(struct nlreplay *r)
{
	assert_int_equal(nlreplay_load(unit_fixture_path(FULL), r), 0);
}

/* The recorded service messages, in dump order. */
static size_t svc_msgs(const struct nlreplay *r, const struct nlmsghdr **out)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_msgs; i++)
		if (r->msgs[i].kind == NLREPLAY_SERVICE)
			out[n++] = r->msgs[i].nlh;
	return n;
}

static void one_datagram_no_index(void **state)
{
	const struct nlmsghdr *m[64];
	struct ipvs_nl_acc a;
	struct ipvs_table t;
	struct nlreplay r;
	size_t n;

	load(&r);
	n = svc_msgs(&r, m);
	ipvs_table_init(&t);
	ipvs_nl_acc_services(&a, &t);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(ipvs_nl_acc_add(&a, m[i], 7), 0);
	assert_false(a.indexed); /* one datagram cannot repeat itself */
	assert_int_equal(t.n, n);
	for (size_t i = 0; i < n; i++)
		assert_true(ipvs_service_same(&t.vs[i].svc, &r.table.vs[i].svc));
	ipvs_nl_acc_finish(&a);
	ipvs_table_free(&t);
	nlreplay_free(&r);
}

static void repeats_across_datagrams_merge_in_place(void **state)
{
	const struct nlmsghdr *m[64];
	struct nlmsghdr *fresher;
	struct ipvs_service s;
	struct ipvs_nl_acc a;
	struct ipvs_table t;
	struct nlreplay r;
	size_t n;

	load(&r);
	n = svc_msgs(&r, m);
	assert_int_equal(n, 22);
	/* A fresher copy of message 6: same identity, another persistence timeout. */
	assert_int_equal(ipvs_parse_service_msg(m[6], &s, NULL), 0);
	fresher = malloc(m[6]->nlmsg_len);
	memcpy(fresher, m[6], m[6]->nlmsg_len);
	{
		struct nlattr *nest =
		    (struct nlattr *)((char *)fresher + NLMSG_HDRLEN + GENL_HDRLEN);
		struct nlattr *pos;
		int rem;

		nla_for_each_nested(pos, nest, rem) if (nla_type(pos) == IPVS_SVC_ATTR_TIMEOUT) *
		    (uint32_t *)nla_data(pos) = 4242;
	}

	ipvs_table_init(&t);
	ipvs_table_add(&t, &s); /* an entry that was there before: not ours to merge */
	ipvs_nl_acc_services(&a, &t);
	unit_log_start();
	log_set_level(LOG_LVL_DEBUG);
	for (size_t i = 0; i < 10; i++) /* datagram 1: entries 0..9 */
		assert_int_equal(ipvs_nl_acc_add(&a, m[i], 1), 0);
	assert_int_equal(ipvs_nl_acc_add(&a, fresher, 2), 0); /* datagram 2 repeats 5..9 */
	for (size_t i = 5; i < n; i++)
		if (i != 6)
			assert_int_equal(ipvs_nl_acc_add(&a, m[i], 2), 0);
	assert_true(a.indexed);
	assert_int_equal(a.dups, 5);
	assert_int_equal(t.n, 1 + n);
	for (size_t i = 0; i < n; i++)
		assert_true(ipvs_service_same(&t.vs[1 + i].svc, &r.table.vs[i].svc));
	assert_int_equal(t.vs[1 + 6].svc.timeout, 4242); /* in place, fresher values */
	assert_int_equal(t.vs[0].svc.timeout, r.table.vs[6].svc.timeout);
	ipvs_nl_acc_finish(&a);
	assert_int_equal(unit_log_count("ipvs_dump_duplicates", "kind=service", "count=5", NULL),
	                 1);
	log_set_level(LOG_LVL_INFO);
	unit_log_stop();
	free(fresher);
	ipvs_table_free(&t);
	nlreplay_free(&r);
}

static void dests_repeat_and_family(void **state)
{
	struct ipvs_nl_acc a;
	struct ipvs_service want = { 0 };
	struct ipvs_vs vs;
	struct nlreplay r;
	size_t k = 0, si;

	load(&r);
	/* 10.96.0.60:80 has six tunnel dests; fed as 0..3, then 2..5. */
	assert_int_equal(addr_parse("10.96.0.60", &want.addr), 0);
	want.protocol = IPPROTO_TCP;
	want.port = 80;
	for (si = 0; si < r.table.n && !ipvs_service_same(&r.table.vs[si].svc, &want); si++)
		;
	assert_true(si < r.table.n);
	memset(&vs, 0, sizeof(vs));
	vs.svc = r.table.vs[si].svc;
	assert_int_equal(r.table.vs[si].n_dests, 6);
	ipvs_nl_acc_dests(&a, &vs);
	for (size_t i = 0; i < r.n_msgs; i++) {
		if (r.msgs[i].kind != NLREPLAY_DEST || r.msgs[i].svc_index != si)
			continue;
		if (k < 4)
			assert_int_equal(ipvs_nl_acc_add(&a, r.msgs[i].nlh, 1), 0);
		if (k >= 2)
			assert_int_equal(ipvs_nl_acc_add(&a, r.msgs[i].nlh, 2), 0);
		k++;
	}
	assert_int_equal(vs.n_dests, 6);
	assert_int_equal(a.dups, 2);
	for (size_t i = 0; i < 6; i++) {
		assert_true(ipvs_dest_same(&vs.dests[i], &r.table.vs[si].dests[i]));
		assert_int_equal(vs.dests[i].tun_type, r.table.vs[si].dests[i].tun_type);
	}
	ipvs_nl_acc_finish(&a);
	free(vs.dests);
	nlreplay_free(&r);
}

static struct nl_msg *dest_no_family(void)
{
	struct nl_msg *m = nlmsg_alloc();
	uint8_t addr[16] = { 10, 1, 2, 3, 9, 9, 9, 9 }; /* junk after the IPv4 bytes */
	struct nlattr *n;

	assert_non_null(genlmsg_put(m, 0, 1, 32, 0, NLM_F_MULTI, IPVS_CMD_NEW_DEST, 1));
	n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
	assert_int_equal(nla_put(m, IPVS_DEST_ATTR_ADDR, 16, addr), 0);
	assert_int_equal(nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80)), 0);
	for (int t = IPVS_DEST_ATTR_FWD_METHOD; t <= IPVS_DEST_ATTR_PERSIST_CONNS; t++)
		assert_int_equal(nla_put_u32(m, t, 1), 0);
	nla_nest_end(m, n);
	return m;
}

static void malformed_skipped_and_family_filled(void **state)
{
	struct nl_msg *good = dest_no_family();
	struct nlmsghdr bad = { .nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = 32 };
	struct ipvs_nl_acc a;
	struct ipvs_vs vs;
	char buf[ADDR_STRLEN];

	memset(&vs, 0, sizeof(vs));
	assert_int_equal(addr_parse("10.96.0.1", &vs.svc.addr), 0);
	ipvs_nl_acc_dests(&a, &vs);
	unit_log_start();
	assert_int_equal(ipvs_nl_acc_add(&a, &bad, 1), 0);
	assert_int_equal(ipvs_nl_acc_add(&a, nlmsg_hdr(good), 1), 0);
	ipvs_nl_acc_finish(&a);
	assert_int_equal(unit_log_count("ipvs_dump_skipped", "kind=dest", "count=1", NULL), 1);
	unit_log_stop();
	assert_int_equal(a.bad, 1);
	assert_int_equal(vs.n_dests, 1);
	assert_int_equal(vs.dests[0].addr.af, AF_INET);
	assert_string_equal(addr_fmt(&vs.dests[0].addr, buf), "10.1.2.3");
	assert_int_equal(vs.dests[0].addr.a.b[4], 0); /* the IPv4 tail is normalised */
	free(vs.dests);
	nlmsg_free(good);
}

static struct nl_msg *svc_msg(uint32_t i)
{
	struct nl_msg *m = nlmsg_alloc();
	struct ip_vs_flags fl = { .flags = 2, .mask = ~0U };
	uint8_t addr[16] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
	struct nlattr *n;

	assert_non_null(genlmsg_put(m, 0, 1, 32, 0, NLM_F_MULTI, IPVS_CMD_NEW_SERVICE, 1));
	n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	assert_int_equal(nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET), 0);
	assert_int_equal(nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP), 0);
	assert_int_equal(nla_put(m, IPVS_SVC_ATTR_ADDR, 16, addr), 0);
	assert_int_equal(nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(80)), 0);
	assert_int_equal(nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr"), 0);
	assert_int_equal(nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl), 0);
	assert_int_equal(nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, i), 0);
	assert_int_equal(nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, ~0U), 0);
	nla_nest_end(m, n);
	return m;
}

/*
 * 20,000 services in datagrams of 100, each datagram after the first
 * starting 30 entries back (as a dump resuming after deletions would):
 * every service once, in first-seen order, the index grown many times.
 */
static void many_entries_with_overlaps(void **state)
{
	enum { N = 20000, PER = 100, BACK = 30 };
	struct nl_msg **msgs = calloc(N, sizeof(*msgs));
	struct ipvs_nl_acc a;
	struct ipvs_table t;
	uint64_t dgram = 1;
	size_t i = 0, fed = 0;

	for (uint32_t k = 0; k < N; k++)
		msgs[k] = svc_msg(k);
	ipvs_table_init(&t);
	ipvs_nl_acc_services(&a, &t);
	while (i < N) {
		size_t end = i + PER < N ? i + PER : N;

		for (size_t k = i; k < end; k++, fed++)
			assert_int_equal(ipvs_nl_acc_add(&a, nlmsg_hdr(msgs[k]), dgram), 0);
		dgram++;
		i = end < N ? end - BACK : N;
	}
	assert_int_equal(t.n, N);
	assert_int_equal(a.dups, fed - N);
	for (uint32_t k = 0; k < N; k++)
		assert_int_equal(t.vs[k].svc.timeout, k);
	ipvs_nl_acc_finish(&a);
	ipvs_table_free(&t);
	for (uint32_t k = 0; k < N; k++)
		nlmsg_free(msgs[k]);
	free(msgs);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(one_datagram_no_index),
	cmocka_unit_test(repeats_across_datagrams_merge_in_place),
	cmocka_unit_test(dests_repeat_and_family),
	cmocka_unit_test(malformed_skipped_and_family_filled),
	cmocka_unit_test(many_entries_with_overlaps),
};

UNIT_MAIN(tests)
