// SPDX-License-Identifier: MIT
/*
 * Loading a live patch: the module is dlopen()ed, the entries its macros
 * put in the section "dft_livepatch" are read, and every name is resolved
 * in the symbol tables of the target module's file (.symtab, so static
 * functions and variables too; .dynsym for a stripped file). Any missing
 * or ambiguous name, a function without an entry call site or another
 * build-id refuses the whole patch, before anything of the process changes.
 *
 * `dynftrace record --patch` hands patches to the program it starts in
 * DYNFTRACE_PATCH ("PID:flags:path;..."); they are applied by the
 * constructor below, before main(), in that process only.
 */
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "elfread.h"
#include "lp.h"

struct lookup {
	const char *name;
	int funcs; /* functions only, or any symbol */
	int thumb; /* ARM file: bit 0 of a function marks Thumb */
	unsigned long value, size;
	int nr; /* distinct addresses found */
	int tls;
};

static int lookup_one(const struct dft_elf_sym *sym, void *arg)
{
	struct lookup *l = arg;
	int is_func = sym->type == STT_FUNC || sym->type == STT_GNU_IFUNC;

	if (strcmp(sym->name, l->name) || (l->funcs && !is_func))
		return 0;
	if (l->nr && l->value == sym->value)
		return 0; /* an alias */
	if (!l->nr) {
		l->value = sym->value;
		l->size = sym->size;
		l->tls = sym->type == STT_TLS;
	}
	l->nr++;
	return 0;
}

static struct dft_module *main_module(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	dft_for_each_module(m) {
		if (!strcmp(m->path, exe))
			return m;
	}
	return NULL;
}

/* The module @name names ("libshop.so" also finds "libshop.so.1"), or the
 * main program for NULL; *@nr counts the matches. */
static struct dft_module *find_module(const char *name, int *nr)
{
	struct dft_module *found = NULL;
	size_t len = name ? strlen(name) : 0;

	*nr = 0;
	if (!name) {
		found = main_module();
		*nr = !!found;
		return found;
	}
	dft_for_each_module(m) {
		if (!strncmp(m->name, name, len) && (!m->name[len] || m->name[len] == '.')) {
			found = m;
			++*nr;
		}
	}
	return found;
}

struct target {
	struct dft_module *mod;
	struct dft_elf elf;
	int open;
};

/* The target module of entry @e, its file opened once per entry. */
static int open_target(const struct dft_livepatch_entry *e, struct target *t, struct lp_msg *m)
{
	const char *what = e->module ? e->module : "the program";
	int nr, ret;

	t->open = 0;
	t->mod = find_module(e->module, &nr);
	if (!t->mod) {
		dft_lp_say(m, "%s: %s is not loaded in this process (apply the patch once it is)",
			   e->name, what);
		return -ENOENT;
	}
	if (nr > 1) {
		dft_lp_say(m, "%s: %d loaded modules are named %s: name one exactly", e->name, nr,
			   what);
		return -EINVAL;
	}
	ret = dft_elf_open(&t->elf, t->mod->path);
	if (ret) {
		dft_lp_say(m, "%s: cannot read %s: %s", e->name, t->mod->path, strerror(-ret));
		return ret;
	}
	t->open = 1;
	return 0;
}

static int resolve(struct dft_elf *elf, const char *name, int funcs, struct lookup *l)
{
	memset(l, 0, sizeof(*l));
	l->name = name;
	l->funcs = funcs;
	l->thumb = elf->machine == EM_ARM;
	dft_elf_for_each_sym(elf, funcs, lookup_one, l);
	return l->nr;
}

struct by_addr {
	unsigned long value, size;
	const char *name;
	int thumb, found;
};

static int by_addr_one(const struct dft_elf_sym *sym, void *arg)
{
	struct by_addr *b = arg;
	unsigned long v = b->thumb ? sym->value & ~1UL : sym->value;

	if (v != b->value)
		return 0;
	b->size = sym->size;
	b->name = sym->name;
	b->found = 1;
	return 1;
}

/* The function symbol of the patch file at link-time address @value. */
static int resolve_addr(struct dft_elf *elf, unsigned long value, struct lookup *l)
{
	struct by_addr b = { .thumb = elf->machine == EM_ARM };

	b.value = b.thumb ? value & ~1UL : value;
	dft_elf_for_each_sym(elf, 1, by_addr_one, &b);
	l->size = b.size;
	l->name = b.name;
	return b.found;
}

static int say_lookup(struct lp_msg *m, const struct lookup *l, const char *kind,
		      const struct dft_module *mod)
{
	if (!l->nr) {
		dft_lp_say(m, "%s: no %s of that name in %s (is the patch meant for this program?)",
			   l->name, kind, mod->path);
		return -ENOENT;
	}
	if (l->nr > 1) {
		dft_lp_say(m, "%s: %d %ss of that name in %s (static ones in different files): it is ambiguous",
			   l->name, l->nr, kind, mod->path);
		return -EINVAL;
	}
	return 0;
}

