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
	"                                  UI, trace_processor): 1/4 to 1/13 the JSON\n"
	"                        folded    folded stacks weighted by self time (ns)\n"
	"                        svg       an interactive flame graph\n"
	"                        profile   a table of hits, total and self times\n"
	"                        (default: graph for function_graph traces, text for\n"
	"                        function traces, profile for profile traces)\n"
	"      --tid TID[,TID]   only these threads\n"
	"      --pid PID[,PID]   only these processes\n"
	"  -F, --filter GLOB     only calls of matching functions and what they call;\n"
	"                        lib:MOD and lib:MOD:GLOB select by module, as in record\n"
	"  -N, --notrace GLOB    hide matching functions and what they call\n"
	"  -C, --caller GLOB     only the call paths that lead to matching functions\n"
	"  -D, --depth DEPTH     only calls at most DEPTH deep (1: the outermost)\n"
	"  -t, --duration-min DURATION\n"
	"                        only calls at least this long (10us, 1.5ms, 2s), with\n"
	"                        their callers\n"
	"  -r, --time-range START~END\n"
	"                        only calls that start in this range: durations from\n"
	"                        the trace's start (1ms~2.5ms) or timestamps as\n"
	"                        -O abstime shows them (5.000100~5.002); either side\n"
	"                        may be left out\n"
	"      --demangle MODE   C++ names: simple (default: no template arguments nor\n"
	"                        parameters, unless two functions would share one),\n"
	"                        full, or no (as recorded)\n"
	"  -o, --output FILE     write to FILE instead of standard output\n"
	"  -s, --sort KEY        profile: sort by total (default) or self time\n"
	"      --task            a summary per thread: calls, traced time, span, lost\n"
	"                        events (--format task)\n"
	"      --diff DIR2       profile: compare with the profile of DIR2, function by\n"
	"                        function, the largest changes first\n"
	"  -O, --option OPT      graph: abstime, proc, tail, retval (on by default),\n"
	"                        or the kernel's funcgraph-OPT; noOPT turns one off;\n"
	"                        profile: raw (times in ns)\n"
	"  -h, --help            this help\n";

const struct fmt *const report_formats[] = { &fmt_text,   &fmt_graph,	 &fmt_chrome,
					     &fmt_perfetto, &fmt_folded, &fmt_svg,
					     &fmt_profile,  &fmt_task,	 NULL };

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

static int *parse_ids(char **v, unsigned int n, const char *opt)
{
	int *ids = xcalloc(n, sizeof(int));

	for (unsigned int i = 0; i < n; i++) {
		char *end;

		ids[i] = strtol(v[i], &end, 10);
		if (*end || end == v[i])
			die("%s takes %s ids, not '%s'", opt, opt[2] == 't' ? "thread" : "process",
			    v[i]);
	}
	return ids;
}

/* Ids the trace does not hold are an error that lists those it does. */
static void check_ids(struct report *r, struct trace *t, const char *dir)
{
	char *have = NULL, buf[32];
	int tid_missing = -1, pid_missing = -1;
	struct pfile pf;

	for (unsigned int i = 0; i < r->ntids; i++) {
		int found = 0;

		for (unsigned int k = 0; k < t->nthreads; k++)
			found |= t->threads[k]->tid == r->tids[i];
		for (unsigned int k = 0; k < t->nprofiles && !found; k++) {
			if (!profile_open(t, t->profiles[k], &pf)) {
				found = (int)pf.tid == r->tids[i];
				profile_close(&pf);
			}
		}
		if (!found)
			tid_missing = r->tids[i];
	}
	for (unsigned int i = 0; i < r->npids; i++) {
		int found = 0;

		for (unsigned int k = 0; k < t->nprocs; k++)
			found |= t->procs[k]->pid == r->pids[i];
		if (!found)
			pid_missing = r->pids[i];
	}
	if (tid_missing < 0 && pid_missing < 0)
		return;
	for (unsigned int i = 0; i < t->nprocs; i++) {
		const struct proc *p = t->procs[i];
		char *tids = NULL;

		for (unsigned int k = 0; k < t->nthreads; k++) {
			if (t->threads[k]->pid != p->pid)
				continue;
			snprintf(buf, sizeof(buf), "%d", t->threads[k]->tid);
			list_append(&tids, buf, ' ');
		}
		for (unsigned int k = 0; k < t->nprofiles; k++) {
			if (!profile_open(t, t->profiles[k], &pf)) {
				if ((int)pf.pid == p->pid) {
					snprintf(buf, sizeof(buf), "%d", (int)pf.tid);
					list_append(&tids, buf, ' ');
				}
				profile_close(&pf);
			}
		}
		snprintf(buf, sizeof(buf), "process %d", p->pid);
		list_append(&have, buf, ';');
		if (tids) {
			char *s = xmalloc(strlen(have) + strlen(tids) + 16);

			sprintf(s, "%s (threads %s)", have, tids);
			free(have);
			have = s;
			free(tids);
		}
	}
	if (tid_missing >= 0)
		die("--tid %d: %s has no such thread; it holds %s", tid_missing, dir,
		    have ? have : "no thread");
	die("--pid %d: %s has no such process; it holds %s", pid_missing, dir,
	    have ? have : "no process");
}

