/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs as ipvsadm: the command line is parsed by ipvs/ipvs_cli (ipvsadm 1.31's
 * grammar, checks and messages), the kernel is reached through ipvs/ipvs.h and
 * the output comes from ipvs/ipvs_print, so `kipvs -Ln` prints what
 * `ipvsadm -Ln` prints. `kipvs -R` validates the whole input first and
 * applies it as one pipelined batch. This file is only the glue.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ipvs/ipvs.h"
#include "../ipvs/admin/ipvs_cli.h"
#include "../ipvs/admin/ipvs_cli_show.h"
#include "../ipvs/admin/ipvs_print.h"
#include "../ipvs/admin/ipvs_restore.h"
#include "cmd.h"

#define CONN_PROC_FILE "/proc/net/ip_vs_conn"

static const char admin_usage[] =
    "Usage (ipvsadm-compatible mode; same options and output as ipvsadm 1.31):\n"
    "  %1$s -L|-l [virtual-service] [-n] [--stats|--rate|--thresholds|--persistent-conn|\n"
    "           --tun-info] [--exact] [--sort|--nosort]   list the table\n"
    "  %1$s -L -c [-n] [--persistent-conn]   list connections\n"
    "  %1$s -L --timeout | -L --daemon\n"
    "  %1$s -S [-n]                          save the table as commands\n"
    "  %1$s -R                               restore saved commands from stdin, all or none\n"
    "  %1$s -A|-E virtual-service [-s sched] [-p [timeout]] [-M netmask] [--pe engine]\n"
    "           [-b sched-flags] [-o]\n"
    "  %1$s -D virtual-service\n"
    "  %1$s -a|-e virtual-service -r server[:port] [-g|-i|-m] [-w weight] [-x upper]\n"
    "           [-y lower] [--tun-type ipip|gue|gre] [--tun-port port]\n"
    "           [--tun-nocsum|--tun-csum|--tun-remcsum]\n"
    "  %1$s -d virtual-service -r server[:port]\n"
    "  %1$s -C | -Z [virtual-service] | --set tcp tcpfin udp\n"
    "  %1$s --start-daemon master|backup [--mcast-interface if] [--syncid id] ...\n"
    "  %1$s --stop-daemon master|backup\n"
    "virtual-service: -t|-u|--sctp-service host[:port], or -f fwmark [-6]\n";

/* The kernel error of @cmd, as ipvsadm words it; ipvsadm exits with 255. */
static int kernel_error(enum ipvs_cli_cmd cmd, int err)
{
	fprintf(stderr, "%s\n", ipvs_cli_strerror(cmd, err));
	return 255;
}

static int list_conns(unsigned fmt)
{
	FILE *in = fopen(CONN_PROC_FILE, "r");
	int err;

	if (!in) {
		fprintf(stderr, "cannot open file %s\n", CONN_PROC_FILE);
		return 1;
	}
	err = ipvs_print_conns(stdout, in, fmt);
	fclose(in);
	if (err == -ENODATA) {
		fprintf(stderr, "unexpected input from %s\n", CONN_PROC_FILE);
		return 1;
	}
	if (err == -EBADMSG) { /* ipvsadm stops there, silently */
		fflush(stdout);
		return 1;
	}
	return ipvs_cli_finish(stdout, stderr, err);
}

/* ipvsadm zeroes everything when no service (or the all-zero one) is named. */
static bool names_service(const struct ipvs_service *s)
{
	static const uint8_t zero[16];

	return s->fwmark || s->port || memcmp(s->addr.a.b, zero, 16) != 0;
}

