/* SPDX-License-Identifier: MIT */
/*
 * dynftrace live patches.
 *
 * A patch is a shared object built from ordinary C with this header:
 *
 *   #include <dynftrace/livepatch.h>
 *
 *   long price_after_discount(long price, long discount);   // the target's prototype
 *
 *   static long fixed_price(long price, long discount)
 *   {
 *           if (discount > price)
 *                   return 0;
 *           return DFT_LIVEPATCH_ORIG(price_after_discount)(price, discount);
 *   }
 *   DFT_LIVEPATCH_FUNC(price_after_discount, fixed_price);       // in the main program
 *   DFT_LIVEPATCH_FUNC_IN("libshop.so", parse_order, fixed_parse); // in a library
 *   DFT_LIVEPATCH_SYMBOL(long, hits, "hits");  // static long *hits: the target's 'hits'
 *   DFT_LIVEPATCH_BUILD_ID("4f1c...");         // optional: refuse any other build
 *
 *   cc -shared -fPIC $(pkg-config --cflags dynftrace) fix.c -o fix.so
 *
 * The patch does not link against libdynftrace: the macros only emit data,
 * a list of pointers in the section "dft_livepatch" that the runtime reads
 * when it loads the patch. It then resolves every name in the symbol tables
 * of the target module (static functions and variables included) and
 * refuses the whole patch if one is missing or ambiguous, if a function has
 * no entry call site, or if a build-id differs.
 *
 * Apply it with `dynftrace patch PID fix.so` or start a program with it
 * (`dynftrace record --patch fix.so -- CMD`); see dynftrace(1).
 */
#ifndef DYNFTRACE_LIVEPATCH_H
#define DYNFTRACE_LIVEPATCH_H

#ifdef __cplusplus
extern "C" {
#endif

#define DFT_LIVEPATCH_MAGIC 0x64667031U /* "dfp1": layout version 1 */

enum {
	DFT_LIVEPATCH_KIND_FUNC = 1,
	DFT_LIVEPATCH_KIND_SYMBOL = 2,
	DFT_LIVEPATCH_KIND_BUILD_ID = 3,
};

/* One entry; the section holds pointers to them (pointer-sized elements,
 * so that no compiler padding can come between two). */
struct dft_livepatch_entry {
	unsigned int magic;
	unsigned int kind;
	const char *module; /* file name of the target module; NULL: the program */
	const char *name;   /* target function or variable; the build-id (hex) */
	void *repl;	    /* FUNC: the replacement */
	void **slot;	    /* FUNC: receives the original; SYMBOL: the address */
};

#define DFT__LP_CAT2(a, b) a##b
#define DFT__LP_CAT(a, b) DFT__LP_CAT2(a, b)
#define DFT__LP_ENTRY(id, mod, kind, name, repl, slot)                                            \
	static struct dft_livepatch_entry DFT__LP_CAT(__dft_lp_e_, id) = {                        \
		DFT_LIVEPATCH_MAGIC, kind, mod, name, (void *)(repl), (void **)(slot)             \
	};                                                                                         \
	static struct dft_livepatch_entry *DFT__LP_CAT(__dft_lp_p_, id)                           \
		__attribute__((used, section("dft_livepatch"))) = &DFT__LP_CAT(__dft_lp_e_, id)

/* Every call of @target (a function of the main program) runs @repl. */
#define DFT_LIVEPATCH_FUNC(target, repl) DFT_LIVEPATCH_FUNC_IN(0, target, repl)

/* Every call of @target, a function of the module whose file name is
 * @module ("libshop.so"), runs @repl. */
#define DFT_LIVEPATCH_FUNC_IN(module, target, repl)                                               \
	void *__dft_lp_orig_##target __attribute__((visibility("hidden")));                       \
	DFT__LP_ENTRY(target, module, DFT_LIVEPATCH_KIND_FUNC, #target, repl,                      \
		      &__dft_lp_orig_##target)

/*
 * The original code of @target, which a replacement may call: it runs the
 * function as it was, without being redirected again (to this patch or any
 * other). @target's prototype must be in scope (it is only used for its
 * type: the patch needs no reference to the symbol).
 */
#define DFT_LIVEPATCH_ORIG(target)                                                                 \
	(__extension__({                                                                           \
		extern void *__dft_lp_orig_##target;                                               \
		(__typeof__(&target))__dft_lp_orig_##target;                                       \
	}))

/* static type *var, pointing at the target's variable @name. */
#define DFT_LIVEPATCH_SYMBOL(type, var, name) DFT_LIVEPATCH_SYMBOL_IN(0, type, var, name)
#define DFT_LIVEPATCH_SYMBOL_IN(module, type, var, name)                                          \
	static type *var;                                                                          \
	DFT__LP_ENTRY(DFT__LP_CAT(var##_, __LINE__), module, DFT_LIVEPATCH_KIND_SYMBOL, name, 0,    \
		      &var)

/* The GNU build-id (hex, as `file` or `readelf -n` print it) the target
 * module must have. */
#define DFT_LIVEPATCH_BUILD_ID(hex) DFT_LIVEPATCH_BUILD_ID_IN(0, hex)
#define DFT_LIVEPATCH_BUILD_ID_IN(module, hex)                                                    \
	DFT__LP_ENTRY(DFT__LP_CAT(build_id_, __LINE__), module, DFT_LIVEPATCH_KIND_BUILD_ID, hex,  \
		      0, 0)

/*
 * The runtime side, in libdynftrace (a patch never calls these): a program
 * linked with the runtime may patch itself. @path is the patch file.
 * Each returns 0 or a negative errno; @msg (may be NULL) receives every
 * progress and error line, without a trailing newline.
 */
#define DFT_LIVEPATCH_IMMEDIATE (1U << 0) /* every new call at once, no consistency */
#define DFT_LIVEPATCH_FORCE (1U << 1)	  /* complete a stalled transition at the timeout */

typedef void (*dft_livepatch_msg_t)(const char *line, void *arg);

/* Waits for the end of the transition; after @timeout_ms (0: for ever) a
 * stalled one is reverted (-ETIMEDOUT) or, with FORCE, completed. */
int dft_livepatch_apply(const char *path, unsigned int flags, unsigned int timeout_ms,
			dft_livepatch_msg_t msg, void *arg);
/* Only the most recently applied patch can be reverted (-EBUSY otherwise);
 * its module is unloaded once no thread can run it. */
int dft_livepatch_revert(const char *path, unsigned int flags, unsigned int timeout_ms,
			 dft_livepatch_msg_t msg, void *arg);
/* One line per applied patch: "PATH STATE func,func,...". */
int dft_livepatch_list(dft_livepatch_msg_t msg, void *arg);

#ifdef __cplusplus
}
#endif

#endif /* DYNFTRACE_LIVEPATCH_H */