/* One side of --time-range: a duration from the start, or a timestamp
 * ("5.000100", seconds as -O abstime prints them). */
static uint64_t range_point(const char *s, size_t len, const struct trace *t, uint64_t dflt)
{
	char buf[64];
	uint64_t ns;

	if (!len)
		return dflt;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = 0;
	if (strchr(buf, '.') && strspn(buf, "0123456789.") == len) {
		if (!ns_from_double(strtod(buf, NULL) * 1e9, &ns))
			return ns;
	} else if (!parse_duration(buf, &ns)) {
		return t->t0 + ns;
	}
	die("--time-range takes START~END, each a duration from the start (10us, 1.5ms) "
	    "or a timestamp (5.000100), not '%s'",
	    buf);
}

static void parse_range(const char *range, const struct trace *t, struct report *r)
{
	const char *tilde = strchr(range, '~');

	if (!tilde)
		die("--time-range takes START~END (either may be left out), not '%s'", range);
	r->t_start = range_point(range, tilde - range, t, 0);
	r->t_end = range_point(tilde + 1, strlen(tilde + 1), t, UINT64_MAX);
	if (r->t_end < r->t_start)
		die("--time-range %s ends before it starts", range);
}

/* Every function's name is known before one is shown (--demangle simple
 * keeps names that two functions share in full). */
static void register_names(struct trace *t)
{
	for (unsigned int i = 0; i < t->nprocs; i++) {
		for (uint32_t f = 0; f < t->procs[i]->nfuncs; f++) {
			if (t->procs[i]->funcs[f].name != UINT32_MAX)
				names_register(t->procs[i]->funcs[f].name);
		}
	}
}

/*
 * Prints trace @dir, loaded into @t, as @r says (its options parsed): the
 * report's work after the command line, also the fuzz target's entry
 * (fuzz/trace.c). Returns the exit status: 1 when the trace is damaged.
 */
