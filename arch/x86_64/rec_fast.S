/* SPDX-License-Identifier: MIT */
/*
 * The recorder's direct trampolines: the function tracer's entry, and the
 * entry and return hook of the function_graph and of the profile tracers.
 *
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
	shll $DFT_EV_SHIFT, %edx
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

/*
 * The function_graph tracer without options (record/trace_graph.c). The
 * entry writes an 8-byte ENTRY event (delta << 2 | ENTRY, fid), pushes an
 * entry on graph.c's shadow stack (its layout, internal.h) and puts
 * dft_rec_graph_return in the return slot. Anything else goes to
 * dft_caller: a tail call from a hooked function (its parent is found
 * there), no shadow stack yet or a full one, a longjmp to catch up with,
 * and the cases of the function tracer above.
 */
#define GFRAME 48 /* rax, rdx, rcx, rsi, rdi, r8 */

	.globl dft_rec_graph_direct
	.hidden dft_rec_graph_direct
	.type dft_rec_graph_direct, @function
	.p2align 4
dft_rec_graph_direct:
	.cfi_startproc
	movq dft_thread@gottpoff(%rip), %r11
	testb $1, %fs:DFT_THREAD_SEQ(%r11)
	jnz 9f
	cmpl $0, %fs:DFT_THREAD_REGISTERED(%r11)
	je dft_caller
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	pushq %rdi
	.cfi_adjust_cfa_offset 8
	pushq %r8
	.cfi_adjust_cfa_offset 8
	leaq dft_rec_graph_return(%rip), %rax
	cmpq %rax, GFRAME+8(%rsp)
	je 8f
	movq %fs:DFT_THREAD_GRAPH(%r11), %rsi
	testq %rsi, %rsi
	jz 8f
	cmpl $0, DFT_SHADOW_RESYNC(%rsi)
	jne 8f
	movl DFT_SHADOW_TOP(%rsi), %edi
	cmpl DFT_SHADOW_CAP(%rsi), %edi
	jae 8f
	imulq $DFT_SHADOW_ENT_SIZE, %rdi, %rdi
	leaq DFT_SHADOW_ENT(%rsi,%rdi), %rdi
	movq GFRAME(%rsp), %rcx
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
	orq %rdx, %rax
	movq dft_stream@gottpoff(%rip), %r11
	movq %rax, %rdx
	subq %fs:DFT_STREAM_LAST(%r11), %rdx
	cmpq $DFT_DELTA_LIMIT, %rdx
	jae 8f
	movq %fs:DFT_STREAM_POS(%r11), %r8
	addq $8, %r8
	cmpq %fs:DFT_STREAM_CAP(%r11), %r8
	ja 8f
	movq %rax, %fs:DFT_STREAM_LAST(%r11)
	movq %r8, %fs:DFT_STREAM_POS(%r11)
	movq %r8, %rax
	addq %fs:DFT_STREAM_EV(%r11), %r8
	shll $DFT_EV_SHIFT, %edx	/* | DFT_EV_ENTRY, which is 0 */
	movl %edx, -8(%r8)
	movl %ecx, -4(%r8)
	addq $1, %fs:DFT_STREAM_EVENTS(%r11)
	movq %fs:DFT_STREAM_COMMITTED(%r11), %rdx
	movq %rax, (%rdx)
	/* The shadow entry, as graph_entry() in core/graph.c makes it. */
	movq GFRAME+8(%rsp), %rax
	movq %rax, DFT_SHENT_REAL(%rdi)
	movq %rax, DFT_SHENT_PARENT(%rdi)
	leaq GFRAME+8(%rsp), %rdx
	movq %rdx, DFT_SHENT_SP(%rdi)
	movq %rdx, DFT_SHENT_SLOT(%rdi)
	movq GFRAME(%rsp), %rcx
	subq $5, %rcx
	movq %rcx, DFT_SHENT_IP(%rdi)
	movq dft_graph_gen(%rip), %rcx
	movq %rcx, DFT_SHENT_GEN(%rdi)
	movq dft_graph_direct+DFT_GDIRECT_USERS(%rip), %rcx
	movl %ecx, DFT_SHENT_USERS(%rdi)
	movq dft_graph_direct+DFT_GDIRECT_DATA(%rip), %rcx
	movq $0, (%rdi,%rcx)
	addl $1, DFT_SHADOW_TOP(%rsi)
	leaq dft_rec_graph_return(%rip), %rcx
	movq %rcx, GFRAME+8(%rsp)
	popq %r8
	.cfi_adjust_cfa_offset -8
	popq %rdi
	.cfi_adjust_cfa_offset -8
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

	.cfi_adjust_cfa_offset GFRAME
