// SPDX-License-Identifier: MIT
/*
 * A program that loads an instrumented library only when told to, after it
 * has been attached (ctl_dlopen.sh): `ctl_dlopen LIB GO DONE ROUNDS`. A
 * second thread keeps running code of the program meanwhile. Once the file
 * GO exists, it dlopen()s LIB and calls dlib_outer() ROUNDS times, then
 * dlclose()s it, dlopen()s it again and calls it ROUNDS more times; then it
 * writes DONE. Then, once GO.load exists (the runtime dormant: detached),
 * it loads LIB and keeps it, writing DONE.load; once GO.call exists, it
 * calls it ROUNDS times and writes DONE.call. Once GO.ptr exists, it loads
 * a copy, LIB.2, through a pointer to dlopen taken before any of this (no
 * GOT slot is read then), and writes DONE.ptr. Then it waits to be killed.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "trace_prog.h"

static volatile int ticks;

NOIPA void prog_tick(void)
{
	ticks++;
}

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void *ticker(void *arg)
{
	for (;;) {
		prog_tick();
		nap(2);
	}
	return NULL;
}

static void wait_for(const char *file, const char *suffix)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s%s", file, suffix);
	while (access(path, F_OK))
		nap(5);
}

static void done(const char *file, const char *suffix, long sum)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", file, suffix);
	f = fopen(path, "w");
	if (!f)
		exit(1);
	fprintf(f, "%ld\n", sum);
	fclose(f);
}

typedef long (*outer_fn)(long);
static void *(*volatile early_dlopen)(const char *, int);

static outer_fn load(const char *lib, void **h)
{
	outer_fn outer;

	*h = dlopen(lib, RTLD_NOW);
	if (!*h) {
		fprintf(stderr, "dlopen %s: %s\n", lib, dlerror());
		exit(1);
	}
	outer = (outer_fn)dlsym(*h, "dlib_outer");
	if (!outer) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		exit(1);
	}
	return outer;
}

NOIPA long prog_use(outer_fn outer, int rounds)
{
	long sum = 0;

	for (int i = 0; i < rounds; i++)
		sum += outer(i);
	return sum;
}

int main(int argc, char **argv)
{
	pthread_t t;
	outer_fn outer;
	int rounds;
	long sum;
	void *h;

	if (argc != 5)
		return 2;
	rounds = atoi(argv[4]);
	early_dlopen = dlopen;
	pthread_create(&t, NULL, ticker, NULL);
	wait_for(argv[2], "");
	outer = load(argv[1], &h);
	sum = prog_use(outer, rounds);
	dlclose(h);
	outer = load(argv[1], &h);
	sum += prog_use(outer, rounds);
	dlclose(h);
	done(argv[3], "", sum);

	wait_for(argv[2], ".load");
	outer = load(argv[1], &h);
	done(argv[3], ".load", 0);
	wait_for(argv[2], ".call");
	done(argv[3], ".call", prog_use(outer, rounds));
	wait_for(argv[2], ".ptr");
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s.2", argv[1]);
		if (!early_dlopen(path, RTLD_NOW)) {
			fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
			return 1;
		}
	}
	done(argv[3], ".ptr", 0);
	for (;;)
		nap(100);
}
