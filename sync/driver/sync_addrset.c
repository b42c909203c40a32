/* SPDX-License-Identifier: Apache-2.0 */
/* Sorted address sets (sync_addrset.h). */
#include "sync_addrset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../sync_node.h"

size_t addr_set_pos(const struct addr_set *s, const struct net_addr *a, bool *found)
{
	return sync_addrs_find(s->v, s->n, a, found);
}

bool addr_set_has(const struct addr_set *s, const struct net_addr *a)
{
	bool found;

	addr_set_pos(s, a, &found);
	return found;
}

int addr_set_add(struct addr_set *s, const struct net_addr *a)
{
	bool found;
	size_t i = addr_set_pos(s, a, &found);

	if (found)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct net_addr *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(*s->v));
	s->v[i] = *a;
	s->n++;
	s->gen++;
	return 0;
}

void addr_set_del(struct addr_set *s, const struct net_addr *a)
{
	bool found;
	size_t i = addr_set_pos(s, a, &found);

	if (!found)
		return;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
	s->n--;
	s->gen++;
}

void addr_set_free(struct addr_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
