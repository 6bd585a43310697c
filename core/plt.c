// SPDX-License-Identifier: MIT
/*
 * Library calls: the calls a module with call sites makes through its PLT
 * into libraries that have none (malloc, read, pthread_mutex_lock).
 *
 * For each such GOT slot, a stub is made in a page of ours: a call site of
 * the architecture's NOP form (the stub is its "function"), then a jump to
 * the slot's target. The stubs form a module of their own, named after the
 * module whose calls they are; everything else (ids, filters, tracers,
 * return hooks) is what any site gets. A GOT slot points to its stub only
 * while some ops wants the stub's site (dft_plt_sync(), after every
 * patch): a call nobody traces costs nothing, and unregistering puts back
 * exactly what each slot held.
 *
 * Only slots already bound are taken (the recorder sets LD_BIND_NOW): a
 * lazy slot still points into its module's PLT, and the dynamic linker
 * would overwrite it. DYNFTRACE_LIBCALL=1 turns this on.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "sites.h"

struct relro {
	unsigned long bias, lo, hi;
};

static int find_relro(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct relro *r = arg;
	unsigned long page = sysconf(_SC_PAGESIZE);

	if (info->dlpi_addr != r->bias)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		/* The dynamic linker makes read-only the whole pages of the
		 * segment only: a slot in its last, partial page stays
		 * writable, and so must the page. */
		if (ph->p_type == PT_GNU_RELRO) {
			r->lo = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
			r->hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(page - 1);
		}
	}
	return 1;
}

void dft_got_relro(unsigned long bias, unsigned long *lo, unsigned long *hi)
{
	struct relro r = { .bias = bias };

	dl_iterate_phdr(find_relro, &r);
	*lo = r.lo;
	*hi = r.hi;
}

/* A RELRO slot is read-only once the dynamic linker is done, and is made
 * so again. */
int dft_got_store(unsigned long *p, unsigned long v, unsigned long relro_lo,
		  unsigned long relro_hi)
{
	long pagesz = sysconf(_SC_PAGESIZE);
	unsigned long page = (unsigned long)p & ~(pagesz - 1);
	int ro = (unsigned long)p >= relro_lo && (unsigned long)p < relro_hi;

	if (ro && mprotect((void *)page, pagesz, PROT_READ | PROT_WRITE))
		return -1;
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
	if (ro)
		mprotect((void *)page, pagesz, PROT_READ);
	return 0;
}

#ifdef HAVE_DFT_LIBCALL

/* What a stub must not stand in for: functions that return twice, never
 * return through their frame, switch stacks, or are our own machinery. */
static const char *const never[] = {
	"setjmp", "_setjmp", "sigsetjmp", "__sigsetjmp", "vfork", "clone", "getcontext",
	"setcontext", "swapcontext", "makecontext", "longjmp", "_longjmp", "siglongjmp",
	"__longjmp_chk", "__tls_get_addr", "__fentry__", "mcount", "_mcount", "__gnu_mcount_nc",
	"__cxa_throw", "__cxa_rethrow", "_Unwind_Resume", "_Unwind_RaiseException",
	"_Unwind_ForcedUnwind", "__stack_chk_fail", "__libc_start_main", "pthread_exit",
};

struct plt {
	unsigned long *got;	 /* runtime addresses of the slots */
	unsigned long *orig;	 /* what they held */
	unsigned long relro_lo, relro_hi;
	void *page;
	size_t len;
};

struct slot {
	char *name;
	unsigned long got;
};

struct want {
	const struct dft_module *owner, *added;
	unsigned long self_lo, self_hi;
	struct slot *v;
	size_t n, cap;
};

static int enabled = -1;

/* Whether @addr is code of a module with call sites: calls there are
 * traced at the callee. */
static int in_traced(const struct dft_module *list, unsigned long addr)
{
	for (const struct dft_module *m = list; m; m = m->next) {
		if (m->nr_sites && !m->owner && addr >= m->text_lo && addr < m->text_hi)
			return 1;
	}
	return 0;
}

