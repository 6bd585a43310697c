// SPDX-License-Identifier: MIT
/*
 * dynftrace live: record into a temporary directory and print the report
 * when the command ends (the graph for the default tracer), then remove the
 * trace unless -o named where to keep it.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static const char live_usage[] =
	"usage: dynftrace live [RECORD OPTIONS] [--] CMD [ARGS]\n"
	"\n"
	"Records CMD like `dynftrace record` and prints the trace when it ends: the\n"
	"function_graph layout by default (-t function: the function layout,\n"
	"-t profile: the profile). The trace is removed afterwards unless -o names\n"
	"a directory to keep it in. Returns CMD's exit status.\n"
	"\n";

/* The temporary trace, removed on every way out: return, die()'s exit(),
 * and the signals that end us (SIGPIPE when `| head` stops reading). */
static char tmp[PATH_MAX];

static void remove_tmp(void)
{
	DIR *d;
	struct dirent *de;

	if (!tmp[0])
		return;
	/* No die() here: this also runs from a signal handler and atexit. */
	d = opendir(tmp);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
	rmdir(tmp);
	tmp[0] = 0;
}

static void remove_and_die(int sig)
{
	remove_tmp();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* While the command runs, record forwards these signals to it and goes on;
 * while the report is written, they end us, after removing the trace. */
static void remove_on_signals(void)
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT };

	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], remove_and_die);
}

int cmd_live(int argc, char **argv)
{
	char *report_argv[] = { "report", "-i", NULL, NULL };
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
		o.temporary = 1;
		atexit(remove_tmp);
	}
	status = record_run(&o);
	if (!o.out_given)
		remove_on_signals();
	fflush(stdout);
	report_argv[2] = (char *)o.out;
	/* glibc: 0 makes getopt start over for the second parser. */
	optind = 0;
	cmd_report(3, report_argv);
	fflush(stdout);
	remove_tmp();
	return status;
}
