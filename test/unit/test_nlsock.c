/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nlsock_next(): the messages of a datagram, each whole, and never a read
 * past its end — an unaligned last message (what made NLMSG_NEXT's unsigned
 * count wrap in the IPVS reader, and in the ctnetlink reader written after
 * it), a length beyond the datagram, a header cut short. Each datagram is
 * allocated at its exact size, so ASan sees any byte read past it.
 */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "../../ipvs/nlsock.h"

/* A datagram of messages with the given nlmsg_len values, each padded to
 * 4 bytes except the last, which ends the datagram. */
static uint8_t *dgram(const uint32_t *lens, size_t n, size_t *len)
{
	size_t total = 0, off = 0;
	uint8_t *b;

	for (size_t i = 0; i < n; i++)
		total += i + 1 < n ? NLMSG_ALIGN(lens[i]) : lens[i];
	b = calloc(1, total);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr h = { .nlmsg_len = lens[i], .nlmsg_seq = (uint32_t)i + 1 };

		memcpy(b + off, &h, lens[i] < sizeof(h) ? lens[i] : sizeof(h));
		off += NLMSG_ALIGN(lens[i]);
	}
	*len = total;
	return b;
}

/* How many messages nlsock_next() hands out, checking their order. */
static size_t walk(const uint8_t *b, size_t len)
{
	const struct nlmsghdr *nlh;
	size_t off = 0, n = 0;

	while ((nlh = nlsock_next(b, len, &off))) {
		assert_int_equal(nlh->nlmsg_seq, n + 1);
		assert_true((const uint8_t *)nlh + nlh->nlmsg_len <= b + len);
		n++;
	}
	return n;
}

static void whole_messages(void **state)
{
	static const uint32_t aligned[] = { 20, 16, 24 }, unaligned_last[] = { 20, 18 },
	                      unaligned_mid[] = { 17, 16, 21 };
	size_t len;
	uint8_t *b;

	(void)state;
	b = dgram(aligned, 3, &len);
	assert_int_equal(walk(b, len), 3);
	free(b);
	/* 18 bytes left for a message of 18: NLMSG_NEXT would take 20 */
	b = dgram(unaligned_last, 2, &len);
	assert_int_equal(walk(b, len), 2);
	free(b);
	b = dgram(unaligned_mid, 3, &len);
	assert_int_equal(walk(b, len), 3);
	free(b);
}

static void never_past_the_end(void **state)
{
	static const uint32_t too_long[] = { 16, 64 }, too_short[] = { 16, 8 }, cut[] = { 20, 12 };
	size_t len;
	uint8_t *b;

	(void)state;
	/* a length beyond the datagram: the message is not handed out */
	b = dgram(too_long, 2, &len);
	len = NLMSG_ALIGN(16) + 32;
	b = realloc(b, len);
	assert_non_null(b);
	assert_int_equal(walk(b, len), 1);
	free(b);
	/* a length below a header */
	b = dgram(too_short, 2, &len);
	len = NLMSG_ALIGN(16) + NLMSG_HDRLEN;
	b = realloc(b, len);
	assert_non_null(b);
	assert_int_equal(walk(b, len), 1);
	free(b);
	/* fewer bytes left than a header */
	b = dgram(cut, 2, &len);
	assert_int_equal(walk(b, len), 1);
	free(b);
	assert_null(nlsock_next(NULL, 0, &len));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(whole_messages),
	cmocka_unit_test(never_past_the_end),
};

UNIT_MAIN(tests)
