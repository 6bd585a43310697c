// SPDX-License-Identifier: MIT
/*
 * x86-64: every site form has a table (__patchable_function_entries or
 * __mcount_loc), so there is nothing to scan for.
 */
#include "sites.h"

uint64_t dft_arch_scan_target(const struct dft_elf *e)
{
	return 0;
}

uint64_t dft_arch_scan_func(const struct dft_elf *e, const struct dft_elf_sym *sym,
			    uint64_t target)
{
	return 0;
}
