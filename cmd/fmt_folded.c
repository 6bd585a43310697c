// SPDX-License-Identifier: MIT
/*
 * Folded stacks ("main;foo;bar 1234"), the input of FlameGraph and
 * speedscope, weighted by self time in nanoseconds: the weights of a stack
 * and all below it add up to its total time.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

static void print_node(struct report *r, struct cct *t, uint32_t id, char **path, size_t *cap,
		       size_t len)
{
	for (uint32_t c = t->v[id].first; c; c = t->v[c].next) {
		const char *name = name_str(t->v[c].name);
		size_t n = strlen(name), at = len;

		if (at + n + 2 > *cap) {
			*cap = (at + n + 2) * 2;
			*path = xrealloc(*path, *cap);
		}
		if (at)
			(*path)[at++] = ';';
		/* FlameGraph splits frames at ';' and the count at the last blank. */
		for (size_t i = 0; i < n; i++)
			(*path)[at + i] = name[i] == ';' ? ':' : name[i];
		at += n;
		(*path)[at] = 0;
		if (t->v[c].self)
			fprintf(r->out, "%s %llu\n", *path, (unsigned long long)t->v[c].self);
		print_node(r, t, c, path, cap, at);
	}
}

static void folded_end(struct report *r)
{
	struct cct *t = r->priv;
	size_t cap = 256;
	char *path = xmalloc(cap);

	cct_finish(t);
	print_node(r, t, 0, &path, &cap, 0);
	free(path);
	cct_free(r);
}

const struct fmt fmt_folded = {
	.name = "folded",
	.flags = FMT_STACKS,
	.begin = cct_begin,
	.entry = cct_entry,
	.exit = cct_exit,
	.end = folded_end,
};
