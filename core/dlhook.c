// SPDX-License-Identifier: MIT
/*
 * dlopen() and dlclose() in a process the runtime was loaded into after
 * start-up (`dynftrace record -p`, `top -p`, `ctl --attach`: cmd/attach.c).
 *
 * Preloaded or linked, the runtime's dlopen() and dlclose() (module.c)
 * interpose on libc's: every module's calls reach them, and each new library
 * gets its sites at once. Loaded with dlopen() by a tracer, the runtime
 * comes last in the global scope and every module's calls are bound (or,
 * lazily, will be bound) to libc's: a library the program loads later
 * would never be seen. So in that case each module's GOT slots of dlopen
 * and dlclose are pointed to the wrappers here, as the module is first
 * seen: at the attach (every thread stopped by the tracer), and for a new
 * library, in the scan its own dlopen() runs, before it can call dlopen.
 *
 * A lazy slot may be taken too: the dynamic linker binds a slot only when
 * it is called through the PLT, which then goes to us. The slots stay
 * ours after a detach, as a preloaded runtime's interposers do, so that a
 * later attach sees what was loaded meanwhile. What this does not see: a
 * dlopen() reached through a pointer taken before the attach, or from
 * inside libc (NSS, iconv); the control server rescans the modules at each
 * request for those (record/control.c).
 */
#include <dlfcn.h>
#include <link.h>
#include <string.h>

#include "elfread.h"
#include "internal.h"

/* What the GOT slots point to: the module that called is the caller. */
static __attribute__((noinline)) void *got_dlopen(const char *file, int mode)
{
	return dft_dlopen_from(file, mode, __builtin_return_address(0));
}

static __attribute__((noinline)) int got_dlclose(void *handle)
{
	return dft_dlclose(handle);
}

static const struct {
	const char *name;
	void *to;
} hooks[] = {
	{ "dlopen", (void *)got_dlopen },
	{ "dlclose", (void *)got_dlclose },
};

/* Whether our dlopen() is the one the program's calls find (preloaded or
 * linked): then nothing is to be done. */
static int interposed(void)
{
	static int state = -1;
	Dl_info def, self;
	void *p;

	if (state >= 0)
		return state;
	p = dlsym(RTLD_DEFAULT, "dlopen");
	state = p && dladdr(p, &def) && dladdr((void *)got_dlopen, &self) &&
		def.dli_fbase == self.dli_fbase;
	pr_debug("dlopen: %s", state ? "interposed" : "taken in the GOT of each module");
	return state;
}

struct take {
	const struct dft_module *mod;
	unsigned long relro_lo, relro_hi;
};

static void take_slot(struct take *t, uint64_t got, void *to, const char *name)
{
	unsigned long *slot = (unsigned long *)(t->mod->bias + (unsigned long)got);

	if ((unsigned long)slot & (sizeof(long) - 1) || *slot == (unsigned long)to)
		return;
	if (dft_got_store(slot, (unsigned long)to, t->relro_lo, t->relro_hi))
		pr_warn("%s: cannot take its GOT slot of %s: the libraries it loads are not traced",
			t->mod->name, name);
	else
		pr_debug("%s: %s through the GOT slot %#lx", t->mod->name, name,
			 (unsigned long)got);
}

/* The PLT's slots (a lazy module may have one there and one in .got). */
static int plt_slot(const char *name, uint64_t got, void *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		if (!strcmp(name, hooks[i].name))
			take_slot(arg, got, hooks[i].to, name);
	}
	return 0;
}

void dft_dl_hook(const struct dft_module *mod, const struct dft_elf *e)
{
	struct take t = { .mod = mod };
	int any = 0;

	if (interposed())
		return;
	for (size_t i = 0; i < ARRAY_SIZE(hooks) && !any; i++)
		any = dft_elf_got_slot(e, hooks[i].name) != 0;
	if (!any)
		return;
	dft_got_relro(mod->bias, &t.relro_lo, &t.relro_hi);
	for (size_t i = 0; i < ARRAY_SIZE(hooks); i++) {
		uint64_t got = dft_elf_got_slot(e, hooks[i].name);

		if (got)
			take_slot(&t, got, hooks[i].to, hooks[i].name);
	}
	dft_elf_for_each_plt_slot(e, plt_slot, &t);
}
