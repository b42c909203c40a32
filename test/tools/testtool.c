/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-testtool — what the tests drive besides kipvs itself, built apart so
 * none of it is in the product:
 *
 *   kipvs-testtool nl-test ...      ipvs/ directly (test/vm/cases/nl_*.sh)
 *   kipvs-testtool netif-test ...   ipvs/netif directly (test/vm/cases/netif.sh)
 *   kipvs-testtool httpd-test ...   the health/metrics servers (test/host/httpd_ops.py)
 *   kipvs-testtool nft-test ...     the packet filter's passes (test/vm/cases/nft_*.sh)
 *   kipvs-testtool watch ...        kipvs watch with tuning knobs (test/host/kube_*.py)
 *   kipvs-testtool flow-client|flow-echo ...   one UDP/SCTP flow and its servers
 *                                   (test/vm/cases/conntrack_*.sh)
 *   kipvs-testtool ct-test ...      ipvs/ct directly; libnl-nf-3 for comparison
 *   kipvs-testtool run [--no-conntrack-cleanup] ...   kipvs run, tuned for tests
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cmd.h"
#include "../../lib/log.h"
#include "../../sync/driver/sync_daemon.h"
#include "testtool.h"

static const char watch_knobs[] =
    "kipvs-testtool watch [kipvs watch options] [knobs]\n"
    "  --sa-dir DIR             service-account folder for in-cluster config\n"
    "  --page-size N            list page size (default 500)\n"
    "  --max-event-bytes N      cap on one watch event (default 8 MiB)\n"
    "  --watch-timeout S        watch timeoutSeconds (default random in [300,600))\n"
    "  --token-period S         token file re-read period (default 60)\n";

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
                      unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !end || *end || end == s || v < min || v > max) {
		fprintf(stderr, "kipvs-testtool watch: %s: not a number in [%lu, %lu]: %s\n", opt,
		        min, max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "--name value" or "--name=value" at argv[*i]; NULL when it is not --name. */
static const char *knob(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

int tool_watch(int argc, char **argv)
{
	struct watch_tuning t = { 0 };
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	unsigned long v;
	int n = 0, rc = 2;

	if (!rest)
		return 1;
	for (int i = 0; i < argc; i++) {
		const char *val;

		if (i && (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")))
			fputs(watch_knobs, stdout);
		if (i == 0) {
			rest[n++] = argv[i];
		} else if ((val = knob(argc, argv, &i, "--sa-dir"))) {
			t.sa_dir = val;
		} else if ((val = knob(argc, argv, &i, "--page-size"))) {
			if (parse_uint("--page-size", val, 1, 100000, &v))
				goto out;
			t.page_size = (unsigned)v;
		} else if ((val = knob(argc, argv, &i, "--max-event-bytes"))) {
			if (parse_uint("--max-event-bytes", val, 64, 1ul << 30, &v))
				goto out;
			t.max_event_bytes = v;
		} else if ((val = knob(argc, argv, &i, "--watch-timeout"))) {
			if (parse_uint("--watch-timeout", val, 1, 86400, &v))
				goto out;
			t.watch_timeout_s = (unsigned)v;
		} else if ((val = knob(argc, argv, &i, "--token-period"))) {
			if (parse_uint("--token-period", val, 1, 86400, &v))
				goto out;
			t.token_period_s = (double)v;
		} else {
			rest[n++] = argv[i];
		}
	}
	rc = cmd_watch_tuned(n, rest, &t);
out:
	free(rest);
	return rc;
}

/* kipvs run with the daemon's test-only tuning:
 *   --no-conntrack-cleanup   stale UDP conntrack entries are left alone (the
 *                            runs that show a test needs the clean-up) */
static int tool_run(int argc, char **argv)
{
	struct sync_daemon_tuning t = { 0 };
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int n = 0, rc;

	if (!rest)
		return 1;
	for (int i = 0; i < argc; i++) {
		if (i && !strcmp(argv[i], "--no-conntrack-cleanup"))
			t.no_conntrack_cleanup = true;
		else
			rest[n++] = argv[i];
	}
	rc = cmd_run_tuned(n, rest, &t);
	free(rest);
	return rc;
}

struct tool {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct tool tools[] = {
	{ "nl-test", tool_nltest },
	{ "netif-test", tool_netif_test },
	{ "httpd-test", tool_httpd_test },
	{ "nft-test", tool_nft_test },
	{ "watch", tool_watch },
	{ "flow-client", tool_flow_client },
	{ "flow-echo", tool_flow_echo },
	{ "ct-test", tool_ct_test },
	{ "run", tool_run },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	log_init_from_env();
	for (const struct tool *t = tools; argc >= 2 && t->name; t++)
		if (!strcmp(argv[1], t->name))
			return t->fn(argc - 1, argv + 1);
	fputs(
	    "usage: kipvs-testtool "
	    "nl-test|netif-test|httpd-test|nft-test|watch|flow-client|flow-echo|ct-test|run ...\n",
	    stderr);
	return 2;
}
