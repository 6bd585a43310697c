// SPDX-License-Identifier: MIT
/*
 * The function graph: return hooking with per-thread shadow stacks.
 *
 * At the entry of a traced function (an ops callback, called by the plain
 * trampoline), the user's entry callback decides; if it wants the return,
 * we push {real return address, sp, slot, ip, data} and put the address of
 * the architecture's return hook in the return slot. The function returns
 * into the hook, which calls dft_graph_return(): it pops the entry, calls
 * the user's ret callback and goes on to the real return address.
 *
 * Entries are matched by the stack pointer the function had at its entry,
 * not by position, because calls do not always return:
 *
 *  - longjmp and siglongjmp leave frames without returning. Our interposers
 *    only mark the shadow stack; the next entry pops (abnormal = 1) whatever
 *    lies below its own stack pointer, and a return pops whatever sits above
 *    the entry it matches.
 *  - C++ exceptions: the unwinder reads return addresses from the stack and
 *    would find our hook, which it cannot unwind through. Before it runs
 *    (_Unwind_RaiseException, _Unwind_Resume_or_Rethrow) every hooked slot
 *    gets its real address back; when a handler is entered
 *    (__cxa_begin_catch), the frames it unwound are popped and the live ones
 *    hooked again. Where calls leave the return address in a link register
 *    (AArch64, ARM), the slot is wherever the function's prologue saved
 *    the hook: shadow_find_slots() looks for it first.
 *  - pthread_exit unwinds the thread the same way: the real addresses go
 *    back and every open frame is reported, before it starts. A
 *    cancellation starts inside glibc: the same is done at the unwinder's
 *    first unwind-table lookup (core/cancel.c: dft_graph_unwinder()), or
 *    its first call of the C++ personality routine.
 *  - backtrace() and _Unwind_Backtrace() from below hooked frames: the real
 *    addresses go back while they run, so they show the real callers.
 *  - A function reached by a tail call from a hooked one has the hook as its
 *    return address. It gets an entry of its own with the hook as its "real"
 *    address and the same sp: its return pops it and jumps to the hook again,
 *    which pops the caller's.
 *  - Signal handlers push above the interrupted frames and pop back to them.
 *
 * Several graph ops may be registered at once (DFT_GRAPH_MAX), as with the
 * kernel's fgraph: each has its own dft_ops (its own filter), a slot in
 * graph_users and a per-call data word in each shadow entry. A call that
 * several of them trace gets one entry (and one hook): the first
 * graph_entry() of the trampoline's list walk pushes it, the others find it
 * on top (same sp and ip, the hook already in the slot, their bit clear) and
 * add their bit. The return reports to each user whose bit is set.
 *
 * Everything here runs inside the recursion guard, so a signal handler's
 * traced calls are not recorded while we are half-way through an update.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

#define DFT_GRAPH_MAX 8

struct shadow_ent {
	unsigned long real;   /* the return address we replaced */
	unsigned long parent; /* ... or, for a tail call, its caller's */
	unsigned long sp;     /* the function's sp at entry: the match key */
	/* Where the return address lives: on the stack, x86-64's; where the
	 * function saved the link register, once shadow_find_slots() found
	 * it; or NULL. */
	unsigned long *slot;
#ifndef HAVE_DFT_STACK_RET_SLOT
	unsigned long hooked; /* what *slot held: the hook, maybe signed */
#endif
	unsigned long ip;
	unsigned long gen;    /* dft_graph_gen when it was pushed */
	unsigned int users;   /* bit i: graph_users[i] wants the return */
	unsigned long long data[DFT_GRAPH_MAX]; /* per user */
};

struct shadow {
	size_t size; /* of the mapping */
	unsigned int top, cap;
	int resync;   /* a longjmp happened: prune at the next entry */
	int restored; /* real addresses written back for an unwinder */
	struct shadow_ent ent[];
};

#define SHADOW_SIZE0 (64UL << 10)
/* What return slots get: dft_arch_return_hook, or a direct tracer's own. */
static unsigned long graph_hook = (unsigned long)dft_arch_return_hook;
#define HOOK READ_ONCE(graph_hook)

/* The registered graph ops; an entry reports to user i only if it was
 * pushed after that user registered (a slot may be reused). */
static struct dft_graph_ops *graph_users[DFT_GRAPH_MAX];
static unsigned long graph_user_gen[DFT_GRAPH_MAX];
unsigned long dft_graph_gen;
/* The graph ops that set graph_hook, and what its trampolines need. */
static struct dft_graph_ops *direct_gops;
struct dft_graph_direct dft_graph_direct;
static pthread_key_t shadow_key;
static pthread_once_t graph_once = PTHREAD_ONCE_INIT;

static void park_free(void);

static void shadow_free(void *arg)
{
	struct shadow *ss = arg;

	if (dft_thread.graph == ss)
		dft_thread.graph = NULL;
	munmap(ss, ss->size);
	park_free();
}

/* Room for one more entry: the first call of a thread maps the stack,
 * deep recursion grows it. NULL when there is no memory: not hooked. */
static struct shadow *shadow_room(struct shadow *ss)
{
	size_t size = ss ? ss->size * 2 : SHADOW_SIZE0;
	void *map;

