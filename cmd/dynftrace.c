// SPDX-License-Identifier: MIT
/*
 * dynftrace: the helpers every subcommand needs (main.c dispatches to one
 * file per subcommand; the fuzz targets link these without main).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "match.h"

void usage(const char *text, int status)
{
	fputs(text, status ? stderr : stdout);
	exit(status);
}

static void vmsg(const char *fmt, va_list ap)
{
	fputs("dynftrace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(1);
}

void die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(2);
}

void warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

char *xstrdup(const char *s)
{
	return strcpy(xmalloc(strlen(s) + 1), s);
}

void list_append(char **list, const char *s, char sep)
{
	size_t old = *list ? strlen(*list) : 0;

	*list = xrealloc(*list, old + strlen(s) + 2);
	if (old)
		(*list)[old++] = sep;
	strcpy(*list + old, s);
}

unsigned int split_list(char ***v, unsigned int n, const char *list)
{
	char tok[1024];

	/* Split as the runtime splits patterns: "f(int, char)" is one. */
	while (list && (list = dft_pattern_next(list, tok, sizeof(tok)))) {
		*v = xrealloc(*v, (n + 1) * sizeof(**v));
		(*v)[n++] = xstrdup(tok);
	}
	return n;
}

int ns_from_double(double v, uint64_t *ns)
{
	if (!(v >= 0) || v + 0.5 >= 18446744073709551616.0)
		return -1;
	*ns = (uint64_t)(v + 0.5);
	return 0;
}

int parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "", 1 }, { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (!strcmp(end, units[i].unit))
			return ns_from_double(v * units[i].mult, ns);
	}
	return -1;
}

int parse_size(const char *s, uint64_t *bytes)
{
	static const char units[] = "KMGT";
	const char *u;
	char *end;
	uint64_t v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		u = strchr(units, *end & ~0x20);
		if (!u || (end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B")))
			return -1;
		for (const char *k = units; k <= u; k++) {
			if (v > UINT64_MAX / 1024)
				return -1;
			v *= 1024;
		}
	}
	*bytes = v;
	return 0;
}

void human_bytes(uint64_t n, char *buf, size_t len)
{
	if (n < 10240)
		snprintf(buf, len, "%llu bytes", (unsigned long long)n);
	else if (n < 10 << 20)
		snprintf(buf, len, "%.1f KiB", n / 1024.0);
	else if (n < 10ULL << 30)
		snprintf(buf, len, "%.1f MiB", n / 1048576.0);
	else
		snprintf(buf, len, "%.1f GiB", n / 1073741824.0);
}
