/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kipvs-testtool nft-test — the packet filter's passes (sync_nft) over the
 * real nf_tables, without IPVS or an API server (VM and host tests):
 *
 *   nft-test sync [flags] -f FILE...   one full pass from Kubernetes objects
 *                                      (as kipvs render reads them), then
 *                                      prints what it sent
 *   nft-test remove                    kipvs cleanup's table removal
 *
 * flags: kipvs run's --hostname-override, --node-ip, --masquerade-all,
 * --cluster-cidr, --detect-local-mode, --pod-bridge-interface,
 * --pod-interface-name-prefix, --iptables-masquerade-bit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cmd.h"
#include "../../ipvs/nft.h"
#include "../../lib/config.h"
#include "../../sync/driver/sync_nft.h"
#include "../../sync/driver/sync_nl.h"
#include "../../sync/sync_store.h"
#include "testtool.h"

#define MAX_FILES 16

static int sync_once(struct kipvs_config *cfg, const char *const *files, size_t n_files)
{
	struct sync_nl nl = { 0 };
	struct sync_store *st = NULL;
	struct sync_nft *sn = NULL;
	struct sync_node node;
	struct render_node rn = { 0 };
	struct sync_filter_opts fo;
	struct sync_nft_stats s;
	int err;

	sync_node_init(&node);
	err = nft_open(&nl.nft);
	if (!err)
		err = sync_store_new(&st);
	if (!err)
		err = render_load(files, n_files, cfg->hostname_override, st, &rn);
	if (!err)
		err = sync_node_set_name(&node, cfg->hostname_override);
	if (!err)
		err = sync_node_set_node_addrs(&node, cfg->node_ips, cfg->n_node_ips, NULL, 0);
	if (!err)
		err = sync_node_set_local_addrs(&node, cfg->node_ips, cfg->n_node_ips);
	if (!err) {
		sync_filter_opts_from(cfg, rn.pod_cidrs, rn.n_pod_cidrs, &fo);
		err = sync_nft_new(&sync_nl_ops, &nl, &fo, &sn);
	}
	if (!err)
		err = sync_nft_full_pre(sn, st, &node);
	if (!err) {
		sync_nft_full_post(sn);
		sync_nft_stats(sn, &s);
		printf("available=%d writes=%llu ok=%llu failed=%llu rebuilds=%llu elems_sent=%llu "
		       "elems_failed=%llu need_full=%d full_txn_us=%llu\n",
		       s.available, (unsigned long long)s.writes, (unsigned long long)s.txn_ok,
		       (unsigned long long)s.txn_failed, (unsigned long long)s.rebuilds,
		       (unsigned long long)s.elems_sent, (unsigned long long)s.elems_failed,
		       sync_nft_need_full(sn), (unsigned long long)s.last_full_txn_us);
	}
	if (err)
		fprintf(stderr, "nft-test: %s\n", nft_strerror(err));
	sync_nft_free(sn);
	sync_store_free(st);
	sync_node_clear(&node);
	free(rn.zone);
	nft_close(nl.nft);
	return err ? 1 : 0;
}

static int remove_tables(void)
{
	struct sync_nl nl = { 0 };
	size_t removed = 0;
	int err = nft_open(&nl.nft);

	if (!err)
		err = sync_nft_remove(&sync_nl_ops, &nl, false, &removed);
	nft_close(nl.nft);
	if (err) {
		fprintf(stderr, "nft-test: %s\n", nft_strerror(err));
		return 1;
	}
	printf("removed=%zu\n", removed);
	return 0;
}

int tool_nft_test(int argc, char **argv)
{
	const char *files[MAX_FILES];
	size_t n_files = 0;
	struct kipvs_config cfg;
	bool ips = false;
	int rc = 2;

	config_init(&cfg);
	if (argc >= 2 && !strcmp(argv[1], "remove")) {
		rc = remove_tables();
		goto out;
	}
	if (argc < 2 || strcmp(argv[1], "sync"))
		goto usage;
	for (int i = 2; i < argc; i++) {
		char err[256];
		const char *name = argv[i] + 2, *eq;
		char flag[64];

		if (!strcmp(argv[i], "-f") && i + 1 < argc && n_files < MAX_FILES) {
			files[n_files++] = argv[++i];
			continue;
		}
		if (strncmp(argv[i], "--", 2))
			goto usage;
		eq = strchr(name, '=');
		snprintf(flag, sizeof(flag), "%.*s", eq ? (int)(eq - name) : (int)strlen(name),
		         name);
		if (!strcmp(flag, "masquerade-all") && !eq) {
			cfg.masquerade_all = true;
			continue;
		}
		if (!eq && i + 1 >= argc)
			goto usage;
		if (config_apply_flag(&cfg, flag, eq ? eq + 1 : argv[++i],
		                      !strcmp(flag, "node-ip") && ips, err, sizeof(err))) {
			fprintf(stderr, "nft-test: %s\n", err);
			goto out;
		}
		ips |= !strcmp(flag, "node-ip");
	}
	rc = sync_once(&cfg, files, n_files);
	goto out;
usage:
	fputs("usage: kipvs-testtool nft-test sync [flags] -f FILE... | remove\n", stderr);
out:
	config_free(&cfg);
	return rc;
}
