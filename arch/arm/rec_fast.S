/* SPDX-License-Identifier: MIT */
/*
 * The recorder's direct trampolines on 32-bit ARM (docs/internals.md,
 * "Direct trampolines"): the function tracer's entry, and the entry and
 * return hook of the function_graph and of the profile tracers, as on
 * x86-64 and AArch64 (their rec_fast.S: the same steps, offsets and
 * slow-path rule).
 *
 * A32 code, reached as dft_caller is (trampoline.S): from an A32 site
 * `push {lr}; bl`, from a Thumb site `push {lr}; blx`, or through the
 * module's direct stub (insn.c, which clobbers ip only). On entry
 *
 *   lr    the return point into the traced function, bit 0 set for Thumb
 *   [sp]  the return address into its caller, pushed by the site
 *   sp    the function's entry sp minus 4 (so 4 mod 8)
 *
 * No counter is readable from user space (arch.h), so the timestamp is
 * CLOCK_MONOTONIC nanoseconds from the clock_gettime the C path calls
 * (dft_rec_clock_gettime, record/clock.c). That call may clobber what the
 * AAPCS lets it: r0-r3, ip, lr, the flags and d0-d7 (d16-d31 are not
 * arguments, so dead at a function entry; ip and the flags are dead there
 * too). So r0-r3 and d0-d7 are saved, with r4-r7 which we use across it.
 *
 * Anything unusual goes on to dft_caller with every register as it came:
 * a thread inside already (seq odd: the generic path decides, signal
 * contexts included) or not yet registered, a function outside the direct
 * map or with argument specs or graph flags (no id there), the clock
 * failing, a stream not open or full, a delta too long for an event, a
 * tail call from a hooked function, no shadow stack or a full one, a
 * longjmp to catch up with.
 *
 * The return hooks run with the return value in r0-r3 and d0-d3, sp the
 * function's entry sp (8-byte aligned); they save those, and r4-r8, around
 * the clock (d4-d7 carry nothing there: the profile's sum of squares uses
 * them). What they do not handle goes on to dft_arch_return_hook
 * (return.S), registers as they came. Entries and hooks are left by `bx`,
 * so A32 and Thumb functions and callers mix.
 *
 * The macros are the shared steps; label 9 of an entry goes to dft_caller
 * untouched, 8 after leaving the thread outside again (seq moves on, never
 * back); in the return hook, 9 and 7.
 */
#include "arch.h"
#include "internal.h"
#include "fast.h"

#if DFT_SHADOW_ENT_SIZE != 96
#error "shadow entries are indexed as 3 * 32 bytes"
#endif
#if DFT_THREAD_REGISTERED != DFT_THREAD_SEQ + 4 || DFT_STREAM_COMMITTED != DFT_STREAM_EV + 4 || \
	DFT_FID_MAP_SIZE != DFT_FID_MAP_LO + 4 || DFT_FID_MAP_ENT != DFT_FID_MAP_SIZE + 4 ||    \
	(DFT_STREAM_LAST & 7) || (DFT_STREAM_EVENTS & 7) || DFT_SHENT_SLOT != DFT_SHENT_SP + 4 ||  \
	DFT_GDIRECT_GEN != DFT_GDIRECT_USERS + 4 || DFT_GDIRECT_DATA != DFT_GDIRECT_GEN + 4
#error "fields loaded together are no longer adjacent, or 64-bit ones not aligned"
#endif

/* An entry's frame, from sp after its three pushes: the timespec, d0-d7,
 * r0-r7, the return point, and the site's pushed word; FRAME bytes up is
 * the function's entry sp. sp is 8-byte aligned for the call. */
#define TS 0
#define SAVED_D 8
#define SAVED_R0 (SAVED_D + 64)
#define RETPOINT (SAVED_R0 + 8 * 4)
#define PARENT (RETPOINT + 4)
#define FRAME (PARENT + 4)
/* A return hook's: the timespec, d0-d3, r0-r8 and lr (a free register,
 * and the alignment); RFRAME up, the sp. */
#define RFRAME (8 + 32 + 10 * 4)

	.syntax unified
	.arm
	.text

/* \reg = the address of this thread's \sym (initial-exec TLS, as the C of
 * the runtime), with the literal at \lit (lit_tls). Clobbers \tmp. */
