/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-testtool — the programs the tests drive that are not part of kipvs:
 * each subcommand takes the arguments after its own name (argv[0] is the
 * subcommand) and returns the exit status.
 */
#ifndef KIPVS_TESTTOOL_H
#define KIPVS_TESTTOOL_H

/* ipvs/ directly (VM tests, measurements): nltest.c, nltest_errors.c. */
int tool_nltest(int argc, char **argv);
int tool_nltest_errors(void);
/* ipvs/netif directly (VM tests). */
int tool_netif_test(int argc, char **argv);
/* The health and metrics servers with a fake ticking metric (host tests). */
int tool_httpd_test(int argc, char **argv);
/* The packet filter's passes over the real nf_tables (VM and host tests). */
int tool_nft_test(int argc, char **argv);
/* kipvs watch with the API client's tuning knobs (host tests). */
int tool_watch(int argc, char **argv);
/* UDP/SCTP flows with a fixed source port and their echo servers (VM tests). */
int tool_flow_client(int argc, char **argv);
int tool_flow_echo(int argc, char **argv);
/* ipvs/ct directly, and the ctnetlink measurement (VM tests, benchmarks). */
int tool_ct_test(int argc, char **argv);

#endif
