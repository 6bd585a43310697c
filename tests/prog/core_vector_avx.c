/* The 256-bit half of tests/prog/core_vector.c, built with -mavx. */
#include <immintrin.h>

#include "core_vector.h"

/* Seven __m256i in ymm0-6 and a double in xmm7 (fparg 7). */
__attribute__((noinline)) void tv_avx(__m256i a0, __m256i a1, __m256i a2, __m256i a3, __m256i a4,
				      __m256i a5, __m256i a6, double d)
{
	_mm256_storeu_si256((__m256i *)cv_got[0], a0);
	_mm256_storeu_si256((__m256i *)cv_got[1], a1);
	_mm256_storeu_si256((__m256i *)cv_got[2], a2);
	_mm256_storeu_si256((__m256i *)cv_got[3], a3);
	_mm256_storeu_si256((__m256i *)cv_got[4], a4);
	_mm256_storeu_si256((__m256i *)cv_got[5], a5);
	_mm256_storeu_si256((__m256i *)cv_got[6], a6);
	cv_got_fp = d;
	cv_got_calls++;
}

/* Called through this, so the compiler cannot specialise the function for
 * the arguments of a call it sees. */
static void (*volatile tv_avx_p)(__m256i, __m256i, __m256i, __m256i, __m256i, __m256i, __m256i,
				 double) = tv_avx;

void cv_run_avx(double add)
{
	for (int i = 0; i < ROUNDS; i++) {
		double d = cv_fill(i);
		__m256i a[NVEC];

		for (int n = 0; n < NVEC; n++)
			a[n] = _mm256_loadu_si256((const __m256i *)cv_want[n]);
		tv_avx_p(a[0], a[1], a[2], a[3], a[4], a[5], a[6], d);
		cv_compare("tv_avx", 4, d, add, i);
	}
}

/* Returns cv_want[0] in ymm0. */
__attribute__((noinline)) __m256i tv_ret_avx(void)
{
	cv_got_calls++;
	return _mm256_loadu_si256((const __m256i *)cv_want[0]);
}

static __m256i (*volatile tv_ret_avx_p)(void) = tv_ret_avx;

void cv_run_ret_avx(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		__m256i r;

		cv_fill(i);
		r = tv_ret_avx_p();
		_mm256_storeu_si256((__m256i *)cv_got[0], r);
		cv_compare_ret("tv_ret_avx", 4, i);
	}
}

/* Ones in all of ymm0-15, then vzeroupper (the upper halves zero), as AVX
 * code and libc's string functions leave them. */
void cv_clobber_avx(void)
{
#define ONES(n) "vcmptrueps %%ymm" #n ", %%ymm" #n ", %%ymm" #n "\n\t"
	__asm__ __volatile__(
		ONES(0) ONES(1) ONES(2) ONES(3) ONES(4) ONES(5) ONES(6) ONES(7) ONES(8) ONES(9)
			ONES(10) ONES(11) ONES(12) ONES(13) ONES(14) ONES(15) "vzeroupper"
		:
		:
		: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#undef ONES
}
