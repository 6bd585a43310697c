/* SPDX-License-Identifier: MIT */
/*
 * The function tracer's direct trampoline (record/trace_function.c), which
 * the sites of its functions call instead of dft_caller while it is the
 * only ops (dft_set_direct, the kernel's register_ftrace_direct). The
 * common case is done here: the recursion guard, the id from the direct
 * map, the timestamp and one 16-byte FUNC event (delta << 2 | FUNC, fid,
 * parent ip) in the thread's stream. It saves only the four registers it
 * uses. Anything else, with every register as it came, goes on to
 * dft_caller and the C callback, which does all of it: a thread not yet
 * registered, a stream not open or full, a long delta (a TIME event), a
 * function outside the map (another module) or with argument specs.
 *
 *   0(%rsp)  the return point into the traced function (site + 5)
 *   8(%rsp)  the return address into its caller
 */
#include "arch.h"
#include "internal.h"
#include "fast.h"

#define FRAME 32 /* rax, rdx, rcx, rsi */

	.text
	.globl dft_rec_function_direct
	.hidden dft_rec_function_direct
	.type dft_rec_function_direct, @function
	.p2align 4
dft_rec_function_direct:
	.cfi_startproc
	movq dft_thread@gottpoff(%rip), %r11
	testb $1, %fs:DFT_THREAD_SEQ(%r11)
	jnz 9f
	cmpl $0, %fs:DFT_THREAD_REGISTERED(%r11)
	je dft_caller
	/* Inside (seq odd): our recursion guard, and what grace periods see. */
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	/* The id: word (site - lo) / 4 of the map holds fid + 1, or 0 for
	 * the C path (no site, or argument specs). */
	movq FRAME(%rsp), %rcx
	subq $5, %rcx
	subq dft_fid_map+DFT_FID_MAP_LO(%rip), %rcx
	cmpq dft_fid_map+DFT_FID_MAP_SIZE(%rip), %rcx
	jae 8f
	movq dft_fid_map+DFT_FID_MAP_ENT(%rip), %rax
	shrq $2, %rcx
	movl (%rax,%rcx,4), %ecx
	subl $1, %ecx
	jb 8f
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax		/* now */
	movq dft_stream@gottpoff(%rip), %r11
	movq %rax, %rdx
	subq %fs:DFT_STREAM_LAST(%r11), %rdx
	cmpq $DFT_DELTA_LIMIT, %rdx
	jae 8f
	movq %fs:DFT_STREAM_POS(%r11), %rsi
	addq $16, %rsi
	cmpq %fs:DFT_STREAM_CAP(%r11), %rsi
	ja 8f
	movq %rax, %fs:DFT_STREAM_LAST(%r11)
	movq %rsi, %fs:DFT_STREAM_POS(%r11)
	movq %rsi, %rax
	addq %fs:DFT_STREAM_EV(%r11), %rsi
	shll $DFT_EV_TYPE_BITS, %edx
	orl $DFT_EV_FUNC_TYPE, %edx
	movl %edx, -16(%rsi)
	movl %ecx, -12(%rsi)
	movq FRAME+8(%rsp), %rcx
	movq %rcx, -8(%rsi)
	addq $1, %fs:DFT_STREAM_EVENTS(%r11)
	/* Readers (even after a SIGKILL) trust what committed covers; x86
	 * keeps stores in order, so the event is there before it. */
	movq %fs:DFT_STREAM_COMMITTED(%r11), %rdx
	movq %rax, (%rdx)
	popq %rsi
	.cfi_adjust_cfa_offset -8
	popq %rcx
	.cfi_adjust_cfa_offset -8
	popq %rdx
	.cfi_adjust_cfa_offset -8
	popq %rax
	.cfi_adjust_cfa_offset -8
	movq dft_thread@gottpoff(%rip), %r11
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
9:	ret

	/* The slow path: registers as they came and the thread outside
	 * (seq moves on, never back), then the generic trampoline. */
	.cfi_adjust_cfa_offset FRAME
8:	popq %rsi
	.cfi_adjust_cfa_offset -8
	popq %rcx
	.cfi_adjust_cfa_offset -8
	popq %rdx
	.cfi_adjust_cfa_offset -8
	popq %rax
	.cfi_adjust_cfa_offset -8
	movq dft_thread@gottpoff(%rip), %r11
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	jmp dft_caller
	.cfi_endproc
	.size dft_rec_function_direct, .-dft_rec_function_direct

	.section .note.GNU-stack,"",@progbits
