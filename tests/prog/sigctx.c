// SPDX-License-Identifier: MIT
/*
 * Signal handlers in their own recursion context (core/sigctx.c). A timer
 * signal fires every few hundred microseconds while the main thread calls
 * work(), whose callback (an ops of ours) is slow: many signals arrive
 * while the thread is inside a callback. The handler calls traced
 * functions; counters say what happened.
 *
 *   sigctx lp PATCH   lp_f() is live patched (sigctx_fix.c: new is x + 1000,
 *                     old x + 1); every call from the handler, and from the
 *                     slow callback itself (a recursion), must run the new one
 *   sigctx rec        run under dynftrace record -F hcall: the handler calls
 *                     hcall(); the test compares the trace with "hcalls"
 *                     (after 20 handlers left by siglongjmp, which call it
 *                     too: "jumps 20")
 *   sigctx api        sigaction()/signal() report what the program installed
 *
 * Prints "interrupted N" (signals that arrived inside the slow callback),
 * and exits non-zero when the window never opened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <dynftrace.h>
#include <dynftrace/livepatch.h>

#include "trace_prog.h" /* NOIPA */

static volatile sig_atomic_t in_slow;
static volatile long interrupted, handled, hcalls, h_old, h_new, cb_old, cb_new, works;
static volatile long sink;

NOIPA int lp_f(int x)
{
	return x + 1;
}

NOIPA void hcall(void)
{
	sink++;
}

NOIPA void work(void)
{
	works++;
}

static int lp_mode;

static void count(int r, int x, volatile long *old, volatile long *new)
{
	if (r == x + 1)
		++*old;
	else if (r == x + 1000)
		++*new;
}

/* Long enough that the timer often fires inside it. */
static void slow_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		    struct dft_regs *regs)
{
	struct timespec t0, t;

	in_slow = 1;
	if (lp_mode)
		count(lp_f(5), 5, &cb_old, &cb_new);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < 50000);
	in_slow = 0;
	(void)ip, (void)parent_ip, (void)ops, (void)regs;
}

static struct dft_ops slow_ops = { .func = slow_cb };

static void on_timer(int sig)
{
	int saved = errno;

	handled++;
	if (in_slow)
		interrupted++;
	if (lp_mode)
		count(lp_f(1), 1, &h_old, &h_new);
	hcall();
	hcalls++;
	errno = saved;
	(void)sig;
}

static void on_timer_info(int sig, siginfo_t *si, void *uc)
{
	on_timer(sig);
	(void)si, (void)uc;
}

/* Handlers left by siglongjmp: their contexts are never closed by the
 * wrapper, yet the thread must not stay "inside" them (more of them than
 * the runtime has contexts). */
static sigjmp_buf jump_env;
static void on_jump(int sig)
{
	hcall();
	siglongjmp(jump_env, 1);
}

static void jump_out(int times)
{
	signal(SIGUSR1, on_jump);
	for (volatile int i = 0; i < times; i++)
		if (!sigsetjmp(jump_env, 1))
			raise(SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
}

static void say(const char *line, void *arg)
{
	fprintf(stderr, "%s\n", line);
	(void)arg;
}

static void run_timer(int ms)
{
	struct itimerval it = { { 0, 300 }, { 0, 300 } };
	struct timespec t0, t;

	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		work();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
}

static int slow_start(void)
{
	if (dft_set_filter(&slow_ops, "work", 1) || dft_register_ops(&slow_ops)) {
		fprintf(stderr, "sigctx: cannot register the slow ops\n");
		return -1;
	}
	return 0;
}

static void h1(int sig)
{
	(void)sig;
}

static void h2(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si, (void)uc;
}

static volatile int usr2_seen;
static void h3(int sig)
{
	usr2_seen++;
	(void)sig;
}

/* What the program installed comes back, whatever the runtime put in. */
static int api(void)
{
	struct sigaction sa = { 0 }, old;
	int bad = 0;

	sa.sa_sigaction = h2;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR1, NULL, &old);
	bad |= !(old.sa_flags & SA_SIGINFO) || old.sa_sigaction != h2 ||
	       !(old.sa_flags & SA_RESTART) || !sigismember(&old.sa_mask, SIGTERM);
	if (signal(SIGUSR1, h1) != (sighandler_t)h2)
		bad |= 2;
	sigaction(SIGUSR1, NULL, &old);
	bad |= ((old.sa_flags & SA_SIGINFO) || old.sa_handler != h1) << 2;
	if (signal(SIGUSR1, SIG_IGN) != h1)
		bad |= 8;
	sigaction(SIGUSR1, NULL, &old);
	bad |= (old.sa_handler != SIG_IGN) << 4;
	/* One shot: the handler runs once, then the action is the default. */
	sa.sa_handler = h3;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	sigaction(SIGUSR2, NULL, &old);
	bad |= (usr2_seen != 1 || old.sa_handler != SIG_DFL) << 5;
	if (sysv_signal(SIGUSR2, h3) != SIG_DFL)
		bad |= 64;
	raise(SIGUSR2);
	bad |= (usr2_seen != 2 || signal(SIGUSR2, SIG_DFL) != SIG_DFL) << 7;
	/* errno is the program's across a handler that left it alone. */
	signal(SIGUSR1, h1);
	errno = 1234;
	raise(SIGUSR1);
	bad |= (errno != 1234) << 8;
	printf("api %s (%#x)\n", bad ? "BAD" : "ok", bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int ms = argc > 3 ? atoi(argv[3]) : 2000;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "api"))
		return api();
	if (!strcmp(argv[1], "lp")) {
		if (argc < 3)
			return 2;
		lp_mode = 1;
		signal(SIGALRM, on_timer);
		if (slow_start())
			return 1;
		if (dft_livepatch_apply(argv[2], 0, 60000, say, NULL)) {
			fprintf(stderr, "sigctx: apply failed\n");
			return 1;
		}
		run_timer(ms);
		printf("interrupted %ld of %ld\nhandler old %ld new %ld\ncallback old %ld new %ld\n",
		       interrupted, handled, h_old, h_new, cb_old, cb_new);
		return !interrupted ? 3 : 0;
	}
	if (!strcmp(argv[1], "rec")) {
		struct sigaction sa = { .sa_sigaction = on_timer_info, .sa_flags = SA_SIGINFO };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		if (slow_start())
			return 1;
		jump_out(20);
		run_timer(ms);
		printf("interrupted %ld of %ld\nhcalls %ld\njumps 20\n", interrupted, handled, hcalls);
		return !interrupted ? 3 : 0;
	}
	return 2;
}
