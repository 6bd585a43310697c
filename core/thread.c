// SPDX-License-Identifier: MIT
/*
 * Per-thread state, grace periods and cross-thread synchronisation.
 *
 * Callbacks run with no lock and no atomic instruction: a thread marks
 * itself inside by making its dft_thread.seq odd (which is also the
 * recursion guard) and even again when it leaves. To retire an ops, the
 * updater unpublishes it, forces a full memory barrier on every running
 * thread with membarrier(2), and then waits for each thread seen inside to
 * move on. That is an asymmetric Dekker: the cheap side (every traced call)
 * pays a compiler barrier, the rare side (unregister) pays a system call.
 */
#include <fcntl.h>
#include <stdio.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "sigsafe.h"

__thread struct dft_thread dft_thread __attribute__((tls_model("initial-exec")));

_Static_assert(offsetof(struct dft_thread, seq) == DFT_THREAD_SEQ, "seq");
_Static_assert(offsetof(struct dft_thread, registered) == DFT_THREAD_REGISTERED, "registered");
_Static_assert(offsetof(struct dft_thread, ignored) == DFT_THREAD_IGNORED, "ignored");
_Static_assert(offsetof(struct dft_thread, ctx) == DFT_THREAD_CTX, "ctx");

static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dft_thread threads_head = { .next = &threads_head, .prev = &threads_head };
static pthread_key_t exit_key;
static int membarrier_cmd = -1; /* what serialises cores, or -1 */
static void *ipi_page;

/*
 * Set from before this thread takes threads_lock until after it has let it
 * go. A signal handler that interrupts it there and makes the thread's
 * first traced call must not take the lock (the thread may hold it: an API
 * call from a thread that never traced, in dft_synchronize()), so it does
 * not register: dft_thread_register() says so, and that call runs as an
 * unlisted reader (dft_entry_unlisted()).
 */
static __thread int threads_lock_mine __attribute__((tls_model("initial-exec")));

static void lock_threads(void)
{
	WRITE_ONCE(threads_lock_mine, 1);
	barrier();
	pthread_mutex_lock(&threads_lock);
}

static void unlock_threads(void)
{
	pthread_mutex_unlock(&threads_lock);
	barrier();
	WRITE_ONCE(threads_lock_mine, 0);
}

/*
 * Traced calls of a thread that grace periods cannot see, as it is not (or
 * no longer) in the list: a signal handler that interrupted the thread's
 * registration, a TLS destructor that runs after thread_exit(). They still
 * run what they must (a live patch redirect above all), inside this count,
 * which dft_synchronize() waits to see at zero: an SRCU with one counter.
 * Rare, so one shared cache line costs nothing. The reader's increment and
 * the writer's membarrier() order its loads after the writer's stores, or
 * make the writer see the count.
 */
static unsigned long unlisted_readers;
/* This thread's part of it: what a fork child keeps. */
static __thread unsigned long unlisted_mine __attribute__((tls_model("initial-exec")));

void dft_unlisted_enter(void)
{
	unlisted_mine++;
	__atomic_add_fetch(&unlisted_readers, 1, __ATOMIC_SEQ_CST);
}

void dft_unlisted_exit(void)
{
	__atomic_sub_fetch(&unlisted_readers, 1, __ATOMIC_RELEASE);
	unlisted_mine--;
}

static long sys_membarrier(int cmd)
{
	return syscall(__NR_membarrier, cmd, 0, 0);
}

static void thread_exit(void *arg)
{
	struct dft_thread *t = arg;

	lock_threads();
	t->prev->next = t->next;
	t->next->prev = t->prev;
	t->registered = 0;
	unlock_threads();
	/* Calls traced after this (other TLS destructors) run their
	 * redirects alone, as unlisted readers (dft_entry_odd()). */
	t->seq = 1;
}

/* Called with t->seq odd, so that traced calls made from here (a signal
 * handler interrupting us, say) are not recursed into: they take sigctx.c's
 * odd path, as calls of a thread not yet in the list (dft_unlisted_enter()).
 * 0, or -EDEADLK from a handler that interrupted this thread's own use of
 * the lock: not registered yet, the caller runs the call unlisted. */
int dft_thread_register(struct dft_thread *t)
{
	if (READ_ONCE(threads_lock_mine))
		return -EDEADLK;
	lock_threads();
	t->next = threads_head.next;
	t->prev = &threads_head;
	threads_head.next->prev = t;
	threads_head.next = t;
	t->registered = 1;
	unlock_threads();
	pthread_setspecific(exit_key, t);
	return 0;
}

/* After fork only the forking thread exists, in a new mm that has not
 * registered for membarrier. */
static void find_emulator_threads(int child);

static void atfork_child(void)
{
	struct dft_thread *self = &dft_thread;

	if (membarrier_cmd >= 0 && sys_membarrier(membarrier_cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED ?
						  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED :
						  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE))
		membarrier_cmd = -1;

	find_emulator_threads(1);
	pthread_mutex_init(&threads_lock, NULL);
	/* The other threads' unlisted readers are gone with them. */
	unlisted_readers = unlisted_mine;
	threads_head.next = threads_head.prev = &threads_head;
	if (self->registered) {
		self->next = self->prev = &threads_head;
		threads_head.next = threads_head.prev = self;
	}
}

