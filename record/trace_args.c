// SPDX-License-Identifier: MIT
/*
 * Arguments and return values (-A, -R): DYNFTRACE_ARGS and DYNFTRACE_RETVAL
 * hold ';'-separated specs
 *
 *   GLOB@arg1,arg2/s,fparg1      integer arguments 1.., floating point ones
 *   GLOB@retval[/FMT]            the return value (function_graph only)
 *
 * FMT is d (signed, the default), u, x, s (a C string, cut at 64 bytes) or
 * f (a double: the default of fpargN); d, u and x take a width in bits
 * (d32: an int), as a register's upper bits are undefined for a narrower
 * argument. GLOB is matched like the filters. The
 * values are read through the dft_regs accessors only, so that every
 * architecture records them alike; the spec numbers arguments from 1 as
 * users do, the accessors from 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "argspec.h"
#include "record.h"

#define STR_MAX DFT_VALUE_STR_MAX

struct arg_spec {
	struct arg_spec *next;
	char *glob;
	struct dft_argspec p; /* nr, item[], retval, ret_fmt */
};

int dft_args_retvals;
static struct arg_spec *specs;
/* Spec by function id, for each kind. Replaced (the old one leaked) when
 * it must grow, as callbacks read it without a lock. */
static struct arg_spec **by_fid[2];
static uint32_t by_fid_cap;

/* The command checked the specs before the program started (util/argspec.c,
 * the same parser): a bad one here was set by hand, and is left out. */
static void parse_specs(const char *env)
{
	for (const char *spec = env; spec && *spec;) {
		size_t len = strcspn(spec, ";");
		struct arg_spec *sp = calloc(1, sizeof(*sp));

		if (!sp)
			return;
		if (dft_argspec_parse(spec, len, DFT_ARGSPEC_ARGS | DFT_ARGSPEC_RETVAL, &sp->p) ||
		    !(sp->glob = strndup(spec, sp->p.glob_len))) {
			pr_warn("record: argument spec '%.*s': %s (at byte %zu): left out", (int)len,
				spec, sp->p.err ? sp->p.err : "out of memory", sp->p.err_pos + 1);
			free(sp);
		} else {
			dft_args_retvals |= sp->p.retval;
			sp->next = specs;
			specs = sp;
		}
		spec += len;
		spec += *spec == ';';
	}
}

int dft_args_init(const char *args, const char *retval)
{
	parse_specs(args);
	parse_specs(retval);
	return 0;
}

static void by_fid_set(int kind, uint32_t fid, struct arg_spec *sp)
{
	if (fid >= by_fid_cap) {
		uint32_t cap = by_fid_cap ? by_fid_cap : 1024;

		while (cap <= fid)
			cap *= 2;
		for (int k = 0; k < 2; k++) {
			struct arg_spec **n = calloc(cap, sizeof(*n));

			if (by_fid[k])
				memcpy(n, by_fid[k], by_fid_cap * sizeof(*n));
			__atomic_store_n(&by_fid[k], n, __ATOMIC_RELEASE);
		}
		by_fid_cap = cap;
	}
	by_fid[kind][fid] = sp;
}

/* Called as ids are given (under record.c's lock); the latest spec that
 * matches wins for each kind. */
uint32_t dft_args_assign(uint32_t fid, const char *module, const char *func)
{
	uint32_t flags = 0;

	for (struct arg_spec *sp = specs; sp; sp = sp->next) {
		if (!dft_rec_match(sp->glob, module, func))
			continue;
		if (sp->p.nr && !(flags & DFT_FID_ARGS)) {
			by_fid_set(0, fid, sp);
			flags |= DFT_FID_ARGS;
		}
		if (sp->p.retval && !(flags & DFT_FID_RETVAL)) {
			by_fid_set(1, fid, sp);
			flags |= DFT_FID_RETVAL;
		}
	}
	return flags;
}

/* A string of the traced program: the pointer may be anything, so it is
 * read with process_vm_readv(), which fails instead of faulting. The read is
 * split at the page end, so a string near an unmapped page still reads. */
