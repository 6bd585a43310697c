/* SPDX-License-Identifier: MIT */
/*
 * The recorder: the tracers of `dynftrace record` and what they share.
 *
 *   clock.c           timestamps (ticks) and their calibration
 *   buffer.c          per-thread event streams and shared per-thread files
 *   record.c          start-up from DYNFTRACE_*, function ids, process files
 *   trace_function.c  the function tracer
 *   trace_graph.c     the function_graph tracer
 *   trace_profile.c   the profile tracer
 *   trace_args.c      argument and return value specs
 *   exit.c            the files of a process's end; _exit() and _Exit()
 *
 * core/graph.c (the public graph API) is below them and does not depend on them.
 * Every recorder path runs inside the recursion guard: in a callback, or with
 * dft_thread.seq made odd by dft_guard_enter().
 */
#ifndef DFT_RECORD_H
#define DFT_RECORD_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <dynftrace/format.h>

#include "internal.h"

/*
 * The stream and profile files are opened and closed inside callbacks,
 * where a thread must not act on a deferred pthread_cancel: the unwind
 * would start with the recursion guard held and an event half written.
 * openat(), close() and nanosleep() are cancellation points; the system
 * calls themselves are not.
 */
static inline int dft_rec_openat(int dirfd, const char *name, int flags, mode_t mode)
{
	return (int)syscall(SYS_openat, dirfd, name, flags, mode);
}

static inline int dft_rec_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

/* The recorder's own data: hidden, reached without the GOT (internal.h). */
#pragma GCC visibility push(hidden)

/* ---- clock.c ---- */
struct dft_clock {
	uint64_t ticks_per_sec;
	uint64_t mono0; /* CLOCK_MONOTONIC ns ... */
	uint64_t ticks0; /* ... and ticks, read together */
	const char *source;
	int use_ticks; /* the arch counter, else CLOCK_MONOTONIC ns */
};
extern struct dft_clock dft_clock;

void dft_clock_init(void);
/* Recalibrates over the time since dft_clock_init() (at exit: precise). */
void dft_clock_recalibrate(void);
uint64_t dft_clock_ns_to_ticks(uint64_t ns);
double dft_clock_ns_per_tick(void);

static inline uint64_t dft_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline uint64_t dft_ticks(void)
{
#ifdef HAVE_DFT_TICKS
	if (likely(dft_clock.use_ticks))
		return dft_arch_ticks();
#endif
	return dft_mono_ns();
}

/* ---- buffer.c ---- */
/* Events and their layout: include/dynftrace/format.h. */
#define DFT_STREAM_HDR sizeof(struct dft_stream_hdr)

/* Stores a field of an event being written at @p (events are only 4-byte
 * aligned): dft_ev_put(p, struct dft_ev_func, parent_ip, ip). */
#define dft_ev_put(p, type, field, val)                                                  \
	do {                                                                             \
		__typeof__(((type *)0)->field) v_ = (val);                               \
		memcpy((char *)(p) + offsetof(type, field), &v_, sizeof(v_));            \
	} while (0)
#define DFT_CHUNK_HDR sizeof(struct dft_chunk_hdr)

/* A shared mapping of a whole (small) file in the trace directory, grown
 * in place: the profile tracer's tables. */
struct dft_mfile {
	unsigned char *map;
	size_t size;
	int fd;
};

int dft_mfile_open(struct dft_mfile *mf, const char *name, size_t size);
int dft_mfile_grow(struct dft_mfile *mf, size_t size);
void dft_mfile_close(struct dft_mfile *mf);

/* A frame open on the thread, for the STACK event of a ring chunk. */
struct dft_stack_ent {
	uint32_t fid; /* DFT_STACK_NONE: a frame hooked but not recorded */
	uint32_t pad;
	uint64_t ticks;
};
#define DFT_STACK_NONE UINT32_MAX

