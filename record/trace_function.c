// SPDX-License-Identifier: MIT
/*
 * The function tracer: one 16-byte FUNC event per traced call (the function,
 * its caller and the time), plus the arguments the -A specs ask for.
 */
#include <stdlib.h>
#include <string.h>

#include "fast.h"
#include "record.h"

/* The assembly's view of the structures (fast.h). */
_Static_assert(offsetof(struct dft_stream, ev) == DFT_STREAM_EV, "ev");
_Static_assert(offsetof(struct dft_stream, committed) == DFT_STREAM_COMMITTED, "committed");
_Static_assert(offsetof(struct dft_stream, pos) == DFT_STREAM_POS, "pos");
_Static_assert(offsetof(struct dft_stream, cap) == DFT_STREAM_CAP, "cap");
_Static_assert(offsetof(struct dft_stream, last) == DFT_STREAM_LAST, "last");
_Static_assert(offsetof(struct dft_stream, events) == DFT_STREAM_EVENTS, "events");
_Static_assert(offsetof(struct dft_fid_map, lo) == DFT_FID_MAP_LO, "map lo");
_Static_assert(offsetof(struct dft_fid_map, size) == DFT_FID_MAP_SIZE, "map size");
_Static_assert(offsetof(struct dft_fid_map, ent) == DFT_FID_MAP_ENT, "map ent");
_Static_assert(DFT_EV_FUNC_TYPE == DFT_EV_FUNC && DFT_EV_EXIT_TYPE == DFT_EV_EXIT &&
	       DFT_EV_ENTRY == 0 && DFT_DELTA_LIMIT == DFT_DELTA_MAX &&
	       DFT_EV_SHIFT == DFT_EV_TYPE_BITS, "events");


/* @lp: something is live patched (dft_call_extras()). */
static __attribute__((always_inline)) inline void
function_call_common(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs, const int lp)
{
	struct dft_stream *s = &dft_stream;
	uint64_t now, parent = parent_ip;
	struct dft_fid f;
	uint32_t *p;

	if (unlikely(dft_fid_lookup(ip, &f)))
		return;
	now = dft_ticks();
	p = dft_stream_event(s, sizeof(struct dft_ev_func), now, DFT_EV_FUNC);
	if (unlikely(!p))
		return;
	dft_ev_put(p, struct dft_ev_func, fid, f.fid);
	dft_ev_put(p, struct dft_ev_func, parent_ip, parent);
	dft_stream_commit(s, sizeof(struct dft_ev_func));
	dft_call_extras(s, &f, ip, regs, now, lp);
}

/* Out of line: the common path keeps its registers. */
static __attribute__((noinline)) void function_call_lp(unsigned long ip, unsigned long parent_ip,
						       struct dft_regs *regs)
{
	function_call_common(ip, parent_ip, regs, 1);
}

static void function_call(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			  struct dft_regs *regs)
{
	if (unlikely(dft_lp_any()))
		return function_call_lp(ip, parent_ip, regs);
	function_call_common(ip, parent_ip, regs, 0);
}

/* A stream may be half-way through an event when a signal handler
 * interrupts: its events there are counted as lost (buffer.c). */
static struct dft_ops function_ops = { .func = function_call, .flags = DFT_OPS_FL_NOT_REENTRANT };

static int function_start(void)
{
	dft_rec_ops = &function_ops;
#ifdef HAVE_DFT_DIRECT
	/* The assembly reads the arch counter only. DYNFTRACE_NO_DIRECT=1
	 * keeps the generic path (benchmarks compare the two). */
	if (dft_clock.use_ticks && !getenv("DYNFTRACE_NO_DIRECT"))
		dft_set_direct(&function_ops, dft_rec_function_direct);
#endif
	return 0;
}

static int function_enable(void)
{
	return dft_register_ops(&function_ops);
}

const struct dft_tracer dft_tracer_function = {
	.name = "function",
	.start = function_start,
	.enable = function_enable,
};
