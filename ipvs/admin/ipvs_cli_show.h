/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_cli_show — ipvsadm's read-only commands (-L/-l except -c, -S) for a
 * parsed request: what to read, from where, how to print it, what to say
 * when it fails and the exit status — one code for the kipvs command (the
 * kernel behind ipvs_cli_kernel_source) and for tests (a recorded table).
 */
#ifndef KIPVS_IPVS_CLI_SHOW_H
#define KIPVS_IPVS_CLI_SHOW_H

#include <stddef.h>
#include <stdio.h>

#include "../ipvs.h"
#include "ipvs_cli.h"

/* Where the table is read; each member 0 or -errno. */
struct ipvs_cli_source {
	int (*info)(void *ctx, struct ipvs_info *out);
	/* Every virtual server with its destinations (and counters when
	 * out->with_stats). */
	int (*table)(void *ctx, struct ipvs_table *out);
	/* The virtual server named by vs->svc, with its counters (kept in @vs)
	 * and destinations; -ESRCH when absent. */
	int (*one)(void *ctx, struct ipvs_vs *vs);
	int (*timeouts)(void *ctx, struct ipvs_timeouts *out);
	int (*daemons)(void *ctx, struct ipvs_daemon out[2], size_t *n);
	void *ctx;
};

/* The kernel, through @h (borrowed). */
void ipvs_cli_kernel_source(struct ipvs_handle *h, struct ipvs_cli_source *out);

/*
 * Runs @req (IPVS_CLI_LIST without the connection listing, or
 * IPVS_CLI_SAVE) against @src: the listing on @out, ipvsadm's messages on
 * @err. Returns the exit status ipvsadm ends with (0, or 1 when a read or a
 * write failed; 2 for a request that is not a listing).
 */
int ipvs_cli_show(const struct ipvs_cli_req *req, const struct ipvs_cli_source *src, FILE *out,
                  FILE *err);

/* A listing was written to @out with the printer's result @err: 1 when the
 * write failed (full disk, closed pipe) or @err says so (on @errf), else 0. */
int ipvs_cli_finish(FILE *out, FILE *errf, int err);

#endif
