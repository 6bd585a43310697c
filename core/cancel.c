// SPDX-License-Identifier: MIT
/*
 * Thread cancellation through graph-hooked frames.
 *
 * pthread_cancel() ends its target with a forced unwind that glibc starts
 * from inside itself (pthread_testcancel(), a cancellation point, or the
 * SIGCANCEL handler of an asynchronous cancellation) by calling libgcc_s's
 * _Unwind_ForcedUnwind through a pointer of its own: there is nothing to
 * interpose before it starts. Without the real return addresses, the
 * unwinder stops at the first hooked frame it reaches (the return hook's
 * unwind information says "end of stack") and glibc ends the thread
 * without running the cleanups of the frames beyond it.
 *
 * What the unwinder does call through a symbol is the lookup of each
 * frame's unwind table, and it looks up the frame it starts from before it
 * reads any return address: _dl_find_object() (libgcc_s's DWARF unwinder,
 * glibc >= 2.35) and __gnu_Unwind_Find_exidx() (ARM's EHABI unwinder).
 * Their interposers below tell graph.c, which ends the thread's hooked
 * frames as pthread_exit() does (real addresses back, reported as left),
 * unless an unwinder it started itself is running (a throw, a backtrace:
 * the addresses are back already) or none is hooked; and only for a thread
 * being cancelled: in glibc's SIGCANCEL handler, or one pthread_cancel()
 * was called for. This covers the cancellation's unwinder whatever the
 * language of the frames it meets first (C without a personality routine,
 * C with __attribute__((cleanup)), C++).
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The next definitions after ours, resolved at load time: an unwinder may
 * run in a signal handler (asynchronous cancellation), no place for dlsym.
 * Other constructors may run an unwinder first (lp_load.c's): they are
 * looked up then. */
static void *next_lookup, *next_pthread_cancel;

/* The context glibc's SIGCANCEL handler runs for, while it runs. */
static __thread void *cancel_uc;

/*
 * The threads pthread_cancel() was called for, until one's unwind starts:
 * a synchronous cancellation (pthread_testcancel(), a cancellation point)
 * runs in no handler of ours, and this is how its lookups are told from
 * those of another unwinder we did not start (the live patch stack check,
 * a profiler's), which must leave the hooked frames alone. Full, every
 * such unwinder is taken for a cancellation (a trace that shows live
 * frames as left, no worse).
 */
#define CANCEL_PENDING_MAX 64
static pthread_t cancel_pending[CANCEL_PENDING_MAX];
static int cancel_pending_full;

static void pending_add(pthread_t th)
{
	for (unsigned int i = 0; i < CANCEL_PENDING_MAX; i++) {
		pthread_t cur = __atomic_load_n(&cancel_pending[i], __ATOMIC_RELAXED);

		if (cur == th)
			return;
		if (!cur && __atomic_compare_exchange_n(&cancel_pending[i], &cur, th, 0,
							__ATOMIC_RELEASE, __ATOMIC_RELAXED))
			return;
	}
	__atomic_store_n(&cancel_pending_full, 1, __ATOMIC_RELAXED);
}

/* Whether @th's cancellation was asked for; forgets it. */
static int pending_take(pthread_t th)
{
	for (unsigned int i = 0; i < CANCEL_PENDING_MAX; i++) {
		pthread_t cur = th;

		if (__atomic_compare_exchange_n(&cancel_pending[i], &cur, 0, 0, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 1;
	}
	return __atomic_load_n(&cancel_pending_full, __ATOMIC_RELAXED);
}

/* Inlined into each interposer, whose frame the unwinder's are below. */
static inline __attribute__((always_inline)) void cancel_unwinder(void)
{
	int err = errno;

	if (dft_graph_unwinder_due() && (cancel_uc || pending_take(pthread_self())))
		dft_graph_unwinder(dft_arch_entry_sp(),
				   (unsigned long)__builtin_return_address(0), cancel_uc);
	errno = err;
}

#ifdef HAVE_DFT_EHABI
typedef unsigned long (*find_exidx_fn)(unsigned long pc, int *count);

#define LOOKUP_NAME "__gnu_Unwind_Find_exidx"

unsigned long __gnu_Unwind_Find_exidx(unsigned long pc, int *count);
DFT_API unsigned long __gnu_Unwind_Find_exidx(unsigned long pc, int *count)
{
	find_exidx_fn next = (find_exidx_fn)dft_next_find(&next_lookup, LOOKUP_NAME);

	cancel_unwinder();
	if (!next) {
		*count = 0;
		return 0;
	}
	return next(pc, count);
}
#else
typedef int (*find_object_fn)(void *pc, struct dl_find_object *result);

#define LOOKUP_NAME "_dl_find_object"

DFT_API int _dl_find_object(void *pc, struct dl_find_object *result)
{
	find_object_fn next = (find_object_fn)dft_next_find(&next_lookup, LOOKUP_NAME);

	cancel_unwinder();
	/* -1: not found, as glibc's answers for an address outside every
	 * object (libgcc_s then tries the frames registered by hand). */
	return next ? next(pc, result) : -1;
}
#endif

/*
 * Asynchronous cancellation (and a deferred one that finds its target
 * blocked in a cancellation point) is glibc's SIGCANCEL handler starting
 * the forced unwind wherever the thread was interrupted. Inside the
 * runtime (a trampoline, the return hook, a callback: the recursion guard
 * held or the pc in our text) that cannot go well: the return hook's
 * frame ends every unwind, and a shadow stack or a trace event may be
 * half written. So the handler is wrapped: a thread interrupted inside is
 * asked again a little later, by a one-shot timer that signals that very
 * thread, until it has left; then glibc's handler runs, as if
 * pthread_cancel's signal had just come (it checks the sender).
 *
 * glibc installs its handler (with a system call: its sigaction() refuses
 * SIGCANCEL) at the first pthread_cancel(), which may signal the target
 * at once; the interposer below makes glibc install it first, without a
 * cancellation, by cancelling a thread of its own that has cancellation
 * disabled, and wraps it before the real call.
 */
#define DFT_SIGCANCEL 32 /* glibc's SIGCANCEL: the kernel's first RT signal */
#define CANCEL_RETRY_NS 50000

/* The kernel's struct sigaction (rt_sigaction), the same on our targets. */
struct ksigaction {
	void (*handler)(int, siginfo_t *, void *);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask[8 / sizeof(long)];
};

static void (*glibc_cancel_handler)(int, siginfo_t *, void *);
static pthread_once_t cancel_once = PTHREAD_ONCE_INIT;
/* This thread's retry timer: its id + 1, 0 for none; and the process it
 * was created in (a fork child has none of its parent's timers). */
static __thread int cancel_timer;
static __thread pid_t cancel_timer_pid;
static char cancel_timer_tag; /* its address tags the timer's signals */

/* A one-shot timer that sends SIGCANCEL to this thread in a moment. 0 if
 * it could not be armed. */
static int cancel_retry(pid_t pid)
{
	struct itimerspec its = { { 0, 0 }, { 0, CANCEL_RETRY_NS } };

	if (cancel_timer_pid != pid)
		cancel_timer = 0;
	if (!cancel_timer) {
		struct sigevent sev = { 0 };
		int id;

		sev.sigev_value.sival_ptr = &cancel_timer_tag;
		sev.sigev_signo = DFT_SIGCANCEL;
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev._sigev_un._tid = (pid_t)syscall(SYS_gettid);
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id))
			return 0;
		cancel_timer = id + 1;
		cancel_timer_pid = pid;
	}
	return !syscall(SYS_timer_settime, cancel_timer - 1, 0, &its, NULL);
}

