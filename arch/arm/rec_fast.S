/* SPDX-License-Identifier: MIT */
/*
 * The recorder's direct trampolines on 32-bit ARM (docs/internals.md,
 * "Direct trampolines"): the function tracer's entry, as on x86-64 and
 * AArch64 (their rec_fast.S: the same steps and slow-path rule). The
 * function_graph and profile tracers keep the generic path here
 * (DFT_DIRECT_FUNCTION_ONLY in arch.h).
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
 * map or with argument specs (no id there), the clock failing, a stream not
 * open or full, a delta too long for an event.
 */
#include "arch.h"
#include "internal.h"
#include "fast.h"

#if DFT_THREAD_REGISTERED != DFT_THREAD_SEQ + 4 || DFT_STREAM_COMMITTED != DFT_STREAM_EV + 4 || \
	DFT_FID_MAP_SIZE != DFT_FID_MAP_LO + 4 || DFT_FID_MAP_ENT != DFT_FID_MAP_SIZE + 4 ||    \
	(DFT_STREAM_LAST & 7) || (DFT_STREAM_EVENTS & 7)
#error "fields loaded together are no longer adjacent, or 64-bit ones not aligned"
#endif

/* The frame, from sp after the entry's three pushes: the timespec, d0-d7,
 * r0-r7, the return point, and the site's pushed word (FRAME - 4 + 4
 * bytes up, the entry sp). sp is 8-byte aligned for the call. */
#define TS 0
#define SAVED_D 8
#define SAVED_R0 (SAVED_D + 64)
#define PARENT (SAVED_R0 + 9 * 4)

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
	push {r0-r7, lr}
	vpush {d0-d7}
	sub sp, sp, #8
	/* The guard: r7 = &dft_thread, r4 = the seq we make odd (inside). */
	tls_addr r7, dft_thread, r2, .Lthread
	ldrd r0, r1, [r7, #DFT_THREAD_SEQ]
	tst r0, #1
	bne 9f
	cmp r1, #0
	beq 9f
	add r4, r0, #1
	str r4, [r7, #DFT_THREAD_SEQ]
	/* r6 = the function id from the direct map, by the site: 8 bytes
	 * before the return point in A32, 6 in Thumb. Word (site - lo) / 4
	 * holds fid + 1, 0 for the C path. */
	bic r0, lr, #1
	tst lr, #1
	subeq r0, r0, #8
	subne r0, r0, #6
	local_addr r1, dft_fid_map, .Lmap
	ldm r1, {r1, r2, r3}
	sub r0, r0, r1
	cmp r0, r2
	bhs 8f
	bic r0, r0, #3
	ldr r6, [r3, r0]
	subs r6, r6, #1
	blo 8f
	/* The time: clock_gettime(CLOCK_MONOTONIC, sp), in nanoseconds as
	 * dft_mono_ns() makes them, in r3:r2. */
	local_addr r2, dft_rec_clock_gettime, .Lgettime
	ldr r2, [r2]
	mov r0, #1 /* CLOCK_MONOTONIC */
	mov r1, sp
	blx r2
	cmp r0, #0
	bne 8f
	ldm sp, {r0, r1}
	movw r2, #0xca00 /* 1000000000 */
	movt r2, #0x3b9a
	umull r2, r3, r0, r2
	adds r2, r2, r1
	adc r3, r3, #0
	/* Room for the event, as dft_stream_event() makes it: r0 = the
	 * delta, ip = the new position; else C's (a long delta needs a TIME
	 * event; a stream full or not open). */
	tls_addr r5, dft_stream, r1, .Lstream
	ldrd r0, r1, [r5, #DFT_STREAM_LAST]
	subs r0, r2, r0
	sbcs r1, r3, r1
	bne 8f
	cmp r0, #DFT_DELTA_LIMIT
	bhs 8f
	ldr ip, [r5, #DFT_STREAM_POS]
	ldr lr, [r5, #DFT_STREAM_CAP]
	add ip, ip, #16
	cmp ip, lr
	bhi 8f
	strd r2, r3, [r5, #DFT_STREAM_LAST]
	ldrd r2, r3, [r5, #DFT_STREAM_EVENTS]
	adds r2, r2, #1
	adc r3, r3, #0
	strd r2, r3, [r5, #DFT_STREAM_EVENTS]
	str ip, [r5, #DFT_STREAM_POS]
	/* The event, at the new position minus 16. */
	ldrd r2, r3, [r5, #DFT_STREAM_EV]
	add r2, r2, ip
	lsl r0, r0, #DFT_EV_SHIFT
	orr r0, r0, #DFT_EV_FUNC_TYPE
	mov r1, r6
	ldr r5, [sp, #PARENT]
	mov r6, #0
	stmdb r2, {r0, r1, r5, r6}
	/* Publishes it as dft_stream_commit(): readers (even after a
	 * SIGKILL) trust what committed covers, so a release store. pos is
	 * 32-bit, so the 64-bit count's high word is 0 for ever: storing the
	 * low word alone is the single-copy atomic store. */
	dmb ish
	str ip, [r3]
	/* Outside again, back into the function with the caller's lr. */
	add r4, r4, #1
	str r4, [r7, #DFT_THREAD_SEQ]
	add sp, sp, #8
	vpop {d0-d7}
	pop {r0-r7, ip}
	ldr lr, [sp], #4
	bx ip
	/* The slow path: outside again (seq moves on, never back), then
	 * dft_caller with every register as it came. */
8:	add r4, r4, #1
	str r4, [r7, #DFT_THREAD_SEQ]
9:	add sp, sp, #8
	vpop {d0-d7}
	pop {r0-r7, lr}
	b dft_caller
	.p2align 2
	lit_tls dft_thread, .Lthread
	lit_local dft_fid_map, .Lmap
	lit_local dft_rec_clock_gettime, .Lgettime
	lit_tls dft_stream, .Lstream
	.fnend
	.size dft_rec_function_direct, .-dft_rec_function_direct

	.section .note.GNU-stack, "", %progbits
