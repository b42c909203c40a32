/* SPDX-License-Identifier: Apache-2.0 */
/* --timeout of the one-shot commands that read the API server (cmd.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/config.h"
#include "cmd.h"

int cmd_take_timeout(int *argc, char **argv, const char *cmd, double *secs)
{
	int out = 0;

	*secs = CMD_TIMEOUT_DEFAULT_S;
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i], *v = NULL;
		uint64_t ms;

		if (!strcmp(a, "--timeout")) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "kipvs %s: --timeout needs a duration (e.g. 30s)\n",
				        cmd);
				return -EINVAL;
			}
			v = argv[++i];
		} else if (!strncmp(a, "--timeout=", 10)) {
			v = a + 10;
		} else {
			argv[out++] = argv[i];
			continue;
		}
		if (config_parse_duration(v, &ms) || ms == 0) {
			fprintf(stderr,
			        "kipvs %s: --timeout '%s': want a duration above zero, like 30s or "
			        "2m\n",
			        cmd, v);
			return -EINVAL;
		}
		*secs = (double)ms / 1000.0;
	}
	argv[out] = NULL;
	*argc = out;
	return 0;
}

void cmd_fetch_failed(const char *cmd, int err, double timeout_s)
{
	if (err == -ETIMEDOUT)
		fprintf(stderr,
		        "kipvs %s: the API server did not answer every list within %gs "
		        "(--timeout); the log above says what failed\n",
		        cmd, timeout_s);
	else
		fprintf(stderr, "kipvs %s: cannot read the cluster: %s\n", cmd, strerror(-err));
}
