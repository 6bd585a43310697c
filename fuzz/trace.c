// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the trace reader behind every report format. An input
 * is a trace directory packed as records, one per file:
 *
 *	NAME '\0' LEN (4 bytes, little-endian) LEN bytes of content
 *
 * (fuzz/pack.py packs a real one). The files are written to a scratch
 * directory and printed in each format through report_run(), the code
 * `dynftrace report` runs after its command line. What the command ends
 * with die() (no info file, a format the tracer cannot give) comes back
 * here: the link wraps exit().
 *
 * A record named "=" is no file but the report's filters, as options
 * parsed would set them: NUL-separated -F, -N and -C globs, --time-range,
 * then -D, --duration-min (ns) and --tid in decimal (empty: none).
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "match.h"
#include "trace.h"

extern char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);
void __real_exit(int status) __attribute__((noreturn));
void __wrap_exit(int status) __attribute__((noreturn));

static jmp_buf died;
static int running;

void __wrap_exit(int status)
{
	if (running)
		longjmp(died, 1);
	__real_exit(status);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	dft_demangler_set(__cxa_demangle);
	return 0;
}

struct opts {
	char text[256];
	char *v[7]; /* sel, hide, caller, range, depth, dur, tid */
	int tid;
};

static void set_opts(struct opts *o, const uint8_t *p, size_t len)
{
	char *s = o->text;

	if (len >= sizeof(o->text))
		len = sizeof(o->text) - 1;
	memcpy(o->text, p, len);
	o->text[len] = 0;
	for (int i = 0; i < 7; i++) {
		o->v[i] = NULL;
		if (s >= o->text + len)
			continue;
		if (*s)
			o->v[i] = s;
		s += strlen(s) + 1;
	}
}

static void apply_opts(struct opts *o, struct report *r)
{
	r->sel = &o->v[0];
	r->nsel = !!o->v[0];
	r->hide = &o->v[1];
	r->nhide = !!o->v[1];
	r->callers = &o->v[2];
	r->ncallers = !!o->v[2];
	r->max_depth = o->v[4] ? strtoul(o->v[4], NULL, 10) : 0;
	r->dur_min = o->v[5] ? strtoull(o->v[5], NULL, 10) : 0;
	if (o->v[6]) {
		o->tid = atoi(o->v[6]);
		r->tids = &o->tid;
		r->ntids = 1;
	}
}

/* Writes the files of @data; returns how many. */
static unsigned int unpack(const uint8_t *data, size_t size, struct opts *o)
{
	const uint8_t *end = data + size;
	unsigned int n = 0;

	while (data < end) {
		const uint8_t *nul = memchr(data, 0, end - data < 64 ? end - data : 64), *p;
		uint32_t len = 0;

		if (!nul || nul == data)
			break;
		p = nul + 1;
		if (end - p >= 4) {
			memcpy(&len, p, 4);
			p += 4;
		}
		if (len > (size_t)(end - p))
			len = end - p;
		/* Only plain names: the reader lists one directory. */
		if (data[0] == '=' && nul == data + 1) {
			set_opts(o, p, len);
		} else if (data[0] != '.' && !memchr(data, '/', nul - data)) {
			fuzz_file((const char *)data, p, len);
			n++;
		}
		data = p + len;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct opts o = { 0 };

	fuzz_clear();
	if (!unpack(data, size, &o))
		return 0;
	for (size_t i = 0; report_formats[i]; i++) {
		/* The -O options vary with the format, so each is met. */
		struct report r = { .fmt = report_formats[i], .retval = !(i & 1),
				    .abstime = i & 1, .proc = !!(i & 2), .tail = !!(i & 4),
				    .raw = i & 1 };
		struct trace t;

		memset(&t, 0, sizeof(t));
		apply_opts(&o, &r);
		running = 1;
		if (!setjmp(died))
			report_run(&r, &t, fuzz_dir(), o.v[3], "/dev/null");
		running = 0;
		trace_close(&t);
		free(r.name_flags);
	}
	return 0;
}
