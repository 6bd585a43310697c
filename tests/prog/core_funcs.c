#include "core.h"

int tf_add(int a, int b)
{
	return a + b;
}

/* The replacement a live patch redirects tf_add to. */
int tf_add_v2(int a, int b)
{
	return a * b + 1000;
}

int tf_mul(int a, int b)
{
	return a * b;
}

long tf_args6(long a, long b, long c, long d, long e, long f)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f;
}

long tf_args8(long a, long b, long c, long d, long e, long f, long g, long h)
{
	return a + b + c + d + e + f + 7 * g + 8 * h;
}

double tf_fp8(double a, double b, double c, double d, double e, double f, double g, double h)
{
	return a + b + c + d + e + f + g + h;
}

double tf_mixed(int a, double b, long c, float d)
{
	return a + b + c + d;
}

int tf_recurse(int n)
{
	return n <= 0 ? 0 : 1 + tf_recurse(n - 1);
}

/* A static function of the same name as one in core_api.c. */
static __attribute__((noinline)) int tf_dup(int x)
{
	return x * 5 - 1;
}

void *tf_dup_other(void)
{
	return (void *)tf_dup;
}

int tf_dup_call(int x)
{
	return tf_dup(x) + 1;
}
