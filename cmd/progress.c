// SPDX-License-Identifier: MIT
/*
 * Progress of a long report on stderr: after a few seconds, a line that
 * says how much of the trace has been read, rewritten in place twice a
 * second, and erased at the end. Only on a terminal: logs and pipes stay
 * clean. DYNFTRACE_PROGRESS_DELAY (seconds, default 2) sets when it starts.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

static struct {
	int on, shown;
	uint64_t total;
	double start, delay, next;
} pg;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_start(uint64_t total_bytes)
{
	const char *d = getenv("DYNFTRACE_PROGRESS_DELAY");

	pg.on = isatty(STDERR_FILENO) && total_bytes;
	pg.total = total_bytes;
	pg.delay = d && *d ? atof(d) : 2.0;
	pg.start = now();
	pg.next = pg.start + pg.delay;
}

void progress_update(uint64_t done)
{
	double t;

	if (!pg.on || (t = now()) < pg.next)
		return;
	pg.next = t + 0.5;
	pg.shown = 1;
	fprintf(stderr, "\rdynftrace: report: %3.0f%% of %.1f MiB read, %.0f s", 100.0 * done / pg.total,
		pg.total / 1048576.0, t - pg.start);
	fflush(stderr);
}

void progress_end(void)
{
	if (pg.shown)
		fputs("\r\033[K", stderr);
	pg.on = pg.shown = 0;
}
