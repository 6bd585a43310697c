// SPDX-License-Identifier: MIT
/*
 * Timestamps for the recorder. Events are stamped with the architecture's
 * cycle counter when it is stable (one read, no syscall, no vDSO page), and
 * with CLOCK_MONOTONIC nanoseconds otherwise. The counter is calibrated
 * against CLOCK_MONOTONIC twice: quickly at start-up (so that a process that
 * crashes still leaves a usable clock file) and over the whole run at exit,
 * which is far more precise. Invariant counters are synchronised across CPUs
 * by the kernel, so ticks from different threads compare directly.
 */
#include "record.h"

int (*const dft_rec_clock_gettime)(clockid_t, struct timespec *) = clock_gettime;

struct dft_clock dft_clock = { .ticks_per_sec = 1000000000ull, .source = "monotonic" };

/* A (monotonic ns, ticks) pair read as close together as we can: the pair
 * with the shortest monotonic read around it wins. */
static void clock_pair(uint64_t *mono, uint64_t *ticks)
{
	uint64_t best = ~0ull;

	for (int i = 0; i < 5; i++) {
		uint64_t a = dft_mono_ns();
		uint64_t t = dft_ticks();
		uint64_t b = dft_mono_ns();

		if (!i || b - a < best) {
			best = b - a;
			*mono = a + (b - a) / 2;
			*ticks = t;
		}
	}
}

static uint64_t clock_rate(uint64_t mono1, uint64_t ticks1)
{
	uint64_t ns = mono1 - dft_clock.mono0;

	if (!ns)
		return dft_clock.ticks_per_sec;
	return (uint64_t)((double)(ticks1 - dft_clock.ticks0) * 1e9 / (double)ns + 0.5);
}

void dft_clock_init(void)
{
#ifdef HAVE_DFT_TICKS
	if (dft_arch_ticks_stable()) {
		uint64_t mono, ticks;

		dft_clock.use_ticks = 1;
		dft_clock.source = DFT_TICKS_SOURCE;
		clock_pair(&dft_clock.mono0, &dft_clock.ticks0);
		/* 200 us keep the start-up cheap and the first rate within a
		 * fraction of a percent; the exit recalibration refines it. */
		do
			clock_pair(&mono, &ticks);
		while (mono - dft_clock.mono0 < 200000);
		dft_clock.ticks_per_sec = clock_rate(mono, ticks);
		return;
	}
#endif
	dft_clock.mono0 = dft_clock.ticks0 = dft_mono_ns();
}

void dft_clock_recalibrate(void)
{
	uint64_t mono, ticks;

	if (!dft_clock.use_ticks)
		return;
	clock_pair(&mono, &ticks);
	/* Shorter than the start-up calibration: keep that one. */
	if (mono - dft_clock.mono0 > 1000000)
		dft_clock.ticks_per_sec = clock_rate(mono, ticks);
}

uint64_t dft_clock_ns_to_ticks(uint64_t ns)
{
	return (uint64_t)((double)ns * (double)dft_clock.ticks_per_sec / 1e9);
}

double dft_clock_ns_per_tick(void)
{
	return 1e9 / (double)dft_clock.ticks_per_sec;
}
