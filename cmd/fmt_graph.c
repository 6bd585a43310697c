// SPDX-License-Identifier: MIT
/*
 * The kernel's `function_graph` layout: a duration column with the
 * kernel's overhead marks, and C-like nesting with "func() {", "}" and
 * "leaf();". The CPU column becomes the thread id: each thread has its own
 * buffer here, as each CPU has in the kernel. Options, as the kernel's
 * funcgraph-*: abstime, proc, tail, retval.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

struct graph {
	int tidw;
};

/* The kernel's marks: the largest threshold the duration is above. */
static char mark(uint64_t ns)
{
	static const struct {
		uint64_t ns;
		char c;
	} marks[] = { { 1000000000ULL, '$' }, { 100000000ULL, '@' }, { 10000000ULL, '*' },
		      { 1000000ULL, '#' },    { 100000ULL, '!' },     { 10000ULL, '+' } };

	for (size_t i = 0; i < ARRAY_SIZE(marks); i++) {
		if (ns > marks[i].ns)
			return marks[i].c;
	}
	return ' ';
}

/* "mark usecs.nsecs us " padded to the column: at most 7 digits, as the
 * kernel prints them; 14 blanks without a duration. */
static void put_dur(struct line *l, const uint64_t *ns)
{
	size_t start;
	int len;

	if (!ns) {
		put_chars(l, ' ', 14);
		return;
	}
	l->b[l->n++] = mark(*ns);
	l->b[l->n++] = ' ';
	start = l->n;
	put_uint(l, *ns / 1000, 0, ' ');
	len = l->n - start;
	if (len < 7) {
		int digits = 7 - len < 3 ? 7 - len : 3;
		char rem[3] = { '0' + *ns % 1000 / 100, '0' + *ns % 100 / 10, '0' + *ns % 10 };

		l->b[l->n++] = '.';
		put(l, rem, digits);
		len += digits + 1;
	}
	put(l, " us ", 4);
	put_chars(l, ' ', 8 - len);
}

/* The columns before the function: [abstime] tid [proc] duration. The
 * time is the event's (@ns): a call's end in a threshold trace, where
 * calls are written as they end, as the kernel's tracing_thresh shows. */
static void prefix(struct report *r, struct walk *w, struct line *l, uint64_t ns,
		   const uint64_t *dur)
{
	struct graph *g = r->priv;

	l->n = 0;
	if (r->abstime) {
		put_time(l, ns);
		put(l, " |  ", 4);
	}
	l->b[l->n++] = ' ';
	put_uint(l, w->th->tid, g->tidw, ' ');
	put(l, ") ", 2);
	if (r->proc) {
		char label[64];
		int len, left;

		thread_label(w, label, sizeof(label));
		len = strlen(label);
		left = len < 14 ? (14 - len) / 2 : 0;
		put_chars(l, ' ', left);
		put(l, label, len);
		put_chars(l, ' ', 14 - left - len);
		put(l, " | ", 3);
	}
	put_dur(l, dur);
	put(l, "|  ", 3);
}

static void graph_begin(struct report *r)
{
	struct graph *g = xcalloc(1, sizeof(*g));
	char title[160], bar[160];
	int maxtid = 0;

	r->priv = g;
	for (unsigned int i = 0; i < r->t->nthreads; i++) {
		if (r->t->threads[i]->tid > maxtid)
			maxtid = r->t->threads[i]->tid;
	}
	g->tidw = snprintf(NULL, 0, "%d", maxtid);
	if (g->tidw < 3)
		g->tidw = 3;
	/* Each column's title and bar are as wide as the column; the first
	 * character becomes the comment mark. */
	snprintf(title, sizeof(title), "%s %*s) %s  DURATION       FUNCTION CALLS",
		 r->abstime ? "     TIME       " : "", g->tidw, "TID",
		 r->proc ? "   TASK/PID      " : "");
	snprintf(bar, sizeof(bar), "%s %*s  %s   |   |         |   |   |   |",
		 r->abstime ? "      |         " : "", g->tidw, "|", r->proc ? "    |    |       " : "");
	title[0] = bar[0] = '#';
	fprintf(r->out, "# tracer: function_graph\n#\n%s\n%s\n", title, bar);
}

