// SPDX-License-Identifier: MIT
/*
 * AArch64: finding gcc -pg sites, which no table records (lib/sites.c).
 *
 * gcc emits `mov x0, x30` and `bl _mcount` after the prologue (and after
 * an `xpaclri` with return-address signing), at -O2 with other
 * instructions scheduled between them; in a dynamically linked file the bl
 * goes to the PLT entry of _mcount. A function's site is its first bl
 * there, after the `mov x0, x30`; the site's address is the word before it
 * (insn.c: the bl is the second word of every site).
 */
#include "sites.h"

#define MOV_X0_X30 0xaa1e03e0U
#define BL 0x94000000U
#define BL_MASK 0xfc000000U
/* The prologue before the site: stp, mov x29, stores, xpaclri, and what
 * the scheduler moved up. */
#define SCAN_BYTES 256

uint64_t dft_arch_scan_target(const struct dft_elf *e)
{
	long slot = dft_elf_plt_slot(e, "_mcount");
	struct dft_elf_sec plt;

	if (slot < 0 || dft_elf_find_section(e, ".plt", &plt))
		return 0;
	/* The AArch64 PLT: a 32-byte header, then 16 bytes per slot. */
	return plt.addr + 32 + 16 * slot;
}

uint64_t dft_arch_scan_func(const struct dft_elf *e, const struct dft_elf_sym *sym,
			    uint64_t target)
{
	uint64_t len = (sym->size < SCAN_BYTES ? sym->size : SCAN_BYTES) & ~3ULL;
	const unsigned char *code = dft_elf_code_at(e, sym->value, len);
	int frompc = 0;

	if (!code || (sym->value & 3))
		return 0;
	for (uint64_t off = 0; off + 4 <= len; off += 4) {
		uint32_t w = dft_elf_u32(e, code + off);
		int32_t rel = (int32_t)((w & ~BL_MASK) << 6) >> 4;

		frompc |= w == MOV_X0_X30;
		if ((w & BL_MASK) != BL || sym->value + off + rel != target)
			continue;
		/* clang's -pg passes no return address: the trampolines
		 * would report a wrong caller, so it is no site of ours. */
		return frompc ? sym->value + off - 4 : 0;
	}
	return 0;
}
