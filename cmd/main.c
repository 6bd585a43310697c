// SPDX-License-Identifier: MIT
/*
 * dynftrace: the command. main() dispatches to one file per subcommand
 * (dynftrace.c holds the helpers they share).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "match.h"

/*
 * libstdc++'s demangler (the Itanium C++ ABI's), loaded at the first C++
 * name: linking libstdc++ would cost every run of the command its
 * relocation (1.7 M instructions, most of `dynftrace record`'s own
 * start-up), and C programs never need it.
 */
static char *lazy_demangle(const char *mangled, char *buf, size_t *len, int *status)
{
	static dft_demangle_fn fn;
	static int tried;

	if (!tried) {
		void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);

		tried = 1;
		fn = h ? (dft_demangle_fn)dlsym(h, "__cxa_demangle") : NULL;
		if (!fn)
			fprintf(stderr, "dynftrace: no libstdc++.so.6 (%s): C++ names stay mangled; "
					"install libstdc++6 to demangle them\n",
				dlerror());
	}
	if (!fn) {
		*status = -1;
		return NULL;
	}
	return fn(mangled, buf, len, status);
}

static const char main_usage[] =
	"usage: dynftrace COMMAND [OPTIONS] [-- CMD [ARGS]]\n"
	"\n"
	"Dynamic function tracing of user-space programs built with call sites:\n"
	SITE_FLAGS ".\n"
	"\n"
	"commands:\n"
	"  record   run a command and record its function calls\n"
	"  report   print a recorded trace (text, graph, chrome, folded, svg, profile)\n"
	"  live     record a command and print its call graph when it ends\n"
	"  list     list the functions of a program or library that have call sites\n"
	"  info     describe a recorded trace (command, times, machine, threads)\n"
	"  patch    apply, revert or list live patches of a running process\n"
	"\n"
	"`dynftrace COMMAND --help` describes each command; see also dynftrace(1).\n";

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "record", cmd_record },
	{ "report", cmd_report },
	{ "live", cmd_live },
	{ "list", cmd_list },
	{ "top", cmd_top },
	{ "ctl", cmd_ctl },
	{ "ps", cmd_ps },
	{ "info", cmd_info },
	{ "patch", cmd_patch },
};

int main(int argc, char **argv)
{
	dft_demangler_set(lazy_demangle);
	if (argc < 2)
		usage(main_usage, 2);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		usage(main_usage, 0);
	if (!strcmp(argv[1], "--version")) {
		printf("dynftrace %s\n", DFT_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (!strcmp(argv[1], commands[i].name)) {
			char prog[64];

			/* getopt's messages name the program: "dynftrace report". */
			snprintf(prog, sizeof(prog), "dynftrace %s", argv[1]);
			argv[1] = prog;
			return commands[i].fn(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "dynftrace: unknown command '%s'\n\n", argv[1]);
	usage(main_usage, 2);
}
