// SPDX-License-Identifier: MIT
/*
 * Stopping every other thread of the process while text changes: the
 * kernel's stop_machine, in user space. Used where no instruction-level
 * protocol is safe: every live batch on 32-bit ARM, and on x86-64 the
 * merge of gcc's five 1-byte NOPs into one instruction (a thread between
 * two of them would resume inside the new one).
 *
 *   1. The threads are listed from /proc/self/task, so that threads made
 *      with a raw clone(), or started before the runtime was loaded, are
 *      stopped too. Each is sent the trap signal, tagged as a stop request
 *      (rt_tgsigqueueinfo(), SI_QUEUE, a magic value and the stop's
 *      generation), and parks in the handler, reporting the pc it was
 *      interrupted at. The list is read again once they are parked: a
 *      thread being created by a thread that has since parked shows up
 *      there. Until no new one does.
 *   2. A thread that is gone, or a zombie (a main thread that called
 *      pthread_exit()), is not waited for. One that does not answer within
 *      a few seconds (a raw system call blocked the signal) makes the
 *      batch fail, with nothing written, rather than hang the program.
 *   3. If a parked thread was interrupted inside a site whose bytes before
 *      its pc change, all are released and we try again a little later.
 *   4. The batch is written; the threads are released. Each leaves the
 *      handler through sigreturn, which is context synchronising: it
 *      fetches the new instructions.
 *
 * Nothing that may take a lock a parked thread holds (malloc's, stdio's)
 * runs while they are stopped: the slots are allocated before, the list is
 * read with getdents64() into a buffer on the stack, paths are built by
 * hand.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "internal.h"

#ifdef HAVE_DFT_TRAP_PATCHING

#define STOP_MAGIC 0x5d000000
#define STOP_GEN_MASK 0x00ffffff
#define STOP_TIMEOUT_NS (5 * 1000000000LL)
/* How long a thread must block every signal to be taken for a blocker. */
#define BLOCKER_WAIT_NS (1000000000LL)

/*
 * A slot's word is gen << 2 | state, changed by compare-and-swap only: a
 * handler that runs late (qemu-user may deliver a signal long after it was
 * sent) cannot mark a thread parked in a later stop that reused the slot,
 * while the thread runs on.
 */
enum { SLOT_SIGNALLED, SLOT_PARKED, SLOT_GONE };
#define SLOT(gen, state) ((gen) << 2 | (state))
#define SLOT_STATE(word) ((word) & 3)

struct slot {
	pid_t tid;
	int word;
	unsigned long pc;
};

static struct slot *slots;
static size_t nr_slots, cap_slots;
static int stop_gen, release_gen;
static unsigned int left;