static size_t read_str(unsigned long addr, char *buf)
{
	static long page;
	struct iovec local, remote[2];
	unsigned long room;
	ssize_t n;

	if (!addr)
		return 0;
	if (!page)
		page = sysconf(_SC_PAGESIZE);
	room = page - (addr & (page - 1));
	local.iov_base = buf;
	local.iov_len = STR_MAX;
	remote[0].iov_base = (void *)addr;
	remote[0].iov_len = room < STR_MAX ? room : STR_MAX;
	remote[1].iov_base = (void *)(addr + remote[0].iov_len);
	remote[1].iov_len = STR_MAX - remote[0].iov_len;
	n = process_vm_readv(getpid(), &local, 1, remote, remote[1].iov_len ? 2 : 1, 0);
	if (n <= 0)
		return 0;
	return strnlen(buf, n);
}

/* Appends one value to @p; returns its end. */
static unsigned char *put_value(unsigned char *p, struct dft_arg_fmt fmt, unsigned long reg, double d)
{
	/* Values are 64 bits in the stream, whatever the word size. */
	uint64_t v = reg;

	*p++ = fmt.type;
	if (fmt.bits < 64) {
		unsigned int shift = 64 - fmt.bits;

		v = fmt.type == 'd' ? (uint64_t)((int64_t)(v << shift) >> shift) : v << shift >> shift;
	} else if (fmt.type == 'd') {
		/* A register narrower than 64 bits holds a signed word. */
		v = (int64_t)(long)reg;
	}
	if (fmt.type == 's') {
		uint16_t len = read_str(reg, (char *)p + 2);

		memcpy(p, &len, 2);
		return p + 2 + len;
	}
	if (fmt.type == 'f')
		memcpy(p, &d, 8);
	else
		memcpy(p, &v, 8);
	return p + 8;
}

static void put_ext(struct dft_stream *s, unsigned int kind, uint32_t fid, unsigned char *buf,
		    size_t len, uint64_t now)
{
	void *p;

	memcpy(buf, &fid, sizeof(struct dft_ext_fid));
	p = dft_stream_ext(s, kind, len, now);
	if (!p)
		return;
	memcpy(p, buf, len);
	dft_stream_commit(s, dft_ext_size(len));
}

void dft_args_record(struct dft_stream *s, uint32_t fid, struct dft_regs *regs, uint64_t now)
{
	const struct arg_spec *sp = by_fid[0][fid];
	unsigned char buf[4 + DFT_ARGSPEC_ITEMS * (3 + STR_MAX)], *p = buf + 4;

	for (unsigned int i = 0; i < sp->p.nr; i++) {
		const struct dft_arg_item *a = &sp->p.item[i];

		if (a->fp)
			p = put_value(p, a->fmt, 0, dft_regs_get_fparg(regs, a->idx));
		else
			p = put_value(p, a->fmt, dft_regs_get_arg(regs, a->idx), 0);
	}
	put_ext(s, DFT_EXT_ARGS, fid, buf, p - buf, now);
}

void dft_retval_record(struct dft_stream *s, uint32_t fid, struct dft_regs *regs, uint64_t now)
{
	const struct arg_spec *sp = by_fid[1][fid];
	struct dft_arg_fmt fmt = sp->p.ret_fmt;
	unsigned char buf[4 + 3 + STR_MAX], *p;

	if (fmt.type == 'f')
		p = put_value(buf + 4, fmt, 0, dft_regs_get_fpretval(regs));
	else
		p = put_value(buf + 4, fmt, dft_regs_get_retval(regs), 0);
	put_ext(s, DFT_EXT_RETVAL, fid, buf, p - buf, now);
}

/* A PATCHED event: the call of @fid just recorded runs @name. */
static void patched_record(struct dft_stream *s, uint32_t fid, const char *name, uint64_t now)
{
	unsigned char buf[sizeof(struct dft_ext_fid) + STR_MAX];
	size_t n = strnlen(name, STR_MAX);

	memcpy(buf + sizeof(struct dft_ext_fid), name, n);
	put_ext(s, DFT_EXT_PATCHED, fid, buf, sizeof(struct dft_ext_fid) + n, now);
}

void dft_call_extras_slow(struct dft_stream *s, const struct dft_fid *f, unsigned long ip,
			  struct dft_regs *regs, uint64_t now)
{
	const char *patched = dft_lp_patched(ip);

	if (patched)
		patched_record(s, f->fid, patched, now);
	if (f->flags & DFT_FID_ARGS)
		dft_args_record(s, f->fid, regs, now);
}
