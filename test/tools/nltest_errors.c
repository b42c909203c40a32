/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-testtool nl-test errors — the kernel's error paths through ipvs/, one TAP
 * line per check. Works on services in 198.51.100.0/24 (TEST-NET-2) and
 * removes them at the end; anything else in the table is left alone.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../ipvs/ipvs.h"
#include "testtool.h"

struct tap {
	int n, failed;
};

static void check(struct tap *t, const char *name, int got, int want)
{
	t->n++;
	if (got == want) {
		printf("ok %d - %s\n", t->n, name);
		return;
	}
	t->failed++;
	printf("not ok %d - %s (got %d \"%s\", want %d)\n", t->n, name, got, ipvs_strerror(got),
	       want);
}

static void check_text(struct tap *t, const char *name, const char *text, const char *needle)
{
	t->n++;
	if (strstr(text, needle)) {
		printf("ok %d - %s\n", t->n, name);
		return;
	}
	t->failed++;
	printf("not ok %d - %s (\"%s\" lacks \"%s\")\n", t->n, name, text, needle);
}

static struct ipvs_service svc(const char *addr, uint16_t port, const char *sched)
{
	struct ipvs_service s;

	memset(&s, 0, sizeof(s));
	if (addr_parse(addr, &s.addr) < 0)
		memset(&s.addr, 0, sizeof(s.addr));
	s.protocol = IPPROTO_TCP;
	s.port = port;
	snprintf(s.sched_name, sizeof(s.sched_name), "%s", sched);
	s.netmask = s.addr.af == AF_INET6 ? 128 : 0xffffffffu;
	return s;
}

static struct ipvs_dest dest(const char *addr, uint16_t port)
{
	struct ipvs_dest d;

	memset(&d, 0, sizeof(d));
	if (addr_parse(addr, &d.addr) < 0)
		memset(&d.addr, 0, sizeof(d.addr));
	d.port = port;
	d.weight = 1;
	d.conn_flags = IP_VS_CONN_F_MASQ;
	return d;
}

/* The batch path: several outcomes in one ipvs_apply(), each on its change. */
static void batch_errors(struct tap *t, struct ipvs_handle *h)
{
	struct ipvs_service a = svc("198.51.100.10", 80, "rr");
	struct ipvs_service gone = svc("198.51.100.11", 80, "rr");
	struct ipvs_change c[6];
	size_t failed = 99;
	int err;

	memset(c, 0, sizeof(c));
	c[0].op = IPVS_OP_ADD_SERVICE, c[0].svc = a;
	c[1].op = IPVS_OP_ADD_SERVICE, c[1].svc = a;
	c[2].op = IPVS_OP_ADD_DEST, c[2].svc = a, c[2].dest = dest("10.0.9.1", 80);
	c[3].op = IPVS_OP_DEL_DEST, c[3].svc = a, c[3].dest = dest("10.0.9.2", 80);
	c[4].op = IPVS_OP_DEL_SERVICE, c[4].svc = gone;
	c[5].op = IPVS_OP_DEL_SERVICE, c[5].svc = a;
	err = ipvs_apply(h, c, 6, &failed);
	check(t, "batch: exchanged", err, 0);
	check(t, "batch: add service", c[0].err, 0);
	check(t, "batch: add again -> EEXIST on its change", c[1].err, -EEXIST);
	check(t, "batch: add dest", c[2].err, 0);
	check(t, "batch: delete missing dest -> ENOENT on its change", c[3].err, -ENOENT);
	check(t, "batch: delete missing service -> ESRCH on its change", c[4].err, -ESRCH);
	check(t, "batch: delete service", c[5].err, 0);
	check(t, "batch: n_failed counts the failures", (int)failed, 3);
}

