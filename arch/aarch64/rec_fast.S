/* SPDX-License-Identifier: MIT */
/*
 * The recorder's direct trampolines on AArch64 (docs/internals.md, "Direct
 * trampolines"): the function tracer's entry, and the entry and return hook
 * of the function_graph and of the profile tracers, as on x86-64
 * (arch/x86_64/rec_fast.S: the same steps, offsets and slow-path rule).
 *
 * An entry site `mov x9, x30; bl` calls an entry here (directly, or through
 * the module's direct stub, insn.c: hence `bti c`), so on entry
 *
 *   x9   the return address into the caller
 *   x30  the return point into the traced function (site + 8)
 *   sp   the function's entry sp
 *
 * Only x9-x17 are used, which dft_caller clobbers as well: they carry
 * nothing into a function, nor out of it, and no caller keeps a value in
 * them across a traced call (gcc turns -fipa-ra off for functions with a
 * patchable entry, clang has it off). Nothing is saved on the stack.
 * Anything unusual goes on to dft_caller with every register it reads as
 * it came (x0-x9, x18, x29, x30, sp, q0-q7): a thread inside already (seq
 * odd: the generic path decides) or not yet registered, a stream not open
 * or full, a delta too long for an event, a function outside the direct
 * map or with argument specs or graph flags, a tail call from a hooked
 * function, no shadow stack or a full one, a longjmp to catch up with.
 *
 * The return hooks run with the return value in x0-x8 and q0-q3 and also
 * use x9-x17 only (and d16-d17, for the profile's sum of squares); what
 * they do not handle goes on to dft_arch_return_hook, registers as they
 * came. They are reached by `ret` only (BTI does not check it) and leave
 * by `ret`, as return.S does.
 *
 * The macros are the shared steps; label 9 of an entry goes to dft_caller
 * untouched, 8 after leaving the thread outside again (seq moves on, never
 * back).
 */
#include "arch.h"
#include "internal.h"
#include "fast.h"

#if DFT_SHADOW_ENT_SIZE != 128
#error "the shadow entries are indexed with a shift by 7"
#endif
#define SHENT_SHIFT 7
/* Pairs loaded or stored with one ldp/stp. */
#if DFT_THREAD_REGISTERED != DFT_THREAD_SEQ + 8 || DFT_STREAM_EVENTS != DFT_STREAM_LAST + 8 || \
	DFT_STREAM_COMMITTED != DFT_STREAM_EV + 8 || DFT_STREAM_CAP != DFT_STREAM_POS + 8 || \
	DFT_SHENT_USERS != DFT_SHENT_GEN + 8 || DFT_GDIRECT_GEN != DFT_GDIRECT_USERS + 8 || \
	DFT_SHENT_SLOT != DFT_SHENT_SP + 8 || DFT_SHENT_DATA != DFT_SHENT_USERS + 8
#error "a pair of fields is no longer adjacent"
#endif

