/*
 * LD_PRELOAD counter for patchable-entry builds, on dynftrace's public ops
 * API: an ops with an empty filter that counts every call. Used once per
 * build to learn its exact number of instrumented calls.
 */
#include <stdio.h>
#include "dynftrace.h"

static unsigned long calls;

static void count(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		  struct dft_regs *regs)
{
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

static struct dft_ops ops = { .func = count };
static int registered;

__attribute__((constructor)) static void start(void)
{
	int err = dft_register_ops(&ops);

	if (err)
		fprintf(stderr, "bench-count: dft_register_ops: %d\n", err);
	registered = !err;
}

__attribute__((destructor)) static void stop(void)
{
	if (registered)
		dft_unregister_ops(&ops);
	fprintf(stderr, "bench-count: calls=%lu\n", calls);
}
