/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd — the kipvs subcommands. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status. Only cmd/
 * talks to the terminal.
 */
#ifndef KIPVS_CMD_H
#define KIPVS_CMD_H

#define KIPVS_VERSION "0.1.0"

/* ipvsadm-compatible mode: -L/-l, -S, -R, ... (argv as given to kipvs). */
int cmd_admin(int argc, char **argv);
/* Hidden developer commands driving ipvs/ directly (VM tests, measurements). */
int cmd_nltest(int argc, char **argv);

#endif
