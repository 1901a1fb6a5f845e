/* Key-share validation for EVERY group: HOSTILE-INPUT.md, "Key shares" —
 * wrong length; 0, 1, p-1; p and above (never reduced mod p); outside the
 * prime-order subgroup; a share of another group; X25519 low-order points; the
 * peer reflecting our own share back.
 *
 * The cmocka tests are made at run time, four per group of mlab_group_all():
 * a group added later is covered at once, or fails loudly here if it is a
 * finite-field group whose p this file cannot get (it knows the lab groups,
 * through mlab_lab_params, and OpenSSL's named DH groups, through EVP).
 *
 *   <group>: hostile shares      the exact code of mlab_dh_check AND of
 *                                mlab_dh_derive(validate=true) for every case
 *                                of len_cases[] and ff_cases[] (or, for X25519,
 *                                x_low_order[]), and for a valid share of every
 *                                other group; refusals release no secret.
 *   <group>: weakened derive     validate=false checks the length and nothing
 *                                else: every value is computed as y^x mod p
 *                                (p-1 gives 1 or p-1), low-order X25519 points
 *                                give the all-zero secret.
 *   <group>: engine              two engines in memory; mallory replaces
 *                                alice's KeyShare (eng_cases[]): bob's own share
 *                                reflected, a share of another group, 1 and
 *                                p-1. Bob aborts with the exact code, alerts
 *                                alice, wipes. (A weakened bob does not check
 *                                reflection: only alice's Finished fails.)
 *   <group>: valid shares pass   keygen, check, and both sides agree.
 *
 * Plus one fixed test for lab-64-smooth, the group WITHOUT a prime-order
 * subgroup (q = p-1): what its checks do and do not refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "kex_pump.h"
#include "mlab_buf.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_group.h"
#include "mlab_kex.h"
#include "mlab_wire.h"
#include "test_util.h"

#define MAX_GROUPS 32
#define BUF_LEN (MLAB_MAX_SHARE + 2) /* a share, one byte long */
#define UNTOUCHED ((size_t)0x5a5a)   /* out_len before a derive that must fail */

/* ======================================================================
 * Per-group context (made once, on first use; freed by the group teardown)
 * ====================================================================== */

enum kind { KIND_X25519, KIND_FF };

struct gctx {
	bool ready;
	const struct mlab_group *g;
	enum kind kind;
	BIGNUM *p, *q, *gen; /* KIND_FF: modulus, order of gen, generator */
	bool prime_q;	     /* KIND_FF: q is prime, so a prime-order subgroup exists */
	struct mlab_dh peer; /* a valid share of this group: peer.pub */
};

static const struct mlab_group *const *groups;
static size_t n_groups;
static struct gctx ctxs[MAX_GROUPS];
static size_t group_idx[MAX_GROUPS];
static BN_CTX *bnctx;

/* p, q and g of an OpenSSL named DH group (q = (p-1)/2 if OpenSSL has none). */
static bool named_ff_params(const char *name, BIGNUM **p, BIGNUM **q, BIGNUM **gen)
{
	OSSL_PARAM params[] = {OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)name, 0), OSSL_PARAM_END};
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	EVP_PKEY *k = NULL;
	bool ok = pc && EVP_PKEY_fromdata_init(pc) == 1 &&
		  EVP_PKEY_fromdata(pc, &k, EVP_PKEY_KEY_PARAMETERS, params) == 1 &&
		  EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, p) == 1 &&
		  EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_G, gen) == 1;
	if (ok && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_Q, q) != 1)
		ok = (*q = BN_dup(*p)) && BN_sub_word(*q, 1) && BN_rshift1(*q, *q);
	EVP_PKEY_free(k);
	EVP_PKEY_CTX_free(pc);
	return ok;
}

static struct gctx *ctx_get(size_t i)
{
	struct gctx *c = &ctxs[i];
	BIGNUM *t;

	if (c->ready)
		return c;
	c->g = groups[i];
	if (c->g->ops == &mlab_x25519_ops) {
		c->kind = KIND_X25519;
	} else {
		c->kind = KIND_FF;
		bool ok = c->g->ops == &mlab_lab_ops
			      ? mlab_lab_params(c->g, &c->p, &c->q, &c->gen) == 0
			      : c->g->ossl_name && named_ff_params(c->g->ossl_name, &c->p, &c->q, &c->gen);
		if (!ok)
			fail_msg("group %s is not X25519 and this test cannot get its modulus p (neither a lab group "
				 "nor an OpenSSL named DH group): teach tests/unit/test_share_checks.c its parameters",
				 c->g->name);
		/* Shares are p left-padded to p's byte length. */
		assert_int_equal(BN_num_bits(c->p), c->g->bits);
		assert_int_equal(BN_num_bytes(c->p), c->g->share_len);
		c->prime_q = BN_check_prime(c->q, bnctx, NULL) == 1;
		assert_non_null(t = BN_new());
		assert_true(BN_mod_exp(t, c->gen, c->q, c->p, bnctx));
		assert_true(BN_is_one(t)); /* g lies in the group of order q */
		BN_free(t);
	}
	assert_err(mlab_dh_keygen(c->g, &c->peer), 0);
	assert_int_equal(c->peer.pub_len, c->g->share_len);
	c->ready = true;
	return c;
}

