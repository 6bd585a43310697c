/* SPDX-License-Identifier: MIT */
/*
 * Processes that end with _exit() or _Exit(): the recorder must write their
 * exit file (status, totals) as exit() does, from wherever it is called.
 *
 * Usage: trace_exit SCENARIO
 *   exit      5 calls of mid, then _exit(3) from inside a traced call
 *   thread    a second thread calls _Exit(4) while main is inside hold()
 *   signal    a handler of SIGUSR1 calls _exit(5), raised in a traced call
 *   sigstress a timer's handler calls _exit(6) wherever it lands in a loop
 *             of traced calls (often inside the tracer's callback)
 *   fork      the child calls mid, then _exit(5); the parent returns 0
 *   vfork     the child's execve fails and it calls _exit(127); the parent
 *             checks that the child wrote none of its files, then _exit(6)
 *   atexit    main returns; an atexit handler calls _exit(7)
 *   late FILE registers an atexit handler that calls _exit(9), makes calls
 *             until FILE exists, then main returns: recorded with
 *             record -p, the recorder's exit handler (registered later)
 *             runs first and writes status 0; the _exit(9) comes after
 * Each prints what it checked; any unexpected turn exits with 1.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "trace_prog.h"

static volatile int sink;

NOIPA int leaf(int x)
{
	return x + 1;
}

NOIPA int mid(int x)
{
	return leaf(x) * 2;
}

/* Inlined: no call site of their own, the same trees in every variant. */
static inline __attribute__((always_inline)) void say(const char *msg)
{
	/* Not stdio: _exit() does not flush it. */
	if (write(1, msg, strlen(msg)) < 0)
		sink++;
}

NOIPA void scen_exit(void)
{
	for (int i = 0; i < 5; i++)
		sink += mid(i);
	say("exit 3\n");
	_exit(3);
}

static volatile int holding;

/* Never returns: the process ends while this call is open. */
NOIPA void hold(void)
{
	struct timespec ts = { 0, 1000000 };

	holding = 1;
	for (;;)
		nanosleep(&ts, NULL);
}

NOIPA void *worker(void *arg)
{
	struct timespec ts = { 0, 1000000 };

	while (!holding)
		nanosleep(&ts, NULL);
	sink += mid(1);
	say("thread 4\n");
	_Exit(4);
}

NOIPA void scen_thread(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, worker, NULL))
		exit(1);
	hold();
}

NOIPA void on_usr1(int sig)
{
	sink += leaf(sig);
	say("signal 5\n");
	_exit(5);
}

NOIPA void raiser(void)
{
	raise(SIGUSR1);
	/* Not reached: the handler ends the process. */
	exit(1);
}

NOIPA void scen_signal(void)
{
	signal(SIGUSR1, on_usr1);
	sink += mid(1);
	raiser();
}

static void on_alarm(int sig)
{
	say("sigstress 6\n");
	_exit(6);
}

NOIPA void scen_sigstress(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };

	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
	for (;;)
		sink += mid(1);
}

NOIPA void scen_fork(void)
{
	int status = -1;
	pid_t pid;

	sink += leaf(1);
	pid = fork();
	if (pid < 0)
		exit(1);
	if (!pid) {
		sink += mid(2);
		_exit(5);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 5)
		exit(1);
	sink += leaf(2);
	say("fork 5\n");
}

/* Whether DIR/NAME-PID exists. */
static inline __attribute__((always_inline)) int proc_file(const char *dir, const char *name, pid_t pid)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s-%d", dir, name, (int)pid);
	return !stat(path, &st);
}

NOIPA void scen_vfork(void)
{
	const char *dir = getenv("DYNFTRACE_DIR");
	char *argv[] = { "/nonexistent/dynftrace-test", NULL };
	int status = -1;
	pid_t pid;

	if (!dir)
		exit(1);
	sink += leaf(1);
	/* The child runs on our memory, the recorder's state included: it
	 * may call only execve and _exit. */
	pid = vfork();
	if (pid < 0)
		exit(1);
	if (!pid) {
		execve(argv[0], argv, NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 127)
		exit(1);
	if (proc_file(dir, "exit", getpid())) {
		say("vfork: the child wrote the parent's exit file\n");
		exit(1);
	}
	if (proc_file(dir, "exit", pid) || proc_file(dir, "maps", pid)) {
		say("vfork: the child left files of its own\n");
		exit(1);
	}
	sink += leaf(2);
	say("vfork 6\n");
	_exit(6);
}

NOIPA void at_exit(void)
{
	sink += leaf(7);
	say("atexit 7\n");
	_exit(7);
}

NOIPA void scen_atexit(void)
{
	atexit(at_exit);
	sink += mid(1);
}

NOIPA void at_late(void)
{
	sink += leaf(9);
	_exit(9);
}

NOIPA void scen_late(const char *file)
{
	struct timespec ts = { 0, 1000000 };

	atexit(at_late);
	while (access(file, F_OK)) {
		sink += mid(1);
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";

	/* A hang is a failure the test sees. */
	alarm(60);
	if (!strcmp(s, "exit"))
		scen_exit();
	else if (!strcmp(s, "thread"))
		scen_thread();
	else if (!strcmp(s, "signal"))
		scen_signal();
	else if (!strcmp(s, "sigstress"))
		scen_sigstress();
	else if (!strcmp(s, "fork"))
		scen_fork();
	else if (!strcmp(s, "vfork"))
		scen_vfork();
	else if (!strcmp(s, "atexit"))
		scen_atexit();
	else if (!strcmp(s, "late") && argc > 2)
		scen_late(argv[2]);
	else
		return 2;
	return 0;
}
