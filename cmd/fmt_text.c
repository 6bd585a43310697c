// SPDX-License-Identifier: MIT
/*
 * The kernel's `function` tracer layout: one line per call with the task,
 * its thread group, a timestamp and "func <-parent". There are no CPU and
 * irq-flag columns: a user-space trace has per-thread buffers instead.
 */
#include <string.h>

#include "trace.h"

const char *thread_label(const struct walk *w, char *buf, size_t len)
{
	snprintf(buf, len, "%s-%d", w->comm[0] ? w->comm : "<...>", w->th->tid);
	return buf;
}

static void text_begin(struct report *r)
{
	fprintf(r->out, "# tracer: function\n"
			"#\n"
			"#           TASK-PID      TGID      TIMESTAMP  FUNCTION\n"
			"#              | |          |          |         |\n");
}

/* "%16.16s-%-7d (%7d) %5lu.%06lu: func(args) [patched: new] <-parent" */
static void text_line(struct report *r, struct walk *w, uint32_t name, const uint8_t *args,
		      const uint8_t *args_end, const char *patched, uint32_t patched_len,
		      const char *parent)
{
	const char *comm = w->comm[0] ? w->comm : "<...>";
	size_t len = strlen(comm);
	struct line l;

	l.n = 0;
	put_chars(&l, ' ', 16 - (int)len);
	put(&l, comm, len < 16 ? len : 16);
	put(&l, "-", 1);
	len = l.n;
	put_uint(&l, w->th->tid, 0, ' ');
	put_chars(&l, ' ', 7 - (int)(l.n - len));
	put(&l, " (", 2);
	put_uint(&l, w->th->pid, 7, ' ');
	put(&l, ") ", 2);
	put_time(&l, w->now);
	put(&l, ": ", 2);
	put_str(&l, name_str(name));
	if (args) {
		char buf[512];

		values_text(args, args_end, buf, sizeof(buf));
		put(&l, "(", 1);
		put_str(&l, buf);
		put(&l, ")", 1);
	}
	put_patched(&l, patched, patched_len);
	if (parent) {
		put(&l, " <-", 3);
		put_str(&l, parent);
	}
	end_line(r, &l);
}

/* A graph trace shown flat: the caller is the enclosing traced call. */
static void text_entry(struct report *r, struct walk *w, struct frame *f)
{
	text_line(r, w, f->name, f->args, f->args_end, f->patched, f->patched_len,
		  f->vparent ? name_str(w->stk[f->vparent - 1].name) : NULL);
}

static void text_call(struct report *r, struct walk *w, uint32_t name, uint64_t parent_ip,
		      const uint8_t *args, const uint8_t *args_end)
{
	char buf[256];

	text_line(r, w, name, args, args_end, w->patched, w->patched_len,
		  addr_name(w->proc, parent_ip, buf, sizeof(buf)));
}

void text_lost(struct report *r, struct walk *w, uint64_t count)
{
	fprintf(r->out, "TID:%d [LOST %llu EVENTS]%s\n", w->th->tid, (unsigned long long)count,
		r->t->stop_ns ? " (--max-size reached: the recording stopped here)" : "");
}

static void text_thread_end(struct report *r, struct walk *w, uint32_t open)
{
	if (!w->proc->exited && w->events)
		fprintf(r->out, "# %d: trace ends here: process %d %s\n", w->th->tid, w->th->pid,
			r->t->snapshot ? "ran on after the snapshot" : "crashed or was killed");
}

const struct fmt fmt_text = {
	.name = "text",
	.flags = FMT_MERGE,
	.begin = text_begin,
	.entry = text_entry,
	.call = text_call,
	.lost = text_lost,
	.thread_end = text_thread_end,
};
