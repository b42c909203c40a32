/* SPDX-License-Identifier: Apache-2.0 */
#include "sync_ctclean.h"

#include <errno.h>
#include <ev.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../ipvs/ct.h"
#include "../../lib/log.h"
#include "../../lib/metrics.h"
#include "../../lib/mono.h"

/* Failed dumps or deletions logged one by one per plan. */
#define MAX_FAIL_LOGS 20
/* Deleted entries kept per plan for the debug log. */
#define MAX_DELETED_LOGGED 1000

/* CPU time of the calling thread: what the loop itself spends, whatever
 * the worker does meanwhile on the same CPU. */
static uint64_t thread_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* An entry to delete and the target that made it stale. */
struct hit {
	struct ct_entry e;
	long target;
	int err;
};

/* One plan, from the loop to the worker and back. */
struct job {
	struct job *next;
	struct sync_ct_plan plan;
	uint64_t queued_us;
	uint64_t submit_us; /* the loop's CPU time to queue it */
	/* filled by the worker */
	uint8_t *failed; /* per target: 1 when its dump or a deletion failed */
	int *fail_err;   /* per target: the error */
	struct hit *hits;
	size_t n_hits, cap_hits;
	size_t n_dumps, gone, deleted, delete_failed;
	int delete_err; /* the deletion exchange broke */
	uint64_t worker_us, wait_us;
};

struct sync_ctclean {
	struct ev_loop *loop;
	ev_async done_w;
	struct ct_handle *h; /* the worker's; NULL: no ctnetlink */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *todo, *todo_tail, *done, *done_tail; /* under mu */
	bool stop, running;                              /* under mu */
	struct sync_ctclean_stats st;                    /* the loop's */
	struct metric *m_total, *m_deleted, *m_duration;
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	sync_ct_plan_free(&j->plan);
	free(j->failed);
	free(j->fail_err);
	free(j->hits);
	free(j);
}

/* --- the worker ------------------------------------------------------------------- */

struct collect_ctx {
	struct job *j;
	const struct sync_ct_index *ix;
};

static int collect(void *ctx, const struct ct_entry *e)
{
	struct collect_ctx *c = ctx;
	struct job *j = c->j;
	long t = sync_ct_index_match(c->ix, e);

	if (t < 0)
		return 0;
	if (j->n_hits == j->cap_hits) {
		size_t nc = j->cap_hits ? j->cap_hits * 2 : 64;
		struct hit *nv = realloc(j->hits, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		j->hits = nv;
		j->cap_hits = nc;
	}
	j->hits[j->n_hits++] = (struct hit){ *e, t, 0 };
	return 0;
}

static int hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->e.id != y->e.id)
		return x->e.id < y->e.id ? -1 : 1;
	return memcmp(&x->e.orig, &y->e.orig, sizeof(x->e.orig));
}

/* An entry found by two dumps is deleted once. */
static void dedupe(struct job *j)
{
	size_t m = 0;

	if (j->n_hits > 1)
		qsort(j->hits, j->n_hits, sizeof(*j->hits), hit_cmp);
	for (size_t i = 0; i < j->n_hits; i++)
		if (!m || hit_cmp(&j->hits[m - 1], &j->hits[i]))
			j->hits[m++] = j->hits[i];
	j->n_hits = m;
}

static void fail_target(struct job *j, size_t t, int err)
{
	if (!j->failed[t]) {
		j->failed[t] = 1;
		j->fail_err[t] = err;
	}
}

