// SPDX-License-Identifier: MIT
/*
 * 32-bit ARM library-call stubs (core/plt.c), in A32 whatever the callers
 * are (the PLT is A32 too): the two-NOP entry site form, then
 * `ldr pc, [pc, #-4]` and the target, which interworks like the PLT's own
 * load of the GOT (bit 0 set: a Thumb function).
 */
#include <string.h>

#include "internal.h"

void dft_arch_plt_stub(unsigned char *code, const unsigned long *target)
{
	uint32_t w[4] = {
		0xe320f000, /* nop */
		0xe320f000, /* nop */
		0xe51ff004, /* ldr pc, [pc, #-4] */
		(uint32_t)*target,
	};

	memcpy(code, w, sizeof(w));
}
