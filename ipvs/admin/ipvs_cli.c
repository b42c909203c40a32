/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's argument grammar. Two layers: ipvs_cli_scan returns options in
 * the order and with the arguments popt 1.19 would (clustering, "--opt=value",
 * optional arguments, error texts), and this file has ipvsadm 1.31's option
 * table, handlers and checks, in its order: the first failing check wins, as
 * ipvsadm exits at its first fail().
 */
#include "ipvs_cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipvs_cli_scan.h"
#include "ipvs_print.h"

#define MAX_TIMEOUT        (86400 * 31)
#define DEF_PERSIST_TMO    360
#define DEF_SCHED          "wlc"
#define DEF_MCAST_IFN      "eth0"
#define SERVICE_ADDR       0x1
#define SERVICE_PORT       0x2
#define NUMBER_OF_OPT      34
#define SCHED_FLAG_ARG_LEN 128

/* ---- the options ---------------------------------------------------------- */

enum {
	TAG_SET = 128,
	TAG_START_DAEMON,
	TAG_STOP_DAEMON,
	TAG_MCAST_INTERFACE,
	TAG_TIMEOUT,
	TAG_DAEMON,
	TAG_STATS,
	TAG_RATE,
	TAG_THRESHOLDS,
	TAG_PERSISTENTCONN,
	TAG_SORT,
	TAG_NO_SORT,
	TAG_PERSISTENCE_ENGINE,
	TAG_SCTP_SERVICE,
	TAG_MCAST_GROUP,
	TAG_MCAST_PORT,
	TAG_MCAST_TTL,
	TAG_SYNC_MAXLEN,
	TAG_TUN_INFO,
	TAG_TUN_TYPE,
	TAG_TUN_PORT,
	TAG_TUN_NOCSUM,
	TAG_TUN_CSUM,
	TAG_TUN_REMCSUM,
	TAG_SYNCID,
};

static const struct cli_opt_def opts[] = {
	{ "add-service", 'A', CLI_ARG_NONE, 'A' },
	{ "edit-service", 'E', CLI_ARG_NONE, 'E' },
	{ "delete-service", 'D', CLI_ARG_NONE, 'D' },
	{ "clear", 'C', CLI_ARG_NONE, 'C' },
	{ "list", 'L', CLI_ARG_NONE, 'L' },
	{ "list", 'l', CLI_ARG_NONE, 'l' },
	{ "zero", 'Z', CLI_ARG_NONE, 'Z' },
	{ "add-server", 'a', CLI_ARG_NONE, 'a' },
	{ "edit-server", 'e', CLI_ARG_NONE, 'e' },
	{ "delete-server", 'd', CLI_ARG_NONE, 'd' },
	{ "set", 0, CLI_ARG_NONE, TAG_SET },
	{ "help", 'h', CLI_ARG_NONE, 'h' },
	{ "version", 'v', CLI_ARG_NONE, 'v' },
	{ "restore", 'R', CLI_ARG_NONE, 'R' },
	{ "save", 'S', CLI_ARG_NONE, 'S' },
	{ "start-daemon", 0, CLI_ARG_REQ, TAG_START_DAEMON },
	{ "stop-daemon", 0, CLI_ARG_REQ, TAG_STOP_DAEMON },
	{ "tcp-service", 't', CLI_ARG_REQ, 't' },
	{ "udp-service", 'u', CLI_ARG_REQ, 'u' },
	{ "sctp-service", 0, CLI_ARG_REQ, TAG_SCTP_SERVICE },
	{ "fwmark-service", 'f', CLI_ARG_REQ, 'f' },
	{ "scheduler", 's', CLI_ARG_REQ, 's' },
	{ "persistent", 'p', CLI_ARG_OPT, 'p' },
	{ "netmask", 'M', CLI_ARG_REQ, 'M' },
	{ "real-server", 'r', CLI_ARG_REQ, 'r' },
	{ "masquerading", 'm', CLI_ARG_NONE, 'm' },
	{ "ipip", 'i', CLI_ARG_NONE, 'i' },
	{ "gatewaying", 'g', CLI_ARG_NONE, 'g' },
	{ "weight", 'w', CLI_ARG_REQ, 'w' },
	{ "u-threshold", 'x', CLI_ARG_REQ, 'x' },
	{ "l-threshold", 'y', CLI_ARG_REQ, 'y' },
	{ "numeric", 'n', CLI_ARG_NONE, 'n' },
	{ "connection", 'c', CLI_ARG_NONE, 'c' },
	{ "mcast-interface", 0, CLI_ARG_REQ, TAG_MCAST_INTERFACE },
	{ "syncid", 0, CLI_ARG_REQ, TAG_SYNCID },
	{ "timeout", 0, CLI_ARG_NONE, TAG_TIMEOUT },
	{ "daemon", 0, CLI_ARG_NONE, TAG_DAEMON },
	{ "stats", 0, CLI_ARG_NONE, TAG_STATS },
	{ "rate", 0, CLI_ARG_NONE, TAG_RATE },
	{ "thresholds", 0, CLI_ARG_NONE, TAG_THRESHOLDS },
	{ "persistent-conn", 0, CLI_ARG_NONE, TAG_PERSISTENTCONN },
	{ "nosort", 0, CLI_ARG_NONE, TAG_NO_SORT },
	{ "sort", 0, CLI_ARG_NONE, TAG_SORT },
	{ "exact", 'X', CLI_ARG_NONE, 'X' },
	{ "ipv6", '6', CLI_ARG_NONE, '6' },
	{ "ops", 'o', CLI_ARG_NONE, 'o' },
	{ "pe", 0, CLI_ARG_REQ, TAG_PERSISTENCE_ENGINE },
	{ "sched-flags", 'b', CLI_ARG_REQ, 'b' },
	{ "mcast-group", 0, CLI_ARG_REQ, TAG_MCAST_GROUP },
	{ "mcast-port", 0, CLI_ARG_REQ, TAG_MCAST_PORT },
	{ "mcast-ttl", 0, CLI_ARG_REQ, TAG_MCAST_TTL },
	{ "sync-maxlen", 0, CLI_ARG_REQ, TAG_SYNC_MAXLEN },
	{ "tun-info", 0, CLI_ARG_NONE, TAG_TUN_INFO },
	{ "tun-type", 0, CLI_ARG_REQ, TAG_TUN_TYPE },
	{ "tun-port", 0, CLI_ARG_REQ, TAG_TUN_PORT },
	{ "tun-nocsum", 0, CLI_ARG_NONE, TAG_TUN_NOCSUM },
	{ "tun-csum", 0, CLI_ARG_NONE, TAG_TUN_CSUM },
	{ "tun-remcsum", 0, CLI_ARG_NONE, TAG_TUN_REMCSUM },
};

