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
 * parent ip) in the thread's stream. It saves only the registers it uses.
 * Anything else, with every register as it came, goes on to dft_caller
 * and the C callback, which does all of it: a thread not yet registered, a
 * stream not open or full, a long delta (a TIME event), a function outside
 * the map (another module) or with argument specs.
 *
 * In the entries, after the saved registers (FRAME bytes):
 *   FRAME(%rsp)    the return point into the traced function (site + 5)
 *   FRAME+8(%rsp)  the return address into its caller
 *
 * The three entries and the two return hooks share their steps, as the
 * macros below; each macro's failure label is the caller's slow path.
 */
#include "arch.h"
#include "internal.h"
#include "fast.h"

/* %r11 = our TLS offset of dft_thread. */
.macro thread_tls
	movq dft_thread@gottpoff(%rip), %r11
.endm

/* Marks the thread inside (seq odd: our recursion guard, and what grace
 * periods wait on) or outside again. */
.macro seq_step
	addq $1, %fs:DFT_THREAD_SEQ(%r11)
.endm

/* An entry's first steps: a thread already inside (a recursion, or a
 * signal handler that interrupted a callback: a redirect may apply, or a
 * context of its own) and an unregistered one take the generic path with
 * nothing touched. */
.macro entry_guard
	thread_tls
	testb $1, %fs:DFT_THREAD_SEQ(%r11)
	jnz dft_caller
	cmpl $0, %fs:DFT_THREAD_REGISTERED(%r11)
	je dft_caller
	seq_step
.endm

.macro save regs:vararg
	.irp r, \regs
	pushq %\r
	.cfi_adjust_cfa_offset 8
	.endr
.endm

.macro restore regs:vararg
	.irp r, \regs
	popq %\r
	.cfi_adjust_cfa_offset -8
	.endr
.endm

/* An entry's two ends, with the registers saved in reverse order: 9 the
 * return to the traced function; 8 its slow path, which leaves the thread
 * outside (seq moves on, never back) and goes on to the generic
 * trampoline with every register as it came. */
.macro entry_exits frame, regs:vararg
	restore \regs
	thread_tls
	seq_step
9:	ret

	.cfi_adjust_cfa_offset \frame
8:	restore \regs
	thread_tls
	seq_step
	jmp dft_caller
.endm

/* rax = rdtsc, as one 64-bit value (clobbers rdx). */
.macro now
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax
.endm

/* \fid = the function id of the ip in \fid, from the direct map (word
 * (ip - lo) / 4 holds fid + 1, 0 for the C path), or jump to \fail.
 * Clobbers \tmp. */
.macro map_fid fid, fid32, tmp, fail
	subq dft_fid_map+DFT_FID_MAP_LO(%rip), \fid
	cmpq dft_fid_map+DFT_FID_MAP_SIZE(%rip), \fid
	jae \fail
	movq dft_fid_map+DFT_FID_MAP_ENT(%rip), \tmp
	shrq $2, \fid
	movl (\tmp,\fid,4), \fid32
	subl $1, \fid32
	jb \fail
.endm

/*
 * Room for a \size-byte event in the thread's stream, at time rax: on
 * success rdx = the delta since the last event, \end = the event's end in
 * the mapping, rax = the new position; else jump to \fail (a long delta
 * needs a TIME event, or the stream is full). \s is the dft_stream TLS
 * offset register.
 */
.macro stream_reserve size, s, end, fail
	movq dft_stream@gottpoff(%rip), \s
	movq %rax, %rdx
	subq %fs:DFT_STREAM_LAST(\s), %rdx
	cmpq $DFT_DELTA_LIMIT, %rdx
	jae \fail
	movq %fs:DFT_STREAM_POS(\s), \end
	addq $\size, \end
	cmpq %fs:DFT_STREAM_CAP(\s), \end
	ja \fail
	movq %rax, %fs:DFT_STREAM_LAST(\s)
	movq \end, %fs:DFT_STREAM_POS(\s)
	movq \end, %rax
	addq %fs:DFT_STREAM_EV(\s), \end
.endm

/* Counts the event and publishes the new position in rax. Readers (even
 * after a SIGKILL) trust what committed covers; x86 keeps stores in
 * order, so the event is there before it. */
.macro stream_commit s
	addq $1, %fs:DFT_STREAM_EVENTS(\s)
	movq %fs:DFT_STREAM_COMMITTED(\s), %rdx
	movq %rax, (%rdx)
.endm

/* rsi = the thread's shadow stack, or jump to \fail. */
.macro shadow_stack fail
	movq %fs:DFT_THREAD_GRAPH(%r11), %rsi
	testq %rsi, %rsi
	jz \fail
.endm

/* \ent = the address of shadow entry number \idx (64-bit) of rsi. */
.macro shadow_ent idx, ent
	imulq $DFT_SHADOW_ENT_SIZE, \idx, \ent
	leaq DFT_SHADOW_ENT(%rsi,\ent), \ent
.endm

