// SPDX-License-Identifier: MIT
/*
 * The function_graph tracer: an 8-byte ENTRY and a 4-byte EXIT per call.
 *
 * Options (docs/trace-format.md): a depth limit; a duration threshold, with
 * which a call is written only once it has returned, as a TIME event back
 * to its start, its ENTRY and its EXIT (so calls appear unnested, the way
 * the kernel's tracing_thresh shows only the long ones); graph functions,
 * below which alone we trace; graph notrace functions, below which we do not.
 * The per-call data word keeps the entry time (threshold) and which of the
 * last two kinds of function the call is.
 */
#include <stdlib.h>
#include <string.h>

#include "record.h"

#define DATA_GRAPH_FUNC (1ULL << 63)
#define DATA_NOTRACE (1ULL << 62)
#define DATA_TIME (DATA_NOTRACE - 1)

static unsigned int depth_max = ~0U;
static uint64_t thresh; /* ticks */
static int graph_funcs_only;

/* Calls of graph functions and of notrace ones open on this thread. */
static __thread unsigned int in_graph, in_notrace;

/* The slow part of the entry: graph functions and notrace. Returns 0 for a
 * call not to trace, -1 for one to hook silently, else 1. */
static int graph_select(const struct dft_fid *f, unsigned long long *data)
{
	if (in_notrace)
		return 0;
	if (f->flags & DFT_FID_GRAPH_NOTRACE) {
		in_notrace++;
		*data = DATA_NOTRACE;
		return -1;
	}
	if (f->flags & DFT_FID_GRAPH_FUNC) {
		in_graph++;
		*data = DATA_GRAPH_FUNC;
		return 1;
	}
	return !graph_funcs_only || in_graph;
}

static void graph_unselect(unsigned long long data)
{
	if (data & DATA_NOTRACE)
		in_notrace--;
	else if (data & DATA_GRAPH_FUNC)
		in_graph--;
}

/* @ring: the stream keeps the open frames (record --ring), a variant of
 * its own so that other streams pay nothing for it; @lp: something is live
 * patched (dft_call_extras()). */
static __attribute__((always_inline)) inline int
graph_entry_common(const struct dft_graph_ent *ent, struct dft_regs *regs, const int ring,
		   const int lp)
{
	struct dft_stream *s = &dft_stream;
	struct dft_fid f;
	uint64_t now;
	uint32_t *p;
	int sel = 1;

	if (unlikely(dft_fid_lookup(ent->ip, &f) || ent->depth >= depth_max))
		return 0;
	if (unlikely(f.flags & (DFT_FID_GRAPH_FUNC | DFT_FID_GRAPH_NOTRACE) || in_notrace ||
		     graph_funcs_only)) {
		sel = graph_select(&f, ent->data);
		if (ring && sel < 0)
			dft_stream_push(s, ent->depth, DFT_STACK_NONE, 0);
		if (sel <= 0)
			return -sel;
	}
	now = dft_ticks();
	if (unlikely(thresh)) {
		*ent->data |= now;
		return 1;
	}
	p = dft_stream_event(s, sizeof(struct dft_ev_entry), now, DFT_EV_ENTRY);
	if (unlikely(!p)) {
		/* Lost: an EXIT alone would close the wrong call. */
		graph_unselect(*ent->data);
		return 0;
	}
	dft_ev_put(p, struct dft_ev_entry, fid, f.fid);
	dft_stream_commit(s, sizeof(struct dft_ev_entry));
	if (ring)
		dft_stream_push(s, ent->depth, f.fid, now);
	dft_call_extras(s, &f, ent->ip, regs, now, lp);
	return 1;
}

/* Out of line: the common path keeps its registers. */
static __attribute__((noinline)) int graph_entry_lp(const struct dft_graph_ent *ent,
						    struct dft_regs *regs, const int ring)
{
	return ring ? graph_entry_common(ent, regs, 1, 1) : graph_entry_common(ent, regs, 0, 1);
}

static int graph_entry(const struct dft_graph_ent *ent, struct dft_graph_ops *gops,
		       struct dft_regs *regs)
{
	if (unlikely(dft_lp_any()))
		return graph_entry_lp(ent, regs, 0);
	return graph_entry_common(ent, regs, 0, 0);
}

static int graph_entry_ring(const struct dft_graph_ent *ent, struct dft_graph_ops *gops,
			    struct dft_regs *regs)
{
	if (unlikely(dft_lp_any()))
		return graph_entry_lp(ent, regs, 1);
	return graph_entry_common(ent, regs, 1, 0);
}

static void graph_exit(struct dft_stream *s, const struct dft_graph_ret *ret,
		       struct dft_regs *regs, uint64_t now)
{
	uint32_t *p;

	if (unlikely(ret->abnormal)) {
		p = dft_stream_ext(s, DFT_EXT_UNWIND, sizeof(struct dft_ext_unwind), now);
		if (!p)
			return;
		dft_ev_put(p, struct dft_ext_unwind, depth, 1);
		dft_stream_commit(s, dft_ext_size(sizeof(struct dft_ext_unwind)));
	} else if (unlikely(dft_args_retvals)) {
		struct dft_fid f;

		if (!dft_fid_lookup(ret->ip, &f) && f.flags & DFT_FID_RETVAL)
			dft_retval_record(s, f.fid, regs, now);
	}
	p = dft_stream_event(s, sizeof(struct dft_ev_exit), now, DFT_EV_EXIT);
	if (p)
		dft_stream_commit(s, sizeof(struct dft_ev_exit));
}

