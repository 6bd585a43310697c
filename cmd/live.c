// SPDX-License-Identifier: MIT
/*
 * dynftrace live: record into a temporary directory and print the report
 * when the command ends (the graph for the default tracer), then remove the
 * trace unless -o named where to keep it.
 */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static const char live_usage[] =
	"usage: dynftrace live [RECORD OPTIONS] [--] CMD [ARGS]\n"
	"\n"
	"Records CMD like `dynftrace record` and prints the trace when it ends: the\n"
	"function_graph layout by default (-t function: the function layout,\n"
	"-t profile: the profile). The trace is removed afterwards unless -o names\n"
	"a directory to keep it in. Returns CMD's exit status.\n"
	"\n";

int cmd_live(int argc, char **argv)
{
	char tmp[PATH_MAX], *report_argv[] = { "report", "-i", NULL, NULL };
	const char *tmpdir = getenv("TMPDIR");
	struct record_opts o;
	int status;

	record_parse(argc, argv, &o, live_usage);
	if (!o.out_given) {
		snprintf(tmp, sizeof(tmp), "%s/dynftrace-live.XXXXXX",
			 tmpdir && *tmpdir ? tmpdir : "/tmp");
		if (!mkdtemp(tmp))
			die("cannot create a directory in %s: %m", tmpdir ? tmpdir : "/tmp");
		o.out = tmp;
		o.force = 1;
		o.temporary = 1;
	}
	status = record_run(&o);
	fflush(stdout);
	report_argv[2] = (char *)o.out;
	/* glibc: 0 makes getopt start over for the second parser. */
	optind = 0;
	cmd_report(3, report_argv);
	fflush(stdout);
	if (!o.out_given)
		remove_trace_dir(tmp, 1);
	return status;
}
