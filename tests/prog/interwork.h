/* Functions of tests/prog/interwork*.c: A32 ones (iw_arm_*) and Thumb-2
 * ones (iw_thumb_*) calling each other. */
#ifndef INTERWORK_H
#define INTERWORK_H

int iw_arm_add(int a, int b);
int iw_arm_calls_thumb(int a);
int iw_arm_v2(int a, int b);
double iw_arm_fp(double a, double b);
int iw_thumb_mul(int a, int b);
int iw_thumb_calls_arm(int a);
int iw_thumb_v2(int a, int b);
double iw_thumb_fp(double a, double b);

#endif