/* ---- errors --------------------------------------------------------------- */

/* ipvsadm's fail(): the message, a newline, exit status @status. */
__attribute__((format(printf, 3, 4))) static int fail(struct ipvs_cli_error *err, int status,
                                                      const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg) - 1, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	err->msg[n] = '\n';
	err->msg[n + 1] = '\0';
	err->status = status;
	return -EINVAL;
}

static int tryhelp(struct ipvs_cli_error *err, const char *prog)
{
	return fail(err, 255, "Try `%s -h' or '%s --help' for more information.", prog, prog);
}

/* ---- value parsers (ipvsadm's helpers) ------------------------------------ */

/* Decimal in [min, max] with nothing after it; -1 otherwise. */
static long string_to_number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*end == '\0' && end != s && errno != ERANGE && v >= min && v <= max)
		return v;
	return -1;
}

/* As atoi does: leading digits, 0 when there are none. */
static long leading_int(const char *s)
{
	long v = strtol(s, NULL, 10);

	return v > INT_MAX ? INT_MAX : v < INT_MIN ? INT_MIN : v;
}

static bool str_is_digit(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* gethostbyname(): an IPv4 address for a host name. */
static int host_to_addr(const char *name, struct in_addr *out)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	if (getaddrinfo(name, NULL, &hints, &res) != 0 || !res)
		return -1;
	*out = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static long service_to_port(const char *name, uint16_t proto)
{
	const char *db = proto == IPPROTO_TCP    ? "tcp"
	                 : proto == IPPROTO_UDP  ? "udp"
	                 : proto == IPPROTO_SCTP ? "sctp"
	                                         : NULL;
	struct servent se, *res = NULL;
	char tmp[1024];

	if (!db || getservbyname_r(name, db, &se, tmp, sizeof(tmp), &res) != 0 || !res)
		return -1;
	return ntohs((uint16_t)res->s_port);
}

/*
 * ipvsadm's parse_service(): "host[:port]" or "[v6]:port" into @s (address,
 * family, and for IPv6 the default netmask 128). Returns SERVICE_ADDR |
 * SERVICE_PORT bits, 0 when unusable. As in ipvsadm, "[1.2.3.4]:80" keeps
 * only the address, and a bracketed address needs a port.
 */
static int parse_service(const char *arg, struct ipvs_service *s)
{
	char buf[512];
	char *b = buf, *portp = NULL;
	struct in_addr in4;
	struct in6_addr in6;
	long port;
	int res = 0;

	if (!arg || str_is_digit(arg))
		return 0;
	snprintf(buf, sizeof(buf), "%s", arg);
	if (b[0] == '[') {
		b++;
		portp = strchr(b, ']');
		if (!portp)
			return 0;
		*portp++ = '\0';
		if (*portp != ':')
			return 0;
		*portp = '\0';
	}
	if (inet_pton(AF_INET6, b, &in6) > 0) {
		memcpy(s->addr.a.b, &in6, 16);
		s->addr.af = AF_INET6;
		s->netmask = 128;
	} else {
		portp = strrchr(b, ':');
		if (portp)
			*portp = '\0';
		if (inet_aton(b, &in4) == 0 && host_to_addr(b, &in4) != 0)
			return 0;
		memset(&s->addr.a, 0, sizeof(s->addr.a));
		memcpy(s->addr.a.b, &in4, 4);
		s->addr.af = AF_INET;
	}
	res |= SERVICE_ADDR;
	if (portp) {
		res |= SERVICE_PORT;
		port = string_to_number(portp + 1, 0, 65535);
		if (port == -1)
			port = service_to_port(portp + 1, s->protocol);
		if (port == -1)
			return 0;
		s->port = (uint16_t)port;
	}
	return res;
}

static int parse_tun_type(const char *name)
{
	if (!strcmp(name, "ipip"))
		return IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
	if (!strcmp(name, "gue"))
		return IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	if (!strcmp(name, "gre"))
		return IP_VS_CONN_F_TUNNEL_TYPE_GRE;
	return -1;
}

/* -b: comma-separated names, checked against the scheduler (default wlc). */
static int parse_sched_flags(const char *sched, const char *arg, uint32_t *out,
                             struct ipvs_cli_error *err)
{
	char buf[SCHED_FLAG_ARG_LEN];
	char *save = NULL, *flag;
	uint32_t flags = 0;

	sched = sched && *sched ? sched : DEF_SCHED;
	snprintf(buf, sizeof(buf), "%s", arg);
	flag = strtok_r(buf, ",", &save);
	if (!flag) /* ipvsadm would crash on ",": refuse instead */
		return fail(err, 2, "invalid scheduler flag `%s'", arg);
	do {
		const char *need = NULL;

		if (!strcmp(flag, "flag-1")) {
			flags |= IP_VS_SVC_F_SCHED1;
		} else if (!strcmp(flag, "flag-2")) {
			flags |= IP_VS_SVC_F_SCHED2;
		} else if (!strcmp(flag, "flag-3")) {
			flags |= IP_VS_SVC_F_SCHED3;
		} else if (!strcmp(flag, "sh-fallback")) {
			flags |= IP_VS_SVC_F_SCHED_SH_FALLBACK;
			need = "sh";
		} else if (!strcmp(flag, "sh-port")) {
			flags |= IP_VS_SVC_F_SCHED_SH_PORT;
			need = "sh";
		} else if (!strcmp(flag, "mh-fallback")) {
			flags |= IP_VS_SVC_F_SCHED1;
			need = "mh";
		} else if (!strcmp(flag, "mh-port")) {
			flags |= IP_VS_SVC_F_SCHED2;
			need = "mh";
		} else {
			return fail(err, 2, "invalid scheduler flag `%s'", flag);
		}
		if (need && strcmp(sched, need))
			return fail(err, 2, "incompatible scheduler flag `%s'", flag);
	} while ((flag = strtok_r(NULL, ",", &save)) != NULL);
	*out = flags;
	return 0;
}

/* ---- the legality tables -------------------------------------------------- */

static const char *const cmd_names[] = {
	"add-service", "edit-service",  "delete-service", "flush", "list",
	"add-server",  "delete-server", "edit-server",    "set",   "start-daemon",
	"stop-daemon", "restore",       "save",           "zero",
};

static const char *const opt_names[NUMBER_OF_OPT] = {
	"numeric",
	"connection",
	"service-address",
	"scheduler",
	"persistent",
	"netmask",
	"real-server",
	"forwarding-method",
	"weight",
	"u-threshold",
	"l-threshold",
	"mcast-interface",
	"timeout",
	"daemon",
	"stats",
	"rate",
	"thresholds",
	"persistent-conn",
	"nosort",
	"syncid",
	"exact",
	"ops",
	"pe",
	"sched-flags",
	"mcast-group",
	"mcast-port",
	"mcast-ttl",
	"sync-maxlen",
	"tun-info",
	"tun-type",
	"tun-port",
	"tun-nocsum",
	"tun-csum",
	"tun-remcsum",
};

/*
 * Which options each command takes, one character per option bit (in the
 * order of opt_names): '+' required, 'x' refused, '1' at most one of the
 * '1's, '.' optional.
 */
static const char cmd_opts[][NUMBER_OF_OPT + 1] = {
	/* add-service */ "xx+...xxxxxxxxxxxxxxx...xxxxxxxxxx",
	/* edit-service */ "xx+...xxxxxxxxxxxxxxx...xxxxxxxxxx",
	/* delete-service */ "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* flush */ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* list */ ".11xxxxxxxxx11.......xxxxxxx.xxxxx",
	/* add-server */ "xx+xxx+....xxxxxxxxxxxxxxxxxx.....",
	/* delete-server */ "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* edit-server */ "xx+xxx+....xxxxxxxxxxxxxxxxxx.....",
	/* set */ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* start-daemon */ "xxxxxxxxxxx.xxxxxxx.xxxx....xxxxxx",
	/* stop-daemon */ "xxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxx",
	/* restore */ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* save */ ".xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	/* zero */ "xx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
};

static int generic_opt_check(enum ipvs_cli_cmd cmd, uint64_t options, struct ipvs_cli_error *err)
{
	const char *row = cmd_opts[cmd - 1];
	const char *cname = cmd_names[cmd - 1];
	int last = 0, count = 0;

	for (int j = 0; j < NUMBER_OF_OPT; j++) {
		if (!(options & (1ULL << j))) {
			if (row[j] == '+')
				return fail(
				    err, 2,
				    "You need to supply the '%s' option for the '%s' command",
				    opt_names[j], cname);
			continue;
		}
		if (row[j] == 'x')
			return fail(err, 2, "Illegal '%s' option with the '%s' command",
			            opt_names[j], cname);
		if (row[j] == '1') {
			if (++count == 1) {
				last = j;
				continue;
			}
			return fail(
			    err, 2,
			    "The option '%s' conflicts with the '%s' option in the '%s' command",
			    opt_names[j], opt_names[last], cname);
		}
	}
	return 0;
}

/* Per tunnel type: --tun-port, --tun-nocsum, --tun-csum, --tun-remcsum. */
static const char *const tun_names[] = { "ipip", "gue", "gre" };
static const char tun_opts[][5] = { "xxxx", "+111", "x11x" };
static const int tun_opt_bits[4] = { 30, 31, 32, 33 };

static int tunnel_opt_check(uint8_t type, uint64_t options, struct ipvs_cli_error *err)
{
	int last = 0, count = 0;

	if (type >= 3)
		return 0;
	for (int j = 0; j < 4; j++) {
		int k = tun_opt_bits[j];
		char c = tun_opts[type][j];

		if (!(options & (1ULL << k))) {
			if (c == '+')
				return fail(
				    err, 2,
				    "You need to supply the '%s' option for the '%s' tunnel type",
				    opt_names[k], tun_names[type]);
			continue;
		}
		if (c == 'x')
			return fail(err, 2, "Illegal '%s' option with the '%s' tunnel type",
			            opt_names[k], tun_names[type]);
		if (c == '1') {
			if (++count == 1) {
				last = k;
				continue;
			}
			return fail(err, 2,
			            "The option '%s' conflicts with the '%s' option in the '%s' "
			            "tunnel type",
			            opt_names[k], opt_names[last], tun_names[type]);
		}
	}
	return 0;
}

const char *ipvs_cli_cmd_name(enum ipvs_cli_cmd cmd)
{
	if (cmd >= IPVS_CLI_ADD && cmd <= IPVS_CLI_ZERO)
		return cmd_names[cmd - 1];
	return "";
}

/* ---- option handlers ------------------------------------------------------ */

struct parse_ctx {
	struct ipvs_cli_req *req;
	struct ipvs_cli_error *err;
	char sched_flags_arg[SCHED_FLAG_ARG_LEN];
};

static int set_option(struct parse_ctx *c, int bit)
{
	uint64_t o = 1ULL << bit;

	if (c->req->options & o)
		return fail(c->err, 2, "multiple '%s' options specified", opt_names[bit]);
	c->req->options |= o;
	return 0;
}

static int parse_timeout(struct parse_ctx *c, const char *arg, long min, long max, uint32_t *out)
{
	long v;

	if (!arg) { /* -p without a value */
		*out = DEF_PERSIST_TMO;
		return 0;
	}
	v = string_to_number(arg, min, max);
	if (v == -1)
		return fail(c->err, 2, "invalid timeout value `%s' specified", arg);
	*out = (uint32_t)v;
	return 0;
}

static int parse_fwmark(struct parse_ctx *c, const char *arg, uint32_t *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*end != '\0' || end == arg || errno == ERANGE || v <= 0 || v > (long)UINT_MAX)
		return fail(c->err, 2, "invalid fwmark value `%s' specified", arg);
	*out = (uint32_t)v;
	return 0;
}

