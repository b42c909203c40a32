/* SPDX-License-Identifier: Apache-2.0 */
/*
 * -R input: the saves captured from ipvsadm (basic, stats, big, full) parsed
 * into changes, replayed into an in-memory table and saved again: the text
 * must come back byte for byte. The full save holds lines ipvsadm itself
 * cannot restore (negative fwmarks, "(null)" methods); every one must be
 * reported with its line number, and nothing kept.
 */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../ipvs/admin/ipvs_print.h"
#include "../../ipvs/admin/ipvs_restore.h"

#define CAP "ipvsadm/"

static int parse_text(const char *text, struct ipvs_restore *r)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(in);
	ipvs_restore_init(r);
	rc = ipvs_restore_parse(in, "ipvsadm", r);
	fclose(in);
	return rc;
}

/* A stand-in kernel: applies changes to @t with the kernel's errors. */
static void apply_in_memory(struct ipvs_restore *r, struct ipvs_table *t)
{
	for (size_t i = 0; i < r->n; i++) {
		struct ipvs_change *c = &r->changes[i];
		struct ipvs_vs *vs;

		if (r->meta[i].flush) {
			ipvs_table_free(t);
			ipvs_table_init(t);
			continue;
		}
		vs = ipvs_table_find(t, &c->svc);
		switch (c->op) {
		case IPVS_OP_ADD_SERVICE:
			c->err = vs ? -EEXIST : 0;
			if (!vs)
				assert_non_null(ipvs_table_add(t, &c->svc));
			break;
		case IPVS_OP_ADD_DEST:
			c->err = !vs ? -ESRCH : ipvs_vs_find_dest(vs, &c->dest) ? -EEXIST : 0;
			if (!c->err)
				assert_int_equal(ipvs_vs_add_dest(vs, &c->dest), 0);
			break;
		default:
			fail_msg("unexpected op %d", c->op);
		}
	}
}

static char *save(const struct ipvs_table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(ipvs_print_save(f, t, IPVS_FMT_NUMERIC), 0);
	fclose(f);
	return buf;
}

static void round_trip_text(const char *text)
{
	struct ipvs_restore r;
	struct ipvs_table t;
	char *again;

	assert_int_equal(parse_text(text, &r), 0);
	ipvs_table_init(&t);
	apply_in_memory(&r, &t);
	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.changes[i].err, 0);
	again = save(&t);
	assert_string_equal(again, text);
	free(again);
	ipvs_table_free(&t);
	ipvs_restore_free(&r);
}

static void round_trip_captures(void **state)
{
	static const char *const saves[] = {
		CAP "basic/10_Sn.out",
		CAP "stats/30_Sn.out",
		CAP "big/07_Sn.out",
		CAP "errors/32_after_edits_Sn.out",
	};

	for (size_t i = 0; i < sizeof(saves) / sizeof(saves[0]); i++) {
		char *text = unit_read_file(unit_fixture_path(saves[i]), NULL);

		assert_non_null(text);
		round_trip_text(text);
		free(text);
	}
}

/* full/03: ipvsadm -R stops at line 1 (full/16); kipvs names every bad line. */
static void full_save_has_unrestorable_lines(void **state)
{
	char *text = unit_read_file(unit_fixture_path(CAP "full/03_Sn.out"), NULL);
	char *want = unit_read_file(unit_fixture_path(CAP "full/16_restore.err"), NULL);
	struct ipvs_restore r;

	assert_non_null(text);
	assert_non_null(want);
	assert_int_equal(parse_text(text, &r), -EINVAL);
	assert_int_equal(r.lines, 46);
	assert_int_equal(r.total_errors, 5);
	assert_int_equal(r.n_errors, 5);
	assert_int_equal(r.errors[0].line, 1);
	assert_string_equal(r.errors[0].msg, want); /* ipvsadm's own words, exit 2 */
	assert_int_equal(r.errors[0].status, 2);
	for (int i = 1; i <= 3; i++) {
		assert_int_equal(r.errors[i].line, 19 + i);
		assert_string_equal(r.errors[i].msg, "unexpected argument (null)\n");
	}
	assert_int_equal(r.errors[4].line, 46);
	assert_string_equal(r.errors[4].msg, "invalid fwmark value `-2147483648' specified\n");
	ipvs_restore_free(&r);
	free(want);
	free(text);
}

