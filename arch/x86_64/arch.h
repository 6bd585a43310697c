/* SPDX-License-Identifier: MIT */
/*
 * x86-64: the architecture contract (see lib/internal.h).
 *
 * Sites are entry sites only: gcc/clang -fpatchable-function-entry=5 (five
 * 1-byte NOPs from gcc, one 5-byte NOP from clang) and gcc -pg -mfentry
 * -mrecord-mcount (a 5-byte call, a 6-byte call through the GOT in PIE, or
 * the 5-byte NOP of -mnop-mcount), possibly after an endbr64.
 */
#ifndef DFT_ARCH_H
#define DFT_ARCH_H

#ifndef __ASSEMBLER__
#include <cpuid.h>
#include <stdint.h>
#include <ucontext.h>
#endif

#define DFT_ARCH "x86_64"
#define DFT_SITE_MAX 8
#define DFT_INSN_ALIGN 1
#define DFT_NR_ARG_REGS 6
#define DFT_NR_FPARG_REGS 8

/* dft_arch_ret_slot() is the return address on the stack itself, valid for
 * as long as the frame: the graph may restore it for an unwinder. */
#define HAVE_DFT_STACK_RET_SLOT 1

/* Sites are patched with int3 while other threads run (poke.c here): the
 * trap handler must stay installed, chained with the program's own. */
/* Downgrading a page's protection shoots its TLB entries down on the
 * other CPUs by IPI: a serialising barrier on every running thread when
 * membarrier(2) is missing (core/thread.c). */
#define HAVE_DFT_SHOOTDOWN_IPI 1

#define HAVE_DFT_TRAP_PATCHING 1

/* Library calls (core/plt.c): 16-byte stubs, pltstub.c here. */
#define HAVE_DFT_LIBCALL 1
#define DFT_PLT_STUB_SIZE 16
/* Sites may call an ops' own trampoline (dft_set_direct). */
#define HAVE_DFT_DIRECT 1
#define DFT_TRAP_SIGNAL SIGTRAP
/* The pc a signal interrupted (ctx: a ucontext_t, from <ucontext.h>). */
#define dft_arch_ctx_pc(ctx) ((unsigned long)((ucontext_t *)(ctx))->uc_mcontext.gregs[REG_RIP])

#ifndef __ASSEMBLER__

/*
 * The frame both trampolines build. The first 21 slots are the kernel's
 * x86-64 pt_regs, in the order of struct user_regs_struct; the argument
 * vector registers follow. The caller trampoline fills only rdi, rsi, rdx,
 * rcx, r8, r9, r10, rax, rbp, rbx, rip, rsp and xmm0-7.
 *
 * xmm holds the low 128 bits of xmm0-7, what the fp accessors read and
 * write, and what the trampoline puts back after the callbacks. Where AVX
 * is enabled, the whole vector state (the upper halves of ymm/zmm, zmm16-31,
 * k0-7) is also saved in an XSAVE area below this struct (entry.S), and
 * the xmm slots go back into it before it is restored.
 */
struct dft_regs {
	unsigned long r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	unsigned long rax, rcx, rdx, rsi, rdi, orig_rax;
	unsigned long rip; /* the return point into the traced function */
	unsigned long cs, eflags;
	unsigned long rsp; /* at the site: points at the return address */
	unsigned long ss;
	unsigned long xstate; /* entry.S: how it saved the vector state */
	double xmm[8][2];  /* xmm0-7 (only the low lane is a double argument) */
};


static inline unsigned long dft_arch_get_arg(const struct dft_regs *r, unsigned int n)
{
	switch (n) {
	case 0: return r->rdi;
	case 1: return r->rsi;
	case 2: return r->rdx;
	case 3: return r->rcx;
	case 4: return r->r8;
	case 5: return r->r9;
	}
	/* Stack arguments start above the return address. */
	return ((const unsigned long *)r->rsp)[1 + n - DFT_NR_ARG_REGS];
}

static inline void dft_arch_set_arg(struct dft_regs *r, unsigned int n, unsigned long v)
{
	switch (n) {
	case 0: r->rdi = v; return;
	case 1: r->rsi = v; return;
	case 2: r->rdx = v; return;
	case 3: r->rcx = v; return;
	case 4: r->r8 = v; return;
	case 5: r->r9 = v; return;
	}
	((unsigned long *)r->rsp)[1 + n - DFT_NR_ARG_REGS] = v;
}

