// SPDX-License-Identifier: MIT
/*
 * AArch64 library-call stubs (core/plt.c): the two-NOP entry site form,
 * then `ldr x16, target; br x16`. x16 is IP0, free at a call through the
 * PLT (which uses it itself); br x16 may land on a `bti c`.
 */
#include <string.h>

#include "internal.h"

void dft_arch_plt_stub(unsigned char *code, const unsigned long *target)
{
	long off = (long)((unsigned long)target - ((unsigned long)code + 8)) / 4;
	uint32_t w[4] = {
		0xd503201f, /* nop */
		0xd503201f, /* nop */
		0x58000010 | ((uint32_t)off & 0x7ffff) << 5, /* ldr x16, target */
		0xd61f0200, /* br x16 */
	};

	memcpy(code, w, sizeof(w));
}