	if (!ss) {
		map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (map == MAP_FAILED)
			return NULL;
		ss = map;
		pthread_setspecific(shadow_key, ss);
	} else {
		map = mremap(ss, ss->size, size, MREMAP_MAYMOVE);
		if (map == MAP_FAILED)
			return NULL;
		ss = map;
		pthread_setspecific(shadow_key, ss);
	}
	ss->size = size;
	ss->cap = (size - sizeof(*ss)) / sizeof(ss->ent[0]);
	dft_thread.graph = ss;
	return ss;
}

/* In a return callback: its regs, and where the function returns to, for
 * dft_regs_get_return_address() (the return hook's regs have no slot). */
static __thread struct {
	const struct dft_regs *regs;
	unsigned long ret;
} graph_ret_ctx;

int dft_graph_return_address(const struct dft_regs *regs, unsigned long *addr)
{
	if (!regs || graph_ret_ctx.regs != regs)
		return 0;
	*addr = graph_ret_ctx.ret;
	return 1;
}

static inline void graph_report(struct shadow *ss, unsigned int i, struct dft_regs *regs)
{
	const struct shadow_ent *e = &ss->ent[i];
	struct dft_graph_ret ret;

	/* dft_ignore_current_thread(): its pending returns are dropped. */
	if (unlikely(dft_thread.ignored))
		return;
	graph_ret_ctx.regs = regs;
	graph_ret_ctx.ret = e->parent;
	ret.ip = e->ip;
	ret.parent_ip = e->parent;
	ret.depth = i;
	ret.abnormal = !regs;
	for (unsigned int users = e->users; users; users &= users - 1) {
		unsigned int u = __builtin_ctz(users);
		struct dft_graph_ops *gops = READ_ONCE(graph_users[u]);

		if (unlikely(!gops || !gops->ret || e->gen < READ_ONCE(graph_user_gen[u])))
			continue;
		ret.data = e->data[u];
		gops->ret(&ret, gops, regs);
	}
	graph_ret_ctx.regs = NULL;
}

/* The slot of @gops in graph_users, kept (+ 1) in its internal word. */
static inline unsigned int graph_user(const struct dft_graph_ops *gops)
{
	return (unsigned int)(uintptr_t)gops->internal - 1;
}

/* Pops, as left abnormally, the entries of frames that are gone: those
 * below @sp, the entry sp of a live function whose return address is @ret.
 * One at @sp itself is gone too unless the live function was tail-called
 * from it (then @ret is the hook). */
static void shadow_prune(struct shadow *ss, unsigned long sp, unsigned long ret)
{
	while (ss->top) {
		const struct shadow_ent *e = &ss->ent[ss->top - 1];

		if (e->sp > sp || (e->sp == sp && ret == HOOK))
			break;
		graph_report(ss, ss->top - 1, NULL);
		ss->top--;
	}
	/* While an unwinder runs, each cleanup it calls ends more frames. */
	ss->resync = ss->restored;
}

static void graph_entry(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			struct dft_regs *regs)
{
	struct dft_graph_ops *gops = (struct dft_graph_ops *)((char *)ops -
							      offsetof(struct dft_graph_ops, ops));
	struct shadow *ss = dft_thread.graph;
	unsigned long *slot = dft_arch_ret_slot(regs);
	unsigned long sp = dft_arch_get_sp(regs);
	unsigned long real = *slot;
	unsigned int user = graph_user(gops);
	struct dft_graph_ent ent;
	struct shadow_ent *e;

	if (unlikely(user >= DFT_GRAPH_MAX))
		return;
	if (unlikely(!ss || ss->top == ss->cap || ss->resync)) {
		if (ss && ss->resync)
			shadow_prune(ss, sp, real);
		if (!ss || ss->top == ss->cap)
			ss = shadow_room(ss);
		if (!ss)
			return;
	}
	ent.ip = ip;
	if (unlikely(real == HOOK && ss->top)) {
		e = &ss->ent[ss->top - 1];
		/* Another graph ops hooked this very call: share its entry
		 * (unless it predates our registration: see graph_report()). */
		if (e->sp == sp && e->ip == ip && !(e->users & (1U << user)) &&
		    e->gen >= READ_ONCE(graph_user_gen[user])) {
			ent.parent_ip = e->parent;
			ent.depth = ss->top - 1;
			ent.data = &e->data[user];
			e->data[user] = 0;
			if (gops->entry(&ent, gops, regs))
				e->users |= 1U << user;
			return;
		}
	}
	e = &ss->ent[ss->top];
	e->data[user] = 0;
	/* A tail call: the hook is the caller's; our caller is its caller. */
	ent.parent_ip = real == HOOK && ss->top ? ss->ent[ss->top - 1].parent : real;
	ent.depth = ss->top;
	ent.data = &e->data[user];
	if (!gops->entry(&ent, gops, regs))
		return;
	e->users = 1U << user;
	e->real = real;
	e->parent = ent.parent_ip;
	e->sp = sp;
#ifdef HAVE_DFT_STACK_RET_SLOT
	e->slot = slot;
#else
	/* The slot is in the trampoline's frame, dead once it returns: the
	 * function saves the hook from its link register in its own frame,
	 * which shadow_find_slots() searches when an unwinder needs it. */
	e->slot = NULL;
#endif
	e->ip = ip;
	e->gen = READ_ONCE(dft_graph_gen);
	ss->top++;
	*slot = HOOK;
}

