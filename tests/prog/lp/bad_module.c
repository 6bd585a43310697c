/* Patches a library lp_pair never loads. */
#include <dynftrace/livepatch.h>
static int g(int x) { return x; }
DFT_LIVEPATCH_FUNC_IN("libnot_loaded.so", f1, g);
