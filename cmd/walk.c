// SPDX-License-Identifier: MIT
/*
 * Walking the event streams: entries and exits become calls with their
 * durations, in one pass and with a stack as deep as the deepest call.
 * Formats see the calls through struct fmt; the walker applies the report's
 * thread and function filters, so that every format filters alike.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "glob.h"
#include "trace.h"

int value_next(const uint8_t **pp, const uint8_t *end, struct value *v)
{
	const uint8_t *p = *pp;

	if (p >= end)
		return 0;
	v->type = *p++;
	switch (v->type) {
	case DFT_VAL_S64:
	case DFT_VAL_U64:
	case DFT_VAL_HEX:
	case DFT_VAL_F64:
		if (end - p < 8)
			return -1;
		v->u = get64(p);
		p += 8;
		break;
	case DFT_VAL_STR:
		if (end - p < 2)
			return -1;
		v->slen = p[0] | p[1] << 8;
		p += 2;
		if ((size_t)(end - p) < v->slen)
			return -1;
		v->s = (const char *)p;
		p += v->slen;
		break;
	default:
		return -1;
	}
	*pp = p;
	return 1;
}

int value_text(const struct value *v, char *buf, size_t len)
{
	size_t n = 0;

	switch (v->type) {
	case 'd':
		return snprintf(buf, len, "%" PRId64, v->d);
	case 'u':
		return snprintf(buf, len, "%" PRIu64, v->u);
	case 'x':
		return snprintf(buf, len, "0x%" PRIx64, v->u);
	case 'f':
		return snprintf(buf, len, "%g", v->f);
	}
	/* A string, C-escaped so that one call stays on one line. */
	if (len < 8)
		return 0;
	buf[n++] = '"';
	for (unsigned int i = 0; i < v->slen && n + 6 < len; i++) {
		unsigned char ch = v->s[i];

		if (ch == '"' || ch == '\\') {
			buf[n++] = '\\';
			buf[n++] = ch;
		} else if (ch == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (ch < 32 || ch >= 127) {
			n += snprintf(buf + n, len - n, "\\x%02x", ch);
		} else {
			buf[n++] = ch;
		}
	}
	buf[n++] = '"';
	buf[n] = 0;
	return n;
}

void values_text(const uint8_t *p, const uint8_t *end, char *buf, size_t len)
{
	struct value v;
	size_t n = 0;
	int ret;

	buf[0] = 0;
	while (n + 4 < len && (ret = value_next(&p, end, &v)) > 0) {
		if (n)
			n += snprintf(buf + n, len - n, ", ");
		if (n < len)
			n += value_text(&v, buf + n, len - n);
	}
	if (ret < 0 && n + 4 < len)
		snprintf(buf + n, len - n, "%s?", n ? ", " : "");
}

uint32_t fid_name(struct proc *p, uint32_t fid)
{
	char buf[32];

	if (fid < p->nfuncs && p->funcs[fid].name != UINT32_MAX)
		return p->funcs[fid].name;
	/* The sites file ended before this function: keep the id visible. */
	snprintf(buf, sizeof(buf), "fid#%u", fid);
	return name_intern(buf);
}

static uint8_t name_flags(struct report *r, uint32_t name)
{
	if (name >= r->nname_flags) {
		uint32_t n = name_count();

		r->name_flags = xrealloc(r->name_flags, n);
		for (uint32_t id = r->nname_flags; id < n; id++) {
			uint8_t f = 0;

			for (unsigned int i = 0; i < r->nsel; i++)
				f |= name_match(id, r->sel[i]) ? NF_SEL : 0;
			for (unsigned int i = 0; i < r->nhide; i++)
				f |= name_match(id, r->hide[i]) ? NF_HIDE : 0;
			for (unsigned int i = 0; i < r->ncallers; i++)
				f |= name_match(id, r->callers[i]) ? NF_CALLER : 0;
			r->name_flags[id] = f;
		}
		r->nname_flags = n;
	}
	return r->name_flags[name];
}

