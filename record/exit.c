// SPDX-License-Identifier: MIT
/*
 * The end of a recorded process: its exit-PID, clock-PID and nosites files
 * (docs/trace-format.md), and the _exit() and _Exit() interposers.
 *
 * exit() runs the recorder's on_exit handler (record.c), which writes those
 * files. _exit() and _Exit() run no handler: without the interposers below,
 * a process that ends with them (after fork() in servers, in crash handlers,
 * in test harnesses) left no exit-PID and was reported as crashed. They are
 * called from signal handlers, and in fork children of multithreaded
 * programs, where a lock (malloc's, a FILE's, ours) may be held by the
 * interrupted code or by a thread that does not exist in the child. So the
 * files are written here with a line formatted on the stack (sigsafe.h) and
 * openat/write/close only, on both paths: their format is one.
 *
 * Not seen: exit_group through syscall(SYS_exit_group, n), or an
 * _exit() bound before the runtime came (record -p, ctl --attach: the
 * runtime comes last in the symbol scope, so the program's calls reach
 * libc's); those processes are reported as crashed, their events intact.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record.h"
#include "sigsafe.h"

/* PREFIX-PID, NUL-terminated. */
static void proc_file(char *buf, size_t len, const char *prefix)
{
	char *end = buf + len - 1;
	char *p = dft_put_str(buf, end, prefix);

	p = dft_put_str(p, end, "-");
	*dft_put_int(p, end, dft_rec_pid) = 0;
}

/* @len bytes in one write (O_APPEND: the lines of processes ending together
 * do not mix); 0 or -errno. */
static int write_file(const char *name, int flags, const char *buf, size_t len)
{
	int fd = openat(dft_rec_dirfd, name, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
	ssize_t n;
	int err = 0;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -ENOSPC;
	close(fd);
	return err;
}

/* "status=N events=N lost=N", then " detached=1" and " partial=1"; 0 or
 * -errno. */
int dft_rec_write_exit(int status, uint64_t events, uint64_t lost, unsigned int flags)
{
	char line[128], name[32], *end = line + sizeof(line), *p;

	p = dft_put_str(line, end, "status=");
	p = dft_put_int(p, end, status);
	p = dft_put_str(p, end, " events=");
	p = dft_put_uint(p, end, events);
	p = dft_put_str(p, end, " lost=");
	p = dft_put_uint(p, end, lost);
	if (flags & DFT_EXIT_DETACHED)
		p = dft_put_str(p, end, " detached=1");
	if (flags & DFT_EXIT_PARTIAL)
		p = dft_put_str(p, end, " partial=1");
	p = dft_put_str(p, end, "\n");
	proc_file(name, sizeof(name), DFT_FILE_EXIT);
	return write_file(name, O_TRUNC, line, p - line);
}

/* "ticks_per_sec=N source=NAME mono0=NS ticks0=T". */
void dft_rec_write_clock(void)
{
	char line[160], name[32], *end = line + sizeof(line), *p;

	p = dft_put_str(line, end, "ticks_per_sec=");
	p = dft_put_uint(p, end, dft_clock.ticks_per_sec);
	p = dft_put_str(p, end, " source=");
	p = dft_put_str(p, end, dft_clock.source);
	p = dft_put_str(p, end, " mono0=");
	p = dft_put_uint(p, end, dft_clock.mono0);
	p = dft_put_str(p, end, " ticks0=");
	p = dft_put_uint(p, end, dft_clock.ticks0);
	p = dft_put_str(p, end, "\n");
	proc_file(name, sizeof(name), DFT_FILE_CLOCK);
	/* A failure is the directory's: the maps and sites files say it. */
	write_file(name, O_TRUNC, line, p - line);
}

/* One line for a process without call sites: "PID status=N comm=NAME". */
void dft_rec_write_nosites(int status)
{
	char line[128], comm[17] = "", *end = line + sizeof(line), *p;

	prctl(PR_GET_NAME, comm);
	for (char *c = comm; *c; c++) {
		if (*c == ' ' || *c == '\n')
			*c = '_';
	}
	p = dft_put_int(line, end, dft_rec_pid);
	p = dft_put_str(p, end, " status=");
	p = dft_put_int(p, end, status);
	p = dft_put_str(p, end, " comm=");
	p = dft_put_str(p, end, comm);
	p = dft_put_str(p, end, "\n");
	write_file(DFT_FILE_NOSITES, O_APPEND, line, p - line);
}

/* ---- _exit() and _Exit() ---- */

typedef void (*exit_fn)(int) __attribute__((noreturn));

/* Resolved at start-up: a signal handler must not be the first to call
 * dlsym (it takes the loader's lock and allocates). */
static exit_fn next_exit, next_Exit;

__attribute__((constructor(101))) static void exit_resolve(void)
{
	next_exit = (exit_fn)dlsym(RTLD_NEXT, "_exit");
	next_Exit = (exit_fn)dlsym(RTLD_NEXT, "_Exit");
}

static __attribute__((noreturn)) void rec_exit_now(int status, exit_fn next)
{
	int err = errno;

	/* A vfork() child shares our memory and its parent's recording:
	 * it must not touch either (dft_rec_exit_sigsafe() does nothing but
	 * compare the pids there, and glibc does not cache the pid). */
	dft_rec_exit_sigsafe(status);
	/* The signal mask is untouched; errno is as the caller left it. */
	errno = err;
	if (next)
		next(status);
	/* Called before our constructor (another library's constructor), or
	 * no next one: what _exit() does. */
	for (;;)
		syscall(SYS_exit_group, status);
}

DFT_API void _exit(int status)
{
	rec_exit_now(status, next_exit);
}

DFT_API void _Exit(int status)
{
	rec_exit_now(status, next_Exit);
}
