/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces of the core (sites, patching, ops, dispatch, threads,
 * traps, return hooking). Nothing here is exported, and nothing here knows
 * of the recorder (record/), which is a user of this core.
 *
 * The pieces, one file each (kernel/trace style):
 *   log.c      levelled diagnostics (DYNFTRACE_LOG)
 *   module.c   modules and their call-site records; dlopen/dlclose
 *   dlhook.c   dlopen/dlclose through the GOT when the runtime came late
 *   patch.c    batches: desired site states, text protection
 *   trap.c     the trap signal of trap-based protocols, chained with the program's
 *   sigctx.c   the program's signal handlers, each in a recursion context
 *   stop.c     stopping every other thread while text changes
 *   ops.c      ops registration, filters, IPMODIFY ownership, queries
 *   entry.c    the C half of the trampolines: recursion guard, dispatch
 *   thread.c   per-thread state and grace periods
 *   graph.c    return hooking (shadow stacks) for the function graph
 *   regs.c     public register accessors
 *   near.c     pages near a module for branch stubs
 *
 * Each architecture provides arch/<arch>/arch.h (the contract below) and
 * its assembly trampolines.
 */
#ifndef DFT_INTERNAL_H
#define DFT_INTERNAL_H

/* struct dft_thread, for trampolines that keep the recursion guard in
 * assembly (an arch/<arch>/entry.S replacing lib/entry.c). */
#define DFT_THREAD_SEQ 0
#define DFT_THREAD_REGISTERED __SIZEOF_LONG__
#define DFT_THREAD_GRAPH (4 * __SIZEOF_POINTER__)
#define DFT_THREAD_IGNORED (5 * __SIZEOF_POINTER__)
#define DFT_THREAD_CTX (DFT_THREAD_IGNORED + 4)

/* graph.c's shadow stack, for the direct trampolines of a graph tracer
 * (checked in graph.c where HAVE_DFT_DIRECT): the header, then entries of
 * 7 words (8 where the return slot is not on the stack: the word `hooked`
 * after slot, arch.h says which), padded to 8 bytes, and 8 64-bit data
 * words: 15 or 16 words on 64-bit targets, 24 on 32-bit ones. */
#include "arch.h"
#define DFT_WORD __SIZEOF_POINTER__
#ifdef HAVE_DFT_STACK_RET_SLOT
#define DFT_SHENT_HOOKED_SIZE 0
#else
#define DFT_SHENT_HOOKED_SIZE DFT_WORD
#endif
#define DFT_SHADOW_TOP DFT_WORD
#define DFT_SHADOW_CAP (DFT_SHADOW_TOP + 4)
#define DFT_SHADOW_RESYNC (DFT_SHADOW_TOP + 8)
#define DFT_SHADOW_ENT ((DFT_SHADOW_TOP + 16 + 7) & ~7)
#define DFT_SHENT_REAL 0
#define DFT_SHENT_PARENT DFT_WORD
#define DFT_SHENT_SP (2 * DFT_WORD)
#define DFT_SHENT_SLOT (3 * DFT_WORD)
#define DFT_SHENT_IP (4 * DFT_WORD + DFT_SHENT_HOOKED_SIZE)
#define DFT_SHENT_GEN (5 * DFT_WORD + DFT_SHENT_HOOKED_SIZE)
#define DFT_SHENT_USERS (6 * DFT_WORD + DFT_SHENT_HOOKED_SIZE)
#define DFT_SHENT_DATA ((DFT_SHENT_USERS + 4 + 7) & ~7)
#define DFT_SHADOW_ENT_SIZE (DFT_SHENT_DATA + 8 * 8)
#define DFT_GDIRECT_USERS 0
#define DFT_GDIRECT_GEN DFT_WORD
#define DFT_GDIRECT_DATA (2 * DFT_WORD)

#ifndef __ASSEMBLER__

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "dynftrace.h"
#include "glob.h"
#include "match.h"

