// SPDX-License-Identifier: MIT
/*
 * The live patch invariant test: pair(x) calls f1 then f2, and
 * f2(f1(x)) == x holds for the old functions and for the new ones (see
 * lp_pair_fix.c), with a different intermediate value in each: old f1 is
 * x + 1, new f1 is 2x + 7. pair checks the intermediate it expects, so any
 * mix of old and new within one call chain is seen:
 *   old pair returns x, new pair x + NEW_TAG, anything else is a mix.
 *
 *   lp_pair invariant PATCH [immediate]   threads under load; apply, revert
 *   lp_pair stall PATCH timeout|force|mute   a thread parked inside old f1
 *                                         (mute: blocking every signal, so it
 *                                         never answers the stack check)
 *   lp_pair apply PATCH                   apply once, then check nothing changed
 *   lp_pair show                          one call, prints old or new
 *   lp_pair serve                         prints its pid, then runs until killed
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dynftrace/livepatch.h>

#include "trace_prog.h" /* NOIPA: each call goes through the site */

#define NEW_TAG 1000000
#define PARK (-1)
#define NR_WORKERS 4

volatile int parked;  /* f1(PARK) stays inside while set */
volatile int in_park; /* ... and says it is there */
long lp_hits;	      /* a static-looking variable the patch names */

NOIPA int f1(int x)
{
	if (x == PARK) {
		in_park = 1;
		while (parked)
			usleep(1000);
		in_park = 0;
	}
	return x + 1;
}

NOIPA int f2(int y)
{
	return y - 1;
}

NOIPA int pair(int x)
{
	int y = f1(x);

	if (y != x + 1)
		return -NEW_TAG; /* a new f1 under the old pair */
	return f2(y);
}

enum { OLD, NEW, MIX };

static int classify(int x, int r)
{
	return r == x ? OLD : r == x + NEW_TAG ? NEW : MIX;
}

struct worker {
	pthread_t th;
	unsigned long calls[3];
	unsigned long late_old; /* calls of the wrong version, within one phase */
	int last;
	volatile int last_phase; /* of its last call begun and ended in one phase */
};

static struct worker workers[NR_WORKERS];
static volatile int stop, phase;

/* Phases: 0 before the patch (old), 1 applying (either), 2 applied (new),
 * 3 reverting (either), 4 reverted (old). A call counts against a phase
 * only if it began and ended in it: a thread may be preempted anywhere. */
static const int expect[] = { OLD, -1, NEW, -1, OLD };

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned int x = (unsigned int)(w - workers) * 1000;

	while (!stop) {
		int p1 = phase;
		int v = classify((int)(x % 100000), pair((int)(x % 100000)));
		int p2 = phase;

		/* Some work outside the patched functions, as real callers do:
		 * a thread is switched when a check finds it outside them (under
		 * qemu, ARM threads otherwise spend nearly all their time in
		 * pair and the trampolines). */
		for (volatile int k = 0; k < 200; k++)
			;
		w->calls[v]++;
		if (p1 == p2 && expect[p1] >= 0 && v != expect[p1] && v != MIX)
			w->late_old++;
		w->last = v;
		if (p1 == p2)
			w->last_phase = p1;
		x++;
	}
	return NULL;
}

