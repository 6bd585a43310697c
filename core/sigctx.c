// SPDX-License-Identifier: MIT
/*
 * Recursion contexts: each signal handler of the program runs in a context
 * of its own, as the kernel keeps one recursion bit per context (normal,
 * softirq, irq, NMI).
 *
 * One bit, dft_thread.seq's odd bit, marks a thread inside the callbacks;
 * a traced call that finds it set is a recursion and is left untraced. A
 * signal handler that interrupts a callback (or a return hook, or an
 * interposer) finds it set too, yet its calls are no recursion: without
 * contexts they ran untraced and, worse, without their live patch
 * redirect, so the old code of a patched function ran. So every handler
 * the program installs through sigaction() or the signal() family (whose
 * glibc versions do not call the sigaction symbol) is wrapped: the wrapper
 * opens context d + 1 around it, noting whether seq was odd when it began.
 * entry.c's odd path then tells a recursion from a call of a context that
 * interrupted one that is inside (dft_entry_odd()).
 *
 * The wrapper is invisible: sigaction() reports what the program installed
 * (its flags, mask and kind of handler), SIG_IGN and SIG_DFL are installed
 * as they are, SA_RESETHAND resets the recorded action too. It takes no
 * lock and touches no errno. A handler that leaves by siglongjmp never
 * closes its context: a context is dropped when the next signal
 * interrupts code above the wrapper's frame, or a traced call is made
 * from there (ctx_open()), whatever the jump.
 * Handlers installed before the runtime loaded (dynftrace record -p,
 * attach) are wrapped when it starts (dft_ctx_wrap_installed()).
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "internal.h"

static int (*next_sigaction)(int, const struct sigaction *, struct sigaction *);

int dft_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int (*fn)(int, const struct sigaction *, struct sigaction *) =
		__atomic_load_n(&next_sigaction, __ATOMIC_RELAXED);

	if (!fn) {
		fn = (int (*)(int, const struct sigaction *, struct sigaction *))dlsym(RTLD_NEXT,
										      "sigaction");
		if (!fn) {
			errno = ENOSYS;
			return -1;
		}
		__atomic_store_n(&next_sigaction, fn, __ATOMIC_RELAXED);
	}
	return fn(sig, act, old);
}

/* What the program installed, for each signal whose handler is wrapped.
 * Written before the wrapper is installed, read by it field by field. */
static struct sigaction app_act[_NSIG];

/* The contexts still open at @sp, a stack pointer of the running or the
 * interrupted code: a handler's frames are below its wrapper's, on
 * whatever stack, so a stack pointer above it means a siglongjmp left
 * the handler. */
static unsigned int ctx_open(struct dft_thread *t, unsigned long sp)
{
	unsigned int d = t->ctx;

	while (d && (d >= DFT_CTX_MAX || sp > t->ctx_sp[d]))
		d--;
	if (d != t->ctx)
		WRITE_ONCE(t->ctx, d);
	return d;
}

unsigned int dft_ctx_current(struct dft_thread *t)
{
	return ctx_open(t, (unsigned long)__builtin_frame_address(0));
}

void dft_ctx_call(int sig, siginfo_t *si, void *uc, const struct sigaction *app)
{
	struct dft_thread *t = &dft_thread;
	unsigned long pc, sp, lr;
	unsigned int prev, d;

	/* What the signal interrupted: our own frame would be where the
	 * frames of a handler a siglongjmp left were, not above them. */
	dft_arch_uc_regs(uc, &pc, &sp, &lr);
	prev = ctx_open(t, sp);
	d = prev + 1;

	if (app->sa_handler == SIG_IGN && !(app->sa_flags & SA_SIGINFO))
		return;
	if (app->sa_handler == SIG_DFL && !(app->sa_flags & SA_SIGINFO)) {
		/* Changed while the signal was on its way: its default
		 * action, as the kernel would have taken it. */
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		int saved = errno;

		sigemptyset(&dfl.sa_mask);
		dft_real_sigaction(sig, &dfl, NULL);
		raise(sig);
		errno = saved;
		return;
	}
	/* Each context owns its bits and sets them here, at its start: a
	 * nested one that interrupts a read-modify-write of them below may
	 * see its own bit written back stale, never ours. */
	if (d < DFT_CTX_MAX) {
		unsigned int bit = 1U << d;

		t->ctx_sp[d] = (unsigned long)__builtin_frame_address(0);
		if (t->seq & 1)
			t->ctx_intr |= bit;
		else
			t->ctx_intr &= ~bit;
		t->ctx_busy &= ~bit;
		barrier();
		WRITE_ONCE(t->ctx, d);
	}
	barrier();
	if (app->sa_flags & SA_SIGINFO)
		app->sa_sigaction(sig, si, uc);
	else
		app->sa_handler(sig);
	barrier();
	WRITE_ONCE(t->ctx, prev);
}

