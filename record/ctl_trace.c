// SPDX-License-Identifier: MIT
/*
 * The tracefs verbs of the control channel (docs/control.md) and the tracer
 * they drive: status, available_filter_functions, enabled_functions,
 * set_ftrace_filter, set_ftrace_notrace, set_graph_function,
 * current_tracer, tracing_on, trace, trace_pipe.
 *
 * This tracer keeps its events in memory, in one ring shared by every
 * thread (a slot is claimed with one atomic add and published by its
 * sequence word), so that `trace` and `trace_pipe` read them as text with
 * no file; the profile tracer keeps per-function totals instead. Recording
 * into a trace directory is the recorder's job (record.c, `record-start`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "control.h"
#include "array.h"

enum { T_NOP, T_FUNCTION, T_GRAPH, T_PROFILE };
static const char *const tracer_names[] = { "nop", "function", "function_graph", "profile" };

enum { EV_FUNC, EV_ENTRY, EV_EXIT };

struct ev {
	uint64_t seq; /* index + 1 once written */
	uint64_t ns;
	unsigned long ip;
	unsigned long arg; /* FUNC: parent ip; EXIT: duration in ns */
	uint32_t tid;
	uint16_t depth;
	uint16_t type;
};

#define RING_SIZE (1u << 16)

struct stat_ent {
	unsigned long ip;
	uint64_t hits, total, self;
};

struct prof_tls {
	uint64_t child[256];
};

static int tracer = T_NOP, on = 1, active;
static char *filter, *notrace, *graph_func;
static struct ev *ring;
static uint64_t head;
static struct stat_ent *stats;
static size_t stats_mask;
static unsigned long *graph_sites; /* sorted; set_graph_function */
static size_t nr_graph_sites;
static __thread pid_t my_tid;
static __thread unsigned int graph_depth_in; /* 1 + depth of the graph function we are below */
static __thread struct prof_tls *prof_tls;

static inline uint32_t tid(void)
{
	if (unlikely(!my_tid))
		my_tid = dft_gettid();
	return my_tid;
}

