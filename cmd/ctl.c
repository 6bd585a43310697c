// SPDX-License-Identifier: MIT
/*
 * dynftrace ctl and ps, and the connection every control client uses
 * (docs/control.md): connect to the runtime's socket, waking the runtime
 * first, or loading it with ptrace when it is not there.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl.h"
#include "../util/ctl.h"

static const char ctl_usage[] =
	"usage: dynftrace ctl PID VERB [ARGS]\n"
	"\n"
	"Sends one request to the dynftrace runtime in process PID and prints its\n"
	"answer. The runtime must be loaded (record, LD_PRELOAD, linked, or an\n"
	"earlier attach); it is woken if dormant. Verbs follow tracefs:\n"
	"  status, available_filter_functions, enabled_functions,\n"
	"  set_ftrace_filter [GLOB...], set_ftrace_notrace [GLOB...],\n"
	"  set_graph_function [GLOB...], current_tracer [nop|function|function_graph|profile],\n"
	"  tracing_on [0|1], trace, trace_pipe, detach, help.\n"
	"snapshot -o DIR copies the rings of a process recording under `record\n"
	"--ring SIZE` into the new trace directory DIR, while it runs on.\n"
	"With --attach, a process without the runtime is attached with ptrace.\n"
	"Exit status: 0, the request's failure 1, or a refusal (dynftrace(1)).\n";

static const char ps_usage[] =
	"usage: dynftrace ps\n"
	"\n"
	"Lists the processes you may control that run the dynftrace runtime:\n"
	"pid, state (dormant, or the tracer that runs), call sites, command.\n";

pid_t parse_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > 0x7fffffff)
		die("'%s' is not a process id", s);
	return (pid_t)v;
}

int proc_euid(pid_t pid, uid_t *uid)
{
	char path[64], line[256];
	unsigned int r, e;
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Uid: %u %u", &r, &e) == 2) {
			*uid = e;
			found = 1;
			break;
		}
	}
	fclose(f);
	if (!found)
		errno = ESRCH;
	return found ? 0 : -1;
}

void proc_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

int proc_has_runtime(pid_t pid)
{
	char path[64], line[4096];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, '/');

		found = name && !strncmp(name, "/libdynftrace.so", 16);
	}
	fclose(f);
	return found;
}

/* A thread to take the wake-up: one asleep in a system call, which holds
 * none of the locks pthread_create() takes (a running thread may be inside
 * malloc), and that does not block SIGURG; 0 when there is none. */
static pid_t wake_thread(pid_t pid)
{
	char path[64], line[256], exe[4096];
	struct dirent *de;
	pid_t found = 0;
	ssize_t n;
	DIR *d;

	/* Under qemu-user the host threads' masks are not the guest's. */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	if (strstr(exe, "/qemu-"))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && !found && (de = readdir(d))) {
		pid_t tid = atoi(de->d_name);
		int asleep = 0, blocked = 1;
		unsigned long long mask;
		FILE *f;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "State:", 6))
				asleep = strchr(line, 'S') != NULL;
			else if (sscanf(line, "SigBlk: %llx", &mask) == 1)
				blocked = (mask >> (SIGURG - 1)) & 1;
		}
		if (f)
			fclose(f);
		if (asleep && !blocked)
			found = tid;
	}
	if (d)
		closedir(d);
	return found;
}

static int wake(pid_t pid)
{
	union sigval v = { .sival_int = DFT_CTL_WAKE_VALUE };
	pid_t tid = wake_thread(pid);
	siginfo_t si;

	if (tid) {
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGURG;
		si.si_code = SI_QUEUE;
		si.si_pid = getpid();
		si.si_uid = getuid();
		si.si_value = v;
		if (!syscall(SYS_rt_tgsigqueueinfo, pid, tid, SIGURG, &si))
			return 0;
	}
	return sigqueue(pid, SIGURG, v) ? -errno : 0;
}

/* Waits for the control socket after a wake-up: under qemu-user the
 * thread may take a while to start. */
