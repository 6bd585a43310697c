/*
 * A small service with a bug, for the live patch walk-through (README,
 * docs/livepatch.md): it prices an order every 200 ms, and a discount larger
 * than the price gives a negative price. examples/shop_fix.c fixes it live.
 *
 *   cc $(pkg-config --variable=instrument_cflags dynftrace) -O2 shop.c -o shop
 */
#include <stdio.h>
#include <unistd.h>


__attribute__((noinline)) long price_after_discount(long price, long discount)
{
	return price - discount; /* the bug: may go below zero */
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0;; i++) {
		volatile long price = 10, discount = 5 + i % 10;

		printf("order %ld: price 10, discount %ld: %ld\n", i, discount,
		       price_after_discount(price, discount));
		usleep(200000);
	}
}
