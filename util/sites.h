/* SPDX-License-Identifier: MIT */
/*
 * The call sites an ELF file records, with the function each belongs to.
 * Shared by the runtime (which then checks the bytes in memory) and the
 * command's `list` (which works offline).
 */
#ifndef DFT_SITES_H
#define DFT_SITES_H

#include "elfread.h"

/* Hidden in the runtime (internal.h says why); harmless in the command. */
#pragma GCC visibility push(hidden)

struct dft_elf_site {
	uint64_t site; /* link-time address of the site */
	uint64_t func; /* link-time address of its function */
	uint32_t name; /* offset of the function name in names */
	uint8_t thumb; /* ARM: a Thumb function */
};

struct dft_elf_sites {
	struct dft_elf_site *v; /* sorted by site, no duplicates */
	size_t n;
	char *names;
	size_t names_len;
	const char *table; /* which section recorded them, or NULL */
	size_t unnamed;	   /* sites outside any function symbol, dropped */
};

/* 0 (possibly with no sites), or -ENOMEM. Free with dft_elf_sites_free(). */
int dft_elf_sites(const struct dft_elf *e, struct dft_elf_sites *out);
void dft_elf_sites_free(struct dft_elf_sites *s);

/*
 * Files that have no table (gcc -pg on ARM and AArch64) are scanned: the
 * architecture decodes each function's first instructions (arch/<arch>/
 * scan.c; where every site form has a table it finds nothing).
 *
 * dft_arch_scan_target(): the link-time address such sites call (the PLT
 * entry of the mcount function), or 0 when the file has none to find.
 * dft_arch_scan_func(): the link-time address of @sym's site, or 0.
 */
uint64_t dft_arch_scan_target(const struct dft_elf *e);
uint64_t dft_arch_scan_func(const struct dft_elf *e, const struct dft_elf_sym *sym,
			    uint64_t target);

/* The site tables, in order of preference. */
extern const char *const dft_site_tables[];

#pragma GCC visibility pop
#endif /* DFT_SITES_H */
