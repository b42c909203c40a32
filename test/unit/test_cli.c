/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ipvsadm's command line: the argument errors captured from the real ipvsadm
 * (errors/ and mixed/ captures: message and exit status), popt's scanning
 * rules, ipvsadm's defaults and quirks, and its kernel-error texts.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../ipvs/admin/ipvs_cli.h"
#include "../../ipvs/admin/ipvs_print.h"

#define CAP "ipvsadm/"

static struct ipvs_cli_req req;
static struct ipvs_cli_error err;

/* Parses a space-separated command line ("ipvsadm -A ..."); returns ipvs_cli_parse's value. */
static int parse_line(const char *line)
{
	char buf[1024], *argv[64], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok_r(buf, " \n", &save); t && argc < 64;
	     t = strtok_r(NULL, " \n", &save))
		argv[argc++] = t;
	return ipvs_cli_parse(argc, argv, false, &req, &err);
}

static void parse_ok(const char *line)
{
	if (parse_line(line))
		fail_msg("%s: %s", line, err.msg);
}

static void parse_fails(const char *line, int status, const char *msg)
{
	assert_int_equal(parse_line(line), -EINVAL);
	assert_string_equal(err.msg, msg);
	assert_int_equal(err.status, status);
}

/* The argument errors of the errors/ captures, byte for byte with their exit status. */
static void captured_argument_errors(void **state)
{
	static const char *const names[] = {
		"errors/15_v6dest_masq",       "errors/16_zero_port",      "errors/17_ops_tcp",
		"errors/18_bad_flag",          "errors/19_gue_noport",     "errors/21_bad_opt",
		"errors/24_fwmark_zero",       "errors/25_netmask_v6_bad", "errors/26_v6_before_f",
		"errors/27_v6_bracket_noport",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[128], *cmd, *want, *rc;

		snprintf(path, sizeof(path), CAP "%s.cmd", names[i]);
		cmd = unit_read_file(unit_fixture_path(path), NULL);
		snprintf(path, sizeof(path), CAP "%s.err", names[i]);
		want = unit_read_file(unit_fixture_path(path), NULL);
		snprintf(path, sizeof(path), CAP "%s.rc", names[i]);
		rc = unit_read_file(unit_fixture_path(path), NULL);
		assert_non_null(cmd);
		assert_non_null(want);
		assert_non_null(rc);
		parse_fails(cmd, (int)strtol(rc, NULL, 10), want);
		free(cmd);
		free(want);
		free(rc);
	}
	/* Recorded from ipvsadm 1.31 too (the mixed scenario, no capture file). */
	parse_fails("ipvsadm -a -f 2 -6 -r 10.244.1.1 -m", 2,
	            "Different address family is allowed only for tunneling servers\n");
}