static int entry_func(const struct dft_livepatch_entry *e, struct lp_ver *v,
		      struct dft_elf *patch_elf, unsigned long patch_bias, struct lp_msg *m)
{
	struct target t;
	struct lookup l, r;
	struct dft_site *s;
	unsigned long addr, repl = (unsigned long)e->repl;
	int ret = open_target(e, &t, m);

	if (ret)
		return ret;
	resolve(&t.elf, e->name, 1, &l);
	ret = say_lookup(m, &l, "function", t.mod);
	if (ret)
		goto out;
	addr = t.mod->bias + (l.thumb ? l.value & ~1UL : l.value);
	s = dft_site_of_func(addr);
	ret = -EINVAL;
	if (!s || (s->flags & DFT_SITE_FAILED)) {
		dft_lp_say(m, "%s: has no entry call site in %s (none, or one after the prologue as -pg makes), so it cannot be redirected: rebuild it with %s",
			   e->name, t.mod->name, DFT_INSTRUMENT_CFLAGS);
		goto out;
	}
	if (s->flags & DFT_SITE_NONENTRY) {
		dft_lp_say(m, "%s: its call site follows the prologue (-pg without an entry site), so it cannot be redirected: rebuild %s with %s",
			   e->name, t.mod->name, DFT_INSTRUMENT_CFLAGS);
		goto out;
	}
	/* The replacement's extent, for the stack checks. */
	if (!resolve_addr(patch_elf, repl - patch_bias, &r)) {
		dft_lp_say(m, "%s: its replacement has no symbol in the patch (was it stripped?)",
			   e->name);
		goto out;
	}
	v->repl = repl;
	v->repl_end = (repl & ~1UL) + (r.size ? r.size : 1);
	v->name = strdup(r.name && *r.name ? r.name : e->name);
	ret = -ENOMEM;
	if (!v->name)
		goto out;
	v->f = dft_lp_func_get(s, addr + l.size,
			       (s->addr + s->len) | (l.thumb ? (l.value & 1) : 0));
	ret = v->f ? 0 : -ENOMEM;
	if (v->f) {
		*e->slot = (void *)v->f->orig;
	} else {
		free(v->name);
		v->name = NULL;
	}
out:
	dft_elf_close(&t.elf);
	return ret;
}

static int entry_symbol(const struct dft_livepatch_entry *e, struct lp_msg *m, void **value)
{
	struct target t;
	struct lookup l;
	int ret = open_target(e, &t, m);

	if (ret)
		return ret;
	resolve(&t.elf, e->name, 0, &l);
	ret = say_lookup(m, &l, "symbol", t.mod);
	if (!ret && l.tls) {
		dft_lp_say(m, "%s: a thread-local variable cannot be named by DFT_LIVEPATCH_SYMBOL",
			   e->name);
		ret = -EINVAL;
	}
	if (!ret)
		*value = (void *)(t.mod->bias + l.value);
	dft_elf_close(&t.elf);
	return ret;
}

static int entry_build_id(const struct dft_livepatch_entry *e, struct lp_msg *m)
{
	char id[128];
	struct target t;
	int ret = open_target(e, &t, m);

	if (ret)
		return ret;
	if (!dft_elf_build_id(&t.elf, id, sizeof(id))) {
		dft_lp_say(m, "%s has no build-id, the patch wants %s: build the program with -Wl,--build-id",
			   t.mod->path, e->name);
		ret = -EINVAL;
	} else if (strcasecmp(id, e->name)) {
		dft_lp_say(m, "the patch is for the build %s, but %s is build %s: rebuild the patch against this binary",
			   e->name, t.mod->path, id);
		ret = -EINVAL;
	}
	dft_elf_close(&t.elf);
	return ret;
}

void dft_lp_unload(struct lp_patch *p, int close)
{
	if (!p)
		return;
	if (close && p->handle)
		dlclose(p->handle);
	for (size_t i = 0; p->vers && i < p->nr; i++)
		free(p->vers[i].name);
	free(p->vers);
	free(p->path);
	free(p);
}

