/* SPDX-License-Identifier: MIT */
/*
 * AArch64: the architecture contract (see lib/internal.h).
 *
 * Entry sites are the two NOPs of -fpatchable-function-entry=2 (gcc and
 * clang), possibly after a `bti c`. The first becomes `mov x9, x30` once,
 * before any thread can run it; the second flips between NOP and `bl` to a
 * trampoline with single aligned 4-byte writes (poke.c).
 *
 * gcc -pg sites (`bl _mcount` after the prologue, with x0 = x30) have no
 * table: scan.c finds them by decoding each function. The site is the word
 * before the bl (never written) and the bl, which calls the trampolines'
 * mcount entries. They are DFT_SITE_NONENTRY: trace only, since the frame
 * is already built and the arguments may have moved.
 */
#ifndef DFT_ARCH_H
#define DFT_ARCH_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <ucontext.h>
#endif

#define DFT_ARCH "aarch64"
/* A site is the two words `mov x9, x30; nop|bl`. */
#define DFT_SITE_MAX 8

/* Sites may call an ops' own trampoline (dft_set_direct): entry sites
 * only; the -pg forms keep the caller (insn.c). */
#define HAVE_DFT_DIRECT 1

/* Library calls (core/plt.c): 16-byte stubs, pltstub.c here. */
#define HAVE_DFT_LIBCALL 1
#define DFT_PLT_STUB_SIZE 16
#define DFT_INSN_ALIGN 4
#define DFT_NR_ARG_REGS 8
#define DFT_NR_FPARG_REGS 8

#ifndef __ASSEMBLER__

/*
 * The frame both trampolines build: struct user_pt_regs of the kernel
 * (x0-x30, sp, pc, pstate), then the argument vector registers q0-q7.
 * regs[30] is the original link register (the return address into the
 * caller), pc the return point into the traced function, sp the stack
 * pointer at the site. The caller trampoline fills x0-x9, x29, x30, sp, pc
 * and q0-q7 only.
 */
struct dft_regs {
	uint64_t regs[31];
	uint64_t sp;
	uint64_t pc;
	uint64_t pstate;
	double v[8][2]; /* low 64 bits of q0-q7 in [n][0] (the high halves too) */
};

static inline unsigned long dft_arch_get_arg(const struct dft_regs *r, unsigned int n)
{
	if (n < DFT_NR_ARG_REGS)
		return r->regs[n];
	/* Stack arguments start at the sp of the entry. */
	return ((const unsigned long *)r->sp)[n - DFT_NR_ARG_REGS];
}

static inline void dft_arch_set_arg(struct dft_regs *r, unsigned int n, unsigned long v)
{
	if (n < DFT_NR_ARG_REGS)
		r->regs[n] = v;
	else
		((unsigned long *)r->sp)[n - DFT_NR_ARG_REGS] = v;
}

static inline double dft_arch_get_fparg(const struct dft_regs *r, unsigned int n)
{
	return n < DFT_NR_FPARG_REGS ? r->v[n][0] : 0.0;
}

static inline void dft_arch_set_fparg(struct dft_regs *r, unsigned int n, double v)
{
	if (n < DFT_NR_FPARG_REGS)
		r->v[n][0] = v;
}

static inline unsigned long dft_arch_get_retval(const struct dft_regs *r)
{
	return r->regs[0];
}

/* The return hook restores it from the frame: graph return callbacks. */
static inline void dft_arch_set_retval(struct dft_regs *r, unsigned long v)
{
	r->regs[0] = v;
}

static inline double dft_arch_get_fpretval(const struct dft_regs *r)
{
	return r->v[0][0];
}

static inline unsigned long dft_arch_get_ip(const struct dft_regs *r)
{
	return r->pc;
}

static inline void dft_arch_set_ip(struct dft_regs *r, unsigned long ip)
{
	r->pc = ip;
}

static inline unsigned long dft_arch_get_sp(const struct dft_regs *r)
{
	return r->sp;
}

/* The return address into the caller lives in x30: the trampolines reload
 * x30 from this slot, so the graph tracer swaps it for its return hook.
 *
 * Unlike x86's slot on the stack, this one is in the trampoline's frame:
 * valid only while the entry callbacks run. Afterwards the return address
 * is wherever the function's prologue saves the link register (found by
 * unwinding, not by this pointer), so nothing may be written through it
 * later. */
static inline unsigned long *dft_arch_ret_slot(struct dft_regs *r)
{
	return (unsigned long *)&r->regs[30];
}

/* Non-leaf functions keep AAPCS64 frame records {caller's x29, x30},
 * chained through x29 (gcc and clang do by default on Linux): where the
 * graph finds the hook a function saved (core/graph.c). */
#define HAVE_DFT_FRAME_RECORDS 1

