// SPDX-License-Identifier: MIT
/*
 * Live patching: redirection, stacking and the per-thread consistency
 * model (the kernel's livepatch model, in user space).
 *
 * Redirection. One IPMODIFY ops owns every patched function. Its callback
 * finds the function's record by the site address and sends the call to
 * the newest version stacked on it. A second patch of a function stacks on
 * the first; reverting it brings the first back. The original code stays
 * reachable past the site (DFT_LIVEPATCH_ORIG), where no ops sees it.
 *
 * Consistency. Applying (or reverting) a patch is a transition. Each thread
 * has a state, patched or unpatched, relative to the patch in transition:
 * the versions of that patch are used by a thread only in the patched
 * state. A thread moves to the target state only at a moment when none of
 * the functions it leaves is on its stack, so one call chain never mixes
 * old and new functions. A thread moves itself, in a signal handler, when
 * the transition asks it to (every thread that has not moved yet, once per
 * round): the handler checks the stack of the code it interrupted. Not at
 * the entry of a patched function: a tail call may have just left another
 * function of the patch, whose frame is gone while its call chain goes on.
 * The transition ends when a fresh list of /proc/self/task shows every
 * thread moved; a thread created after that list starts after the
 * transition's versions are final for it (see trans_run()).
 *
 * The stack check is the same on every architecture: the interrupted pc
 * and link register (a leaf's return address lives there on ARM and
 * AArch64), then every word from the stack pointer to the end of the
 * thread's stack mapping, against the address ranges of the functions
 * being left. It is conservative: a stale word that looks like a return
 * address into one of them delays the switch (never a wrong switch), and
 * it needs no frame pointers and no unwind tables, which optimised ARM code
 * lacks. A range is [start, end): the first byte counts (a trampoline that
 * has chosen a version holds that address until it jumps there), the end
 * is the next function's first byte (main's address is on every main
 * thread's stack).
 */
#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

#include "array.h"
#include "lp.h"

enum { LP_UNPATCHED, LP_PATCHED };

struct lp_range {
	unsigned long lo, hi;
	const char *name;
};

/* A thread's answer to a stack-check request. */
struct lp_answer {
	pid_t tid;
	int state;	     /* 0: none yet, 1: at the target, 2: busy */
	unsigned long where; /* busy: the address found on its stack */
};

/* One round of requests, published as one pointer. */
struct lp_round {
	size_t n;
	struct lp_answer a[];
};

struct lp_trans {
	unsigned long gen;
	int initial, target;
	int immediate;
	int done; /* every thread is at the target (or forced) */
	/* Functions a thread leaves on its way to each state. */
	struct lp_range *rng[2];
	size_t nr_rng[2];
	struct lp_round *round; /* this round's requests */
};

/* The callback's view of the patched functions: an open-addressing table
 * by site address, replaced as a whole and freed after a grace period. */
struct lp_table {
	size_t mask;
	struct lp_func *slot[];
};

struct lp_self {
	unsigned long gen; /* the transition whose state is below */
	int state;
	unsigned long stk_lo, stk_hi; /* the mapping of its stack, as last seen */
};

static __thread struct lp_self lp_self __attribute__((tls_model("initial-exec")));
static pthread_mutex_t lp_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lp_trans *lp_cur;
/* NULL while nothing is patched (the tracers test it inline). */
struct lp_table *dft_lp_table;
static struct lp_patch *lp_patches;
static unsigned long lp_gen;
static int lp_sig, lp_handlers;
static struct lp_func **lp_funcs; /* every record, for the table and filter */
static size_t lp_nr_funcs, lp_cap_funcs;

static void lp_call(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		    struct dft_regs *regs);

static struct dft_ops lp_ops = {
	.func = lp_call,
	.flags = DFT_OPS_FL_SAVE_REGS | DFT_OPS_FL_IPMODIFY,
};
static int lp_ops_on;

void dft_lp_say(struct lp_msg *m, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof(line), "dynftrace: ");

	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (m && m->fn) {
		m->fn(line, m->arg);
	} else {
		size_t len = strlen(line);

		line[len < sizeof(line) - 1 ? len : len - 1] = '\n';
		if (write(2, line, len + (len < sizeof(line) - 1)) < 0)
			return;
	}
}

/* ---- the callback ---- */

static size_t site_hash(unsigned long site, size_t mask)
{
	return (size_t)(((uint64_t)site * 0x9e3779b97f4a7c15ULL) >> 29) & mask;
}

