// SPDX-License-Identifier: MIT
/*
 * Reading the compiler's site tables from an ELF file.
 *
 * -fpatchable-function-entry records the first NOP of each function in
 * __patchable_function_entries; gcc -mrecord-mcount records its -pg/-mfentry
 * calls in __mcount_loc. Both hold absolute link-time addresses, written
 * into the file by the linker even where a dynamic relocation also applies,
 * so no relocation processing is needed here: the runtime adds the load bias.
 * Files without a table are scanned by the architecture instead.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "sites.h"

const char *const dft_site_tables[] = { "__patchable_function_entries", "__mcount_loc", NULL };

struct func {
	uint64_t addr, size;
	const char *name;
	unsigned char bind;
};

struct funcs {
	struct func *v;
	size_t n, cap;
	int thumb_bit; /* ARM: bit 0 of a function address marks Thumb */
};

static int add_func(const struct dft_elf_sym *sym, void *arg)
{
	struct funcs *f = arg;

	if (DFT_ARRAY_ROOM(f->v, f->n, f->cap, 1024))
		return -ENOMEM;
	f->v[f->n++] = (struct func){ sym->value, sym->size, sym->name, sym->bind };
	return 0;
}

static int cmp_func(const void *a, const void *b)
{
	const struct func *x = a, *y = b;

	if ((x->addr & ~1ULL) != (y->addr & ~1ULL))
		return (x->addr & ~1ULL) < (y->addr & ~1ULL) ? -1 : 1;
	/* Among aliases, prefer a global name (the one users know). */
	return (y->bind == STB_GLOBAL) - (x->bind == STB_GLOBAL);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The function containing @site: the last symbol at or below it. A site
 * may sit a few bytes into its function (after endbr64 or bti c). */
static const struct func *func_of(const struct funcs *f, uint64_t site)
{
	size_t lo = 0, hi = f->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if ((f->v[mid].addr & ~1ULL) <= site)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct func *fn = &f->v[lo - 1];
	uint64_t start = fn->addr & ~1ULL;

	/* Back up to the first alias at this address (the preferred name). */
	while (fn > f->v && ((fn - 1)->addr & ~1ULL) == start)
		fn--;
	if (site - start < (fn->size ? fn->size : 16))
		return fn;
	return NULL;
}

struct scan {
	const struct dft_elf *e;
	uint64_t target;
	uint64_t *v;
	size_t n, cap;
};

static int scan_func(const struct dft_elf_sym *sym, void *arg)
{
	struct scan *sc = arg;
	uint64_t site = dft_arch_scan_func(sc->e, sym, sc->target);

	if (!site)
		return 0;
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 256;
		uint64_t *v = realloc(sc->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		sc->v = v;
		sc->cap = cap;
	}
	sc->v[sc->n++] = site;
	return 0;
}

/* The sites of a file without a table, one per function at most. Sets
 * *addrs (malloc()ed) and returns their number, or -ENOMEM. */
static long scan_sites(const struct dft_elf *e, uint64_t **addrs)
{
	struct scan sc = { .e = e, .target = dft_arch_scan_target(e) };

	*addrs = NULL;
	if (!sc.target)
		return 0;
	if (dft_elf_for_each_func(e, scan_func, &sc)) {
		free(sc.v);
		return -ENOMEM;
	}
	*addrs = sc.v;
	return sc.n;
}

int dft_elf_sites(const struct dft_elf *e, struct dft_elf_sites *out)
{
	struct funcs f = { .thumb_bit = e->machine == EM_ARM };
	struct dft_elf_sec sec;
	uint64_t *addrs = NULL;
	size_t n = 0, word = e->is64 ? 8 : 4;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	for (const char *const *t = dft_site_tables; *t; t++) {
		/* Shorter than one address: as good as absent. */
		if (dft_elf_find_section(e, *t, &sec) || !sec.data || sec.size < word)
			continue;
		out->table = *t;
		n = sec.size / word;
		addrs = malloc(n * sizeof(*addrs) + 1);
		if (!addrs)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			addrs[i] = dft_elf_word(e, sec.data + i * word);
		break;
	}
	if (!n) {
		long found = scan_sites(e, &addrs);

		if (found <= 0)
			return found;
		n = found;
		out->table = "function prologues";
	}
	qsort(addrs, n, sizeof(*addrs), cmp_u64);

	if (dft_elf_for_each_func(e, add_func, &f))
		goto out;
	/* No function symbol: no array, which qsort() may not take. */
	if (f.n)
		qsort(f.v, f.n, sizeof(*f.v), cmp_func);

	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		goto out;
	size_t names_cap = 4096;
	out->names = malloc(names_cap);
	if (!out->names)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const struct func *fn;
		size_t len;

		/* A zero entry is a site of a discarded function (gc-sections). */
		if (!addrs[i] || (i && addrs[i] == addrs[i - 1]))
			continue;
		fn = func_of(&f, addrs[i]);
		if (!fn) {
			out->unnamed++;
			continue;
		}
		len = strlen(fn->name) + 1;
		if (out->names_len + len > names_cap) {
			char *p;

			while (out->names_len + len > names_cap)
				names_cap *= 2;
			p = realloc(out->names, names_cap);
			if (!p)
				goto out;
			out->names = p;
		}
		memcpy(out->names + out->names_len, fn->name, len);
		out->v[out->n++] = (struct dft_elf_site){
			.site = addrs[i],
			.func = f.thumb_bit ? fn->addr & ~1ULL : fn->addr,
			.name = out->names_len,
			.thumb = f.thumb_bit && (fn->addr & 1),
		};
		out->names_len += len;
	}
	ret = 0;
out:
	free(addrs);
	free(f.v);
	if (ret)
		dft_elf_sites_free(out);
	return ret;
}

void dft_elf_sites_free(struct dft_elf_sites *s)
{
	free(s->v);
	free(s->names);
	memset(s, 0, sizeof(*s));
}
