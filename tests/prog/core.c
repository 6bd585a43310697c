/*
 * End-to-end tests of the core runtime: `core TEST`, exit 0 on success.
 * The runtime is linked in; the functions under test are in core_funcs.c,
 * built with the variant's site flags like this driver.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dynftrace.h>

#include "check.h"
#include "core.h"

/* ---- a counting ops ---- */

struct counter {
	struct dft_ops ops;
	unsigned long ips[16];
	long hits[16];
	long total;
	const char *parent; /* expected caller, or NULL */
};

static void count_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		     struct dft_regs *regs)
{
	struct counter *c = (struct counter *)ops;

	__atomic_fetch_add(&c->total, 1, __ATOMIC_RELAXED);
	if (c->parent)
		CHECK(!strcmp(name_of(parent_ip), c->parent), "parent %s, want %s",
		      name_of(parent_ip), c->parent);
	CHECK(dft_regs_get_return_address(regs) == parent_ip, "return address");
	for (int i = 0; i < 16; i++) {
		if (c->ips[i] == ip || !c->ips[i]) {
			c->ips[i] = ip;
			__atomic_fetch_add(&c->hits[i], 1, __ATOMIC_RELAXED);
			return;
		}
	}
}

static long hits(struct counter *c, void *func)
{
	unsigned long site = site_of(func);

	for (int i = 0; i < 16; i++)
		if (c->ips[i] == site)
			return c->hits[i];
	return 0;
}

static void counter_init(struct counter *c, const char *filter)
{
	memset(c, 0, sizeof(*c));
	c->ops.func = count_cb;
	if (filter)
		CHECK(!dft_set_filter(&c->ops, filter, 1), "filter %s", filter);
}

/* ---- tests ---- */

static int print_site(const struct dft_func_info *info, void *arg)
{
	const unsigned char *p = (const unsigned char *)info->site;

	printf("site %s %08x", info->name, info->state);
	/* Eight bytes: a site is up to two instructions (AArch64, ARM). */
	for (int i = 0; i < 8; i++)
		printf("%s%02x", i ? "" : " ", p[i]);
	printf("\n");
	return 0;
}

static void maps_exec(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	out[0] = 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "core") || strstr(line, "rwx"))
			strncat(out, line, len - strlen(out) - 1);
	fclose(f);
}

static void test_sites(void)
{
	static char before[8192], during[8192], after[8192];
	struct counter c;

	/* The shell checks the NOP bytes against the architecture's forms. */
	dft_for_each_function(print_site, NULL, 0);
	maps_exec(before, sizeof(before));
	CHECK(!strstr(before, "rwx"), "writable text at start-up:\n%s", before);
	counter_init(&c, NULL);
	CHECK(!dft_register_ops(&c.ops), "register");
	maps_exec(during, sizeof(during));
	printf("enabled\n");
	dft_for_each_function(print_site, NULL, 1);
	CHECK(!dft_unregister_ops(&c.ops), "unregister");
	maps_exec(after, sizeof(after));
	CHECK(!strcmp(before, during) && !strcmp(before, after),
	      "text protection changed:\n%s---\n%s---\n%s", before, during, after);
	printf("disabled\n");
	dft_for_each_function(print_site, NULL, 0);
}

static void __attribute__((noinline)) do_calls(int n)
{
	for (int i = 0; i < n; i++) {
		tf_add(i, one);
		if (i % 2)
			tf_mul(i, one);
	}
}

