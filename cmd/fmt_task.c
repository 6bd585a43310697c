// SPDX-License-Identifier: MIT
/*
 * report --task: one line per thread, as uftrace report --task: its calls,
 * the time spent in its traced calls (the outermost ones' durations), the
 * span from its first to its last event, and its lost events; the busiest
 * thread first.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

struct task {
	int pid, tid;
	char comm[17];
	uint64_t calls, total, first, last, lost;
};

struct tasks {
	struct task *v;
	unsigned int n;
};

static void task_begin(struct report *r)
{
	r->priv = xcalloc(1, sizeof(struct tasks));
}

static void task_thread(struct report *r, struct walk *w)
{
	struct tasks *ts = r->priv;
	struct task *t;

	ts->v = xrealloc(ts->v, (ts->n + 1) * sizeof(*ts->v));
	t = &ts->v[ts->n++];
	memset(t, 0, sizeof(*t));
	t->pid = w->th->pid;
	t->tid = w->th->tid;
	t->first = UINT64_MAX;
}

static struct task *cur(struct report *r)
{
	struct tasks *ts = r->priv;

	return &ts->v[ts->n - 1];
}

static void seen(struct task *t, uint64_t ns)
{
	if (ns < t->first)
		t->first = ns;
	if (ns > t->last)
		t->last = ns;
}

static void task_exit(struct report *r, struct walk *w, struct frame *f, uint64_t dur,
		      enum end_kind how)
{
	struct task *t = cur(r);

	t->calls++;
	if (!f->vdepth)
		t->total += dur;
	seen(t, f->t0);
	seen(t, f->t0 + dur);
}

static void task_call(struct report *r, struct walk *w, uint32_t name, uint64_t parent_ip,
		      const uint8_t *args, const uint8_t *args_end)
{
	struct task *t = cur(r);

	t->calls++;
	seen(t, w->now);
}

static void task_lost(struct report *r, struct walk *w, uint64_t count)
{
	cur(r)->lost += count;
}

static void task_thread_end(struct report *r, struct walk *w, uint32_t open)
{
	/* The name it had last (a thread may rename itself). */
	memcpy(cur(r)->comm, w->comm, sizeof(w->comm));
}

static int cmp_task(const void *a, const void *b)
{
	const struct task *x = a, *y = b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return x->tid - y->tid;
}

static void task_end(struct report *r)
{
	struct tasks *ts = r->priv;

	/* A trace without threads has no array: qsort() takes none. */
	if (ts->n)
		qsort(ts->v, ts->n, sizeof(*ts->v), cmp_task);
	fprintf(r->out, "# dynftrace tasks: %u threads, the busiest first\n#\n", ts->n);
	fprintf(r->out, "# %8s  %8s  %-16s  %10s  %13s  %13s  %8s\n", "PID", "TID", "COMM", "CALLS",
		"TRACED TIME", "SPAN", "LOST");
	for (unsigned int i = 0; i < ts->n; i++) {
		const struct task *t = &ts->v[i];
		char b[2][32];
		uint64_t span = t->calls ? t->last - t->first : 0;

		if (r->raw) {
			snprintf(b[0], 32, "%llu", (unsigned long long)t->total);
			snprintf(b[1], 32, "%llu", (unsigned long long)span);
		} else {
			dur_text(t->total, b[0], 32);
			dur_text(span, b[1], 32);
		}
		fprintf(r->out, "  %8d  %8d  %-16s  %10llu  %13s  %13s  %8llu\n", t->pid, t->tid,
			t->comm, (unsigned long long)t->calls, strcmp(r->t->tracer, "function") ? b[0] : "-",
			b[1], (unsigned long long)t->lost);
	}
	free(ts->v);
	free(ts);
	r->priv = NULL;
}

const struct fmt fmt_task = {
	.name = "task",
	.begin = task_begin,
	.thread = task_thread,
	.exit = task_exit,
	.call = task_call,
	.lost = task_lost,
	.thread_end = task_thread_end,
	.end = task_end,
};
