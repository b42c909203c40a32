/* SPDX-License-Identifier: Apache-2.0 */
#include "ipvs_cli_show.h"

#include <string.h>

#include "ipvs_print.h"

/* --- the kernel as a source ------------------------------------------------------ */

static int k_info(void *ctx, struct ipvs_info *out)
{
	return ipvs_get_info(ctx, out);
}

static int k_table(void *ctx, struct ipvs_table *out)
{
	return ipvs_dump_table(ctx, out);
}

static int k_one(void *ctx, struct ipvs_vs *vs)
{
	int err = ipvs_vs_keep_stats(vs);

	if (!err)
		err = ipvs_get_service_stats(ctx, &vs->svc, ipvs_vs_stats(vs, NULL));
	return err ? err : ipvs_dump_dests(ctx, vs);
}

static int k_timeouts(void *ctx, struct ipvs_timeouts *out)
{
	return ipvs_get_timeouts(ctx, out);
}

static int k_daemons(void *ctx, struct ipvs_daemon out[2], size_t *n)
{
	return ipvs_get_daemons(ctx, out, n);
}

void ipvs_cli_kernel_source(struct ipvs_handle *h, struct ipvs_cli_source *out)
{
	*out = (struct ipvs_cli_source){
		.info = k_info,
		.table = k_table,
		.one = k_one,
		.timeouts = k_timeouts,
		.daemons = k_daemons,
		.ctx = h,
	};
}

/* --- the commands ------------------------------------------------------------------ */

int ipvs_cli_finish(FILE *out, FILE *errf, int err)
{
	if (fflush(out) != 0 || ferror(out))
		return 1;
	if (err) {
		fprintf(errf, "%s\n", strerror(-err));
		return 1;
	}
	return 0;
}

/* A read failed: ipvsadm's words for it, status 1. */
static int read_failed(FILE *errf, enum ipvs_cli_cmd cmd, int err)
{
	fprintf(errf, "%s\n", ipvs_cli_strerror(cmd, err));
	return 1;
}

static int show_one(const struct ipvs_cli_req *req, const struct ipvs_cli_source *src, FILE *out,
                    FILE *errf)
{
	struct ipvs_vs vs;
	int err;

	memset(&vs, 0, sizeof(vs));
	vs.svc = req->svc;
	err = src->one(src->ctx, &vs);
	if (err) {
		ipvs_vs_free(&vs);
		return read_failed(errf, IPVS_CLI_LIST, err);
	}
	err = ipvs_print_one(out, &vs, req->fmt);
	ipvs_vs_free(&vs);
	return ipvs_cli_finish(out, errf, err);
}

static int show_table(const struct ipvs_cli_req *req, const struct ipvs_cli_source *src, FILE *out,
                      FILE *errf)
{
	bool save = req->cmd == IPVS_CLI_SAVE;
	struct ipvs_table t;
	struct ipvs_info info;
	int err = 0;

	ipvs_table_init(&t);
	/* Only the listings with --stats or --rate print counters. */
	t.with_stats = !save && (req->fmt & (IPVS_FMT_STATS | IPVS_FMT_RATE));
	if (!save)
		err = src->info(src->ctx, &info);
	if (!err)
		err = src->table(src->ctx, &t);
	if (err) {
		ipvs_table_free(&t);
		return read_failed(errf, req->cmd, err);
	}
	if (save)
		err = ipvs_print_save(out, &t, req->fmt);
	else
		err = ipvs_print_list(out, &info, &t, req->fmt);
	ipvs_table_free(&t);
	return ipvs_cli_finish(out, errf, err);
}

int ipvs_cli_show(const struct ipvs_cli_req *req, const struct ipvs_cli_source *src, FILE *out,
                  FILE *errf)
{
	int err;

	if (req->cmd == IPVS_CLI_SAVE)
		return show_table(req, src, out, errf);
	if (req->cmd != IPVS_CLI_LIST || (req->options & IPVS_CLI_OPT_CONNECTION))
		return 2;
	if (req->options & IPVS_CLI_OPT_SERVICE)
		return show_one(req, src, out, errf);
	if (req->options & IPVS_CLI_OPT_TIMEOUT) {
		struct ipvs_timeouts t;

		err = src->timeouts(src->ctx, &t);
		if (err)
			return read_failed(errf, IPVS_CLI_LIST, err);
		return ipvs_cli_finish(out, errf, ipvs_print_timeouts(out, &t));
	}
	if (req->options & IPVS_CLI_OPT_DAEMON) {
		struct ipvs_daemon d[2];
		size_t n = 0;

		err = src->daemons(src->ctx, d, &n);
		if (err)
			return read_failed(errf, IPVS_CLI_LIST, err);
		return ipvs_cli_finish(out, errf, ipvs_print_daemons(out, d, n));
	}
	return show_table(req, src, out, errf);
}