static void test_calls(void)
{
	struct counter c;

	counter_init(&c, "tf_add,tf_mul");
	c.parent = "do_calls";
	do_calls(10);
	CHECK(c.total == 0, "calls before register: %ld", c.total);
	CHECK(!dft_register_ops(&c.ops), "register");
	do_calls(1000);
	CHECK(hits(&c, tf_add) == 1000, "tf_add %ld", hits(&c, tf_add));
	CHECK(hits(&c, tf_mul) == 500, "tf_mul %ld", hits(&c, tf_mul));
	CHECK(c.total == 1500, "total %ld", c.total);
	CHECK(!dft_unregister_ops(&c.ops), "unregister");
	do_calls(100);
	CHECK(c.total == 1500, "calls after unregister: %ld", c.total);

	/* An empty filter: every function, the fast path. */
	counter_init(&c, NULL);
	CHECK(!dft_register_ops(&c.ops), "register all");
	do_calls(10);
	CHECK(hits(&c, tf_add) == 10 && hits(&c, tf_mul) == 5, "all: %ld %ld", hits(&c, tf_add),
	      hits(&c, tf_mul));
	CHECK(hits(&c, do_calls) == 1, "do_calls %ld", hits(&c, do_calls));
	CHECK(!dft_unregister_ops(&c.ops), "unregister all");
	printf("calls ok\n");
}

/* ---- registers ---- */

static long got_args[8];
static double got_fp[8];
static unsigned long got_sp, got_ret, got_parent, got_ip, got_regs_ip;

static void regs_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		    struct dft_regs *regs)
{
	for (int i = 0; i < 8; i++) {
		got_args[i] = dft_regs_get_arg(regs, i);
		got_fp[i] = dft_regs_get_fparg(regs, i);
	}
	got_sp = dft_regs_get_sp(regs);
	got_ret = dft_regs_get_return_address(regs);
	got_parent = parent_ip;
	got_ip = ip;
	got_regs_ip = dft_regs_get_ip(regs);
	if (ip == site_of(tf_add))
		dft_regs_set_arg(regs, 0, 100);
	if (ip == site_of(tf_fp8))
		dft_regs_set_fparg(regs, 7, 800.0);
}

static void test_regs(int flags)
{
	struct dft_ops ops = { .func = regs_cb, .flags = flags };
	unsigned long sp;
	long r;

	CHECK(!dft_set_filter(&ops, "tf_args6 tf_args8 tf_fp8 tf_add tf_mixed", 1), "filter");
	CHECK(!dft_register_ops(&ops), "register");

	r = tf_args6(1 * one, 2, 3, 4, 5, 6);
	CHECK(r == 91, "tf_args6 = %ld", r);
	for (int i = 0; i < 6 && !nonentry(tf_args6); i++)
		CHECK(got_args[i] == i + 1, "arg%d = %ld", i, got_args[i]);
	CHECK(got_ip == site_of(tf_args6), "ip %lx, site %lx", got_ip, site_of(tf_args6));
	CHECK(!strcmp(name_of(got_parent), "test_regs"), "parent %s", name_of(got_parent));
	CHECK(got_ret == got_parent, "return address %lx, parent_ip %lx", got_ret, got_parent);
	/* The sp at the site is within our own frame's reach. */
	sp = (unsigned long)__builtin_frame_address(0);
	CHECK(got_sp <= sp && sp - got_sp < 4096, "sp %lx, our frame %lx", got_sp, sp);
	CHECK(got_regs_ip > got_ip && got_regs_ip - got_ip <= 8, "regs ip %lx, site %lx",
	      got_regs_ip, got_ip);

	r = tf_args8(1 * one, 2, 3, 4, 5, 6, 7, 8);
	CHECK(r == 1 + 2 + 3 + 4 + 5 + 6 + 49 + 64, "tf_args8 = %ld", r);
	for (int i = 0; i < 8 && !nonentry(tf_args8); i++)
		CHECK(got_args[i] == i + 1, "stack arg%d = %ld", i, got_args[i]);

	double d = tf_fp8(0.5 * one, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5);
	for (int i = 0; i < 7 && !nonentry(tf_fp8); i++)
		CHECK(got_fp[i] == i + 0.5, "fparg%d = %g", i, got_fp[i]);
	/* fparg 7 was changed by the callback from 7.5 to 800. */
	CHECK(nonentry(tf_fp8) || d == 0.5 + 1.5 + 2.5 + 3.5 + 4.5 + 5.5 + 6.5 + 800.0,
	      "tf_fp8 = %g", d);

	d = tf_mixed(3 * one, 0.25, 7, 0.5f);
	CHECK(nonentry(tf_mixed) || (got_args[0] == 3 && got_args[1] == 7 && got_fp[0] == 0.25),
	      "mixed %ld %ld %g", got_args[0], got_args[1], got_fp[0]);
	CHECK(d == 10.75, "tf_mixed = %g", d);

	/* The callback changed argument 0 to 100 (after a prologue, the
	 * function may have read it already). */
	r = tf_add(1 * one, 2);
	CHECK(nonentry(tf_add) || r == 102, "tf_add with a changed argument = %ld", r);
	CHECK(!dft_unregister_ops(&ops), "unregister");
	r = tf_add(1 * one, 2);
	CHECK(r == 3, "tf_add after unregister = %ld", r);
	printf("regs ok\n");
}

