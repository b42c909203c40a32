/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_table — a whole IPVS table in memory: virtual servers with their
 * destinations, in insertion order (for a kernel dump: the dump order, which
 * is what `ipvsadm --nosort` shows).
 *
 * The table owns its arrays; ipvs_table_free() releases everything. Pure data,
 * no I/O: the netlink module fills it, the printers read it, the diff
 * compares two of them.
 */
#ifndef KIPVS_IPVS_TABLE_H
#define KIPVS_IPVS_TABLE_H

#include "ipvs_types.h"

struct ipvs_vs {
	struct ipvs_service svc;
	struct ipvs_dest *dests;
	size_t n_dests;
	size_t cap_dests;
	/*
	 * Counters and rates, only when asked for (ipvs_vs_keep_stats(), or a
	 * table with with_stats): stats[0] is the virtual server's, stats[1 + i]
	 * its destination i's, 1 + cap_dests slots. NULL otherwise.
	 */
	struct ipvs_stats *stats;
};

struct ipvs_table {
	struct ipvs_vs *vs;
	size_t n;
	size_t cap;
	bool with_stats; /* every virtual server added keeps counters */
};

void ipvs_table_init(struct ipvs_table *t);
void ipvs_table_free(struct ipvs_table *t);
/* Appends a copy of @svc with no destinations; NULL on ENOMEM. */
struct ipvs_vs *ipvs_table_add(struct ipvs_table *t, const struct ipvs_service *svc);
/* Appends a copy of @d to @vs. 0 or -ENOMEM. */
int ipvs_vs_add_dest(struct ipvs_vs *vs, const struct ipvs_dest *d)
    __attribute__((warn_unused_result));
/* Frees what @vs owns (destinations, counters) and zeroes it. */
void ipvs_vs_free(struct ipvs_vs *vs);
/* Makes @vs keep counters from now on (zero until set). 0 or -ENOMEM. */
int ipvs_vs_keep_stats(struct ipvs_vs *vs) __attribute__((warn_unused_result));
/*
 * The counters of @vs (@d NULL) or of its destination @d (a pointer into
 * vs->dests); writable when kept, else NULL. ipvs_vs_stats_or_zero() reads
 * all zero when they are not kept.
 */
struct ipvs_stats *ipvs_vs_stats(const struct ipvs_vs *vs, const struct ipvs_dest *d);
const struct ipvs_stats *ipvs_vs_stats_or_zero(const struct ipvs_vs *vs, const struct ipvs_dest *d);
/* Linear lookups, for small tables and tests. */
struct ipvs_vs *ipvs_table_find(const struct ipvs_table *t, const struct ipvs_service *svc);
struct ipvs_dest *ipvs_vs_find_dest(const struct ipvs_vs *vs, const struct ipvs_dest *d);
size_t ipvs_table_count_dests(const struct ipvs_table *t);

#endif
