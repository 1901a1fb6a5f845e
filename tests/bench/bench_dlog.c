/* make bench, part 3: how long mallory needs to break each weak lab group
 * (mallory/dlog.c), on keys made the way the peers make them. Medians of a
 * few solves; asserts nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/bn.h>

#include "dlog.h"
#include "mlab_group.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	size_t n;
	const struct mlab_group *const *all = mlab_group_all(&n);
	puts("discrete logarithm in the weak lab groups (mallory/dlog.c), one core:");
	for (size_t i = 0; i < n; i++) {
		const struct mlab_group *g = all[i];
		BIGNUM *p = NULL, *q = NULL, *gen = NULL;
		double t[7];
		uint64_t steps[7];
		int runs = 7, ok = 0;

		if (!g->weak || mlab_lab_params(g, &p, &q, &gen) != 0)
			continue;
		BN_CTX *ctx = BN_CTX_new();
		for (int r = 0; r < runs; r++) {
			BIGNUM *x = BN_new(), *y = BN_new(), *found = BN_new();
			if (BN_rand_range(x, q) == 1 && BN_mod_exp(y, gen, x, p, ctx) == 1) {
				double t0 = now_ms();
				if (dlog_solve_ex(gen, y, p, q, found, UINT64_C(1) << 36, &steps[ok]) == 0 &&
				    BN_cmp(found, x) == 0)
					t[ok++] = now_ms() - t0;
			}
			BN_free(x);
			BN_free(y);
			BN_free(found);
		}
		if (ok) {
			qsort(t, (size_t)ok, sizeof t[0], cmp);
			printf("  %-14s %2u-bit modulus  median %9.2f ms  max %9.2f ms  (%d/%d solved)\n", g->name, g->bits,
			       t[ok / 2], t[ok - 1], ok, runs);
		} else {
			printf("  %-14s not solved\n", g->name);
		}
		BN_CTX_free(ctx);
		BN_free(p);
		BN_free(q);
		BN_free(gen);
	}
	return 0;
}
