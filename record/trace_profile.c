// SPDX-License-Identifier: MIT
/*
 * The profile tracer: per function and per thread, the number of calls,
 * total and self time, the sum of squared durations (for the standard
 * deviation) and the longest call, kept in place in a shared mapping of
 * profile-PID.TID (docs/trace-format.md), so that it needs no event stream
 * and survives a crash. Records are indexed by function id.
 *
 * Self time: each open call's children add their durations to it, in a
 * per-thread array indexed by the graph depth.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include "fast.h"
#include "record.h"

#define CHILD_MAX DFT_PROF_CHILD_MAX

#define prof_rec dft_profile_rec

struct prof_thread {
	struct dft_mfile mf;
	struct prof_rec *rec;
	uint32_t nr;
	int dead; /* exited, or the file could not be made */
	uint64_t child[CHILD_MAX];
};

/* Read by the assembly too (rec_fast.S). */
__thread struct prof_thread *dft_prof;
double dft_prof_ns_per_tick;
static pthread_key_t prof_key;

_Static_assert(offsetof(struct prof_thread, rec) == DFT_PROF_REC, "dft_prof rec");
_Static_assert(offsetof(struct prof_thread, nr) == DFT_PROF_NR, "dft_prof nr");
_Static_assert(offsetof(struct prof_thread, child) == DFT_PROF_CHILD, "dft_prof child");
_Static_assert(sizeof(struct prof_rec) == DFT_PROF_REC_SIZE, "dft_prof rec size");
_Static_assert(offsetof(struct prof_rec, hits) == DFT_PREC_HITS, "hits");
_Static_assert(offsetof(struct prof_rec, total) == DFT_PREC_TOTAL, "total");
_Static_assert(offsetof(struct prof_rec, self) == DFT_PREC_SELF, "self");
_Static_assert(offsetof(struct prof_rec, sum_sq_ns) == DFT_PREC_SUM_SQ, "sum_sq_ns");
_Static_assert(offsetof(struct prof_rec, max) == DFT_PREC_MAX, "max");

/* What an exited thread's calls (from later TLS destructors) see. */
static struct prof_thread prof_dead = { .dead = 1 };

static void prof_close(void *arg)
{
	struct prof_thread *pt = arg;

	dft_mfile_close(&pt->mf);
	dft_prof = &prof_dead;
	munmap(pt, sizeof(*pt));
}

/* Room for record @fid: the file is made at the first return of the thread
 * and grows with the ids. NULL when it cannot. */
static struct prof_rec *prof_room(struct prof_thread *pt, uint32_t fid)
{
	uint32_t nr = pt->nr ? pt->nr : 1024;
	struct dft_profile_hdr *h;
	size_t size;
	char name[64];

	if (pt->dead)
		return NULL;
	while (nr <= fid)
		nr *= 2;
	size = sizeof(struct dft_profile_hdr) + (size_t)nr * sizeof(struct prof_rec);
	if (!pt->rec) {
		dft_rec_thread_file(name, sizeof(name), DFT_FILE_PROFILE, NULL);
		if (dft_mfile_open(&pt->mf, name, size)) {
			pr_warn("cannot create %s: %m\n", name);
			pt->dead = 1;
			return NULL;
		}
		h = (struct dft_profile_hdr *)pt->mf.map;
		memcpy(h->magic, DFT_PROFILE_MAGIC, DFT_MAGIC_LEN);
		h->pid = dft_rec_pid;
		h->tid = dft_gettid();
		pthread_setspecific(prof_key, pt);
	} else if (dft_mfile_grow(&pt->mf, size)) {
		return NULL;
	}
	pt->rec = (struct prof_rec *)(pt->mf.map + sizeof(struct dft_profile_hdr));
	for (uint32_t i = pt->nr; i < nr; i++)
		pt->rec[i].fid = i;
	pt->nr = nr;
	((struct dft_profile_hdr *)pt->mf.map)->nr = nr;
	return &pt->rec[fid];
}

static int prof_entry(const struct dft_graph_ent *ent, struct dft_graph_ops *gops,
		      struct dft_regs *regs)
{
	struct prof_thread *pt = dft_prof;

	if (unlikely(!pt)) {
		/* Not malloc: this may be a signal handler that interrupted
		 * malloc, in a thread that holds its arena's lock. */
		pt = mmap(NULL, sizeof(*pt), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
		if (pt == MAP_FAILED)
			return 0;
		dft_prof = pt;
	}
	if (likely(ent->depth < CHILD_MAX))
		pt->child[ent->depth] = 0;
	*ent->data = dft_ticks();
	return 1;
}

static void prof_ret(const struct dft_graph_ret *ret, struct dft_graph_ops *gops,
		     struct dft_regs *regs)
{
	struct prof_thread *pt = dft_prof;
	uint64_t dur = dft_ticks() - ret->data;
	struct prof_rec *r;
	struct dft_fid f;
	double ns;

	if (unlikely(dft_fid_lookup(ret->ip, &f) || !pt))
		return;
	if (likely(f.fid < pt->nr))
		r = &pt->rec[f.fid];
	else if (!(r = prof_room(pt, f.fid)))
		return;
	r->hits++;
	r->total += dur;
	if (likely(ret->depth < CHILD_MAX)) {
		uint64_t child = pt->child[ret->depth];

		r->self += dur > child ? dur - child : 0;
		if (ret->depth)
			pt->child[ret->depth - 1] += dur;
	}
	ns = (double)dur * dft_prof_ns_per_tick;
	r->sum_sq_ns += ns * ns;
	if (dur > r->max)
		r->max = dur;
}

static struct dft_graph_ops prof_ops = { .entry = prof_entry, .ret = prof_ret };

static int prof_start(void)
{
	int err = pthread_key_create(&prof_key, prof_close);

	if (err)
		return -err;
	dft_prof_ns_per_tick = dft_clock_ns_per_tick();
	dft_rec_ops = &prof_ops.ops;
#ifdef HAVE_DFT_DIRECT
	if (dft_rec_direct_ok()) {
		dft_graph_set_hook(&prof_ops, dft_rec_prof_return);
		dft_set_direct(&prof_ops.ops, dft_rec_prof_direct);
	}
#endif
	return 0;
}

static int prof_enable(void)
{
	return dft_register_graph(&prof_ops);
}

/* The parent's file is not ours: start a profile of our own. */
static void prof_fork_child(void)
{
	struct prof_thread *pt = dft_prof;

	if (!pt)
		return;
	if (pt->rec)
		dft_mfile_close(&pt->mf);
	pt->rec = NULL;
	pt->nr = 0;
}

const struct dft_tracer dft_tracer_profile = {
	.name = "profile",
	.start = prof_start,
	.enable = prof_enable,
	.fork_child = prof_fork_child,
	.fixed_clock = 1,
};