static int opt_service(struct parse_ctx *c, uint16_t proto, const char *arg)
{
	int err = set_option(c, 2);

	if (err)
		return err;
	c->req->svc.protocol = proto;
	if (!(parse_service(arg, &c->req->svc) & SERVICE_ADDR))
		return fail(c->err, 2, "illegal virtual server address[:port] specified");
	return 0;
}

static int opt_netmask(struct parse_ctx *c, const char *arg)
{
	struct ipvs_service *s = &c->req->svc;
	struct in_addr m;
	long v;
	int err = set_option(c, 5);

	if (err)
		return err;
	if (s->addr.af != AF_INET6) {
		if (inet_aton(arg, &m) == 0 && host_to_addr(arg, &m) != 0)
			return fail(c->err, 2, "illegal virtual server persistent mask specified");
		memcpy(&s->netmask, &m, 4); /* the mask's bytes, as on the wire */
		return 0;
	}
	v = leading_int(arg);
	if (v < 1 || v > 128)
		return fail(c->err, 2, "illegal ipv6 netmask specified");
	s->netmask = (uint32_t)v;
	return 0;
}

static int opt_real_server(struct parse_ctx *c, const char *arg)
{
	struct ipvs_service t = c->req->svc;
	int res, err = set_option(c, 6);

	if (err)
		return err;
	res = parse_service(arg, &t);
	c->req->dest.addr = t.addr;
	c->req->dest.port = t.port;
	if (!(res & SERVICE_ADDR))
		return fail(c->err, 2, "illegal real server address[:port] specified");
	if (res == SERVICE_ADDR) /* no port given: the service's */
		c->req->dest.port = c->req->svc.port;
	return 0;
}