static int want_slot(const char *name, uint64_t got, void *arg)
{
	struct want *w = arg;
	unsigned long slot = w->owner->bias + got, target;

	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		if (!strcmp(name, never[i]))
			return 0;
	}
	/* libstdc++'s std::__throw_*: they only throw, and an unwinder must
	 * not meet a hooked return address where it cannot restore one. */
	if (strstr(name, "__throw_"))
		return 0;
	if (slot & (sizeof(long) - 1))
		return 0;
	target = *(unsigned long *)slot;
	/* Unbound (its own PLT), ours (the interposers), or traced code. */
	if (!target || (target >= w->owner->text_lo && target < w->owner->text_hi) ||
	    (target >= w->self_lo && target < w->self_hi) || in_traced(dft_modules, target) ||
	    in_traced(w->added, target))
		return 0;
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		struct slot *v = realloc(w->v, cap * sizeof(*v));

		if (!v)
			return -1;
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n].name = strdup(name);
	w->v[w->n].got = slot;
	if (!w->v[w->n].name)
		return -1;
	w->n++;
	return 0;
}

/* Our own executable range. */
static int find_self(struct dl_phdr_info *info, size_t size, void *arg)
{
	unsigned long *r = arg;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		unsigned long a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) &&
		    (unsigned long)find_self >= a && (unsigned long)find_self < a + ph->p_memsz) {
			r[0] = a;
			r[1] = a + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

static int got_store(const struct plt *plt, unsigned long *p, unsigned long v)
{
	return dft_got_store(p, v, plt->relro_lo, plt->relro_hi);
}

static void free_slots(struct want *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i].name);
	free(w->v);
}

struct dft_module *dft_plt_module(struct dft_module *owner, const struct dft_module *added)
{
	struct want w = { .owner = owner, .added = added };
	unsigned long self[2] = { 0, 0 }, relro_lo, relro_hi;
	struct dft_module *mod = NULL;
	struct plt *plt = NULL;
	size_t names = 0, len, pos = 0;
	long pagesz = sysconf(_SC_PAGESIZE);
	struct dft_elf e;
	unsigned char *page;

	if (enabled < 0) {
		const char *env = getenv("DYNFTRACE_LIBCALL");

		enabled = env && !strcmp(env, "1");
	}
	if (!enabled || !owner->nr_sites || owner->owner || dft_elf_open(&e, owner->path))
		return NULL;
	dl_iterate_phdr(find_self, self);
	w.self_lo = self[0];
	w.self_hi = self[1];
	if (dft_elf_for_each_plt_slot(&e, want_slot, &w) || !w.n) {
		dft_elf_close(&e);
		free_slots(&w);
		return NULL;
	}
	dft_elf_close(&e);
	dft_got_relro(owner->bias, &relro_lo, &relro_hi);