static int connect_wait(pid_t pid, uid_t uid, int *fd)
{
	const char *env = getenv("DYNFTRACE_CTL_TIMEOUT");
	double limit = env ? atof(env) : 10, waited = 0, next_wake = 1;
	long step = 500 * 1000; /* ns: from 0.5 ms, doubling to 20 ms */
	int err = -ENOENT;

	while (waited < limit) {
		struct timespec ts = { 0, step };

		err = dft_ctl_connect(pid, uid, fd);
		if (err != -ENOENT)
			return err;
		if (kill(pid, 0) && errno == ESRCH)
			return -ESRCH;
		/* Another wake-up each second, in case the first met a thread
		 * that was exiting; the handler ignores one while a thread
		 * starts. */
		if (waited >= next_wake) {
			wake(pid);
			next_wake += 1;
		}
		nanosleep(&ts, NULL);
		waited += step / 1e9;
		if (step < 20 * 1000 * 1000)
			step *= 2;
	}
	return err;
}

int ctl_open(pid_t pid, int attach, int *attached)
{
	uid_t uid;
	int fd, err, has;

	if (attached)
		*attached = 0;
	attach_check(pid);
	if (proc_euid(pid, &uid))
		die("no process %d", (int)pid);
	err = dft_ctl_connect(pid, uid, &fd);
	if (!err)
		return fd;
	has = proc_has_runtime(pid);
	if (has < 0) {
		warnx("cannot read the mappings of process %d: %s", (int)pid, strerror(-has));
		exit(has == -ENOENT ? EXIT_CTL_NOPROC : EXIT_CTL_PERM);
	}
	if (!has) {
		if (!attach) {
			warnx("process %d does not run the dynftrace runtime: use `dynftrace ctl "
			      "--attach`, `record -p` or `top -p` to attach to it",
			      (int)pid);
			exit(EXIT_CTL_NOCHAN);
		}
		attach_load(pid);
		if (attached)
			*attached = 1;
	}
	err = wake(pid);
	if (err) {
		warnx("cannot signal process %d: %s", (int)pid, strerror(-err));
		exit(err == -ESRCH ? EXIT_CTL_NOPROC : EXIT_CTL_PERM);
	}
	err = connect_wait(pid, uid, &fd);
	if (err == -ESRCH) {
		warnx("process %d exited", (int)pid);
		exit(EXIT_CTL_NOPROC);
	}
	if (err) {
		warnx("process %d did not open its control channel (%s): it may handle SIGURG "
		      "itself, or its runtime is too old; see its stderr (DYNFTRACE_LOG=info)",
		      (int)pid, strerror(-err));
		exit(EXIT_CTL_NOCHAN);
	}
	return fd;
}

int ctl_call(int fd, int argc, char **argv, FILE *out, char *msg, size_t msglen)
{
	unsigned int type;
	size_t len;
	char *buf;
	int sent = dft_ctl_send_req(fd, argc, argv), err;

	/* A refused connection is closed after its END frame, maybe before
	 * our request went out: read the reason anyway. */
	for (;;) {
		err = dft_ctl_recv(fd, &type, &buf, &len);
		if (err)
			die("lost the control connection: %s",
			    err == -ECONNRESET ? "the process closed it"
					       : strerror(sent ? -sent : -err));
		if (type == DFT_CTL_DATA) {
			if (out && len)
				fwrite(buf, 1, len, out);
			if (out)
				fflush(out);
			free(buf);
			continue;
		}
		if (type != DFT_CTL_END || len < 4)
			die("control protocol error: unexpected frame type %u", type);
		err = (unsigned char)buf[0] | (unsigned char)buf[1] << 8 |
		      (unsigned char)buf[2] << 16 | (unsigned int)(unsigned char)buf[3] << 24;
		if (msg && msglen)
			snprintf(msg, msglen, "%s", buf + 4);
		free(buf);
		/* After a detach the runtime closes the connection as its
		 * control thread ends: wait for that. */
		if (!err && !strcmp(argv[0], "detach")) {
			while (!dft_ctl_recv(fd, &type, &buf, &len))
				free(buf);
		}
		return err;
	}
}

