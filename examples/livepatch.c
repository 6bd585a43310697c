/*
 * The ops API in one page: trace a function, read its arguments, then fix
 * it live by redirecting it to a replacement, and undo the fix.
 *
 *   cc $(pkg-config --variable=instrument_cflags dynftrace) livepatch.c \
 *      $(pkg-config --cflags --libs dynftrace)
 */
#include <stdio.h>

#include <dynftrace.h>

/* A function with a bug: the discount should never exceed the price. */
__attribute__((noinline)) long price_after_discount(long price, long discount)
{
	return price - discount;
}

__attribute__((noinline)) long price_after_discount_fixed(long price, long discount)
{
	return discount > price ? 0 : price - discount;
}

static void show_call(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		      struct dft_regs *regs)
{
	printf("  traced: price_after_discount(%ld, %ld)\n", (long)dft_regs_get_arg(regs, 0),
	       (long)dft_regs_get_arg(regs, 1));
}

static void redirect(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		     struct dft_regs *regs)
{
	dft_regs_set_ip(regs, (unsigned long)ops->private);
}

int main(void)
{
	struct dft_ops tracer = { .func = show_call };
	struct dft_ops fix = {
		.func = redirect,
		.flags = DFT_OPS_FL_SAVE_REGS | DFT_OPS_FL_IPMODIFY,
		.private = (void *)price_after_discount_fixed,
	};
	volatile long price = 10;

	if (dft_set_filter(&tracer, "price_after_discount", 1) || dft_register_ops(&tracer)) {
		fprintf(stderr, "cannot trace: was this built with the instrument flags?\n");
		return 1;
	}
	printf("before the fix: %ld\n", price_after_discount(price, 15));

	dft_set_filter(&fix, "price_after_discount", 1);
	dft_register_ops(&fix);
	printf("with the fix:   %ld\n", price_after_discount(price, 15));

	dft_unregister_ops(&fix);
	printf("fix removed:    %ld\n", price_after_discount(price, 15));
	dft_unregister_ops(&tracer);
	return 0;
}
