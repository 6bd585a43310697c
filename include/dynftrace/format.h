/* SPDX-License-Identifier: MIT */
/*
 * The on-disk format of a dynftrace trace directory (docs/trace-format.md
 * describes it in prose). This header is its only definition: the runtime
 * writes it (record/), the command reads it (cmd/), and the test generator,
 * the benchmark counters and the Python decoders (tests/prog/format.py
 * parses this file) all take their layout from here.
 *
 * Everything is little-endian. Events are 4-byte aligned in their stream,
 * so readers copy fields out (memcpy at offsetof()) rather than cast.
 *
 * Every size and offset is pinned with _Static_assert: a layout change must
 * edit the assertions too, bump DFT_FORMAT_VERSION (the "01" of the magics)
 * and be read by every reader; tests/cases/format.sh checks that a changed
 * layout breaks the build and the Python decoders.
 *
 * Only fixed-width types (uint8_t ... uint64_t, char, double) and arrays of
 * them are used, and no struct has implicit padding: format.py computes the
 * same layout on every target.
 */
#ifndef DYNFTRACE_FORMAT_H
#define DYNFTRACE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define DFT_FORMAT_VERSION 2
#define DFT_STREAM_MAGIC "DFTTRC02"
/* Streams of format 1 (one run of events, its committed count in the file
 * header, struct dft_stream_hdr_v1) are still read. */
#define DFT_STREAM_MAGIC_V1 "DFTTRC01"
#define DFT_PROFILE_MAGIC "DFTPRF01"
#define DFT_MAGIC_LEN 8

/*
 * File names in the trace directory. Per-process files are PREFIX-PID;
 * per-thread streams PID.TID.dat; profile files profile-PID.TID.
 */
#define DFT_FILE_INFO "info"
#define DFT_FILE_MAPS "maps"
#define DFT_FILE_SITES "sites"
#define DFT_FILE_CLOCK "clock"
#define DFT_FILE_EXIT "exit"
#define DFT_FILE_PROFILE "profile"
#define DFT_FILE_STREAM_SUFFIX "dat"
/* One line per process without call sites: "PID status=N comm=NAME". */
#define DFT_FILE_NOSITES "nosites"
/* record --max-size: struct dft_budget, shared by every process. */
#define DFT_FILE_BUDGET "budget"

/* ---- event streams: PID.TID.dat ---- */

/*
 * The header of a stream file; chunks of events follow it. A linear stream
 * has its first chunk at offset 64 and each next one right after the room
 * of the one before (struct dft_chunk_hdr.size); a ring (DFT_STREAM_RING)
 * has ring_chunks chunks of ring_chunk bytes each (header included) at
 * 64 + i * ring_chunk, reused oldest first.
 */
struct dft_stream_hdr {
	char magic[8];	      /* DFT_STREAM_MAGIC */
	uint32_t pid;
	uint32_t tid;
	uint32_t flags;	      /* DFT_STREAM_RING */
	uint32_t reserved;
	uint64_t ts0;	      /* ticks: when the stream started */
	char comm[16];	      /* the thread's name at its first event */
	uint32_t ring_chunks; /* a ring: its number of chunks */
	uint32_t ring_chunk;  /* ... and the bytes of each */
	uint8_t pad[8];
};

#define DFT_STREAM_RING 1u

_Static_assert(sizeof(struct dft_stream_hdr) == 64, "stream header size");
_Static_assert(offsetof(struct dft_stream_hdr, pid) == 8, "stream header pid");
_Static_assert(offsetof(struct dft_stream_hdr, tid) == 12, "stream header tid");
_Static_assert(offsetof(struct dft_stream_hdr, flags) == 16, "stream header flags");
_Static_assert(offsetof(struct dft_stream_hdr, ts0) == 24, "stream header ts0");
_Static_assert(offsetof(struct dft_stream_hdr, comm) == 32, "stream header comm");
_Static_assert(offsetof(struct dft_stream_hdr, ring_chunks) == 48, "stream header ring_chunks");
_Static_assert(offsetof(struct dft_stream_hdr, ring_chunk) == 52, "stream header ring_chunk");

/*
 * A chunk: this header, then events (an event never spans two chunks).
 * The writer maps only the chunk it writes and updates committed after each
 * event, so a reader never sees a torn one, even after a SIGKILL.
 */
