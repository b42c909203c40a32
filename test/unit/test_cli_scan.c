/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The option scanner against the real thing: libpopt.so.0 (installed with
 * ipvsadm, which is built on it) is loaded at run time and both scan the same
 * argument vectors — a corpus of corner cases and thousands of random ones —
 * with an option table shaped like ipvsadm's. Every option, argument,
 * non-option word and error text must agree.
 */
#include "unit.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/admin/ipvs_cli_scan.h"

/* popt 1.19's public ABI, declared here so no popt headers are needed. */
struct popt_option {
	const char *long_name;
	char short_name;
	unsigned int arg_info;
	void *arg;
	int val;
	const char *descrip;
	const char *arg_descrip;
};
#define POPT_ARG_STRING        1U
#define POPT_ARGFLAG_OPTIONAL  0x10000000U
#define POPT_BADOPTION_NOALIAS 1U

struct popt {
	void *lib;
	void *(*get_context)(const char *, int, const char **, const struct popt_option *,
	                     unsigned int);
	int (*next_opt)(void *);
	const char *(*bad_option)(void *, unsigned int);
	const char *(*strerror)(int);
	const char *(*get_arg)(void *);
	void *(*free_context)(void *);
};

static char prog[] = "x";

static const struct cli_opt_def defs[] = {
	{ "add-service", 'A', CLI_ARG_NONE, 'A' }, { "list", 'L', CLI_ARG_NONE, 'L' },
	{ "list", 'l', CLI_ARG_NONE, 'l' },        { "tcp-service", 't', CLI_ARG_REQ, 't' },
	{ "sctp-service", 0, CLI_ARG_REQ, 200 },   { "persistent", 'p', CLI_ARG_OPT, 'p' },
	{ "numeric", 'n', CLI_ARG_NONE, 'n' },     { "stats", 0, CLI_ARG_NONE, 201 },
	{ "exact", 'X', CLI_ARG_NONE, 'X' },       { "ipv6", '6', CLI_ARG_NONE, '6' },
	{ "set", 0, CLI_ARG_NONE, 203 },           { "scheduler", 's', CLI_ARG_REQ, 's' },
};
#define NDEFS (sizeof(defs) / sizeof(defs[0]))

static bool load_popt(struct popt *p)
{
	memset(p, 0, sizeof(*p));
	p->lib = dlopen("libpopt.so.0", RTLD_NOW);
	if (!p->lib)
		return false;
	*(void **)&p->get_context = dlsym(p->lib, "poptGetContext");
	*(void **)&p->next_opt = dlsym(p->lib, "poptGetNextOpt");
	*(void **)&p->bad_option = dlsym(p->lib, "poptBadOption");
	*(void **)&p->strerror = dlsym(p->lib, "poptStrerror");
	*(void **)&p->get_arg = dlsym(p->lib, "poptGetArg");
	*(void **)&p->free_context = dlsym(p->lib, "poptFreeContext");
	return p->get_context && p->next_opt && p->bad_option && p->strerror && p->get_arg &&
	       p->free_context;
}

/* Transcript pieces: an option, an error, a non-option word. */
static void put_opt(char *out, size_t len, int tag, const char *arg, const char *last)
{
	size_t n = strlen(out);

	snprintf(out + n, len - n, "%d[%s]{%s} ", tag, arg ? arg : "-", last);
}

static void put_err(char *out, size_t len, const char *last, const char *text)
{
	size_t n = strlen(out);

	snprintf(out + n, len - n, "ERR %s: %s ", last, text);
}

static void put_rest(char *out, size_t len, const char *word)
{
	size_t n = strlen(out);

	snprintf(out + n, len - n, "R:%s ", word);
}

/* One transcript line per option: "tag[arg]{last word}", then errors and leftovers. */
static void with_popt(const struct popt *p, int argc, const char **argv, char *out, size_t len)
{
	struct popt_option t[NDEFS + 1];
	const char *optarg = NULL, *a;
	void *ctx;
	int c;

	memset(t, 0, sizeof(t));
	for (size_t i = 0; i < NDEFS; i++) {
		t[i].long_name = defs[i].lng;
		t[i].short_name = defs[i].shrt;
		t[i].val = defs[i].tag;
		if (defs[i].arg != CLI_ARG_NONE) {
			t[i].arg_info = POPT_ARG_STRING |
			                (defs[i].arg == CLI_ARG_OPT ? POPT_ARGFLAG_OPTIONAL : 0);
			t[i].arg = &optarg;
		}
	}
	out[0] = '\0';
	ctx = p->get_context("x", argc, argv, t, 0);
	while ((c = p->next_opt(ctx)) >= 0) {
		const char *arg = NULL;

		for (size_t i = 0; i < NDEFS; i++)
			if (defs[i].tag == c && defs[i].arg != CLI_ARG_NONE)
				arg = optarg;
		put_opt(out, len, c, arg, p->bad_option(ctx, POPT_BADOPTION_NOALIAS));
		free((void *)optarg); /* popt hands out a copy */
		optarg = NULL;
	}
	if (c < -1)
		put_err(out, len, p->bad_option(ctx, POPT_BADOPTION_NOALIAS), p->strerror(c));
	while ((a = p->get_arg(ctx)))
		put_rest(out, len, a);
	p->free_context(ctx);
}

