/* SPDX-License-Identifier: Apache-2.0 */
#include "ipvs_sort.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/*
 * ipvsadm computes "unsigned a - unsigned b" and stores it in an int: the
 * difference wraps modulo 2^32 and is then read as two's complement. gcc
 * defines the unsigned-to-int conversion as exactly that.
 */
static int wrap_sub(uint32_t a, uint32_t b)
{
	return (int)(uint32_t)(a - b);
}

/* Address step: word by word in host order for IPv6 (by @a_af), else the IPv4 word. */
static int cmp_addr(uint16_t a_af, const union addr_raw *a, const union addr_raw *b)
{
	int r = 0;

	if (a_af == AF_INET6) {
		for (int i = 0; !r && i < 4; i++)
			r = wrap_sub(ntohl(a->w[i]), ntohl(b->w[i]));
		return r;
	}
	return wrap_sub(ntohl(a->w[0]), ntohl(b->w[0]));
}

int ipvs_sort_cmp_services(const struct ipvs_service *a, const struct ipvs_service *b)
{
	int r;

	r = wrap_sub(a->fwmark, b->fwmark);
	if (r)
		return r;
	r = (int)a->addr.af - (int)b->addr.af;
	if (r)
		return r;
	r = (int)a->protocol - (int)b->protocol;
	if (r)
		return r;
	r = cmp_addr(a->addr.af, &a->addr.a, &b->addr.a);
	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

int ipvs_sort_cmp_dests(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	int r = cmp_addr(a->addr.af, &a->addr.a, &b->addr.a);

	if (r)
		return r;
	return (int)a->port - (int)b->port;
}

static void msort_rec(const void **b, size_t n, const void **tmp, ipvs_sort_cmp_fn cmp)
{
	size_t n1, n2, k = 0;
	const void **b1, **b2;

	if (n <= 1)
		return;
	n1 = n / 2;
	n2 = n - n1;
	b1 = b;
	b2 = b + n1;
	msort_rec(b1, n1, tmp, cmp);
	msort_rec(b2, n2, tmp, cmp);
	while (n1 > 0 && n2 > 0) {
		if (cmp(*b1, *b2) <= 0) {
			tmp[k++] = *b1++;
			n1--;
		} else {
			tmp[k++] = *b2++;
			n2--;
		}
	}
	/* What is left of the right half is already in place. */
	if (n1 > 0)
		memcpy(tmp + k, b1, n1 * sizeof(*b1));
	memcpy(b, tmp, (n - n2) * sizeof(*b));
}

int ipvs_msort(const void **v, size_t n, ipvs_sort_cmp_fn cmp)
{
	const void **tmp;

	if (n <= 1)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	msort_rec(v, n, tmp, cmp);
	free(tmp);
	return 0;
}

static int cmp_vs(const void *a, const void *b)
{
	return ipvs_sort_cmp_services(&((const struct ipvs_vs *)a)->svc,
	                              &((const struct ipvs_vs *)b)->svc);
}

static int cmp_dest(const void *a, const void *b)
{
	return ipvs_sort_cmp_dests(a, b);
}

int ipvs_sort_services(const struct ipvs_table *t, bool sort, const struct ipvs_vs ***out)
{
	const struct ipvs_vs **v = malloc((t->n ? t->n : 1) * sizeof(*v));
	int err;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		v[i] = &t->vs[i];
	if (sort) {
		err = ipvs_msort((const void **)v, t->n, cmp_vs);
		if (err) {
			free(v);
			return err;
		}
	}
	*out = v;
	return 0;
}

int ipvs_sort_dests(const struct ipvs_vs *vs, bool sort, const struct ipvs_dest ***out)
{
	const struct ipvs_dest **v = malloc((vs->n_dests ? vs->n_dests : 1) * sizeof(*v));
	int err;

	*out = NULL;
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < vs->n_dests; i++)
		v[i] = &vs->dests[i];
	if (sort) {
		err = ipvs_msort((const void **)v, vs->n_dests, cmp_dest);
		if (err) {
			free(v);
			return err;
		}
	}
	*out = v;
	return 0;
}
