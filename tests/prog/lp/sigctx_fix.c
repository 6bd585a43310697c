/* The new lp_f of tests/prog/sigctx.c: x + 1000 (the old one is x + 1). */
#include <dynftrace/livepatch.h>

static int new_lp_f(int x)
{
	return x + 1000;
}

DFT_LIVEPATCH_FUNC(lp_f, new_lp_f);
