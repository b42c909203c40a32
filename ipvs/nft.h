/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nft — the kernel's nf_tables over nfnetlink, spoken directly (libnl-3 for
 * the socket and attributes, libnl-nf-3 for the nfnetlink header): no
 * libnftables, no `nft` (libnftables is GPL-2.0-only, kipvs Apache-2.0; see
 * the README's data path section).
 *
 * kipvs writes and reads only tables it names: a read asks for one table by
 * name, its chains by name, and the kernel's dumps of that table's sets,
 * rules and set elements (filtered by the kernel); nothing here lists the
 * whole ruleset.
 *
 * A transaction (nft_apply) is one batch, applied by the kernel whole or
 * not at all. Every error the kernel reports is attached to the operation
 * (and, for elements, the element) it names. 0 or -errno everywhere;
 * nothing here prints or exits. A kernel without nf_tables makes every call
 * -EOPNOTSUPP.
 */
#ifndef KIPVS_NFT_H
#define KIPVS_NFT_H

#include <stddef.h>
#include <stdint.h>

#include "nft_types.h"

#define NFT_WUR __attribute__((warn_unused_result))

struct nft_handle;

/* Opens a netfilter netlink socket in the caller's network namespace.
 * -EOPNOTSUPP when the kernel has no nfnetlink; other socket errors. */
int nft_open(struct nft_handle **out) NFT_WUR;
void nft_close(struct nft_handle *h);

/* One line for an nft_* error, with the fix when known. */
const char *nft_strerror(int err);

/*
 * Reads table @name of @family: its flags and use count, its sets, its rules
 * (in order) and its chains — those @want names and those its rules sit in
 * (the kernel has no dump of one table's chains). @out owns what it holds
 * (nft_table_def_clear()). -ENOENT when there is no such table.
 */
int nft_read_table(struct nft_handle *h, uint8_t family, const char *name,
                   const struct nft_table_def *want, struct nft_table_def *out) NFT_WUR;
/* Appends the elements of set @set of table @table to @out (initialised
 * with the set's stride). -ENOENT without the set. */
int nft_read_elems(struct nft_handle *h, uint8_t family, const char *table,
                   const struct nft_set_def *set, struct nft_elems *out) NFT_WUR;

/*
 * Sends @n operations as one transaction and reads every answer. Returns 0
 * when the kernel answered (look at each op's err), -errno when the
 * exchange itself failed (nothing is known of the outcome; -EOPNOTSUPP: no
 * nf_tables). When any operation failed the kernel applied none: the one(s)
 * it refused carry their error (and, for elements, the index of the element
 * it named in ->bad), every other one -ECANCELED.
 */
int nft_apply(struct nft_handle *h, struct nft_op *ops, size_t n) NFT_WUR;

/* What the last nft_apply() sent: messages and bytes. */
void nft_last_batch(const struct nft_handle *h, size_t *msgs, size_t *bytes);

#endif
