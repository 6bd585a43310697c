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
#include "sites.h"

static const char list_usage[] =
	"usage: dynftrace list [OPTIONS] PROG|LIB\n"
	"\n"
	"Lists the functions of PROG (looked up in PATH like a command) or of a\n"
	"shared library that have call sites, which dynftrace can trace. Names are\n"
	"demangled. Exits 1 when there are none.\n"
	"\n"
	"  -a, --addr     show each function's address and its site's\n"
	"  -r, --raw      do not demangle C++ names\n"
	"  -h, --help     this help\n";

int cmd_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "addr", no_argument, NULL, 'a' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int addr = 0, raw = 0, c, ret;
	struct dft_elf_sites s;
	struct dft_elf e;
	size_t nfuncs = 0;
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
	if (optind != argc - 1)
		usage(list_usage, 2);
	/* A file here (a library need not be executable), else a command. */
	path = access(argv[optind], F_OK) ? find_command(argv[optind]) : xstrdup(argv[optind]);
	ret = dft_elf_open(&e, path);
	if (ret)
		die("%s: %s", path, ret == -ENOEXEC ? "not an ELF file" : strerror(-ret));
	if (dft_elf_sites(&e, &s))
		die("out of memory");
	for (size_t i = 0; i < s.n; i++) {
		const char *name = s.names + s.v[i].name;
		char *d = raw ? NULL : demangle(name);

		/* A function may have more than one site: list it once. */
		if (i && s.v[i].func == s.v[i - 1].func)
			continue;
		if (addr)
			printf("%#llx %#llx ", (unsigned long long)s.v[i].func,
			       (unsigned long long)s.v[i].site);
		puts(d ? d : name);
		free(d);
		nfuncs++;
	}
	if (!nfuncs) {
		warnx("%s has no call sites: build it with " SITE_FLAGS " to trace it", path);
		return 1;
	}
	fprintf(stderr, "dynftrace: %zu functions with call sites in %s (%s)%s\n", nfuncs, path,
		s.table ? s.table : "?",
		s.unnamed ? ", and sites outside any function symbol" : "");
	dft_elf_sites_free(&s);
	dft_elf_close(&e);
	return 0;
}