static struct lp_func *table_find(const struct lp_table *t, unsigned long site)
{
	for (size_t i = site_hash(site, t->mask);; i = (i + 1) & t->mask) {
		struct lp_func *f = t->slot[i];

		if (!f || f->site == site)
			return f;
	}
}

static const struct lp_range *range_find(const struct lp_range *r, size_t n, unsigned long a)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (a < r[mid].lo)
			hi = mid;
		else if (a >= r[mid].hi)
			lo = mid + 1;
		else
			return &r[mid];
	}
	return NULL;
}

/* Whether a function of @r is on the stack above @sp, or at @pc or @lr;
 * 1 with *where set, or -1 when the stack cannot be read. */
static int stack_hit(const struct lp_range *r, size_t n, unsigned long pc, unsigned long lr,
		     unsigned long sp, unsigned long *where)
{
	struct lp_self *me = &lp_self;
	const unsigned long *w, *end;

	if ((pc && range_find(r, n, pc)) || (lr && range_find(r, n, lr))) {
		*where = pc && range_find(r, n, pc) ? pc : lr;
		return 1;
	}
	if (sp < me->stk_lo || sp >= me->stk_hi) {
		if (!dft_stack_mapping(sp, &me->stk_lo, &me->stk_hi))
			return -1;
	}
	end = (const unsigned long *)me->stk_hi;
	/* A stack larger than this is rather a heap (an alternate stack). */
	if (me->stk_hi - sp > (8UL << 20))
		end = (const unsigned long *)(sp + (8UL << 20));
	for (w = (const unsigned long *)(sp & ~(sizeof(long) - 1)); w < end; w++) {
		if (range_find(r, n, *w)) {
			*where = *w;
			return 1;
		}
	}
	return 0;
}

/*
 * The precise check, where the unwind tables allow it: the call chain of
 * the interrupted code, frame by frame through the signal frame, with
 * libgcc's unwinder (looked up, not linked: the runtime stays libc-only;
 * with glibc 2.35 and later it finds tables without a lock). Returns 1 on
 * a hit, 0 when the whole chain was walked clean, or -1 with *@rest set to
 * the stack address from which the conservative scan must take over.
 */
static _Unwind_Reason_Code (*uw_backtrace)(_Unwind_Trace_Fn, void *);
static _Unwind_Ptr (*uw_getipinfo)(struct _Unwind_Context *, int *);
static _Unwind_Word (*uw_getcfa)(struct _Unwind_Context *);

struct uw_walk {
	const struct lp_range *r;
	size_t n;
	int seen_signal, hit;
	unsigned long where, cfa;
};

static _Unwind_Reason_Code uw_frame(struct _Unwind_Context *ctx, void *arg)
{
	struct uw_walk *w = arg;
	int before = 0;
	unsigned long ip = uw_getipinfo(ctx, &before);

	if (!w->seen_signal) {
		/* Our handler's frames; the interrupted one comes next with
		 * its exact pc (ip_before_insn). */
		w->seen_signal = before;
		if (!before)
			return _URC_NO_REASON;
	}
	w->cfa = uw_getcfa(ctx);
	/* A return address points past its call (ip - 1 is in the caller),
	 * but a trampoline that chose a version returns to its first byte. */
	if (range_find(w->r, w->n, ip) || (!before && range_find(w->r, w->n, ip - 1))) {
		w->hit = 1;
		w->where = ip;
		return _URC_END_OF_STACK;
	}
	return _URC_NO_REASON;
}

static int unwind_hit(const struct lp_range *r, size_t n, unsigned long *where,
		      unsigned long *rest)
{
	struct uw_walk w = { r, n, 0, 0, 0, 0 };
	_Unwind_Reason_Code rc;

	if (!uw_backtrace)
		return -1;
	rc = uw_backtrace(uw_frame, &w);
	if (w.hit) {
		*where = w.where;
		return 1;
	}
	if (rc == _URC_END_OF_STACK && w.seen_signal)
		return 0;
	if (!w.seen_signal || !w.cfa)
		return -1;
	/* Frames beyond the last one with tables: scan from there, with the
	 * return address just below that frame's CFA. */
	*rest = w.cfa - 2 * sizeof(long);
	return -1;
}

static _Unwind_Reason_Code uw_nothing(struct _Unwind_Context *ctx, void *arg)
{
	(void)ctx;
	(void)arg;
	return _URC_NO_REASON;
}

/* Finds the unwinder, loading libgcc_s if the program has not (not from a
 * signal handler: here, in the transition's thread), and runs it once so
 * that its one-time set-up is not done in a handler. */
