// SPDX-License-Identifier: MIT
/*
 * Pages near a module, for the branch stubs of architectures whose direct
 * calls cannot reach the trampolines from everywhere. The architecture
 * fills the page (dft_arch_stubs_alloc()) and seals it: written once, then
 * read-only, so the stubs are never writable and executable at once.
 */
#include <sys/mman.h>

#include "internal.h"

#define PAGE_SIZE dft_page_size()

static int within(unsigned long a, unsigned long b, unsigned long range)
{
	return (a > b ? a - b : b - a) < range;
}

void *dft_map_near(unsigned long lo, unsigned long hi, unsigned long range)
{
	unsigned long step = range / 16;

	/* Try below the module first (the heap tends to sit above it), in
	 * growing steps, staying within range of both ends. */
	for (unsigned long d = step; d + (hi - lo) < range; d += step) {
		for (int dir = -1; dir <= 1; dir += 2) {
			unsigned long want = (dir < 0 ? lo - d : hi + d) & ~(PAGE_SIZE - 1);
			void *p;

			/* No wrapping around the address space. */
			if (dir < 0 ? want >= lo : want <= hi)
				continue;
			p = mmap((void *)want, PAGE_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (p == MAP_FAILED)
				continue;
			if (within(lo, (unsigned long)p, range) &&
			    within(hi, (unsigned long)p + PAGE_SIZE, range))
				return p;
			munmap(p, PAGE_SIZE);
		}
	}
	return NULL;
}

void *dft_stubs_seal(void *page)
{
	__builtin___clear_cache((char *)page, (char *)page + PAGE_SIZE);
	if (mprotect(page, PAGE_SIZE, PROT_READ | PROT_EXEC)) {
		munmap(page, PAGE_SIZE);
		return NULL;
	}
	dft_rt_text_add(page, PAGE_SIZE);
	return page;
}

void dft_stubs_free(struct dft_module *mod)
{
	if (mod->stubs) {
		dft_rt_text_del(mod->stubs);
		munmap(mod->stubs, PAGE_SIZE);
	}
	mod->stubs = NULL;
}
