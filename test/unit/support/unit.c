/* SPDX-License-Identifier: Apache-2.0 */
#include "../unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int unit_run(const char *group, const struct CMUnitTest *tests, size_t n)
{
	const char *filter = getenv("KIPVS_TEST_FILTER");
	const char *base = strrchr(group, '/');

	base = base ? base + 1 : group;
	if (filter && *filter)
		cmocka_set_test_filter(filter);
	return _cmocka_run_group_tests(base, tests, n, NULL, NULL);
}

static struct {
	char *buf;
	size_t len, cap;
	int on;
} logcap;

static void sink(void *ctx, enum log_level lvl, const char *line)
{
	size_t n = strlen(line);

	(void)ctx;
	(void)lvl;
	if (logcap.len + n + 2 > logcap.cap) {
		size_t nc = (logcap.cap + n + 2) * 2;
		char *nb = realloc(logcap.buf, nc);

		if (!nb)
			abort();
		logcap.buf = nb;
		logcap.cap = nc;
	}
	memcpy(logcap.buf + logcap.len, line, n);
	logcap.len += n;
	logcap.buf[logcap.len++] = '\n';
	logcap.buf[logcap.len] = '\0';
	if (getenv("KIPVS_TEST_VERBOSE"))
		fprintf(stderr, "log: %s\n", line);
}

void unit_log_start(void)
{
	unit_log_stop();
	logcap.on = 1;
	log_set_sink(sink, NULL);
}

void unit_log_stop(void)
{
	log_set_sink(NULL, NULL);
	free(logcap.buf);
	memset(&logcap, 0, sizeof(logcap));
}

const char *unit_log_text(void)
{
	return logcap.buf ? logcap.buf : "";
}

int unit_log_count(const char *needle, ...)
{
	int count = 0;
	const char *p = logcap.buf;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		char *line = strndup(p, ll);
		int all = 1;
		va_list ap;

		va_start(ap, needle);
		for (const char *nd = needle; nd; nd = va_arg(ap, const char *))
			if (!strstr(line, nd))
				all = 0;
		va_end(ap);
		free(line);
		count += all;
		p = eol ? eol + 1 : p + ll;
	}
	return count;
}

const char *unit_fixture_path(const char *rel)
{
	static char path[4096];
	const char *root = getenv("KIPVS_FIXTURES");

	if (!root || !*root)
		root = "test/fixtures";
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

char *unit_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, nc);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, f);

		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