static int groups_setup(void **state)
{
	(void)state;
	bnctx = BN_CTX_new();
	return bnctx ? 0 : -1;
}

static int groups_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < MAX_GROUPS; i++) {
		BN_free(ctxs[i].p);
		BN_free(ctxs[i].q);
		BN_free(ctxs[i].gen);
		mlab_dh_free(&ctxs[i].peer);
		memset(&ctxs[i], 0, sizeof ctxs[i]);
	}
	BN_CTX_free(bnctx);
	return 0;
}

/* ======================================================================
 * Numbers and shares
 * ====================================================================== */

static BIGNUM *bn_of(const uint8_t *s, size_t len)
{
	BIGNUM *y = BN_bin2bn(s, (int)len, NULL);
	assert_non_null(y);
	return y;
}

/* v as a share of c's group: big-endian, left-padded, exactly share_len. */
static size_t enc(const struct gctx *c, const BIGNUM *v, uint8_t *out)
{
	size_t n = c->g->share_len;
	if (BN_bn2binpad(v, out, (int)n) != (int)n)
		fail_msg("%s: a %d-bit value does not fit a %zu-byte share", c->g->name, BN_num_bits(v), n);
	return n;
}

static size_t enc_word(const struct gctx *c, BN_ULONG w, uint8_t *out)
{
	BIGNUM *v = BN_new();
	assert_non_null(v);
	assert_true(BN_set_word(v, w));
	size_t n = enc(c, v, out);
	BN_free(v);
	return n;
}

/* p + d (d may be negative). */
static size_t enc_p_plus(const struct gctx *c, long d, uint8_t *out)
{
	BIGNUM *v = BN_dup(c->p);
	assert_non_null(v);
	assert_true(d >= 0 ? BN_add_word(v, (BN_ULONG)d) : BN_sub_word(v, (BN_ULONG)-d));
	size_t n = enc(c, v, out);
	BN_free(v);
	return n;
}

/* The private exponent x of a key pair of a finite-field group. */
static BIGNUM *priv_of(const struct mlab_dh *dh)
{
	BIGNUM *x = NULL;
	if (dh->group->ops == &mlab_lab_ops)
		x = BN_dup(dh->priv);
	else if (EVP_PKEY_get_bn_param(dh->priv, OSSL_PKEY_PARAM_PRIV_KEY, &x) != 1)
		x = NULL;
	if (!x)
		fail_msg("%s: cannot read the private exponent", dh->group->name);
	return x;
}

/* (y mod p)^x mod p, computed here independently of the library. */
static BIGNUM *secret_of(const struct gctx *c, const BIGNUM *x, const uint8_t *s, size_t len)
{
	BIGNUM *y = bn_of(s, len), *r = BN_new(), *z = BN_new();
	assert_true(r && z);
	assert_true(BN_nnmod(r, y, c->p, bnctx));
	assert_true(BN_mod_exp(z, r, x, c->p, bnctx));
	BN_free(y);
	BN_free(r);
	return z;
}

/* ======================================================================
 * The cases (builders write a share into out and return its length)
 * ====================================================================== */

typedef size_t (*build_fn)(const struct gctx *c, uint8_t *out);

/* Wrong length: a valid share cut or extended by one byte, never padded or
 * trimmed by the receiver (another length is another number). */
static size_t b_empty(const struct gctx *c, uint8_t *out)
{
	(void)c;
	(void)out;
	return 0;
}

static size_t b_short(const struct gctx *c, uint8_t *out)
{
	memcpy(out, c->peer.pub, c->g->share_len - 1);
	return c->g->share_len - 1;
}

static size_t b_long_front(const struct gctx *c, uint8_t *out)
{
	out[0] = 0;
	memcpy(out + 1, c->peer.pub, c->g->share_len);
	return c->g->share_len + 1;
}

static size_t b_long_back(const struct gctx *c, uint8_t *out)
{
	memcpy(out, c->peer.pub, c->g->share_len);
	out[c->g->share_len] = 0;
	return c->g->share_len + 1;
}

/* Finite-field values. */
static size_t b_zero(const struct gctx *c, uint8_t *out)
{
	return enc_word(c, 0, out);
}

static size_t b_one(const struct gctx *c, uint8_t *out)
{
	return enc_word(c, 1, out);
}

static size_t b_two(const struct gctx *c, uint8_t *out)
{
	return enc_word(c, 2, out);
}

static size_t b_pm2(const struct gctx *c, uint8_t *out)
{
	return enc_p_plus(c, -2, out);
}

static size_t b_pm1(const struct gctx *c, uint8_t *out)
{
	return enc_p_plus(c, -1, out);
}

static size_t b_p(const struct gctx *c, uint8_t *out)
{
	return enc_p_plus(c, 0, out);
}

static size_t b_pp1(const struct gctx *c, uint8_t *out)
{
	return enc_p_plus(c, 1, out);
}

static size_t b_pp2(const struct gctx *c, uint8_t *out)
{
	return enc_p_plus(c, 2, out);
}

static size_t b_all_ff(const struct gctx *c, uint8_t *out)
{
	memset(out, 0xff, c->g->share_len);
	return c->g->share_len;
}

