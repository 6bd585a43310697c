// SPDX-License-Identifier: MIT
/*
 * Globs over function and module names: *, ? and [...] (with ! or ^ to
 * negate, and ranges). Our own matcher rather than fnmatch(3), because a
 * malformed pattern must be refused with an error, not silently matched
 * literally.
 */
#include <errno.h>
#include <stddef.h>

#include "glob.h"

/* 0 for a well-formed pattern, -EINVAL otherwise. */
int dft_glob_valid(const char *p)
{
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		if (*p == '\\') {
			if (!*++p)
				return -EINVAL;
		} else if (*p == '[') {
			p++;
			if (*p == '!' || *p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']')
				p++;
			if (!*p)
				return -EINVAL;
		}
	}
	return 0;
}

/* Matches one [...] class at *pp against c; advances *pp past it. */
static int match_class(const char **pp, char c)
{
	const char *p = *pp + 1;
	int neg = 0, hit = 0;

	if (*p == '!' || *p == '^') {
		neg = 1;
		p++;
	}
	do {
		char lo = *p, hi = lo;

		if (p[1] == '-' && p[2] && p[2] != ']') {
			hi = p[2];
			p += 2;
		}
		if (c >= lo && c <= hi)
			hit = 1;
		p++;
	} while (*p && *p != ']');
	*pp = p;
	return hit != neg;
}

int dft_glob_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	/* Iterative with one backtrack point: linear enough for symbol names
	 * and no recursion depth to worry about. */
	while (*s) {
		if (*p == '*') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		int ok;

		if (*p == '?')
			ok = 1;
		else if (*p == '[')
			ok = match_class(&p, *s); /* leaves p on the ']' */
		else if (*p == '\\' && p[1])
			ok = *++p == *s;
		else
			ok = *p && *p == *s;
		if (ok) {
			p++;
			s++;
			continue;
		}
		if (!star_p)
			return 0;
		p = star_p;
		s = ++star_s;
	}
	while (*p == '*')
		p++;
	return !*p;
}
