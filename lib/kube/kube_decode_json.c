/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_decode_json — JSON text to a cJSON DOM: the plain malloc'd parse and
 * the parse arena (kube_decode.h says why the arena exists and its rules).
 */
#include "kube_decode.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"

/* ---- dropping managedFields ------------------------------------------- */

/* Whitespace as cJSON, which parses what is left, skips it: every byte up to
 * the space, not only JSON's four (a vertical tab after a colon once made
 * the dropper leave text cJSON then refused; found by the kube_json fuzzer). */
static bool json_ws(char c)
{
	return (unsigned char)c <= ' ';
}

static size_t skip_ws(const char *b, size_t i, size_t len)
{
	while (i < len && json_ws(b[i]))
		i++;
	return i;
}

/* From the opening quote at @i to just past the closing one; SIZE_MAX if cut. */
static size_t skip_string(const char *b, size_t i, size_t len)
{
	for (i++; i < len; i++) {
		if (b[i] == '\\')
			i++;
		else if (b[i] == '"')
			return i + 1;
	}
	return SIZE_MAX;
}

/* From the first byte of a value to just past it; SIZE_MAX if cut or unbalanced. */
static size_t skip_value(const char *b, size_t i, size_t len)
{
	int depth = 0;

	do {
		if (i >= len)
			return SIZE_MAX;
		if (b[i] == '"') {
			i = skip_string(b, i, len);
			if (i == SIZE_MAX)
				return SIZE_MAX;
			continue;
		}
		if (b[i] == '[' || b[i] == '{') {
			depth++;
		} else if (b[i] == ']' || b[i] == '}') {
			if (--depth < 0)
				return SIZE_MAX;
		} else if (!depth) {
			/* A scalar: up to the next delimiter. */
			while (i < len && b[i] != ',' && b[i] != '}' && b[i] != ']' &&
			       !json_ws(b[i]))
				i++;
			return i;
		}
		i++;
	} while (depth > 0);
	return i;
}

/* Whether the quote at @i is escaped: an odd run of backslashes before it, back to
 * @from (where the unread text starts; the byte before it is never a backslash). */
static bool escaped(const char *b, size_t i, size_t from)
{
	size_t n = 0;

	while (i > from && b[i - 1] == '\\') {
		n++;
		i--;
	}
	return n % 2;
}

size_t kube_json_drop_managed_fields(char *buf, size_t len)
{
	static const char key[] = "\"managedFields\"";
	const size_t klen = sizeof(key) - 1;
	size_t r = 0, w = 0;

	while (r < len) {
		const char *hit = memmem(buf + r, len - r, key, klen);
		size_t k, v, e, after;
		bool comma_after;

		if (!hit)
			break;
		k = (size_t)(hit - buf);
		v = skip_ws(buf, k + klen, len);
		e = SIZE_MAX;
		if (!escaped(buf, k, r) && v < len && buf[v] == ':')
			e = skip_value(buf, skip_ws(buf, v + 1, len), len);
		if (e == SIZE_MAX) {
			/* Not a member we recognise: keep it as it is. */
			memmove(buf + w, buf + r, k + klen - r);
			w += k + klen - r;
			r = k + klen;
			continue;
		}
		after = skip_ws(buf, e, len);
		comma_after = after < len && buf[after] == ',';
		memmove(buf + w, buf + r, k - r);
		w += k - r;
		if (comma_after) {
			e = after + 1;
		} else {
			/* The last member: its comma is the one written before it. */
			size_t q = w;

			while (q > 0 && json_ws(buf[q - 1]))
				q--;
			if (q > 0 && buf[q - 1] == ',')
				w = q - 1;
		}
		r = e;
	}
	memmove(buf + w, buf + r, len - r);
	return w + (len - r);
}

static void log_invalid(const char *buf, const char *end, size_t len, const char *what)
{
	char wb[80];
	size_t off = end && end >= buf ? (size_t)(end - buf) : 0;

	log_warn("json_invalid", "what=%s offset=%zu len=%zu",
	         log_quote(what ? what : "", wb, sizeof(wb)), off, len);
}

int kube_json_parse(const char *buf, size_t len, const char *what, cJSON **out)
{
	const char *end = NULL;

	*out = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (*out)
		return 0;
	log_invalid(buf, end, len, what);
	return -EINVAL;
}

/* ---- the arena -------------------------------------------------------- */

/* Blocks of at least this size; a bigger single allocation gets its own. */
#define BLOCK_MIN ((size_t)1 << 20)
/* cJSON stores pointers and doubles in its nodes: 8-byte alignment. */
#define ALIGN 8

struct block {
	struct block *next;
	size_t size;
	_Alignas(ALIGN) char data[];
};