static size_t b_gen(const struct gctx *c, uint8_t *out)
{
	return enc(c, c->gen, out);
}

static size_t b_neg_gen(const struct gctx *c, uint8_t *out)
{
	BIGNUM *v = BN_new();
	assert_non_null(v);
	assert_true(BN_sub(v, c->p, c->gen));
	size_t n = enc(c, v, out);
	BN_free(v);
	return n;
}

/* The smallest y >= 2 with y^q != 1 mod p: outside the subgroup of order q
 * (found, not assumed: which small numbers are residues depends on p mod 8). */
static size_t b_outside(const struct gctx *c, uint8_t *out)
{
	BIGNUM *y = BN_new(), *t = BN_new();
	size_t n = 0;
	assert_true(y && t);
	for (BN_ULONG w = 2; w < 1000 && n == 0; w++) {
		assert_true(BN_set_word(y, w));
		assert_true(BN_mod_exp(t, y, c->q, c->p, bnctx));
		if (!BN_is_one(t))
			n = enc(c, y, out);
	}
	if (n == 0)
		fail_msg("%s: no y < 1000 outside the subgroup of order q", c->g->name);
	BN_free(y);
	BN_free(t);
	return n;
}

static size_t b_fresh(const struct gctx *c, uint8_t *out)
{
	struct mlab_dh d;
	assert_err(mlab_dh_keygen(c->g, &d), 0);
	memcpy(out, d.pub, d.pub_len);
	size_t n = d.pub_len;
	mlab_dh_free(&d);
	return n;
}

/* Expected code: an mlab_err, or EULER (not an error code): "0 if y^q = 1
 * mod p, computed here, else MLAB_E_SHARE_SUBGROUP" — for values in range
 * whose subgroup membership depends on p (2 is a residue iff p = ±1 mod 8). */
#define EULER 1

struct share_case {
	const char *name;
	build_fn build;
	int want;		/* the exact code of mlab_dh_check and of mlab_dh_derive(validate=true) */
	bool needs_prime_order; /* meaningless without a prime-order subgroup */
};

/* Every group. */
static const struct share_case len_cases[] = {
    {"empty share", b_empty, MLAB_E_SHARE_LENGTH, false},
    {"one byte short (a valid share, last byte cut)", b_short, MLAB_E_SHARE_LENGTH, false},
    {"one byte long (a valid share, 0x00 in front)", b_long_front, MLAB_E_SHARE_LENGTH, false},
    {"one byte long (a valid share, 0x00 after)", b_long_back, MLAB_E_SHARE_LENGTH, false},
};

/* Finite-field groups. The range check (2 <= y <= p-2) comes before the
 * subgroup check, so p-1 (order 2) is a range error. */
static const struct share_case ff_cases[] = {
    {"0", b_zero, MLAB_E_SHARE_RANGE, false},
    {"1", b_one, MLAB_E_SHARE_RANGE, false},
    {"p-1", b_pm1, MLAB_E_SHARE_RANGE, false},
    {"p", b_p, MLAB_E_SHARE_RANGE, false},
    {"p+1", b_pp1, MLAB_E_SHARE_RANGE, false},
    {"p+2 (2, unreduced)", b_pp2, MLAB_E_SHARE_RANGE, false},
    {"2^bits-1 (all 0xff)", b_all_ff, MLAB_E_SHARE_RANGE, false},
    {"2 (smallest value in range)", b_two, EULER, false},
    {"p-2 = -2 (largest value in range)", b_pm2, EULER, false},
    {"g, the generator", b_gen, 0, false},
    {"p-g = -g", b_neg_gen, EULER, false},
    {"smallest y with y^q != 1 (outside the prime-order subgroup)", b_outside, MLAB_E_SHARE_SUBGROUP, true},
    {"a fresh share from mlab_dh_keygen", b_fresh, 0, false},
};

/* X25519 points of small order (u, little-endian; libsodium's blacklist and
 * Wycheproof's): 0, 1, the two points of order 8, p-1 (order 2), and the
 * non-canonical p (= 0) and p+1 (= 1); then each with the unused bit 255 set
 * (masked off by RFC 7748 decoding, so the same points). */
#define X_FILL7(b) b, b, b, b, b, b, b
#define X_FF30 0xff, X_FILL7(0xff), X_FILL7(0xff), X_FILL7(0xff), X_FILL7(0xff), 0xff
#define X_ORD8A                                                                                                        \
	0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09,    \
	    0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8
#define X_ORD8B                                                                                                        \
	0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44,    \
	    0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11
static const struct {
	const char *name;
	uint8_t u[32];
} x_low_order[] = {
    {"u = 0", {0}},
    {"u = 1", {1}},
    {"order 8 (e0eb7a7c...)", {X_ORD8A, 0x00}},
    {"order 8 (5f9c95bc...)", {X_ORD8B, 0x57}},
    {"u = p-1 (order 2)", {0xec, X_FF30, 0x7f}},
    {"u = p (non-canonical 0)", {0xed, X_FF30, 0x7f}},
    {"u = p+1 (non-canonical 1)", {0xee, X_FF30, 0x7f}},
    {"u = 0, bit 255 set", {[31] = 0x80}},
    {"u = 1, bit 255 set", {1, [31] = 0x80}},
    {"order 8 (e0eb7a7c...), bit 255 set", {X_ORD8A, 0x80}},
    {"order 8 (5f9c95bc...), bit 255 set", {X_ORD8B, 0xd7}},
    {"u = p-1, bit 255 set", {0xec, X_FF30, 0xff}},
    {"u = p, bit 255 set", {0xed, X_FF30, 0xff}},
    {"u = p+1, bit 255 set", {0xee, X_FF30, 0xff}},
};