/* x16 = &dft_thread, x17 = the thread pointer. */
.macro thread_ptr
	mrs x17, tpidr_el0
	adrp x16, :gottprel:dft_thread
	ldr x16, [x16, #:gottprel_lo12:dft_thread]
	add x16, x16, x17
.endm

/* x\dst = the address of this thread's \sym (initial-exec, as the C of the
 * runtime), from the thread pointer in x17. Clobbers x\tmp. */
.macro tls_addr dst, sym, tmp
	adrp x\tmp, :gottprel:\sym
	ldr x\tmp, [x\tmp, #:gottprel_lo12:\sym]
	add x\dst, x17, x\tmp
.endm

/* x\dst = the value of this thread's pointer \sym. Clobbers x\tmp. */
.macro tls_load dst, sym, tmp
	adrp x\tmp, :gottprel:\sym
	ldr x\tmp, [x\tmp, #:gottprel_lo12:\sym]
	ldr x\dst, [x17, x\tmp]
.endm

/* Marks the thread outside again (or inside, in a return hook), where no
 * register keeps its seq. */
.macro seq_step tmp
	ldr \tmp, [x16, #DFT_THREAD_SEQ]
	add \tmp, \tmp, #1
	str \tmp, [x16, #DFT_THREAD_SEQ]
.endm

/* An entry's first steps: a thread already inside (seq odd: the generic
 * path decides), or not registered yet, goes to the generic path with
 * nothing touched (9f); else it is marked inside, and x\seq keeps the
 * odd value where the entry has a register to spare (its exit then
 * stores the next one, as dft_entry() does). (The word after
 * `registered` is padding: only its low half is tested.) */
.macro entry_guard seq=10
	hint 34 /* bti c: the stubs reach us with br x16 */
	thread_ptr
	ldp x\seq, x11, [x16, #DFT_THREAD_SEQ]
	tbnz x\seq, #0, 9f
	cbz w11, 9f
	add x\seq, x\seq, #1
	str x\seq, [x16, #DFT_THREAD_SEQ]
.endm

/* The thread outside again: from x\seq if kept, else reloaded. */
.macro entry_leave seq
.ifb \seq
	seq_step x10
.else
	add x\seq, x\seq, #1
	str x\seq, [x16, #DFT_THREAD_SEQ]
.endif
.endm

/* An entry's ends: back into the traced function with \ret in x30 (the
 * caller's return address, or a return hook); 8 the slow path. */
.macro entry_exits seq, ret:vararg
	entry_leave \seq
	mov x10, x30
	\ret
	ret x10
8:	entry_leave \seq
9:	b dft_caller
.endm

/* x\reg = the generic timer's count, as dft_arch_ticks() reads it. */
.macro now reg
	isb
	mrs x\reg, cntvct_el0
.endm

/*
 * w\fid = the function id of the site at x\ip, from the direct map (word
 * (site - lo) / 4 holds fid + 1, 0 for the C path), or jump to \fail.
 * Sites are 4-byte aligned, so site - lo is the word's byte offset.
 * Clobbers x\ip and x\t1 (and x\t2 if given: one instruction fewer).
 */
.macro map_fid ip, fid, t1, fail, t2
	adrp x\t1, dft_fid_map
	add x\t1, x\t1, #:lo12:dft_fid_map
.ifb \t2
	ldr x\fid, [x\t1, #DFT_FID_MAP_LO]
	sub x\ip, x\ip, x\fid
	ldr x\fid, [x\t1, #DFT_FID_MAP_SIZE]
.else
	ldp x\t2, x\fid, [x\t1, #DFT_FID_MAP_LO]
	sub x\ip, x\ip, x\t2
.endif
	cmp x\ip, x\fid
	b.hs \fail
	ldr x\t1, [x\t1, #DFT_FID_MAP_ENT]
	ldr w\fid, [x\t1, x\ip]
	subs w\fid, w\fid, #1
	b.lo \fail
.endm

/*
 * Room for a \size-byte event at time x\now in the stream at x\s, as
 * dft_stream_event() and dft_stream_commit() would make it: w\d = the
 * delta since the last event, x\pos = the new position, x\end = the
 * event's end in the mapping and x\now = where the committed count goes
 * (stream_commit); else jump to \fail (a long delta needs a TIME event,
 * or the stream is full or not open: C's). The event is counted here
 * already (a counter for the totals, not in the file).
 */
.macro stream_reserve size, now, s, d, pos, end, fail
	ldr x\d, [x\s, #DFT_STREAM_LAST]
	sub x\d, x\now, x\d
	tst x\d, #-DFT_DELTA_LIMIT
	b.ne \fail
	ldp x\pos, x\end, [x\s, #DFT_STREAM_POS]
	add x\pos, x\pos, #\size
	cmp x\pos, x\end
	b.hi \fail
	ldr x\end, [x\s, #DFT_STREAM_EVENTS]
	add x\end, x\end, #1
	stp x\now, x\end, [x\s, #DFT_STREAM_LAST]
	str x\pos, [x\s, #DFT_STREAM_POS]
	ldp x\end, x\now, [x\s, #DFT_STREAM_EV]
	add x\end, x\end, x\pos
.endm

/* Publishes the new position. Readers (even after a SIGKILL) trust what
 * committed covers: a store-release, so the event is visible before it. */
.macro stream_commit committed, pos
	stlr x\pos, [x\committed]
.endm

/* x11 = the shadow stack, w12 = its top, x13 = the entry there, or jump to
 * 8f: a tail call from a function hooked by \hook (its parent is found on
 * the generic path), no shadow stack yet or a full one, a longjmp to catch
 * up with. \extra further checks w12. Clobbers x10. */
.macro shadow_room hook, extra:vararg
	adr x10, \hook
	cmp x9, x10
	b.eq 8f
	ldr x11, [x16, #DFT_THREAD_GRAPH]
	cbz x11, 8f
	ldr w10, [x11, #DFT_SHADOW_RESYNC]
	cbnz w10, 8f
	ldp w12, w10, [x11, #DFT_SHADOW_TOP]
	cmp w12, w10
	b.hs 8f
	\extra
	add x13, x11, #DFT_SHADOW_ENT
	add x13, x13, x12, lsl #SHENT_SHIFT
.endm

/*
 * Fills the shadow entry at x13 as graph_entry() in core/graph.c does, with
 * our data word x\data; x10 = the site. The slot is found later, by
 * shadow_find_slots(), where the function saves x30. The generation is the
 * one we registered at (what the return checks; no other user has a bit
 * in it). Clobbers x14, x15. Pushed later, by storing top + 1.
 */
.macro shadow_fill data
	stp x9, x9, [x13, #DFT_SHENT_REAL]
	mov x14, sp
	stp x14, xzr, [x13, #DFT_SHENT_SP]
	sub x10, x30, #8
	str x10, [x13, #DFT_SHENT_IP]
	adrp x14, dft_graph_direct
	add x14, x14, #:lo12:dft_graph_direct
	ldr x15, [x14, #DFT_GDIRECT_DATA]
	str \data, [x13, x15]
	ldp x15, x14, [x14, #DFT_GDIRECT_USERS]
	stp x14, x15, [x13, #DFT_SHENT_GEN]
.endm

/* The entry's slow path after x9 was reused: back from the entry at top. */
.macro restore_x9
7:	add x10, x11, #DFT_SHADOW_ENT
	add x10, x10, x12, lsl #SHENT_SHIFT
	ldr x9, [x10, #DFT_SHENT_REAL]
	b 8b
.endm

/*
 * A return hook's checks: x10 = seq, x11 = the shadow stack, w12 = the
 * index of its top entry and x13 = that entry, which must be at this sp,
 * ours alone and pushed since we registered (no graph flags); x14 = our
 * data word in it, which must be 0 if \tmp is 14; else jump to 8f.
 * \extra further checks w12. Clobbers x9, x15 and x\tmp.
 */
.macro return_top tmp, extra:vararg
	thread_ptr
	ldr x10, [x16, #DFT_THREAD_SEQ]
	tbnz x10, #0, 8f
	ldr x11, [x16, #DFT_THREAD_GRAPH]
	cbz x11, 8f
	ldr w12, [x11, #DFT_SHADOW_TOP]
	subs w12, w12, #1
	b.lo 8f
	\extra
	add x13, x11, #DFT_SHADOW_ENT
	add x13, x13, x12, lsl #SHENT_SHIFT
	ldr x14, [x13, #DFT_SHENT_SP]
	cmp sp, x14
	b.ne 8f
	adrp x14, dft_graph_direct
	add x14, x14, #:lo12:dft_graph_direct
	ldp x15, x9, [x14, #DFT_GDIRECT_USERS]
	ldr x14, [x14, #DFT_GDIRECT_DATA]
	ldr x14, [x13, x14]
.ifc \tmp, 14
	cbnz x14, 8f
.endif
	ldr w\tmp, [x13, #DFT_SHENT_USERS]
	cmp w\tmp, w15
	b.ne 8f
	ldr x\tmp, [x13, #DFT_SHENT_GEN]
	cmp x\tmp, x9
	b.lo 8f
.endm

/* A return hook's head: before it the unwind range covers the word an
 * unwinder looks up (return address - 1), and x30 is no return address
 * (return.S). */
.macro hook_start name
	.globl \name
	.hidden \name
	.type \name, %function
	.p2align 4
	.cfi_startproc
	.cfi_undefined x30
	nop
\name:
.endm

.macro entry_start name
	.globl \name
	.hidden \name
	.type \name, %function
	.p2align 4
\name:
	.cfi_startproc
	/* Our return point is the traced function's entry, whose own return
	 * address is in x9: DWARF cannot say so, unwinding stops here. */
	.cfi_undefined x30
.endm

.macro func_end name
	.cfi_endproc
	.size \name, .-\name
.endm

	.text

/*
 * The function tracer (record/trace_function.c): one 16-byte FUNC event
 * (delta << 2 | FUNC, fid, parent ip) in the thread's stream.
 */
entry_start dft_rec_function_direct
	entry_guard 15
	sub x12, x30, #8
	map_fid 12, 13, 10, 8f, 11
	now 14
	tls_addr 17, dft_stream, 12
	stream_reserve 16, 14, 17, 10, 11, 12, 8f
	lsl w10, w10, #DFT_EV_SHIFT
	orr w10, w10, #DFT_EV_FUNC_TYPE
	stp w10, w13, [x12, #-16]
	str x9, [x12, #-8]
	stream_commit 14, 11
	entry_exits 15, mov x30, x9
func_end dft_rec_function_direct

/*
 * The function_graph tracer without options (record/trace_graph.c): an
 * 8-byte ENTRY event (delta << 2 | ENTRY, fid), a shadow entry of graph.c's
 * and dft_rec_graph_return in x30, which the function saves as its return
 * address. x9 is in the entry once filled, and holds the id from then on.
 */
entry_start dft_rec_graph_direct
	entry_guard
	shadow_room dft_rec_graph_return
	shadow_fill xzr
	map_fid 10, 9, 13, 7f, 14
	now 15
	tls_addr 17, dft_stream, 14
	stream_reserve 8, 15, 17, 10, 14, 13, 7f
	lsl w10, w10, #DFT_EV_SHIFT	/* | DFT_EV_ENTRY, which is 0 */
	stp w10, w9, [x13, #-8]
	stream_commit 15, 14
	/* Pushed: what the entry says is ours from now on. */
	add w12, w12, #1
	str w12, [x11, #DFT_SHADOW_TOP]
	entry_exits , adr x30, dft_rec_graph_return
	restore_x9
func_end dft_rec_graph_direct

/*
 * Its return hook (dft_graph_set_hook): the common case (return_top, with
 * data 0) writes a 4-byte EXIT event, pops the entry and returns to the
 * real return address, read before the pop (from then on, a signal
 * handler's calls may reuse the entry).
 */
hook_start dft_rec_graph_return
	return_top 14
	add x10, x10, #1
	str x10, [x16, #DFT_THREAD_SEQ]
	now 14
	tls_addr 17, dft_stream, 15
	stream_reserve 4, 14, 17, 9, 10, 15, 7f
	lsl w9, w9, #DFT_EV_SHIFT
	orr w9, w9, #DFT_EV_EXIT_TYPE
	str w9, [x15, #-4]
	stream_commit 14, 10
	ldr x9, [x13, #DFT_SHENT_REAL]
	str w12, [x11, #DFT_SHADOW_TOP]
	seq_step x10
	ret x9

7:	seq_step x10
8:	b dft_arch_return_hook
func_end dft_rec_graph_return

/*
 * The profile tracer (record/trace_profile.c): the entry pushes a shadow
 * entry whose data is the entry time and clears the thread's child time at
 * that depth; the return adds the call to its function's record, in place
 * in the thread's profile file. The C path takes the rest: a thread with
 * no profile yet, a depth past the child array, a tail call, an id outside
 * the direct map or past the records mapped so far, a negative duration.
 */
.macro prof_depth_ok
	cmp w12, #DFT_PROF_CHILD_MAX
	b.hs 8f
.endm

entry_start dft_rec_prof_direct
	entry_guard
	shadow_room dft_rec_prof_return, prof_depth_ok
	tls_load 10, dft_prof, 14
	cbz x10, 8f
	add x10, x10, #DFT_PROF_CHILD
	str xzr, [x10, x12, lsl #3]
	now 17
	shadow_fill x17
	add w12, w12, #1
	str w12, [x11, #DFT_SHADOW_TOP]
	entry_exits , adr x30, dft_rec_prof_return
func_end dft_rec_prof_direct

/* x14 = the entry time, x17 = this thread's profile, w9 = the id. */
hook_start dft_rec_prof_return
	return_top 10, prof_depth_ok
	tls_load 17, dft_prof, 15
	cbz x17, 8f
	ldr x15, [x13, #DFT_SHENT_IP]
	map_fid 15, 9, 10, 8f
	ldr w10, [x17, #DFT_PROF_NR]
	cmp w9, w10
	b.hs 8f
	seq_step x10
	now 10
	subs x14, x10, x14	/* the duration */
	b.mi 6f
	/* Popped: x13 = the real return address. */
	ldr x13, [x13, #DFT_SHENT_REAL]
	str w12, [x11, #DFT_SHADOW_TOP]
	ldr x10, [x17, #DFT_PROF_REC]
	add x9, x9, x9, lsl #1
	add x10, x10, x9, lsl #4	/* the record: 48 bytes */
	ldp x9, x11, [x10, #DFT_PREC_HITS]
	add x9, x9, #1
	add x11, x11, x14
	stp x9, x11, [x10, #DFT_PREC_HITS]
	/* Self time: the duration less its children's, which go to the
	 * caller's children. */
	add x15, x17, x12, lsl #3
	ldr x9, [x15, #DFT_PROF_CHILD]
	subs x9, x14, x9
	b.ls 1f
	ldr x11, [x10, #DFT_PREC_SELF]
	add x11, x11, x9
	str x11, [x10, #DFT_PREC_SELF]
1:	cbz w12, 2f
	ldr x9, [x15, #DFT_PROF_CHILD - 8]
	add x9, x9, x14
	str x9, [x15, #DFT_PROF_CHILD - 8]
2:	ucvtf d16, x14
	adrp x9, dft_prof_ns_per_tick
	ldr d17, [x9, #:lo12:dft_prof_ns_per_tick]
	fmul d16, d16, d17
	fmul d16, d16, d16
	ldr d17, [x10, #DFT_PREC_SUM_SQ]
	fadd d17, d17, d16
	str d17, [x10, #DFT_PREC_SUM_SQ]
	ldr x9, [x10, #DFT_PREC_MAX]
	cmp x14, x9
	b.ls 3f
	str x14, [x10, #DFT_PREC_MAX]
3:	seq_step x10
	ret x13

6:	seq_step x10
8:	b dft_arch_return_hook
func_end dft_rec_prof_return

	.section .note.GNU-stack, "", %progbits