/* An entry: rsi = the shadow stack, edi = its top, or jump to \fail: a
 * tail call from a function hooked by \hook (its parent is found on the
 * generic path), no shadow stack yet or a full one, a longjmp to catch up
 * with. */
.macro shadow_room frame, hook, fail
	leaq \hook(%rip), %rax
	cmpq %rax, \frame+8(%rsp)
	je \fail
	shadow_stack \fail
	cmpl $0, DFT_SHADOW_RESYNC(%rsi)
	jne \fail
	movl DFT_SHADOW_TOP(%rsi), %edi
	cmpl DFT_SHADOW_CAP(%rsi), %edi
	jae \fail
.endm

/* Fills the shadow entry at rdi as graph_entry() in core/graph.c does,
 * pushes it and puts \hook in the return slot. */
.macro shadow_push frame
	movq \frame+8(%rsp), %rax
	movq %rax, DFT_SHENT_REAL(%rdi)
	movq %rax, DFT_SHENT_PARENT(%rdi)
	leaq \frame+8(%rsp), %rdx
	movq %rdx, DFT_SHENT_SP(%rdi)
	movq %rdx, DFT_SHENT_SLOT(%rdi)
	movq \frame(%rsp), %rcx
	subq $5, %rcx
	movq %rcx, DFT_SHENT_IP(%rdi)
	movq dft_graph_gen(%rip), %rcx
	movq %rcx, DFT_SHENT_GEN(%rdi)
	movq dft_graph_direct+DFT_GDIRECT_USERS(%rip), %rcx
	movl %ecx, DFT_SHENT_USERS(%rdi)
.endm

.macro shadow_hook frame, hook
	addl $1, DFT_SHADOW_TOP(%rsi)
	leaq \hook(%rip), %rcx
	movq %rcx, \frame+8(%rsp)
.endm

/*
 * A return hook's checks: rsi = the shadow stack, ecx = the index of its
 * top entry and rdi = that entry, which must be at this sp, ours alone
 * and pushed since we registered (no graph flags); else jump to \fail.
 * \extra is a further check of ecx.
 */
.macro return_top fail, extra:vararg
	thread_tls
	testb $1, %fs:DFT_THREAD_SEQ(%r11)
	jnz \fail
	shadow_stack \fail
	movl DFT_SHADOW_TOP(%rsi), %ecx
	subl $1, %ecx
	jb \fail
	\extra
	shadow_ent %rcx, %rdi
	leaq -8(%rsp), %r8
	cmpq %r8, DFT_SHENT_SP(%rdi)
	jne \fail
	movq dft_graph_direct+DFT_GDIRECT_USERS(%rip), %r8
	cmpl %r8d, DFT_SHENT_USERS(%rdi)
	jne \fail
	movq dft_graph_direct+DFT_GDIRECT_GEN(%rip), %r8
	cmpq %r8, DFT_SHENT_GEN(%rdi)
	jb \fail
.endm

/* Pops the top entry and returns to its real return address with the
 * thread outside again (the address is read before: from then on, a
 * signal handler's calls may reuse the entry). */
.macro return_pop
	subl $1, DFT_SHADOW_TOP(%rsi)
	movq DFT_SHENT_REAL(%rdi), %r8
.endm

.macro return_jump
	seq_step
	jmp *%r8
.endm

#define FRAME 32 /* rax, rdx, rcx, rsi */

	.text
	.globl dft_rec_function_direct
	.hidden dft_rec_function_direct
	.type dft_rec_function_direct, @function
	.p2align 4
dft_rec_function_direct:
	.cfi_startproc
	entry_guard
	save rax, rdx, rcx, rsi
	movq FRAME(%rsp), %rcx
	subq $5, %rcx
	map_fid %rcx, %ecx, %rax, 8f
	now
	stream_reserve 16, %r11, %rsi, 8f
	shll $DFT_EV_SHIFT, %edx
	orl $DFT_EV_FUNC_TYPE, %edx
	movl %edx, -16(%rsi)
	movl %ecx, -12(%rsi)
	movq FRAME+8(%rsp), %rcx
	movq %rcx, -8(%rsi)
	stream_commit %r11
	entry_exits FRAME, rsi, rcx, rdx, rax
	.cfi_endproc
	.size dft_rec_function_direct, .-dft_rec_function_direct

/*
 * The function_graph tracer without options (record/trace_graph.c). The
 * entry writes an 8-byte ENTRY event (delta << 2 | ENTRY, fid), pushes an
 * entry on graph.c's shadow stack (its layout, internal.h) and puts
 * dft_rec_graph_return in the return slot. Anything else goes to
 * dft_caller: shadow_room's cases, and those of the function tracer above.
 */
#define GFRAME 48 /* rax, rdx, rcx, rsi, rdi, r8 */

	.globl dft_rec_graph_direct
	.hidden dft_rec_graph_direct
	.type dft_rec_graph_direct, @function
	.p2align 4
