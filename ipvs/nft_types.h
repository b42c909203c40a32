/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nft_types — nf_tables objects as plain values: what kipvs asks for (built
 * by sync/sync_filter), what the kernel holds (decoded from its dumps), and
 * what one transaction carries. Knows nothing of Kubernetes.
 *
 * The values are the kernel's own (UAPI <linux/netfilter/nf_tables.h>): a
 * register is numbered as the kernel dumps it, a payload base is an
 * NFT_PAYLOAD_* value, a verdict an NF_* / NFT_* code, data bytes are in the
 * order the kernel compares them. So a rule built here and the same rule read
 * back from the kernel are equal field by field (nft_rule_same()), and the
 * attributes sent for it are what `nft` itself sends for the same text (the
 * unit tests compare them with nft's recorded messages).
 *
 * Set keys follow nft's conventions, so `nft list` prints kipvs's sets as it
 * prints its own: each field of a concatenation is padded to 4 bytes, the
 * key type is nft's concatenated datatype id, and the set carries nft's
 * user data (the key byte order).
 */
#ifndef KIPVS_NFT_TYPES_H
#define KIPVS_NFT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name of a table, chain or set kipvs uses or accepts from a dump. */
#define NFT_NAME_LEN 32
/* Longest set key: ipv6_addr . inet_proto . inet_service . ipv6_addr. */
#define NFT_KEY_MAX     40
#define NFT_FIELDS_MAX  4
#define NFT_DATA_MAX    16 /* cmp and bitwise operands: at most an IPv6 address */
#define NFT_EXPRS_MAX   12 /* expressions in one rule */
#define NFT_UDATA_MAX   32 /* set user data */
#define NFT_CHAIN_TYPES 8

/* nft's datatype numbers: what a set's key type is made of. */
enum nft_dtype {
	NFT_DT_IPV4 = 7,     /* ipv4_addr, 4 bytes, network order */
	NFT_DT_IPV6 = 8,     /* ipv6_addr, 16 bytes */
	NFT_DT_PROTO = 12,   /* inet_proto, 1 byte */
	NFT_DT_SERVICE = 13, /* inet_service, 2 bytes, network order */
};

struct nft_set_def {
	char name[NFT_NAME_LEN];
	uint32_t flags;    /* NFT_SET_* as the kernel holds them */
	uint32_t key_type; /* nft's (concatenated) datatype id */
	uint32_t key_len;  /* bytes, padded fields included */
	uint8_t n_fields;
	/* Unpadded length of each field (NFTA_SET_DESC_CONCAT), for interval
	 * concatenations only (the kernel keeps them only then). */
	uint8_t field_len[NFT_FIELDS_MAX];
	uint8_t udata[NFT_UDATA_MAX];
	uint8_t udata_len;
};

struct nft_chain_def {
	char name[NFT_NAME_LEN];
	char type[NFT_CHAIN_TYPES]; /* "filter", "nat"; "" for a regular chain */
	int hook;                   /* NF_INET_*; -1 for a regular chain */
	int32_t prio;
	uint32_t policy; /* NF_ACCEPT / NF_DROP (base chains) */
};

enum nft_xkind {
	NFT_X_PAYLOAD = 1, /* reg <- base + off, len bytes */
	NFT_X_META,        /* reg <- meta key */
	NFT_X_META_SET,    /* meta key <- reg */
	NFT_X_CT,          /* reg <- ct key */
	NFT_X_FIB,         /* reg <- fib result key (flags) */
	NFT_X_CMP,         /* reg op data (len) */
	NFT_X_BITWISE,     /* reg2 <- (reg & data) ^ xor, len bytes */
	NFT_X_BYTEORDER,   /* reg2 <- key(op)(reg, len, size) */
	NFT_X_LOOKUP,      /* reg in set name (flags) */
	NFT_X_VERDICT,     /* immediate verdict key (NF_ACCEPT, NFT_JUMP...) to chain name */
	NFT_X_MASQ,        /* masquerade (flags: NF_NAT_RANGE_*) */
	NFT_X_REJECT,      /* reject key (NFT_REJECT_*) code flags */
};

/* One expression; fields a kind does not use stay 0. */
struct nft_expr {
	uint8_t kind;
	uint8_t reg;  /* destination of a load; source of cmp, lookup, meta set, bitwise */
	uint8_t reg2; /* destination of bitwise, byteorder */
	uint8_t base; /* payload */
	uint8_t off;
	uint8_t len;    /* payload, cmp, bitwise, byteorder */
	uint8_t size;   /* byteorder */
	uint32_t key;   /* meta/ct key, fib result, cmp op, byteorder op, verdict, reject type */
	uint32_t flags; /* fib flags, masq flags, lookup flags, reject ICMP code */
	uint8_t data[NFT_DATA_MAX]; /* cmp operand, bitwise mask */
	uint8_t xor [NFT_DATA_MAX];
	char name[NFT_NAME_LEN]; /* lookup: set; verdict: chain of a jump/goto */
};

struct nft_rule_def {
	uint16_t chain; /* index in the table's chains */
	uint8_t n;
	struct nft_expr x[NFT_EXPRS_MAX];
};

/*
 * A whole table: its sets, chains and rules (in chain order, each chain's
 * rules in order). Built ones point at their builder's arrays; decoded ones
 * own theirs (nft_table_def_clear()).
 */
struct nft_table_def {
	uint8_t family; /* NFPROTO_IPV4, NFPROTO_IPV6 */
	char name[NFT_NAME_LEN];
	struct nft_set_def *sets;
	size_t n_sets;
	struct nft_chain_def *chains;
	size_t n_chains;
	struct nft_rule_def *rules;
	size_t n_rules;
	uint32_t use; /* read back: objects in the table (chains + sets ...) */
	uint32_t flags;
};

/* Elements of one set, back to back: the key, then (interval sets) the
 * key's end, nft_set_stride() bytes each. */
struct nft_elems {
	uint8_t *v;
	size_t n, cap; /* elements */
	size_t stride;
};

/* What one transaction does; kinds in the order a rebuild needs them. */
enum nft_op_kind {
	NFT_OP_DEL_TABLE, /* the table and all it holds (absent: no error) */
	NFT_OP_ADD_TABLE, /* the table with its sets, chains and rules (no elements) */
	NFT_OP_DEL_ELEMS,
	NFT_OP_ADD_ELEMS,
};

struct nft_op {
	enum nft_op_kind kind;
	const struct nft_table_def *table; /* family and name; ADD_TABLE: all of it */
	size_t set;                        /* ELEMS: index in table->sets */
	const uint8_t *elems;              /* ELEMS: n elements, the set's stride each */
	size_t n;
	/* results */
	int err;    /* 0 or -errno */
	size_t bad; /* ELEMS: the element the kernel named in its error; n when none */
};

/* ---- helpers over the values (nft_def.c) ---------------------------------- */

/* Fills @s as nft would for `set NAME { type T1 . T2 ...; [flags interval;] }`.
 * 0, or -EINVAL for no field, too many or an unknown type. */
int nft_set_def_init(struct nft_set_def *s, const char *name, const enum nft_dtype *types, size_t n,
                     bool interval) __attribute__((warn_unused_result));
bool nft_set_is_interval(const struct nft_set_def *s);
/* Bytes one element of @s takes in struct nft_elems. */
size_t nft_set_stride(const struct nft_set_def *s);
/* Unpadded length of datatype @t (0 if unknown). */
size_t nft_dtype_len(enum nft_dtype t);

void nft_elems_init(struct nft_elems *e, size_t stride);
void nft_elems_free(struct nft_elems *e);
/* Appends one element (@key, and @key_end for an interval set, else NULL). */
int nft_elems_add(struct nft_elems *e, const uint8_t *key, const uint8_t *key_end, size_t key_len)
    __attribute__((warn_unused_result));
static inline const uint8_t *nft_elems_at(const struct nft_elems *e, size_t i)
{
	return e->v + i * e->stride;
}

/* Frees what a decoded table owns and zeroes it. */
void nft_table_def_clear(struct nft_table_def *t);

/* Equality as the kernel would see it (a missing zero attribute equals a
 * zero one, so the kernel's extra defaults do not count). */
bool nft_expr_same(const struct nft_expr *a, const struct nft_expr *b);
bool nft_rule_same(const struct nft_rule_def *a, const struct nft_rule_def *b);
bool nft_set_same(const struct nft_set_def *a, const struct nft_set_def *b);
bool nft_chain_same(const struct nft_chain_def *a, const struct nft_chain_def *b);
/*
 * Whether @have (read back) is @want (built): the same sets, chains and
 * rules and nothing else. When not, a short reason ("chain svc: rule 3
 * differs") goes to @why. Elements are not compared.
 */
bool nft_table_same(const struct nft_table_def *want, const struct nft_table_def *have, char *why,
                    size_t len);

#endif
