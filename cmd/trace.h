/* SPDX-License-Identifier: MIT */
/*
 * Reading a trace directory (docs/trace-format.md) and walking its event
 * streams. Streams are mapped and decoded in place, one event at a time, so
 * that report runs in bounded memory whatever the size of the trace.
 */
#ifndef DFT_TRACE_H
#define DFT_TRACE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <dynftrace/format.h>

#include "cmd.h"

/* The layout is include/dynftrace/format.h's; these name its parts. */
#define STREAM_HDR sizeof(struct dft_stream_hdr)
#define CHUNK_HDR sizeof(struct dft_chunk_hdr)
#define PROFILE_HDR sizeof(struct dft_profile_hdr)
#define PROFILE_REC sizeof(struct dft_profile_rec)

/* Ticks to CLOCK_MONOTONIC nanoseconds, as fixed point: ns = ticks * mult >> shift. */
struct tclock {
	uint64_t tps, mono0, ticks0;
	uint64_t mult;
	unsigned int shift;
};

/* (a * b) >> shift, rounded to nearest, so that exact tick counts give
 * exact ns; 32-bit targets have no 128-bit type. */
static inline uint64_t mul_shift(uint64_t a, uint64_t b, unsigned int shift)
{
#ifdef __SIZEOF_INT128__
	unsigned __int128 p = (unsigned __int128)a * b + ((unsigned __int128)1 << shift >> 1);

	return (uint64_t)(p >> shift);
#else
	uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
	uint64_t lo = (mid << 32) | (uint32_t)ll;
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	uint64_t round = shift ? 1ULL << (shift - 1) : 0;

	if (lo + round < lo)
		hi++;
	lo += round;
	return shift ? (hi << (64 - shift)) | (lo >> shift) : lo;
#endif
}

static inline uint64_t clock_dur(const struct tclock *c, uint64_t ticks)
{
	return mul_shift(ticks, c->mult, c->shift);
}

static inline uint64_t clock_ns(const struct tclock *c, uint64_t ticks)
{
	if (ticks >= c->ticks0)
		return c->mono0 + clock_dur(c, ticks - c->ticks0);
	return c->mono0 - clock_dur(c, c->ticks0 - ticks);
}

struct symtab; /* symbols.c */

struct module {
	unsigned int id;
	uint64_t lo, hi, bias;
	char *buildid, *path;
	struct symtab *syms; /* loaded on first use */
	int tried;
};

struct func {
	uint32_t name;
	uint32_t mod;
	uint64_t off;
};

struct proc {
	int pid;
	struct module *mods;
	unsigned int nmods;
	struct func *funcs; /* by fid */
	uint32_t nfuncs;
	struct tclock clk;
	int exited, status;
	uint64_t lost; /* events its exit file says were dropped */
	char *comm;    /* name of its main thread */
	uint8_t *fflags; /* report: NF_* by fid, 0xff until known */
	uint32_t nfflags;
};

/* A chunk of a stream: its committed events. */
struct tchunk {
	uint64_t off; /* of the events in the file */
	uint64_t len; /* bytes committed */
	uint64_t ts;  /* ticks: the base of the first event's delta */
	uint64_t seq;
};

/* A chunk mapped for reading. A thread keeps TMAPS: a walk looks up to two
 * events ahead (ARGS, RETVAL, EXIT), maybe into the next chunks, and comes
 * back, and what it saw stays mapped meanwhile. */
#define TMAPS 3
struct tmap {
	const uint8_t *map;
	size_t len;
	uint32_t chunk;
	uint32_t used; /* for replacing the least recently used */
	int read;      /* a copy (malloc'ed), not a mapping */
};

struct thread {
	struct proc *proc;
	int pid, tid;
	char comm[17];
	char *file; /* name in the trace directory, for messages */
	char *path;
	uint64_t size;
	uint64_t ts0;
	struct tchunk *chunks; /* in the order they were written */
	uint32_t nchunks;
	int ring;
	int v1; /* format 1: one chunk, the whole file */
	uint64_t overwritten; /* ring: chunks written over */
	struct tmap maps[TMAPS];
	uint32_t uses;
};

struct trace {
	char *dir;
	char *tracer, *argv, *options;
	char *info; /* the info file's text: key=value lines */
	struct proc **procs;
	unsigned int nprocs;
	struct thread **threads;
	unsigned int nthreads;
	char **profiles; /* profile-PID.TID file names */
	unsigned int nprofiles;
	uint64_t t0; /* ns of the trace's start: chrome's zero */
	unsigned int nosites; /* processes that had no call sites (no files) */
	uint64_t max_size; /* record --max-size, from the budget file */
	uint64_t stop_ns;  /* ... and when it was reached (0: it was not) */
	int snapshot; /* made by `ctl snapshot` of a running process */
	int damaged; /* something could not be read: exit non-zero */
};

