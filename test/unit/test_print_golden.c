/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The central golden test: the netlink replies recorded from a real 6.1
 * kernel (full/15, stats/31, rebuilt and decoded by nlreplay) go through the
 * command-line parser and the listing commands (ipvs_cli_show: what kipvs -L
 * and -S run, with the replay as the kernel), and the result must equal,
 * byte for byte, what Debian 12's ipvsadm 1.31 printed on that kernel state
 * (stdout, stderr and exit status of each capture).
 */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../../ipvs/admin/ipvs_cli.h"
#include "../../ipvs/admin/ipvs_cli_show.h"
#include "../../ipvs/admin/ipvs_print.h"
#include "support/nlreplay.h"

#define CAP "ipvsadm/"

struct result {
	char *out, *err;
	size_t out_len, err_len;
	int rc;
};

static char *read_ref(const char *rel)
{
	char *s = unit_read_file(unit_fixture_path(rel), NULL);

	if (!s)
		fail_msg("cannot read %s", unit_fixture_path(rel));
	return s;
}

/* Splits a capture's .cmd line ("ipvsadm -Ln --stats") into argv. */
static int split(char *line, char **argv, int max)
{
	int n = 0;

	for (char *save = NULL, *t = strtok_r(line, " \t\n", &save); t && n < max;
	     t = strtok_r(NULL, " \t\n", &save))
		argv[n++] = t;
	return n;
}

/* --- the replayed kernel as the listing commands' source ------------------------ */

/* A copy of @f appended to @t (its counters too when @t keeps them). */
static int copy_vs(struct ipvs_vs *vs, const struct ipvs_vs *f, bool stats)
{
	vs->svc = f->svc;
	if (stats && ipvs_vs_keep_stats(vs))
		return -ENOMEM;
	for (size_t j = 0; j < f->n_dests; j++)
		if (ipvs_vs_add_dest(vs, &f->dests[j]))
			return -ENOMEM;
	if (!stats)
		return 0;
	*ipvs_vs_stats(vs, NULL) = *ipvs_vs_stats_or_zero(f, NULL);
	for (size_t j = 0; j < f->n_dests; j++)
		*ipvs_vs_stats(vs, &vs->dests[j]) = *ipvs_vs_stats_or_zero(f, &f->dests[j]);
	return 0;
}

static int r_info(void *ctx, struct ipvs_info *out)
{
	const struct nlreplay *r = ctx;

	*out = r->info;
	return r->has_info ? 0 : -EIO;
}

static int r_table(void *ctx, struct ipvs_table *out)
{
	const struct nlreplay *r = ctx;

	for (size_t i = 0; i < r->table.n; i++) {
		struct ipvs_vs *vs = ipvs_table_add(out, &r->table.vs[i].svc);

		if (!vs || copy_vs(vs, &r->table.vs[i], out->with_stats))
			return -ENOMEM;
	}
	return 0;
}

static int r_one(void *ctx, struct ipvs_vs *vs)
{
	const struct nlreplay *r = ctx;
	const struct ipvs_vs *f = ipvs_table_find(&r->table, &vs->svc);

	return f ? copy_vs(vs, f, true) : -ESRCH;
}

static int r_timeouts(void *ctx, struct ipvs_timeouts *out)
{
	const struct nlreplay *r = ctx;

	*out = r->timeouts;
	return r->has_timeouts ? 0 : -EIO;
}

static int r_daemons(void *ctx, struct ipvs_daemon out[2], size_t *n)
{
	const struct nlreplay *r = ctx;

	memcpy(out, r->daemons, sizeof(r->daemons));
	*n = r->n_daemons;
	return 0;
}

/* The kipvs command's own parse and listing code (cmd/admin.c runs the
 * same two calls), against a replayed table. */
static void run(const struct nlreplay *r, int argc, char **argv, struct result *res)
{
	FILE *out = open_memstream(&res->out, &res->out_len);
	FILE *err = open_memstream(&res->err, &res->err_len);
	const struct ipvs_cli_source src = {
		.info = r_info,
		.table = r_table,
		.one = r_one,
		.timeouts = r_timeouts,
		.daemons = r_daemons,
		.ctx = (void *)r,
	};
	struct ipvs_cli_req req;
	struct ipvs_cli_error e;

	assert_non_null(out);
	assert_non_null(err);
	if (ipvs_cli_parse(argc, argv, false, &req, &e)) {
		fputs(e.msg, err);
		res->rc = e.status;
	} else {
		res->rc = ipvs_cli_show(&req, &src, out, err);
	}
	fclose(out);
	fclose(err);
}