/* lib:MOD or lib:MOD:GLOB, as record takes them: MOD against the file name
 * of the function's module. */
static int lib_match(const char *pat, const struct proc *p, uint32_t fid, uint32_t name)
{
	const char *mod = pat + 4, *glob = strchr(mod, ':'), *path, *base;
	char modpat[256];

	if (fid >= p->nfuncs || p->funcs[fid].mod >= p->nmods)
		return 0;
	path = p->mods[p->funcs[fid].mod].path;
	if (!path)
		return 0;
	base = strrchr(path, '/');
	snprintf(modpat, sizeof(modpat), "%.*s", glob ? (int)(glob - mod) : (int)strlen(mod), mod);
	if (!dft_glob_match(modpat, base ? base + 1 : path))
		return 0;
	return !glob || name_match(name, glob + 1);
}

uint8_t func_flags(struct report *r, struct proc *p, uint32_t fid, uint32_t name)
{
	uint8_t f;

	if (!r->nsel && !r->nhide && !r->ncallers)
		return 0;
	f = name_flags(r, name);
	/* A function the sites file does not name (a damaged stream's fid
	 * may be anything) has no module for lib:MOD to select. */
	if (!r->has_lib || fid >= p->nfuncs)
		return f;
	/* Module selectors depend on the process: cached per function. */
	if (fid >= p->nfflags) {
		uint32_t n = p->nfuncs;

		p->fflags = xrealloc(p->fflags, n);
		memset(p->fflags + p->nfflags, 0xff, n - p->nfflags);
		p->nfflags = n;
	}
	if (p->fflags[fid] == 0xff) {
		for (unsigned int i = 0; i < r->nsel; i++) {
			if (!strncmp(r->sel[i], "lib:", 4) && lib_match(r->sel[i], p, fid, name))
				f |= NF_SEL;
		}
		for (unsigned int i = 0; i < r->nhide; i++) {
			if (!strncmp(r->hide[i], "lib:", 4) && lib_match(r->hide[i], p, fid, name))
				f |= NF_HIDE;
		}
		p->fflags[fid] = f;
	}
	return p->fflags[fid];
}

/* Is the next event an EXT of @kind? Looks without decoding. */
static inline int next_is_ext(const struct cursor *c, unsigned int kind)
{
	/* At the end of a chunk: the slow path looks into the next. */
	if (c->p == c->end)
		return c->chunk + 1 < c->th->nchunks;
	return c->end - c->p >= (ptrdiff_t)sizeof(struct dft_ev_ext) &&
	       (get32(c->p) & DFT_EV_TYPE_MASK) == DFT_EV_EXT &&
	       field16(c->p, struct dft_ev_ext, kind) == kind;
}

static int take_ext_slow(struct walk *w, unsigned int kind, uint32_t fid, const uint8_t **p,
			 const uint8_t **end)
{
	struct event ev = { 0 };
	struct cursor save = w->c;

	if (cursor_next(&w->c, &ev) <= 0 || ev.type != DFT_EV_EXT || ev.kind != kind ||
	    ev.len < sizeof(struct dft_ext_fid) || field32(ev.data, struct dft_ext_fid, fid) != fid) {
		w->c = save;
		return 0;
	}
	*p = ev.data + sizeof(struct dft_ext_fid);
	*end = ev.data + ev.len;
	return 1;
}

/* Takes the ARGS (or RETVAL) payload of @fid that follows, if any. Most
 * calls have none: that check is inline. */
static inline int take_ext(struct walk *w, unsigned int kind, uint32_t fid, const uint8_t **p,
			   const uint8_t **end)
{
	if (__builtin_expect(!next_is_ext(&w->c, kind), 1))
		return 0;
	return take_ext_slow(w, kind, fid, p, end);
}