/* An option with a number in [min, max] stored in @out; @what names it in the error. */
static int opt_number(struct parse_ctx *c, int bit, const char *arg, long min, long max, long *out,
                      const char *what)
{
	int err = set_option(c, bit);

	if (err)
		return err;
	*out = string_to_number(arg, min, max);
	if (*out == -1)
		return fail(c->err, 2, "illegal %s specified", what);
	return 0;
}

static int opt_mcast_group(struct parse_ctx *c, const char *arg)
{
	struct net_addr *g = &c->req->daemon.mcast_group;
	int err = set_option(c, 24);

	if (err)
		return err;
	memset(g, 0, sizeof(*g));
	if (strchr(arg, ':')) {
		if (inet_pton(AF_INET6, arg, g->a.b) <= 0 || !IN6_IS_ADDR_MULTICAST(&g->a.v6))
			return fail(c->err, 2, "invalid IPv6 mcast-group `%s'", arg);
		g->af = AF_INET6;
	} else {
		if (inet_pton(AF_INET, arg, g->a.b) <= 0 || !IN_MULTICAST(ntohl(g->a.w[0])))
			return fail(c->err, 2, "invalid IPv4 mcast-group `%s'", arg);
		g->af = AF_INET;
	}
	return 0;
}

/* A listing flag: one option bit and one IPVS_FMT_* bit. */
static int opt_fmt(struct parse_ctx *c, int bit, unsigned fmt)
{
	c->req->fmt |= fmt;
	return set_option(c, bit);
}

