// SPDX-License-Identifier: MIT
/*
 * Cross-modifying code on AArch64 while other threads run.
 *
 * The architecture lets one thread modify an instruction that another is
 * executing, without stopping it, when both the old and the new
 * instruction are among B, BL, NOP, BRK, SVC, HVC, SMC and ISB (ARM ARM,
 * "Concurrent modification and execution of instructions"): the executing
 * thread runs either the old or the new one. A site's second word only
 * ever flips between NOP and BL, so it is written live with one aligned
 * 4-byte store, which is single-copy atomic; then the data cache is
 * cleaned and the instruction cache invalidated to the point of
 * unification for those bytes (__builtin___clear_cache: DC CVAU, DSB ISH,
 * IC IVAU, DSB ISH, ISB), so every core fetches the new word.
 *
 * The first word of an entry site (`mov x9, x30` over a NOP) is not in
 * that set. It is written once, when the module is found: at start-up
 * before other threads exist, or after dlopen() before the program has
 * been handed the new library. (A constructor of the library that starts a
 * thread running the library's code could race with that write: a
 * documented limitation, as for the kernel, which writes it at module
 * load.) A thread that ran the old NOP and then the new second word would
 * need x9: the second word is a NOP until the site is enabled, after the
 * first word was written and the caches maintained. The first word of a
 * -pg site is never written.
 *
 * qemu-user runs this correctly, but it translates code on one host and
 * does not model the memory ordering or instruction-fetch behaviour of
 * real cores: the tests cannot show the property argued above.
 */
#include "internal.h"

int dft_arch_patch(struct dft_patch *batch, size_t n, int live)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t *w = (uint32_t *)batch[i].addr, nw[2];

		__builtin_memcpy(nw, batch[i].new, sizeof(nw));
		for (int k = 0; k < 2; k++)
			if (w[k] != nw[k])
				__atomic_store_n(&w[k], nw[k], __ATOMIC_RELAXED);
		__builtin___clear_cache((char *)w, (char *)(w + 2));
	}
	/* Every thread now fetches the new words: no thread runs a
	 * trampoline through a site that was just turned off, once the
	 * caller's grace period (dft_synchronize()) has passed. */
	if (live)
		dft_sync_cores();
	return 0;
}
