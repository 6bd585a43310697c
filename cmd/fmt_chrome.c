// SPDX-License-Identifier: MIT
/*
 * Chrome trace event JSON, for Perfetto UI and chrome://tracing: duration
 * begin/end pairs per thread, written as the streams are walked. The
 * document is closed whatever happens to the trace: calls still open at
 * the end of a stream (a crash, a kill, damage) end at its last event.
 */
#include <math.h>
#include <string.h>

#include "trace.h"

static int first;

static void json_str(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			/* Bytes, not UTF-8: arguments are raw memory. */
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_value(FILE *out, const struct value *v)
{
	switch (v->type) {
	case 'd':
		fprintf(out, "%lld", (long long)v->d);
		break;
	case 'u':
		fprintf(out, "%llu", (unsigned long long)v->u);
		break;
	case 'x':
		fprintf(out, "\"0x%llx\"", (unsigned long long)v->u);
		break;
	case 'f':
		if (isfinite(v->f))
			fprintf(out, "%.17g", v->f);
		else
			fprintf(out, "\"%g\"", v->f);
		break;
	default:
		json_str(out, v->s, v->slen);
	}
}

/* Starts an event object: everything up to and including "ts". */
static void event_head(struct report *r, struct walk *w, const char *ph, uint64_t ns)
{
	uint64_t rel = ns > r->t->t0 ? ns - r->t->t0 : 0;

	fprintf(r->out, "%s\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%d,\"ts\":%llu.%03llu", first ? "" : ",",
		ph, w->th->pid, w->th->tid, (unsigned long long)(rel / 1000),
		(unsigned long long)(rel % 1000));
	first = 0;
}

static void name_field(struct report *r, uint32_t name)
{
	const char *s = name_str(name);

	fputs(",\"name\":", r->out);
	json_str(r->out, s, strlen(s));
}

/* A payload's values as "arg3":1,... under the names the -A spec of
 * function @func gave them (or "retval":...), after other fields of
 * "args" if @comma. */
static void values_json(struct report *r, uint32_t func, const char *key, const uint8_t *p,
			const uint8_t *end, int comma)
{
	struct value v;

	for (unsigned int n = 0; p && value_next(&p, end, &v) > 0; n++) {
		const char *k = key ? key : name_str(arg_name(r->t, func, n));

		if (n || comma)
			fputc(',', r->out);
		json_str(r->out, k, strlen(k));
		fputc(':', r->out);
		json_value(r->out, &v);
	}
}

/* "patched":"NAME": the call ran the live patch's replacement NAME. */
static void patched_json(struct report *r, const char *name, uint32_t len, int comma)
{
	if (!name)
		return;
	fputs(comma ? ",\"patched\":" : "\"patched\":", r->out);
	json_str(r->out, name, len);
}

static void chrome_begin(struct report *r)
{
	first = 1;
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"version\":\"dynftrace " DFT_VERSION
	      "\",\"command\":",
	      r->out);
	json_str(r->out, r->t->argv ? r->t->argv : "", r->t->argv ? strlen(r->t->argv) : 0);
	fputs("},\"traceEvents\":[", r->out);
	for (unsigned int i = 0; i < r->t->nprocs; i++) {
		const struct proc *p = r->t->procs[i];
		const char *name = p->comm ? p->comm : "?";

		fprintf(r->out, "%s\n{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"process_name\","
				"\"args\":{\"name\":",
			first ? "" : ",", p->pid, p->pid);
		json_str(r->out, name, strlen(name));
		fputs("}}", r->out);
		first = 0;
	}
}

static void chrome_thread(struct report *r, struct walk *w)
{
	fprintf(r->out, "%s\n{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"thread_name\","
			"\"args\":{\"name\":",
		first ? "" : ",", w->th->pid, w->th->tid);
	json_str(r->out, w->comm, strlen(w->comm));
	fputs("}}", r->out);
	first = 0;
}

static void chrome_entry(struct report *r, struct walk *w, struct frame *f)
{
	/* A call that returns before the next event is one complete event:
	 * half the output, and order-free (threshold traces write calls as
	 * they end). */
	event_head(r, w, f->leaf ? "X" : "B", f->t0);
	if (f->leaf)
		fprintf(r->out, ",\"dur\":%llu.%03llu", (unsigned long long)(f->leaf_dur / 1000),
			(unsigned long long)(f->leaf_dur % 1000));
	name_field(r, f->name);
	fputs(",\"cat\":\"function\"", r->out);
	if (f->args || (f->leaf && f->ret) || f->patched) {
		fputs(",\"args\":{", r->out);
		patched_json(r, f->patched, f->patched_len, 0);
		values_json(r, f->name, NULL, f->args, f->args_end, !!f->patched);
		if (f->leaf)
			values_json(r, f->name, "retval", f->ret, f->ret_end,
				    f->args || f->patched);
		fputc('}', r->out);
	}
	fputc('}', r->out);
}

static void chrome_exit(struct report *r, struct walk *w, struct frame *f, uint64_t dur,
			enum end_kind how)
{
	static const char *const why[] = { "", "\"unwound\":true", "\"trace_ends\":true" };

	if (f->leaf)
		return;
	event_head(r, w, "E", f->t0 + dur);
	name_field(r, f->name);
	if (f->ret || how != END_RET) {
		fprintf(r->out, ",\"args\":{%s", why[how]);
		values_json(r, f->name, "retval", f->ret, f->ret_end, how != END_RET);
		fputc('}', r->out);
	}
	fputc('}', r->out);
}

static void chrome_call(struct report *r, struct walk *w, uint32_t name, uint64_t parent_ip,
			const uint8_t *args, const uint8_t *args_end)
{
	char buf[256];
	const char *parent = addr_name(w->proc, parent_ip, buf, sizeof(buf));

	event_head(r, w, "i", w->now);
	name_field(r, name);
	fputs(",\"cat\":\"function\",\"s\":\"t\",\"args\":{\"parent\":", r->out);
	json_str(r->out, parent, strlen(parent));
	patched_json(r, w->patched, w->patched_len, 1);
	values_json(r, name, NULL, args, args_end, 1);
	fputs("}}", r->out);
}

static void chrome_lost(struct report *r, struct walk *w, uint64_t count)
{
	event_head(r, w, "i", w->now);
	fprintf(r->out, ",\"name\":\"lost events\",\"s\":\"t\",\"args\":{\"count\":%llu}}",
		(unsigned long long)count);
}

static void chrome_end(struct report *r)
{
	fputs("\n]}\n", r->out);
}

const struct fmt fmt_chrome = {
	.name = "chrome",
	.flags = FMT_LEAF,
	.begin = chrome_begin,
	.thread = chrome_thread,
	.entry = chrome_entry,
	.exit = chrome_exit,
	.call = chrome_call,
	.lost = chrome_lost,
	.end = chrome_end,
};
