// SPDX-License-Identifier: MIT
/*
 * dynftrace info: what a trace directory holds, as uftrace info shows it:
 * the command and how it ended, when and how long, the tracer and its
 * filters, the machine, the processes and threads with their event counts
 * and lost events, and the size on disk. Most comes from the info file the
 * recorder writes; the counts are taken from the streams.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "trace.h"

static const char info_usage[] =
	"usage: dynftrace info [OPTIONS]\n"
	"\n"
	"Describes a recorded trace: command, exit status, start time and duration,\n"
	"tracer and filters, machine, processes and threads with their events and\n"
	"lost events, size on disk.\n"
	"\n"
	"  -i, --input DIR   the trace directory (default " DEFAULT_DIR ")\n"
	"  -h, --help        this help\n";

static void row(const char *key, const char *value)
{
	printf("# %-16s %s\n", key, value);
}

/* A key of the info file as a row; @dflt when absent or empty. */
static void info_row(struct trace *t, const char *title, const char *key, const char *dflt)
{
	char *v = info_value(t->info, key);

	if (v && *v)
		row(title, v);
	else if (dflt)
		row(title, dflt);
	free(v);
}

static const char *wall_time(const char *secs, char *buf, size_t len)
{
	time_t s = (time_t)strtoll(secs, NULL, 10);
	struct tm tm;

	if (!gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "%s", secs);
	return buf;
}

static void times(struct trace *t)
{
	char *start = info_value(t->info, "start"), *end = info_value(t->info, "end");
	char buf[64], dur[32];

	if (start && strtoll(start, NULL, 10) > 0)
		row("start", wall_time(start, buf, sizeof(buf)));
	if (start && end) {
		uint64_t ns = 0;

		/* Damaged times show as 0 (not an undefined conversion). */
		ns_from_double((strtod(end, NULL) - strtod(start, NULL)) * 1e9, &ns);
		row("duration", dur_text(ns, dur, sizeof(dur)));
	}
	free(start);
	free(end);
}

/* "-F a -N b -A c" of the filters the recorder was given. */
static void filters(struct trace *t)
{
	static const struct {
		const char *key, *opt;
	} keys[] = { { "filter", "-F" }, { "notrace", "-N" },  { "depth", "-D" },
		     { "thresh", "--thresh" }, { "args", "-A" }, { "retval", "-R" } };
	char *text = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char *v = info_value(t->info, keys[i].key), buf[1024];

		if (v && *v) {
			snprintf(buf, sizeof(buf), "%s %s", keys[i].opt, v);
			list_append(&text, buf, ' ');
		}
		free(v);
	}
	row("filters", text ? text : "none");
	free(text);
}

static uint64_t dir_size(const char *dir, unsigned int *files)
{
	struct dirent *de;
	uint64_t total = 0;
	DIR *d = opendir(dir);

	*files = 0;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_name[0] == '.' || stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		total += st.st_size;
		(*files)++;
	}
	closedir(d);
	return total;
}

/* Events and lost events of one stream, counted by decoding it. */
static void count(struct trace *t, struct thread *th, uint64_t *events, uint64_t *lost)
{
	struct cursor c;
	struct event ev;
	int ret;

	*events = *lost = 0;
	cursor_init(&c, th);
	while ((ret = cursor_next(&c, &ev)) > 0) {
		if (ev.type != DFT_EV_EXT)
			++*events;
		else if (ev.kind == DFT_EXT_LOST && ev.len >= sizeof(struct dft_ext_u64))
			*lost += field64(ev.data, struct dft_ext_u64, value);
	}
	if (ret < 0)
		trace_damage(t, th->file, cursor_off(&c), "bad event");
	thread_unmap(th);
}

int cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = DEFAULT_DIR;
	char buf[128], *v;
	unsigned int files;
	uint64_t size, all = 0, all_lost = 0;
	struct trace t;
	int c;

	while ((c = getopt_long(argc, argv, "i:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			dir = optarg;
			break;
		case 'h':
			usage(info_usage, 0);
		default:
			usage(info_usage, 2);
		}
	}
	if (optind < argc)
		die("info takes no arguments ('%s'): name the trace with -i DIR", argv[optind]);
	trace_open(&t, dir, 1);

	printf("# dynftrace trace %s\n#\n", dir);
	info_row(&t, "command", "argv", "?");
	v = info_value(t.info, "status");
	if (v) {
		int st = atoi(v);

		if (st > 128)
			snprintf(buf, sizeof(buf), "%d (killed by signal %d, %s)", st, st - 128,
				 strsignal(st - 128));
		else
			snprintf(buf, sizeof(buf), "%d", st);
		row("exit status", buf);
	} else if (t.snapshot) {
		row("exit status", "none: a snapshot of the running process (ctl snapshot)");
	} else {
		row("exit status", "unknown (the recording did not finish)");
	}
	free(v);
	v = info_value(t.info, "snapshot");
	if (v)
		row("snapshot", wall_time(v, buf, sizeof(buf)));
	free(v);
	times(&t);
	row("tracer", t.tracer);
	filters(&t);
	info_row(&t, "record options", "options", "none");
	info_row(&t, "machine", "system", "unknown (not recorded)");
	info_row(&t, "host", "host", NULL);
	v = info_value(t.info, "version");
	if (v) {
		snprintf(buf, sizeof(buf), "dynftrace %s", v);
		row("recorded by", buf);
		free(v);
	}
	size = dir_size(dir, &files);
	snprintf(buf, sizeof(buf), "%llu bytes (%.1f MiB) in %u files", (unsigned long long)size,
		 size / 1048576.0, files);
	row("size on disk", buf);

	printf("#\n# %8s  %8s  %-16s  %12s  %10s  %s\n", "PID", "TID", "COMM", "EVENTS", "LOST",
	       "EXIT");
	for (unsigned int i = 0; i < t.nprocs; i++) {
		struct proc *p = t.procs[i];
		uint64_t pe = 0, pl = 0;

		for (unsigned int k = 0; k < t.nthreads; k++) {
			struct thread *th = t.threads[k];
			uint64_t e, l;

			if (th->proc != p)
				continue;
			count(&t, th, &e, &l);
			pe += e;
			pl += l;
			printf("  %8d  %8d  %-16s  %12llu  %10llu\n", p->pid, th->tid, th->comm,
			       (unsigned long long)e, (unsigned long long)l);
		}
		/* The exit file's count includes losses no LOST event could
		 * record any more (at the end). */
		if (p->lost > pl)
			pl = p->lost;
		if (p->exited)
			snprintf(buf, sizeof(buf), "status %d", p->status);
		else if (t.snapshot)
			snprintf(buf, sizeof(buf), "running at the snapshot");
		else
			snprintf(buf, sizeof(buf), "did not exit (crashed or killed)");
		printf("  %8d  %8s  %-16s  %12llu  %10llu  %s\n", p->pid, "all",
		       p->comm ? p->comm : "?", (unsigned long long)pe, (unsigned long long)pl, buf);
		all += pe;
		all_lost += pl;
	}
	printf("# %llu events, %llu lost, %u process%s, %u thread%s\n", (unsigned long long)all,
	       (unsigned long long)all_lost, t.nprocs, t.nprocs == 1 ? "" : "es", t.nthreads,
	       t.nthreads == 1 ? "" : "s");
	return t.damaged ? 1 : 0;
}