/* ---- live patching ---- */

static void redirect_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			struct dft_regs *regs)
{
	dft_regs_set_ip(regs, (unsigned long)ops->private);
}

static void test_redirect(void)
{
	struct dft_ops patch = { .func = redirect_cb,
				 .flags = DFT_OPS_FL_SAVE_REGS | DFT_OPS_FL_IPMODIFY,
				 .private = (void *)tf_add_v2 };
	struct dft_ops other = patch;
	struct counter c;

	CHECK(tf_add(2 * one, 3) == 5, "before");
	CHECK(!dft_set_filter(&patch, "tf_add", 1), "filter");
	if (nonentry(tf_add)) {
		CHECK(dft_register_ops(&patch) == -EINVAL, "redirect after the prologue refused");
		printf("redirect refused\n");
		return;
	}
	CHECK(!dft_register_ops(&patch), "register the patch");
	CHECK(tf_add(2 * one, 3) == 1006, "redirected: %d", tf_add(2 * one, 3));

	other.internal = NULL;
	CHECK(!dft_set_filter(&other, "tf_add tf_mul", 1), "filter");
	CHECK(dft_register_ops(&other) == -EBUSY, "a second IPMODIFY ops must get -EBUSY");

	counter_init(&c, "tf_add");
	CHECK(!dft_register_ops(&c.ops), "a tracer on a patched function");
	CHECK(tf_add(2 * one, 3) == 1006, "still redirected");
	CHECK(hits(&c, tf_add) == 1, "the tracer sees the call: %ld", hits(&c, tf_add));
	CHECK(!dft_unregister_ops(&patch), "unregister the patch");
	CHECK(tf_add(2 * one, 3) == 5, "restored: %d", tf_add(2 * one, 3));
	CHECK(hits(&c, tf_add) == 2, "the tracer still sees calls: %ld", hits(&c, tf_add));
	CHECK(!dft_unregister_ops(&c.ops), "unregister the tracer");

	/* Now the second one may take the function. */
	CHECK(!dft_register_ops(&other), "register after the first left");
	CHECK(tf_add(2 * one, 3) == 1006 && tf_mul(2 * one, 3) == 1006, "second patch");
	CHECK(!dft_unregister_ops(&other), "unregister");
	printf("redirect ok\n");
}

/* ---- filters ---- */

static void test_filters(void)
{
	struct counter a, b;

	counter_init(&a, "tf_a*");
	CHECK(!dft_set_notrace(&a.ops, "tf_args8", 1), "notrace");
	counter_init(&b, "tf_add tf_mul");
	CHECK(!dft_register_ops(&a.ops) && !dft_register_ops(&b.ops), "register");
	tf_add(one, 1);
	tf_mul(one, 1);
	tf_args6(one, 2, 3, 4, 5, 6);
	tf_args8(one, 2, 3, 4, 5, 6, 7, 8);
	tf_fp8(one, 2, 3, 4, 5, 6, 7, 8);
	CHECK(hits(&a, tf_add) == 1 && hits(&a, tf_args6) == 1 && a.total == 2,
	      "a: add %ld args6 %ld total %ld", hits(&a, tf_add), hits(&a, tf_args6), a.total);
	CHECK(hits(&b, tf_add) == 1 && hits(&b, tf_mul) == 1 && b.total == 2,
	      "b: add %ld mul %ld total %ld", hits(&b, tf_add), hits(&b, tf_mul), b.total);

	/* Changing a registered ops' filter takes effect at once. */
	CHECK(!dft_set_filter(&b.ops, "tf_fp8", 0), "add to filter");
	tf_fp8(one, 2, 3, 4, 5, 6, 7, 8);
	CHECK(b.total == 3, "b after adding: %ld", b.total);
	CHECK(!dft_set_filter(&b.ops, "tf_mul", 1), "reset filter");
	tf_add(one, 1);
	tf_mul(one, 1);
	CHECK(b.total == 4 && a.total == 3, "b after reset: %ld, a %ld", b.total, a.total);
	CHECK(!dft_unregister_ops(&a.ops) && !dft_unregister_ops(&b.ops), "unregister");
	printf("filters ok\n");
}

