/*
 * AArch64 site forms, their NOP and call encodings, and near-module stubs.
 *
 * Every site is two words, and only the second ever flips between NOP and
 * `bl` to a trampoline (or to a stub near the module when the trampolines
 * are beyond the ±128 MiB of bl):
 *
 *   entry  -fpatchable-function-entry=2: the first NOP becomes
 *          `mov x9, x30` once; the trampolines find the caller's return
 *          address in x9.
 *   mcount gcc -pg: the word before `bl _mcount` (whatever it is, never
 *          written) and the bl. gcc has put the return address into x0
 *          (`mov x0, x30`, scheduled anywhere before), so these call the
 *          trampolines' mcount entries, which take it from there.
 *
 * DFT_TGT_DIRECT (dft_set_direct): an entry site calls the direct
 * trampoline, or the module's direct stub, which jumps through
 * direct_far. A mcount site keeps calling the caller: its return
 * address is in x0, and it cannot be hooked, which the direct trampolines
 * do not check.
 */
#include <string.h>

#include "internal.h"

enum { SITE_ENTRY, SITE_MCOUNT };

#define NOP 0xd503201fU
#define BTI_C 0xd503245fU
#define MOV_X9_X30 0xaa1e03e9U
#define BL 0x94000000U
#define BL_MASK 0xfc000000U
#define LDR_X16_LIT8 0x58000050U /* ldr x16, .+8 */
#define LDR_X16_LIT16 0x58000090U /* ldr x16, .+16 */
#define LDR_X16_X16 0xf9400210U /* ldr x16, [x16] */
#define BR_X16 0xd61f0200U

#define BL_RANGE (128UL << 20)

/* dft_caller and dft_regs_caller: internal.h; the -pg forms' own here,
 * hidden like every internal declaration (no GOT load). */
extern __attribute__((visibility("hidden"))) char dft_mcount_caller[], dft_mcount_regs_caller[];

static uint32_t word(unsigned long addr, int i)
{
	return ((const volatile uint32_t *)addr)[i];
}

static int bl_reaches(unsigned long from, unsigned long to)
{
	long d = (long)(to - from);

	return d >= -(long)BL_RANGE && d < (long)BL_RANGE;
}

/* The trampoline entries, by [kind][target - DFT_TGT_CALLER]. */
#define NR_TRAMPS 4
static char *const tramps[NR_TRAMPS] = { dft_caller, dft_regs_caller, dft_mcount_caller,
					 dft_mcount_regs_caller };

static int tramp_index(int kind, enum dft_target target)
{
	return (kind == SITE_MCOUNT ? 2 : 0) + (target == DFT_TGT_REGS);
}

/* Stubs: `ldr x16, .+8; br x16; .quad target`. (adrp reaches ±4 GiB only,
 * and a PIE program and its libraries are terabytes apart.) The direct one
 * is `ldr x16, .+16; ldr x16, [x16]; br x16; nop; .quad
 * &direct_far`: the direct trampoline is chosen after the stubs
 * are sealed. */
struct stubs {
	uint32_t code[NR_TRAMPS][4];
	uint32_t direct[6];
};

/*
 * The last direct trampoline an entry site was given: set before the
 * first such site is patched and never cleared, since a thread may still
 * be on its way there after the sites changed back.
 */
static void *direct_far;

static int site_insn(const struct dft_site *site, int kind, enum dft_target target, uint32_t *insn)
{
	unsigned long from = site->addr + 4, to;
	int i = tramp_index(kind, target);
	struct stubs *s = site->mod->stubs;

	insn[0] = kind == SITE_MCOUNT ? word(site->addr, 0) : MOV_X9_X30;
	insn[1] = NOP;
	if (target == DFT_TGT_NOP)
		return 0;
	if (target == DFT_TGT_DIRECT && !dft_direct_tramp)
		return -EINVAL;
	to = (unsigned long)tramps[i];
	if (target == DFT_TGT_DIRECT && kind == SITE_ENTRY) {
		to = (unsigned long)dft_direct_tramp;
		if (!bl_reaches(from, to) && s && bl_reaches(from, (unsigned long)s->direct)) {
			WRITE_ONCE(direct_far, dft_direct_tramp);
			to = (unsigned long)s->direct;
		}
		/* Out of reach without a stub: the caller serves it too. */
		if (!bl_reaches(from, to))
			to = (unsigned long)tramps[i];
	}
	if (!bl_reaches(from, to)) {
		if (!s)
			return -ENOSPC;
		to = (unsigned long)s->code[i];
		if (!bl_reaches(from, to))
			return -ENOSPC;
	}
	insn[1] = BL | (((to - from) >> 2) & ~BL_MASK);
	return 0;
}

