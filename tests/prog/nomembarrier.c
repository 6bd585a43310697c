/*
 * LD_PRELOADed: membarrier(2) fails with ENOSYS, as on kernels before 4.14
 * or under a seccomp filter. The runtime calls it through syscall().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

long syscall(long nr, ...)
{
	long a[6];
	va_list ap;

	if (nr == SYS_membarrier) {
		errno = ENOSYS;
		return -1;
	}
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	/* The raw instruction is not reachable from C: the libc one is. */
	long (*real)(long, ...) = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");

	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