struct dft_chunk_hdr {
	uint64_t committed; /* bytes of complete events after this header */
	uint64_t seq;	    /* the chunk's number, from 1; 0: not (yet) valid */
	uint64_t ts;	    /* ticks: the base of the first event's delta */
	uint32_t size;	    /* bytes of room for events */
	uint32_t reserved;
};

_Static_assert(sizeof(struct dft_chunk_hdr) == 32, "chunk header size");
_Static_assert(offsetof(struct dft_chunk_hdr, seq) == 8, "chunk header seq");
_Static_assert(offsetof(struct dft_chunk_hdr, ts) == 16, "chunk header ts");
_Static_assert(offsetof(struct dft_chunk_hdr, size) == 24, "chunk header size field");

/* Format 1: one run of events right after this header. */
struct dft_stream_hdr_v1 {
	char magic[8];	    /* DFT_STREAM_MAGIC_V1 */
	uint32_t pid;
	uint32_t tid;
	uint64_t committed; /* bytes of complete events after the header */
	uint64_t ts0;	    /* ticks: the base of the first event's delta */
	char comm[16];
	uint8_t pad[16];
};

_Static_assert(sizeof(struct dft_stream_hdr_v1) == 64, "v1 stream header size");
_Static_assert(offsetof(struct dft_stream_hdr_v1, committed) == 16, "v1 stream header committed");
_Static_assert(offsetof(struct dft_stream_hdr_v1, ts0) == 24, "v1 stream header ts0");
_Static_assert(offsetof(struct dft_stream_hdr_v1, comm) == 32, "v1 stream header comm");

/* record --max-size: the budget every process takes its chunks from. */
struct dft_budget {
	uint64_t used;	  /* bytes of chunks handed out */
	uint64_t limit;
	uint64_t stop_ns; /* CLOCK_MONOTONIC ns when it ran out; 0 before */
	uint64_t reserved;
};

_Static_assert(sizeof(struct dft_budget) == 32, "budget size");
_Static_assert(offsetof(struct dft_budget, limit) == 8, "budget limit");
_Static_assert(offsetof(struct dft_budget, stop_ns) == 16, "budget stop_ns");

/*
 * Each event starts with a 32-bit word W: W & DFT_EV_TYPE_MASK is its type,
 * W >> DFT_EV_TYPE_BITS the ticks since the previous event of the chunk
 * (the first event's base is the chunk's ts).
 */
enum dft_ev_type {
	DFT_EV_ENTRY = 0, /* struct dft_ev_entry: a function entry (graph) */
	DFT_EV_EXIT = 1,  /* struct dft_ev_exit: the innermost entry returns */
	DFT_EV_FUNC = 2,  /* struct dft_ev_func: a call (function tracer) */
	DFT_EV_EXT = 3,	  /* struct dft_ev_ext and a payload */
};

#define DFT_EV_TYPE_BITS 2
#define DFT_EV_TYPE_MASK 3u
/* Deltas at least this large need an EXT TIME event first. */
#define DFT_DELTA_MAX (1u << (32 - DFT_EV_TYPE_BITS))

struct dft_ev_entry {
	uint32_t word;
	uint32_t fid;
};

struct dft_ev_exit {
	uint32_t word;
};

struct dft_ev_func {
	uint32_t word;
	uint32_t fid;
	uint64_t parent_ip; /* the absolute caller address */
};

/* EXT kinds; the payload of @len bytes follows, padded to 4. */
enum dft_ext_kind {
	DFT_EXT_TIME = 1,    /* u64 ticks: absolute; the next delta counts from it */
	DFT_EXT_ARGS = 2,    /* u32 fid, values: arguments of the last ENTRY/FUNC */
	DFT_EXT_RETVAL = 3,  /* u32 fid, one value: of the EXIT that follows */
	DFT_EXT_LOST = 4,    /* u64 count: events dropped here */
	DFT_EXT_UNWIND = 5,  /* u32 depth: the next EXIT closes depth frames */
	DFT_EXT_COMM = 6,    /* the thread's new name (not NUL-terminated) */
	DFT_EXT_STACK = 7,   /* dft_ext_stack: first in a ring chunk (graph) */
	DFT_EXT_PATCHED = 8, /* u32 fid, the replacement's name (not NUL-
			      * terminated): the ENTRY/FUNC of fid just before
			      * ran a live patch's version of it */
	DFT_EXT_MAX = DFT_EXT_PATCHED,
};

struct dft_ev_ext {
	uint32_t word;
	uint16_t kind;
	uint16_t len; /* of the payload */
};

