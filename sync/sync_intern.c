/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_intern.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sync_hash.h"

struct ientry {
	uint32_t id;
	uint32_t refs;
	uint64_t hash;
	char s[];
};

struct sync_intern {
	struct sync_hash by_str;
	struct ientry **by_id; /* index id - 1 */
	size_t n_ids, cap_ids;
	uint32_t *free_ids;
	size_t n_free, cap_free;
	size_t bytes;
};

static bool ent_eq(const void *item, const void *key)
{
	return strcmp(((const struct ientry *)item)->s, key) == 0;
}

int sync_intern_new(struct sync_intern **out)
{
	struct sync_intern *in = calloc(1, sizeof(*in));

	*out = in;
	if (!in)
		return -ENOMEM;
	sync_hash_init(&in->by_str);
	return 0;
}

void sync_intern_free(struct sync_intern *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->n_ids; i++)
		free(in->by_id[i]);
	free(in->by_id);
	free(in->free_ids);
	sync_hash_free(&in->by_str);
	free(in);
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t nc;
	void *na;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	na = realloc(*arr, nc * elem);
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = nc;
	return 0;
}

int sync_intern_ref(struct sync_intern *in, const char *s, uint32_t *id)
{
	uint64_t h;
	struct ientry *e;
	size_t len;
	uint32_t nid;

	*id = 0;
	if (!s || !*s)
		return 0;
	h = sync_hash_str(s);
	e = sync_hash_find(&in->by_str, h, ent_eq, s);
	if (e) {
		e->refs++;
		*id = e->id;
		return 0;
	}
	len = strlen(s);
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return -ENOMEM;
	memcpy(e->s, s, len + 1);
	e->hash = h;
	e->refs = 1;
	if (in->n_free) {
		nid = in->free_ids[--in->n_free];
	} else {
		if (grow((void **)&in->by_id, &in->cap_ids, in->n_ids + 1, sizeof(*in->by_id)) ||
		    grow((void **)&in->free_ids, &in->cap_free, in->n_ids + 1,
		         sizeof(*in->free_ids))) {
			free(e);
			return -ENOMEM;
		}
		in->by_id[in->n_ids++] = NULL;
		nid = (uint32_t)in->n_ids;
	}
	e->id = nid;
	if (sync_hash_insert(&in->by_str, h, e)) {
		in->free_ids[in->n_free++] = nid;
		free(e);
		return -ENOMEM;
	}
	in->by_id[nid - 1] = e;
	in->bytes += sizeof(*e) + len + 1;
	*id = nid;
	return 0;
}

static struct ientry *get(const struct sync_intern *in, uint32_t id)
{
	if (!id || id > in->n_ids)
		return NULL;
	return in->by_id[id - 1];
}

void sync_intern_dup(struct sync_intern *in, uint32_t id)
{
	struct ientry *e = get(in, id);

	if (e)
		e->refs++;
}

void sync_intern_unref(struct sync_intern *in, uint32_t id)
{
	struct ientry *e = get(in, id);

	if (!e || --e->refs)
		return;
	sync_hash_remove(&in->by_str, e->hash, ent_eq, e->s);
	in->by_id[id - 1] = NULL;
	/* free_ids has room for every id ever handed out. */
	in->free_ids[in->n_free++] = id;
	in->bytes -= sizeof(*e) + strlen(e->s) + 1;
	free(e);
}

uint32_t sync_intern_lookup(const struct sync_intern *in, const char *s)
{
	struct ientry *e;

	if (!s || !*s)
		return 0;
	e = sync_hash_find(&in->by_str, sync_hash_str(s), ent_eq, s);
	return e ? e->id : 0;
}

const char *sync_intern_str(const struct sync_intern *in, uint32_t id)
{
	struct ientry *e = get(in, id);

	return e ? e->s : NULL;
}

size_t sync_intern_count(const struct sync_intern *in)
{
	return in->by_str.n;
}

size_t sync_intern_bytes(const struct sync_intern *in)
{
	return in->bytes + in->by_str.cap * sizeof(struct sync_hslot) +
	       in->cap_ids * sizeof(*in->by_id) + in->cap_free * sizeof(*in->free_ids);
}