void ctl_do(int fd, FILE *out, const char *verb, ...)
{
	char *argv[32], msg[1024];
	int argc = 0, err;
	va_list ap;

	argv[argc++] = (char *)verb;
	va_start(ap, verb);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	err = ctl_call(fd, argc, argv, out, msg, sizeof(msg));
	if (err)
		die("%s: %s", verb, *msg ? msg : strerror(err));
}

int cmd_ctl(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char msg[1024];
	int c, fd, err, attach = 0;
	pid_t pid;

	while ((c = getopt_long(argc, argv, "+ah", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			attach = 1;
			break;
		case 'h':
			usage(ctl_usage, 0);
		default:
			usage(ctl_usage, 2);
		}
	}
	if (argc - optind < 2)
		usage(ctl_usage, 2);
	pid = parse_pid(argv[optind]);
	/* Made here, from the files the runtime names: not a verb of it. */
	if (!strcmp(argv[optind + 1], "snapshot"))
		return ctl_snapshot(pid, argc - optind - 1, argv + optind + 1);
	fd = ctl_open(pid, attach, NULL);
	/* trace_pipe runs until we are interrupted: the default SIGINT ends
	 * us, the runtime sees the connection close and ends the stream. */
	err = ctl_call(fd, argc - optind - 1, argv + optind + 1, stdout, msg, sizeof(msg));
	close(fd);
	if (err) {
		warnx("%s: %s", argv[optind + 1], *msg ? msg : strerror(err));
		return 1;
	}
	return 0;
}

/* ---- ps ---- */

static void ps_one(pid_t pid)
{
	char comm[64], state[64] = "dormant", *key;
	char *buf = NULL;
	size_t len = 0;
	uid_t uid;
	FILE *mem;
	int fd;

	proc_comm(pid, comm, sizeof(comm));
	/* Never wake a dormant runtime just to list it. */
	if (!proc_euid(pid, &uid) && !dft_ctl_connect(pid, uid, &fd)) {
		char *argv[] = { "status" };

		mem = open_memstream(&buf, &len);
		if (!ctl_call(fd, 1, argv, mem, NULL, 0)) {
			fclose(mem);
			mem = NULL;
			key = strstr(buf, "tracer=");
			if (key && strncmp(key, "tracer=nop", 10)) {
				snprintf(state, sizeof(state), "tracing:%.*s", (int)strcspn(key + 7, "\n"),
					 key + 7);
			} else {
				snprintf(state, sizeof(state), "attached");
			}
			key = strstr(buf, "\ncomm=");
			if (key)
				sscanf(key + 6, "%63[^\n]", comm);
			key = strstr(buf, "recording=");
			if (key && !strstr(state, "tracing"))
				snprintf(state, sizeof(state), "recording");
		}
		if (mem)
			fclose(mem);
		free(buf);
		close(fd);
	}
	printf("%7d  %-22s %7zu  %s\n", (int)pid, state, proc_count_sites(pid), comm);
}

int cmd_ps(int argc, char **argv)
{
	struct dirent *de;
	DIR *d;

	if (argc > 1)
		usage(ps_usage, strcmp(argv[1], "-h") && strcmp(argv[1], "--help") ? 2 : 0);
	d = opendir("/proc");
	if (!d)
		die("cannot read /proc: %s", strerror(errno));
	printf("%7s  %-22s %7s  %s\n", "PID", "STATE", "SITES", "COMMAND");
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name);
		uid_t uid;

		if (pid <= 0 || pid == getpid() || proc_euid(pid, &uid))
			continue;
		if ((geteuid() && uid != geteuid()) || proc_has_runtime(pid) != 1)
			continue;
		ps_one(pid);
	}
	closedir(d);
	return 0;
}
