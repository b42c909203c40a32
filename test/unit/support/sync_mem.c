/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "../../../sync/sync_diff.h"

#include "../../../sync/sync_hash.h"
#include "../../../sync/sync_node.h"

struct fault {
	bool armed;
	size_t skip;
	int err;
};

struct sync_mem {
	struct ipvs_table t;
	struct sync_hash idx; /* item = position + 1 */
	size_t calls;
	struct sync_changes log;
	struct net_addr *node; /* on eth0 */
	size_t n_node;
	char dummy[16];         /* "" until created */
	struct net_addr *bound; /* on the dummy, sorted */
	size_t n_bound, cap_bound;
	struct ipvs_timeouts timeouts;
	struct fault fault[SYNC_MEM_N_CALLS];
	struct sync_mem_nft *nft;
	struct sync_ct_plan ct; /* every conntrack clean-up asked for */
	size_t ct_calls;
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
	m->timeouts = (struct ipvs_timeouts){ .tcp = 900, .tcp_fin = 120, .udp = 300 };
	if (sync_mem_nft_new(&m->nft)) {
		sync_mem_free(m);
		*out = NULL;
		return -ENOMEM;
	}
	return 0;
}

struct sync_mem_nft *sync_mem_nft(const struct sync_mem *m)
{
	return m->nft;
}

void sync_mem_free(struct sync_mem *m)
{
	if (!m)
		return;
	ipvs_table_free(&m->t);
	sync_hash_free(&m->idx);
	sync_changes_free(&m->log);
	free(m->node);
	free(m->bound);
	sync_mem_nft_free(m->nft);
	sync_ct_plan_free(&m->ct);
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
	if (sync_changes_emit(&m->log, c))
		m->log.n = 0; /* out of memory: the log restarts */
	return c->err;
}

const struct ipvs_change *sync_mem_log(const struct sync_mem *m, size_t *n)
{
	*n = m->log.n;
	return m->log.v;
}

void sync_mem_log_reset(struct sync_mem *m)
{
	m->log.n = 0;
}

void sync_mem_fail(struct sync_mem *m, enum sync_mem_call what, size_t skip, int err)
{
	m->fault[what] = (struct fault){ .armed = true, .skip = skip, .err = err };
}

/* The injected error of this call of @what, or 0. */
static int fault(struct sync_mem *m, enum sync_mem_call what)
{
	struct fault *f = &m->fault[what];

	if (!f->armed)
		return 0;
	if (f->skip) {
		f->skip--;
		return 0;
	}
	f->armed = false;
	return f->err;
}

/* --- addresses ----------------------------------------------------------------- */

