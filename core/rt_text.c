// SPDX-License-Identifier: MIT
/*
 * The runtime's own text. A thread interrupted there, or while it holds
 * the recursion guard, is in a trampoline, a return hook or a callback:
 * its frames there may not be described by unwind tables at every
 * instruction (a rewritten return slot, a half-restored frame) and a
 * shadow stack may be half updated. Signal handlers that look at the
 * interrupted context (live patch transitions, cancellation) ask here.
 */
#include <link.h>

#include "internal.h"

static unsigned long rt_lo, rt_hi;

/* The pages of code the runtime writes (branch stubs near modules, the
 * library-call stubs): read by signal handlers, so a fixed array of
 * ranges, each published or cleared with one atomic store of its start. */
#define RT_PAGES_MAX 64
static struct {
	unsigned long lo, len;
} rt_pages[RT_PAGES_MAX];

void dft_rt_text_add(const void *p, unsigned long len)
{
	for (unsigned int i = 0; i < RT_PAGES_MAX; i++) {
		unsigned long expect = 0;

		if (__atomic_load_n(&rt_pages[i].lo, __ATOMIC_RELAXED))
			continue;
		rt_pages[i].len = len;
		if (__atomic_compare_exchange_n(&rt_pages[i].lo, &expect, (unsigned long)p, 0,
						__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return;
	}
	/* More than that: a thread interrupted in one is not seen inside. */
}

void dft_rt_text_del(const void *p)
{
	for (unsigned int i = 0; i < RT_PAGES_MAX; i++)
		if (__atomic_load_n(&rt_pages[i].lo, __ATOMIC_RELAXED) == (unsigned long)p)
			__atomic_store_n(&rt_pages[i].lo, 0, __ATOMIC_RELEASE);
}

static int rt_text_find(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		unsigned long lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if ((unsigned long)rt_text_find >= lo &&
		    (unsigned long)rt_text_find < lo + ph->p_memsz) {
			rt_lo = lo;
			rt_hi = lo + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

/* Not from a signal handler: dl_iterate_phdr() takes the loader's lock. */
void dft_rt_text_init(void)
{
	if (!__atomic_load_n(&rt_hi, __ATOMIC_ACQUIRE))
		dl_iterate_phdr(rt_text_find, NULL);
}

int dft_in_rt_text(unsigned long pc)
{
	if (pc >= rt_lo && pc < rt_hi)
		return 1;
	for (unsigned int i = 0; i < RT_PAGES_MAX; i++) {
		unsigned long lo = __atomic_load_n(&rt_pages[i].lo, __ATOMIC_ACQUIRE);

		if (lo && pc >= lo && pc - lo < rt_pages[i].len)
			return 1;
	}
	return 0;
}

/* A thread that dft_ignore_current_thread() keeps odd runs no callback.
 * The instructions of a site count too where the unwind tables leave them
 * out (no unwinder can start there). */
int dft_interrupted_inside(unsigned long pc)
{
	return ((dft_thread.seq & 1) && !dft_thread.ignored) || dft_in_rt_text(pc) ||
	       dft_arch_unwind_gap(pc);
}
