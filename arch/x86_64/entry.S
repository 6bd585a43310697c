/* SPDX-License-Identifier: MIT */
/*
 * x86-64 trampolines, with the whole of core/entry.c done here: this file
 * replaces it. A patched site is `call dft_caller` (or a stub that jumps
 * here when the module is more than 2 GiB away), so on entry:
 *
 *   0(%rsp)  the return point into the traced function (site + 5)
 *   8(%rsp)  the return address into its caller
 *
 * The recursion guard comes first, before anything is saved: a thread
 * already inside goes to the _odd copies of the trampolines, which build
 * the same frame for dft_entry_odd() (entry.c: a recursion runs only a
 * live patch redirect; a signal handler that interrupted a callback runs
 * the callbacks in its own context). Then a struct dft_regs
 * (arch.h) is built and the ops are called: the single ops directly, with
 * (ip, parent_ip, ops, regs), or the list walk with (ip, parent_ip, regs).
 * At a function entry %rsp is 8 mod 16, so after the site's call and a
 * 304-byte frame the stack is 16-byte aligned for the C call.
 *
 * Where AVX is enabled (xstate.c) and a vector argument may be wider than
 * xmm (its upper halves are in use), the whole vector state goes into an
 * XSAVE area below the frame, 64-byte aligned as XSAVE wants:
 *
 *   ret point, parent ret     the site's call and the traced function's
 *   struct dft_regs           %rbx points here from then on (callee-saved)
 *   0..48 bytes of alignment
 *   XSAVE area                %rsp points here during the callbacks
 *
 * An argument may be a __m256/__m512 whose upper bits a callback's AVX code
 * or vzeroupper destroys; the 16-byte saves of xmm0-7 in the frame stay,
 * as what the fp accessors read and write, and are copied into the area
 * before XRSTOR, so a changed double argument takes effect (xstate.h).
 * Without the area, %rsp stays on the frame.
 *
 * %r11 is free at a function entry: it is call-clobbered and passes no
 * argument (%r10 would: the static chain of nested functions).
 */
#include "arch.h"
#include "internal.h"
#include "xstate.h"

#define SLOT(reg) (8 * (reg))
#define R15 0
#define R14 8
#define R13 16
#define R12 24
#define RBX DFT_REGS_RBX
#define R11 48
#define R10 56
#define R9 64
#define R8 72
#define RCX 88
#define RDX 96
#define RSI 104
#define RDI 112
#define ORIG_RAX 120
#define CS 136
#define EFLAGS 144
#define SS 160

	.text

/* What a C callback may read or clobber at a function entry: the integer
 * and vector argument registers, rax (the vector count of varargs) and r10
 * (the static chain of GNU C nested functions, gccgo, Ada, Fortran). */
.macro save_args
	movq %r10, R10(%rsp)
	movq %rdi, RDI(%rsp)
	movq %rsi, RSI(%rsp)
	movq %rdx, RDX(%rsp)
	movq %rcx, RCX(%rsp)
	movq %r8, R8(%rsp)
	movq %r9, R9(%rsp)
	movq %rax, DFT_REGS_RAX(%rsp)
	movq %rbp, DFT_REGS_RBP(%rsp)
	movups %xmm0, DFT_REGS_XMM+0*16(%rsp)
	movups %xmm1, DFT_REGS_XMM+1*16(%rsp)
	movups %xmm2, DFT_REGS_XMM+2*16(%rsp)
	movups %xmm3, DFT_REGS_XMM+3*16(%rsp)
	movups %xmm4, DFT_REGS_XMM+4*16(%rsp)
	movups %xmm5, DFT_REGS_XMM+5*16(%rsp)
	movups %xmm6, DFT_REGS_XMM+6*16(%rsp)
	movups %xmm7, DFT_REGS_XMM+7*16(%rsp)
.endm

.macro restore_args
	movq R10(%rsp), %r10
	movq RDI(%rsp), %rdi
	movq RSI(%rsp), %rsi
	movq RDX(%rsp), %rdx
	movq RCX(%rsp), %rcx
	movq R8(%rsp), %r8
	movq R9(%rsp), %r9
	movq DFT_REGS_RAX(%rsp), %rax
	movq DFT_REGS_RBP(%rsp), %rbp
.endm

/* Goes to \odd when the thread is already inside (seq odd: a recursion,
 * or a signal handler that interrupted a callback; entry.c's
 * dft_entry_odd() tells which); otherwise call_ops marks it inside, which
 * grace periods wait on. */
.macro guard_enter odd
	movq dft_thread@gottpoff(%rip), %r11
	testb $1, %fs:DFT_THREAD_SEQ(%r11)
	jnz \odd
.endm

/* The odd copies' first steps: an ignored thread (dft_ignore_current_thread
 * holds seq odd) leaves at once, as does, with \plain, the normal context
 * (a recursion, which has no redirect to run without a regs frame; a
 * context a siglongjmp left behind makes dft_entry_odd() look). A thread
 * not yet registered goes on: a handler may have interrupted its
 * registration (dft_entry_odd()). */
