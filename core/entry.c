// SPDX-License-Identifier: MIT
/*
 * The C half of the trampolines: the recursion guard, the grace-period
 * marker, and the dispatch to the ops. An architecture may do all of it in
 * its trampolines instead, in an arch/<arch>/entry.S that replaces this.
 *
 * With one ops registered, it is called directly whatever its filter (the
 * kernel's single-ops fast path: the sites it does not want are NOPs; see
 * fast_path_update() in ops.c); else the list walk asks each ops whether it
 * wants this ip. Only the regs caller's frame is complete enough for the
 * SAVE_REGS ops (the list walk skips them on a plain caller's frame).
 */
#include "internal.h"

static inline __attribute__((always_inline)) void entry(unsigned long ip, unsigned long parent_ip,
							struct dft_regs *regs, int full)
{
	struct dft_thread *t = &dft_thread;
	unsigned long seq = t->seq;

	if (unlikely(seq & 1))
		return dft_entry_odd(ip, parent_ip, regs, full);
	/* The arguments are new values from here: without this, gcc 12
	 * moves them into callee-saved registers before the test above, for
	 * the odd path, and the common path pays two more saves. */
	__asm__("" : "+r"(ip), "+r"(parent_ip), "+r"(regs));
	WRITE_ONCE(t->seq, seq + 1);
	if (unlikely(!t->registered) && unlikely(dft_thread_register(t))) {
		dft_entry_unlisted(ip, parent_ip, regs, full);
	} else {
		/* Pairs with the membarrier() of dft_synchronize(): our odd
		 * seq is visible to it before we load what it may retire. */
		barrier();
		dft_dispatch(ip, parent_ip, regs, full);
	}
	barrier();
	WRITE_ONCE(t->seq, seq + 2);
}

/* The plain caller's frame holds the argument registers only. */
void dft_entry(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs)
{
	entry(ip, parent_ip, regs, 0);
}

/* The regs caller's: every register, and a pc read back. */
void dft_regs_entry(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs)
{
	entry(ip, parent_ip, regs, 1);
}

