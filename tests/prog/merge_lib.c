/*
 * A library whose constructor starts threads that run its own functions in
 * a tight loop: they are inside the call sites (gcc's five 1-byte NOPs on
 * x86-64, three Thumb NOPs) when the runtime normalises them after dlopen().
 * The destructor stops and joins them before the library goes away.
 */
#include <pthread.h>

#define F(n)                                                                                       \
	__attribute__((noinline)) int mf##n(int x)                                                 \
	{                                                                                          \
		return x + n;                                                                      \
	}
#define F8(n) F(n##0) F(n##1) F(n##2) F(n##3) F(n##4) F(n##5) F(n##6) F(n##7)
F8(1)
F8(2)
F8(3)
F8(4)

#define C(n) mf##n(x)
#define C8(n) C(n##0) + C(n##1) + C(n##2) + C(n##3) + C(n##4) + C(n##5) + C(n##6) + C(n##7)

static volatile int stop;
static volatile long sink;
static pthread_t threads[2];
static int started;

static void *spin(void *arg)
{
	volatile int x = 1;

	while (!stop)
		sink += C8(1) + C8(2) + C8(3) + C8(4);
	return arg;
}

__attribute__((constructor)) static void merge_lib_start(void)
{
	for (int i = 0; i < 2; i++)
		started += !pthread_create(&threads[i], NULL, spin, NULL);
}

__attribute__((destructor)) static void merge_lib_stop(void)
{
	stop = 1;
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
}
