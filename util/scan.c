// SPDX-License-Identifier: MIT
/*
 * Scanning for sites in files without a site table: the generic version
 * finds none. A port whose compilers can emit sites without a table (gcc
 * -pg on ARM and AArch64) replaces this file with arch/<arch>/scan.c.
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