/*
 * Entries that a return found above its own and that no longjmp left:
 * frames of another stack (swapcontext, coroutines, green threads) that
 * this thread switched away from. Each returns when its stack runs again,
 * so its entry waits here, the newest PARK_MAX of them per thread, and
 * that return takes it back. (A frame whose entry was pushed out of the
 * park never returns to us: its stack was freed, or it has no entry.)
 */
#define PARK_MAX 256
struct park {
	unsigned int n, next;
	struct shadow_ent ent[PARK_MAX];
};
static __thread struct park *graph_park;

static void park(const struct shadow_ent *e)
{
	struct park *p = graph_park;

	if (!p) {
		/* Not malloc: this may be a signal handler's return. */
		p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			 0);
		if (p == MAP_FAILED)
			return;
		graph_park = p;
	}
	p->ent[p->next] = *e;
	p->next = (p->next + 1) % PARK_MAX;
	p->n += p->n < PARK_MAX;
}

/* Puts the parked entry of the frame at @sp back on top of @ss. */
static int unpark(struct shadow *ss, unsigned long sp)
{
	struct park *p = graph_park;

	for (unsigned int k = 1; p && k <= p->n; k++) {
		struct shadow_ent *e = &p->ent[(p->next + PARK_MAX - k) % PARK_MAX];

		if (e->sp != sp)
			continue;
		/* A return leaves room: its own entry was popped, or parked. */
		ss->ent[ss->top++] = *e;
		e->sp = 0;
		return 1;
	}
	return 0;
}

static void park_free(void)
{
	if (graph_park)
		munmap(graph_park, sizeof(*graph_park));
	graph_park = NULL;
}

/*
 * The entry a return at @sp belongs to; its index + 1. The entries above
 * it are of frames that a longjmp left (popped as abnormal), or of another
 * stack (parked). An entry found in neither place: the return cannot go
 * on, for we do not know where to.
 */
static __attribute__((noinline)) unsigned int shadow_find(struct shadow *ss, unsigned long sp)
{
	unsigned int i = ss ? ss->top : 0;

	while (i && ss->ent[i - 1].sp != sp)
		i--;
	if (!i) {
		if (ss && ss->top < ss->cap && unpark(ss, sp))
			return ss->top;
		pr_err("graph: a return to a frame that has no shadow entry (sp %#lx)\n", sp);
		abort();
	}
	while (ss->top > i) {
		if (ss->resync)
			graph_report(ss, ss->top - 1, NULL);
		else
			park(&ss->ent[ss->top - 1]);
		ss->top--;
	}
	return i;
}

unsigned long dft_graph_return(struct dft_regs *regs, unsigned long sp)
{
	struct dft_thread *t = &dft_thread;
	unsigned long seq = t->seq, odd = ~seq & 1;
	struct shadow *ss = t->graph;
	struct shadow_ent *e;
	unsigned long real;
	unsigned int i;

	/* The recursion guard, as dft_entry() takes it (unless taken). */
	WRITE_ONCE(t->seq, seq + odd);
	barrier();
	i = ss ? ss->top : 0;
	if (unlikely(!i || ss->ent[i - 1].sp != sp))
		i = shadow_find(ss, sp);
	e = &ss->ent[i - 1];
	real = e->real;
	dft_arch_set_ip(regs, e->parent);
	graph_report(ss, i - 1, regs);
	ss->top = i - 1;
	barrier();
	WRITE_ONCE(t->seq, seq + 2 * odd);
	return real;
}

#ifndef HAVE_DFT_STACK_RET_SLOT
/* What a slot holds while hooked: the hook as the function saved it. */
static inline unsigned long slot_hook(const struct shadow_ent *e)
{
	return e->hooked;
}

#ifdef HAVE_DFT_RET_SIGNING
#define is_hook(v) (dft_arch_ret_strip(v) == HOOK)

/*
 * The key the function signs its return address with (1: A, 2: B), 0 if
 * it does not, -1 if the word is not the hook as it would have saved it
 * (a stale copy; a function tail-called without a site). Its code says,
 * when pac-ret comes first; else it signs later on some paths only
 * (shrink-wrapped), and the saved value says (an all-zero signature then
 * passes for none: 1 in 2^k of such frames stays hooked, in effect).
 */
static int slot_key(const struct shadow_ent *e)
{
	int key = dft_arch_ret_key(e->ip);

	if (!key && e->hooked != HOOK)
		key = e->hooked == dft_arch_ret_sign(HOOK, e->sp, 1) ? 1 : 2;
	if (e->hooked != (key ? dft_arch_ret_sign(HOOK, e->sp, key) : HOOK))
		return -1;
	return key;
}

/* The real address as the function would have saved it: signed too if it
 * signs (the unwinder authenticates it). */
static inline unsigned long slot_real(const struct shadow_ent *e)
{
	int key = slot_key(e);

	return key > 0 ? dft_arch_ret_sign(e->parent, e->sp, key) : e->parent;
}

static inline int slot_signable(const struct shadow_ent *e)
{
	return slot_key(e) >= 0;
}
#else
#define is_hook(v) ((v) == HOOK)

static inline unsigned long slot_real(const struct shadow_ent *e)
{
	return e->parent;
}

