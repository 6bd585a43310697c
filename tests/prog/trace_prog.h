/* SPDX-License-Identifier: MIT */
/* Shared by the trace_* test programs. Functions are kept out of
 * interprocedural optimisation so that every variant (gcc, clang, -O0,
 * -O2) makes the same calls, and the traces can be compared exactly. */
#ifndef TRACE_PROG_H
#define TRACE_PROG_H

#ifdef __clang__
#define NOIPA __attribute__((noinline))
#else
#define NOIPA __attribute__((noipa))
#endif

#endif
