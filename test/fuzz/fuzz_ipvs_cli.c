/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ipvsadm-style command line (ipvs_cli_parse) as `kipvs -A/-a/...`
 * takes it: the input is the argument list, one word per line (a word may
 * hold blanks; argv[0] is always "kipvs"). A command that parses is then
 * built into the netlink request kipvs would send and read back
 * (support/ipvs_roundtrip.h); one that does not must say why the way
 * ipvsadm does: a message ending in a newline and exit status 2 or 255.
 * Host and service names resolve through support/fuzz_support.c's table,
 * never the network.
 */
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/admin/ipvs_cli.h"
#include "fuzz.h"
#include "support/ipvs_roundtrip.h"

#define MAX_WORDS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char prog[] = "kipvs";
	char *text = fuzz_strndup(data, size);
	char *argv[MAX_WORDS + 2] = { prog };
	int argc = 1;
	struct ipvs_cli_req req;
	struct ipvs_cli_error err;

	for (char *p = text; argc <= MAX_WORDS;) {
		char *nl = strchr(p, '\n');

		argv[argc++] = p;
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	argv[argc] = NULL;
	memset(&err, 0, sizeof(err));
	if (ipvs_cli_parse(argc, argv, false, &req, &err) == 0) {
		fuzz_ipvs_req_roundtrip(&req);
	} else {
		size_t n = strnlen(err.msg, sizeof(err.msg));

		FUZZ_ASSERT(n > 0 && n < sizeof(err.msg), "an error has a message");
		FUZZ_ASSERT(err.msg[n - 1] == '\n', "the message ends its line");
		FUZZ_ASSERT(err.status == 2 || err.status == 255, "ipvsadm's exit status");
	}
	free(text);
	return 0;
}
