/* SPDX-License-Identifier: MIT */
/*
 * The return hook of the function graph (lib/graph.c).
 *
 * graph.c swaps the return address of a traced function for
 * dft_arch_return_hook, so the function's `ret` lands here with its return
 * value live in rax, rdx, xmm0 and xmm1 (ymm0 or zmm0 for a vector). They
 * are saved into a struct dft_regs frame (the offsets are those of arch.h,
 * checked in insn.c), dft_graph_return(regs, sp) pops the shadow stack,
 * runs the ret callback and gives back the real return address, and we
 * jump there with the return value restored. sp is the stack pointer the function had at its entry
 * (where its return address was), the key graph.c stored at entry.
 *
 * A traced function reached by a tail call from a hooked one returns here
 * with the hook as its "real" return address: we then jump to ourselves and
 * pop the next entry, which has the same sp.
 */
#include "arch.h"
#include "xstate.h"

#define REGS_RAX DFT_REGS_RAX
#define REGS_RBX DFT_REGS_RBX
/* rax, rcx, rdx follow each other in struct dft_regs. */
#define REGS_RDX (DFT_REGS_RAX + 16)
#define REGS_RSP DFT_REGS_RSP
#define REGS_XMM DFT_REGS_XMM
#define REGS_SIZE DFT_REGS_SIZE

	.text
	.globl dft_arch_return_hook
	.hidden dft_arch_return_hook
	.type dft_arch_return_hook, @function
	.p2align 4
dft_arch_return_hook:
	.cfi_startproc
	/* Reached by ret, and by our own indirect jump for tail calls. */
	endbr64
	/* There is no return address to describe: stop unwinders here. */
	.cfi_undefined rip
	/* The stack may be misaligned if the caller did not keep the ABI's
	 * alignment; the frame and the C call need 16 bytes. */
	push %rbp
	mov %rsp, %rbp
	and $-16, %rsp
	sub $REGS_SIZE, %rsp
	mov %rax, REGS_RAX(%rsp)
	mov %rdx, REGS_RDX(%rsp)
	movaps %xmm0, REGS_XMM(%rsp)
	movaps %xmm1, REGS_XMM+16(%rsp)
	/* The stack pointer after the return, for dft_regs_get_sp(). */
	lea 8(%rbp), %rax
	mov %rax, REGS_RSP(%rsp)
	/* A __m256 or __m512 return value is wider than xmm0: the whole
	 * vector state is kept (xstate.h), with %rbx on the frame. */
	mov %rbx, REGS_RBX(%rsp)
	mov %rsp, %rbx
	xstate_save
	mov %rbx, %rdi
	/* The sp at entry pointed at the return address: one word below. */
	mov %rbp, %rsi
	call dft_graph_return
	mov %rax, %r11
	xstate_restore 1
	mov REGS_RAX(%rsp), %rax
	mov REGS_RDX(%rsp), %rdx
	mov REGS_RBX(%rsp), %rbx
	mov %rbp, %rsp
	pop %rbp
	jmp *%r11
	.cfi_endproc
	.size dft_arch_return_hook, .-dft_arch_return_hook

	.section .note.GNU-stack, "", @progbits
