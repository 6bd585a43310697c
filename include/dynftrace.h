/* SPDX-License-Identifier: MIT */
/*
 * dynftrace: dynamic function tracing and live patching for user space.
 *
 * This is the only public header. It is architecture neutral: the register
 * set a callback receives is opaque and read through the dft_regs_*()
 * accessors, which the runtime implements once per architecture.
 *
 * Naming rules: every public symbol starts with dft_ (functions, types) or
 * DFT_ (macros, constants). Every function returns 0 or a negative errno and
 * never aborts the process. Diagnostics go to the levelled log, controlled by
 * DYNFTRACE_LOG=error|warn|info|debug[,file=PATH].
 */
#ifndef DYNFTRACE_H
#define DYNFTRACE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The register set saved by a trampoline. Opaque: use the accessors. */
struct dft_regs;
struct dft_ops;

/*
 * A callback, called at the entry of every function the ops traces.
 *
 * @ip:        the address of the call site in the traced function.
 * @parent_ip: the return address into the caller.
 * @ops:       the ops this callback was registered with.
 * @regs:      the saved registers. Without DFT_OPS_FL_SAVE_REGS only the
 *             argument registers, the stack pointer, the ip and the return
 *             address are valid, and changes to the ip are ignored.
 *
 * A callback may use any registers the C calling convention lets it,
 * vector ones included (AVX, vzeroupper, AVX-512 on x86-64): the vector
 * arguments and return values of the traced function are kept whole (on
 * x86-64 with XSAVE, around every callback), and what a callback changes
 * through dft_regs_set_fparg() still reaches the function.
 *
 * A callback runs with recursion protection: any traced function it calls
 * runs untraced, but for its DFT_OPS_FL_IPMODIFY callback (a live patch is
 * never skipped). A signal handler of the program (installed through
 * sigaction() or signal() once the runtime is loaded) runs in a recursion
 * context of its own, as the kernel's interrupts do: its traced calls call
 * the callbacks even when the handler interrupted one, which therefore may
 * be entered again from a signal handler before it returns, and must be
 * async-signal-safe and reentrant (an IPMODIFY callback is also entered
 * again from its own traced calls). From a callback (and from a graph entry or return
 * callback) the API behaves as follows, so that it never deadlocks with an
 * update that waits for the callback to return:
 *
 *   dft_lookup_function(), dft_regs_*()     work
 *   dft_register_ops(), dft_unregister_ops(), dft_set_filter(),
 *   dft_set_notrace(), dft_set_filter_ip(), dft_free_ops(),
 *   dft_begin_update(), dft_end_update(), dft_ignore_current_thread(),
 *   dft_for_each_function(), dft_register_graph(),
 *   dft_unregister_graph()                  return -EDEADLK, change nothing
 */
typedef void (*dft_func_t)(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			   struct dft_regs *regs);

/* The callback wants the full register set (the regs-caller trampoline). */
#define DFT_OPS_FL_SAVE_REGS (1UL << 0)
/* The callback may change the ip (live patching). Needs SAVE_REGS; at most
 * one such ops per function, otherwise registration fails with -EBUSY. */
#define DFT_OPS_FL_IPMODIFY (1UL << 1)

/*
 * The ABI grows by adding fields at the end of the structs. @size says how
 * large the caller's struct is: sizeof(struct dft_ops), or 0 for the size
 * this header gives (what a zero-initialised struct with designated
 * initialisers has). The runtime refuses (-EINVAL) a size smaller than its
 * first layout with a size field, and reads only the fields @size covers.
 * (@func stays first: the trampolines call it at offset 0.)
 */
struct dft_ops {
	dft_func_t func;
	unsigned int size;
	unsigned long flags;
	void *private;
	/* Owned by the runtime: zero-initialise and do not touch. */
	void *internal;
};

int dft_register_ops(struct dft_ops *ops);
/*
 * On return no thread is running, or will run, ops->func: ops may be freed
 * (after dft_free_ops(), which releases its filters). Inside an update
 * transaction that holds only from dft_end_update() on.
 */