static inline int slot_signable(const struct shadow_ent *e)
{
	return 1;
}
#endif

/*
 * The mapping of the stack this thread runs on: the slot search reads only
 * memory between the current sp and its top, so an entry of another stack
 * (swapcontext, coroutines) is never followed into memory that may be
 * unmapped. Read from /proc/self/maps with system calls only (backtrace()
 * runs in crash handlers, which may have interrupted malloc), once for as
 * long as the thread stays within it.
 */
static __thread unsigned long stack_lo, stack_hi;

static int thread_stack(unsigned long sp, unsigned long *hi)
{
	if (sp < stack_lo || sp >= stack_hi) {
		int err = errno;

		if (!dft_stack_mapping(sp, &stack_lo, &stack_hi))
			stack_lo = stack_hi = 0;
		errno = err;
	}
	*hi = stack_hi;
	return sp >= stack_lo && sp < stack_hi;
}

#ifdef HAVE_DFT_FRAME_RECORDS
/*
 * The saved link register of a frame record in [@lo, @hi) that holds the
 * hook, following the chain from *@fp (left at the first record at or
 * above @hi). Exact where the frames have records: a stale copy of the
 * hook in a frame's locals (left there by the trampoline's frame, or by a
 * hooked callee that has returned) is never taken for the saved one. The
 * records rise strictly within the stack, or the chain ends.
 */
static unsigned long *record_slot(unsigned long *fp, unsigned long lo, unsigned long hi)
{
	unsigned long *slot = NULL;

	while (*fp && *fp < hi) {
		const unsigned long *rec = (const unsigned long *)*fp;

		if (*fp >= lo && is_hook(rec[1]))
			slot = (unsigned long *)&rec[1];
		*fp = rec[0] > *fp && !(rec[0] & (sizeof(long) - 1)) ? rec[0] : 0;
	}
	return slot;
}
#endif

/* The highest word in [@lo, @hi) that holds the hook: where a prologue
 * that pushes the link register with the callee-saved ones (ARM) put it,
 * at the top of the frame, above anything stale. */
static unsigned long *scan_slot(unsigned long lo, unsigned long hi)
{
	unsigned long *p = (unsigned long *)(hi & ~(sizeof(long) - 1));

	while (--p >= (unsigned long *)lo)
		if (is_hook(*p))
			return p;
	return NULL;
}

/*
 * Finds the slot of every hooked frame between @sp (the caller's, below
 * all of them) and the top of the stack: a hooked function saved the hook
 * from its link register in its own frame, which lies above the entry sp
 * of the next deeper hooked frame (or @sp) and below its own. Of entries
 * with the same sp (tail calls), the deepest one's frame holds the hook.
 * The walk stops at the first entry that is not above the one before it
 * or not on this stack; those frames stay hooked, and so do those whose
 * slot is not found.
 */
static void shadow_find_slots(struct shadow *ss, unsigned long sp, int fresh)
{
#ifdef HAVE_DFT_FRAME_RECORDS
	unsigned long fp = (unsigned long)__builtin_frame_address(0);
#endif
	unsigned long lower = sp, hi;

	for (unsigned int i = 0; fresh && i < ss->top; i++)
		ss->ent[i].slot = NULL;
	if (!thread_stack(sp, &hi))
		return;
	for (unsigned int i = ss->top; i-- > 0;) {
		struct shadow_ent *e = &ss->ent[i];

		if (i + 1 < ss->top && e->sp == ss->ent[i + 1].sp)
			continue;
		if (e->sp <= lower || e->sp > hi)
			break;
		/* Restored by the unwinder still running: found already. */
		if (e->slot) {
			lower = e->sp;
			continue;
		}
#ifdef HAVE_DFT_FRAME_RECORDS
		e->slot = record_slot(&fp, lower, e->sp);
		if (!e->slot)
#endif
			e->slot = scan_slot(lower, e->sp);
		if (e->slot) {
			e->hooked = *e->slot;
			if (!slot_signable(e))
				e->slot = NULL;
		}
		lower = e->sp;
	}
}
#else
/* The slots are on the stack, known since the entry. */
static inline void shadow_find_slots(struct shadow *ss, unsigned long sp, int fresh)
{
}


static inline unsigned long slot_hook(const struct shadow_ent *e)
{
	return HOOK;
}

static inline unsigned long slot_real(const struct shadow_ent *e)
{
	return e->parent;
}
#endif

/* Gives every hooked frame its real return address back, for an unwinder:
 * its caller's, which for a tail-called entry is not its "real" one (the
 * hook). A slot that no longer holds the hook belongs to a frame that is
 * gone (or was restored already): it is not ours to write. */
static void shadow_restore(struct shadow *ss)
{
	for (unsigned int i = ss->top; i-- > 0;) {
		struct shadow_ent *e = &ss->ent[i];

		if (e->slot && *e->slot == slot_hook(e))
			*e->slot = slot_real(e);
	}
	ss->restored = 1;
}

/* After an unwinder stopped in a live frame: hook the survivors again. */
static void shadow_rehook(struct shadow *ss)
{
	for (unsigned int i = 0; i < ss->top; i++) {
		struct shadow_ent *e = &ss->ent[i];

		if (e->slot && *e->slot == slot_real(e))
			*e->slot = slot_hook(e);
	}
	ss->restored = 0;
	ss->resync = 0;
}

