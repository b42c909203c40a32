/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube_decode_json — JSON text to a cJSON DOM: the plain malloc'd parse and
 * the parse arena (kube_decode.h says why the arena exists and its rules).
 */
#include "kube_decode.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "../log.h"

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
	size_t size, used;
	_Alignas(ALIGN) char data[];
};

struct kube_json_arena {
	struct block *head; /* blocks, used in list order */
	struct block *cur;  /* the block being filled */
	size_t cap;         /* most bytes per document; 0 = none */
	size_t doc_bytes;   /* bytes handed out for the current document */
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

static void *arena_alloc(size_t n)
{
	struct kube_json_arena *a = parsing;
	struct block *b;
	void *p;

	if (!a || n > SIZE_MAX / 2)
		return NULL;
	n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (a->cap && a->doc_bytes + n > a->cap) {
		a->fail = -E2BIG;
		return NULL;
	}
	/* Blocks after cur are empty ones kept from earlier documents. */
	while (a->cur && a->cur->used + n > a->cur->size && a->cur->next)
		a->cur = a->cur->next;
	if (!a->cur || a->cur->used + n > a->cur->size) {
		size_t size = n > BLOCK_MIN ? n : BLOCK_MIN;

		b = malloc(sizeof(*b) + size);
		if (!b) {
			a->fail = -ENOMEM;
			return NULL;
		}
		b->size = size;
		b->used = 0;
		b->next = NULL;
		if (a->cur)
			a->cur->next = b;
		else
			a->head = b;
		a->cur = b;
		a->held += size;
	}
	p = a->cur->data + a->cur->used;
	a->cur->used += n;
	a->doc_bytes += n;
	return p;
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
	for (struct block *b = a->head; b; b = b->next)
		b->used = 0;
	a->cur = a->head;
	a->doc_bytes = 0;
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