static int run(struct ipvs_handle *h, const struct ipvs_cli_req *req)
{
	struct ipvs_cli_source src;
	int err;

	switch (req->cmd) {
	case IPVS_CLI_LIST:
	case IPVS_CLI_SAVE:
		ipvs_cli_kernel_source(h, &src);
		return ipvs_cli_show(req, &src, stdout, stderr);
	case IPVS_CLI_FLUSH:
		err = ipvs_flush(h);
		break;
	case IPVS_CLI_ADD:
		err = ipvs_add_service(h, &req->svc);
		break;
	case IPVS_CLI_EDIT:
		err = ipvs_edit_service(h, &req->svc);
		break;
	case IPVS_CLI_DEL:
		err = ipvs_del_service(h, &req->svc);
		break;
	case IPVS_CLI_ZERO:
		err = ipvs_zero(h, names_service(&req->svc) ? &req->svc : NULL);
		break;
	case IPVS_CLI_ADDDEST:
		err = ipvs_add_dest(h, &req->svc, &req->dest);
		break;
	case IPVS_CLI_EDITDEST:
		err = ipvs_edit_dest(h, &req->svc, &req->dest);
		break;
	case IPVS_CLI_DELDEST:
		err = ipvs_del_dest(h, &req->svc, &req->dest);
		break;
	case IPVS_CLI_TIMEOUT:
		err = ipvs_set_timeouts(h, &req->timeouts);
		break;
	case IPVS_CLI_STARTDAEMON:
		err = ipvs_start_daemon(h, &req->daemon);
		break;
	case IPVS_CLI_STOPDAEMON:
		err = ipvs_stop_daemon(h, req->daemon.state);
		break;
	default:
		return 2;
	}
	return err ? kernel_error(req->cmd, err) : 0;
}

/* -R: everything is checked before anything is applied. */
static int restore(const char *prog)
{
	struct ipvs_restore r;
	struct ipvs_handle *h;
	size_t applied = 0, failed = 0;
	int err, status;

	ipvs_restore_init(&r);
	err = ipvs_restore_parse(stdin, prog, &r);
	if (err == -EINVAL) {
		for (size_t i = 0; i < r.n_errors; i++)
			fprintf(stderr, "line %u: %s", r.errors[i].line, r.errors[i].msg);
		if (r.total_errors > r.n_errors)
			fprintf(stderr, "... and %zu more bad lines\n",
			        r.total_errors - r.n_errors);
		fprintf(stderr, "%s: restore: %zu bad line%s in %u; nothing applied\n", prog,
		        r.total_errors, r.total_errors == 1 ? "" : "s", r.lines);
		status = r.n_errors ? r.errors[0].status : 2;
		ipvs_restore_free(&r);
		return status;
	}
	if (err) {
		fprintf(stderr, "%s: restore: reading stdin: %s\n", prog, strerror(-err));
		ipvs_restore_free(&r);
		return 1;
	}
	if (r.n == 0) {
		ipvs_restore_free(&r);
		return 0;
	}
	err = ipvs_open(&h);
	if (err) {
		fprintf(stderr, "%s\n", ipvs_strerror(err));
		ipvs_restore_free(&r);
		return 1;
	}
	err = ipvs_restore_apply(h, &r, &applied, &failed);
	ipvs_close(h);
	for (size_t i = 0; i < r.n; i++)
		if (r.changes[i].err)
			fprintf(stderr, "line %u: %s\n", r.meta[i].line,
			        ipvs_cli_strerror(r.meta[i].cmd, r.changes[i].err));
	if (err || failed) {
		if (err)
			fprintf(stderr, "%s: restore: %s\n", prog, ipvs_strerror(err));
		fprintf(stderr, "%s: restore: %zu of %zu changes applied, %zu failed\n", prog,
		        applied, r.n, failed);
		ipvs_restore_free(&r);
		return 1;
	}
	ipvs_restore_free(&r);
	return 0;
}

int cmd_admin(int argc, char **argv)
{
	const char *prog = argc > 0 ? argv[0] : "kipvs";
	struct ipvs_cli_req req;
	struct ipvs_cli_error e;
	struct ipvs_handle *h;
	int err, status;

	if (argc <= 1) { /* no arguments: ipvsadm -L (names resolved) */
		memset(&req, 0, sizeof(req));
		req.cmd = IPVS_CLI_LIST;
	} else if (ipvs_cli_parse(argc, argv, false, &req, &e)) {
		fputs(e.msg, stderr);
		return e.status;
	}
	switch (req.cmd) {
	case IPVS_CLI_HELP:
		printf(admin_usage, prog);
		return 0;
	case IPVS_CLI_VERSION:
		printf("kipvs %s\n", KIPVS_VERSION);
		return 0;
	case IPVS_CLI_RESTORE:
		return restore(prog);
	case IPVS_CLI_LIST:
		if (req.options & IPVS_CLI_OPT_CONNECTION)
			return list_conns(req.fmt);
		break;
	default:
		break;
	}
	err = ipvs_open(&h);
	if (err) {
		fprintf(stderr, "%s\n", ipvs_strerror(err));
		return 1;
	}
	status = run(h, &req);
	ipvs_close(h);
	return status;
}
