// SPDX-License-Identifier: MIT
/* The replacement for bench/src/lp_cost.c, exported so that the benchmark
 * can also call it directly. */
#include <dynftrace/livepatch.h>

long lp_cost_new(long x)
{
	return x * 3 + 2;
}

DFT_LIVEPATCH_FUNC(work, lp_cost_new);
