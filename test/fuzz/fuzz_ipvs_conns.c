/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kipvs -L -c`: the kernel's /proc/net/ip_vs_conn text (IPv4 addresses in
 * hex, IPv6 in text, persistence-engine data) read from a memory stream and
 * printed as ipvsadm prints it (ipvs_print_conns), numeric only (no
 * resolver). Input: [flags] text; flags bit 0 asks --persistent-conn.
 * The outcome must be one of those documented: printed, no header line
 * (-ENODATA) or a line with no field (-EBADMSG).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../ipvs/admin/ipvs_print.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned fmt = IPVS_FMT_NUMERIC | (fuzz_u8(&in) & 1 ? IPVS_FMT_PERSISTENTCONN : 0);
	/* fmemopen() wants a writable buffer even to read, and some room */
	char *text = fuzz_strndup(in.p, in.n), *out = NULL;
	size_t out_len = 0;
	FILE *f = fmemopen(text, in.n ? in.n : 1, "r"), *o = open_memstream(&out, &out_len);
	int rc;

	FUZZ_ASSERT(f && o, "memory streams");
	if (!in.n)
		(void)fgetc(f); /* an empty input: a stream already at its end */
	rc = ipvs_print_conns(o, f, fmt);
	FUZZ_ASSERT(rc == 0 || rc == -ENODATA || rc == -EBADMSG, "a documented outcome");
	fclose(f);
	fclose(o);
	free(out);
	free(text);
	return 0;
}