/* "name(args)" at @depth, its live patch mark, then @tail. */
static void call_text(struct line *l, uint32_t depth, const struct frame *f, const char *tail)
{
	const uint8_t *args = f->args, *args_end = f->args_end;
	uint32_t name = f->name;
	const char *name_s = name_str(name);
	char buf[512];

	put_chars(l, ' ', 2 * depth);
	put_str(l, name_s);
	/* A demangled C++ name has its parameter list already (and may end
	 * with "[clone .isra.0]"). */
	if (args || !strchr(name_s, '(')) {
		buf[0] = 0;
		if (args)
			values_text(args, args_end, buf, sizeof(buf));
		put(l, "(", 1);
		put_str(l, buf);
		put(l, ")", 1);
	}
	put_patched(l, f->patched, f->patched_len);
	put_str(l, tail);
}

/* The " = 0x0" of a recorded return value, when shown. */
static void ret_text(struct report *r, struct frame *f, char *buf, size_t len)
{
	buf[0] = 0;
	if (r->retval && f->ret) {
		size_t n = snprintf(buf, len, " = ");

		values_text(f->ret, f->ret_end, buf + n, len - n);
	}
}

static void graph_entry(struct report *r, struct walk *w, struct frame *f)
{
	char ret[256];
	struct line l;

	if (!f->leaf) {
		prefix(r, w, &l, w->now, NULL);
		call_text(&l, f->vdepth, f, " {");
		end_line(r, &l);
		return;
	}
	prefix(r, w, &l, r->by_end ? f->t0 + f->leaf_dur : f->t0, &f->leaf_dur);
	call_text(&l, f->vdepth, f, ";");
	ret_text(r, f, ret, sizeof(ret));
	if (*ret) {
		put_str(&l, " /*");
		put_str(&l, ret);
		put_str(&l, " */");
	}
	end_line(r, &l);
}

static void graph_exit(struct report *r, struct walk *w, struct frame *f, uint64_t d,
		       enum end_kind how)
{
	char ret[256];
	struct line l;

	/* Leaves are done; calls open at the end of the trace stay open. */
	if (f->leaf || how == END_TRUNC)
		return;
	prefix(r, w, &l, w->now, &d);
	put_chars(&l, ' ', 2 * f->vdepth);
	put(&l, "}", 1);
	ret_text(r, f, ret, sizeof(ret));
	if (how == END_UNWIND || *ret || r->tail) {
		put_str(&l, " /* ");
		put_str(&l, name_str(f->name));
		put_str(&l, how == END_UNWIND ? ": unwound" : ret);
		put_str(&l, " */");
	}
	end_line(r, &l);
}

static void graph_thread_end(struct report *r, struct walk *w, uint32_t open)
{
	struct graph *g = r->priv;

	if (!open)
		return;
	fprintf(r->out, " %*d) /* trace ends here with %u call%s open: %s */\n", g->tidw,
		w->th->tid, open, open == 1 ? "" : "s",
		w->stopped	  ? "the recording stopped at --max-size"
		: w->proc->exited ? "the thread exited inside them"
		: r->t->snapshot  ? "the snapshot was taken inside them"
				  : "the process crashed or was killed");
}

static void graph_end(struct report *r)
{
	free(r->priv);
	r->priv = NULL;
}

const struct fmt fmt_graph = {
	.name = "graph",
	.flags = FMT_MERGE | FMT_LEAF | FMT_STACKS,
	.begin = graph_begin,
	.entry = graph_entry,
	.exit = graph_exit,
	.lost = text_lost,
	.thread_end = graph_thread_end,
	.end = graph_end,
};