static void sleep_ms(int ms)
{
	nanosleep(&(struct timespec){ ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

/* Until every worker has made a call within phase @p (a loaded machine may
 * not run one for a while), at most 20 s. */
static void wait_for_calls(int p)
{
	for (int tries = 0; tries < 2000; tries++) {
		int all = 1;

		for (int i = 0; i < NR_WORKERS; i++)
			all &= workers[i].last_phase == p;
		if (all)
			return;
		sleep_ms(10);
	}
}

static void say(const char *line, void *arg)
{
	(void)arg;
	printf("%s\n", line);
	fflush(stdout);
}


static void totals(const char *when, unsigned long *t)
{
	memset(t, 0, 3 * sizeof(*t));
	for (int i = 0; i < NR_WORKERS; i++)
		for (int k = 0; k < 3; k++)
			t[k] += workers[i].calls[k];
	printf("%s: old %lu new %lu mix %lu\n", when, t[OLD], t[NEW], t[MIX]);
}

static int invariant(const char *patch, unsigned int flags)
{
	unsigned long t[3];
	int bad = 0;

	phase = 0;
	for (int i = 0; i < NR_WORKERS; i++)
		pthread_create(&workers[i].th, NULL, work, &workers[i]);
	sleep_ms(100);
	phase = 1;
	/* A generous timeout: a stuck transition fails, not hangs. */
	if (dft_livepatch_apply(patch, flags, 60000, say, NULL))
		return 2;
	phase = 2;
	sleep_ms(100);
	wait_for_calls(2);
	totals("applied", t);
	for (int i = 0; i < NR_WORKERS; i++) {
		if (workers[i].late_old || workers[i].last != NEW) {
			printf("worker %d: %lu old calls after the transition, last %d\n", i,
			       workers[i].late_old, workers[i].last);
			bad = 1;
		}
	}
	phase = 3;
	if (dft_livepatch_revert(patch, flags, 60000, say, NULL))
		return 2;
	phase = 4;
	sleep_ms(100);
	wait_for_calls(4);
	stop = 1;
	for (int i = 0; i < NR_WORKERS; i++)
		pthread_join(workers[i].th, NULL);
	totals("reverted", t);
	for (int i = 0; i < NR_WORKERS; i++) {
		if (workers[i].late_old || workers[i].last != OLD) {
			printf("worker %d: %lu new calls after the revert, last %d\n", i,
			       workers[i].late_old, workers[i].last);
			bad = 1;
		}
	}
	if (t[MIX])
		printf("MIX: %lu calls ran old and new functions together\n", t[MIX]);
	return bad ? 3 : t[MIX] ? 4 : 0;
}

static void *parker(void *arg)
{
	if (arg) {
		sigset_t all;

		sigfillset(&all);
		pthread_sigmask(SIG_BLOCK, &all, NULL);
	}
	pthread_setname_np(pthread_self(), "parker");
	printf("parked: %d\n", classify(PARK, pair(PARK)) == MIX ? MIX : OLD);
	return NULL;
}

static int stall(const char *patch, const char *how)
{
	unsigned int flags = !strcmp(how, "force") ? DFT_LIVEPATCH_FORCE : 0;
	pthread_t th;
	int ret;

	parked = 1;
	pthread_create(&th, NULL, parker, !strcmp(how, "mute") ? "mute" : NULL);
	while (!in_park)
		sleep_ms(1);
	ret = dft_livepatch_apply(patch, flags, 1500, say, NULL);
	printf("apply returned %d\n", ret);
	printf("now: %s\n", classify(5, pair(5)) == NEW ? "new" : "old");
	parked = 0;
	pthread_join(th, NULL);
	return 0;
}

/* Whether the module @path is still mapped (unloaded after a revert). */
static int mapped(const char *path)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	FILE *f = fopen("/proc/self/maps", "r");
	char line[4096];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, base) != NULL;
	if (f)
		fclose(f);
	return n;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "show";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "invariant") && argc > 2) {
		int immediate = argc > 3 && !strcmp(argv[3], "immediate");
		int ret = invariant(argv[2], immediate ? DFT_LIVEPATCH_IMMEDIATE : 0);

		/* Without consistency a mix is likely, not certain, in one
		 * cycle: a few more give the test its chance to see one. */
		for (int i = 0; immediate && ret == 0 && i < 10; i++) {
			stop = 0;
			memset(workers, 0, sizeof(workers));
			ret = invariant(argv[2], DFT_LIVEPATCH_IMMEDIATE);
		}
		return ret;
	}
	if (!strcmp(mode, "stall") && argc > 3)
		return stall(argv[2], argv[3]);
	if (!strcmp(mode, "apply") && argc > 2) {
		int ret = dft_livepatch_apply(argv[2], 0, 0, say, NULL);

		printf("apply returned %d; now: %s\n", ret,
		       classify(5, pair(5)) == OLD ? "old" : "changed");
		return 0;
	}
	if (!strcmp(mode, "revert") && argc > 2) {
		int ret = dft_livepatch_revert(argv[2], 0, 0, say, NULL);

		printf("revert returned %d; now: %s\n", ret,
		       classify(5, pair(5)) == OLD ? "old" : "changed");
		return 0;
	}
	if (!strcmp(mode, "stack") && argc > 3) {
		/* Kernel-style stacking: the second patch replaces the first,
		 * only the newest can be reverted, reverting it brings the
		 * first back. */
		printf("old: %d\n", pair(5));
		printf("apply 1: %d\n", dft_livepatch_apply(argv[2], 0, 0, say, NULL));
		printf("first: %d\n", pair(5));
		printf("apply 2: %d\n", dft_livepatch_apply(argv[3], 0, 0, say, NULL));
		printf("second: %d\n", pair(5));
		printf("revert 1: %d\n", dft_livepatch_revert(argv[2], 0, 0, say, NULL));
		dft_livepatch_list(say, NULL);
		printf("revert 2: %d\n", dft_livepatch_revert(argv[3], 0, 0, say, NULL));
		printf("first again: %d\n", pair(5));
		printf("revert 1: %d\n", dft_livepatch_revert(argv[2], 0, 0, say, NULL));
		printf("old again: %d\n", pair(5));
		printf("still mapped: %d\n", mapped(argv[2]) + mapped(argv[3]));
		return 0;
	}
	if (!strcmp(mode, "serve")) {
		/* Patched from outside (dynftrace patch): the totals every
		 * 50 ms, until killed. */
		unsigned long t[3];

		phase = 1;
		for (int i = 0; i < NR_WORKERS; i++)
			pthread_create(&workers[i].th, NULL, work, &workers[i]);
		for (;;) {
			sleep_ms(50);
			totals("serve", t);
		}
	}
	if (!strcmp(mode, "show")) {
		int v = classify(5, pair(5));

		printf("%s hits=%ld\n", v == OLD ? "old" : v == NEW ? "new" : "mix", lp_hits);
		return 0;
	}
	fprintf(stderr, "usage: lp_pair invariant|stall|apply|revert|show ...\n");
	return 2;
}