/* ---- recursion ---- */

static int nested_ret;

static void recursive_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			 struct dft_regs *regs)
{
	struct counter *c = (struct counter *)ops;

	c->total++;
	/* A traced function called from a callback runs untraced. */
	tf_mul(one, 2);
	nested_ret = dft_register_ops(ops);
}

static void test_recursion(void)
{
	struct counter c;

	counter_init(&c, "tf_add tf_mul");
	c.ops.func = recursive_cb;
	CHECK(!dft_register_ops(&c.ops), "register");
	for (int i = 0; i < 10; i++)
		tf_add(i, one);
	CHECK(c.total == 10, "callbacks: %ld, want 10", c.total);
	CHECK(nested_ret == -EDEADLK, "the API from a callback: %d", nested_ret);
	CHECK(!dft_unregister_ops(&c.ops), "unregister");
	printf("recursion ok\n");
}

/* ---- dlopen ---- */

static void test_dlopen(const char *lib)
{
	struct counter c;
	int (*fn)(int);
	void *h;

	/* A module selector may name a library that is not loaded yet. */
	counter_init(&c, "lib:libcore_lib*.so:lib_fn");
	CHECK(dft_set_filter(&c.ops, "lib_fn", 0) == -ENOENT, "a plain glob with no match");
	CHECK(!dft_register_ops(&c.ops), "register");
	for (int round = 0; round < 3; round++) {
		h = dlopen(lib, RTLD_NOW);
		CHECK(h, "dlopen %s: %s", lib, dlerror());
		fn = (int (*)(int))dlsym(h, "lib_fn");
		CHECK(fn(one) == 43, "lib_fn");
		CHECK(c.total == round + 1, "round %d: %ld calls", round, c.total);
		int (*other)(int) = (int (*)(int))dlsym(h, "lib_other");
		other(one);
		CHECK(c.total == round + 1, "lib_other is filtered out");
		CHECK(!dlclose(h), "dlclose");
	}
	CHECK(!dft_unregister_ops(&c.ops), "unregister");
	printf("dlopen ok\n");
}

/* ---- stress ---- */

static volatile int stop;
static long thread_calls[2];

static void *hammer(void *arg)
{
	long *n = arg;

	while (!stop) {
		tf_add(one, 1);
		(*n)++;
	}
	return NULL;
}

static void test_stress(int rounds)
{
	struct counter a, b;
	pthread_t t[2];

	counter_init(&a, "tf_add");
	counter_init(&b, "tf_add");
	CHECK(!dft_register_ops(&a.ops), "register a");
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, hammer, &thread_calls[i]);
	for (int i = 0; i < rounds; i++) {
		switch (i % 4) {
		case 0:
			CHECK(!dft_register_ops(&b.ops), "register b");
			break;
		case 1:
			CHECK(!dft_set_filter(&b.ops, i % 8 == 1 ? "tf_mul" : "tf_a*", 1), "filter");
			break;
		case 2:
			CHECK(!dft_unregister_ops(&b.ops), "unregister b");
			break;
		case 3:
			CHECK(!dft_set_filter(&b.ops, "tf_add", 1), "filter back");
			break;
		}
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(!dft_unregister_ops(&a.ops), "unregister a");
	long calls = thread_calls[0] + thread_calls[1];
	printf("stress: %d rounds, %ld calls, a saw %ld\n", rounds, calls, a.total);
	CHECK(a.total == calls, "lost or doubled calls: made %ld, a saw %ld", calls, a.total);
	CHECK(calls > 0 && thread_calls[0] && thread_calls[1], "both threads ran");
}

