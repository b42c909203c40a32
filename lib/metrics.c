/* SPDX-License-Identifier: Apache-2.0 */
#include "metrics.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bsearch.h"
#include "log.h"

/*
 * One label set. Allocated in one piece: the struct, the histogram's bucket
 * counts, the key (label values joined by '\0', for lookup) and the rendered
 * label text ('a="x",b="y"', escaped once here instead of at every scrape).
 */
struct series {
	struct series *hnext;       /* hash chain */
	struct series *prev, *next; /* creation order, for rendering */
	uint32_t hash;
	uint32_t keylen;
	double value; /* counter, gauge */
	double sum;   /* histogram */
	uint64_t count;
	char *key;
	char *text;        /* "" when unlabelled */
	uint64_t bucket[]; /* histogram: observations per bucket, not cumulative */
};

struct metric {
	struct metric *next;
	char *name;
	char *help;
	enum metric_type type;
	unsigned nlabels;
	char *labels[METRICS_MAX_LABELS];
	unsigned max_series;
	double *bounds;
	char (*le)[32]; /* bounds as label values, formatted once */
	unsigned nbuckets;
	metric_value_fn fn;
	void *fn_ctx;
	struct series *single; /* the only series of an unlabelled metric */
	struct series **table; /* labelled: hash table, power-of-two size */
	unsigned tsize;
	unsigned nseries;
	struct series *head, *tail;
	bool warned_cap;
	bool warned_labels;
};

struct metrics {
	struct metric *head, *tail;
};

int metrics_create(struct metrics **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void series_unlink_all(struct metric *x)
{
	struct series *s = x->head, *n;

	for (; s; s = n) {
		n = s->next;
		free(s);
	}
	x->head = x->tail = NULL;
	x->nseries = 0;
	if (x->table)
		memset(x->table, 0, x->tsize * sizeof(*x->table));
}

static void metric_free(struct metric *x)
{
	series_unlink_all(x);
	free(x->single);
	free(x->table);
	for (unsigned i = 0; i < x->nlabels; i++)
		free(x->labels[i]);
	free(x->bounds);
	free(x->le);
	free(x->name);
	free(x->help);
	free(x);
}

void metrics_free(struct metrics *m)
{
	struct metric *x, *n;

	if (!m)
		return;
	for (x = m->head; x; x = n) {
		n = x->next;
		metric_free(x);
	}
	free(m);
}

static bool valid_name(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		          (colon && c == ':') || (p != s && c >= '0' && c <= '9');

		if (!ok)
			return false;
	}
	return true;
}

/* Length of @s escaped for a label value (\\ \" \n) or, with !quote, for HELP. */
static size_t escaped_len(const char *s, bool quote)
{
	size_t n = 0;

	for (; *s; s++)
		n += (*s == '\\' || *s == '\n' || (quote && *s == '"')) ? 2 : 1;
	return n;
}

static char *escape_into(char *dst, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '\n' || (quote && *s == '"')) {
			*dst++ = '\\';
			*dst++ = *s == '\n' ? 'n' : *s;
		} else {
			*dst++ = *s;
		}
	}
	return dst;
}

static size_t series_size(const struct metric *x)
{
	return sizeof(struct series) +
	       (x->type == METRIC_HISTOGRAM ? (x->nbuckets) * sizeof(uint64_t) : 0);
}

/* FNV-1a over the joined label values. */
static uint32_t hash_values(const char *const *values, unsigned n, uint32_t *keylen)
{
	uint32_t h = 2166136261u;
	size_t len = 0;

	for (unsigned i = 0; i < n; i++) {
		for (const unsigned char *p = (const unsigned char *)values[i]; *p; p++, len++)
			h = (h ^ *p) * 16777619u;
		h = (h ^ 0xffu) * 16777619u; /* separator, so ("ab","") != ("a","b") */
		len++;
	}
	*keylen = (uint32_t)len;
	return h;
}

static bool key_matches(const struct series *s, const char *const *values, unsigned n,
                        uint32_t keylen)
{
	const char *k = s->key;

	if (s->keylen != keylen)
		return false;
	for (unsigned i = 0; i < n; i++) {
		size_t l = strlen(values[i]);

		if (memcmp(k, values[i], l) || k[l] != '\0')
			return false;
		k += l + 1;
	}
	return true;
}

