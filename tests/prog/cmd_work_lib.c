// SPDX-License-Identifier: MIT
/* The library cmd_work dlopens: its functions are found at dlopen time. */
#ifdef __clang__
#define NOIPA __attribute__((noinline))
#else
#define NOIPA __attribute__((noipa))
#endif

static volatile int lib_sink;

NOIPA static int cmd_lib_static(int x)
{
	lib_sink = x;
	return x * 3;
}

NOIPA int cmd_lib_func(int x)
{
	int r = cmd_lib_static(x) + 1;

	__asm__ __volatile__("" ::: "memory");
	return r;
}
