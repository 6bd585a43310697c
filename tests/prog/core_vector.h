/*
 * tests/prog/core_vector.c and its two vector halves, core_vector_avx.c
 * (built with -mavx) and core_vector_avx512.c (-mavx512f): clang decides
 * how vectors are passed from the flags of the whole file, not from a
 * function's target attribute, so the functions under test are built with
 * the flags, and only called once the driver knows the CPU has them.
 */
#ifndef CORE_VECTOR_H
#define CORE_VECTOR_H

#include <stdint.h>

#define NVEC 7
#define ROUNDS 2000

/* What the functions under test got, and what the driver passed: seven
 * vectors of up to eight 64-bit lanes and a double. */
extern uint64_t cv_got[NVEC][8], cv_want[NVEC][8];
extern double cv_got_fp;
extern long cv_got_calls;

/* core_vector.c: new arguments for round @i (returns the double), and
 * the check of what the function got (@lanes 64-bit lanes a vector). */
double cv_fill(int i);
void cv_compare(const char *fn, int lanes, double d, double add, int i);

/* ROUNDS calls of tv_avx() / tv_avx512() with cv_fill()'s arguments, each
 * checked with cv_compare(); @add is what the callbacks add to the double. */
void cv_run_avx(double add);
void cv_run_avx512(double add);

/* ROUNDS calls of tv_ret_avx() / tv_ret_avx512(), which return
 * cv_want[0] as a vector, each checked with cv_compare_ret(). */
void cv_run_ret_avx(void);
void cv_run_ret_avx512(void);
void cv_compare_ret(const char *fn, int lanes, int i);

/* What a callback's AVX or AVX-512 code leaves in the vector registers. */
void cv_clobber_avx(void);
void cv_clobber_avx512(void);

#endif
