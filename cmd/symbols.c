// SPDX-License-Identifier: MIT
/*
 * Function names: interned once for the whole trace so that every format
 * can key its tables by a small integer, demangled on first use, and
 * resolved from the module files for caller addresses that have no site.
 */
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "match.h"
#include "trace.h"

static struct {
	char **raw, **dem;
	char **forms; /* dft_name_forms(), made at the first match */
	uint8_t *formed;
	uint32_t n, cap;
	uint32_t *hash; /* id + 1, 0 for free */
	uint32_t hcap;
} names;

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void names_rehash(void)
{
	uint32_t cap = names.hcap ? names.hcap * 2 : 1024;

	free(names.hash);
	names.hash = xcalloc(cap, sizeof(*names.hash));
	names.hcap = cap;
	for (uint32_t id = 0; id < names.n; id++) {
		uint32_t h = str_hash(names.raw[id]) & (cap - 1);

		while (names.hash[h])
			h = (h + 1) & (cap - 1);
		names.hash[h] = id + 1;
	}
}

uint32_t name_intern(const char *mangled)
{
	uint32_t h;

	if (names.n * 2 >= names.hcap)
		names_rehash();
	h = str_hash(mangled) & (names.hcap - 1);
	for (; names.hash[h]; h = (h + 1) & (names.hcap - 1)) {
		if (!strcmp(names.raw[names.hash[h] - 1], mangled))
			return names.hash[h] - 1;
	}
	if (names.n == names.cap) {
		names.cap = names.cap ? names.cap * 2 : 1024;
		names.raw = xrealloc(names.raw, names.cap * sizeof(char *));
		names.dem = xrealloc(names.dem, names.cap * sizeof(char *));
		names.forms = xrealloc(names.forms, names.cap * sizeof(char *));
		names.formed = xrealloc(names.formed, names.cap);
	}
	names.raw[names.n] = xstrdup(mangled);
	names.dem[names.n] = NULL;
	names.forms[names.n] = NULL;
	names.formed[names.n] = 0;
	names.hash[h] = names.n + 1;
	return names.n++;
}

const char *name_raw(uint32_t id)
{
	return id < names.n ? names.raw[id] : "?";
}

const char *name_str(uint32_t id)
{
	if (id >= names.n)
		return "?";
	if (!names.dem[id]) {
		names.dem[id] = dft_demangle(names.raw[id]);
		if (!names.dem[id])
			names.dem[id] = names.raw[id];
	}
	return names.dem[id];
}

uint32_t name_count(void)
{
	return names.n;
}

int name_match(uint32_t id, const char *glob)
{
	if (id >= names.n)
		return 0;
	if (!names.formed[id]) {
		names.forms[id] = dft_name_forms(names.raw[id]);
		names.formed[id] = 1;
	}
	return dft_name_match(glob, names.raw[id], names.forms[id]);
}

static const char *id_name(size_t i, void *arg)
{
	return name_str(((const uint32_t *)arg)[i]);
}

void warn_close_names(const char *what, const char *glob, const uint32_t *ids, size_t n)
{
	size_t best[5], nbest = dft_close_names(glob, id_name, n, (void *)ids, best, ARRAY_SIZE(best));

	if (!nbest) {
		warnx("warning: %s '%s' matches no function", what, glob);
		return;
	}
	fprintf(stderr, "dynftrace: warning: %s '%s' matches no function; close names:", what, glob);
	for (size_t i = 0; i < nbest; i++)
		fprintf(stderr, " %s", id_name(best[i], (void *)ids));
	fputc('\n', stderr);
}

/* ---- module symbol tables, for caller addresses ---- */

struct sym {
	uint64_t addr, size;
	uint32_t name;
};

struct symtab {
	struct sym *v;
	size_t n;
};

static int add_sym(const struct dft_elf_sym *s, void *arg)
{
	struct symtab *st = arg;

	if (!(st->n & (st->n + 1)))
		st->v = xrealloc(st->v, (st->n * 2 + 1) * sizeof(*st->v));
	st->v[st->n++] = (struct sym){ s->value, s->size, name_intern(s->name) };
	return 0;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Prefer the sized symbol at an address (a function over an alias). */
	return x->size < y->size ? 1 : x->size > y->size ? -1 : 0;
}

static void load_symtab(struct module *m)
{
	struct dft_elf e;
	char id[80];

	m->tried = 1;
	if (!m->path || !*m->path || dft_elf_open(&e, m->path)) {
		warnx("note: cannot read module %s: caller addresses in it are shown as offsets",
		      m->path && *m->path ? m->path : "(unnamed)");
		return;
	}
	if (*m->buildid && dft_elf_build_id(&e, id, sizeof(id)) && strcmp(id, m->buildid)) {
		warnx("note: %s has changed since the trace was recorded (build-id differs): "
		      "caller addresses in it are shown as offsets",
		      m->path);
		dft_elf_close(&e);
		return;
	}
	m->syms = xcalloc(1, sizeof(*m->syms));
	dft_elf_for_each_func(&e, add_sym, m->syms);
	dft_elf_close(&e);
	qsort(m->syms->v, m->syms->n, sizeof(struct sym), cmp_sym);
}

const char *addr_name(struct proc *p, uint64_t addr, char *buf, size_t len)
{
	for (unsigned int i = 0; i < p->nmods; i++) {
		struct module *m = &p->mods[i];
		uint64_t off = addr - m->bias;
		const char *base;

		if (addr < m->lo || addr >= m->hi)
			continue;
		if (!m->tried)
			load_symtab(m);
		if (m->syms) {
			size_t lo = 0, hi = m->syms->n;

			/* The last symbol at or below off. */
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;

				if (m->syms->v[mid].addr <= off)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo) {
				const struct sym *s = &m->syms->v[lo - 1];

				if (off < s->addr + s->size || !s->size)
					return name_str(s->name);
			}
		}
		base = strrchr(m->path ? m->path : "", '/');
		snprintf(buf, len, "%s+0x%llx", base ? base + 1 : m->path, (unsigned long long)off);
		return buf;
	}
	snprintf(buf, len, "0x%llx", (unsigned long long)addr);
	return buf;
}