static void unwind_init(void)
{
	void *h;

	if (uw_backtrace || getenv("DYNFTRACE_LIVEPATCH_NO_UNWIND"))
		return;
	dft_rt_text_init();
	h = dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return;
	uw_getipinfo = (_Unwind_Ptr(*)(struct _Unwind_Context *, int *))dlsym(h, "_Unwind_GetIPInfo");
	uw_getcfa = (_Unwind_Word(*)(struct _Unwind_Context *))dlsym(h, "_Unwind_GetCFA");
	if (!uw_getipinfo || !uw_getcfa)
		return;
	uw_backtrace = (_Unwind_Reason_Code(*)(_Unwind_Trace_Fn, void *))dlsym(h, "_Unwind_Backtrace");
	if (uw_backtrace)
		uw_backtrace(uw_nothing, NULL);
}

/* The state of this thread in @tr; moves it to the target when its stack
 * (from @sp up, plus @pc and @lr) holds none of the functions it leaves. */
static int thread_state(struct lp_trans *tr, unsigned long pc, unsigned long lr,
			unsigned long sp, int unwind, unsigned long *where)
{
	struct lp_self *me = &lp_self;
	int state = me->gen == tr->gen ? me->state : tr->initial;
	const struct lp_range *r = tr->rng[tr->target];
	size_t n = tr->nr_rng[tr->target];
	unsigned long dummy, rest = sp;
	int hit;

	if (state == tr->target)
		return state;
	/* The unwinder only for a thread blocked in a system call, whose
	 * stack stays as it is (a stale word would stall it for ever). A
	 * running thread gets the scan: a false hit only means "ask again
	 * next round", and the tables may not describe every instruction of
	 * a trampoline (a rewritten return slot, a half-restored frame). */
	if (!pc || dft_in_rt_text(pc) || !dft_arch_at_syscall(pc))
		unwind = 0;
	hit = unwind ? unwind_hit(r, n, where ? where : &dummy, &rest) : -1;
	if (hit < 0 && rest != sp) {
		/* The precise part passed pc and lr; scan only the rest. */
		hit = stack_hit(r, n, 0, 0, rest, where ? where : &dummy);
	} else if (hit < 0) {
		hit = stack_hit(r, n, pc, lr, sp, where ? where : &dummy);
	}
	if (hit)
		return state;
	me->state = tr->target;
	me->gen = tr->gen;
	return tr->target;
}

/* The version a call of the function whose site is @ip runs in this
 * thread: NULL for the original (or a function not patched). */
static __attribute__((always_inline)) inline struct lp_ver *lp_version(unsigned long ip)
{
	struct lp_table *t = __atomic_load_n(&dft_lp_table, __ATOMIC_ACQUIRE);
	struct lp_func *f = t ? table_find(t, ip) : NULL;
	struct lp_ver *v;

	if (!f)
		return NULL;
	v = __atomic_load_n(&f->top, __ATOMIC_ACQUIRE);
	if (v && __atomic_load_n(&v->transition, __ATOMIC_ACQUIRE)) {
		struct lp_trans *tr = __atomic_load_n(&lp_cur, __ATOMIC_ACQUIRE);
		int state = LP_PATCHED;

		/* No switch here: a tail call may have just left a function
		 * of the patch, whose frame is gone but whose chain goes on. */
		if (tr && !tr->immediate && !READ_ONCE(tr->done))
			state = lp_self.gen == tr->gen ? lp_self.state : tr->initial;
		else if (tr)
			state = tr->target;
		if (state != LP_PATCHED)
			v = v->next;
	}
	return v;
}

static void lp_call(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		    struct dft_regs *regs)
{
	struct lp_ver *v = lp_version(ip);

	if (v)
		dft_regs_set_ip(regs, v->repl);
}

/* A tracer's callback runs at the same site as lp_call(), in the same
 * thread state (a stack check never moves a thread whose stack holds the
 * site's function), so both see the same version. */
const char *dft_lp_patched_slow(unsigned long ip)
{
	struct lp_ver *v = lp_version(ip);

	return v ? v->name : NULL;
}

/* ---- the stack check request ---- */

