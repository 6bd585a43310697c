// SPDX-License-Identifier: MIT
/* The library ctl_dlopen loads after it was attached. */
#include "trace_prog.h"

NOIPA long dlib_leaf(long x)
{
	return x + 1;
}

NOIPA long dlib_outer(long x)
{
	return dlib_leaf(x) + dlib_leaf(x * 2);
}
