// SPDX-License-Identifier: MIT
/*
 * Function patterns: lists, globs over mangled and demangled names, and the
 * closest names to a glob that matched nothing (match.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"
#include "match.h"

static dft_demangle_fn demangler;

void dft_demangler_set(dft_demangle_fn fn)
{
	demangler = fn;
}

int dft_demangler_find(void)
{
	/* Looked up again until found: libstdc++ may come with a dlopen. */
	if (!demangler)
		demangler = (dft_demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
	return demangler != NULL;
}

char *dft_demangle(const char *raw)
{
	int status = -1;
	char *d;

	if (!demangler || raw[0] != '_' || raw[1] != 'Z')
		return NULL;
	d = demangler(raw, NULL, NULL, &status);
	if (status) {
		free(d);
		return NULL;
	}
	return d;
}

/* Where the parameter list of demangled name @s starts (its length when it
 * has none): the '(' that matches the last ')'. */
static size_t params_start(const char *s)
{
	size_t n = strlen(s), i = n;
	int depth = 0;

	while (i && s[i - 1] != ')')
		i--;
	if (!i)
		return n;
	while (i--) {
		if (s[i] == ')')
			depth++;
		else if (s[i] == '(' && !--depth)
			return i;
	}
	return n;
}

/* Where the name of demangled @s (cut to @n) starts after a template's
 * return type: after the last blank outside <> and (), unless the blank is
 * part of an operator's name ("operator new"). */
static size_t name_start(const char *s, size_t n)
{
	size_t start = 0;
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '<' || s[i] == '(')
			depth++;
		else if ((s[i] == '>' || s[i] == ')') && depth)
			depth--;
		else if (s[i] == ' ' && !depth && !(i >= 8 && !strncmp(s + i - 8, "operator", 8)))
			start = i + 1;
	}
	return start;
}

/* Appends s[0..n) without blanks and a NUL to @out; returns the end. */
static char *put_flat(char *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != ' ')
			*out++ = s[i];
	}
	*out++ = 0;
	return out;
}

char *dft_name_forms(const char *raw)
{
	char *d = dft_demangle(raw), *forms, *p;
	size_t n, base, start;

	if (!d)
		return NULL;
	n = strlen(d);
	base = params_start(d);
	start = name_start(d, base);
	forms = malloc(3 * (n + 1));
	if (forms) {
		p = put_flat(forms, d, n);
		p = put_flat(p, d, base);
		put_flat(p, d + start, base - start);
	}
	free(d);
	return forms;
}

int dft_name_match(const char *glob, const char *raw, const char *forms)
{
	char flat[512];

	if (dft_glob_match(glob, raw))
		return 1;
	if (!forms)
		return 0;
	if (strchr(glob, ' ')) {
		size_t n = strlen(glob);

		if (n >= sizeof(flat))
			return 0;
		put_flat(flat, glob, n);
		glob = flat;
	}
	for (int i = 0; i < 3; i++) {
		if (dft_glob_match(glob, forms))
			return 1;
		forms += strlen(forms) + 1;
	}
	return 0;
}

const char *dft_pattern_next(const char *p, char *buf, size_t len)
{
	const char *sep = " \t\n,";
	size_t n = 0;
	int depth = 0;

	p += strspn(p, sep);
	if (!*p)
		return NULL;
	for (; *p && (depth || !strchr(sep, *p)); p++) {
		if (*p == '\\' && p[1]) {
			if (n + 2 < len) {
				buf[n++] = *p;
				buf[n++] = p[1];
			}
			p++;
			continue;
		}
		if (*p == '(' || *p == '<')
			depth++;
		else if ((*p == ')' || *p == '>') && depth)
			depth--;
		if (n + 1 < len)
			buf[n++] = *p;
	}
	if (len)
		buf[n] = 0;
	return p;
}

void dft_patterns_free(struct dft_pattern *p)
{
	while (p) {
		struct dft_pattern *next = p->next;

		free(p->mod);
		free(p->func);
		free(p);
		p = next;
	}
}

