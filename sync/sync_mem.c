/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "sync_hash.h"
#include "sync_node.h"

struct sync_mem {
	struct ipvs_table t;
	struct sync_hash idx; /* item = position + 1 */
	size_t calls;
};

struct mkey {
	const struct sync_mem *m;
	const struct ipvs_service *id;
};

static bool mem_eq(const void *item, const void *key)
{
	const struct mkey *k = key;

	return ipvs_service_same(&k->m->t.vs[(uintptr_t)item - 1].svc, k->id);
}

int sync_mem_new(struct sync_mem **out)
{
	struct sync_mem *m = calloc(1, sizeof(*m));

	*out = m;
	if (!m)
		return -ENOMEM;
	ipvs_table_init(&m->t);
	sync_hash_init(&m->idx);
	return 0;
}

void sync_mem_free(struct sync_mem *m)
{
	if (!m)
		return;
	ipvs_table_free(&m->t);
	sync_hash_free(&m->idx);
	free(m);
}

const struct ipvs_table *sync_mem_table(const struct sync_mem *m)
{
	return &m->t;
}

size_t sync_mem_n_calls(const struct sync_mem *m)
{
	return m->calls;
}

static ssize_t find(const struct sync_mem *m, const struct ipvs_service *id)
{
	struct mkey k = { m, id };
	void *it = sync_hash_find(&m->idx, sync_vs_hash(id), mem_eq, &k);

	return it ? (ssize_t)((uintptr_t)it - 1) : -1;
}

static int add_vs(struct sync_mem *m, const struct ipvs_service *svc)
{
	struct ipvs_vs *vs;

	if (sync_hash_reserve(&m->idx, m->t.n + 1))
		return -ENOMEM;
	vs = ipvs_table_add(&m->t, svc);
	if (!vs)
		return -ENOMEM;
	vs->svc.flags |= IP_VS_SVC_F_HASHED;
	return sync_hash_insert(&m->idx, sync_vs_hash(svc), (void *)(uintptr_t)m->t.n);
}

static void del_vs(struct sync_mem *m, size_t pos)
{
	struct ipvs_service id = m->t.vs[pos].svc;
	struct mkey k = { m, &id };
	size_t last = m->t.n - 1;

	sync_hash_remove(&m->idx, sync_vs_hash(&id), mem_eq, &k);
	ipvs_vs_free(&m->t.vs[pos]);
	if (pos != last) {
		struct mkey lk = { m, &m->t.vs[last].svc };
		void **slot =
		    sync_hash_slot(&m->idx, sync_vs_hash(&m->t.vs[last].svc), mem_eq, &lk);

		m->t.vs[pos] = m->t.vs[last];
		if (slot)
			*slot = (void *)(uintptr_t)(pos + 1);
	}
	m->t.n--;
}

int sync_mem_load(struct sync_mem *m, const struct ipvs_table *t)
{
	while (m->t.n)
		del_vs(m, m->t.n - 1);
	for (size_t i = 0; i < t->n; i++) {
		struct ipvs_vs *vs;

		if (find(m, &t->vs[i].svc) >= 0)
			return -EEXIST;
		if (add_vs(m, &t->vs[i].svc))
			return -ENOMEM;
		vs = &m->t.vs[m->t.n - 1];
		for (size_t j = 0; j < t->vs[i].n_dests; j++)
			if (ipvs_vs_add_dest(vs, &t->vs[i].dests[j]))
				return -ENOMEM;
	}
	return 0;
}

static ssize_t find_dest(const struct ipvs_vs *vs, const struct ipvs_dest *d)
{
	for (size_t i = 0; i < vs->n_dests; i++)
		if (ipvs_dest_same(&vs->dests[i], d))
			return (ssize_t)i;
	return -1;
}

int sync_mem_set_conns(struct sync_mem *m, const struct ipvs_service *svc,
                       const struct ipvs_dest *dest, uint32_t active, uint32_t inactive)
{
	ssize_t p = find(m, svc), j;

	if (p < 0)
		return -ESRCH;
	j = find_dest(&m->t.vs[p], dest);
	if (j < 0)
		return -ENOENT;
	m->t.vs[p].dests[j].active_conns = active;
	m->t.vs[p].dests[j].inact_conns = inactive;
	return 0;
}

