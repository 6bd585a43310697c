// SPDX-License-Identifier: MIT
/*
 * How the trampolines that run callbacks (entry.S) keep the vector state
 * of the traced function: chosen once from CPUID, before any site is
 * patched, as glibc's lazy-binding trampoline chooses its own.
 *
 * An argument may be a __m256 or __m512 in ymm/zmm0-7, and a callback (or
 * any libc string function it calls) runs AVX code and vzeroupper, which
 * wipe the upper halves that the 128-bit saves of xmm0-7 miss. Where the
 * OS has enabled AVX, the trampolines save the whole vector state with
 * XSAVEC (compacted: only the components in use are written, the init
 * optimisation) or else XSAVE; without AVX, xmm0-7 are the whole argument
 * registers and their 16-byte saves are enough (DFT_XSTATE_NONE).
 */
#include <cpuid.h>

#include "internal.h"

/* Read by entry.S on every call; set once here, the mode last: a call that
 * reads it as non-zero finds the mask and size set. A call already in a
 * trampoline keeps the mode it read (dft_regs.xstate), so this may run
 * after dft_init() has patched the first sites. */
unsigned int dft_xstate_mode;	/* DFT_XSTATE_* */
unsigned int dft_xstate_mask;	/* the components saved (EDX:EAX, high word 0) */
unsigned long dft_xstate_frame; /* the area's size, a multiple of 64 */
unsigned int dft_xstate_wide;	/* XINUSE bits that need the area, or 0 */

/*
 * The components that carry arguments or vector state a caller may see:
 * SSE (xmm0-15 and MXCSR: __regcall passes vectors in xmm8-15 too), AVX
 * (the upper halves of ymm0-15) and AVX-512 (k0-7, the upper halves of
 * zmm0-15, zmm16-31), the set glibc's trampoline saves. Not x87: no
 * argument travels there and no callback leaves it changed (the ABI wants
 * its stack empty at calls). Not AMX tiles: 8 KiB, no argument, and a
 * process must ask the kernel for them first.
 */
#define XSTATE_SSE (1u << 1)
#define XSTATE_AVX (1u << 2)
#define XSTATE_AVX512 (7u << 5)
#define XSTATE_ZMM_HI256 (1u << 6)
#define XSTATE_WANTED (XSTATE_SSE | XSTATE_AVX | XSTATE_AVX512)

/* Legacy region (512 bytes) and header (64): where either format's
 * extended region starts. */
#define XSTATE_EXT 576
/* A bigger area than this means a CPUID we do not understand: keep the
 * 16-byte saves rather than take that much of every thread's stack. */
#define XSTATE_MAX (64 * 1024)

#define ALIGN64(x) (((x) + 63) & ~63u)

static unsigned long xcr0(void)
{
	unsigned int lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (unsigned long)hi << 32 | lo;
}

/* The area XSAVE (standard format: each component at its fixed offset) or
 * XSAVEC (compacted: the components of @mask one after the other, some
 * 64-byte aligned) writes for @mask. */
static unsigned int area_size(unsigned int mask, int compact)
{
	unsigned int a, b, c, d, i, size = XSTATE_EXT;

	for (i = 2; i < 32; i++) {
		if (!(mask >> i & 1))
			continue;
		__cpuid_count(0xd, i, a, b, c, d);
		if (!compact) {
			if (b + a > size)
				size = b + a;
			continue;
		}
		if (c & 2)
			size = ALIGN64(size);
		size += a;
	}
	return ALIGN64(size);
}

__attribute__((constructor(101))) static void xstate_init(void)
{
	unsigned int a, b, c, d, mask, size;
	int compact;

	/* XSAVE usable means the CPU has it and the OS enabled it (OSXSAVE:
	 * XCR0 is readable, and the kernel saves what it enables). */
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_XSAVE) || !(c & bit_OSXSAVE) ||
	    __get_cpuid_max(0, NULL) < 0xd)
		return;
	mask = XSTATE_WANTED & xcr0();
	if (!(mask & XSTATE_AVX))
		return;
	/* CPUID.(EAX=0DH,ECX=1):EAX bit 1: XSAVEC and the compacted format;
	 * bit 2: XGETBV(1) reads XINUSE, which components are not in their
	 * init state. An argument wider than xmm shows in AVX (bits 128-255
	 * of ymm/zmm0-15) or ZMM_Hi256 (bits 256-511): with both init, the
	 * trampolines skip the area (the others, k0-7 and zmm16-31, are
	 * call-clobbered and pass nothing). */
	__cpuid_count(0xd, 1, a, b, c, d);
	compact = a >> 1 & 1;
	size = area_size(mask, compact);
	if (size > XSTATE_MAX)
		return;
	if (a >> 2 & 1)
		dft_xstate_wide = mask & (XSTATE_AVX | XSTATE_ZMM_HI256);
	dft_xstate_mask = mask;
	dft_xstate_frame = size;
	__atomic_store_n(&dft_xstate_mode, compact ? DFT_XSTATE_XSAVEC : DFT_XSTATE_XSAVE,
			 __ATOMIC_RELEASE);
}
