/*
 * Vector arguments survive the callbacks (x86-64): `core_vector`, exit 0
 * on success, 77 when the CPU has no AVX.
 *
 * tv_avx() takes seven __m256i in ymm0-6 and a double in xmm7; tv_avx512()
 * seven __m512i in zmm0-6 and a double in xmm7 (core_vector_avx*.c). Each
 * stores what it got, and the driver compares it bit for bit with what it
 * passed. The callbacks fill every vector register with ones (the upper
 * halves too) and end with vzeroupper, as any AVX code or a libc string
 * function does, so only a trampoline that saves the whole vector state
 * keeps the arguments; each also reads fparg 0 (lane 0 of the first
 * vector) and adds its own amount to the double through
 * dft_regs_set_fparg(), which the function must see. Four phases: a plain
 * ops alone (the plain caller, single-ops path), two plain ops (its list
 * walk), a SAVE_REGS ops alone (the regs caller) and a plain with a
 * SAVE_REGS ops (the regs caller's list walk). tv_sse() takes seven
 * __m128i and a double, with the upper halves usually clean: the
 * trampolines' cheap path (no XSAVE) must undo the callbacks too. Last, a graph ops whose
 * callbacks do the same around tv_ret_avx() and tv_ret_avx512(), which
 * return a vector in ymm0/zmm0: it must come back whole from the return
 * hook.
 */
#include <emmintrin.h>
#include <stdio.h>
#include <string.h>

#include <dynftrace.h>

#include "check.h"
#include "core_vector.h"

uint64_t cv_got[NVEC][8], cv_want[NVEC][8];
double cv_got_fp;
long cv_got_calls;

static int have_avx512;

struct vops {
	struct dft_ops ops;
	double add; /* what this callback adds to the double */
	long calls;
	int bad_read;
};

