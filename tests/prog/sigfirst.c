/* SPDX-License-Identifier: MIT */
/*
 * Threads whose first traced call is made by a signal handler that
 * interrupted malloc(): the tracer's first event in a thread must not take
 * a lock the interrupted code may hold (glibc's arena lock is not
 * recursive, so a calloc() there never returns). Recorded with
 * -F sig_traced, only the handler's call is traced.
 *
 * Usage: sigfirst [ROUNDS]; prints "sigfirst: N calls" on success.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "trace_prog.h"

#define WORKERS 4

static volatile long sink;
static long calls;
static volatile int stop;

NOIPA int sig_traced(int x)
{
	return x + 1;
}

static void on_signal(int sig)
{
	sink += sig_traced(sig);
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
	/* Above tcache's sizes: every call takes the arena's lock. */
	for (unsigned int i = 0; !stop; i++) {
		void *p = malloc(2048 + (i & 1023));

		sink += p != NULL;
		free(p);
	}
	return arg;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	/* A hang is a failure the test sees: SIGALRM ends the process. */
	alarm(60);
	sigaction(SIGUSR1, &sa, NULL);
	for (int r = 0; r < rounds; r++) {
		pthread_t t[WORKERS];

		stop = 0;
		for (int i = 0; i < WORKERS; i++)
			if (pthread_create(&t[i], NULL, worker, NULL))
				return 2;
		for (int k = 0; k < 50; k++) {
			for (int i = 0; i < WORKERS; i++)
				pthread_kill(t[i], SIGUSR1);
			nanosleep(&(struct timespec){ 0, 200000 }, NULL);
		}
		stop = 1;
		for (int i = 0; i < WORKERS; i++)
			pthread_join(t[i], NULL);
	}
	printf("sigfirst: %ld calls\n", calls);
	return 0;
}
