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
	struct dft_stream *s = &dft_stream;
	uint64_t now, parent = parent_ip;
	struct dft_fid f;
	uint32_t *p;

	if (unlikely(dft_fid_lookup(ip, &f)))
		return;
	now = dft_ticks();
	p = dft_stream_event(s, 16, now, DFT_EV_FUNC);
	if (unlikely(!p))
		return;
	p[1] = f.fid;
	memcpy(p + 2, &parent, 8);
	dft_stream_commit(s, 16);
	if (unlikely(f.flags & DFT_FID_ARGS))
		dft_args_record(s, f.fid, regs, now);
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