static void lp_handler(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	struct lp_trans *tr;

	__atomic_add_fetch(&lp_handlers, 1, __ATOMIC_ACQ_REL);
	tr = __atomic_load_n(&lp_cur, __ATOMIC_ACQUIRE);
	if (tr && si->si_code == SI_TKILL && si->si_pid == getpid()) {
		struct lp_round *rd = __atomic_load_n(&tr->round, __ATOMIC_ACQUIRE);
		struct lp_answer *ans = rd ? rd->a : NULL;
		size_t n = rd ? rd->n : 0;
		pid_t tid = (pid_t)syscall(SYS_gettid);
		unsigned long pc, sp, lr, where = 0;
		int state;

		dft_arch_uc_regs(uc, &pc, &sp, &lr);
		/* Inside our callbacks or trampolines: a version may be chosen
		 * and not yet reached (AArch64 holds it in x9 until `ret x9`). */
		if (dft_interrupted_inside(pc))
			state = -1;
		else
			state = thread_state(tr, pc, lr, sp, 1, &where);
		for (size_t i = 0; ans && i < n; i++) {
			if (ans[i].tid == tid) {
				ans[i].where = where;
				__atomic_store_n(&ans[i].state, state == tr->target ? 1 : 2,
						 __ATOMIC_RELEASE);
			}
		}
	}
	__atomic_sub_fetch(&lp_handlers, 1, __ATOMIC_ACQ_REL);
	errno = saved;
	(void)sig;
}

/* A real-time signal the program leaves alone, with our handler; installed
 * only once a transition needs it. */
static int lp_signal_init(void)
{
	if (lp_sig)
		return 0;
	for (int sig = SIGRTMIN + 5; sig <= SIGRTMAX - 2; sig++) {
		struct sigaction old, sa = { .sa_sigaction = lp_handler };

		if (dft_real_sigaction(sig, NULL, &old) || old.sa_handler != SIG_DFL)
			continue;
		sa.sa_flags = SA_SIGINFO | SA_RESTART;
		sigemptyset(&sa.sa_mask);
		if (dft_real_sigaction(sig, &sa, NULL))
			continue;
		lp_sig = sig;
		return 0;
	}
	return -EAGAIN;
}

/* ---- functions, table, ops ---- */

struct lp_func *dft_lp_func_get(const struct dft_site *s, unsigned long end, unsigned long orig)
{
	struct lp_func *f;

	for (size_t i = 0; i < lp_nr_funcs; i++) {
		if (lp_funcs[i]->site == s->addr) {
			lp_funcs[i]->users++;
			return lp_funcs[i];
		}
	}
	if (DFT_ARRAY_ROOM(lp_funcs, lp_nr_funcs, lp_cap_funcs, 16))
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->site = s->addr;
	f->func = s->func;
	f->end = end > s->func ? end : s->func + 1;
	f->orig = orig;
	f->name = s->name;
	f->mod = s->mod->name;
	f->users = 1;
	lp_funcs[lp_nr_funcs++] = f;
	return f;
}

/* Records with no user left are dropped by lp_sync_funcs(). */
void dft_lp_func_put(struct lp_func *f)
{
	f->users--;
}

/* Appends @s to @buf, with the glob characters escaped when @quote. */
static char *glob_quote(char *buf, size_t *len, size_t *cap, const char *s, int quote)
{
	for (; *s; s++) {
		if (*len + 3 > *cap) {
			char *nb = realloc(buf, *cap * 2 + 64);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			*cap = *cap * 2 + 64;
		}
		if (quote && strchr("*?[]\\", *s))
			buf[(*len)++] = '\\';
		buf[(*len)++] = *s;
	}
	buf[*len] = 0;
	return buf;
}

/* Makes the callback's table and the ops' filter match the records in use
 * (dropping the unused ones). Lock held. */
static int lp_sync_funcs(struct lp_msg *m)
{
	struct lp_table *t, *old = dft_lp_table;
	size_t size = 16, n = 0, len = 0, cap = 0;
	char *filter = NULL;
	int ret = 0;

	for (size_t i = 0; i < lp_nr_funcs; i++) {
		if (lp_funcs[i]->users || lp_funcs[i]->top)
			lp_funcs[n++] = lp_funcs[i];
		else
			free(lp_funcs[i]);
	}
	lp_nr_funcs = n;
	while (size < 2 * n)
		size *= 2;
	/* No table while nothing is patched: the tracers' test stays cheap. */
	t = n ? calloc(1, sizeof(*t) + size * sizeof(t->slot[0])) : NULL;
	if (n && !t)
		return -ENOMEM;
	if (t)
		t->mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		struct lp_func *f = lp_funcs[i];
		size_t j = site_hash(f->site, t->mask);

		while (t->slot[j])
			j = (j + 1) & t->mask;
		t->slot[j] = f;
		filter = glob_quote(filter, &len, &cap, len ? " lib:" : "lib:", 0);
		filter = filter ? glob_quote(filter, &len, &cap, f->mod, 1) : NULL;
		filter = filter ? glob_quote(filter, &len, &cap, ":", 0) : NULL;
		filter = filter ? glob_quote(filter, &len, &cap, f->name, 1) : NULL;
		if (!filter) {
			free(t);
			return -ENOMEM;
		}
	}
	__atomic_store_n(&dft_lp_table, t, __ATOMIC_RELEASE);
	if (n) {
		ret = dft_set_filter(&lp_ops, filter, 1);
		if (!ret && !lp_ops_on) {
			ret = dft_register_ops(&lp_ops);
			lp_ops_on = !ret;
		}
	} else if (lp_ops_on) {
		dft_unregister_ops(&lp_ops);
		lp_ops_on = 0;
	}
	if (ret == -EBUSY)
		dft_lp_say(m, "a patched function is already redirected by another IPMODIFY ops of this process");
	else if (ret)
		dft_lp_say(m, "cannot redirect the patched functions: %s", strerror(-ret));
	free(filter);
	dft_synchronize();
	free(old);
	return ret;
}

