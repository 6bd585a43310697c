// SPDX-License-Identifier: MIT
/*
 * x86-64 library-call stubs (core/plt.c): the 5-byte NOP site form, then
 * `jmp *target(%rip)`. Nothing else touches a register: the call's
 * arguments, and %rax of a variadic call, reach the library as they were.
 */
#include <string.h>

#include "internal.h"

void dft_arch_plt_stub(unsigned char *code, const unsigned long *target)
{
	static const unsigned char nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	int32_t rel = (int32_t)((unsigned long)target - ((unsigned long)code + 11));

	memcpy(code, nop5, 5);
	code[5] = 0xff; /* jmp *rel32(%rip) */
	code[6] = 0x25;
	memcpy(code + 7, &rel, 4);
	memset(code + 11, 0xcc, DFT_PLT_STUB_SIZE - 11);
}
