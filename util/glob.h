/* SPDX-License-Identifier: MIT */
/* Glob patterns (`*`, `?`, `[...]`), shared by the runtime and the command. */
#ifndef DFT_GLOB_H
#define DFT_GLOB_H

/* Hidden in the runtime (internal.h says why); harmless in the command. */
#pragma GCC visibility push(hidden)

int dft_glob_valid(const char *pat);
int dft_glob_match(const char *pat, const char *str);

#pragma GCC visibility pop
#endif /* DFT_GLOB_H */
