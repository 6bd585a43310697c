// SPDX-License-Identifier: MIT
/*
 * Cross-modifying code on 32-bit ARM while other threads run: stop them
 * all first (the kernel's stop_machine, in user space).
 *
 * Neither live form is safe to write under a running thread. A Thumb
 * 32-bit instruction at an address that is 2 mod 4 is two halfword stores,
 * not one single-copy atomic write, so a thread could fetch half of the old
 * and half of the new instruction. And the architecture allows an
 * instruction to be modified while another core executes it only when the
 * old and the new one are both among B, BL, BLX, NOP, BKPT and SVC (ARM ARM,
 * "Concurrent modification and execution of instructions"): our NOP form,
 * `add sp, sp, #4`, is not, and neither is a trap instruction written over
 * it. So every live batch is written with every other thread of the
 * process stopped (core/stop.c): parked in the handler of the stop signal,
 * none of them inside a site whose bytes before its pc change (only when a
 * module's NOPs are normalised: three Thumb NOPs become a push and a
 * 32-bit instruction, so the boundary at +4 disappears, and a thread past
 * the first NOP did not push). The caches are cleaned and invalidated for
 * the batch (__builtin___clear_cache: the cacheflush system call, which
 * broadcasts the maintenance to every core), and each thread leaves the
 * handler through sigreturn, an exception return, which is context
 * synchronising: it fetches the new instructions.
 *
 * No thread runs text while it changes, so no instruction is ever seen half
 * written, and a thread parked between a site's push and its second
 * instruction resumes at a boundary that still exists, with the stack that
 * both forms expect.
 *
 * qemu-user runs the protocol, but it models neither the caches nor the
 * memory ordering of real cores: the tests cannot show the properties
 * argued above.
 */
#include "internal.h"

/* Stop requests are the only signals the trap handler takes here. */
int dft_arch_trap(int sig, siginfo_t *si, void *ctx)
{
	return 0;
}

static void write_batch(const struct dft_patch *batch, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		__builtin_memcpy((void *)batch[i].addr, batch[i].new, batch[i].len);
		__builtin___clear_cache((char *)batch[i].addr,
					(char *)batch[i].addr + batch[i].len);
	}
}

int dft_arch_patch(struct dft_patch *batch, size_t n, int live)
{
	if (!live) {
		write_batch(batch, n);
		return 0;
	}
	return dft_stop_and_patch(batch, n, write_batch);
}