static void run_job(struct ct_handle *h, struct job *j)
{
	struct sync_ct_index ix = { 0 };
	struct ct_filter *f = NULL;
	size_t *group = calloc(j->plan.n ? j->plan.n : 1, sizeof(*group));
	struct ct_entry *v = NULL;
	int *errs = NULL, err;
	uint64_t t0 = mono_us();

	j->wait_us = t0 - j->queued_us;
	err = group ? 0 : -ENOMEM;
	if (!err)
		err = sync_ct_dumps(&j->plan, ct_kernel_filters(h), &f, &j->n_dumps, group);
	if (!err)
		err = sync_ct_index_build(&ix, &j->plan);
	for (size_t d = 0; !err && d < j->n_dumps; d++) {
		struct collect_ctx c = { j, &ix };
		int e = ct_dump(h, &f[d], collect, &c);

		for (size_t t = 0; e && t < j->plan.n; t++)
			if (group[t] == d)
				fail_target(j, t, e);
	}
	if (!err) {
		dedupe(j);
		v = malloc((j->n_hits ? j->n_hits : 1) * sizeof(*v));
		errs = calloc(j->n_hits ? j->n_hits : 1, sizeof(*errs));
		err = v && errs ? 0 : -ENOMEM;
	}
	for (size_t i = 0; !err && i < j->n_hits; i++)
		v[i] = j->hits[i].e;
	/* A broken exchange is in errs too, entry by entry. */
	if (!err)
		j->delete_err = ct_delete(h, v, j->n_hits, errs);
	for (size_t i = 0; !err && i < j->n_hits; i++) {
		j->hits[i].err = errs[i];
		if (!errs[i])
			j->deleted++;
		else if (errs[i] == -ENOENT)
			j->gone++;
		else {
			j->delete_failed++;
			fail_target(j, (size_t)j->hits[i].target, errs[i]);
		}
	}
	for (size_t t = 0; err && t < j->plan.n; t++)
		fail_target(j, t, err);
	sync_ct_index_free(&ix);
	free(f);
	free(group);
	free(v);
	free(errs);
	j->worker_us = mono_us() - t0;
}

static void *worker(void *arg)
{
	struct sync_ctclean *c = arg;
	struct sched_param sp = { 0 };

	/* Background work: a plan queued by the loop must not take the CPU
	 * from it (no wake-up preemption). Without it, only slower. */
	(void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &sp);
	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct job *j;

		while (!c->todo && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		j = c->todo;
		c->todo = j->next;
		if (!c->todo)
			c->todo_tail = NULL;
		c->running = true;
		pthread_mutex_unlock(&c->mu);
		run_job(c->h, j);
		pthread_mutex_lock(&c->mu);
		c->running = false;
		j->next = NULL;
		if (c->done_tail)
			c->done_tail->next = j;
		else
			c->done = j;
		c->done_tail = j;
		ev_async_send(c->loop, &c->done_w);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* --- back on the loop ----------------------------------------------------------------- */

static void fmt_vs(const struct sync_ct_target *t, char *buf)
{
	char a[ADDR_STRLEN];

	snprintf(buf, ADDR_STRLEN + 8, "%s/%s", t->proto == IPPROTO_UDP ? "udp" : "sctp",
	         addr_port_fmt(&t->addr, t->port, a));
}

static void log_target_failed(const struct job *j, size_t t, size_t *logged)
{
	const struct sync_ct_target *x = &j->plan.v[t];
	char vs[ADDR_STRLEN + 8], rs[ADDR_STRLEN];

	if ((*logged)++ >= MAX_FAIL_LOGS)
		return;
	fmt_vs(x, vs);
	log_warn("conntrack_cleanup_failed", "why=%s vs=%s rs=%s err=%s", sync_ct_why_name(x->why),
	         vs, x->why == SYNC_CT_DEST_GONE ? addr_port_fmt(&x->rs.addr, x->rs.port, rs) : "-",
	         strerror(-j->fail_err[t]));
}

static void log_deleted(const struct job *j, const struct hit *h)
{
	char os[ADDR_STRLEN], od[ADDR_STRLEN], rs[ADDR_STRLEN], rd[ADDR_STRLEN];
	const struct ct_entry *e = &h->e;

	log_debug("conntrack_deleted", "why=%s proto=%u orig=%s->%s reply=%s->%s zone=%u result=%s",
	          sync_ct_why_name(j->plan.v[h->target].why), e->orig.proto,
	          addr_port_fmt(&e->orig.src, e->orig.sport, os),
	          addr_port_fmt(&e->orig.dst, e->orig.dport, od),
	          addr_port_fmt(&e->reply.src, e->reply.sport, rs),
	          addr_port_fmt(&e->reply.dst, e->reply.dport, rd), e->zone,
	          !h->err             ? "deleted"
	          : h->err == -ENOENT ? "gone"
	                              : strerror(-h->err));
}

static void finish(struct sync_ctclean *c, struct job *j)
{
	uint64_t t0 = thread_us();
	size_t failed = 0, logged = 0;

	for (size_t t = 0; t < j->plan.n; t++) {
		failed += j->failed[t];
		if (j->failed[t])
			log_target_failed(j, t, &logged);
	}
	if (logged > MAX_FAIL_LOGS)
		log_warn("conntrack_cleanup_failed_more", "count=%zu", logged - MAX_FAIL_LOGS);
	if (j->delete_err)
		log_warn("conntrack_delete_failed", "entries=%zu err=%s", j->n_hits,
		         strerror(-j->delete_err));
	for (size_t i = 0; i < j->n_hits && i < MAX_DELETED_LOGGED; i++)
		log_deleted(j, &j->hits[i]);
	c->st.plans++;
	c->st.ok += j->plan.n - failed;
	c->st.failed += failed;
	c->st.deleted += j->deleted;
	c->st.gone += j->gone;
	c->st.delete_failed += j->delete_failed;
	c->st.last_worker_us = j->worker_us;
	c->st.last_targets = j->plan.n;
	c->st.last_dumps = j->n_dumps;
	metric_add(c->m_total, ML("ok"), (double)(j->plan.n - failed));
	metric_add(c->m_total, ML("error"), (double)failed);
	metric_add(c->m_deleted, NULL, (double)j->deleted);
	metric_observe(c->m_duration, NULL, (double)j->worker_us / 1e6);
	c->st.last_loop_us = j->submit_us + (thread_us() - t0);
	if (j->deleted || failed)
		log_info("conntrack_cleanup",
		         "targets=%zu dumps=%zu deleted=%zu gone=%zu failed=%zu worker_ms=%.1f "
		         "wait_ms=%.1f loop_us=%llu",
		         j->plan.n, j->n_dumps, j->deleted, j->gone, failed,
		         (double)j->worker_us / 1000.0, (double)j->wait_us / 1000.0,
		         (unsigned long long)c->st.last_loop_us);
	else
		log_debug("conntrack_cleanup",
		          "targets=%zu dumps=%zu deleted=0 gone=%zu failed=0 worker_ms=%.1f "
		          "wait_ms=%.1f loop_us=%llu",
		          j->plan.n, j->n_dumps, j->gone, (double)j->worker_us / 1000.0,
		          (double)j->wait_us / 1000.0, (unsigned long long)c->st.last_loop_us);
	job_free(j);
}

static void done_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct sync_ctclean *c = w->data;
	struct job *list;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&c->mu);
	list = c->done;
	c->done = c->done_tail = NULL;
	pthread_mutex_unlock(&c->mu);
	while (list) {
		struct job *next = list->next;

		finish(c, list);
		list = next;
	}
}

