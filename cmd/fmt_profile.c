// SPDX-License-Identifier: MIT
/*
 * The profile: per function, hits, total and self time, average and
 * standard deviation of a call's total time. It comes from the profile
 * tracer's files when the trace has them, and from the event streams
 * otherwise; either way functions are merged by name across threads and
 * processes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

static struct pstat *stat_of(struct profile *p, uint32_t name)
{
	if (name >= p->n) {
		uint32_t n = name_count() > name ? name_count() : name + 1;

		p->v = xrealloc(p->v, n * sizeof(*p->v));
		memset(p->v + p->n, 0, (n - p->n) * sizeof(*p->v));
		p->n = n;
	}
	return &p->v[name];
}

const char *dur_text(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.3f us", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", ns / 1e9);
	return buf;
}

static void profile_begin(struct report *r)
{
	struct profile *p = xcalloc(1, sizeof(struct profile));

	/* Durations come with every tracer but function, even when the
	 * trace holds no call. */
	p->timed = strcmp(r->t->tracer, "function") != 0;
	r->priv = p;
}

static void profile_exit(struct report *r, struct walk *w, struct frame *f, uint64_t dur,
			 enum end_kind how)
{
	struct profile *p = r->priv;
	struct pstat *s = stat_of(p, f->name);

	p->timed = 1;
	s->hits++;
	s->total += dur;
	s->self += dur - (f->child < dur ? f->child : dur);
	s->sumsq += (double)dur * dur;
}

static void profile_call(struct report *r, struct walk *w, uint32_t name, uint64_t parent_ip,
			 const uint8_t *args, const uint8_t *args_end)
{
	stat_of(r->priv, name)->hits++;
}

/* The profile tracer's files: one table per thread, updated in place. */
static void load_profile_file(struct report *r, struct profile *p, const char *name)
{
	struct pfile pf;
	struct proc *proc;

	if (profile_open(r->t, name, &pf))
		return;
	if (!thread_selected(r, pf.pid, pf.tid)) {
		profile_close(&pf);
		return;
	}
	proc = trace_proc(r->t, pf.pid);
	p->timed = 1;
	for (uint32_t i = 0; i < pf.nr; i++) {
		const uint8_t *rec = pf.map + PROFILE_HDR + (size_t)i * PROFILE_REC;
		uint32_t fid = field32(rec, struct dft_profile_rec, fid);
		uint32_t nm = fid < proc->nfuncs ? proc->funcs[fid].name : UINT32_MAX;
		struct pstat *s;
		double sq;
		uint8_t nf;

		if (nm == UINT32_MAX)
			continue;
		nf = func_flags(r, proc, fid, nm);
		if ((r->nsel && !(nf & NF_SEL)) || (nf & NF_HIDE))
			continue;
		s = stat_of(p, nm);
		s->hits += field64(rec, struct dft_profile_rec, hits);
		s->total += clock_dur(&proc->clk, field64(rec, struct dft_profile_rec, total));
		s->self += clock_dur(&proc->clk, field64(rec, struct dft_profile_rec, self));
		memcpy(&sq, rec + offsetof(struct dft_profile_rec, sum_sq_ns), sizeof(sq));
		s->sumsq += sq;
	}
	profile_close(&pf);
}

static struct profile *sort_profile;
static int sort_self;

static int cmp_stat(const void *a, const void *b)
{
	const struct pstat *x = &sort_profile->v[*(const uint32_t *)a];
	const struct pstat *y = &sort_profile->v[*(const uint32_t *)b];
	uint64_t kx = sort_self ? x->self : x->total, ky = sort_self ? y->self : y->total;

	if (!sort_profile->timed)
		kx = x->hits, ky = y->hits;
	if (kx != ky)
		return kx > ky ? -1 : 1;
	return strcmp(name_str(*(const uint32_t *)a), name_str(*(const uint32_t *)b));
}

static void profile_free(struct profile *p)
{
	free(p->v);
	free(p);
}

static const char *col(struct report *r, uint64_t ns, char *buf, size_t len)
{
	if (r->raw)
		snprintf(buf, len, "%llu", (unsigned long long)ns);
	else
		dur_text(ns, buf, len);
	return buf;
}

static void profile_end(struct report *r)
{
	struct profile *p = r->priv;
	uint32_t *order, n = 0;

	/* --diff: the first trace's profile is kept for the second's end. */
	if (r->diff && !r->diff_base) {
		r->diff_base = p;
		return;
	}
	if (r->diff_base) {
		profile_diff(r, r->diff_base, p);
		profile_free(r->diff_base);
		profile_free(p);
		r->diff_base = NULL;
		r->priv = NULL;
		return;
	}
	order = xmalloc((p->n + 1) * sizeof(*order));

	for (uint32_t i = 0; i < p->n; i++) {
		if (p->v[i].hits)
			order[n++] = i;
	}
	sort_profile = p;
	sort_self = r->sort_self;
	qsort(order, n, sizeof(*order), cmp_stat);
	fprintf(r->out, "# dynftrace profile (%s): %u functions, sorted by %s\n#\n", r->t->tracer, n,
		!p->timed ? "hits" : r->sort_self ? "self time" : "total time");
	fprintf(r->out, "# %10s  %13s  %13s  %13s  %13s  %s\n", "HITS", "TOTAL", "SELF", "AVG",
		"STDDEV", "FUNCTION");
	fprintf(r->out, "# %10s  %13s  %13s  %13s  %13s  %s\n", "==========", "=============",
		"=============", "=============", "=============", "========");
	for (uint32_t i = 0; i < n; i++) {
		const struct pstat *s = &p->v[order[i]];
		char b[4][32];

		if (!p->timed) {
			fprintf(r->out, "  %10llu  %13s  %13s  %13s  %13s  %s\n",
				(unsigned long long)s->hits, "-", "-", "-", "-",
				name_str(order[i]));
			continue;
		}
		double avg = (double)s->total / s->hits;
		/* One call has no spread, whatever the rounding of the sums. */
		double var = s->hits > 1 ? s->sumsq / s->hits - avg * avg : 0;
		uint64_t mean = 0, sd = 0;

		/* A damaged profile file's sums may be anything: no undefined
		 * conversion, the largest value instead. */
		if (ns_from_double(avg, &mean))
			mean = UINT64_MAX;
		if (var > 0 && ns_from_double(sqrt(var), &sd))
			sd = UINT64_MAX;

		fprintf(r->out, "  %10llu  %13s  %13s  %13s  %13s  %s\n",
			(unsigned long long)s->hits, col(r, s->total, b[0], 32),
			col(r, s->self, b[1], 32), col(r, mean, b[2], 32), col(r, sd, b[3], 32),
			name_str(order[i]));
	}
	free(order);
	profile_free(p);
	r->priv = NULL;
}

/* A profile-tracer trace has no streams to walk: read its tables. */
static void profile_begin_files(struct report *r)
{
	struct profile *p;

	profile_begin(r);
	p = r->priv;
	for (unsigned int i = 0; i < r->t->nprofiles; i++)
		load_profile_file(r, p, r->t->profiles[i]);
}

const struct fmt fmt_profile = {
	.name = "profile",
	.begin = profile_begin_files,
	.exit = profile_exit,
	.call = profile_call,
	.end = profile_end,
};