static void cancel_handler(int sig, siginfo_t *si, void *uc)
{
	int ours = si->si_code == SI_TIMER && si->si_value.sival_ptr == &cancel_timer_tag;
	pid_t pid = (pid_t)syscall(SYS_getpid);
	unsigned long pc, sp, lr;
	siginfo_t tkill;
	int err = errno;

	dft_arch_uc_regs(uc, &pc, &sp, &lr);
	/* Only what glibc's handler acts on (pthread_cancel's tgkill, from
	 * this process) waits: it ignores anything else, and so do we. */
	if ((ours || (si->si_code == SI_TKILL && si->si_pid == pid)) &&
	    dft_interrupted_inside(pc) && cancel_retry(pid)) {
		errno = err;
		return;
	}
	if (ours) {
		/* As pthread_cancel's: glibc's handler checks the sender. */
		if (cancel_timer && cancel_timer_pid == pid)
			syscall(SYS_timer_delete, cancel_timer - 1);
		cancel_timer = 0;
		memset(&tkill, 0, sizeof(tkill));
		tkill.si_signo = sig;
		tkill.si_code = SI_TKILL;
		tkill.si_pid = pid;
		tkill.si_uid = (uid_t)syscall(SYS_getuid);
		si = &tkill;
	}
	errno = err;
	/* Its unwinder reads the interrupted registers: graph.c may have
	 * to give the link register its real address. */
	cancel_uc = uc;
	glibc_cancel_handler(sig, si, uc);
	cancel_uc = NULL;
}

/* Wraps glibc's handler once it is installed; 1 if it is wrapped. */
static int cancel_wrap(void)
{
	struct ksigaction ka;

	if (__atomic_load_n(&glibc_cancel_handler, __ATOMIC_ACQUIRE))
		return 1;
	if (syscall(SYS_rt_sigaction, DFT_SIGCANCEL, NULL, &ka, sizeof(ka.mask)) ||
	    !(ka.flags & SA_SIGINFO) || !ka.handler || ka.handler == cancel_handler)
		return 0;
	__atomic_store_n(&glibc_cancel_handler, ka.handler, __ATOMIC_RELEASE);
	ka.handler = cancel_handler;
	if (syscall(SYS_rt_sigaction, DFT_SIGCANCEL, &ka, NULL, sizeof(ka.mask))) {
		__atomic_store_n(&glibc_cancel_handler, NULL, __ATOMIC_RELEASE);
		return 0;
	}
	return 1;
}

static pthread_barrier_t cancel_bar;

static void *cancel_dummy(void *arg)
{
	int old;

	(void)arg;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	pthread_barrier_wait(&cancel_bar);
	pthread_barrier_wait(&cancel_bar);
	return NULL;
}

__attribute__((constructor)) static void cancel_resolve(void)
{
	dft_next_find(&next_lookup, LOOKUP_NAME);
	dft_next_find(&next_pthread_cancel, "pthread_cancel");
}

static void cancel_install(void)
{
	int (*next)(pthread_t) = (int (*)(pthread_t))next_pthread_cancel;
	pthread_t t;

	dft_rt_text_init();
	if (cancel_wrap() || !next || pthread_barrier_init(&cancel_bar, NULL, 2))
		return;
	if (!pthread_create(&t, NULL, cancel_dummy, NULL)) {
		pthread_barrier_wait(&cancel_bar);
		next(t);
		pthread_barrier_wait(&cancel_bar);
		pthread_join(t, NULL);
		cancel_wrap();
	}
	pthread_barrier_destroy(&cancel_bar);
}

DFT_API int pthread_cancel(pthread_t th)
{
	int (*next)(pthread_t) =
		(int (*)(pthread_t))dft_next_find(&next_pthread_cancel, "pthread_cancel");

	if (!next)
		return ENOSYS;
	pthread_once(&cancel_once, cancel_install);
	pending_add(th);
	return next(th);
}
