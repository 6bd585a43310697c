/*
 * Stop-the-world corner cases: the main thread has called pthread_exit()
 * (a zombie that never answers a signal), and a thread made with a raw
 * clone() (never seen by pthread_create()) runs a traced function. A
 * worker loads a library whose threads run their sites (merged live) and
 * turns tracing on and off. Nothing may hang or crash.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"

static volatile int stop, clone_running;
static long calls;
static const char *lib;

__attribute__((noinline)) int sw_traced(int x)
{
	return x + one;
}

static void count_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		     struct dft_regs *regs)
{
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

/* Runs on a raw clone(): no TLS of its own worth speaking of, so it calls
 * nothing of libc, only the traced function (untraced: its callback
 * would need the runtime's TLS). */
static int raw_thread(void *arg)
{
	volatile int x = 0;

	clone_running = 1;
	while (!stop)
		x = sw_traced(x);
	clone_running = 0;
	return 0;
}

static void on_alarm(int sig)
{
	static const char msg[] = "stopworld: hang (no progress in 120 s)\n";

	write(2, msg, sizeof(msg) - 1);
	_exit(3);
}

static void *worker(void *arg)
{
	struct dft_ops ops = { .func = count_cb };
	void *h;

	alarm(120);
	h = dlopen(lib, RTLD_NOW);
	CHECK(h, "dlopen %s: %s", lib, dlerror());
	/* Not sw_traced: a raw clone() thread has no TLS for a callback. */
	CHECK(!dft_set_filter(&ops, "mf*", 1), "filter");
	for (int i = 0; i < 20; i++) {
		long before = __atomic_load_n(&calls, __ATOMIC_RELAXED);

		CHECK(!dft_register_ops(&ops), "register");
		/* The library's threads run its functions all the time: wait
		 * for one traced call (they must have been prepared). */
		for (int ms = 0; ms < 5000 && __atomic_load_n(&calls, __ATOMIC_RELAXED) == before; ms++)
			usleep(1000);
		CHECK(!dft_unregister_ops(&ops), "unregister");
	}
	CHECK(calls >= 20, "only %ld calls traced in 20 rounds", calls);
	CHECK(!dlclose(h), "dlclose");
	stop = 1;
	while (clone_running)
		sched_yield();
	alarm(0);
	printf("stopworld ok: %ld calls traced\n", calls);
	exit(0);
}

int main(int argc, char **argv)
{
	size_t size = 256 * 1024;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lib = argc > 1 ? argv[1] : "./libmerge.so";
	signal(SIGALRM, on_alarm);
	CHECK(stack != MAP_FAILED, "stack");
	CHECK(clone(raw_thread, stack + size, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
						     CLONE_THREAD | CLONE_SYSVSEM,
		    NULL) > 0,
	      "clone");
	while (!clone_running)
		sched_yield();
	CHECK(!pthread_create(&t, NULL, worker, NULL), "pthread_create");
	pthread_exit(NULL);
}
