// SPDX-License-Identifier: MIT
/*
 * The function_graph cases (tests/cases/trace_graph_*.sh): each scenario
 * is one argument, its expected call tree is in the test. The program
 * prints what it computed, so that a broken return path shows as a wrong
 * value or a crash, not only as a wrong trace.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace_prog.h"

volatile int sink;

/* Not pure: clang drops calls of pure functions whose value is unused. */
NOIPA int leaf(int x)
{
	sink++;
	return x + 1;
}

NOIPA int mid(int x)
{
	return leaf(x) * 2;
}

NOIPA int rec(int n)
{
	int r;

	if (!n)
		return 0;
	r = rec(n - 1);
	sink++;
	return r + 1;
}

NOIPA double fmix(int a, double b, const char *s, double c)
{
	return a + b * c + (s && s != (const char *)8 ? strlen(s) : 0);
}

NOIPA const char *sret(int n)
{
	return n ? "yes" : "no";
}

NOIPA int scen_basic(void)
{
	int s = 0;

	for (int i = 0; i < 3; i++)
		s += mid(i);
	return s + rec(3);
}

NOIPA double scen_args(void)
{
	/* A NULL and a wild string pointer must not crash the recorder. */
	return fmix(-7, 1.5, "hello", 2.0) + leaf(41) + (sret(1)[0] == 'y') +
	       fmix(3, -0.25, NULL, 4.0) * 0 + fmix(0, 0, (const char *)8, 0) * 0;
}

/* ---- longjmp ---- */
static jmp_buf jb;

NOIPA void lj_deep(int n)
{
	if (!n)
		longjmp(jb, 1);
	lj_deep(n - 1);
	sink++;
}

NOIPA int lj_outer(void)
{
	if (setjmp(jb))
		return leaf(1);
	lj_deep(2);
	return 0;
}

NOIPA int scen_longjmp(void)
{
	int s = lj_outer();

	s += lj_outer();
	return s + leaf(2);
}

/* ---- siglongjmp out of a signal handler ---- */
static sigjmp_buf sjb;

NOIPA void on_usr1(int sig)
{
	leaf(sig);
	siglongjmp(sjb, 1);
}

NOIPA void sj_deep(void)
{
	raise(SIGUSR1);
	sink++;
}

NOIPA int sj_outer(void)
{
	if (sigsetjmp(sjb, 1))
		return mid(1);
	sj_deep();
	return 0;
}

NOIPA int scen_siglongjmp(void)
{
	signal(SIGUSR1, on_usr1);
	return sj_outer() + leaf(0);
}

/* ---- a handler that runs traced functions and returns ---- */
NOIPA void on_usr2(int sig)
{
	mid(sig);
}

NOIPA int sig_work(void)
{
	raise(SIGUSR2);
	return leaf(0);
}

NOIPA int scen_signal(void)
{
	signal(SIGUSR2, on_usr2);
	return sig_work();
}

/* ---- timer signals landing anywhere, also inside the return hook ---- */
static volatile int ticks_seen;

NOIPA int hleaf(int x)
{
	sink++;
	return x;
}

NOIPA void on_tick(int sig)
{
	ticks_seen += hleaf(1);
}

NOIPA int scen_sigstress(void)
{
	struct itimerval it = { { 0, 50 }, { 0, 50 } };
	int s = 0;

	signal(SIGALRM, on_tick);
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 60000; i++)
		s += mid(i & 7);
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	fprintf(stderr, "ticks %d\n", ticks_seen);
	return s;
}

/* ---- tail calls: at -O2 both are jumps, the callees return through the
 * hook their caller's call put in place ---- */
NOIPA int tail_callee(int x)
{
	return leaf(x) + 1;
}

NOIPA int tail_caller(int x)
{
	sink++;
	return tail_callee(x + 1);
}

NOIPA int tail_caller2(int x)
{
	sink++;
	return tail_caller(x * 2);
}

NOIPA int scen_tail(void)
{
	return tail_caller(1) + tail_caller2(3);
}