/*
 * The architecture contract (arch/<arch>/arch.h) provides:
 *
 *   struct dft_regs                  the saved register frame
 *   DFT_SITE_MAX                     largest site, in bytes
 *   DFT_INSN_ALIGN                   instruction alignment (1, 2 or 4)
 *   dft_arch_{get,set}_arg(), dft_arch_{get,set}_fparg(),
 *   dft_arch_get_retval(), dft_arch_get_fpretval(),
 *   dft_arch_{get,set}_ip(), dft_arch_get_sp(),
 *   dft_arch_ret_slot()              where the return address lives
 *   HAVE_DFT_* capabilities          tested by generic code
 *
 * and implements the functions declared under "arch hooks" below.
 */
#include "arch.h"

/*
 * Everything declared from here on is the runtime's own: hidden, so that
 * the compiler reaches its data PC-relative instead of through the GOT
 * (-fvisibility=hidden alone hides definitions, not extern declarations).
 */
#pragma GCC visibility push(hidden)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define barrier() __asm__ __volatile__("" ::: "memory")
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Exported: public API functions and the libc interposers. */
#define DFT_API __attribute__((visibility("default")))

/* ---- log.c ---- */
enum { DFT_LOG_ERROR, DFT_LOG_WARN, DFT_LOG_INFO, DFT_LOG_DEBUG };
extern int dft_log_level;
void dft_log_init(void);
void dft_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define pr_err(...) dft_log(DFT_LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) dft_log(DFT_LOG_WARN, __VA_ARGS__)
#define pr_info(...) dft_log(DFT_LOG_INFO, __VA_ARGS__)
#define pr_debug(...)                                                                              \
	do {                                                                                       \
		if (unlikely(dft_log_level >= DFT_LOG_DEBUG))                                      \
			dft_log(DFT_LOG_DEBUG, __VA_ARGS__);                                       \
	} while (0)

/* ---- call-site records (module.c) ---- */

/* What a site currently calls. */
enum dft_target {
	DFT_TGT_NOP,
	DFT_TGT_CALLER, /* the argument-saving trampoline */
	DFT_TGT_REGS,	/* the full-regs trampoline */
	DFT_TGT_DIRECT, /* the only ops' own trampoline (dft_set_direct) */
};

#define DFT_SITE_FAILED (1U << 0)   /* unexpected bytes: never touched */
#define DFT_SITE_NONENTRY (1U << 1) /* after the prologue: no redirect, no graph */

struct dft_module;

struct dft_site {
	unsigned long addr; /* runtime address of the site */
	unsigned long func; /* runtime address of the function */
	const char *name;
	struct dft_module *mod;
	uint32_t refs;	    /* ops that want it */
	uint32_t regs_refs; /* ... of which need SAVE_REGS */
	struct dft_ops *ipmodify;
	uint8_t flags;	/* DFT_SITE_* */
	uint8_t target; /* enum dft_target, as patched */
	uint8_t kind;	/* arch: the site form */
	uint8_t len;	/* arch: bytes the site spans */
};

struct dft_module {
	struct dft_module *next;
	char *path;
	const char *name; /* file name part of path */
	unsigned long bias;
	unsigned long text_lo, text_hi; /* its executable segments */
	struct dft_site *sites;		/* sorted by addr */
	size_t nr_sites;
	char *strtab; /* owns the names */
	char **forms; /* ops.c: dft_name_forms() by site, made on first use */
	void *stubs;  /* arch: near-module branch stubs, or NULL */
	int seen;     /* scratch for rescans */
	/* plt.c: the library-call stubs of @owner (this module has no file). */
	struct dft_module *owner;
	void *plt;
};

extern pthread_mutex_t dft_lock; /* serialises every update (recursive) */
extern int dft_initialised;
extern struct dft_module *dft_modules;
extern size_t dft_nr_sites;

/* A new module while its sites are normalised, before it is linked in
 * (what patch.c knows of its text without /proc/self/maps). */
extern struct dft_module *dft_module_pending;

#define dft_for_each_module(m) for (struct dft_module *m = dft_modules; m; m = m->next)
#define dft_for_each_site(m, s) for (struct dft_site *s = (m)->sites; s < (m)->sites + (m)->nr_sites; s++)

