// SPDX-License-Identifier: MIT
/*
 * A signal handler installed before the runtime loaded, as in a process
 * dynftrace attaches to: this program is not linked with the runtime; it
 * installs its SIGALRM handler with libc's sigaction(), then dlopen()s
 * libdynftrace.so (whose constructor finds the handler in place) and
 * registers two ops through dlsym(): a slow one on work(), which the timer
 * often interrupts, and one that counts the calls of hcall(), which the
 * handler makes. Every call must be counted, those from handlers that
 * interrupted the slow callback included (they were not: the handler was
 * not wrapped, so its calls there were taken for recursions).
 *
 *   sigctx_late LIBDYNFTRACE MS
 *
 * Prints "interrupted N of M" and "hcalls H counted C"; exits 3 when no
 * signal interrupted the slow callback.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <dynftrace.h>

#include "trace_prog.h" /* NOIPA, ns_since() */

static volatile sig_atomic_t in_slow;
static volatile long interrupted, handled, hcalls, counted, sink;

NOIPA void hcall(void)
{
	sink++;
}

NOIPA void work(void)
{
	sink++;
}

static void slow_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		    struct dft_regs *regs)
{
	struct timespec t0;

	in_slow = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ns_since(&t0) < 50000)
		;
	in_slow = 0;
	(void)ip, (void)parent_ip, (void)ops, (void)regs;
}

static void count_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		     struct dft_regs *regs)
{
	counted++;
	(void)ip, (void)parent_ip, (void)ops, (void)regs;
}

static struct dft_ops slow_ops = { .func = slow_cb };
static struct dft_ops count_ops = { .func = count_cb };

static void on_timer(int sig)
{
	handled++;
	if (in_slow)
		interrupted++;
	hcall();
	hcalls++;
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_timer, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 300 }, { 0, 300 } };
	int (*set_filter)(struct dft_ops *, const char *, int);
	int (*reg)(struct dft_ops *), (*unreg)(struct dft_ops *);
	int ms = argc > 2 ? atoi(argv[2]) : 2000;
	struct timespec t0;
	void *rt;

	if (argc < 2)
		return 2;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	rt = dlopen(argv[1], RTLD_NOW | RTLD_GLOBAL);
	if (!rt) {
		fprintf(stderr, "sigctx_late: %s\n", dlerror());
		return 1;
	}
	set_filter = (int (*)(struct dft_ops *, const char *, int))dlsym(rt, "dft_set_filter");
	reg = (int (*)(struct dft_ops *))dlsym(rt, "dft_register_ops");
	unreg = (int (*)(struct dft_ops *))dlsym(rt, "dft_unregister_ops");
	if (!set_filter || !reg || !unreg || set_filter(&slow_ops, "work", 1) ||
	    set_filter(&count_ops, "hcall", 1) || reg(&slow_ops) || reg(&count_ops)) {
		fprintf(stderr, "sigctx_late: cannot register the ops\n");
		return 1;
	}
	setitimer(ITIMER_REAL, &it, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (ns_since(&t0) < ms * 1000000LL)
		work();
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	unreg(&count_ops);
	unreg(&slow_ops);
	printf("interrupted %ld of %ld\nhcalls %ld counted %ld\n", interrupted, handled, hcalls,
	       counted);
	return !interrupted ? 3 : 0;
}