int dft_thread_init(void)
{
	/* First: a live patch given at start-up (lp_load.c) or the first
	 * patch batch may need it, and the program has no threads yet. */
	find_emulator_threads(0);
	if (pthread_key_create(&exit_key, thread_exit))
		return -EAGAIN;
	pthread_atfork(NULL, NULL, atfork_child);

	/* SYNC_CORE also implies a full memory barrier on every thread. */
	long cmds = sys_membarrier(MEMBARRIER_CMD_QUERY);

	if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) &&
	    !sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE))
		membarrier_cmd = MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE;
	else if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
		 !sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED))
		membarrier_cmd = MEMBARRIER_CMD_PRIVATE_EXPEDITED;
#ifndef HAVE_DFT_SHOOTDOWN_IPI
	/* The fallback below needs TLB shootdowns by IPI. AArch64 (and ARMv7
	 * SMP) broadcast TLB invalidation in hardware: no interrupt reaches
	 * the other threads, so no barrier either. Refuse, plainly. */
	if (membarrier_cmd < 0) {
		pr_err("membarrier(2) is unavailable (Linux before 4.14, or refused by a seccomp filter): this architecture has no other way to wait for running callbacks; tracing disabled");
		return -ENOSYS;
	}
#endif
	if (membarrier_cmd != MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE)
		pr_info("membarrier SYNC_CORE unavailable: serialising cores with TLB shootdowns");
	return 0;
}

/*
 * Makes every thread of the process execute a serialising event and a full
 * memory barrier before this returns, so that code written before is what
 * they fetch next.
 *
 * Fallback without SYNC_CORE (kernels before 4.16): downgrading the
 * protection of a page this process has touched makes the kernel shoot
 * down its TLB entry on every CPU that may cache it, by IPI; the interrupt
 * and its return are serialising, and CPUs not running us will go through
 * a context switch, serialising too, before running us again.
 */
void dft_sync_cores(void)
{
	if (membarrier_cmd >= 0 && !sys_membarrier(membarrier_cmd) &&
	    membarrier_cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE)
		return;
	if (!ipi_page)
		ipi_page = mmap(NULL, dft_page_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);
	if (ipi_page != MAP_FAILED) {
		*(volatile char *)ipi_page = 1;
		mprotect(ipi_page, dft_page_size(), PROT_READ);
		mprotect(ipi_page, dft_page_size(), PROT_READ | PROT_WRITE);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Spins a little, then sleeps rather than yields, so that a CPU is free
 * for a preempted thread to finish on. */
static void wait_a_little(unsigned int spins)
{
	if (spins > 1000)
		nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
}

void dft_synchronize(void)
{
	struct dft_thread *self = &dft_thread;

	dft_sync_cores();
	lock_threads();
	for (struct dft_thread *t = threads_head.next; t != &threads_head; t = t->next) {
		unsigned long seq = READ_ONCE(t->seq);

		/* An ignored thread runs no callback (seq is odd to keep it
		 * out of the trampolines: dft_ignore_current_thread()). */
		if (t == self || !(seq & 1) || READ_ONCE(t->ignored))
			continue;
		/* Callbacks are short: a thread that stays inside was
		 * preempted there. */
		for (unsigned int spins = 0; READ_ONCE(t->seq) == seq; spins++)
			wait_a_little(spins);
	}
	unlock_threads();
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (unsigned int spins = 0; __atomic_load_n(&unlisted_readers, __ATOMIC_ACQUIRE); spins++)
		wait_a_little(spins);
}

/* ---- other tasks of this process, as the kernel shows them ---- */

struct linux_dirent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/*
 * Calls @fn for every task of this process, from /proc/self/task, until it
 * returns non-zero: 0, that value, or -errno. Async-signal-safe, without
 * malloc (getdents64, not opendir), as the stop protocol needs.
 */
int dft_for_each_task(int (*fn)(pid_t tid, void *arg), void *arg)
{
	char buf[2048];
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;
	long len;

	if (fd < 0)
		return -errno;
	while (!ret && (len = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; !ret && off < len;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			pid_t tid = (pid_t)strtol(d->name, NULL, 10);

			off += d->reclen;
			if (tid > 0)
				ret = fn(tid, arg);
		}
	}
	close(fd);
	return ret;
}

/* /proc/self/task/TID/FILE into @buf, NUL-terminated: its length or -1.
 * Async-signal-safe (the stop protocol calls it with threads parked). */
ssize_t dft_read_task(pid_t tid, const char *file, char *buf, size_t size)
{
	char path[64] = "/proc/self/task/", *end = path + sizeof(path) - 1;
	ssize_t len;
	int fd;

	*dft_put_str(dft_put_uint(path + 16, end, tid), end, file) = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len >= 0)
		buf[len] = 0;
	return len;
}

/*
 * /proc/self/maps, opened with system calls only. Once the main thread has
 * called pthread_exit(), the process's maps read empty; the calling
 * thread's (/proc/thread-self) show the same mappings. Not under qemu-user:
 * it emulates /proc/self/maps for its guest, but passes thread-self
 * through, which shows the host's view (other addresses, other
 * protections). -1 when there is no true view.
 */
int dft_open_maps(void)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	char c;

	if (fd < 0 || read(fd, &c, 1) == 1) {
		if (fd >= 0 && lseek(fd, 0, SEEK_SET)) {
			close(fd);
			return -1;
		}
		return fd;
	}
	close(fd);
	return dft_emulated ? -1 : open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);
}

