/* Names a function lp_pair does not have. */
#include <dynftrace/livepatch.h>
static int g(int x) { return x; }
DFT_LIVEPATCH_FUNC(f1, g);
DFT_LIVEPATCH_FUNC(no_such_function, g);
