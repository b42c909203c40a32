/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_ct — which conntrack entries a sync pass leaves stale, and how to
 * find them. No I/O: the passes build a plan from the changes they applied,
 * a backend (sync_ops.ct_clean) carries it out.
 *
 * kube-proxy's rules, for UDP only (TCP flows end by timeout or RST and are
 * never touched; SCTP was measured not to need it, README):
 *   - a destination left a virtual server (DEL_DEST: deleted, no longer
 *     ready and not a terminating fallback, or its port left the Service):
 *     entries whose original destination is the virtual server's address
 *     and port and whose reply source is that destination (address and
 *     port) — SYNC_CT_DEST_GONE;
 *   - a virtual server went from no destination to some (created with
 *     destinations, or given its first ones): entries to its address and
 *     port whose reply source is none of its destinations, i.e. made while
 *     nothing served it — SYNC_CT_NEWLY_ACTIVE;
 *   - a virtual server was deleted (its Service or port is gone): every
 *     entry to its address and port — SYNC_CT_VS_GONE.
 * Every address a Service is reached by is a virtual server of its own
 * (cluster IP, external IPs, load-balancer IPs, the NodePort on each node
 * address), IPv4 and IPv6 alike, so each gets its targets. Only changes the
 * kernel accepted count.
 *
 * Finding them: one kernel-filtered dump per removed destination (reply
 * source) and per port of the other targets; when a plan needs more than
 * SYNC_CT_MAX_DUMPS of them, or the kernel ignores filters, one dump per
 * family and protocol instead. Each dumped entry is then matched against
 * the targets here (sync_ct_index).
 */
#ifndef KIPVS_SYNC_CT_H
#define KIPVS_SYNC_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ct.h"
#include "../ipvs/ipvs_types.h"
#include "sync_table.h"

/* Past this many filtered dumps one per family and protocol is cheaper: a
 * filtered dump costs one walk of the kernel's table, an unfiltered one the
 * walk plus every entry copied and parsed (measured 12-20x dearer). */
#define SYNC_CT_MAX_DUMPS 16

enum sync_ct_why {
	SYNC_CT_DEST_GONE,
	SYNC_CT_NEWLY_ACTIVE,
	SYNC_CT_VS_GONE,
};

/* A reply source: a destination's address and port. */
struct sync_ct_rs {
	struct net_addr addr;
	uint16_t port;
};

struct sync_ct_target {
	enum sync_ct_why why;
	uint8_t proto;
	struct net_addr addr; /* the virtual server: the entries' original destination */
	uint16_t port;
	struct sync_ct_rs rs; /* DEST_GONE: the destination that left */
	size_t keep, n_keep;  /* NEWLY_ACTIVE: plan.keep[keep..keep+n_keep) stay */
};

struct sync_ct_plan {
	struct sync_ct_target *v;
	size_t n, cap;
	struct sync_ct_rs *keep;
	size_t n_keep, cap_keep;
};

void sync_ct_plan_init(struct sync_ct_plan *p);
void sync_ct_plan_reset(struct sync_ct_plan *p);
void sync_ct_plan_free(struct sync_ct_plan *p);
/* Appends a copy of @src's targets (and their keep lists) to @dst. */
int sync_ct_plan_append(struct sync_ct_plan *dst, const struct sync_ct_plan *src)
    __attribute__((warn_unused_result));

/* Whether entries of this protocol are ever cleaned (UDP). */
bool sync_ct_proto_cleaned(uint16_t proto);

/*
 * Adds the targets @n applied changes call for: DEL_DEST and DEL_SERVICE of
 * cleaned protocols (changes with err != 0 are skipped), and NEWLY_ACTIVE
 * for each virtual server in @activated (those the diff saw go from no
 * destination to some, sync_diff.activated) that got a destination in these
 * changes — its keep list is the destinations added. 0 or -ENOMEM (the plan
 * then holds part of the targets).
 */
int sync_ct_plan_add(struct sync_ct_plan *p, const struct ipvs_change *c, size_t n,
                     const struct sync_keys *activated) __attribute__((warn_unused_result));

const char *sync_ct_why_name(enum sync_ct_why w);

/* --- finding the entries ----------------------------------------------------- */

/*
 * The dumps that return every entry of @p's targets (and some more, which
 * the index rejects). *out (caller frees) gets *n filters; group[i] (an
 * array of p->n, may be NULL) the dump that covers target i. With
 * @kernel_filters false (the kernel returns whole families) one dump per
 * family and protocol.
 */
int sync_ct_dumps(const struct sync_ct_plan *p, bool kernel_filters, struct ct_filter **out,
                  size_t *n, size_t *group) __attribute__((warn_unused_result));

/* The targets by original destination, to match dumped entries. */
struct sync_ct_index {
	const struct sync_ct_plan *p;
	uint32_t *order; /* target indexes sorted by (af, proto, addr, port) */
};

int sync_ct_index_build(struct sync_ct_index *ix, const struct sync_ct_plan *p)
    __attribute__((warn_unused_result));
void sync_ct_index_free(struct sync_ct_index *ix);
/* The first target that makes @e stale, or -1. */
long sync_ct_index_match(const struct sync_ct_index *ix, const struct ct_entry *e);

#endif
