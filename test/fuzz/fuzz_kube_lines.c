/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_lines, the watch-body line splitter, against a model of its contract.
 *
 * Input: [max:2] [stop] [slicing] stream...
 *   max      the line cap, 1..65536 (big-endian, plus one)
 *   stop     the callback returns nonzero on this line (1-based; 0 = never)
 *   slicing  0: the stream in one slice; else the seed of slice sizes 1..32
 * The stream is fed in slices, as libcurl hands a watch body over, and every
 * line delivered is checked against what the contract in kube_lines.h says
 * it must be: the bytes before each '\n', a trailing '\r' dropped, empty
 * lines skipped; -EMSGSIZE exactly when a line is over the cap (plus one
 * byte for a '\r' that goes); the callback's value returned as is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_lines.h"
#include "fuzz.h"

struct model_out {
	const uint8_t *stream;
	size_t len;
	size_t pos; /* model cursor: start of the next line */
	unsigned lines;
	unsigned stop;
	int stopped;
};

/* The next line the model expects, or why the model ends: 0 = a line in
 * @p/@n, 1 = no more complete lines, -EMSGSIZE = this line is too long. */
static int model_next(struct model_out *m, size_t max, const uint8_t **p, size_t *n)
{
	for (;;) {
		const uint8_t *s = m->stream + m->pos;
		const uint8_t *nl = memchr(s, '\n', m->len - m->pos);
		size_t raw;
		bool cr;

		if (!nl)
			return 1;
		raw = (size_t)(nl - s);
		cr = raw && s[raw - 1] == '\r';
		if (raw > max + (cr ? 1 : 0))
			return -EMSGSIZE;
		m->pos += raw + 1;
		if (raw - (cr ? 1 : 0) == 0)
			continue;
		*p = s;
		*n = raw - (cr ? 1 : 0);
		return 0;
	}
}

struct check {
	struct model_out m;
	size_t max;
};

static int on_line(void *ctx, const char *line, size_t len)
{
	struct check *c = ctx;
	const uint8_t *want;
	size_t wn;

	FUZZ_ASSERT(len > 0, "no empty line is delivered");
	FUZZ_ASSERT(len <= c->max + 1, "a line is never over the cap");
	FUZZ_ASSERT(model_next(&c->m, c->max, &want, &wn) == 0, "a line the model has");
	FUZZ_ASSERT(wn == len && memcmp(want, line, len) == 0, "the line's bytes as sent");
	c->m.lines++;
	if (c->m.lines == c->m.stop) {
		c->m.stopped = 1;
		return 7;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct check c = { 0 };
	struct kube_lines l;
	uint32_t rng;
	size_t off = 0;
	int rc = 0;

	c.max = 1 + (size_t)fuzz_u16(&in);
	c.m.stop = fuzz_u8(&in);
	rng = fuzz_u8(&in);
	c.m.stream = in.p;
	c.m.len = in.n;
	kube_lines_init(&l, c.max);
	while (off < c.m.len && rc == 0) {
		size_t n = c.m.len - off;

		if (rng) {
			rng ^= rng << 13;
			rng ^= rng >> 17;
			rng ^= rng << 5;
			if (n > 1 + rng % 32)
				n = 1 + rng % 32;
		}
		rc = kube_lines_feed(&l, (const char *)c.m.stream + off, n, on_line, &c);
		off += n;
	}
	if (c.m.stopped) {
		FUZZ_ASSERT(rc == 7, "the callback's value is returned");
	} else {
		const uint8_t *p;
		size_t n;
		int end = model_next(&c.m, c.max, &p, &n);

		if (rc == -EMSGSIZE) {
			/* either a complete line over the cap, or the unfinished
			 * tail grew past it before its '\n' arrived */
			FUZZ_ASSERT(end == -EMSGSIZE || (end == 1 && c.m.len - c.m.pos > c.max + 1),
			            "-EMSGSIZE only for a line over the cap");
		} else {
			FUZZ_ASSERT(rc == 0, "no other error");
			FUZZ_ASSERT(end == 1, "every complete line was delivered");
			FUZZ_ASSERT(kube_lines_pending(&l) == c.m.len - c.m.pos,
			            "the unfinished tail is kept");
		}
	}
	kube_lines_free(&l);
	return 0;
}
