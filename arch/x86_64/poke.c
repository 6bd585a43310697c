// SPDX-License-Identifier: MIT
/*
 * Cross-modifying code on x86-64 while other threads run: the int3
 * protocol (the kernel's text_poke_bp, in user space).
 *
 *   1. write int3 (0xcc) over the first byte of every changed site
 *   2. serialise every core of the process (membarrier SYNC_CORE)
 *   3. write the remaining bytes of the new instructions
 *   4. serialise
 *   5. write the first bytes of the new instructions
 *   6. serialise
 *
 * A thread reaching a site meanwhile traps; the SIGTRAP handler emulates
 * the new instruction (a NOP skips it, a call pushes the return point and
 * jumps), so no thread ever executes a half-written instruction. The int3
 * byte is a single-byte store, atomic with respect to instruction fetch.
 *
 * Some traps are delivered late: the thread trapped on 0xcc, but by the
 * time its handler runs the batch is over and the byte is gone. The handler
 * then resumes at the site, which now holds a complete instruction.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "internal.h"

#define INT3 0xcc

/* The batch in progress, for the handler. */
static struct dft_patch *cur_batch;
static size_t cur_n;
static int handlers_active;

/* Address ranges of recent batches, to recognise late traps as ours. */
#define NR_RECENT 64
static struct {
	unsigned long lo, hi;
} recent[NR_RECENT];
static unsigned int recent_next;

static int cmp_patch(const void *key, const void *elem)
{
	unsigned long a = *(const unsigned long *)key;
	const struct dft_patch *p = elem;

	return a < p->addr ? -1 : a > p->addr;
}

static int is_recent(unsigned long addr)
{
	for (unsigned int i = 0; i < NR_RECENT; i++)
		if (addr >= READ_ONCE(recent[i].lo) && addr <= READ_ONCE(recent[i].hi))
			return 1;
	return 0;
}

/* Emulates the instruction @insn at @site in the interrupted context. */
static void emulate(greg_t *gregs, unsigned long site, const uint8_t *insn)
{
	if (insn[0] == 0xe8) {
		int32_t rel;
		unsigned long *sp = (unsigned long *)gregs[REG_RSP] - 1;

		memcpy(&rel, insn + 1, 4);
		/* The interrupted code is at a function entry: below its sp
		 * is the function's own, still unused, stack. */
		*sp = site + 5;
		gregs[REG_RSP] = (greg_t)sp;
		gregs[REG_RIP] = site + 5 + rel;
	} else {
		/* NOP5 (and a trailing 1-byte NOP runs by itself). */
		gregs[REG_RIP] = site + 5;
	}
}

int dft_arch_trap(int sig, siginfo_t *si, void *ctx)
{
	greg_t *gregs = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	unsigned long site = gregs[REG_RIP] - 1;
	int handled = 0;

	if (sig != SIGTRAP || si->si_code != SI_KERNEL)
		return 0;
	__atomic_fetch_add(&handlers_active, 1, __ATOMIC_SEQ_CST);
	/*
	 * A batch that begins after cur_batch was read (NULL, between two
	 * batches) may put its int3 back at this site before the byte is
	 * read: look again. Its cur_batch was stored before its int3s, so
	 * the next look finds it, or the int3 is gone. An int3 that stays
	 * with no batch of ours holding it is the program's (a debugger's
	 * breakpoint on a recently patched site): the bound passes it on.
	 */
	for (int tries = 0; tries < 1000 && !handled; tries++) {
		struct dft_patch *batch = __atomic_load_n(&cur_batch, __ATOMIC_ACQUIRE), *p = NULL;
		uint8_t insn;

		if (batch)
			p = bsearch(&site, batch, READ_ONCE(cur_n), sizeof(*batch), cmp_patch);
		insn = *(volatile uint8_t *)site;
		if (p && insn == INT3) {
			/*
			 * The trailing NOP of a 6-byte GOT call may not be
			 * written yet (step 3): the emulated instruction
			 * continues there, so this thread writes it itself.
			 * It is the byte the batch writes, and the text is
			 * writable for as long as cur_batch is set.
			 */
			for (size_t k = 5; k < p->len; k++)
				if (((volatile uint8_t *)site)[k] != p->new[k])
					((volatile uint8_t *)site)[k] = p->new[k];
			emulate(gregs, site, p->new);
			handled = 1;
		} else if (!p && !is_recent(site)) {
			break; /* not ours */
		} else if (insn != INT3) {
			gregs[REG_RIP] = site; /* late: run the now complete insn */
			handled = 1;
		}
	}
	if (handled)
		__atomic_fetch_add(&dft_patch_stats.traps, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&handlers_active, 1, __ATOMIC_SEQ_CST);
	return handled;
}

static void write_batch(const struct dft_patch *batch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memcpy((void *)batch[i].addr, batch[i].new, batch[i].len);
}

/*
 * gcc's -fpatchable-function-entry=5 site is five 1-byte NOPs: a thread
 * may be between two of them, and would resume inside the one instruction
 * they are merged into. The int3 protocol cannot help (such a thread is
 * past byte 0): those batches are written with every other thread stopped
 * outside of them (core/stop.c). Every other change is from one whole
 * instruction to another.
 */
static int merges(const struct dft_patch *batch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (batch[i].len > 1 && batch[i].old[0] == 0x90)
			return 1;
	return 0;
}

int dft_arch_patch(struct dft_patch *batch, size_t n, int live)
{
	unsigned long lo = ~0UL, hi = 0;
	size_t i;

	if (!live) {
		write_batch(batch, n);
		return 0;
	}
	if (merges(batch, n))
		return dft_stop_and_patch(batch, n, write_batch);
	for (i = 0; i < n; i++) {
		lo = batch[i].addr < lo ? batch[i].addr : lo;
		hi = batch[i].addr > hi ? batch[i].addr : hi;
	}
	unsigned int r = recent_next++ % NR_RECENT;
	WRITE_ONCE(recent[r].lo, lo);
	WRITE_ONCE(recent[r].hi, hi);
	WRITE_ONCE(cur_n, n);
	__atomic_store_n(&cur_batch, batch, __ATOMIC_RELEASE);

	for (i = 0; i < n; i++)
		*(volatile uint8_t *)batch[i].addr = INT3;
	dft_sync_cores();
	for (i = 0; i < n; i++)
		memcpy((void *)(batch[i].addr + 1), batch[i].new + 1, batch[i].len - 1);
	dft_sync_cores();
	for (i = 0; i < n; i++)
		*(volatile uint8_t *)batch[i].addr = batch[i].new[0];
	dft_sync_cores();

	/* The caller frees the batch: wait out handlers still reading it.
	 * Later (late) traps find the range in recent[] instead. */
	__atomic_store_n(&cur_batch, NULL, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&handlers_active, __ATOMIC_SEQ_CST))
		__builtin_ia32_pause();
	return 0;
}
