// SPDX-License-Identifier: MIT
/*
 * Attaching to a process that does not run the runtime: every thread is
 * stopped with ptrace, the target's own dlopen() loads libdynftrace.so (its
 * constructor prepares the call sites while every thread is stopped), and
 * every thread is resumed. Registers (arch/<arch>/inject.c), the signal
 * mask, errno and pending signals are left as they were; a failure at any
 * step leaves the target running as before.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ctl.h"
#include "elfread.h"
#include "inject.h"
#include "sites.h"

struct mapped {
	char *path;
	unsigned long start; /* of its mapping at file offset 0 */
};

struct thread {
	pid_t tid;
	int sig; /* a signal its stop took from it, given back at detach */
};

struct target {
	pid_t pid;
	struct thread *t;
	size_t n;
	struct mapped *m;
	size_t nm;
};

static void proc_field(pid_t pid, const char *key, char *val, size_t len)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	FILE *f;

	*val = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			char *p = line + kl + 1;

			p += strspn(p, " \t");
			p[strcspn(p, "\n")] = 0;
			snprintf(val, len, "%s", p);
			break;
		}
	}
	fclose(f);
}

void attach_check(pid_t pid)
{
	char state[64];
	uid_t uid;

	if (kill(pid, 0) && errno == ESRCH) {
		warnx("no process %d", (int)pid);
		exit(EXIT_CTL_NOPROC);
	}
	proc_field(pid, "State", state, sizeof(state));
	if (state[0] == 'Z' || state[0] == 'X') {
		warnx("process %d has exited (a zombie): nothing to attach to", (int)pid);
		exit(EXIT_CTL_NOPROC);
	}
	if (!proc_euid(pid, &uid) && geteuid() && uid != geteuid()) {
		warnx("process %d belongs to uid %u, not to you (uid %u): run dynftrace as that "
		      "user, or as root",
		      (int)pid, (unsigned int)uid, (unsigned int)geteuid());
		exit(EXIT_CTL_PERM);
	}
}

/* The files of @pid's executable mappings, with the address of their
 * first mapping. */
static void read_maps(struct target *t)
{
	char path[64], line[PATH_MAX + 128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)t->pid);
	f = fopen(path, "r");
	if (!f) {
		warnx("cannot read %s: %s", path, strerror(errno));
		exit(errno == ENOENT ? EXIT_CTL_NOPROC : EXIT_CTL_PERM);
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, off;
		char *name = strchr(line, '/');
		size_t i;

		if (!name || sscanf(line, "%lx-%*x %*s %lx", &lo, &off) != 2)
			continue;
		name[strcspn(name, "\n")] = 0;
		for (i = 0; i < t->nm && strcmp(t->m[i].path, name); i++)
			;
		if (i == t->nm) {
			t->m = xrealloc(t->m, (t->nm + 1) * sizeof(*t->m));
			t->m[t->nm].path = xstrdup(name);
			t->m[t->nm].start = off ? 0 : lo;
			t->nm++;
		} else if (!off && !t->m[i].start) {
			t->m[i].start = lo;
		}
	}
	fclose(f);
}

/* Calls @fn for each call site of the mapped files, at its runtime
 * address; stops at a non-zero return. */
static int for_each_site(struct target *t, int (*fn)(unsigned long site, void *arg), void *arg)
{
	int ret = 0;

	for (size_t i = 0; i < t->nm && !ret; i++) {
		struct dft_elf_sites s;
		struct dft_elf e;
		unsigned long bias;

		if (!t->m[i].start || dft_elf_open(&e, t->m[i].path))
			continue;
		bias = t->m[i].start - (dft_elf_base(&e) & ~4095UL);
		if (!dft_elf_sites(&e, &s)) {
			for (size_t j = 0; j < s.n && !ret; j++)
				ret = fn(s.v[j].site + bias, arg);
			dft_elf_sites_free(&s);
		}
		dft_elf_close(&e);
	}
	return ret;
}