void dft_modules_scan(int startup);
/* dft_modules_scan() with the lock taken; nothing inside a callback. */
void dft_modules_rescan(void);
/* The dlopen() and dlclose() wrappers: the library is loaded or unloaded,
 * then the modules rescanned. @caller: whose RUNPATH finds a bare name. */
void *dft_dlopen_from(const char *file, int mode, const void *caller);
int dft_dlclose(void *handle);
/* dlhook.c: points @mod's GOT slots of dlopen and dlclose to the wrappers
 * when they do not interpose (the runtime was loaded after start-up). */
struct dft_elf;
void dft_dl_hook(const struct dft_module *mod, const struct dft_elf *e);
/* Called (lock held) when modules were added or removed, before any ops
 * patches the new sites: the recorder gives them ids there. */
extern void (*dft_modules_changed)(void);
struct dft_site *dft_site_lookup(unsigned long addr);
struct dft_site *dft_site_of_func(unsigned long addr);

/* ---- plt.c ---- */
/* The library calls of a new module with call sites, as a module of stubs
 * (the GOT now points to them), or NULL. @added: the other new modules. */
struct dft_module *dft_plt_module(struct dft_module *owner, const struct dft_module *added);
/* After sites were patched: GOT slots point to the stubs that are traced,
 * the others hold what they held before. */
void dft_plt_sync(void);
/* Puts back what the GOT slots held (@mapped: the owner is still loaded)
 * and frees the stubs' state. */
void dft_plt_restore(struct dft_module *mod, int mapped);
/* The page-aligned RELRO range of the module loaded at @bias (0, 0: none). */
void dft_got_relro(unsigned long bias, unsigned long *lo, unsigned long *hi);
/* Stores @v in the GOT slot @p, through the read-only RELRO range if it is
 * there; 0 or -1. */
int dft_got_store(unsigned long *p, unsigned long v, unsigned long relro_lo,
		  unsigned long relro_hi);

/* ---- patch.c ---- */
struct dft_patch;
unsigned long dft_page_size(void);
int dft_update_sites(void);
int dft_text_patch(struct dft_patch *batch, size_t n, int live);

/* ---- ops.c ---- */
/* Internal ops flag: only entry sites (the graph needs the return address
 * where the function entry has it). */
#define DFT_OPS_FL_ENTRY_ONLY (1UL << 31)
/* Internal ops flag: the callback is not reentrant (the recorder's streams,
 * graph.c's shadow stack). A signal handler that interrupted a callback or
 * a runtime path of its thread does not call it: dft_ctx_lost() is told
 * instead (the recorder counts the event as lost). */
#define DFT_OPS_FL_NOT_REENTRANT (1UL << 30)
extern void (*dft_ctx_lost)(struct dft_ops *ops);
/* The smallest structs the API accepts (.size): the first layouts with a
 * size field. Fields added later are read only when .size covers them. */
#define DFT_OPS_SIZE_0 sizeof(struct dft_ops)
#define DFT_GRAPH_OPS_SIZE_0 sizeof(struct dft_graph_ops)
void dft_ops_modules_changed(void);
/*
 * A direct trampoline, as the kernel's register_ftrace_direct: while @ops
 * is the only ops registered, the sites it wants call @tramp instead of
 * the caller trampoline. @tramp does the common case of @ops itself and
 * jumps to dft_caller (with every register as it found them) for the rest,
 * so @ops->func must still do all of it. Set before registering @ops;
 * ignored where the architecture has no HAVE_DFT_DIRECT.
 */
void dft_set_direct(struct dft_ops *ops, void *tramp);
/* What DFT_TGT_DIRECT calls now, or NULL: read by patch.c and arch/. */
extern void *dft_direct_tramp;

