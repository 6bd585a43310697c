// SPDX-License-Identifier: MIT
/*
 * dynftrace record -p PID: records a running process through its control
 * channel (docs/control.md). The runtime writes the trace directory itself,
 * in the format of a launched recording; we attach first when the process
 * does not run the runtime, and detach at the end (Ctrl-C, SIGTERM,
 * --duration, or the process's exit), which leaves every site a NOP.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl.h"

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

/* The process's command line, for the info file. */
static char **proc_argv(pid_t pid)
{
	char path[64], buf[8192], **argv = NULL;
	ssize_t n = 0;
	int fd, argc = 0;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n <= 0)
		n = snprintf(buf, sizeof(buf), "pid-%d", (int)pid) + 1;
	buf[n] = 0;
	for (char *p = buf; p < buf + n && *p; p += strlen(p) + 1) {
		argv = xrealloc(argv, (argc + 2) * sizeof(*argv));
		argv[argc++] = xstrdup(p);
	}
	argv[argc] = NULL;
	return argv;
}

static void add_setting(char ***v, int *n, const char *key, const char *value)
{
	char *s;

	if (!value)
		return;
	s = xmalloc(strlen(key) + strlen(value) + 2);
	sprintf(s, "%s=%s", key, value);
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

/* Whether the connection was closed by the other end (the process exited). */
static int closed(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

int record_pid(struct record_opts *o)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct timespec t0, t;
	char **argv = NULL, msg[1024], *dir;
	int argc = 0, fd, err, attached, gone = 0;
	uid_t uid;

	attach_check(o->pid);
	if (proc_euid(o->pid, &uid))
		die("no process %d", o->pid);
	/* Refuse a taken directory before touching the process; make it
	 * once the process is ours to record, so that a refused attach
	 * leaves no empty trace behind. */
	if (!o->force && !access(o->out, F_OK))
		die("%s exists: use -f to replace it, or -o to name another directory", o->out);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = ctl_open(o->pid, 1, &attached);
	dir = make_trace_dir(o->out, o->force);
	/* The process writes the trace: root recording another user's
	 * process gives it the directory. */
	if (uid != geteuid() && chown(dir, uid, (gid_t)-1))
		die("cannot give %s to uid %u: %s", dir, (unsigned int)uid, strerror(errno));
	o->argv = proc_argv(o->pid);
	write_info(dir, o, o->pid);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	argv = xmalloc(4 * sizeof(*argv));
	argv[0] = "record-start";
	argv[1] = dir;
	argv[2] = (char *)o->tracer;
	argv[3] = NULL;
	argc = 3;
	add_setting(&argv, &argc, "filter", o->filter);
	add_setting(&argv, &argc, "notrace", o->notrace);
	add_setting(&argv, &argc, "graph_funcs", o->graph_funcs);
	add_setting(&argv, &argc, "graph_notrace", o->graph_notrace);
	add_setting(&argv, &argc, "args", o->args);
	add_setting(&argv, &argc, "retval", o->retval);
	add_setting(&argv, &argc, "depth", o->depth);
	add_setting(&argv, &argc, "thresh", o->thresh);
	add_setting(&argv, &argc, "ring", o->ring);
	add_setting(&argv, &argc, "max_size", o->max_size);
	err = ctl_call(fd, argc, argv, NULL, msg, sizeof(msg));
	if (err) {
		warnx("process %d cannot record: %s", o->pid, *msg ? msg : strerror(err));
		if (attached) {
			char *detach[] = { "detach" };

			ctl_call(fd, 1, detach, NULL, NULL, 0);
		}
		exit(EXIT_CTL_FAIL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (getenv("DYNFTRACE_TIMING"))
		fprintf(stderr, "dynftrace: attached in %.1f ms\n",
			(t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6);
	/* --duration is the recording's: an attach or a wake-up may take
	 * a while on a busy machine, and is not part of it. */
	t0 = t;
	fprintf(stderr, "dynftrace: recording process %d (%s)%s; Ctrl-C to stop\n", o->pid,
		o->argv[0], attached ? ", attached" : "");
	while (!stop_sig) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };

		if (closed(fd)) {
			gone = 1;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (o->duration &&
		    (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= o->duration)
			break;
		nanosleep(&tick, NULL);
	}
	if (!gone) {
		char *stop[] = { "record-stop" }, *detach[] = { "detach" };

		clock_gettime(CLOCK_MONOTONIC, &t0);
		err = ctl_call(fd, 1, stop, NULL, msg, sizeof(msg));
		if (err)
			warnx("record-stop: %s", *msg ? msg : strerror(err));
		ctl_call(fd, 1, detach, NULL, NULL, 0);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (getenv("DYNFTRACE_TIMING"))
			fprintf(stderr, "dynftrace: detached in %.1f ms\n",
				(t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6);
	} else {
		fprintf(stderr, "dynftrace: process %d exited\n", o->pid);
	}
	close(fd);
	summarise(dir, o, o->argv[0]);
	free(dir);
	return 0;
}
