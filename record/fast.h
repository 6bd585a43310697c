/* SPDX-License-Identifier: MIT */
/*
 * What the assembly fast paths of the tracers (arch/<arch>/rec_fast.S) know
 * of the recorder's C structures: offsets in struct dft_stream and struct
 * dft_fid_map (record.h), checked against the structures in
 * trace_function.c, and the event encodings.
 */
#ifndef DFT_REC_FAST_H
#define DFT_REC_FAST_H

#define DFT_STREAM_EV 0
#define DFT_STREAM_COMMITTED (1 * __SIZEOF_POINTER__)
#define DFT_STREAM_POS (2 * __SIZEOF_POINTER__)
#define DFT_STREAM_CAP (3 * __SIZEOF_POINTER__)
/* last and events are 64-bit: aligned to 8 after pos and cap. */
#define DFT_STREAM_LAST ((4 * __SIZEOF_POINTER__ + 7) & ~7)
#define DFT_STREAM_EVENTS (DFT_STREAM_LAST + 8)

#define DFT_FID_MAP_LO 0
#define DFT_FID_MAP_SIZE __SIZEOF_POINTER__
#define DFT_FID_MAP_ENT (2 * __SIZEOF_POINTER__)

/* The first word of an event: delta << 2 | type (record.h). */
#define DFT_EV_SHIFT 2
#define DFT_EV_EXIT_TYPE 1
#define DFT_EV_FUNC_TYPE 2
#define DFT_DELTA_LIMIT (1 << 30)

/* trace_profile.c: struct prof_thread and struct prof_rec. */
#define DFT_PROF_REC (3 * __SIZEOF_POINTER__)
#define DFT_PROF_NR (4 * __SIZEOF_POINTER__)
#define DFT_PROF_CHILD (4 * __SIZEOF_POINTER__ + 8)
#define DFT_PROF_CHILD_MAX 4096
#define DFT_PROF_REC_SIZE 48
#define DFT_PREC_HITS 8
#define DFT_PREC_TOTAL 16
#define DFT_PREC_SELF 24
#define DFT_PREC_SUM_SQ 32
#define DFT_PREC_MAX 40

#endif /* DFT_REC_FAST_H */
