/* SPDX-License-Identifier: MIT */
/* Shared by the cmd_* test programs: functions stay out of inlining,
 * cloning and sibling calls, so that every variant (gcc, clang, -O0, -O2,
 * each site form) makes exactly the same calls and the traces compare. */
#ifndef CMD_PROG_H
#define CMD_PROG_H

#ifdef __clang__
#define NOIPA __attribute__((noinline))
#else
#define NOIPA __attribute__((noipa))
#endif
/* After a call: the call cannot become a jump. */
#define NOTAIL() __asm__ __volatile__("" ::: "memory")

#endif