.macro odd_guard plain
	cmpl $0, %fs:DFT_THREAD_IGNORED(%r11)
	jne 9f
	.if \plain
	cmpl $0, %fs:DFT_THREAD_CTX(%r11)
	je 9f
	.endif
.endm

/* ip, parent_ip, regs, \full for the C entries, with rip and rsp stored
 * in the frame (%rbx). */
.macro entry_args full
	leaq DFT_REGS_SIZE+8(%rbx), %rsi
	movq %rsi, DFT_REGS_RSP(%rbx)
	movq DFT_REGS_SIZE(%rbx), %rdi
	movq %rdi, DFT_REGS_RIP(%rbx)
	subq $5, %rdi
	movq (%rsi), %rsi
	movq %rbx, %rdx
	movl $\full, %ecx
.endm

/* rip, rsp, then the callbacks; \full: the frame (%rbx) is the regs
 * caller's. A thread that cannot register now runs them unlisted
 * (sigctx.c: dft_entry_unlisted()). */
.macro call_ops full
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	cmpl $0, %fs:DFT_THREAD_REGISTERED(%r11)
	jne 1f
	movq %fs:0, %rdi
	addq %r11, %rdi
	call dft_thread_register
	testl %eax, %eax
	jz 1f
	entry_args \full
	call dft_entry_unlisted
	jmp 3f
1:	leaq DFT_REGS_SIZE+8(%rbx), %rsi
	movq %rsi, DFT_REGS_RSP(%rbx)
	movq DFT_REGS_SIZE(%rbx), %rdi
	movq %rdi, DFT_REGS_RIP(%rbx)
	subq $5, %rdi
	movq (%rsi), %rsi
	movq dft_single_ops(%rip), %rdx
	testq %rdx, %rdx
	jz 2f
	movq %rbx, %rcx
	call *(%rdx)
	jmp 3f
2:	movq %rbx, %rdx
	movl $\full, %ecx
	call dft_ops_list_func
3:	movq dft_thread@gottpoff(%rip), %r11
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
.endm

/* The same frame given to dft_entry_odd(ip, parent_ip, regs, \full),
 * seq left as it is. */
.macro call_odd full
	entry_args \full
	call dft_entry_odd
.endm

/* The plain caller's body: \guard, then the frame for \call. */
.macro plain_caller name, guard, call
	.globl \name
	.hidden \name
	.type \name, @function
	.p2align 4
\name:
	.cfi_startproc
	\guard
	subq $DFT_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset DFT_REGS_SIZE
	save_args
	movq %rbx, RBX(%rsp)
	.cfi_rel_offset %rbx, RBX
	movq %rsp, %rbx
	.cfi_def_cfa_register %rbx
	xstate_save
	\call 0
	xstate_restore 4
	.cfi_def_cfa_register %rsp
	movq RBX(%rsp), %rbx
	.cfi_restore %rbx
	restore_args
	addq $DFT_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -DFT_REGS_SIZE
9:	ret
	.cfi_endproc
	.size \name, .-\name
.endm

/* The regs caller's. */
.macro regs_caller name, guard, call
	.globl \name
	.hidden \name
	.type \name, @function
	.p2align 4
\name:
	.cfi_startproc
	\guard
	subq $DFT_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset DFT_REGS_SIZE
	save_args
	movq %r15, R15(%rsp)
	movq %r14, R14(%rsp)
	movq %r13, R13(%rsp)
	movq %r12, R12(%rsp)
	movq %rbx, RBX(%rsp)
	.cfi_rel_offset %rbx, RBX
	movq %r11, R11(%rsp)
	movq $0, ORIG_RAX(%rsp)
	/* Flags are saved for reading only: nothing at a function entry
	 * depends on them, and popfq would cost more than the whole frame. */
	pushfq
	popq EFLAGS(%rsp)
	movq %cs, %rax
	movq %rax, CS(%rsp)
	movq %ss, %rax
	movq %rax, SS(%rsp)
	movq %rsp, %rbx
	.cfi_def_cfa_register %rbx
	xstate_save
	\call 1
	xstate_restore 4
	.cfi_def_cfa_register %rsp
	/* The saved ip is where we go next: a callback that changed it
	 * redirects the call (live patching). */
	movq DFT_REGS_RIP(%rsp), %rax
	movq %rax, DFT_REGS_SIZE(%rsp)
	movq R15(%rsp), %r15
	movq R14(%rsp), %r14
	movq R13(%rsp), %r13
	movq R12(%rsp), %r12
	movq RBX(%rsp), %rbx
	.cfi_restore %rbx
	movq R11(%rsp), %r11
	restore_args
	addq $DFT_REGS_SIZE, %rsp
	.cfi_adjust_cfa_offset -DFT_REGS_SIZE
9:	ret
	.cfi_endproc
	.size \name, .-\name
.endm

	plain_caller dft_caller, "guard_enter dft_caller_odd", call_ops
	regs_caller dft_regs_caller, "guard_enter dft_regs_caller_odd", call_ops
	/* Out of the way of the common path: the same with seq odd. */
	plain_caller dft_caller_odd, "odd_guard 1", call_odd
	regs_caller dft_regs_caller_odd, "odd_guard 0", call_odd

	.section .note.GNU-stack,"",@progbits
