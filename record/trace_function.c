// SPDX-License-Identifier: MIT
/*
 * The function tracer: one 16-byte FUNC event per traced call (the function,
 * its caller and the time), plus the arguments the -A specs ask for.
 */
#include <string.h>

#include "record.h"

static void function_call(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			  struct dft_regs *regs)
{
	const struct dft_fid_ent *f = dft_fid_lookup(ip);
	struct dft_stream *s = &dft_stream;
	uint64_t now = dft_ticks(), parent = parent_ip;
	uint32_t *p;

	if (unlikely(!f))
		return;
	p = dft_stream_event(s, sizeof(struct dft_ev_func), now, DFT_EV_FUNC);
	if (unlikely(!p))
		return;
	dft_ev_put(p, struct dft_ev_func, fid, f->fid);
	dft_ev_put(p, struct dft_ev_func, parent_ip, parent);
	dft_stream_commit(s, sizeof(struct dft_ev_func));
	if (unlikely(f->flags & DFT_FID_ARGS))
		dft_args_record(s, f->fid, regs, now);
}

static struct dft_ops function_ops = { .func = function_call };

static int function_start(void)
{
	dft_rec_ops = &function_ops;
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
