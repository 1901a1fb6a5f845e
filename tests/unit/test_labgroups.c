/* Unit tests for the WEAK lab groups (lib/mlab_group_lab.c): two parties
 * agree, every hostile share of HOSTILE-INPUT.md "Key shares" is refused with
 * its exact code, a weakened peer (validate=false) computes the fixed secret,
 * and the groups are marked weak while the real ones are not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bn.h>

#include "mlab_err.h"
#include "mlab_group.h"

static const char *const lab_names[] = {"lab-32", "lab-48", "lab-64-smooth"};
#define N_LAB (sizeof lab_names / sizeof lab_names[0])

static const struct mlab_group *lab(size_t i)
{
	const struct mlab_group *g = mlab_group_by_name(lab_names[i]);
	assert_non_null(g);
	return g;
}

/* Encodes v (BIGNUM) as a share of exactly n bytes; v must fit. */
static void enc(const BIGNUM *v, uint8_t *out, size_t n)
{
	assert_int_equal(BN_bn2binpad(v, out, (int)n), (int)n);
}

static void test_registry(void **state)
{
	(void)state;
	uint16_t ids[N_LAB] = {MLAB_GROUP_LAB32, MLAB_GROUP_LAB48, MLAB_GROUP_LAB64_SMOOTH};
	unsigned bits[N_LAB] = {32, 48, 64};
	for (size_t i = 0; i < N_LAB; i++) {
		const struct mlab_group *g = lab(i);
		assert_true(g->weak);
		assert_int_equal(g->id, ids[i]);
		assert_ptr_equal(mlab_group_by_id(ids[i]), g);
		assert_true(g->id >= 0xFF00);
		assert_int_equal(g->bits, bits[i]);
		assert_int_equal(g->share_len, bits[i] / 8);
		assert_non_null(strstr(g->title, "WEAK lab group"));
		assert_int_equal(strncmp(g->name, "lab-", 4), 0);
	}
	const char *real[] = {"x25519", "ffdhe2048", "ffdhe3072"};
	for (size_t i = 0; i < 3; i++) {
		assert_non_null(mlab_group_by_name(real[i]));
		assert_false(mlab_group_by_name(real[i])->weak);
	}
	/* The lab groups come after the real ones in the table, the three
	 * key-encapsulation groups (test_kem_group) last. */
	size_t n;
	const struct mlab_group *const *all = mlab_group_all(&n);
	assert_int_equal(n, 9);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(all[i]->weak, i >= 3 && i < 6);
		assert_int_equal(all[i]->kem, i >= 6);
	}
}

static void test_params(void **state)
{
	(void)state;
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *t = BN_new();
	for (size_t i = 0; i < N_LAB; i++) {
		BIGNUM *p, *q, *g;
		assert_int_equal(mlab_lab_params(lab(i), &p, &q, &g), 0);
		assert_int_equal(BN_num_bits(p), (int)lab(i)->bits);
		assert_int_equal(BN_check_prime(p, ctx, NULL), 1);
		assert_true(BN_mod_exp(t, g, q, p, ctx));
		assert_true(BN_is_one(t));
		BN_free(p);
		BN_free(q);
		BN_free(g);
	}
	BIGNUM *p, *q, *g;
	assert_int_equal(mlab_lab_params(mlab_group_by_name("ffdhe2048"), &p, &q, &g), MLAB_E_ARG);
	assert_null(p);
	BN_free(t);
	BN_CTX_free(ctx);
}

static void test_agree(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_LAB; i++) {
		for (int round = 0; round < 20; round++) {
			struct mlab_dh a, b;
			uint8_t sa[MLAB_MAX_SECRET], sb[MLAB_MAX_SECRET];
			size_t la = 0, lb = 0;
			assert_int_equal(mlab_dh_keygen(lab(i), &a), 0);
			assert_int_equal(mlab_dh_keygen(lab(i), &b), 0);
			assert_int_equal(a.pub_len, lab(i)->share_len);
			assert_int_equal(mlab_dh_check(lab(i), a.pub, a.pub_len), 0);
			assert_int_equal(mlab_dh_check(lab(i), b.pub, b.pub_len), 0);
			assert_int_equal(mlab_dh_derive(&a, b.pub, b.pub_len, true, sa, &la), 0);
			assert_int_equal(mlab_dh_derive(&b, a.pub, a.pub_len, true, sb, &lb), 0);
			assert_int_equal(la, lab(i)->share_len);
			assert_int_equal(lb, la);
			assert_memory_equal(sa, sb, la);
			mlab_dh_free(&a);
			mlab_dh_free(&b);
		}
	}
}

