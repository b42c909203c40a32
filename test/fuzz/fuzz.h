/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz — what every libFuzzer harness under test/fuzz/ shares.
 *
 * A harness is one file fuzz_NAME.c defining LLVMFuzzerTestOneInput() (and
 * optionally LLVMFuzzerInitialize()). It is built twice:
 *   build/fuzz/NAME            clang, -fsanitize=fuzzer,address,undefined:
 *                              the fuzzer (make fuzz)
 *   build/san/test/fuzz/NAME   gcc, ASan+UBSan, linked with replay_main.c:
 *                              runs every stored input once (make test)
 * Harnesses never write files and open no socket but to loopback; they free
 * everything they allocate per input (LeakSanitizer is on).
 *
 * fuzz_in is a cursor over the input for harnesses that take a few control
 * bytes before the payload: reads past the end give zeros, never fail.
 */
#ifndef KIPVS_FUZZ_H
#define KIPVS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every library log line is formatted (at debug level, so the formatting of
 * fuzzed values is exercised too) and then dropped. The default
 * LLVMFuzzerInitialize() does only this; a harness that defines its own
 * calls it first. */
void fuzz_quiet_logs(void);

/* Aborts with @what when @cond is false: a harness's own checks must crash
 * the way a sanitizer report does, so the fuzzer keeps the input. */
#define FUZZ_ASSERT(cond, what) fuzz_assert((cond), (what), __FILE__, __LINE__)
void fuzz_assert(bool cond, const char *what, const char *file, int line);

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

uint8_t fuzz_u8(struct fuzz_in *in);
uint16_t fuzz_u16(struct fuzz_in *in);
/* The next @n bytes (fewer at the end); *got says how many. */
const uint8_t *fuzz_bytes(struct fuzz_in *in, size_t n, size_t *got);
/* A malloc'd NUL-terminated copy of @n bytes (the caller frees). */
char *fuzz_strndup(const void *p, size_t n);

#endif