static int count_one(unsigned long site, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

size_t proc_count_sites(pid_t pid)
{
	struct target t = { .pid = pid };
	size_t n = 0;

	read_maps(&t);
	for_each_site(&t, count_one, &n);
	for (size_t i = 0; i < t.nm; i++)
		free(t.m[i].path);
	free(t.m);
	return n;
}

/* The runtime address of symbol @name in the mapped file whose name
 * starts with @file, or 0. */
struct sym_find {
	const char *name;
	uint64_t value;
};

static int sym_cmp(const struct dft_elf_sym *sym, void *arg)
{
	struct sym_find *sf = arg;
	size_t n = strlen(sf->name);

	if (strncmp(sym->name, sf->name, n) || (sym->name[n] && sym->name[n] != '@'))
		return 0;
	sf->value = sym->value;
	return 1;
}

static unsigned long find_sym(struct target *t, const char *file, const char *name)
{
	for (size_t i = 0; i < t->nm; i++) {
		const char *base = strrchr(t->m[i].path, '/') + 1;
		struct sym_find sf = { name, 0 };
		struct dft_elf e;
		unsigned long addr = 0;

		if (strncmp(base, file, strlen(file)) || !t->m[i].start ||
		    dft_elf_open(&e, t->m[i].path))
			continue;
		if (dft_elf_for_each_func(&e, sym_cmp, &sf))
			addr = t->m[i].start - (dft_elf_base(&e) & ~4095UL) + sf.value;
		dft_elf_close(&e);
		if (addr)
			return addr;
	}
	return 0;
}

/* ---- stopping and resuming ---- */

static void detach_all(struct target *t)
{
	for (size_t i = 0; i < t->n; i++)
		ptrace(PTRACE_DETACH, t->t[i].tid, 0, (void *)(long)t->t[i].sig);
	t->n = 0;
}

static void __attribute__((noreturn)) fail(struct target *t, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct target *t, int status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	detach_all(t);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warnx("%s", msg);
	exit(status);
}

static void seize_error(struct target *t, int err)
{
	char scope[16] = "";
	int fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY);

	if (fd >= 0) {
		ssize_t n = read(fd, scope, sizeof(scope) - 1);

		scope[n > 0 ? n : 0] = 0;
		close(fd);
	}
	/* 3 stops root too, until the next boot. */
	if (err == EPERM && atoi(scope) == 3)
		fail(t, EXIT_CTL_PERM,
		     "cannot attach to process %d: Yama's ptrace_scope is 3, which lets no one "
		     "attach until the next boot; start the program under `dynftrace record` or "
		     "with LD_PRELOAD=libdynftrace.so",
		     (int)t->pid);
	if (err == EPERM && atoi(scope) >= 1 && geteuid())
		fail(t, EXIT_CTL_PERM,
		     "cannot attach to process %d: Yama's ptrace_scope is %d, which lets only "
		     "%s attach; run as root, or start the program under `dynftrace record` or "
		     "with LD_PRELOAD=libdynftrace.so%s",
		     (int)t->pid, atoi(scope),
		     atoi(scope) == 1 ? "a parent process (or root)" : "root",
		     atoi(scope) == 1 ? ", or set /proc/sys/kernel/yama/ptrace_scope to 0" : "");
	if (err == EPERM)
		fail(t, EXIT_CTL_PERM,
		     "cannot attach to process %d: operation not permitted (another user's, "
		     "setuid, or not dumpable); run as root",
		     (int)t->pid);
	if (err == ESRCH)
		fail(t, EXIT_CTL_NOPROC, "process %d exited", (int)t->pid);
	fail(t, EXIT_CTL_FAIL, "cannot attach to process %d: %s", (int)t->pid, strerror(err));
}

static int seized(struct target *t, pid_t tid)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->t[i].tid == tid)
			return 1;
	}
	return 0;
}

/* Seizes one thread and asks it to stop; 0, or -ESRCH when it is gone
 * already. */
