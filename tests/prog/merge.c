/*
 * dlopen()s a library whose constructor starts threads running its
 * functions, again and again (tests/prog/merge_lib.c): the runtime makes
 * the library's call sites its NOP form while those threads run them. A
 * thread left inside a merged instruction dies of SIGILL or SIGSEGV.
 * Then the same functions are traced on and off while they run.
 */
#include <dlfcn.h>
#include <time.h>

#include "check.h"

static long calls;

static void count_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		     struct dft_regs *regs)
{
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 40;
	struct dft_ops ops = { .func = count_cb };

	for (int i = 0; i < rounds; i++) {
		void *h = dlopen(argv[1], RTLD_NOW);

		CHECK(h, "dlopen %s: %s", argv[1], dlerror());
		if (i == rounds - 1) {
			CHECK(!dft_set_filter(&ops, "mf*", 1), "filter");
			for (int j = 0; j < 20; j++) {
				long before = calls;

				CHECK(!dft_register_ops(&ops), "register");
				/* Until the library's threads ran a traced call. */
				for (int k = 0; k < 2000 && calls == before; k++)
					nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
				CHECK(!dft_unregister_ops(&ops), "unregister");
			}
			CHECK(calls > 0, "the library's threads were not traced");
		}
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
		CHECK(!dlclose(h), "dlclose");
	}
	printf("merge: %d rounds, %ld calls traced\n", rounds, calls);
	return 0;
}
