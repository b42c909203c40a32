/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mono — the monotonic clock in the units kipvs measures with. For
 * durations and deadlines only (never wall time: it does not jump).
 */
#ifndef KIPVS_MONO_H
#define KIPVS_MONO_H

#include <stdint.h>
#include <time.h>

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline uint64_t mono_us(void)
{
	return (uint64_t)mono_ns() / 1000u;
}

static inline uint64_t mono_ms(void)
{
	return mono_us() / 1000u;
}

static inline double mono_s(void)
{
	return (double)mono_ns() / 1e9;
}

#endif
