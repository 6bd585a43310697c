// SPDX-License-Identifier: MIT
/*
 * ARM call injection (util/inject.h), for A32 and Thumb-2 targets:
 * arguments in r0-r3 (at most 4: more would go on the stack), the return
 * address 0 in lr, an 8-byte aligned sp below the thread's. A Thumb
 * function (bit 0 of its address) runs with CPSR.T set and the IT state
 * cleared. The VFP registers are saved and restored with the rest.
 *
 * A thread stopped in a system call that is to be restarted has its pc
 * and r0 rewound already when the stop is reported; the kernel ignores
 * the restart when a debugger moved the pc, which our call does, and
 * restoring the saved registers restarts the call as before.
 *
 * ARM Linux has no PTRACE_SINGLESTEP: a thread stopped between the two
 * instructions of a site makes the attach fail (and retry is suggested).
 *
 * Untested: qemu-user cannot ptrace its guests, and the suite has no ARM
 * machine (README, "Attach").
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>

#include "inject.h"

#define REQ_GETREGS 12
#define REQ_SETREGS 13
#define REQ_GETVFPREGS 27
#define REQ_SETVFPREGS 28
#define CPSR_T (1UL << 5)
#define CPSR_IT ((3UL << 25) | (0x3fUL << 10))

struct arm_regs {
	unsigned long r[18]; /* r0-r15, cpsr, orig_r0 */
};

struct arm_vfp {
	unsigned long long d[32];
	unsigned long fpscr;
};

/* push {lr}; add sp, sp, #4 (2 + 4 bytes in Thumb, 4 + 4 in A32). */
const unsigned int dft_inject_site_span = 8;

int dft_inject_pc_sp(pid_t tid, unsigned long *pc, unsigned long *sp)
{
	struct arm_regs r;

	if (ptrace(REQ_GETREGS, tid, 0, &r))
		return -errno;
	*pc = r.r[15];
	*sp = r.r[13];
	return 0;
}

int dft_inject_step(pid_t tid)
{
	return -ENOSYS;
}

int dft_inject_call(pid_t tid, unsigned long func, const unsigned long *args, int nargs,
		    unsigned long below, unsigned long *ret)
{
	struct arm_regs saved, r;
	struct arm_vfp vfp;
	int err = 0, has_vfp;

	if (nargs > 4)
		return -EINVAL;
	if (ptrace(REQ_GETREGS, tid, 0, &saved))
		return -errno;
	has_vfp = !ptrace(REQ_GETVFPREGS, tid, 0, &vfp);
	r = saved;
	for (int i = 0; i < nargs; i++)
		r.r[i] = args[i];
	r.r[13] = (below < saved.r[13] - 64 ? below : saved.r[13] - 64) & ~15UL;
	r.r[14] = 0;
	r.r[15] = func & ~1UL;
	r.r[16] &= ~CPSR_IT;
	if (func & 1)
		r.r[16] |= CPSR_T;
	else
		r.r[16] &= ~CPSR_T;
	r.r[17] = -1UL;
	if (ptrace(REQ_SETREGS, tid, 0, &r))
		err = -errno;
	if (!err)
		err = dft_inject_run(tid);
	if (err == -ESRCH)
		return err;
	if (!err && ptrace(REQ_GETREGS, tid, 0, &r))
		err = -errno;
	if (!err) {
		if ((r.r[15] & ~1UL) != 0)
			err = -EFAULT;
		*ret = r.r[0];
	}
	if ((has_vfp && ptrace(REQ_SETVFPREGS, tid, 0, &vfp)) || ptrace(REQ_SETREGS, tid, 0, &saved))
		return err ? err : -errno;
	return err;
}