/*
 * A thread's stream. ev/pos/cap/last/committed describe the current window
 * only (one chunk of the file, docs/trace-format.md), and the inline writers
 * (and the architectures' assembly fast paths) rely on nothing else: the
 * move to the next chunk happens in dft_stream_slow().
 */
struct dft_stream {
	unsigned char *ev; /* the events of the current chunk */
	uint64_t *committed; /* the current chunk's committed count */
	size_t pos, cap; /* cap keeps room for a final LOST event */
	uint64_t last;	 /* ticks of the previous event */
	uint64_t events, lost;
	/* ---- the slow path's ---- */
	uint64_t *lostp; /* count of the LOST event ending this chunk, or NULL */
	unsigned int retry; /* lost events until the next attempt to move on */
	int state;	    /* enum in buffer.c */
	int fd;
	unsigned char *map; /* the window (linear) or the whole ring */
	size_t map_len;
	uint64_t map_off;   /* file offset of map */
	uint64_t chunk_off; /* file offset of the current chunk */
	uint64_t seq;	    /* of the current chunk, from 1 */
	unsigned int ring_n; /* chunks of the ring in use */
	/* function_graph in a ring: the open frames, so that each chunk
	 * starts with them (its readers see calls entered before it) */
	struct dft_stack_ent *stk;
	unsigned int stk_depth;
	struct dft_stream *next;
	/* Events of signal handlers that interrupted a callback of this
	 * thread (dft_stream_ctx_lost()): counted apart, atomically, as the
	 * rest of the stream is not theirs to touch. */
	uint64_t ctx_lost;
};
extern __thread struct dft_stream dft_stream;
extern int dft_stream_ring; /* record --ring: streams are rings */
/* The bytes of each thread's ring; 0: streams are linear. */
uint64_t dft_stream_ring_size(void);
/* Set by a tracer whose calls nest (function_graph): streams in a ring
 * keep the open frames, through dft_stream_push() and dft_stream_pop(). */
extern int dft_stream_stacks;

void *dft_stream_slow(struct dft_stream *s, size_t len, uint64_t now, unsigned int type);

/*
 * Reserves an event of @len bytes (a multiple of 4) stamped @now and writes
 * its first word; returns it, or NULL when the event is lost. The caller
 * fills the rest and calls dft_stream_commit().
 */
static inline uint32_t *dft_stream_event(struct dft_stream *s, size_t len, uint64_t now,
					 unsigned int type)
{
	uint64_t delta = now - s->last;
	uint32_t *p;

	if (unlikely(s->pos + len > s->cap || delta >= DFT_DELTA_MAX))
		return dft_stream_slow(s, len, now, type);
	p = (uint32_t *)(s->ev + s->pos);
	p[0] = (uint32_t)delta << DFT_EV_TYPE_BITS | type;
	s->last = now;
	return p;
}

static inline void dft_stream_commit(struct dft_stream *s, size_t len)
{
	s->pos += len;
	s->events++;
	/* Readers (even after a SIGKILL) only trust what committed covers. */
	__atomic_store_n(s->committed, s->pos, __ATOMIC_RELEASE);
}

/* A frame at @depth was entered (@fid, or DFT_STACK_NONE when hooked but
 * not recorded) / the frame at @depth returned: ring streams only, after
 * the frame's event is committed. */
#define DFT_STACK_MAX 4096
static inline void dft_stream_push(struct dft_stream *s, unsigned int depth, uint32_t fid,
				   uint64_t ticks)
{
	if (unlikely(s->stk)) {
		if (depth < DFT_STACK_MAX) {
			s->stk[depth].fid = fid;
			s->stk[depth].ticks = ticks;
		}
		s->stk_depth = depth + 1; /* past DFT_STACK_MAX: no STACK written */
	}
}

static inline void dft_stream_pop(struct dft_stream *s, unsigned int depth)
{
	if (unlikely(s->stk))
		s->stk_depth = depth;
}

