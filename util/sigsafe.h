/* SPDX-License-Identifier: MIT */
/*
 * Text built without stdio or malloc, for code that may run in a signal
 * handler, or in the child of a fork() where another thread held a lock:
 * snprintf() may allocate, and is not async-signal-safe.
 */
#ifndef DFT_SIGSAFE_H
#define DFT_SIGSAFE_H

/* Hidden in the runtime (internal.h says why); harmless in the command. */
#pragma GCC visibility push(hidden)

/*
 * Each appends to [p, end) and returns where the next one writes; what does
 * not fit is cut off (the result is then end). Nothing is NUL-terminated.
 */
char *dft_put_str(char *p, char *end, const char *s);
char *dft_put_uint(char *p, char *end, unsigned long long v);
char *dft_put_int(char *p, char *end, long long v);

#pragma GCC visibility pop
#endif /* DFT_SIGSAFE_H */
