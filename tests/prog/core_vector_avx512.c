/* The 512-bit half of tests/prog/core_vector.c, built with -mavx512f. */
#include <immintrin.h>

#include "core_vector.h"

/* Seven __m512i in zmm0-6 and a double in xmm7 (fparg 7). */
__attribute__((noinline)) void tv_avx512(__m512i a0, __m512i a1, __m512i a2, __m512i a3, __m512i a4,
					 __m512i a5, __m512i a6, double d)
{
	_mm512_storeu_si512(cv_got[0], a0);
	_mm512_storeu_si512(cv_got[1], a1);
	_mm512_storeu_si512(cv_got[2], a2);
	_mm512_storeu_si512(cv_got[3], a3);
	_mm512_storeu_si512(cv_got[4], a4);
	_mm512_storeu_si512(cv_got[5], a5);
	_mm512_storeu_si512(cv_got[6], a6);
	cv_got_fp = d;
	cv_got_calls++;
}

static void (*volatile tv_avx512_p)(__m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i,
				    double) = tv_avx512;

void cv_run_avx512(double add)
{
	for (int i = 0; i < ROUNDS; i++) {
		double d = cv_fill(i);
		__m512i a[NVEC];

		for (int n = 0; n < NVEC; n++)
			a[n] = _mm512_loadu_si512(cv_want[n]);
		tv_avx512_p(a[0], a[1], a[2], a[3], a[4], a[5], a[6], d);
		cv_compare("tv_avx512", 8, d, add, i);
	}
}

/* Returns cv_want[0] in zmm0. */
__attribute__((noinline)) __m512i tv_ret_avx512(void)
{
	cv_got_calls++;
	return _mm512_loadu_si512(cv_want[0]);
}

static __m512i (*volatile tv_ret_avx512_p)(void) = tv_ret_avx512;

void cv_run_ret_avx512(void)
{
	for (int i = 0; i < ROUNDS; i++) {
		__m512i r;

		cv_fill(i);
		r = tv_ret_avx512_p();
		_mm512_storeu_si512(cv_got[0], r);
		cv_compare_ret("tv_ret_avx512", 8, i);
	}
}

/* Ones in all of zmm0-31 and k1-7 (no vzeroupper: it would zero the upper
 * halves, and ones are the harder test). */
void cv_clobber_avx512(void)
{
#define ONES(n) "vpternlogd $0xff, %%zmm" #n ", %%zmm" #n ", %%zmm" #n "\n\t"
#define KONES(n) "kxnorw %%k0, %%k0, %%k" #n "\n\t"
	__asm__ __volatile__(
		ONES(0) ONES(1) ONES(2) ONES(3) ONES(4) ONES(5) ONES(6) ONES(7) ONES(8) ONES(9)
			ONES(10) ONES(11) ONES(12) ONES(13) ONES(14) ONES(15) ONES(16) ONES(17)
				ONES(18) ONES(19) ONES(20) ONES(21) ONES(22) ONES(23) ONES(24)
					ONES(25) ONES(26) ONES(27) ONES(28) ONES(29) ONES(30)
						ONES(31) KONES(1) KONES(2) KONES(3) KONES(4)
							KONES(5) KONES(6) KONES(7)
		:
		:
		: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
		  "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18",
		  "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27",
		  "xmm28", "xmm29", "xmm30", "xmm31", "k1", "k2", "k3", "k4", "k5", "k6", "k7");
#undef ONES
#undef KONES
}