/*
 * pac-ret (-mbranch-protection): a function signs the hook in x30 with
 * its entry sp (paciasp or pacibsp, right after the site's two
 * instructions) before saving it, and libgcc's unwinder authenticates a
 * saved return address with the frame's CFA, the same sp. XPACLRI strips
 * a signature, PACIA1716/PACIB1716 sign x17 with x16: HINT instructions,
 * NOPs without pointer authentication. The value alone cannot tell: a
 * signature may be all zeros.
 */
#define HAVE_DFT_RET_SIGNING 1
static inline unsigned long dft_arch_ret_strip(unsigned long v)
{
	register unsigned long x30 __asm__("x30") = v;

	__asm__("hint 7" : "+r"(x30)); /* xpaclri */
	return x30;
}

/* The key the function whose entry site is at @site signs its return
 * address with: 1 (A), 2 (B), or 0 when it does not. */
static inline int dft_arch_ret_key(unsigned long site)
{
	uint32_t insn = ((const uint32_t *)site)[2];

	return insn == 0xd503233f ? 1 : insn == 0xd503237f ? 2 : 0; /* paciasp, pacibsp */
}

static inline unsigned long dft_arch_ret_sign(unsigned long v, unsigned long sp, int key)
{
	register unsigned long x17 __asm__("x17") = v;
	register unsigned long x16 __asm__("x16") = sp;

	if (key == 2)
		__asm__("hint 10" : "+r"(x17) : "r"(x16)); /* pacib1716 */
	else
		__asm__("hint 8" : "+r"(x17) : "r"(x16)); /* pacia1716 */
	return x17;
}

/*
 * ---- Recorder additions (lib/clock.c, lib/graph.c; return.S) ----
 */

/* The generic timer's virtual count: readable at EL0 on Linux, at a fixed
 * frequency on every CPU by architecture. */
#define HAVE_DFT_TICKS 1
#define DFT_TICKS_SOURCE "cntvct"

static inline uint64_t dft_arch_ticks(void)
{
	uint64_t t;

	/* The isb keeps the read from being hoisted above earlier code. */
	__asm__ __volatile__("isb; mrs %0, cntvct_el0" : "=r"(t) : : "memory");
	return t;
}

static inline int dft_arch_ticks_stable(void)
{
	return 1;
}

/* The stack pointer the calling function had at its entry, as
 * dft_arch_get_sp() reports it for an entry site: its CFA. */
#define dft_arch_entry_sp() ((unsigned long)__builtin_dwarf_cfa())

/* Whether a signal frame's pc is at or just past an `svc #0`: the thread
 * was blocked in the kernel (live patch stack checks). */
static inline int dft_arch_at_syscall(unsigned long pc)
{
	const uint32_t *p = (const uint32_t *)(pc & ~3UL);

	return p[0] == 0xd4000001 || p[-1] == 0xd4000001;
}

/* The interrupted pc, stack pointer and link register of a signal frame,
 * for the live patch stack check (core/livepatch.c); 0 for a link register
 * where calls push the return address. */
static inline void dft_arch_uc_regs(const void *uc, unsigned long *pc, unsigned long *sp,
				    unsigned long *lr)
{
	const mcontext_t *mc = &((const ucontext_t *)uc)->uc_mcontext;

	*pc = (unsigned long)mc->pc;
	*sp = (unsigned long)mc->sp;
	*lr = (unsigned long)mc->regs[30];
}

/* Where a signal frame keeps the interrupted link register: a
 * cancellation's unwinder reads the return address there (core/graph.c). */
static inline unsigned long *dft_arch_uc_lr(void *uc)
{
	return (unsigned long *)&((ucontext_t *)uc)->uc_mcontext.regs[30];
}

/* Whether @pc is on an instruction of a site in its call form (or the
 * `bti c` before it) that gcc's unwind tables leave out: its FDE starts
 * after the patchable area. A cancellation's unwinder stops there
 * (core/cancel.c waits for the thread to move on). Reads only the
 * instructions at @pc and, within its page, before it. */
static inline int dft_arch_unwind_gap(unsigned long pc)
{
	const uint32_t *p = (const uint32_t *)pc;

	if (*p == 0xaa1e03e9U) /* mov x9, x30 */
		return 1;
	if (*p == 0xd503245fU && p[1] == 0xaa1e03e9U) /* bti c */
		return 1;
	return (pc & 4095) && p[-1] == 0xaa1e03e9U && (*p & 0xfc000000U) == 0x94000000U;
}

#endif /* !__ASSEMBLER__ */

/* Offsets the assembly uses; checked against the struct in insn.c. */
#define DFT_REGS_X29 232
#define DFT_REGS_X30 240
#define DFT_REGS_SP 248
#define DFT_REGS_PC 256
#define DFT_REGS_PSTATE 264
#define DFT_REGS_V 272
#define DFT_REGS_SIZE 400

#endif /* DFT_ARCH_H */