	/* Stubs, then the targets they jump through. */
	len = (w.n * (DFT_PLT_STUB_SIZE + sizeof(long)) + pagesz - 1) & ~(pagesz - 1);
	page = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mod = calloc(1, sizeof(*mod));
	plt = calloc(1, sizeof(*plt));
	if (page == MAP_FAILED || !mod || !plt)
		goto fail;
	for (size_t i = 0; i < w.n; i++)
		names += strlen(w.v[i].name) + 1;
	mod->sites = calloc(w.n, sizeof(*mod->sites));
	mod->strtab = malloc(names);
	mod->path = malloc(strlen(owner->path) + 16);
	plt->got = calloc(w.n, sizeof(*plt->got));
	plt->orig = calloc(w.n, sizeof(*plt->orig));
	if (!mod->sites || !mod->strtab || !mod->path || !plt->got || !plt->orig)
		goto fail;
	sprintf(mod->path, "%s [libcalls]", owner->path);
	/* lib:MOD selects a module's library calls with its functions. */
	mod->name = owner->name;
	mod->bias = owner->bias;
	mod->owner = owner;
	mod->plt = plt;
	mod->text_lo = (unsigned long)page;
	mod->text_hi = (unsigned long)page + w.n * DFT_PLT_STUB_SIZE;
	plt->page = page;
	plt->len = len;
	plt->relro_lo = relro_lo;
	plt->relro_hi = relro_hi;
	for (size_t i = 0; i < w.n; i++) {
		unsigned long *target = (unsigned long *)(page + w.n * DFT_PLT_STUB_SIZE) + i;
		unsigned char *stub = page + i * DFT_PLT_STUB_SIZE;
		struct dft_site *s = &mod->sites[mod->nr_sites];

		plt->got[i] = w.v[i].got;
		plt->orig[i] = *(unsigned long *)w.v[i].got;
		*target = plt->orig[i];
		dft_arch_plt_stub(stub, target);
		strcpy(mod->strtab + pos, w.v[i].name);
		s->addr = s->func = (unsigned long)stub;
		s->name = mod->strtab + pos;
		s->mod = mod;
		pos += strlen(w.v[i].name) + 1;
		mod->nr_sites++;
	}
	__builtin___clear_cache((char *)page, (char *)page + len);
	if (mprotect(page, len, PROT_READ | PROT_EXEC))
		goto fail;
	dft_rt_text_add(page, len);
	dft_for_each_site(mod, s) {
		if (dft_arch_site_decode(s))
			s->flags |= DFT_SITE_FAILED;
	}
	pr_debug("%s: %zu library calls", owner->name, w.n);
	free_slots(&w);
	return mod;
fail:
	if (page != MAP_FAILED)
		munmap(page, len);
	if (mod) {
		free(mod->sites);
		free(mod->strtab);
		free(mod->path);
		free(mod);
	}
	if (plt) {
		free(plt->got);
		free(plt->orig);
		free(plt);
	}
	free_slots(&w);
	return NULL;
}

/* Points the GOT slots of the stubs that are traced to them, and those of
 * the stubs that are not back to what they held. A slot the program or the
 * dynamic linker changed since is left alone. */
void dft_plt_sync(void)
{
	dft_for_each_module(m) {
		struct plt *plt = m->plt;

		if (!plt)
			continue;
		for (size_t i = 0; i < m->nr_sites; i++) {
			unsigned long *got = (unsigned long *)plt->got[i];
			unsigned long cur = __atomic_load_n(got, __ATOMIC_RELAXED);
			unsigned long stub = m->sites[i].addr;
			int on = m->sites[i].target != DFT_TGT_NOP;

			if (on && cur == plt->orig[i])
				got_store(plt, got, stub);
			else if (!on && cur == stub)
				got_store(plt, got, plt->orig[i]);
		}
	}
}

void dft_plt_restore(struct dft_module *mod, int mapped)
{
	struct plt *plt = mod->plt;

	if (!plt)
		return;
	/* Every slot gets back exactly what it held; a module that was
	 * unloaded has no GOT left to write. */
	for (size_t i = 0; mapped && i < mod->nr_sites; i++) {
		if (*(unsigned long *)plt->got[i] == mod->sites[i].addr)
			got_store(plt, (unsigned long *)plt->got[i], plt->orig[i]);
	}
	if (!mapped) {
		dft_rt_text_del(plt->page);
		munmap(plt->page, plt->len);
	}
	free(plt->got);
	free(plt->orig);
	free(plt);
	mod->plt = NULL;
}

#else /* !HAVE_DFT_LIBCALL */

void dft_plt_sync(void)
{
}

struct dft_module *dft_plt_module(struct dft_module *owner, const struct dft_module *added)
{
	return NULL;
}

void dft_plt_restore(struct dft_module *mod, int mapped)
{
}

#endif
