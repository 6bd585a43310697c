// SPDX-License-Identifier: MIT
/*
 * AArch64 call injection (util/inject.h): arguments in x0-x5, the return
 * address 0 in x30, a 16-byte aligned sp well below the thread's. The
 * system call number is set to -1 for the call (NT_ARM_SYSTEM_CALL), so
 * that the kernel does not restart a call the thread was stopped in with
 * our registers; restoring the saved set restarts it as before. The
 * FP/SIMD registers are saved (and the SVE state where the kernel has it).
 * PSTATE.BTYPE is cleared: the first instruction is reached by no branch.
 *
 * Untested: qemu-user cannot ptrace its guests, and the suite has no
 * AArch64 machine (README, "Attach").
 */
#include <asm/ptrace.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "inject.h"

#ifndef NT_ARM_SYSTEM_CALL
#define NT_ARM_SYSTEM_CALL 0x404
#endif
#ifndef NT_ARM_SVE
#define NT_ARM_SVE 0x405
#endif
#define PSTATE_BTYPE (3UL << 10)

/* mov x9, x30; nop: a thread may be stopped between the two. */
const unsigned int dft_inject_site_span = 8;

static int get(pid_t tid, int type, void *buf, size_t len, size_t *got)
{
	struct iovec iov = { buf, len };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)(long)type, &iov))
		return -errno;
	if (got)
		*got = iov.iov_len;
	return 0;
}

static int set(pid_t tid, int type, void *buf, size_t len)
{
	struct iovec iov = { buf, len };

	return ptrace(PTRACE_SETREGSET, tid, (void *)(long)type, &iov) ? -errno : 0;
}

int dft_inject_pc_sp(pid_t tid, unsigned long *pc, unsigned long *sp)
{
	struct user_pt_regs r;
	int err = get(tid, NT_PRSTATUS, &r, sizeof(r), NULL);

	if (!err) {
		*pc = r.pc;
		*sp = r.sp;
	}
	return err;
}

int dft_inject_step(pid_t tid)
{
	return dft_ptrace_step(tid);
}

int dft_inject_call(pid_t tid, unsigned long func, const unsigned long *args, int nargs,
		    unsigned long below, unsigned long *ret)
{
	static unsigned char sve[1 << 16] __attribute__((aligned(16)));
	struct user_pt_regs saved, r;
	struct user_fpsimd_state fp;
	size_t sve_len = 0;
	int sysno, nosys = -1, err, has_sve;

	if (nargs > 6)
		return -EINVAL;
	err = get(tid, NT_PRSTATUS, &saved, sizeof(saved), NULL);
	if (!err)
		err = get(tid, NT_PRFPREG, &fp, sizeof(fp), NULL);
	if (!err)
		err = get(tid, NT_ARM_SYSTEM_CALL, &sysno, sizeof(sysno), NULL);
	if (err)
		return err;
	has_sve = !get(tid, NT_ARM_SVE, sve, sizeof(sve), &sve_len);
	r = saved;
	for (int i = 0; i < nargs; i++)
		r.regs[i] = args[i];
	r.regs[30] = 0;
	r.sp = (below < saved.sp - 128 ? below : saved.sp - 128) & ~15UL;
	r.pc = func;
	r.pstate &= ~PSTATE_BTYPE;
	err = set(tid, NT_ARM_SYSTEM_CALL, &nosys, sizeof(nosys));
	if (!err)
		err = set(tid, NT_PRSTATUS, &r, sizeof(r));
	if (!err)
		err = dft_inject_run(tid);
	if (err == -ESRCH)
		return err;
	if (!err)
		err = get(tid, NT_PRSTATUS, &r, sizeof(r), NULL);
	if (!err) {
		if (r.pc != 0)
			err = -EFAULT;
		*ret = r.regs[0];
	}
	if (has_sve)
		set(tid, NT_ARM_SVE, sve, sve_len);
	if (set(tid, NT_PRFPREG, &fp, sizeof(fp)) ||
	    set(tid, NT_ARM_SYSTEM_CALL, &sysno, sizeof(sysno)) ||
	    set(tid, NT_PRSTATUS, &saved, sizeof(saved)))
		return err ? err : -EIO;
	return err;
}