/* --- life cycle -------------------------------------------------------------------------- */

static double available(void *ctx)
{
	return ((struct sync_ctclean *)ctx)->h ? 1.0 : 0.0;
}

static int register_metrics(struct sync_ctclean *c, struct metrics *reg)
{
	static const double buckets[] = { 0.001, 0.004, 0.016, 0.064, 0.256, 1.024, 4.096, 16.384 };
	static const char *const result[] = { "result", NULL };
	const struct metric_desc d[] = {
		{ .name = "kipvs_conntrack_cleanup_total",
		  .help = "Conntrack clean-up targets (stale UDP entries of one virtual server) by "
		          "outcome.",
		  .type = METRIC_COUNTER,
		  .labels = result },
		{ .name = "kipvs_conntrack_entries_deleted_total",
		  .help = "Conntrack entries deleted by the clean-up.",
		  .type = METRIC_COUNTER },
		{ .name = "kipvs_conntrack_cleanup_available",
		  .help = "1 when the kernel answers ctnetlink (stale UDP entries are cleaned), "
		          "else 0.",
		  .type = METRIC_GAUGE,
		  .fn = available,
		  .fn_ctx = c },
		{ .name = "kipvs_conntrack_cleanup_duration_seconds",
		  .help = "Time the clean-up worker spent on one pass's targets.",
		  .type = METRIC_HISTOGRAM,
		  .buckets = buckets,
		  .nbuckets = sizeof(buckets) / sizeof(buckets[0]) },
	};
	struct metric **out[] = { &c->m_total, &c->m_deleted, NULL, &c->m_duration };
	int err = 0;

	for (size_t i = 0; !err && i < sizeof(d) / sizeof(d[0]); i++) {
		struct metric *x = NULL;

		err = metrics_register(reg, &d[i], &x);
		if (out[i])
			*out[i] = x;
	}
	return err;
}

