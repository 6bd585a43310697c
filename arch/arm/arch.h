/* SPDX-License-Identifier: MIT */
/*
 * 32-bit ARM (A32 and Thumb-2): the architecture contract (see
 * lib/internal.h).
 *
 * Every site becomes `push {lr}` followed by one instruction that is either
 * `add sp, sp, #4` (the NOP form: it drops the pushed word) or a call (`bl`,
 * or `blx` from Thumb) to a trampoline. That is gcc -pg's own shape (`push
 * {lr}; bl __gnu_mcount_nc`, found by scan.c since no table records it,
 * and clang -pg -meabi gnu's `stmfd sp!, {lr}` form), and what the NOPs of
 * -fpatchable-function-entry are turned into at start-up: two A32 NOPs, or
 * three Thumb NOPs (the 16-bit push and a 32-bit instruction).
 *
 * Sites are patched while other threads are stopped in a signal handler
 * (poke.c): a Thumb 32-bit instruction at 2 mod 4 cannot be written
 * atomically, and `add sp` may not be modified while it runs.
 */
#ifndef DFT_ARCH_H
#define DFT_ARCH_H

#ifndef __ASSEMBLER__
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>
#endif

#define DFT_ARCH "arm"
/* A32: two words; Thumb: a halfword and a 32-bit instruction. */
#define DFT_SITE_MAX 8

/* Library calls (core/plt.c): 16-byte stubs, pltstub.c here. */
#define HAVE_DFT_LIBCALL 1
#define DFT_PLT_STUB_SIZE 16
#define DFT_INSN_ALIGN 2
#define DFT_NR_ARG_REGS 4
#define DFT_NR_FPARG_REGS 8

/* Exceptions follow the ARM EHABI: personality routines take (state,
 * control block, context), with _US_FORCE_UNWIND in the state (graph.c). */
#define HAVE_DFT_EHABI 1

/* The signal that stops the other threads while a batch is written: its
 * handler must stay installed, chained with the program's own (trap.c). */
#define HAVE_DFT_TRAP_PATCHING 1
#define DFT_TRAP_SIGNAL (SIGRTMIN + 4)
/* The pc a signal interrupted (ctx: a ucontext_t, from <ucontext.h>). */
#define dft_arch_ctx_pc(ctx) ((unsigned long)((ucontext_t *)(ctx))->uc_mcontext.arm_pc)

#ifndef __ASSEMBLER__

/*
 * The frame both trampolines build: the kernel's ARM pt_regs (uregs[18]),
 * then the hard-float argument registers d0-d7.
 *
 *   ARM_sp    the sp before the site's push (at entry sites, the entry sp)
 *   ARM_lr    the original lr: the return address into the caller
 *   ARM_pc    the return point into the traced function, Thumb bit included
 *   ARM_cpsr  the flags, with the T bit of the traced function's state
 *   ORIG_r0   r0 as it was at the site
 *
 * The caller trampoline fills r0-r3, ip, sp, lr, pc and d0-d7 only.
 */
struct dft_regs {
	unsigned long uregs[18];
	double d[8];
};

#define DFT_ARM_SP 13
#define DFT_ARM_LR 14
#define DFT_ARM_PC 15

static inline unsigned long dft_arch_get_arg(const struct dft_regs *r, unsigned int n)
{
	if (n < DFT_NR_ARG_REGS)
		return r->uregs[n];
	return ((const unsigned long *)r->uregs[DFT_ARM_SP])[n - DFT_NR_ARG_REGS];
}

static inline void dft_arch_set_arg(struct dft_regs *r, unsigned int n, unsigned long v)
{
	if (n < DFT_NR_ARG_REGS)
		r->uregs[n] = v;
	else
		((unsigned long *)r->uregs[DFT_ARM_SP])[n - DFT_NR_ARG_REGS] = v;
}

static inline double dft_arch_get_fparg(const struct dft_regs *r, unsigned int n)
{
	return n < DFT_NR_FPARG_REGS ? r->d[n] : 0.0;
}

static inline void dft_arch_set_fparg(struct dft_regs *r, unsigned int n, double v)
{
	if (n < DFT_NR_FPARG_REGS)
		r->d[n] = v;
}