8:	popq %r8
	.cfi_adjust_cfa_offset -8
	popq %rdi
	.cfi_adjust_cfa_offset -8
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
	jmp dft_caller
	.cfi_endproc
	.size dft_rec_graph_direct, .-dft_rec_graph_direct

/*
 * The return hook of the direct graph (dft_graph_set_hook): a traced
 * function returns here with its value in rax, rdx, xmm0 and xmm1, and the
 * stack pointer one word above where its return address was. The common
 * case, the top shadow entry at that sp and ours (data 0, the current
 * generation), writes a 4-byte EXIT event, pops it and jumps to the real
 * return address; everything else goes to dft_arch_return_hook with the
 * registers as they came. Only call-clobbered registers that return no
 * value are used, so nothing is saved on the stack.
 */
	.globl dft_rec_graph_return
	.hidden dft_rec_graph_return
	.type dft_rec_graph_return, @function
	.p2align 4
dft_rec_graph_return:
	.cfi_startproc
	endbr64
	.cfi_undefined rip
	movq dft_thread@gottpoff(%rip), %r11
	testb $1, %fs:DFT_THREAD_SEQ(%r11)
	jnz 8f
	movq %fs:DFT_THREAD_GRAPH(%r11), %rsi
	testq %rsi, %rsi
	jz 8f
	movl DFT_SHADOW_TOP(%rsi), %ecx
	subl $1, %ecx
	jb 8f
	imulq $DFT_SHADOW_ENT_SIZE, %rcx, %rdi
	leaq DFT_SHADOW_ENT(%rsi,%rdi), %rdi
	leaq -8(%rsp), %r8
	cmpq %r8, DFT_SHENT_SP(%rdi)
	jne 8f
	/* Ours alone, pushed since we registered, with no graph flags. */
	movq dft_graph_direct+DFT_GDIRECT_USERS(%rip), %r8
	cmpl %r8d, DFT_SHENT_USERS(%rdi)
	jne 8f
	movq dft_graph_direct+DFT_GDIRECT_GEN(%rip), %r8
	cmpq %r8, DFT_SHENT_GEN(%rdi)
	jb 8f
	movq dft_graph_direct+DFT_GDIRECT_DATA(%rip), %r8
	cmpq $0, (%rdi,%r8)
	jne 8f
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	movq %rax, %r9
	movq %rdx, %r10
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq dft_stream@gottpoff(%rip), %r8
	movq %rax, %rdx
	subq %fs:DFT_STREAM_LAST(%r8), %rdx
	cmpq $DFT_DELTA_LIMIT, %rdx
	jae 7f
	movq %fs:DFT_STREAM_POS(%r8), %rcx
	addq $4, %rcx
	cmpq %fs:DFT_STREAM_CAP(%r8), %rcx
	ja 7f
	movq %rax, %fs:DFT_STREAM_LAST(%r8)
	movq %rcx, %fs:DFT_STREAM_POS(%r8)
	movq %rcx, %rax
	addq %fs:DFT_STREAM_EV(%r8), %rcx
	shll $DFT_EV_SHIFT, %edx
	orl $DFT_EV_EXIT_TYPE, %edx
	movl %edx, -4(%rcx)
	addq $1, %fs:DFT_STREAM_EVENTS(%r8)
	movq %fs:DFT_STREAM_COMMITTED(%r8), %rdx
	movq %rax, (%rdx)
	subl $1, DFT_SHADOW_TOP(%rsi)
	/* Read before the thread is outside: a signal handler's calls may
	 * reuse the entry from then on. */
	movq DFT_SHENT_REAL(%rdi), %r8
	movq %r9, %rax
	movq %r10, %rdx
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	jmp *%r8

