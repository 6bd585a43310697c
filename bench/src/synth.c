/*
 * The synthetic call-heavy workload: a recursive function plus loops that
 * call small non-inlined leaves with 2 and 6 arguments. Every function here
 * is a real call (noinline, and each result feeds the next call so nothing
 * is hoisted), so the number of calls to instrumented functions is exact and
 * the same in every build. It prints "calls=N" on stderr.
 *
 * usage: synth [ROUNDS]   (default 2000; 0 or 1 for the start-up workload)
 */
#include <stdio.h>
#include <stdlib.h>

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif

#define FIB_N 15 /* fib(15): 1973 calls */
#define LOOP 1000

/* Not fib's sum: gcc and clang would turn a + into an accumulator loop and
 * make fewer calls than the source says. */
NOINLINE long fib(long n)
{
	return n < 2 ? n : (fib(n - 1) ^ fib(n - 2)) + 1;
}

NOINLINE long leaf2(long a, long b)
{
	return (a ^ b) + 1;
}

NOINLINE long leaf6(long a, long b, long c, long d, long e, long f)
{
	return a + (b ^ c) + (d >> 1) + (e & f);
}

NOINLINE long round_(long r)
{
	long s = fib(FIB_N) + r;
	for (long i = 0; i < LOOP; i++) {
		s = leaf2(i, s);
		s = leaf6(i, s, r, i ^ s, s >> 3, 0x55);
	}
	return s;
}

__attribute__((no_instrument_function)) static long fib_calls(long n) /* calls made by fib(n) */
{
	long a = 1, b = 1; /* fib_calls(0), fib_calls(1) */
	for (long i = 2; i <= n; i++) {
		long c = a + b + 1;
		a = b;
		b = c;
	}
	return n < 1 ? 1 : b;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 2000;
	long s = 0;

	for (long r = 0; r < rounds; r++)
		s += round_(r);
	/* main + rounds * (round_ + fib + the two leaves LOOP times each) */
	long calls = 1 + rounds * (1 + fib_calls(FIB_N) + 2 * LOOP);
	fprintf(stderr, "calls=%ld sum=%ld\n", calls, s);
	return 0;
}
