// SPDX-License-Identifier: MIT
/*
 * The trap handler of trap-based patch protocols, and its coexistence with
 * the program's own handler for the same signal.
 *
 * Our handler must stay installed as long as a late trap can arrive, yet a
 * program (a debugger-like one, say) may install its own. So sigaction()
 * (sigctx.c's interposer) hands that one signal to dft_trap_sigaction():
 * the program's handler is recorded, not installed, and every trap that is not ours is passed on
 * to it exactly as the kernel would have (or gets the default action).
 * And the program may not block it (see unblockable() below).
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "internal.h"

#ifdef HAVE_DFT_TRAP_PATCHING

int dft_arch_trap(int sig, siginfo_t *si, void *ctx);

static struct sigaction app_action; /* what the program believes is installed */
static int installed;
int dft_trap_signal;

static void trap_handler(int sig, siginfo_t *si, void *ctx)
{
	struct sigaction app = app_action;

	if (dft_stop_handler(sig, si, ctx) || dft_arch_trap(sig, si, ctx))
		return;
	/* Not ours: the program's handler (in a context of its own), or
	 * what the kernel would have done (sigctx.c). */
	dft_ctx_call(sig, si, ctx, &app);
}

/*
 * Where the port's signal is a real-time one (a stop signal, not a trap the
 * CPU raises), the program may use it too: DYNFTRACE_SIGNAL=N (or RTMIN+N)
 * picks another, and a default the program already handles is passed over
 * for the next free one. Its own handler would still be chained, but it
 * would see our stop requests' signal numbers in its statistics.
 */
static int choose_signal(void)
{
	const char *env = getenv("DYNFTRACE_SIGNAL");
	int sig = DFT_TRAP_SIGNAL;
	struct sigaction cur;

	if (DFT_TRAP_SIGNAL < SIGRTMIN)
		return sig;
	if (env && *env) {
		char *end;
		long v = !strncmp(env, "RTMIN+", 6) ? SIGRTMIN + strtol(env + 6, &end, 10) :
						       strtol(env, &end, 10);

		if (*end || v < SIGRTMIN || v > SIGRTMAX) {
			pr_err("DYNFTRACE_SIGNAL=%s: not a real-time signal (%d..%d, or RTMIN+N): using %d",
			       env, SIGRTMIN, SIGRTMAX, sig);
			return sig;
		}
		return (int)v;
	}
	for (int s = sig; s <= SIGRTMAX; s++) {
		if (dft_real_sigaction(s, NULL, &cur))
			continue;
		if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL)
			return s;
	}
	pr_warn("every real-time signal from %d has a handler: sharing %d with the program", sig,
		sig);
	return sig;
}

int dft_trap_init(void)
{
	struct sigaction sa = { .sa_sigaction = trap_handler };

	dft_trap_signal = choose_signal();
	/* SA_NODEFER: a handler of the program may run traced code, which
	 * may trap again. SA_ONSTACK: honour a thread's alternate stack. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NODEFER | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (dft_real_sigaction(dft_trap_signal, &sa, &app_action))
		return -errno;
	/* Installed before us, through our sigaction(): the program's own. */
	dft_ctx_unwrap(dft_trap_signal, &app_action);
	installed = 1;
	return 0;
}

/* The program's sigaction() of the trap signal: recorded, not installed. */
int dft_trap_sigaction(int sig, const struct sigaction *act, struct sigaction *old, int *ret)
{
	if (sig != dft_trap_signal || !installed)
		return 0;
	if (old)
		*old = app_action;
	if (act)
		app_action = *act;
	*ret = 0;
	return 1;
}

/*
 * The program may not block the trap signal. A trap (int3) taken while it
 * is blocked is not queued: the kernel resets its action to the default
 * and the process dies of it. And a stop signal (ARM) that is blocked, or
 * read from a signalfd, never reaches its handler: the patcher would wait
 * for ever. So it is taken out of every mask the program sets: the
 * thread's, a handler's sa_mask, and a signalfd's.
 */
static const sigset_t *unblockable(const sigset_t *set, sigset_t *buf)
{
	int sig = dft_trap_signal ? dft_trap_signal : DFT_TRAP_SIGNAL;

	if (!set || !sigismember(set, sig))
		return set;
	*buf = *set;
	sigdelset(buf, sig);
	return buf;
}

void dft_trap_unblockable(sigset_t *set)
{
	if (installed)
		sigdelset(set, dft_trap_signal);
}

static void *next_fn(void **cache, const char *name)
{
	void *p = __atomic_load_n(cache, __ATOMIC_RELAXED);

	if (!p) {
		p = dlsym(RTLD_NEXT, name);
		__atomic_store_n(cache, p, __ATOMIC_RELAXED);
	}
	return p;
}

DFT_API int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	static void *real;
	int (*fn)(int, const sigset_t *, sigset_t *) = next_fn(&real, "pthread_sigmask");
	sigset_t buf;

	return fn(how, how == SIG_UNBLOCK ? set : unblockable(set, &buf), old);
}

DFT_API int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	static void *real;
	int (*fn)(int, const sigset_t *, sigset_t *) = next_fn(&real, "sigprocmask");
	sigset_t buf;

	return fn(how, how == SIG_UNBLOCK ? set : unblockable(set, &buf), old);
}

DFT_API int signalfd(int fd, const sigset_t *mask, int flags)
{
	static void *real;
	int (*fn)(int, const sigset_t *, int) = next_fn(&real, "signalfd");
	sigset_t buf;

	return fn(fd, unblockable(mask, &buf), flags);
}

#else

int dft_trap_init(void)
{
	return 0;
}

int dft_trap_sigaction(int sig, const struct sigaction *act, struct sigaction *old, int *ret)
{
	return 0;
}

void dft_trap_unblockable(sigset_t *set)
{
}

#endif