static void with_scanner(int argc, char **argv, char *out, size_t len)
{
	struct cli_scan s;
	const char *a;
	int c;

	out[0] = '\0';
	assert_int_equal(cli_scan_init(&s, defs, NDEFS, argc, argv), 0);
	while ((c = cli_scan_next(&s)) >= 0)
		put_opt(out, len, c, s.arg, cli_scan_last(&s));
	if (c < -1)
		put_err(out, len, cli_scan_last(&s), cli_scan_strerror(c));
	while ((a = cli_scan_rest(&s)))
		put_rest(out, len, a);
	cli_scan_free(&s);
}

static void compare(const struct popt *p, int argc, char **argv)
{
	char want[4096], got[4096];

	with_popt(p, argc, (const char **)argv, want, sizeof(want));
	with_scanner(argc, argv, got, sizeof(got));
	if (strcmp(want, got)) {
		print_message("argv:");
		for (int i = 0; i < argc; i++)
			print_message(" '%s'", argv[i]);
		print_message("\n");
	}
	assert_string_equal(got, want);
}

static void corpus(void **state)
{
	static const char *const lines[] = {
		"-Ln",
		"-A -t 1.2.3.4:80 -p -n",
		"-A -t1.2.3.4:80 -p60",
		"-A -tp 1.2.3.4",
		"-Atn 1.2.3.4",
		"-A --persistent=5",
		"-A --persistent 5",
		"-A --persistent -n",
		"-A -p",
		"-A -p -5",
		"-A -p --stats",
		"-L --sta",
		"-L -stats",
		"-L --sctp-service=1.2.3.4:5",
		"-L --sctp-service",
		"-L -t",
		"-L -t -n",
		"-L foo bar",
		"-L -- -n",
		"-L -",
		"-L --",
		"-A -p 5 6",
		"-A -6 -x",
		"-L -n=3",
		"-L --numeric=3",
		"-Lq",
		"-L -t=1.2.3.4",
		"-Ln=3",
		"-L --numeric=",
		"-A -p=",
		"-A -t 1 -t 2",
		"---L",
		"-L -66",
		"-Ap 5",
		"-Ap5",
		"-A -pn",
		"-pA",
		"-L -p -",
		"-L --=x",
		"--list -n",
		"--l",
		"-A -p -- 5",
		"-X6nL",
		"--set 1 2 3",
		"--set -1 2 3",
		"-L - -n",
		"-sA",
		"-s",
	};
	struct popt p;

	if (!load_popt(&p)) {
		skip();
		return;
	}
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[256], *argv[32], *save = NULL;
		int argc = 0;

		snprintf(buf, sizeof(buf), "%s", lines[i]);
		argv[argc++] = prog;
		for (char *t = strtok_r(buf, " ", &save); t && argc < 32;
		     t = strtok_r(NULL, " ", &save))
			argv[argc++] = t;
		compare(&p, argc, argv);
	}
	dlclose(p.lib);
}

/* Random vectors built from words that exercise every rule. */
static void random_vectors(void **state)
{
	static char words[][24] = {
		"-A",
		"-L",
		"-l",
		"-n",
		"-t",
		"-p",
		"-s",
		"-6",
		"-X",
		"-Ln",
		"-p5",
		"-tfoo",
		"-t=x",
		"-n=1",
		"-Lq",
		"--",
		"-",
		"",
		"5",
		"rr",
		"1.2.3.4:80",
		"--list",
		"--stats",
		"--stats=1",
		"--set",
		"--persistent",
		"--persistent=",
		"--persistent=9",
		"--sctp-service",
		"--nope",
		"--tcp-service=1:2",
		"-pA",
		"-Xp",
		"-As",
		"--l",
		"---",
		"-x",
		"--scheduler=wlc",
	};
	const int nw = (int)(sizeof(words) / sizeof(words[0]));
	struct popt p;

	if (!load_popt(&p)) {
		skip();
		return;
	}
	srand(1931);
	for (int round = 0; round < 5000; round++) {
		char *argv[12];
		int argc = 1 + rand() % 10;

		argv[0] = prog;
		for (int i = 1; i < argc; i++)
			argv[i] = words[rand() % nw];
		compare(&p, argc, argv);
	}
	dlclose(p.lib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corpus),
		cmocka_unit_test(random_vectors),
	};

	return unit_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
}