static int seize_thread(struct target *t, pid_t tid)
{
	if (ptrace(PTRACE_SEIZE, tid, 0, 0)) {
		if (errno == ESRCH && tid != t->pid)
			return -ESRCH;
		seize_error(t, errno);
	}
	t->t = xrealloc(t->t, (t->n + 1) * sizeof(*t->t));
	t->t[t->n].tid = tid;
	t->t[t->n].sig = 0;
	t->n++;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0)) {
		t->n--; /* it exited meanwhile */
		return -ESRCH;
	}
	return 0;
}

/* Waits for the stop of thread @i; 0, or -ESRCH (it exited, and is
 * dropped from the list). */
static int wait_stop(struct target *t, size_t i)
{
	int st;

	if (waitpid(t->t[i].tid, &st, __WALL) < 0 || !WIFSTOPPED(st)) {
		t->t[i] = t->t[--t->n];
		return -ESRCH;
	}
	/* A signal-delivery stop took a signal from the thread: it is given
	 * back at detach (the interrupt's own stop, still pending, is then
	 * dropped; an injected call passes over it). */
	if (st >> 16 != PTRACE_EVENT_STOP)
		t->t[i].sig = WSTOPSIG(st);
	return 0;
}

/* Every thread, including those started while we stop the others: all
 * are asked at once, then waited for, so that the process is stopped
 * after the slowest thread, not after the sum of them. */
static void stop_all(struct target *t)
{
	char path[64];
	size_t done = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)t->pid);
	for (;;) {
		DIR *d = opendir(path);
		struct dirent *de;

		if (!d)
			fail(t, EXIT_CTL_NOPROC, "process %d exited", (int)t->pid);
		while ((de = readdir(d))) {
			pid_t tid = atoi(de->d_name);

			if (tid > 0 && !seized(t, tid))
				seize_thread(t, tid);
		}
		closedir(d);
		if (done == t->n)
			break;
		while (done < t->n) {
			if (!wait_stop(t, done))
				done++;
		}
	}
	if (!t->n)
		fail(t, EXIT_CTL_NOPROC, "process %d exited", (int)t->pid);
}

/* ---- sites against pcs ---- */

struct site_list {
	unsigned long *v;
	size_t n;
};

static int site_add(unsigned long site, void *arg)
{
	struct site_list *l = arg;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = site;
	return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* Whether @pc lies strictly inside a site (after its first byte). */
static int pc_in_site(const struct site_list *l, unsigned long pc)
{
	size_t lo = 0, hi = l->n;

	/* The last site at or below pc. */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (l->v[mid] <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && pc > l->v[lo - 1] && pc < l->v[lo - 1] + dft_inject_site_span;
}

/* The dynamic loader's code: a thread stopped in it may hold the lock
 * our dlopen() needs. */
static int in_loader(pid_t pid, unsigned long pc)
{
	char path[64], line[4096];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char perm[8], *name = strrchr(line, '/');

		if (name && !strncmp(name, "/ld-", 4) &&
		    sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 && perm[2] == 'x')
			found = pc >= lo && pc < hi;
	}
	if (f)
		fclose(f);
	return found;
}

/* No thread may be stopped in the middle of a site the runtime is about to
 * rewrite (step it out), nor inside the dynamic loader (give up: try
 * again later). */
static void move_out_of_sites(struct target *t, const struct site_list *l)
{
	for (size_t i = 0; i < t->n; i++) {
		for (int step = 0;; step++) {
			unsigned long pc, sp;
			int err = dft_inject_pc_sp(t->t[i].tid, &pc, &sp);

			if (err == -ENOSYS)
				fail(t, EXIT_CTL_NOLOAD,
				     "attaching with ptrace is not implemented on this architecture: "
				     "start the program with LD_PRELOAD=libdynftrace.so instead");
			if (err)
				fail(t, EXIT_CTL_FAIL, "cannot read the registers of thread %d: %s",
				     (int)t->t[i].tid, strerror(-err));
			if (in_loader(t->pid, pc))
				fail(t, EXIT_CTL_FAIL,
				     "thread %d of process %d is inside the dynamic loader (a dlopen "
				     "or a symbol lookup): try again in a moment",
				     (int)t->t[i].tid, (int)t->pid);
			if (!pc_in_site(l, pc))
				break;
			if (step == 16 || dft_inject_step(t->t[i].tid))
				fail(t, EXIT_CTL_FAIL,
				     "thread %d is stopped inside the call site at %#lx and cannot "
				     "be stepped out of it: try again",
				     (int)t->t[i].tid, pc);
		}
	}
}

/* ---- memory ---- */

static int mem_rw(pid_t pid, unsigned long addr, void *buf, size_t len, int write)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };
	ssize_t n = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0)
			  : process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n == (ssize_t)len)
		return 0;
	/* Fall back on /proc/PID/mem (process_vm_* is not always there). */
	{
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
		fd = open(path, write ? O_WRONLY : O_RDONLY);
		if (fd < 0)
			return -errno;
		n = write ? pwrite(fd, buf, len, addr) : pread(fd, buf, len, addr);
		close(fd);
	}
	return n == (ssize_t)len ? 0 : -EIO;
}

