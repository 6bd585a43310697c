// SPDX-License-Identifier: MIT
/*
 * dynftrace report: prints a trace directory in one of the formats. The
 * work is in the walker (walk.c) and one file per format; this file picks
 * the format, checks it suits the trace, and applies the options.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

static const char report_usage[] =
	"usage: dynftrace report [OPTIONS]\n"
	"\n"
	"Prints a recorded trace.\n"
	"\n"
	"  -i, --input DIR       the trace directory (default " DEFAULT_DIR ")\n"
	"      --format FORMAT   text      the kernel's function tracer layout\n"
	"                        graph     the kernel's function_graph layout\n"
	"                        chrome    Chrome trace event JSON (Perfetto UI)\n"
	"                        perfetto  Perfetto's native protobuf trace (Perfetto\n"
	"                                  UI, trace_processor): 1/4 of the JSON's size\n"
	"                        folded    folded stacks weighted by self time (ns)\n"
	"                        svg       an interactive flame graph\n"
	"                        profile   a table of hits, total and self times\n"
	"                        (default: graph for function_graph traces, text for\n"
	"                        function traces, profile for profile traces)\n"
	"      --tid TID[,TID]   only these threads\n"
	"  -F, --filter GLOB     only calls of matching functions and what they call;\n"
	"                        lib:MOD and lib:MOD:GLOB select by module, as in record\n"
	"  -N, --notrace GLOB    hide matching functions and what they call\n"
	"  -o, --output FILE     write to FILE instead of standard output\n"
	"  -s, --sort KEY        profile: sort by total (default) or self time\n"
	"  -O, --option OPT      graph: abstime, proc, tail, retval (on by default),\n"
	"                        or the kernel's funcgraph-OPT; noOPT turns one off;\n"
	"                        profile: raw (times in ns)\n"
	"  -h, --help            this help\n";

static const struct fmt *const formats[] = { &fmt_text,   &fmt_graph, &fmt_chrome,  &fmt_perfetto,
					     &fmt_folded, &fmt_svg,   &fmt_profile };

static void set_option(struct report *r, const char *opt)
{
	static const struct {
		const char *name;
		size_t off;
	} opts[] = {
		{ "abstime", offsetof(struct report, abstime) },
		{ "proc", offsetof(struct report, proc) },
		{ "tail", offsetof(struct report, tail) },
		{ "retval", offsetof(struct report, retval) },
		{ "raw", offsetof(struct report, raw) },
	};
	int on = strncmp(opt, "no", 2) != 0;
	const char *name = opt + (on ? 0 : 2);

	/* The kernel's names work too: funcgraph-abstime, nofuncgraph-tail. */
	if (!strncmp(name, "funcgraph-", 10))
		name += 10;

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		if (!strcmp(name, opts[i].name)) {
			*(int *)((char *)r + opts[i].off) = on;
			return;
		}
	}
	die("unknown report option '%s' (known: abstime, proc, tail, retval, raw; "
	    "'no' before one turns it off)",
	    opt);
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "tid", required_argument, NULL, 't' },
		{ "filter", required_argument, NULL, 'F' },
		{ "notrace", required_argument, NULL, 'N' },
		{ "output", required_argument, NULL, 'o' },
		{ "sort", required_argument, NULL, 's' },
		{ "option", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = DEFAULT_DIR, *format = NULL, *output = NULL;
	struct report r = { .retval = 1 };
	char **tids = NULL;
	unsigned int ntids = 0;
	struct trace t;
	char *thresh;
	int c;

	while ((c = getopt_long(argc, argv, "i:F:N:o:s:O:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			dir = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 't':
			ntids = split_list(&tids, ntids, optarg);
			break;
		case 'F':
			r.nsel = split_list(&r.sel, r.nsel, optarg);
			break;
		case 'N':
			r.nhide = split_list(&r.hide, r.nhide, optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case 's':
			if (strcmp(optarg, "total") && strcmp(optarg, "self"))
				die("unknown sort key '%s' (use total or self)", optarg);
			r.sort_self = !strcmp(optarg, "self");
			break;
		case 'O': {
			char **opts = NULL;
			unsigned int n = split_list(&opts, 0, optarg);

			for (unsigned int i = 0; i < n; i++)
				set_option(&r, opts[i]);
			break;
		}
		case 'h':
			usage(report_usage, 0);
		default:
			usage(report_usage, 2);
		}
	}
	if (optind < argc)
		die("report takes no arguments ('%s'): name the trace with -i DIR", argv[optind]);
	r.tids = xcalloc(ntids, sizeof(int));
	for (unsigned int i = 0; i < ntids; i++) {
		char *end;

		r.tids[i] = strtol(tids[i], &end, 10);
		if (*end || end == tids[i])
			die("--tid takes thread ids, not '%s'", tids[i]);
	}
	r.ntids = ntids;
	if (format) {
		for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
			if (!strcmp(format, formats[i]->name))
				r.fmt = formats[i];
		}
		if (!r.fmt)
			die("unknown format '%s' (use text, graph, chrome, perfetto, folded, svg or "
			    "profile)",
			    format);
	}

	trace_open(&t, dir, 0);
	r.t = &t;
	if (!t.nthreads && !t.nprofiles)
		warnx("note: %s holds no events: the runtime did not start, or traced no call "
		      "(see the summary `dynftrace record` printed)",
		      dir);
	if (!r.fmt)
		r.fmt = !strcmp(t.tracer, "profile")  ? &fmt_profile
			: !strcmp(t.tracer, "function") ? &fmt_text
							: &fmt_graph;
	if (!strcmp(t.tracer, "profile") && r.fmt != &fmt_profile)
		die("%s was recorded with the profile tracer, which keeps no events: only "
		    "--format profile applies (record with -t function_graph for the others)",
		    dir);
	if (!strcmp(t.tracer, "function") && (r.fmt->flags & FMT_STACKS))
		die("--format %s needs call durations, which the function tracer does not record: "
		    "record with -t function_graph",
		    r.fmt->name);
	thresh = info_value(t.info, "thresh");
	r.by_end = (thresh && *thresh) || (t.options && strstr(t.options, "--thresh"));
	free(thresh);
	for (unsigned int i = 0; i < r.nsel + r.nhide; i++)
		r.has_lib |= !strncmp(i < r.nsel ? r.sel[i] : r.hide[i - r.nsel], "lib:", 4);
	trace_check_globs(&t, r.sel, r.nsel, "filter");
	trace_check_globs(&t, r.hide, r.nhide, "notrace");

	if (r.fmt == &fmt_perfetto && !output && isatty(STDOUT_FILENO))
		die("--format perfetto writes a binary file: name it with -o FILE");
	r.out = stdout;
	if (output && !(r.out = fopen(output, "w")))
		die("cannot write %s: %m", output);
	setvbuf(r.out, NULL, _IOFBF, 1 << 20);
	walk_trace(&r);
	if (fflush(r.out) || ferror(r.out) || (output && fclose(r.out)))
		die("writing %s failed: %m", output ? output : "the report");
	return t.damaged ? 1 : 0;
}
