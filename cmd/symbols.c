// SPDX-License-Identifier: MIT
/*
 * Function names: interned once for the whole trace so that every format
 * can key its tables by a small integer, demangled on first use, and
 * resolved from the module files for caller addresses that have no site.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "match.h"
#include "trace.h"

static struct {
	char **raw, **dem;
	char **forms; /* dft_name_forms(), made at the first match */
	uint8_t *formed;
	char **shown; /* as the --demangle mode shows it, NULL until asked */
	uint32_t n, cap;
	uint32_t *hash; /* id + 1, 0 for free */
	uint32_t hcap;
} names;

static enum demangle_mode mode = DEMANGLE_SIMPLE;

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
		names.shown = xrealloc(names.shown, names.cap * sizeof(char *));
	}
	names.raw[names.n] = xstrdup(mangled);
	names.dem[names.n] = NULL;
	names.forms[names.n] = NULL;
	names.formed[names.n] = 0;
	names.shown[names.n] = NULL;
	names.hash[h] = names.n + 1;
	return names.n++;
}

const char *name_raw(uint32_t id)
{
	return id < names.n ? names.raw[id] : "?";
}

const char *name_full(uint32_t id)
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

/* Copies an operator's name after "operator" at @s: "()", "<<=", "new[]",
 * " bool" (a conversion). Returns the length taken. */
static size_t operator_len(const char *s)
{
	size_t n = 0;

	if (s[0] == '(' && s[1] == ')')
		return 2;
	if (s[0] == ' ') {
		/* new, delete, or a conversion's type: up to its parameters. */
		int depth = 0;

		for (n = 1; s[n] && (depth || s[n] != '('); n++)
			depth += s[n] == '<' ? 1 : s[n] == '>' ? -1 : 0;
		return n;
	}
	/* The longest operator token: "operator-<int>" is operator- of a
	 * template. */
	static const char *const ops[] = { "<<=", ">>=", "->*", "<=>", "<<", ">>", "<=", ">=",
					   "==",  "!=",	 "&&",	"||",  "++", "--", "->", "+=",
					   "-=",  "*=",	 "/=",	"%=",  "&=", "|=", "^=", "[]",
					   "<",	  ">",	 "=",	"!",   "+",  "-",  "*",  "/",
					   "%",	  "^",	 "&",	"|",   "~",  "," };

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		if (!strncmp(s, ops[i], strlen(ops[i])))
			return strlen(ops[i]);
	}
	return n;
}

/*
 * uftrace's short form of a demangled name: no template arguments, no
 * parameter list, no return type or qualifiers after it.
 * "std::map<int, int>::operator[](int const&)" gives
 * "std::map::operator[]"; "(anonymous namespace)" stays.
 */
static char *simplify(const char *d)
{
	size_t len = strlen(d), n = 0, last_space = 0;
	char *out = xmalloc(len + 1);
	int angle = 0, paren = 0;

	for (size_t i = 0; i < len; i++) {
		if (!angle && !paren && !strncmp(d + i, "operator", 8) &&
		    (i == 0 || d[i - 1] == ':' || d[i - 1] == ' ')) {
			size_t k = 8 + operator_len(d + i + 8);

			memcpy(out + n, d + i, k);
			n += k;
			i += k - 1;
			continue;
		}
		if (!angle && !strncmp(d + i, "(anonymous namespace)", 21)) {
			memcpy(out + n, d + i, 21);
			n += 21;
			i += 20;
			continue;
		}
		switch (d[i]) {
		case '<':
			angle++;
			continue;
		case '>':
			angle -= angle > 0;
			continue;
		case '(':
			paren++;
			continue;
		case ')':
			paren -= paren > 0;
			continue;
		}
		if (angle || paren)
			continue;
		/* A template function's return type ends at a blank before the
		 * name; " const" and the like after the parameters go too. */
		if (d[i] == ' ' && d[i + 1] != '[') {
			if (i + 1 < len && strchr(d + i + 1, '(') == NULL && n)
				break;
			last_space = n + 1;
			out[n++] = ' ';
			continue;
		}
		out[n++] = d[i];
	}
	out[n] = 0;
	if (last_space && last_space < n) {
		memmove(out, out + last_space, n - last_space + 1);
		n -= last_space;
	}
	while (n && out[n - 1] == ' ')
		out[--n] = 0;
	return out;
}