/* Without the lines ipvsadm cannot restore, the full table round-trips. */
static void full_save_without_bad_lines(void **state)
{
	char *text = unit_read_file(unit_fixture_path(CAP "full/03_Sn.out"), NULL);
	size_t cap = strlen(text) + 1, len = 0;
	char *kept = calloc(1, cap), *line, *save = NULL;

	assert_non_null(kept);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "(null)") || strstr(line, "-f -"))
			continue;
		len += (size_t)snprintf(kept + len, cap - len, "%s\n", line);
	}
	round_trip_text(kept);
	free(kept);
	free(text);
}

static void one_line(struct ipvs_restore *r, const char *line, int rc)
{
	assert_int_equal(ipvs_restore_parse_line(r, r->lines + 1, line, "kipvs"), rc);
	r->lines++;
}

static void line_grammar(void **state)
{
	struct ipvs_restore r;
	char buf[128];

	ipvs_restore_init(&r);
	one_line(&r, "\n", 0);
	one_line(&r, "   \t \r\n", 0);
	one_line(&r, "# a comment -A -t x\n", 0);
	one_line(&r, "ipvsadm -A -t 10.96.0.1:443 -s rr -p 10800\n", 0);
	one_line(&r, "-a\t-t 10.96.0.1:443 ipvsadm -r 10.244.1.3:6443 -m -w 1", 0);
	one_line(&r, "-C\n", 0);
	one_line(&r, "-e -t 10.96.0.1:443 -r 10.244.1.3:6443 -i -w 0 -x 5 -y 2\n", 0);
	one_line(&r, "-E -t 10.96.0.1:443 -s wrr\n", 0);
	one_line(&r, "-d -t 10.96.0.1:443 -r 10.244.1.3\n", 0);
	one_line(&r, "-D -f 7 -6\n", 0);
	assert_int_equal(r.n, 7);
	assert_int_equal(r.total_errors, 0);

	assert_int_equal(r.meta[0].line, 4);
	assert_int_equal(r.changes[0].op, IPVS_OP_ADD_SERVICE);
	assert_int_equal(r.changes[0].svc.timeout, 10800);
	assert_string_equal(r.changes[0].svc.sched_name, "rr");
	assert_int_equal(r.changes[1].op, IPVS_OP_ADD_DEST);
	assert_int_equal(r.changes[1].dest.port, 6443);
	assert_int_equal(r.changes[1].dest.conn_flags, IP_VS_CONN_F_MASQ);
	assert_string_equal(addr_fmt(&r.changes[1].dest.addr, buf), "10.244.1.3");
	assert_true(r.meta[2].flush);
	assert_int_equal(r.meta[2].cmd, IPVS_CLI_FLUSH);
	assert_int_equal(r.changes[3].op, IPVS_OP_EDIT_DEST);
	assert_int_equal(r.changes[3].dest.port, 443); /* tunnel: the service's port */
	assert_int_equal(r.changes[3].dest.weight, 0);
	assert_int_equal(r.changes[3].dest.u_threshold, 5);
	assert_int_equal(r.changes[4].op, IPVS_OP_EDIT_SERVICE);
	assert_string_equal(r.changes[4].svc.sched_name, "wrr");
	assert_int_equal(r.changes[4].svc.flags, 0); /* -E replaces every flag */
	assert_int_equal(r.changes[5].op, IPVS_OP_DEL_DEST);
	assert_int_equal(r.changes[5].dest.port, 443); /* default method: direct routing */
	assert_int_equal(r.changes[6].op, IPVS_OP_DEL_SERVICE);
	assert_int_equal(r.changes[6].svc.fwmark, 7);
	assert_int_equal(r.changes[6].svc.addr.af, AF_INET6);
	assert_int_equal(r.changes[6].svc.protocol, 0);
	ipvs_restore_free(&r);
}