/* Opens DIR (exits when it is no trace at all) and loads what it names;
 * @quiet: no notes about processes that did not exit. */
void trace_open(struct trace *t, const char *dir, int quiet);
/* Frees what trace_open() loaded (also a trace it left half-made when it
 * died, which the fuzz target catches). */
void trace_close(struct trace *t);
/* symbols.c: a module's symbols, as addr_name() loaded them. */
void symtab_free(struct symtab *st);
/* Cuts the streams of processes that have ended to their used size. */
void trace_trim(struct trace *t);
/* Warns about each of @globs that matches none of the trace's functions. */
void trace_check_globs(struct trace *t, char **globs, unsigned int n, const char *what);
struct proc *trace_proc(struct trace *t, int pid);
/* The value of @key in the key=value lines @text (malloc'ed), or NULL. */
char *info_value(const char *text, const char *key);
/* Reports damage in @file at @off (once per file) and marks the trace. */
void trace_damage(struct trace *t, const char *file, uint64_t off, const char *what);
/* The name of the function at absolute @addr in @p, into @buf. */
const char *addr_name(struct proc *p, uint64_t addr, char *buf, size_t len);

/* A profile-PID.TID file, mapped and checked (damage is reported): its
 * records follow the header. */
struct pfile {
	const uint8_t *map;
	size_t size;
	uint32_t pid, tid, nr;
};

int profile_open(struct trace *t, const char *name, struct pfile *pf);
void profile_close(struct pfile *pf);

struct event {
	uint8_t type;
	uint16_t kind, len;
	uint32_t fid;
	uint64_t ticks;
	uint64_t parent_ip;
	const uint8_t *data; /* EXT payload */
};

struct cursor {
	const uint8_t *p, *end;
	const uint8_t *start; /* of the chunk's events, at file offset start_off */
	uint64_t start_off;
	uint64_t ticks;
	struct thread *th;
	uint32_t chunk;
};

/* Moves @c to the next chunk with events: 0 at the end of the stream. */
int cursor_advance(struct cursor *c);
/* Maps @c's chunk again, after another cursor looked far ahead in the same
 * stream and may have dropped it; @c goes on where it was. */
void cursor_reseat(struct cursor *c);

/* The file offset of the cursor, for messages. */
static inline uint64_t cursor_off(const struct cursor *c)
{
	return c->start_off + (uint64_t)(c->p - c->start);
}

static inline uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static inline uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* Field @f of struct @type at @p, which may be unaligned. */
#define field32(p, type, f) get32((const uint8_t *)(p) + offsetof(type, f))
#define field64(p, type, f) get64((const uint8_t *)(p) + offsetof(type, f))
#define field16(p, type, f) get16((const uint8_t *)(p) + offsetof(type, f))

/*
 * Decodes the next event: 1, 0 at the end, -1 for bytes that are no valid
 * event (c->p is left on them, for the message).
 */
static inline int cursor_next(struct cursor *c, struct event *ev)
{
	const uint8_t *p = c->p;
	uint32_t w;
	size_t left = c->end - p, size;

	if (left < 4) {
		if (left || !cursor_advance(c))
			return left ? -1 : 0;
		p = c->p;
		left = c->end - p;
	}
	w = get32(p);
	ev->type = w & DFT_EV_TYPE_MASK;
	c->ticks += w >> DFT_EV_TYPE_BITS;
	switch (ev->type) {
	case DFT_EV_ENTRY:
		size = sizeof(struct dft_ev_entry);
		if (left < size)
			return -1;
		ev->fid = field32(p, struct dft_ev_entry, fid);
		break;
	case DFT_EV_EXIT:
		size = sizeof(struct dft_ev_exit);
		break;
	case DFT_EV_FUNC:
		size = sizeof(struct dft_ev_func);
		if (left < size)
			return -1;
		ev->fid = field32(p, struct dft_ev_func, fid);
		ev->parent_ip = field64(p, struct dft_ev_func, parent_ip);
		break;
	default:
		if (left < sizeof(struct dft_ev_ext))
			return -1;
		ev->kind = field16(p, struct dft_ev_ext, kind);
		ev->len = field16(p, struct dft_ev_ext, len);
		ev->data = p + sizeof(struct dft_ev_ext);
		size = DFT_EXT_SIZE(ev->len);
		if (size > left || !ev->kind || ev->kind > DFT_EXT_MAX)
			return -1;
		if (ev->kind == DFT_EXT_TIME) {
			if (ev->len < sizeof(struct dft_ext_u64))
				return -1;
			c->ticks = field64(ev->data, struct dft_ext_u64, value);
		}
		break;
	}
	ev->ticks = c->ticks;
	c->p = p + size;
	return 1;
}