struct lp_patch *dft_lp_find(const char *path)
{
	for (struct lp_patch *p = lp_patches; p; p = p->next)
		if (!strcmp(p->path, path))
			return p;
	return NULL;
}

/* ---- transitions ---- */

static int cmp_range(const void *a, const void *b)
{
	const struct lp_range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* The functions a thread leaves: going to PATCHED, the versions below the
 * patch's (or the original); going to UNPATCHED, the patch's own. */
static int trans_ranges(struct lp_trans *tr, struct lp_patch *p)
{
	for (int st = 0; st < 2; st++) {
		tr->rng[st] = calloc(p->nr ? p->nr : 1, sizeof(*tr->rng[st]));
		if (!tr->rng[st])
			return -ENOMEM;
		tr->nr_rng[st] = p->nr;
		for (size_t i = 0; i < p->nr; i++) {
			struct lp_ver *v = &p->vers[i], *below = v->next;
			struct lp_range *r = &tr->rng[st][i];

			if (st == LP_UNPATCHED) {
				r->lo = v->repl & ~1UL;
				r->hi = v->repl_end;
			} else if (below) {
				r->lo = below->repl & ~1UL;
				r->hi = below->repl_end;
			} else {
				r->lo = v->f->func;
				r->hi = v->f->end;
			}
			r->name = v->f->name;
		}
		qsort(tr->rng[st], p->nr, sizeof(*tr->rng[st]), cmp_range);
	}
	return 0;
}

struct task_list {
	pid_t *v;
	size_t n, cap;
};

static int add_task(pid_t tid, void *arg)
{
	struct task_list *l = arg;

	if (DFT_ARRAY_ROOM(l->v, l->n, l->cap, 64))
		return -ENOMEM;
	l->v[l->n++] = tid;
	return 0;
}

/* This process's tasks now, in a malloc'ed array (NULL: cannot tell). */
static pid_t *list_tasks(size_t *n)
{
	struct task_list l = { 0 };

	*n = 0;
	if (dft_for_each_task(add_task, &l)) {
		free(l.v);
		return NULL;
	}
	*n = l.n;
	return l.v;
}

static void thread_name(pid_t tid, char *buf, size_t len)
{
	if (dft_read_task(tid, "/comm", buf, len) <= 0)
		snprintf(buf, len, "?");
	if (strchr(buf, '\n'))
		*strchr(buf, '\n') = 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static const char *range_name(const struct lp_trans *tr, unsigned long a)
{
	const struct lp_range *r = range_find(tr->rng[tr->target], tr->nr_rng[tr->target], a);

	return r ? r->name : "?";
}

/*
 * A thread moves only in its own handler, which then answers (in the round
 * it found). So one that has answered in no round has never moved: once a
 * transition is reversed, it is where the reversal goes. A handler that
 * starts later finds it there too; one that raced with the reversal either
 * still runs (lp_handlers) or has answered, busy, since the target it
 * compares with at the end is the new one. Without this a thread that
 * never answers (it blocks our signal) would hold a reversal for ever.
 */
static int never_answered(struct lp_round **rounds, size_t nr, pid_t tid)
{
	for (size_t r = 0; r < nr; r++)
		for (size_t i = 0; i < rounds[r]->n; i++)
			if (rounds[r]->a[i].tid == tid &&
			    __atomic_load_n(&rounds[r]->a[i].state, __ATOMIC_ACQUIRE))
				return 0;
	return 1;
}

/*
 * Runs @tr until every thread is at its target. Returns 0, or -ETIMEDOUT
 * after reversing it (the threads are then all back at the initial state),
 * or 1 when forced.
 */
static int trans_run(struct lp_trans *tr, const char *what, unsigned int flags,
		     unsigned int timeout_ms, unsigned long self_sp, struct lp_msg *m)
{
	double start = now_ms(), last_say = start, round = 1;
	pid_t self = (pid_t)syscall(SYS_gettid);
	struct lp_round **old_ans = NULL;
	size_t nr_old = 0, cap_old = 0;
	int reversed = 0, ret = 0, lost_round = 0;

	for (;;) {
		size_t n, pending = 0;
		pid_t *tids = list_tasks(&n);
		struct lp_round *rd = calloc(1, sizeof(*rd) + (n ? n : 1) * sizeof(rd->a[0]));
		struct lp_answer *ans = rd ? rd->a : NULL;
		double t0;

		if (!tids || !rd) {
			free(tids);
			free(rd);
			nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
			continue;
		}
		for (size_t i = 0; i < n; i++)
			ans[i].tid = tids[i];
		free(tids);
		rd->n = n;
		__atomic_store_n(&tr->round, rd, __ATOMIC_RELEASE);
		/* Freed at the end (a late handler may still write one). */
		if (!DFT_ARRAY_ROOM(old_ans, nr_old, cap_old, 16))
			old_ans[nr_old++] = rd;
		else
			lost_round = 1; /* leaked: never_answered() cannot tell */
		for (size_t i = 0; i < n; i++) {
			if (ans[i].tid == self) {
				unsigned long where = 0;
				/* Ourselves: from the API's caller up, not our
				 * own frames (their stale slots hold function
				 * addresses the runtime worked with). */
				int st = thread_state(tr, 0, 0, self_sp, 0, &where);

				ans[i].where = where;
				ans[i].state = st == tr->target ? 1 : 2;
			} else if (dft_emulator_thread(ans[i].tid)) {
				ans[i].state = 1; /* qemu's, not the program's */
			} else if (syscall(SYS_tgkill, getpid(), ans[i].tid, lp_sig)) {
				ans[i].state = 1; /* gone */
			}
		}
		/* Wait for the answers (a thread that blocks the signal never
		 * gives one). */
		t0 = now_ms();
		for (;;) {
			pending = 0;
			for (size_t i = 0; i < n; i++)
				pending += !__atomic_load_n(&ans[i].state, __ATOMIC_ACQUIRE);
			if (!pending || now_ms() - t0 > round)
				break;
			nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
		}
		pending = 0;
		for (size_t i = 0; i < n; i++) {
			int st = __atomic_load_n(&ans[i].state, __ATOMIC_ACQUIRE);

			if (!st && reversed && !lost_round &&
			    !__atomic_load_n(&lp_handlers, __ATOMIC_ACQUIRE) &&
			    never_answered(old_ans, nr_old, ans[i].tid))
				continue; /* never moved: it is where the reversal goes */
			pending += st != 1;
		}
		if (!pending)
			break;
		if (now_ms() - last_say > 1000) {
			last_say = now_ms();
			for (size_t i = 0; i < n; i++) {
				char name[32];
				int st = __atomic_load_n(&ans[i].state, __ATOMIC_ACQUIRE);

				if (st == 1)
					continue;
				thread_name(ans[i].tid, name, sizeof(name));
				if (st == 2 && ans[i].where)
					dft_lp_say(m, "%s: transition stalled: thread %d (%s) is in %s",
						   what, ans[i].tid, name, range_name(tr, ans[i].where));
				else if (st)
					dft_lp_say(m, "%s: transition stalled: thread %d (%s) cannot be checked now",
						   what, ans[i].tid, name);
				else
					dft_lp_say(m, "%s: transition stalled: thread %d (%s) does not answer (does it block signal %d?)",
						   what, ans[i].tid, name, lp_sig);
			}
		}
		if (timeout_ms && !reversed && now_ms() - start > timeout_ms) {
			if (flags & DFT_LIVEPATCH_FORCE) {
				dft_lp_say(m, "%s: timeout: forcing the transition (threads still in old functions may mix them)",
					   what);
				ret = 1;
				break;
			}
			dft_lp_say(m, "%s: timeout after %u ms: reverting the transition", what,
				   timeout_ms);
			/* Threads that moved go back; the others are there. */
			WRITE_ONCE(tr->target, tr->initial);
			reversed = 1;
			ret = -ETIMEDOUT;
		}
		round = round < 50 ? round * 2 : 50;
	}
	WRITE_ONCE(tr->done, 1);
	__atomic_store_n(&tr->round, NULL, __ATOMIC_RELEASE);
	/* Old answer arrays may still be read by a late handler. */
	while (__atomic_load_n(&lp_handlers, __ATOMIC_ACQUIRE))
		sched_yield();
	dft_synchronize();
	while (__atomic_load_n(&lp_handlers, __ATOMIC_ACQUIRE))
		sched_yield();
	for (size_t i = 0; i < nr_old; i++)
		free(old_ans[i]);
	free(old_ans);
	return ret;
}

static void trans_free(struct lp_trans *tr)
{
	__atomic_store_n(&lp_cur, NULL, __ATOMIC_RELEASE);
	dft_synchronize();
	while (__atomic_load_n(&lp_handlers, __ATOMIC_ACQUIRE))
		sched_yield();
	free(tr->rng[0]);
	free(tr->rng[1]);
	free(tr);
}

static struct lp_trans *trans_new(struct lp_patch *p, int initial, unsigned int flags)
{
	struct lp_trans *tr = calloc(1, sizeof(*tr));

	if (!tr || trans_ranges(tr, p)) {
		if (tr) {
			free(tr->rng[0]);
			free(tr->rng[1]);
		}
		free(tr);
		return NULL;
	}
	tr->gen = ++lp_gen;
	tr->initial = initial;
	tr->target = !initial;
	tr->immediate = !!(flags & DFT_LIVEPATCH_IMMEDIATE);
	return tr;
}

/* Takes the patch's versions off their functions, then unloads it once
 * no thread can be running it. */
static void patch_remove(struct lp_patch *p, struct lp_msg *m)
{
	struct lp_patch **pp;

	for (size_t i = 0; i < p->nr; i++) {
		struct lp_ver *v = &p->vers[i];

		/* Only the newest patch is removed: its versions are on top. */
		__atomic_store_n(&v->f->top, v->next, __ATOMIC_RELEASE);
	}
	for (pp = &lp_patches; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	dft_synchronize();
	for (size_t i = 0; i < p->nr; i++)
		dft_lp_func_put(p->vers[i].f);
	lp_sync_funcs(m);
	dft_lp_unload(p, !p->forced);
}

static int lp_enter(struct lp_msg *m, const char *path)
{
	if (!path)
		return -EINVAL;
	if (!dft_initialised) {
		dft_lp_say(m, "the runtime is not initialised: nothing can be patched");
		return -ENODEV;
	}
	if (dft_in_callback()) {
		dft_lp_say(m, "live patching cannot be driven from a callback");
		return -EDEADLK;
	}
	pthread_mutex_lock(&lp_lock);
	unwind_init();
	if (lp_signal_init()) {
		pthread_mutex_unlock(&lp_lock);
		dft_lp_say(m, "no free real-time signal for the stack checks");
		return -EAGAIN;
	}
	return 0;
}

static char *canonical(const char *path, struct lp_msg *m)
{
	char *real = realpath(path, NULL);

	if (!real)
		dft_lp_say(m, "%s: %s", path, strerror(errno));
	return real;
}

DFT_API int dft_livepatch_apply(const char *path, unsigned int flags, unsigned int timeout_ms,
				dft_livepatch_msg_t fn, void *arg)
{
	struct lp_msg m = { fn, arg, 0 };
	struct lp_patch *p = NULL;
	struct lp_trans *tr;
	double t0 = now_ms();
	unsigned long self_sp = dft_arch_entry_sp();
	char *real;
	int ret;

	ret = lp_enter(&m, path);
	if (ret)
		return ret;
	real = canonical(path, &m);
	if (!real) {
		ret = -ENOENT;
		goto out;
	}
	if (dft_lp_find(real)) {
		dft_lp_say(&m, "%s: already applied", path);
		ret = -EEXIST;
		goto out;
	}
	ret = dft_lp_load(path, &p, &m);
	if (ret)
		goto out;
	free(p->path);
	p->path = real;
	real = NULL;
	ret = lp_sync_funcs(&m);
	tr = ret ? NULL : trans_new(p, LP_UNPATCHED, flags);
	if (!tr) {
		for (size_t i = 0; i < p->nr; i++)
			dft_lp_func_put(p->vers[i].f);
		lp_sync_funcs(&m);
		dft_lp_unload(p, 1);
		ret = ret ? ret : -ENOMEM;
		goto out;
	}
	/* The transition is visible before any version is. */
	__atomic_store_n(&lp_cur, tr, __ATOMIC_RELEASE);
	p->state = LP_APPLYING;
	p->next = lp_patches;
	lp_patches = p;
	for (size_t i = 0; i < p->nr; i++) {
		struct lp_ver *v = &p->vers[i];

		v->transition = 1;
		v->next = v->f->top;
		__atomic_store_n(&v->f->top, v, __ATOMIC_RELEASE);
	}
	dft_lp_say(&m, "%s: applying %zu function%s%s", path, p->nr, p->nr == 1 ? "" : "s",
		   tr->immediate ? " (immediate: no consistency)" : "");
	/* Immediate: every call takes the newest version at once. (A revert
	 * still waits for the stacks, before the module is unloaded.) */
	ret = tr->immediate ? 0 : trans_run(tr, path, flags, timeout_ms, self_sp, &m);
	if (ret == -ETIMEDOUT) {
		patch_remove(p, &m);
		trans_free(tr);
		dft_lp_say(&m, "%s: not applied: the process runs the code it ran before", path);
		goto out;
	}
	for (size_t i = 0; i < p->nr; i++)
		__atomic_store_n(&p->vers[i].transition, 0, __ATOMIC_RELEASE);
	p->state = LP_APPLIED;
	trans_free(tr);
	dft_lp_say(&m, "%s: applied%s, transition %.1f ms", path, ret == 1 ? " (forced)" : "",
		   now_ms() - t0);
	ret = 0;
out:
	free(real);
	pthread_mutex_unlock(&lp_lock);
	return ret;
}

DFT_API int dft_livepatch_revert(const char *path, unsigned int flags, unsigned int timeout_ms,
				 dft_livepatch_msg_t fn, void *arg)
{
	struct lp_msg m = { fn, arg, 0 };
	struct lp_trans *tr;
	struct lp_patch *p;
	double t0 = now_ms();
	unsigned long self_sp = dft_arch_entry_sp();
	char *real;
	int ret;

	ret = lp_enter(&m, path);
	if (ret)
		return ret;
	real = realpath(path, NULL);
	p = dft_lp_find(real ? real : path);
	if (!p) {
		dft_lp_say(&m, "%s: not applied to this process (dynftrace patch --list shows what is)",
			   path);
		ret = -ENOENT;
		goto out;
	}
	if (p != lp_patches) {
		dft_lp_say(&m, "%s: patches are reverted newest first: revert %s before", path,
			   lp_patches->path);
		ret = -EBUSY;
		goto out;
	}
	tr = trans_new(p, LP_PATCHED, flags);
	if (!tr) {
		ret = -ENOMEM;
		goto out;
	}
	__atomic_store_n(&lp_cur, tr, __ATOMIC_RELEASE);
	p->state = LP_REVERTING;
	for (size_t i = 0; i < p->nr; i++)
		__atomic_store_n(&p->vers[i].transition, 1, __ATOMIC_RELEASE);
	dft_lp_say(&m, "%s: reverting %zu function%s", path, p->nr, p->nr == 1 ? "" : "s");
	ret = trans_run(tr, path, flags, timeout_ms, self_sp, &m);
	if (ret == -ETIMEDOUT) {
		for (size_t i = 0; i < p->nr; i++)
			__atomic_store_n(&p->vers[i].transition, 0, __ATOMIC_RELEASE);
		p->state = LP_APPLIED;
		trans_free(tr);
		dft_lp_say(&m, "%s: not reverted: the patch stays applied", path);
		goto out;
	}
	p->forced = ret == 1;
	patch_remove(p, &m);
	trans_free(tr);
	dft_lp_say(&m, "%s: reverted%s, transition %.1f ms", path,
		   ret == 1 ? " (forced: the module stays loaded)" : "", now_ms() - t0);
	ret = 0;
out:
	free(real);
	pthread_mutex_unlock(&lp_lock);
	return ret;
}

DFT_API int dft_livepatch_list(dft_livepatch_msg_t fn, void *arg)
{
	static const char *const states[] = { "applying", "applied", "reverting" };
	struct lp_msg m = { fn, arg, 0 };

	pthread_mutex_lock(&lp_lock);
	for (struct lp_patch *p = lp_patches; p; p = p->next) {
		char line[400];
		size_t len = snprintf(line, sizeof(line), "%s %s ", p->path, states[p->state]);

		for (size_t i = 0; i < p->nr && len < sizeof(line); i++)
			len += snprintf(line + len, sizeof(line) - len, "%s%s", i ? "," : "",
					p->vers[i].f->name);
		if (m.fn)
			m.fn(line, m.arg);
		else
			dft_lp_say(&m, "%s", line);
	}
	pthread_mutex_unlock(&lp_lock);
	return 0;
}
