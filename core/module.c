// SPDX-License-Identifier: MIT
/*
 * Modules and their call-site records.
 *
 * At start-up, and after every dlopen() and dlclose() (dlhook.c when the
 * runtime was loaded into a running process), the loaded objects are
 * listed with dl_iterate_phdr(). A new object's sites are read from its
 * file (lib/sites.c), checked byte by byte in memory, and normalised to
 * their NOP form; an object that went away is forgotten without touching
 * its (unmapped) memory.
 */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "internal.h"
#include "sites.h"

struct dft_module *dft_modules;
size_t dft_nr_sites;
void (*dft_modules_changed)(void);

struct loaded {
	char path[4096];
	unsigned long bias, lo, hi; /* executable segments */
};

struct scan {
	struct loaded *v;
	size_t n, cap;
};

static int collect(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct scan *sc = arg;
	struct loaded *l;
	unsigned long lo = ~0UL, hi = 0;

	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			unsigned long a = info->dlpi_addr + ph->p_vaddr;

			lo = a < lo ? a : lo;
			hi = a + ph->p_memsz > hi ? a + ph->p_memsz : hi;
		}
	}
	/* Our own code is never traced; the vDSO has no file. */
	if (!hi || ((unsigned long)collect >= lo && (unsigned long)collect < hi))
		return 0;
	if (DFT_ARRAY_ROOM(sc->v, sc->n, sc->cap, 32))
		return 1;
	l = &sc->v[sc->n];
	if (info->dlpi_name && info->dlpi_name[0]) {
		snprintf(l->path, sizeof(l->path), "%s", info->dlpi_name);
	} else {
		/* The main program (its name is empty). */
		ssize_t len = readlink("/proc/self/exe", l->path, sizeof(l->path) - 1);

		if (len <= 0 || sc->n)
			return 0;
		l->path[len] = 0;
	}
	if (strstr(l->path, "linux-vdso") || strstr(l->path, "linux-gate"))
		return 0;
	l->bias = info->dlpi_addr;
	l->lo = lo;
	l->hi = hi;
	sc->n++;
	return 0;
}

