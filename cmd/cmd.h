/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd — the kipvs subcommands. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status. Only cmd/
 * talks to the terminal.
 */
#ifndef KIPVS_CMD_H
#define KIPVS_CMD_H

#include "../lib/version.h"

/* ipvsadm-compatible mode: -L/-l, -S, -R, ... (argv as given to kipvs). */
int cmd_admin(int argc, char **argv);
/* kipvs render: Kubernetes objects from files → the table this node would program. */
int cmd_render(int argc, char **argv);
/* Hidden: the health and metrics servers with a fake ticking metric, for tests. */
int cmd_httpd_test(int argc, char **argv);

/* Hidden developer command: drives ipvs/netif for the VM tests. */
int cmd_netif_test(int argc, char **argv);
/* kipvs watch: the apiserver reflectors, one line per event (cmd/watch.c). */
int cmd_watch(int argc, char **argv);
/* Hidden developer commands driving ipvs/ directly (VM tests, measurements). */
int cmd_nltest(int argc, char **argv);

/* The node daemon. */
int cmd_run(int argc, char **argv);
/* Remove what kipvs owns. */
int cmd_cleanup(int argc, char **argv);
/* What a sync would change now. */
int cmd_diff(int argc, char **argv);

#endif