/* The captured commands that passed ipvsadm's checks parse, with ipvsadm's values. */
static void captured_commands_parse(void **state)
{
	parse_ok("ipvsadm -A -t 10.96.0.98:80 -p"); /* errors/28 */
	assert_int_equal(req.cmd, IPVS_CLI_ADD);
	assert_int_equal(req.svc.protocol, IPPROTO_TCP);
	assert_int_equal(req.svc.port, 80);
	assert_int_equal(req.svc.flags, IP_VS_SVC_F_PERSISTENT);
	assert_int_equal(req.svc.timeout, 360);
	assert_string_equal(req.svc.sched_name, "wlc");
	assert_int_equal(req.svc.netmask, 0xffffffffU);

	parse_ok(
	    "ipvsadm -a -t 10.96.0.1:443 -r 10.244.1.9 -w 70000"); /* errors/23: Debian's range */
	assert_int_equal(req.cmd, IPVS_CLI_ADDDEST);
	assert_int_equal(req.dest.weight, 70000);
	assert_int_equal(req.dest.port, 443);
	assert_int_equal(req.dest.conn_flags, IP_VS_CONN_F_DROUTE);

	parse_ok(
	    "ipvsadm -e -t 10.96.0.1:443 -r 10.244.1.5:6443 -m -w 7 -x 9 -y 3"); /* errors/30 */
	assert_int_equal(req.cmd, IPVS_CLI_EDITDEST);
	assert_int_equal(req.dest.port, 6443);
	assert_int_equal(req.dest.conn_flags, IP_VS_CONN_F_MASQ);
	assert_int_equal(req.dest.u_threshold, 9);
	assert_int_equal(req.dest.l_threshold, 3);

	parse_ok("ipvsadm -E -t 10.96.0.20:5 -p 200"); /* edge/01: -E without -s means wlc */
	assert_string_equal(req.svc.sched_name, "wlc");
	assert_int_equal(req.svc.timeout, 200);

	parse_ok("ipvsadm -a -t 10.96.0.60:80 -r 2001:db8::30 -i"); /* mixed/01 */
	assert_int_equal(req.dest.addr.af, AF_INET6);
	assert_int_equal(req.dest.port, 80);

	parse_ok("ipvsadm --start-daemon backup --mcast-interface sync0 --syncid 6 --mcast-group "
	         "239.1.2.3 --mcast-port 9000 --mcast-ttl 3 --sync-maxlen 1400"); /* stats/07 */
	assert_int_equal(req.cmd, IPVS_CLI_STARTDAEMON);
	assert_int_equal(req.daemon.state, IP_VS_STATE_BACKUP);
	assert_string_equal(req.daemon.mcast_ifn, "sync0");
	assert_int_equal(req.daemon.syncid, 6);
	assert_int_equal(req.daemon.mcast_group.af, AF_INET);
	assert_int_equal(req.daemon.mcast_port, 9000);
	assert_int_equal(req.daemon.mcast_ttl, 3);
	assert_int_equal(req.daemon.sync_maxlen, 1400);

	parse_ok("ipvsadm --set 0 30 0"); /* stats/04 */
	assert_int_equal(req.cmd, IPVS_CLI_TIMEOUT);
	assert_int_equal(req.timeouts.tcp, 0);
	assert_int_equal(req.timeouts.tcp_fin, 30);
	assert_int_equal(req.timeouts.udp, 0);

	parse_ok("ipvsadm -Z -u 10.96.0.10:53"); /* stats/32 */
	assert_int_equal(req.cmd, IPVS_CLI_ZERO);
	assert_int_equal(req.svc.protocol, IPPROTO_UDP);
	parse_ok("ipvsadm -Z");
	assert_int_equal(req.svc.addr.af, 0);
	parse_ok("ipvsadm --stop-daemon master");
	assert_int_equal(req.cmd, IPVS_CLI_STOPDAEMON);
	assert_int_equal(req.daemon.state, IP_VS_STATE_MASTER);
}

/* popt: clusters, inline and separate arguments, optional -p, long=value. */
static void popt_scanning(void **state)
{
	parse_ok("ipvsadm -Lnc");
	assert_int_equal(req.cmd, IPVS_CLI_LIST);
	assert_true(req.options & IPVS_CLI_OPT_CONNECTION);
	assert_true(req.fmt & IPVS_FMT_NUMERIC);

	parse_ok("ipvsadm -A -t1.2.3.4:80 -p60 -srr");
	assert_int_equal(req.svc.timeout, 60);
	assert_string_equal(req.svc.sched_name, "rr");
	parse_ok("ipvsadm -A -t=1.2.3.4:80 --persistent=5 --scheduler=sh");
	assert_int_equal(req.svc.timeout, 5);
	assert_string_equal(req.svc.sched_name, "sh");
	/* -p takes the next word only when it does not start with '-'. */
	parse_ok("ipvsadm -A -t 1.2.3.4:80 -p -s rr");
	assert_int_equal(req.svc.timeout, 360);
	parse_fails("ipvsadm -A -t 1.2.3.4:80 -p rr", 2, "invalid timeout value `rr' specified\n");
	parse_fails("ipvsadm -A -t 1.2.3.4:80 -p 0", 2, "invalid timeout value `0' specified\n");
	parse_fails("ipvsadm -A -t 1.2.3.4:80 -p 2678401", 2,
	            "invalid timeout value `2678401' specified\n");
	/* Non-option words are collected wherever they are. */
	parse_fails("ipvsadm foo -L", 2, "unexpected argument foo\n");
	parse_ok("ipvsadm -L -- ");
	parse_fails("ipvsadm -L -- -n", 2, "unexpected argument -n\n");
	/* Errors name the last word consumed. */
	parse_fails("ipvsadm -L -t", 255, "-t: missing argument\n");
	parse_fails("ipvsadm -Ln=3", 255, "-Ln=3: option does not take an argument\n");
	parse_fails("ipvsadm -L --numeric=1", 255,
	            "--numeric=1: option does not take an argument\n");
	parse_fails("ipvsadm -L --stat", 255, "--stat: unknown option\n");
	parse_fails("ipvsadm -Lq", 255, "-Lq: unknown option\n");
	/* A required argument is taken even if it looks like an option. */
	parse_fails("ipvsadm -L -t -n", 2, "illegal virtual server address[:port] specified\n");
}