static int opt_tun_flag(struct parse_ctx *c, int bit, uint16_t flag)
{
	c->req->dest.tun_flags |= flag;
	return set_option(c, bit);
}

static int handle_option(struct parse_ctx *c, int tag, const char *arg, const char *bad)
{
	struct ipvs_cli_req *r = c->req;
	long v = 0;
	int err;

	switch (tag) {
	case 't':
		return opt_service(c, IPPROTO_TCP, arg);
	case 'u':
		return opt_service(c, IPPROTO_UDP, arg);
	case TAG_SCTP_SERVICE:
		return opt_service(c, IPPROTO_SCTP, arg);
	case 'f':
		err = set_option(c, 2);
		if (err)
			return err;
		/* ipvsadm sets TCP "to a sane value"; cleared when parsing ends. */
		r->svc.addr.af = AF_INET;
		r->svc.protocol = IPPROTO_TCP;
		return parse_fwmark(c, arg, &r->svc.fwmark);
	case 's':
		snprintf(r->svc.sched_name, sizeof(r->svc.sched_name), "%s", arg);
		return set_option(c, 3);
	case 'p':
		err = set_option(c, 4);
		if (err)
			return err;
		r->svc.flags |= IP_VS_SVC_F_PERSISTENT;
		return parse_timeout(c, arg, 1, MAX_TIMEOUT, &r->svc.timeout);
	case 'M':
		return opt_netmask(c, arg);
	case 'r':
		return opt_real_server(c, arg);
	case 'i':
		r->dest.conn_flags = IP_VS_CONN_F_TUNNEL;
		return set_option(c, 7);
	case 'g':
		r->dest.conn_flags = IP_VS_CONN_F_DROUTE;
		return set_option(c, 7);
	case 'm':
		r->dest.conn_flags = IP_VS_CONN_F_MASQ;
		return set_option(c, 7);
	case 'w':
		/* Debian's 1.31 accepts 0..2147483647 (upstream: 0..65535). */
		err = opt_number(c, 8, arg, 0, INT_MAX, &v, "weight");
		r->dest.weight = (int32_t)v;
		return err;
	case 'x':
		err = opt_number(c, 9, arg, 0, INT_MAX, &v, "u_threshold");
		r->dest.u_threshold = (uint32_t)v;
		return err;
	case 'y':
		err = opt_number(c, 10, arg, 0, INT_MAX, &v, "l_threshold");
		r->dest.l_threshold = (uint32_t)v;
		return err;
	case 'c':
		return set_option(c, 1);
	case 'n':
		return opt_fmt(c, 0, IPVS_FMT_NUMERIC);
	case TAG_MCAST_INTERFACE:
		snprintf(r->daemon.mcast_ifn, sizeof(r->daemon.mcast_ifn), "%s", arg);
		return set_option(c, 11);
	case TAG_SYNCID:
		err = opt_number(c, 19, arg, 0, 255, &v, "syncid");
		r->daemon.syncid = (uint32_t)v;
		return err;
	case TAG_TIMEOUT:
		return set_option(c, 12);
	case TAG_DAEMON:
		return set_option(c, 13);
	case TAG_STATS:
		return opt_fmt(c, 14, IPVS_FMT_STATS);
	case TAG_RATE:
		return opt_fmt(c, 15, IPVS_FMT_RATE);
	case TAG_THRESHOLDS:
		return opt_fmt(c, 16, IPVS_FMT_THRESHOLDS);
	case TAG_PERSISTENTCONN:
		return opt_fmt(c, 17, IPVS_FMT_PERSISTENTCONN);
	case TAG_NO_SORT:
		return opt_fmt(c, 18, IPVS_FMT_NOSORT);
	case TAG_SORT: /* the default; accepted for compatibility, even twice */
		return 0;
	case 'X':
		return opt_fmt(c, 20, IPVS_FMT_EXACT);
	case '6':
		if (!r->svc.fwmark)
			return fail(c->err, 2, "-6 used before -f\n");
		r->svc.addr.af = AF_INET6;
		r->svc.netmask = 128;
		return 0;
	case 'o':
		r->svc.flags |= IP_VS_SVC_F_ONEPACKET;
		return set_option(c, 21);
	case TAG_PERSISTENCE_ENGINE:
		snprintf(r->svc.pe_name, sizeof(r->svc.pe_name), "%s", arg);
		return set_option(c, 22);
	case 'b':
		snprintf(c->sched_flags_arg, sizeof(c->sched_flags_arg), "%s", arg);
		return set_option(c, 23);
	case TAG_MCAST_GROUP:
		return opt_mcast_group(c, arg);
	case TAG_MCAST_PORT:
		err = opt_number(c, 25, arg, 1, 65535, &v, "mcast-port");
		r->daemon.mcast_port = (uint16_t)v;
		return err;
	case TAG_MCAST_TTL:
		err = opt_number(c, 26, arg, 1, 255, &v, "mcast-ttl");
		r->daemon.mcast_ttl = (uint8_t)v;
		return err;
	case TAG_SYNC_MAXLEN:
		err = opt_number(c, 27, arg, 1, 65535 - 20 - 8, &v, "sync-maxlen");
		r->daemon.sync_maxlen = (uint16_t)v;
		return err;
	case TAG_TUN_INFO:
		return opt_fmt(c, 28, IPVS_FMT_TUN_INFO);
	case TAG_TUN_TYPE:
		err = set_option(c, 29);
		if (err)
			return err;
		v = parse_tun_type(arg);
		if (v == -1)
			return fail(c->err, 2, "illegal tunnel type specified");
		r->dest.tun_type = (uint8_t)v;
		return 0;
	case TAG_TUN_PORT:
		err = opt_number(c, 30, arg, 1, 65535, &v, "tunnel port");
		r->dest.tun_port = (uint16_t)v;
		return err;
	case TAG_TUN_NOCSUM:
		return opt_tun_flag(c, 31, IP_VS_TUNNEL_ENCAP_FLAG_NOCSUM);
	case TAG_TUN_CSUM:
		return opt_tun_flag(c, 32, IP_VS_TUNNEL_ENCAP_FLAG_CSUM);
	case TAG_TUN_REMCSUM:
		return opt_tun_flag(c, 33, IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);
	default: /* a second command, -h, -v... */
		return fail(c->err, 2, "invalid option `%s'", bad);
	}
}

