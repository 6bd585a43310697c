// SPDX-License-Identifier: MIT
/*
 * Output lines built without printf: the text and graph reports of a long
 * trace are mostly a few fixed columns, and printf would be most of their
 * cost.
 */
#include <string.h>

#include "trace.h"

void put(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->b) - 1 - l->n)
		n = sizeof(l->b) - 1 - l->n;
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

void put_str(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

/* " [patched: NAME]": the call ran a live patch's replacement, NAME (from
 * the trace: a byte that is not printable shows as '?'). */
void put_patched(struct line *l, const char *name, uint32_t len)
{
	if (!name)
		return;
	put_str(l, " [patched: ");
	for (uint32_t i = 0; i < len && l->n < sizeof(l->b) - 1; i++)
		l->b[l->n++] = name[i] > ' ' && name[i] < 127 ? name[i] : '?';
	put_str(l, "]");
}

void put_chars(struct line *l, char c, int n)
{
	while (n-- > 0 && l->n < sizeof(l->b) - 1)
		l->b[l->n++] = c;
}

/* @v in decimal, at least @width wide: right-aligned on @fill. */
void put_uint(struct line *l, uint64_t v, int width, char fill)
{
	char d[24];
	int n = 0;

	do {
		d[sizeof(d) - ++n] = '0' + v % 10;
		v /= 10;
	} while (v);
	put_chars(l, fill, width - n);
	put(l, d + sizeof(d) - n, n);
}

void end_line(struct report *r, struct line *l)
{
	l->b[l->n++] = '\n';
	fwrite(l->b, 1, l->n, r->out);
}

/* The kernel's timestamp, seconds.microseconds: "%5lu.%06lu". */
void put_time(struct line *l, uint64_t ns)
{
	put_uint(l, ns / 1000000000, 5, ' ');
	put(l, ".", 1);
	put_uint(l, ns / 1000 % 1000000, 6, '0');
}