/* The PATCHED event of @fid that follows, if any: the replacement's name. */
static inline void take_patched(struct walk *w, uint32_t fid, const char **name, uint32_t *len)
{
	const uint8_t *p, *end;

	if (take_ext(w, DFT_EXT_PATCHED, fid, &p, &end)) {
		*name = (const char *)p;
		*len = end - p;
	}
}

static void pop(struct report *r, struct walk *w, enum end_kind how)
{
	struct frame *f = &w->stk[--w->depth];
	uint64_t dur = w->now - f->t0;

	if (w->now < f->t0)
		dur = 0;
	if (f->hidden_by & NF_SEL)
		w->in_sel--;
	if (f->hidden_by & NF_HIDE)
		w->in_hide--;
	if (f->cut)
		w->in_cut--;
	if (!f->shown)
		return;
	w->vdepth--;
	if (f->vparent)
		w->stk[f->vparent - 1].child += dur;
	if (r->fmt->exit)
		r->fmt->exit(r, w, f, dur, how);
}

/*
 * Looks ahead in the stream at the calls the frame just entered makes,
 * without consuming them, for the filters that depend on what comes later:
 * does the call last at least @dur_min (stop once it has), or does it call
 * a -C function (stop at the first)? Calls that fail are hidden with all
 * they call, so each event is looked at about twice at most.
 */
static int ahead(struct report *r, struct walk *w, uint64_t t0, int for_caller)
{
	struct cursor c = w->c;
	struct event ev = { 0 };
	uint32_t depth = 1, unwind = 0;
	uint64_t ns = t0;
	int ret = -1;

	while (ret < 0 && cursor_next(&c, &ev) > 0) {
		ns = clock_ns(&w->proc->clk, ev.ticks);
		if (!for_caller && ns >= t0 + r->dur_min && ns >= t0) {
			ret = 1;
			break;
		}
		switch (ev.type) {
		case DFT_EV_ENTRY:
			depth++;
			if (for_caller &&
			    (func_flags(r, w->proc, ev.fid, fid_name(w->proc, ev.fid)) & NF_CALLER))
				ret = 1;
			break;
		case DFT_EV_EXIT:
			/* An unwind pops several frames, perhaps past this one. */
			depth = unwind >= depth ? 0 : depth - (unwind ? unwind : 1);
			unwind = 0;
			if (!depth)
				ret = 0;
			break;
		case DFT_EV_EXT:
			if (ev.kind == DFT_EXT_UNWIND && ev.len >= sizeof(struct dft_ext_unwind))
				unwind = field32(ev.data, struct dft_ext_unwind, depth);
			break;
		}
	}
	/* Still open at the end of the stream? */
	if (ret < 0)
		ret = !for_caller && ns - t0 >= r->dur_min;
	/* The look may have dropped the chunk the walk reads from. */
	cursor_reseat(&w->c);
	return ret;
}

/* The report-time filters of a frame about to show: CUT_* or 0. */
static uint8_t cut(struct report *r, struct walk *w, struct frame *f, uint8_t nf)
{
	if (r->max_depth && w->vdepth >= r->max_depth)
		return CUT_HIDDEN;
	if (f->t0 < r->t_start || f->t0 > r->t_end)
		return 0xff; /* hidden, its calls may show */
	if (r->ncallers) {
		if (nf & NF_CALLER)
			return CUT_BELOW;
		if (!ahead(r, w, f->t0, 1))
			return CUT_HIDDEN;
	}
	if (r->dur_min && !ahead(r, w, f->t0, 0))
		return CUT_HIDDEN;
	return 0;
}

/* An entry, or with @before a frame open when the stream begins (a ring
 * chunk's STACK): its events were overwritten, nothing of it follows. */
