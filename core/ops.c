// SPDX-License-Identifier: MIT
/*
 * Ops: registration, filters, IPMODIFY ownership, the list walk, queries.
 *
 * Each ops keeps its filter and notrace patterns (kept as text, so that
 * libraries loaded later are matched too) and the set of site addresses it
 * currently wants (an immutable hash set, replaced as a whole and freed
 * after a grace period, so the list walk reads it without a lock). Each
 * site counts the ops that want it; patch.c turns counts into text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "internal.h"

#define pattern dft_pattern

struct ipset {
	size_t mask;
	struct ipset *retired; /* next on the retired list */
	unsigned long slot[];
};

struct ops_priv {
	struct dft_ops *ops;
	struct ops_priv *next; /* in the registered list */
	struct pattern *filter, *notrace;
	unsigned long *filter_ips; /* dft_set_filter_ip(): site addresses */
	size_t nr_filter_ips, cap_filter_ips;
	struct ipset *set; /* sites wanted while registered */
	int registered;
	int warned_entry_only;
};

/* The trampolines' single-ops fast path calls ops->func at offset 0. */
_Static_assert(offsetof(struct dft_ops, func) == 0, "dft_ops.func first");

pthread_mutex_t dft_lock;
int dft_initialised;
struct dft_ops *dft_single_ops;
static struct ops_priv *ops_list;
static unsigned int nr_ops;
/* Sets replaced but maybe still read by a list walk: freed at the next
 * grace period, which unregister needs anyway (so that filter changes do
 * not each wait for every thread inside a callback). */
static struct ipset *retired;
static unsigned int nr_retired;
/* dft_begin_update() nesting, and whether a patch round is owed. */
static unsigned int update_depth;
static int update_pending;

int dft_in_callback(void)
{
	/* An ignored thread holds seq odd outside callbacks. */
	return (dft_thread.seq & 1) && !dft_thread.ignored;
}

/* ---- site sets ---- */

static size_t ip_hash(unsigned long ip, size_t mask)
{
	return (size_t)(((uint64_t)ip * 0x9e3779b97f4a7c15ULL) >> 29) & mask;
}

static int ipset_has(const struct ipset *set, unsigned long ip)
{
	size_t i = ip_hash(ip, set->mask);

	for (;; i = (i + 1) & set->mask) {
		if (set->slot[i] == ip)
			return 1;
		if (!set->slot[i])
			return 0;
	}
}

static struct ipset *ipset_new(size_t n)
{
	size_t size = 16;
	struct ipset *set;

	while (size < 2 * n)
		size *= 2;
	set = calloc(1, sizeof(*set) + size * sizeof(set->slot[0]));
	if (set)
		set->mask = size - 1;
	return set;
}

static void ipset_add(struct ipset *set, unsigned long ip)
{
	size_t i = ip_hash(ip, set->mask);

	while (set->slot[i] && set->slot[i] != ip)
		i = (i + 1) & set->mask;
	set->slot[i] = ip;
}

/* ---- patterns (util/match.c) ---- */

/* Whether __cxa_demangle was looked for since the modules last changed:
 * libstdc++ only comes with a module, and a failed dlsym is not free. */
static int demangler_looked;

static int demangler(void)
{
	static int found;

	if (!demangler_looked) {
		found = dft_demangler_find();
		demangler_looked = 1;
	}
	return found;
}

/* The demangled forms of @s's name, cached by its module; NULL for a C name. */
static const char *site_forms(struct dft_site *s)
{
	struct dft_module *m = s->mod;
	size_t i = s - m->sites;

	if (s->name[0] != '_' || s->name[1] != 'Z')
		return NULL;
	if (!m->forms)
		m->forms = calloc(m->nr_sites, sizeof(*m->forms));
	if (!m->forms)
		return NULL; /* out of memory: matched by the mangled name only */
	/* Not cached while there is no demangler: one may come later. */
	if (!m->forms[i])
		m->forms[i] = dft_name_forms(s->name);
	return m->forms[i];
}

static int pattern_match(const struct pattern *p, struct dft_site *s)
{
	return dft_pattern_match(p, s->mod->name, s->name, site_forms(s));
}

static int any_match(const struct pattern *list, struct dft_site *s)
{
	for (; list; list = list->next)
		if (pattern_match(list, s))
			return 1;
	return 0;
}

