// SPDX-License-Identifier: MIT
/*
 * x86-64: finding -pg -mfentry sites that no table records (gcc without
 * -mrecord-mcount, clang), the form C++ needs: gcc 12 puts the table
 * entries of inline and template functions outside their COMDAT group,
 * so a multi-file C++ program with a table does not link.
 *
 * The call to __fentry__ is the first instruction of the function, or the
 * second after an endbr64:
 *   gcc PIE:         ff 15 rel32   call *__fentry__@GOTPCREL(%rip)
 *   clang, non-PIE:  e8 rel32      call __fentry__@PLT
 * Both end at the GOT slot of __fentry__: the first reads it, the PLT entry
 * jumps through it (`ff 25 rel32`, after endbr64 and bnd in .plt.sec).
 * insn.c takes both forms at the entry (SITE_CALL6, SITE_CALL5).
 */
#include <string.h>

#include "sites.h"

static const unsigned char endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

static int32_t rel32(const unsigned char *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

uint64_t dft_arch_scan_target(const struct dft_elf *e)
{
	return dft_elf_got_slot(e, "__fentry__");
}

/* The GOT slot the PLT entry at @plt jumps through, or 0. */
static uint64_t plt_slot(const struct dft_elf *e, uint64_t plt)
{
	const unsigned char *p = dft_elf_code_at(e, plt, 11);

	if (!p)
		return 0;
	if (!memcmp(p, endbr64, 4)) {
		p += 4;
		plt += 4;
	}
	if (p[0] == 0xf2) { /* bnd */
		p++;
		plt++;
	}
	return p[0] == 0xff && p[1] == 0x25 ? plt + 6 + rel32(p + 2) : 0;
}

uint64_t dft_arch_scan_func(const struct dft_elf *e, const struct dft_elf_sym *sym,
			    uint64_t target)
{
	uint64_t pc = sym->value;
	const unsigned char *p = dft_elf_code_at(e, pc, sym->size < 10 ? sym->size : 10);

	if (!p || sym->size < 5)
		return 0;
	if (sym->size >= 10 && !memcmp(p, endbr64, 4)) {
		p += 4;
		pc += 4;
	}
	if (p[0] == 0xff && p[1] == 0x15 && pc + 6 <= sym->value + sym->size &&
	    pc + 6 + rel32(p + 2) == target)
		return pc;
	if (p[0] == 0xe8 && plt_slot(e, pc + 5 + rel32(p + 1)) == target)
		return pc;
	return 0;
}