int metrics_register(struct metrics *m, const struct metric_desc *d, struct metric **out)
{
	struct metric *x;
	unsigned nl = 0;

	*out = NULL;
	if (!valid_name(d->name, true) || !d->help)
		return -EINVAL;
	if (d->type != METRIC_COUNTER && d->type != METRIC_GAUGE && d->type != METRIC_HISTOGRAM)
		return -EINVAL;
	for (; d->labels && d->labels[nl]; nl++) {
		const char *l = d->labels[nl];

		if (nl == METRICS_MAX_LABELS || !valid_name(l, false) || !strncmp(l, "__", 2) ||
		    (d->type == METRIC_HISTOGRAM && !strcmp(l, "le")))
			return -EINVAL;
		for (unsigned j = 0; j < nl; j++)
			if (!strcmp(d->labels[j], l))
				return -EINVAL;
	}
	if (d->fn && (nl || d->type == METRIC_HISTOGRAM))
		return -EINVAL;
	if (d->type == METRIC_HISTOGRAM) {
		if (!d->buckets || !d->nbuckets || d->nbuckets > METRICS_MAX_BUCKETS)
			return -EINVAL;
		for (unsigned i = 0; i < d->nbuckets; i++)
			if (!isfinite(d->buckets[i]) || (i && d->buckets[i] <= d->buckets[i - 1]))
				return -EINVAL;
	} else if (d->buckets || d->nbuckets) {
		return -EINVAL;
	}
	for (x = m->head; x; x = x->next)
		if (!strcmp(x->name, d->name))
			return -EEXIST;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->type = d->type;
	x->fn = d->fn;
	x->fn_ctx = d->fn_ctx;
	x->name = strdup(d->name);
	x->help = strdup(d->help);
	if (!x->name || !x->help)
		goto nomem;
	for (x->nlabels = 0; x->nlabels < nl; x->nlabels++)
		if (!(x->labels[x->nlabels] = strdup(d->labels[x->nlabels])))
			goto nomem;
	if (d->type == METRIC_HISTOGRAM) {
		x->nbuckets = d->nbuckets;
		x->bounds = malloc(d->nbuckets * sizeof(*x->bounds));
		x->le = malloc(d->nbuckets * sizeof(*x->le));
		if (!x->bounds || !x->le)
			goto nomem;
		for (unsigned i = 0; i < d->nbuckets; i++) {
			x->bounds[i] = d->buckets[i];
			metrics_fmt_double(d->buckets[i], x->le[i], sizeof(x->le[i]));
		}
	}
	if (nl) {
		x->max_series = d->max_series ? d->max_series : METRICS_DEFAULT_MAX_SERIES;
		x->tsize = 16;
		x->table = calloc(x->tsize, sizeof(*x->table));
		if (!x->table)
			goto nomem;
	} else {
		/* Allocated now so that updates never allocate. */
		x->single = calloc(1, series_size(x) + 1);
		if (!x->single)
			goto nomem;
		x->single->key = x->single->text = (char *)x->single + series_size(x);
		x->nseries = 1;
	}
	if (m->tail)
		m->tail->next = x;
	else
		m->head = x;
	m->tail = x;
	*out = x;
	return 0;
nomem:
	metric_free(x);
	return -ENOMEM;
}

/* Checks @values against the label names; warns once per metric on a mismatch. */
static bool values_fit(struct metric *x, const char *const *values)
{
	unsigned n = 0;

	if (values)
		while (n <= x->nlabels && values[n])
			n++;
	if ((!values && !x->nlabels) || (values && n == x->nlabels))
		return true;
	if (!x->warned_labels) {
		x->warned_labels = true;
		log_warn("metric_bad_labels", "metric=%s want=%u got=%u", x->name, x->nlabels,
		         values ? n : 0);
	}
	return false;
}

static struct series *lookup(const struct metric *x, const char *const *values, uint32_t *hash,
                             uint32_t *keylen)
{
	struct series *s;

	*hash = hash_values(values, x->nlabels, keylen);
	for (s = x->table[*hash & (x->tsize - 1)]; s; s = s->hnext)
		if (s->hash == *hash && key_matches(s, values, x->nlabels, *keylen))
			return s;
	return NULL;
}

static void grow_table(struct metric *x)
{
	unsigned nsize = x->tsize * 2;
	struct series **nt = calloc(nsize, sizeof(*nt));

	if (!nt)
		return; /* keep the old table: longer chains, still correct */
	for (struct series *s = x->head; s; s = s->next) {
		s->hnext = nt[s->hash & (nsize - 1)];
		nt[s->hash & (nsize - 1)] = s;
	}
	free(x->table);
	x->table = nt;
	x->tsize = nsize;
}