/* An EXT event with @len bytes of payload; NULL when lost. Returns the
 * payload; commit with dft_stream_commit(s, dft_ext_size(len)). */
void *dft_stream_ext(struct dft_stream *s, unsigned int kind, size_t len, uint64_t now);
static inline size_t dft_ext_size(size_t len)
{
	return DFT_EXT_SIZE(len);
}

/* Sets the base of the next delta (an absolute TIME event). */
void dft_stream_time(struct dft_stream *s, uint64_t ticks);
/* core's dft_ctx_lost: @ops was not called in a signal handler that
 * interrupted a callback; an event of the recorder's is counted lost. */
void dft_stream_ctx_lost(struct dft_ops *ops);
int dft_streams_init(void);
/* Each recording's --ring and --max-size (byte counts; NULL or empty:
 * none), before its tracer starts; dft_rec_dirfd is its directory. */
void dft_streams_config(const char *ring, const char *max_size);
/* Closes every thread's stream (the tracer is unregistered: none is being
 * written); each opens anew, in the current directory, at its next event. */
void dft_streams_stop(void);
/* Totals over every stream of the process, after writing the calling
 * thread's pending LOST count (the process is exiting). */
void dft_streams_totals(uint64_t *events, uint64_t *lost);
/* The same without waiting for a lock for long, from _exit(): 1 when only a
 * lower bound could be had (buffer.c says which). Async-signal-safe. */
int dft_streams_totals_try(uint64_t *events, uint64_t *lost);

/* ---- record.c ---- */
extern int dft_rec_dirfd;
extern pid_t dft_rec_pid;
/* The end of the recording in this process, from _exit() (exit.c): what
 * the normal exit writes, but only what is async-signal-safe. */
void dft_rec_exit_sigsafe(int status);

/* ---- exit.c: the process files of its end, async-signal-safe ---- */
#define DFT_EXIT_DETACHED (1U << 0) /* record -p stopped, the process runs on */
#define DFT_EXIT_PARTIAL (1U << 1)  /* events and lost are lower bounds */
int dft_rec_write_exit(int status, uint64_t events, uint64_t lost, unsigned int flags);
void dft_rec_write_nosites(int status);
void dft_rec_write_clock(void);

/* Per function flags, set when its id is assigned. */
#define DFT_FID_ARGS (1U << 0)
#define DFT_FID_RETVAL (1U << 1)
#define DFT_FID_GRAPH_FUNC (1U << 2)
#define DFT_FID_GRAPH_NOTRACE (1U << 3)

struct dft_fid_ent {
	unsigned long site;
	uint32_t fid;
	uint32_t flags;
};

struct dft_fid_table {
	struct dft_fid_ent *ent;
	unsigned long mask;
};
extern struct dft_fid_table *dft_fids;

/*
 * The direct map of the module with the most sites at start-up (a module
 * loaded then is never unloaded): word (site - lo) / 4 holds fid + 1 for a
 * function with no flags, else 0 (no site, or one with flags: the hash
 * table has it). Sites are at least 5 bytes apart, so no two share a word.
 * Filled before any tracer is enabled and never changed after; other
 * modules use the hash table.
 */
struct dft_fid_map {
	unsigned long lo, size; /* the byte range covered */
	uint32_t *ent;
};
extern struct dft_fid_map dft_fid_map;

struct dft_fid {
	uint32_t fid, flags;
};

int dft_fid_miss(unsigned long site, struct dft_fid *f);