7:	movq %r9, %rax
	movq %r10, %rdx
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
8:	jmp dft_arch_return_hook
	.cfi_endproc
	.size dft_rec_graph_return, .-dft_rec_graph_return

/*
 * The profile tracer (record/trace_profile.c): the entry pushes a shadow
 * entry whose data is the entry time and clears the thread's child time at
 * that depth; the return adds the call to its function's record, in place
 * in the thread's profile file. The C path takes the rest: a thread with
 * no profile yet, a depth past the child array, a tail call, an id outside
 * the direct map or past the records mapped so far.
 */
#define PFRAME 40 /* rax, rdx, rcx, rsi, rdi */

	.globl dft_rec_prof_direct
	.hidden dft_rec_prof_direct
	.type dft_rec_prof_direct, @function
	.p2align 4
dft_rec_prof_direct:
	.cfi_startproc
	movq dft_thread@gottpoff(%rip), %r11
	testb $1, %fs:DFT_THREAD_SEQ(%r11)
	jnz 9f
	cmpl $0, %fs:DFT_THREAD_REGISTERED(%r11)
	je dft_caller
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	pushq %rax
	.cfi_adjust_cfa_offset 8
	pushq %rdx
	.cfi_adjust_cfa_offset 8
	pushq %rcx
	.cfi_adjust_cfa_offset 8
	pushq %rsi
	.cfi_adjust_cfa_offset 8
	pushq %rdi
	.cfi_adjust_cfa_offset 8
	leaq dft_rec_prof_return(%rip), %rax
	cmpq %rax, PFRAME+8(%rsp)
	je 8f
	movq %fs:DFT_THREAD_GRAPH(%r11), %rsi
	testq %rsi, %rsi
	jz 8f
	cmpl $0, DFT_SHADOW_RESYNC(%rsi)
	jne 8f
	movl DFT_SHADOW_TOP(%rsi), %edi
	cmpl DFT_SHADOW_CAP(%rsi), %edi
	jae 8f
	cmpl $DFT_PROF_CHILD_MAX, %edi
	jae 8f
	movq dft_prof@gottpoff(%rip), %rax
	movq %fs:(%rax), %rcx
	testq %rcx, %rcx
	jz 8f
	movq $0, DFT_PROF_CHILD(%rcx,%rdi,8)
	imulq $DFT_SHADOW_ENT_SIZE, %rdi, %rdi
	leaq DFT_SHADOW_ENT(%rsi,%rdi), %rdi
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq dft_graph_direct+DFT_GDIRECT_DATA(%rip), %rcx
	movq %rax, (%rdi,%rcx)
	movq PFRAME+8(%rsp), %rax
	movq %rax, DFT_SHENT_REAL(%rdi)
	movq %rax, DFT_SHENT_PARENT(%rdi)
	leaq PFRAME+8(%rsp), %rdx
	movq %rdx, DFT_SHENT_SP(%rdi)
	movq %rdx, DFT_SHENT_SLOT(%rdi)
	movq PFRAME(%rsp), %rcx
	subq $5, %rcx
	movq %rcx, DFT_SHENT_IP(%rdi)
	movq dft_graph_gen(%rip), %rcx
	movq %rcx, DFT_SHENT_GEN(%rdi)
	movq dft_graph_direct+DFT_GDIRECT_USERS(%rip), %rcx
	movl %ecx, DFT_SHENT_USERS(%rdi)
	addl $1, DFT_SHADOW_TOP(%rsi)
	leaq dft_rec_prof_return(%rip), %rcx
	movq %rcx, PFRAME+8(%rsp)
	popq %rdi
	.cfi_adjust_cfa_offset -8
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

	.cfi_adjust_cfa_offset PFRAME
8:	popq %rdi
	.cfi_adjust_cfa_offset -8
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
	jmp dft_caller
	.cfi_endproc
	.size dft_rec_prof_direct, .-dft_rec_prof_direct

/*
 * The profile's return hook. rax and rdx (the return value) wait in the red
 * zone below the stack pointer, which a signal frame leaves alone; xmm2 is
 * free at a return.
 */
	.globl dft_rec_prof_return
	.hidden dft_rec_prof_return
	.type dft_rec_prof_return, @function
	.p2align 4