int dft_unregister_ops(struct dft_ops *ops);
/* Releases what the filters of an unregistered @ops hold (patterns,
 * addresses); -EBUSY while it is registered. The ops may be set up again. */
int dft_free_ops(struct dft_ops *ops);

/*
 * An update transaction: the register, unregister and filter changes made
 * between dft_begin_update() and dft_end_update(), by the calling thread,
 * become one patch round (one pass over the text, one grace period) at
 * dft_end_update(), which returns its result. Until then the sites keep
 * their old state; ops being unregistered may still be called. Other
 * threads' updates wait for dft_end_update(). Transactions nest (the
 * outermost end patches); not from a callback (-EDEADLK).
 */
int dft_begin_update(void);
int dft_end_update(void);

/*
 * With @ignore non-zero, no callback of any ops (entry or graph return) runs
 * on the calling thread, nor in its signal handlers, until it is called
 * again with 0; calls in progress when it starts get no return callback.
 * For a thread of the tracer's own (the kernel's ftrace_pid filtering).
 * Not from a callback (-EDEADLK). Returns 0.
 */
int dft_ignore_current_thread(int ignore);

/*
 * Filters. @globs is a list of patterns separated by spaces or commas
 * (outside parentheses and angle brackets: "f(int, char)" is one):
 *
 *   GLOB              functions whose name matches, in every module
 *   lib:MOD           every function of the modules whose file name matches
 *   lib:MOD:GLOB      functions matching GLOB in modules matching MOD
 *
 * GLOB and MOD use *, ? and [...] (\ escapes one). MOD is matched against
 * the file name of the module (e.g. "libm.so.6"; the main program by its own
 * file name). GLOB is matched against the symbol name and, for a C++
 * function, against its demangled name with and without the parameter list
 * (and without a template's return type), blanks ignored: "ns::Foo::bar",
 * "ns::Foo::bar(int)" and "_ZN2ns3Foo3barEi" select the same function.
 * Demangling uses the process's __cxa_demangle (libstdc++, which C++
 * programs load); without it C++ functions match by their mangled names.
 * An ops with an empty filter traces every function; notrace wins over the
 * filter. With @reset the list replaces the previous one, otherwise it is
 * added. Patterns are kept and applied to libraries loaded later, too.
 *
 * Returns -EINVAL for a malformed pattern and -ENOENT when a plain GLOB
 * matches no function at all (nothing is changed then; the warning names
 * the closest functions).
 */
int dft_set_filter(struct dft_ops *ops, const char *globs, int reset);
int dft_set_notrace(struct dft_ops *ops, const char *globs, int reset);
/*
 * Selects one function by address (its start or its call site), for static
 * functions that share a name: added to the filter, or with @remove taken
 * out of what dft_set_filter_ip() added. The ops then traces the functions
 * its patterns select and the ones added by address. -ENOENT when no
 * function with a call site is there (or, with @remove, was not added).
 * The address is forgotten when its module is unloaded.
 */
int dft_set_filter_ip(struct dft_ops *ops, unsigned long addr, int remove);

/*
 * Register accessors. Arguments are numbered from 0 in the order of the C
 * calling convention: integer (and pointer) arguments and floating point
 * arguments are counted separately. A floating point argument is the low
 * double of its vector register: the rest of a wider vector argument is
 * kept, but not readable here.
 */
unsigned long dft_regs_get_arg(const struct dft_regs *regs, unsigned int n);
void dft_regs_set_arg(struct dft_regs *regs, unsigned int n, unsigned long val);
double dft_regs_get_fparg(const struct dft_regs *regs, unsigned int n);
void dft_regs_set_fparg(struct dft_regs *regs, unsigned int n, double val);
/* Valid in a graph return callback; setting it changes what the function
 * returns to its caller (the integer return register: on 32-bit ARM the low
 * word of a 64-bit value). */
unsigned long dft_regs_get_retval(const struct dft_regs *regs);
double dft_regs_get_fpretval(const struct dft_regs *regs);
void dft_regs_set_retval(struct dft_regs *regs, unsigned long val);
/* The return point into the traced function; setting it redirects the call
 * (DFT_OPS_FL_IPMODIFY ops only). */
