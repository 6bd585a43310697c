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

#include "record.h"

#define PROF_HDR 32
#define CHILD_MAX 4096

struct prof_rec {
	uint32_t fid;
	uint32_t pad;
	uint64_t hits;
	uint64_t total;
	uint64_t self;
	double sum_sq_ns;
	uint64_t max;
};

_Static_assert(sizeof(struct prof_rec) == 48, "profile record layout");

struct prof_thread {
	struct dft_mfile mf;
	struct prof_rec *rec;
	uint32_t nr;
	unsigned int gen; /* the recording its file belongs to */
	int dead; /* exited, or the file could not be made */
	uint64_t child[CHILD_MAX];
};

static __thread struct prof_thread *prof;
static pthread_key_t prof_key;
static double ns_per_tick;
/* Counts recordings (record -p may start several in one process): a
 * thread's file of an earlier one is closed, by the thread, at its next
 * return, and the counts start again in the new directory. */
static unsigned int prof_gen;
/* What an exited thread's calls (from later TLS destructors) see. */
static struct prof_thread prof_dead = { .dead = 1 };

static void prof_close(void *arg)
{
	struct prof_thread *pt = arg;

	dft_mfile_close(&pt->mf);
	prof = &prof_dead;
	free(pt);
}

/* Room for record @fid: the file is made at the first return of the thread
 * and grows with the ids. NULL when it cannot. */
static struct prof_rec *prof_room(struct prof_thread *pt, uint32_t fid)
{
	uint32_t nr = pt->nr ? pt->nr : 1024;
	size_t size;
	char name[64];

	if (pt->dead)
		return NULL;
	while (nr <= fid)
		nr *= 2;
	size = PROF_HDR + (size_t)nr * sizeof(struct prof_rec);
	if (!pt->rec) {
		dft_rec_thread_file(name, sizeof(name), "profile", NULL);
		if (dft_mfile_open(&pt->mf, name, size)) {
			pr_warn("cannot create %s: %m\n", name);
			pt->dead = 1;
			return NULL;
		}
		memcpy(pt->mf.map, "DFTPRF01", 8);
		memcpy(pt->mf.map + 8, &dft_rec_pid, 4);
		*(uint32_t *)(pt->mf.map + 12) = dft_gettid();
		pthread_setspecific(prof_key, pt);
	} else if (dft_mfile_grow(&pt->mf, size)) {
		return NULL;
	}
	pt->rec = (struct prof_rec *)(pt->mf.map + PROF_HDR);
	for (uint32_t i = pt->nr; i < nr; i++)
		pt->rec[i].fid = i;
	pt->nr = nr;
	memcpy(pt->mf.map + 16, &nr, 4);
	return &pt->rec[fid];
}

static int prof_entry(const struct dft_graph_ent *ent, struct dft_graph_ops *gops,
		      struct dft_regs *regs)
{
	struct prof_thread *pt = prof;

	if (unlikely(!pt)) {
		pt = calloc(1, sizeof(*pt));
		if (!pt)
			return 0;
		pt->gen = prof_gen;
		prof = pt;
	}
	if (likely(ent->depth < CHILD_MAX))
		pt->child[ent->depth] = 0;
	*ent->data = dft_ticks();
	return 1;
}

static void prof_ret(const struct dft_graph_ret *ret, struct dft_graph_ops *gops,
		     struct dft_regs *regs)
{
	struct prof_thread *pt = prof;
	const struct dft_fid_ent *f = dft_fid_lookup(ret->ip);
	uint64_t dur = dft_ticks() - ret->data;
	struct prof_rec *r;
	double ns;

	if (unlikely(!f || !pt))
		return;
	if (unlikely(pt->gen != prof_gen)) {
		if (pt->rec)
			dft_mfile_close(&pt->mf);
		pt->rec = NULL;
		pt->nr = 0;
		pt->gen = prof_gen;
	}
	if (likely(f->fid < pt->nr))
		r = &pt->rec[f->fid];
	else if (!(r = prof_room(pt, f->fid)))
		return;
	r->hits++;
	r->total += dur;
	if (likely(ret->depth < CHILD_MAX)) {
		uint64_t child = pt->child[ret->depth];

		r->self += dur > child ? dur - child : 0;
		if (ret->depth)
			pt->child[ret->depth - 1] += dur;
	}
	ns = (double)dur * ns_per_tick;
	r->sum_sq_ns += ns * ns;
	if (dur > r->max)
		r->max = dur;
}

static struct dft_graph_ops prof_ops = { .entry = prof_entry, .ret = prof_ret };

static int prof_start(void)
{
	static int key_made;
	int err = key_made ? 0 : pthread_key_create(&prof_key, prof_close);

	if (err)
		return -err;
	key_made = 1;
	__atomic_store_n(&prof_gen, prof_gen + 1, __ATOMIC_RELEASE);
	ns_per_tick = dft_clock_ns_per_tick();
	dft_rec_ops = &prof_ops.ops;
	return 0;
}

static int prof_enable(void)
{
	return dft_register_graph(&prof_ops);
}

/* The parent's file is not ours: start a profile of our own. */
static void prof_fork_child(void)
{
	struct prof_thread *pt = prof;

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
