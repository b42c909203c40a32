/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_cli_scan — an option scanner that behaves like popt 1.19 (what
 * ipvsadm is built with), for the options ipvsadm uses: it returns options
 * in the same order, with the same arguments and the same errors.
 *
 *   -abc        a cluster of short options; the first one taking an
 *               argument takes the rest of the word ("-t1.2.3.4:80",
 *               "-t=1.2.3.4:80") or else the next word, whatever it is
 *   --name=val  long options need the full name; "--name val" works too
 *   optional    an optional argument is taken from the next word only when
 *               that word does not start with '-'
 *   words       non-option words are collected (in order) and parsing goes
 *               on; "--" makes every later word a non-option, "-" is one
 *
 * Errors, as popt reports them: "unknown option", "missing argument",
 * "option does not take an argument", each about the last word consumed.
 */
#ifndef KIPVS_IPVS_CLI_SCAN_H
#define KIPVS_IPVS_CLI_SCAN_H

#include <stdbool.h>
#include <stddef.h>

enum cli_arg_kind { CLI_ARG_NONE, CLI_ARG_REQ, CLI_ARG_OPT };

struct cli_opt_def {
	const char *lng; /* long name, without "--" */
	char shrt;       /* short name, 0 = none */
	enum cli_arg_kind arg;
	int tag; /* returned by cli_scan_next, >= 0 */
};

/* cli_scan_next's values below 0. */
enum {
	CLI_SCAN_END = -1,
	CLI_SCAN_NOARG = -10,
	CLI_SCAN_BADOPT = -11,
	CLI_SCAN_UNWANTEDARG = -12,
};

struct cli_scan {
	const struct cli_opt_def *defs; /* first match wins for a long name */
	size_t n_defs;
	int argc;
	char *const *argv;
	int next;            /* next argv word */
	const char *cluster; /* rest of a short-option cluster */
	bool only_args;      /* after "--" */
	const char *arg;     /* the current option's argument, NULL if none */
	const char **rest;   /* non-option words */
	int n_rest, rest_pos;
};

/* Starts at argv[1]. 0 or -ENOMEM; cli_scan_free() releases. */
int cli_scan_init(struct cli_scan *s, const struct cli_opt_def *defs, size_t n_defs, int argc,
                  char *const *argv) __attribute__((warn_unused_result));
void cli_scan_free(struct cli_scan *s);
/* The next option's tag (its argument in s->arg), CLI_SCAN_END, or an error. */
int cli_scan_next(struct cli_scan *s);
/* popt's poptBadOption(): the last argv word consumed. */
const char *cli_scan_last(const struct cli_scan *s);
/* popt's text for an error code. */
const char *cli_scan_strerror(int code);
/* The next non-option word (complete only once scanning ended), NULL at the end. */
const char *cli_scan_rest(struct cli_scan *s);

#endif