struct kube_json_arena {
	struct block *head; /* blocks, used in list order */
	struct block *cur;  /* the block being filled */
	char *ptr, *end;    /* free space of cur, cut short where the cap falls */
	size_t cap;         /* most bytes per document; 0 = none */
	size_t before;      /* bytes of the document in blocks before cur */
	size_t held;        /* bytes of blocks held */
	int fail;           /* why the last allocation failed: -E2BIG or -ENOMEM */
};

/*
 * cJSON's hooks take no context argument, so the arena being parsed into is
 * reached through this pointer. It is set only for the duration of one
 * cJSON_ParseWithLengthOpts() call in kube_json_arena_parse() and is NULL
 * otherwise; nothing else reads it.
 */
static struct kube_json_arena *parsing;

/* Makes @b the current block: the free space ends at the block's end or
 * where the document reaches the cap, whichever comes first. */
static void enter_block(struct kube_json_arena *a, struct block *b)
{
	size_t room = b->size;

	a->cur = b;
	if (a->cap)
		room = a->cap - a->before < room ? a->cap - a->before : room;
	a->ptr = b->data;
	a->end = b->data + room;
}

/* The slow path: the current block is full (or the cap is reached). Kept
 * out of line so that the fast path saves no registers. */
__attribute__((noinline)) static void *arena_alloc_slow(struct kube_json_arena *a, size_t n)
{
	struct block *b;
	size_t used = a->cur ? (size_t)(a->ptr - a->cur->data) : 0;

	if (a->cap && a->before + used + n > a->cap) {
		a->fail = -E2BIG;
		return NULL;
	}
	a->before += used;
	/* Blocks after cur are empty ones kept from earlier documents. */
	b = a->cur ? a->cur->next : a->head;
	while (b && b->size < n) {
		b = b->next;
	}
	if (!b) {
		size_t size = n > BLOCK_MIN ? n : BLOCK_MIN;

		b = malloc(sizeof(*b) + size);
		if (!b) {
			a->fail = -ENOMEM;
			return NULL;
		}
		b->size = size;
		/* Appended after the last block. */
		b->next = NULL;
		if (!a->head) {
			a->head = b;
		} else {
			struct block *last = a->cur ? a->cur : a->head;

			while (last->next)
				last = last->next;
			last->next = b;
		}
		a->held += size;
	}
	enter_block(a, b);
	a->ptr += n;
	return a->ptr - n;
}

static void *arena_alloc(size_t n)
{
	struct kube_json_arena *a = parsing;

	if (!a || n > SIZE_MAX / 2)
		return NULL;
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (n <= (size_t)(a->end - a->ptr)) {
		a->ptr += n;
		return a->ptr - n;
	}
	return arena_alloc_slow(a, n);
}

/* Nodes are released all at once by kube_json_arena_reset(). cJSON frees
 * only on a failed parse, and then the arena is reset anyway. */
static void arena_release(void *p)
{
	(void)p;
}

int kube_json_arena_new(size_t cap, struct kube_json_arena **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->cap = cap;
	return 0;
}

void kube_json_arena_reset(struct kube_json_arena *a)
{
	a->cur = NULL;
	a->ptr = a->end = NULL;
	a->before = 0;
	a->fail = 0;
}

static void free_blocks(struct block *b)
{
	while (b) {
		struct block *next = b->next;

		free(b);
		b = next;
	}
}

void kube_json_arena_trim(struct kube_json_arena *a)
{
	if (a->head) {
		free_blocks(a->head->next);
		a->head->next = NULL;
		a->held = a->head->size;
	}
	kube_json_arena_reset(a);
}

void kube_json_arena_free(struct kube_json_arena *a)
{
	if (!a)
		return;
	free_blocks(a->head);
	free(a);
}

size_t kube_json_arena_size(const struct kube_json_arena *a)
{
	return a->held;
}

int kube_json_arena_parse(struct kube_json_arena *a, const char *buf, size_t len, const char *what,
                          const cJSON **out)
{
	cJSON_Hooks hooks = { .malloc_fn = arena_alloc, .free_fn = arena_release };
	const char *end = NULL;
	cJSON *root;
	int fail;

	kube_json_arena_reset(a);
	parsing = a;
	cJSON_InitHooks(&hooks);
	root = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	cJSON_InitHooks(NULL);
	parsing = NULL;
	*out = root;
	if (root)
		return 0;
	fail = a->fail;
	if (fail == -E2BIG) {
		char wb[80];

		log_warn("json_too_big", "what=%s len=%zu cap=%zu",
		         log_quote(what ? what : "", wb, sizeof(wb)), len, a->cap);
	} else if (!fail) {
		log_invalid(buf, end, len, what);
	}
	kube_json_arena_reset(a);
	return fail ? fail : -EINVAL;
}