/* The handler's half (trap.c calls it first): park until released. */
int dft_stop_handler(int sig, siginfo_t *si, void *ctx)
{
	int val = si->si_value.sival_int, gen;
	pid_t tid;
	size_t i, n;

	if (si->si_code != SI_QUEUE || si->si_pid != getpid() ||
	    (val & ~STOP_GEN_MASK) != STOP_MAGIC)
		return 0;
	gen = val & STOP_GEN_MASK;
	if (gen != __atomic_load_n(&stop_gen, __ATOMIC_ACQUIRE))
		return 1; /* a stop that is over */
	tid = gettid();
	n = __atomic_load_n(&nr_slots, __ATOMIC_ACQUIRE);
	for (i = 0; i < n && slots[i].tid != tid; i++)
		;
	if (i == n)
		return 1;
	/* The pc first: the stopper reads it once it sees the slot parked. */
	slots[i].pc = dft_arch_ctx_pc(ctx);
	int want = SLOT(gen, SLOT_SIGNALLED);

	if (!__atomic_compare_exchange_n(&slots[i].word, &want, SLOT(gen, SLOT_PARKED), 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 1; /* the slot is another stop's now, or we were given up */
	/* Until released; or until this stop is over, if the handler ran so
	 * late that the release was for a later stop already. */
	while (__atomic_load_n(&release_gen, __ATOMIC_ACQUIRE) != gen &&
	       __atomic_load_n(&stop_gen, __ATOMIC_ACQUIRE) == gen)
		sched_yield();
	__atomic_fetch_add(&left, 1, __ATOMIC_RELEASE);
	return 1;
}

/* Threads found blocking the signal in the kernel, not signalled again
 * (qemu-user's helpers would cost every batch a wait). */
static pid_t blockers[16];
static unsigned int nr_blockers;

/*
 * A thread that will never run our handler: exited, a zombie, or one that
 * blocks every signal in the kernel, which only a raw system call can do
 * (the libc ways are interposed, trap.c). That last kind is left running:
 * failing every batch for it would be worse. qemu-user's own helper
 * threads are of that kind: they block every signal and run no program
 * code. But glibc blocks every signal too, for a moment, in a thread it is
 * starting (and around fork and posix_spawn): such a thread takes our
 * signal as soon as it unblocks, and must be waited for, or it runs on
 * into the text we change (a library's constructor starting threads, in
 * core_merge). So a full mask counts only once @waited reaches
 * BLOCKER_WAIT_NS.
 */
static int thread_gone(pid_t tid, long long waited)
{
	char buf[2048], *p;

	if (dft_read_task(tid, "/stat", buf, sizeof(buf)) <= 0)
		return 1;
	/* "tid (comm) S ...": comm may hold anything, even ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 1;
	/* Under qemu-user a guest thread's host mask says nothing (a slow one
	 * with our signal pending shows a full one): only qemu's own threads
	 * are taken for blockers there (thread.c). */
	if (dft_emulated ? !dft_emulator_thread(tid)
			 : waited < BLOCKER_WAIT_NS || dft_task_blocks_all(tid) <= 0)
		return 0;
	if (nr_blockers < ARRAY_SIZE(blockers))
		blockers[nr_blockers++] = tid;
	return 1;
}

static int known(pid_t tid)
{
	if (dft_emulated && dft_emulator_thread(tid))
		return 1;
	for (unsigned int i = 0; i < nr_blockers && i < ARRAY_SIZE(blockers); i++)
		if (blockers[i] == tid)
			return 1;
	for (size_t i = 0; i < nr_slots; i++)
		if (slots[i].tid == tid)
			return 1;
	return 0;
}

struct add_ctx {
	pid_t pid, self;
	int gen, added;
};

static int add_thread(pid_t tid, void *arg)
{
	struct add_ctx *c = arg;
	siginfo_t si;

	if (tid == c->self || known(tid))
		return 0;
	if (nr_slots == cap_slots)
		return -ENOSPC;
	slots[nr_slots] = (struct slot){ .tid = tid, .word = SLOT(c->gen, SLOT_SIGNALLED) };
	__atomic_store_n(&nr_slots, nr_slots + 1, __ATOMIC_RELEASE);
	c->added++;
	memset(&si, 0, sizeof(si));
	si.si_signo = dft_trap_signal;
	si.si_code = SI_QUEUE;
	si.si_pid = c->pid;
	si.si_uid = getuid();
	si.si_value.sival_int = STOP_MAGIC | c->gen;
	if (syscall(SYS_rt_tgsigqueueinfo, c->pid, tid, dft_trap_signal, &si))
		slots[nr_slots - 1].word = SLOT(c->gen, SLOT_GONE);
	return 0;
}

/* Adds the threads not yet listed, each signalled; the number added, or
 * -ENOSPC when the slots are full. */
static int add_threads(pid_t pid, pid_t self, int gen)
{
	struct add_ctx c = { pid, self, gen, 0 };
	int ret = dft_for_each_task(add_thread, &c);

	return ret < 0 ? ret : c.added;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int slot_state(const struct slot *s)
{
	return SLOT_STATE(__atomic_load_n(&s->word, __ATOMIC_ACQUIRE));
}

/* Waits until every listed thread is parked or gone; the tid of one that
 * does not answer, or 0. */
static pid_t wait_parked(int gen)
{
	long long start = now_ns(), checked = start;

	for (;;) {
		pid_t late = 0;

		for (size_t i = 0; i < nr_slots && !late; i++)
			if (slot_state(&slots[i]) == SLOT_SIGNALLED)
				late = slots[i].tid;
		if (!late)
			return 0;
		sched_yield();
		long long t = now_ns();

		if (t - checked < 2000000)
			continue;
		checked = t;
		for (size_t i = 0; i < nr_slots; i++) {
			int want = SLOT(gen, SLOT_SIGNALLED);

			/* Unless it parked meanwhile. */
			if (slot_state(&slots[i]) == SLOT_SIGNALLED &&
			    thread_gone(slots[i].tid, t - start))
				__atomic_compare_exchange_n(&slots[i].word, &want,
							    SLOT(gen, SLOT_GONE), 0,
							    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		}
		if (t - start > STOP_TIMEOUT_NS)
			return late;
	}
}

/* A parked thread in the middle of a site whose bytes before it change. */
static int inside_changing_site(const struct dft_patch *batch, size_t n)
{
	for (size_t t = 0; t < nr_slots; t++) {
		unsigned long pc = slots[t].pc;

		if (slot_state(&slots[t]) != SLOT_PARKED)
			continue;
		for (size_t i = 0; i < n; i++)
			if (pc > batch[i].addr && pc < batch[i].addr + batch[i].len &&
			    memcmp(batch[i].old, batch[i].new, pc - batch[i].addr))
				return 1;
	}
	return 0;
}

static void release(int gen)
{
	unsigned int parked = 0;

	for (size_t i = 0; i < nr_slots; i++)
		parked += slot_state(&slots[i]) == SLOT_PARKED;
	__atomic_store_n(&release_gen, gen, __ATOMIC_RELEASE);
	/* A thread that parked after we gave up on it still leaves. */
	while (__atomic_load_n(&left, __ATOMIC_ACQUIRE) < parked)
		sched_yield();
	__atomic_store_n(&stop_gen, 0, __ATOMIC_RELEASE);
	__atomic_fetch_add(&dft_patch_stats.parked, parked, __ATOMIC_RELAXED);
}

/* One attempt: 1 written, 0 to try again, or -errno. */
static int stop_and_write(const struct dft_patch *batch, size_t n,
			  void (*write)(const struct dft_patch *, size_t), int gen)
{
	pid_t pid = getpid(), self = gettid(), late;
	int ret, written = 0;

	nr_slots = 0;
	__atomic_store_n(&left, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&stop_gen, gen, __ATOMIC_RELEASE);
	do {
		ret = add_threads(pid, self, gen);
		late = ret >= 0 ? wait_parked(gen) : 0;
	} while (ret > 0 && !late);
	if (!ret && !late && !inside_changing_site(batch, n)) {
		write(batch, n);
		written = 1;
	}
	release(gen);
	__atomic_fetch_add(&dft_patch_stats.stops, 1, __ATOMIC_RELAXED);
	if (late) {
		pr_err("thread %d does not answer signal %d (blocked by a raw system call?): text not patched",
		       late, dft_trap_signal);
		return -ETIMEDOUT;
	}
	return ret < 0 ? ret : written;
}

int dft_stop_and_patch(const struct dft_patch *batch, size_t n,
		       void (*write)(const struct dft_patch *, size_t))
{
	static int gen;
	int ret;

	for (int tries = 0;; tries++) {
		struct timespec ts = { 0, 100000L << (tries < 10 ? tries : 10) };

		/* Kept from one batch to the next: a handler that comes late
		 * (after a time-out) may still look at it. */
		if (!slots) {
			size_t cap = cap_slots ? cap_slots : 64;

			slots = malloc(cap * sizeof(*slots));
			if (!slots)
				return -ENOMEM;
			cap_slots = cap;
		}
		gen = (gen + 1) & STOP_GEN_MASK;
		if (!gen)
			gen = 1;
		ret = stop_and_write(batch, n, write, gen);
		if (ret == -ENOSPC) {
			/* More threads than slots: start again with room. */
			free(slots);
			slots = NULL;
			cap_slots *= 4;
			continue;
		}
		if (ret)
			break;
		if (tries == 200) {
			pr_err("a thread stays inside a call site being changed: text not patched");
			ret = -EAGAIN;
			break;
		}
		nanosleep(&ts, NULL);
	}
	__atomic_store_n(&nr_slots, 0, __ATOMIC_RELEASE);
	return ret < 0 ? ret : 0;
}

#endif
