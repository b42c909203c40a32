/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_mem_nft — an in-memory nf_tables behind the nftables members of
 * struct sync_ops (sync_mem.h's backend forwards them here), for unit tests
 * only. It keeps tables of any family and name as their definitions and
 * elements, and follows the kernel where the passes depend on it:
 *   - a transaction is applied whole or not at all; every op the model
 *     refuses gets its error (elements: the index of the one refused), the
 *     others -ECANCELED;
 *   - adding an element that is there already is a no-op; removing one that
 *     is not there, or touching a set or table that is not there, -ENOENT;
 *     in an interval set an element that overlaps another of the same
 *     leading fields (but is not equal to it) -EEXIST;
 *   - deleting a table is deleting it with all it holds ("add" + "delete":
 *     no error when absent); creating a table on an existing one appends its
 *     rules, as NFT_MSG_NEWRULE does;
 *   - a read returns what a dump would (use = sets + chains + added objects).
 * Tests tamper with the tables (what an admin could do) and make calls fail.
 */
#ifndef KIPVS_SYNC_MEM_NFT_H
#define KIPVS_SYNC_MEM_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../../ipvs/nft_types.h"

struct sync_mem_nft;

int sync_mem_nft_new(struct sync_mem_nft **out) __attribute__((warn_unused_result));
void sync_mem_nft_free(struct sync_mem_nft *n);

/* The sync_ops members (be: the model). */
int sync_mem_nft_table(struct sync_mem_nft *n, uint8_t family, const char *name,
                       const struct nft_table_def *want, struct nft_table_def *out);
int sync_mem_nft_elems(struct sync_mem_nft *n, uint8_t family, const char *table,
                       const struct nft_set_def *set, struct nft_elems *out);
int sync_mem_nft_apply(struct sync_mem_nft *n, struct nft_op *ops, size_t cnt);

/* --- what tests look at ------------------------------------------------------------ */

/* Transactions sent (applied or refused), and ops of @kind among them. */
size_t sync_mem_nft_writes(const struct sync_mem_nft *n);
size_t sync_mem_nft_ops(const struct sync_mem_nft *n, enum nft_op_kind kind);
bool sync_mem_nft_has_table(const struct sync_mem_nft *n, uint8_t family, const char *name);
/* Elements of set @set (-1 when the table or set is absent). */
long sync_mem_nft_count(const struct sync_mem_nft *n, uint8_t family, const char *set);
bool sync_mem_nft_has(const struct sync_mem_nft *n, uint8_t family, const char *set,
                      const uint8_t *elem);

/* --- what tests do to it ----------------------------------------------------------- */

/* An admin's own table (never to be touched by kipvs): one regular chain. */
int sync_mem_nft_add_foreign(struct sync_mem_nft *n, uint8_t family, const char *name)
    __attribute__((warn_unused_result));
void sync_mem_nft_drop_table(struct sync_mem_nft *n, uint8_t family, const char *name);
/* Removes / adds one element behind the passes' back. */
int sync_mem_nft_tamper_elem(struct sync_mem_nft *n, uint8_t family, const char *set,
                             const uint8_t *elem, bool add) __attribute__((warn_unused_result));
/* Changes the verdict of rule @i of kipvs's table (an edit in place). */
void sync_mem_nft_tamper_rule(struct sync_mem_nft *n, uint8_t family, size_t i);
/* A chain someone added to kipvs's table. */
void sync_mem_nft_add_object(struct sync_mem_nft *n, uint8_t family, const char *table);
/* Every call -EOPNOTSUPP (a kernel without nf_tables) while @absent. */
void sync_mem_nft_absent(struct sync_mem_nft *n, bool absent);
/* The next transaction after @skip more fails in the exchange with @err. */
void sync_mem_nft_fail_apply(struct sync_mem_nft *n, size_t skip, int err);
/* Adding @elem to @set is refused with @err (until cleared with err 0). */
void sync_mem_nft_refuse(struct sync_mem_nft *n, const char *set, const uint8_t *elem, size_t len,
                         int err);

#endif
