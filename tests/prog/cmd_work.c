// SPDX-License-Identifier: MIT
/*
 * The workload of the dynftrace command's end-to-end tests: one mode per
 * situation a tracer must survive (threads, fork, exec, dlopen, recursion,
 * a signal handler, longjmp, a crash, a kill, arguments). Every function is
 * kept out of inlining, cloning and sibling calls, so that all variants
 * (gcc, clang, -O0, -O2, each site form) make exactly the same calls.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd_prog.h"

static volatile int sink;

NOIPA int cmd_leaf(int x)
{
	sink = x;
	return x + 1;
}

NOIPA int cmd_mid(int x)
{
	int r = cmd_leaf(x) + cmd_leaf(x + 1);

	NOTAIL();
	return r;
}

NOIPA int cmd_top(int x)
{
	int r = cmd_mid(x);

	NOTAIL();
	return r;
}

NOIPA int cmd_recurse(int n)
{
	int r = n ? cmd_recurse(n - 1) + 1 : cmd_leaf(0);

	NOTAIL();
	return r;
}

NOIPA long cmd_args(int i, long neg, unsigned long hex, const char *s, double d)
{
	sink = i + (int)neg + (int)hex + (int)strlen(s) + (int)d;
	return neg * 2;
}

NOIPA double cmd_fret(double d)
{
	return d * 2;
}

/* No call site: its calls' caller is found in the symbol table. */
#define NOSITE __attribute__((patchable_function_entry(0, 0), no_instrument_function))

NOSITE NOIPA static int cmd_nosite(int x)
{
	int r = cmd_leaf(x);

	NOTAIL();
	return r;
}

static void *thread_fn(void *arg)
{
	cmd_top((int)(long)arg);
	return NULL;
}

NOIPA void cmd_threads(void)
{
	pthread_t t[3];

	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, thread_fn, (void *)i);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	NOTAIL();
}

static jmp_buf jb;

NOIPA void cmd_jumper(int depth)
{
	if (!depth)
		longjmp(jb, 1);
	cmd_jumper(depth - 1);
	NOTAIL();
}

NOIPA void cmd_longjmp(void)
{
	if (!setjmp(jb))
		cmd_jumper(3);
	cmd_leaf(7);
	NOTAIL();
}

NOIPA void cmd_handler(int sig)
{
	cmd_leaf(sig);
	NOTAIL();
}

NOIPA void cmd_signal(void)
{
	signal(SIGUSR1, cmd_handler);
	raise(SIGUSR1);
	cmd_leaf(1);
	NOTAIL();
}

NOIPA void cmd_crash(int how)
{
	cmd_leaf(how);
	if (how == 1)
		*(volatile int *)(long)sink = 1; /* sink is 1: an unmapped page */
	else
		kill(getpid(), SIGKILL);
	NOTAIL();
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "calls")) {
		cmd_top(1);
		cmd_nosite(1);
	} else if (!strcmp(mode, "recurse")) {
		cmd_recurse(4);
	} else if (!strcmp(mode, "args")) {
		cmd_args(42, -5, 0xbeef, "hello", 2.5);
		sink = (int)cmd_fret(1.25);
	} else if (!strcmp(mode, "threads")) {
		cmd_threads();
	} else if (!strcmp(mode, "fork") || !strcmp(mode, "exec")) {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			die("fork");
		if (!pid) {
			if (mode[0] == 'e') {
				execl("/proc/self/exe", argv[0], "recurse", (char *)NULL);
				die("exec");
			}
			cmd_recurse(2);
			exit(0);
		}
		waitpid(pid, &status, 0);
		cmd_top(0);
	} else if (!strcmp(mode, "dlopen")) {
		void *h = dlopen(argc > 2 ? argv[2] : "libcmd_work_lib.so", RTLD_NOW);
		int (*fn)(int);

		if (!h)
			die(dlerror());
		fn = (int (*)(int))dlsym(h, "cmd_lib_func");
		if (!fn)
			die("dlsym");
		fn(3);
		dlclose(h);
		cmd_leaf(0);
	} else if (!strcmp(mode, "longjmp")) {
		cmd_longjmp();
	} else if (!strcmp(mode, "signal")) {
		cmd_signal();
	} else if (!strcmp(mode, "segv")) {
		cmd_top(2);
		cmd_crash(1);
	} else if (!strcmp(mode, "kill")) {
		cmd_top(2);
		cmd_crash(2);
	} else if (!strcmp(mode, "exit")) {
		cmd_leaf(0);
		return atoi(argc > 2 ? argv[2] : "0");
	} else if (!strcmp(mode, "cat")) {
		char buf[4096];
		size_t n;

		/* stdin to stdout: record must leave both to the command. */
		while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
			fwrite(buf, 1, n, stdout);
		cmd_leaf(0);
	} else {
		fprintf(stderr, "cmd_work: unknown mode '%s'\n", mode);
		return 2;
	}
	return 0;
}