static int filter_ip_index(const struct ops_priv *o, unsigned long site)
{
	for (size_t i = 0; i < o->nr_filter_ips; i++)
		if (o->filter_ips[i] == site)
			return (int)i;
	return -1;
}

static int has_filter(const struct ops_priv *o)
{
	return o->filter || o->nr_filter_ips;
}

static int wants(const struct ops_priv *o, struct dft_site *s)
{
	if (s->flags & DFT_SITE_FAILED)
		return 0;
	if (has_filter(o) && !any_match(o->filter, s) && filter_ip_index(o, s->addr) < 0)
		return 0;
	return !any_match(o->notrace, s);
}

static int pattern_matches_any(const struct pattern *p)
{
	dft_for_each_module(m) {
		dft_for_each_site(m, s) {
			if (pattern_match(p, s))
				return 1;
		}
	}
	return 0;
}

static const char *site_display(size_t i, void *arg)
{
	return ((char **)arg)[i];
}

/* The warning for a glob that selects nothing, with the closest names. */
static void warn_no_match(const char *glob)
{
	size_t n = 0, best[5], nbest;
	char **names = calloc(dft_nr_sites ? dft_nr_sites : 1, sizeof(*names));
	char list[512] = "";

	if (names) {
		dft_for_each_module(m) {
			dft_for_each_site(m, s) {
				char *d;

				/* One entry per function, shown demangled. */
				if (n == dft_nr_sites || (s != m->sites && s->func == s[-1].func))
					continue;
				d = dft_demangle(s->name);
				names[n] = d ? d : strdup(s->name);
				if (names[n])
					n++;
			}
		}
		nbest = dft_close_names(glob, site_display, n, names, best, ARRAY_SIZE(best));
		for (size_t i = 0; i < nbest; i++) {
			size_t len = strlen(list);

			snprintf(list + len, sizeof(list) - len, " %s", names[best[i]]);
		}
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	if (list[0])
		pr_warn("'%s' matches no function with a call site; close names:%s", glob, list);
	else if (!demangler() && (strstr(glob, "::") || strchr(glob, '(')))
		pr_warn("'%s' matches no function with a call site, and this process has no C++ demangler (__cxa_demangle, from libstdc++): select C++ functions by their mangled names (dynftrace list --raw)",
			glob);
	else
		pr_warn("'%s' matches no function with a call site", glob);
}

/* Parses a pattern list into *@out; a plain glob that selects nothing now
 * is refused (-ENOENT: a library may bring the function later, but most
 * likely it is a typo). */
static int patterns_parse(const char *text, struct pattern **out)
{
	const char *bad = NULL;
	int ret;

	*out = NULL;
	if (!text)
		return 0;
	demangler();
	ret = dft_patterns_parse(text, out, &bad);
	if (ret == -EINVAL) {
		char tok[256];

		dft_pattern_next(bad, tok, sizeof(tok));
		pr_err("invalid pattern '%s': check [ ] and \\", tok);
	}
	if (ret)
		return ret;
	for (struct pattern *p = *out; p; p = p->next) {
		if (p->func && !p->mod && !pattern_matches_any(p)) {
			warn_no_match(p->func);
			dft_patterns_free(*out);
			*out = NULL;
			return -ENOENT;
		}
	}
	return 0;
}

/* ---- applying an ops' wishes to the sites ---- */

static struct ops_priv *priv_of(struct dft_ops *ops)
{
	struct ops_priv *o = ops->internal;

	if (!o) {
		o = calloc(1, sizeof(*o));
		if (!o)
			return NULL;
		o->ops = ops;
		ops->internal = o;
	}
	return o;
}

/* Builds the set of sites @o wants; -EBUSY if one is owned by another
 * IPMODIFY ops, -EINVAL if one cannot be redirected. */
static int build_set(struct ops_priv *o, struct ipset **out)
{
	int ipmodify = o->ops->flags & DFT_OPS_FL_IPMODIFY;
	int entry_only = o->ops->flags & DFT_OPS_FL_ENTRY_ONLY;
	struct ipset *set = ipset_new(dft_nr_sites);
	const char *example = NULL;
	size_t skipped = 0;

	if (!set)
		return -ENOMEM;
	dft_for_each_module(m) {
		dft_for_each_site(m, s) {
			if (!wants(o, s))
				continue;
			if (entry_only && (s->flags & DFT_SITE_NONENTRY)) {
				if (!skipped++)
					example = s->name;
				continue;
			}
			if (ipmodify && s->ipmodify && s->ipmodify != o->ops) {
				pr_err("%s: already redirected by another IPMODIFY ops", s->name);
				free(set);
				return -EBUSY;
			}
			if (ipmodify && (s->flags & DFT_SITE_NONENTRY)) {
				pr_err("%s: its call site follows the prologue and cannot redirect: build with %s",
				       s->name, DFT_INSTRUMENT_CFLAGS);
				free(set);
				return -EINVAL;
			}
			ipset_add(set, s->addr);
		}
	}
	/* Once per ops, not at every library load. */
	if (skipped && !o->warned_entry_only++)
		pr_warn("%zu functions (%s, ...) have call sites after the prologue, where returns cannot be hooked: left out of the function graph; build with %s",
			skipped, example, DFT_INSTRUMENT_CFLAGS);
	*out = set;
	return 0;
}

/* Moves the site counts from @old to @set for ops @o (either may be NULL). */
static void account(struct ops_priv *o, const struct ipset *old, const struct ipset *set)
{
	int regs = !!(o->ops->flags & DFT_OPS_FL_SAVE_REGS);
	int ipmodify = o->ops->flags & DFT_OPS_FL_IPMODIFY;

	dft_for_each_module(m) {
		dft_for_each_site(m, s) {
			int was = old && ipset_has(old, s->addr);
			int is = set && ipset_has(set, s->addr);

			if (was == is)
				continue;
			s->refs += is - was;
			s->regs_refs += regs * (is - was);
			if (ipmodify)
				s->ipmodify = is ? o->ops : NULL;
		}
	}
}

/*
 * The fast path: the single ops is called directly whatever its filter, as
 * the kernel does, since the sites it does not want are NOPs. Cleared
 * before sites are added, set after. A thread already past the call of a
 * site just turned off (preempted in the trampoline) may still call it once
 * for that site, as a callback may run just after a filter change: harmless
 * for an ops that only watches. A SAVE_REGS ops (every IPMODIFY one) keeps
 * the list walk, which knows whether the frame is complete.
 */
static void fast_path_update(void)
{
	struct ops_priv *o = ops_list;

	/* In a transaction the text is behind: the list walk is always right. */
	WRITE_ONCE(dft_single_ops,
		   nr_ops == 1 && !(o->ops->flags & DFT_OPS_FL_SAVE_REGS) && !update_depth ?
			   o->ops :
			   NULL);
}

static struct dft_ops *direct_ops;
static void *direct_addr;
void *dft_direct_tramp;

void dft_set_direct(struct dft_ops *ops, void *tramp)
{
#ifdef HAVE_DFT_DIRECT
	pthread_mutex_lock(&dft_lock);
	direct_ops = ops;
	direct_addr = tramp;
	pthread_mutex_unlock(&dft_lock);
#endif
}

/* Before sites are patched: the direct target while its ops is alone. A
 * thread still in the direct trampoline of a site being switched back
 * runs it to the end: it only serves its own ops. */
static void direct_update(void)
{
	void *tramp = nr_ops == 1 && ops_list->ops == direct_ops ? direct_addr : NULL;

	if (tramp != dft_direct_tramp)
		pr_debug("sites call the %s trampoline", tramp ? "direct" : "caller");
	dft_direct_tramp = tramp;
}

static void synchronize_and_free(void)
{
	dft_synchronize();
	while (retired) {
		struct ipset *next = retired->retired;

		free(retired);
		retired = next;
	}
	nr_retired = 0;
}

/* Replaces @o's site set by @set and patches. When @set is NULL (the ops
 * leaves), returns only once no thread can still be calling it. */
static int switch_set(struct ops_priv *o, struct ipset *set)
{
	struct ipset *old = o->set;
	int ret;

	WRITE_ONCE(dft_single_ops, NULL);
	account(o, old, set);
	__atomic_store_n(&o->set, set, __ATOMIC_RELEASE);
	if (old) {
		old->retired = retired;
		retired = old;
		nr_retired++;
	}
	if (update_depth) {
		/* dft_end_update() patches and waits, once for all. */
		update_pending = 1;
		return 0;
	}
	direct_update();
	ret = dft_update_sites();
	if (!set || nr_retired > 64)
		synchronize_and_free();
	fast_path_update();
	return ret;
}

static inline int ops_wants_ip(const struct ops_priv *o, unsigned long ip, int full)
{
	const struct ipset *set = __atomic_load_n(&o->set, __ATOMIC_ACQUIRE);

	return set && ipset_has(set, ip) && (full || !(o->ops->flags & DFT_OPS_FL_SAVE_REGS));
}

static void __attribute__((noinline)) list_walk(struct ops_priv *o, unsigned long ip,
						  unsigned long parent_ip, struct dft_regs *regs,
						  int full)
{
	for (; o; o = READ_ONCE(o->next))
		if (ops_wants_ip(o, ip, full))
			o->ops->func(ip, parent_ip, o->ops, regs);
}

void (*dft_ctx_lost)(struct dft_ops *ops);

void dft_ops_list_nested(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs,
			 int full)
{
	for (struct ops_priv *o = __atomic_load_n(&ops_list, __ATOMIC_ACQUIRE); o;
	     o = READ_ONCE(o->next)) {
		if (!ops_wants_ip(o, ip, full))
			continue;
		if (!(o->ops->flags & DFT_OPS_FL_NOT_REENTRANT))
			o->ops->func(ip, parent_ip, o->ops, regs);
		else if (dft_ctx_lost)
			dft_ctx_lost(o->ops);
	}
}

void dft_ops_redirect(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs)
{
	for (struct ops_priv *o = __atomic_load_n(&ops_list, __ATOMIC_ACQUIRE); o;
	     o = READ_ONCE(o->next))
		if ((o->ops->flags & DFT_OPS_FL_IPMODIFY) && ops_wants_ip(o, ip, 1))
			o->ops->func(ip, parent_ip, o->ops, regs);
}

void dft_ops_list_func(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs,
		       int full)
{
	struct ops_priv *o = __atomic_load_n(&ops_list, __ATOMIC_ACQUIRE);

	/* The common case, one ops with a filter: no loop, and a tail call
	 * that needs no registers saved (the walk is kept out of line). */
	if (likely(o && !READ_ONCE(o->next))) {
		if (ops_wants_ip(o, ip, full))
			o->ops->func(ip, parent_ip, o->ops, regs);
		return;
	}
	list_walk(o, ip, parent_ip, regs, full);
}

/* ---- the API ---- */

static int api_enter(struct dft_ops *ops)
{
	if (!ops)
		return -EINVAL;
	if (dft_in_callback()) {
		pr_err("the ops API cannot be called from a callback");
		return -EDEADLK;
	}
	if (!dft_initialised) {
		pr_err("the runtime is not initialised");
		return -ENODEV;
	}
	pthread_mutex_lock(&dft_lock);
	return 0;
}

DFT_API int dft_register_ops(struct dft_ops *ops)
{
	struct ops_priv *o;
	struct ipset *set;
	int ret = api_enter(ops);

	if (ret)
		return ret;
	ret = -EINVAL;
	if (ops->size && ops->size < DFT_OPS_SIZE_0) {
		pr_err("register: struct dft_ops of %u bytes is too small", ops->size);
		goto out;
	}
	if (!ops->func ||
	    (ops->flags & ~(DFT_OPS_FL_SAVE_REGS | DFT_OPS_FL_IPMODIFY | DFT_OPS_FL_ENTRY_ONLY |
			     DFT_OPS_FL_NOT_REENTRANT))) {
		pr_err("register: no callback, or unknown flags %#lx", ops->flags);
		goto out;
	}
	if ((ops->flags & DFT_OPS_FL_IPMODIFY) && !(ops->flags & DFT_OPS_FL_SAVE_REGS)) {
		pr_err("register: DFT_OPS_FL_IPMODIFY needs DFT_OPS_FL_SAVE_REGS");
		goto out;
	}
	ret = -ENOMEM;
	o = priv_of(ops);
	if (!o)
		goto out;
	ret = -EBUSY;
	if (o->registered) {
		pr_err("register: ops already registered");
		goto out;
	}
	ret = -EINVAL;
	if ((ops->flags & DFT_OPS_FL_IPMODIFY) && !has_filter(o)) {
		pr_err("register: an IPMODIFY ops must have a filter (it would redirect every function)");
		goto out;
	}
	ret = build_set(o, &set);
	if (ret)
		goto out;
	o->registered = 1;
	o->next = ops_list;
	__atomic_store_n(&ops_list, o, __ATOMIC_RELEASE);
	nr_ops++;
	ret = switch_set(o, set);
out:
	pthread_mutex_unlock(&dft_lock);
	return ret;
}

DFT_API int dft_unregister_ops(struct dft_ops *ops)
{
	struct ops_priv *o, **pp;
	int ret = api_enter(ops);

	if (ret)
		return ret;
	o = ops->internal;
	if (!o || !o->registered) {
		pr_err("unregister: ops is not registered");
		ret = -ENOENT;
		goto out;
	}
	for (pp = &ops_list; *pp != o; pp = &(*pp)->next)
		;
	/* Readers still walking through o keep a valid o->next. */
	WRITE_ONCE(*pp, o->next);
	nr_ops--;
	o->registered = 0;
	ret = switch_set(o, NULL);
out:
	pthread_mutex_unlock(&dft_lock);
	return ret;
}

static int set_patterns(struct dft_ops *ops, const char *globs, int reset, int notrace)
{
	struct pattern *add = NULL, *tail = NULL, **list, *saved;
	struct ops_priv *o;
	struct ipset *set;
	int ret = api_enter(ops);

	if (ret)
		return ret;
	o = priv_of(ops);
	ret = o ? patterns_parse(globs, &add) : -ENOMEM;
	if (ret)
		goto out;
	list = notrace ? &o->notrace : &o->filter;
	saved = *list;
	/* The new list: the added patterns, then the old ones unless reset
	 * (shared until we know the change is accepted). */
	for (tail = add; tail && tail->next; tail = tail->next)
		;
	if (tail)
		tail->next = reset ? NULL : saved;
	*list = add ? add : reset ? NULL : saved;
	if (o->registered)
		ret = build_set(o, &set);
	if (ret) {
		/* Refused: the ops keeps exactly what it had. */
		if (tail)
			tail->next = NULL;
		dft_patterns_free(add);
		*list = saved;
		goto out;
	}
	if (reset)
		dft_patterns_free(saved);
	if (o->registered)
		ret = switch_set(o, set);
out:
	pthread_mutex_unlock(&dft_lock);
	return ret;
}

DFT_API int dft_set_filter(struct dft_ops *ops, const char *globs, int reset)
{
	return set_patterns(ops, globs, reset, 0);
}

DFT_API int dft_set_notrace(struct dft_ops *ops, const char *globs, int reset)
{
	return set_patterns(ops, globs, reset, 1);
}

DFT_API int dft_set_filter_ip(struct dft_ops *ops, unsigned long addr, int remove)
{
	struct ops_priv *o;
	struct dft_site *s;
	struct ipset *set;
	int ret = api_enter(ops), i;

	if (ret)
		return ret;
	ret = -ENOMEM;
	o = priv_of(ops);
	if (!o)
		goto out;
	ret = -ENOENT;
	/* The function's start (a Thumb one's address has bit 0 set) up to
	 * the end of its site: not an address deep inside it. */
	s = dft_site_lookup(addr);
	if (!s)
		s = dft_site_of_func(addr);
	if (!s || addr < s->func || addr >= s->addr + s->len) {
		pr_err("set_filter_ip: no function with a call site at %#lx", addr);
		goto out;
	}
	i = filter_ip_index(o, s->addr);
	if (remove) {
		if (i < 0)
			goto out;
		o->filter_ips[i] = o->filter_ips[--o->nr_filter_ips];
	} else if (i < 0) {
		ret = -ENOMEM;
		if (DFT_ARRAY_ROOM(o->filter_ips, o->nr_filter_ips, o->cap_filter_ips, 8))
			goto out;
		o->filter_ips[o->nr_filter_ips++] = s->addr;
	}
	ret = 0;
	if (o->registered) {
		ret = build_set(o, &set);
		if (!ret)
			ret = switch_set(o, set);
	}
out:
	pthread_mutex_unlock(&dft_lock);
	return ret;
}

DFT_API int dft_free_ops(struct dft_ops *ops)
{
	struct ops_priv *o;
	int ret = api_enter(ops);

	if (ret)
		return ret;
	o = ops->internal;
	if (o && o->registered) {
		pr_err("free_ops: unregister the ops first");
		ret = -EBUSY;
	} else if (o) {
		dft_patterns_free(o->filter);
		dft_patterns_free(o->notrace);
		free(o->filter_ips);
		free(o);
		ops->internal = NULL;
	}
	pthread_mutex_unlock(&dft_lock);
	return ret;
}

static pthread_t update_owner;

DFT_API int dft_begin_update(void)
{
	if (dft_in_callback())
		return -EDEADLK;
	if (!dft_initialised)
		return -ENODEV;
	pthread_mutex_lock(&dft_lock);
	if (!update_depth++)
		update_owner = pthread_self();
	WRITE_ONCE(dft_single_ops, NULL);
	/* dft_lock stays held (it is recursive) until dft_end_update(). */
	return 0;
}

DFT_API int dft_end_update(void)
{
	int ret = 0;

	if (dft_in_callback())
		return -EDEADLK;
	if (!update_depth || !pthread_equal(update_owner, pthread_self()))
		return -EINVAL;
	if (!--update_depth && update_pending) {
		update_pending = 0;
		direct_update();
		ret = dft_update_sites();
		/* Ops that left must not be running when the caller frees them. */
		synchronize_and_free();
	}
	if (!update_depth)
		fast_path_update();
	pthread_mutex_unlock(&dft_lock);
	return ret;
}

DFT_API int dft_ignore_current_thread(int ignore)
{
	struct dft_thread *t = &dft_thread;

	if (dft_in_callback())
		return -EDEADLK;
	if (!!ignore == t->ignored)
		return 0;
	if (ignore) {
		WRITE_ONCE(t->ignored, 1);
		barrier();
		WRITE_ONCE(t->seq, t->seq + 1);
	} else {
		WRITE_ONCE(t->seq, t->seq + 1);
		barrier();
		WRITE_ONCE(t->ignored, 0);
	}
	return 0;
}

/* Libraries came or went: registered ops take the new sites they want and
 * let go of the sites that are gone (no longer listed, never written). */
void dft_ops_modules_changed(void)
{
	demangler_looked = 0;
	for (struct ops_priv *o = ops_list; o; o = o->next) {
		struct ipset *set;

		/* Addresses of unloaded modules may be reused by others. */
		for (size_t i = 0; i < o->nr_filter_ips;) {
			if (dft_site_lookup(o->filter_ips[i]))
				i++;
			else
				o->filter_ips[i] = o->filter_ips[--o->nr_filter_ips];
		}

		if (!build_set(o, &set))
			switch_set(o, set);
	}
}

static void fill_info(const struct dft_site *s, struct dft_func_info *info)
{
	info->name = s->name;
	info->module = s->mod->path;
	info->func = s->func;
	info->site = s->addr;
	info->refs = s->refs;
	info->state = (s->target != DFT_TGT_NOP ? DFT_FUNC_ENABLED : 0) |
		      (s->target == DFT_TGT_REGS ? DFT_FUNC_REGS : 0) |
		      (s->ipmodify ? DFT_FUNC_IPMODIFY : 0) |
		      (s->flags & DFT_SITE_FAILED ? DFT_FUNC_FAILED : 0) |
		      (s->flags & DFT_SITE_NONENTRY ? DFT_FUNC_NONENTRY : 0);
}

DFT_API int dft_for_each_function(int (*fn)(const struct dft_func_info *info, void *arg),
				  void *arg, int enabled_only)
{
	struct dft_func_info info;
	int ret = 0;

	if (!fn)
		return -EINVAL;
	/* fn may run for long, and an update waiting for our callback to
	 * finish holds the lock we would take. */
	if (dft_in_callback())
		return -EDEADLK;
	pthread_mutex_lock(&dft_lock);
	dft_for_each_module(m) {
		dft_for_each_site(m, s) {
			if (enabled_only && s->target == DFT_TGT_NOP)
				continue;
			fill_info(s, &info);
			ret = fn(&info, arg);
			if (ret)
				goto out;
		}
	}
out:
	pthread_mutex_unlock(&dft_lock);
	return ret;
}

DFT_API int dft_lookup_function(unsigned long addr, struct dft_func_info *info)
{
	struct dft_site *s;

	int locked;

	if (!info)
		return -EINVAL;
	/* From a callback, without the lock: an unregister holding it may be
	 * waiting for this very callback to return. The module list is safe
	 * to walk there (modules are freed after a grace period, module.c);
	 * the counts and state read may be those of a moment ago. */
	locked = !dft_in_callback();
	if (locked)
		pthread_mutex_lock(&dft_lock);
	s = dft_site_of_func(addr);
	if (s)
		fill_info(s, info);
	if (locked)
		pthread_mutex_unlock(&dft_lock);
	return s ? 0 : -ENOENT;
}