/* ---- entry.c / thread.c ---- */
/* Signal handlers nested deeper share the context of the one below. */
#define DFT_CTX_MAX 8
struct dft_thread {
	/* Odd while inside the callbacks: the recursion guard, and what
	 * grace periods wait on. */
	unsigned long seq;
	int registered;
	struct dft_thread *next, *prev;
	void *graph; /* graph.c: shadow stack */
	/* dft_ignore_current_thread(): seq is held odd, so that trampolines
	 * leave at once; grace periods need not wait for the thread. */
	int ignored;
	/*
	 * Recursion contexts (sigctx.c), the kernel's per-context recursion
	 * bits: 0 is the thread's normal context, d > 0 the d-th signal
	 * handler nested in it. seq stays the thread's alone (what grace
	 * periods wait on); these tell, once a trampoline finds seq odd,
	 * whether this context is inside (true recursion) or interrupted one
	 * that is (then it runs the callbacks itself, seq left as it is).
	 */
	unsigned int ctx;      /* the current context */
	unsigned int ctx_intr; /* bit d: context d began with seq odd */
	unsigned int ctx_busy; /* bit d: ... and is inside callbacks itself */
	unsigned long ctx_sp[DFT_CTX_MAX]; /* context d's wrapper frame */
};
extern __thread struct dft_thread dft_thread;

int dft_thread_init(void);
int dft_thread_register(struct dft_thread *t);
void dft_synchronize(void);
/* Around the callbacks of a thread not in the list grace periods walk. */
void dft_unlisted_enter(void);
void dft_unlisted_exit(void);
void dft_sync_cores(void);
int dft_in_callback(void);

/* ---- thread.c: other tasks of this process ---- */
int dft_for_each_task(int (*fn)(pid_t tid, void *arg), void *arg);
ssize_t dft_read_task(pid_t tid, const char *file, char *buf, size_t size);
int dft_task_blocks_all(pid_t tid);
/* Under qemu-user (the tasks' host view differs from the guest's), and
 * one of qemu's own threads there (never one of the program's). */
extern int dft_emulated;
int dft_emulator_thread(pid_t tid);
/* /proc/self/maps, or what shows the same when that reads empty; -1 when
 * nothing does (qemu-user once its main thread has exited). */
int dft_open_maps(void);
/* The mapping that holds @sp: 1 with its bounds, 0 if none does.
 * Async-signal-safe (system calls only). */
int dft_stack_mapping(unsigned long sp, unsigned long *lo, unsigned long *hi);

/* ---- sigctx.c: each signal handler of the program in its own context ---- */
/* The sigaction() of libc, past every interposer: for the runtime's own
 * handlers, which need no context of their own. */
int dft_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old);
/* Runs a handler of the program in a new context (trap.c's chaining). */
void dft_ctx_call(int sig, siginfo_t *si, void *uc, const struct sigaction *app);
/* @act, read from the kernel, as the program installed it (the runtime
 * replaced the program's handler of @sig after it had been wrapped). */
void dft_ctx_unwrap(int sig, struct sigaction *act);
/* At start-up: wraps the handlers installed before the runtime loaded. */
void dft_ctx_wrap_installed(void);
/* The context of the caller, once those a siglongjmp left are dropped. */
unsigned int dft_ctx_current(struct dft_thread *t);

/* ---- trap.c ---- */
/* sigaction() of the trap signal, which trap.c keeps: 1 when handled (the
 * result in *@ret), 0 for any other signal. */
int dft_trap_sigaction(int sig, const struct sigaction *act, struct sigaction *old, int *ret);
/* Takes the trap signal out of a handler's mask (the program may not block it). */
void dft_trap_unblockable(sigset_t *set);
int dft_trap_init(void);
/* The signal of the trap-based protocols: DFT_TRAP_SIGNAL, or on ports
 * where it is a real-time one, DYNFTRACE_SIGNAL's or a free one. */
extern int dft_trap_signal;

/* ---- stop.c: every other thread stopped while text changes ---- */
/* Called by the trap handler first: 1 if the signal was a stop request. */
int dft_stop_handler(int sig, siginfo_t *si, void *ctx);
/* Calls @write(@batch, @n) while every other thread is parked outside of
 * the bytes that change; 0, or -errno with nothing written. */
int dft_stop_and_patch(const struct dft_patch *batch, size_t n,
		       void (*write)(const struct dft_patch *, size_t));

