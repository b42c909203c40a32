/* SPDX-License-Identifier: Apache-2.0 */
#include "health.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

enum { FAM_V4, FAM_V6, FAM_N };

struct family {
	bool synced;  /* health_updated() was called at least once */
	bool pending; /* an update is queued and not yet synced */
	int64_t last_updated_wall;
	int64_t oldest_pending_mono;
};

struct health {
	int64_t timeout_ns;
	bool node_eligible;
	bool api_rejected;
	bool filter_down;
	struct family fam[FAM_N];
};

int health_create(int64_t timeout_ns, struct health **out)
{
	*out = NULL;
	if (timeout_ns <= 0)
		return -EINVAL;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->timeout_ns = timeout_ns;
	(*out)->node_eligible = true;
	return 0;
}

void health_free(struct health *h)
{
	free(h);
}

static struct family *family(struct health *h, int af)
{
	if (af == AF_INET)
		return &h->fam[FAM_V4];
	if (af == AF_INET6)
		return &h->fam[FAM_V6];
	return NULL;
}

void health_queued(struct health *h, int af, const struct health_time *now)
{
	struct family *f = family(h, af);

	/* The oldest unprocessed change is what the timeout measures. */
	if (f && !f->pending) {
		f->pending = true;
		f->oldest_pending_mono = now->mono_ns;
	}
}

void health_updated(struct health *h, int af, const struct health_time *now)
{
	struct family *f = family(h, af);

	if (f) {
		f->pending = false;
		f->synced = true;
		f->last_updated_wall = now->wall_ns;
	}
}

void health_set_node_eligible(struct health *h, bool eligible)
{
	h->node_eligible = eligible;
}

bool health_node_eligible(const struct health *h)
{
	return h->node_eligible;
}

void health_set_api_rejected(struct health *h, bool rejected)
{
	h->api_rejected = rejected;
}

void health_set_filter_down(struct health *h, bool down)
{
	h->filter_down = down;
}

/*
 * kube-proxy's isHealthy(): walks the families that have synced; one whose
 * oldest pending update is timeout_ns old or older makes the proxy unhealthy
 * and names the lastUpdated to report. @has_last is false when no family
 * ever synced (the JSON then shows Go's zero time).
 */
static bool check(const struct health *h, const struct health_time *now, int64_t *last,
                  bool *has_last)
{
	*has_last = false;
	*last = 0;
	for (int i = 0; i < FAM_N; i++) {
		const struct family *f = &h->fam[i];

		if (!f->synced)
			continue; /* still starting up */
		if (!*has_last || f->last_updated_wall > *last) {
			*last = f->last_updated_wall;
			*has_last = true;
		}
		if (!f->pending || now->mono_ns - f->oldest_pending_mono < h->timeout_ns)
			continue;
		*last = f->last_updated_wall;
		return false;
	}
	return true;
}

bool health_is_healthy(const struct health *h, const struct health_time *now)
{
	int64_t last;
	bool has_last;

	return check(h, now, &last, &has_last);
}

const char *health_fmt_time(int64_t wall_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(wall_ns / 1000000000);
	long nsec = (long)(wall_ns % 1000000000);
	char frac[16] = "";
	struct tm tm;

	if (nsec < 0) {
		nsec += 1000000000;
		sec--;
	}
	if (nsec) {
		int n = snprintf(frac, sizeof(frac), ".%09ld", nsec);

		while (n > 1 && frac[n - 1] == '0') /* Go trims trailing zeros */
			frac[--n] = '\0';
	}
	if (!gmtime_r(&sec, &tm)) {
		snprintf(buf, len, "0001-01-01 00:00:00 +0000 UTC");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d%s +0000 UTC", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return buf;
}

unsigned health_answer(const struct health *h, enum health_endpoint ep,
                       const struct health_time *now, char *buf, size_t len)
{
	char last_s[48], now_s[48];
	int64_t last;
	bool has_last, ok = check(h, now, &last, &has_last);

	if (ep == HEALTH_HEALTHZ)
		ok = ok && h->node_eligible && !h->api_rejected && !h->filter_down;
	if (ok) {
		last = now->wall_ns;
		has_last = true;
	}
	if (has_last)
		health_fmt_time(last, last_s, sizeof(last_s));
	else
		snprintf(last_s, sizeof(last_s), "0001-01-01 00:00:00 +0000 UTC");
	health_fmt_time(now->wall_ns, now_s, sizeof(now_s));
	/* The spacing is kube-proxy's, byte for byte, for anyone matching on it. */
	if (ep == HEALTH_HEALTHZ)
		snprintf(buf, len,
		         "{\"lastUpdated\": \"%s\",\"currentTime\": \"%s\", "
		         "\"nodeEligible\": %s}",
		         last_s, now_s, h->node_eligible ? "true" : "false");
	else
		snprintf(buf, len, "{\"lastUpdated\": \"%s\",\"currentTime\": \"%s\"}", last_s,
		         now_s);
	return ok ? 200 : 503;
}

struct health_time health_now(void)
{
	struct timespec m, w;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &w);
	return (struct health_time){
		.mono_ns = (int64_t)m.tv_sec * 1000000000 + m.tv_nsec,
		.wall_ns = (int64_t)w.tv_sec * 1000000000 + w.tv_nsec,
	};
}
