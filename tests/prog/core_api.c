// SPDX-License-Identifier: MIT
/*
 * The API a library user meets first (tests/cases/core_api.sh), run as
 * `core api_NAME`:
 *   graphs     several graph ops and a plain ops at once, each with its own
 *              filter and per-call data, exact counts; also under
 *              `dynftrace record -t function_graph` (record_api.sh)
 *   retval     dft_regs_set_retval() and dft_regs_get_return_address() in
 *              a return callback
 *   filter_ip  dft_set_filter_ip() on two static functions of one name
 *   update     dft_begin_update()/dft_end_update(): one patch round
 *   ignore     dft_ignore_current_thread()
 *   free       dft_free_ops()
 *   size       the size field of struct dft_ops and struct dft_graph_ops
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <dynftrace.h>

#include "check.h"
#include "core.h"

#ifdef __clang__
#define NOIPA __attribute__((noinline))
#else
#define NOIPA __attribute__((noipa))
#endif

/* The other static tf_dup is in core_funcs.c. */
static NOIPA int tf_dup(int x)
{
	return x * 3 + one;
}

/* ---- counting ---- */

struct gcount {
	struct dft_graph_ops g;
	unsigned long long tag;
	long entries, rets, bad_data, bad_depth, bad_ret;
	unsigned int depth; /* of the last entry (shared by all graph users) */
	unsigned long want_site; /* only count this function, 0: any */
	long set_retval;	 /* non-zero: make the function return it */
};

static int g_entry(const struct dft_graph_ent *ent, struct dft_graph_ops *gops,
		   struct dft_regs *regs)
{
	struct gcount *c = (struct gcount *)gops;

	if (c->want_site && ent->ip != c->want_site)
		return 0;
	__atomic_fetch_add(&c->entries, 1, __ATOMIC_RELAXED);
	/* Our own word: the tag and the return address, checked at return. */
	*ent->data = c->tag ^ ent->parent_ip;
	c->depth = ent->depth;
	return 1;
}

static void g_ret(const struct dft_graph_ret *ret, struct dft_graph_ops *gops,
		  struct dft_regs *regs)
{
	struct gcount *c = (struct gcount *)gops;

	__atomic_fetch_add(&c->rets, 1, __ATOMIC_RELAXED);
	if (ret->data != (c->tag ^ ret->parent_ip))
		__atomic_fetch_add(&c->bad_data, 1, __ATOMIC_RELAXED);
	if (ret->depth != c->depth) /* the calls are leaves */
		__atomic_fetch_add(&c->bad_depth, 1, __ATOMIC_RELAXED);
	if (regs && dft_regs_get_return_address(regs) != ret->parent_ip)
		__atomic_fetch_add(&c->bad_ret, 1, __ATOMIC_RELAXED);
	if (regs && c->set_retval)
		dft_regs_set_retval(regs, c->set_retval);
}

static void gcount_init(struct gcount *c, const char *filter, unsigned long long tag)
{
	memset(c, 0, sizeof(*c));
	c->g.entry = g_entry;
	c->g.ret = g_ret;
	c->tag = tag;
	if (filter)
		CHECK(!dft_set_filter(&c->g.ops, filter, 1), "graph filter %s", filter);
}

struct pcount {
	struct dft_ops ops;
	long calls;
};

static void p_call(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		   struct dft_regs *regs)
{
	__atomic_fetch_add(&((struct pcount *)ops)->calls, 1, __ATOMIC_RELAXED);
}

static void pcount_init(struct pcount *c, const char *filter)
{
	memset(c, 0, sizeof(*c));
	c->ops.func = p_call;
	if (filter)
		CHECK(!dft_set_filter(&c->ops, filter, 1), "filter %s", filter);
}

/* The graph needs entry sites (the return address where the entry has it). */
static int graph_possible(void)
{
	if (nonentry(tf_add) || nonentry(tf_mul)) {
		printf("skip: sites after the prologue have no function graph\n");
		return 0;
	}
	return 1;
}

static void __attribute__((noinline)) calls(int adds, int muls)
{
	for (int i = 0; i < adds; i++)
		tf_add(i, one);
	for (int i = 0; i < muls; i++)
		tf_mul(i, one);
}

/* ---- the tests ---- */

