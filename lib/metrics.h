/* SPDX-License-Identifier: Apache-2.0 */
/*
 * metrics — a Prometheus metrics registry and its text exposition (0.0.4).
 *
 * Every metric is created up front with metrics_register(); the registry owns
 * it and frees it with metrics_free(). Updates are cheap: an unlabelled metric
 * is one value (or one histogram) written in place, never allocated. A
 * labelled metric keeps its label sets in a hash table; the first update of a
 * new label set allocates it, later ones only hash. A label set can be
 * removed again (a service's series disappears with the service), and each
 * labelled metric has a cap on its label sets so a bug or an odd cluster can
 * never grow the registry without bound: past the cap the update is dropped
 * and one warning is logged for that metric.
 *
 * Label values are passed as a NULL-terminated array, most easily with ML():
 *     metric_add(no_local, ML("internal"), 1);
 *     metric_observe(sync_duration, NULL, 0.012);   (NULL: unlabelled)
 * An array whose length does not match the metric's label names is refused
 * (one warning per metric), so a mismatch cannot read past the array.
 * Values are copied; they should be UTF-8 (Kubernetes names and errno names
 * are), as Prometheus refuses a scrape with invalid UTF-8 in it.
 *
 * A counter or gauge can also be computed at scrape time by a callback
 * (metric_desc.fn), for values such as "seconds since X".
 *
 * metrics_render() writes the text format Prometheus scrapes: "# HELP" and
 * "# TYPE" lines, label values escaped (\\ \" \n), histograms as cumulative
 * _bucket{le="..."} lines ending with le="+Inf", then _sum and _count.
 * Families appear in registration order, label sets in creation order, and a
 * labelled family with no label sets is left out entirely (as the Go client
 * does). Numbers are written as Go's strconv 'g' -1 does (shortest text that
 * reads back to the same double), so output matches other exporters.
 *
 * Not thread-safe: one event loop owns the registry.
 */
#ifndef KIPVS_METRICS_H
#define KIPVS_METRICS_H

#include <stddef.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
/* Label sets per labelled metric when metric_desc.max_series is 0. */
#define METRICS_DEFAULT_MAX_SERIES 1000
/* Most label names a metric may have, and most histogram buckets. */
#define METRICS_MAX_LABELS  8
#define METRICS_MAX_BUCKETS 128

/* A NULL-terminated array of label values, in the order of the label names. */
#define ML(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct metrics;
struct metric;

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
	METRIC_HISTOGRAM,
};

typedef double (*metric_value_fn)(void *ctx);

struct metric_desc {
	const char *name; /* [a-zA-Z_:][a-zA-Z0-9_:]*, unique in the registry */
	const char *help; /* one line; \ and newlines are escaped on output */
	enum metric_type type;
	/* NULL-terminated label names ([a-zA-Z_][a-zA-Z0-9_]*, no "__" prefix,
	 * no "le" on a histogram); NULL for an unlabelled metric. */
	const char *const *labels;
	unsigned max_series; /* labelled only; 0 = METRICS_DEFAULT_MAX_SERIES */
	/* Histogram: finite upper bounds, strictly increasing, +Inf implied. */
	const double *buckets;
	unsigned nbuckets;
	/* Counter or gauge without labels: value read at each render. */
	metric_value_fn fn;
	void *fn_ctx;
};

int metrics_create(struct metrics **out) __attribute__((warn_unused_result));
void metrics_free(struct metrics *m);

/*
 * Adds a metric (every string in @d is copied). 0, -EINVAL for a bad name,
 * label, bucket list or combination (a callback with labels or on a
 * histogram), -EEXIST for a name already registered, -ENOMEM.
 */
int metrics_register(struct metrics *m, const struct metric_desc *d, struct metric **out)
    __attribute__((warn_unused_result));

/*
 * Updates. @values: NULL for an unlabelled metric, otherwise the label
 * values (ML(...)). Every call accepts a NULL metric and does nothing, so a
 * caller may keep going when registration failed; so does a call whose kind
 * does not fit the metric (set on a counter, observe on a gauge, any update
 * of a callback metric). Counters ignore negative amounts.
 */
void metric_add(struct metric *x, const char *const *values, double v);     /* counter, gauge */
void metric_set(struct metric *x, const char *const *values, double v);     /* gauge */
void metric_observe(struct metric *x, const char *const *values, double v); /* histogram */
#define metric_inc(x, values) metric_add((x), (values), 1.0)

/* Drops one label set; 0 or -ENOENT (also for an unlabelled metric). */
int metric_remove(struct metric *x, const char *const *values);
/* Drops every label set of a labelled metric; resets an unlabelled one to 0. */
void metric_clear(struct metric *x);

/*
 * Reads a value back: a counter's or gauge's value, a histogram's count.
 * 0, or -ENOENT when that label set does not exist.
 */
int metric_get(const struct metric *x, const char *const *values, double *out)
    __attribute__((warn_unused_result));
/* Number of label sets (1 for an unlabelled metric). */
unsigned metric_series_count(const struct metric *x);
const char *metric_name(const struct metric *x);

/*
 * Appends the exposition text of every metric to *buf, which grows with
 * realloc (*cap its allocated size, *len the bytes used; start from
 * NULL/0/0, or reuse a buffer). The text is NUL-terminated. 0 or -ENOMEM.
 */
int metrics_render(const struct metrics *m, char **buf, size_t *len, size_t *cap)
    __attribute__((warn_unused_result));

/*
 * Writes @v as the exposition format wants it: "+Inf", "-Inf", "NaN", or the
 * shortest decimal that reads back to @v ("0.001", "16.384", "1.7e+09").
 * Returns @buf (at least 32 bytes).
 */
const char *metrics_fmt_double(double v, char *buf, size_t len);

#endif
