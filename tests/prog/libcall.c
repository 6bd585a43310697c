// Calls into libc from traced code, for tests/cases/trace_libcall.sh: each
// of 2 threads runs work() 5 times; work() calls malloc, free, read (from
// a pipe), pthread_mutex_lock and _unlock once each. Prints a checksum.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int fds[2];
static long total;

__attribute__((noinline)) static long work(int n)
{
	char *volatile p = malloc(n);
	char c = 0;

	p[0] = (char)n;
	if (read(fds[0], &c, 1) != 1)
		abort();
	pthread_mutex_lock(&mu);
	total += p[0] + c;
	pthread_mutex_unlock(&mu);
	free(p);
	return n;
}

__attribute__((noinline)) static void *thread_main(void *arg)
{
	for (int i = 1; i <= 5; i++)
		work(i + (int)(long)arg);
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pipe(fds) || write(fds[1], "aaaaaaaaaa", 10) != 10)
		return 1;
	pthread_create(&t, NULL, thread_main, (void *)10L);
	thread_main(NULL);
	pthread_join(t, NULL);
	printf("%ld\n", total);
	return 0;
}
