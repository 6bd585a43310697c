/* SPDX-License-Identifier: MIT */
/*
 * 32-bit ARM trampolines, in A32 code, reached from A32 sites by `bl` and
 * from Thumb sites by `blx` (or through a stub near the module, which
 * keeps lr). A site is `push {lr}; bl dft_caller`, so on entry:
 *
 *   lr    the return point into the traced function, bit 0 set for Thumb
 *   [sp]  the original lr, pushed by the site
 *   sp    the sp of the site minus 4
 *
 * At the site r0-r3 and d0-d7 may hold arguments; ip is free (a call
 * veneer may clobber it at any call) and flags are dead at a function
 * entry and at gcc's -pg call. Both trampolines build a struct dft_regs
 * (arch.h) and call dft_entry(ip, parent_ip, regs) (the regs caller:
 * dft_regs_entry, whose frame SAVE_REGS ops may be given).
 *
 * The exit needs no `ldm` that loads sp (the seed thread's Thumb-2
 * problem): registers are reloaded with sp as the base only, then the
 * pushed word, which by now holds where we go, is popped into pc with an
 * interworking load that also frees it.
 *
 * The site's sp is 8-byte aligned (the AAPCS at a function entry, and gcc
 * and clang keep it so at their -pg calls), so our sp is 4 mod 8 and a
 * frame of DFT_REGS_SIZE + 4 bytes gives the C call an aligned stack.
 */
#include "arch.h"

#define FRAME (DFT_REGS_SIZE + 4)
#define PUSHED FRAME /* the word the site pushed */
#define REGS_IP 48

	.syntax unified
	.arm
	.text

.macro save_args
	sub sp, sp, #FRAME
	stm sp, {r0-r3}
	str ip, [sp, #REGS_IP]
	ldr r0, [sp, #PUSHED]
	add r1, sp, #FRAME + 4
	str r1, [sp, #DFT_REGS_SP]
	str r0, [sp, #DFT_REGS_LR]
	str lr, [sp, #DFT_REGS_PC]
	/* The pushed word becomes where we return to. */
	str lr, [sp, #PUSHED]
	add r0, sp, #DFT_REGS_D
	vstm r0, {d0-d7}
.endm

/* dft_entry(ip = the site's push: 8 bytes before the return point in
 * A32, 6 in Thumb; parent_ip = the original lr; regs). */
.macro call_entry entry
	bic r0, lr, #1
	tst lr, #1
	subeq r0, r0, #8
	subne r0, r0, #6
	ldr r1, [sp, #DFT_REGS_LR]
	mov r2, sp
	bl \entry
.endm

/* lr from ARM_lr (where the graph tracer hooks returns), then leave
 * through the pushed word. */
.macro leave
	add r0, sp, #DFT_REGS_D
	vldm r0, {d0-d7}
	ldr lr, [sp, #DFT_REGS_LR]
	ldr ip, [sp, #REGS_IP]
	ldm sp, {r0-r3}
	add sp, sp, #FRAME
	ldr pc, [sp], #4
.endm

	.globl dft_caller
	.hidden dft_caller
	.type dft_caller, %function
	.p2align 2
dft_caller:
	.fnstart
	.cantunwind
	save_args
	call_entry dft_entry
	leave
	.fnend
	.size dft_caller, .-dft_caller

	.globl dft_regs_caller
	.hidden dft_regs_caller
	.type dft_regs_caller, %function
	.p2align 2
dft_regs_caller:
	.fnstart
	.cantunwind
	save_args
	add r0, sp, #16
	stm r0, {r4-r11}
	ldr r0, [sp]
	str r0, [sp, #DFT_REGS_ORIG_R0]
	/* The flags, and the T bit of the traced function's state. */
	mrs r0, APSR
	tst lr, #1
	orrne r0, r0, #0x20
	str r0, [sp, #DFT_REGS_CPSR]
	call_entry dft_regs_entry
	/* Where we go next: the saved pc, changed by a redirecting
	 * callback (interworking: a Thumb function has bit 0 set). Flags
	 * are restored too: the new pc need not be a function entry. */
	ldr r0, [sp, #DFT_REGS_PC]
	str r0, [sp, #PUSHED]
	ldr r0, [sp, #DFT_REGS_CPSR]
	msr APSR_nzcvq, r0
	add r0, sp, #16
	ldm r0, {r4-r11}
	leave
	.fnend
	.size dft_regs_caller, .-dft_regs_caller

	.section .note.GNU-stack, "", %progbits