/* Every hostile share: the check and derive(validate=true) give the same code. */
static void expect_refused(struct mlab_dh *dh, const uint8_t *share, size_t len, int code)
{
	uint8_t out[MLAB_MAX_SECRET];
	size_t n = 0;
	assert_int_equal(mlab_dh_check(dh->group, share, len), code);
	assert_int_equal(dh->group->ops->check(dh->group, share, len), code);
	assert_int_equal(mlab_dh_derive(dh, share, len, true, out, &n), code);
	assert_int_equal(n, 0);
}

static void test_hostile_shares(void **state)
{
	(void)state;
	BN_CTX *ctx = BN_CTX_new();
	for (size_t i = 0; i < N_LAB; i++) {
		const struct mlab_group *grp = lab(i);
		size_t n = grp->share_len;
		BIGNUM *p, *q, *g, *v = BN_new();
		uint8_t s[16];
		struct mlab_dh dh;
		assert_int_equal(mlab_lab_params(grp, &p, &q, &g), 0);
		assert_int_equal(mlab_dh_keygen(grp, &dh), 0);

		/* 0, 1, p-1, p, p+1: range. */
		memset(s, 0, n);
		expect_refused(&dh, s, n, MLAB_E_SHARE_RANGE);
		s[n - 1] = 1;
		expect_refused(&dh, s, n, MLAB_E_SHARE_RANGE);
		assert_true(BN_sub(v, p, BN_value_one()));
		enc(v, s, n);
		expect_refused(&dh, s, n, MLAB_E_SHARE_RANGE);
		enc(p, s, n);
		expect_refused(&dh, s, n, MLAB_E_SHARE_RANGE);
		assert_true(BN_add(v, p, BN_value_one()));
		enc(v, s, n);
		expect_refused(&dh, s, n, MLAB_E_SHARE_RANGE);
		memset(s, 0xff, n);
		expect_refused(&dh, s, n, MLAB_E_SHARE_RANGE);
		/* 2 and p-2 are in range. */
		assert_true(BN_sub(v, p, BN_value_one()) && BN_sub(v, v, BN_value_one()));
		enc(v, s, n);
		int e = mlab_dh_check(grp, s, n);
		assert_true(e == 0 || e == MLAB_E_SHARE_SUBGROUP);

		/* Wrong length: one byte short, one byte long (a valid share padded). */
		assert_int_equal(mlab_dh_check(grp, dh.pub, n - 1), MLAB_E_SHARE_LENGTH);
		s[0] = 0;
		memcpy(s + 1, dh.pub, n);
		expect_refused(&dh, s, n + 1, MLAB_E_SHARE_LENGTH);
		expect_refused(&dh, dh.pub, n - 1, MLAB_E_SHARE_LENGTH);
		expect_refused(&dh, dh.pub, 0, MLAB_E_SHARE_LENGTH);

		if (grp->id != MLAB_GROUP_LAB64_SMOOTH) {
			/* Safe prime, g = 4 of prime order q: the smallest non-square
			 * (order 2q) lies outside the order-q subgroup. */
			int found = 0;
			for (BN_ULONG w = 2; w < 100 && !found; w++) {
				BIGNUM *t = BN_new();
				assert_true(BN_set_word(v, w) && BN_mod_exp(t, v, q, p, ctx));
				if (!BN_is_one(t)) {
					enc(v, s, n);
					expect_refused(&dh, s, n, MLAB_E_SHARE_SUBGROUP);
					/* -g (= p - g) has order 2q: outside as well. */
					assert_true(BN_sub(v, p, g));
					enc(v, s, n);
					expect_refused(&dh, s, n, MLAB_E_SHARE_SUBGROUP);
					found = 1;
				}
				BN_free(t);
			}
			assert_true(found);
		} else {
			/* Smooth group: no prime-order subgroup, so the check cannot
			 * refuse an element of small order such as g^((p-1)/13), of
			 * order 13 (test_secret_one_refused shows derive's last line
			 * of defence). */
			BIGNUM *e13 = BN_new();
			assert_true(BN_copy(v, q) && BN_div_word(v, 13) == 0 && BN_mod_exp(e13, g, v, p, ctx));
			enc(e13, s, n);
			assert_int_equal(mlab_dh_check(grp, s, n), 0); /* the lesson: accepted */
			BN_free(e13);
		}
		mlab_dh_free(&dh);
		BN_free(v);
		BN_free(p);
		BN_free(q);
		BN_free(g);
	}
	BN_CTX_free(ctx);
}

