/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_mem — an in-memory IPVS table behind struct sync_ops, for unit tests
 * and benchmarks (never for integration tests, which use the real kernel).
 *
 * It follows the kernel's semantics where the diff depends on them:
 * ADD_SERVICE on an existing service -EEXIST, with an unknown scheduler
 * -ENOENT; SET/DEL_SERVICE and every destination op on a missing service
 * -ESRCH; ADD_DEST on an existing destination -EEXIST; EDIT/DEL_DEST on a
 * missing one -ENOENT. Services come back with IP_VS_SVC_F_HASHED set, as
 * the kernel reports them; new destinations are listed first, as in a dump.
 */
#ifndef KIPVS_SYNC_MEM_H
#define KIPVS_SYNC_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "sync_ops.h"

struct sync_mem;

extern const struct sync_ops sync_mem_ops; /* be = struct sync_mem * */

int sync_mem_new(struct sync_mem **out) __attribute__((warn_unused_result));
void sync_mem_free(struct sync_mem *m);
/* The current table (valid until the next change). */
const struct ipvs_table *sync_mem_table(const struct sync_mem *m);
/* Replaces the content with a copy of @t (as if another tool had made it). */
int sync_mem_load(struct sync_mem *m, const struct ipvs_table *t)
    __attribute__((warn_unused_result));
/* Sets a destination's connection counters. 0, -ESRCH or -ENOENT. */
int sync_mem_set_conns(struct sync_mem *m, const struct ipvs_service *svc,
                       const struct ipvs_dest *dest, uint32_t active, uint32_t inactive)
    __attribute__((warn_unused_result));
/* Applies one change; returns (and stores in c->err) 0 or -errno. */
int sync_mem_apply_one(struct sync_mem *m, struct ipvs_change *c);
/* Changes applied so far (successful or not). */
size_t sync_mem_n_calls(const struct sync_mem *m);

#endif
