/*
 * LD_PRELOAD counter for -pg builds: an mcount that only counts, to learn
 * the exact number of instrumented calls of a -pg build independently of
 * uftrace. mcount is called after the prologue and must preserve every
 * argument register: a single locked increment touches none.
 */
#include <stdio.h>

unsigned long bench_pg_calls __attribute__((visibility("hidden")));

__asm__(".globl mcount\n.type mcount,@function\nmcount:\n"
	"\tlock incq bench_pg_calls(%rip)\n\tret\n.size mcount,.-mcount\n"
	".globl _mcount\n.set _mcount, mcount\n");

__attribute__((destructor)) static void report(void)
{
	fprintf(stderr, "bench-count: calls=%lu\n", bench_pg_calls);
}