static struct series *series_new(struct metric *x, const char *const *values, uint32_t hash,
                                 uint32_t keylen)
{
	size_t textlen = 0;
	struct series *s;
	char *p;

	if (x->nseries >= x->max_series) {
		if (!x->warned_cap) {
			x->warned_cap = true;
			log_warn("metric_series_capped", "metric=%s max=%u", x->name,
			         x->max_series);
		}
		return NULL;
	}
	for (unsigned i = 0; i < x->nlabels; i++)
		textlen += strlen(x->labels[i]) + 4 + escaped_len(values[i], true); /* ="", */
	s = calloc(1, series_size(x) + keylen + textlen + 1);
	if (!s)
		return NULL;
	s->hash = hash;
	s->keylen = keylen;
	s->key = (char *)s + series_size(x);
	s->text = s->key + keylen;
	p = s->key;
	for (unsigned i = 0; i < x->nlabels; i++) {
		size_t l = strlen(values[i]);

		memcpy(p, values[i], l + 1);
		p += l + 1;
	}
	p = s->text;
	for (unsigned i = 0; i < x->nlabels; i++) {
		size_t l = strlen(x->labels[i]);

		if (i)
			*p++ = ',';
		memcpy(p, x->labels[i], l);
		p += l;
		*p++ = '=';
		*p++ = '"';
		p = escape_into(p, values[i], true);
		*p++ = '"';
	}
	*p = '\0';

	s->hnext = x->table[hash & (x->tsize - 1)];
	x->table[hash & (x->tsize - 1)] = s;
	s->prev = x->tail;
	if (x->tail)
		x->tail->next = s;
	else
		x->head = s;
	x->tail = s;
	if (++x->nseries > x->tsize)
		grow_table(x);
	return s;
}

/* The series an update goes to, created on first use; NULL to drop the update. */
static struct series *series_for(struct metric *x, const char *const *values)
{
	uint32_t hash, keylen;
	struct series *s;

	if (!x || x->fn || !values_fit(x, values))
		return NULL;
	if (!x->nlabels)
		return x->single;
	s = lookup(x, values, &hash, &keylen);
	return s ? s : series_new(x, values, hash, keylen);
}

void metric_add(struct metric *x, const char *const *values, double v)
{
	struct series *s;

	if (!x || x->type == METRIC_HISTOGRAM || (x->type == METRIC_COUNTER && !(v >= 0)))
		return;
	s = series_for(x, values);
	if (s)
		s->value += v;
}

void metric_set(struct metric *x, const char *const *values, double v)
{
	struct series *s;

	if (!x || x->type != METRIC_GAUGE)
		return;
	s = series_for(x, values);
	if (s)
		s->value = v;
}

struct bucket_key {
	const double *bounds;
	double v;
};

/* Bucket @i sorts before the value unless its bound holds it (a NaN is held
 * by none: it goes past the last, to +Inf). */
static int bucket_cmp_at(const void *ctx, size_t i)
{
	const struct bucket_key *k = ctx;

	return k->v <= k->bounds[i] ? 1 : -1;
}

void metric_observe(struct metric *x, const char *const *values, double v)
{
	struct series *s;
	size_t lo;

	if (!x || x->type != METRIC_HISTOGRAM)
		return;
	s = series_for(x, values);
	if (!s)
		return;
	/* First bucket whose bound is >= v; past the last one only +Inf holds it
	 * (NaN lands there too, as in the Go client). */
	{
		struct bucket_key k = { x->bounds, v };

		lo = bsearch_lower(x->nbuckets, bucket_cmp_at, &k, NULL);
	}
	if (lo < x->nbuckets)
		s->bucket[lo]++;
	s->count++;
	s->sum += v;
}

int metric_remove(struct metric *x, const char *const *values)
{
	struct series *s, **pp;
	uint32_t hash, keylen;

	if (!x || !x->nlabels || !values_fit(x, values))
		return -ENOENT;
	s = lookup(x, values, &hash, &keylen);
	if (!s)
		return -ENOENT;
	for (pp = &x->table[hash & (x->tsize - 1)]; *pp != s; pp = &(*pp)->hnext)
		;
	*pp = s->hnext;
	if (s->prev)
		s->prev->next = s->next;
	else
		x->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		x->tail = s->prev;
	x->nseries--;
	free(s);
	return 0;
}

void metric_clear(struct metric *x)
{
	if (!x)
		return;
	if (x->nlabels) {
		series_unlink_all(x);
	} else {
		char *k = x->single->key;

		memset(x->single, 0, series_size(x));
		x->single->key = x->single->text = k;
	}
}

int metric_get(const struct metric *x, const char *const *values, double *out)
{
	const struct series *s;
	uint32_t hash, keylen;

	*out = 0;
	if (!x || !values_fit((struct metric *)x, values))
		return -ENOENT;
	if (x->fn) {
		*out = x->fn(x->fn_ctx);
		return 0;
	}
	s = x->nlabels ? lookup(x, values, &hash, &keylen) : x->single;
	if (!s)
		return -ENOENT;
	*out = x->type == METRIC_HISTOGRAM ? (double)s->count : s->value;
	return 0;
}

