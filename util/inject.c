// SPDX-License-Identifier: MIT
/*
 * No ptrace call injection on this architecture: attach refuses, with a
 * message, and the runtime can still be preloaded (arch/<arch>/inject.c
 * replaces this file where injection is implemented).
 */
#include <errno.h>

#include "inject.h"

const unsigned int dft_inject_site_span = 0;

int dft_inject_pc_sp(pid_t tid, unsigned long *pc, unsigned long *sp)
{
	return -ENOSYS;
}

int dft_inject_step(pid_t tid)
{
	return -ENOSYS;
}

int dft_inject_call(pid_t tid, unsigned long func, const unsigned long *args, int nargs,
		    unsigned long below, unsigned long *ret)
{
	return -ENOSYS;
}