/* ---- text that changes under running threads ---- */

static long pstress_calls[2];

static void *pstress_thread(void *arg)
{
	long *n = arg;

	while (!stop) {
		tf_add(one, 1);
		tf_mul(one, 1);
		__atomic_store_n(n, *n + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * Two threads call tf_add and tf_mul while their sites flip between NOP
 * and the plain caller (ops c on tf_mul) and between the plain and the
 * regs caller (ops b, SAVE_REGS, on both; ops a keeps tf_add traced and
 * must see every call). Run with DYNFTRACE_STATS=1, the case checks that
 * the patch protocol really ran: traps taken, threads parked.
 */
static void test_patch_stress(int rounds)
{
	struct counter a, b, c;
	pthread_t t[2];

	counter_init(&a, "tf_add");
	counter_init(&b, "tf_add tf_mul");
	b.ops.flags = DFT_OPS_FL_SAVE_REGS;
	counter_init(&c, "tf_mul");
	CHECK(!dft_register_ops(&a.ops), "register a");
	stop = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, pstress_thread, &pstress_calls[i]);
	for (int i = 0; i < rounds; i++) {
		struct dft_ops *o = i % 4 < 2 ? &b.ops : &c.ops;

		if (i % 2 == 0)
			CHECK(!dft_register_ops(o), "register round %d", i);
		else
			CHECK(!dft_unregister_ops(o), "unregister round %d", i);
		/* Each new ops is called by both threads before the text
		 * changes again (on a busy machine they might not run). */
		for (int k = 0; k < 2 && i % 2 == 0; k++) {
			long seen = __atomic_load_n(&pstress_calls[k], __ATOMIC_RELAXED);

			while (__atomic_load_n(&pstress_calls[k], __ATOMIC_RELAXED) == seen)
				sched_yield();
		}
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(!dft_unregister_ops(&a.ops), "unregister a");
	long calls = pstress_calls[0] + pstress_calls[1];
	/* By tf_add's ip: a lone filtered ops takes the fast path, which may
	 * call it once for a site just turned off (ops.c), here tf_mul's. */
	long add = hits(&a, tf_add);

	printf("patch_stress: %d rounds, %ld calls, a saw %ld of tf_add, b %ld, c %ld\n", rounds,
	       calls, add, b.total, c.total);
	CHECK(add == calls, "lost or doubled calls: made %ld, a saw %ld", calls, add);
	CHECK(pstress_calls[0] && pstress_calls[1], "both threads ran");
	CHECK(b.total && c.total, "the flipping ops were called");
}

/*
 * A SAVE_REGS + IPMODIFY ops registered and unregistered again and again
 * on tf_add, which ops a keeps on the plain caller, while two threads call
 * it. Each time the callback runs, its redirect must happen: a callback
 * called from the plain caller (its set published before the text moved
 * to the regs caller) gets a frame whose ip is not read back, so tf_add
 * would run instead of tf_add_v2.
 */
static long regs_race_cbs, regs_race_v2[2];

static void regs_race_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
			 struct dft_regs *regs)
{
	__atomic_fetch_add(&regs_race_cbs, 1, __ATOMIC_RELAXED);
	dft_regs_set_ip(regs, (unsigned long)tf_add_v2);
}

static void *regs_race_thread(void *arg)
{
	long *v2 = arg;

	while (!stop)
		if (tf_add(2 * one, 3) == 1006)
			__atomic_store_n(v2, *v2 + 1, __ATOMIC_RELAXED);
	return NULL;
}

static void test_regs_race(int rounds)
{
	struct dft_ops patch = { .func = regs_race_cb,
				 .flags = DFT_OPS_FL_SAVE_REGS | DFT_OPS_FL_IPMODIFY };
	struct counter a;
	pthread_t t[2];

	if (nonentry(tf_add)) {
		printf("regs_race: tf_add cannot be redirected\n");
		return;
	}
	counter_init(&a, "tf_add");
	CHECK(!dft_register_ops(&a.ops), "register a");
	CHECK(!dft_set_filter(&patch, "tf_add", 1), "filter");
	stop = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, regs_race_thread, &regs_race_v2[i]);
	for (int i = 0; i < rounds; i++) {
		CHECK(!dft_register_ops(&patch), "register the patch, round %d", i);
		sched_yield();
		CHECK(!dft_unregister_ops(&patch), "unregister the patch, round %d", i);
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(!dft_unregister_ops(&a.ops), "unregister a");
	long v2 = regs_race_v2[0] + regs_race_v2[1];

	printf("regs_race: %d rounds, %ld callbacks, %ld redirected calls, %ld calls\n", rounds,
	       regs_race_cbs, v2, hits(&a, tf_add));
	CHECK(regs_race_cbs == v2, "%ld callbacks but %ld redirected calls: a SAVE_REGS "
	      "callback ran without a full frame", regs_race_cbs, v2);
	CHECK(regs_race_cbs > 0, "the patch was never called");
}

/* ---- the API from a callback, while another thread updates ---- */

static void nop_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		   struct dft_regs *regs);

static long api_cb_calls;

static int first_site(const struct dft_func_info *info, void *arg)
{
	return 1;
}

static void api_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		   struct dft_regs *regs)
{
	struct dft_func_info info;

	/* An unregister on the main thread holds the runtime's lock while it
	 * waits for this callback to return. */
	CHECK(!dft_lookup_function(ip, &info) && !strcmp(info.name, "tf_add"),
	      "lookup from a callback");
	if (__atomic_fetch_add(&api_cb_calls, 1, __ATOMIC_RELAXED) < 2) {
		struct dft_ops other = { .func = nop_cb };
		struct dft_graph_ops g = { 0 };

		CHECK(dft_register_ops(&other) == -EDEADLK, "register from a callback");
		CHECK(dft_unregister_ops(ops) == -EDEADLK, "unregister from a callback");
		CHECK(dft_set_filter(ops, "tf_mul", 1) == -EDEADLK, "filter from a callback");
		CHECK(dft_set_notrace(ops, "tf_mul", 1) == -EDEADLK, "notrace from a callback");
		CHECK(dft_for_each_function(first_site, NULL, 0) == -EDEADLK,
		      "for_each from a callback");
		g.entry = (void *)nop_cb;
		CHECK(dft_register_graph(&g) == -EDEADLK, "register_graph from a callback");
		CHECK(dft_unregister_graph(&g) == -EDEADLK, "unregister_graph from a callback");
	}
}

