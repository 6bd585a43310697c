// SPDX-License-Identifier: MIT
/*
 * Many events, fast, for the trace buffer cases (tests/cases/trace_buf_*.sh):
 *
 *   calls N          N calls of outer(), each calling inner(): 4 events
 *   ring N K [kill]  two threads, each: N calls of outer() inside big(),
 *                    then exactly K calls of final() inside last(); then
 *                    the process exits, or SIGKILLs itself
 *   threads T        T short threads (50 at a time), each calling outer()
 *                    once: two calls
 *   phases FILE K    three threads, each: phase_a() calls, then phase_b()
 *                    calls, each phase until a SIGUSR1 ends it; then
 *                    exactly K calls of final() inside last(). FILE gets
 *                    the pid once every thread runs (ctl_snapshot.sh)
 *
 * The program prints what it computed, so a broken return shows.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace_prog.h"

volatile long sink;

NOIPA long inner(long x)
{
	sink++;
	return x + 1;
}

NOIPA long outer(long x)
{
	return inner(x) * 2;
}

NOIPA long final(long x)
{
	sink++;
	return x ^ 1;
}

NOIPA long big(long n)
{
	long s = 0;

	for (long i = 0; i < n; i++)
		s += outer(i & 7);
	return s;
}

NOIPA long last(long k)
{
	long s = 0;

	for (long i = 0; i < k; i++)
		s += final(i & 1);
	return s;
}

static long n_big, n_final;

NOIPA void *work(void *arg)
{
	long s = big(n_big);

	s += last(n_final);
	return (void *)s;
}

static volatile sig_atomic_t phase, running;

NOIPA long phase_a(long x)
{
	return inner(x) + 1;
}

NOIPA long phase_b(long x)
{
	return inner(x) - 1;
}

static void next_phase(int sig)
{
	phase++;
}

NOIPA void *phased(void *arg)
{
	long s = 0;

	__atomic_fetch_add(&running, 1, __ATOMIC_RELAXED);
	while (phase == 0)
		s += phase_a(s & 7);
	while (phase == 1)
		s += phase_b(s & 7);
	sink += s;
	/* What the program prints: known, so a broken return shows. */
	return (void *)last(n_final);
}

static void *one(void *arg)
{
	return (void *)outer((long)arg & 7);
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";

	if (!strcmp(s, "calls") && argc > 2) {
		long n = atol(argv[2]);

		printf("calls %ld %ld\n", n, big(n));
		return 0;
	}
	if (!strcmp(s, "ring") && argc > 3) {
		pthread_t t;
		void *r1, *r2;

		n_big = atol(argv[2]);
		n_final = atol(argv[3]);
		if (pthread_create(&t, NULL, work, NULL))
			return 1;
		r1 = work(NULL);
		pthread_join(t, &r2);
		printf("ring %ld %ld %ld\n", n_big, n_final, (long)r1 + (long)r2);
		fflush(stdout);
		if (argc > 4 && !strcmp(argv[4], "kill"))
			kill(getpid(), SIGKILL);
		return 0;
	}
	if (!strcmp(s, "phases") && argc > 3) {
		pthread_t t[2];
		void *r[3];
		long sum = 0;
		FILE *f;

		n_final = atol(argv[3]);
		signal(SIGUSR1, next_phase);
		for (int i = 0; i < 2; i++) {
			if (pthread_create(&t[i], NULL, phased, NULL))
				return 1;
		}
		while (running < 2)
			usleep(1000);
		f = fopen(argv[2], "w");
		if (!f)
			return 1;
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
		r[2] = phased(NULL);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], &r[i]);
		for (int i = 0; i < 3; i++)
			sum += (long)r[i];
		printf("phases %ld %ld\n", n_final, sum);
		return 0;
	}
	if (!strcmp(s, "threads") && argc > 2) {
		long n = atol(argv[2]), done = 0, sum = 0;
		pthread_t t[50];

		while (done < n) {
			int k = n - done < 50 ? n - done : 50;

			for (int i = 0; i < k; i++) {
				if (pthread_create(&t[i], NULL, one, (void *)(done + i)))
					return 1;
			}
			for (int i = 0; i < k; i++) {
				void *r;

				pthread_join(t[i], &r);
				sum += (long)r;
			}
			done += k;
		}
		printf("threads %ld %ld\n", n, sum);
		return 0;
	}
	fprintf(stderr, "usage: trace_buf calls N | ring N K [kill] | threads T | phases FILE K\n");
	return 2;
}