/* What the patch protocols did (DYNFTRACE_STATS=1 prints it at exit):
 * the tests check that they exercised what they mean to. */
struct dft_patch_stats {
	unsigned long batches; /* live batches */
	unsigned long traps;   /* traps taken on a site being written */
	unsigned long stops;   /* stop-the-world rounds */
	unsigned long parked;  /* threads parked by them */
};
extern struct dft_patch_stats dft_patch_stats;

/* The fast path: the only registered ops when it wants every site (so no
 * site can be another's), or NULL for the list walk. */
extern struct dft_ops *dft_single_ops;
/* @full: @regs is the regs caller's frame. A site's ops set changes before
 * its text moves to the regs caller (or after it leaves it): SAVE_REGS ops
 * are never called with a plain caller's partial frame, whose pc is not
 * read back, as the kernel's ftrace_ops_test() skips them without regs. */
void dft_ops_list_func(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs,
		       int full);

/* In a signal handler that interrupted a callback: the list walk without
 * the DFT_OPS_FL_NOT_REENTRANT ops (given to dft_ctx_lost()). */
void dft_ops_list_nested(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs,
			 int full);
/* The IPMODIFY ops of @ip alone: a redirect is never skipped, not even in
 * a callback's traced call (true recursion). @regs is a full frame. */
void dft_ops_redirect(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs);

/* Trampolines call these: the plain caller, the regs caller. */
void dft_entry(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs);
/* ... and this one instead when they find seq odd (sigctx.c): a recursion,
 * or a signal handler's call while the context it interrupted is inside. */
void dft_entry_odd(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs, int full);
/* ... and the normal ones this when the thread could not register. */
void dft_entry_unlisted(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs, int full);

/* The callbacks of a normal entry: the single ops directly, else the list. */
static inline __attribute__((always_inline)) void dft_dispatch(unsigned long ip,
							       unsigned long parent_ip,
							       struct dft_regs *regs, int full)
{
	struct dft_ops *ops = READ_ONCE(dft_single_ops);

	if (likely(ops))
		ops->func(ip, parent_ip, ops, regs);
	else
		dft_ops_list_func(ip, parent_ip, regs, full);
}
void dft_regs_entry(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs);
/* The trampolines (arch/<arch>/entry.S or trampoline.S): the plain caller
 * and the regs-caller a site calls. */
extern char dft_caller[], dft_regs_caller[];

/* ---- rt_text.c ---- */
/* Finds the runtime's text (not in a signal handler), once. */
void dft_rt_text_init(void);
int dft_in_rt_text(unsigned long pc);
/* Code the runtime maps (stubs) counts as its text while it is there. */
void dft_rt_text_add(const void *p, unsigned long len);
void dft_rt_text_del(const void *p);
/* Whether a thread interrupted at @pc was inside the runtime: holding the
 * recursion guard, in its text, or on a site's instructions that the unwind
 * tables leave out. */
int dft_interrupted_inside(unsigned long pc);

/* ---- graph.c ---- */
int dft_graph_init(void);
/* In a return callback given @regs: 1 and where the function returns to. */
int dft_graph_return_address(const struct dft_regs *regs, unsigned long *addr);
/* An unwinder none of graph.c's interposers saw start runs from the frame
 * at @sp, returning to @ret (core/cancel.c), in a signal handler whose
 * context is @uc (or NULL): the hooked frames end. */
void dft_graph_unwinder(unsigned long sp, unsigned long ret, void *uc);
/* Whether the thread has hooked frames that no unwinder of ours restored. */
int dft_graph_unwinder_due(void);
/* The next definition of @name after ours (dlsym(RTLD_NEXT)), cached in
 * *@cache; NULL if there is none. */
void *dft_next_find(void **cache, const char *name);

/* arch/<arch>/return.S:
 *
 * Each architecture provides dft_arch_return_hook, the address graph.c puts
 * in the return slot. It saves the return value registers into a struct
 * dft_regs, calls dft_graph_return(regs, sp) with the sp the function had at
 * its entry (dft_arch_get_sp() of its site), restores them and jumps to the
 * address dft_graph_return() gives back.
 */