static void on_alarm(int sig)
{
	static const char msg[] = "deadlock: one register/unregister round took 60 s\n";

	write(2, msg, sizeof(msg) - 1);
	_exit(3);
}

static void test_api_callback(int rounds)
{
	struct dft_ops a = { .func = api_cb }, b = { .func = nop_cb };
	pthread_t t[2];

	signal(SIGALRM, on_alarm);
	CHECK(!dft_set_filter(&a, "tf_add", 1), "filter a");
	CHECK(!dft_set_filter(&b, "tf_mul", 1), "filter b");
	CHECK(!dft_register_ops(&a), "register a");
	stop = 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, hammer, &thread_calls[i]);
	for (int i = 0; i < rounds; i++) {
		alarm(60);
		CHECK(!dft_register_ops(&b), "register b");
		CHECK(!dft_unregister_ops(&b), "unregister b");
	}
	stop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	CHECK(!dft_unregister_ops(&a), "unregister a");
	alarm(0);
	CHECK(api_cb_calls > 0, "no callback ran");
	printf("api_callback: %d rounds, %ld callbacks\n", rounds, api_cb_calls);
}

/* ---- threads that block every signal, while the text changes ---- */

static void on_usr2(int sig)
{
	for (int i = 0; i < 50; i++)
		tf_add(one, 1);
}