int tool_nltest_errors(void)
{
	struct ipvs_service s = svc("198.51.100.1", 80, "rr"),
	                    missing = svc("198.51.100.2", 80, "rr");
	struct ipvs_dest d = dest("10.0.9.1", 8080), d2 = dest("10.0.9.2", 8080);
	struct ipvs_change c;
	struct ipvs_handle *h;
	struct ipvs_vs vs;
	struct tap t = { 0 };
	char text[256];
	int err;

	err = ipvs_open(&h);
	check(&t, "open", err, 0);
	if (err) {
		printf("1..%d\n", t.n);
		return 1;
	}
	/* Leftovers of an earlier, interrupted run (ESRCH when there are none). */
	err = ipvs_del_service(h, &s);
	if (err && err != -ESRCH)
		printf("# cleanup: %s\n", ipvs_strerror(err));

	check(&t, "add service", ipvs_add_service(h, &s), 0);
	check(&t, "add existing service -> EEXIST", ipvs_add_service(h, &s), -EEXIST);
	check(&t, "edit missing service -> ESRCH", ipvs_edit_service(h, &missing), -ESRCH);
	check(&t, "delete missing service -> ESRCH", ipvs_del_service(h, &missing), -ESRCH);
	check(&t, "get missing service -> ESRCH", ipvs_get_service(h, &missing), -ESRCH);
	check(&t, "zero missing service -> ESRCH", ipvs_zero(h, &missing), -ESRCH);
	check(&t, "add dest to missing service -> ESRCH", ipvs_add_dest(h, &missing, &d), -ESRCH);

	check(&t, "add dest", ipvs_add_dest(h, &s, &d), 0);
	check(&t, "add existing dest -> EEXIST", ipvs_add_dest(h, &s, &d), -EEXIST);
	check(&t, "edit missing dest -> ENOENT", ipvs_edit_dest(h, &s, &d2), -ENOENT);
	check(&t, "delete missing dest -> ENOENT", ipvs_del_dest(h, &s, &d2), -ENOENT);
	d2.l_threshold = 10, d2.u_threshold = 5;
	check(&t, "lower threshold above upper -> ERANGE", ipvs_add_dest(h, &s, &d2), -ERANGE);
	d2 = dest("10.0.9.2", 8080), d2.weight = -1;
	check(&t, "negative weight -> ERANGE", ipvs_add_dest(h, &s, &d2), -ERANGE);
	d2 = dest("224.0.0.1", 8080);
	check(&t, "multicast dest -> EINVAL", ipvs_add_dest(h, &s, &d2), -EINVAL);
	d2 = dest("2001:db8::9", 8080);
	check(&t, "IPv6 masq dest under IPv4 service -> EINVAL", ipvs_add_dest(h, &s, &d2),
	      -EINVAL);
	d2 = dest("10.0.9.3", 8080), d2.conn_flags = IP_VS_CONN_F_TUNNEL;
	d2.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	check(&t, "GUE without tunnel port -> EINVAL", ipvs_add_dest(h, &s, &d2), -EINVAL);

	memset(&c, 0, sizeof(c));
	c.op = IPVS_OP_ADD_SERVICE;
	c.svc = svc("198.51.100.3", 80, "nosuchsched");
	check(&t, "unknown scheduler -> ENOENT", ipvs_add_service(h, &c.svc), -ENOENT);
	c.err = -ENOENT;
	check_text(&t, "unknown scheduler text names the module",
	           ipvs_change_strerror(&c, text, sizeof(text)), "modprobe ip_vs_nosuchsched");
	c.svc = svc("198.51.100.3", 80, "rr");
	snprintf(c.svc.pe_name, sizeof(c.svc.pe_name), "nosuchpe");
	check(&t, "unknown persistence engine -> ENOENT", ipvs_add_service(h, &c.svc), -ENOENT);
	c.svc = svc("2001:db8::3", 80, "rr");
	c.svc.netmask = 129;
	check(&t, "IPv6 netmask 129 -> EINVAL", ipvs_add_service(h, &c.svc), -EINVAL);
	c.svc = svc("198.51.100.3", 80, "rr");
	memset(c.svc.sched_name, 'x', sizeof(c.svc.sched_name));
	check(&t, "unterminated scheduler name -> EINVAL, not sent", ipvs_add_service(h, &c.svc),
	      -EINVAL);

	check(&t, "stop a daemon that is not running -> ESRCH",
	      ipvs_stop_daemon(h, IP_VS_STATE_BACKUP), -ESRCH);

	/* Dests of a service that is gone: an empty dump, not an error. */
	memset(&vs, 0, sizeof(vs));
	vs.svc = missing;
	err = ipvs_dump_dests(h, &vs);
	check(&t, "dest dump of a missing service is empty", err == 0 && vs.n_dests == 0, 1);

	/* The socket stays usable and in step after all of that. */
	memset(&vs, 0, sizeof(vs));
	vs.svc = s;
	err = ipvs_dump_dests(h, &vs);
	check(&t, "dest dump after errors",
	      err == 0 && vs.n_dests == 1 && ipvs_dest_same(&vs.dests[0], &d), 1);
	ipvs_vs_free(&vs);
	check(&t, "get service after errors", ipvs_get_service(h, &s), 0);
	check(&t, "delete dest", ipvs_del_dest(h, &s, &d), 0);
	check(&t, "delete service", ipvs_del_service(h, &s), 0);

	batch_errors(&t, h);

	check_text(&t, "ENOENT text names modprobe", ipvs_strerror(-ENOENT), "modprobe ip_vs");
	check_text(&t, "EPERM text names CAP_NET_ADMIN", ipvs_strerror(-EPERM), "CAP_NET_ADMIN");
	ipvs_close(h);
	printf("1..%d\n", t.n);
	return t.failed ? 1 : 0;
}
