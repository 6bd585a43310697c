/*
 * Core runtime micro-benchmark (issue 2): ns per call of a small leaf in
 * each state of its site, through the public ops API.
 *
 *   none    no ops registered: the site is one NOP (the disabled cost)
 *   caller  an empty ops: the caller trampoline and the list walk / direct call
 *   regs    an empty DFT_OPS_FL_SAVE_REGS ops: the regs-caller trampoline
 *
 * Built twice from this source, with -fpatchable-function-entry=5 and
 * without (-falign-functions=64 in both); the uninstrumented build runs the
 * same code (its registrations find no site) and is the baseline the driver
 * pairs each run with. usage: core_bench [CALLS [REPS [STATE]]]; prints
 * "STATE median_ns min_ns" per state (only STATE, without warm-up, when
 * given: for profiling one state).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dynftrace.h"

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif
#define NOSITE __attribute__((patchable_function_entry(0, 0)))

NOINLINE long leaf2(long a, long b)
{
	return (a ^ b) + 1;
}

NOSITE NOINLINE static long loop(long n)
{
	long s = 0;

	for (long i = 0; i < n; i++)
		s = leaf2(i, s);
	return s;
}

NOSITE static void empty(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			 struct dft_regs *regs)
{
}

static struct dft_ops caller = { .func = empty };
static struct dft_ops regs = { .func = empty, .flags = DFT_OPS_FL_SAVE_REGS };
static volatile long sink;

/* The thread's CPU time, not the wall clock: on a small machine shared with
 * other work, time spent descheduled would swamp a 2 ns difference. */
NOSITE static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

NOSITE static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

NOSITE int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 20000000;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	struct dft_ops *ops[3] = { NULL, &caller, &regs };
	const char *name[3] = { "none", "caller", "regs" };
	double ns[3][64];
	const char *only = argc > 3 ? argv[3] : NULL;

	if (reps > 64)
		reps = 64;
	/* The filter keeps leaf2 only; in the uninstrumented build it finds
	 * nothing (-ENOENT) and registration patches nothing. */
	dft_set_filter(&caller, "leaf2", 1);
	dft_set_filter(&regs, "leaf2", 1);
	if (!only)
		sink = loop(calls / 10); /* warm up */
	for (int r = 0; r < reps; r++) {
		for (int s = 0; s < 3; s++) {
			if (only && strcmp(only, name[s]))
				continue;
			int err = ops[s] ? dft_register_ops(ops[s]) : 0;
			double t0 = now();

			sink = loop(calls);
			ns[s][r] = (now() - t0) / calls;
			if (ops[s] && !err)
				dft_unregister_ops(ops[s]);
		}
	}
	for (int s = 0; s < 3; s++) {
		if (only && strcmp(only, name[s]))
			continue;
		qsort(ns[s], reps, sizeof(double), cmp);
		printf("%s %.4f %.4f\n", name[s], ns[s][reps / 2], ns[s][0]);
	}
	return 0;
}
