/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs — entry point: picks the subcommand. Everything that is not a known
 * subcommand name is handed to the ipvsadm-compatible mode.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/log.h"
#include "cmd.h"

static const char usage[] =
    "Usage:\n"
    "  kipvs run [--config FILE] [flags]   the node daemon (see kipvs run --help)\n"
    "  kipvs render -f FILE|- [flags]      the table this node would program\n"
    "  kipvs diff [flags]                  what a sync would change now\n"
    "  kipvs cleanup [--dry-run] [flags]   remove what kipvs owns, nothing else\n"
    "  kipvs watch [flags]                 print what the apiserver reflectors see\n"
    "As ipvsadm (same options, output and exit statuses as ipvsadm 1.31):\n"
    "  kipvs -L|-l [-n] [options]          list the kernel table (no arguments: -L)\n"
    "  kipvs -S [-n]                       save the kernel table as commands\n"
    "  kipvs -R                            restore saved commands from stdin\n"
    "  kipvs -A|-E|-D|-a|-e|-d|-C|-Z ...   change the table as ipvsadm does\n"
    "  kipvs --version | --help\n"
    "Each subcommand takes --help. The manual: man 8 kipvs.\n";

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct subcmd subcmds[] = {
	{ "render", cmd_render },   { "watch", cmd_watch }, { "run", cmd_run },
	{ "cleanup", cmd_cleanup }, { "diff", cmd_diff },   { NULL, NULL },
};

int main(int argc, char **argv)
{
	log_init_from_env();
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
		printf("kipvs %s\n", KIPVS_VERSION);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return 0;
	}
	for (const struct subcmd *c = subcmds; argc >= 2 && c->name; c++)
		if (!strcmp(argv[1], c->name))
			return c->fn(argc - 1, argv + 1);
	/* No arguments (ipvsadm's -L) or an option: the ipvsadm-compatible mode. */
	if (argc < 2 || argv[1][0] == '-')
		return cmd_admin(argc, argv);
	fputs(usage, stderr);
	return 2;
}
