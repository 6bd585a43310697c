/*
 * ARM and Thumb-2 functions calling each other, all traced: `interwork`
 * exits 0 on success. The driver itself is Thumb-2 (Debian's default).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "interwork.h"

/* Each call: the function, its caller, its first argument, the T bit. */
static struct call {
	const char *name, *parent;
	long arg0;
	double fp0;
	unsigned long pc;
} calls[16];
static int nr_calls;

static void record_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		      struct dft_regs *regs)
{
	struct call *c = &calls[nr_calls++ % 16];

	c->name = name_of(ip);
	c->parent = name_of(parent_ip);
	c->arg0 = dft_regs_get_arg(regs, 0);
	c->fp0 = dft_regs_get_fparg(regs, 0);
	c->pc = dft_regs_get_ip(regs);
	CHECK(dft_regs_get_return_address(regs) == parent_ip, "return address");
}

/* Call @i was @fn (named @name) from @parent with @arg0 (fparg0 1.5 when
 * @arg0 is -1), in Thumb state or not. */
static void expect(int i, void *fn, const char *name, const char *parent, long arg0, int thumb)
{
	struct call *c = &calls[i];

	CHECK(!strcmp(c->name, name) && !strcmp(c->parent, parent), "call %d: %s from %s", i,
	      c->name, c->parent);
	CHECK(nonentry(fn) || (arg0 < 0 ? c->fp0 == 1.5 : c->arg0 == arg0), "%s: arg0 %ld %g",
	      name, c->arg0, c->fp0);
	CHECK((c->pc & 1) == (unsigned long)thumb, "%s: pc %#lx: Thumb bit", name, c->pc);
}

static void redirect_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			struct dft_regs *regs)
{
	dft_regs_set_ip(regs, (unsigned long)ops->private);
}

/* Redirects @from to @to (A32 to Thumb or back); refused after a prologue. */
static void redirect(const char *filter, int (*from)(int, int), int (*to)(int, int), int want)
{
	struct dft_ops ops = { .func = redirect_cb,
			       .flags = DFT_OPS_FL_SAVE_REGS | DFT_OPS_FL_IPMODIFY,
			       .private = (void *)to };

	CHECK(!dft_set_filter(&ops, filter, 1), "filter %s", filter);
	if (nonentry(from)) {
		CHECK(dft_register_ops(&ops) == -EINVAL, "redirect of %s refused", filter);
		return;
	}
	CHECK(!dft_register_ops(&ops), "register redirect %s", filter);
	CHECK(from(6 * one, 7) == want, "%s redirected: %d", filter, from(6 * one, 7));
	CHECK(!dft_unregister_ops(&ops), "unregister");
}

int main(void)
{
	struct dft_ops ops = { .func = record_cb, .flags = DFT_OPS_FL_SAVE_REGS };
	int r;

	CHECK(!dft_set_filter(&ops, "iw_*", 1), "filter");
	CHECK(!dft_register_ops(&ops), "register");
	r = iw_arm_calls_thumb(4 * one);
	CHECK(r == 13, "iw_arm_calls_thumb = %d", r);
	r = iw_thumb_calls_arm(4 * one);
	CHECK(r == 18, "iw_thumb_calls_arm = %d", r);
	CHECK(iw_arm_fp(1.5 * one, 2.0) == 3.0 && iw_thumb_fp(1.5 * one, 2.0) == -0.5, "fp");
	CHECK(!dft_unregister_ops(&ops), "unregister");
	CHECK(nr_calls == 6, "%d calls", nr_calls);
	expect(0, iw_arm_calls_thumb, "iw_arm_calls_thumb", "main", 4, 0);
	expect(1, iw_thumb_mul, "iw_thumb_mul", "iw_arm_calls_thumb", 4, 1);
	expect(2, iw_thumb_calls_arm, "iw_thumb_calls_arm", "main", 4, 1);
	expect(3, iw_arm_add, "iw_arm_add", "iw_thumb_calls_arm", 4, 0);
	expect(4, iw_arm_fp, "iw_arm_fp", "main", -1, 0);
	expect(5, iw_thumb_fp, "iw_thumb_fp", "main", -1, 1);

	/* Live patching across the instruction sets, both ways. */
	redirect("iw_arm_add", iw_arm_add, iw_thumb_v2, 1042);
	redirect("iw_thumb_mul", iw_thumb_mul, iw_arm_v2, 2013);
	CHECK(iw_arm_add(6 * one, 7) == 13 && iw_thumb_mul(6 * one, 7) == 42, "restored");
	printf("interwork ok\n");
	return 0;
}