/* The first option must be a command. */
static int handle_command(struct parse_ctx *c, int tag, const char *arg, const char *prog)
{
	static const struct {
		int tag;
		enum ipvs_cli_cmd cmd;
	} map[] = {
		{ 'A', IPVS_CLI_ADD },     { 'E', IPVS_CLI_EDIT },        { 'D', IPVS_CLI_DEL },
		{ 'a', IPVS_CLI_ADDDEST }, { 'e', IPVS_CLI_EDITDEST },    { 'd', IPVS_CLI_DELDEST },
		{ 'C', IPVS_CLI_FLUSH },   { 'L', IPVS_CLI_LIST },        { 'l', IPVS_CLI_LIST },
		{ 'Z', IPVS_CLI_ZERO },    { TAG_SET, IPVS_CLI_TIMEOUT }, { 'R', IPVS_CLI_RESTORE },
		{ 'S', IPVS_CLI_SAVE },    { 'h', IPVS_CLI_HELP },        { 'v', IPVS_CLI_VERSION },
	};

	if (tag == TAG_START_DAEMON || tag == TAG_STOP_DAEMON) {
		bool start = tag == TAG_START_DAEMON;

		c->req->cmd = start ? IPVS_CLI_STARTDAEMON : IPVS_CLI_STOPDAEMON;
		if (!strcmp(arg, "master"))
			c->req->daemon.state = IP_VS_STATE_MASTER;
		else if (!strcmp(arg, "backup"))
			c->req->daemon.state = IP_VS_STATE_BACKUP;
		else if (start)
			return fail(c->err, 2, "illegal start-daemon parameter specified");
		else /* sic */
			return fail(c->err, 2, "illegal start_daemon specified");
		return 0;
	}
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].tag == tag) {
			c->req->cmd = map[i].cmd;
			return 0;
		}
	return tryhelp(c->err, prog);
}

