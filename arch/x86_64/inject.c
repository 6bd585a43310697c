// SPDX-License-Identifier: MIT
/*
 * x86-64 call injection (util/inject.h): System V arguments in rdi, rsi,
 * rdx, rcx, r8, r9; a 16-byte aligned frame below the 128-byte red zone;
 * return address 0. orig_rax = -1 keeps the kernel from restarting a
 * system call the thread was stopped in with our registers; restoring the
 * saved ones (orig_rax and the -ERESTART* rax included) restarts it as if
 * nothing happened. The FP/vector state is saved whole (XSAVE layout).
 */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "inject.h"

const unsigned int dft_inject_site_span = 5;

int dft_inject_pc_sp(pid_t tid, unsigned long *pc, unsigned long *sp)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, tid, 0, &r))
		return -errno;
	*pc = r.rip;
	*sp = r.rsp;
	return 0;
}

int dft_inject_step(pid_t tid)
{
	return dft_ptrace_step(tid);
}

int dft_inject_call(pid_t tid, unsigned long func, const unsigned long *args, int nargs,
		    unsigned long below, unsigned long *ret)
{
	static unsigned char xsave[16384] __attribute__((aligned(64)));
	struct iovec xv = { xsave, sizeof(xsave) };
	struct user_regs_struct saved, r;
	unsigned long sp, zero = 0;
	int err = 0;

	if (nargs > 6)
		return -EINVAL;
	if (ptrace(PTRACE_GETREGS, tid, 0, &saved) ||
	    ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &xv))
		return -errno;
	r = saved;
	sp = (below < saved.rsp - 128 ? below : saved.rsp - 128) & ~15UL;
	sp -= 8; /* the return address: 0 */
	if (ptrace(PTRACE_POKEDATA, tid, (void *)sp, (void *)zero))
		return -errno;
	r.rsp = sp;
	r.rip = func;
	r.rax = 0;
	r.orig_rax = -1;
	{
		unsigned long long *regs[] = { &r.rdi, &r.rsi, &r.rdx, &r.rcx, &r.r8, &r.r9 };

		for (int i = 0; i < nargs; i++)
			*regs[i] = args[i];
	}
	if (ptrace(PTRACE_SETREGS, tid, 0, &r)) {
		err = -errno;
		goto restore;
	}
	err = dft_inject_run(tid);
	if (err == -ESRCH)
		return err; /* nothing to restore */
	if (err)
		goto restore;
	if (ptrace(PTRACE_GETREGS, tid, 0, &r)) {
		err = -errno;
		goto restore;
	}
	if (r.rip != 0)
		err = -EFAULT; /* the function itself faulted */
	*ret = r.rax;
restore:
	if (ptrace(PTRACE_SETREGS, tid, 0, &saved) ||
	    ptrace(PTRACE_SETREGSET, tid, (void *)NT_X86_XSTATE, &xv))
		return err ? err : -errno;
	return err;
}