/* ======================================================================
 * Assertions
 * ====================================================================== */

static void want_check(const struct gctx *c, const char *what, const uint8_t *s, size_t len, int want)
{
	int e = mlab_dh_check(c->g, s, len);
	if (e != want)
		fail_msg("%s, %s: mlab_dh_check returned %d (%s), expected %d (%s)", c->g->name, what, e,
			 mlab_err_name(e), want, mlab_err_name(want));
}

/* derive must fail with exactly want, and release nothing. */
static void want_refused(struct mlab_dh *dh, const char *what, const uint8_t *s, size_t len, bool validate, int want)
{
	uint8_t out[MLAB_MAX_SECRET];
	size_t n = UNTOUCHED;
	int e = mlab_dh_derive(dh, s, len, validate, out, &n);
	if (e != want)
		fail_msg("%s, %s: mlab_dh_derive(validate=%s) returned %d (%s), expected %d (%s)", dh->group->name,
			 what, validate ? "true" : "false", e, mlab_err_name(e), want, mlab_err_name(want));
	if (n != UNTOUCHED)
		fail_msg("%s, %s: a refused derive set out_len to %zu", dh->group->name, what, n);
}

/* derive must succeed with a share_len secret; returns it in out. */
static void want_derived(struct mlab_dh *dh, const char *what, const uint8_t *s, size_t len, bool validate,
			 uint8_t out[MLAB_MAX_SECRET])
{
	size_t n = UNTOUCHED;
	int e = mlab_dh_derive(dh, s, len, validate, out, &n);
	if (e != 0)
		fail_msg("%s, %s: mlab_dh_derive(validate=%s) returned %d (%s), expected success", dh->group->name,
			 what, validate ? "true" : "false", e, mlab_err_name(e));
	size_t want_len = dh->group->ops == &mlab_x25519_ops ? 32 : dh->group->share_len;
	if (n != want_len)
		fail_msg("%s, %s: secret of %zu bytes, expected %zu", dh->group->name, what, n, want_len);
}

/* Finite field, a share the checks accept (want 0): derive(validate) gives
 * exactly y^x mod p — unless that is 1, which only an element of small order
 * can give (none exists in a prime-order subgroup) and derive refuses. */
static void want_ff_secret(const struct gctx *c, struct mlab_dh *dh, const BIGNUM *x, const char *what,
			   const uint8_t *s, size_t len, bool validate)
{
	uint8_t out[MLAB_MAX_SECRET], want[MLAB_MAX_SHARE];
	BIGNUM *z = secret_of(c, x, s, len);
	if (validate && BN_is_one(z)) {
		assert_false(c->prime_q);
		want_refused(dh, what, s, len, true, MLAB_E_SHARE_SUBGROUP);
	} else {
		want_derived(dh, what, s, len, validate, out);
		enc(c, z, want);
		if (memcmp(out, want, c->g->share_len) != 0)
			fail_msg("%s, %s: derive(validate=%s) did not compute (y mod p)^x mod p", c->g->name, what,
				 validate ? "true" : "false");
	}
	BN_free(z);
}

static int euler(const struct gctx *c, const uint8_t *s, size_t len)
{
	BIGNUM *y = bn_of(s, len), *t = BN_new();
	assert_non_null(t);
	assert_true(BN_mod_exp(t, y, c->q, c->p, bnctx));
	int e = BN_is_one(t) ? 0 : MLAB_E_SHARE_SUBGROUP;
	BN_free(y);
	BN_free(t);
	return e;
}

/* A group whose q is not prime has no prime-order subgroup: only the one
 * documented lesson group may be like that. */
static void assert_known_without_subgroup(const struct gctx *c)
{
	if (c->g->id != MLAB_GROUP_LAB64_SMOOTH)
		fail_msg("%s: the order q of g is not prime (no prime-order subgroup); if that is on purpose, "
			 "document it here as for lab-64-smooth",
			 c->g->name);
}

/* ======================================================================
 * Per-group tests
 * ====================================================================== */

/* A valid share of every other group: refused by its length, before any
 * arithmetic (all groups have different share lengths today). */
static void other_groups_refused(const struct gctx *c, struct mlab_dh *dh)
{
	size_t tried = 0;
	for (size_t j = 0; j < n_groups; j++) {
		const struct gctx *o = ctx_get(j);
		char what[96];
		if (o->g == c->g)
			continue;
		if (o->g->share_len == c->g->share_len)
			fail_msg("%s and %s have the same share length: a share of one is a number in the other; "
				 "add a case for it",
				 c->g->name, o->g->name);
		snprintf(what, sizeof what, "a valid %s share", o->g->name);
		want_check(c, what, o->peer.pub, o->peer.pub_len, MLAB_E_SHARE_LENGTH);
		want_refused(dh, what, o->peer.pub, o->peer.pub_len, true, MLAB_E_SHARE_LENGTH);
		want_refused(dh, what, o->peer.pub, o->peer.pub_len, false, MLAB_E_SHARE_LENGTH);
		tried++;
	}
	assert_true(tried + 1 == n_groups);
}

