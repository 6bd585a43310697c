/* SPDX-License-Identifier: MIT */
/*
 * Calling a function inside a thread stopped under ptrace (the command's
 * attach, cmd/attach.c). The generic util/inject.c refuses; each
 * architecture that can do it replaces it with arch/<arch>/inject.c.
 * Every function here leaves the thread's registers (general, FP and
 * vector) exactly as they were.
 */
#ifndef DFT_INJECT_H
#define DFT_INJECT_H

#include <sys/types.h>

/* The largest call site in bytes: a thread whose pc lies strictly inside
 * [site, site + span) must be moved out before the site is rewritten. */
extern const unsigned int dft_inject_site_span;

/* A stopped thread's pc and stack pointer; 0 or -errno. */
int dft_inject_pc_sp(pid_t tid, unsigned long *pc, unsigned long *sp);
/* Executes one instruction; -ENOSYS where ptrace cannot single-step. */
int dft_inject_step(pid_t tid);
/*
 * Calls @func with up to 6 integer arguments in the stopped thread @tid,
 * with its frame below @below, returning to address 0 (the fault ends the
 * call). The thread must have every signal blocked. On return (0) *@ret
 * holds the result and every register is restored; -errno otherwise (the
 * registers are restored too when the thread still exists).
 */
int dft_inject_call(pid_t tid, unsigned long func, const unsigned long *args, int nargs,
		    unsigned long below, unsigned long *ret);

/* util/ptrace_run.c, for the arch files: continues @tid and waits for
 * the SIGSEGV stop of a return to address 0 (0, -ESRCH when the thread
 * died, or -errno); and one PTRACE_SINGLESTEP. */
int dft_inject_run(pid_t tid);
int dft_ptrace_step(pid_t tid);

#endif /* DFT_INJECT_H */