/*
 * Before an unwinder runs from a frame whose entry sp is @sp and return
 * address @ret: the frames of dead callees (a longjmp not yet noticed) are
 * dropped first, as their slots may hold anything by now; the others get
 * their real return addresses. 1 if they had the hook until now, 0 if an
 * unwinder is running already (a throw in one of its cleanups): then only
 * the frames that cleanup called are given theirs, and all stay so until
 * that unwinder's handler is entered (__cxa_begin_catch()).
 */
static int shadow_unhook(struct shadow *ss, unsigned long sp, unsigned long ret)
{
	int guard, fresh;

	if (!ss)
		return 0;
	fresh = !ss->restored;
	guard = dft_guard_enter();
	shadow_prune(ss, sp, ret);
	shadow_find_slots(ss, sp, fresh);
	shadow_restore(ss);
	dft_guard_exit(guard);
	return fresh;
}

#ifdef HAVE_DFT_DIRECT
/* The layout the direct trampolines of a graph tracer use (internal.h). */
_Static_assert(offsetof(struct dft_thread, graph) == DFT_THREAD_GRAPH, "thread graph");
_Static_assert(offsetof(struct shadow, top) == DFT_SHADOW_TOP, "shadow top");
_Static_assert(offsetof(struct shadow, cap) == DFT_SHADOW_CAP, "shadow cap");
_Static_assert(offsetof(struct shadow, resync) == DFT_SHADOW_RESYNC, "shadow resync");
_Static_assert(offsetof(struct shadow, ent) == DFT_SHADOW_ENT, "shadow ent");
_Static_assert(sizeof(struct shadow_ent) == DFT_SHADOW_ENT_SIZE, "shadow entry size");
_Static_assert(offsetof(struct shadow_ent, real) == DFT_SHENT_REAL, "shent real");
_Static_assert(offsetof(struct shadow_ent, parent) == DFT_SHENT_PARENT, "shent parent");
_Static_assert(offsetof(struct shadow_ent, sp) == DFT_SHENT_SP, "shent sp");
_Static_assert(offsetof(struct shadow_ent, slot) == DFT_SHENT_SLOT, "shent slot");
#ifndef HAVE_DFT_STACK_RET_SLOT
_Static_assert(offsetof(struct shadow_ent, hooked) == DFT_SHENT_SLOT + 8, "shent hooked");
#endif
_Static_assert(offsetof(struct shadow_ent, ip) == DFT_SHENT_IP, "shent ip");
_Static_assert(offsetof(struct shadow_ent, gen) == DFT_SHENT_GEN, "shent gen");
_Static_assert(offsetof(struct shadow_ent, users) == DFT_SHENT_USERS, "shent users");
_Static_assert(offsetof(struct shadow_ent, data) == DFT_SHENT_DATA, "shent data");
_Static_assert(offsetof(struct dft_graph_direct, users) == DFT_GDIRECT_USERS, "direct users");
_Static_assert(offsetof(struct dft_graph_direct, gen) == DFT_GDIRECT_GEN, "direct gen");
_Static_assert(offsetof(struct dft_graph_direct, data) == DFT_GDIRECT_DATA, "direct data");
#endif

void dft_graph_set_hook(struct dft_graph_ops *gops, void *hook)
{
	pthread_mutex_lock(&dft_lock);
	/* Only while no graph ops is registered: hooked frames compare with it. */
	for (unsigned int u = 0; u < DFT_GRAPH_MAX; u++)
		if (graph_users[u])
			goto out;
	direct_gops = hook ? gops : NULL;
	WRITE_ONCE(graph_hook, (unsigned long)(hook ? hook : dft_arch_return_hook));
out:
	pthread_mutex_unlock(&dft_lock);
}

/* ---- dft_register_graph() ---- */

static void graph_init_once(void)
{
	if (pthread_key_create(&shadow_key, shadow_free))
		pr_err("graph: no thread key: shadow stacks of exiting threads leak\n");
}

int dft_graph_init(void)
{
	return -pthread_once(&graph_once, graph_init_once);
}

