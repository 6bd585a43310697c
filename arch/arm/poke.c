// SPDX-License-Identifier: MIT
/*
 * Cross-modifying code on 32-bit ARM while other threads run: stop them
 * all first (the kernel's stop_machine, in user space).
 *
 * Neither live form is safe to write under a running thread. A Thumb
 * 32-bit instruction at an address that is 2 mod 4 is two halfword stores,
 * not one single-copy atomic write, so a thread could fetch half of the old
 * and half of the new instruction. And the architecture allows an
 * instruction to be modified while another core executes it only when the
 * old and the new one are both among B, BL, BLX, NOP, BKPT and SVC (ARM ARM,
 * "Concurrent modification and execution of instructions"): our NOP form,
 * `add sp, sp, #4`, is not, and neither is a trap instruction written over
 * it. So:
 *
 *   1. every other thread of the process is sent DFT_TRAP_SIGNAL and
 *      parks in its handler, reporting the pc it was interrupted at;
 *   2. if one was interrupted inside a site whose bytes before that pc
 *      change (only when a module's NOPs are normalised: three Thumb NOPs
 *      become a push and a 32-bit instruction, so the boundary at +4
 *      disappears, and a thread past the first NOP did not push), they are
 *      all released, and we try again a little later;
 *   3. the batch is written, and the caches cleaned and invalidated for it
 *      (__builtin___clear_cache: the cacheflush system call, which
 *      broadcasts the maintenance to every core);
 *   4. the threads are released. Each leaves the handler through
 *      sigreturn, an exception return, which is context synchronising:
 *      it fetches the new instructions.
 *
 * No thread runs text while it changes, so no instruction is ever seen half
 * written, and a thread parked between a site's push and its second
 * instruction resumes at a boundary that still exists, with the stack that
 * both forms expect.
 *
 * The threads are those created with pthread_create() (interposed: a new
 * thread registers before it runs any code of the program, and registering
 * waits while a batch is written) and the main thread. Threads made with a
 * raw clone(), or started before this library was loaded, are not known.
 * The signal cannot be blocked by the program (core/trap.c).
 *
 * qemu-user runs the protocol, but it models neither the caches nor the
 * memory ordering of real cores: the tests cannot show the properties
 * argued above.
 */
#include <dlfcn.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "internal.h"

/* The known threads (tids) other than the main thread. */
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t *tids;
static size_t nr_tids, cap_tids;
static pthread_key_t exit_key;
static pthread_once_t threads_once = PTHREAD_ONCE_INIT;

/* The stop in progress: its generation, the pcs of the parked threads. */
static int stop_gen, release_gen;
static unsigned int parked, left;
static unsigned long *parked_pc;
static size_t nr_parked_pc;

/* After fork() the only thread is the child's (its main thread). The lock
 * is not taken around fork(): a batch holds dft_lock, which fork() takes
 * first (lib/init.c), and only a thread_add() or thread_gone() of another
 * thread can have held it, so it is simply made anew. */
static void threads_atfork_child(void)
{
	pthread_mutex_init(&threads_lock, NULL);
	nr_tids = 0;
}

static void thread_add(pid_t tid)
{
	pthread_mutex_lock(&threads_lock);
	if (nr_tids == cap_tids) {
		size_t cap = cap_tids ? cap_tids * 2 : 16;
		pid_t *v = realloc(tids, cap * sizeof(*v));

		if (!v) {
			pthread_mutex_unlock(&threads_lock);
			pr_err("no memory to register thread %d: patching may crash it", tid);
			return;
		}
		tids = v;
		cap_tids = cap;
	}
	tids[nr_tids++] = tid;
	pthread_mutex_unlock(&threads_lock);
}

static void thread_gone(void *arg)
{
	pid_t tid = gettid();

	pthread_mutex_lock(&threads_lock);
	for (size_t i = 0; i < nr_tids; i++)
		if (tids[i] == tid)
			tids[i] = tids[--nr_tids];
	pthread_mutex_unlock(&threads_lock);
}

static void threads_init(void)
{
	pthread_key_create(&exit_key, thread_gone);
	pthread_atfork(NULL, NULL, threads_atfork_child);
}

struct start {
	void *(*fn)(void *);
	void *arg;
};

static void *thread_start(void *arg)
{
	struct start s = *(struct start *)arg;

	free(arg);
	thread_add(gettid());
	pthread_setspecific(exit_key, &exit_key);
	return s.fn(s.arg);
}

