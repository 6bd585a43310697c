/* Stacks on lp_pair_fix.so: f2 through the original code (DFT_LIVEPATCH_ORIG),
 * so pair's result is old + 0 for f2's part: new f1 then old f2 is a mix
 * unless ORIG really runs the original, not the first patch's f2. */
#include <dynftrace/livepatch.h>
int f2(int y);
static int f2_via_orig(int y)
{
	return DFT_LIVEPATCH_ORIG(f2)(y) + 100;
}
DFT_LIVEPATCH_FUNC(f2, f2_via_orig);
