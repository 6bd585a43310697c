/* SPDX-License-Identifier: MIT */
/*
 * Argument and return value specs (-A, -R; DYNFTRACE_ARGS/_RETVAL), parsed
 * alike by the command, which checks them before the program starts, and
 * by the runtime (record/trace_args.c):
 *
 *   GLOB@arg1,arg2/s,fparg1      integer arguments 1.., floating point ones
 *   GLOB@retval[/FMT]            the return value
 *
 * FMT is d (signed, the default), i (the same), u, x, s (a C string) or
 * f (a double: the default of fpargN); d, u and x take a width in bits
 * (8, 16, 32 or 64). GLOB is everything before the last '@'.
 */
#ifndef DFT_ARGSPEC_H
#define DFT_ARGSPEC_H

#include <stddef.h>

#define DFT_ARGSPEC_ITEMS 16 /* arguments per spec */
#define DFT_ARGSPEC_ARGN 64  /* the highest argument number */

/* What a spec may hold. */
enum { DFT_ARGSPEC_ARGS = 1, DFT_ARGSPEC_RETVAL = 2 };

struct dft_arg_fmt {
	char type;	    /* d u x s f */
	unsigned char bits; /* of an integer */
};

struct dft_arg_item {
	unsigned char fp;  /* a floating point argument */
	unsigned char idx; /* 0-based */
	struct dft_arg_fmt fmt;
};

struct dft_argspec {
	size_t glob_len; /* the GLOB is the spec's first glob_len bytes */
	unsigned int nr;
	int retval;
	struct dft_arg_fmt ret_fmt;
	struct dft_arg_item item[DFT_ARGSPEC_ITEMS];
	/* On error: what is wrong, and its byte offset in the spec. */
	const char *err;
	size_t err_pos;
};

/* Parses the @len bytes of one spec at @s, allowing what @allow says.
 * 0, or -1 with out->err and out->err_pos set. */
int dft_argspec_parse(const char *s, size_t len, int allow, struct dft_argspec *out);

#endif /* DFT_ARGSPEC_H */
