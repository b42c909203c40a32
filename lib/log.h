/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log — one line per event, key=value details, to stderr.
 *
 * Every line looks like
 *     level=warn event=decode_failed kind=Service obj=shop/web field=spec.clusterIP
 * The caller passes the event name and a printf-style tail of key=value pairs.
 * When stderr is the journal (JOURNAL_STREAM set) each line gets a "<N>" syslog
 * priority prefix so journald records the level.
 *
 * The logger keeps its settings (level, sink) in one static struct: logging is
 * process-wide by nature, and threading a context through every decoder only to
 * reach stderr would make every signature noisier without buying anything.
 * Tests redirect lines with log_set_sink() to assert what was logged.
 *
 * Never log a secret: callers pass names of files, never tokens or keys.
 */
#ifndef KIPVS_LOG_H
#define KIPVS_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERR = 3,
	LOG_LVL_WARN = 4,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

typedef void (*log_sink_fn)(void *ctx, enum log_level lvl, const char *line);

/* Lines above @lvl are dropped. Default: LOG_LVL_INFO. */
void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* Parse "error", "warn", "info", "debug" (or 0..7). 0 or -EINVAL. */
int log_parse_level(const char *s, enum log_level *out) __attribute__((warn_unused_result));
/* Re-read JOURNAL_STREAM; called once at start by cmd/. */
void log_init_from_env(void);
/* Send lines to @fn instead of stderr (NULL restores stderr). */
void log_set_sink(log_sink_fn fn, void *ctx);

void log_event(enum log_level lvl, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_eventv(enum log_level lvl, const char *event, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#define log_err(ev, ...)   log_event(LOG_LVL_ERR, ev, __VA_ARGS__)
#define log_warn(ev, ...)  log_event(LOG_LVL_WARN, ev, __VA_ARGS__)
#define log_info(ev, ...)  log_event(LOG_LVL_INFO, ev, __VA_ARGS__)
#define log_debug(ev, ...) log_event(LOG_LVL_DEBUG, ev, __VA_ARGS__)

/*
 * Quote a value for a key=value line: returned as-is when it has no space,
 * quote, '=' or control character, otherwise in double quotes with \" \\ and
 * \xNN escapes. Truncated to fit @len (ending in "..." when cut). Returns @buf.
 */
const char *log_quote(const char *s, char *buf, unsigned len);

#endif