_Static_assert(sizeof(struct dft_ev_entry) == 8, "ENTRY size");
_Static_assert(offsetof(struct dft_ev_entry, fid) == 4, "ENTRY fid");
_Static_assert(sizeof(struct dft_ev_exit) == 4, "EXIT size");
_Static_assert(sizeof(struct dft_ev_func) == 16, "FUNC size");
_Static_assert(offsetof(struct dft_ev_func, fid) == 4, "FUNC fid");
_Static_assert(offsetof(struct dft_ev_func, parent_ip) == 8, "FUNC parent_ip");
_Static_assert(sizeof(struct dft_ev_ext) == 8, "EXT size");
_Static_assert(offsetof(struct dft_ev_ext, kind) == 4, "EXT kind");
_Static_assert(offsetof(struct dft_ev_ext, len) == 6, "EXT len");

/* Bytes an EXT event with @len bytes of payload takes in the stream. */
#define DFT_EXT_SIZE(len) (sizeof(struct dft_ev_ext) + (((size_t)(len) + 3) & ~(size_t)3))

/* Payloads with a fixed layout. */
struct dft_ext_u64 { /* TIME, LOST */
	uint64_t value;
};

struct dft_ext_fid { /* ARGS, RETVAL: values follow; PATCHED: a name */
	uint32_t fid;
};

struct dft_ext_unwind {
	uint32_t depth;
};

/* STACK: the frames open when the chunk began, outermost first: n frames
 * follow, each a struct dft_stack_frame (a report starting at this chunk
 * shows them as entered before the trace starts). */
struct dft_ext_stack {
	uint32_t n;
};

struct dft_stack_frame {
	uint32_t fid;
	uint32_t ticks_lo; /* when it was entered */
	uint32_t ticks_hi;
};

_Static_assert(sizeof(struct dft_ext_u64) == 8, "TIME/LOST payload");
_Static_assert(sizeof(struct dft_ext_stack) == 4, "STACK payload");
_Static_assert(sizeof(struct dft_stack_frame) == 12, "STACK frame");
_Static_assert(sizeof(struct dft_ext_fid) == 4, "ARGS/RETVAL/PATCHED payload");
_Static_assert(sizeof(struct dft_ext_unwind) == 4, "UNWIND payload");

/*
 * Values in ARGS and RETVAL payloads: a type byte, then for d u x f eight
 * bytes (s64, u64, u64 shown in hex, f64), for s a u16 length and that many
 * bytes (cut at DFT_VALUE_STR_MAX).
 */
#define DFT_VAL_S64 'd'
#define DFT_VAL_U64 'u'
#define DFT_VAL_HEX 'x'
#define DFT_VAL_F64 'f'
#define DFT_VAL_STR 's'
#define DFT_VALUE_STR_MAX 64

/* ---- profile files: profile-PID.TID ---- */

struct dft_profile_hdr {
	char magic[8]; /* DFT_PROFILE_MAGIC */
	uint32_t pid;
	uint32_t tid;
	uint32_t nr; /* records that follow, indexed by fid */
	uint8_t pad[12];
};

/* One function's statistics in one thread; ticks convert as the clock file says. */
struct dft_profile_rec {
	uint32_t fid;
	uint32_t pad;
	uint64_t hits;
	uint64_t total;	   /* ticks */
	uint64_t self;	   /* ticks */
	double sum_sq_ns;  /* of each call's total time, for the deviation */
	uint64_t max;	   /* ticks */
};

_Static_assert(sizeof(struct dft_profile_hdr) == 32, "profile header size");
_Static_assert(offsetof(struct dft_profile_hdr, pid) == 8, "profile header pid");
_Static_assert(offsetof(struct dft_profile_hdr, tid) == 12, "profile header tid");
_Static_assert(offsetof(struct dft_profile_hdr, nr) == 16, "profile header nr");
_Static_assert(sizeof(struct dft_profile_rec) == 48, "profile record size");
_Static_assert(offsetof(struct dft_profile_rec, hits) == 8, "profile record hits");
_Static_assert(offsetof(struct dft_profile_rec, total) == 16, "profile record total");
_Static_assert(offsetof(struct dft_profile_rec, self) == 24, "profile record self");
_Static_assert(offsetof(struct dft_profile_rec, sum_sq_ns) == 32, "profile record sum_sq_ns");
_Static_assert(offsetof(struct dft_profile_rec, max) == 40, "profile record max");

#endif /* DYNFTRACE_FORMAT_H */
