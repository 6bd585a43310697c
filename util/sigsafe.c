// SPDX-License-Identifier: MIT
/* Async-signal-safe formatting (sigsafe.h). */
#include "sigsafe.h"

char *dft_put_str(char *p, char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

char *dft_put_uint(char *p, char *end, unsigned long long v)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = '0' + v % 10;
	while (v /= 10);
	while (n && p < end)
		*p++ = tmp[--n];
	return p;
}

char *dft_put_int(char *p, char *end, long long v)
{
	if (v < 0) {
		if (p < end)
			*p++ = '-';
		/* -LLONG_MIN does not fit in a long long. */
		return dft_put_uint(p, end, -(unsigned long long)v);
	}
	return dft_put_uint(p, end, v);
}