dft_rec_graph_direct:
	.cfi_startproc
	entry_guard
	save rax, rdx, rcx, rsi, rdi, r8
	shadow_room GFRAME, dft_rec_graph_return, 8f
	shadow_ent %rdi, %rdi
	movq GFRAME(%rsp), %rcx
	subq $5, %rcx
	map_fid %rcx, %ecx, %rax, 8f
	now
	stream_reserve 8, %r11, %r8, 8f
	shll $DFT_EV_SHIFT, %edx	/* | DFT_EV_ENTRY, which is 0 */
	movl %edx, -8(%r8)
	movl %ecx, -4(%r8)
	stream_commit %r11
	shadow_push GFRAME
	movq dft_graph_direct+DFT_GDIRECT_DATA(%rip), %rcx
	movq $0, (%rdi,%rcx)
	shadow_hook GFRAME, dft_rec_graph_return
	entry_exits GFRAME, r8, rdi, rsi, rcx, rdx, rax
	.cfi_endproc
	.size dft_rec_graph_direct, .-dft_rec_graph_direct

/*
 * The return hook of the direct graph (dft_graph_set_hook): a traced
 * function returns here with its value in rax, rdx, xmm0 and xmm1, and the
 * stack pointer one word above where its return address was. The common
 * case (return_top, with data 0) writes a 4-byte EXIT event, pops the
 * entry and jumps to the real return address; everything else goes to
 * dft_arch_return_hook with the registers as they came. Only
 * call-clobbered registers that return no value are used, so nothing is
 * saved on the stack.
 */
	.globl dft_rec_graph_return
	.hidden dft_rec_graph_return
	.type dft_rec_graph_return, @function
	.p2align 4
dft_rec_graph_return:
	.cfi_startproc
	endbr64
	.cfi_undefined rip
	return_top 8f
	movq dft_graph_direct+DFT_GDIRECT_DATA(%rip), %r8
	cmpq $0, (%rdi,%r8)
	jne 8f
	seq_step
	movq %rax, %r9
	movq %rdx, %r10
	now
	stream_reserve 4, %r8, %rcx, 7f
	shll $DFT_EV_SHIFT, %edx
	orl $DFT_EV_EXIT_TYPE, %edx
	movl %edx, -4(%rcx)
	stream_commit %r8
	return_pop
	movq %r9, %rax
	movq %r10, %rdx
	return_jump

7:	movq %r9, %rax
	movq %r10, %rdx
	seq_step
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
	entry_guard
	save rax, rdx, rcx, rsi, rdi
	shadow_room PFRAME, dft_rec_prof_return, 8f
	cmpl $DFT_PROF_CHILD_MAX, %edi
	jae 8f
	movq dft_prof@gottpoff(%rip), %rax
	movq %fs:(%rax), %rcx
	testq %rcx, %rcx
	jz 8f
	movq $0, DFT_PROF_CHILD(%rcx,%rdi,8)
	shadow_ent %rdi, %rdi
	now
	movq dft_graph_direct+DFT_GDIRECT_DATA(%rip), %rcx
	movq %rax, (%rdi,%rcx)
	shadow_push PFRAME
	shadow_hook PFRAME, dft_rec_prof_return
	entry_exits PFRAME, rdi, rsi, rcx, rdx, rax
	.cfi_endproc
	.size dft_rec_prof_direct, .-dft_rec_prof_direct

/*
 * The profile's return hook. rax and rdx (the return value) wait in the red
 * zone below the stack pointer, which a signal frame leaves alone; xmm2 is
 * free at a return: it returns nothing, and no caller keeps a value in it
 * across a traced call (gcc turns its interprocedural register allocation,
 * -fipa-ra, off for functions with a patchable entry or -pg; clang has it
 * off by default). The sum of squares is a double in the profile format.
 */
.macro prof_depth_ok
	cmpl $DFT_PROF_CHILD_MAX, %ecx
	jae 8f
.endm

	.globl dft_rec_prof_return
	.hidden dft_rec_prof_return
	.type dft_rec_prof_return, @function
	.p2align 4
dft_rec_prof_return:
	.cfi_startproc
	endbr64
	.cfi_undefined rip
	return_top 8f, prof_depth_ok
	movq %rax, -16(%rsp)
	movq %rdx, -24(%rsp)
	movq DFT_SHENT_IP(%rdi), %r8
	map_fid %r8, %r8d, %rax, 7f
	movq dft_prof@gottpoff(%rip), %rax
	movq %fs:(%rax), %r9
	testq %r9, %r9
	jz 7f
	cmpl DFT_PROF_NR(%r9), %r8d
	jae 7f
	seq_step
	now
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
3:	return_pop
	movq -16(%rsp), %rax
	movq -24(%rsp), %rdx
	return_jump

6:	seq_step
7:	movq -16(%rsp), %rax
	movq -24(%rsp), %rdx
8:	jmp dft_arch_return_hook
	.cfi_endproc
	.size dft_rec_prof_return, .-dft_rec_prof_return

	.section .note.GNU-stack,"",@progbits