static void entry(struct report *r, struct walk *w, uint32_t fid, int before)
{
	struct frame *f;
	uint8_t nf;

	if (w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->stk = xrealloc(w->stk, w->cap * sizeof(*w->stk));
	}
	f = &w->stk[w->depth];
	f->fid = fid;
	f->name = fid_name(w->proc, fid);
	f->t0 = w->now;
	f->child = 0;
	f->leaf = 0;
	f->ret = NULL;
	f->args = NULL;
	nf = func_flags(r, w->proc, fid, f->name);
	f->hidden_by = nf & ((w->in_sel ? 0 : NF_SEL) | NF_HIDE);
	f->shown = (!r->nsel || w->in_sel || (nf & NF_SEL)) && !w->in_hide && !(nf & NF_HIDE) &&
		   !w->in_cut;
	f->cut = 0;
	if (f->shown && r->filters) {
		uint8_t c = cut(r, w, f, nf);

		f->shown = !c || c == CUT_BELOW;
		f->cut = c == 0xff ? 0 : c;
		w->in_cut += !!f->cut;
	}
	f->vparent = 0;
	if (w->depth) {
		struct frame *up = f - 1;

		f->vparent = up->shown ? w->depth : up->vparent;
	}
	f->vdepth = w->vdepth;
	w->in_sel += !!(f->hidden_by & NF_SEL);
	w->in_hide += !!(f->hidden_by & NF_HIDE);
	w->depth++;
	f->patched = NULL;
	f->patched_len = 0;
	if (!before) {
		take_patched(w, fid, &f->patched, &f->patched_len);
		take_ext(w, DFT_EXT_ARGS, fid, &f->args, &f->args_end);
	}
	if (!f->shown)
		return;
	w->vdepth++;
	if (!before && r->fmt->flags & FMT_LEAF) {
		/* A call whose exit comes next prints as one line ("func();"). */
		struct cursor save = w->c;
		const uint8_t *ret = NULL, *ret_end = NULL;
		struct event ev;

		take_ext(w, DFT_EXT_RETVAL, fid, &ret, &ret_end);
		if (cursor_next(&w->c, &ev) > 0 && ev.type == DFT_EV_EXIT) {
			uint64_t now = clock_ns(&w->proc->clk, ev.ticks);

			f->leaf = 1;
			f->leaf_dur = now > f->t0 ? now - f->t0 : 0;
			f->ret = ret;
			f->ret_end = ret_end;
			if (r->fmt->entry)
				r->fmt->entry(r, w, f);
			w->now = now;
			w->events += 1 + !!ret;
			pop(r, w, END_RET);
			return;
		}
		w->c = save;
	}
	if (r->fmt->entry)
		r->fmt->entry(r, w, f);
}

static void do_exit(struct report *r, struct walk *w)
{
	uint32_t n = w->unwind ? w->unwind : 1;
	enum end_kind how = w->unwind ? END_UNWIND : END_RET;

	if (w->depth && w->ret) {
		w->stk[w->depth - 1].ret = w->ret;
		w->stk[w->depth - 1].ret_end = w->ret_end;
	}
	w->ret = NULL;
	w->unwind = 0;
	/* More exits than entries: the stream began inside calls. */
	while (n-- && w->depth)
		pop(r, w, how);
}

/* The frames open where a ring's oldest chunk begins, entered before the
 * trace starts: they open the walk, at the times they were entered. */
static void stack_frames(struct report *r, struct walk *w, const struct event *ev)
{
	const size_t fsize = sizeof(struct dft_stack_frame);
	uint32_t n = ev->len >= sizeof(struct dft_ext_stack) ?
			     field32(ev->data, struct dft_ext_stack, n) : 0;
	uint64_t now = w->now;

	if ((uint64_t)n * fsize + sizeof(struct dft_ext_stack) > ev->len)
		return;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = ev->data + sizeof(struct dft_ext_stack) + (size_t)i * fsize;
		uint64_t ticks = field32(e, struct dft_stack_frame, ticks_lo) |
				 (uint64_t)field32(e, struct dft_stack_frame, ticks_hi) << 32;

		if (w->now < r->t_start || w->now > r->t_end)
			return;
		w->now = clock_ns(&w->proc->clk, ticks);
		entry(r, w, field32(e, struct dft_stack_frame, fid), 1);
	}
	w->now = now;
}