int report_run(struct report *r, struct trace *t, const char *dir, const char *range,
	       const char *output)
{
	struct trace t2;
	char *thresh;

	trace_open(t, dir, 0);
	r->t = t;
	if (!t->nthreads && !t->nprofiles)
		warnx("note: %s holds no events: the runtime did not start, or traced no call "
		      "(see the summary `dynftrace record` printed)",
		      dir);
	if (!r->fmt)
		r->fmt = !strcmp(t->tracer, "profile")  ? &fmt_profile
			: !strcmp(t->tracer, "function") ? &fmt_text
							: &fmt_graph;
	if (!strcmp(t->tracer, "profile") && r->fmt != &fmt_profile)
		die("%s was recorded with the profile tracer, which keeps no events: only "
		    "--format profile applies (record with -t function_graph for the others)",
		    dir);
	if (!strcmp(t->tracer, "function") && (r->fmt->flags & FMT_STACKS))
		die("--format %s needs call durations, which the function tracer does not record: "
		    "record with -t function_graph",
		    r->fmt->name);
	thresh = info_value(t->info, "thresh");
	r->by_end = (thresh && *thresh) || (t->options && strstr(t->options, "--thresh"));
	free(thresh);
	check_ids(r, t, dir);
	register_names(t);
	if (r->diff) {
		if (r->fmt != &fmt_profile)
			die("--diff compares profiles: use it with --format profile");
		if (r->ntids || r->npids)
			die("--diff compares two runs, whose thread and process ids differ: "
			    "drop --tid and --pid");
		trace_open(&t2, r->diff, 0);
		register_names(&t2);
		r->diff_dir0 = dir;
	}
	r->t_end = UINT64_MAX;
	if (range)
		parse_range(range, t, r);
	r->filters = r->max_depth || r->dur_min || r->ncallers || range;
	for (unsigned int i = 0; i < r->nsel + r->nhide; i++)
		r->has_lib |= !strncmp(i < r->nsel ? r->sel[i] : r->hide[i - r->nsel], "lib:", 4);
	trace_check_globs(t, r->sel, r->nsel, "filter");
	trace_check_globs(t, r->hide, r->nhide, "notrace");
	trace_check_globs(t, r->callers, r->ncallers, "caller");

	if (r->fmt == &fmt_perfetto && !output && isatty(STDOUT_FILENO))
		die("--format perfetto writes a binary file: name it with -o FILE");
	r->out = stdout;
	if (output && !(r->out = fopen(output, "w")))
		die("cannot write %s: %m", output);
	setvbuf(r->out, NULL, _IOFBF, 1 << 20);
	walk_trace(r);
	if (r->diff) {
		/* The second profile, with the same filters; its end prints
		 * the comparison. */
		r->t = &t2;
		if (range)
			parse_range(range, &t2, r);
		walk_trace(r);
		t->damaged |= t2.damaged;
	}
	if (fflush(r->out) || ferror(r->out) || (output && fclose(r->out)))
		die("writing %s failed: %m", output ? output : "the report");
	return t->damaged ? 1 : 0;
}

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "format", required_argument, NULL, 'f' },
		{ "tid", required_argument, NULL, 'T' },
		{ "pid", required_argument, NULL, 'P' },
		{ "caller", required_argument, NULL, 'C' },
		{ "depth", required_argument, NULL, 'D' },
		{ "duration-min", required_argument, NULL, 't' },
		{ "time-range", required_argument, NULL, 'r' },
		{ "demangle", required_argument, NULL, 'M' },
		{ "diff", required_argument, NULL, 'd' },
		{ "task", no_argument, NULL, 'k' },
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
	char **tids = NULL, **pids = NULL;
	unsigned int ntids = 0, npids = 0;
	const char *range = NULL;
	struct trace t;
	int c;

	while ((c = getopt_long(argc, argv, "i:F:N:C:D:t:r:o:s:O:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			dir = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 'T':
			ntids = split_list(&tids, ntids, optarg);
			break;
		case 'P':
			npids = split_list(&pids, npids, optarg);
			break;
		case 'C':
			r.ncallers = split_list(&r.callers, r.ncallers, optarg);
			break;
		case 'D': {
			char *end;
			unsigned long d = strtoul(optarg, &end, 10);

			if (*end || end == optarg || !d || d > UINT32_MAX)
				die("--depth takes a depth of 1 or more, not '%s'", optarg);
			r.max_depth = d;
			break;
		}
		case 't':
			if (parse_duration(optarg, &r.dur_min))
				die("--duration-min takes a duration like 10us, 1.5ms or 2s, not '%s'",
				    optarg);
			break;
		case 'r':
			range = optarg;
			break;
		case 'd':
			r.diff = optarg;
			break;
		case 'k':
			format = "task";
			break;
		case 'M':
			if (!strcmp(optarg, "simple"))
				names_mode(DEMANGLE_SIMPLE);
			else if (!strcmp(optarg, "full"))
				names_mode(DEMANGLE_FULL);
			else if (!strcmp(optarg, "no"))
				names_mode(DEMANGLE_NO);
			else
				die("--demangle takes simple, full or no, not '%s'", optarg);
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
	r.tids = parse_ids(tids, ntids, "--tid");
	r.ntids = ntids;
	r.pids = parse_ids(pids, npids, "--pid");
	r.npids = npids;
	if (format) {
		for (size_t i = 0; report_formats[i]; i++) {
			if (!strcmp(format, report_formats[i]->name))
				r.fmt = report_formats[i];
		}
		if (!r.fmt)
			die("unknown format '%s' (use text, graph, chrome, perfetto, folded, svg, "
			    "profile or task)",
			    format);
	}

	return report_run(&r, &t, dir, range, output);
}

