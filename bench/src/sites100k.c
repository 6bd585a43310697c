/*
 * Patching time for many sites (issue 2): the driver links this with
 * generated files holding 100,000 small functions built with
 * -fpatchable-function-entry=5, then times dft_register_ops() of an ops with
 * an empty filter (every site on) and dft_unregister_ops() (every site off).
 * usage: sites100k [REPS]; prints "on_ms off_ms on_cpu_ms off_cpu_ms" per
 * repetition: wall-clock time (what a caller waits) and the process's CPU
 * time (what the machine's other load does not inflate).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "dynftrace.h"

#define NOSITE __attribute__((patchable_function_entry(0, 0)))

NOSITE static void empty(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			 struct dft_regs *regs)
{
}

NOSITE static double ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
#define now_ms() ms(CLOCK_MONOTONIC)
#define cpu_ms() ms(CLOCK_PROCESS_CPUTIME_ID)

NOSITE static int count(const struct dft_func_info *info, void *arg)
{
	++*(long *)arg;
	return 0;
}

NOSITE int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 5;
	struct dft_ops ops = { .func = empty };
	long sites = 0, on = 0;

	dft_for_each_function(count, &sites, 0);
	printf("sites %ld\n", sites);
	for (int r = 0; r < reps; r++) {
		double c0 = cpu_ms(), t0 = now_ms(), t1, t2, c1, c2;
		int err = dft_register_ops(&ops);

		t1 = now_ms();
		c1 = cpu_ms();
		if (r == 0) {
			dft_for_each_function(count, &on, 1);
			printf("enabled %ld\n", on);
		}
		if (err || dft_unregister_ops(&ops)) {
			printf("error %d\n", err);
			return 1;
		}
		t2 = now_ms();
		c2 = cpu_ms();
		printf("%.3f %.3f %.3f %.3f\n", t1 - t0, t2 - t1, c1 - c0, c2 - c1);
	}
	return 0;
}