/* Runs capture @name (e.g. "full/01_Ln") against @r and compares everything. */
static void golden(const struct nlreplay *r, const char *name)
{
	char path[256], *cmd, *want_out, *want_err, *want_rc, *argv[32];
	struct result res = { 0 };
	int argc;

	snprintf(path, sizeof(path), CAP "%s.cmd", name);
	cmd = read_ref(path);
	argc = split(cmd, argv, 32);
	run(r, argc, argv, &res);
	snprintf(path, sizeof(path), CAP "%s.out", name);
	want_out = read_ref(path);
	snprintf(path, sizeof(path), CAP "%s.err", name);
	want_err = read_ref(path);
	snprintf(path, sizeof(path), CAP "%s.rc", name);
	want_rc = read_ref(path);
	if (strcmp(res.out, want_out))
		print_message("%s: stdout differs\n--- got\n%s--- want\n%s", name, res.out,
		              want_out);
	assert_string_equal(res.out, want_out);
	assert_string_equal(res.err, want_err);
	assert_int_equal(res.rc, (int)strtol(want_rc, NULL, 10));
	free(res.out);
	free(res.err);
	free(cmd);
	free(want_out);
	free(want_err);
	free(want_rc);
}

static void load(struct nlreplay *r, const char *rel)
{
	int err = nlreplay_load(unit_fixture_path(rel), r);

	if (err)
		fail_msg("nlreplay_load(%s) = %d", rel, err);
}

static void full_listings(void **state)
{
	static const char *const names[] = {
		"full/01_Ln",
		"full/02_Ln_nosort",
		"full/03_Sn",
		"full/04_Ln_stats",
		"full/05_Ln_rate",
		"full/06_Ln_exact_stats",
		"full/07_Ln_thresholds",
		"full/08_Ln_persistent_conn",
		"full/09_Ln_tun_info",
	};
	struct nlreplay r;

	load(&r, CAP "full/15_probe_dump.out");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		golden(&r, names[i]);
	nlreplay_free(&r);
}

static void full_single_service(void **state)
{
	static const char *const names[] = {
		"full/10_Ln_fwm_one",
		"full/11_Ln_fwm_max",
		"full/12_Ln_v6_one",
		"full/13_Ln_sctp_one",
	};
	struct nlreplay r;

	load(&r, CAP "full/15_probe_dump.out");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		golden(&r, names[i]);
	nlreplay_free(&r);
}

/*
 * stats/31 was dumped after the listings 17..30 were taken. Counters do not
 * move without traffic, so every counter listing must match; the rates are
 * the kernel estimator's moving averages, which kept decaying between the
 * captures: the dump matches the last rate listing (21, --rate --exact), not
 * the earlier one (20) — see rates_moved_between_captures.
 */
static void stats_listings(void **state)
{
	static const char *const names[] = {
		"stats/17_Ln",
		"stats/18_Ln_stats",
		"stats/19_Ln_stats_exact",
		"stats/21_Ln_rate_exact",
		"stats/22_Ln_persistent_conn",
		"stats/23_Ln_thresholds",
		"stats/30_Sn",
		"stats/05_timeout_partial",
		"stats/12_daemon_after_stop",
	};
	struct nlreplay r;

	load(&r, CAP "stats/31_probe_dump_stats.out");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		golden(&r, names[i]);
	nlreplay_free(&r);
}

/* stats/20 (--rate) was listed earlier than the dump: only rate columns differ. */
static void rates_moved_between_captures(void **state)
{
	struct nlreplay r;
	char cmd[] = "ipvsadm -Ln --rate";
	char *argv[8], *want = read_ref(CAP "stats/20_Ln_rate.out");
	struct result res = { 0 };
	int argc = split(cmd, argv, 8);

	load(&r, CAP "stats/31_probe_dump_stats.out");
	run(&r, argc, argv, &res);
	assert_string_not_equal(res.out, want);
	/* Same lines, same names, same layout: only numbers moved. */
	assert_int_equal(strlen(res.out), strlen(want));
	for (size_t i = 0; want[i]; i++) {
		bool digit_or_space =
		    (want[i] == ' ' || (want[i] >= '0' && want[i] <= '9')) &&
		    (res.out[i] == ' ' || (res.out[i] >= '0' && res.out[i] <= '9'));

		if (want[i] != res.out[i] && !digit_or_space)
			fail_msg("byte %zu differs in more than a number", i);
	}
	free(res.out);
	free(res.err);
	free(want);
	nlreplay_free(&r);
}

/* A service the table does not have: "No such service", exit 1, nothing on stdout. */
static void missing_service(void **state)
{
	struct nlreplay r;

	load(&r, CAP "full/15_probe_dump.out");
	golden(&r, "errors/22_list_missing");
	golden(&r, "basic/29_Ln_missing_svc");
	nlreplay_free(&r);
}

static void option_conflicts(void **state)
{
	struct nlreplay r;

	load(&r, CAP "full/15_probe_dump.out");
	golden(&r, "basic/36_Lnc_stats_conflict");
	golden(&r, "basic/37_Ln_timeout_pc_conflict");
	golden(&r, "errors/21_bad_opt");
	nlreplay_free(&r);
}

