/* SPDX-License-Identifier: Apache-2.0 */
/*
 * unit — what every cmocka unit test shares: the runner entry point (with a
 * name filter from make test T=...), log capture, and fixture paths.
 */
#ifndef KIPVS_UNIT_H
#define KIPVS_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../lib/log.h"

/* Runs @tests; KIPVS_TEST_FILTER (a glob on test names) narrows the run. */
int unit_run(const char *group, const struct CMUnitTest *tests, size_t n);
#define UNIT_MAIN(tests)                                                                           \
	int main(void)                                                                             \
	{                                                                                          \
		return unit_run(__FILE__, tests, sizeof(tests) / sizeof(tests[0]));                \
	}

/* Captures log lines (instead of stderr) until unit_log_stop(). */
void unit_log_start(void);
void unit_log_stop(void);
/* Number of captured lines containing every one of the NULL-terminated needles. */
int unit_log_count(const char *needle, ...);
/* All captured lines joined with '\n' (owned by the capture; valid until stop). */
const char *unit_log_text(void);

/* Path of a file under test/fixtures, relative to the repository root where the
 * tests run (KIPVS_FIXTURES overrides the folder). Static buffer. */
const char *unit_fixture_path(const char *rel);
/* Reads a whole file (NUL-terminated); NULL if unreadable. Caller frees. */
char *unit_read_file(const char *path, size_t *len);

#endif
