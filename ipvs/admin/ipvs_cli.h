/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvs_cli — ipvsadm 1.31's command line, parsed into a request.
 *
 * The same argument grammar as ipvsadm (popt rules: short options may be
 * clustered as in -Lnc, an option's argument may follow in the same word or
 * the next one, --long=value, -p takes an optional value only when the next
 * word does not start with '-', the first option must be a command), the
 * same defaults (wlc, weight 1, direct routing, persistence 360 s) and the
 * same argument checks, each failing with ipvsadm's own message and exit
 * status. Used by `kipvs -X ...` and, line by line, by `kipvs -R`.
 *
 * Pure: no kernel, no terminal. Only name lookups (host and service names
 * given instead of numbers) reach outside, through the resolver.
 */
#ifndef KIPVS_IPVS_CLI_H
#define KIPVS_IPVS_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "../ipvs_types.h"

/* Commands, numbered as in ipvsadm. */
enum ipvs_cli_cmd {
	IPVS_CLI_NONE = 0,
	IPVS_CLI_ADD,         /* -A */
	IPVS_CLI_EDIT,        /* -E */
	IPVS_CLI_DEL,         /* -D */
	IPVS_CLI_FLUSH,       /* -C */
	IPVS_CLI_LIST,        /* -L, -l */
	IPVS_CLI_ADDDEST,     /* -a */
	IPVS_CLI_DELDEST,     /* -d */
	IPVS_CLI_EDITDEST,    /* -e */
	IPVS_CLI_TIMEOUT,     /* --set tcp tcpfin udp */
	IPVS_CLI_STARTDAEMON, /* --start-daemon */
	IPVS_CLI_STOPDAEMON,  /* --stop-daemon */
	IPVS_CLI_RESTORE,     /* -R */
	IPVS_CLI_SAVE,        /* -S */
	IPVS_CLI_ZERO,        /* -Z */
	IPVS_CLI_HELP,        /* -h */
	IPVS_CLI_VERSION,     /* -v */
};

/* Option bits (ipvsadm's OPT_*): which options the command line carried. */
#define IPVS_CLI_OPT_NUMERIC        (1ULL << 0)
#define IPVS_CLI_OPT_CONNECTION     (1ULL << 1)
#define IPVS_CLI_OPT_SERVICE        (1ULL << 2)
#define IPVS_CLI_OPT_SCHEDULER      (1ULL << 3)
#define IPVS_CLI_OPT_PERSISTENT     (1ULL << 4)
#define IPVS_CLI_OPT_NETMASK        (1ULL << 5)
#define IPVS_CLI_OPT_SERVER         (1ULL << 6)
#define IPVS_CLI_OPT_FORWARD        (1ULL << 7)
#define IPVS_CLI_OPT_WEIGHT         (1ULL << 8)
#define IPVS_CLI_OPT_UTHRESHOLD     (1ULL << 9)
#define IPVS_CLI_OPT_LTHRESHOLD     (1ULL << 10)
#define IPVS_CLI_OPT_MCAST          (1ULL << 11)
#define IPVS_CLI_OPT_TIMEOUT        (1ULL << 12)
#define IPVS_CLI_OPT_DAEMON         (1ULL << 13)
#define IPVS_CLI_OPT_STATS          (1ULL << 14)
#define IPVS_CLI_OPT_RATE           (1ULL << 15)
#define IPVS_CLI_OPT_THRESHOLDS     (1ULL << 16)
#define IPVS_CLI_OPT_PERSISTENTCONN (1ULL << 17)
#define IPVS_CLI_OPT_NOSORT         (1ULL << 18)
#define IPVS_CLI_OPT_SYNCID         (1ULL << 19)
#define IPVS_CLI_OPT_EXACT          (1ULL << 20)
#define IPVS_CLI_OPT_ONEPACKET      (1ULL << 21)
#define IPVS_CLI_OPT_PE             (1ULL << 22)
#define IPVS_CLI_OPT_SCHED_FLAGS    (1ULL << 23)
#define IPVS_CLI_OPT_MCAST_GROUP    (1ULL << 24)
#define IPVS_CLI_OPT_MCAST_PORT     (1ULL << 25)
#define IPVS_CLI_OPT_MCAST_TTL      (1ULL << 26)
#define IPVS_CLI_OPT_SYNC_MAXLEN    (1ULL << 27)
#define IPVS_CLI_OPT_TUN_INFO       (1ULL << 28)
#define IPVS_CLI_OPT_TUN_TYPE       (1ULL << 29)
#define IPVS_CLI_OPT_TUN_PORT       (1ULL << 30)
#define IPVS_CLI_OPT_TUN_NOCSUM     (1ULL << 31)
#define IPVS_CLI_OPT_TUN_CSUM       (1ULL << 32)
#define IPVS_CLI_OPT_TUN_REMCSUM    (1ULL << 33)

/*
 * A parsed command. svc/dest are in kipvs's conventions (host-order ports,
 * protocol 0 and a zero address for fwmark services, svc.addr.af 0 when no
 * service was given); fmt holds the IPVS_FMT_* listing flags (ipvs_print.h).
 */
struct ipvs_cli_req {
	enum ipvs_cli_cmd cmd;
	uint64_t options;
	unsigned fmt;
	struct ipvs_service svc;
	struct ipvs_dest dest;
	struct ipvs_timeouts timeouts;
	struct ipvs_daemon daemon;
};

/*
 * What ipvsadm would print on stderr (complete, newline-terminated; may be
 * more than one line) and the exit status it would end with: 2 for its own
 * argument checks, 255 for option-syntax errors and "Try ... -h".
 */
struct ipvs_cli_error {
	int status;
	char msg[512];
};

/*
 * Parses @argv (argv[0] is the program name, used in the "Try `%s -h'" hint).
 * @in_restore: the line comes from -R input, where -R itself is refused.
 * 0, or -EINVAL with @err filled.
 */
int ipvs_cli_parse(int argc, char *const *argv, bool in_restore, struct ipvs_cli_req *req,
                   struct ipvs_cli_error *err) __attribute__((warn_unused_result));

/*
 * ipvsadm's text for a kernel error @err (-errno) met while running @cmd
 * ("Service already exists", "No such destination", ... or strerror).
 */
const char *ipvs_cli_strerror(enum ipvs_cli_cmd cmd, int err);

/* ipvsadm's long name of @cmd ("add-service", ...), for messages. */
const char *ipvs_cli_cmd_name(enum ipvs_cli_cmd cmd);

#endif
