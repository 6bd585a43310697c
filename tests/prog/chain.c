/*
 * Registers that carry an argument or a chain at a function entry survive
 * the callbacks: the static chain of GNU C nested functions (x86-64 r10,
 * AArch64 x18, ARM r12) and the indirect result register (AArch64 x8).
 * The callback clobbers them on purpose, and makes a six-argument system
 * call as a recorder would (the libc wrapper moves the fourth argument
 * into r10 on x86-64). gcc only: nested functions are a GNU C extension.
 */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

static long calls;

static void clobber_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		       struct dft_regs *regs)
{
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	syscall(SYS_getppid, 0x5a5a1, 0x5a5a2, 0x5a5a3, 0x5a5a4, 0x5a5a5, 0x5a5a6);
	/* What any compiled callback may do with call-clobbered registers. */
#if defined(__x86_64__)
	__asm__ __volatile__("movq $0x5a5a, %%r10" ::: "r10");
#elif defined(__aarch64__)
	__asm__ __volatile__("mov x18, #0x5a5a\n\tmov x8, #0x5a5a" ::: "x18", "x8");
#elif defined(__arm__)
	__asm__ __volatile__("mov ip, #0x5a00" ::: "ip");
#endif
}

struct big {
	long v[8];
};

/* Returned through memory: the caller passes where in x8 (AArch64). */
__attribute__((noinline)) struct big make_big(long k)
{
	struct big b;

	for (int i = 0; i < 8; i++)
		b.v[i] = k + i;
	return b;
}

__attribute__((noinline)) long outer(long k)
{
	volatile long base = k * 3;

	/* Reads base through the static chain. */
	__attribute__((noinline)) long nested(long x)
	{
		return base + x;
	}
	long sum = 0;

	for (int i = 0; i < 4; i++)
		sum += nested(i);
	return sum;
}

/* gcc -mfentry puts a nested function's site after the code that saves the
 * chain: not an entry site, not traced (the runtime warns). */
static int chain_func_state(const struct dft_func_info *info, void *arg)
{
	if (!strncmp(info->name, "nested.", 7))
		*(int *)arg = info->state & DFT_FUNC_FAILED ? 0 : 1;
	return 0;
}

int main(void)
{
	int nested_traced = -1;

	struct dft_ops ops = { .func = clobber_cb };
	long want = 0, got;
	struct big b;

	CHECK(!dft_set_filter(&ops, "*nested* make_big", 1), "filter");
	CHECK(!dft_register_ops(&ops), "register");
	for (long k = 1; k < 100; k++) {
		got = outer(k);
		want = 4 * 3 * k + 6;
		CHECK(got == want, "nested function through its static chain: %ld, want %ld", got,
		      want);
		b = make_big(k);
		for (int i = 0; i < 8; i++)
			CHECK(b.v[i] == k + i, "indirect result: v[%d] = %ld, want %ld", i, b.v[i],
			      k + i);
	}
	CHECK(!dft_unregister_ops(&ops), "unregister");
	dft_for_each_function(chain_func_state, &nested_traced, 0);
	CHECK(nested_traced >= 0, "no site for the nested function");
	CHECK(calls == (1 + 4 * nested_traced) * 99, "callbacks: %ld, want %d", calls,
	      (1 + 4 * nested_traced) * 99);
	printf("chain ok: %ld callbacks\n", calls);
	return 0;
}