/* ---- a thread that exits inside traced frames ---- */
NOIPA void te_inner(void)
{
	leaf(1);
	pthread_exit((void *)42L);
}

NOIPA void te_outer(void)
{
	te_inner();
	sink++;
}

NOIPA void *te_thread(void *arg)
{
	te_outer();
	return NULL;
}

NOIPA int scen_threadexit(void)
{
	pthread_t t;
	void *ret;

	if (pthread_create(&t, NULL, te_thread, NULL) || pthread_join(t, &ret))
		return -1;
	return (int)(long)ret + leaf(3);
}

NOIPA int scen_deep(void)
{
	return rec(3000);
}

/* ---- more events than a file may hold under `ulimit -f` ---- */
NOIPA int scen_many(void)
{
	int s = 0;

	for (int i = 0; i < 300000; i++)
		s += mid(i & 1);
	return s;
}

/* ---- a thread that renames itself ---- */
NOIPA int scen_rename(void)
{
	leaf(1);
	pthread_setname_np(pthread_self(), "renamed-thread");
	return leaf(2);
}

/* ---- one slow call, for the duration threshold ---- */
NOIPA int slowf(void)
{
	usleep(200000);
	return leaf(1);
}

NOIPA int scen_slow(void)
{
	return slowf() + leaf(2) + mid(3);
}

/* ---- processes: each gets files of its own ---- */
NOIPA int scen_fork(void)
{
	int status = -1;
	pid_t pid;

	leaf(1);
	pid = fork();
	if (!pid) {
		mid(2);
		exit(3);
	}
	waitpid(pid, &status, 0);
	return leaf(WEXITSTATUS(status));
}

NOIPA int scen_exec(char *self)
{
	leaf(1);
	execl(self, self, "basic", (char *)NULL);
	return -1;
}

NOIPA void crash_here(void)
{
	leaf(2);
	kill(getpid(), SIGKILL);
}

NOIPA int scen_crash(void)
{
	mid(1);
	crash_here();
	return 0;
}

/* ---- threads ---- */
NOIPA void *worker(void *arg)
{
	int s = 0;

	for (int i = 0; i < 1000; i++)
		s += mid(i);
	return (void *)(long)s;
}

NOIPA int scen_threads(void)
{
	pthread_t t[4];
	void *r;
	int s = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &r);
		s += (int)(long)r;
	}
	return s;
}

/* ---- a library loaded after start-up: its functions get ids late ---- */
NOIPA int scen_dlopen(const char *lib)
{
	void *h = dlopen(lib, RTLD_NOW);
	int (*fn)(int);

	if (!h)
		return -1;
	fn = (int (*)(int))dlsym(h, "dl_twice");
	return fn(leaf(1)) + fn(2);
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "basic";
	double r;

	if (!strcmp(s, "basic"))
		r = scen_basic();
	else if (!strcmp(s, "args"))
		r = scen_args();
	else if (!strcmp(s, "longjmp"))
		r = scen_longjmp();
	else if (!strcmp(s, "siglongjmp"))
		r = scen_siglongjmp();
	else if (!strcmp(s, "signal"))
		r = scen_signal();
	else if (!strcmp(s, "sigstress"))
		r = scen_sigstress();
	else if (!strcmp(s, "tail"))
		r = scen_tail();
	else if (!strcmp(s, "threadexit"))
		r = scen_threadexit();
	else if (!strcmp(s, "deep"))
		r = scen_deep();
	else if (!strcmp(s, "rename"))
		r = scen_rename();
	else if (!strcmp(s, "many"))
		r = scen_many();
	else if (!strcmp(s, "slow"))
		r = scen_slow();
	else if (!strcmp(s, "fork"))
		r = scen_fork();
	else if (!strcmp(s, "exec"))
		r = scen_exec(argv[0]);
	else if (!strcmp(s, "crash"))
		r = scen_crash();
	else if (!strcmp(s, "threads"))
		r = scen_threads();
	else if (!strcmp(s, "dlopen") && argc > 2)
		r = scen_dlopen(argv[2]);
	else
		return 2;
	printf("%s %g\n", s, r);
	return 0;
}
