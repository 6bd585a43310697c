// SPDX-License-Identifier: MIT
/*
 * The kernel's `function_graph` layout: a duration column with the
 * kernel's overhead marks, and C-like nesting with "func() {", "}" and
 * "leaf();". The CPU column becomes the thread id: each thread has its own
 * buffer here, as each CPU has in the kernel. Options, as the kernel's
 * funcgraph-*: abstime, proc, tail, retval.
 */
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
 * kernel prints them. */
static int dur_col(char *buf, uint64_t ns)
{
	int len = sprintf(buf, "%c %llu", mark(ns), (unsigned long long)(ns / 1000)) - 2;
	int n = len + 2;

	if (len < 7) {
		int digits = 7 - len < 3 ? 7 - len : 3;
		char rem[4];

		sprintf(rem, "%03u", (unsigned int)(ns % 1000));
		n += sprintf(buf + n, ".%.*s", digits, rem);
		len += digits + 1;
	}
	n += sprintf(buf + n, " us ");
	while (len++ < 8)
		buf[n++] = ' ';
	buf[n] = 0;
	return n;
}

/* The columns before the function: [abstime] tid [proc] duration. */
static void prefix(struct report *r, struct walk *w, const char *dur)
{
	struct graph *g = r->priv;

	if (r->abstime)
		fprintf(r->out, "%5llu.%06llu |  ", (unsigned long long)(w->now / 1000000000),
			(unsigned long long)(w->now / 1000 % 1000000));
	fprintf(r->out, " %*d) ", g->tidw, w->th->tid);
	if (r->proc) {
		char label[64];
		int len, left;

		thread_label(w, label, sizeof(label));
		len = strlen(label);
		left = len < 14 ? (14 - len) / 2 : 0;
		fprintf(r->out, "%*s%-*s | ", left, "", 14 - left, label);
	}
	fprintf(r->out, "%s|  ", dur ? dur : "              ");
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

static void call_text(struct report *r, uint32_t depth, uint32_t name, const uint8_t *args,
		      const uint8_t *args_end, const char *tail)
{
	const char *name_s;
	char buf[512];

	buf[0] = 0;
	if (args)
		values_text(args, args_end, buf, sizeof(buf));
	name_s = name_str(name);
	/* A demangled C++ name has its parameter list already (and may end
	 * with "[clone .isra.0]"). */
	if (!args && strchr(name_s, '('))
		fprintf(r->out, "%*s%s%s\n", 2 * depth, "", name_s, tail);
	else
		fprintf(r->out, "%*s%s(%s)%s\n", 2 * depth, "", name_s, buf, tail);
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
	char dur[64], ret[256], tail[300];

	if (!f->leaf) {
		prefix(r, w, NULL);
		call_text(r, f->vdepth, f->name, f->args, f->args_end, " {");
		return;
	}
	dur_col(dur, f->leaf_dur);
	prefix(r, w, dur);
	ret_text(r, f, ret, sizeof(ret));
	snprintf(tail, sizeof(tail), *ret ? "; /*%s */" : ";", ret);
	call_text(r, f->vdepth, f->name, f->args, f->args_end, tail);
}

static void graph_exit(struct report *r, struct walk *w, struct frame *f, uint64_t d,
		       enum end_kind how)
{
	char dur[64], ret[256];

	/* Leaves are done; calls open at the end of the trace stay open. */
	if (f->leaf || how == END_TRUNC)
		return;
	dur_col(dur, d);
	prefix(r, w, dur);
	ret_text(r, f, ret, sizeof(ret));
	fprintf(r->out, "%*s}", 2 * f->vdepth, "");
	if (how == END_UNWIND)
		fprintf(r->out, " /* %s: unwound */\n", name_str(f->name));
	else if (*ret || r->tail)
		fprintf(r->out, " /* %s%s */\n", name_str(f->name), ret);
	else
		fputc('\n', r->out);
}

/* The function tracer has no exits: its calls print as leaves without a
 * duration. */
static void graph_call(struct report *r, struct walk *w, uint32_t name, uint64_t parent_ip,
		       const uint8_t *args, const uint8_t *args_end)
{
	prefix(r, w, NULL);
	call_text(r, 0, name, args, args_end, ";");
}

static void graph_thread_end(struct report *r, struct walk *w, uint32_t open)
{
	struct graph *g = r->priv;

	if (!open)
		return;
	fprintf(r->out, " %*d) /* trace ends here with %u calls open: %s */\n", g->tidw,
		w->th->tid, open,
		w->proc->exited ? "the thread exited inside them"
				: "the process crashed or was killed");
}

const struct fmt fmt_graph = {
	.name = "graph",
	.flags = FMT_MERGE | FMT_LEAF,
	.begin = graph_begin,
	.entry = graph_entry,
	.exit = graph_exit,
	.call = graph_call,
	.lost = text_lost,
	.thread_end = graph_thread_end,
};
