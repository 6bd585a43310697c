// SPDX-License-Identifier: MIT
/*
 * dynftrace patch: applies, reverts and lists live patches of a running
 * process through its control channel (docs/control.md), attaching first
 * where the runtime is not loaded. The runtime runs the transition
 * (docs/livepatch.md); this waits for its end and prints what it said.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"
#include "ctl.h"

static const char patch_usage[] =
	"usage: dynftrace patch [--immediate] [--timeout SECONDS [--force]] PID FILE.so\n"
	"       dynftrace patch --revert [--timeout SECONDS [--force]] PID FILE.so\n"
	"       dynftrace patch --list PID\n"
	"\n"
	"Applies the live patch FILE.so (built with <dynftrace/livepatch.h>) to the\n"
	"running process PID, and waits until every thread has switched to the new\n"
	"functions at a moment when none of the patched ones was on its stack.\n"
	"\n"
	"  -r, --revert          take back the newest patch (its module is unloaded)\n"
	"  -l, --list            the applied patches, their functions and state\n"
	"  -t, --timeout SECONDS a stalled transition is reverted after this long\n"
	"                        (default 60; 0 waits for ever)\n"
	"  -f, --force           ... or completed anyway (threads still inside an\n"
	"                        old function may mix old and new code)\n"
	"  -i, --immediate       every new call takes the new code at once, with no\n"
	"                        consistency (fixes where that does not matter)\n"
	"  -h, --help            this help\n";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int cmd_patch(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "revert", no_argument, NULL, 'r' },	 { "list", no_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' }, { "force", no_argument, NULL, 'f' },
		{ "immediate", no_argument, NULL, 'i' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int revert = 0, list = 0, force = 0, immediate = 0, c, fd, err, attached;
	char timeout[32] = "timeout=60000", msg[1024], *real = NULL, *args[6];
	int nargs = 0;
	double t0;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "+rlt:fih", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			revert = 1;
			break;
		case 'l':
			list = 1;
			break;
		case 't': {
			char *end;
			double s = strtod(optarg, &end);

			if (*end || end == optarg || s < 0 || s > 86400)
				die("--timeout takes seconds (0: for ever), not '%s'", optarg);
			snprintf(timeout, sizeof(timeout), "timeout=%u", (unsigned int)(s * 1000));
			break;
		}
		case 'f':
			force = 1;
			break;
		case 'i':
			immediate = 1;
			break;
		case 'h':
			fputs(patch_usage, stdout);
			return 0;
		default:
			fputs(patch_usage, stderr);
			return 2;
		}
	}
	if (list ? optind + 1 != argc : optind + 2 != argc) {
		fputs(patch_usage, stderr);
		return 2;
	}
	if (revert + list + immediate > 1 || (list && force))
		die("--revert, --list and --immediate go alone");
	pid = parse_pid(argv[optind]);
	if (!list) {
		/* The runtime opens the file: give it a path that does not
		 * depend on our working directory. */
		real = realpath(argv[optind + 1], NULL);
		if (!real)
			die("%s: %s", argv[optind + 1], strerror(errno));
		if (access(real, R_OK))
			die("%s: %s", real, strerror(errno));
	}
	fd = ctl_open(pid, !list, &attached);
	args[nargs++] = list ? "patch-list" : revert ? "patch-revert" : "patch-apply";
	if (real)
		args[nargs++] = real;
	if (!list)
		args[nargs++] = timeout;
	if (force)
		args[nargs++] = "force";
	if (immediate)
		args[nargs++] = "immediate";
	t0 = now();
	err = ctl_call(fd, nargs, args, list ? stdout : stderr, msg, sizeof(msg));
	close(fd);
	if (err == ENOENT && !strncmp(msg, "unknown verb", 12))
		die("process %d runs a dynftrace runtime without live patching: update it", (int)pid);
	if (err) {
		warnx("%s", *msg ? msg : strerror(err));
		free(real);
		return 1;
	}
	if (!list)
		fprintf(stderr, "dynftrace: process %d: done in %.1f ms\n", (int)pid,
			(now() - t0) * 1e3);
	free(real);
	return 0;
}