static void test_hostile_shares(void **state)
{
	struct gctx *c = ctx_get(*(size_t *)*state);
	struct mlab_dh dh;
	uint8_t s[BUF_LEN];

	assert_err(mlab_dh_keygen(c->g, &dh), 0);
	for (size_t i = 0; i < N_OF(len_cases); i++) {
		size_t n = len_cases[i].build(c, s);
		want_check(c, len_cases[i].name, s, n, len_cases[i].want);
		want_refused(&dh, len_cases[i].name, s, n, true, len_cases[i].want);
	}
	other_groups_refused(c, &dh);

	if (c->kind == KIND_X25519) {
		/* Every 32-byte string is a valid X25519 input (RFC 7748): the
		 * check accepts the low-order points, and derive(validate=true)
		 * refuses them when the secret comes out all zero. */
		for (size_t i = 0; i < N_OF(x_low_order); i++) {
			want_check(c, x_low_order[i].name, x_low_order[i].u, 32, 0);
			want_refused(&dh, x_low_order[i].name, x_low_order[i].u, 32, true, MLAB_E_SHARE_LOW_ORDER);
		}
	} else {
		BIGNUM *x = priv_of(&dh);
		for (size_t i = 0; i < N_OF(ff_cases); i++) {
			const struct share_case *fc = &ff_cases[i];
			if (fc->needs_prime_order && !c->prime_q) {
				assert_known_without_subgroup(c); /* see test_smooth_group_has_no_subgroup */
				continue;
			}
			size_t n = fc->build(c, s);
			int want = fc->want == EULER ? euler(c, s, n) : fc->want;
			want_check(c, fc->name, s, n, want);
			if (want == 0)
				want_ff_secret(c, &dh, x, fc->name, s, n, true);
			else
				want_refused(&dh, fc->name, s, n, true, want);
		}
		BN_clear_free(x);
	}
	mlab_dh_free(&dh);
}

/* validate=false (weakened peers, the key-fixing lessons): the length is
 * still enforced, every value of the right length is computed. */
static void test_weakened_derive(void **state)
{
	struct gctx *c = ctx_get(*(size_t *)*state);
	struct mlab_dh dh;
	uint8_t s[BUF_LEN], out[MLAB_MAX_SECRET], zero[32] = {0};

	assert_err(mlab_dh_keygen(c->g, &dh), 0);
	for (size_t i = 0; i < N_OF(len_cases); i++) {
		size_t n = len_cases[i].build(c, s);
		want_refused(&dh, len_cases[i].name, s, n, false, MLAB_E_SHARE_LENGTH);
	}

	if (c->kind == KIND_X25519) {
		/* The arithmetic's all-zero secret, which validate=true refuses. */
		for (size_t i = 0; i < N_OF(x_low_order); i++) {
			want_derived(&dh, x_low_order[i].name, x_low_order[i].u, 32, false, out);
			if (memcmp(out, zero, 32) != 0)
				fail_msg("x25519, %s: the weakened secret is not all zero", x_low_order[i].name);
		}
	} else {
		BIGNUM *x = priv_of(&dh);
		for (size_t i = 0; i < N_OF(ff_cases); i++) {
			const struct share_case *fc = &ff_cases[i];
			if (fc->needs_prime_order && !c->prime_q)
				continue;
			size_t n = fc->build(c, s);
			want_ff_secret(c, &dh, x, fc->name, s, n, false);
		}
		/* Spelled out: p-1 is not refused, and fixes the secret to 1 or p-1. */
		size_t n = b_pm1(c, s);
		want_derived(&dh, "p-1", s, n, false, out);
		uint8_t one[MLAB_MAX_SHARE];
		n = b_one(c, one);
		assert_true(memcmp(out, BN_is_odd(x) ? s : one, n) == 0);
		BN_clear_free(x);
	}
	mlab_dh_free(&dh);
}

