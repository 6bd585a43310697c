// SPDX-License-Identifier: MIT
/*
 * The architecture-independent half of call injection (util/inject.h):
 * running a thread until the fault at address 0 that ends an injected
 * call, and single-stepping where ptrace can.
 */
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "inject.h"

int dft_inject_run(pid_t tid)
{
	int st;

	if (ptrace(PTRACE_CONT, tid, 0, 0))
		return -errno;
	for (;;) {
		if (waitpid(tid, &st, __WALL) < 0)
			return -errno;
		if (!WIFSTOPPED(st))
			return -ESRCH; /* it died */
		if (WSTOPSIG(st) == SIGSEGV)
			return 0;
		/* A stop that is not the end of the call (a group stop): go
		 * on, any signal staying pending (the caller blocked them). */
		if (ptrace(PTRACE_CONT, tid, 0, 0))
			return -errno;
	}
}

int dft_ptrace_step(pid_t tid)
{
	int st;

	if (ptrace(PTRACE_SINGLESTEP, tid, 0, 0))
		return -errno;
	if (waitpid(tid, &st, __WALL) < 0)
		return -errno;
	return WIFSTOPPED(st) ? 0 : -ESRCH;
}
