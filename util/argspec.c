// SPDX-License-Identifier: MIT
/*
 * The one parser of argument and return value specs (argspec.h). It never
 * allocates, and points at the first mistake.
 */
#include <string.h>

#include "argspec.h"

static int bad(struct dft_argspec *o, const char *err, size_t pos)
{
	o->err = err;
	o->err_pos = pos;
	return -1;
}

/* A decimal number in [p, end): its value, or -1 (none, or too big). */
static long number(const char *p, const char *end, const char **stop)
{
	long n = 0;

	*stop = p;
	while (*stop < end && **stop >= '0' && **stop <= '9' && n < 100000)
		n = n * 10 + *(*stop)++ - '0';
	return *stop == p ? -1 : n;
}

/* "/FMT" in [p, end), or nothing. @base is the spec, for positions. */
static int parse_fmt(const char *base, const char *p, const char *end, struct dft_arg_fmt *fmt,
		     struct dft_argspec *o)
{
	static const char *const msg = "a format is /d, /u, /x (each with an optional width 8, "
				       "16, 32 or 64), /s or /f";
	const char *stop;
	long bits = 64;

	fmt->bits = 64;
	if (p == end)
		return 0;
	if (*p != '/' || p + 1 == end || !strchr("diuxsf", p[1]))
		return bad(o, msg, p - base + (*p == '/'));
	fmt->type = p[1] == 'i' ? 'd' : p[1];
	if (p + 2 < end) {
		if (!strchr("dux", fmt->type))
			return bad(o, msg, p + 2 - base);
		bits = number(p + 2, end, &stop);
		if (stop != end || (bits != 8 && bits != 16 && bits != 32 && bits != 64))
			return bad(o, "an integer width is 8, 16, 32 or 64", p + 2 - base);
	}
	fmt->bits = bits;
	return 0;
}

static int parse_item(const char *base, const char *p, const char *end, int allow,
		      struct dft_argspec *o)
{
	struct dft_arg_item *a = &o->item[o->nr];
	size_t n = end - p;
	const char *stop;
	long num;

	if (n >= 6 && !memcmp(p, "retval", 6)) {
		if (!(allow & DFT_ARGSPEC_RETVAL))
			return bad(o, "retval is for -R (GLOB@retval[/FMT])", p - base);
		if (o->retval)
			return bad(o, "retval given twice", p - base);
		o->ret_fmt.type = 'd';
		o->retval = 1;
		return parse_fmt(base, p + 6, end, &o->ret_fmt, o);
	}
	if (!(allow & DFT_ARGSPEC_ARGS))
		return bad(o, "expected retval[/FMT] (arguments are for -A)", p - base);
	if (n >= 5 && !memcmp(p, "fparg", 5)) {
		a->fp = 1;
		a->fmt.type = 'f';
		p += 5;
	} else if (n >= 3 && !memcmp(p, "arg", 3)) {
		a->fp = 0;
		a->fmt.type = 'd';
		p += 3;
	} else {
		return bad(o,
			   allow & DFT_ARGSPEC_RETVAL ? "expected argN, fpargN or retval"
						      : "expected argN or fpargN (N from 1)",
			   p - base);
	}
	num = number(p, end, &stop);
	if (num < 1 || num > DFT_ARGSPEC_ARGN)
		return bad(o, "argument numbers go from 1 to 64", p - base);
	if (o->nr == DFT_ARGSPEC_ITEMS)
		return bad(o, "at most 16 arguments per spec", p - base);
	a->idx = num - 1;
	if (parse_fmt(base, stop, end, &a->fmt, o))
		return -1;
	o->nr++;
	return 0;
}

int dft_argspec_parse(const char *s, size_t len, int allow, struct dft_argspec *o)
{
	const char *end = s + len, *at = NULL, *p;

	memset(o, 0, sizeof(*o));
	for (p = s; p < end; p++) {
		if (*p == '@')
			at = p;
	}
	if (!at)
		return bad(o,
			   allow & DFT_ARGSPEC_ARGS ? "expected GLOB@arg1,arg2/s,fparg1"
						    : "expected GLOB@retval[/FMT]",
			   len);
	if (at == s)
		return bad(o, "a function glob comes before the @", 0);
	o->glob_len = at - s;
	if (at + 1 == end)
		return bad(o, "nothing after the @", len);
	for (p = at + 1; p <= end;) {
		const char *comma = memchr(p, ',', end - p);
		const char *stop = comma ? comma : end;

		if (stop == p)
			return bad(o, "an empty item", p - s);
		if (parse_item(s, p, stop, allow, o))
			return -1;
		p = stop + 1;
	}
	return 0;
}
