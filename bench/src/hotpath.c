/*
 * The hot-path workload (issue 10): recursive fib plus a loop calling two
 * leaves, every function a real call. Prints the calls made inside the
 * timed window and its duration in thread CPU time (on a shared machine,
 * far steadier than the wall clock: time spent preempted does not count).
 *
 *   hotpath FIB_N LOOP_ITERS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NOINL __attribute__((noinline, noclone))

NOINL long fib(long n)
{
	long r;

	if (n < 2)
		return n;
	r = fib(n - 1) + fib(n - 2);
	/* No accumulator loop: two real calls per level. */
	__asm__ volatile("" : "+r"(r));
	return r;
}

NOINL long leaf2(long a, long b)
{
	return a + b;
}

NOINL long leaf6(long a, long b, long c, long d, long e, long f)
{
	return (a ^ b) + (c ^ d) + (e ^ f);
}

NOINL long loop(long iters)
{
	long acc = 0;

	for (long i = 0; i < iters; i++) {
		acc = leaf2(acc, i);
		acc = leaf6(acc, i, i + 1, i + 2, i + 3, i + 4);
	}
	return acc;
}

/* fib(n) makes 2 F(n+1) - 1 calls of itself. */
static long fib_calls(long n)
{
	long a = 0, b = 1;

	for (long i = 0; i <= n; i++) {
		long t = a + b;

		a = b;
		b = t;
	}
	return 2 * a - 1;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 27;
	long iters = argc > 2 ? atol(argv[2]) : 1000000;
	long long t0 = now_ns();
	long f = fib(n);
	long l = loop(iters);
	long long t1 = now_ns();

	printf("calls=%ld work_ns=%lld checksum=%ld\n", fib_calls(n) + 1 + 2 * iters, t1 - t0,
	       f ^ l);
	return 0;
}
