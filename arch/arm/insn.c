// SPDX-License-Identifier: MIT
/*
 * 32-bit ARM site forms, their NOP and call encodings, and near-module
 * stubs.
 *
 * A site is `push {lr}` and one more instruction (arch.h). Its instruction
 * boundaries never move once normalised: A32 at +0, +4 (len 8); Thumb at
 * +0, +2 (len 6). The trampolines are A32 code: A32 sites call them with
 * `bl`, Thumb sites with `blx` (which switches to ARM state).
 *
 * DFT_TGT_DIRECT (dft_set_direct): the site calls the direct trampoline
 * (rec_fast.S) as it would dft_caller, or the module's direct stub, which
 * jumps through direct_far.
 */
#include <string.h>

#include "internal.h"

enum {
	SITE_A32,     /* push {lr} as `str lr, [sp, #-4]!` (gcc) */
	SITE_A32_STM, /* push {lr} as `stmfd sp!, {lr}` (clang) */
	SITE_T32,     /* Thumb: 16-bit push, 32-bit add.w or bl/blx */
};

#define A32_NOP 0xe320f000U
#define A32_PUSH_LR 0xe52de004U
#define A32_STM_LR 0xe92d4000U
#define A32_ADD_SP4 0xe28dd004U
#define A32_BL 0xeb000000U
#define A32_LDR_PC 0xe51ff004U /* ldr pc, [pc, #-4] */
#define A32_LDR_IP_PC 0xe59fc000U /* ldr ip, [pc] (the word at +8) */
#define A32_LDR_PC_IP 0xe59cf000U /* ldr pc, [ip] */
#define T16_NOP 0xbf00
#define T16_PUSH_LR 0xb500
#define T32_ADD_SP4_1 0xf10d /* add.w sp, sp, #4 */
#define T32_ADD_SP4_2 0x0d04

#define A32_RANGE (32UL << 20)
#define T32_RANGE (16UL << 20)

extern char dft_caller[], dft_regs_caller[];

/* Stubs: `ldr pc, [pc, #-4]` and the trampoline's address, in A32. The
 * direct one is `ldr ip, [pc]; ldr pc, [ip]; .word &direct_far`: the direct
 * trampoline is chosen after the stubs are sealed (ip is free at a site,
 * as at any call). */
struct stubs {
	uint32_t code[2][2];
	uint32_t direct[3];
};

/*
 * The last direct trampoline a site was given: set before the first such
 * site is patched and never cleared, since a thread may still be on its
 * way there after the sites changed back.
 */
static void *direct_far;

static unsigned long tramp(enum dft_target target)
{
	if (target == DFT_TGT_DIRECT)
		return (unsigned long)dft_direct_tramp;
	return (unsigned long)(target == DFT_TGT_REGS ? dft_regs_caller : dft_caller);
}

static int reaches(long d, unsigned long range)
{
	return d >= -(long)range && d < (long)range;
}

/* The branch offset from @site's call to @to, or through the module's
 * stub when @to is out of range; 0 with *off set, or -ENOSPC. */
static int call_offset(const struct dft_site *site, enum dft_target target, long *off)
{
	/* A32: bl at +4, pc reads 8 ahead. Thumb: blx at +2, offset from
	 * Align(pc, 4) with pc 4 ahead. */
	unsigned long base = site->kind == SITE_T32 ? (site->addr + 6) & ~3UL : site->addr + 12;
	unsigned long range = site->kind == SITE_T32 ? T32_RANGE : A32_RANGE;
	struct stubs *s = site->mod->stubs;

	if (target == DFT_TGT_DIRECT && !dft_direct_tramp)
		return -EINVAL;
	*off = (long)(tramp(target) - base);
	if (reaches(*off, range))
		return 0;
	if (!s)
		return -ENOSPC;
	if (target == DFT_TGT_DIRECT) {
		*off = (long)((unsigned long)s->direct - base);
		if (!reaches(*off, range))
			return -ENOSPC;
		WRITE_ONCE(direct_far, dft_direct_tramp);
		return 0;
	}
	*off = (long)((unsigned long)s->code[target == DFT_TGT_REGS] - base);
	return reaches(*off, range) ? 0 : -ENOSPC;
}

static void put16(uint8_t *buf, uint16_t h)
{
	memcpy(buf, &h, 2);
}

static void put32(uint8_t *buf, uint32_t w)
{
	memcpy(buf, &w, 4);
}

/* Thumb BLX (to A32) with a word-aligned offset of ±16 MiB. */
static void t32_blx(uint8_t *buf, long off)
{
	unsigned long imm = (unsigned long)off;
	unsigned int s = off < 0, i1 = imm >> 23 & 1, i2 = imm >> 22 & 1;

	put16(buf, 0xf000 | s << 10 | (imm >> 12 & 0x3ff));
	put16(buf + 2, 0xc000 | (!i1 ^ s) << 13 | (!i2 ^ s) << 11 | (imm >> 1 & 0x7ff));
}

