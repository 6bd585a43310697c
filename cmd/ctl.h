/* SPDX-License-Identifier: MIT */
/*
 * Clients of the control channel (docs/control.md): ctl, ps, top, record -p,
 * and livepatch's patch.
 */
#ifndef DFT_CMD_CTL_H
#define DFT_CMD_CTL_H

#include <stdio.h>
#include <sys/types.h>

/* Exit statuses of a refused attach or connection (dynftrace(1)). */
enum {
	EXIT_CTL_FAIL = 1,
	EXIT_CTL_NOPROC = 3,   /* no such process */
	EXIT_CTL_PERM = 4,     /* another user's, or Yama forbids it */
	EXIT_CTL_NOSITES = 5,  /* nothing to trace */
	EXIT_CTL_NOLOAD = 6,   /* the runtime cannot be loaded (static, no dlopen) */
	EXIT_CTL_TRACED = 7,   /* already being traced (a debugger) */
	EXIT_CTL_NOCHAN = 8,   /* the runtime is there but its channel did not open */
};

/* ctl.c */
/*
 * A connection to @pid's runtime: connects, or wakes the runtime (SIGURG),
 * or, with @attach, loads it with ptrace first (attach.c). Exits with a
 * message and an EXIT_CTL_* status when it cannot. *@attached tells
 * whether this call loaded the runtime (may be NULL).
 */
int ctl_open(pid_t pid, int attach, int *attached);
/*
 * Sends one request and reads its answer: DATA frames go to @out (may be
 * NULL: dropped), and the END status is returned (0, or an errno) with its
 * message in @msg (when not NULL, of @msglen bytes).
 */
int ctl_call(int fd, int argc, char **argv, FILE *out, char *msg, size_t msglen);
/* ctl_call() with its arguments as a NULL-terminated list; dies on an error. */
void ctl_do(int fd, FILE *out, const char *verb, ...) __attribute__((sentinel));
/* The pid in a command line argument; exits on a malformed one. */
pid_t parse_pid(const char *s);
/* The effective uid of @pid, or -1 (errno set). */
int proc_euid(pid_t pid, uid_t *uid);
/* Its command name (/proc/PID/comm), or "?". */
void proc_comm(pid_t pid, char *buf, size_t len);
/* Whether @pid has libdynftrace.so mapped: 1, 0, or -errno. */
int proc_has_runtime(pid_t pid);

/* snapshot.c: ctl PID snapshot -o DIR (argv[0] is "snapshot"); exits on
 * a refusal. */
int ctl_snapshot(pid_t pid, int argc, char **argv);

/* attach.c */
/* Refusals common to every way in: dead pid, another user. Exits. */
void attach_check(pid_t pid);
/* Loads the runtime into @pid with ptrace (dlopen in the target). Exits
 * with a message and an EXIT_CTL_* status when it cannot; the target runs
 * on as before in every case. */
void attach_load(pid_t pid);
/* The number of call sites in the files @pid has mapped, offline. */
size_t proc_count_sites(pid_t pid);

#endif /* DFT_CMD_CTL_H */
