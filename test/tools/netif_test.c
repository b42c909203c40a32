/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kipvs-testtool netif-test` — a developer command that drives ipvs/netif
 * directly, so the VM tests can check the interface layer against the real
 * kernel with iproute2 as the oracle.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../ipvs/netif.h"
#include "testtool.h"

static int fail(const char *what, int err)
{
	fprintf(stderr, "netif-test: %s: %s\n", what, strerror(-err));
	return 1;
}

static int print_addrs(struct netif *h, int ifindex, int except)
{
	struct netif_addr *v;
	size_t n;
	char buf[ADDR_STRLEN];
	int err = netif_addrs(h, ifindex, except, &v, &n);

	if (err < 0)
		return fail("addrs", err);
	for (size_t i = 0; i < n; i++)
		printf("%d %s/%u\n", v[i].ifindex, addr_fmt(&v[i].addr, buf), v[i].prefixlen);
	free(v);
	return 0;
}

static int monitor(int want, int timeout_s)
{
	struct netif_monitor *m;
	int seen = 0, err = netif_monitor_open(&m);
	time_t end = time(NULL) + timeout_s;

	if (err < 0)
		return fail("monitor", err);
	printf("listening\n");
	fflush(stdout);
	while (seen < want && time(NULL) < end) {
		struct pollfd p = { .fd = netif_monitor_fd(m), .events = POLLIN };

		if (poll(&p, 1, 200) <= 0)
			continue;
		err = netif_monitor_drain(m);
		if (err < 0) {
			netif_monitor_close(m);
			return fail("drain", err);
		}
		seen += err;
	}
	netif_monitor_close(m);
	printf("events %d\n", seen);
	return seen >= want ? 0 : 1;
}

int tool_netif_test(int argc, char **argv)
{
	struct netif *h;
	struct net_addr a;
	int err, idx, rc = 0;

	if (argc < 2) {
		fprintf(stderr,
		        "usage: kipvs-testtool netif-test ensure|index|delete NAME | addrs NAME | "
		        "local NAME | add|del NAME ADDR | monitor N SECONDS\n");
		return 2;
	}
	if (!strcmp(argv[1], "monitor") && argc == 4)
		return monitor((int)strtol(argv[2], NULL, 10), (int)strtol(argv[3], NULL, 10));
	err = netif_open(&h);
	if (err < 0)
		return fail("open", err);
	if (!strcmp(argv[1], "ensure") && argc == 3) {
		idx = netif_ensure_dummy(h, argv[2]);
		rc = idx < 0 ? fail("ensure", idx) : (printf("%d\n", idx), 0);
	} else if (!strcmp(argv[1], "index") && argc == 3) {
		idx = netif_index(h, argv[2]);
		rc = idx < 0 ? fail("index", idx) : (printf("%d\n", idx), 0);
	} else if (!strcmp(argv[1], "delete") && argc == 3) {
		err = netif_delete_dummy(h, argv[2]);
		rc = err < 0 ? fail("delete", err) : 0;
	} else if ((!strcmp(argv[1], "addrs") || !strcmp(argv[1], "local")) && argc == 3) {
		idx = netif_index(h, argv[2]);
		if (idx < 0)
			rc = fail("index", idx);
		else if (!strcmp(argv[1], "addrs"))
			rc = print_addrs(h, idx, 0);
		else
			rc = print_addrs(h, 0, idx);
	} else if ((!strcmp(argv[1], "add") || !strcmp(argv[1], "del")) && argc == 4) {
		idx = netif_index(h, argv[2]);
		if (idx < 0) {
			rc = fail("index", idx);
		} else if (addr_parse(argv[3], &a) < 0) {
			fprintf(stderr, "netif-test: bad address %s\n", argv[3]);
			rc = 2;
		} else {
			err = argv[1][0] == 'a' ? netif_addr_add(h, idx, &a)
			                        : netif_addr_del(h, idx, &a);
			rc = err < 0 ? fail(argv[1], err) : 0;
		}
	} else {
		fprintf(stderr, "netif-test: bad arguments\n");
		rc = 2;
	}
	netif_close(h);
	return rc;
}
