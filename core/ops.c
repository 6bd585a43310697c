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
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct pattern {
	struct pattern *next;
	char *mod;  /* module glob, or NULL for any module */
	char *func; /* function glob, or NULL for every function */
};

struct ipset {
	size_t mask;
	struct ipset *retired; /* next on the retired list */
	unsigned long slot[];
};

struct ops_priv {
	struct dft_ops *ops;
	struct ops_priv *next; /* in the registered list */
	struct pattern *filter, *notrace;
	struct ipset *set; /* sites wanted while registered */
	int registered;
	int warned_entry_only;
};

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

int dft_in_callback(void)
{
	return dft_thread.seq & 1;
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

/* ---- patterns ---- */

static int pattern_match(const struct pattern *p, const struct dft_site *s)
{
	if (p->mod && !dft_glob_match(p->mod, s->mod->name))
		return 0;
	return !p->func || dft_glob_match(p->func, s->name);
}

static int any_match(const struct pattern *list, const struct dft_site *s)
{
	for (; list; list = list->next)
		if (pattern_match(list, s))
			return 1;
	return 0;
}

static int wants(const struct ops_priv *o, const struct dft_site *s)
{
	if (s->flags & DFT_SITE_FAILED)
		return 0;
	if (o->filter && !any_match(o->filter, s))
		return 0;
	return !any_match(o->notrace, s);
}

static void patterns_free(struct pattern *p)
{
	while (p) {
		struct pattern *next = p->next;

		free(p->mod);
		free(p->func);
		free(p);
		p = next;
	}
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

/* Parses "glob lib:mod lib:mod:glob, ..." into a list. */
static int patterns_parse(const char *text, struct pattern **out)
{
	const char *sep = " \t\n,";
	char *copy, *tok, *save;
	int ret = 0;

	*out = NULL;
	if (!text)
		return 0;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, sep, &save); tok && !ret; tok = strtok_r(NULL, sep, &save)) {
		struct pattern *p = calloc(1, sizeof(*p));
		char *func = tok;

		if (!p) {
			ret = -ENOMEM;
			break;
		}
		p->next = *out;
		*out = p;
		if (!strncmp(tok, "lib:", 4)) {
			char *colon = strchr(tok + 4, ':');

			if (colon)
				*colon = 0;
			p->mod = strdup(tok + 4);
			func = colon ? colon + 1 : NULL;
			if (!p->mod || dft_glob_valid(p->mod)) {
				pr_err("invalid module pattern in '%s'", text);
				ret = -EINVAL;
				break;
			}
		}
		if (func) {
			p->func = strdup(func);
			if (!p->func || dft_glob_valid(p->func)) {
				pr_err("invalid pattern '%s': check [ ] and \\", func);
				ret = -EINVAL;
				break;
			}
			/* A library may bring the function later; a plain
			 * glob that matches nothing now is most likely a typo. */
			if (!p->mod && !pattern_matches_any(p)) {
				pr_warn("'%s' matches no function with a call site", func);
				ret = -ENOENT;
				break;
			}
		}
	}
	free(copy);
	if (ret) {
		patterns_free(*out);
		*out = NULL;
	}
	return ret;
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

static int wants_all(const struct ops_priv *o)
{
	return !o->filter && !o->notrace;
}

/*
 * The fast path: the single ops is called directly whatever its filter, as
 * the kernel does, since the sites it does not want are NOPs. Cleared
 * before sites are added, set after. A thread already past the call of a
 * site just turned off (preempted in the trampoline) may still call it once
 * for that site, as a callback may run just after a filter change: harmless
 * for an ops that only watches. An IPMODIFY ops redirects, so it keeps the
 * set lookup unless it wants every site (then every site is its own).
 */
static void fast_path_update(void)
{
	struct ops_priv *o = ops_list;

	WRITE_ONCE(dft_single_ops,
		   nr_ops == 1 && (wants_all(o) || !(o->ops->flags & DFT_OPS_FL_IPMODIFY)) ?
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
	direct_update();
	ret = dft_update_sites();
	if (old) {
		old->retired = retired;
		retired = old;
		nr_retired++;
	}
	if (!set || nr_retired > 64)
		synchronize_and_free();
	fast_path_update();
	return ret;
}

static inline int ops_wants_ip(const struct ops_priv *o, unsigned long ip)
{
	const struct ipset *set = __atomic_load_n(&o->set, __ATOMIC_ACQUIRE);

	return set && ipset_has(set, ip);
}

static void __attribute__((noinline)) list_walk(struct ops_priv *o, unsigned long ip,
						  unsigned long parent_ip, struct dft_regs *regs)
{
	for (; o; o = READ_ONCE(o->next))
		if (ops_wants_ip(o, ip))
			o->ops->func(ip, parent_ip, o->ops, regs);
}

void dft_ops_list_func(unsigned long ip, unsigned long parent_ip, struct dft_regs *regs)
{
	struct ops_priv *o = __atomic_load_n(&ops_list, __ATOMIC_ACQUIRE);

	/* The common case, one ops with a filter: no loop, and a tail call
	 * that needs no registers saved (the walk is kept out of line). */
	if (likely(o && !READ_ONCE(o->next))) {
		if (ops_wants_ip(o, ip))
			o->ops->func(ip, parent_ip, o->ops, regs);
		return;
	}
	list_walk(o, ip, parent_ip, regs);
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
	if (!ops->func ||
	    (ops->flags & ~(DFT_OPS_FL_SAVE_REGS | DFT_OPS_FL_IPMODIFY | DFT_OPS_FL_ENTRY_ONLY))) {
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
	if ((ops->flags & DFT_OPS_FL_IPMODIFY) && !o->filter) {
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
		patterns_free(add);
		*list = saved;
		goto out;
	}
	if (reset)
		patterns_free(saved);
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

/* Libraries came or went: registered ops take the new sites they want and
 * let go of the sites that are gone (no longer listed, never written). */
void dft_ops_modules_changed(void)
{
	for (struct ops_priv *o = ops_list; o; o = o->next) {
		struct ipset *set;

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

	if (!fn || dft_in_callback())
		return -EINVAL;
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

	if (!info)
		return -EINVAL;
	pthread_mutex_lock(&dft_lock);
	s = dft_site_of_func(addr);
	if (s)
		fill_info(s, info);
	pthread_mutex_unlock(&dft_lock);
	return s ? 0 : -ENOENT;
}
