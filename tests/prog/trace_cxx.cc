// SPDX-License-Identifier: MIT
/*
 * C++ exceptions through traced frames (tests/cases/trace_graph_cxx.sh):
 * the unwinder must find the real return addresses, cleanups run in the
 * frames being unwound, and the frames that catch must be traced again.
 */
#include <pthread.h>
#include <stdexcept>
#include <stdio.h>
#include <string.h>

#include "trace_prog.h"

volatile int sink;

/* Not pure: clang drops calls of pure functions whose value is unused. */
NOIPA int leaf(int x)
{
	sink++;
	return x + 1;
}

NOIPA void cleanup_fn()
{
	sink++;
}

struct Guard {
	NOIPA ~Guard()
	{
		cleanup_fn();
	}
};

NOIPA void thrower(int x)
{
	leaf(x);
	throw std::runtime_error("thrown");
}

NOIPA void middle(int x)
{
	Guard g;
	thrower(x);
	sink++;
}

NOIPA int catcher(int x)
{
	try {
		middle(x);
	} catch (const std::exception &e) {
		return leaf(100);
	}
	return 0;
}

NOIPA int rethrower(int x)
{
	try {
		middle(x);
	} catch (...) {
		cleanup_fn();
		throw;
	}
	return 0;
}

NOIPA int outer_catch(int x)
{
	try {
		rethrower(x);
	} catch (const std::exception &) {
		return 7;
	}
	return 0;
}

NOIPA int same_frame(int x)
{
	try {
		if (x)
			throw 5;
	} catch (int v) {
		return leaf(v);
	}
	return 0;
}

/* A cleanup that throws and catches while another exception is being
 * unwound through it: the frames above stay unwindable for that one. */
NOIPA void inner_throw()
{
	leaf(2);
	throw 3;
}

struct Logger {
	NOIPA ~Logger()
	{
		try {
			inner_throw();
		} catch (int) {
			cleanup_fn();
		}
	}
};

NOIPA void nest_inner()
{
	Logger l;
	thrower(1);
}

NOIPA int nest_outer()
{
	try {
		nest_inner();
	} catch (const std::exception &) {
		return leaf(10);
	}
	return 0;
}

/* pthread_exit unwinds with the same unwinder: Guard must run. */
NOIPA void te_inner()
{
	Guard g;
	leaf(1);
	pthread_exit((void *)42L);
}

NOIPA void *te_thread(void *)
{
	te_inner();
	return nullptr;
}

/* pthread_cancel unwinds the thread from inside glibc: every Guard runs. */
static pthread_barrier_t cancel_ready;

NOIPA void cancel_inner()
{
	Guard g;

	pthread_barrier_wait(&cancel_ready);
	for (;;)
		pthread_testcancel();
}

NOIPA void cancel_mid()
{
	Guard g;

	cancel_inner();
	sink++;
}

NOIPA void *cancel_thread(void *)
{
	Guard g;

	cancel_mid();
	return nullptr;
}

NOIPA int scen_exceptions()
{
	return catcher(1) + outer_catch(2) + same_frame(3);
}

NOIPA int scen_threadexit()
{
	pthread_t t;
	void *ret;

	if (pthread_create(&t, nullptr, te_thread, nullptr) || pthread_join(t, &ret))
		return -1;
	return (int)(long)ret + sink;
}

NOIPA int scen_nested()
{
	int r = nest_outer();

	return r * 100 + sink;
}

NOIPA int scen_cancel()
{
	pthread_t t;
	void *ret;

	pthread_barrier_init(&cancel_ready, nullptr, 2);
	if (pthread_create(&t, nullptr, cancel_thread, nullptr))
		return -1;
	pthread_barrier_wait(&cancel_ready);
	if (pthread_cancel(t) || pthread_join(t, &ret))
		return -1;
	return (ret == PTHREAD_CANCELED) * 100 + sink;
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "exceptions";
	int r;

	if (!strcmp(s, "exceptions"))
		r = scen_exceptions();
	else if (!strcmp(s, "nested"))
		r = scen_nested();
	else if (!strcmp(s, "cancel"))
		r = scen_cancel();
	else if (!strcmp(s, "threadexit"))
		r = scen_threadexit();
	else
		return 2;
	printf("%s %d\n", s, r);
	return 0;
}