/* With a threshold: the whole call, once we know it was long enough. */
static void graph_exit_thresh(struct dft_stream *s, const struct dft_graph_ret *ret,
			      struct dft_regs *regs, uint64_t now)
{
	uint64_t start = ret->data & DATA_TIME;
	struct dft_fid f;
	uint32_t *p;

	if (now - start < thresh || dft_fid_lookup(ret->ip, &f))
		return;
	dft_stream_time(s, start);
	p = dft_stream_event(s, sizeof(struct dft_ev_entry), start, DFT_EV_ENTRY);
	if (!p)
		return;
	dft_ev_put(p, struct dft_ev_entry, fid, f.fid);
	dft_stream_commit(s, sizeof(struct dft_ev_entry));
	/* Its live patch version: the thread cannot have changed versions
	 * while in the call. Not its arguments: they are gone by now. */
	f.flags &= ~DFT_FID_ARGS;
	dft_call_extras(s, &f, ret->ip, NULL, start, dft_lp_any());
	graph_exit(s, ret, regs, now);
}

static __attribute__((always_inline)) inline void
graph_ret_common(const struct dft_graph_ret *ret, struct dft_regs *regs, const int ring)
{
	struct dft_stream *s = &dft_stream;
	uint64_t now;

	if (unlikely(ret->data & (DATA_NOTRACE | DATA_GRAPH_FUNC))) {
		graph_unselect(ret->data);
		if (ret->data & DATA_NOTRACE) {
			if (ring)
				dft_stream_pop(s, ret->depth);
			return;
		}
	}
	now = dft_ticks();
	if (unlikely(thresh))
		graph_exit_thresh(s, ret, regs, now);
	else
		graph_exit(s, ret, regs, now);
	if (ring)
		dft_stream_pop(s, ret->depth);
}

static void graph_ret(const struct dft_graph_ret *ret, struct dft_graph_ops *gops,
		      struct dft_regs *regs)
{
	graph_ret_common(ret, regs, 0);
}

static void graph_ret_ring(const struct dft_graph_ret *ret, struct dft_graph_ops *gops,
			   struct dft_regs *regs)
{
	graph_ret_common(ret, regs, 1);
}

static struct dft_graph_ops graph_ops = { .entry = graph_entry, .ret = graph_ret };



static int graph_start(void)
{
	const char *depth = dft_rec_getenv("DYNFTRACE_DEPTH");
	const char *ns = dft_rec_getenv("DYNFTRACE_THRESH");
	const char *funcs = dft_rec_getenv("DYNFTRACE_GRAPH_FUNCS");
	const char *notrace __attribute__((unused)) = dft_rec_getenv("DYNFTRACE_GRAPH_NOTRACE");

	/* A process may record many times (record -p): nothing is kept
	 * from the options of the one before. */
	depth_max = ~0U;
	thresh = 0;
	dft_stream_stacks = 0;
	graph_ops.entry = graph_entry;
	graph_ops.ret = graph_ret;
	dft_graph_set_hook(&graph_ops, NULL);
	dft_set_direct(&graph_ops.ops, NULL);
	if (depth && *depth)
		depth_max = strtoul(depth, NULL, 0);
	if (ns && *ns) {
		uint64_t want = strtoull(ns, NULL, 0);

		/* A threshold below one tick of a coarse counter (AArch64's
		 * generic timer ticks every 16-40 ns) is one tick, not none:
		 * 0 would turn the threshold off. */
		thresh = dft_clock_ns_to_ticks(want);
		if (want && !thresh)
			thresh = 1;
	}
	graph_funcs_only = funcs && *funcs;
	/* A ring's chunks start with the open frames; with a threshold, calls
	 * are written whole as they end and never nest. */
	if (dft_stream_ring && !thresh) {
		dft_stream_stacks = 1;
		graph_ops.entry = graph_entry_ring;
		graph_ops.ret = graph_ret_ring;
	}
	dft_rec_ops = &graph_ops.ops;
#ifdef HAVE_DFT_DIRECT
	/* Without options, the assembly does the common entry and return:
	 * the options stay out of it, they take the C path. Functions with
	 * argument specs or graph flags have no id in the direct map, so
	 * their calls take the C path too. */
	if (dft_rec_direct_ok() && depth_max == ~0U && !thresh &&
	    !graph_funcs_only && !(notrace && *notrace) && !dft_args_retvals && !dft_stream_ring) {
		dft_graph_set_hook(&graph_ops, dft_rec_graph_return);
		dft_set_direct(&graph_ops.ops, dft_rec_graph_direct);
	}
#endif
	return 0;
}

static int graph_enable(void)
{
	return dft_register_graph(&graph_ops);
}

const struct dft_tracer dft_tracer_graph = {
	.name = "function_graph",
	.start = graph_start,
	.enable = graph_enable,
};