/* Simple names, each once: a name two functions share is no name. */
static struct {
	char **key;
	uint32_t *id; /* the first full name id with it; UINT32_MAX: shared */
	uint32_t cap, n;
} simple;

static uint32_t *simple_slot(const char *key)
{
	uint32_t h;

	if (simple.n * 2 >= simple.cap) {
		char **ok = simple.key;
		uint32_t *oid = simple.id, ocap = simple.cap;

		simple.cap = simple.cap ? simple.cap * 2 : 1024;
		simple.key = xcalloc(simple.cap, sizeof(*simple.key));
		simple.id = xcalloc(simple.cap, sizeof(*simple.id));
		for (uint32_t i = 0; i < ocap; i++) {
			if (!ok[i])
				continue;
			for (h = str_hash(ok[i]) & (simple.cap - 1); simple.key[h];
			     h = (h + 1) & (simple.cap - 1))
				;
			simple.key[h] = ok[i];
			simple.id[h] = oid[i];
		}
		free(ok);
		free(oid);
	}
	for (h = str_hash(key) & (simple.cap - 1); simple.key[h]; h = (h + 1) & (simple.cap - 1)) {
		if (!strcmp(simple.key[h], key))
			return &simple.id[h];
	}
	simple.key[h] = xstrdup(key);
	simple.id[h] = UINT32_MAX - 1; /* new */
	simple.n++;
	return &simple.id[h];
}

/* Registers the simple form of name @id; 0 when another name has it. */
static int simple_claim(uint32_t id, const char *s)
{
	uint32_t *slot = simple_slot(s);

	if (*slot == UINT32_MAX - 1)
		*slot = id;
	else if (*slot != id && *slot != UINT32_MAX) {
		/* Shared: the first owner shows its full name from now on
		 * (names are registered before anything is shown). */
		if (*slot < names.n && names.shown[*slot] && names.shown[*slot] != names.dem[*slot]) {
			free(names.shown[*slot]);
			names.shown[*slot] = names.dem[*slot];
		}
		*slot = UINT32_MAX;
	}
	return *slot == id;
}

static const char *simple_name(uint32_t id)
{
	const char *full = name_full(id);
	char *s;

	if (full == names.raw[id]) /* not C++ */
		return full;
	s = simplify(full);
	if (!*s || !simple_claim(id, s)) {
		free(s);
		return full;
	}
	return s;
}

void names_mode(enum demangle_mode m)
{
	mode = m;
}

void names_register(uint32_t id)
{
	if (mode == DEMANGLE_SIMPLE && id < names.n && !names.shown[id])
		names.shown[id] = (char *)simple_name(id);
}

const char *name_str(uint32_t id)
{
	if (id >= names.n)
		return "?";
	if (mode == DEMANGLE_NO)
		return names.raw[id];
	if (mode == DEMANGLE_FULL)
		return name_full(id);
	if (!names.shown[id])
		names.shown[id] = (char *)simple_name(id);
	return names.shown[id];
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
	if (dft_name_match(glob, names.raw[id], names.forms[id]))
		return 1;
	/* The name as shown, which --demangle simple cuts further than the
	 * matcher's forms (template arguments too): what users copy. */
	return mode == DEMANGLE_SIMPLE && !fnmatch(glob, name_str(id), 0);
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
	if (m->syms->n)
		qsort(m->syms->v, m->syms->n, sizeof(struct sym), cmp_sym);
}

void symtab_free(struct symtab *st)
{
	if (st)
		free(st->v);
	free(st);
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