/* Checks ipvsadm makes once every option is known, in its order. */
static int check_command(struct parse_ctx *c, bool in_restore, const char *prog)
{
	struct ipvs_cli_req *r = c->req;
	uint32_t fwd = r->dest.conn_flags & IP_VS_CONN_F_FWD_MASK;
	uint64_t o = r->options;
	int err;

	err = generic_opt_check(r->cmd, o, c->err);
	if (err)
		return err;
	if (r->cmd == IPVS_CLI_ADD || r->cmd == IPVS_CLI_EDIT) {
		if (!r->svc.fwmark && !r->svc.port && !(r->svc.flags & IP_VS_SVC_F_PERSISTENT))
			return fail(c->err, 2, "Zero port specified for non-persistent service");
		if ((r->svc.flags & IP_VS_SVC_F_ONEPACKET) && !r->svc.fwmark &&
		    r->svc.protocol != IPPROTO_UDP)
			return fail(c->err, 2,
			            "One-Packet Scheduling is only for UDP virtual services");
		if (!r->svc.sched_name[0])
			snprintf(r->svc.sched_name, sizeof(r->svc.sched_name), "%s", DEF_SCHED);
	}
	if (r->cmd == IPVS_CLI_STARTDAEMON && !r->daemon.mcast_ifn[0])
		snprintf(r->daemon.mcast_ifn, sizeof(r->daemon.mcast_ifn), "%s", DEF_MCAST_IFN);
	if (r->cmd == IPVS_CLI_ADDDEST || r->cmd == IPVS_CLI_EDITDEST) {
		/* Tunnel and direct routing keep the service's port. */
		if (!r->svc.fwmark && (fwd == IP_VS_CONN_F_TUNNEL || fwd == IP_VS_CONN_F_DROUTE))
			r->dest.port = r->svc.port;
		if (r->dest.addr.af != r->svc.addr.af && fwd != IP_VS_CONN_F_TUNNEL)
			return fail(
			    c->err, 2,
			    "Different address family is allowed only for tunneling servers");
		if ((o & (IPVS_CLI_OPT_TUN_TYPE | IPVS_CLI_OPT_TUN_PORT | IPVS_CLI_OPT_TUN_NOCSUM |
		          IPVS_CLI_OPT_TUN_CSUM | IPVS_CLI_OPT_TUN_REMCSUM)) &&
		    fwd != IP_VS_CONN_F_TUNNEL)
			return fail(c->err, 2, "Tunnel options conflict with forward method");
		err = tunnel_opt_check(r->dest.tun_type, o, c->err);
		if (err)
			return err;
	}
	if (r->cmd == IPVS_CLI_LIST &&
	    (((o & (IPVS_CLI_OPT_CONNECTION | IPVS_CLI_OPT_TIMEOUT | IPVS_CLI_OPT_DAEMON)) &&
	      (o & (IPVS_CLI_OPT_STATS | IPVS_CLI_OPT_RATE | IPVS_CLI_OPT_THRESHOLDS))) ||
	     ((o & (IPVS_CLI_OPT_TIMEOUT | IPVS_CLI_OPT_DAEMON)) &&
	      (o & IPVS_CLI_OPT_PERSISTENTCONN))))
		return fail(c->err, 2, "options conflicts in the list command");
	if (r->cmd == IPVS_CLI_RESTORE && in_restore) /* no -R inside -R */
		return tryhelp(c->err, prog);
	return 0;
}

