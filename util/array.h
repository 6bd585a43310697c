/* SPDX-License-Identifier: MIT */
/* Growing arrays, for the runtime and the command alike (libc only). */
#ifndef DFT_ARRAY_H
#define DFT_ARRAY_H

#include <errno.h>
#include <stdlib.h>

/* Hidden in the runtime (internal.h says why); harmless in the command. */
#pragma GCC visibility push(hidden)

/* Makes room for element @n of the array *@v of *@cap elements of @size
 * bytes, doubling it (from @first); 0, or -ENOMEM with *@v unchanged. */
static inline int dft_array_room(void **v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, want * size);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = want;
	return 0;
}

#define DFT_ARRAY_ROOM(v, n, cap, first)                                                           \
	dft_array_room((void **)&(v), (n), &(cap), sizeof(*(v)), (first))

#pragma GCC visibility pop
#endif /* DFT_ARRAY_H */