/* The first option must be a command; a second command is an invalid option. */
static void commands(void **state)
{
	parse_fails("ipvsadm", 255, "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n");
	parse_fails("kipvs -nL", 255, "Try `kipvs -h' or 'kipvs --help' for more information.\n");
	parse_fails("ipvsadm --bogus", 255,
	            "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n");
	parse_fails("ipvsadm -L -S", 2, "invalid option `-S'\n");
	parse_fails("ipvsadm -LS", 2, "invalid option `-LS'\n");
	parse_fails("ipvsadm -L --stop-daemon master", 2, "invalid option `master'\n");
	parse_fails("ipvsadm -L -h", 2, "invalid option `-h'\n");
	parse_ok("ipvsadm -h");
	assert_int_equal(req.cmd, IPVS_CLI_HELP);
	parse_ok("ipvsadm --version");
	assert_int_equal(req.cmd, IPVS_CLI_VERSION);
	parse_ok("ipvsadm -l");
	assert_int_equal(req.cmd, IPVS_CLI_LIST);
	parse_ok("ipvsadm --list --sort --sort");
	parse_ok("ipvsadm --save -n");
	assert_int_equal(req.cmd, IPVS_CLI_SAVE);
	parse_ok("ipvsadm -C");
	assert_int_equal(req.cmd, IPVS_CLI_FLUSH);
	parse_ok("ipvsadm -R");
	assert_int_equal(req.cmd, IPVS_CLI_RESTORE);
	parse_fails("ipvsadm --start-daemon foo", 2, "illegal start-daemon parameter specified\n");
	parse_fails("ipvsadm --stop-daemon foo", 2, "illegal start_daemon specified\n");
	parse_fails("ipvsadm --set 1 2", 2, "--set option requires 3 timeout values\n");
	parse_fails("ipvsadm --set 1 2 x", 2, "invalid timeout value `x' specified\n");
	parse_fails("ipvsadm --set 1 2 3 4", 2, "unexpected argument 4\n");
}

static void restore_refuses_restore(void **state)
{
	char a0[] = "ipvsadm", a1[] = "-R";
	char *argv[] = { a0, a1 };

	assert_int_equal(ipvs_cli_parse(2, argv, true, &req, &err), -EINVAL);
	assert_string_equal(err.msg,
	                    "Try `ipvsadm -h' or 'ipvsadm --help' for more information.\n");
	assert_int_equal(err.status, 255);
}

/* generic_opt_check: required, refused and mutually exclusive options, in option order. */
static void legal_options(void **state)
{
	parse_fails("ipvsadm -L -s rr", 2, "Illegal 'scheduler' option with the 'list' command\n");
	parse_fails("ipvsadm -S --nosort", 2, "Illegal 'nosort' option with the 'save' command\n");
	parse_fails(
	    "ipvsadm -A -s rr", 2,
	    "You need to supply the 'service-address' option for the 'add-service' command\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80", 2,
	            "You need to supply the 'real-server' option for the 'add-server' command\n");
	parse_fails("ipvsadm -L -t 1.2.3.4:80 -c", 2,
	            "The option 'service-address' conflicts with the 'connection' option in the "
	            "'list' command\n");
	parse_fails(
	    "ipvsadm -L --timeout --daemon", 2,
	    "The option 'daemon' conflicts with the 'timeout' option in the 'list' command\n");
	parse_fails("ipvsadm -D -t 1.2.3.4:80 -s rr", 2,
	            "Illegal 'scheduler' option with the 'delete-service' command\n");
	parse_fails("ipvsadm -L -n -n", 2, "multiple 'numeric' options specified\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 1.1.1.1 -m -g", 2,
	            "multiple 'forwarding-method' options specified\n");
	parse_fails("ipvsadm -A -t 1.2.3.4:80 -f 1", 2,
	            "multiple 'service-address' options specified\n");
	parse_fails("ipvsadm -C -n", 2, "Illegal 'numeric' option with the 'flush' command\n");
	parse_fails("ipvsadm -R -n", 2, "Illegal 'numeric' option with the 'restore' command\n");
	parse_fails("ipvsadm -Lnc --stats", 2, "options conflicts in the list command\n");
	parse_fails("ipvsadm -L --daemon --persistent-conn", 2,
	            "options conflicts in the list command\n");
	parse_ok("ipvsadm -Lc --persistent-conn");
	parse_ok("ipvsadm -L --stats --rate --thresholds --persistent-conn --tun-info --exact");
	assert_int_equal(req.fmt, IPVS_FMT_STATS | IPVS_FMT_RATE | IPVS_FMT_THRESHOLDS |
	                              IPVS_FMT_PERSISTENTCONN | IPVS_FMT_TUN_INFO | IPVS_FMT_EXACT);
}

