// The cost of one library call under dynftrace (bench/libcall.sh): loop()
// calls lib_nop() of a library without call sites N times and prints the
// nanoseconds per call. Built with the site flags; the library without.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef BENCH_LIB
int lib_nop(int x)
{
	return x + 1;
}
#else
int lib_nop(int x);

__attribute__((noinline)) static long loop(long n)
{
	long s = 0;

	for (long i = 0; i < n; i++)
		s += lib_nop((int)i);
	return s;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	struct timespec a, b;
	long s;

	clock_gettime(CLOCK_MONOTONIC, &a);
	s = loop(n);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.2f ns/call (sum %ld)\n",
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n, s);
	return 0;
}
#endif
