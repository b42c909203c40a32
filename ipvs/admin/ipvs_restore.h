/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_restore — `-R`: `ipvsadm -S` text (the grammar ipvsadm -R accepts)
 * turned into a batch of changes, validated as a whole before anything is
 * applied.
 *
 * Each line is one ipvsadm command (-A/-E/-D/-a/-e/-d with every option, or
 * -C), split on blanks; the word "ipvsadm" (or "kipvs") is dropped wherever
 * it appears, as ipvsadm does. Blank lines are skipped. Unlike ipvsadm, a line
 * whose first word starts with '#' is a comment (ipvsadm fails on it), and
 * commands that are no table change (-L, -Z, --set, daemons) are refused
 * rather than run. Every bad line is reported with its number and ipvsadm's
 * message; the caller applies nothing when there is one.
 *
 * The result is an array of ipvs_change ready for ipvs_apply(), with the line
 * and command of each; a -C line is a flush marker between runs of changes.
 */
#ifndef KIPVS_IPVS_RESTORE_H
#define KIPVS_IPVS_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "../ipvs.h"
#include "ipvs_cli.h"
#include "../ipvs_types.h"

/* Lines longer than this are refused (ipvsadm's own buffers are smaller). */
#define IPVS_RESTORE_MAX_LINE 65536
/* Bad lines kept with their message; more are only counted. */
#define IPVS_RESTORE_MAX_ERRORS 100

struct ipvs_restore_meta {
	unsigned line;         /* 1-based input line */
	enum ipvs_cli_cmd cmd; /* the ipvsadm command, for error texts */
	bool flush;            /* -C: flush here; changes[i] is unused */
};

struct ipvs_restore_error {
	unsigned line;
	int status;    /* what ipvsadm would exit with: 2 or 255 */
	char msg[512]; /* ipvsadm's message, newline-terminated */
};

struct ipvs_restore {
	struct ipvs_change *changes; /* changes[i] goes with meta[i] */
	struct ipvs_restore_meta *meta;
	size_t n, cap;
	struct ipvs_restore_error *errors;
	size_t n_errors;     /* kept in errors[], at most IPVS_RESTORE_MAX_ERRORS */
	size_t total_errors; /* every bad line */
	unsigned lines;      /* lines read */
};

void ipvs_restore_init(struct ipvs_restore *r);
void ipvs_restore_free(struct ipvs_restore *r);

/*
 * Reads every line of @in. @prog is ipvsadm's argv[0] for messages. Returns 0
 * when every line is valid, -EINVAL when some are (see errors[]), -ENOMEM,
 * or -EIO on a read error.
 */
int ipvs_restore_parse(FILE *in, const char *prog, struct ipvs_restore *r)
    __attribute__((warn_unused_result));
/* The same for one line (for tests and callers with their own reader). */
int ipvs_restore_parse_line(struct ipvs_restore *r, unsigned lineno, const char *line,
                            const char *prog) __attribute__((warn_unused_result));

/*
 * Applies @r: ipvs_flush() at each -C, ipvs_apply() for each run of changes
 * in between. Every change's err is set (0 or -errno). *applied and *failed
 * count changes (flushes included). Returns 0 when the batch was exchanged
 * (individual errors are in the changes), or the -errno that stopped it.
 */
int ipvs_restore_apply(struct ipvs_handle *h, struct ipvs_restore *r, size_t *applied,
                       size_t *failed) __attribute__((warn_unused_result));

#endif
