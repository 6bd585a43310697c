// SPDX-License-Identifier: MIT
/*
 * dynftrace list: the functions of a program or library that have call
 * sites, read offline from the ELF file (the kernel's
 * available_filter_functions, before the program runs).
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "elfread.h"
#include "match.h"
#include "sites.h"

static const char list_usage[] =
	"usage: dynftrace list [OPTIONS] PROG|LIB [PATTERN...]\n"
	"\n"
	"Lists the functions of PROG (looked up in PATH like a command) or of a\n"
	"shared library that have call sites, which dynftrace can trace. Names are\n"
	"demangled. With PATTERNs (globs, as record -F takes them: a C++ name\n"
	"mangled or demangled, with or without its parameter list), only the\n"
	"functions they select; a pattern that selects none is warned about, with\n"
	"the closest names. Exits 1 when nothing is listed.\n"
	"\n"
	"  -a, --addr     show each function's address and its site's\n"
	"  -r, --raw      do not demangle C++ names\n"
	"  -h, --help     this help\n";

struct list_names {
	char **v;
	size_t n;
};

static const char *list_name(size_t i, void *arg)
{
	return ((struct list_names *)arg)->v[i];
}

/* Warns about each pattern that selects none of the file's functions. */
static void warn_unmatched(struct dft_pattern *pats, const uint8_t *hit, const struct list_names *shown)
{
	unsigned int k = 0;

	for (struct dft_pattern *p = pats; p; p = p->next, k++) {
		size_t best[5], nbest;

		if (hit[k] || !p->func)
			continue;
		nbest = dft_close_names(p->func, list_name, shown->n, (void *)shown, best,
					ARRAY_SIZE(best));
		fprintf(stderr, "dynftrace: warning: '%s' matches no function%s", p->func,
			nbest ? "; close names:" : "");
		for (size_t i = 0; i < nbest; i++)
			fprintf(stderr, " %s", shown->v[best[i]]);
		fputc('\n', stderr);
	}
}

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "addr", no_argument, NULL, 'a' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int addr = 0, raw = 0, c, ret;
	struct dft_pattern *pats = NULL, **tail = &pats;
	struct list_names shown = { 0 };
	unsigned int npats = 0;
	struct dft_elf_sites s;
	const char *base;
	struct dft_elf e;
	size_t nfuncs = 0;
	uint8_t *hit;
	char *path;

	while ((c = getopt_long(argc, argv, "arh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			addr = 1;
			break;
		case 'r':
			raw = 1;
			break;
		case 'h':
			usage(list_usage, 0);
		default:
			usage(list_usage, 2);
		}
	}
	if (optind >= argc)
		usage(list_usage, 2);
	for (int i = optind + 1; i < argc; i++) {
		const char *bad = argv[i];

		ret = dft_patterns_parse(argv[i], tail, &bad);
		if (ret == -EINVAL)
			die("invalid pattern in '%s': check [ ] and \\", bad);
		if (ret)
			die("out of memory");
		for (; *tail; tail = &(*tail)->next)
			npats++;
	}
	hit = xcalloc(npats + 1, 1);
	/* A file here (a library need not be executable), else a command. */
	path = access(argv[optind], F_OK) ? find_command(argv[optind]) : xstrdup(argv[optind]);
	ret = dft_elf_open(&e, path);
	if (ret)
		die("%s: %s", path, ret == -ENOEXEC ? "not an ELF file" : strerror(-ret));
	if (dft_elf_sites(&e, &s))
		die("out of memory");
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	shown.v = xcalloc(s.n + 1, sizeof(*shown.v));
	for (size_t i = 0; i < s.n; i++) {
		const char *name = s.names + s.v[i].name;
		char *d = dft_demangle(name), *forms = NULL;
		int sel = !pats;
		unsigned int k = 0;

		/* A function may have more than one site: list it once. */
		if (i && s.v[i].func == s.v[i - 1].func) {
			free(d);
			continue;
		}
		shown.v[shown.n++] = d ? d : xstrdup(name);
		if (pats)
			forms = dft_name_forms(name);
		for (struct dft_pattern *p = pats; p; p = p->next, k++) {
			if (dft_pattern_match(p, base, name, forms))
				sel = hit[k] = 1;
		}
		free(forms);
		if (!sel)
			continue;
		if (addr)
			printf("%#llx %#llx ", (unsigned long long)s.v[i].func,
			       (unsigned long long)s.v[i].site);
		puts(raw || !d ? name : d);
		nfuncs++;
	}
	if (pats)
		warn_unmatched(pats, hit, &shown);
	if (!nfuncs) {
		if (!shown.n)
			warnx("%s has no call sites: build it with " SITE_FLAGS " to trace it", path);
		return 1;
	}
	fprintf(stderr, "dynftrace: %zu functions with call sites in %s (%s)%s\n", nfuncs, path,
		s.table ? s.table : "?",
		s.unnamed ? ", and sites outside any function symbol" : "");
	for (size_t i = 0; i < shown.n; i++)
		free(shown.v[i]);
	free(shown.v);
	free(hit);
	dft_patterns_free(pats);
	dft_elf_sites_free(&s);
	dft_elf_close(&e);
	return 0;
}
