// SPDX-License-Identifier: MIT
/*
 * 32-bit ARM: finding gcc -pg and clang -pg -meabi gnu sites, which no
 * table records.
 *
 * The call to __gnu_mcount_nc is `push {lr}` (`str lr, [sp, #-4]!` or
 * `stmfd sp!, {lr}` in A32, `push {lr}` in Thumb) followed by a `bl`
 * (`blx` from Thumb, the PLT being A32) to the PLT entry of
 * __gnu_mcount_nc, at the entry or after the prologue. A function's site is
 * that pair within its first instructions, with the call going there.
 */
#include "sites.h"

#define SCAN_BYTES 64

/* armhf is little-endian. */
static uint16_t half(const unsigned char *p)
{
	return p[0] | p[1] << 8;
}

uint64_t dft_arch_scan_target(const struct dft_elf *e)
{
	long slot = dft_elf_plt_slot(e, "__gnu_mcount_nc");
	struct dft_elf_sec plt;
	uint64_t off = 20; /* the PLT header */

	if (slot < 0 || dft_elf_find_section(e, ".plt", &plt) || !plt.data)
		return 0;
	/* 12-byte A32 entries, one per slot, each preceded by a 4-byte Thumb
	 * stub (`bx pc; nop`) when some Thumb code calls it with bl. */
	for (long i = 0; off + 12 <= plt.size; i++) {
		if (half(plt.data + off) == 0x4778)
			off += 4;
		if (i == slot)
			return plt.addr + off;
		off += 12;
	}
	return 0;
}

/* The target of the Thumb BL/BLX at @pc, or 0. */
static uint64_t t32_call_target(uint64_t pc, uint16_t h1, uint16_t h2)
{
	uint32_t s = h1 >> 10 & 1, i1 = !((h2 >> 13 & 1) ^ s), i2 = !((h2 >> 11 & 1) ^ s);
	int32_t off = (int32_t)((s << 24 | i1 << 23 | i2 << 22 | (h1 & 0x3ffU) << 12 |
				 (h2 & 0x7ffU) << 1) << 7) >> 7;

	if ((h1 & 0xf800) != 0xf000 || (h2 & 0xc000) != 0xc000)
		return 0;
	return h2 & 0x1000 ? pc + 4 + off : ((pc + 4) & ~3ULL) + off;
}

uint64_t dft_arch_scan_func(const struct dft_elf *e, const struct dft_elf_sym *sym,
			    uint64_t target)
{
	int thumb = sym->value & 1;
	uint64_t start = sym->value & ~1ULL;
	uint64_t len = sym->size < SCAN_BYTES ? sym->size : SCAN_BYTES;
	const unsigned char *code = dft_elf_code_at(e, start, len);

	for (uint64_t off = 0; code && off + 8 <= len; off += thumb ? 2 : 4) {
		const unsigned char *p = code + off;
		uint64_t pc = start + off;

		if (thumb) {
			uint64_t to = t32_call_target(pc + 2, half(p + 2), half(p + 4));

			/* A bl goes to the entry's Thumb stub, 4 bytes before. */
			if (half(p) == 0xb500 && (to == target || to + 4 == target))
				return pc;
		} else {
			uint32_t w0 = dft_elf_u32(e, p), w1 = dft_elf_u32(e, p + 4);
			int32_t rel = (int32_t)(w1 << 8) >> 6;

			if ((w0 == 0xe52de004 || w0 == 0xe92d4000) && (w1 & 0xff000000) == 0xeb000000 &&
			    pc + 12 + rel == target)
				return pc;
		}
	}
	return 0;
}
