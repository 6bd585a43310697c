/* SPDX-License-Identifier: MIT */
/*
 * The return hook of the function graph (lib/graph.c).
 *
 * graph.c swaps the saved x30 of a traced function (regs[30], which the
 * trampolines reload) for dft_arch_return_hook, so the function's `ret`
 * lands here with its return value live in x0-x7 (x8 for indirect results)
 * and q0-q3 (homogeneous aggregates). They are saved into a struct dft_regs
 * frame, dft_graph_return(regs, sp) pops the shadow stack, runs the ret
 * callback and gives back the real return address, and we jump there with
 * the return value restored. sp is the stack pointer the function had at
 * its entry, which it has restored by now: the key graph.c stored.
 *
 * A traced function reached by a tail call from a hooked one returns here
 * with the hook as its "real" return address: we then return to ourselves
 * and pop the next entry, which has the same sp. Only `ret` is used to
 * leave: with BTI, a `br` to a return point (no landing pad) would fault.
 */
#include "arch.h"

	.text
	.globl dft_arch_return_hook
	.hidden dft_arch_return_hook
	.type dft_arch_return_hook, %function
	.p2align 4
	.cfi_startproc
	/* There is no return address to describe: stop unwinders here. */
	.cfi_undefined x30
	/* An unwinder looks a return address up as the address minus one:
	 * this nop puts that byte in our own unwind range, not in whatever
	 * precedes us (whose rules made a stray hook loop for ever). */
	nop
dft_arch_return_hook:
	sub sp, sp, #DFT_REGS_SIZE + 16
	stp x0, x1, [sp, #0]
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	str x8, [sp, #64]
	stp q0, q1, [sp, #DFT_REGS_V]
	stp q2, q3, [sp, #DFT_REGS_V + 32]
	/* A frame record, so that a callback's backtrace ends here. */
	stp x29, xzr, [sp, #DFT_REGS_SIZE]
	add x29, sp, #DFT_REGS_SIZE
	/* The stack pointer after the return, for dft_regs_get_sp(). */
	add x1, sp, #DFT_REGS_SIZE + 16
	str x1, [sp, #DFT_REGS_SP]
	mov x0, sp
	bl dft_graph_return
	mov x16, x0
	ldp x0, x1, [sp, #0]
	ldp x2, x3, [sp, #16]
	ldp x4, x5, [sp, #32]
	ldp x6, x7, [sp, #48]
	ldr x8, [sp, #64]
	ldp q0, q1, [sp, #DFT_REGS_V]
	ldp q2, q3, [sp, #DFT_REGS_V + 32]
	ldr x29, [sp, #DFT_REGS_SIZE]
	add sp, sp, #DFT_REGS_SIZE + 16
	mov x30, x16
	ret
	.cfi_endproc
	.size dft_arch_return_hook, .-dft_arch_return_hook

	.section .note.GNU-stack, "", %progbits
