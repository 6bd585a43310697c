// SPDX-License-Identifier: MIT
/*
 * The new pair for lp_pair.c: f1 is 2x + 7 and f2 its inverse, and pair
 * expects that intermediate and tags its result. pair calls the program's
 * f1 and f2 through their addresses (DFT_LIVEPATCH_SYMBOL), so each call
 * goes through the redirection and its consistency, as the old pair's do.
 */
#include <dynftrace/livepatch.h>

#define NEW_TAG 1000000

typedef int func_t(int);

DFT_LIVEPATCH_SYMBOL(func_t, call_f1, "f1");
DFT_LIVEPATCH_SYMBOL(func_t, call_f2, "f2");
DFT_LIVEPATCH_SYMBOL(long, hits, "lp_hits");

static int new_f1(int x)
{
	return 2 * x + 7;
}

static int new_f2(int y)
{
	return (y - 7) / 2;
}

static int new_pair(int x)
{
	int y = call_f1(x);

	++*hits;
	if (y != 2 * x + 7)
		return -NEW_TAG; /* an old f1 under the new pair */
	return call_f2(y) + NEW_TAG;
}

DFT_LIVEPATCH_FUNC(f1, new_f1);
DFT_LIVEPATCH_FUNC(f2, new_f2);
DFT_LIVEPATCH_FUNC(pair, new_pair);