/* Blocks everything the way programs do, then calls a traced function. */
static void *blocker(void *arg)
{
	long kind = (long)arg;
	sigset_t all;

	sigfillset(&all);
	if (kind == 0) {
		CHECK(!pthread_sigmask(SIG_BLOCK, &all, NULL), "pthread_sigmask");
	} else if (kind == 1) {
		CHECK(!sigprocmask(SIG_BLOCK, &all, NULL), "sigprocmask");
		CHECK(signalfd(-1, &all, SFD_CLOEXEC) >= 0, "signalfd");
	} else {
		/* Traced code in a handler whose sa_mask holds every signal. */
		struct sigaction sa = { .sa_handler = on_usr2 };

		sa.sa_mask = all;
		CHECK(!sigaction(SIGUSR2, &sa, NULL), "sigaction");
		while (!stop)
			pthread_kill(pthread_self(), SIGUSR2);
		return NULL;
	}
	while (!stop)
		tf_add(one, 1);
	return NULL;
}

static void test_sigblock(int rounds)
{
	struct dft_ops b = { .func = nop_cb };
	pthread_t t[3];

	CHECK(!dft_set_filter(&b, "tf_add", 1), "filter");
	stop = 0;
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, blocker, (void *)i);
	signal(SIGALRM, on_alarm);
	for (int i = 0; i < rounds; i++) {
		alarm(60);
		CHECK(!dft_register_ops(&b), "register");
		CHECK(!dft_unregister_ops(&b), "unregister");
	}
	alarm(0);
	stop = 1;
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("sigblock: %d rounds\n", rounds);
}

/* ---- fork ---- */

static void test_fork(void)
{
	struct counter a, b;
	int status;
	pid_t pid;

	counter_init(&a, "tf_add");
	CHECK(!dft_register_ops(&a.ops), "register");
	tf_add(one, 1);
	pid = fork();
	if (!pid) {
		tf_add(one, 1);
		CHECK(a.total == 2, "child inherits the ops: %ld", a.total);
		CHECK(!dft_unregister_ops(&a.ops), "child unregisters");
		tf_add(one, 1);
		CHECK(a.total == 2, "child after unregister: %ld", a.total);
		counter_init(&b, "tf_mul");
		CHECK(!dft_register_ops(&b.ops), "child registers its own");
		tf_mul(one, 1);
		CHECK(b.total == 1, "child's own ops: %ld", b.total);
		_exit(0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status),
	      "child failed: status %#x", status);
	tf_add(one, 1);
	tf_mul(one, 1);
	CHECK(a.total == 2, "parent unaffected by the child: %ld", a.total);
	CHECK(!dft_unregister_ops(&a.ops), "unregister");
	printf("fork ok\n");
}

/* ---- bad input ---- */

static void nop_cb(unsigned long ip, unsigned long parent_ip, struct dft_ops *ops,
		   struct dft_regs *regs)
{
}

static void test_errors(void)
{
	struct dft_ops ops = { .func = nop_cb };
	struct dft_ops ipm = { .func = nop_cb, .flags = DFT_OPS_FL_IPMODIFY };
	struct dft_ops unknown = { .func = nop_cb };

	CHECK(dft_set_filter(&ops, "no_such_function_xyz", 1) == -ENOENT, "no match");
	CHECK(dft_set_filter(&ops, "tf_[abc", 1) == -EINVAL, "invalid glob");
	CHECK(dft_set_filter(&ops, "lib:[x", 1) == -EINVAL, "invalid module glob");
	CHECK(dft_register_ops(&ipm) == -EINVAL, "IPMODIFY without SAVE_REGS");
	ipm.flags |= DFT_OPS_FL_SAVE_REGS;
	CHECK(dft_register_ops(&ipm) == -EINVAL, "IPMODIFY without a filter");
	CHECK(dft_unregister_ops(&unknown) == -ENOENT, "unregister an unknown ops");
	CHECK(dft_register_ops(NULL) == -EINVAL, "NULL ops");
	ops.flags = 1UL << 20;
	CHECK(dft_register_ops(&ops) == -EINVAL, "unknown flags");
	ops.flags = 0;
	CHECK(!dft_set_filter(&ops, "tf_add", 1), "valid after errors");
	CHECK(!dft_register_ops(&ops), "register");
	CHECK(dft_register_ops(&ops) == -EBUSY, "register twice");
	CHECK(!dft_unregister_ops(&ops), "unregister");
	printf("errors ok\n");
}

