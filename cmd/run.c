/* SPDX-License-Identifier: Apache-2.0 */
/* `kipvs run` — the node daemon: configuration, then sync_daemon. */
#include <stdbool.h>
#include <stdio.h>

#include "../lib/config.h"
#include "../lib/log.h"
#include "../sync/driver/sync_cleanup.h"
#include "../sync/driver/sync_daemon.h"
#include "cmd.h"

int cmd_run(int argc, char **argv)
{
	struct kipvs_config cfg;
	char err[512];
	bool help;
	int rc;

	config_init(&cfg);
	rc = config_from_args(&cfg, argc, argv, stdout, &help, err, sizeof(err));
	if (!rc && help) {
		config_free(&cfg);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "kipvs run: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	log_set_level(cfg.log_level);
	if (cfg.cleanup)
		rc = sync_cleanup_run(&cfg, false);
	else
		rc = sync_daemon_run(&cfg);
	config_free(&cfg);
	return rc;
}