static void tunnels(void **state)
{
	parse_ok("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1:81 -i --tun-type gue --tun-port 6080 "
	         "--tun-remcsum");
	assert_int_equal(req.dest.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	assert_int_equal(req.dest.tun_port, 6080);
	assert_int_equal(req.dest.tun_flags, IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);
	assert_int_equal(req.dest.port, 80); /* tunnels keep the service port */
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -m --tun-type gre", 2,
	            "Tunnel options conflict with forward method\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -i --tun-type gre --tun-port 5", 2,
	            "Illegal 'tun-port' option with the 'gre' tunnel type\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -i --tun-csum", 2,
	            "Illegal 'tun-csum' option with the 'ipip' tunnel type\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -i --tun-type gue --tun-port 1 "
	            "--tun-csum --tun-nocsum",
	            2,
	            "The option 'tun-csum' conflicts with the 'tun-nocsum' option in the 'gue' "
	            "tunnel type\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -i --tun-type vxlan", 2,
	            "illegal tunnel type specified\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -i --tun-type gue --tun-port 0", 2,
	            "illegal tunnel port specified\n");
}

/* parse_service() and friends, quirks included. */
static void addresses(void **state)
{
	char buf[64];

	parse_ok("ipvsadm -A -t [2001:db8::1]:443 -s rr");
	assert_int_equal(req.svc.addr.af, AF_INET6);
	assert_int_equal(req.svc.port, 443);
	assert_int_equal(req.svc.netmask, 128);
	parse_ok("ipvsadm -A -u 10.1:53"); /* inet_aton's short forms */
	assert_string_equal(addr_fmt(&req.svc.addr, buf), "10.0.0.1");
	/* "[1.2.3.4]:80" loses its port in ipvsadm: a zero-port service. */
	parse_fails("ipvsadm -A -t [1.2.3.4]:80", 2,
	            "Zero port specified for non-persistent service\n");
	parse_fails("ipvsadm -A -t 80", 2, "illegal virtual server address[:port] specified\n");
	parse_fails("ipvsadm -A -t 1.2.3.4:65536", 2,
	            "illegal virtual server address[:port] specified\n");
	parse_fails("ipvsadm -A -t [::1", 2, "illegal virtual server address[:port] specified\n");
	parse_ok("ipvsadm -A -t 1.2.3.4:0 -p"); /* zero port is fine when persistent */
	/* Direct routing keeps the service port; masquerading the given one. */
	parse_ok("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1:8080 -g");
	assert_int_equal(req.dest.port, 80);
	parse_ok("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1:8080 -m");
	assert_int_equal(req.dest.port, 8080);
	parse_ok("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -m");
	assert_int_equal(req.dest.port, 80);
	/* fwmark: any dest port; the service has no protocol or address in kipvs. */
	parse_ok("ipvsadm -a -f 4294967295 -r 10.0.0.1:8080 -g");
	assert_int_equal(req.dest.port, 8080);
	assert_int_equal(req.svc.fwmark, 4294967295U);
	assert_int_equal(req.svc.protocol, 0);
	assert_int_equal(req.svc.addr.af, AF_INET);
	parse_fails("ipvsadm -A -f 4294967296", 2, "invalid fwmark value `4294967296' specified\n");
	parse_fails("ipvsadm -A -f -1", 2, "invalid fwmark value `-1' specified\n");
	parse_ok("ipvsadm -A -f 2 -6 -p 100 -M 64");
	assert_int_equal(req.svc.addr.af, AF_INET6);
	assert_int_equal(req.svc.netmask, 64);
	parse_ok("ipvsadm -A -t 192.168.50.1:8080 -s wrr -p -M 255.255.255.0");
	assert_int_equal(req.svc.netmask, htonl(0xffffff00U));
	parse_fails("ipvsadm -A -t 1.2.3.4:1 -p -M x.y", 2,
	            "illegal virtual server persistent mask specified\n");
	/* -M before an IPv6 -t: parsed as IPv4, then the address resets it to 128. */
	parse_ok("ipvsadm -A -M 64 -t [2001:db8::1]:80 -p");
	assert_int_equal(req.svc.netmask, 128);
	parse_fails("ipvsadm -A -t [2001:db8::1]:80 -p -M 0", 2,
	            "illegal ipv6 netmask specified\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -w -1", 2, "illegal weight specified\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -w 2147483648", 2,
	            "illegal weight specified\n");
	parse_fails("ipvsadm -a -t 1.2.3.4:80 -r 10.0.0.1 -x 1x", 2,
	            "illegal u_threshold specified\n");
}