static int cmp_site(const void *a, const void *b)
{
	const struct dft_site *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static struct dft_module *module_load(const struct loaded *l)
{
	struct dft_elf_sites es;
	struct dft_module *mod;
	struct dft_elf e;
	size_t failed = 0, nonentry = 0;
	const char *example = NULL;
	int ret;

	mod = calloc(1, sizeof(*mod));
	if (!mod)
		return NULL;
	mod->path = strdup(l->path);
	if (!mod->path) {
		free(mod);
		return NULL;
	}
	mod->name = strrchr(mod->path, '/') ? strrchr(mod->path, '/') + 1 : mod->path;
	mod->bias = l->bias;
	mod->text_lo = l->lo;
	mod->text_hi = l->hi;
	ret = dft_elf_open(&e, l->path);
	if (ret) {
		pr_debug("%s: cannot read: %s", l->path, strerror(-ret));
		return mod;
	}
	/* Before its first call can load a library we would not see. */
	dft_dl_hook(mod, &e);
	ret = dft_elf_sites(&e, &es);
	dft_elf_close(&e);
	if (ret || !es.n)
		return mod;

	mod->sites = calloc(es.n, sizeof(*mod->sites));
	if (!mod->sites) {
		dft_elf_sites_free(&es);
		return mod;
	}
	mod->strtab = es.names;
	es.names = NULL;
	for (size_t i = 0; i < es.n; i++) {
		struct dft_site *s = &mod->sites[mod->nr_sites];

		s->addr = l->bias + es.v[i].site;
		s->func = l->bias + es.v[i].func;
		s->name = mod->strtab + es.v[i].name;
		s->mod = mod;
		/* A table entry outside the executable segments is corrupt:
		 * never read or write there. */
		if (s->addr < l->lo || s->addr + DFT_SITE_MAX > l->hi) {
			failed++;
			continue;
		}
		ret = dft_arch_site_decode(s);
		if (ret) {
			s->flags |= DFT_SITE_FAILED;
			failed++;
			if (ret == -EOPNOTSUPP && !nonentry++)
				example = s->name;
			pr_debug("%s: %s: %s at the call site %#lx: not traced", mod->name,
				 s->name, ret == -EOPNOTSUPP ? "after the prologue" : "unexpected bytes",
				 s->addr - l->bias);
		}
		mod->nr_sites++;
	}
	/* One line per module, not one per function: there may be thousands. */
	if (nonentry)
		pr_warn("%s: %zu call sites (%s, ...) follow the prologue, which cannot be traced here: build with %s",
			mod->name, nonentry, example, DFT_INSTRUMENT_CFLAGS);
	if (failed > nonentry)
		pr_warn("%s: %zu call sites hold unexpected bytes (DYNFTRACE_LOG=debug lists them): not traced",
			mod->name, failed - nonentry);
	pr_debug("%s: %zu call sites (%zu failed) from %s", mod->name, mod->nr_sites, failed,
		 es.table);
	dft_elf_sites_free(&es);
	qsort(mod->sites, mod->nr_sites, sizeof(*mod->sites), cmp_site);
	return mod;
}

static void module_free(struct dft_module *mod)
{
	/* Library-call stubs: their owner went with its GOT. */
	dft_plt_restore(mod, 0);
	dft_stubs_free(mod);
	for (size_t i = 0; mod->forms && i < mod->nr_sites; i++)
		free(mod->forms[i]);
	free(mod->forms);
	free(mod->sites);
	free(mod->strtab);
	free(mod->path);
	free(mod);
}

static struct dft_site *lookup_in(struct dft_module *m, unsigned long addr, int by_func);

struct dft_module *dft_module_pending;

/* Brings every site of a new module to its NOP form, in one batch. */
static void module_normalise(struct dft_module *mod, int live)
{
	struct dft_patch *batch = calloc(mod->nr_sites, sizeof(*batch));
	size_t n = 0;

	if (!batch)
		return;
	dft_for_each_site(mod, s) {
		struct dft_patch *p = &batch[n];

		if ((s->flags & DFT_SITE_FAILED) || s->target != DFT_TGT_NOP)
			continue;
		p->addr = s->addr;
		p->len = s->len;
		memcpy(p->old, (void *)s->addr, s->len);
		dft_arch_site_init_insn(s, p->new);
		if (memcmp(p->old, p->new, s->len))
			n++;
	}
	/* Not normalised (a thread would not stop): never enabled either. */
	if (dft_text_patch(batch, n, live)) {
		for (size_t i = 0; i < n; i++)
			lookup_in(mod, batch[i].addr, 0)->flags |= DFT_SITE_FAILED;
		pr_warn("%s: its call sites could not be prepared: not traced", mod->name);
	}
	free(batch);
}

static int count_task(pid_t tid, void *arg)
{
	++*(int *)arg;
	return 0;
}

static int nr_threads(void)
{
	int n = 0;

	/* Unknown: assume the worst. */
	return dft_for_each_task(count_task, &n) ? 2 : n;
}

/*
 * Whether a ptrace tracer has us: then we are being loaded by `dynftrace`'s
 * attach (or a debugger's call of dlopen) with every other thread stopped
 * by it, and the tracer checked that no thread's pc is inside a site. The
 * other threads could not answer a stop signal (core/stop.c): the start-up
 * writes are plain, as in a single-threaded process.
 */
static int stopped_by_tracer(void)
{
	char buf[2048];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	const char *p;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strstr(buf, "\nTracerPid:");
	return p && atoi(p + 11) != 0;
}

/* Lock held. */
void dft_modules_scan(int startup)
{
	struct scan sc = { 0 };
	struct dft_module **pp, *added = NULL, *gone = NULL;
	int live = !startup || (nr_threads() > 1 && !stopped_by_tracer());

	dl_iterate_phdr(collect, &sc);
	dft_for_each_module(m) m->seen = 0;
	for (size_t i = 0; i < sc.n; i++) {
		struct dft_module *m;

		for (m = dft_modules; m; m = m->next)
			if (m->bias == sc.v[i].bias && !strcmp(m->path, sc.v[i].path))
				break;
		if (m) {
			m->seen = 1;
			continue;
		}
		m = module_load(&sc.v[i]);
		if (!m)
			continue;
		m->seen = 1;
		m->next = added;
		added = m;
	}
	free(sc.v);
	/* The library calls of the new modules with sites, as modules too. */
	for (struct dft_module *m = added; m; m = m->next) {
		struct dft_module *calls = dft_plt_module(m, added);

		if (calls) {
			calls->seen = 1;
			calls->next = added;
			added = calls;
		}
	}
	/* Stubs live as long as their owner. */
	dft_for_each_module(m) {
		if (m->owner)
			m->seen = m->owner->seen;
	}

	/* Forget what was unloaded: its memory is gone, only ours is freed
	 * (after the ops have let go of its sites). */
	for (pp = &dft_modules; *pp;) {
		struct dft_module *m = *pp;

		if (m->seen) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		dft_nr_sites -= m->nr_sites;
		m->next = gone;
		gone = m;
	}
	if (!added && !gone)
		return;
	while (added) {
		struct dft_module *m = added;

		added = m->next;
		if (m->nr_sites && dft_arch_need_stubs(m)) {
			m->stubs = dft_arch_stubs_alloc(m);
			if (!m->stubs)
				pr_warn("%s: no memory for branch stubs near the module: its functions cannot be traced",
					m->name);
			else
				pr_debug("%s: branch stubs near the module", m->name);
		}
		dft_module_pending = m;
		module_normalise(m, live);
		dft_module_pending = NULL;
		m->next = dft_modules;
		/* Published whole: callbacks look sites up without the lock. */
		__atomic_store_n(&dft_modules, m, __ATOMIC_RELEASE);
		dft_nr_sites += m->nr_sites;
	}
	/* Listeners first (the recorder names the new sites), then the ops
	 * take the sites they want, before anything else can run them. */
	if (dft_modules_changed)
		dft_modules_changed();
	dft_ops_modules_changed();
	/* A callback may be walking an unlinked module (a lock-free
	 * dft_lookup_function()): let it leave first. */
	if (gone)
		dft_synchronize();
	while (gone) {
		struct dft_module *m = gone;

		gone = m->next;
		module_free(m);
	}
}

static struct dft_site *lookup_in(struct dft_module *m, unsigned long addr, int by_func)
{
	size_t lo = 0, hi = m->nr_sites;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (m->sites[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Looking up a function's own address: its site may sit a few bytes
	 * into it (after endbr64 or bti c), above @addr. */
	if (by_func && lo < m->nr_sites && m->sites[lo].func <= addr)
		return &m->sites[lo];
	if (!lo)
		return NULL;
	struct dft_site *s = &m->sites[lo - 1];

	if (s->addr == addr || (by_func && s->func <= addr))
		return s;
	return NULL;
}

struct dft_site *dft_site_lookup(unsigned long addr)
{
	dft_for_each_module(m) {
		struct dft_site *s;

		if (!m->nr_sites || addr < m->text_lo || addr >= m->text_hi)
			continue;
		s = lookup_in(m, addr, 0);
		if (s)
			return s;
	}
	return NULL;
}

/* The site of the function containing @addr: the nearest one below it in
 * the same executable segment. */
struct dft_site *dft_site_of_func(unsigned long addr)
{
	dft_for_each_module(m) {
		if (m->nr_sites && addr >= m->text_lo && addr < m->text_hi)
			return lookup_in(m, addr, 1);
	}
	return NULL;
}

/*
 * dlopen() and dlclose() interposers. The lock is held across the real
 * call, so a library's constructors and destructors may use the API (the
 * lock is recursive) while no other thread patches a library being
 * unmapped. Inside a callback the call is passed straight through: a
 * waiting unregister must not wait for us while we wait for it.
 */
static void *(*real_dlopen)(const char *, int);
static int (*real_dlclose)(void *);

/*
 * glibc searches a bare library name with the RPATH/RUNPATH of dlopen's
 * caller, which through this wrapper would be libdynftrace. So search it
 * with the caller's path (RTLD_DI_SERINFO lists it in glibc's order), and
 * let glibc have the name itself only when it is already loaded or found
 * nowhere on that path (its cache and defaults then apply as usual).
 */
static void *dlopen_as(const char *file, int mode, const void *caller)
{
	Dl_serinfo size, *si;
	struct link_map *lm;
	Dl_info info;
	void *h = NULL;

	if (!file || strchr(file, '/'))
		return real_dlopen(file, mode);
	h = real_dlopen(file, mode | RTLD_NOLOAD);
	if (h || (mode & RTLD_NOLOAD))
		return h;
	if (!dladdr1(caller, &info, (void **)&lm, RTLD_DL_LINKMAP) ||
	    dlinfo(lm, RTLD_DI_SERINFOSIZE, &size))
		return real_dlopen(file, mode);
	si = malloc(size.dls_size);
	if (!si)
		return real_dlopen(file, mode);
	si->dls_size = size.dls_size;
	si->dls_cnt = size.dls_cnt;
	if (!dlinfo(lm, RTLD_DI_SERINFO, si)) {
		for (unsigned int i = 0; i < si->dls_cnt && !h; i++) {
			char path[4096];

			snprintf(path, sizeof(path), "%s/%s", si->dls_serpath[i].dls_name, file);
			if (!access(path, F_OK))
				h = real_dlopen(path, mode);
		}
	}
	free(si);
	return h ? h : real_dlopen(file, mode);
}

void *dft_dlopen_from(const char *file, int mode, const void *caller)
{
	void *h;

	if (!real_dlopen)
		real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	if (dft_in_callback() || !dft_initialised)
		return dlopen_as(file, mode, caller);
	pthread_mutex_lock(&dft_lock);
	h = dlopen_as(file, mode, caller);
	if (h)
		dft_modules_scan(0);
	pthread_mutex_unlock(&dft_lock);
	return h;
}

DFT_API void *dlopen(const char *file, int mode)
{
	return dft_dlopen_from(file, mode, __builtin_return_address(0));
}

int dft_dlclose(void *handle)
{
	int ret;

	if (!real_dlclose)
		real_dlclose = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	if (dft_in_callback() || !dft_initialised)
		return real_dlclose(handle);
	pthread_mutex_lock(&dft_lock);
	ret = real_dlclose(handle);
	dft_modules_scan(0);
	pthread_mutex_unlock(&dft_lock);
	return ret;
}

DFT_API int dlclose(void *handle)
{
	return dft_dlclose(handle);
}

void dft_modules_rescan(void)
{
	if (!dft_initialised || dft_in_callback())
		return;
	pthread_mutex_lock(&dft_lock);
	dft_modules_scan(0);
	pthread_mutex_unlock(&dft_lock);
}