.macro tls_addr reg, sym, tmp, lit
	ldr \tmp, \lit
\lit\()_pc:
	ldr \tmp, [pc, \tmp]
	mrc p15, 0, \reg, c13, c0, 3
	add \reg, \reg, \tmp
.endm

.macro lit_tls sym, lit
\lit:	.word \sym(gottpoff) + (. - \lit\()_pc - 8)
.endm

/* \reg = the address of the hidden \sym, pc-relative, with the literal
 * at \lit (lit_local). */
.macro local_addr reg, sym, lit
	ldr \reg, \lit
\lit\()_pc:
	add \reg, pc, \reg
.endm

.macro lit_local sym, lit
\lit:	.word \sym - (\lit\()_pc + 8)
.endm

/* An entry's first steps: its frame; then a thread already inside (seq
 * odd: the generic path decides) or not registered yet goes to the
 * generic path (9f); else it is marked inside. r7 = &dft_thread. */
.macro entry_guard p
	push {r0-r7, lr}
	vpush {d0-d7}
	sub sp, sp, #8
	tls_addr r7, dft_thread, r2, .L\p\()_thread
	ldrd r0, r1, [r7, #DFT_THREAD_SEQ]
	tst r0, #1
	bne 9f
	cmp r1, #0
	beq 9f
	add r0, r0, #1
	str r0, [r7, #DFT_THREAD_SEQ]
.endm

/* The thread outside again: seq moves on (nothing else changes it while
 * we are inside: a signal handler's calls leave it as it is). */
.macro seq_step tmp
	ldr \tmp, [r7, #DFT_THREAD_SEQ]
	add \tmp, \tmp, #1
	str \tmp, [r7, #DFT_THREAD_SEQ]
.endm

/* An entry's ends: back into the traced function with lr = the caller's
 * return address (the site's pushed word), or \hook if given; 8 the slow
 * path with seq stepped, 9 as it came. The literals of the guard and the
 * clock follow. */
.macro entry_exits p, hook
	seq_step r0
	add sp, sp, #8
	vpop {d0-d7}
	pop {r0-r7, ip}
.ifb \hook
	ldr lr, [sp], #4
.else
	add sp, sp, #4
	adr lr, \hook
.endif
	bx ip
8:	seq_step r0
9:	add sp, sp, #8
	vpop {d0-d7}
	pop {r0-r7, lr}
	b dft_caller
	.p2align 2
	lit_tls dft_thread, .L\p\()_thread
	lit_local dft_rec_clock_gettime, .L\p\()_gettime
.endm

/* \reg = the site: 8 bytes before the return point lr in A32, 6 in Thumb. */
.macro site reg
	bic \reg, lr, #1
	tst lr, #1
	subeq \reg, \reg, #8
	subne \reg, \reg, #6
.endm

/* \fid = the function id of the site in r0, from the direct map (word
 * (site - lo) / 4 holds fid + 1, 0 for the C path; Thumb sites are at 2
 * mod 4), or jump to \fail. Clobbers r0-r3. */
.macro map_fid p, fid, fail=8f
	local_addr r1, dft_fid_map, .L\p\()_map
	ldm r1, {r1, r2, r3}
	sub r0, r0, r1
	cmp r0, r2
	bhs \fail
	bic r0, r0, #3
	ldr \fid, [r3, r0]
	subs \fid, \fid, #1
	blo \fail
.endm

/* r3:r2 = CLOCK_MONOTONIC in nanoseconds as dft_mono_ns() makes them, from
 * the clock_gettime() it calls, with the timespec at sp; else \fail.
 * Clobbers what a call may (r0-r3, ip, lr, d0-d7, flags). */
.macro now p, fail
	local_addr r2, dft_rec_clock_gettime, .L\p\()_gettime
	ldr r2, [r2]
	mov r0, #1 /* CLOCK_MONOTONIC */
	mov r1, sp
	blx r2
	cmp r0, #0
	bne \fail
	ldm sp, {r0, r1}
	movw r2, #0xca00 /* 1000000000 */
	movt r2, #0x3b9a
	umull r2, r3, r0, r2
	adds r2, r2, r1
	adc r3, r3, #0
.endm

/*
 * Room for a \size-byte event at time r3:r2 in this thread's stream, as
 * dft_stream_event() and dft_stream_commit() make it: r0 = the delta, ip =
 * the new position, r2 = the event's end in the mapping and r3 = where the
 * committed count is (stream_commit); else \fail (a long delta needs a
 * TIME event, or the stream is full or not open: C's). The event is
 * counted already (a counter for the totals, not in the file). \s is the
 * register the stream's address goes into; clobbers r1.
 */
.macro stream_reserve p, size, s, fail
	tls_addr \s, dft_stream, r1, .L\p\()_stream
	ldrd r0, r1, [\s, #DFT_STREAM_LAST]
	subs r0, r2, r0
	sbcs r1, r3, r1
	bne \fail
	cmp r0, #DFT_DELTA_LIMIT
	bhs \fail
	ldr ip, [\s, #DFT_STREAM_POS]
	ldr r1, [\s, #DFT_STREAM_CAP]
	add ip, ip, #\size
	cmp ip, r1
	bhi \fail
	strd r2, r3, [\s, #DFT_STREAM_LAST]
	ldrd r2, r3, [\s, #DFT_STREAM_EVENTS]
	adds r2, r2, #1
	adc r3, r3, #0
	strd r2, r3, [\s, #DFT_STREAM_EVENTS]
	str ip, [\s, #DFT_STREAM_POS]
	ldrd r2, r3, [\s, #DFT_STREAM_EV]
	add r2, r2, ip
.endm

/* Publishes it as dft_stream_commit(): readers (even after a SIGKILL)
 * trust what committed covers, so a release store. Positions are 32-bit,
 * so the 64-bit count's high word is 0 for ever: the store of its low
 * word is the single-copy atomic store. */
.macro stream_commit
	dmb ish
	str ip, [r3]
.endm

/* r6 = the thread's shadow stack (r7 = &dft_thread), or jump to \fail:
 * none yet. */
.macro shadow_stack fail
	ldr r6, [r7, #DFT_THREAD_GRAPH]
	cmp r6, #0
	beq \fail
.endm

/* \dst = the shadow entry at index \idx of the stack at r6. */
.macro shadow_ent dst, idx
	add \dst, \idx, \idx, lsl #1
	add \dst, r6, \dst, lsl #5
	add \dst, \dst, #DFT_SHADOW_ENT
.endm

/* r6 = the shadow stack, r5 = its top, r3 = the entry there, or jump to
 * 8f: a tail call from a function hooked by \hook (its parent is found on
 * the generic path), no shadow stack yet or a full one, a longjmp to catch
 * up with. \extra further checks r5. */
.macro shadow_room hook, extra:vararg
	ldr r2, [sp, #PARENT]
	adr r0, \hook
	cmp r2, r0
	beq 8f
	shadow_stack 8f
	ldr r0, [r6, #DFT_SHADOW_RESYNC]
	cmp r0, #0
	bne 8f
	ldr r5, [r6, #DFT_SHADOW_TOP]
	ldr r0, [r6, #DFT_SHADOW_CAP]
	cmp r5, r0
	bhs 8f
	\extra
	shadow_ent r3, r5
.endm

/*
 * Fills the shadow entry at r3 as graph_entry() in core/graph.c does, with
 * the data word r1:r0: real = parent = the caller's return address, sp =
 * the entry sp, slot NULL (shadow_find_slots() finds it later, where the
 * function saves lr), ip = the site, and the generation and users bit of
 * dft_graph_direct (the generation we registered at: what the return
 * checks). Leaves r0 = the site. Clobbers r1, r2, ip, lr. Pushed later, by
 * storing top + 1.
 */
.macro shadow_fill p
	local_addr r2, dft_graph_direct, .L\p\()_direct
	ldr ip, [r2, #DFT_GDIRECT_DATA]
	strd r0, r1, [r3, ip]
	ldm r2, {r1, r2}
	str r2, [r3, #DFT_SHENT_GEN]
	str r1, [r3, #DFT_SHENT_USERS]
	ldr r0, [sp, #PARENT]
	str r0, [r3, #DFT_SHENT_REAL]
	str r0, [r3, #DFT_SHENT_PARENT]
	add r0, sp, #FRAME
	mov r1, #0
	strd r0, r1, [r3, #DFT_SHENT_SP]
	ldr lr, [sp, #RETPOINT]
	site r0
	str r0, [r3, #DFT_SHENT_IP]
.endm

/* A return hook's frame, and the same as it came for \fail. */
.macro hook_save
	push {r0-r8, lr}
	vpush {d0-d3}
	sub sp, sp, #8
.endm

.macro hook_restore
	add sp, sp, #8
	vpop {d0-d3}
	pop {r0-r8, lr}
.endm

/*
 * A return hook's checks: r7 = &dft_thread, r6 = the shadow stack, r5 =
 * the index of its top entry and r3 = that entry, which must be at this
 * sp, ours alone and pushed since we registered; its data word must be 0
 * if \zero is set; else jump to 9f. \extra further checks r5. Then the
 * thread is marked inside. Clobbers r0-r2, r4, ip.
 */
.macro return_top p, zero, extra:vararg
	tls_addr r7, dft_thread, r2, .L\p\()_thread
	ldr r4, [r7, #DFT_THREAD_SEQ]
	tst r4, #1
	bne 9f
	shadow_stack 9f
	ldr r5, [r6, #DFT_SHADOW_TOP]
	subs r5, r5, #1
	blo 9f
	\extra
	shadow_ent r3, r5
	ldr r0, [r3, #DFT_SHENT_SP]
	add r1, sp, #RFRAME
	cmp r0, r1
	bne 9f
	local_addr r0, dft_graph_direct, .L\p\()_direct
	ldm r0, {r0, r1, r2}
.if \zero
	add r2, r3, r2
	ldr ip, [r2]
	ldr r2, [r2, #4]
	orrs ip, ip, r2
	bne 9f
.endif
	ldr ip, [r3, #DFT_SHENT_USERS]
	cmp ip, r0
	bne 9f
	ldr ip, [r3, #DFT_SHENT_GEN]
	cmp ip, r1
	blo 9f
	add r4, r4, #1
	str r4, [r7, #DFT_THREAD_SEQ]
.endm

/* A return hook's ends: to the real return address in ip; 7 the slow path
 * after the clock, with seq stepped, 9 as it came. */
.macro hook_exits p
	seq_step r0
	hook_restore
	bx ip
7:	seq_step r0
9:	hook_restore
	b dft_arch_return_hook
	.p2align 2
	lit_tls dft_thread, .L\p\()_thread
	lit_local dft_graph_direct, .L\p\()_direct
	lit_local dft_rec_clock_gettime, .L\p\()_gettime
.endm

/*
 * The function tracer (record/trace_function.c): one 16-byte FUNC event
 * (delta << 2 | FUNC, fid, the 64-bit parent ip: the caller's lr as the
 * generic path passes it) in the thread's stream.
 */
	.globl dft_rec_function_direct
	.hidden dft_rec_function_direct
	.type dft_rec_function_direct, %function
	.p2align 2
dft_rec_function_direct:
	.fnstart
	.cantunwind
	entry_guard f
	site r0
	map_fid f, r6
	now f, 8f
	stream_reserve f, 16, r5, 8f
	lsl r0, r0, #DFT_EV_SHIFT
	orr r0, r0, #DFT_EV_FUNC_TYPE
	mov r1, r6
	ldr r5, [sp, #PARENT]
	mov r6, #0
	stmdb r2, {r0, r1, r5, r6}
	stream_commit
	entry_exits f
	lit_local dft_fid_map, .Lf_map
	lit_tls dft_stream, .Lf_stream
	.fnend
	.size dft_rec_function_direct, .-dft_rec_function_direct

/*
 * The function_graph tracer without options (record/trace_graph.c): an
 * 8-byte ENTRY event (delta << 2 | ENTRY, fid), a shadow entry of graph.c's
 * (as its graph_entry() fills it: the slot is found later, where the
 * function saves lr, by shadow_find_slots(); the generation is the one we
 * registered at, what the return checks), and dft_rec_graph_return in lr.
 * r6 = the shadow stack, r5 = its top; the entry is pushed last, by
 * storing top + 1 (an entry of a signal handler's calls is never pushed
 * while we are inside: the ops is not reentrant).
 */
	.globl dft_rec_graph_direct
	.hidden dft_rec_graph_direct
	.type dft_rec_graph_direct, %function
	.p2align 2
dft_rec_graph_direct:
	.fnstart
	.cantunwind
	entry_guard g
	shadow_room dft_rec_graph_return
	mov r0, #0
	mov r1, #0
	shadow_fill g
	map_fid g, r4
	now g, 8f
	stream_reserve g, 8, r5, 8f
	lsl r0, r0, #DFT_EV_SHIFT /* | DFT_EV_ENTRY, which is 0 */
	mov r1, r4
	stmdb r2, {r0, r1}
	stream_commit
	/* Pushed: what the entry says is ours from now on. */
	ldr r0, [r6, #DFT_SHADOW_TOP]
	add r0, r0, #1
	str r0, [r6, #DFT_SHADOW_TOP]
	entry_exits g, dft_rec_graph_return
	lit_local dft_graph_direct, .Lg_direct
	lit_local dft_fid_map, .Lg_map
	lit_tls dft_stream, .Lg_stream
	.fnend
	.size dft_rec_graph_direct, .-dft_rec_graph_direct

/*
 * Its return hook (dft_graph_set_hook): the common case (the top entry at
 * this sp, ours alone, pushed since we registered, data 0) writes a 4-byte
 * EXIT event, pops the entry and returns to the real return address, read
 * before the pop (from then on, a signal handler's calls may reuse the
 * entry). Reached by the function's `bx lr` or `pop {..., pc}`, in A32
 * state (bit 0 of the hook is clear); an unwinder never describes it
 * (graph.c gives it the real addresses first), as return.S.
 */
	.globl dft_rec_graph_return
	.hidden dft_rec_graph_return
	.type dft_rec_graph_return, %function
	.p2align 2
	.fnstart
	.cantunwind
	nop /* the word an unwinder looks up (return address - 1) is ours */
dft_rec_graph_return:
	hook_save
	return_top r, 1
	now r, 7f
	stream_reserve r, 4, lr, 7f
	lsl r0, r0, #DFT_EV_SHIFT
	orr r0, r0, #DFT_EV_EXIT_TYPE
	str r0, [r2, #-4]
	stream_commit
	shadow_ent r3, r5
	ldr ip, [r3, #DFT_SHENT_REAL]
	str r5, [r6, #DFT_SHADOW_TOP]
	hook_exits r
	lit_tls dft_stream, .Lr_stream
	.fnend
	.size dft_rec_graph_return, .-dft_rec_graph_return

/*
 * The profile tracer (record/trace_profile.c): the entry pushes a shadow
 * entry whose data is the entry time and clears the thread's child time at
 * that depth; the return adds the call to its function's record, in place
 * in the thread's profile file. The C path takes the rest: a thread with
 * no profile yet, a depth past the child array, a tail call, an id outside
 * the direct map or past the records mapped so far, a negative duration.
 */
.macro prof_depth_ok reg, fail=8f
	cmp \reg, #DFT_PROF_CHILD_MAX
	bhs \fail
.endm

	.globl dft_rec_prof_direct
	.hidden dft_rec_prof_direct
	.type dft_rec_prof_direct, %function
	.p2align 2
dft_rec_prof_direct:
	.fnstart
	.cantunwind
	entry_guard p
	shadow_room dft_rec_prof_return, prof_depth_ok r5
	tls_addr r4, dft_prof, r1, .Lp_prof
	ldr r4, [r4]
	cmp r4, #0
	beq 8f
	add r0, r4, r5, lsl #3
	mov r1, #0
	str r1, [r0, #DFT_PROF_CHILD]
	str r1, [r0, #DFT_PROF_CHILD + 4]
	now p, 8f
	mov r0, r2
	mov r1, r3
	shadow_ent r3, r5
	shadow_fill p
	add r5, r5, #1
	str r5, [r6, #DFT_SHADOW_TOP]
	entry_exits p, dft_rec_prof_return
	lit_local dft_graph_direct, .Lp_direct
	lit_tls dft_prof, .Lp_prof
	.fnend
	.size dft_rec_prof_direct, .-dft_rec_prof_direct

/* r4 = this thread's profile, r8 = the id, r3:r2 the duration, ip the
 * record, lr the real return address. */
	.globl dft_rec_prof_return
	.hidden dft_rec_prof_return
	.type dft_rec_prof_return, %function
	.p2align 2
	.fnstart
	.cantunwind
	nop /* the word an unwinder looks up (return address - 1) is ours */
dft_rec_prof_return:
	hook_save
	return_top q, 0, prof_depth_ok r5, 9f
	tls_addr r4, dft_prof, r1, .Lq_prof
	ldr r4, [r4]
	cmp r4, #0
	beq 7f
	ldr r0, [r3, #DFT_SHENT_IP]
	map_fid q, r8, 7f
	ldr r0, [r4, #DFT_PROF_NR]
	cmp r8, r0
	bhs 7f
	now q, 7f
	shadow_ent r1, r5
	ldr lr, [r1, #DFT_SHENT_REAL]
	local_addr r0, dft_graph_direct, .Lq_direct2
	ldr r0, [r0, #DFT_GDIRECT_DATA]
	add r0, r1, r0
	ldrd r0, r1, [r0]
	subs r2, r2, r0 /* the duration */
	sbcs r3, r3, r1
	bmi 7f
	/* Popped. */
	str r5, [r6, #DFT_SHADOW_TOP]
	ldr ip, [r4, #DFT_PROF_REC]
	add r8, r8, r8, lsl #1
	add ip, ip, r8, lsl #4 /* the record: 48 bytes */
	ldrd r0, r1, [ip, #DFT_PREC_HITS]
	adds r0, r0, #1
	adc r1, r1, #0
	strd r0, r1, [ip, #DFT_PREC_HITS]
	ldrd r0, r1, [ip, #DFT_PREC_TOTAL]
	adds r0, r0, r2
	adc r1, r1, r3
	strd r0, r1, [ip, #DFT_PREC_TOTAL]
	/* Self time: the duration less its children's, which go to the
	 * caller's children. */
	add r6, r4, r5, lsl #3
	ldrd r0, r1, [r6, #DFT_PROF_CHILD]
	subs r0, r2, r0
	sbcs r1, r3, r1
	bcc 1f
	orrs r8, r0, r1
	beq 1f
	ldr r8, [ip, #DFT_PREC_SELF]
	adds r8, r8, r0
	str r8, [ip, #DFT_PREC_SELF]
	ldr r8, [ip, #DFT_PREC_SELF + 4]
	adc r8, r8, r1
	str r8, [ip, #DFT_PREC_SELF + 4]
1:	cmp r5, #0
	beq 2f
	ldrd r0, r1, [r6, #DFT_PROF_CHILD - 8]
	adds r0, r0, r2
	adc r1, r1, r3
	strd r0, r1, [r6, #DFT_PROF_CHILD - 8]
	/* (double)duration as C converts it (hi * 2^32 + lo: both exact,
	 * one rounding), in nanoseconds, squared, added up. */
2:	vmov s14, r2
	vcvt.f64.u32 d4, s14
	vmov s14, r3
	vcvt.f64.u32 d5, s14
	vldr d6, .Lq_2p32
	vmul.f64 d5, d5, d6
	vadd.f64 d4, d4, d5
	local_addr r0, dft_prof_ns_per_tick, .Lq_nspt
	vldr d5, [r0]
	vmul.f64 d4, d4, d5
	vmul.f64 d4, d4, d4
	vldr d5, [ip, #DFT_PREC_SUM_SQ]
	vadd.f64 d5, d5, d4
	vstr d5, [ip, #DFT_PREC_SUM_SQ]
	ldrd r0, r1, [ip, #DFT_PREC_MAX]
	subs r0, r0, r2
	sbcs r1, r1, r3
	bcs 3f
	strd r2, r3, [ip, #DFT_PREC_MAX]
3:	mov ip, lr
	hook_exits q
	lit_tls dft_prof, .Lq_prof
	lit_local dft_fid_map, .Lq_map
	lit_local dft_graph_direct, .Lq_direct2
	lit_local dft_prof_ns_per_tick, .Lq_nspt
	.p2align 3
.Lq_2p32:
	.double 4294967296.0
	.fnend
	.size dft_rec_prof_return, .-dft_rec_prof_return

	.section .note.GNU-stack, "", %progbits
