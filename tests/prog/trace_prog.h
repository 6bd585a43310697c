/* SPDX-License-Identifier: MIT */
/* Shared by the trace_* test programs. Functions are kept out of
 * interprocedural optimisation so that every variant (gcc, clang, -O0,
 * -O2) makes the same calls, and the traces can be compared exactly. */
#ifndef TRACE_PROG_H
#define TRACE_PROG_H

#ifdef __clang__
#define NOIPA __attribute__((noinline))
#else
#define NOIPA __attribute__((noipa))
#endif

#include <time.h>

/* Nanoseconds since @t0 (CLOCK_MONOTONIC), 64-bit on every target: a long
 * holds only 2.1 s of them on 32-bit ARM. */
static inline long long ns_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000000LL + t.tv_nsec - t0->tv_nsec;
}

#endif
