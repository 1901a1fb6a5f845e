/* make bench, part 6: how fast mallory finds the seed of a weakened peer
 * (lib/mlab_rng.h, issue 12), one core, medians of RUNS runs:
 *   - the nonce test alone (seeds per second), over a window where nothing
 *     matches;
 *   - one confirmation (the key from the seed's bytes, mlab_dh_keygen_from),
 *     per group;
 *   - the whole pid window 1..32768 in the worst case (the seed is the last
 *     one) and a ±1 h time window (7201 seeds, the seed the last), for
 *     x25519 and ffdhe2048, confirmation included.
 * Asserts nothing about speed; exits non-zero only when a search fails to
 * find the seed it was given. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlab_group.h"
#include "mlab_rng.h"

#define RUNS 7
#define NONCE_SEEDS (UINT64_C(1) << 24)
#define CAPTURE UINT64_C(1767225600) /* 2026-01-01T00:00:00Z: fixed, so runs compare */

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

static double median(double *t, int n)
{
	qsort(t, (size_t)n, sizeof t[0], cmp);
	return t[n / 2];
}

/* Seeds per second of the nonce test: a nonce no seed gives (all 0xEE) over
 * NONCE_SEEDS seeds, so every seed is rejected after its first output. */
static int bench_nonce_test(void)
{
	const struct mlab_group *g = mlab_group_by_name("x25519");
	uint8_t nonce[32], share[32] = {0};
	struct mlab_rng_crack c = {MLAB_RNG_TIME, 1, NONCE_SEEDS};
	double t[RUNS];
	uint64_t tried = 0;

	memset(nonce, 0xEE, sizeof nonce);
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ms();
		if (mlab_rng_crack(&c, nonce, g, share, sizeof share, NULL, NULL, &tried) != 1 || tried != NONCE_SEEDS)
			return 1;
		t[r] = now_ms() - t0;
	}
	double ms = median(t, RUNS);
	printf("rng nonce test               %7.1f M seeds/s   (%.1f ns/seed; %llu seeds in %.1f ms, median of %d)\n",
	       (double)NONCE_SEEDS / ms / 1e3, ms * 1e6 / (double)NONCE_SEEDS, (unsigned long long)NONCE_SEEDS, ms,
	       RUNS);
	return 0;
}

/* One key from a seed's bytes, as each confirmation makes one. */
static int bench_confirm(const char *name)
{
	const struct mlab_group *g = mlab_group_by_name(name);
	double t[RUNS];

	for (int r = 0; r < RUNS; r++) {
		struct mlab_rng rng;
		struct mlab_dh dh;
		mlab_rng_seeded(&rng, MLAB_RNG_PID, (uint64_t)r + 1);
		double t0 = now_ms();
		int e = mlab_dh_keygen_rng(g, &rng, &dh);
		t[r] = now_ms() - t0;
		mlab_dh_free(&dh);
		if (e != 0)
			return 1;
	}
	printf("rng confirmation %-11s %9.3f ms         (one key from %zu seed bytes, median of %d)\n", name,
	       median(t, RUNS), mlab_dh_priv_len(g), RUNS);
	return 0;
}

/* The worst case of a window: the peer's seed is its last. */
static int bench_window(const char *name, enum mlab_rng_kind kind, const char *what)
{
	const struct mlab_group *g = mlab_group_by_name(name);
	struct mlab_rng_crack c;
	struct mlab_rng rng;
	struct mlab_dh peer, got;
	uint8_t nonce[32];
	double t[RUNS];
	uint64_t seed = 0, tried = 0;
	int rc = 0;

	mlab_rng_crack_window(&c, kind, CAPTURE);
	mlab_rng_seeded(&rng, kind, c.hi);
	if (mlab_rng_bytes(&rng, nonce, sizeof nonce) != 0 || mlab_dh_keygen_rng(g, &rng, &peer) != 0)
		return 1;
	for (int r = 0; r < RUNS && rc == 0; r++) {
		double t0 = now_ms();
		int e = mlab_rng_crack(&c, nonce, g, peer.pub, peer.pub_len, &seed, &got, &tried);
		t[r] = now_ms() - t0;
		if (e != 0 || seed != c.hi) {
			printf("FAIL rng %s %s: the search did not find seed %llu\n", name, what,
			       (unsigned long long)c.hi);
			rc = 1;
		}
		mlab_dh_free(&got);
	}
	if (rc == 0)
		printf("rng %-4s window %-11s %9.3f ms         (%s, %llu seeds, worst case, median of %d)\n",
		       mlab_rng_kind_name(kind), name, median(t, RUNS), what, (unsigned long long)tried, RUNS);
	mlab_dh_free(&peer);
	return rc;
}

int main(void)
{
	int rc = 0;

	printf("seed search against a weakened peer's randomness (lib/mlab_rng.h), one core:\n");
	rc |= bench_nonce_test();
	rc |= bench_confirm("x25519");
	rc |= bench_confirm("ffdhe2048");
	rc |= bench_confirm("ffdhe3072");
	rc |= bench_confirm("lab-48");
	rc |= bench_window("x25519", MLAB_RNG_PID, "pid 1..32768");
	rc |= bench_window("ffdhe2048", MLAB_RNG_PID, "pid 1..32768");
	rc |= bench_window("x25519", MLAB_RNG_TIME, "time ±3600 s");
	rc |= bench_window("ffdhe2048", MLAB_RNG_TIME, "time ±3600 s");
	if (rc)
		puts("FAIL rng: a benchmark step failed");
	return rc;
}
