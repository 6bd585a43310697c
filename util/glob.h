/* SPDX-License-Identifier: MIT */
/* Glob patterns (`*`, `?`, `[...]`), shared by the runtime and the command. */
#ifndef DFT_GLOB_H
#define DFT_GLOB_H

int dft_glob_valid(const char *pat);
int dft_glob_match(const char *pat, const char *str);

#endif /* DFT_GLOB_H */
