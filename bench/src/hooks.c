/*
 * -finstrument-functions hooks, built without instrumentation. The empty
 * pair is the peer's cost; BENCH_COUNT_HOOKS builds the counting pair used
 * once to learn the exact number of instrumented calls of a build.
 */
#include <stdio.h>

#define NOTRACE __attribute__((no_instrument_function, used))

#ifdef BENCH_COUNT_HOOKS
static unsigned long calls;

NOTRACE void __cyg_profile_func_enter(void *fn, void *site)
{
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

NOTRACE __attribute__((destructor)) static void report(void)
{
	fprintf(stderr, "bench-count: calls=%lu\n", calls);
}
#else
NOTRACE void __cyg_profile_func_enter(void *fn, void *site)
{
}
#endif

NOTRACE void __cyg_profile_func_exit(void *fn, void *site)
{
}
