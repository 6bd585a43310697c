/* SPDX-License-Identifier: MIT */
/*
 * The one function matcher of dynftrace: record -F/-N/-G, dft_set_filter(),
 * report -F/-N and `dynftrace list` all select functions through it.
 *
 * A pattern list is what dft_set_filter() takes: patterns separated by
 * commas or blanks (not inside parentheses or angle brackets, so that
 * "f(int, char)" is one pattern), each GLOB, lib:MOD or lib:MOD:GLOB.
 *
 * A GLOB selects a function when it matches its symbol name as recorded
 * (mangled for C++) or, for a C++ name, its demangled name with or without
 * the parameter list (and for a template, without the return type).
 * Blanks do not count in demangled names: "ns::Foo::bar", "ns::Foo::bar(int)"
 * and "_ZN2ns3Foo3barEi" all select the same function, and
 * "f(int,char)" matches "f(int, char)".
 *
 * Demangling needs the Itanium C++ ABI's __cxa_demangle: the command loads
 * libstdc++ at the first C++ name (dft_demangler_set()); the runtime, which is
 * libc-only, looks it up with dft_demangler_find() when it parses patterns
 * (any C++ program has libstdc++ loaded), never in a callback. Without it,
 * C++ functions match by their mangled names only.
 *
 * Callers serialise: the runtime under dft_lock, the command is one thread.
 */
#ifndef DFT_MATCH_H
#define DFT_MATCH_H

#include <stddef.h>

/* Hidden in the runtime (internal.h says why); harmless in the command. */
#pragma GCC visibility push(hidden)

typedef char *(*dft_demangle_fn)(const char *mangled, char *buf, size_t *len, int *status);

void dft_demangler_set(dft_demangle_fn fn);
/* Looks __cxa_demangle up in the process (dlsym); whether there is one. */
int dft_demangler_find(void);
/* The demangled name to show (malloc'ed), or NULL for a C name (or none). */
char *dft_demangle(const char *raw);

/*
 * The forms of @raw a glob is tried on besides @raw itself, for a C++ name:
 * "FULL\0BASE\0NAME\0" (blanks removed; BASE without the parameter list,
 * NAME also without a template's return type), malloc'ed; NULL for a C name
 * or without a demangler. Callers that match often cache it.
 */
char *dft_name_forms(const char *raw);
/* Whether @glob selects the function @raw, whose dft_name_forms() are
 * @forms (may be NULL). */
int dft_name_match(const char *glob, const char *raw, const char *forms);

/*
 * The next pattern of the list at @p, copied to @buf (cut to @len - 1
 * bytes); returns where the list goes on, or NULL when no pattern is left.
 */
const char *dft_pattern_next(const char *p, char *buf, size_t len);

/* A parsed pattern. */
struct dft_pattern {
	struct dft_pattern *next;
	char *mod;  /* lib:MOD: a glob over the module's file name, or NULL */
	char *func; /* a glob over the function, or NULL: all of mod */
};

/*
 * Parses a pattern list into *@out (NULL for an empty list). Returns 0,
 * -ENOMEM, or -EINVAL for a malformed glob: then *@bad (when given) points
 * into @text at the offending pattern.
 */
int dft_patterns_parse(const char *text, struct dft_pattern **out, const char **bad);
void dft_patterns_free(struct dft_pattern *p);
/* Whether one pattern selects function @raw (forms as above) of the module
 * whose file name is @module (NULL: unknown, only lib:-less patterns match). */
int dft_pattern_match(const struct dft_pattern *p, const char *module, const char *raw,
		      const char *forms);
/* Whether any pattern of the list selects it. */
int dft_patterns_match(const struct dft_pattern *list, const char *module, const char *raw,
		       const char *forms);

/*
 * The names closest to @glob, for a warning that it matched nothing: calls
 * @name(i, @arg) for i < @n (the name to compare and show, demangled when it
 * can be), and stores up to @max indices, best first, in @best. Returns how
 * many.
 */
size_t dft_close_names(const char *glob, const char *(*name)(size_t i, void *arg), size_t n,
		       void *arg, size_t *best, size_t max);

#pragma GCC visibility pop
#endif /* DFT_MATCH_H */
