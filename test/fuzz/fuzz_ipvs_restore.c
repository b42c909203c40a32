/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kipvs -R`: ipvsadm -S text read from a stream (ipvs_restore_parse on an
 * fmemopen() of the input), as the command reads its standard input. Every
 * change of an input that parses is built into the netlink request
 * ipvs_restore_apply() would send and read back (support/ipvs_roundtrip.h);
 * an input that does not must report its bad lines in order, each with
 * ipvsadm's message and status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/admin/ipvs_restore.h"
#include "fuzz.h"
#include "support/ipvs_roundtrip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* fmemopen() wants a writable buffer even to read */
	char *copy = fuzz_strndup(data, size);
	FILE *f = fmemopen(copy, size ? size : 1, "r");
	struct ipvs_restore r;
	int rc;

	FUZZ_ASSERT(f != NULL, "fmemopen");
	if (!size)
		(void)fgetc(f); /* an empty input: a stream already at its end */
	ipvs_restore_init(&r);
	rc = ipvs_restore_parse(f, "ipvsadm", &r);
	fclose(f);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL, "only bad lines fail a parse");
	FUZZ_ASSERT(r.n_errors <= IPVS_RESTORE_MAX_ERRORS && r.n_errors <= r.total_errors,
	            "error counts");
	FUZZ_ASSERT((rc == -EINVAL) == (r.total_errors > 0), "-EINVAL exactly with bad lines");
	for (size_t i = 0; i < r.n_errors; i++) {
		size_t n = strnlen(r.errors[i].msg, sizeof(r.errors[i].msg));

		FUZZ_ASSERT(n > 0 && n < sizeof(r.errors[i].msg) && r.errors[i].msg[n - 1] == '\n',
		            "a bad line has a one-line message");
		FUZZ_ASSERT(r.errors[i].status == 2 || r.errors[i].status == 255,
		            "ipvsadm's exit status");
		FUZZ_ASSERT(r.errors[i].line >= 1 && r.errors[i].line <= r.lines &&
		                (i == 0 || r.errors[i].line > r.errors[i - 1].line),
		            "bad lines in order");
	}
	for (size_t i = 0; i < r.n; i++) {
		FUZZ_ASSERT(r.meta[i].line >= 1 && r.meta[i].line <= r.lines, "a change's line");
		if (!r.meta[i].flush)
			fuzz_ipvs_change_roundtrip(&r.changes[i]);
	}
	ipvs_restore_free(&r);
	free(copy);
	return 0;
}
