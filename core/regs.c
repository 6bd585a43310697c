// SPDX-License-Identifier: MIT
/*
 * The public register accessors: thin wrappers over the architecture's
 * inline ones (arch.h), which the runtime's own tracers use directly.
 */
#include "internal.h"

DFT_API unsigned long dft_regs_get_arg(const struct dft_regs *regs, unsigned int n)
{
	return dft_arch_get_arg(regs, n);
}

DFT_API void dft_regs_set_arg(struct dft_regs *regs, unsigned int n, unsigned long val)
{
	dft_arch_set_arg(regs, n, val);
}

DFT_API double dft_regs_get_fparg(const struct dft_regs *regs, unsigned int n)
{
	return dft_arch_get_fparg(regs, n);
}

DFT_API void dft_regs_set_fparg(struct dft_regs *regs, unsigned int n, double val)
{
	dft_arch_set_fparg(regs, n, val);
}

DFT_API unsigned long dft_regs_get_retval(const struct dft_regs *regs)
{
	return dft_arch_get_retval(regs);
}

DFT_API double dft_regs_get_fpretval(const struct dft_regs *regs)
{
	return dft_arch_get_fpretval(regs);
}

DFT_API void dft_regs_set_retval(struct dft_regs *regs, unsigned long val)
{
	dft_arch_set_retval(regs, val);
}

DFT_API unsigned long dft_regs_get_ip(const struct dft_regs *regs)
{
	return dft_arch_get_ip(regs);
}

DFT_API void dft_regs_set_ip(struct dft_regs *regs, unsigned long ip)
{
	dft_arch_set_ip(regs, ip);
}

DFT_API unsigned long dft_regs_get_sp(const struct dft_regs *regs)
{
	return dft_arch_get_sp(regs);
}

DFT_API unsigned long dft_regs_get_return_address(const struct dft_regs *regs)
{
	unsigned long addr;

	/* A return callback's regs are the return hook's: no slot there. */
	if (dft_graph_return_address(regs, &addr))
		return addr;
	return *dft_arch_ret_slot((struct dft_regs *)regs);
}

DFT_API void *dft_regs_raw(struct dft_regs *regs)
{
	return regs;
}
