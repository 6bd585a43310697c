// SPDX-License-Identifier: MIT
/*
 * The names of recorded values: an ARGS payload holds values only, in the
 * order of the -A spec that matched its function ("f@arg3/s,arg6/d" gives
 * two values, arg3 and arg6). The specs are in the trace's info file
 * (args=, as the runtime took them); the latest matching spec wins, as in
 * the recorder. Traces recorded before the info file kept them name their
 * values by position only.
 */
#include <stdlib.h>
#include <string.h>

#include "trace.h"

struct spec {
	char *glob;
	uint32_t *names; /* name ids of "arg3", ... */
	unsigned int n;
};

static struct {
	struct spec *v;
	unsigned int n;
	int loaded;
	uint32_t *by_name; /* spec index + 1 by function name id, UINT32_MAX unknown */
	uint32_t nby;
} specs;

static void load(struct trace *t)
{
	char *list = t->info ? info_value(t->info, "args") : NULL, *save, *s;

	specs.loaded = 1;
	if (!list)
		return;
	for (s = strtok_r(list, ";", &save); s; s = strtok_r(NULL, ";", &save)) {
		char *at = strrchr(s, '@'), *isave, *it;
		struct spec *sp;

		if (!at || at == s)
			continue;
		*at = 0;
		specs.v = xrealloc(specs.v, (specs.n + 1) * sizeof(*specs.v));
		sp = &specs.v[specs.n++];
		sp->glob = xstrdup(s);
		sp->names = NULL;
		sp->n = 0;
		for (it = strtok_r(at + 1, ",", &isave); it; it = strtok_r(NULL, ",", &isave)) {
			it[strcspn(it, "/")] = 0;
			sp->names = xrealloc(sp->names, (sp->n + 1) * sizeof(*sp->names));
			sp->names[sp->n++] = name_intern(it);
		}
	}
	free(list);
}

/* "glob" or "lib:MOD:glob" as the recorder takes them: the function part. */
static const char *func_glob(const char *g)
{
	if (strncmp(g, "lib:", 4))
		return g;
	g = strchr(g + 4, ':');
	return g ? g + 1 : "*";
}

uint32_t arg_name(struct trace *t, uint32_t func, unsigned int i)
{
	char buf[16];

	if (!specs.loaded)
		load(t);
	if (func >= specs.nby) {
		uint32_t n = name_count() > func ? name_count() : func + 1;

		specs.by_name = xrealloc(specs.by_name, n * sizeof(*specs.by_name));
		memset(specs.by_name + specs.nby, 0xff, (n - specs.nby) * sizeof(*specs.by_name));
		specs.nby = n;
	}
	if (specs.by_name[func] == UINT32_MAX) {
		uint32_t k = 0;

		for (unsigned int s = specs.n; s-- > 0 && !k;) {
			if (specs.v[s].n && name_match(func, func_glob(specs.v[s].glob)))
				k = s + 1;
		}
		specs.by_name[func] = k;
	}
	if (specs.by_name[func] && i < specs.v[specs.by_name[func] - 1].n)
		return specs.v[specs.by_name[func] - 1].names[i];
	snprintf(buf, sizeof(buf), "value%u", i + 1);
	return name_intern(buf);
}