DFT_API int dft_register_graph(struct dft_graph_ops *gops)
{
	unsigned int u;
	int err;

	if (!gops || !gops->entry)
		return -EINVAL;
	if (gops->size && gops->size < DFT_GRAPH_OPS_SIZE_0) {
		pr_err("register_graph: struct dft_graph_ops of %u bytes is too small\n",
		       gops->size);
		return -EINVAL;
	}
	if (dft_in_callback())
		return -EDEADLK;
	err = dft_graph_init();
	if (err)
		return err;
	pthread_mutex_lock(&dft_lock);
	for (u = 0; u < DFT_GRAPH_MAX && graph_users[u] != gops; u++)
		;
	if (u < DFT_GRAPH_MAX) {
		pthread_mutex_unlock(&dft_lock);
		return -EBUSY;
	}
	for (u = 0; u < DFT_GRAPH_MAX && graph_users[u]; u++)
		;
	if (u == DFT_GRAPH_MAX) {
		pr_err("register_graph: %d graph ops are registered already\n", DFT_GRAPH_MAX);
		pthread_mutex_unlock(&dft_lock);
		return -EBUSY;
	}
	gops->internal = (void *)(uintptr_t)(u + 1);
	gops->ops.func = graph_entry;
	/* After the prologue the return address is no longer where we look. */
	gops->ops.flags |= DFT_OPS_FL_ENTRY_ONLY;
	/* The shadow stack may be half-way through a push or a pop when a
	 * signal handler interrupts: no entry is pushed from there. */
	gops->ops.flags |= DFT_OPS_FL_NOT_REENTRANT;
	/* Entries pushed before now are not this user's, whatever their bits. */
	WRITE_ONCE(dft_graph_gen, dft_graph_gen + 1);
	WRITE_ONCE(graph_user_gen[u], dft_graph_gen);
	WRITE_ONCE(graph_users[u], gops);
	if (gops == direct_gops) {
		dft_graph_direct.users = 1U << u;
		dft_graph_direct.gen = graph_user_gen[u];
		dft_graph_direct.data = offsetof(struct shadow_ent, data[u]);
	}
	err = dft_register_ops(&gops->ops);
	if (err) {
		WRITE_ONCE(graph_users[u], NULL);
		gops->internal = NULL;
		if (gops == direct_gops)
			WRITE_ONCE(dft_graph_direct.users, 0);
	}
	pthread_mutex_unlock(&dft_lock);
	return err;
}

/* Frames hooked while @gops was registered keep returning through the hook
 * afterwards; they are popped silently (for it: the other users still get
 * their returns). */
DFT_API int dft_unregister_graph(struct dft_graph_ops *gops)
{
	unsigned int u;
	int err;

	if (!gops)
		return -EINVAL;
	if (dft_in_callback())
		return -EDEADLK;
	pthread_mutex_lock(&dft_lock);
	u = graph_user(gops);
	if (u >= DFT_GRAPH_MAX || graph_users[u] != gops) {
		pthread_mutex_unlock(&dft_lock);
		return -EINVAL;
	}
	err = dft_unregister_ops(&gops->ops);
	if (!err) {
		WRITE_ONCE(graph_users[u], NULL);
		/* No entry has no user: the direct return hook passes them on. */
		if (gops == direct_gops)
			WRITE_ONCE(dft_graph_direct.users, 0);
		/* No return hook is still inside gops->ret. */
		dft_synchronize();
		gops->internal = NULL;
	}
	pthread_mutex_unlock(&dft_lock);
	return err;
}

/* ---- libc, libgcc and libstdc++ interposers ---- */

/* The next definition of @name after ours, NULL if there is none. */
static void *next_find(void **cache, const char *name)
{
	void *p = __atomic_load_n(cache, __ATOMIC_RELAXED);

	if (!p) {
		p = dlsym(RTLD_NEXT, name);
		__atomic_store_n(cache, p, __ATOMIC_RELAXED);
	}
	return p;
}

void *dft_next_find(void **cache, const char *name)
{
	return next_find(cache, name);
}

/* ... for a call that cannot be left undone (longjmp, a throw). */
static void *next_sym(void **cache, const char *name)
{
	void *p = next_find(cache, name);

	if (!p) {
		pr_err("graph: no %s to call\n", name);
		abort();
	}
	return p;
}

#define NEXT(name) ((__typeof__(&name))next_sym(&next_##name, #name))

/* Resolved early: a siglongjmp from a signal handler must not be the first
 * to call dlsym. libgcc_s and libstdc++ may come later with a dlopen. */
static void *next_longjmp, *next__longjmp, *next_siglongjmp, *next___longjmp_chk;
static void *next_pthread_exit, *next__Unwind_RaiseException, *next__Unwind_Resume_or_Rethrow;
static void *next___cxa_begin_catch, *next_backtrace, *next__Unwind_Backtrace;
static void *next___cxa_get_globals, *next___gxx_personality_v0;

__attribute__((constructor)) static void graph_resolve(void)
{
	next_longjmp = dlsym(RTLD_NEXT, "longjmp");
	next__longjmp = dlsym(RTLD_NEXT, "_longjmp");
	next_siglongjmp = dlsym(RTLD_NEXT, "siglongjmp");
	next___longjmp_chk = dlsym(RTLD_NEXT, "__longjmp_chk");
	next_pthread_exit = dlsym(RTLD_NEXT, "pthread_exit");
	/* Crash handlers call them from signal handlers. */
	next_backtrace = dlsym(RTLD_NEXT, "backtrace");
	next__Unwind_Backtrace = dlsym(RTLD_NEXT, "_Unwind_Backtrace");
	/* An asynchronous cancellation unwinds from a signal handler. */
	next___gxx_personality_v0 = dlsym(RTLD_NEXT, "__gxx_personality_v0");
}

static void graph_jumped(void)
{
	struct shadow *ss = dft_thread.graph;

	if (ss)
		ss->resync = 1;
}

DFT_API void longjmp(struct __jmp_buf_tag env[1], int val)
{
	graph_jumped();
	NEXT(longjmp)(env, val);
}

DFT_API void _longjmp(struct __jmp_buf_tag env[1], int val)
{
	graph_jumped();
	NEXT(_longjmp)(env, val);
}

DFT_API void siglongjmp(sigjmp_buf env, int val)
{
	graph_jumped();
	NEXT(siglongjmp)(env, val);
}

