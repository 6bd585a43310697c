// SPDX-License-Identifier: MIT
/*
 * dynftrace top -p PID: a live profile of a running process, like perf top.
 * It drives the control channel's profile tracer (current_tracer profile),
 * reads its totals every interval and shows the difference: the hottest
 * functions by self time. `q` or Ctrl-C detaches; when stdout is not a
 * terminal it prints one plain table per interval, like top -b.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"
#include "ctl.h"

static const char top_usage[] =
	"usage: dynftrace top -p PID [-d SECONDS] [-n ITERATIONS] [-F GLOB]...\n"
	"\n"
	"Attaches to process PID (with ptrace if it does not run the runtime) and\n"
	"shows its hottest functions by self time, refreshed every -d seconds\n"
	"(default 1): hits, total, self and average time in the interval. q or\n"
	"Ctrl-C detaches. When stdout is not a terminal, one table is printed per\n"
	"interval, and -n stops after that many.\n"
	"\n"
	"  -p, --pid PID          the process\n"
	"  -d, --delay SECONDS    the refresh interval\n"
	"  -n, --iterations N     stop after N intervals\n"
	"  -F, --filter GLOB      profile only matching functions (repeatable)\n"
	"  -l, --lines N          show at most N functions (default: the screen, or 20)\n"
	"  -h, --help             this help\n";

struct fstat {
	char *name;
	unsigned long long hits, total, self; /* cumulative */
	unsigned long long dhits, dtotal, dself; /* in the interval */
};

static struct fstat *stats;
static size_t nstats;
static volatile sig_atomic_t stop;
static struct termios saved_tty;
static int tty_raw;

static void on_signal(int sig)
{
	stop = 1;
}

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(0, TCSANOW, &saved_tty);
	tty_raw = 0;
}

static struct fstat *stat_of(const char *name)
{
	for (size_t i = 0; i < nstats; i++) {
		if (!strcmp(stats[i].name, name))
			return &stats[i];
	}
	stats = xrealloc(stats, (nstats + 1) * sizeof(*stats));
	memset(&stats[nstats], 0, sizeof(*stats));
	stats[nstats].name = xstrdup(name);
	return &stats[nstats++];
}

/* Reads the profile table of `trace` and sets each function's interval. */
static void sample(int fd)
{
	char *buf = NULL, *line, *save = NULL, msg[512];
	char *argv[] = { "trace" };
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int err = ctl_call(fd, 1, argv, mem, msg, sizeof(msg));

	fclose(mem);
	if (err)
		die("trace: %s", *msg ? msg : strerror(err));
	for (size_t i = 0; i < nstats; i++)
		stats[i].dhits = stats[i].dtotal = stats[i].dself = 0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long hits, total, self;
		char name[512];
		struct fstat *s;

		if (line[0] == '#' ||
		    sscanf(line, "%llu %llu %llu %511s", &hits, &total, &self, name) != 4)
			continue;
		s = stat_of(name);
		s->dhits = hits - s->hits;
		s->dtotal = total - s->total;
		s->dself = self - s->self;
		s->hits = hits;
		s->total = total;
		s->self = self;
	}
	free(buf);
}

static int cmp_dself(const void *a, const void *b)
{
	const struct fstat *x = a, *y = b;

	return x->dself < y->dself ? 1 : x->dself > y->dself ? -1 : 0;
}

static void show(pid_t pid, const char *comm, double delay, int iter, int lines, int tty)
{
	unsigned long long all = 0, calls = 0;
	int shown = 0;

	qsort(stats, nstats, sizeof(*stats), cmp_dself);
	for (size_t i = 0; i < nstats; i++) {
		all += stats[i].dself;
		calls += stats[i].dhits;
	}
	if (tty)
		fputs("\033[H\033[2J", stdout);
	printf("dynftrace top - pid %d (%s) - interval %d, %.1f s - %llu calls%s\n", (int)pid,
	       comm, iter, delay, calls, tty ? " - q quits" : "");
	printf("%7s %12s %12s %12s %12s  %s\n", "SELF%", "HITS", "TOTAL", "SELF", "AVG",
	       "FUNCTION");
	for (size_t i = 0; i < nstats && shown < lines; i++) {
		struct fstat *s = &stats[i];
		char tot[32], self[32], avg[32], *d;

		if (!s->dhits)
			continue;
		dur_text(s->dtotal, tot, sizeof(tot));
		dur_text(s->dself, self, sizeof(self));
		dur_text(s->dtotal / s->dhits, avg, sizeof(avg));
		d = demangle(s->name);
		printf("%6.2f%% %12llu %12s %12s %12s  %s\n", all ? 100.0 * s->dself / all : 0.0,
		       s->dhits, tot, self, avg, d ? d : s->name);
		free(d);
		shown++;
	}
	if (!tty)
		putchar('\n');
	fflush(stdout);
}

