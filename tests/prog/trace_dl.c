// SPDX-License-Identifier: MIT
/* A library that trace_graph dlopens (its "dlopen" scenario). */
#include "trace_prog.h"

NOIPA int dl_inner(int x)
{
	return x * 2;
}

NOIPA int dl_twice(int x)
{
	return dl_inner(x) + 0 * x;
}