void cursor_init(struct cursor *c, struct thread *th);
/* Unmaps what the cursors of @th mapped. */
void thread_unmap(struct thread *th);

/* Values of ARGS and RETVAL payloads. */
struct value {
	char type; /* d u x f s */
	union {
		int64_t d;
		uint64_t u;
		double f;
	};
	const char *s;
	unsigned int slen;
};

/* The next value in [*p, end): 1, 0 at the end, -1 when malformed. */
int value_next(const uint8_t **p, const uint8_t *end, struct value *v);
/* C-like text of a value: 42, 0x2a, 1.5, "str". */
int value_text(const struct value *v, char *buf, size_t len);
/* "1, 0x2a, \"s\"" of an ARGS payload (after the fid). */
void values_text(const uint8_t *p, const uint8_t *end, char *buf, size_t len);

/* argnames.c: the name id of value @i of an ARGS payload of function
 * @func ("arg3"), from the -A specs in the trace's info file. */
uint32_t arg_name(struct trace *t, uint32_t func, unsigned int i);

/* ---- walking: events to calls ---- */

enum end_kind { END_RET, END_UNWIND, END_TRUNC };

struct frame {
	uint32_t fid, name;
	uint32_t vdepth;  /* depth among the shown frames */
	uint32_t vparent; /* index+1 of the closest shown ancestor, 0 for none */
	uint64_t t0, child; /* ns; time of shown children */
	const uint8_t *args, *args_end;
	uint32_t node; /* fmt scratch (the call tree node) */
	uint8_t shown, hidden_by, leaf;
	uint8_t cut; /* CUT_*: hides what it calls (report-time filters) */
	uint64_t leaf_dur; /* with leaf: its duration */
	const uint8_t *ret, *ret_end;
	/* A PATCHED event followed the entry: the live patch's replacement
	 * ran; its name, not NUL-terminated. */
	const char *patched;
	uint32_t patched_len;
};

struct walk {
	struct thread *th;
	struct proc *proc;
	struct cursor c;
	struct frame *stk;
	uint32_t depth, cap;
	uint32_t vdepth;  /* shown frames open */
	uint32_t in_sel;  /* open frames selected by -F */
	uint32_t in_hide; /* open frames hidden by -N */
	uint32_t in_cut;  /* open frames whose calls the filters hide */
	uint64_t now;	  /* ns of the last event */
	const uint8_t *ret, *ret_end;
	/* While fmt->call runs: the FUNC's PATCHED name, as in struct frame. */
	const char *patched;
	uint32_t patched_len;
	uint32_t unwind;
	struct event next;
	uint64_t key; /* merge order: ns of the next event (of its end: by_end) */
	int has_next, done;
	int stopped; /* the stream ends at the LOST mark of --max-size */
	uint64_t events;
	char comm[17];
};

struct report;

struct fmt {
	const char *name;
	unsigned int flags;
	void (*begin)(struct report *r);
	void (*thread)(struct report *r, struct walk *w);
	void (*entry)(struct report *r, struct walk *w, struct frame *f);
	void (*exit)(struct report *r, struct walk *w, struct frame *f, uint64_t dur,
		     enum end_kind how);
	/* A FUNC event (function tracer) of function @name; @args may be NULL. */
	void (*call)(struct report *r, struct walk *w, uint32_t name, uint64_t parent_ip,
		     const uint8_t *args, const uint8_t *args_end);
	void (*lost)(struct report *r, struct walk *w, uint64_t count);
	void (*thread_end)(struct report *r, struct walk *w, uint32_t open);
	void (*end)(struct report *r);
};

#define FMT_MERGE (1U << 0) /* threads in time order, not one after another */
#define FMT_LEAF (1U << 1)  /* wants entries that return at once as leaves */
#define FMT_STACKS (1U << 2) /* needs entries and exits (a graph trace) */

#define MAX_OPTS 8