static void set_service(struct ipvs_service *dst, const struct ipvs_service *src)
{
	memcpy(dst->sched_name, src->sched_name, sizeof(dst->sched_name));
	memcpy(dst->pe_name, src->pe_name, sizeof(dst->pe_name));
	dst->flags = src->flags | IP_VS_SVC_F_HASHED;
	dst->timeout = src->timeout;
	dst->netmask = src->netmask;
}

static void set_dest(struct ipvs_dest *dst, const struct ipvs_dest *src)
{
	dst->conn_flags = src->conn_flags & IP_VS_CONN_F_FWD_MASK;
	dst->weight = src->weight;
	dst->u_threshold = src->u_threshold;
	dst->l_threshold = src->l_threshold;
}

static int apply(struct sync_mem *m, const struct ipvs_change *c)
{
	ssize_t p = find(m, &c->svc), j;
	struct ipvs_vs *vs;
	struct ipvs_dest nd;

	switch (c->op) {
	case IPVS_OP_ADD_SERVICE:
		if (p >= 0)
			return -EEXIST;
		if (!sync_sched_valid(c->svc.sched_name))
			return -ENOENT;
		return add_vs(m, &c->svc);
	case IPVS_OP_EDIT_SERVICE:
		if (p < 0)
			return -ESRCH;
		if (!sync_sched_valid(c->svc.sched_name))
			return -ENOENT;
		set_service(&m->t.vs[p].svc, &c->svc);
		return 0;
	case IPVS_OP_DEL_SERVICE:
		if (p < 0)
			return -ESRCH;
		del_vs(m, (size_t)p);
		return 0;
	default:
		break;
	}
	if (p < 0)
		return -ESRCH;
	vs = &m->t.vs[p];
	j = find_dest(vs, &c->dest);
	switch (c->op) {
	case IPVS_OP_ADD_DEST:
		if (j >= 0)
			return -EEXIST;
		memset(&nd, 0, sizeof(nd));
		nd.addr = c->dest.addr;
		nd.port = c->dest.port;
		set_dest(&nd, &c->dest);
		if (ipvs_vs_add_dest(vs, &nd))
			return -ENOMEM;
		/* Newest first, like the kernel's list. */
		memmove(vs->dests + 1, vs->dests, (vs->n_dests - 1) * sizeof(nd));
		vs->dests[0] = nd;
		return 0;
	case IPVS_OP_EDIT_DEST:
		if (j < 0)
			return -ENOENT;
		set_dest(&vs->dests[j], &c->dest);
		return 0;
	case IPVS_OP_DEL_DEST:
		if (j < 0)
			return -ENOENT;
		memmove(vs->dests + j, vs->dests + j + 1,
		        (vs->n_dests - (size_t)j - 1) * sizeof(nd));
		vs->n_dests--;
		return 0;
	default:
		return -EINVAL;
	}
}

int sync_mem_apply_one(struct sync_mem *m, struct ipvs_change *c)
{
	m->calls++;
	c->err = apply(m, c);
	return c->err;
}

static int mem_dump(void *be, struct ipvs_table *out)
{
	return sync_table_append(out, &((struct sync_mem *)be)->t);
}

static int mem_get_vs(void *be, const struct ipvs_service *id, struct ipvs_table *out)
{
	struct sync_mem *m = be;
	ssize_t p = find(m, id);

	if (p < 0)
		return -ESRCH;
	return sync_table_append_vs(out, &m->t.vs[p]);
}

static int mem_apply(void *be, struct ipvs_change *changes, size_t n, size_t *n_failed)
{
	size_t f = 0;

	for (size_t i = 0; i < n; i++)
		f += sync_mem_apply_one(be, &changes[i]) != 0;
	if (n_failed)
		*n_failed = f;
	return 0;
}

const struct sync_ops sync_mem_ops = {
	.dump = mem_dump,
	.get_vs = mem_get_vs,
	.apply = mem_apply,
};
