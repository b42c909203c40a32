/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `-L -c` from /proc/net/ip_vs_conn text: the real file captured in the guest
 * (stats/27) next to what ipvsadm printed from it (stats/24-26), plus the
 * parsing corners (IPv6 rows, short rows, long lines, empty input).
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../ipvs/admin/ipvs_print.h"

#define CAP "ipvsadm/"

static char *read_ref(const char *rel)
{
	char *s = unit_read_file(unit_fixture_path(rel), NULL);

	if (!s)
		fail_msg("cannot read %s", unit_fixture_path(rel));
	return s;
}

/* Runs the printer over @in_text; returns the output (caller frees) and the result in *rc. */
static char *conns(const char *in_text, unsigned fmt, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *in = fmemopen((void *)in_text, strlen(in_text), "r");
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(in);
	assert_non_null(out);
	*rc = ipvs_print_conns(out, in, fmt);
	fclose(in);
	fclose(out);
	return buf;
}

static void replace(char *s, const char *from, const char *to)
{
	char *p = strstr(s, from);

	assert_non_null(p);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
}

/*
 * stats/26 (-Lc) was listed from the same file contents as stats/27; the guest
 * had no resolver files, so it printed numbers — what -n prints.
 */
static void real_file_numeric(void **state)
{
	char *proc = read_ref(CAP "stats/27_proc_ip_vs_conn.out");
	char *want = read_ref(CAP "stats/26_Lc_noresolve.out");
	int rc;
	char *got = conns(proc, IPVS_FMT_NUMERIC, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
	free(want);
	free(proc);
}

/*
 * stats/25 (-Lnc --persistent-conn) was taken one second before stats/27: the
 * persistence template then had 10793 s left ("179:53"), 10792 in the file.
 * Everything else, including the mismatched PE columns, must be identical.
 */
static void real_file_persistent_conn(void **state)
{
	char *proc = read_ref(CAP "stats/27_proc_ip_vs_conn.out");
	char *want = read_ref(CAP "stats/25_Lnc_pc.out");
	int rc;
	char *got = conns(proc, IPVS_FMT_NUMERIC | IPVS_FMT_PERSISTENTCONN, &rc);

	replace(want, "UDP 179:53 NONE", "UDP 179:52 NONE");
	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	assert_non_null(
	    strstr(got, "10.244.6.1:5060  sip                call-abc-123@example.org\n"));
	free(got);
	free(want);
	free(proc);
}

static void empty_table(void **state)
{
	char *proc = read_ref(CAP "basic/31_proc_ip_vs_conn.out");
	char *want = read_ref(CAP "basic/23_Lnc.out");
	char *want_pc = read_ref(CAP "basic/24_Lnc_pc.out");
	int rc;
	char *got = conns(proc, IPVS_FMT_NUMERIC, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
	got = conns(proc, IPVS_FMT_NUMERIC | IPVS_FMT_PERSISTENTCONN, &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(got, want_pc);
	free(got);
	free(want);
	free(want_pc);
	free(proc);
}

static void no_header(void **state)
{
	int rc;
	char *got = conns("", IPVS_FMT_NUMERIC, &rc);

	assert_int_equal(rc, -ENODATA);
	assert_string_equal(got, "");
	free(got);
}

/* A blank line makes ipvsadm's sscanf return EOF and ipvsadm exit(1) on the spot. */
static void blank_line_stops(void **state)
{
	static const char in[] = "Pro FromIP\n"
	                         "TCP 0A600001 C938 0A600001 01BB 0AF40103 192B SYN_RECV 53\n"
	                         "   \n"
	                         "TCP 0A600001 C938 0A600001 01BB 0AF40103 192B SYN_RECV 53\n";
	int rc;
	char *got = conns(in, IPVS_FMT_NUMERIC, &rc);

	assert_int_equal(rc, -EBADMSG);
	assert_string_equal(got, "IPVS connection entries\n"
	                         "pro expire state       source             virtual            "
	                         "destination\n"
	                         "TCP 00:53  SYN_RECV    10.96.0.1:51512    10.96.0.1:443      "
	                         "10.244.1.3:6443\n");
	free(got);
}

/* IPv6 rows carry text addresses; a v4 client can meet a v6 destination (tunnels). */
static void ipv6_rows(void **state)
{
	static const char in[] =
	    "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n"
	    "TCP 2001:0db8:0000:0000:0000:0000:0000:0099 D431 "
	    "2001:0db8:0000:0000:0000:0000:0000:0001 "
	    "0050 2001:0db8:0000:0000:0000:0000:0000:0010 1F90 ESTABLISHED    899\n"
	    "TCP 0A600001 C938 0A60003C 0050 2001:0db8:0000:0000:0000:0000:0000:0030 0050 "
	    "FIN_WAIT         7\n";
	int rc;
	char *got = conns(in, IPVS_FMT_NUMERIC, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(got, "IPVS connection entries\n"
	                         "pro expire state       source             virtual            "
	                         "destination\n"
	                         "TCP 14:59  ESTABLISHED [2001:db8::99]:54321 [2001:db8::1]:80   "
	                         "[2001:db8::10]:8080\n"
	                         "TCP 00:07  FIN_WAIT    10.96.0.1:51512    10.96.0.60:80      "
	                         "[2001:db8::30]:80\n");
	free(got);
}

/* Rows cut short keep the short layout; a 10-field row is no PE row. */
static void short_rows(void **state)
{
	static const char in[] = "hdr\n"
	                         "UDP 0A60001E 0000 0A60001E 13C4 0AF40601 13C4 NONE 60 sip\n";
	int rc;
	char *got = conns(in, IPVS_FMT_NUMERIC | IPVS_FMT_PERSISTENTCONN, &rc);

	assert_int_equal(rc, 0);
	assert_non_null(strstr(got, "UDP 01:00  NONE        10.96.0.30:0       10.96.0.30:5060    "
	                            "10.244.6.1:5060\n"));
	free(got);
}

/* ipvsadm reads 255 bytes at a time: the rest of a long line is read as another row. */
static void long_line_in_pieces(void **state)
{
	char in[1024];
	int rc;
	char *got;

	snprintf(in, sizeof(in),
	         "hdr\nUDP 0A60001E 0000 0A60001E 13C4 0AF40601 13C4 NONE 60 sip %0240d\n", 7);
	got = conns(in, IPVS_FMT_NUMERIC | IPVS_FMT_PERSISTENTCONN, &rc);
	assert_int_equal(rc, 0);
	/* Two rows: the cut one, then the tail of the PE data as a protocol name. */
	assert_int_equal(strchr(strchr(strstr(got, "sip"), '\n') + 1, '\n') != NULL, 1);
	assert_non_null(strstr(got, "\n0000"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(real_file_numeric), cmocka_unit_test(real_file_persistent_conn),
		cmocka_unit_test(empty_table),       cmocka_unit_test(no_header),
		cmocka_unit_test(blank_line_stops),  cmocka_unit_test(ipv6_rows),
		cmocka_unit_test(short_rows),        cmocka_unit_test(long_line_in_pieces),
	};

	return unit_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
}
