// SPDX-License-Identifier: MIT
/*
 * x86-64 site forms, their NOP and call encodings, and near-module stubs.
 *
 * Every form is normalised to instruction boundaries that never move
 * afterwards: one 5-byte instruction at the site (NOP5 or call rel32), plus
 * a trailing 1-byte NOP for the 6-byte GOT call of gcc's PIE -mfentry. A
 * thread may be preempted at any boundary, so a boundary that existed once
 * must exist forever.
 */
#include <string.h>

#include "internal.h"

enum {
	SITE_NOPS,  /* gcc -fpatchable-function-entry=5: 5 x 0x90 */
	SITE_NOP5,  /* clang pfe (0f 1f 44 00 08), -mnop-mcount, or ours */
	SITE_CALL5, /* -mfentry: call __fentry__ */
	SITE_CALL6, /* PIE -mfentry: call *__fentry__@GOTPCREL(%rip) */
};

static const uint8_t nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };

extern char dft_caller[], dft_regs_caller[];

int dft_arch_site_decode(struct dft_site *site)
{
	const uint8_t *p = (const uint8_t *)site->addr;
	static const uint8_t nops[5] = { 0x90, 0x90, 0x90, 0x90, 0x90 };
	static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	uint8_t enc[DFT_SITE_MAX];

	/* Only entry sites: gcc -pg without -mfentry records its mcount call
	 * after `push %rbp; mov %rsp,%rbp`, at the same offset an endbr64
	 * would give, where neither the stack nor the registers are the
	 * function's entry state the trampolines rely on. */
	if (site->addr != site->func &&
	    !(site->addr == site->func + 4 && !memcmp((void *)site->func, endbr64, 4)))
		return -EOPNOTSUPP;

	site->len = 5;
	if (!memcmp(p, nops, 5))
		site->kind = SITE_NOPS;
	else if (!memcmp(p, nop5, 4))
		site->kind = SITE_NOP5;
	else if (p[0] == 0xe8)
		site->kind = SITE_CALL5;
	else if (p[0] == 0xff && p[1] == 0x15) {
		site->kind = SITE_CALL6;
		site->len = 6;
	} else {
		return -ENOEXEC;
	}
	/* A site already calling one of our trampolines: a fork child, or a
	 * module rescanned after a failed dlclose. */
	site->target = DFT_TGT_NOP;
	if (p[0] == 0xe8) {
		for (int t = DFT_TGT_CALLER; t <= DFT_TGT_DIRECT; t++)
			if (!dft_arch_site_insn(site, t, enc) && !memcmp(enc, p, 5)) {
				site->target = t;
				break;
			}
	}
	return 0;
}

void dft_arch_site_init_insn(const struct dft_site *site, uint8_t *buf)
{
	memcpy(buf, nop5, 5);
	buf[5] = 0x90;
}

/* A page of `jmp *lit(%rip)` stubs within rel32 range of the module: to
 * the caller, the regs-caller and the direct trampoline. */
struct stubs {
	uint8_t code[3][16];
};

/*
 * The direct trampoline is chosen after the stubs are sealed, so the third
 * stub goes through this jump, to the last direct trampoline a site was
 * given. It is set before the first such site is patched and never cleared:
 * a thread may still be on its way there after the sites changed back.
 */
void *dft_arch_direct_far;
void dft_arch_direct_jump(void);
__asm__(".text\n"
	".p2align 4\n"
	".type dft_arch_direct_jump, @function\n"
	"dft_arch_direct_jump:\n"
	"\tjmp *dft_arch_direct_far(%rip)\n"
	".size dft_arch_direct_jump, .-dft_arch_direct_jump\n");

static int in_rel32(unsigned long from, unsigned long to)
{
	long d = (long)(to - from);

	return d == (int32_t)d;
}

void *dft_arch_stubs_alloc(struct dft_module *mod)
{
	char *const tramps[3] = { dft_caller, dft_regs_caller, (char *)dft_arch_direct_jump };
	struct stubs *s = dft_map_near(mod->text_lo, mod->text_hi, 1UL << 31);

	if (!s)
		return NULL;
	for (int i = 0; i < 3; i++) {
		/* ff 25 00 00 00 00: jmp *0(%rip), then the 8-byte target. */
		static const uint8_t jmp[6] = { 0xff, 0x25, 0, 0, 0, 0 };
		unsigned long target = (unsigned long)tramps[i];

		memcpy(s->code[i], jmp, 6);
		memcpy(s->code[i] + 6, &target, 8);
	}
	return dft_stubs_seal(s);
}

int dft_arch_site_insn(const struct dft_site *site, enum dft_target target, uint8_t *buf)
{
	unsigned long to, from = site->addr + 5;
	int32_t rel;

	buf[5] = 0x90;
	if (target == DFT_TGT_NOP) {
		memcpy(buf, nop5, 5);
		return 0;
	}
	if (target == DFT_TGT_DIRECT) {
		if (!dft_direct_tramp)
			return -EINVAL;
		to = (unsigned long)dft_direct_tramp;
		WRITE_ONCE(dft_arch_direct_far, dft_direct_tramp);
	} else {
		to = (unsigned long)(target == DFT_TGT_REGS ? dft_regs_caller : dft_caller);
	}
	if (!in_rel32(from, to)) {
		struct stubs *s = site->mod->stubs;

		if (!s)
			return -ENOSPC;
		to = (unsigned long)s->code[target - DFT_TGT_CALLER];
		if (!in_rel32(from, to))
			return -ENOSPC;
	}
	rel = (int32_t)(to - from);
	buf[0] = 0xe8;
	memcpy(buf + 1, &rel, 4);
	return 0;
}

int dft_arch_need_stubs(const struct dft_module *mod)
{
	return !in_rel32(mod->text_lo, (unsigned long)dft_caller) ||
	       !in_rel32(mod->text_hi, (unsigned long)dft_caller) ||
	       !in_rel32(mod->text_lo, (unsigned long)dft_regs_caller) ||
	       !in_rel32(mod->text_hi, (unsigned long)dft_regs_caller);
}

/* The assembly addresses the frame through the DFT_REGS_* constants. */
_Static_assert(offsetof(struct dft_regs, rbp) == DFT_REGS_RBP, "rbp");
_Static_assert(offsetof(struct dft_regs, rbx) == DFT_REGS_RBX, "rbx");
_Static_assert(offsetof(struct dft_regs, rax) == DFT_REGS_RAX, "rax");
/* return.S saves rdx (the second return register) here. */
_Static_assert(offsetof(struct dft_regs, rdx) == 96, "rdx");
_Static_assert(offsetof(struct dft_regs, rip) == DFT_REGS_RIP, "rip");
_Static_assert(offsetof(struct dft_regs, rsp) == DFT_REGS_RSP, "rsp");
_Static_assert(offsetof(struct dft_regs, xstate) == DFT_REGS_XSTATE, "xstate");
_Static_assert(offsetof(struct dft_regs, xmm) == DFT_REGS_XMM, "xmm");
_Static_assert(sizeof(struct dft_regs) == DFT_REGS_SIZE, "frame size");