extern char dft_arch_return_hook[];
unsigned long dft_graph_return(struct dft_regs *regs, unsigned long sp);

/*
 * A graph tracer's direct trampolines (dft_set_direct) push shadow entries
 * themselves, stamped with dft_graph_gen and dft_graph_direct, and put
 * @hook in the return slot:
 * a return hook of their own that handles the common return and jumps to
 * dft_arch_return_hook, registers as they came, for the rest. Set before
 * dft_register_graph(); NULL goes back to dft_arch_return_hook.
 */
extern unsigned long dft_graph_gen;
void dft_graph_set_hook(struct dft_graph_ops *gops, void *hook);
/* While that graph ops is registered: its users bit in an entry (0 when
 * it is not registered), the generation its entries start at, and the
 * offset of its data word in an entry. */
struct dft_graph_direct {
	unsigned long users, gen, data;
};
extern struct dft_graph_direct dft_graph_direct;

/* The recursion guard for paths that are not callbacks (the return hook,
 * the libc interposers): a traced function called inside runs untraced. */
static inline int dft_guard_enter(void)
{
	if (dft_thread.seq & 1)
		return 0;
	WRITE_ONCE(dft_thread.seq, dft_thread.seq + 1);
	barrier();
	return 1;
}

static inline void dft_guard_exit(int entered)
{
	if (!entered)
		return;
	barrier();
	WRITE_ONCE(dft_thread.seq, dft_thread.seq + 1);
}


/* ---- arch hooks ---- */
struct dft_patch {
	unsigned long addr;
	uint8_t len;
	uint8_t old[DFT_SITE_MAX];
	uint8_t new[DFT_SITE_MAX];
};

/* Classify the bytes at a recorded site (site->addr, ->func and ->mod are
 * set): sets kind, len, flags and the target it already calls, and returns
 * 0, or -ENOEXEC for bytes that are no known site form. */
int dft_arch_site_decode(struct dft_site *site);
/* The bytes of @site for @target (NOP or a call to a trampoline). */
int dft_arch_site_insn(const struct dft_site *site, enum dft_target target, uint8_t *buf);
/* The NOP form a site is normalised to once, before threads may run it. */
void dft_arch_site_init_insn(const struct dft_site *site, uint8_t *buf);
/* Writes a batch into writable text; @live: other threads may be running.
 * 0, or -errno with nothing written. */
int dft_arch_patch(struct dft_patch *batch, size_t n, int live);
/* Near-module stubs, for modules out of direct branch range. */
int dft_arch_need_stubs(const struct dft_module *mod);
void *dft_arch_stubs_alloc(struct dft_module *mod);
#ifdef HAVE_DFT_LIBCALL
/* A library-call stub at @code (DFT_PLT_STUB_SIZE bytes): a site in its
 * NOP form, then a jump to the address held at @target. */
void dft_arch_plt_stub(unsigned char *code, const unsigned long *target);
#endif
/* near.c: a RW page within @range bytes of [lo, hi) for the stubs, or
 * NULL; then, filled, the page made read-only and executable (or NULL,
 * unmapped); and its release. */
void *dft_map_near(unsigned long lo, unsigned long hi, unsigned long range);
void *dft_stubs_seal(void *page);
void dft_stubs_free(struct dft_module *mod);

/*
 * livepatch.c, for the tracers: the name of the live patch's replacement
 * that this call (of the function whose site is @ip) runs in this thread,
 * or NULL. Called from an ops callback, which keeps the name alive.
 * dft_lp_any(): is anything patched (one load)?
 */
struct lp_table;
extern struct lp_table *dft_lp_table;
const char *dft_lp_patched_slow(unsigned long ip);
static inline int dft_lp_any(void)
{
	return READ_ONCE(dft_lp_table) != NULL;
}
static inline const char *dft_lp_patched(unsigned long ip)
{
	if (__builtin_expect(!dft_lp_any(), 1))
		return NULL;
	return dft_lp_patched_slow(ip);
}

#pragma GCC visibility pop
#endif /* !__ASSEMBLER__ */
#endif /* DFT_INTERNAL_H */