static int parse_args(struct parse_ctx *c, struct cli_scan *s, bool in_restore, const char *prog)
{
	struct ipvs_cli_req *r = c->req;
	const char *a[3];
	int tag, err;

	tag = cli_scan_next(s);
	if (tag < 0)
		return tryhelp(c->err, prog);
	err = handle_command(c, tag, s->arg, prog);
	if (err || r->cmd == IPVS_CLI_HELP || r->cmd == IPVS_CLI_VERSION)
		return err;
	while ((tag = cli_scan_next(s)) >= 0) {
		err = handle_option(c, tag, s->arg, cli_scan_last(s));
		if (err)
			return err;
	}
	/* Through fail(): the word is the user's and may be longer than the
	 * message, which must still end its line. */
	if (tag < CLI_SCAN_END)
		return fail(c->err, 255, "%s: %s", cli_scan_last(s), cli_scan_strerror(tag));
	if (r->cmd == IPVS_CLI_TIMEOUT) {
		if (!(a[0] = cli_scan_rest(s)) || !(a[1] = cli_scan_rest(s)) ||
		    !(a[2] = cli_scan_rest(s)))
			return fail(c->err, 2, "--set option requires 3 timeout values");
		if ((err = parse_timeout(c, a[0], 0, MAX_TIMEOUT, &r->timeouts.tcp)) ||
		    (err = parse_timeout(c, a[1], 0, MAX_TIMEOUT, &r->timeouts.tcp_fin)) ||
		    (err = parse_timeout(c, a[2], 0, MAX_TIMEOUT, &r->timeouts.udp)))
			return err;
	}
	if ((a[0] = cli_scan_rest(s)))
		return fail(c->err, 2, "unexpected argument %s", a[0]);
	if (c->sched_flags_arg[0]) {
		uint32_t f = 0;

		err = parse_sched_flags(r->svc.sched_name, c->sched_flags_arg, &f, c->err);
		if (err)
			return err;
		r->svc.flags &=
		    ~(uint32_t)(IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3);
		r->svc.flags |= f;
	}
	return check_command(c, in_restore, prog);
}

int ipvs_cli_parse(int argc, char *const *argv, bool in_restore, struct ipvs_cli_req *req,
                   struct ipvs_cli_error *err)
{
	struct parse_ctx c = { .req = req, .err = err };
	struct cli_scan s;
	const char *prog = argc > 0 ? argv[0] : "ipvsadm";
	int rc;

	memset(req, 0, sizeof(*req));
	memset(err, 0, sizeof(*err));
	req->dest.weight = 1;
	req->dest.conn_flags = IP_VS_CONN_F_DROUTE;
	req->svc.netmask = 0xffffffffU;
	if (cli_scan_init(&s, opts, sizeof(opts) / sizeof(opts[0]), argc, argv)) {
		snprintf(err->msg, sizeof(err->msg), "%s\n", strerror(ENOMEM));
		err->status = 1;
		return -EINVAL;
	}
	rc = parse_args(&c, &s, in_restore, prog);
	cli_scan_free(&s);
	if (rc)
		return rc;
	/* kipvs's conventions: a fwmark service has no protocol or address. */
	if (req->svc.fwmark) {
		req->svc.protocol = 0;
		memset(&req->svc.addr.a, 0, sizeof(req->svc.addr.a));
	}
	return 0;
}