static int put_addr(struct net_addr **v, size_t *n, size_t *cap, const struct net_addr *a)
{
	bool found;
	size_t i = sync_addrs_find(*v, *n, a, &found);

	if (found)
		return -EEXIST;
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct net_addr *nv = realloc(*v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	memmove(*v + i + 1, *v + i, (*n - i) * sizeof(**v));
	(*v)[i] = *a;
	(*n)++;
	return 0;
}

int sync_mem_set_node_addrs(struct sync_mem *m, const struct net_addr *a, size_t n)
{
	struct net_addr *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	memcpy(v, a, n * sizeof(*v));
	free(m->node);
	m->node = v;
	m->n_node = n;
	return 0;
}

int sync_mem_set_bound(struct sync_mem *m, const char *name, const struct net_addr *a, size_t n)
{
	snprintf(m->dummy, sizeof(m->dummy), "%s", name);
	m->n_bound = 0;
	for (size_t i = 0; i < n; i++) {
		int err = put_addr(&m->bound, &m->n_bound, &m->cap_bound, &a[i]);

		if (err && err != -EEXIST)
			return err;
	}
	return 0;
}

const struct net_addr *sync_mem_bound(const struct sync_mem *m, size_t *n)
{
	*n = m->dummy[0] ? m->n_bound : 0;
	return *n ? m->bound : NULL;
}

const struct ipvs_timeouts *sync_mem_timeouts(const struct sync_mem *m)
{
	return &m->timeouts;
}

/* --- struct sync_ops ----------------------------------------------------------- */

static int mem_services(void *be, struct ipvs_table *out)
{
	struct sync_mem *m = be;
	int err = fault(m, SYNC_MEM_SERVICES);

	for (size_t i = 0; !err && i < m->t.n; i++)
		if (!ipvs_table_add(out, &m->t.vs[i].svc))
			err = -ENOMEM;
	return err;
}

static int mem_dests(void *be, struct ipvs_vs *vs)
{
	struct sync_mem *m = be;
	ssize_t p = find(m, &vs->svc);
	int err = fault(m, SYNC_MEM_DESTS);

	if (err)
		return err;
	if (p < 0)
		return -ESRCH;
	for (size_t j = 0; j < m->t.vs[p].n_dests; j++)
		if (ipvs_vs_add_dest(vs, &m->t.vs[p].dests[j]))
			return -ENOMEM;
	return 0;
}

static int mem_service(void *be, struct ipvs_service *inout)
{
	struct sync_mem *m = be;
	ssize_t p = find(m, inout);
	int err = fault(m, SYNC_MEM_SERVICE);

	if (err)
		return err;
	if (p < 0)
		return -ESRCH;
	*inout = m->t.vs[p].svc;
	return 0;
}

static int mem_apply(void *be, struct ipvs_change *changes, size_t n, size_t *n_failed)
{
	struct sync_mem *m = be;
	struct fault *fl = &m->fault[SYNC_MEM_APPLY];
	size_t f = 0, i;
	int err = 0;

	for (i = 0; i < n; i++) {
		if (fl->armed && !fl->skip--) {
			fl->armed = false;
			err = fl->err;
			break;
		}
		f += sync_mem_apply_one(m, &changes[i]) != 0;
	}
	for (; i < n; i++, f++)
		changes[i].err = err;
	*n_failed = f;
	return err;
}

static int mem_get_timeouts(void *be, struct ipvs_timeouts *out)
{
	*out = ((struct sync_mem *)be)->timeouts;
	return 0;
}

static int mem_set_timeouts(void *be, const struct ipvs_timeouts *t)
{
	struct sync_mem *m = be;

	/* As the kernel: 0 leaves a value as it is. */
	if (t->tcp)
		m->timeouts.tcp = t->tcp;
	if (t->tcp_fin)
		m->timeouts.tcp_fin = t->tcp_fin;
	if (t->udp)
		m->timeouts.udp = t->udp;
	return 0;
}

static int mem_link_index(void *be, const char *name)
{
	struct sync_mem *m = be;

	if (!strcmp(name, "eth0"))
		return SYNC_MEM_NODE_IFINDEX;
	return m->dummy[0] && !strcmp(name, m->dummy) ? SYNC_MEM_DUMMY_IFINDEX : -ENODEV;
}

static int mem_link_ensure(void *be, const char *name)
{
	struct sync_mem *m = be;
	int err = fault(m, SYNC_MEM_LINK_ENSURE);

	if (err)
		return err;
	if (!strcmp(name, "eth0"))
		return -EEXIST; /* not a dummy */
	if (!m->dummy[0])
		snprintf(m->dummy, sizeof(m->dummy), "%s", name);
	return strcmp(name, m->dummy) ? -ENOSPC : SYNC_MEM_DUMMY_IFINDEX;
}

static int copy_addrs(const struct net_addr *a, size_t n, int ifindex, struct netif_addr **out,
                      size_t *n_out)
{
	struct netif_addr *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		v[i].addr = a[i];
		v[i].ifindex = ifindex;
		v[i].prefixlen = a[i].af == AF_INET ? 32 : 128;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static int mem_addrs(void *be, int ifindex, int except, struct netif_addr **out, size_t *n)
{
	struct sync_mem *m = be;
	int err = fault(m, SYNC_MEM_ADDRS);

	*out = NULL;
	*n = 0;
	if (err)
		return err;
	if (ifindex == SYNC_MEM_DUMMY_IFINDEX || (!ifindex && except == SYNC_MEM_NODE_IFINDEX))
		return copy_addrs(m->bound, m->dummy[0] ? m->n_bound : 0, SYNC_MEM_DUMMY_IFINDEX,
		                  out, n);
	if (ifindex == SYNC_MEM_NODE_IFINDEX ||
	    (!ifindex && (except == SYNC_MEM_DUMMY_IFINDEX || !m->dummy[0])))
		return copy_addrs(m->node, m->n_node, SYNC_MEM_NODE_IFINDEX, out, n);
	return ifindex ? -ENODEV : -EINVAL; /* both interfaces: not needed by the passes */
}

static int mem_addr_add(void *be, int ifindex, const struct net_addr *a)
{
	struct sync_mem *m = be;
	int err = fault(m, SYNC_MEM_ADDR_ADD);

	if (err)
		return err;
	if (ifindex != SYNC_MEM_DUMMY_IFINDEX || !m->dummy[0])
		return -ENODEV;
	return put_addr(&m->bound, &m->n_bound, &m->cap_bound, a);
}

static int mem_addr_del(void *be, int ifindex, const struct net_addr *a)
{
	struct sync_mem *m = be;
	bool found;
	size_t i;
	int err = fault(m, SYNC_MEM_ADDR_DEL);

	if (err)
		return err;
	if (ifindex != SYNC_MEM_DUMMY_IFINDEX || !m->dummy[0])
		return -ENODEV;
	i = sync_addrs_find(m->bound, m->n_bound, a, &found);
	if (!found)
		return -EADDRNOTAVAIL;
	memmove(m->bound + i, m->bound + i + 1, (m->n_bound - i - 1) * sizeof(*m->bound));
	m->n_bound--;
	return 0;
}

static int mem_nft_table(void *be, uint8_t family, const char *name,
                         const struct nft_table_def *want, struct nft_table_def *out)
{
	return sync_mem_nft_table(((struct sync_mem *)be)->nft, family, name, want, out);
}

static int mem_nft_elems(void *be, uint8_t family, const char *table, const struct nft_set_def *set,
                         struct nft_elems *out)
{
	return sync_mem_nft_elems(((struct sync_mem *)be)->nft, family, table, set, out);
}

static int mem_nft_apply(void *be, struct nft_op *ops, size_t n)
{
	return sync_mem_nft_apply(((struct sync_mem *)be)->nft, ops, n);
}

static int mem_ct_clean(void *be, const struct sync_ct_plan *p)
{
	struct sync_mem *m = be;
	int err = fault(m, SYNC_MEM_CT_CLEAN);

	if (err)
		return err;
	m->ct_calls++;
	return sync_ct_plan_append(&m->ct, p);
}

const struct sync_ct_plan *sync_mem_ct(const struct sync_mem *m, size_t *calls)
{
	if (calls)
		*calls = m->ct_calls;
	return &m->ct;
}

void sync_mem_ct_reset(struct sync_mem *m)
{
	sync_ct_plan_reset(&m->ct);
	m->ct_calls = 0;
}

const struct sync_ops sync_mem_ops = {
	.services = mem_services,
	.dests = mem_dests,
	.service = mem_service,
	.apply = mem_apply,
	.get_timeouts = mem_get_timeouts,
	.set_timeouts = mem_set_timeouts,
	.link_index = mem_link_index,
	.link_ensure = mem_link_ensure,
	.addrs = mem_addrs,
	.addr_add = mem_addr_add,
	.addr_del = mem_addr_del,
	.nft_table = mem_nft_table,
	.nft_elems = mem_nft_elems,
	.nft_apply = mem_nft_apply,
	.ct_clean = mem_ct_clean,
};