/*
 * The mapping that holds @sp, from /proc/self/maps with plain system calls:
 * the stack bounds the return hook (graph.c) and the live patch transition
 * (livepatch.c) need, in signal handlers and callbacks.
 */
int dft_stack_mapping(unsigned long sp, unsigned long *lo, unsigned long *hi)
{
	char buf[4096];
	size_t have = 0;
	int fd = dft_open_maps(), found = 0, skip = 0;

	if (fd < 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *line = buf, *nl, *p;

		if (n <= 0)
			break;
		have += n;
		buf[have] = 0;
		while ((nl = strchr(line, '\n')) || (line == buf && have == sizeof(buf) - 1)) {
			unsigned long a = strtoul(line, &p, 16), b = *p == '-' ? strtoul(p + 1, NULL, 16) : 0;

			if (!skip && sp >= a && sp < b) {
				*lo = a;
				*hi = b;
				found = 1;
				goto out;
			}
			if (!nl) {
				/* A line longer than the buffer (a long path):
				 * its range was read, drop the rest of it. */
				line = buf + have;
				skip = 1;
				break;
			}
			skip = 0;
			line = nl + 1;
		}
		have -= line - buf;
		memmove(buf, line, have);
	}
out:
	close(fd);
	return found;
}

#define SIGBIT(n) (1ULL << ((n) - 1))
#define ASYNC_SIGNALS                                                                              \
	(SIGBIT(SIGHUP) | SIGBIT(SIGINT) | SIGBIT(SIGQUIT) | SIGBIT(SIGUSR1) | SIGBIT(SIGUSR2) |   \
	 SIGBIT(SIGALRM) | SIGBIT(SIGTERM) | ~(SIGBIT(34) - 1))

/*
 * 1 if @tid blocks every asynchronous signal in the kernel, real-time ones
 * included (what a sigfillset() mask keeps), 0 if not, -1 if unknown. Not
 * just our signal: under qemu-user the mask is the host's, and the guest's
 * real-time signals are renumbered there. Only a raw system call can do
 * that in a program (the libc ways are interposed, trap.c); qemu-user's
 * own helper threads do.
 */
int dft_task_blocks_all(pid_t tid)
{
	char buf[2048], *p;

	if (dft_read_task(tid, "/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nSigBlk:");
	if (!p)
		return -1;
	return (strtoull(p + 9, NULL, 16) & ASYNC_SIGNALS) == ASYNC_SIGNALS;
}

/*
 * Under qemu-user, /proc/self/task also lists qemu's own threads (its RCU
 * thread, say), which run no guest code and never take a guest's signal.
 * qemu shows the guest program as /proc/self/exe, but not for the tasks.
 */
static int under_emulation(void)
{
	char a[512], b[512], path[64];
	ssize_t n, m;

	snprintf(path, sizeof(path), "/proc/self/task/%d/exe", getpid());
	n = readlink("/proc/self/exe", a, sizeof(a) - 1);
	m = readlink(path, b, sizeof(b) - 1);
	return n > 0 && m > 0 && (n != m || memcmp(a, b, n));
}

/*
 * qemu's threads are told apart once, when the runtime loads: they exist
 * before the program runs, and block every signal in the host kernel. Not
 * later: under qemu a guest thread with a signal pending (one slow to take
 * ours) shows a full host mask too, and counting it out would let text
 * change, or a live patch transition end, while it is where it must not
 * be. A runtime preloaded or linked loads before the program can start
 * threads of its own (dft_thread_init() is the first thing it does).
 */
static pid_t emulator_tids[8];
static unsigned int nr_emulator_tids;
int dft_emulated;

struct emulator_scan {
	pid_t self;
	int child; /* in a fork child: its only guest thread is self */
};

static int note_emulator_thread(pid_t tid, void *arg)
{
	const struct emulator_scan *sc = arg;

	if (tid != sc->self && (sc->child || dft_task_blocks_all(tid) == 1) &&
	    nr_emulator_tids < ARRAY_SIZE(emulator_tids))
		emulator_tids[nr_emulator_tids++] = tid;
	return 0;
}

/* At load, and in the child of a fork, where qemu has started its threads
 * again (with new ids) before fork() returns. */
static void find_emulator_threads(int child)
{
	struct emulator_scan sc = { gettid(), child };

	if (!child)
		dft_emulated = under_emulation();
	nr_emulator_tids = 0;
	if (dft_emulated)
		dft_for_each_task(note_emulator_thread, &sc);
}

int dft_emulator_thread(pid_t tid)
{
	for (unsigned int i = 0; i < nr_emulator_tids; i++)
		if (emulator_tids[i] == tid)
			return 1;
	return 0;
}
