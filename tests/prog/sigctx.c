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
 *   sigctx reg PATCH  lp_f() is live patched; a signal reaches a new thread
 *                     inside its first traced call (of lp_f), while that
 *                     waits for the thread list, held by a grace period of
 *                     an unregister that waits for a slow callback: the
 *                     handler's lp_f must run the new version too (it ran
 *                     the old: the thread was not registered yet). Then a
 *                     signal reaches the main thread, which never made a
 *                     traced call, in that grace period: its handler's
 *                     lp_f is its first traced call (it deadlocked: the
 *                     registration waited for the lock its own thread
 *                     held; alarm() ends the process then). Prints
 *                     "window N of M": rounds whose signals landed there
 *   sigctx api        sigaction()/signal() report what the program installed
 *
 * Prints "interrupted N" (signals that arrived inside the slow callback),
 * and exits non-zero when the window never opened.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <dynftrace.h>
#include <dynftrace/livepatch.h>

#include "trace_prog.h" /* NOIPA, ns_since() */

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

/* reg: the slow callback holds on until this is set (or 10 s). */
static volatile int hold, release;

/* Long enough that the timer often fires inside it. */
static void slow_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		    struct dft_regs *regs)
{
	struct timespec t0;

	in_slow = 1;
	if (lp_mode)
		count(lp_f(5), 5, &cb_old, &cb_new);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ns_since(&t0) < 50000 || (hold && !release && ns_since(&t0) < 10000000000LL))
		;
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

/* ---- reg ---- */
static volatile int calling, windows;
static volatile long m_handled, m_done, m_old, m_new;
static struct dft_ops dummy_ops = { .func = slow_cb };

static void on_usr1(int sig)
{
	handled++;
	if (calling == 1)
		windows++;
	count(lp_f(1), 1, &h_old, &h_new);
	(void)sig;
}

static void on_usr2(int sig)
{
	m_handled++;
	count(lp_f(2), 2, &m_old, &m_new);
	m_done++;
	(void)sig;
}

static void sleep_ms(int ms)
{
	nanosleep(&(struct timespec){ .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L }, NULL);
}

/* Calls work(): into the slow callback, which holds on. */
static void *slow_thread(void *arg)
{
	work();
	return arg;
}

/* How long the new thread gives the unregister to reach its grace period:
 * doubled after a round that missed it (a loaded machine, qemu). */
static int first_delay = 100;

/* A thread that has made no traced call yet: its first is lp_f(). */
static void *first_thread(void *arg)
{
	sleep_ms(first_delay); /* the unregister is waiting for the slow callback */
	calling = 1;
	count(lp_f(3), 3, &cb_old, &cb_new);
	calling = 2;
	return arg;
}

static pthread_t first, main_thread;

/* Once the new thread has been inside its call for long, it is waiting
 * for the thread list, held by the unregister's grace period: signal it
 * there, then let the slow callback end. */
static void *sender_thread(void *arg)
{
	long before = handled;

	for (int i = 0; calling != 1 && i < 8000; i++)
		sleep_ms(1);
	sleep_ms(50);
	if (calling == 1) {
		long m_before = m_done;

		pthread_kill(first, SIGUSR1);
		for (int i = 0; handled == before && i < 5000; i++)
			sleep_ms(1);
		/* The main thread is in the grace period, holding the list. */
		pthread_kill(main_thread, SIGUSR2);
		for (int i = 0; m_done == m_before && i < 5000; i++)
			sleep_ms(1);
	}
	release = 1;
	return arg;
}

/* One round: whether the signal reached the new thread inside its call. */
static int reg_round(void)
{
	pthread_t slow, sender;
	long before = windows;

	hold = 1, release = 0, calling = 0, in_slow = 0;
	if (dft_set_filter(&dummy_ops, "hcall", 1) || dft_register_ops(&dummy_ops))
		return -1;
	pthread_create(&slow, NULL, slow_thread, NULL);
	while (!in_slow)
		sleep_ms(1);
	pthread_create(&first, NULL, first_thread, NULL);
	pthread_create(&sender, NULL, sender_thread, NULL);
	dft_unregister_ops(&dummy_ops); /* waits for the slow callback */
	pthread_join(sender, NULL);
	pthread_join(first, NULL);
	pthread_join(slow, NULL);
	if (windows == before && first_delay < 3000)
		first_delay *= 2;
	return windows > before;
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
	if (!strcmp(argv[1], "reg")) {
		struct sigaction sa = { .sa_handler = on_usr1 };
		int rounds = 0, hit = 0;

		if (argc < 3)
			return 2;
		lp_mode = 1;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
		sa.sa_handler = on_usr2;
		sigaction(SIGUSR2, &sa, NULL);
		main_thread = pthread_self();
		if (slow_start() || dft_livepatch_apply(argv[2], 0, 60000, say, NULL))
			return 1;
		alarm(120); /* a deadlock ends here, with SIGALRM */
		while (rounds < 10 && hit < 3) {
			int r = reg_round();

			if (r < 0)
				return 1;
			hit += r;
			rounds++;
		}
		printf("window %d of %d\nhandler old %ld new %ld\nfirst old %ld new %ld\n"
		       "main old %ld new %ld\n",
		       hit, rounds, h_old, h_new, cb_old, cb_new, m_old, m_new);
		return !hit ? 3 : 0;
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