static void event(struct report *r, struct walk *w, const struct event *ev)
{
	w->events++;
	w->now = clock_ns(&w->proc->clk, ev->ticks);
	switch (ev->type) {
	case DFT_EV_ENTRY:
		entry(r, w, ev->fid, 0);
		return;
	case DFT_EV_EXIT:
		do_exit(r, w);
		return;
	case DFT_EV_FUNC: {
		const uint8_t *args = NULL, *args_end = NULL;
		uint32_t name = fid_name(w->proc, ev->fid);
		uint8_t nf = func_flags(r, w->proc, ev->fid, name);

		take_patched(w, ev->fid, &w->patched, &w->patched_len);
		take_ext(w, DFT_EXT_ARGS, ev->fid, &args, &args_end);
		if ((!r->nsel || (nf & NF_SEL)) && !(nf & NF_HIDE) && r->fmt->call)
			r->fmt->call(r, w, name, ev->parent_ip, args, args_end);
		w->patched = NULL;
		w->patched_len = 0;
		return;
	}
	}
	switch (ev->kind) {
	case DFT_EXT_RETVAL:
		if (ev->len >= sizeof(struct dft_ext_fid)) {
			w->ret = ev->data + sizeof(struct dft_ext_fid);
			w->ret_end = ev->data + ev->len;
		}
		break;
	case DFT_EXT_UNWIND:
		if (ev->len >= sizeof(struct dft_ext_unwind))
			w->unwind = field32(ev->data, struct dft_ext_unwind, depth);
		break;
	case DFT_EXT_LOST:
		if (ev->len >= sizeof(struct dft_ext_u64) && r->fmt->lost)
			r->fmt->lost(r, w, field64(ev->data, struct dft_ext_u64, value));
		/* The last event of a stream when --max-size stopped it. */
		w->stopped = r->t->stop_ns && w->c.p == w->c.end &&
			     w->c.chunk + 1 == w->th->nchunks;
		break;
	case DFT_EXT_STACK:
		if (w->events == 1 && !w->depth)
			stack_frames(r, w, ev);
		break;
	case DFT_EXT_COMM: {
		unsigned int n = ev->len < 16 ? ev->len : 16;

		memcpy(w->comm, ev->data, n);
		w->comm[n] = 0;
		break;
	}
	}
}

static void walk_init(struct report *r, struct walk *w, struct thread *th)
{
	memset(w, 0, sizeof(*w));
	w->th = th;
	w->proc = th->proc;
	cursor_init(&w->c, th);
	memcpy(w->comm, th->comm, sizeof(w->comm));
	w->now = clock_ns(&th->proc->clk, th->ts0);
	if (r->fmt->thread)
		r->fmt->thread(r, w);
}

static void walk_end(struct report *r, struct walk *w)
{
	uint32_t open = w->depth;

	if (w->c.p < w->c.end)
		trace_damage(r->t, w->th->file, cursor_off(&w->c), "bad event");
	while (w->depth)
		pop(r, w, END_TRUNC);
	if (r->fmt->thread_end)
		r->fmt->thread_end(r, w, open);
	free(w->stk);
	w->stk = NULL;
	w->done = 1;
	thread_unmap(w->th);
}

static int in_list(const int *v, unsigned int n, int id)
{
	for (unsigned int i = 0; i < n; i++) {
		if (v[i] == id)
			return 1;
	}
	return 0;
}

int thread_selected(const struct report *r, int pid, int tid)
{
	return (!r->ntids || in_list(r->tids, r->ntids, tid)) &&
	       (!r->npids || in_list(r->pids, r->npids, pid));
}

static int selected(const struct report *r, const struct thread *th)
{
	return thread_selected(r, th->pid, th->tid);
}