static inline unsigned long dft_arch_get_retval(const struct dft_regs *r)
{
	return r->uregs[0];
}

/* The return hook restores it from the frame: graph return callbacks. */
static inline void dft_arch_set_retval(struct dft_regs *r, unsigned long v)
{
	r->uregs[0] = v;
}

static inline double dft_arch_get_fpretval(const struct dft_regs *r)
{
	return r->d[0];
}

static inline unsigned long dft_arch_get_ip(const struct dft_regs *r)
{
	return r->uregs[DFT_ARM_PC];
}

/* A function pointer carries the Thumb bit: the trampolines branch to it
 * with interworking. */
static inline void dft_arch_set_ip(struct dft_regs *r, unsigned long ip)
{
	r->uregs[DFT_ARM_PC] = ip;
}

static inline unsigned long dft_arch_get_sp(const struct dft_regs *r)
{
	return r->uregs[DFT_ARM_SP];
}

/* The trampolines reload lr from ARM_lr: the graph tracer's return hook
 * goes there.
 *
 * Unlike x86's slot on the stack, this one is in the trampoline's frame:
 * valid only while the entry callbacks run. Afterwards the return address
 * is wherever the function's prologue saves the link register (found by
 * unwinding, not by this pointer), so nothing may be written through it
 * later. */
static inline unsigned long *dft_arch_ret_slot(struct dft_regs *r)
{
	return &r->uregs[DFT_ARM_LR];
}

/*
 * ---- Recorder additions (lib/clock.c, lib/graph.c; return.S) ----
 *
 * No HAVE_DFT_TICKS: the generic timer's counter is not readable from user
 * space on every ARMv7 system (CNTKCTL), so lib/clock.c uses clock_gettime.
 */

/* The stack pointer the calling function had at its entry, as
 * dft_arch_get_sp() reports it for an entry site: its CFA. */
#define dft_arch_entry_sp() ((unsigned long)__builtin_dwarf_cfa())

/* Whether a signal frame's pc is at or just past an `svc #0` (A32
 * ef000000, Thumb df00): the thread was blocked in the kernel (live patch
 * stack checks). */
static inline int dft_arch_at_syscall(unsigned long pc)
{
	if (pc & 1) {
		const uint16_t *p = (const uint16_t *)(pc & ~1UL);

		return p[0] == 0xdf00 || p[-1] == 0xdf00;
	}
	return ((const uint32_t *)pc)[0] == 0xef000000 || ((const uint32_t *)pc)[-1] == 0xef000000;
}

/* The interrupted pc, stack pointer and link register of a signal frame,
 * for the live patch stack check (core/livepatch.c); 0 for a link register
 * where calls push the return address. */
static inline void dft_arch_uc_regs(const void *uc, unsigned long *pc, unsigned long *sp,
				    unsigned long *lr)
{
	const mcontext_t *mc = &((const ucontext_t *)uc)->uc_mcontext;

	*pc = (unsigned long)mc->arm_pc;
	*sp = (unsigned long)mc->arm_sp;
	*lr = (unsigned long)mc->arm_lr;
}

/* Where a signal frame keeps the interrupted link register: a
 * cancellation's unwinder reads the return address there (core/graph.c). */
static inline unsigned long *dft_arch_uc_lr(void *uc)
{
	return (unsigned long *)&((ucontext_t *)uc)->uc_mcontext.arm_lr;
}

/* Whether @pc is on a site instruction that the unwind tables leave out
 * (see arch/aarch64): the tables cover a site here. */
static inline int dft_arch_unwind_gap(unsigned long pc)
{
	return 0;
}

#endif /* !__ASSEMBLER__ */

/* Offsets the assembly uses; checked against the struct in insn.c. */
#define DFT_REGS_SP 52
#define DFT_REGS_LR 56
#define DFT_REGS_PC 60
#define DFT_REGS_CPSR 64
#define DFT_REGS_ORIG_R0 68
#define DFT_REGS_D 72
#define DFT_REGS_SIZE 136

#endif /* DFT_ARCH_H */
