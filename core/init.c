// SPDX-License-Identifier: MIT
/*
 * Start-up. The constructor runs before main(), normally while the process
 * has one thread: every site is read, checked and turned into a NOP with
 * plain writes, before any other thread can be inside one.
 */
#include <stdlib.h>

#include "internal.h"

static void atfork_prepare(void)
{
	pthread_mutex_lock(&dft_lock);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&dft_lock);
}

static void lock_init(void)
{
	pthread_mutexattr_t attr;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&dft_lock, &attr);
	pthread_mutexattr_destroy(&attr);
}

/* The child's only thread has a new tid, and a recursive mutex refuses to
 * be unlocked by another tid than its owner's: start afresh. */
static void atfork_child(void)
{
	lock_init();
}

__attribute__((constructor(101))) static void dft_init(void)
{
	if (dft_initialised)
		return;
	dft_log_init();
	lock_init();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	if (dft_thread_init() || dft_trap_init()) {
		pr_err("cannot set up the runtime: tracing disabled");
		return;
	}
	dft_ctx_wrap_installed();
	pthread_mutex_lock(&dft_lock);
	dft_modules_scan(1);
	dft_initialised = 1;
	pthread_mutex_unlock(&dft_lock);
	/* Only info: the runtime is inherited by every program a traced one
	 * runs; the command says it once for the program it was given. */
	if (!dft_nr_sites)
		pr_info("no call sites: build with %s to trace functions", DFT_INSTRUMENT_CFLAGS);
}
