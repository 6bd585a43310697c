// SPDX-License-Identifier: MIT
/*
 * A thread ended by pthread_exit() or pthread_cancel() while traced frames
 * with no cleanup of their own (no personality routine: plain C) lie
 * between the point where the unwind starts and the frames that have
 * cleanups (tests/cases/trace_cancel.sh). Every cleanup must run: those of
 * pthread_cleanup_push() (setjmp-based in C, a cleanup attribute with
 * -fexceptions, a destructor in C++), __attribute__((cleanup)) (run by an
 * unwinder only with -fexceptions or in C++) and C++ destructors.
 *
 * Built as C without and with -fexceptions, and as C++ (trace_cancel.cc).
 * Prints "SCENARIO CLEANUPS RESULT": the cleanups that ran, and 1 if the
 * thread's result was the expected one.
 *
 * Scenarios: exit (pthread_exit), testcancel (deferred, at
 * pthread_testcancel()), read (deferred, blocked in read()), sleep
 * (deferred, in nanosleep()), async (PTHREAD_CANCEL_ASYNCHRONOUS while
 * calling traced functions in a loop), self (pthread_cancel of itself,
 * then pthread_testcancel()), pending (a deferred cancellation already
 * pending when the thread makes its first traced call, pending_fn: under
 * `record -F pending_fn` that call opens the thread's stream, inside the
 * callback; the cancellation must wait for pending_fn's own
 * pthread_testcancel(), not act in the runtime's system calls).
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trace_prog.h"

static volatile int sink;
static int cleanups, spins; /* atomically incremented */
static const char *scen;
static int pipefd[2];
static pthread_barrier_t ready, go;
static int reached;

NOIPA void cleanup_fn(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&cleanups, 1, __ATOMIC_RELAXED);
}

#if defined(__cplusplus) || defined(__EXCEPTIONS)
/* An unwinder runs these only in code built for exceptions. */
NOIPA void cleanup_attr(int *p)
{
	cleanup_fn(p);
}
#define CLEANUP_VAR(name) int name __attribute__((cleanup(cleanup_attr))) = 0
#define CLEANUP_KINDS_ATTR 1
#else
#define CLEANUP_VAR(name) int name = 0
#define CLEANUP_KINDS_ATTR 0
#endif

#ifdef __cplusplus
struct Guard {
	NOIPA ~Guard()
	{
		cleanup_fn(nullptr);
	}
};
#define GUARD(name) Guard name
#define CLEANUP_KINDS_DTOR 1
#else
#define GUARD(name) int name = 0
#define CLEANUP_KINDS_DTOR 0
#endif

/* The traced function the asynchronous scenario calls again and again. */
NOIPA int spin(int x)
{
	__atomic_add_fetch(&spins, 1, __ATOMIC_RELAXED);
	return x + 1;
}

/* The pending scenario's first traced call (under -F pending_fn). */
NOIPA void pending_fn(void)
{
	__atomic_add_fetch(&reached, 1, __ATOMIC_RELAXED);
	for (;;)
		pthread_testcancel();
}

/* Where the unwind starts: a plain traced frame, no cleanup. */
NOIPA void point(void)
{
	struct timespec ts = { 0, 1000000 };
	char c;
	int i = 0;

	sink++;
	if (!strcmp(scen, "pending")) {
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
		pthread_barrier_wait(&ready);
		pthread_barrier_wait(&go); /* main has cancelled us */
		pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
		pending_fn();
	}
	pthread_barrier_wait(&ready);
	if (!strcmp(scen, "exit"))
		pthread_exit((void *)42);
	if (!strcmp(scen, "testcancel") || !strcmp(scen, "self")) {
		if (!strcmp(scen, "self"))
			pthread_cancel(pthread_self());
		for (;;)
			pthread_testcancel();
	}
	if (!strcmp(scen, "read")) {
		for (;;)
			sink += (int)read(pipefd[0], &c, 1);
	}
	if (!strcmp(scen, "sleep")) {
		for (;;)
			nanosleep(&ts, NULL);
	}
	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
	for (;;)
		i = spin(i);
}

/* Another plain traced frame between the cleanups and the start. */
NOIPA void plain(void)
{
	point();
	sink++;
}

/* A traced frame with one cleanup of each kind, around the plain ones. */
NOIPA void inner(void)
{
	CLEANUP_VAR(v);
	GUARD(g);

	pthread_cleanup_push(cleanup_fn, NULL);
	plain();
	pthread_cleanup_pop(0);
	(void)v;
	(void)g;
}

NOIPA void *worker(void *arg)
{
	CLEANUP_VAR(v);
	GUARD(g);

	(void)arg;
	pthread_cleanup_push(cleanup_fn, NULL);
	inner();
	pthread_cleanup_pop(0);
	(void)v;
	(void)g;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	void *ret = NULL;
	int self = 0;

	scen = argc > 1 ? argv[1] : "exit";
	self = !strcmp(scen, "self");
	if (pipe(pipefd) || pthread_barrier_init(&ready, NULL, 2) ||
	    pthread_barrier_init(&go, NULL, 2) ||
	    pthread_create(&t, NULL, worker, NULL))
		return 2;
	pthread_barrier_wait(&ready);
	if (strcmp(scen, "exit") && !self) {
		/* A deferred cancellation acts at the next cancellation point
		 * whenever it comes; an asynchronous one while it loops. */
		while (!strcmp(scen, "async") && __atomic_load_n(&spins, __ATOMIC_RELAXED) < 1000)
			sched_yield();
		if (pthread_cancel(t))
			return 3;
		if (!strcmp(scen, "pending"))
			pthread_barrier_wait(&go);
	}
	if (pthread_join(t, &ret))
		return 4;
	printf("%s %d %d\n", scen, cleanups,
	       ret == (!strcmp(scen, "exit") ? (void *)42 : PTHREAD_CANCELED));
	if (!strcmp(scen, "pending") && reached != 1) {
		printf("pending_fn ran %d times, not once: cancelled before its body\n", reached);
		return 5;
	}
	/* Per frame: pthread_cleanup_push, the attribute, the destructor. */
	return cleanups == 2 * (1 + CLEANUP_KINDS_ATTR + CLEANUP_KINDS_DTOR) ? 0 : 1;
}
