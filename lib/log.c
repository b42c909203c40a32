/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	enum log_level level;
	int journal;
	log_sink_fn sink;
	void *sink_ctx;
} log_cfg = { LOG_LVL_INFO, 0, NULL, NULL };

static const char *lvl_name(enum log_level l)
{
	switch (l) {
	case LOG_LVL_ERR:
		return "error";
	case LOG_LVL_WARN:
		return "warn";
	case LOG_LVL_INFO:
		return "info";
	default:
		return "debug";
	}
}

void log_set_level(enum log_level lvl)
{
	log_cfg.level = lvl;
}

enum log_level log_get_level(void)
{
	return log_cfg.level;
}

int log_parse_level(const char *s, enum log_level *out)
{
	static const struct {
		const char *name;
		enum log_level lvl;
	} names[] = {
		{ "error", LOG_LVL_ERR },    { "err", LOG_LVL_ERR },   { "warn", LOG_LVL_WARN },
		{ "warning", LOG_LVL_WARN }, { "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].lvl;
			return 0;
		}
	}
	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0') {
		int v = s[0] - '0';
		*out = v <= 3   ? LOG_LVL_ERR
		       : v == 4 ? LOG_LVL_WARN
		       : v <= 6 ? LOG_LVL_INFO
		                : LOG_LVL_DEBUG;
		return 0;
	}
	return -EINVAL;
}

void log_init_from_env(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	log_cfg.journal = js && *js;
}

void log_set_sink(log_sink_fn fn, void *ctx)
{
	log_cfg.sink = fn;
	log_cfg.sink_ctx = ctx;
}

void log_eventv(enum log_level lvl, const char *event, const char *fmt, va_list ap)
{
	char line[2048];
	int n;

	if (lvl > log_cfg.level)
		return;
	n = snprintf(line, sizeof(line), "level=%s event=%s", lvl_name(lvl), event);
	if (n < 0)
		return;
	if (fmt && *fmt && (size_t)n < sizeof(line) - 1) {
		line[n++] = ' ';
		vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	}
	/* One event, one line: a stray newline inside a value must not split it. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_cfg.sink) {
		log_cfg.sink(log_cfg.sink_ctx, lvl, line);
		return;
	}
	if (log_cfg.journal)
		fprintf(stderr, "<%d>%s\n", (int)lvl, line);
	else
		fprintf(stderr, "kipvs: %s\n", line);
}

void log_event(enum log_level lvl, const char *event, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_eventv(lvl, event, fmt, ap);
	va_end(ap);
}

const char *log_quote(const char *s, char *buf, unsigned len)
{
	int plain = 1;
	unsigned o = 0;

	if (len < 8) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	if (!s)
		s = "";
	if (!*s)
		plain = 0;
	for (const char *p = s; *p && plain; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\' || (unsigned char)*p < 0x20 ||
		    (unsigned char)*p == 0x7f)
			plain = 0;
	if (!plain)
		buf[o++] = '"';
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		char tmp[5];
		unsigned tl;

		if (plain) {
			tmp[0] = (char)c;
			tl = 1;
		} else if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			tl = 2;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", c);
			tl = 4;
		} else {
			tmp[0] = (char)c;
			tl = 1;
		}
		/* keep room for "...", the closing quote and NUL */
		if (o + tl + 5 > len) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		memcpy(buf + o, tmp, tl);
		o += tl;
	}
	if (!plain)
		buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
