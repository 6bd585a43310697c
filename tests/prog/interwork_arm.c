/* The A32 half (built with -marm). */
#include "interwork.h"

int iw_arm_add(int a, int b)
{
	return a + b;
}

int iw_arm_calls_thumb(int a)
{
	return iw_thumb_mul(a, 3) + 1;
}

int iw_arm_v2(int a, int b)
{
	return 2000 + a + b;
}

double iw_arm_fp(double a, double b)
{
	return a * b;
}
