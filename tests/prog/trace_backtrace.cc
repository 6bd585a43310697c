// SPDX-License-Identifier: MIT
/*
 * backtrace() and _Unwind_Backtrace() from a function several traced
 * levels deep (tests/cases/trace_backtrace.sh): they must show the real
 * callers, never the graph's return hook. C++ only for libgcc_s, which
 * g++ links (the calls are C's).
 */
#include <dlfcn.h>
#include <execinfo.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unwind.h>

#include "trace_prog.h"

#define MAX 64

volatile int sink;

struct frames {
	void *ip[MAX];
	int n;
};

/* The name of the function at @ip, "?" outside the program, "HOOK" in
 * the runtime (which no real caller is). */
static const char *name_of(void *ip)
{
	Dl_info info;

	if (!dladdr(ip, &info) || !info.dli_fname)
		return "?";
	if (strstr(info.dli_fname, "libdynftrace"))
		return "HOOK";
	return info.dli_sname ? info.dli_sname : "?";
}

/*
 * Prints the frames from the first one in check() to main (the threads'
 * start function for a thread), one name each, and whether it saw what
 * it must: every one of @want in order, and no hook.
 */
static void show(const char *how, const struct frames *f, const char *const *want)
{
	int i, w = 0, hook = 0;

	printf("%s:", how);
	for (i = 0; i < f->n; i++) {
		/* A return address may be just past the function's end. The
		 * outermost frame's may be 0 (no pointer arithmetic on it). */
		const char *s = f->ip[i] ? name_of((char *)f->ip[i] - 1) : "0";

		printf(" %s", s);
		hook |= !strcmp(s, "HOOK");
		if (want[w] && !strcmp(s, want[w]))
			w++;
	}
	printf("\n%s %s\n", how, !want[w] && !hook ? "ok" : "FAIL");
}

/* Traced too: the unwinder calls it with the real addresses in place. */
NOIPA _Unwind_Reason_Code collect(struct _Unwind_Context *ctx, void *arg)
{
	struct frames *f = (struct frames *)arg;

	if (f->n == MAX)
		return _URC_END_OF_STACK;
	f->ip[f->n++] = (void *)_Unwind_GetIP(ctx);
	return _URC_NO_REASON;
}

NOIPA void check(const char *const *want)
{
	struct frames f;

	f.n = backtrace(f.ip, MAX);
	show("backtrace", &f, want);
	f.n = 0;
	_Unwind_Backtrace(collect, &f);
	show("unwind", &f, want);
	/* A buffer too small: the innermost frames, as without the runtime. */
	f.n = backtrace(f.ip, 2);
	printf("backtrace2: %d %s\n", f.n, f.n ? name_of((char *)f.ip[0] - 1) : "-");
	sink++;
}

NOIPA void level3(const char *const *want)
{
	check(want);
	sink++;
}

NOIPA void sibling(void)
{
	sink++;
}

/* A frame larger than the trampoline's, mostly never written: stale
 * copies of the hook lie in it (the trampoline's, a returned callee's),
 * which are not the saved return address. */
NOIPA void level2(const char *const *want)
{
	volatile char big[1024];

	big[0] = 1;
	sibling();
	level3(want);
	sink += big[0];
}

NOIPA void level1(const char *const *want)
{
	level2(want);
	sink++;
}

static const char *const main_want[] = { "_Z5checkPKPKc", "_Z6level3PKPKc", "_Z6level2PKPKc",
					 "_Z6level1PKPKc", "main", NULL };
static const char *const thread_want[] = { "_Z5checkPKPKc", "_Z6level3PKPKc", "_Z6level2PKPKc",
					   "_Z6level1PKPKc", "_Z6workerPv", NULL };

NOIPA void *worker(void *)
{
	level1(thread_want);
	sink++;
	return nullptr;
}

int main(void)
{
	pthread_t t;

	level1(main_want);
	fflush(stdout);
	if (pthread_create(&t, nullptr, worker, nullptr) || pthread_join(t, nullptr))
		return 1;
	return 0;
}