static void ring_put(int type, unsigned long ip, unsigned long arg, unsigned int depth, uint64_t ns)
{
	uint64_t i = __atomic_fetch_add(&head, 1, __ATOMIC_RELAXED);
	struct ev *e = &ring[i & (RING_SIZE - 1)];

	/* Readers check seq before and after: a slot being rewritten is
	 * skipped, never shown half old, half new. */
	__atomic_store_n(&e->seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	e->ns = ns;
	e->ip = ip;
	e->arg = arg;
	e->tid = tid();
	e->depth = depth;
	e->type = type;
	__atomic_store_n(&e->seq, i + 1, __ATOMIC_RELEASE);
}

static void func_call(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		      struct dft_regs *regs)
{
	ring_put(EV_FUNC, ip, parent_ip, 0, dft_mono_ns());
}

static struct dft_ops func_ops = { .func = func_call, .flags = DFT_OPS_FL_NOT_REENTRANT };

static int graph_site(unsigned long ip)
{
	size_t lo = 0, hi = nr_graph_sites;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (graph_sites[mid] == ip)
			return 1;
		if (graph_sites[mid] < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int graph_entry(const struct dft_graph_ent *ent, struct dft_graph_ops *gops,
		       struct dft_regs *regs)
{
	uint64_t now = dft_mono_ns();

	if (graph_sites && !graph_depth_in) {
		if (!graph_site(ent->ip))
			return 0;
		graph_depth_in = ent->depth + 1;
	}
	*ent->data = now;
	if (tracer == T_PROFILE) {
		struct prof_tls *p = prof_tls;

		if (unlikely(!p)) {
			p = calloc(1, sizeof(*p));
			if (!p)
				return 0;
			prof_tls = p;
		}
		if (ent->depth < ARRAY_SIZE(p->child))
			p->child[ent->depth] = 0;
		return 1;
	}
	ring_put(EV_ENTRY, ent->ip, 0, ent->depth, now);
	return 1;
}

static struct stat_ent *stat_of(unsigned long ip)
{
	for (size_t i = (ip * 0x9E3779B97F4A7C15ul) >> 20;; i++) {
		struct stat_ent *s = &stats[i & stats_mask];
		unsigned long cur = __atomic_load_n(&s->ip, __ATOMIC_ACQUIRE);

		if (cur == ip)
			return s;
		if (!cur && __atomic_compare_exchange_n(&s->ip, &cur, ip, 0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
			return s;
		if (cur == ip)
			return s;
	}
}

static void graph_ret(const struct dft_graph_ret *ret, struct dft_graph_ops *gops,
		      struct dft_regs *regs)
{
	uint64_t now = dft_mono_ns(), dur = now - ret->data;

	if (graph_depth_in && ret->depth + 1 == graph_depth_in)
		graph_depth_in = 0;
	if (tracer == T_PROFILE) {
		struct prof_tls *p = prof_tls;
		struct stat_ent *s = stat_of(ret->ip);
		uint64_t child = 0;

		if (p && ret->depth < ARRAY_SIZE(p->child)) {
			child = p->child[ret->depth];
			if (ret->depth)
				p->child[ret->depth - 1] += dur;
		}
		__atomic_fetch_add(&s->hits, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->total, dur, __ATOMIC_RELAXED);
		__atomic_fetch_add(&s->self, dur > child ? dur - child : 0, __ATOMIC_RELAXED);
		return;
	}
	ring_put(EV_EXIT, ret->ip, dur, ret->depth, now);
}

static struct dft_graph_ops graph_ops = { .entry = graph_entry, .ret = graph_ret };

const char *dft_ctl_tracer_name(void)
{
	return tracer_names[tracer];
}

int dft_ctl_tracing_on(void)
{
	return on;
}

/* ---- turning it on and off ---- */

static struct dft_ops *tracer_ops(void)
{
	return tracer == T_FUNCTION ? &func_ops : &graph_ops.ops;
}

static void stop(void)
{
	if (!active)
		return;
	if (active == T_FUNCTION)
		dft_unregister_ops(&func_ops);
	else
		dft_unregister_graph(&graph_ops);
	active = 0;
}

static int filters(struct dft_ops *ops, char *msg, size_t len)
{
	int err;

	err = dft_set_filter(ops, filter ? filter : "", 1);
	if (!err)
		err = dft_set_notrace(ops, notrace ? notrace : "", 1);
	if (err)
		snprintf(msg, len, "cannot set the filters: %s", strerror(-err));
	return err;
}

/* Makes the registered ops match tracer, on and the filters. */
static int apply(struct dft_ctl_conn *c)
{
	char msg[256];
	int err;

	stop();
	if (tracer == T_NOP || !on)
		return 0;
	if (!ring) {
		ring = calloc(RING_SIZE, sizeof(*ring));
		if (!ring)
			return dft_ctl_error(c, ENOMEM, "no memory for the trace buffer");
	}
	if (tracer == T_PROFILE && !stats) {
		size_t n = 1024;

		while (n < 2 * dft_nr_sites)
			n *= 2;
		stats = calloc(n, sizeof(*stats));
		if (!stats)
			return dft_ctl_error(c, ENOMEM, "no memory for the profile");
		stats_mask = n - 1;
	}
	err = filters(tracer_ops(), msg, sizeof(msg));
	if (!err)
		err = tracer == T_FUNCTION ? dft_register_ops(&func_ops)
					   : dft_register_graph(&graph_ops);
	if (err == -EBUSY)
		return dft_ctl_error(c, EBUSY,
				     "another function graph user is registered (a recording?): "
				     "stop it first");
	if (err)
		return dft_ctl_error(c, -err, "cannot start the %s tracer: %s",
				     tracer_names[tracer], strerror(-err));
	active = tracer;
	return 0;
}

/* ---- status and the function lists ---- */

static int count_enabled(const struct dft_func_info *info, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static int verb_status(struct dft_ctl_conn *c, int argc, char **argv)
{
	size_t enabled = 0;
	const char *rec = dft_rec_dir();
	/* The program's name, not the thread's: under qemu-user
	 * /proc/self/comm is qemu's. */
	const char *comm = program_invocation_short_name;

	dft_for_each_function(count_enabled, &enabled, 1);
	dft_ctl_printf(c,
		       "pid=%d\ncomm=%s\ntracer=%s\ntracing_on=%d\nsites=%zu\nenabled=%zu\n"
		       "filter=%s\nnotrace=%s\ngraph_function=%s\n",
		       getpid(), comm, tracer_names[tracer], on, dft_nr_sites, enabled,
		       filter ? filter : "", notrace ? notrace : "", graph_func ? graph_func : "");
	if (rec)
		dft_ctl_printf(c, "recording=%s\n", rec);
	/* For `ctl snapshot`: the streams in that directory are rings. */
	if (rec && dft_stream_ring_size())
		dft_ctl_printf(c, "ring=%llu\n", (unsigned long long)dft_stream_ring_size());
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int print_func(const struct dft_func_info *info, void *arg)
{
	struct dft_ctl_conn *c = arg;

	return dft_ctl_printf(c, "%s [%s]\n", info->name, base_name(info->module)) ? 1 : 0;
}

static int print_enabled(const struct dft_func_info *info, void *arg)
{
	struct dft_ctl_conn *c = arg;

	return dft_ctl_printf(c, "%s [%s] (%u)%s%s\n", info->name, base_name(info->module),
			      info->refs, info->state & DFT_FUNC_REGS ? " R" : "",
			      info->state & DFT_FUNC_IPMODIFY ? " I" : "")
		       ? 1
		       : 0;
}

static int verb_available(struct dft_ctl_conn *c, int argc, char **argv)
{
	dft_for_each_function(print_func, c, 0);
	return 0;
}

static int verb_enabled(struct dft_ctl_conn *c, int argc, char **argv)
{
	dft_for_each_function(print_enabled, c, 1);
	return 0;
}

/* ---- the filter lists ---- */

struct match {
	const char *glob;
	size_t n;
	unsigned long *sites;
	size_t nsites, cap;
};

static int match_one(const struct dft_func_info *info, void *arg)
{
	struct match *m = arg;

	if (!dft_rec_match(m->glob, base_name(info->module), info->name))
		return 0;
	m->n++;
	if (m->sites && !DFT_ARRAY_ROOM(m->sites, m->nsites, m->cap, 64))
		m->sites[m->nsites++] = info->site;
	return 0;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* argv[1..] joined with commas, each pattern checked to match something;
 * NULL with an error set otherwise (and "" for an empty list). */
static char *pattern_list(struct dft_ctl_conn *c, int argc, char **argv, int *err)
{
	size_t len = 1;
	char *list;

	for (int i = 1; i < argc; i++)
		len += strlen(argv[i]) + 1;
	list = calloc(1, len);
	if (!list) {
		*err = dft_ctl_error(c, ENOMEM, "out of memory");
		return NULL;
	}
	for (int i = 1; i < argc; i++) {
		struct match m = { .glob = argv[i] };

		if (!*argv[i])
			continue;
		dft_for_each_function(match_one, &m, 0);
		if (!m.n) {
			*err = dft_ctl_error(c, ENOENT,
					     "no function matches '%s' (available_filter_functions "
					     "lists them)",
					     argv[i]);
			free(list);
			return NULL;
		}
		if (*list)
			strcat(list, ",");
		strcat(list, argv[i]);
	}
	*err = 0;
	return list;
}

static int set_list(struct dft_ctl_conn *c, int argc, char **argv, char **which)
{
	char *list, *old = *which;
	int err;

	if (argc == 1) {
		dft_ctl_printf(c, "%s\n", *which && **which ? *which : "#### all functions enabled ####");
		return 0;
	}
	list = pattern_list(c, argc, argv, &err);
	if (!list)
		return err;
	if (!*list) {
		free(list);
		list = NULL;
	}
	*which = list;
	err = apply(c);
	if (err) {
		*which = old;
		free(list);
		apply(c);
		return err;
	}
	free(old);
	return 0;
}

static int verb_filter(struct dft_ctl_conn *c, int argc, char **argv)
{
	return set_list(c, argc, argv, &filter);
}

static int verb_notrace(struct dft_ctl_conn *c, int argc, char **argv)
{
	return set_list(c, argc, argv, &notrace);
}

static int verb_graph_function(struct dft_ctl_conn *c, int argc, char **argv)
{
	struct match m = { 0 };
	char *list;
	int err;

	if (argc == 1) {
		dft_ctl_printf(c, "%s\n", graph_func ? graph_func : "#### all functions enabled ####");
		return 0;
	}
	list = pattern_list(c, argc, argv, &err);
	if (!list)
		return err;
	m.glob = list;
	m.sites = calloc(64, sizeof(*m.sites));
	m.cap = 64;
	if (*list)
		dft_for_each_function(match_one, &m, 0);
	qsort(m.sites, m.nsites, sizeof(*m.sites), cmp_ulong);
	/* Callbacks read the array: switch with the tracer stopped. */
	stop();
	free(graph_sites);
	graph_sites = *list ? m.sites : NULL;
	nr_graph_sites = m.nsites;
	if (!*list)
		free(m.sites);
	free(graph_func);
	graph_func = *list ? list : NULL;
	if (!*list)
		free(list);
	return apply(c);
}

/* Empties the buffer and the profile (no tracer registered). */
static void clear(void)
{
	head = 0;
	if (ring)
		memset(ring, 0, RING_SIZE * sizeof(*ring));
	if (stats)
		memset(stats, 0, (stats_mask + 1) * sizeof(*stats));
}

static int verb_current_tracer(struct dft_ctl_conn *c, int argc, char **argv)
{
	int old = tracer, err;

	if (argc == 1) {
		dft_ctl_printf(c, "%s\n", tracer_names[tracer]);
		return 0;
	}
	int want;

	for (want = 0; want < (int)ARRAY_SIZE(tracer_names); want++) {
		if (!strcmp(argv[1], tracer_names[want]))
			break;
	}
	if (want == (int)ARRAY_SIZE(tracer_names))
		return dft_ctl_error(c, EINVAL,
				     "unknown tracer '%s' (nop, function, function_graph, profile)",
				     argv[1]);
	/* The callbacks read tracer: change it only with none registered.
	 * A new tracer starts with an empty buffer. */
	if (want != old) {
		stop();
		clear();
	}
	tracer = want;
	err = apply(c);
	if (err) {
		stop();
		tracer = old;
		apply(c);
	}
	return err;
}

static int verb_tracing_on(struct dft_ctl_conn *c, int argc, char **argv)
{
	if (argc == 1) {
		dft_ctl_printf(c, "%d\n", on);
		return 0;
	}
	if (strcmp(argv[1], "0") && strcmp(argv[1], "1"))
		return dft_ctl_error(c, EINVAL, "tracing_on takes 0 or 1, not '%s'", argv[1]);
	on = argv[1][0] == '1';
	return apply(c);
}

/* ---- trace and trace_pipe ---- */

static void name_of(unsigned long ip, char *buf, size_t len)
{
	struct dft_func_info info;

	if (!dft_lookup_function(ip, &info))
		snprintf(buf, len, "%s", info.name);
	else
		snprintf(buf, len, "%#lx", ip);
}

static void print_ev(struct dft_ctl_conn *c, const struct ev *e)
{
	char name[256], parent[256];
	unsigned long sec = e->ns / 1000000000, usec = e->ns % 1000000000 / 1000;

	name_of(e->ip, name, sizeof(name));
	switch (e->type) {
	case EV_FUNC:
		name_of(e->arg, parent, sizeof(parent));
		dft_ctl_printf(c, "%7u %6lu.%06lu: %s <-%s\n", e->tid, sec, usec, name, parent);
		break;
	case EV_ENTRY:
		dft_ctl_printf(c, "%7u %6lu.%06lu: %*s%s() {\n", e->tid, sec, usec, 2 * e->depth,
			       "", name);
		break;
	default:
		dft_ctl_printf(c, "%7u %6lu.%06lu: %*s} /* %s %lu.%03lu us */\n", e->tid, sec, usec,
			       2 * e->depth, "", name, e->arg / 1000, e->arg % 1000);
	}
}

/* Prints the events from *@pos to the head; 1 when some were lost. */
static int print_from(struct dft_ctl_conn *c, uint64_t *pos)
{
	uint64_t end = __atomic_load_n(&head, __ATOMIC_ACQUIRE);
	int lost = 0;

	if (!ring)
		return 0;
	if (*pos > end)
		*pos = 0; /* the buffer was emptied (a new tracer) */
	if (end - *pos > RING_SIZE) {
		dft_ctl_printf(c, "# lost %llu events (the buffer holds %u)\n",
			       (unsigned long long)(end - *pos - RING_SIZE), RING_SIZE);
		*pos = end - RING_SIZE;
		lost = 1;
	}
	for (; *pos < end; ++*pos) {
		struct ev *slot = &ring[*pos & (RING_SIZE - 1)], e;

		if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != *pos + 1)
			continue; /* not written yet, or already overwritten */
		e = *slot;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&slot->seq, __ATOMIC_RELAXED) != *pos + 1)
			continue;
		print_ev(c, &e);
	}
	return lost;
}

static int cmp_self(const void *a, const void *b)
{
	const struct stat_ent *x = a, *y = b;

	return x->self < y->self ? 1 : x->self > y->self ? -1 : 0;
}

static int print_profile(struct dft_ctl_conn *c)
{
	struct stat_ent *copy;
	size_t n = 0;

	dft_ctl_printf(c, "# %12s %16s %16s  %s\n", "hits", "total_ns", "self_ns", "function");
	if (!stats)
		return 0;
	copy = malloc((stats_mask + 1) * sizeof(*copy));
	if (!copy)
		return dft_ctl_error(c, ENOMEM, "out of memory");
	for (size_t i = 0; i <= stats_mask; i++) {
		if (__atomic_load_n(&stats[i].ip, __ATOMIC_ACQUIRE) && stats[i].hits)
			copy[n++] = stats[i];
	}
	qsort(copy, n, sizeof(*copy), cmp_self);
	for (size_t i = 0; i < n; i++) {
		char name[256];

		name_of(copy[i].ip, name, sizeof(name));
		dft_ctl_printf(c, "  %12llu %16llu %16llu  %s\n", (unsigned long long)copy[i].hits,
			       (unsigned long long)copy[i].total, (unsigned long long)copy[i].self,
			       name);
	}
	free(copy);
	return 0;
}

static int verb_trace(struct dft_ctl_conn *c, int argc, char **argv)
{
	uint64_t pos = 0;

	dft_ctl_printf(c, "# tracer: %s\n", tracer_names[tracer]);
	if (tracer == T_PROFILE)
		return print_profile(c);
	print_from(c, &pos);
	return 0;
}

static int pipe_more(struct dft_ctl_conn *c, uint64_t *pos)
{
	print_from(c, pos);
	return 0;
}

static int verb_trace_pipe(struct dft_ctl_conn *c, int argc, char **argv)
{
	if (tracer == T_PROFILE)
		return dft_ctl_error(c, EINVAL, "the profile tracer has no events: read `trace`");
	/* From what is new: trace_pipe consumes, `trace` shows the past. */
	dft_ctl_stream(c, pipe_more, __atomic_load_n(&head, __ATOMIC_ACQUIRE));
	return 0;
}

/* detach: everything off and forgotten, so that an attach starts afresh. */
static void ctl_trace_detach(void)
{
	stop();
	tracer = T_NOP;
	on = 1;
	free(filter);
	free(notrace);
	free(graph_func);
	filter = notrace = graph_func = NULL;
	free(graph_sites);
	graph_sites = NULL;
	nr_graph_sites = 0;
	/* A later session must not see this one's events. */
	free(ring);
	free(stats);
	ring = NULL;
	stats = NULL;
	head = 0;
}

#define VERB(var, vname, vusage, fn)                                                               \
	static struct dft_ctl_verb var = { .name = vname, .usage = vusage, .handler = fn };        \
	DFT_CTL_VERB(var)

static struct dft_ctl_verb status_verb = {
	.name = "status",
	.usage = "status: pid, tracer, tracing_on, sites, filters (key=value lines)",
	.handler = verb_status,
	.detach = ctl_trace_detach,
};
DFT_CTL_VERB(status_verb)
VERB(avail_verb, "available_filter_functions",
     "available_filter_functions: the functions with call sites", verb_available)
VERB(enabled_verb, "enabled_functions", "enabled_functions: the functions being traced",
     verb_enabled)
VERB(filter_verb, "set_ftrace_filter", "set_ftrace_filter [GLOB...]: trace only these ('' clears)",
     verb_filter)
VERB(notrace_verb, "set_ftrace_notrace", "set_ftrace_notrace [GLOB...]: never trace these",
     verb_notrace)
VERB(graph_verb, "set_graph_function",
     "set_graph_function [GLOB...]: function_graph: only these and below", verb_graph_function)
VERB(tracer_verb, "current_tracer", "current_tracer [nop|function|function_graph|profile]",
     verb_current_tracer)
VERB(on_verb, "tracing_on", "tracing_on [0|1]: pause or resume the tracer", verb_tracing_on)
VERB(trace_verb, "trace", "trace: the buffer as text (profile: the table)", verb_trace)
VERB(pipe_verb, "trace_pipe", "trace_pipe: the events as they come, until closed",
     verb_trace_pipe)
