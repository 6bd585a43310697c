/*
 * The fix for examples/shop.c, as a live patch module:
 *
 *   cc -shared -fPIC -O2 $(pkg-config --cflags dynftrace) shop_fix.c -o shop_fix.so
 *   dynftrace record -t function -F price_after_discount --patch shop_fix.so -- ./shop
 */
#include <dynftrace/livepatch.h>

long price_after_discount(long price, long discount);


static long fixed_price(long price, long discount)
{
	if (discount > price)
		return 0;
	/* The original code for the normal case. */
	return DFT_LIVEPATCH_ORIG(price_after_discount)(price, discount);
}

DFT_LIVEPATCH_FUNC(price_after_discount, fixed_price);