/* ---- the program's own trap handler, and signal handlers ---- */

static volatile int app_traps;
static struct counter sigc;

static void app_trap(int sig)
{
	app_traps++;
}

static void on_usr1(int sig)
{
	tf_mul(one, 3);
}

static void test_signals(void)
{
	struct sigaction sa = { .sa_handler = app_trap }, old;

	sigemptyset(&sa.sa_mask);
	CHECK(!sigaction(SIGTRAP, &sa, NULL), "install a SIGTRAP handler");
	CHECK(!sigaction(SIGTRAP, NULL, &old) && old.sa_handler == app_trap,
	      "sigaction reports the program's handler");
	counter_init(&sigc, "tf_add tf_mul");
	for (int i = 0; i < 50; i++) {
		CHECK(!dft_register_ops(&sigc.ops), "register");
		raise(SIGTRAP);
		tf_add(one, 1);
		CHECK(!dft_unregister_ops(&sigc.ops), "unregister");
	}
	CHECK(app_traps == 50, "the program's SIGTRAP handler ran %d times, want 50", app_traps);
	CHECK(sigc.total == 50, "calls %ld", sigc.total);

	/* A handler running traced code. */
	signal(SIGUSR1, on_usr1);
	CHECK(!dft_register_ops(&sigc.ops), "register");
	for (int i = 0; i < 20; i++)
		raise(SIGUSR1);
	CHECK(hits(&sigc, tf_mul) == 20, "calls from signal handlers: %ld", hits(&sigc, tf_mul));
	CHECK(!dft_unregister_ops(&sigc.ops), "unregister");
	printf("signals ok\n");
}

int main(int argc, char **argv)
{
	const char *t = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(t, "sites"))
		test_sites();
	else if (!strcmp(t, "calls"))
		test_calls();
	else if (!strcmp(t, "regs"))
		test_regs(DFT_OPS_FL_SAVE_REGS);
	else if (!strcmp(t, "args"))
		test_regs(0); /* arguments through the plain caller */
	else if (!strcmp(t, "redirect"))
		test_redirect();
	else if (!strcmp(t, "filters"))
		test_filters();
	else if (!strcmp(t, "recursion"))
		test_recursion();
	else if (!strcmp(t, "dlopen"))
		test_dlopen(argc > 2 ? argv[2] : "libcore_lib.so");
	else if (!strcmp(t, "stress"))
		test_stress(argc > 2 ? atoi(argv[2]) : 10000);
	else if (!strcmp(t, "api_callback"))
		test_api_callback(argc > 2 ? atoi(argv[2]) : 2000);
	else if (!strcmp(t, "patch_stress"))
		test_patch_stress(argc > 2 ? atoi(argv[2]) : 2000);
	else if (!strcmp(t, "regs_race"))
		test_regs_race(argc > 2 ? atoi(argv[2]) : 2000);
	else if (!strcmp(t, "sigblock"))
		test_sigblock(argc > 2 ? atoi(argv[2]) : 2000);
	else if (!strcmp(t, "fork"))
		test_fork();
	else if (!strcmp(t, "errors"))
		test_errors();
	else if (!strcmp(t, "signals"))
		test_signals();
	else if (!strncmp(t, "api_", 4))
		test_api(t + 4);
	else
		CHECK(0, "unknown test '%s'", t);
	return 0;
}
