/* Helpers of the test programs that link the runtime (core.c, interwork.c). */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <stdlib.h>

#include <dynftrace.h>

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			exit(1);                                                                   \
		}                                                                                  \
	} while (0)

/* Keeps the compiler from folding calls with constant arguments. */
static volatile int one = 1;

static inline unsigned long site_of(void *func)
{
	struct dft_func_info info;

	CHECK(!dft_lookup_function((unsigned long)func, &info), "no site for %p", func);
	return info.site;
}

/* A site after the prologue (-pg on ARM and AArch64): trace only, the
 * arguments may have moved and the call cannot be redirected. */
static inline int nonentry(void *func)
{
	struct dft_func_info info;

	CHECK(!dft_lookup_function((unsigned long)func, &info), "no site for %p", func);
	return info.state & DFT_FUNC_NONENTRY;
}

static inline const char *name_of(unsigned long addr)
{
	static struct dft_func_info info;

	return dft_lookup_function(addr, &info) ? "?" : info.name;
}

#endif