/* Keygen gives shares the checks accept, and two sides agree. */
static void test_valid_shares_pass(void **state)
{
	struct gctx *c = ctx_get(*(size_t *)*state);
	uint8_t sa[MLAB_MAX_SECRET], sb[MLAB_MAX_SECRET];

	for (int round = 0; round < 3; round++) {
		struct mlab_dh a, b;
		assert_err(mlab_dh_keygen(c->g, &a), 0);
		assert_err(mlab_dh_keygen(c->g, &b), 0);
		want_check(c, "a fresh share", a.pub, a.pub_len, 0);
		want_check(c, "a fresh share", b.pub, b.pub_len, 0);
		want_derived(&a, "b's share", b.pub, b.pub_len, true, sa);
		want_derived(&b, "a's share", a.pub, a.pub_len, true, sb);
		assert_memory_equal(sa, sb, c->kind == KIND_X25519 ? 32 : c->g->share_len);
		mlab_dh_free(&a);
		mlab_dh_free(&b);
	}

	if (c->kind == KIND_X25519) {
		/* RFC 7748 decodes u mod 2^255 and reduces it mod p: unlike in the
		 * finite-field groups, X25519 accepts (must accept) non-canonical
		 * encodings of ordinary points — same secret as the canonical u. */
		struct mlab_dh dh;
		uint8_t s[32], s2[MLAB_MAX_SECRET];
		assert_err(mlab_dh_keygen(c->g, &dh), 0);
		memcpy(s, c->peer.pub, 32);
		want_derived(&dh, "a valid share", s, 32, true, sa);
		s[31] |= 0x80;
		want_check(c, "a valid share, bit 255 set", s, 32, 0);
		want_derived(&dh, "a valid share, bit 255 set", s, 32, true, s2);
		assert_memory_equal(sa, s2, 32);
		memset(s, 0, sizeof s);
		s[0] = 2;
		want_derived(&dh, "u = 2", s, 32, true, sa);
		memset(s, 0xff, sizeof s);
		s[0] = 0xef; /* p+2 = 2^255 - 17 */
		s[31] = 0x7f;
		want_check(c, "u = p+2 (non-canonical 2)", s, 32, 0);
		want_derived(&dh, "u = p+2 (non-canonical 2)", s, 32, true, s2);
		assert_memory_equal(sa, s2, 32);
		mlab_dh_free(&dh);
	}
}

/* ======================================================================
 * The engine: mallory replaces alice's KeyShare on its way to bob
 * ====================================================================== */

enum eng_what { E_REFLECT, E_OTHER_GROUP_ID, E_OTHER_GROUP_SHARE, E_ONE, E_PM1 };

struct eng_case {
	const char *name;
	enum eng_what what;
	bool validate; /* bob's validate_shares */
	int want_ff, want_x25519;
};

/* Only the responder can be sent its own share: the initiator makes its key
 * pair after the responder's share arrived (its reflection check in
 * client_flight cannot be reached through the protocol). */
static const struct eng_case eng_cases[] = {
    {"bob's own share reflected", E_REFLECT, true, MLAB_E_SHARE_REFLECTED, MLAB_E_SHARE_REFLECTED},
    /* Weakened, the reflection check is off too (lib/mlab_kex.c: "validation
     * off means every check on the share, reflection included"): bob uses
     * his own share, and only alice's Finished, made with another secret,
     * stops the handshake. */
    {"bob's own share reflected to a weakened bob", E_REFLECT, false, MLAB_E_FINISHED, MLAB_E_FINISHED},
    {"a valid share of another group, under its id", E_OTHER_GROUP_ID, true, MLAB_E_SHARE_GROUP, MLAB_E_SHARE_GROUP},
    {"a valid share of another group, under this id", E_OTHER_GROUP_SHARE, true, MLAB_E_SHARE_LENGTH,
     MLAB_E_SHARE_LENGTH},
    {"1", E_ONE, true, MLAB_E_SHARE_RANGE, MLAB_E_SHARE_LOW_ORDER},
    {"p-1", E_PM1, true, MLAB_E_SHARE_RANGE, MLAB_E_SHARE_LOW_ORDER},
};

struct evcount {
	int errors, session_keys;
};

static void count_events(void *arg, const char *name, const json_t *event)
{
	struct evcount *n = arg;
	(void)event;
	n->errors += strcmp(name, "error") == 0;
	n->session_keys += strcmp(name, "session-key") == 0;
}

static struct mlab_kex_config eng_cfg(enum mlab_role role, uint16_t group, bool validate)
{
	struct mlab_kex_config cfg = kex_cfg(role, MLAB_MODE_NONE, group, MLAB_CIPHER_CHACHA20_POLY1305);
	cfg.validate_shares = validate;
	return cfg;
}

/* The share of the first KEY_SHARE frame in w. */
static struct mlab_key_share find_share(const struct mlab_wr *w)
{
	struct mlab_rd r;
	uint8_t type;
	const uint8_t *body;
	uint32_t len;
	struct mlab_key_share ks = {0};

	mlab_rd_init(&r, w->p, w->len);
	while (mlab_frame_next(&r, &type, &body, &len) == 0)
		if (type == MLAB_MSG_KEY_SHARE) {
			assert_err(mlab_key_share_decode(body, len, &ks), 0);
			return ks;
		}
	fail_msg("no KEY_SHARE frame");
	return ks;
}

