/* SPDX-License-Identifier: MIT */
/*
 * Live patching, inside the core: shared by livepatch.c (redirection,
 * stacking and the per-thread consistency model) and lp_load.c (reading a
 * patch module and resolving its names).
 */
#ifndef DFT_LP_H
#define DFT_LP_H

#include <stdarg.h>

#include "internal.h"
#include "dynftrace/livepatch.h"

/* One patched function of the target: the versions stacked on it. */
struct lp_func {
	unsigned long site;	 /* its call site (the callback's ip) */
	unsigned long func, end; /* the original code */
	unsigned long orig;	 /* past the site: the original, not redirected */
	const char *name;
	const char *mod;	/* module file name */
	struct lp_ver *top;	/* newest version, or NULL: the original */
	unsigned int users;	/* versions of it that exist */
};

/* One replacement, by one patch, of one function. */
struct lp_ver {
	struct lp_ver *next; /* the version below (older) */
	struct lp_func *f;
	struct lp_patch *patch;
	unsigned long repl, repl_end;
	char *name; /* the replacement's symbol, for the trace */
	int transition; /* which threads use it depends on their state */
};

enum { LP_APPLYING, LP_APPLIED, LP_REVERTING };

struct lp_patch {
	struct lp_patch *next; /* applied patches, newest first */
	char *path;	       /* canonical path of the module */
	void *handle;
	size_t nr;
	struct lp_ver *vers;
	int state;
	int forced; /* a forced revert: never unloaded */
};

struct lp_msg {
	dft_livepatch_msg_t fn;
	void *arg;
	int failed; /* an error line was said */
};

void dft_lp_say(struct lp_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* lp_load.c: loads @path, resolves every entry and fills a new patch whose
 * versions point at lp_func objects got from dft_lp_func_get(); nothing of
 * the process is changed. Lock held. */
int dft_lp_load(const char *path, struct lp_patch **out, struct lp_msg *m);
void dft_lp_unload(struct lp_patch *p, int close);

/* livepatch.c: the record of a patched function, created on first use. */
struct lp_func *dft_lp_func_get(const struct dft_site *s, unsigned long end, unsigned long orig);
void dft_lp_func_put(struct lp_func *f);
struct lp_patch *dft_lp_find(const char *path);

#endif /* DFT_LP_H */
