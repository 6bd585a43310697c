/* SPDX-License-Identifier: MIT */
/*
 * The return hook of the function graph (lib/graph.c), in A32 code.
 *
 * graph.c swaps ARM_lr of a traced function (which the trampolines reload
 * into lr) for dft_arch_return_hook, so the function's `bx lr` or `pop
 * {..., pc}` lands here, in ARM state (bit 0 of the hook is clear), with
 * its return value live in r0-r3 and, for hard-float, d0-d3. They are
 * saved into a struct dft_regs frame, dft_graph_return(regs, sp) pops the
 * shadow stack, runs the ret callback and gives back the real return
 * address, and we branch there with interworking and the return value
 * restored. sp is the sp the function had at its entry, which it has
 * restored by now: the key graph.c stored (dft_arch_get_sp() of the site).
 *
 * A traced function reached by a tail call from a hooked one returns here
 * with the hook as its "real" return address: we then branch to ourselves
 * and pop the next entry, which has the same sp.
 */
#include "arch.h"

	.syntax unified
	.arm
	.text
	.globl dft_arch_return_hook
	.hidden dft_arch_return_hook
	.type dft_arch_return_hook, %function
	.p2align 2
dft_arch_return_hook:
	.fnstart
	/* There is no return address to describe: unwinders stop here. */
	.cantunwind
	/* The sp is 8-byte aligned after a return, and so is the frame. */
	sub sp, sp, #DFT_REGS_SIZE
	stm sp, {r0-r3}
	add r0, sp, #DFT_REGS_D
	vstm r0, {d0-d3}
	add r1, sp, #DFT_REGS_SIZE
	str r1, [sp, #DFT_REGS_SP]
	mov r0, sp
	bl dft_graph_return
	mov ip, r0
	add r0, sp, #DFT_REGS_D
	vldm r0, {d0-d3}
	ldm sp, {r0-r3}
	add sp, sp, #DFT_REGS_SIZE
	bx ip
	.fnend
	.size dft_arch_return_hook, .-dft_arch_return_hook

	.section .note.GNU-stack, "", %progbits
