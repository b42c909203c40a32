/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kipvs diff` — what a sync would change now, as the commands that would
 * do it (ipvsadm for the table, ip for kube-ipvs0, nft for the packet
 * filter's tables, conntrack for the stale UDP entries the changes leave).
 * Changes nothing. Exit 0 when the node is in sync, 1 when not, 2 on errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../ipvs/ipvs.h"
#include "../ipvs/admin/ipvs_print.h"
#include "../ipvs/netif.h"
#include "../lib/config.h"
#include "../lib/log.h"
#include "../sync/driver/sync_fetch.h"
#include "../sync/driver/sync_nl.h"
#include "../sync/driver/sync_reconcile.h"
#include "../sync/driver/sync_record.h"
#include "../sync/sync_filter.h"
#include "../sync/sync_store.h"
#include "cmd.h"

/* One -S line of @c's virtual server (and destination) as "ipvsadm -X ...",
 * the option letter being the change's. */
static void print_line(const struct ipvs_change *c, char op)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	int err;

	if (!f)
		return;
	if (op == 'A' || op == 'E')
		err = ipvs_print_save_service(f, &c->svc, IPVS_FMT_NUMERIC);
	else
		err = ipvs_print_save_dest(f, &c->svc, &c->dest, IPVS_FMT_NUMERIC);
	fclose(f);
	if (!err && len > 2) {
		line[1] = op; /* "-A ..." / "-a ..." */
		printf("ipvsadm %s", line);
	}
	free(line);
}

static void print_change(const struct ipvs_change *c)
{
	char id[IPVS_PRINT_NAMELEN + 32], d[ADDR_STRLEN];

	switch (c->op) {
	case IPVS_OP_ADD_SERVICE:
		print_line(c, 'A');
		break;
	case IPVS_OP_EDIT_SERVICE:
		print_line(c, 'E');
		break;
	case IPVS_OP_ADD_DEST:
		print_line(c, 'a');
		break;
	case IPVS_OP_EDIT_DEST:
		print_line(c, 'e');
		break;
	case IPVS_OP_DEL_SERVICE:
		ipvs_print_service_id(id, sizeof(id), &c->svc, IPVS_FMT_NUMERIC);
		printf("ipvsadm -D %s\n", id);
		break;
	case IPVS_OP_DEL_DEST:
		ipvs_print_service_id(id, sizeof(id), &c->svc, IPVS_FMT_NUMERIC);
		printf("ipvsadm -d %s -r %s\n", id, addr_port_fmt(&c->dest.addr, c->dest.port, d));
		break;
	}
}

/* A conntrack clean-up target as the conntrack(8) command that deletes its
 * entries; what the command cannot say (the entries kept) as a comment. */
static void print_ct(const struct sync_ct_plan *p, const struct sync_ct_target *t)
{
	char a[ADDR_STRLEN];

	printf("conntrack -D%s -p udp --orig-dst %s --orig-port-dst %u",
	       t->addr.af == AF_INET6 ? " -f ipv6" : "", addr_fmt(&t->addr, a), t->port);
	if (t->why == SYNC_CT_DEST_GONE)
		printf(" --reply-src %s --reply-port-src %u", addr_fmt(&t->rs.addr, a), t->rs.port);
	printf("  # %s", sync_ct_why_name(t->why));
	for (size_t i = 0; i < t->n_keep; i++)
		printf("%s%s", i ? "," : ", not replies from ",
		       addr_port_fmt(&p->keep[t->keep + i].addr, p->keep[t->keep + i].port, a));
	printf("\n");
}

/* The record as the commands that would make it, in the order of the pass. */
static bool print_record(const struct sync_record *rec, const struct sync_filter *filter)
{
	const struct sync_record_entry *e;
	char buf[ADDR_STRLEN];
	size_t n;

	e = sync_record_entries(rec, &n);
	for (size_t i = 0; i < n; i++, e++) {
		switch (e->kind) {
		case SYNC_REC_LINK_ADD:
			printf("ip link add %s type dummy\n", e->link);
			break;
		case SYNC_REC_ADDR_ADD:
		case SYNC_REC_ADDR_DEL:
			printf("ip addr %s %s/%d dev %s\n",
			       e->kind == SYNC_REC_ADDR_ADD ? "add" : "del",
			       addr_fmt(&e->addr, buf), e->addr.af == AF_INET ? 32 : 128,
			       SYNC_IFNAME);
			break;
		case SYNC_REC_IPVS:
			print_change(&e->change);
			break;
		case SYNC_REC_TIMEOUTS:
			printf("ipvsadm --set %u %u %u\n", e->timeouts.tcp, e->timeouts.tcp_fin,
			       e->timeouts.udp);
			break;
		case SYNC_REC_NFT:
			if (sync_filter_render_op(filter, &e->nft, stdout))
				fputs("kipvs diff: cannot print an nftables change\n", stderr);
			break;
		case SYNC_REC_CT:
			print_ct(sync_record_ct(rec), &sync_record_ct(rec)->v[e->ct]);
			break;
		}
	}
	return n > 0;
}

int cmd_diff(int argc, char **argv)
{
	struct kipvs_config cfg;
	struct sync_reconcile_opts ro = { 0 };
	struct sync_reconcile *rec = NULL;
	struct sync_record *record = NULL;
	struct sync_store *st = NULL;
	struct sync_nl nl = { 0 };
	char err[512], host[256], *zone = NULL;
	bool more = true, help;
	double timeout_s;
	int rc;

	config_init(&cfg);
	if (cmd_take_timeout(&argc, argv, "diff", &timeout_s)) {
		config_free(&cfg);
		return 2;
	}
	rc = config_from_args(&cfg, argc, argv, stdout, &help, err, sizeof(err));
	if (rc || help) {
		if (rc)
			fprintf(stderr, "kipvs diff: %s\n", err);
		else
			fputs("\n" CMD_TIMEOUT_HELP, stdout);
		config_free(&cfg);
		return rc ? 2 : 0;
	}
	log_set_level(cfg.log_level);
	if (!cfg.hostname_override && gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		cfg.hostname_override = strdup(host);
	}
	rc = ipvs_open(&nl.ipvs);
	if (rc) {
		fprintf(stderr, "kipvs diff: %s\n", ipvs_strerror(rc));
		rc = 2;
		goto out;
	}
	rc = netif_open(&nl.netif);
	/* Without nf_tables the filter's part is left out (said once). */
	if (!rc && nft_open(&nl.nft))
		nl.nft = NULL;
	if (!rc)
		rc = sync_store_new(&st);
	if (!rc)
		rc = sync_fetch(&cfg, cfg.hostname_override, st, &zone, timeout_s);
	if (rc) {
		cmd_fetch_failed("diff", rc, timeout_s);
		rc = 2;
		goto out;
	}
	/* The daemon's full pass, over a backend that reads the kernel and
	 * records what it would write. */
	rc = sync_record_new(&sync_nl_ops, &nl, &record);
	ro.cfg = &cfg;
	ro.ops = &sync_record_ops;
	ro.be = record;
	ro.store = st;
	if (!rc)
		rc = sync_reconcile_new(&ro, &rec);
	if (!rc && zone)
		rc = sync_reconcile_set_zone(rec, zone, NULL);
	if (!rc)
		rc = sync_reconcile_full_begin(rec, 0, false);
	while (!rc && more)
		rc = sync_reconcile_full_step(rec, SYNC_APPLY_BATCH, &more);
	if (rc < 0) {
		fprintf(stderr, "kipvs diff: %s\n", strerror(-rc));
		rc = 2;
		goto out;
	}
	rc = print_record(record, sync_reconcile_filter(rec)) ? 1 : 0;
out:
	sync_reconcile_free(rec);
	sync_record_free(record);
	sync_store_free(st);
	netif_close(nl.netif);
	nft_close(nl.nft);
	ipvs_close(nl.ipvs);
	free(zone);
	config_free(&cfg);
	return rc;
}
