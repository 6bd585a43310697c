/* A patch for another build of lp_pair. */
#include <dynftrace/livepatch.h>
static int g(int x) { return x; }
DFT_LIVEPATCH_BUILD_ID("00112233445566778899aabbccddeeff00112233");
DFT_LIVEPATCH_FUNC(f1, g);