int sync_ctclean_new(struct ev_loop *loop, struct metrics *reg, struct sync_ctclean **out)
{
	struct sync_ctclean *c = calloc(1, sizeof(*c));
	int err;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	ev_async_init(&c->done_w, done_cb);
	c->done_w.data = c;
	err = reg ? register_metrics(c, reg) : 0;
	if (err) {
		sync_ctclean_free(c);
		return err;
	}
	err = ct_open(&c->h);
	if (err) {
		char why[200];

		/* Once: IPVS works without it, stale UDP flows wait for their timeout. */
		log_warn("conntrack_cleanup_unavailable", "reason=%s effect=%s",
		         log_quote(ct_strerror(err), why, sizeof(why)),
		         "\"stale UDP conntrack entries are left to time out\"");
		*out = c;
		return 0;
	}
	c->st.available = true;
	ev_async_start(loop, &c->done_w);
	ev_unref(loop); /* the watcher alone does not keep the loop running */
	err = pthread_create(&c->thread, NULL, worker, c);
	if (err) {
		sync_ctclean_free(c);
		return -err;
	}
	c->started = true;
	*out = c;
	return 0;
}

void sync_ctclean_free(struct sync_ctclean *c)
{
	if (!c)
		return;
	if (c->started) {
		pthread_mutex_lock(&c->mu);
		c->stop = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
	}
	if (ev_is_active(&c->done_w)) {
		ev_ref(c->loop);
		ev_async_stop(c->loop, &c->done_w);
	}
	for (struct job *lists[] = { c->todo, c->done }, **l = lists; l < lists + 2; l++)
		while (*l) {
			struct job *next = (*l)->next;

			job_free(*l);
			*l = next;
		}
	ct_close(c->h);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void log_targets(const struct sync_ct_plan *p)
{
	char vs[ADDR_STRLEN + 8], rs[ADDR_STRLEN];

	if (log_get_level() < LOG_LVL_DEBUG)
		return;
	for (size_t i = 0; i < p->n; i++) {
		const struct sync_ct_target *t = &p->v[i];

		fmt_vs(t, vs);
		log_debug(
		    "conntrack_target", "why=%s vs=%s rs=%s keep=%zu", sync_ct_why_name(t->why), vs,
		    t->why == SYNC_CT_DEST_GONE ? addr_port_fmt(&t->rs.addr, t->rs.port, rs) : "-",
		    t->n_keep);
	}
}

int sync_ctclean_submit(struct sync_ctclean *c, const struct sync_ct_plan *p)
{
	uint64_t t0 = thread_us();
	struct job *j;
	int err;

	if (!p->n)
		return 0;
	log_targets(p);
	if (!c->h) {
		c->st.unavailable += p->n;
		metric_add(c->m_total, ML("unavailable"), (double)p->n);
		return 0;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	sync_ct_plan_init(&j->plan);
	err = sync_ct_plan_append(&j->plan, p);
	j->failed = calloc(p->n, 1);
	j->fail_err = calloc(p->n, sizeof(*j->fail_err));
	if (err || !j->failed || !j->fail_err) {
		job_free(j);
		return -ENOMEM;
	}
	j->queued_us = mono_us();
	j->submit_us = thread_us() - t0;
	pthread_mutex_lock(&c->mu);
	if (c->todo_tail)
		c->todo_tail->next = j;
	else
		c->todo = j;
	c->todo_tail = j;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

bool sync_ctclean_busy(struct sync_ctclean *c)
{
	bool busy;

	pthread_mutex_lock(&c->mu);
	busy = c->todo || c->running || c->done;
	pthread_mutex_unlock(&c->mu);
	return busy;
}

void sync_ctclean_stats(const struct sync_ctclean *c, struct sync_ctclean_stats *out)
{
	*out = c->st;
}