static void refused_lines(void **state)
{
	struct ipvs_restore r;
	char longline[IPVS_RESTORE_MAX_LINE + 10];

	ipvs_restore_init(&r);
	one_line(&r, "-L -n\n", -EINVAL);
	one_line(&r, "-R\n", -EINVAL);
	one_line(&r, "--set 1 2 3\n", -EINVAL);
	one_line(&r, "-A -t 10.96.0.1:0\n", -EINVAL);
	one_line(&r, "-A -t 10.96.0.1:80 --bogus\n", -EINVAL);
	one_line(&r, "hello\n", -EINVAL);
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	one_line(&r, longline, -EINVAL);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.total_errors, 7);
	assert_string_equal(r.errors[0].msg, "the 'list' command is not a table change; a restore "
	                                     "takes -A -E -D -a -e -d -C\n");
	assert_string_equal(r.errors[1].msg,
	                    "Try `kipvs -h' or 'kipvs --help' for more information.\n");
	assert_int_equal(r.errors[1].status, 255);
	assert_string_equal(r.errors[2].msg, "the 'set' command is not a table change; a restore "
	                                     "takes -A -E -D -a -e -d -C\n");
	assert_string_equal(r.errors[3].msg, "Zero port specified for non-persistent service\n");
	assert_string_equal(r.errors[4].msg, "--bogus: unknown option\n");
	assert_string_equal(r.errors[5].msg,
	                    "Try `kipvs -h' or 'kipvs --help' for more information.\n");
	assert_string_equal(r.errors[6].msg, "line too long\n");
	assert_int_equal(r.errors[6].line, 7);
	ipvs_restore_free(&r);
}

/* Only the first IPVS_RESTORE_MAX_ERRORS bad lines are kept; all are counted. */
static void many_bad_lines(void **state)
{
	struct ipvs_restore r;
	size_t n = IPVS_RESTORE_MAX_ERRORS + 50;
	char *text = malloc(n * 8 + 1), *p = text;

	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		p += snprintf(p, 9, "-A -f 0\n");
	assert_int_equal(parse_text(text, &r), -EINVAL);
	assert_int_equal(r.total_errors, n);
	assert_int_equal(r.n_errors, IPVS_RESTORE_MAX_ERRORS);
	assert_int_equal(r.errors[IPVS_RESTORE_MAX_ERRORS - 1].line, IPVS_RESTORE_MAX_ERRORS);
	ipvs_restore_free(&r);
	free(text);
}

/* A 10,000-service save (kube-proxy scale) parses quickly into 30,000 changes. */
static void large_input(void **state)
{
	size_t n = 10000, cap = n * 3 * 80;
	char *text = malloc(cap), *p = text;
	struct ipvs_restore r;
	struct ipvs_table t;
	char *again;

	assert_non_null(text);
	for (size_t i = 0; i < n; i++) {
		unsigned a = (unsigned)(i / 250), b = (unsigned)(i % 250) + 1;

		p += snprintf(p, cap - (size_t)(p - text), "-A -t 10.100.%u.%u:80 -s rr\n", a, b);
		for (unsigned d = 1; d <= 2; d++)
			p += snprintf(p, cap - (size_t)(p - text),
			              "-a -t 10.100.%u.%u:80 -r 10.244.%u.%u:8080 -m -w 1\n", a, b,
			              b, d);
	}
	assert_int_equal(parse_text(text, &r), 0);
	assert_int_equal(r.n, n * 3);
	ipvs_table_init(&t);
	apply_in_memory(&r, &t);
	again = save(&t);
	assert_int_equal(strlen(again), strlen(text));
	free(again);
	ipvs_table_free(&t);
	ipvs_restore_free(&r);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_captures),
		cmocka_unit_test(full_save_has_unrestorable_lines),
		cmocka_unit_test(full_save_without_bad_lines),
		cmocka_unit_test(line_grammar),
		cmocka_unit_test(refused_lines),
		cmocka_unit_test(many_bad_lines),
		cmocka_unit_test(large_input),
	};

	return unit_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
}
