// SPDX-License-Identifier: MIT
/* The library cmd_work dlopens: its functions are found at dlopen time. */
#include "cmd_prog.h"

static volatile int lib_sink;

NOIPA static int cmd_lib_static(int x)
{
	lib_sink = x;
	return x * 3;
}

NOIPA int cmd_lib_func(int x)
{
	int r = cmd_lib_static(x) + 1;

	NOTAIL();
	return r;
}