/* Sleeps @delay seconds, or less when q is typed or a signal comes. */
static void wait_interval(double delay, int tty)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	int ms = (int)(delay * 1000);

	if (!tty) {
		struct timespec ts = { (time_t)delay, (long)((delay - (time_t)delay) * 1e9) };

		nanosleep(&ts, NULL);
		return;
	}
	while (ms > 0 && !stop) {
		int step = ms < 100 ? ms : 100;
		char c;

		if (poll(&p, 1, step) > 0 && read(0, &c, 1) == 1 && (c == 'q' || c == 'Q'))
			stop = 1;
		ms -= step;
	}
}

int cmd_top(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "filter", required_argument, NULL, 'F' },
		{ "lines", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	char **filters = NULL, comm[64], *status = NULL, msg[512];
	int c, fd, iters = 0, lines = 0, tty = isatty(1), recording, nf = 0;
	double delay = 1;
	size_t slen = 0;
	pid_t pid = 0;
	FILE *f;

	while ((c = getopt_long(argc, argv, "p:d:n:F:l:h", longopts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'p':
			pid = parse_pid(optarg);
			break;
		case 'd':
			delay = strtod(optarg, &end);
			if (*end || end == optarg || delay < 0.05 || delay > 3600)
				die("-d takes seconds between 0.05 and 3600, not '%s'", optarg);
			break;
		case 'n':
			iters = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || iters < 1)
				die("-n takes a positive number, not '%s'", optarg);
			break;
		case 'l':
			lines = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg || lines < 1)
				die("-l takes a positive number, not '%s'", optarg);
			break;
		case 'F':
			filters = xrealloc(filters, (nf + 2) * sizeof(*filters));
			filters[nf++] = optarg;
			break;
		case 'h':
			usage(top_usage, 0);
		default:
			usage(top_usage, 2);
		}
	}
	if (!pid || optind != argc)
		usage(top_usage, 2);
	if (!lines)
		lines = tty ? 20 : 30;
	proc_comm(pid, comm, sizeof(comm));
	fd = ctl_open(pid, 1, NULL);
	f = open_memstream(&status, &slen);
	ctl_do(fd, f, "status", NULL);
	fclose(f);
	recording = strstr(status, "recording=") != NULL;
	if (strstr(status, "\ncomm="))
		sscanf(strstr(status, "\ncomm=") + 6, "%63[^\n]", comm);
	free(status);
	if (nf) {
		char *argv2[34] = { "set_ftrace_filter" };
		int err;

		for (int i = 0; i < nf && i < 32; i++)
			argv2[i + 1] = filters[i];
		err = ctl_call(fd, nf + 1, argv2, NULL, msg, sizeof(msg));
		if (err)
			die("%s", *msg ? msg : strerror(err));
	}
	ctl_do(fd, NULL, "current_tracer", "profile", NULL);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (tty && isatty(0) && !tcgetattr(0, &saved_tty)) {
		struct termios raw = saved_tty;

		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		if (!tcsetattr(0, TCSANOW, &raw)) {
			tty_raw = 1;
			atexit(tty_restore);
		}
	}
	sample(fd);
	for (int i = 1; !stop && (!iters || i <= iters); i++) {
		wait_interval(delay, tty_raw);
		if (stop)
			break;
		if (kill(pid, 0) && errno == ESRCH) {
			warnx("process %d exited", (int)pid);
			return 0;
		}
		sample(fd);
		show(pid, comm, delay, i, lines, tty);
	}
	tty_restore();
	/* Leave the process as we found it: the profile off, and the channel
	 * closed unless it records for someone else. */
	ctl_do(fd, NULL, "current_tracer", "nop", NULL);
	if (nf)
		ctl_do(fd, NULL, "set_ftrace_filter", "", NULL);
	if (!recording)
		ctl_do(fd, NULL, "detach", NULL);
	close(fd);
	return 0;
}
