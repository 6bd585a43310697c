/* SPDX-License-Identifier: MIT */
/*
 * What the libFuzzer targets share (fuzz/README.md): a private scratch
 * directory for the files an input becomes, since the readers under test
 * take paths, as the command gives them.
 */
#ifndef DFT_FUZZ_H
#define DFT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The scratch directory, made on first use and removed at exit. */
const char *fuzz_dir(void);
/* Writes @len bytes of @data to @name in it; returns its path (static). */
const char *fuzz_file(const char *name, const uint8_t *data, size_t len);
/* Removes every file of the scratch directory. */
void fuzz_clear(void);

#endif /* DFT_FUZZ_H */
