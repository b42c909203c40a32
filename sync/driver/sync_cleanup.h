/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sync_cleanup — `kipvs cleanup` / `kipvs run --cleanup`: removes the
 * virtual servers kipvs owns (address on kube-ipvs0, or a NodePort on a node
 * address, outside --ipvs-exclude-cidrs), then kube-ipvs0 itself, and
 * kipvs's nftables tables (table ip kipvs, table ip6 kipvs; no other table
 * is read or touched). Nothing foreign is touched, and nothing is flushed.
 * Idempotent: a second run finds nothing to do.
 */
#ifndef KIPVS_SYNC_CLEANUP_H
#define KIPVS_SYNC_CLEANUP_H

#include <stdbool.h>
#include <stddef.h>

#include "../../lib/config.h"

struct sync_cleanup_result {
	size_t vs_removed;
	size_t vs_failed;
	size_t vs_foreign; /* left alone */
	size_t addrs;      /* addresses kube-ipvs0 held */
	bool link_removed;
	size_t nft_tables; /* kipvs's nftables tables removed */
	bool nft_missing;  /* no nf_tables in the kernel: none to remove */
};

/* 0 or -errno (IPVS or rtnetlink unavailable: see ipvs_strerror()). With
 * @dry_run nothing is removed; the result says what would be. */
int sync_cleanup(const struct kipvs_config *cfg, bool dry_run, struct sync_cleanup_result *res)
    __attribute__((warn_unused_result));
/* The same for a command: logs the outcome and returns an exit status. */
int sync_cleanup_run(const struct kipvs_config *cfg, bool dry_run);

#endif