int dft_lp_load(const char *path, struct lp_patch **out, struct lp_msg *m)
{
	struct dft_livepatch_entry **list;
	struct dft_elf_sec sec;
	struct link_map *lm;
	struct dft_elf elf;
	struct lp_patch *p;
	size_t n, nr_funcs = 0;
	int ret = dft_elf_open(&elf, path);

	*out = NULL;
	if (ret == -ENOEXEC || (!ret && elf.type != ET_DYN)) {
		dft_lp_say(m, "%s: not a shared object: build a patch with cc -shared -fPIC $(pkg-config --cflags dynftrace)",
			   path);
		if (!ret)
			dft_elf_close(&elf);
		return -ENOEXEC;
	}
	if (ret) {
		dft_lp_say(m, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (dft_elf_find_section(&elf, "dft_livepatch", &sec) || !sec.size) {
		dft_lp_say(m, "%s: no DFT_LIVEPATCH_* entries: a patch is built from C with <dynftrace/livepatch.h>",
			   path);
		dft_elf_close(&elf);
		return -EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		dft_elf_close(&elf);
		return -ENOMEM;
	}
	p->path = strdup(path);
	p->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!p->handle) {
		dft_lp_say(m, "%s: cannot load it: %s", path, dlerror());
		ret = -ENOEXEC;
		goto fail;
	}
	if (dlinfo(p->handle, RTLD_DI_LINKMAP, &lm)) {
		ret = -EINVAL;
		goto fail;
	}
	list = (struct dft_livepatch_entry **)(uintptr_t)(lm->l_addr + sec.addr);
	n = sec.size / sizeof(*list);
	for (size_t i = 0; i < n; i++) {
		if (!list[i] || list[i]->magic != DFT_LIVEPATCH_MAGIC) {
			dft_lp_say(m, "%s: entry %zu is not of this runtime's version: rebuild the patch with this dynftrace",
				   path, i);
			ret = -EINVAL;
			goto fail;
		}
		nr_funcs += list[i]->kind == DFT_LIVEPATCH_KIND_FUNC;
	}
	if (!nr_funcs) {
		dft_lp_say(m, "%s: patches no function (no DFT_LIVEPATCH_FUNC)", path);
		ret = -EINVAL;
		goto fail;
	}
	p->vers = calloc(nr_funcs, sizeof(*p->vers));
	if (!p->vers) {
		ret = -ENOMEM;
		goto fail;
	}
	/* Every entry is checked (each error said), then the verdict. */
	ret = 0;
	for (size_t i = 0; i < n; i++) {
		const struct dft_livepatch_entry *e = list[i];
		void *value = NULL;
		int err = 0;

		switch (e->kind) {
		case DFT_LIVEPATCH_KIND_BUILD_ID:
			err = entry_build_id(e, m);
			break;
		case DFT_LIVEPATCH_KIND_SYMBOL:
			err = entry_symbol(e, m, &value);
			if (!err)
				*e->slot = value;
			break;
		case DFT_LIVEPATCH_KIND_FUNC:
			for (size_t j = 0; j < p->nr && !err; j++) {
				if (p->vers[j].repl && !strcmp(list[i]->name, p->vers[j].f->name)) {
					dft_lp_say(m, "%s: patched twice by this patch", e->name);
					err = -EINVAL;
				}
			}
			if (!err)
				err = entry_func(e, &p->vers[p->nr], &elf, lm->l_addr, m);
			if (!err) {
				p->vers[p->nr].patch = p;
				p->nr++;
			}
			break;
		default:
			dft_lp_say(m, "%s: unknown entry kind %u: rebuild the patch with this dynftrace",
				   path, e->kind);
			err = -EINVAL;
		}
		if (err && !ret)
			ret = err;
	}
	if (ret) {
		dft_lp_say(m, "%s: refused: the process is unchanged", path);
		goto fail;
	}
	dft_elf_close(&elf);
	*out = p;
	return 0;
fail:
	for (size_t j = 0; p->vers && j < p->nr; j++)
		dft_lp_func_put(p->vers[j].f);
	dft_elf_close(&elf);
	dft_lp_unload(p, 1);
	return ret;
}

/* ---- dynftrace record --patch ---- */

static void start_patches(const char *spec)
{
	char *copy = strdup(spec), *save, *tok;
	int ret = 0;

	for (tok = copy ? strtok_r(copy, ";", &save) : NULL; tok && !ret;
	     tok = strtok_r(NULL, ";", &save)) {
		char *colon = strchr(tok, ':'), *path;
		unsigned int flags;

		if (!colon || atoi(tok) != getpid())
			continue;
		flags = strtoul(colon + 1, &path, 10);
		if (*path != ':')
			continue;
		ret = dft_livepatch_apply(path + 1, flags, 0, NULL, NULL);
	}
	free(copy);
	if (ret) {
		dft_lp_say(NULL, "the program was not started: the patch was refused");
		_exit(127);
	}
}

/* After the core's constructor (101), before the recorder's (200), so that
 * the first traced call already runs patched. Only in the process the
 * command started: the variable names it by pid, and children inherit it. */
__attribute__((constructor(150))) static void lp_start(void)
{
	const char *spec = getenv("DYNFTRACE_PATCH");

	if (spec && *spec)
		start_patches(spec);
}
