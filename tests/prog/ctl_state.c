// SPDX-License-Identifier: MIT
/*
 * What an attach must leave alone (x86-64): the main thread, the one the
 * attach borrows for its calls, checks its own state across it.
 *
 *   ctl_state spin READYFILE   the main thread spins for 3 s in assembly
 *       with known values in rbx, r12-r15, xmm6, xmm7, the flags and its
 *       red zone, checking them on every turn;
 *   ctl_state sleep READYFILE  the main thread sleeps 3 s in nanosleep,
 *       which must neither fail with EINTR nor end early;
 *   ctl_state dlopen READYFILE LIB  a thread is inside dlopen(LIB), whose
 *       constructor sleeps, when the attach stops every thread: the
 *       attach's own dlopen waits for the loader's lock.
 *
 * Both then check errno, the signal mask and a pending signal. SIGURG is
 * blocked in the main thread, so that the wake-up of the control channel
 * goes to the other thread (which only waits), as the kernel picks a thread
 * that does not block it. Prints "ok" or what changed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) void state_idle(void)
{
	pause();
}

static void *idler(void *arg)
{
	for (;;)
		state_idle();
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 1 when a register, a flag or the red zone changed. */
static long spin_check(long iters)
{
	long bad;

	__asm__ volatile("movabs $0x1111111111111111, %%r12\n\t"
			 "movabs $0x2222222222222222, %%r13\n\t"
			 "movabs $0x3333333333333333, %%r14\n\t"
			 "movabs $0x4444444444444444, %%r15\n\t"
			 "movabs $0x5555555555555555, %%rbx\n\t"
			 "movq %%r12, %%xmm6\n\t"
			 "movq %%r13, %%xmm7\n\t"
			 "mov %%rbx, -64(%%rsp)\n\t"
			 "xor %0, %0\n\t"
			 "1:\n\t"
			 "stc\n\t"
			 "pause\n\t"
			 "pause\n\t"
			 "jnc 2f\n\t"
			 "movabs $0x1111111111111111, %%rax\n\t"
			 "cmp %%rax, %%r12\n\t"
			 "jne 2f\n\t"
			 "movabs $0x2222222222222222, %%rax\n\t"
			 "cmp %%rax, %%r13\n\t"
			 "jne 2f\n\t"
			 "movabs $0x3333333333333333, %%rax\n\t"
			 "cmp %%rax, %%r14\n\t"
			 "jne 2f\n\t"
			 "movabs $0x4444444444444444, %%rax\n\t"
			 "cmp %%rax, %%r15\n\t"
			 "jne 2f\n\t"
			 "movabs $0x5555555555555555, %%rax\n\t"
			 "cmp %%rax, %%rbx\n\t"
			 "jne 2f\n\t"
			 "cmp %%rax, -64(%%rsp)\n\t"
			 "jne 2f\n\t"
			 "movq %%xmm6, %%rax\n\t"
			 "cmp %%rax, %%r12\n\t"
			 "jne 2f\n\t"
			 "movq %%xmm7, %%rax\n\t"
			 "cmp %%rax, %%r13\n\t"
			 "jne 2f\n\t"
			 "dec %1\n\t"
			 "jnz 1b\n\t"
			 "jmp 3f\n\t"
			 "2:\n\t"
			 "mov $1, %0\n\t"
			 "3:\n\t"
			 : "=&r"(bad), "+r"(iters)
			 :
			 : "rax", "rbx", "r12", "r13", "r14", "r15", "xmm6", "xmm7", "cc", "memory");
	return bad;
}

static void *opener(void *lib)
{
	if (!dlopen(lib, RTLD_NOW))
		fprintf(stderr, "dlopen: %s\n", dlerror());
	return NULL;
}

static int loader(const char *ready, const char *lib)
{
	pthread_t t, idle;
	sigset_t urg;
	FILE *f;

	/* As in the other modes: the wake-up (SIGURG, whose handler ends a
	 * sleep early) goes to the idler, not to the sleep below. */
	pthread_create(&idle, NULL, idler, NULL);
	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	pthread_sigmask(SIG_BLOCK, &urg, NULL);
	pthread_create(&t, NULL, opener, (void *)lib);
	sleep(1); /* the opener is in the constructor now */
	f = fopen(ready, "w");
	fclose(f);
	pthread_join(t, NULL);
	sleep(15); /* time for the control channel after the attach */
	printf("ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	sigset_t mask, want, pending;
	pthread_t t;
	int err = 0, e;
	double t0;
	FILE *f;

	if (argc == 4 && !strcmp(argv[1], "dlopen"))
		return loader(argv[2], argv[3]);
	if (argc != 3 || (strcmp(argv[1], "spin") && strcmp(argv[1], "sleep"))) {
		fprintf(stderr, "usage: ctl_state spin|sleep READYFILE | dlopen READYFILE LIB\n");
		return 2;
	}
	/* The idler first: it keeps the empty mask, so it takes SIGURG. */
	pthread_create(&t, NULL, idler, NULL);
	sigemptyset(&want);
	sigaddset(&want, SIGUSR1);
	sigaddset(&want, SIGUSR2);
	sigaddset(&want, SIGURG);
	pthread_sigmask(SIG_BLOCK, &want, NULL);
	raise(SIGUSR2); /* pending in the main thread, blocked */
	f = fopen(argv[2], "w");
	fclose(f);
	errno = 4321;
	t0 = now();
	if (!strcmp(argv[1], "spin")) {
		while (now() - t0 < 3) {
			e = errno;
			if (spin_check(2000000)) {
				printf("registers changed\n");
				err = 1;
				break;
			}
			errno = e;
		}
	} else {
		struct timespec ts = { 3, 0 };
		int r = nanosleep(&ts, NULL);

		e = errno;
		if (r) {
			printf("nanosleep failed: %s\n", strerror(e));
			err = 1;
		} else if (now() - t0 < 2.99) {
			printf("nanosleep ended early\n");
			err = 1;
		}
		errno = e;
	}
	if (errno != 4321) {
		printf("errno changed: %d\n", errno);
		err = 1;
	}
	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	for (int s = 1; s < 32; s++) {
		if (sigismember(&mask, s) != sigismember(&want, s)) {
			printf("signal mask changed at %d\n", s);
			err = 1;
		}
	}
	sigpending(&pending);
	if (!sigismember(&pending, SIGUSR2)) {
		printf("the pending SIGUSR2 is gone\n");
		err = 1;
	}
	if (!err)
		printf("ok\n");
	return err;
}