/* A service name instead of a port, looked up for the service's protocol. */
static void port_names(void **state)
{
	char *services = unit_read_file("/etc/services", NULL);

	if (!services || !strstr(services, "\nhttp\t")) {
		free(services);
		skip();
		return;
	}
	parse_ok("ipvsadm -A -t 1.2.3.4:http");
	assert_int_equal(req.svc.port, 80);
	parse_ok("ipvsadm -a -t 1.2.3.4:http -r 10.0.0.1:https -m");
	assert_int_equal(req.dest.port, 443);
	parse_fails("ipvsadm -A -t 1.2.3.4:no-such-service", 2,
	            "illegal virtual server address[:port] specified\n");
	free(services);
}

static void sched_flags(void **state)
{
	parse_ok("ipvsadm -A -t 1.2.3.4:80 -s mh -b mh-port,mh-fallback");
	assert_int_equal(req.svc.flags & 0x38, IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2);
	parse_ok("ipvsadm -A -t 1.2.3.4:80 -s rr -b flag-1,flag-3");
	assert_int_equal(req.svc.flags & 0x38, IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED3);
	parse_ok("ipvsadm -A -t 1.2.3.4:80 -b flag-2"); /* no -s: checked against wlc */
	parse_fails("ipvsadm -A -t 1.2.3.4:80 -b sh-port", 2,
	            "incompatible scheduler flag `sh-port'\n");
	parse_fails("ipvsadm -A -t 1.2.3.4:80 -s sh -b sh-port,bogus", 2,
	            "invalid scheduler flag `bogus'\n");
	parse_ok("ipvsadm -A -u 1.2.3.4:53 -o --pe sip -p");
	assert_int_equal(req.svc.flags, IP_VS_SVC_F_ONEPACKET | IP_VS_SVC_F_PERSISTENT);
	assert_string_equal(req.svc.pe_name, "sip");
	parse_ok("ipvsadm -A -f 1 -o"); /* one-packet is fine for fwmarks */
}

static void daemons(void **state)
{
	parse_ok("ipvsadm --start-daemon master");
	assert_string_equal(req.daemon.mcast_ifn, "eth0");
	assert_int_equal(req.daemon.syncid, 0);
	parse_fails("ipvsadm --start-daemon master --syncid 256", 2, "illegal syncid specified\n");
	parse_fails("ipvsadm --start-daemon master --mcast-group 10.0.0.1", 2,
	            "invalid IPv4 mcast-group `10.0.0.1'\n");
	parse_fails("ipvsadm --start-daemon master --mcast-group 2001:db8::1", 2,
	            "invalid IPv6 mcast-group `2001:db8::1'\n");
	parse_ok("ipvsadm --start-daemon master --mcast-group ff02::1");
	assert_int_equal(req.daemon.mcast_group.af, AF_INET6);
	parse_fails("ipvsadm --stop-daemon master --mcast-interface x", 2,
	            "Illegal 'mcast-interface' option with the 'stop-daemon' command\n");
}

static void kernel_error_texts(void **state)
{
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_ADD, -EEXIST), "Service already exists");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_ADD, -ENOENT),
	                    "Scheduler or persistence engine not found");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_EDIT, -ESRCH), "No such service");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_ZERO, -ESRCH), "No such service");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_LIST, -ESRCH), "No such service");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_ADDDEST, -ESRCH), "Service not defined");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_ADDDEST, -EEXIST),
	                    "Destination already exists");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_DELDEST, -ENOENT), "No such destination");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_STOPDAEMON, -ESRCH), "No daemon is running");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_STARTDAEMON, -EEXIST),
	                    "Daemon has already run");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_ADDDEST, -ERANGE),
	                    "Numerical result out of range");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_ADDDEST, -EINVAL),
	                    "Invalid operation.  Possibly wrong module version, address not "
	                    "unicast, ...");
	assert_string_equal(ipvs_cli_strerror(IPVS_CLI_FLUSH, -EPERM),
	                    "Permission denied (you must be root)");
	assert_string_equal(ipvs_cli_cmd_name(IPVS_CLI_ADDDEST), "add-server");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(captured_argument_errors),
		cmocka_unit_test(captured_commands_parse),
		cmocka_unit_test(popt_scanning),
		cmocka_unit_test(commands),
		cmocka_unit_test(restore_refuses_restore),
		cmocka_unit_test(legal_options),
		cmocka_unit_test(tunnels),
		cmocka_unit_test(addresses),
		cmocka_unit_test(port_names),
		cmocka_unit_test(sched_flags),
		cmocka_unit_test(daemons),
		cmocka_unit_test(kernel_error_texts),
	};

	return unit_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
}
