/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_metrics — what the metrics registry costs the reconcile loop and a
 * scrape: ns per update (unlabelled counter, histogram, labelled gauge with
 * 10,000 label sets), and the time and size of rendering kipvs's full
 * registry (lib/opsrv) with one "virtual server without destinations" series
 * per service for 1,000 and 10,000 services. Prints figures; never fails on
 * speed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../lib/opsrv.h"

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Best of five renders (the machine may be shared; the first render also
 * pays the page faults of a growing buffer). 0 or -ENOMEM. */
static int render_best(struct opsrv *o, size_t *bytes, double *secs)
{
	for (int i = 0; i < 5; i++) {
		char *buf = NULL;
		size_t len = 0, cap = 0;
		double t0 = now_s(), s;
		int err = metrics_render(opsrv_registry(o), &buf, &len, &cap);

		s = now_s() - t0;
		free(buf);
		if (err)
			return err;
		*secs = i ? (s < *secs ? s : *secs) : s;
		*bytes = len;
	}
	return 0;
}

int main(void)
{
	struct opsrv_config cfg = { .health_timeout_ns = 60000000000LL, .version = "bench" };
	static char names[10000][24];
	const long n = 10000000;
	struct opsrv_metrics *m;
	struct opsrv *o;
	double t0, secs;
	size_t bytes;

	if (opsrv_create(&cfg, &o))
		return 1;
	m = opsrv_metrics(o);

	t0 = now_s();
	for (long i = 0; i < n; i++)
		metric_inc(m->endpoint_changes_total, NULL);
	printf("unlabelled counter inc:        %6.1f ns/op\n", (now_s() - t0) * 1e9 / (double)n);

	t0 = now_s();
	for (long i = 0; i < n; i++)
		metric_observe(m->sync_duration, NULL, (double)(i % 20000) / 1000.0);
	printf("histogram observe (15 bkts):   %6.1f ns/op\n", (now_s() - t0) * 1e9 / (double)n);

	t0 = now_s();
	for (long i = 0; i < n; i++)
		metric_observe(m->network_programming, NULL, (double)(i % 400));
	printf("histogram observe (80 bkts):   %6.1f ns/op\n", (now_s() - t0) * 1e9 / (double)n);

	for (int i = 0; i < 10000; i++)
		snprintf(names[i], sizeof(names[i]), "svc-%05d", i);
	t0 = now_s();
	for (int i = 0; i < 10000; i++)
		metric_set(m->vs_without_destinations, ML("bench", names[i], "http"), 1);
	printf("labelled gauge, new label set: %6.1f ns/op (10,000 sets)\n",
	       (now_s() - t0) * 1e9 / 10000);
	t0 = now_s();
	for (long i = 0; i < n / 10; i++)
		metric_set(m->vs_without_destinations, ML("bench", names[i % 10000], "http"), 2);
	printf("labelled gauge, existing set:  %6.1f ns/op (10,000 sets)\n",
	       (now_s() - t0) * 1e9 / (double)(n / 10));

	if (render_best(o, &bytes, &secs))
		return 1;
	printf("render, 10,000 services:       %6.2f ms, %zu bytes\n", secs * 1e3, bytes);
	for (int i = 1000; i < 10000; i++)
		if (metric_remove(m->vs_without_destinations, ML("bench", names[i], "http")))
			return 1;
	if (render_best(o, &bytes, &secs))
		return 1;
	printf("render, 1,000 services:        %6.2f ms, %zu bytes\n", secs * 1e3, bytes);
	metric_clear(m->vs_without_destinations);
	if (render_best(o, &bytes, &secs))
		return 1;
	printf("render, no per-service series: %6.2f ms, %zu bytes\n", secs * 1e3, bytes);
	opsrv_free(o);
	return 0;
}
