/* SPDX-License-Identifier: MIT */
/*
 * The vector state around callbacks, for the trampolines (entry.S,
 * return.S): the method is chosen once by xstate.c. With %rsp on a struct
 * dft_regs (arch.h) whose saved registers include rax, rdx and rbx, whose
 * xmm slots are filled, and %rbx = %rsp (callee-saved: the callbacks keep
 * it):
 *
 *   xstate_save      where AVX is enabled and the upper halves of
 *                    ymm/zmm0-15 may be in use, saves the whole vector
 *                    state in an XSAVE area below the frame, 64-byte
 *                    aligned as XSAVE wants, and leaves %rsp there
 *                    (16-byte aligned for a C call); else %rsp stays.
 *   xstate_restore N the vector state back, with xmm0..2N-1 as the frame's
 *                    slots have them now (a callback may have changed a
 *                    double argument or return value); %rsp back on the
 *                    frame.
 *
 * Both clobber rax, rcx, rdx and rsi, and leave the CFI to the caller.
 *
 * Without an area, the xmm slots alone are put back (DFT_XSTATE_NONE: no
 * AVX, so xmm is the whole register; DFT_XSTATE_CLEAN: the upper halves
 * were zero, and vzeroupper makes them so again). With one, the slots are
 * copied into its legacy region (xmm i at 160 + 16 * i, MXCSR at 24, the
 * same for XSAVE and XSAVEC) before XRSTOR.
 */
#ifndef DFT_XSTATE_H
#define DFT_XSTATE_H

#include "arch.h"

/* The legacy region's fields, and the XSAVE header after it. */
#define XS_MXCSR 24
#define XS_XMM 160
#define XS_HDR 512
#define XS_SSE 2 /* XSTATE_BV bit of SSE state */

.macro xstate_save
	/* Read once and kept in the frame for xstate_restore: the mode is
	 * set by a constructor that may run after the first sites are on.
	 * %esi is free in both trampolines (saved, or no return value). */
	movl dft_xstate_mode(%rip), %esi
	testl %esi, %esi
	jz 7f
	/* Most calls pass no vector wider than xmm, and their caller ran
	 * vzeroupper: where XGETBV(1) tells, the upper halves of ymm/zmm0-15
	 * in their init state (all zero) need no XSAVE, which costs far more
	 * than the call, only a vzeroupper after the callbacks. */
	movl dft_xstate_wide(%rip), %eax
	testl %eax, %eax
	jz 4f
	movl $1, %ecx
	xgetbv
	testl dft_xstate_wide(%rip), %eax
	jnz 4f
	movl $DFT_XSTATE_CLEAN, %esi
	jmp 7f
4:	subq dft_xstate_frame(%rip), %rsp
	andq $-64, %rsp
	/* XRSTOR faults unless header bytes 16..63 are zero, and neither
	 * XSAVE nor XSAVEC writes them. */
	xorl %edx, %edx
	movq %rdx, XS_HDR+16(%rsp)
	movq %rdx, XS_HDR+24(%rsp)
	movq %rdx, XS_HDR+32(%rsp)
	movq %rdx, XS_HDR+40(%rsp)
	movq %rdx, XS_HDR+48(%rsp)
	movq %rdx, XS_HDR+56(%rsp)
	movl dft_xstate_mask(%rip), %eax
	cmpl $DFT_XSTATE_XSAVEC, %esi
	jne 5f
	xsavec (%rsp)
	jmp 6f
	/* XSAVE writes only the XSTATE_BV bits of the mask, and a set bit
	 * 63 of XCOMP_BV would mean the compacted format. */
5:	movq %rdx, XS_HDR(%rsp)
	movq %rdx, XS_HDR+8(%rsp)
	xsave (%rsp)
	/* SSE state must come back from the area, where the frame's xmm
	 * slots will be copied: XRSTOR sets it to zeros (and MXCSR to its
	 * default) when its XSTATE_BV bit is clear. The bit is clear when
	 * xmm0-15 were all zero (the init optimisation), and the legacy region
	 * may then be stale: put those values there and set it. */
6:	testb $XS_SSE, XS_HDR(%rsp)
	jnz 7f
	stmxcsr XS_MXCSR(%rsp)
	vpxor %xmm0, %xmm0, %xmm0
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7
	vmovaps %ymm0, XS_XMM+\i*32(%rsp)
	.endr
	orb $XS_SSE, XS_HDR(%rsp)
7:	movl %esi, DFT_REGS_XSTATE(%rbx)
.endm

/* With an area, the slots go into it through ymm registers, VEX-encoded
 * (AVX is there): legacy SSE instructions would pay the AVX-SSE
 * transition on CPUs before Skylake. XRSTOR then reloads those too. With
 * the upper halves clean at entry, vzeroupper makes them so again, and the
 * VEX loads of the slots keep them so. */
.macro xstate_restore pairs
	movl DFT_REGS_XSTATE(%rbx), %eax
	cmpl $DFT_XSTATE_CLEAN, %eax
	je 4f
	testl %eax, %eax
	jz 5f
	.irp i, 0, 1, 2, 3
	.if \i < \pairs
	vmovups DFT_REGS_XMM+\i*32(%rbx), %ymm\i
	vmovaps %ymm\i, XS_XMM+\i*32(%rsp)
	.endif
	.endr
	movl dft_xstate_mask(%rip), %eax
	xorl %edx, %edx
	xrstor (%rsp)
	jmp 6f
4:	vzeroupper
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7
	.if \i < 2 * \pairs
	vmovups DFT_REGS_XMM+\i*16(%rbx), %xmm\i
	.endif
	.endr
	jmp 6f
5:
	.irp i, 0, 1, 2, 3, 4, 5, 6, 7
	.if \i < 2 * \pairs
	movups DFT_REGS_XMM+\i*16(%rbx), %xmm\i
	.endif
	.endr
6:	movq %rbx, %rsp
.endm

#endif /* DFT_XSTATE_H */