/* Copies the frames of from to to, the first KEY_SHARE replaced by ks. */
static void mallory_rewrites(const struct mlab_wr *from, struct mlab_wr *to, const struct mlab_key_share *ks)
{
	struct mlab_rd r;
	uint8_t type;
	const uint8_t *body;
	uint32_t len;
	bool done = false;

	mlab_rd_init(&r, from->p, from->len);
	while (mlab_rd_left(&r)) {
		assert_err(mlab_frame_next(&r, &type, &body, &len), 0);
		if (type == MLAB_MSG_KEY_SHARE && !done) {
			assert_err(mlab_key_share_encode(to, ks), 0);
			done = true;
		} else {
			assert_err(mlab_frame_put_hdr(to, type, len), 0);
			assert_err(mlab_wr_bytes(to, body, len), 0);
		}
	}
	assert_true(done);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void engine_case(const struct gctx *c, const struct gctx *other, const struct eng_case *ec)
{
	static uint8_t ba[2 * MLAB_MAX_FRAME], bb[2 * MLAB_MAX_FRAME], bm[2 * MLAB_MAX_FRAME];
	struct mlab_kex_config ca = eng_cfg(MLAB_INITIATOR, c->g->id, true);
	struct mlab_kex_config cb = eng_cfg(MLAB_RESPONDER, c->g->id, ec->validate);
	struct evcount na = {0}, nb = {0};
	struct mlab_ev eva, evb;
	struct mlab_kex a, b;
	struct mlab_wr wa, wb, wm;
	struct mlab_key_share ks;
	uint8_t bob_share[MLAB_MAX_SHARE], s[BUF_LEN];
	int want = c->kind == KIND_X25519 ? ec->want_x25519 : ec->want_ff;
	FILE *text = getenv("MLAB_TEST_VERBOSE") ? stderr : NULL;

	mlab_ev_init(&eva, "alice", -1, text);
	mlab_ev_init(&evb, "bob", -1, text);
	eva.sink = evb.sink = count_events;
	eva.sink_arg = &na;
	evb.sink_arg = &nb;
	mlab_wr_init(&wa, ba, sizeof ba);
	mlab_wr_init(&wb, bb, sizeof bb);
	mlab_wr_init(&wm, bm, sizeof bm);
	assert_err(mlab_kex_init(&a, &ca, &eva), 0);
	assert_err(mlab_kex_init(&b, &cb, &evb), 0);

	/* ClientHello to bob; bob's hello and share to alice; alice's flight to mallory. */
	assert_err(mlab_kex_start(&a, &wa), 0);
	assert_err(kex_deliver(&wa, &b, &wb), 0);
	ks = find_share(&wb);
	assert_int_equal(ks.len, c->g->share_len);
	assert_memory_equal(ks.share, b.dh.pub, ks.len); /* bob's own share, as he sent it */
	memcpy(bob_share, ks.share, ks.len);
	assert_err(kex_deliver(&wb, &a, &wa), 0);

	ks.group = c->g->id;
	switch (ec->what) {
	case E_REFLECT:
		ks.share = bob_share;
		ks.len = (uint16_t)c->g->share_len;
		break;
	case E_OTHER_GROUP_ID:
		ks.group = other->g->id;
		/* fall through */
	case E_OTHER_GROUP_SHARE:
		ks.share = other->peer.pub;
		ks.len = (uint16_t)other->peer.pub_len;
		break;
	case E_ONE:
	case E_PM1:
		if (c->kind == KIND_X25519)
			memcpy(s, x_low_order[ec->what == E_ONE ? 1 : 4].u, 32);
		else
			(void)(ec->what == E_ONE ? b_one(c, s) : b_pm1(c, s));
		ks.share = s;
		ks.len = (uint16_t)c->g->share_len;
		break;
	}
	mallory_rewrites(&wa, &wm, &ks);
	wa.len = 0;

	/* Bob aborts on the share: the exact code, one error event, no session
	 * key, his DH key freed and secrets wiped, one ALERT for alice. */
	int e = kex_deliver(&wm, &b, &wb);
	if (e != want || b.err != want)
		fail_msg("%s, %s: bob returned %d (%s), k.err %d, expected %d (%s)", c->g->name, ec->name, e,
			 mlab_err_name(e), b.err, want, mlab_err_name(want));
	assert_int_equal(b.state, MLAB_KEX_FAILED);
	assert_int_equal(nb.errors, 1);
	if (want != MLAB_E_FINISHED) /* refused before any key was derived */
		assert_int_equal(nb.session_keys, 0);
	assert_null(b.dh.priv);
	assert_true(all_zero(b.secret, sizeof b.secret));
	assert_true(all_zero(&b.keys, sizeof b.keys));
	{
		struct mlab_rd r;
		uint8_t type;
		const uint8_t *body;
		uint32_t len;
		struct mlab_alert al;
		mlab_rd_init(&r, wb.p, wb.len);
		assert_err(mlab_frame_next(&r, &type, &body, &len), 0);
		assert_int_equal(type, MLAB_MSG_ALERT);
		assert_err(mlab_alert_decode(body, len, &al), 0);
		assert_int_equal(-(int)al.code, want);
		assert_int_equal(mlab_rd_left(&r), 0);
	}
	/* Alice learns why. */
	assert_err(kex_deliver(&wb, &a, &wa), MLAB_E_PEER_ALERT);
	assert_int_equal(a.peer_alert, want);
	assert_int_equal(a.state, MLAB_KEX_FAILED);
	mlab_kex_free(&a);
	mlab_kex_free(&b);
}

static void test_engine(void **state)
{
	size_t i = *(size_t *)*state;
	const struct gctx *c = ctx_get(i), *other = NULL;

	/* another group, of another share length */
	for (size_t j = 0; j < n_groups && !other; j++)
		if (ctx_get(j)->g->share_len != c->g->share_len)
			other = ctx_get(j);
	assert_non_null(other);
	for (size_t k = 0; k < N_OF(eng_cases); k++)
		engine_case(c, other, &eng_cases[k]);
}

/* ======================================================================
 * lab-64-smooth: no prime-order subgroup (the lesson of that group)
 * ====================================================================== */

static void test_smooth_group_has_no_subgroup(void **state)
{
	(void)state;
	const struct mlab_group *g = mlab_group_by_id(MLAB_GROUP_LAB64_SMOOTH);
	struct gctx *c = NULL;
	struct mlab_dh dh;
	uint8_t s[16], out[MLAB_MAX_SECRET];
	BIGNUM *e13 = BN_new(), *y = BN_new(), *t = BN_new(), *x;
	bool hit = false;

	assert_non_null(g);
	for (size_t i = 0; i < n_groups; i++)
		if (groups[i] == g)
			c = ctx_get(i);
	assert_non_null(c);
	assert_true(e13 && y && t);

	/* q = p-1: g generates the whole group, whose order is composite. */
	assert_true(BN_sub(t, c->p, BN_value_one()));
	assert_int_equal(BN_cmp(c->q, t), 0);
	assert_false(c->prime_q);

	/* The range check still works: 0, 1, p-1, p are refused ... */
	want_check(c, "p-1", s, b_pm1(c, s), MLAB_E_SHARE_RANGE);
	want_check(c, "1", s, b_one(c, s), MLAB_E_SHARE_RANGE);
	want_check(c, "p", s, b_p(c, s), MLAB_E_SHARE_RANGE);

	/* ... but y^q = y^(p-1) = 1 for every y: the "subgroup" check refuses
	 * nothing, not even y = 2^((p-1)/13), of order 13. */
	assert_true(BN_copy(t, c->q));
	assert_int_equal(BN_div_word(t, 13), 0);
	assert_true(BN_mod_exp(e13, c->gen, t, c->p, bnctx));
	assert_false(BN_is_one(e13));
	assert_true(BN_set_word(t, 13) && BN_mod_exp(y, e13, t, c->p, bnctx));
	assert_true(BN_is_one(y)); /* order exactly 13 (13 is prime) */
	size_t n = enc(c, e13, s);
	want_check(c, "2^((p-1)/13), of order 13", s, n, 0);

	/* derive(validate=true) refuses it only when the secret is 1 (13
	 * divides x); otherwise the secret is one of just 12 values. */
	assert_err(mlab_dh_keygen(g, &dh), 0);
	x = priv_of(&dh);
	if (BN_mod_word(x, 13) == 0) {
		want_refused(&dh, "order 13", s, n, true, MLAB_E_SHARE_SUBGROUP);
	} else {
		want_derived(&dh, "order 13", s, n, true, out);
		assert_true(BN_copy(y, e13));
		for (int k = 1; k < 13 && !hit; k++) {
			uint8_t v[16];
			enc(c, y, v);
			hit = memcmp(out, v, n) == 0;
			assert_true(BN_mod_mul(y, y, e13, c->p, bnctx));
		}
		assert_true(hit); /* mallory guesses it in 12 tries */
	}
	/* Forcing x to a multiple of 13 shows the refusal either way. */
	assert_true(BN_set_word(dh.priv, 13 * 1001));
	want_refused(&dh, "order 13, x = 13*1001", s, n, true, MLAB_E_SHARE_SUBGROUP);
	BN_clear_free(x);
	mlab_dh_free(&dh);
	BN_free(e13);
	BN_free(y);
	BN_free(t);
}

/* ======================================================================
 * Four tests per group, made at run time
 * ====================================================================== */

int main(void)
{
	static const struct {
		const char *what;
		CMUnitTestFunction fn;
	} per_group[] = {
	    {"hostile shares: exact code of check and derive(validate=true)", test_hostile_shares},
	    {"weakened derive(validate=false): only the length is checked", test_weakened_derive},
	    {"engine: reflected, other-group, 1 and p-1 shares abort the responder", test_engine},
	    {"valid shares pass and agree", test_valid_shares_pass},
	};
	static char names[MAX_GROUPS * N_OF(per_group)][160];
	static struct CMUnitTest tests[MAX_GROUPS * N_OF(per_group) + 1];
	size_t n = 0;

	/* the Diffie-Hellman groups: the key-encapsulation groups' checks are
	 * test_kem_group.c's */
	static const struct mlab_group *dh[MAX_GROUPS];
	size_t n_all;
	const struct mlab_group *const *all = mlab_group_all(&n_all);
	n_groups = 0;
	for (size_t i = 0; i < n_all; i++)
		if (!all[i]->kem) {
			if (n_groups == MAX_GROUPS) {
				fprintf(stderr, "test_share_checks: %zu groups, raise MAX_GROUPS\n", n_all);
				return 1;
			}
			dh[n_groups++] = all[i];
		}
	groups = dh;
	for (size_t i = 0; i < n_groups; i++) {
		group_idx[i] = i;
		for (size_t k = 0; k < N_OF(per_group); k++) {
			snprintf(names[n], sizeof names[n], "%s: %s", groups[i]->name, per_group[k].what);
			tests[n] = (struct CMUnitTest){names[n], per_group[k].fn, NULL, NULL, &group_idx[i]};
			n++;
		}
	}
	tests[n++] = (struct CMUnitTest){"lab-64-smooth: no prime-order subgroup, what the checks still refuse",
					 test_smooth_group_has_no_subgroup, NULL, NULL, NULL};
	return _cmocka_run_group_tests("mlab_share_checks", tests, n, groups_setup, groups_teardown);
}