struct report {
	struct trace *t;
	const struct fmt *fmt;
	FILE *out;
	char **sel, **hide; /* -F, -N */
	unsigned int nsel, nhide;
	int *tids, *pids; /* --tid, --pid */
	unsigned int ntids, npids;
	char **callers; /* -C */
	unsigned int ncallers;
	uint32_t max_depth;	     /* -D, 0 for none */
	uint64_t dur_min;	     /* --duration-min, ns */
	uint64_t t_start, t_end; /* --time-range, absolute ns */
	int filters;		 /* any of -D, -C, --duration-min, --time-range */
	int sort_self;
	int by_end; /* a threshold trace: calls are written as they end */
	/* -O options */
	int abstime, proc, tail, retval, raw;
	uint8_t *name_flags; /* by name id: NF_* */
	uint32_t nname_flags;
	int has_lib;	     /* some -F or -N is lib:MOD[:GLOB] */
	void *priv;	     /* the format's state */
	const char *diff;    /* --diff DIR2 */
	const char *diff_dir0; /* the first trace, for the title */
	struct profile *diff_base; /* the first trace's profile, with --diff */
};

#define NF_SEL 1
#define NF_HIDE 2
#define NF_CALLER 4
/* frame.cut */
#define CUT_HIDDEN 1 /* the frame and its calls are hidden */
#define CUT_BELOW 2  /* the frame shows, its calls are hidden (-C) */

/* The name id of function @fid of @p ("fid#N" when the sites lack it). */
uint32_t fid_name(struct proc *p, uint32_t fid);
/* NF_SEL and NF_HIDE of function @fid (named @name) of @p under the
 * report's -F and -N. */
uint8_t func_flags(struct report *r, struct proc *p, uint32_t fid, uint32_t name);
/* Is thread @tid of @pid selected by --tid and --pid? */
int thread_selected(const struct report *r, int pid, int tid);
/* progress.c: a progress line on stderr when it is a terminal. */
void progress_start(uint64_t total_bytes);
void progress_update(uint64_t done_bytes);
void progress_end(void);

/* report.c: prints trace @dir into @output (stdout when NULL) as @r says,
 * @t the trace it loads; @range: --time-range. Returns the exit status. */
int report_run(struct report *r, struct trace *t, const char *dir, const char *range,
	       const char *output);
/* Runs the walk of every selected thread through r->fmt. */
void walk_trace(struct report *r);

/* The formats; report_formats lists them all, NULL-terminated. */
extern const struct fmt *const report_formats[];
extern const struct fmt fmt_text, fmt_graph, fmt_chrome, fmt_folded, fmt_svg, fmt_profile,
	fmt_perfetto, fmt_task;

/* line.c: one output line, without printf. */
struct line {
	size_t n;
	char b[2048];
};

void put(struct line *l, const char *s, size_t n);
void put_str(struct line *l, const char *s);
void put_chars(struct line *l, char c, int n);
/* " [patched: NAME]" when @name (a PATCHED event's, @len bytes) is set. */
void put_patched(struct line *l, const char *name, uint32_t len);
/* @v in decimal, at least @width wide: right-aligned on @fill. */
void put_uint(struct line *l, uint64_t v, int width, char fill);
/* The kernel's timestamp, seconds.microseconds: "%5lu.%06lu". */
void put_time(struct line *l, uint64_t ns);
/* Ends the line and writes it to r->out. */
void end_line(struct report *r, struct line *l);

/* fmt_text.c: the process and thread label "comm-tid", and the kernel's
 * line for lost events. */
const char *thread_label(const struct walk *w, char *buf, size_t len);
void text_lost(struct report *r, struct walk *w, uint64_t count);
/* fmt_profile.c: "1.234 us" style durations. */
const char *dur_text(uint64_t ns, char *buf, size_t len);

/* The profile of a trace: per function name, merged across threads. */
struct pstat {
	uint64_t hits, total, self;
	double sumsq;
};

struct profile {
	struct pstat *v; /* by name id */
	uint32_t n;
	int timed; /* the trace has durations (not the function tracer) */
};

/* profile_diff.c: the table of --diff, @new against @old. */
void profile_diff(struct report *r, const struct profile *old, const struct profile *new);

/* The call tree of folded and svg (cct.c). */
struct cct_node {
	uint32_t parent, name;
	uint32_t first, next; /* children, by name once sorted */
	uint64_t self, total, hits;
};

struct cct {
	struct cct_node *v;
	uint32_t n, cap;
	uint64_t *hash; /* (parent << 32 | name) + 1, 0 for free */
	uint32_t *hidx;
	uint32_t hcap;
};

/* The walk callbacks that build it in r->priv. */
void cct_begin(struct report *r);
uint32_t cct_child(struct cct *t, uint32_t parent, uint32_t name);
/* Frees the tree in r->priv, at the format's end. */
void cct_free(struct report *r);
/* Links the children lists, sorted by name, and sums the totals. */
void cct_finish(struct cct *t);
void cct_entry(struct report *r, struct walk *w, struct frame *f);
void cct_exit(struct report *r, struct walk *w, struct frame *f, uint64_t dur, enum end_kind how);

#endif /* DFT_TRACE_H */