static struct target *stalled_target;
static struct thread *stalled_thread;

static void on_alarm(int sig)
{
}

/*
 * Our dlopen() has not returned in 10 s: another (stopped) thread holds a
 * lock it needs. The other threads are let go, so that the holder gets
 * to release it; the sites are then prepared while they run, which the
 * user is told. 30 s more, and the call is abandoned.
 */
static void call_stalled(pid_t tid)
{
	struct target *t = stalled_target;

	warnx("warning: process %d has not finished loading the runtime after 10 s (another "
	      "thread holds a lock it needs?): resuming its other threads",
	      (int)t->pid);
	for (size_t i = 0; i < t->n; i++) {
		if (&t->t[i] != stalled_thread)
			ptrace(PTRACE_DETACH, t->t[i].tid, 0, (void *)(long)t->t[i].sig);
	}
	t->t[0] = *stalled_thread;
	stalled_thread = &t->t[0];
	t->n = 1;
	alarm(30);
}

/* Raised by the faulting instruction itself: never blocked by us. */
static const int sync_signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };

void attach_load(pid_t pid)
{
	struct target t = { .pid = pid };
	struct site_list sites = { NULL, 0 };
	unsigned long dlopen_addr, errno_addr, dlerror_addr, args[2], ret, pc, sp, scratch;
	char tracer[32], state[64], *lib;
	uint64_t mask, all; /* the kernel's sigset */
	struct thread *inj;
	int err, saved_errno = 0;

	attach_check(pid);
	proc_field(pid, "TracerPid", tracer, sizeof(tracer));
	if (atoi(tracer)) {
		warnx("process %d is already being traced by process %s (a debugger?): detach "
		      "it first",
		      (int)pid, tracer);
		exit(EXIT_CTL_TRACED);
	}
	proc_field(pid, "State", state, sizeof(state));
	if (state[0] == 'T' || state[0] == 't') {
		warnx("process %d is stopped (%s): continue it (kill -CONT %d) first", (int)pid,
		      state, (int)pid);
		exit(EXIT_CTL_FAIL);
	}
	lib = find_runtime();
	read_maps(&t);
	for_each_site(&t, site_add, &sites);
	/* No site: no array, which qsort() may not take (ctl_refuse). */
	if (sites.n)
		qsort(sites.v, sites.n, sizeof(*sites.v), cmp_ulong);
	{
		size_t n = sites.n;

		if (!n) {
			warnx("process %d has no call sites, so nothing could be traced: rebuild "
			      "it with " SITE_FLAGS,
			      (int)pid);
			exit(EXIT_CTL_NOSITES);
		}
	}
	dlopen_addr = find_sym(&t, "libc.so", "dlopen");
	if (!dlopen_addr)
		dlopen_addr = find_sym(&t, "libdl.so", "dlopen");
	errno_addr = find_sym(&t, "libc.so", "__errno_location");
	dlerror_addr = find_sym(&t, "libc.so", "dlerror");
	if (!dlopen_addr || !errno_addr) {
		warnx("process %d has no dynamic libc with dlopen (a static binary?): the runtime "
		      "cannot be loaded into it; link it dynamically, or with -ldynftrace",
		      (int)pid);
		exit(EXIT_CTL_NOLOAD);
	}

	stop_all(&t);
	move_out_of_sites(&t, &sites);
	/* The main thread if it could be stopped, else any. */
	inj = &t.t[0];
	for (size_t i = 0; i < t.n; i++) {
		if (t.t[i].tid == pid)
			inj = &t.t[i];
	}
	/* Every asynchronous signal blocked during our calls (they stay
	 * pending); not the synchronous ones, for which the kernel would
	 * reset a blocked handler to the default. */
	if (ptrace(PTRACE_GETSIGMASK, inj->tid, (void *)sizeof(mask), &mask))
		fail(&t, EXIT_CTL_FAIL, "cannot read the signal mask of %d: %s", (int)inj->tid,
		     strerror(errno));
	all = ~0ULL;
	for (size_t i = 0; i < ARRAY_SIZE(sync_signals); i++)
		all &= ~(1ULL << (sync_signals[i] - 1));
	if (ptrace(PTRACE_SETSIGMASK, inj->tid, (void *)sizeof(all), &all))
		fail(&t, EXIT_CTL_FAIL, "cannot set the signal mask of %d: %s", (int)inj->tid,
		     strerror(errno));
	err = dft_inject_pc_sp(inj->tid, &pc, &sp);
	/* The library's path, well below the red zone. */
	scratch = (sp - 1024 - strlen(lib) - 1) & ~15UL;
	if (!err)
		err = mem_rw(inj->tid, scratch, lib, strlen(lib) + 1, 1);
	/* errno is the thread's: dlopen() may change it, we put it back. */
	if (!err)
		err = dft_inject_call(inj->tid, errno_addr, NULL, 0, scratch, &ret);
	if (!err)
		err = mem_rw(inj->tid, ret, &saved_errno, sizeof(int), 0);
	if (!err) {
		struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */

		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		stalled_target = &t;
		stalled_thread = inj;
		dft_inject_stalled = call_stalled;
		args[0] = scratch;
		args[1] = 2; /* RTLD_NOW */
		alarm(10);
		err = dft_inject_call(inj->tid, dlopen_addr, args, 2, scratch, &ret);
		alarm(0);
		dft_inject_stalled = NULL;
		inj = stalled_thread; /* moved if the others were let go */
		if (!err && !ret) {
			char why[512] = "";
			unsigned long msg;

			if (dlerror_addr && !dft_inject_call(inj->tid, dlerror_addr, NULL, 0, scratch,
							     &msg) && msg)
				mem_rw(inj->tid, msg, why, sizeof(why) - 1, 0);
			why[sizeof(why) - 1] = 0;
			err = -ENOEXEC;
			ptrace(PTRACE_SETSIGMASK, inj->tid, (void *)sizeof(mask), &mask);
			fail(&t, EXIT_CTL_NOLOAD, "process %d could not load %s: %s", (int)pid, lib,
			     *why ? why : "dlopen failed");
		}
		if (!err) {
			unsigned long loc;

			/* __errno_location() again: restore the value. */
			err = dft_inject_call(inj->tid, errno_addr, NULL, 0, scratch, &loc);
			if (!err)
				err = mem_rw(inj->tid, loc, &saved_errno, sizeof(int), 1);
		}
	}
	ptrace(PTRACE_SETSIGMASK, inj->tid, (void *)sizeof(mask), &mask);
	if (err == -ETIMEDOUT)
		fail(&t, EXIT_CTL_FAIL,
		     "process %d did not finish loading the runtime in 40 s: the call was abandoned "
		     "and its thread resumed where it was; the process may be deadlocked in the "
		     "dynamic loader",
		     (int)pid);
	if (err)
		fail(&t, err == -ESRCH ? EXIT_CTL_NOPROC : EXIT_CTL_FAIL,
		     "cannot load the runtime into process %d: %s", (int)pid, strerror(-err));
	detach_all(&t);
	free(sites.v);
	free(t.t);
	for (size_t i = 0; i < t.nm; i++)
		free(t.m[i].path);
	free(t.m);
	free(lib);
}
