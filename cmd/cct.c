// SPDX-License-Identifier: MIT
/*
 * The calling-context tree behind the folded and svg formats: one node per
 * distinct stack, whatever the number of calls, so memory follows the
 * program's shape and not the length of the trace. Node 0 is the root.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

void cct_begin(struct report *r)
{
	struct cct *t = xmalloc(sizeof(*t));
	memset(t, 0, sizeof(*t));
	t->cap = 1024;
	t->v = xcalloc(t->cap, sizeof(*t->v));
	t->n = 1;
	t->hcap = 4096;
	t->hash = xcalloc(t->hcap, sizeof(*t->hash));
	t->hidx = xcalloc(t->hcap, sizeof(*t->hidx));
	r->priv = t;
}

void cct_free(struct report *r)
{
	struct cct *t = r->priv;

	free(t->v);
	free(t->hash);
	free(t->hidx);
	free(t);
	r->priv = NULL;
}

static uint32_t slot(const struct cct *t, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;

	return (uint32_t)(h >> 32) & (t->hcap - 1);
}

static void grow_hash(struct cct *t)
{
	uint64_t *old = t->hash;
	uint32_t *oldi = t->hidx, oldcap = t->hcap;

	t->hcap *= 2;
	t->hash = xcalloc(t->hcap, sizeof(*t->hash));
	t->hidx = xcalloc(t->hcap, sizeof(*t->hidx));
	for (uint32_t i = 0; i < oldcap; i++) {
		uint32_t s;

		if (!old[i])
			continue;
		for (s = slot(t, old[i]); t->hash[s]; s = (s + 1) & (t->hcap - 1))
			;
		t->hash[s] = old[i];
		t->hidx[s] = oldi[i];
	}
	free(old);
	free(oldi);
}

uint32_t cct_child(struct cct *t, uint32_t parent, uint32_t name)
{
	uint64_t key = ((uint64_t)parent << 32 | name) + 1;
	uint32_t s;

	for (s = slot(t, key); t->hash[s]; s = (s + 1) & (t->hcap - 1)) {
		if (t->hash[s] == key)
			return t->hidx[s];
	}
	if (t->n == t->cap) {
		t->cap *= 2;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	t->v[t->n] = (struct cct_node){ .parent = parent, .name = name };
	t->hash[s] = key;
	t->hidx[s] = t->n;
	if (t->n * 2 > t->hcap)
		grow_hash(t);
	return t->n++;
}

static int cmp_by_name(const void *a, const void *b, void *arg)
{
	const struct cct *t = arg;
	const struct cct_node *x = &t->v[*(const uint32_t *)a], *y = &t->v[*(const uint32_t *)b];

	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	return strcmp(name_str(x->name), name_str(y->name));
}

void cct_finish(struct cct *t)
{
	uint32_t *order = xmalloc(t->n * sizeof(*order));

	/* Children's totals into their parents: children come after parents. */
	for (uint32_t i = t->n; i-- > 1;) {
		t->v[i].total += t->v[i].self;
		t->v[t->v[i].parent].total += t->v[i].total;
	}
	t->v[0].total += t->v[0].self;
	for (uint32_t i = 0; i < t->n; i++) {
		order[i] = i;
		t->v[i].first = t->v[i].next = 0;
	}
	qsort_r(order + 1, t->n - 1, sizeof(*order), cmp_by_name, t);
	/* Link backwards so that each list ends up in name order. */
	for (uint32_t i = t->n; i-- > 1;) {
		struct cct_node *c = &t->v[order[i]];

		c->next = t->v[c->parent].first;
		t->v[c->parent].first = order[i];
	}
	free(order);
}

void cct_entry(struct report *r, struct walk *w, struct frame *f)
{
	struct cct *t = r->priv;
	uint32_t parent = f->vparent ? w->stk[f->vparent - 1].node : 0;

	f->node = cct_child(t, parent, f->name);
	t->v[f->node].hits++;
}

void cct_exit(struct report *r, struct walk *w, struct frame *f, uint64_t dur, enum end_kind how)
{
	struct cct *t = r->priv;

	t->v[f->node].self += dur - (f->child < dur ? f->child : dur);
}