static void vec_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		   struct dft_regs *regs)
{
	struct vops *v = (struct vops *)ops;
	double lane0;

	memcpy(&lane0, cv_want[0], sizeof(lane0));
	if (dft_regs_get_fparg(regs, 0) != lane0)
		v->bad_read++;
	if (have_avx512)
		cv_clobber_avx512();
	cv_clobber_avx();
	dft_regs_set_fparg(regs, 7, dft_regs_get_fparg(regs, 7) + v->add);
	v->calls++;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random bits, but lane 0 of the first vector an exact double that fparg
 * 0 must read back. */
double cv_fill(int i)
{
	double lane0 = i + 0.25;

	for (int n = 0; n < NVEC; n++)
		for (int l = 0; l < 8; l++)
			cv_want[n][l] = rnd();
	memcpy(cv_want[0], &lane0, sizeof(lane0));
	memset(cv_got, 0, sizeof(cv_got));
	return i + 0.5;
}

void cv_compare(const char *fn, int lanes, double d, double add, int i)
{
	for (int n = 0; n < NVEC; n++)
		for (int l = 0; l < lanes; l++)
			CHECK(cv_got[n][l] == cv_want[n][l],
			      "%s round %d: vector argument %d, 64-bit lane %d: got %016llx, "
			      "passed %016llx",
			      fn, i, n, l, (unsigned long long)cv_got[n][l],
			      (unsigned long long)cv_want[n][l]);
	CHECK(cv_got_fp == d + add,
	      "%s round %d: double argument %g, want %g (%g + %g from the callbacks)", fn, i,
	      cv_got_fp, d + add, d, add);
}

void cv_compare_ret(const char *fn, int lanes, int i)
{
	for (int l = 0; l < lanes; l++)
		CHECK(cv_got[0][l] == cv_want[0][l],
		      "%s round %d: returned vector, 64-bit lane %d: got %016llx, want %016llx", fn,
		      i, l, (unsigned long long)cv_got[0][l], (unsigned long long)cv_want[0][l]);
}

static long ret_calls;
static int ret_bad_read;

static int ret_entry(const struct dft_graph_ent *ent, struct dft_graph_ops *gops,
		     struct dft_regs *regs)
{
	if (have_avx512)
		cv_clobber_avx512();
	cv_clobber_avx();
	return 1;
}

/* The return value is in ymm0/zmm0: fpretval is its lane 0. */
static void ret_exit(const struct dft_graph_ret *ret, struct dft_graph_ops *gops,
		     struct dft_regs *regs)
{
	double lane0;

	memcpy(&lane0, cv_want[0], sizeof(lane0));
	if (dft_regs_get_fpretval(regs) != lane0)
		ret_bad_read++;
	if (have_avx512)
		cv_clobber_avx512();
	cv_clobber_avx();
	ret_calls++;
}

/* A graph ops whose entry and return callbacks clobber the vector
 * registers: vector return values come back whole. */
static void phase_ret(void)
{
	struct dft_graph_ops g = {.entry = ret_entry, .ret = ret_exit};
	int funcs = have_avx512 ? 2 : 1;

	CHECK(!dft_set_filter(&g.ops, "tv_ret_avx tv_ret_avx512", 1), "graph filter");
	CHECK(!dft_register_graph(&g), "register the graph");
	cv_run_ret_avx();
	if (have_avx512)
		cv_run_ret_avx512();
	CHECK(ret_calls == funcs * ROUNDS, "graph: %ld returns, want %d", ret_calls,
	      funcs * ROUNDS);
	CHECK(!ret_bad_read, "graph: fpretval read wrong %d times", ret_bad_read);
	CHECK(!dft_unregister_graph(&g), "unregister the graph");
	printf("graph return ok\n");
}

/* Seven __m128i in xmm0-6 and a double in xmm7: usually called with the
 * upper halves clean (the AVX code before ended with vzeroupper), the
 * trampolines' cheap path, which must still undo what the callbacks did to
 * the vector registers. */
__attribute__((noinline)) void tv_sse(__m128i a0, __m128i a1, __m128i a2, __m128i a3, __m128i a4,
				      __m128i a5, __m128i a6, double d)
{
	_mm_storeu_si128((__m128i *)cv_got[0], a0);
	_mm_storeu_si128((__m128i *)cv_got[1], a1);
	_mm_storeu_si128((__m128i *)cv_got[2], a2);
	_mm_storeu_si128((__m128i *)cv_got[3], a3);
	_mm_storeu_si128((__m128i *)cv_got[4], a4);
	_mm_storeu_si128((__m128i *)cv_got[5], a5);
	_mm_storeu_si128((__m128i *)cv_got[6], a6);
	cv_got_fp = d;
	cv_got_calls++;
}

static void (*volatile tv_sse_p)(__m128i, __m128i, __m128i, __m128i, __m128i, __m128i, __m128i,
				 double) = tv_sse;

static void run_sse(double add)
{
	for (int i = 0; i < ROUNDS; i++) {
		double d = cv_fill(i);
		__m128i a[NVEC];

		for (int n = 0; n < NVEC; n++)
			a[n] = _mm_loadu_si128((const __m128i *)cv_want[n]);
		tv_sse_p(a[0], a[1], a[2], a[3], a[4], a[5], a[6], d);
		cv_compare("tv_sse", 2, d, add, i);
	}
}

static void phase(const char *name, struct vops **v, int n)
{
	double add = 0;
	long calls = cv_got_calls;
	int funcs = have_avx512 ? 3 : 2;

	for (int k = 0; k < n; k++) {
		v[k]->calls = 0;
		v[k]->bad_read = 0;
		CHECK(!dft_set_filter(&v[k]->ops, "tv_avx tv_avx512 tv_sse", 1), "filter");
		CHECK(!dft_register_ops(&v[k]->ops), "register (%s)", name);
		add += v[k]->add;
	}
	cv_run_avx(add);
	if (have_avx512)
		cv_run_avx512(add);
	run_sse(add);
	CHECK(cv_got_calls - calls == funcs * ROUNDS, "%s: %ld calls", name, cv_got_calls - calls);
	for (int k = 0; k < n; k++) {
		CHECK(v[k]->calls == funcs * ROUNDS, "%s: ops %d called %ld times, want %d", name,
		      k, v[k]->calls, funcs * ROUNDS);
		CHECK(!v[k]->bad_read, "%s: ops %d read fparg 0 wrong %d times", name, k,
		      v[k]->bad_read);
		CHECK(!dft_unregister_ops(&v[k]->ops), "unregister (%s)", name);
	}
	printf("%s ok\n", name);
}

int main(void)
{
	struct vops a = {.ops.func = vec_cb, .add = 1};
	struct vops b = {.ops.func = vec_cb, .add = 2};
	struct vops r = {.ops.func = vec_cb, .ops.flags = DFT_OPS_FL_SAVE_REGS, .add = 4};

	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx")) {
		printf("SKIP: this CPU (or its kernel) has no AVX: no vector arguments wider than "
		       "xmm to test\n");
		return 77;
	}
	have_avx512 = __builtin_cpu_supports("avx512f");
	printf("AVX-512: %s\n", have_avx512 ? "yes" : "no (256-bit arguments only)");
	/* The functions are right untraced. */
	phase("untraced", NULL, 0);
	cv_run_ret_avx();
	if (have_avx512)
		cv_run_ret_avx512();
	phase("plain caller", (struct vops *[]){&a}, 1);
	phase("plain caller, list walk", (struct vops *[]){&a, &b}, 2);
	phase("regs caller", (struct vops *[]){&r}, 1);
	phase("regs caller, list walk", (struct vops *[]){&a, &r}, 2);
	phase_ret();
	return 0;
}
