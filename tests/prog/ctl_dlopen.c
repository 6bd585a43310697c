// SPDX-License-Identifier: MIT
/*
 * A program that loads an instrumented library only when told to, after it
 * has been attached (ctl_dlopen.sh): `ctl_dlopen LIB GO DONE ROUNDS`. A
 * second thread keeps running code of the program meanwhile. Once the file
 * GO exists, it dlopen()s LIB and calls dlib_outer() ROUNDS times, then
 * dlclose()s it, dlopen()s it again and calls it ROUNDS more times; then it
 * writes DONE and waits to be killed.
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

NOIPA long prog_use(const char *lib, int rounds)
{
	void *h = dlopen(lib, RTLD_NOW);
	long (*outer)(long);
	long sum = 0;

	if (!h) {
		fprintf(stderr, "dlopen %s: %s\n", lib, dlerror());
		exit(1);
	}
	outer = (long (*)(long))dlsym(h, "dlib_outer");
	if (!outer) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		exit(1);
	}
	for (int i = 0; i < rounds; i++)
		sum += outer(i);
	dlclose(h);
	return sum;
}

int main(int argc, char **argv)
{
	pthread_t t;
	int rounds;
	long sum;
	FILE *f;

	if (argc != 5)
		return 2;
	rounds = atoi(argv[4]);
	pthread_create(&t, NULL, ticker, NULL);
	while (access(argv[2], F_OK))
		nap(5);
	sum = prog_use(argv[1], rounds);
	sum += prog_use(argv[1], rounds);
	f = fopen(argv[3], "w");
	if (!f)
		return 1;
	fprintf(f, "%ld\n", sum);
	fclose(f);
	for (;;)
		nap(100);
}
