// SPDX-License-Identifier: MIT
/*
 * report --format profile --diff DIR2: two profiles side by side, function
 * by function (by name: the two traces may come from different builds),
 * with the change of each column, the largest changes first. This is how
 * uftrace users find a regression between two runs.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

static const struct profile *a, *b;
static int by_self, by_hits;

static const struct pstat *get(const struct profile *p, uint32_t id)
{
	static const struct pstat none;

	return id < p->n ? &p->v[id] : &none;
}

static uint64_t key(const struct pstat *s)
{
	return by_hits ? s->hits : by_self ? s->self : s->total;
}

static uint64_t change(uint32_t id)
{
	uint64_t x = key(get(a, id)), y = key(get(b, id));

	return x > y ? x - y : y - x;
}

static int cmp(const void *p, const void *q)
{
	uint32_t x = *(const uint32_t *)p, y = *(const uint32_t *)q;
	uint64_t cx = change(x), cy = change(y);

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(name_str(x), name_str(y));
}

/* "+12.5%", "-3.0%", "new", "gone", "0.0%". */
static const char *pct(uint64_t old, uint64_t new, char *buf, size_t len)
{
	if (old == new)
		return "0.0%";
	if (!old)
		return "new";
	if (!new)
		return "gone";
	snprintf(buf, len, "%+.1f%%", ((double)new - (double)old) * 100 / old);
	return buf;
}

static const char *col(struct report *r, uint64_t ns, char *buf, size_t len)
{
	if (r->raw || by_hits)
		snprintf(buf, len, "%llu", (unsigned long long)ns);
	else
		dur_text(ns, buf, len);
	return buf;
}

void profile_diff(struct report *r, const struct profile *old, const struct profile *new)
{
	uint32_t n = old->n > new->n ? old->n : new->n, k = 0;
	uint32_t *order = xmalloc((n + 1) * sizeof(*order));

	a = old;
	b = new;
	by_self = r->sort_self;
	by_hits = !old->timed || !new->timed;
	for (uint32_t i = 0; i < n; i++) {
		if (get(old, i)->hits || get(new, i)->hits)
			order[k++] = i;
	}
	qsort(order, k, sizeof(*order), cmp);
	fprintf(r->out, "# dynftrace profile diff: %s -> %s: %u functions, by the change of %s\n#\n",
		r->diff_dir0, r->diff, k, by_hits ? "hits" : by_self ? "self time" : "total time");
	fprintf(r->out, "# %10s %10s %7s  %12s %12s %7s  %12s %12s %7s  %s\n", "HITS", "HITS'",
		"CHANGE", "TOTAL", "TOTAL'", "CHANGE", "SELF", "SELF'", "CHANGE", "FUNCTION");
	for (uint32_t i = 0; i < k; i++) {
		const struct pstat *x = get(old, order[i]), *y = get(new, order[i]);
		char c[9][32];

		if (by_hits) {
			fprintf(r->out, "  %10llu %10llu %7s  %12s %12s %7s  %12s %12s %7s  %s\n",
				(unsigned long long)x->hits, (unsigned long long)y->hits,
				pct(x->hits, y->hits, c[0], 32), "-", "-", "-", "-", "-", "-",
				name_str(order[i]));
			continue;
		}
		fprintf(r->out, "  %10llu %10llu %7s  %12s %12s %7s  %12s %12s %7s  %s\n",
			(unsigned long long)x->hits, (unsigned long long)y->hits,
			pct(x->hits, y->hits, c[0], 32), col(r, x->total, c[1], 32),
			col(r, y->total, c[2], 32), pct(x->total, y->total, c[3], 32),
			col(r, x->self, c[4], 32), col(r, y->self, c[5], 32),
			pct(x->self, y->self, c[6], 32), name_str(order[i]));
	}
	free(order);
}