/* ---- the basic scenario, built by hand (no probe dump was recorded) ------- */

static struct ipvs_vs *add_svc(struct ipvs_table *t, uint16_t proto, const char *addr,
                               uint16_t port, const char *sched, uint32_t flags, uint32_t timeout)
{
	struct ipvs_service s = { 0 };
	struct ipvs_vs *vs;

	assert_int_equal(addr_parse(addr, &s.addr), 0);
	s.protocol = proto;
	s.port = port;
	snprintf(s.sched_name, sizeof(s.sched_name), "%s", sched);
	s.flags = flags | IP_VS_SVC_F_HASHED;
	s.timeout = timeout;
	s.netmask = 0xffffffffU;
	vs = ipvs_table_add(t, &s);
	assert_non_null(vs);
	return vs;
}

static void add_dest(struct ipvs_vs *vs, const char *addr, uint16_t port, uint32_t fwd,
                     int32_t weight, uint32_t u, uint32_t l)
{
	struct ipvs_dest d = { 0 };

	assert_int_equal(addr_parse(addr, &d.addr), 0);
	d.port = port;
	d.conn_flags = fwd;
	d.weight = weight;
	d.u_threshold = u;
	d.l_threshold = l;
	assert_int_equal(ipvs_vs_add_dest(vs, &d), 0);
}

/* basic/: the kernel table of a small kube-proxy-like node, in dump order. */
static void build_basic(struct nlreplay *r)
{
	struct ipvs_vs *vs;

	memset(r, 0, sizeof(*r));
	r->info.version = 0x00010201;
	r->info.conn_tab_size = 4096;
	r->has_info = true;
	vs = add_svc(&r->table, IPPROTO_TCP, "10.96.0.1", 443, "rr", 0, 0);
	add_dest(vs, "10.244.2.200", 6443, IP_VS_CONN_F_MASQ, 0, 0, 0); /* added last: first */
	add_dest(vs, "10.244.1.3", 6443, IP_VS_CONN_F_MASQ, 1, 0, 0);
	add_dest(vs, "10.244.1.5", 6443, IP_VS_CONN_F_MASQ, 1, 0, 0);
	vs = add_svc(&r->table, IPPROTO_TCP, "10.96.0.10", 53, "wlc", 0, 0);
	add_dest(vs, "10.244.0.6", 53, IP_VS_CONN_F_TUNNEL, 65535, 0, 0);
	add_dest(vs, "10.244.0.7", 53, IP_VS_CONN_F_DROUTE, 5, 0, 0);
	vs = add_svc(&r->table, IPPROTO_UDP, "10.96.0.10", 53, "rr", IP_VS_SVC_F_PERSISTENT, 10800);
	add_dest(vs, "10.244.0.6", 53, IP_VS_CONN_F_MASQ, 1, 100, 10);
	add_dest(vs, "10.244.0.7", 53, IP_VS_CONN_F_MASQ, 1, 0, 0);
}

static void basic_listings(void **state)
{
	/* Not 06_L_noresolve/07_noargs/11_S: they resolve names, which the guest
	 * could not (no resolver files) but this host can (443 -> https). */
	static const char *const names[] = {
		"basic/04_Ln",
		"basic/05_ln_lower",
		"basic/08_Ln_nosort",
		"basic/09_Ln_sort",
		"basic/10_Sn",
		"basic/12_save_long",
		"basic/13_Ln_stats",
		"basic/14_Ln_rate",
		"basic/15_Ln_stats_exact",
		"basic/16_Ln_rate_exact",
		"basic/17_Ln_exact",
		"basic/18_Ln_thresholds",
		"basic/19_Ln_persistent_conn",
		"basic/20_Ln_tun_info",
		"basic/21_Ln_stats_rate",
		"basic/22_Ln_thr_pc",
		"basic/27_Ln_one_svc",
		"basic/28_Ln_one_svc_stats",
		"basic/29_Ln_missing_svc",
		"basic/35_after_restore_Sn",
	};
	struct nlreplay r;

	build_basic(&r);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		golden(&r, names[i]);
	nlreplay_free(&r);
}

static void basic_empty(void **state)
{
	struct nlreplay r;

	memset(&r, 0, sizeof(r));
	r.info.version = 0x00010201;
	r.info.conn_tab_size = 4096;
	r.has_info = true;
	golden(&r, "basic/02_empty_Ln");
	golden(&r, "basic/03_empty_Sn");
	golden(&r, "basic/33_after_clear");
	nlreplay_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_listings),   cmocka_unit_test(full_single_service),
		cmocka_unit_test(stats_listings),  cmocka_unit_test(rates_moved_between_captures),
		cmocka_unit_test(missing_service), cmocka_unit_test(option_conflicts),
		cmocka_unit_test(basic_listings),  cmocka_unit_test(basic_empty),
	};

	return unit_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));
}