static void test_graphs(void)
{
	static struct gcount a, b, extra[8];
	struct pcount p;
	int n = 0;

	if (!graph_possible())
		return;
	gcount_init(&a, "tf_add tf_mul", 0xa0a0a0a0);
	gcount_init(&b, "tf_mul", 0xb0b0b0b0);
	pcount_init(&p, "tf_add");
	CHECK(!dft_register_graph(&a.g), "register graph a");
	CHECK(!dft_register_graph(&b.g), "register graph b (a second graph user)");
	CHECK(!dft_register_ops(&p.ops), "register ops");
	calls(10, 7);
	CHECK(a.entries == 17 && a.rets == 17, "a: %ld entries, %ld returns, want 17", a.entries,
	      a.rets);
	CHECK(b.entries == 7 && b.rets == 7, "b: %ld entries, %ld returns, want 7", b.entries,
	      b.rets);
	CHECK(p.calls == 10, "ops: %ld calls, want 10", p.calls);
	CHECK(!a.bad_data && !b.bad_data, "per-call data mixed up: %ld %ld", a.bad_data, b.bad_data);
	CHECK(!a.bad_depth && !b.bad_depth, "depths: %ld %ld", a.bad_depth, b.bad_depth);
	/* One shadow entry for a call both hook: the same depth. */
	CHECK(a.depth == b.depth, "depth of one call: %u for a, %u for b", a.depth, b.depth);
	CHECK(!a.bad_ret && !b.bad_ret, "return addresses: %ld %ld", a.bad_ret, b.bad_ret);
	CHECK(dft_register_graph(&a.g) == -EBUSY, "registered twice");

	/* More users, up to the limit. */
	for (n = 0; n < 8; n++) {
		gcount_init(&extra[n], "tf_mul", 0x1000 + n);
		if (dft_register_graph(&extra[n].g))
			break;
	}
	CHECK(n >= 5 && n < 8, "%d more graph users registered", n);
	calls(0, 3);
	for (int i = 0; i < n; i++) {
		CHECK(extra[i].entries == 3 && extra[i].rets == 3 && !extra[i].bad_data,
		      "user %d: %ld entries, %ld returns, %ld bad", i, extra[i].entries,
		      extra[i].rets, extra[i].bad_data);
		CHECK(!dft_unregister_graph(&extra[i].g), "unregister %d", i);
	}

	/* One user leaves: the others go on. */
	CHECK(!dft_unregister_graph(&b.g), "unregister b");
	calls(2, 2);
	CHECK(b.entries == 10 && b.rets == 10, "b after it left: %ld %ld", b.entries, b.rets);
	CHECK(a.entries == 24 && a.rets == 24, "a: %ld %ld, want 24", a.entries, a.rets);
	CHECK(p.calls == 12, "ops: %ld", p.calls);
	CHECK(!dft_unregister_graph(&a.g) && !dft_unregister_ops(&p.ops), "unregister");
	CHECK(!dft_free_ops(&a.g.ops) && !dft_free_ops(&b.g.ops) && !dft_free_ops(&p.ops), "free");
	printf("graphs ok: 2 graph ops, 1 ops, %d more graph users\n", n);
}

static void test_retval(void)
{
	struct gcount r;

	if (!graph_possible())
		return;
	gcount_init(&r, "tf_mul", 0x5e7);
	r.set_retval = 4242;
	CHECK(!dft_register_graph(&r.g), "register");
	CHECK(tf_mul(6, one) == 4242, "the return callback did not set the return value");
	CHECK(tf_add(6, one) == 7, "another function changed");
	CHECK(!r.bad_ret, "dft_regs_get_return_address() in a return callback");
	CHECK(!dft_unregister_graph(&r.g), "unregister");
	CHECK(tf_mul(6, one) == 6, "after unregister");
	CHECK(!dft_free_ops(&r.g.ops), "free");
	printf("retval ok\n");
}