/* A weakened peer computes the fixed secret: 1 -> 1, p-1 -> 1 or p-1, 0 -> 0. */
static void test_unvalidated(void **state)
{
	(void)state;
	BN_CTX *ctx = BN_CTX_new();
	for (size_t i = 0; i < N_LAB; i++) {
		const struct mlab_group *grp = lab(i);
		size_t n = grp->share_len;
		BIGNUM *p, *q, *g, *v = BN_new(), *pm1 = BN_new();
		uint8_t s[16], out[MLAB_MAX_SECRET], want[16];
		size_t len = 0;
		struct mlab_dh dh;
		assert_int_equal(mlab_lab_params(grp, &p, &q, &g), 0);
		assert_int_equal(mlab_dh_keygen(grp, &dh), 0);

		memset(s, 0, n);
		s[n - 1] = 1;
		assert_int_equal(mlab_dh_derive(&dh, s, n, false, out, &len), 0);
		assert_int_equal(len, n);
		assert_memory_equal(out, s, n); /* 1^x = 1 */

		memset(s, 0, n);
		assert_int_equal(mlab_dh_derive(&dh, s, n, false, out, &len), 0);
		assert_memory_equal(out, s, n); /* 0^x = 0 */

		/* (p-1)^x = 1 for even x, p-1 for odd x. */
		assert_true(BN_sub(pm1, p, BN_value_one()));
		enc(pm1, s, n);
		assert_int_equal(mlab_dh_derive(&dh, s, n, false, out, &len), 0);
		assert_int_equal(len, n);
		if (BN_is_odd((const BIGNUM *)dh.priv))
			enc(pm1, want, n);
		else
			enc(BN_value_one(), want, n);
		assert_memory_equal(out, want, n);

		/* p itself (not reduced by a checking peer) gives 0. */
		enc(p, s, n);
		assert_int_equal(mlab_dh_derive(&dh, s, n, false, out, &len), 0);
		memset(want, 0, n);
		assert_memory_equal(out, want, n);

		/* The length is still enforced. */
		assert_int_equal(mlab_dh_derive(&dh, s, n - 1, false, out, &len), MLAB_E_SHARE_LENGTH);

		mlab_dh_free(&dh);
		BN_free(v);
		BN_free(pm1);
		BN_free(p);
		BN_free(q);
		BN_free(g);
	}
	BN_CTX_free(ctx);
}

/* validate=true refuses a secret of 1 even when the share passed the checks:
 * in lab-64-smooth an element of order 2*13 with an exponent that is a
 * multiple of 26 (forced here by setting the private key). */
static void test_secret_one_refused(void **state)
{
	(void)state;
	BN_CTX *ctx = BN_CTX_new();
	const struct mlab_group *grp = mlab_group_by_name("lab-64-smooth");
	BIGNUM *p, *q, *g, *v = BN_new(), *y = BN_new();
	uint8_t s[8], out[MLAB_MAX_SECRET];
	size_t len = 0;
	struct mlab_dh dh;
	assert_int_equal(mlab_lab_params(grp, &p, &q, &g), 0);
	assert_int_equal(mlab_dh_keygen(grp, &dh), 0);
	assert_true(BN_copy(v, q) && BN_div_word(v, 26) == 0 && BN_mod_exp(y, g, v, p, ctx));
	enc(y, s, 8);
	assert_int_equal(mlab_dh_check(grp, s, 8), 0);
	assert_true(BN_set_word(dh.priv, 26 * 1000));
	assert_int_equal(mlab_dh_derive(&dh, s, 8, true, out, &len), MLAB_E_SHARE_SUBGROUP);
	/* The weakened peer computes it: 1. */
	assert_int_equal(mlab_dh_derive(&dh, s, 8, false, out, &len), 0);
	const uint8_t one[8] = {0, 0, 0, 0, 0, 0, 0, 1};
	assert_memory_equal(out, one, 8);
	mlab_dh_free(&dh);
	BN_free(v);
	BN_free(y);
	BN_free(p);
	BN_free(q);
	BN_free(g);
	BN_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry),	cmocka_unit_test(test_params),
	    cmocka_unit_test(test_agree),	cmocka_unit_test(test_hostile_shares),
	    cmocka_unit_test(test_unvalidated), cmocka_unit_test(test_secret_one_refused),
	};
	return cmocka_run_group_tests_name("mlab_group_lab", tests, NULL, NULL);
}
