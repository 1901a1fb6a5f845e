/* What every `make bench` program needs: a monotonic clock, medians and a
 * one-line spread. No cmocka, no assertions: benchmarks print figures. */
#ifndef TEST_BENCH_UTIL_H
#define TEST_BENCH_UTIL_H

#include <stddef.h>

/* CLOCK_MONOTONIC in microseconds. */
double bench_now_us(void);
/* qsort comparator for doubles. */
int bench_cmp_double(const void *a, const void *b);
/* Sorts v (n >= 1) and returns its median. */
double bench_median(double *v, size_t n);
/* Sorts v and prints "  WHAT  median M us   p10 A   p90 B   (n=N)". */
void bench_report_us(const char *what, double *v, size_t n);

#endif