int dft_arch_site_insn(const struct dft_site *site, enum dft_target target, uint8_t *buf)
{
	long off = 0;

	if (target != DFT_TGT_NOP && call_offset(site, target, &off))
		return -ENOSPC;
	if (site->kind == SITE_T32) {
		put16(buf, T16_PUSH_LR);
		if (target == DFT_TGT_NOP) {
			put16(buf + 2, T32_ADD_SP4_1);
			put16(buf + 4, T32_ADD_SP4_2);
		} else {
			t32_blx(buf + 2, off);
		}
		return 0;
	}
	put32(buf, site->kind == SITE_A32_STM ? A32_STM_LR : A32_PUSH_LR);
	put32(buf + 4, target == DFT_TGT_NOP ? A32_ADD_SP4 : A32_BL | ((off >> 2) & 0xffffff));
	return 0;
}

void dft_arch_site_init_insn(const struct dft_site *site, uint8_t *buf)
{
	dft_arch_site_insn(site, DFT_TGT_NOP, buf);
}

static int t32_is_call(uint16_t h1, uint16_t h2)
{
	/* BL (bit 12 set) or BLX (clear), both with bits 15:14 set. */
	return (h1 & 0xf800) == 0xf000 && (h2 & 0xc000) == 0xc000;
}

static int decode_form(struct dft_site *site)
{
	const uint16_t *h = (const uint16_t *)site->addr;
	const uint32_t *w = (const uint32_t *)site->addr;

	if (h[0] == T16_NOP && h[1] == T16_NOP && h[2] == T16_NOP) {
		site->kind = SITE_T32; /* -fpatchable-function-entry=3, Thumb */
		return 0;
	}
	if (h[0] == T16_PUSH_LR &&
	    ((h[1] == T32_ADD_SP4_1 && h[2] == T32_ADD_SP4_2) || t32_is_call(h[1], h[2]))) {
		site->kind = SITE_T32;
		return 0;
	}
	if (site->addr & 3)
		return -ENOEXEC;
	if (w[0] == A32_NOP && w[1] == A32_NOP) {
		site->kind = SITE_A32; /* -fpatchable-function-entry=2 or more, A32 */
		return 0;
	}
	if ((w[0] == A32_PUSH_LR || w[0] == A32_STM_LR) &&
	    (w[1] == A32_ADD_SP4 || (w[1] & 0xff000000) == A32_BL)) {
		site->kind = w[0] == A32_STM_LR ? SITE_A32_STM : SITE_A32;
		return 0;
	}
	return -ENOEXEC;
}

int dft_arch_site_decode(struct dft_site *site)
{
	uint8_t enc[DFT_SITE_MAX];

	if ((site->addr & 1) || decode_form(site))
		return -ENOEXEC;
	site->len = site->kind == SITE_T32 ? 6 : 8;
	/* -pg after the prologue (non-leaf functions, and always with clang). */
	if (site->addr != site->func)
		site->flags |= DFT_SITE_NONENTRY;
	/* A site already calling one of our trampolines: a fork child, or a
	 * module rescanned after a failed dlclose. */
	site->target = DFT_TGT_NOP;
	for (int t = DFT_TGT_CALLER; t <= DFT_TGT_DIRECT; t++)
		if (!dft_arch_site_insn(site, t, enc) && !memcmp(enc, (void *)site->addr, site->len))
			site->target = t;
	return 0;
}

void *dft_arch_stubs_alloc(struct dft_module *mod)
{
	struct stubs *s = dft_map_near(mod->text_lo, mod->text_hi, T32_RANGE);

	if (!s)
		return NULL;
	for (int i = 0; i < 2; i++) {
		s->code[i][0] = A32_LDR_PC;
		s->code[i][1] = tramp(i ? DFT_TGT_REGS : DFT_TGT_CALLER);
	}
	s->direct[0] = A32_LDR_IP_PC;
	s->direct[1] = A32_LDR_PC_IP;
	s->direct[2] = (uint32_t)(unsigned long)&direct_far;
	return dft_stubs_seal(s);
}

/* By the shorter Thumb reach, since a module may hold both kinds. */
int dft_arch_need_stubs(const struct dft_module *mod)
{
	for (int t = DFT_TGT_CALLER; t <= DFT_TGT_REGS; t++)
		if (!reaches((long)(tramp(t) - mod->text_lo), T32_RANGE) ||
		    !reaches((long)(tramp(t) - mod->text_hi), T32_RANGE))
			return 1;
	return 0;
}

/* The assembly addresses the frame through the DFT_REGS_* constants. */
_Static_assert(offsetof(struct dft_regs, uregs[DFT_ARM_SP]) == DFT_REGS_SP, "sp");
_Static_assert(offsetof(struct dft_regs, uregs[DFT_ARM_LR]) == DFT_REGS_LR, "lr");
_Static_assert(offsetof(struct dft_regs, uregs[DFT_ARM_PC]) == DFT_REGS_PC, "pc");
_Static_assert(offsetof(struct dft_regs, uregs[16]) == DFT_REGS_CPSR, "cpsr");
_Static_assert(offsetof(struct dft_regs, uregs[17]) == DFT_REGS_ORIG_R0, "orig_r0");
_Static_assert(offsetof(struct dft_regs, d) == DFT_REGS_D, "d0-d7");
_Static_assert(sizeof(struct dft_regs) == DFT_REGS_SIZE, "frame size");