unsigned metric_series_count(const struct metric *x)
{
	return x ? x->nseries : 0;
}

const char *metric_name(const struct metric *x)
{
	return x ? x->name : "";
}

const char *metrics_fmt_double(double v, char *buf, size_t len)
{
	char tmp[40];
	int prec, exp;
	const char *e;

	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
		return buf;
	}
	/* Most samples are small whole numbers (counts, buckets): written directly,
	 * the same text Go gives below 1e6, at a fraction of the cost. */
	if (v > -1e6 && v < 1e6 && v == (double)(long)v) {
		snprintf(buf, len, "%ld", (long)v);
		return buf;
	}
	/* Fewest significant digits that read back exactly (at most 17). */
	for (prec = 1; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
	e = strchr(tmp, 'e');
	exp = e ? (int)strtol(e + 1, NULL, 10) : 0;
	/* Go's 'g' with the shortest precision switches to an exponent below
	 * 1e-4 and from 1e+06 up. */
	if (exp < -4 || exp >= 6)
		snprintf(buf, len, "%s", tmp);
	else
		snprintf(buf, len, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
	return buf;
}

/* A growing output buffer; the first failure sticks. */
struct out {
	char **buf;
	size_t *len, *cap;
	int err;
};

static int out_reserve(struct out *o, size_t n)
{
	size_t need = *o->len + n + 1, ncap;
	char *nb;

	if (o->err)
		return o->err;
	if (need <= *o->cap && *o->buf)
		return 0;
	ncap = *o->cap ? *o->cap : 4096;
	while (ncap < need)
		ncap *= 2;
	nb = realloc(*o->buf, ncap);
	if (!nb)
		return o->err = -ENOMEM;
	*o->buf = nb;
	*o->cap = ncap;
	return 0;
}

static void out_mem(struct out *o, const char *s, size_t n)
{
	if (out_reserve(o, n))
		return;
	memcpy(*o->buf + *o->len, s, n);
	*o->len += n;
	(*o->buf)[*o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

/* "name{text}" or "name{text,le=...}"; the sample line's key. */
static void out_key(struct out *o, const char *name, const char *suffix, const char *text,
                    const char *le)
{
	out_str(o, name);
	out_str(o, suffix);
	if (!*text && !le)
		return;
	out_mem(o, "{", 1);
	out_str(o, text);
	if (le) {
		if (*text)
			out_mem(o, ",", 1);
		out_str(o, "le=\"");
		out_str(o, le);
		out_mem(o, "\"", 1);
	}
	out_mem(o, "}", 1);
}

static void out_num(struct out *o, double v)
{
	char num[40];

	out_mem(o, " ", 1);
	out_str(o, metrics_fmt_double(v, num, sizeof(num)));
	out_mem(o, "\n", 1);
}

static void render_series(struct out *o, const struct metric *x, const struct series *s)
{
	uint64_t cum = 0;

	if (x->type != METRIC_HISTOGRAM) {
		out_key(o, x->name, "", s->text, NULL);
		out_num(o, x->fn ? x->fn(x->fn_ctx) : s->value);
		return;
	}
	for (unsigned i = 0; i < x->nbuckets; i++) {
		cum += s->bucket[i];
		out_key(o, x->name, "_bucket", s->text, x->le[i]);
		out_num(o, (double)cum);
	}
	out_key(o, x->name, "_bucket", s->text, "+Inf");
	out_num(o, (double)s->count);
	out_key(o, x->name, "_sum", s->text, NULL);
	out_num(o, s->sum);
	out_key(o, x->name, "_count", s->text, NULL);
	out_num(o, (double)s->count);
}

int metrics_render(const struct metrics *m, char **buf, size_t *len, size_t *cap)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	struct out o = { buf, len, cap, 0 };

	if (out_reserve(&o, 0))
		return o.err;
	(*buf)[*len] = '\0'; /* NUL-terminated even when nothing is written */
	for (const struct metric *x = m->head; x; x = x->next) {
		size_t hl = escaped_len(x->help, false);

		if (x->nlabels && !x->head)
			continue;
		out_str(&o, "# HELP ");
		out_str(&o, x->name);
		out_mem(&o, " ", 1);
		if (!out_reserve(&o, hl)) {
			escape_into(*buf + *len, x->help, false);
			*len += hl;
		}
		out_str(&o, "\n# TYPE ");
		out_str(&o, x->name);
		out_mem(&o, " ", 1);
		out_str(&o, types[x->type]);
		out_mem(&o, "\n", 1);
		if (x->nlabels)
			for (const struct series *s = x->head; s; s = s->next)
				render_series(&o, x, s);
		else
			render_series(&o, x, x->single);
	}
	return o.err;
}