unsigned long dft_regs_get_ip(const struct dft_regs *regs);
void dft_regs_set_ip(struct dft_regs *regs, unsigned long ip);
/* The stack pointer at the call site (in a return callback: after the
 * return), and the return address into the caller (in a return callback
 * too: where the function returns to, as dft_graph_ret.parent_ip). */
unsigned long dft_regs_get_sp(const struct dft_regs *regs);
unsigned long dft_regs_get_return_address(const struct dft_regs *regs);
/* The architecture's own layout (struct user_regs_struct order on x86-64,
 * struct user_pt_regs on AArch64, uregs[18] on ARM), for debuggers' needs. */
void *dft_regs_raw(struct dft_regs *regs);

/*
 * The function graph: hooks the return of traced functions. @entry is called
 * at function entry and returns non-zero to have @ret called when the
 * function returns (or is left by longjmp, an exception or thread exit).
 * @data is a per-call word the callbacks may use (an entry time, say).
 * Up to 8 graph ops may be registered at once (-EBUSY beyond), as with the
 * kernel's fgraph: each has its own filter and its own @data for each call;
 * `dynftrace record` uses one, so a program's own keep working under it.
 */
struct dft_graph_ops;

struct dft_graph_ent {
	unsigned long ip;	 /* call site of the function */
	unsigned long parent_ip; /* real return address into the caller */
	unsigned int depth;	 /* nesting depth, 0 for the outermost: counted
				  * over the calls any graph ops hooks */
	unsigned long long *data;
};

struct dft_graph_ret {
	unsigned long ip;
	unsigned long parent_ip;
	unsigned int depth;
	unsigned long long data;
	int abnormal; /* left by longjmp, an exception or thread exit */
};

struct dft_graph_ops {
	unsigned int size; /* sizeof(struct dft_graph_ops) or 0, as for dft_ops */
	int (*entry)(const struct dft_graph_ent *ent, struct dft_graph_ops *gops,
		     struct dft_regs *regs);
	/* @regs holds the return value registers; NULL when abnormal. */
	void (*ret)(const struct dft_graph_ret *ret, struct dft_graph_ops *gops,
		    struct dft_regs *regs);
	void *private;
	/* The filter is set on this ops with dft_set_filter(); dft_free_ops()
	 * releases it. */
	struct dft_ops ops;
	/* Owned by the runtime: zero-initialise and do not touch. */
	void *internal;
};

int dft_register_graph(struct dft_graph_ops *gops);
int dft_unregister_graph(struct dft_graph_ops *gops);

/*
 * The functions with call sites (the kernel's available_filter_functions and
 * enabled_functions).
 */
#define DFT_FUNC_ENABLED (1U << 0)  /* the site calls a trampoline */
#define DFT_FUNC_REGS (1U << 1)	    /* ... the regs-caller one */
#define DFT_FUNC_IPMODIFY (1U << 2) /* an IPMODIFY ops owns it */
#define DFT_FUNC_FAILED (1U << 3)   /* unexpected bytes: never patched */
#define DFT_FUNC_NONENTRY (1U << 4) /* site after the prologue: trace only */

struct dft_func_info {
	const char *name;
	const char *module; /* path of the module */
	unsigned long func; /* function address */
	unsigned long site; /* call site address (the callback's ip) */
	unsigned int state; /* DFT_FUNC_* */
	unsigned int refs;  /* number of ops that want it */
};

/* Calls @fn for each function (only enabled ones with @enabled_only) until
 * it returns non-zero, which is then returned. -EDEADLK from a callback. */
int dft_for_each_function(int (*fn)(const struct dft_func_info *info, void *arg), void *arg,
			  int enabled_only);

/* Look up the function containing @addr; 0 or -ENOENT. Works from a
 * callback (without taking the runtime's lock: refs and state may then be
 * a moment old). */
int dft_lookup_function(unsigned long addr, struct dft_func_info *info);

#ifdef __cplusplus
}
#endif

#endif /* DYNFTRACE_H */
