/* See bench_util.h. */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double bench_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof *v, bench_cmp_double);
	return v[n / 2];
}

void bench_report_us(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof *v, bench_cmp_double);
	printf("  %-34s median %9.1f us   p10 %9.1f   p90 %9.1f   (n=%zu)\n", what, v[n / 2], v[n / 10], v[n * 9 / 10],
	       n);
}