/* What longjmp becomes with _FORTIFY_SOURCE. */
void __longjmp_chk(struct __jmp_buf_tag env[1], int val) __attribute__((noreturn));
DFT_API void __longjmp_chk(struct __jmp_buf_tag env[1], int val)
{
	graph_jumped();
	NEXT(__longjmp_chk)(env, val);
}

/*
 * The thread ends by a forced unwind (pthread_exit, a cancellation): every
 * hooked frame gets its real return address back and is reported as left,
 * before the unwinder passes them. Inlined into the interposers, so that
 * the frame and return address are theirs.
 */
#ifndef HAVE_DFT_STACK_RET_SLOT
/*
 * A signal interrupted the thread whose unwinder is starting (an
 * asynchronous cancellation) with the hook in its link register: the
 * innermost hooked frame had not saved it yet (a leaf function), or had
 * loaded it back to return. The unwinder reads that frame's return address
 * from the signal frame's copy, which shadow_find_slots() cannot tell from
 * a stale one: it gets the real address, signed as the hook was.
 */
static void uc_unhook(struct shadow *ss, void *uc)
{
	unsigned long *lr = dft_arch_uc_lr(uc);
	struct shadow_ent e;

	if (!ss->top || !is_hook(*lr))
		return;
	e = ss->ent[ss->top - 1];
	/* Not signed yet (a pac-ret function before its paciasp): as is. */
	if (*lr == HOOK) {
		*lr = e.parent;
		return;
	}
	e.hooked = *lr;
	if (slot_signable(&e))
		*lr = slot_real(&e);
}
#else
static inline void uc_unhook(struct shadow *ss, void *uc)
{
}
#endif

static void graph_thread_end(unsigned long sp, unsigned long ret, void *uc)
{
	struct shadow *ss = dft_thread.graph;

	if (ss && ss->top && shadow_unhook(ss, sp, ret)) {
		int guard = dft_guard_enter();

		if (uc)
			uc_unhook(ss, uc);

		while (ss->top) {
			graph_report(ss, ss->top - 1, NULL);
			ss->top--;
		}
		ss->restored = 0;
		dft_guard_exit(guard);
	}
}

static inline __attribute__((always_inline)) void graph_thread_unwind(void)
{
	graph_thread_end(dft_arch_entry_sp(), (unsigned long)__builtin_return_address(0), NULL);
}

/*
 * An unwinder that no interposer here saw start (glibc's forced unwind for
 * a cancellation: core/cancel.c) is about to run from the frame at @sp: it
 * ends the thread's hooked frames, unless those have their real addresses
 * already (an unwinder we started is running) or there are none. @uc: the
 * context of the signal it runs in (asynchronous cancellation), or NULL.
 */
int dft_graph_unwinder_due(void)
{
	struct shadow *ss = dft_thread.graph;

	return ss && ss->top && !ss->restored;
}

void dft_graph_unwinder(unsigned long sp, unsigned long ret, void *uc)
{
	struct shadow *ss = dft_thread.graph;

	if (ss && ss->top && !ss->restored)
		graph_thread_end(sp, ret, uc);
}

DFT_API void pthread_exit(void *retval)
{
	graph_thread_unwind();
	NEXT(pthread_exit)(retval);
}

struct _Unwind_Exception;
struct _Unwind_Context;
typedef int (*dft_unwind_trace_fn)(struct _Unwind_Context *ctx, void *arg);
int _Unwind_RaiseException(struct _Unwind_Exception *exc);
int _Unwind_Resume_or_Rethrow(struct _Unwind_Exception *exc);
int _Unwind_Backtrace(dft_unwind_trace_fn trace, void *arg);
void *__cxa_begin_catch(void *exc);

/*
 * The unwinders run with the real return addresses (shadow_unhook()), from
 * the interposer's frame: inlined into each, so that the frame and return
 * address are theirs. Under an unwinder already running (a throw from a
 * cleanup), the hooks go back when its handler is entered.
 */
static inline __attribute__((always_inline)) int
graph_unwind(int (*next)(struct _Unwind_Exception *), struct _Unwind_Exception *exc)
{
	struct shadow *ss = dft_thread.graph;
	int ret;

	if (shadow_unhook(ss, dft_arch_entry_sp(), (unsigned long)__builtin_return_address(0))) {
		/* Each cleanup the unwinder calls ends more frames. */
		ss->resync = 1;
		ret = next(exc);
		/* No handler: the exception is going to std::terminate.
		 * The frames are still live, hook them again. */
		shadow_rehook(ss);
		return ret;
	}
	return next(exc);
}

DFT_API int _Unwind_RaiseException(struct _Unwind_Exception *exc)
{
	return graph_unwind(NEXT(_Unwind_RaiseException), exc);
}

DFT_API int _Unwind_Resume_or_Rethrow(struct _Unwind_Exception *exc)
{
	return graph_unwind(NEXT(_Unwind_Resume_or_Rethrow), exc);
}

/*
 * A cancellation unwinds the thread from inside glibc, which calls
 * libgcc_s's unwinder through pointers of its own: nothing to interpose
 * before it starts. The first C++ frame with a cleanup calls its
 * personality routine before the unwinder reads that frame's return
 * address, and that call is ours (the program reaches it through the
 * symbol): the forced unwind's first one ends the thread's hooked frames.
 * core/cancel.c does it earlier, at the unwinder's first table lookup,
 * where it has one to interpose; this covers the others.
 */
