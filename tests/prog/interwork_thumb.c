/* The Thumb-2 half (built with -mthumb). */
#include "interwork.h"

int iw_thumb_mul(int a, int b)
{
	return a * b;
}

int iw_thumb_calls_arm(int a)
{
	return iw_arm_add(a, 5) * 2;
}

int iw_thumb_v2(int a, int b)
{
	return 1000 + a * b;
}

double iw_thumb_fp(double a, double b)
{
	return a - b;
}
