/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nft_nl — the insides of the nf_tables module (nft.h is its public face),
 * shared by its files and the unit tests:
 *
 *   nft_def.c    the values: set layouts, element arrays, equality
 *   nft_msg.c    encoding: a transaction → one nfnetlink batch (no I/O)
 *   nft_parse.c  decoding: one dump reply → a plain value (no I/O)
 *   nft.c        the socket: sending a batch, reading every error, dumps
 *
 * The encoding is nft's own (nft 1.0.6 / libnftnl 1.2.4, learnt from
 * `nft --debug=netlink,mnl`): the same attributes in the same order, so
 * the kernel gets from kipvs exactly what it would get from `nft -f` of
 * the same ruleset. Only the ids nft gives a set for the messages that
 * follow in the same batch are left out where names do (lookups, element
 * lists); a new set carries one, which the kernel requires.
 */
#ifndef KIPVS_NFT_NL_H
#define KIPVS_NFT_NL_H

#include <linux/netlink.h>
#include <netlink/msg.h>
#include <stdint.h>

#include "nft_types.h"

/* One message of a batch and what it stands for. */
struct nft_bmsg {
	size_t off; /* in the batch buffer */
	uint32_t seq;
	uint32_t op;    /* index of its operation */
	uint32_t first; /* element messages: index of their first element in the op */
	uint32_t n;     /* ... and how many they carry */
};

/*
 * A batch being built: BATCH_BEGIN, the messages, BATCH_END, back to back
 * in one buffer (one sendmsg()). Sequence numbers count up from the one
 * given to nft_batch_start(); the last real message asks for an ACK, so the
 * reader knows when the kernel has answered everything.
 */
struct nft_batch {
	uint8_t *buf;
	size_t len, cap;
	struct nft_bmsg *m; /* messages between BEGIN and END */
	size_t n, cap_m;
	uint32_t begin_seq;
	uint32_t next_seq;
	uint32_t set_id;    /* last NFTA_SET_ID given */
	struct nl_msg *msg; /* scratch for one message */
};

/* Element messages stay below this many bytes of elements. */
#define NFT_ELEMS_MSG_BYTES (48 * 1024)

void nft_batch_init(struct nft_batch *b);
void nft_batch_free(struct nft_batch *b);
/* Empties @b and opens a batch whose BEGIN has sequence number @seq. */
int nft_batch_start(struct nft_batch *b, uint32_t seq) __attribute__((warn_unused_result));
/* Appends the messages of @op (the @idx-th of its transaction). 0, -EINVAL
 * (an op that cannot be encoded: unknown kind, set index out of range) or
 * -ENOMEM. */
int nft_batch_op(struct nft_batch *b, const struct nft_op *op, uint32_t idx)
    __attribute__((warn_unused_result));
/* Closes the batch. 0 or -ENOMEM. */
int nft_batch_finish(struct nft_batch *b) __attribute__((warn_unused_result));
/* The message with sequence number @seq, or NULL. */
const struct nft_bmsg *nft_batch_find(const struct nft_batch *b, uint32_t seq);
/* Index (in its op) of the element of message @m whose attribute holds
 * byte @off of the message; -1 when @off is outside every element. */
long nft_batch_elem_at(const struct nft_batch *b, const struct nft_bmsg *m, uint32_t off);

/* One expression into @m (an NFTA_LIST_ELEM of NFTA_RULE_EXPRESSIONS). */
int nft_put_expr(struct nl_msg *m, const struct nft_expr *x) __attribute__((warn_unused_result));

/*
 * A read request into an empty @m: table @table, and @name in attribute
 * @name_attr unless NULL (GETCHAIN by NFTA_CHAIN_NAME, GETSETELEM by
 * NFTA_SET_ELEM_LIST_SET, ...); with @dump the kernel's dump of what the
 * table holds (sets, rules, elements). 0 or -EMSGSIZE.
 */
int nft_build_get(struct nl_msg *m, uint8_t type, uint8_t family, uint32_t seq, bool dump,
                  const char *table, int name_attr, const char *name)
    __attribute__((warn_unused_result));

/* ---- decoders (nft_parse.c): one reply message, header included ---------- */

int nft_parse_table(const struct nlmsghdr *nlh, struct nft_table_def *out)
    __attribute__((warn_unused_result));
int nft_parse_chain(const struct nlmsghdr *nlh, struct nft_chain_def *out)
    __attribute__((warn_unused_result));
int nft_parse_set(const struct nlmsghdr *nlh, struct nft_set_def *out)
    __attribute__((warn_unused_result));
/*
 * A rule: its chain name into @chain (NFT_NAME_LEN) and its expressions
 * into @out. An expression kipvs does not build, or an attribute it would
 * not send with a non-zero value, decodes as kind 0: such a rule never
 * equals one of kipvs's.
 */
int nft_parse_rule(const struct nlmsghdr *nlh, char *chain, struct nft_rule_def *out)
    __attribute__((warn_unused_result));
/* The elements of one GETSETELEM reply appended to @out (keys of
 * @key_len bytes; interval sets with their ends). */
int nft_parse_elems(const struct nlmsghdr *nlh, size_t key_len, bool interval,
                    struct nft_elems *out) __attribute__((warn_unused_result));
/* One expression nest (an NFTA_LIST_ELEM). */
int nft_parse_expr(const struct nlattr *nest, struct nft_expr *out)
    __attribute__((warn_unused_result));

#endif
