/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd — the kipvs subcommands. Each takes the arguments after its own name
 * (argv[0] is the subcommand) and returns the process exit status. Only cmd/
 * talks to the terminal.
 */
#ifndef KIPVS_CMD_H
#define KIPVS_CMD_H

#include <stddef.h>

#include "../lib/addr.h"
#include "../lib/version.h"

/* ipvsadm-compatible mode: -L/-l, -S, -R, ... (argv as given to kipvs). */
int cmd_admin(int argc, char **argv);
/* kipvs render: Kubernetes objects from files → the table this node would program. */
int cmd_render(int argc, char **argv);
/* render's reading of object files into @st (for test tools): what it
 * learnt of the Node named @node_name (zone: the caller frees it). 0 or
 * -errno; errors are printed. */
struct render_node {
	char *zone;
	struct net_cidr pod_cidrs[2];
	size_t n_pod_cidrs;
};
struct sync_store;
int render_load(const char *const *files, size_t n, const char *node_name, struct sync_store *st,
                struct render_node *node);
/* kipvs watch: the apiserver reflectors, one line per event (cmd/watch.c). */
int cmd_watch(int argc, char **argv);
/* The same with the API client tuned (0/NULL fields: the defaults), for
 * kipvs-testtool watch (test/tools/). */
struct watch_tuning {
	const char *sa_dir;     /* service-account folder for in-cluster config */
	unsigned page_size;     /* list page size */
	size_t max_event_bytes; /* cap on one watch event */
	unsigned watch_timeout_s;
	double token_period_s; /* token file re-read period */
};
int cmd_watch_tuned(int argc, char **argv, const struct watch_tuning *t);

/* The node daemon. */
int cmd_run(int argc, char **argv);
/* The same with test-only tuning (NULL: none), for kipvs-testtool run. */
struct sync_daemon_tuning;
int cmd_run_tuned(int argc, char **argv, const struct sync_daemon_tuning *t);
/* Remove what kipvs owns. */
int cmd_cleanup(int argc, char **argv);
/* What a sync would change now. */
int cmd_diff(int argc, char **argv);

/*
 * The deadline of a one-shot command that reads the API server (render
 * without -f, diff, watch --once): takes "--timeout DURATION" (or
 * "--timeout=DURATION", a Go duration above zero) out of argv, leaving the
 * rest in order; *secs gets it, or CMD_TIMEOUT_DEFAULT_S. 0, or -EINVAL with
 * the message printed.
 */
#define CMD_TIMEOUT_DEFAULT_S 30.0
#define CMD_TIMEOUT_HELP                                                                           \
	"  --timeout DURATION            give up when the API server has not answered every\n"     \
	"                                list by then (default 30s); exit status non-zero\n"
int cmd_take_timeout(int *argc, char **argv, const char *cmd, double *secs);
/* Says why the cluster could not be read (sync_fetch's error) on stderr. */
void cmd_fetch_failed(const char *cmd, int err, double timeout_s);

#endif