int dft_patterns_parse(const char *text, struct dft_pattern **out, const char **bad)
{
	struct dft_pattern **tail = out;
	const char *p = text, *start;
	char tok[1024];

	*out = NULL;
	while (p) {
		struct dft_pattern *pat;
		const char *func = tok;

		start = p + strspn(p, " \t\n,");
		p = dft_pattern_next(p, tok, sizeof(tok));
		if (!p)
			break;
		pat = calloc(1, sizeof(*pat));
		if (!pat)
			goto nomem;
		*tail = pat;
		tail = &pat->next;
		if (!strncmp(tok, "lib:", 4)) {
			char *colon = strchr(tok + 4, ':');

			if (colon)
				*colon = 0;
			func = colon ? colon + 1 : NULL;
			pat->mod = strdup(tok + 4);
			if (!pat->mod)
				goto nomem;
			if (dft_glob_valid(pat->mod))
				goto invalid;
		}
		if (func) {
			pat->func = strdup(func);
			if (!pat->func)
				goto nomem;
			if (dft_glob_valid(pat->func))
				goto invalid;
		}
	}
	return 0;
invalid:
	if (bad)
		*bad = start;
	dft_patterns_free(*out);
	*out = NULL;
	return -EINVAL;
nomem:
	dft_patterns_free(*out);
	*out = NULL;
	return -ENOMEM;
}

int dft_pattern_match(const struct dft_pattern *p, const char *module, const char *raw,
		      const char *forms)
{
	if (p->mod && (!module || !dft_glob_match(p->mod, module)))
		return 0;
	return !p->func || dft_name_match(p->func, raw, forms);
}

int dft_patterns_match(const struct dft_pattern *list, const char *module, const char *raw,
		       const char *forms)
{
	for (; list; list = list->next) {
		if (dft_pattern_match(list, module, raw, forms))
			return 1;
	}
	return 0;
}

/* Levenshtein distance of a and b[0..lb), capped: only small ones matter. */
static unsigned int distance(const char *a, const char *b, size_t lb)
{
	size_t la = strlen(a);
	unsigned int row[65];

	if (la > 64 || lb > 64)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int v = diag + (a[i - 1] != b[j - 1]);

			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			if (up + 1 < v)
				v = up + 1;
			row[j] = v;
			diag = up;
		}
	}
	return row[lb];
}

size_t dft_close_names(const char *glob, const char *(*name)(size_t i, void *arg), size_t n,
		       void *arg, size_t *best, size_t max)
{
	/* Compare against the glob's literal part: "fo*" is close to "foo". */
	unsigned int bestd[16];
	size_t k = 0, nbest = 0;
	char lit[65];

	if (max > 16)
		max = 16;
	for (const char *p = glob; *p && k < sizeof(lit) - 1; p++) {
		if (!strchr("*?[]\\", *p))
			lit[k++] = *p;
	}
	lit[k] = 0;
	for (size_t i = 0; i < n; i++) {
		const char *s = name(i, arg);
		size_t j, base = params_start(s);
		unsigned int d;

		if (k && strstr(s, lit)) {
			d = 0;
		} else {
			d = distance(lit, s, strlen(s));
			if (base < strlen(s) && distance(lit, s, base) < d)
				d = distance(lit, s, base);
		}
		if (d > (k + 2) / 3)
			continue;
		/* A name (an overload set's) is shown once. */
		for (j = 0; j < nbest && strcmp(name(best[j], arg), s); j++)
			;
		if (j < nbest)
			continue;
		for (j = nbest; j > 0 && bestd[j - 1] > d; j--) {
			if (j < max) {
				best[j] = best[j - 1];
				bestd[j] = bestd[j - 1];
			}
		}
		if (j < max) {
			best[j] = i;
			bestd[j] = d;
			if (nbest < max)
				nbest++;
		}
	}
	return nbest;
}
