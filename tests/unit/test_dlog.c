/* Unit tests for mallory/dlog: known logarithms recovered in every WEAK lab
 * group (x chosen, y = g^x, solve, compare), hostile or impossible inputs fail
 * cleanly, a step limit gives MLAB_E_TIMEOUT. Times go to stderr (not
 * asserted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/bn.h>

#include "dlog.h"
#include "mlab_err.h"
#include "mlab_group.h"

#define BUDGET ((uint64_t)1 << 28)

struct params {
	BIGNUM *p, *q, *g;
};

static void get(const char *name, struct params *pp)
{
	const struct mlab_group *grp = mlab_group_by_name(name);
	assert_non_null(grp);
	assert_int_equal(mlab_lab_params(grp, &pp->p, &pp->q, &pp->g), 0);
}

static void put(struct params *pp)
{
	BN_free(pp->p);
	BN_free(pp->q);
	BN_free(pp->g);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Solves y = g^x for the given x, compares. */
static void solve_known(const char *name, struct params *pp, const BIGNUM *x)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *y = BN_new(), *got = BN_new(), *xr = BN_new();
	uint64_t steps = 0;
	assert_true(BN_mod(xr, x, pp->q, ctx) && BN_mod_exp(y, pp->g, xr, pp->p, ctx));
	double t0 = now();
	assert_int_equal(dlog_solve_ex(pp->g, y, pp->p, pp->q, got, BUDGET, &steps), 0);
	double t1 = now();
	assert_int_equal(BN_cmp(got, xr), 0);
	char *hx = BN_bn2hex(xr);
	fprintf(stderr, "  dlog %-14s x=%-18s %10llu steps %8.3f s\n", name, hx, (unsigned long long)steps, t1 - t0);
	OPENSSL_free(hx);
	BN_free(y);
	BN_free(got);
	BN_free(xr);
	BN_CTX_free(ctx);
}

static void test_known_small(void **state)
{
	(void)state;
	const char *names[] = {"lab-32", "lab-64-smooth"};
	for (size_t i = 0; i < 2; i++) {
		struct params pp;
		get(names[i], &pp);
		BIGNUM *x = BN_new();
		/* Edge exponents and random ones. */
		assert_true(BN_set_word(x, 0));
		solve_known(names[i], &pp, x);
		assert_true(BN_set_word(x, 1));
		solve_known(names[i], &pp, x);
		assert_true(BN_sub(x, pp.q, BN_value_one()));
		solve_known(names[i], &pp, x);
		for (int r = 0; r < 3; r++) {
			assert_true(BN_rand_range(x, pp.q));
			solve_known(names[i], &pp, x);
		}
		BN_free(x);
		put(&pp);
	}
}

/* lab-48: Pollard rho over a 47-bit prime order (~2^24 steps): one solve. */
static void test_known_lab48(void **state)
{
	(void)state;
	struct params pp;
	get("lab-48", &pp);
	BIGNUM *x = BN_new();
	assert_true(BN_hex2bn(&x, "1234567890AB"));
	solve_known("lab-48", &pp, x);
	BN_free(x);
	put(&pp);
}

/* A key pair made by the group code: mallory recovers the private key from
 * the public share alone, and derives the same secret as the victim. */
static void test_recover_keygen(void **state)
{
	(void)state;
	const struct mlab_group *grp = mlab_group_by_name("lab-64-smooth");
	struct mlab_dh alice, bob;
	struct params pp;
	get("lab-64-smooth", &pp);
	assert_int_equal(mlab_dh_keygen(grp, &alice), 0);
	assert_int_equal(mlab_dh_keygen(grp, &bob), 0);
	BIGNUM *y = BN_bin2bn(alice.pub, (int)alice.pub_len, NULL), *x = BN_new();
	assert_int_equal(dlog_solve(pp.g, y, pp.p, pp.q, x, BUDGET), 0);
	assert_int_equal(BN_cmp(x, alice.priv), 0);
	put(&pp);
	BN_free(y);
	BN_free(x);
	mlab_dh_free(&alice);
	mlab_dh_free(&bob);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	struct params pp;
	get("lab-32", &pp);
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *y = BN_new(), *x = BN_new(), *big = BN_new();

	/* y outside the order-q subgroup (a non-square) fails cleanly. */
	assert_true(BN_sub(y, pp.p, pp.g)); /* -4 has order 2q */
	assert_int_equal(dlog_solve(pp.g, y, pp.p, pp.q, x, BUDGET), MLAB_E_SHARE_SUBGROUP);
	/* y = 0, y = p: not group elements. */
	assert_true(BN_set_word(y, 0));
	assert_int_equal(dlog_solve(pp.g, y, pp.p, pp.q, x, BUDGET), MLAB_E_SHARE_RANGE);
	assert_int_equal(dlog_solve(pp.g, pp.p, pp.p, pp.q, x, BUDGET), MLAB_E_SHARE_RANGE);
	/* g not of order q, NULLs, p over 64 bits. */
	assert_true(BN_set_word(y, 4));
	assert_int_equal(dlog_solve(pp.p, y, pp.p, pp.q, x, BUDGET), MLAB_E_ARG);
	assert_int_equal(dlog_solve(pp.g, y, pp.p, pp.p, x, BUDGET), MLAB_E_ARG);
	assert_int_equal(dlog_solve(pp.g, NULL, pp.p, pp.q, x, BUDGET), MLAB_E_ARG);
	assert_true(BN_set_bit(big, 100));
	assert_int_equal(dlog_solve(pp.g, y, big, pp.q, x, BUDGET), MLAB_E_ARG);
	/* g of order q/13 in the smooth group: g^13 claimed to have order q. */
	struct params sm;
	get("lab-64-smooth", &sm);
	assert_true(BN_set_word(big, 13) && BN_mod_exp(big, sm.g, big, sm.p, ctx));
	assert_int_equal(dlog_solve(big, big, sm.p, sm.q, x, BUDGET), MLAB_E_ARG);
	put(&sm);

	BN_free(y);
	BN_free(x);
	BN_free(big);
	BN_CTX_free(ctx);
	put(&pp);
}

static void test_timeout(void **state)
{
	(void)state;
	const char *names[] = {"lab-32", "lab-48", "lab-64-smooth"};
	BN_CTX *ctx = BN_CTX_new();
	for (size_t i = 0; i < 3; i++) {
		struct params pp;
		get(names[i], &pp);
		BIGNUM *y = BN_new(), *x = BN_new(), *e = NULL;
		uint64_t used = 0;
		assert_true(BN_hex2bn(&e, "ABCDEF12"));
		assert_true(BN_mod_exp(y, pp.g, e, pp.p, ctx));
		assert_int_equal(dlog_solve_ex(pp.g, y, pp.p, pp.q, x, 1000, &used), MLAB_E_TIMEOUT);
		assert_int_equal(used, 1000);
		assert_int_equal(dlog_solve(pp.g, y, pp.p, pp.q, x, 0), MLAB_E_TIMEOUT);
		BN_free(y);
		BN_free(x);
		BN_free(e);
		put(&pp);
	}
	BN_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_small),	   cmocka_unit_test(test_known_lab48),
	    cmocka_unit_test(test_recover_keygen), cmocka_unit_test(test_bad_inputs),
	    cmocka_unit_test(test_timeout),
	};
	return cmocka_run_group_tests_name("mallory_dlog", tests, NULL, NULL);
}