static inline double dft_arch_get_fparg(const struct dft_regs *r, unsigned int n)
{
	return n < DFT_NR_FPARG_REGS ? r->xmm[n][0] : 0.0;
}

static inline void dft_arch_set_fparg(struct dft_regs *r, unsigned int n, double v)
{
	if (n < DFT_NR_FPARG_REGS)
		r->xmm[n][0] = v;
}

static inline unsigned long dft_arch_get_retval(const struct dft_regs *r)
{
	return r->rax;
}

/* The return hook restores it from the frame: graph return callbacks. */
static inline void dft_arch_set_retval(struct dft_regs *r, unsigned long v)
{
	r->rax = v;
}

static inline double dft_arch_get_fpretval(const struct dft_regs *r)
{
	return r->xmm[0][0];
}

static inline unsigned long dft_arch_get_ip(const struct dft_regs *r)
{
	return r->rip;
}

static inline void dft_arch_set_ip(struct dft_regs *r, unsigned long ip)
{
	r->rip = ip;
}

static inline unsigned long dft_arch_get_sp(const struct dft_regs *r)
{
	return r->rsp;
}

/* Where the return address into the caller is kept: the graph tracer swaps
 * it for its return hook. */
static inline unsigned long *dft_arch_ret_slot(struct dft_regs *r)
{
	return (unsigned long *)r->rsp;
}

/*
 * ---- Recorder additions (lib/clock.c, lib/graph.c; arch/x86_64/return.S) ----
 */

/* dft_arch_ticks() is a cheap per-CPU counter that lib/clock.c calibrates. */
#define HAVE_DFT_TICKS 1
#define DFT_TICKS_SOURCE "tsc"

static inline uint64_t dft_arch_ticks(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The counter ticks at one rate on every CPU and in every power state
 * (CPUID "invariant TSC"); otherwise clock.c falls back to CLOCK_MONOTONIC. */
static inline int dft_arch_ticks_stable(void)
{
	unsigned int a, b, c, d;

	if (!__get_cpuid(0x80000007, &a, &b, &c, &d))
		return 0;
	return d >> 8 & 1;
}

/* The stack pointer the calling function had at its entry, as
 * dft_arch_get_sp() reports it for a site: the address of its return
 * address. The runtime keeps frame pointers, so this is exact. */
#define dft_arch_entry_sp() ((unsigned long)__builtin_frame_address(0) + 8)

/* Whether a signal frame's pc is at or just past a `syscall` (0f 05): the
 * thread was blocked in the kernel (live patch stack checks). */
static inline int dft_arch_at_syscall(unsigned long pc)
{
	const unsigned char *p = (const unsigned char *)pc;

	return (p[0] == 0x0f && p[1] == 0x05) || (p[-2] == 0x0f && p[-1] == 0x05);
}

/* The interrupted pc, stack pointer and link register of a signal frame,
 * for the live patch stack check (core/livepatch.c); 0 for a link register
 * where calls push the return address. */
static inline void dft_arch_uc_regs(const void *uc, unsigned long *pc, unsigned long *sp,
				    unsigned long *lr)
{
	const mcontext_t *mc = &((const ucontext_t *)uc)->uc_mcontext;

	*pc = (unsigned long)mc->gregs[REG_RIP];
	*sp = (unsigned long)mc->gregs[REG_RSP];
	*lr = (unsigned long)0;
}

/* Whether @pc is on a site instruction that the unwind tables leave out
 * (see arch/aarch64): the tables cover a site here. */
static inline int dft_arch_unwind_gap(unsigned long pc)
{
	return 0;
}

#endif /* !__ASSEMBLER__ */

/* Offsets the assembly uses; checked against the struct in insn.c. */
#define DFT_REGS_RBP 32
#define DFT_REGS_RBX 40
#define DFT_REGS_RAX 80
#define DFT_REGS_RIP 128
#define DFT_REGS_RSP 152
#define DFT_REGS_XSTATE 168
#define DFT_REGS_XMM 176
#define DFT_REGS_SIZE 304

/* How the trampolines keep the vector state around callbacks (xstate.c):
 * the 16-byte saves of xmm0-7 alone, or those and an XSAVE area; in a
 * frame, CLEAN: the upper halves were zero at entry (xstate.h). */
#define DFT_XSTATE_NONE 0
#define DFT_XSTATE_XSAVE 1
#define DFT_XSTATE_XSAVEC 2
#define DFT_XSTATE_CLEAN 3

#endif /* DFT_ARCH_H */