/* Whole streams one after the other: the fast path. */
static void walk_sequential(struct report *r)
{
	uint64_t before = 0; /* bytes of the streams done */

	for (unsigned int i = 0; i < r->t->nthreads; i++) {
		struct thread *th = r->t->threads[i];
		struct event ev;
		struct walk w;
		uint32_t n = 0;

		if (!selected(r, th))
			continue;
		walk_init(r, &w, th);
		while (cursor_next(&w.c, &ev) > 0) {
			event(r, &w, &ev);
			if (__builtin_expect(!(++n & 0xfffff), 0))
				progress_update(before + cursor_off(&w.c));
		}
		before += th->size;
		walk_end(r, &w);
	}
}

/* Peeks the next event of @w; returns 0 when the stream is over. In a
 * threshold trace a call is written when it ends, entry and exit together:
 * it takes its place among the other threads' by its end. */
static int peek(struct report *r, struct walk *w)
{
	if (w->has_next)
		return 1;
	w->has_next = cursor_next(&w->c, &w->next) > 0;
	if (!w->has_next)
		return 0;
	w->key = clock_ns(&w->proc->clk, w->next.ticks);
	if (r->by_end && w->next.type == DFT_EV_ENTRY) {
		struct cursor c = w->c;
		struct event ev = { 0 };
		int ret;

		while ((ret = cursor_next(&c, &ev)) > 0 && ev.type == DFT_EV_EXT)
			;
		if (ret > 0 && ev.type == DFT_EV_EXIT)
			w->key = clock_ns(&w->proc->clk, ev.ticks);
		cursor_reseat(&w->c);
	}
	return 1;
}

static uint64_t next_ns(struct walk *w)
{
	return w->key;
}

static void sift_down(struct walk **heap, unsigned int n, unsigned int i)
{
	for (;;) {
		unsigned int l = 2 * i + 1, m = i;
		struct walk *w;

		if (l < n && next_ns(heap[l]) < next_ns(heap[m]))
			m = l;
		if (l + 1 < n && next_ns(heap[l + 1]) < next_ns(heap[m]))
			m = l + 1;
		if (m == i)
			return;
		w = heap[i];
		heap[i] = heap[m];
		heap[m] = w;
		i = m;
	}
}

/* All threads interleaved in time order: a heap of walks keyed by the time
 * of their next event. */
static void walk_merged(struct report *r)
{
	struct walk *ws = xcalloc(r->t->nthreads, sizeof(*ws));
	struct walk **heap = xcalloc(r->t->nthreads, sizeof(*heap));
	unsigned int n = 0;
	uint32_t count = 0;

	for (unsigned int i = 0; i < r->t->nthreads; i++) {
		struct walk *w = &ws[i];

		if (!selected(r, r->t->threads[i]))
			continue;
		walk_init(r, w, r->t->threads[i]);
		if (!peek(r, w)) {
			walk_end(r, w);
			continue;
		}
		heap[n++] = w;
	}
	for (unsigned int i = n / 2; i-- > 0;)
		sift_down(heap, n, i);
	while (n) {
		struct walk *w = heap[0];

		if (__builtin_expect(!(++count & 0xfffff), 0)) {
			uint64_t done = 0;

			for (unsigned int i = 0; i < r->t->nthreads; i++)
				done += ws[i].done ? r->t->threads[i]->size
				      : ws[i].th   ? cursor_off(&ws[i].c)
						   : 0;
			progress_update(done);
		}
		w->has_next = 0;
		event(r, w, &w->next);
		if (!peek(r, w)) {
			walk_end(r, w);
			heap[0] = heap[--n];
		}
		sift_down(heap, n, 0);
	}
	free(heap);
	free(ws);
}

void walk_trace(struct report *r)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < r->t->nthreads; i++) {
		if (selected(r, r->t->threads[i]))
			total += r->t->threads[i]->size;
	}
	progress_start(total);
	if (r->fmt->begin)
		r->fmt->begin(r);
	if (r->fmt->flags & FMT_MERGE)
		walk_merged(r);
	else
		walk_sequential(r);
	progress_end();
	if (r->fmt->end)
		r->fmt->end(r);
}
