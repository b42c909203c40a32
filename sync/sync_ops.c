/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"

#define DEFAULT_BATCH 256
#define MAX_FAIL_LOGS 20

/* Collects emitted changes and sends them a batch at a time. */
struct sender {
	const struct sync_run *r;
	struct sync_result *res;
	struct ipvs_change *buf;
	size_t n, cap;
	size_t logged;
};

static void log_failure(struct sender *s, const struct ipvs_change *c)
{
	char va[ADDR_STRLEN], da[ADDR_STRLEN];
	const char *proto = ipvs_proto_name(c->svc.protocol);
	bool dest_op =
	    c->op == IPVS_OP_ADD_DEST || c->op == IPVS_OP_EDIT_DEST || c->op == IPVS_OP_DEL_DEST;

	if (s->logged++ >= MAX_FAIL_LOGS)
		return;
	log_warn("ipvs_change_failed", "op=%s vs=%s/%s dest=%s err=%d", sync_op_name(c->op),
	         proto ? proto : "fwm", addr_port_fmt(&c->svc.addr, c->svc.port, va),
	         dest_op ? addr_port_fmt(&c->dest.addr, c->dest.port, da) : "-", c->err);
}

static int flush(struct sender *s)
{
	size_t n_failed = 0;
	int err;

	if (!s->n)
		return 0;
	err = s->r->ops->apply(s->r->be, s->buf, s->n, &n_failed);
	s->res->sent += s->n;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->buf[i].err)
			continue;
		s->res->failed++;
		log_failure(s, &s->buf[i]);
	}
	s->n = 0;
	return err;
}

static int sender_emit(void *ctx, const struct ipvs_change *c)
{
	struct sender *s = ctx;

	if (s->n == s->cap) {
		int err = flush(s);

		if (err)
			return err;
	}
	s->buf[s->n++] = *c;
	return 0;
}

static int sender_init(struct sender *s, const struct sync_run *r, struct sync_result *res)
{
	memset(s, 0, sizeof(*s));
	memset(res, 0, sizeof(*res));
	s->r = r;
	s->res = res;
	s->cap = r->batch ? r->batch : DEFAULT_BATCH;
	s->buf = calloc(s->cap, sizeof(*s->buf));
	return s->buf ? 0 : -ENOMEM;
}

static int sender_done(struct sender *s, struct sync_diff *c, int err)
{
	if (!err)
		err = flush(s);
	s->res->diff = c->stats;
	if (s->logged > MAX_FAIL_LOGS)
		log_warn("ipvs_change_failed_more", "count=%zu", s->logged - MAX_FAIL_LOGS);
	free(s->buf);
	sync_diff_clear(c);
	return err;
}

int sync_run_full(const struct sync_run *r, const struct sync_desired *d, struct sync_result *res)
{
	struct ipvs_table have;
	struct sender s;
	struct sync_diff c;
	int err;

	ipvs_table_init(&have);
	err = sender_init(&s, r, res);
	if (err)
		return err;
	sync_diff_init(&c, r->own, r->drain, r->now_ms, sender_emit, &s);
	err = r->ops->dump(r->be, &have);
	if (!err)
		err = sync_diff_full(&c, d, &have, NULL);
	err = sender_done(&s, &c, err);
	ipvs_table_free(&have);
	return err;
}

int sync_run_keys(const struct sync_run *r, const struct sync_desired *d,
                  const struct sync_keys *keys, struct sync_result *res)
{
	struct ipvs_table have;
	struct sender s;
	struct sync_diff c;
	int err;

	ipvs_table_init(&have);
	err = sender_init(&s, r, res);
	if (err)
		return err;
	sync_diff_init(&c, r->own, r->drain, r->now_ms, sender_emit, &s);
	if (!r->ops->get_vs) {
		err = r->ops->dump(r->be, &have);
	} else {
		for (size_t i = 0; !err && i < keys->n; i++) {
			err = r->ops->get_vs(r->be, &keys->v[i], &have);
			if (err == -ESRCH || err == -ENOENT)
				err = 0;
		}
	}
	if (!err)
		err = sync_diff_keys(&c, d, keys, &have, NULL);
	err = sender_done(&s, &c, err);
	ipvs_table_free(&have);
	return err;
}

int sync_run_table(const struct sync_run *r, const struct ipvs_table *want, struct sync_result *res)
{
	struct ipvs_table have;
	struct sender s;
	struct sync_diff c;
	int err;

	ipvs_table_init(&have);
	err = sender_init(&s, r, res);
	if (err)
		return err;
	sync_diff_init(&c, r->own, r->drain, r->now_ms, sender_emit, &s);
	err = r->ops->dump(r->be, &have);
	if (!err)
		err = sync_diff_tables(&c, want, &have);
	err = sender_done(&s, &c, err);
	ipvs_table_free(&have);
	return err;
}