static void ctx_handler(int sig, siginfo_t *si, void *uc)
{
	struct sigaction *rec = &app_act[sig], app;

	app.sa_flags = READ_ONCE(rec->sa_flags);
	app.sa_sigaction = READ_ONCE(rec->sa_sigaction);
	if (app.sa_flags & SA_RESETHAND) {
		/* The kernel reset the real action on delivery. */
		WRITE_ONCE(rec->sa_flags, 0);
		WRITE_ONCE(rec->sa_handler, SIG_DFL);
	}
	dft_ctx_call(sig, si, uc, &app);
}

static int wrapped(const struct sigaction *a)
{
	return (a->sa_flags & SA_SIGINFO) && a->sa_sigaction == ctx_handler;
}

void dft_ctx_unwrap(int sig, struct sigaction *act)
{
	if (sig > 0 && sig < _NSIG && wrapped(act))
		*act = app_act[sig];
}

static int ctx_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction buf, prev, rec;
	int ret;

	if (dft_trap_sigaction(sig, act, old, &ret))
		return ret;
	if (sig <= 0 || sig >= _NSIG)
		return dft_real_sigaction(sig, act, old);
	rec = app_act[sig];
	if (act) {
		buf = *act;
		/* The program may not block the trap signal (trap.c). */
		dft_trap_unblockable(&buf.sa_mask);
		if ((buf.sa_flags & SA_SIGINFO) ||
		    (buf.sa_handler != SIG_DFL && buf.sa_handler != SIG_IGN)) {
			app_act[sig] = *act;
			__atomic_thread_fence(__ATOMIC_RELEASE);
			buf.sa_sigaction = ctx_handler;
			buf.sa_flags |= SA_SIGINFO;
		}
		act = &buf;
	}
	ret = dft_real_sigaction(sig, act, old ? &prev : NULL);
	if (ret) {
		app_act[sig] = rec;
		return ret;
	}
	if (old)
		*old = wrapped(&prev) ? rec : prev;
	return 0;
}

/*
 * Handlers installed before the runtime loaded are wrapped as if installed
 * now: those of a process we attach to (every thread is stopped while the
 * constructor runs: nothing changes them meanwhile), or of a library
 * constructor that ran before ours. Left alone: the trap signal (trap.c
 * chains to the program's handler through the wrapper already), and the
 * signals glibc keeps for itself, between the classic ones and SIGRTMIN.
 */
void dft_ctx_wrap_installed(void)
{
	for (int sig = 1; sig < _NSIG; sig++) {
		struct sigaction cur;
		int ret;

		if (sig == SIGKILL || sig == SIGSTOP || (sig > 31 && sig < SIGRTMIN) ||
		    dft_trap_sigaction(sig, NULL, &cur, &ret))
			continue;
		if (dft_real_sigaction(sig, NULL, &cur) || wrapped(&cur))
			continue;
		if (!(cur.sa_flags & SA_SIGINFO) &&
		    (cur.sa_handler == SIG_DFL || cur.sa_handler == SIG_IGN))
			continue;
		if (ctx_sigaction(sig, &cur, NULL))
			pr_debug("signal %d: its handler stays unwrapped (%s)", sig, strerror(errno));
	}
}

DFT_API int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return ctx_sigaction(sig, act, old);
}

DFT_API int __sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	return ctx_sigaction(sig, act, old);
}