int dft_arch_site_insn(const struct dft_site *site, enum dft_target target, uint8_t *buf)
{
	uint32_t insn[2];
	int ret = site_insn(site, site->kind, target, insn);

	memcpy(buf, insn, sizeof(insn));
	return ret;
}

void dft_arch_site_init_insn(const struct dft_site *site, uint8_t *buf)
{
	dft_arch_site_insn(site, DFT_TGT_NOP, buf);
}

int dft_arch_site_decode(struct dft_site *site)
{
	uint32_t w0 = word(site->addr, 0), w1 = word(site->addr, 1), insn[2];
	int entry = site->addr == site->func ||
		    (site->addr == site->func + 4 && word(site->func, 0) == BTI_C);

	if ((site->addr & 3) || (w1 != NOP && (w1 & BL_MASK) != BL))
		return -ENOEXEC;
	site->len = 8;
	site->target = DFT_TGT_NOP;
	site->kind = SITE_MCOUNT;
	/* An entry site already calling a trampoline (a fork child, or a
	 * module rescanned after a failed dlclose), or a mcount one. */
	for (int kind = SITE_ENTRY; kind <= SITE_MCOUNT; kind++)
		for (int t = DFT_TGT_CALLER; t <= DFT_TGT_DIRECT; t++)
			if (!site_insn(site, kind, t, insn) && insn[0] == w0 && insn[1] == w1) {
				site->kind = kind;
				site->target = t;
			}
	/* Not yet ours: NOPs at an entry, or anything before a bl (_mcount,
	 * as scan.c checked) after the prologue. */
	if (!site->target && entry && (w0 == NOP || w0 == MOV_X9_X30) && w1 == NOP)
		site->kind = SITE_ENTRY;
	if (site->kind == SITE_MCOUNT && entry)
		return -ENOEXEC;
	if (site->kind == SITE_MCOUNT)
		site->flags |= DFT_SITE_NONENTRY;
	return 0;
}

void *dft_arch_stubs_alloc(struct dft_module *mod)
{
	struct stubs *s = dft_map_near(mod->text_lo, mod->text_hi, BL_RANGE);
	uint64_t far;

	if (!s)
		return NULL;
	for (int i = 0; i < NR_TRAMPS; i++) {
		uint64_t target = (unsigned long)tramps[i];

		s->code[i][0] = LDR_X16_LIT8;
		s->code[i][1] = BR_X16;
		memcpy(&s->code[i][2], &target, 8);
	}
	far = (unsigned long)&direct_far;
	s->direct[0] = LDR_X16_LIT16;
	s->direct[1] = LDR_X16_X16;
	s->direct[2] = BR_X16;
	s->direct[3] = NOP;
	memcpy(&s->direct[4], &far, 8);
	return dft_stubs_seal(s);
}

int dft_arch_need_stubs(const struct dft_module *mod)
{
	for (int i = 0; i < NR_TRAMPS; i++)
		if (!bl_reaches(mod->text_lo, (unsigned long)tramps[i]) ||
		    !bl_reaches(mod->text_hi, (unsigned long)tramps[i]))
			return 1;
	return 0;
}

/* The assembly addresses the frame through the DFT_REGS_* constants. */
_Static_assert(offsetof(struct dft_regs, regs[29]) == DFT_REGS_X29, "x29");
_Static_assert(offsetof(struct dft_regs, regs[30]) == DFT_REGS_X30, "x30");
_Static_assert(offsetof(struct dft_regs, sp) == DFT_REGS_SP, "sp");
_Static_assert(offsetof(struct dft_regs, pc) == DFT_REGS_PC, "pc");
_Static_assert(offsetof(struct dft_regs, pstate) == DFT_REGS_PSTATE, "pstate");
_Static_assert(offsetof(struct dft_regs, v) == DFT_REGS_V, "v");
_Static_assert(sizeof(struct dft_regs) == DFT_REGS_SIZE, "frame size");