static void test_filter_ip(void)
{
	unsigned long mine = (unsigned long)tf_dup, other = (unsigned long)tf_dup_other();
	struct pcount p;

	CHECK(mine != other, "two functions");
	pcount_init(&p, NULL);
	CHECK(!dft_set_filter_ip(&p.ops, mine, 0), "by address");
	CHECK(!dft_register_ops(&p.ops), "register");
	tf_dup(1);
	tf_dup_call(1);
	CHECK(p.calls == 1, "only ours: %ld", p.calls);
	CHECK(!dft_set_filter_ip(&p.ops, other, 0), "the other one too");
	tf_dup(1);
	tf_dup_call(1);
	CHECK(p.calls == 3, "both: %ld", p.calls);
	CHECK(!dft_set_filter_ip(&p.ops, mine, 1), "remove ours");
	tf_dup(1);
	tf_dup_call(1);
	CHECK(p.calls == 4, "only the other: %ld", p.calls);
	CHECK(dft_set_filter_ip(&p.ops, mine, 1) == -ENOENT, "removed twice");
	CHECK(dft_set_filter_ip(&p.ops, (unsigned long)&p, 0) == -ENOENT, "not a function");
	/* Names and addresses add up. */
	CHECK(!dft_set_filter(&p.ops, "tf_mul", 0), "and a name");
	tf_mul(1, one);
	tf_dup(1);
	CHECK(p.calls == 5, "by name too: %ld", p.calls);
	CHECK(!dft_unregister_ops(&p.ops) && !dft_free_ops(&p.ops), "unregister");
	printf("filter_ip ok\n");
}

/* The text patch rounds, counted where the runtime makes text writable. */
static int rounds;

int mprotect(void *addr, size_t len, int prot)
{
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC))
		__atomic_fetch_add(&rounds, 1, __ATOMIC_RELAXED);
	return syscall(SYS_mprotect, addr, len, prot);
}

static void test_update(void)
{
	struct pcount x, y;
	int base;

	pcount_init(&x, "tf_add");
	pcount_init(&y, "tf_mul");
	/* Without a transaction: one round per change. */
	base = rounds;
	CHECK(!dft_register_ops(&x.ops) && !dft_register_ops(&y.ops), "register");
	CHECK(!dft_set_filter(&x.ops, "tf_args6", 0), "filter");
	CHECK(rounds - base >= 3, "%d rounds for 3 changes", rounds - base);
	CHECK(!dft_unregister_ops(&x.ops) && !dft_unregister_ops(&y.ops), "unregister");
	calls(1, 1);
	CHECK(x.calls == 0 && y.calls == 0, "unregistered ops called");

	/* In one: the same changes, one round at the end. */
	base = rounds;
	CHECK(!dft_begin_update(), "begin");
	CHECK(!dft_register_ops(&x.ops), "register x");
	CHECK(!dft_register_ops(&y.ops), "register y");
	CHECK(!dft_set_filter(&x.ops, "tf_args6", 0), "filter");
	CHECK(!dft_begin_update() && !dft_end_update(), "nested");
	calls(1, 1);
	CHECK(x.calls == 0 && y.calls == 0, "patched before the end: %ld %ld", x.calls, y.calls);
	CHECK(rounds == base, "%d rounds before the end", rounds - base);
	CHECK(!dft_end_update(), "end");
	CHECK(rounds - base == 1, "%d rounds for a transaction, want 1", rounds - base);
	calls(2, 3);
	tf_args6(1, 2, 3, 4, 5, one);
	CHECK(x.calls == 3 && y.calls == 3, "after the end: %ld %ld", x.calls, y.calls);
	CHECK(dft_end_update() == -EINVAL, "end without begin");

	base = rounds;
	CHECK(!dft_begin_update(), "begin");
	CHECK(!dft_unregister_ops(&x.ops) && !dft_unregister_ops(&y.ops), "unregister");
	CHECK(!dft_end_update(), "end");
	CHECK(rounds - base == 1, "%d rounds to unregister two, want 1", rounds - base);
	calls(1, 1);
	CHECK(x.calls == 3 && y.calls == 3, "called after the end: %ld %ld", x.calls, y.calls);
	CHECK(!dft_free_ops(&x.ops) && !dft_free_ops(&y.ops), "free");
	printf("update ok\n");
}

static struct pcount ig;
static volatile int ig_phase;
static long ig_thread_calls;

static void *ignored_thread(void *arg)
{
	long before;

	CHECK(!dft_ignore_current_thread(1), "ignore");
	before = ig.calls;
	calls(5, 0);
	ig_thread_calls = ig.calls - before;
	/* The API still works on an ignored thread. */
	CHECK(!dft_set_filter(&ig.ops, "tf_add", 1), "API on an ignored thread");
	ig_phase = 1;
	while (ig_phase != 2)
		usleep(1000);
	CHECK(!dft_ignore_current_thread(0), "unignore");
	before = ig.calls;
	calls(4, 0);
	ig_thread_calls = ig.calls - before;
	return NULL;
}

