/* SPDX-License-Identifier: MIT */
/*
 * A coroutine on its own stack (makecontext/swapcontext) and the main
 * stack take turns, each switching away from inside a traced function:
 * every traced frame returns while the other stack's frames are open
 * above it in the thread's shadow stack, and then, when its stack runs
 * again, the frames that were switched away from return.
 *
 * Usage: coro [N]; prints "coro: N turns, sum S".
 */
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include "trace_prog.h"

static ucontext_t main_ctx, co_ctx;
static char co_stack[256 << 10] __attribute__((aligned(16)));
static int turns;
static long co_sum;

NOIPA int co_leaf(int x)
{
	return x + 1;
}

/* Switches to the main stack in the middle of a traced call. */
NOIPA int co_yield(int x)
{
	swapcontext(&co_ctx, &main_ctx);
	return co_leaf(x);
}

NOIPA void co_body(void)
{
	for (int i = 0; i < turns; i++)
		co_sum += co_yield(i);
}

/* Runs the coroutine up to its next switch back, from a traced call. */
NOIPA int main_turn(int i)
{
	swapcontext(&main_ctx, &co_ctx);
	return co_leaf(i);
}

int main(int argc, char **argv)
{
	long sum = 0;

	turns = argc > 1 ? atoi(argv[1]) : 100;
	getcontext(&co_ctx);
	co_ctx.uc_stack.ss_sp = co_stack;
	co_ctx.uc_stack.ss_size = sizeof(co_stack);
	co_ctx.uc_link = &main_ctx;
	makecontext(&co_ctx, co_body, 0);
	/* One turn more than the coroutine yields: the last one runs it to
	 * its end, and uc_link comes back here. */
	for (int i = 0; i <= turns; i++)
		sum += main_turn(i);
	printf("coro: %d turns, sum %ld\n", turns, sum + co_sum);
	return 0;
}
