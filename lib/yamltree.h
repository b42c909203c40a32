/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yamltree — a YAML (or JSON) document read into a small tree of maps,
 * sequences and scalars, with line numbers for error messages. Built on
 * libyaml's event parser. Aliases are refused: the files kipvs reads
 * (KubeProxyConfiguration, kubeconfig) do not use them, and refusing them
 * keeps "billion laughs" documents out. Input is capped by the caller.
 */
#ifndef KIPVS_YAMLTREE_H
#define KIPVS_YAMLTREE_H

#include <stdbool.h>
#include <stddef.h>

enum ynode_type {
	YNODE_SCALAR,
	YNODE_MAP,
	YNODE_SEQ,
};

struct ynode {
	enum ynode_type type;
	int line;             /* 1-based, for messages */
	char *scalar;         /* YNODE_SCALAR */
	bool quoted;          /* scalar was quoted ("null" in quotes is a string) */
	size_t n;             /* entries in a map or seq */
	char **keys;          /* YNODE_MAP: n keys */
	struct ynode **items; /* map values or seq items */
};

/*
 * Parses the first document of @buf. On error returns -EINVAL and writes a
 * one-line reason with the line number into @err.
 */
int ytree_parse(const char *buf, size_t len, struct ynode **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void ytree_free(struct ynode *n);

/* Value of @key in a map (NULL when absent or @map is not a map). */
const struct ynode *ytree_get(const struct ynode *map, const char *key);
/* True for a plain null scalar: ~, null, Null, NULL or empty. */
bool ytree_is_null(const struct ynode *n);

#endif
