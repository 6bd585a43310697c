/* SPDX-License-Identifier: MIT */
/*
 * AArch64 trampolines. A patched site is `mov x9, x30; bl dft_caller` (or a
 * bl to a near-module stub that branches here through x16), so on entry:
 *
 *   x9   the return address into the caller (the original x30)
 *   x30  the return point into the traced function (site + 8)
 *   sp   the stack pointer at the site (the entry sp at entry sites)
 *
 * x9, x16 and x17 are free at a function entry (AAPCS64 scratch and veneer
 * registers); everything else the callbacks may see is saved. Both build a
 * struct dft_regs (arch.h) and call dft_entry(ip, parent_ip, regs) (the regs
 * caller: dft_regs_entry, whose frame SAVE_REGS ops may be given), with
 * two frame records above it so that unwinders see the traced function
 * (returning to x9) and then the trampoline (returning into it).
 *
 * On exit x30 is reloaded from regs[30]: the graph tracer's return hook
 * goes there. The regs caller continues at the saved pc (a callback that
 * changed it redirects the call); the plain caller ignores the pc slot.
 */
#include "arch.h"

#define FRAME (DFT_REGS_SIZE + 32)
#define REC1 DFT_REGS_SIZE
#define REC2 (DFT_REGS_SIZE + 16)

	.text

/* The arguments (x0-x8: x8 is the indirect result register), x18 (gcc's
 * static chain of nested functions; call-clobbered on Linux, so any
 * callback may change it), x29, the original x30 in the x30 slot, pc, sp,
 * q0-q7 and the frame records. */
/* Moves the argument registers, x18 and q0-q7 to (stp, str) or from (ldp,
 * ldr) their slots: the one list that saving and restoring share. */
.macro args_move pair, one
	\pair x0, x1, [sp, #0]
	\pair x2, x3, [sp, #16]
	\pair x4, x5, [sp, #32]
	\pair x6, x7, [sp, #48]
	\one x8, [sp, #64]
	\one x18, [sp, #144]
.endm

.macro vec_move pair
	\pair q0, q1, [sp, #DFT_REGS_V]
	\pair q2, q3, [sp, #DFT_REGS_V + 32]
	\pair q4, q5, [sp, #DFT_REGS_V + 64]
	\pair q6, q7, [sp, #DFT_REGS_V + 96]
.endm

/* The rest of the full frame, x10-x28, for the regs caller. */
.macro others_move pair, one
	\pair x10, x11, [sp, #80]
	\pair x12, x13, [sp, #96]
	\pair x14, x15, [sp, #112]
	\pair x16, x17, [sp, #128]
	\pair x18, x19, [sp, #144]
	\pair x20, x21, [sp, #160]
	\pair x22, x23, [sp, #176]
	\pair x24, x25, [sp, #192]
	\pair x26, x27, [sp, #208]
	\one x28, [sp, #224]
.endm

.macro save_args
	sub sp, sp, #FRAME
	args_move stp, str
	stp x29, x9, [sp, #DFT_REGS_X29]
	add x16, sp, #FRAME
	stp x16, x30, [sp, #DFT_REGS_SP]
	vec_move stp
	stp x29, x9, [sp, #REC1]
	add x29, sp, #REC1
	stp x29, x30, [sp, #REC2]
	add x29, sp, #REC2
.endm

/* For unwinders: our caller's x29 in its slot, our return point in the
 * second frame record. (The traced function's own return address is in
 * x9 at an entry site, which DWARF cannot express: unwinding beyond it
 * needs the frame records.) */
.macro cfi_frame
	.cfi_def_cfa sp, FRAME
	.cfi_offset x29, DFT_REGS_X29 - FRAME
	.cfi_offset x30, REC2 + 8 - FRAME
.endm

.macro restore_args
	args_move ldp, ldr
	vec_move ldp
	ldp x29, x30, [sp, #DFT_REGS_X29]
.endm

/* dft_entry(ip = the site, the first word, 8 bytes before the return
 * point; parent_ip = x9; regs = sp). */
.macro call_entry entry
	sub x0, x30, #8
	mov x1, x9
	mov x2, sp
	bl \entry
.endm

/*
 * The entries for gcc -pg sites: `bl _mcount` after the prologue, with the
 * return address into the caller in x0 (gcc's `mov x0, x30` before it),
 * which _mcount may clobber like any call. It goes where the entry sites'
 * `mov x9, x30` puts it; then as those. x30 is reloaded on exit: harmless,
 * the function saved its own before the call.
 */
	.globl dft_mcount_caller
	.hidden dft_mcount_caller
	.type dft_mcount_caller, %function
	.p2align 3
dft_mcount_caller:
	hint 34 /* bti c */
	mov x9, x0
	b dft_caller
	.size dft_mcount_caller, .-dft_mcount_caller

	.globl dft_mcount_regs_caller
	.hidden dft_mcount_regs_caller
	.type dft_mcount_regs_caller, %function
	.p2align 3
dft_mcount_regs_caller:
	hint 34 /* bti c */
	mov x9, x0
	b dft_regs_caller
	.size dft_mcount_regs_caller, .-dft_mcount_regs_caller

	.globl dft_caller
	.hidden dft_caller
	.type dft_caller, %function
	.p2align 4
dft_caller:
	.cfi_startproc
	/* Stubs reach us with br x16: a landing pad for BTI pages. */
	hint 34 /* bti c */
	save_args
	cfi_frame
	call_entry dft_entry
	/* The return point into the traced function, as we were called. */
	ldr x9, [sp, #REC2 + 8]
	restore_args
	add sp, sp, #FRAME
	.cfi_def_cfa sp, 0
	ret x9
	.cfi_endproc
	.size dft_caller, .-dft_caller

	.globl dft_regs_caller
	.hidden dft_regs_caller
	.type dft_regs_caller, %function
	.p2align 4
dft_regs_caller:
	.cfi_startproc
	hint 34 /* bti c */
	save_args
	cfi_frame
	others_move stp, str
	/* x9 at the site held nothing of the traced function's: report it
	 * as x9 is after the site's `mov x9, x30`. */
	str x9, [sp, #72]
	mrs x10, nzcv
	str x10, [sp, #DFT_REGS_PSTATE]
	call_entry dft_regs_entry
	/* Flags are restored too: a callback may have redirected to code
	 * that is not a function entry. */
	ldr x10, [sp, #DFT_REGS_PSTATE]
	msr nzcv, x10
	others_move ldp, ldr
	/* Where we go next: the saved pc, changed by a redirecting callback. */
	ldr x9, [sp, #DFT_REGS_PC]
	restore_args
	add sp, sp, #FRAME
	.cfi_def_cfa sp, 0
	ret x9
	.cfi_endproc
	.size dft_regs_caller, .-dft_regs_caller

	.section .note.GNU-stack, "", %progbits
