// SPDX-License-Identifier: MIT
/*
 * Thread cancellation through graph-hooked frames.
 *
 * pthread_cancel() ends its target with a forced unwind that glibc starts
 * from inside itself (pthread_testcancel(), a cancellation point, or the
 * SIGCANCEL handler of an asynchronous cancellation) by calling libgcc_s's
 * _Unwind_ForcedUnwind through a pointer of its own: there is nothing to
 * interpose before it starts. Without the real return addresses, the
 * unwinder stops at the first hooked frame it reaches (the return hook's
 * unwind information says "end of stack") and glibc ends the thread
 * without running the cleanups of the frames beyond it.
 *
 * What the unwinder does call through a symbol is the lookup of each
 * frame's unwind table, and it looks up the frame it starts from before it
 * reads any return address: _dl_find_object() (libgcc_s's DWARF unwinder,
 * glibc >= 2.35) and __gnu_Unwind_Find_exidx() (ARM's EHABI unwinder).
 * Their interposers below tell graph.c, which ends the thread's hooked
 * frames as pthread_exit() does (real addresses back, reported as left),
 * unless an unwinder it started itself is running (a throw, a backtrace:
 * the addresses are back already) or none is hooked. This covers every
 * unwinder that none of graph.c's interposers saw start, whatever the
 * language of the frames it meets first (C without a personality routine,
 * C with __attribute__((cleanup)), C++).
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>

#include "internal.h"

/* The next definition after ours, resolved at load time: an unwinder may
 * run in a signal handler (asynchronous cancellation), no place for dlsym. */
static void *next_lookup;

/* Inlined into each interposer, whose frame the unwinder's are below. */
static inline __attribute__((always_inline)) void cancel_unwinder(void)
{
	int err = errno;

	dft_graph_unwinder(dft_arch_entry_sp(), (unsigned long)__builtin_return_address(0));
	errno = err;
}

#ifdef HAVE_DFT_EHABI
typedef unsigned long (*find_exidx_fn)(unsigned long pc, int *count);

__attribute__((constructor)) static void cancel_resolve(void)
{
	next_lookup = dlsym(RTLD_NEXT, "__gnu_Unwind_Find_exidx");
}

unsigned long __gnu_Unwind_Find_exidx(unsigned long pc, int *count);
DFT_API unsigned long __gnu_Unwind_Find_exidx(unsigned long pc, int *count)
{
	find_exidx_fn next = (find_exidx_fn)__atomic_load_n(&next_lookup, __ATOMIC_RELAXED);

	cancel_unwinder();
	if (!next) {
		*count = 0;
		return 0;
	}
	return next(pc, count);
}
#else
typedef int (*find_object_fn)(void *pc, struct dl_find_object *result);

__attribute__((constructor)) static void cancel_resolve(void)
{
	next_lookup = dlsym(RTLD_NEXT, "_dl_find_object");
}

DFT_API int _dl_find_object(void *pc, struct dl_find_object *result)
{
	find_object_fn next = (find_object_fn)__atomic_load_n(&next_lookup, __ATOMIC_RELAXED);

	cancel_unwinder();
	/* -1: not found, as glibc's answers for an address outside every
	 * object (libgcc_s then tries the frames registered by hand). */
	return next ? next(pc, result) : -1;
}
#endif