/* The id of the function whose call site is @site: 0, or -1 if it has none. */
static inline int dft_fid_lookup(unsigned long site, struct dft_fid *f)
{
	unsigned long off = site - dft_fid_map.lo;
	const struct dft_fid_table *t;
	unsigned long i;

	if (likely(off < dft_fid_map.size)) {
		uint32_t v = dft_fid_map.ent[off / 4];

		if (likely(v)) {
			f->fid = v - 1;
			f->flags = 0;
			return 0;
		}
	}
	t = __atomic_load_n(&dft_fids, __ATOMIC_ACQUIRE);
	for (i = (site * 0x9E3779B97F4A7C15ul) >> 20;; i++) {
		const struct dft_fid_ent *e = &t->ent[i & t->mask];

		if (likely(e->site == site)) {
			f->fid = e->fid;
			f->flags = e->flags;
			return 0;
		}
		if (!e->site)
			return dft_fid_miss(site, f);
	}
}

/* DYNFTRACE_* settings: the environment, or those of a recording started
 * through the control channel (record-start). */
const char *dft_rec_getenv(const char *name);
/* Whether @func of @module matches patterns in dft_set_filter() syntax. */
int dft_rec_match(const char *globs, const char *module, const char *func);
/* Name of a per-thread file: PREFIX-PID.TID or PID.TID.SUFFIX. */
void dft_rec_thread_file(char *buf, size_t len, const char *prefix, const char *suffix);
pid_t dft_gettid(void);

/* ---- the tracers ---- */
struct dft_tracer {
	const char *name;
	/* Sets up dft_rec_ops (record.c then sets its filters)... */
	int (*start)(void);
	/* ... and registers it. */
	int (*enable)(void);
	/* Flushes what the process exit should leave in the files. Called
	 * from _exit() too (exit.c): in any thread, a signal handler or a
	 * fork child, so async-signal-safe only. */
	void (*exit)(void);
	/* In a fork child, before it runs on. */
	void (*fork_child)(void);
	/* Its files hold nanoseconds converted at the start-up rate: the
	 * clock file must keep that rate. */
	int fixed_clock;
};
extern const struct dft_tracer dft_tracer_function, dft_tracer_graph, dft_tracer_profile;

#ifdef HAVE_DFT_DIRECT
/* arch/<arch>/rec_fast.S: the common cases of the tracers (fast.h), as
 * direct trampolines (dft_set_direct) and return hooks (dft_graph_set_hook). */
extern char dft_rec_function_direct[];
extern char dft_rec_graph_direct[], dft_rec_graph_return[];
extern char dft_rec_prof_direct[], dft_rec_prof_return[];
#endif
extern struct dft_ops *dft_rec_ops; /* the tracer's ops, for its filters */

/* ---- trace_args.c ---- */
extern int dft_args_retvals; /* some function has a -R spec */
int dft_args_init(const char *args, const char *retval);
/* Flags (DFT_FID_ARGS, DFT_FID_RETVAL) for a new function. */
uint32_t dft_args_assign(uint32_t fid, const char *module, const char *func);
void dft_args_record(struct dft_stream *s, uint32_t fid, struct dft_regs *regs, uint64_t now);
void dft_retval_record(struct dft_stream *s, uint32_t fid, struct dft_regs *regs, uint64_t now);
/* What follows a call's ENTRY/FUNC event: a PATCHED event when the call
 * runs a live patch's replacement (dft_lp_patched()), then the arguments
 * of the -A specs. The tracers build their callbacks twice, with @lp
 * (dft_lp_any(), tested once at their top while the site address is still
 * in its argument register) and without, so that the common case pays one
 * load and a branch for live patching. */
void dft_call_extras_slow(struct dft_stream *s, const struct dft_fid *f, unsigned long ip,
			  struct dft_regs *regs, uint64_t now);
static inline void dft_call_extras(struct dft_stream *s, const struct dft_fid *f,
				   unsigned long ip, struct dft_regs *regs, uint64_t now,
				   const int lp)
{
	if (lp)
		dft_call_extras_slow(s, f, ip, regs, now);
	else if (unlikely(f->flags & DFT_FID_ARGS))
		dft_args_record(s, f->fid, regs, now);
}

#pragma GCC visibility pop
#endif /* DFT_RECORD_H */