dft_rec_prof_return:
	.cfi_startproc
	endbr64
	.cfi_undefined rip
	movq dft_thread@gottpoff(%rip), %r11
	testb $1, %fs:DFT_THREAD_SEQ(%r11)
	jnz 8f
	movq %fs:DFT_THREAD_GRAPH(%r11), %rsi
	testq %rsi, %rsi
	jz 8f
	movl DFT_SHADOW_TOP(%rsi), %ecx
	subl $1, %ecx
	jb 8f
	cmpl $DFT_PROF_CHILD_MAX, %ecx
	jae 8f
	imulq $DFT_SHADOW_ENT_SIZE, %rcx, %rdi
	leaq DFT_SHADOW_ENT(%rsi,%rdi), %rdi
	leaq -8(%rsp), %r8
	cmpq %r8, DFT_SHENT_SP(%rdi)
	jne 8f
	movq dft_graph_direct+DFT_GDIRECT_USERS(%rip), %r8
	cmpl %r8d, DFT_SHENT_USERS(%rdi)
	jne 8f
	movq dft_graph_direct+DFT_GDIRECT_GEN(%rip), %r8
	cmpq %r8, DFT_SHENT_GEN(%rdi)
	jb 8f
	movq %rax, -16(%rsp)
	movq %rdx, -24(%rsp)
	/* The record: word (ip - lo) / 4 of the map is its fid + 1. */
	movq DFT_SHENT_IP(%rdi), %r8
	subq dft_fid_map+DFT_FID_MAP_LO(%rip), %r8
	cmpq dft_fid_map+DFT_FID_MAP_SIZE(%rip), %r8
	jae 7f
	movq dft_fid_map+DFT_FID_MAP_ENT(%rip), %rax
	shrq $2, %r8
	movl (%rax,%r8,4), %r8d
	subl $1, %r8d
	jb 7f
	movq dft_prof@gottpoff(%rip), %rax
	movq %fs:(%rax), %r9
	testq %r9, %r9
	jz 7f
	cmpl DFT_PROF_NR(%r9), %r8d
	jae 7f
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
	movq dft_graph_direct+DFT_GDIRECT_DATA(%rip), %rdx
	subq (%rdi,%rdx), %rax	/* the duration */
	js 6f
	imulq $DFT_PROF_REC_SIZE, %r8, %r8
	addq DFT_PROF_REC(%r9), %r8
	addq $1, DFT_PREC_HITS(%r8)
	addq %rax, DFT_PREC_TOTAL(%r8)
	/* Self time: the duration less its children's, which go to the
	 * caller's children. */
	movq DFT_PROF_CHILD(%r9,%rcx,8), %rdx
	cmpq %rdx, %rax
	jbe 1f
	movq %rax, %r10
	subq %rdx, %r10
	addq %r10, DFT_PREC_SELF(%r8)
1:	testl %ecx, %ecx
	jz 2f
	addq %rax, DFT_PROF_CHILD-8(%r9,%rcx,8)
2:	cvtsi2sdq %rax, %xmm2
	mulsd dft_prof_ns_per_tick(%rip), %xmm2
	mulsd %xmm2, %xmm2
	addsd DFT_PREC_SUM_SQ(%r8), %xmm2
	movsd %xmm2, DFT_PREC_SUM_SQ(%r8)
	cmpq DFT_PREC_MAX(%r8), %rax
	jbe 3f
	movq %rax, DFT_PREC_MAX(%r8)
3:	subl $1, DFT_SHADOW_TOP(%rsi)
	movq DFT_SHENT_REAL(%rdi), %r8
	movq -16(%rsp), %rax
	movq -24(%rsp), %rdx
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
	jmp *%r8

6:	addq $1, %fs:DFT_THREAD_SEQ(%r11)
7:	movq -16(%rsp), %rax
	movq -24(%rsp), %rdx
8:	jmp dft_arch_return_hook
	.cfi_endproc
	.size dft_rec_prof_return, .-dft_rec_prof_return

	.section .note.GNU-stack,"",@progbits
