/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two steps every LIST page takes before decoding, against references:
 *   kube_json_drop_managed_fields()  a hand-written scanner over the raw
 *                                    page, and
 *   kube_json_arena_parse()          cJSON with the arena's allocator.
 * Reference: the plain cJSON parse of the same bytes, with every member
 * named managedFields then deleted from the tree. When the input is valid
 * JSON (to its end: cJSON ignores what follows a complete value, and so
 * would a page cut there), the dropped text must still parse, in the arena, to exactly that
 * tree. And the arena must parse any text as plain cJSON
 * does, unless the document is over the arena's cap (-E2BIG).
 *
 * Input: [cap] JSON text. cap 0 = none, else cap x 64 bytes per document.
 * Inputs holding "\u" or a NUL byte skip the comparison after dropping: a
 * key spelled with escapes ("managed\u0046ields") or cut by a raw NUL
 * (which cJSON lets into strings) is the same C string to cJSON but not the
 * token the scanner looks for, as kube_decode.h says.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kube/kube_decode.h"
#include "fuzz.h"

static struct kube_json_arena *arenas[1]; /* no cap; a capped one is made per input */

/*
 * The same tree, members in the same order (cJSON_Compare() cannot be
 * used: it looks members up by key, so an object with a repeated key never
 * equals even itself).
 */
static bool same(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if ((a->type & 0xff) != (b->type & 0xff))
		return false;
	if ((a->string == NULL) != (b->string == NULL) ||
	    (a->string && strcmp(a->string, b->string)))
		return false;
	if (cJSON_IsString(a))
		return !strcmp(a->valuestring, b->valuestring);
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble ||
		       (a->valuedouble != a->valuedouble && b->valuedouble != b->valuedouble);
	for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
		if (!same(x, y))
			return false;
	return !x && !y;
}

/* Deletes every member named managedFields, at any depth. */
static void strip(cJSON *node)
{
	cJSON *c;

	while (cJSON_IsObject(node) && cJSON_GetObjectItemCaseSensitive(node, "managedFields"))
		cJSON_DeleteItemFromObjectCaseSensitive(node, "managedFields");
	cJSON_ArrayForEach(c, node) strip(c);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	FUZZ_ASSERT(kube_json_arena_new(0, &arenas[0]) == 0, "an arena");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	size_t cap = (size_t)fuzz_u8(&in) * 64;
	const char *text = (const char *)in.p;
	size_t len = in.n, dlen;
	struct kube_json_arena *a = arenas[0];
	const char *end = NULL;
	cJSON *ref = cJSON_ParseWithLengthOpts(text, len, &end, false);
	const cJSON *got = NULL;
	bool whole = ref != NULL; /* valid JSON up to the end, not just a prefix */
	char *dropped;
	int rc;

	for (const char *p = end; whole && p < text + len; p++)
		whole = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
	/* the arena alone parses as cJSON does */
	if (cap) {
		FUZZ_ASSERT(kube_json_arena_new(cap, &a) == 0, "an arena");
	}
	rc = kube_json_arena_parse(a, text, len, "fuzz", &got);
	if (rc == 0) {
		FUZZ_ASSERT(ref && same(ref, got), "the arena parses as cJSON does");
	} else {
		FUZZ_ASSERT(rc == -EINVAL || (cap && rc == -E2BIG),
		            "-EINVAL, or -E2BIG with a cap");
		FUZZ_ASSERT(rc == -E2BIG || !ref, "the arena fails only where cJSON fails");
	}
	kube_json_arena_reset(a);

	/* dropping managedFields changes nothing else */
	dropped = fuzz_strndup(text, len);
	dlen = kube_json_drop_managed_fields(dropped, len);
	FUZZ_ASSERT(dlen <= len, "dropping never grows the text");
	if (whole && !memmem(text, len, "\\u", 2) && !memchr(text, '\0', len)) {
		strip(ref);
		rc = kube_json_arena_parse(a, dropped, dlen, "fuzz", &got);
		if (rc != -E2BIG) {
			FUZZ_ASSERT(rc == 0, "valid JSON stays valid without its managedFields");
			FUZZ_ASSERT(same(ref, got), "only the managedFields members are gone");
		}
		kube_json_arena_reset(a);
	}
	free(dropped);
	cJSON_Delete(ref);
	if (cap)
		kube_json_arena_free(a);
	return 0;
}
