/* Functions under test, in their own translation unit so that the driver
 * cannot see through them (no inlining, no constant folding). */
#ifndef CORE_H
#define CORE_H

int tf_add(int a, int b);
int tf_add_v2(int a, int b);
int tf_mul(int a, int b);
long tf_args6(long a, long b, long c, long d, long e, long f);
long tf_args8(long a, long b, long c, long d, long e, long f, long g, long h);
double tf_fp8(double a, double b, double c, double d, double e, double f, double g, double h);
double tf_mixed(int a, double b, long c, float d);
int tf_recurse(int n);

#define CORE_NR_FUNCS 8

/* core_funcs.c's static tf_dup (core_api.c has another), and a caller. */
void *tf_dup_other(void);
int tf_dup_call(int x);

/* core_api.c: `core api_NAME`. */
void test_api(const char *name);

#endif