DFT_API int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*fn)(void *),
			   void *arg)
{
	static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
	struct start *s = malloc(sizeof(*s));
	int ret;

	if (!real)
		real = (int (*)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
				void *))dlsym(RTLD_NEXT, "pthread_create");
	if (!s)
		return EAGAIN;
	pthread_once(&threads_once, threads_init);
	*s = (struct start){ fn, arg };
	ret = real(thread, attr, thread_start, s);
	if (ret)
		free(s);
	return ret;
}

/* The handler (trap.c): park until the batch is written. */
int dft_arch_trap(int sig, siginfo_t *si, void *ctx)
{
	int gen = __atomic_load_n(&stop_gen, __ATOMIC_ACQUIRE);
	unsigned int i;

	if (sig != DFT_TRAP_SIGNAL || si->si_code != SI_TKILL || si->si_pid != getpid() || !gen)
		return 0;
	i = __atomic_fetch_add(&parked, 1, __ATOMIC_ACQ_REL);
	if (i < nr_parked_pc)
		parked_pc[i] = ((ucontext_t *)ctx)->uc_mcontext.arm_pc;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	while (__atomic_load_n(&release_gen, __ATOMIC_ACQUIRE) != gen)
		sched_yield();
	__atomic_fetch_add(&left, 1, __ATOMIC_RELEASE);
	return 1;
}

/* A parked thread in the middle of a site whose bytes before it change. */
static int inside_changing_site(const struct dft_patch *batch, size_t n, size_t nr)
{
	for (size_t t = 0; t < nr; t++) {
		unsigned long pc = parked_pc[t];

		for (size_t i = 0; i < n; i++)
			if (pc > batch[i].addr && pc < batch[i].addr + batch[i].len &&
			    memcmp(batch[i].old, batch[i].new, pc - batch[i].addr))
				return 1;
	}
	return 0;
}

static void write_batch(const struct dft_patch *batch, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		memcpy((void *)batch[i].addr, batch[i].new, batch[i].len);
		__builtin___clear_cache((char *)batch[i].addr,
					(char *)batch[i].addr + batch[i].len);
	}
}

/* Stops the other threads, then writes the batch unless one of them is
 * inside a changing site; 1 when written. Threads lock held. */
static int stop_and_write(const struct dft_patch *batch, size_t n, int gen)
{
	pid_t pid = getpid(), self = gettid();
	size_t sent = 0, nr;
	int written = 0;

	__atomic_store_n(&parked, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&left, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&stop_gen, gen, __ATOMIC_RELEASE);
	/* The main thread is not created through pthread_create(). */
	if (self != pid && !tgkill(pid, pid, DFT_TRAP_SIGNAL))
		sent++;
	for (size_t i = 0; i < nr_tids; i++)
		if (tids[i] != self && tids[i] != pid && !tgkill(pid, tids[i], DFT_TRAP_SIGNAL))
			sent++;
	while (__atomic_load_n(&parked, __ATOMIC_ACQUIRE) < sent)
		sched_yield();
	nr = sent < nr_parked_pc ? sent : nr_parked_pc;
	if (!inside_changing_site(batch, n, nr)) {
		write_batch(batch, n);
		written = 1;
	}
	__atomic_store_n(&release_gen, gen, __ATOMIC_RELEASE);
	while (__atomic_load_n(&left, __ATOMIC_ACQUIRE) < sent)
		sched_yield();
	__atomic_store_n(&stop_gen, 0, __ATOMIC_RELEASE);
	return written;
}

void dft_arch_patch(struct dft_patch *batch, size_t n, int live)
{
	static int gen;
	unsigned long *pcs;

	if (!live) {
		write_batch(batch, n);
		return;
	}
	pthread_mutex_lock(&threads_lock);
	/* Allocated now: nothing that may take a lock a parked thread holds
	 * (malloc's, stdio's) runs while they are stopped. */
	pcs = malloc((nr_tids + 1) * sizeof(*pcs));
	parked_pc = pcs;
	nr_parked_pc = pcs ? nr_tids + 1 : 0;
	for (int tries = 0;; tries++) {
		struct timespec ts = { 0, 100000L << (tries < 10 ? tries : 10) };

		if (stop_and_write(batch, n, ++gen))
			break;
		nanosleep(&ts, NULL);
	}
	parked_pc = NULL;
	nr_parked_pc = 0;
	free(pcs);
	pthread_mutex_unlock(&threads_lock);
}