#define DFT_FORCE_UNWIND 8 /* _UA_FORCE_UNWIND, ARM's _US_FORCE_UNWIND */
#ifdef HAVE_DFT_EHABI
int __gxx_personality_v0(int state, struct _Unwind_Exception *exc, struct _Unwind_Context *ctx);
DFT_API int __gxx_personality_v0(int state, struct _Unwind_Exception *exc,
				 struct _Unwind_Context *ctx)
{
	if (state & DFT_FORCE_UNWIND)
		graph_thread_unwind();
	return NEXT(__gxx_personality_v0)(state, exc, ctx);
}
#else
int __gxx_personality_v0(int version, int actions, uint64_t cls, struct _Unwind_Exception *exc,
			 struct _Unwind_Context *ctx);
DFT_API int __gxx_personality_v0(int version, int actions, uint64_t cls,
				 struct _Unwind_Exception *exc, struct _Unwind_Context *ctx)
{
	if (actions & DFT_FORCE_UNWIND)
		graph_thread_unwind();
	return NEXT(__gxx_personality_v0)(version, actions, cls, exc, ctx);
}
#endif

/* The Itanium C++ ABI's per-thread exception state (its first fields):
 * the exceptions thrown and not caught yet. */
struct cxa_eh_globals {
	void *caught;
	unsigned int uncaught;
};

/* Whether another exception is still being unwound: this one was thrown
 * and caught inside one of its cleanups (a destructor's try block). */
static int cxa_propagating(void)
{
	struct cxa_eh_globals *(*get)(void) = next_find(&next___cxa_get_globals,
							"__cxa_get_globals");

	return get && get()->uncaught;
}

/* Every catch block starts here, in the frame that caught: the frames below
 * it were unwound, the ones above are live and get their hooks back, unless
 * the unwinder of another exception has yet to pass them (then they get
 * them when that one is caught; until then their returns pop their entries
 * as left abnormally). */
DFT_API void *__cxa_begin_catch(void *exc)
{
	struct shadow *ss = dft_thread.graph;
	void *ret = NEXT(__cxa_begin_catch)(exc);

	if (ss) {
		int guard = dft_guard_enter();

		shadow_prune(ss, dft_arch_entry_sp(), (unsigned long)__builtin_return_address(0));
		if (ss->restored && !cxa_propagating())
			shadow_rehook(ss);
		dft_guard_exit(guard);
	}
	return ret;
}

/*
 * backtrace() and _Unwind_Backtrace() see the real callers while they run
 * (same thread, synchronous: the hooked frames are our callers, none of
 * them can return meanwhile). glibc's backtrace() calls libgcc_s's
 * _Unwind_Backtrace() through a pointer of its own, hence both. Neither
 * may show our interposer: backtrace() is asked for one frame more and
 * drops the first (ours; its own frame it skips already), and the trace
 * function is not given our frame, the first the unwinder reports.
 */
struct bt_trace {
	dft_unwind_trace_fn trace;
	void *arg;
	int skipped;
};

static int bt_trace_skip(struct _Unwind_Context *ctx, void *arg)
{
	struct bt_trace *bt = arg;

	if (!bt->skipped) {
		bt->skipped = 1;
		return 0; /* _URC_NO_REASON */
	}
	return bt->trace(ctx, bt->arg);
}

DFT_API int _Unwind_Backtrace(dft_unwind_trace_fn trace, void *arg)
{
	int (*next)(dft_unwind_trace_fn, void *) = next_find(&next__Unwind_Backtrace,
							       "_Unwind_Backtrace");
	struct bt_trace bt = { trace, arg, 0 };
	struct shadow *ss = dft_thread.graph;
	int unhooked, ret;

	if (!next)
		return 5; /* _URC_END_OF_STACK: no unwinder at all */
	unhooked = shadow_unhook(ss, dft_arch_entry_sp(), (unsigned long)__builtin_return_address(0));
	ret = next(bt_trace_skip, &bt);
	/* Never a tail call: the frame bt_trace_skip() skips is ours. */
	barrier();
	if (unhooked)
		shadow_rehook(ss);
	return ret;
}

/* The frames of one call of backtrace() beyond which a buffer on the stack
 * is not used (mmap: backtrace() may be called from a signal handler). */
#define BT_STACK 64

DFT_API int backtrace(void **buf, int size)
{
	int (*next)(void **, int) = next_find(&next_backtrace, "backtrace");
	size_t len = ((size_t)(size > 0 ? size : 0) + 1) * sizeof(void *);
	struct shadow *ss = dft_thread.graph;
	void *stack[BT_STACK], **tmp = stack;
	int unhooked, n;

	if (!next || size <= 0)
		return 0;
	if (size >= BT_STACK) {
		tmp = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (tmp == MAP_FAILED)
			return 0;
	}
	unhooked = shadow_unhook(ss, dft_arch_entry_sp(), (unsigned long)__builtin_return_address(0));
	n = next(tmp, size + 1);
	if (unhooked)
		shadow_rehook(ss);
	n = n > 0 ? n - 1 : 0;
	memcpy(buf, tmp + 1, n * sizeof(void *));
	if (tmp != stack)
		munmap(tmp, len);
	return n;
}
