// SPDX-License-Identifier: MIT
/*
 * The cost per call of a live-patched function against calling its
 * replacement directly (bench/livepatch.sh).
 *
 *   lp_cost PATCH patched|direct N   N calls, prints ns per call
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dynftrace/livepatch.h>

__attribute__((noipa)) long work(long x)
{
	return x * 3 + 1;
}

int main(int argc, char **argv)
{
	long (*fn)(long) = work, acc = 0;
	struct timespec a, b;
	long n;
	void *h;

	if (argc != 4)
		return 2;
	n = atol(argv[3]);
	if (dft_livepatch_apply(argv[1], 0, 0, NULL, NULL))
		return 1;
	h = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
	if (!strcmp(argv[2], "direct"))
		fn = (long (*)(long))dlsym(h, "lp_cost_new");
	if (!fn)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		acc += fn(i);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%s %.2f ns/call (acc %ld)\n", argv[2],
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n, acc);
	return 0;
}
