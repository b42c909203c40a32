/* SPDX-License-Identifier: Apache-2.0 */
/* `kipvs cleanup` — remove what kipvs owns (its virtual servers, kube-ipvs0,
 * its nftables tables). */
#include <stdio.h>
#include <string.h>

#include "../lib/config.h"
#include "../lib/log.h"
#include <errno.h>

#include "../ipvs/ipvs.h"
#include "../sync/driver/sync_cleanup.h"
#include "cmd.h"

int cmd_cleanup(int argc, char **argv)
{
	struct kipvs_config cfg;
	struct sync_cleanup_result res;
	char err[512];
	bool dry = false, help;
	int rc, n = 0;
	char *args[64];

	/* --dry-run is cleanup's own; every other flag is kipvs run's. */
	for (int i = 0; i < argc && n < 63; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry = true;
		else
			args[n++] = argv[i];
	}
	args[n] = NULL;
	config_init(&cfg);
	rc = config_from_args(&cfg, n, args, stdout, &help, err, sizeof(err));
	if (!rc && help) {
		printf(
		    "\n  --dry-run                                    say what would be removed\n");
		config_free(&cfg);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "kipvs cleanup: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	log_set_level(cfg.log_level);
	rc = sync_cleanup(&cfg, dry, &res);
	config_free(&cfg);
	if (rc < 0) {
		fprintf(stderr, "kipvs cleanup: %s\n",
		        rc == -ENOENT || rc == -EPERM ? ipvs_strerror(rc) : strerror(-rc));
		return 1;
	}
	if (!res.vs_removed && !res.link_removed && !res.vs_failed && !res.nft_tables)
		printf("nothing to do (%zu foreign virtual servers left alone)\n", res.vs_foreign);
	else
		printf("%s %zu virtual servers%s%s, %zu foreign left alone%s\n",
		       dry ? "would remove" : "removed", res.vs_removed,
		       !res.link_removed ? ""
		       : res.nft_tables  ? ", kube-ipvs0"
		                         : " and kube-ipvs0",
		       res.nft_tables == 2   ? " and the nftables tables ip/ip6 kipvs"
		       : res.nft_tables == 1 ? " and an nftables table kipvs"
		                             : "",
		       res.vs_foreign, res.vs_failed ? " (some failed, see the log)" : "");
	return res.vs_failed ? 1 : 0;
}