static void test_ignore(void)
{
	pthread_t th;

	pcount_init(&ig, "tf_add");
	CHECK(!dft_register_ops(&ig.ops), "register");
	CHECK(pthread_create(&th, NULL, ignored_thread, NULL) == 0, "thread");
	while (ig_phase != 1)
		usleep(1000);
	CHECK(ig_thread_calls == 0, "an ignored thread was traced: %ld", ig_thread_calls);
	calls(3, 0);
	CHECK(ig.calls == 3, "the other thread: %ld", ig.calls);
	/* A grace period does not wait for the ignored thread. */
	CHECK(!dft_unregister_ops(&ig.ops) && !dft_register_ops(&ig.ops), "re-register");
	ig_phase = 2;
	pthread_join(th, NULL);
	CHECK(ig_thread_calls == 4, "after unignore: %ld", ig_thread_calls);
	CHECK(!dft_unregister_ops(&ig.ops) && !dft_free_ops(&ig.ops), "unregister");
	printf("ignore ok\n");
}

static void test_free(void)
{
	struct pcount p;

	pcount_init(&p, "tf_add");
	CHECK(!dft_set_notrace(&p.ops, "tf_mul", 0), "notrace");
	CHECK(!dft_set_filter_ip(&p.ops, (unsigned long)tf_mul, 0), "by address");
	CHECK(p.ops.internal, "filters allocate");
	CHECK(!dft_register_ops(&p.ops), "register");
	CHECK(dft_free_ops(&p.ops) == -EBUSY, "freed while registered");
	CHECK(!dft_unregister_ops(&p.ops), "unregister");
	CHECK(!dft_free_ops(&p.ops), "free");
	CHECK(!p.ops.internal, "still holds something");
	CHECK(!dft_free_ops(&p.ops), "free twice");
	/* Set up again: no filter is left over. */
	CHECK(!dft_set_filter(&p.ops, "tf_mul", 1), "filter again");
	CHECK(!dft_register_ops(&p.ops), "register again");
	calls(2, 3);
	CHECK(p.calls == 3, "old filters survived: %ld", p.calls);
	CHECK(!dft_unregister_ops(&p.ops) && !dft_free_ops(&p.ops), "unregister");
	printf("free ok\n");
}

static void test_size(void)
{
	struct {
		struct pcount p;
		char future[32]; /* fields of a later header */
	} big;
	struct gcount g;
	struct pcount p;

	pcount_init(&p, "tf_add");
	p.ops.size = 4;
	CHECK(dft_register_ops(&p.ops) == -EINVAL, "a too small dft_ops");
	p.ops.size = sizeof(p.ops);
	CHECK(!dft_register_ops(&p.ops) && !dft_unregister_ops(&p.ops), "sizeof(struct dft_ops)");
	memset(&big, 0, sizeof(big));
	big.p.ops.func = p_call;
	big.p.ops.size = sizeof(big.p.ops) + sizeof(big.future);
	CHECK(!dft_set_filter(&big.p.ops, "tf_add", 1), "filter");
	CHECK(!dft_register_ops(&big.p.ops), "a larger (later) dft_ops");
	calls(2, 0);
	CHECK(big.p.calls == 2, "calls %ld", big.p.calls);
	CHECK(!dft_unregister_ops(&big.p.ops) && !dft_free_ops(&big.p.ops), "unregister");
	if (graph_possible()) {
		gcount_init(&g, "tf_add", 1);
		g.g.size = 8;
		CHECK(dft_register_graph(&g.g) == -EINVAL, "a too small dft_graph_ops");
		g.g.size = sizeof(g.g);
		CHECK(!dft_register_graph(&g.g) && !dft_unregister_graph(&g.g), "graph size");
		CHECK(!dft_free_ops(&g.g.ops), "free");
	}
	CHECK(!dft_free_ops(&p.ops), "free");
	printf("size ok\n");
}

void test_api(const char *name)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "graphs", test_graphs }, { "retval", test_retval }, { "filter_ip", test_filter_ip },
		{ "update", test_update }, { "ignore", test_ignore }, { "free", test_free },
		{ "size", test_size },
	};

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!strcmp(name, tests[i].name)) {
			tests[i].fn();
			return;
		}
	}
	CHECK(0, "unknown api test '%s'", name);
}