/* The signal() family as glibc defines it, on our sigaction(). */
static sighandler_t set_handler(int sig, sighandler_t handler, int flags, int mask_sig)
{
	struct sigaction sa = { .sa_handler = handler }, old;

	if (handler == SIG_ERR || sig <= 0 || sig >= _NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	if (mask_sig)
		sigaddset(&sa.sa_mask, sig);
	if (ctx_sigaction(sig, &sa, &old))
		return SIG_ERR;
	return old.sa_handler;
}

/* BSD semantics, glibc's default: restarted, the signal blocked inside.
 * (glibc leaves SA_RESTART out for the signals siginterrupt() named; we
 * cannot see that set.) */
DFT_API sighandler_t signal(int sig, sighandler_t handler)
{
	return set_handler(sig, handler, SA_RESTART, 1);
}

DFT_API sighandler_t bsd_signal(int sig, sighandler_t handler)
{
	return set_handler(sig, handler, SA_RESTART, 1);
}

DFT_API sighandler_t ssignal(int sig, sighandler_t handler)
{
	return set_handler(sig, handler, SA_RESTART, 1);
}

/* System V semantics: one shot, not blocked, interrupting. */
DFT_API sighandler_t sysv_signal(int sig, sighandler_t handler)
{
	return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER, 0);
}

DFT_API sighandler_t __sysv_signal(int sig, sighandler_t handler)
{
	return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER, 0);
}

/* System V release 3: SIG_HOLD blocks the signal, anything else unblocks
 * it; the old disposition is SIG_HOLD if it was blocked. */
DFT_API sighandler_t sigset(int sig, sighandler_t disp)
{
	struct sigaction sa = { .sa_handler = disp }, old;
	sigset_t set, oset;

	if (disp == SIG_ERR || sig <= 0 || sig >= _NSIG) {
		errno = EINVAL;
		return SIG_ERR;
	}
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (disp == SIG_HOLD) {
		if (pthread_sigmask(SIG_BLOCK, &set, &oset) || ctx_sigaction(sig, NULL, &old))
			return SIG_ERR;
	} else {
		sigemptyset(&sa.sa_mask);
		if (ctx_sigaction(sig, &sa, &old) || pthread_sigmask(SIG_UNBLOCK, &set, &oset))
			return SIG_ERR;
	}
	return sigismember(&oset, sig) ? SIG_HOLD : old.sa_handler;
}

/*
 * seq was odd: this thread is inside, in this context or in one a signal
 * handler interrupted (the kernel's per-context recursion bits, in
 * sigctx.c's terms). A context that is inside itself (a callback called a
 * traced function) runs the function's redirect alone: a live patch is
 * never skipped. A handler that interrupted a callback, a return hook or
 * an interposer runs the callbacks itself, except those that are not
 * reentrant, and leaves seq alone: the interrupted context is inside for
 * as long as the handler runs, so a grace period that saw seq odd waits
 * for both.
 */
static void odd_calls(struct dft_thread *t, unsigned long ip, unsigned long parent_ip,
		      struct dft_regs *regs, int full)
{
	unsigned int d = dft_ctx_current(t), bit = 1U << d;
	struct dft_ops *ops;

	if (!d || !(t->ctx_intr & bit) || (t->ctx_busy & bit)) {
		if (full)
			dft_ops_redirect(ip, parent_ip, regs);
		return;
	}
	t->ctx_busy |= bit;
	barrier();
	ops = READ_ONCE(dft_single_ops);
	if (ops && !(ops->flags & DFT_OPS_FL_NOT_REENTRANT))
		ops->func(ip, parent_ip, ops, regs);
	else if (ops && dft_ctx_lost)
		dft_ctx_lost(ops);
	else if (!ops)
		dft_ops_list_nested(ip, parent_ip, regs, full);
	barrier();
	t->ctx_busy &= ~bit;
}

void dft_entry_odd(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs, int full)
{
	struct dft_thread *t = &dft_thread;

	/* Ignored: it runs nothing, and grace periods do not wait for it. */
	if (t->ignored)
		return;
	/* Not in the list grace periods walk: a handler that interrupted
	 * the thread's first traced call while it registers (under qemu,
	 * where signals wait for the end of a block of code, the first
	 * ones of a timer often land there), or a TLS destructor after the
	 * thread left the list. Its redirects must still run. */
	if (unlikely(!t->registered)) {
		dft_unlisted_enter();
		odd_calls(t, ip, parent_ip, regs, full);
		dft_unlisted_exit();
		return;
	}
	odd_calls(t, ip, parent_ip, regs, full);
}

/* A thread that cannot register now (a signal handler interrupted its own
 * use of the thread list: dft_thread_register()) makes a call of its own,
 * seq odd: its callbacks run where grace periods still see them. */
void dft_entry_unlisted(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs, int full)
{
	dft_unlisted_enter();
	dft_dispatch(ip, parent_ip, regs, full);
	dft_unlisted_exit();
}
