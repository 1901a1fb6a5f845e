/* Explicit-parameter mode (group "explicit", 0xFE00) and the downgrade
 * sentinel.
 *
 *   codec       an explicit KeyShare round trip (the responder's with p and g,
 *               the initiator's with both empty) and hostile decodes with
 *               their exact error codes.
 *   xgroup      mlab_xgroup_set's encoding rules, mlab_xgroup_from/_bytes,
 *               and mlab_xgroup_check: real safe-prime groups pass; the
 *               degenerate generators 0, 1, p-1, p, p+1, a non-safe p
 *               (lab-64-smooth), a composite p and a generator outside the
 *               order-q subgroup fail with MLAB_E_GROUP_PARAMS.
 *   cost        the bounded check: known groups found by value (ffdhe2048
 *               and ffdhe3072 with their own g compute nothing), an unknown
 *               2048-bit safe prime (RFC 3526's MODP group, which the lab
 *               does not name) tested and accepted, a composite q and a
 *               prime q with composite 2q+1 refused, an unknown 3072-bit p
 *               and a spent budget refused with MLAB_E_PARAMS_COST.
 *   engine      two engines in memory (alice initiator, bob responder); a
 *               tamper step between them plays mallory on single frames: g
 *               replaced in bob's KeyShare, p and g added to alice's, the
 *               group offer rewritten.
 *   params tbs  params-scope signatures (named groups and explicit, both
 *               roles) verified by OpenSSL over bytes built from
 *               protocol.md section 8, not by the engine's code.
 *   sentinel    the responder marks its nonce, with a digest of the group
 *               offer it received, when it chose a weaker group than its
 *               best; the initiator aborts when that offer is not the one
 *               it sent: never between honest peers (every order, every
 *               supported set), always for a weakening rewrite.
 *
 * Bodies handed to the engines are heap copies of exactly their length, so
 * ASan catches an over-read. MLAB_TEST_VERBOSE=1 shows the human lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "test_keys.h"
#include "kex_pump.h"
#include "test_util.h"

#include <jansson.h>
#include <openssl/bn.h>

#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_group.h"
#include "mlab_kex.h"
#include "mlab_keysched.h"
#include "mlab_wire.h"

#define OUT_CAP (8 * MLAB_MAX_FRAME)
#define MAX_LOG 32

enum { TO_BOB = 0, TO_ALICE = 1 };

/* lab-48's p and g (lib/mlab_group_lab.c), big-endian. */
static const uint8_t lab48_p[] = {0xD1, 0xE5, 0x96, 0x34, 0x88, 0x93};
static const uint8_t lab48_g[] = {0x04};

/* ======================================================================
 * Numbers
 * ====================================================================== */

static BIGNUM *bn_bytes(const uint8_t *p, size_t n)
{
	BIGNUM *b = BN_bin2bn(p, (int)n, NULL);
	assert_non_null(b);
	return b;
}

/* v big-endian, left-padded to exactly n bytes. */
static void bn_pad(const BIGNUM *v, uint8_t *out, size_t n)
{
	if (BN_bn2binpad(v, out, (int)n) != (int)n)
		fail_msg("a %d-bit value does not fit %zu bytes", BN_num_bits(v), n);
}

/* p + d (d may be negative) or, with word set, the small number d itself. */
static BIGNUM *bn_rel(const BIGNUM *p, long d, bool word)
{
	BIGNUM *v = word ? BN_new() : BN_dup(p);
	assert_non_null(v);
	if (word)
		assert_true(BN_set_word(v, (BN_ULONG)d));
	else
		assert_true(d >= 0 ? BN_add_word(v, (BN_ULONG)d) : BN_sub_word(v, (BN_ULONG)-d));
	return v;
}

/* p and g of a named finite-field group, as the responder sends them. */
static void named_pg(uint16_t id, uint8_t *p, size_t *pl, uint8_t *g, size_t *gl)
{
	struct mlab_xgroup *x = malloc(sizeof *x);
	assert_non_null(x);
	assert_err(mlab_xgroup_from(x, mlab_group_by_id(id)), 0);
	assert_err(mlab_xgroup_bytes(x, p, pl, g, gl), 0);
	free(x);
}

/* mlab_xgroup_set then mlab_xgroup_check on (p, g). */
static int set_and_check(const uint8_t *p, size_t pl, const uint8_t *g, size_t gl)
{
	struct mlab_xgroup *x = malloc(sizeof *x);
	assert_non_null(x);
	int e = mlab_xgroup_set(x, p, pl, g, gl);
	if (e == 0)
		e = mlab_xgroup_check(x);
	free(x);
	return e;
}

static int set_only(const uint8_t *p, size_t pl, const uint8_t *g, size_t gl)
{
	struct mlab_xgroup *x = malloc(sizeof *x);
	assert_non_null(x);
	int e = mlab_xgroup_set(x, p, pl, g, gl);
	free(x);
	return e;
}

/* ======================================================================
 * Codec
 * ====================================================================== */

/* Encodes m and returns the body (after the 5-byte header) in body. */
static size_t ks_body(const struct mlab_key_share *m, uint8_t *body, size_t cap)
{
	uint8_t buf[MLAB_FRAME_HDR + 4 * (2 + MLAB_MAX_SHARE)];
	struct mlab_wr w;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_key_share_encode(&w, m), 0);
	assert_int_equal(buf[0], MLAB_MSG_KEY_SHARE);
	assert_true(w.len - MLAB_FRAME_HDR <= cap);
	memcpy(body, buf + MLAB_FRAME_HDR, w.len - MLAB_FRAME_HDR);
	return w.len - MLAB_FRAME_HDR;
}

static int decode_exact(const uint8_t *body, size_t len, struct mlab_key_share *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	if (len)
		memcpy(copy, body, len);
	int e = mlab_key_share_decode(copy, len, m);
	free(copy);
	return e;
}

static void test_codec_round_trip(void **s)
{
	(void)s;
	const uint8_t share[6] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};
	struct mlab_key_share m = {.group = MLAB_GROUP_EXPLICIT,
				   .len = sizeof share,
				   .share = share,
				   .p = lab48_p,
				   .p_len = sizeof lab48_p,
				   .g = lab48_g,
				   .g_len = sizeof lab48_g};
	const uint8_t want[] = {0xFE, 0x00, 0x00, 0x06, 0xD1, 0xE5, 0x96, 0x34, 0x88, 0x93, 0x00,
				0x01, 0x04, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};
	uint8_t body[64];
	struct mlab_key_share d;

	/* group u16 | vec16 p | vec16 g | vec16 share */
	size_t n = ks_body(&m, body, sizeof body);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(body, want, sizeof want);
	assert_err(mlab_key_share_decode(body, n, &d), 0);
	assert_int_equal(d.group, MLAB_GROUP_EXPLICIT);
	assert_int_equal(d.p_len, sizeof lab48_p);
	assert_memory_equal(d.p, lab48_p, sizeof lab48_p);
	assert_int_equal(d.g_len, 1);
	assert_int_equal(d.g[0], 4);
	assert_int_equal(d.len, sizeof share);
	assert_memory_equal(d.share, share, sizeof share);
	/* The decoded fields point into the body. */
	assert_ptr_equal(d.p, body + 4);
	assert_ptr_equal(d.share, body + n - sizeof share);

	/* The initiator's: p and g empty, still present on the wire. */
	m.p = m.g = NULL;
	m.p_len = m.g_len = 0;
	const uint8_t want_i[] = {0xFE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};
	n = ks_body(&m, body, sizeof body);
	assert_int_equal(n, sizeof want_i);
	assert_memory_equal(body, want_i, sizeof want_i);
	assert_err(mlab_key_share_decode(body, n, &d), 0);
	assert_int_equal(d.p_len, 0);
	assert_int_equal(d.g_len, 0);
	assert_int_equal(d.len, sizeof share);

	/* Largest p and g the codec carries (MLAB_MAX_SHARE each). */
	static uint8_t big[MLAB_MAX_SHARE];
	memset(big, 0xab, sizeof big);
	m = (struct mlab_key_share){.group = MLAB_GROUP_EXPLICIT,
				    .len = MLAB_MAX_SHARE,
				    .share = big,
				    .p = big,
				    .p_len = MLAB_MAX_SHARE,
				    .g = big,
				    .g_len = MLAB_MAX_SHARE};
	static uint8_t bigbody[4 * (2 + MLAB_MAX_SHARE)];
	n = ks_body(&m, bigbody, sizeof bigbody);
	assert_int_equal(n, 2 + 3 * (2 + MLAB_MAX_SHARE));
	assert_err(decode_exact(bigbody, n, &d), 0);
	assert_int_equal(d.p_len, MLAB_MAX_SHARE);
	assert_int_equal(d.g_len, MLAB_MAX_SHARE);

	/* Another group: no p or g on the wire, none decoded, whatever was
	 * in the struct. */
	m = (struct mlab_key_share){.group = MLAB_GROUP_X25519, .len = 6, .share = share, .p = lab48_p, .p_len = 6};
	const uint8_t want_x[] = {0x00, 0x1d, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};
	n = ks_body(&m, body, sizeof body);
	assert_int_equal(n, sizeof want_x);
	assert_memory_equal(body, want_x, sizeof want_x);
	d.p = (const uint8_t *)1;
	d.p_len = d.g_len = 9;
	assert_err(mlab_key_share_decode(body, n, &d), 0);
	assert_null(d.p);
	assert_null(d.g);
	assert_int_equal(d.p_len, 0);
	assert_int_equal(d.g_len, 0);
}

static void test_codec_hostile(void **s)
{
	(void)s;
	static uint8_t b[4 * (2 + MLAB_MAX_SHARE) + 16];
	struct mlab_key_share d;
	size_t n;

	/* Truncated p: length 6, three bytes. */
	const uint8_t trunc_p[] = {0xFE, 0x00, 0x00, 0x06, 0xD1, 0xE5, 0x96};
	assert_err(decode_exact(trunc_p, sizeof trunc_p, &d), MLAB_E_TRUNCATED);
	/* p's length itself cut. */
	const uint8_t trunc_plen[] = {0xFE, 0x00, 0x00};
	assert_err(decode_exact(trunc_plen, sizeof trunc_plen, &d), MLAB_E_TRUNCATED);
	/* Only the group. */
	assert_err(decode_exact(trunc_plen, 2, &d), MLAB_E_TRUNCATED);
	assert_err(decode_exact(trunc_plen, 1, &d), MLAB_E_TRUNCATED);
	assert_err(decode_exact(trunc_plen, 0, &d), MLAB_E_TRUNCATED);
	/* p complete, g missing / truncated, share missing / truncated. */
	const uint8_t no_g[] = {0xFE, 0x00, 0x00, 0x02, 0xC3, 0x01};
	assert_err(decode_exact(no_g, sizeof no_g, &d), MLAB_E_TRUNCATED);
	const uint8_t trunc_g[] = {0xFE, 0x00, 0x00, 0x02, 0xC3, 0x01, 0x00, 0x02, 0x04};
	assert_err(decode_exact(trunc_g, sizeof trunc_g, &d), MLAB_E_TRUNCATED);
	const uint8_t no_share[] = {0xFE, 0x00, 0x00, 0x02, 0xC3, 0x01, 0x00, 0x01, 0x04};
	assert_err(decode_exact(no_share, sizeof no_share, &d), MLAB_E_TRUNCATED);
	const uint8_t trunc_share[] = {0xFE, 0x00, 0x00, 0x02, 0xC3, 0x01, 0x00, 0x01, 0x04, 0x00, 0x02, 0x11};
	assert_err(decode_exact(trunc_share, sizeof trunc_share, &d), MLAB_E_TRUNCATED);
	/* Empty share. */
	const uint8_t empty_share[] = {0xFE, 0x00, 0x00, 0x02, 0xC3, 0x01, 0x00, 0x01, 0x04, 0x00, 0x00};
	assert_err(decode_exact(empty_share, sizeof empty_share, &d), MLAB_E_EMPTY);
	/* Trailing bytes after the share. */
	const uint8_t trailing[] = {0xFE, 0x00, 0x00, 0x02, 0xC3, 0x01, 0x00, 0x01, 0x04, 0x00, 0x02, 0x11, 0x22, 0x00};
	assert_err(decode_exact(trailing, sizeof trailing - 1, &d), 0);
	assert_err(decode_exact(trailing, sizeof trailing, &d), MLAB_E_TRAILING);

	/* p longer than MLAB_MAX_SHARE, with every byte present. */
	memset(b, 0x77, sizeof b);
	n = 0;
	b[n++] = 0xFE;
	b[n++] = 0x00;
	b[n++] = (MLAB_MAX_SHARE + 1) >> 8;
	b[n++] = (MLAB_MAX_SHARE + 1) & 0xff;
	n += MLAB_MAX_SHARE + 1;
	b[n++] = 0x00;
	b[n++] = 0x01;
	b[n++] = 0x04;
	b[n++] = 0x00;
	b[n++] = 0x01;
	b[n++] = 0x05;
	assert_err(decode_exact(b, n, &d), MLAB_E_TOO_LONG);
	/* And when its bytes are not there either: the limit comes first. */
	assert_err(decode_exact(b, 6, &d), MLAB_E_TOO_LONG);
	/* Exactly MLAB_MAX_SHARE is fine: drop one byte of p. */
	b[2] = MLAB_MAX_SHARE >> 8;
	b[3] = MLAB_MAX_SHARE & 0xff;
	memmove(b + 4 + MLAB_MAX_SHARE, b + 4 + MLAB_MAX_SHARE + 1, 6);
	assert_err(decode_exact(b, n - 1, &d), 0);
	assert_int_equal(d.p_len, MLAB_MAX_SHARE);
	assert_int_equal(d.g_len, 1);
	assert_int_equal(d.len, 1);

	/* g longer than MLAB_MAX_SHARE. */
	n = 0;
	b[n++] = 0xFE;
	b[n++] = 0x00;
	b[n++] = 0x00;
	b[n++] = 0x02;
	b[n++] = 0xC3;
	b[n++] = 0x01;
	b[n++] = (MLAB_MAX_SHARE + 1) >> 8;
	b[n++] = (MLAB_MAX_SHARE + 1) & 0xff;
	memset(b + n, 0x04, MLAB_MAX_SHARE + 1);
	n += MLAB_MAX_SHARE + 1;
	b[n++] = 0x00;
	b[n++] = 0x01;
	b[n++] = 0x05;
	assert_err(decode_exact(b, n, &d), MLAB_E_TOO_LONG);

	/* A share longer than MLAB_MAX_SHARE after valid p and g. */
	n = 0;
	b[n++] = 0xFE;
	b[n++] = 0x00;
	b[n++] = 0x00;
	b[n++] = 0x02;
	b[n++] = 0xC3;
	b[n++] = 0x01;
	b[n++] = 0x00;
	b[n++] = 0x01;
	b[n++] = 0x04;
	b[n++] = (MLAB_MAX_SHARE + 1) >> 8;
	b[n++] = (MLAB_MAX_SHARE + 1) & 0xff;
	memset(b + n, 0x05, MLAB_MAX_SHARE + 1);
	n += MLAB_MAX_SHARE + 1;
	assert_err(decode_exact(b, n, &d), MLAB_E_TOO_LONG);

	/* A named group's KeyShare carrying p and g as explicit would: the
	 * "p" is read as the share, the rest is trailing. */
	const uint8_t named_with_pg[] = {0x01, 0x00, 0x00, 0x02, 0xC3, 0x01, 0x00, 0x01, 0x04, 0x00, 0x01, 0x05};
	assert_err(decode_exact(named_with_pg, sizeof named_with_pg, &d), MLAB_E_TRAILING);
}

/* ======================================================================
 * mlab_xgroup_*
 * ====================================================================== */

static void test_xgroup_set_rejects(void **s)
{
	(void)s;
	static uint8_t p[MLAB_MAX_EXPLICIT_P + 2], g[MLAB_MAX_EXPLICIT_P + 2];
	const uint8_t even_p[] = {0xD1, 0xE5, 0x96, 0x34, 0x88, 0x92};
	const uint8_t zero_p[] = {0x00, 0xD1, 0xE5, 0x96, 0x34, 0x88, 0x93};
	const uint8_t g7[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04};

	assert_err(set_only(lab48_p, sizeof lab48_p, lab48_g, 1), 0);
	/* p even. */
	assert_err(set_only(even_p, sizeof even_p, lab48_g, 1), MLAB_E_GROUP_PARAMS);
	/* A leading zero byte: another encoding of the same p. */
	assert_err(set_only(zero_p, sizeof zero_p, lab48_g, 1), MLAB_E_GROUP_PARAMS);
	/* Empty g, empty p, one-byte p. */
	assert_err(set_only(lab48_p, sizeof lab48_p, lab48_g, 0), MLAB_E_GROUP_PARAMS);
	assert_err(set_only(lab48_p, 0, lab48_g, 1), MLAB_E_GROUP_PARAMS);
	const uint8_t one_byte[] = {0xFB};
	assert_err(set_only(one_byte, 1, lab48_g, 1), MLAB_E_GROUP_PARAMS);
	/* g longer than p (even if its value is small). */
	assert_err(set_only(lab48_p, sizeof lab48_p, g7, sizeof g7), MLAB_E_GROUP_PARAMS);
	/* g as long as p, leading zeros and all: accepted (and checked later). */
	assert_err(set_only(lab48_p, sizeof lab48_p, g7 + 1, sizeof g7 - 1), 0);
	/* Two bytes is the smallest p. */
	const uint8_t p16[] = {0xC3, 0x01};
	assert_err(set_only(p16, sizeof p16, lab48_g, 1), 0);

	/* p longer than MLAB_MAX_EXPLICIT_P; exactly that long is fine. */
	memset(p, 0xff, sizeof p);
	memset(g, 0, sizeof g);
	g[0] = 2;
	assert_err(set_only(p, MLAB_MAX_EXPLICIT_P, g, 1), 0);
	assert_err(set_only(p, MLAB_MAX_EXPLICIT_P + 1, g, 1), MLAB_E_GROUP_PARAMS);
	assert_err(set_only(p, MLAB_MAX_EXPLICIT_P + 1, g, MLAB_MAX_EXPLICIT_P + 1), MLAB_E_GROUP_PARAMS);
	/* ffdhe3072's p (384 bytes) is the largest real one that fits. */
	assert_true(mlab_group_by_id(MLAB_GROUP_FFDHE3072)->share_len <= MLAB_MAX_EXPLICIT_P);
}

static void test_xgroup_set_fields(void **s)
{
	(void)s;
	struct mlab_xgroup *x = malloc(sizeof *x);
	uint8_t p[MLAB_MAX_SHARE], g[MLAB_MAX_SHARE];
	size_t pl = 0, gl = 0;

	assert_non_null(x);
	assert_err(mlab_xgroup_set(x, lab48_p, sizeof lab48_p, lab48_g, 1), 0);
	assert_int_equal(x->group.id, MLAB_GROUP_EXPLICIT);
	assert_string_equal(x->group.name, "explicit");
	assert_int_equal(x->group.share_len, sizeof lab48_p);
	assert_int_equal(x->group.bits, 48);
	assert_true(x->group.weak);
	assert_int_equal(x->group.sec_bits, 24);
	assert_ptr_equal(x->group.modp, &x->modp);
	assert_ptr_equal(x->group.ops, &mlab_lab_ops);
	assert_string_equal(x->p, "D1E596348893");
	assert_string_equal(x->q, "68F2CB1A4449"); /* (p-1)/2: lab-48's q */
	assert_string_equal(x->g, "04");
	assert_err(mlab_xgroup_check(x), 0);
	assert_err(mlab_xgroup_bytes(x, p, &pl, g, &gl), 0);
	assert_int_equal(pl, sizeof lab48_p);
	assert_memory_equal(p, lab48_p, pl);
	assert_int_equal(gl, 1);
	assert_int_equal(g[0], 4);

	/* A key pair in it works as in lab-48. */
	struct mlab_dh d1, d2;
	uint8_t s1[MLAB_MAX_SECRET], s2[MLAB_MAX_SECRET];
	size_t n1 = 0, n2 = 0;
	assert_err(mlab_dh_keygen(&x->group, &d1), 0);
	assert_err(mlab_dh_keygen(mlab_group_by_id(MLAB_GROUP_LAB48), &d2), 0);
	assert_err(mlab_dh_derive(&d1, d2.pub, d2.pub_len, true, s1, &n1), 0);
	assert_err(mlab_dh_derive(&d2, d1.pub, d1.pub_len, true, s2, &n2), 0);
	assert_int_equal(n1, n2);
	assert_memory_equal(s1, s2, n1);
	mlab_dh_free(&d1);
	mlab_dh_free(&d2);

	/* g = 0 still has one byte on the wire. */
	const uint8_t g0[] = {0x00};
	assert_err(mlab_xgroup_set(x, lab48_p, sizeof lab48_p, g0, 1), 0);
	assert_err(mlab_xgroup_bytes(x, p, &pl, g, &gl), 0);
	assert_int_equal(gl, 1);
	assert_int_equal(g[0], 0);
	/* g with leading zeros: the same number, but the bytes stay as they
	 * came, because a params-scope signature covers the bytes sent. */
	const uint8_t g6[] = {0, 0, 0, 0, 0, 9};
	assert_err(mlab_xgroup_set(x, lab48_p, sizeof lab48_p, g6, sizeof g6), 0);
	assert_string_equal(x->g, "09");
	assert_err(mlab_xgroup_bytes(x, p, &pl, g, &gl), 0);
	assert_int_equal(gl, sizeof g6);
	assert_memory_equal(g, g6, sizeof g6);
	free(x);
}

static void test_xgroup_from(void **s)
{
	(void)s;
	struct mlab_xgroup *x = malloc(sizeof *x);
	BIGNUM *p, *q, *gen, *bp, *bg;
	uint8_t pb[MLAB_MAX_SHARE], gb[MLAB_MAX_SHARE];
	size_t pl = 0, gl = 0;

	assert_non_null(x);
	static const struct {
		uint16_t id;
		unsigned bits, sec;
		bool weak;
	} cases[] = {
	    {MLAB_GROUP_FFDHE2048, 2048, 103, false},
	    {MLAB_GROUP_FFDHE3072, 3072, 125, false},
	    {MLAB_GROUP_LAB32, 32, 16, true},
	    {MLAB_GROUP_LAB48, 48, 24, true},
	};
	for (size_t i = 0; i < N_OF(cases); i++) {
		const struct mlab_group *named = mlab_group_by_id(cases[i].id);
		assert_err(mlab_xgroup_from(x, named), 0);
		assert_int_equal(x->group.bits, cases[i].bits);
		assert_int_equal(x->group.share_len, named->share_len);
		assert_int_equal(x->group.sec_bits, cases[i].sec);
		assert_int_equal(x->group.weak, cases[i].weak);
		assert_err(mlab_group_params(named, &p, &q, &gen), 0);
		assert_err(mlab_xgroup_bytes(x, pb, &pl, gb, &gl), 0);
		bp = bn_bytes(pb, pl);
		bg = bn_bytes(gb, gl);
		assert_int_equal(BN_cmp(bp, p), 0);
		assert_int_equal(BN_cmp(bg, gen), 0);
		BN_free(p);
		BN_free(q);
		BN_free(gen);
		BN_free(bp);
		BN_free(bg);
	}
	/* No finite-field parameters to take. */
	assert_err(mlab_xgroup_from(x, mlab_group_by_id(MLAB_GROUP_X25519)), MLAB_E_ARG);
	assert_err(mlab_xgroup_from(x, mlab_group_by_id(MLAB_GROUP_EXPLICIT)), MLAB_E_ARG);
	/* "explicit" is a name for offers: known by id and name, not listed. */
	assert_non_null(mlab_group_by_id(MLAB_GROUP_EXPLICIT));
	assert_ptr_equal(mlab_group_by_name("explicit"), mlab_group_by_id(MLAB_GROUP_EXPLICIT));
	size_t n = 0;
	const struct mlab_group *const *all = mlab_group_all(&n);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal(all[i]->id, MLAB_GROUP_EXPLICIT);
	free(x);
}

static void test_xgroup_check_real_groups_pass(void **s)
{
	(void)s;
	struct mlab_xgroup *x = malloc(sizeof *x);
	const uint16_t ids[] = {MLAB_GROUP_FFDHE2048, MLAB_GROUP_LAB48, MLAB_GROUP_LAB32};
	assert_non_null(x);
	for (size_t i = 0; i < N_OF(ids); i++) {
		assert_err(mlab_xgroup_from(x, mlab_group_by_id(ids[i])), 0);
		assert_err(mlab_xgroup_check(x), 0);
	}
	free(x);
}

/* g = 0, 1, p-1, p, p+1 for the p of a named group. */
static void degenerate_g(uint16_t id)
{
	uint8_t p[MLAB_MAX_SHARE], g[MLAB_MAX_SHARE];
	size_t pl = 0, gl = 0;
	static const struct {
		long d;
		bool word;
	} cases[] = {{0, true}, {1, true}, {-1, false}, {0, false}, {1, false}};

	named_pg(id, p, &pl, g, &gl);
	BIGNUM *bp = bn_bytes(p, pl);
	for (size_t i = 0; i < N_OF(cases); i++) {
		BIGNUM *v = bn_rel(bp, cases[i].d, cases[i].word);
		uint8_t enc[MLAB_MAX_SHARE];
		bn_pad(v, enc, pl);
		/* set takes them (the lessons need them computable) ... */
		assert_err(set_only(p, pl, enc, pl), 0);
		/* ... check refuses them, padded or minimal. */
		assert_err(set_and_check(p, pl, enc, pl), MLAB_E_GROUP_PARAMS);
		if (cases[i].word)
			assert_err(set_and_check(p, pl, enc + pl - 1, 1), MLAB_E_GROUP_PARAMS);
		BN_free(v);
	}
	/* The group's own g passes. */
	assert_err(set_and_check(p, pl, g, gl), 0);
	BN_free(bp);
}

static void test_xgroup_check_degenerate_g_lab48(void **s)
{
	(void)s;
	degenerate_g(MLAB_GROUP_LAB48);
}

static void test_xgroup_check_degenerate_g_ffdhe2048(void **s)
{
	(void)s;
	degenerate_g(MLAB_GROUP_FFDHE2048);
}

static void test_xgroup_check_not_safe_prime(void **s)
{
	(void)s;
	struct mlab_xgroup *x = malloc(sizeof *x);
	assert_non_null(x);
	/* lab-64-smooth: p prime, (p-1)/2 smooth. */
	assert_err(mlab_xgroup_from(x, mlab_group_by_id(MLAB_GROUP_LAB64_SMOOTH)), 0);
	assert_err(mlab_xgroup_check(x), MLAB_E_GROUP_PARAMS);
	/* Even with a square as generator. */
	const uint8_t smooth_p[] = {0xB0, 0x9F, 0x2A, 0x5C, 0xCB, 0xBC, 0x08, 0xEB};
	const uint8_t four[] = {4};
	assert_err(set_and_check(smooth_p, sizeof smooth_p, four, 1), MLAB_E_GROUP_PARAMS);
	/* A composite p: 0xFFFF = 3 * 5 * 17 * 257. */
	const uint8_t comp[] = {0xFF, 0xFF};
	assert_err(set_and_check(comp, sizeof comp, four, 1), MLAB_E_GROUP_PARAMS);
	/* lab-48's q as p: prime, but (q-1)/2 is even: not a safe prime. */
	const uint8_t q48[] = {0x68, 0xF2, 0xCB, 0x1A, 0x44, 0x49};
	assert_err(set_and_check(q48, sizeof q48, four, 1), MLAB_E_GROUP_PARAMS);
	free(x);
}

/* The smallest g >= 2 outside the order-q subgroup (a non-residue) fails;
 * its square, inside, passes. */
static void non_subgroup_g(uint16_t id)
{
	uint8_t p[MLAB_MAX_SHARE], g[MLAB_MAX_SHARE], enc[MLAB_MAX_SHARE];
	size_t pl = 0, gl = 0;
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *t = BN_new(), *v = BN_new(), *q = BN_new();

	assert_non_null(ctx);
	assert_non_null(t);
	assert_non_null(v);
	assert_non_null(q);
	named_pg(id, p, &pl, g, &gl);
	BIGNUM *bp = bn_bytes(p, pl);
	assert_true(BN_rshift1(q, bp));
	BN_ULONG w;
	for (w = 2; w < 1000; w++) {
		assert_true(BN_set_word(v, w));
		assert_true(BN_mod_exp(t, v, q, bp, ctx));
		if (!BN_is_one(t))
			break;
	}
	assert_true(w < 1000);
	bn_pad(v, enc, pl);
	assert_err(set_and_check(p, pl, enc, pl), MLAB_E_GROUP_PARAMS);
	assert_true(BN_mod_sqr(t, v, bp, ctx));
	bn_pad(t, enc, pl);
	assert_err(set_and_check(p, pl, enc, pl), 0);
	BN_free(bp);
	BN_free(t);
	BN_free(v);
	BN_free(q);
	BN_CTX_free(ctx);
}

static void test_xgroup_check_non_subgroup_g_lab48(void **s)
{
	(void)s;
	non_subgroup_g(MLAB_GROUP_LAB48);
}

static void test_xgroup_check_non_subgroup_g_ffdhe2048(void **s)
{
	(void)s;
	non_subgroup_g(MLAB_GROUP_FFDHE2048);
}

/* ======================================================================
 * The check's cost
 * ====================================================================== */

/* x from a BIGNUM p and a one-byte g. */
static struct mlab_xgroup *xgroup_of(const BIGNUM *p, uint8_t g)
{
	struct mlab_xgroup *x = malloc(sizeof *x);
	uint8_t pb[MLAB_MAX_EXPLICIT_P];
	assert_non_null(x);
	int n = BN_bn2bin(p, pb);
	assert_err(mlab_xgroup_set(x, pb, (size_t)n, &g, 1), 0);
	return x;
}

static void test_xcheck_known_groups(void **s)
{
	(void)s;
	struct mlab_xgroup *x = malloc(sizeof *x);
	const uint16_t ids[] = {MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE3072, MLAB_GROUP_LAB48, MLAB_GROUP_LAB32};
	bool same_g = false;
	assert_non_null(x);
	for (size_t i = 0; i < N_OF(ids); i++) {
		assert_err(mlab_xgroup_from(x, mlab_group_by_id(ids[i])), 0);
		assert_ptr_equal(mlab_xgroup_known(x, &same_g), mlab_group_by_id(ids[i]));
		assert_true(same_g);
		/* Its own g needs no arithmetic: not even a zero budget stops it. */
		assert_err(mlab_xgroup_check_within(x, 0), 0);
	}
	/* lab-64-smooth's p is not a safe prime: not known, and refused. */
	assert_err(mlab_xgroup_from(x, mlab_group_by_id(MLAB_GROUP_LAB64_SMOOTH)), 0);
	assert_null(mlab_xgroup_known(x, &same_g));
	assert_err(mlab_xgroup_check(x), MLAB_E_GROUP_PARAMS);
	free(x);

	/* ffdhe3072's p with another g: known p, g checked (4 = 2^2 is in the
	 * subgroup; p-1 is not, and 1 is degenerate). */
	BIGNUM *p, *q, *g;
	assert_err(mlab_group_params(mlab_group_by_id(MLAB_GROUP_FFDHE3072), &p, &q, &g), 0);
	x = xgroup_of(p, 4);
	assert_non_null(mlab_xgroup_known(x, &same_g));
	assert_false(same_g);
	assert_err(mlab_xgroup_check(x), 0);
	free(x);
	x = xgroup_of(p, 1);
	assert_err(mlab_xgroup_check(x), MLAB_E_GROUP_PARAMS);
	free(x);
	/* A g with a leading zero byte is still the group's own. */
	uint8_t pb[MLAB_MAX_EXPLICIT_P], g2[2] = {0, 2};
	int n = BN_bn2bin(p, pb);
	x = malloc(sizeof *x);
	assert_non_null(x);
	assert_err(mlab_xgroup_set(x, pb, (size_t)n, g2, 2), 0);
	assert_non_null(mlab_xgroup_known(x, &same_g));
	assert_true(same_g);
	free(x);
	BN_free(p);
	BN_free(q);
	BN_free(g);
}

/* RFC 3526's 2048-bit MODP group: a safe prime the lab does not name, so
 * it takes the whole bounded test. The budget is wide here: under valgrind
 * the test runs fifty times slower than the budget was made for. */
static void test_xcheck_unknown_2048(void **s)
{
	(void)s;
	BIGNUM *p = BN_get_rfc3526_prime_2048(NULL);
	bool same_g;
	assert_non_null(p);
	struct mlab_xgroup *x = xgroup_of(p, 2);
	assert_null(mlab_xgroup_known(x, &same_g));
	assert_err(mlab_xgroup_check_within(x, 600000), 0);
	/* The budget is checked before every Miller-Rabin round. */
	assert_err(mlab_xgroup_check_within(x, 0), MLAB_E_PARAMS_COST);
	free(x);
	/* A non-residue passes the range and the primality test, then fails
	 * g^q = 1: p = 7 mod 8, so -1 is a non-residue and 2 a residue, and
	 * g = p - 2 = -2 is outside the subgroup of order q. */
	BIGNUM *pm2 = BN_dup(p);
	uint8_t pb[MLAB_MAX_EXPLICIT_P], gb[MLAB_MAX_EXPLICIT_P];
	assert_non_null(pm2);
	assert_int_equal(BN_mod_word(p, 8), 7);
	assert_true(BN_sub_word(pm2, 2));
	int pl = BN_bn2bin(p, pb), gl = BN_bn2bin(pm2, gb);
	x = malloc(sizeof *x);
	assert_non_null(x);
	assert_err(mlab_xgroup_set(x, pb, (size_t)pl, gb, (size_t)gl), 0);
	assert_err(mlab_xgroup_check_within(x, 600000), MLAB_E_GROUP_PARAMS);
	free(x);
	BN_free(pm2);
	BN_free(p);
}

static void test_xcheck_unknown_composite(void **s)
{
	(void)s;
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *a = BN_get_rfc2409_prime_1024(NULL), *b = BN_get_rfc2409_prime_768(NULL), *q = BN_new(), *p = BN_new();
	assert_true(ctx && a && b && q && p);
	/* q = the product of two large primes (no small factor for trial
	 * division to find): Miller-Rabin must. p = 2q + 1 is 1793 bits. */
	assert_true(BN_mul(q, a, b, ctx) && BN_lshift1(p, q) && BN_add_word(p, 1));
	struct mlab_xgroup *x = xgroup_of(p, 4);
	assert_err(mlab_xgroup_check_within(x, 600000), MLAB_E_GROUP_PARAMS);
	free(x);
	/* q prime (RFC 2409's 1024-bit p) but 2q + 1 composite: Pocklington's
	 * step refuses it (checked here with OpenSSL's own test). */
	assert_true(BN_lshift1(p, a) && BN_add_word(p, 1));
	assert_int_equal(BN_check_prime(p, ctx, NULL), 0);
	assert_int_equal(BN_check_prime(a, ctx, NULL), 1);
	x = xgroup_of(p, 4);
	assert_err(mlab_xgroup_check_within(x, 600000), MLAB_E_GROUP_PARAMS);
	free(x);
	BN_free(a);
	BN_free(b);
	BN_free(q);
	BN_free(p);
	BN_CTX_free(ctx);
}

/* An unknown p above 2048 bits is refused before any arithmetic, however
 * wide the budget; 3072-bit parameters are only ever ffdhe3072's. */
static void test_xcheck_unknown_3072_refused(void **s)
{
	(void)s;
	BIGNUM *p = BN_get_rfc3526_prime_3072(NULL);
	assert_non_null(p);
	struct mlab_xgroup *x = xgroup_of(p, 2);
	assert_err(mlab_xgroup_check_within(x, 600000), MLAB_E_PARAMS_COST);
	free(x);
	/* 2049 bits: the same. */
	BIGNUM *big = BN_get_rfc3526_prime_2048(NULL);
	assert_non_null(big);
	assert_true(BN_set_bit(big, 2048));
	x = xgroup_of(big, 2);
	assert_err(mlab_xgroup_check_within(x, 600000), MLAB_E_PARAMS_COST);
	free(x);
	BN_free(big);
	BN_free(p);
}

/* ======================================================================
 * Two engines in memory, with a tamper step between them
 * ====================================================================== */

struct party {
	struct mlab_kex k;
	struct mlab_ev ev;
	json_t *events;
	uint8_t *obuf;
	struct mlab_wr out;
	uint8_t data[256];
	size_t data_len;
	int n_opened;
};

struct logged {
	uint8_t type;
	uint8_t *body;
	size_t len;
};

/* What the tamper step does to frames on their way. */
struct tamper {
	/* Bob's KeyShare: g replaced (g_len > 0), share replaced by 1. */
	uint8_t g[MLAB_MAX_SHARE];
	size_t g_len;
	bool share_one;
	/* Bob's KeyShare: p replaced (p_len > 0), with g = 2 and a share of
	 * 4, p's length, so that only p is in question. */
	uint8_t p[MLAB_MAX_EXPLICIT_P];
	size_t p_len;
	/* Alice's KeyShare: p and g added (lab-48's). */
	bool add_params;
	/* Alice's ClientHello: group offer replaced (n_groups > 0). */
	uint16_t groups[MLAB_MAX_OFFERS];
	size_t n_groups;
};

struct world {
	struct party a, b;
	struct tamper t;
	struct logged log[2][MAX_LOG]; /* frames as delivered, per direction */
	size_t n_log[2];
};

static struct world *live[4];

static void sink(void *arg, const char *name, const json_t *event)
{
	(void)name;
	assert_int_equal(json_array_append_new((json_t *)arg, json_deep_copy(event)), 0);
}

static void party_init(struct party *p, const char *name, const struct mlab_kex_config *cfg)
{
	p->events = json_array();
	assert_non_null(p->events);
	mlab_ev_init(&p->ev, name, -1, getenv("MLAB_TEST_VERBOSE") ? stderr : NULL);
	p->ev.sink = sink;
	p->ev.sink_arg = p->events;
	p->obuf = malloc(OUT_CAP);
	assert_non_null(p->obuf);
	mlab_wr_init(&p->out, p->obuf, OUT_CAP);
	assert_err(mlab_kex_init(&p->k, cfg, &p->ev), 0);
}

static void world_release(struct world *w)
{
	for (int i = 0; i < 2; i++) {
		struct party *p = i ? &w->b : &w->a;
		mlab_kex_free(&p->k);
		json_decref(p->events);
		free(p->obuf);
		for (size_t j = 0; j < w->n_log[i]; j++)
			free(w->log[i][j].body);
	}
	free(w);
}

static int cleanup(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_OF(live); i++)
		if (live[i]) {
			world_release(live[i]);
			live[i] = NULL;
		}
	return 0;
}

static struct world *world_new(const struct mlab_kex_config *ca, const struct mlab_kex_config *cb)
{
	struct world *w = calloc(1, sizeof *w);
	size_t i;
	assert_non_null(w);
	for (i = 0; i < N_OF(live) && live[i]; i++)
		;
	assert_true(i < N_OF(live));
	live[i] = w;
	party_init(&w->a, "alice", ca);
	party_init(&w->b, "bob", cb);
	return w;
}

static void world_free(struct world *w)
{
	for (size_t i = 0; i < N_OF(live); i++)
		if (live[i] == w)
			live[i] = NULL;
	world_release(w);
}

/* Re-encodes a frame into body (room: MLAB_MAX_FRAME), dropping the header. */
static void put_body(struct mlab_wr *fw, uint8_t *body, size_t *len)
{
	memcpy(body, fw->p + MLAB_FRAME_HDR, fw->len - MLAB_FRAME_HDR);
	*len = fw->len - MLAB_FRAME_HDR;
}

static void apply_tamper(struct world *w, int dir, uint8_t type, uint8_t *body, size_t *len)
{
	const struct tamper *t = &w->t;
	uint8_t *orig = dup_exact(body, *len), *fb = malloc(MLAB_MAX_FRAME);
	uint8_t one[MLAB_MAX_SHARE];
	struct mlab_wr fw;

	assert_non_null(fb);
	mlab_wr_init(&fw, fb, MLAB_MAX_FRAME);
	if (dir == TO_ALICE && type == MLAB_MSG_KEY_SHARE && t->p_len) {
		static const uint8_t two[] = {2};
		struct mlab_key_share ks;
		assert_err(mlab_key_share_decode(orig, *len, &ks), 0);
		memset(one, 0, t->p_len);
		one[t->p_len - 1] = 4;
		ks.p = t->p;
		ks.p_len = (uint16_t)t->p_len;
		ks.g = two;
		ks.g_len = 1;
		ks.share = one;
		ks.len = (uint16_t)t->p_len;
		assert_err(mlab_key_share_encode(&fw, &ks), 0);
		put_body(&fw, body, len);
	} else if (dir == TO_ALICE && type == MLAB_MSG_KEY_SHARE && (t->g_len || t->share_one)) {
		struct mlab_key_share ks;
		assert_err(mlab_key_share_decode(orig, *len, &ks), 0);
		assert_int_equal(ks.group, MLAB_GROUP_EXPLICIT);
		if (t->g_len) {
			ks.g = t->g;
			ks.g_len = (uint16_t)t->g_len;
		}
		if (t->share_one) {
			memset(one, 0, ks.len);
			one[ks.len - 1] = 1;
			ks.share = one;
		}
		assert_err(mlab_key_share_encode(&fw, &ks), 0);
		put_body(&fw, body, len);
	} else if (dir == TO_BOB && type == MLAB_MSG_KEY_SHARE && t->add_params) {
		struct mlab_key_share ks;
		assert_err(mlab_key_share_decode(orig, *len, &ks), 0);
		ks.p = lab48_p;
		ks.p_len = sizeof lab48_p;
		ks.g = lab48_g;
		ks.g_len = sizeof lab48_g;
		assert_err(mlab_key_share_encode(&fw, &ks), 0);
		put_body(&fw, body, len);
	} else if (dir == TO_BOB && type == MLAB_MSG_CLIENT_HELLO && t->n_groups) {
		struct mlab_client_hello ch;
		assert_err(mlab_client_hello_decode(orig, *len, &ch), 0);
		memcpy(ch.groups, t->groups, t->n_groups * sizeof t->groups[0]);
		ch.n_groups = (uint8_t)t->n_groups;
		assert_err(mlab_client_hello_encode(&fw, &ch), 0);
		put_body(&fw, body, len);
	}
	free(orig);
	free(fb);
}

static void deliver(struct party *to, uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t *copy = dup_exact(body, len);
	if (to->k.err) {
		/* a failed engine has hung up */
	} else if (type == MLAB_MSG_RECORD && mlab_kex_connected(&to->k)) {
		uint8_t content = 0;
		size_t n = 0;
		uint8_t *data = malloc(MLAB_MAX_PLAINTEXT);
		assert_non_null(data);
		if (mlab_kex_open(&to->k, copy, len, &content, data, &n, &to->out) == 0 &&
		    content == MLAB_CONTENT_DATA) {
			assert_true(n <= sizeof to->data);
			memcpy(to->data, data, n);
			to->data_len = n;
			to->n_opened++;
		}
		free(data);
	} else {
		(void)mlab_kex_input(&to->k, type, copy, len, &to->out);
	}
	free(copy);
}

static void pump(struct world *w, int dir)
{
	struct party *from = dir == TO_BOB ? &w->a : &w->b, *to = dir == TO_BOB ? &w->b : &w->a;
	uint8_t *buf = dup_exact(from->obuf, from->out.len), *scratch = malloc(MLAB_MAX_FRAME);
	size_t n = from->out.len;
	struct mlab_rd r;

	assert_non_null(scratch);
	from->out.len = 0;
	mlab_rd_init(&r, buf, n);
	while (mlab_rd_left(&r)) {
		uint8_t t = 0;
		const uint8_t *b = NULL;
		uint32_t len = 0;
		size_t blen;
		assert_err(mlab_frame_next(&r, &t, &b, &len), 0);
		memcpy(scratch, b, len);
		blen = len;
		apply_tamper(w, dir, t, scratch, &blen);
		assert_true(w->n_log[dir] < MAX_LOG);
		w->log[dir][w->n_log[dir]++] = (struct logged){t, dup_exact(scratch, blen), blen};
		deliver(to, t, scratch, blen);
	}
	free(scratch);
	free(buf);
}

static void settle(struct world *w)
{
	for (int i = 0; i < 16; i++) {
		if (!w->a.out.len && !w->b.out.len)
			return;
		pump(w, TO_BOB);
		pump(w, TO_ALICE);
	}
	fail_msg("still talking after 16 rounds");
}

static void run(struct world *w)
{
	assert_err(mlab_kex_start(&w->a.k, &w->a.out), 0);
	settle(w);
}

static struct mlab_kex_config cfg_of(enum mlab_role role, uint8_t mode, uint16_t group)
{
	struct mlab_kex_config c = kex_cfg(role, mode, group, MLAB_CIPHER_CHACHA20_POLY1305);
	c.own_key = role == MLAB_INITIATOR ? alice_key : bob_key;
	c.peer_key = role == MLAB_INITIATOR ? bob_pub : alice_pub;
	return c;
}

static void cfg_groups(struct mlab_kex_config *c, size_t n, const uint16_t *g)
{
	memcpy(c->groups, g, n * sizeof g[0]);
	c->n_groups = n;
}

/* ---------------------------------------------------------------- events */

static size_t ev_count(const struct party *p, const char *name)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach(p->events, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0)
			n++;
	}
	return n;
}

static json_t *ev_get(const struct party *p, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(p->events, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0)
			return e;
	}
	fail_msg("%s: no event %s", p->ev.actor, name);
	return NULL;
}

static const char *ev_str(const struct party *p, const char *name, const char *field)
{
	const char *v = json_string_value(json_object_get(ev_get(p, name), field));
	if (!v)
		fail_msg("%s: event %s has no string field %s", p->ev.actor, name, field);
	return v;
}

/* ---------------------------------------------------------------- checks */

static void assert_connected(struct world *w, uint16_t group)
{
	assert_int_equal(w->a.k.err, 0);
	assert_int_equal(w->b.k.err, 0);
	assert_true(mlab_kex_connected(&w->a.k));
	assert_true(mlab_kex_connected(&w->b.k));
	assert_int_equal(w->a.k.group, group);
	assert_int_equal(w->b.k.group, group);
	assert_string_equal(w->a.k.keys.key_id, w->b.k.keys.key_id);
	assert_string_equal(ev_str(&w->a, "handshake-done", "key_id"), ev_str(&w->b, "handshake-done", "key_id"));
	assert_int_equal(ev_count(&w->a, "error"), 0);
	assert_int_equal(ev_count(&w->b, "error"), 0);
}

static void send_both_ways(struct world *w)
{
	const char *m1 = "hello bob", *m2 = "hello alice";
	assert_err(mlab_kex_seal(&w->a.k, MLAB_CONTENT_DATA, (const uint8_t *)m1, strlen(m1), &w->a.out), 0);
	settle(w);
	assert_int_equal(w->b.n_opened, 1);
	assert_int_equal(w->b.data_len, strlen(m1));
	assert_memory_equal(w->b.data, m1, strlen(m1));
	assert_err(mlab_kex_seal(&w->b.k, MLAB_CONTENT_DATA, (const uint8_t *)m2, strlen(m2), &w->b.out), 0);
	settle(w);
	assert_int_equal(w->a.n_opened, 1);
	assert_memory_equal(w->a.data, m2, strlen(m2));
}

/* p failed with code: sticky state, one error event, and exactly one ALERT
 * (carrying the code) among what it sent, as its last frame; the peer, if
 * still alive then, aborted on that alert. */
static void assert_failed(struct world *w, struct party *p, int code)
{
	int dir = p == &w->a ? TO_BOB : TO_ALICE;
	struct party *peer = p == &w->a ? &w->b : &w->a;
	size_t n_alerts = 0;
	struct mlab_alert al;

	assert_err(p->k.err, code);
	assert_int_equal(p->k.state, MLAB_KEX_FAILED);
	assert_false(mlab_kex_connected(&p->k));
	assert_int_equal(ev_count(p, "error"), 1);
	assert_string_equal(ev_str(p, "error", "error"), mlab_err_name(code));
	for (size_t i = 0; i < w->n_log[dir]; i++)
		if (w->log[dir][i].type == MLAB_MSG_ALERT)
			n_alerts++;
	assert_int_equal(n_alerts, 1);
	const struct logged *last = &w->log[dir][w->n_log[dir] - 1];
	assert_int_equal(last->type, MLAB_MSG_ALERT);
	assert_err(mlab_alert_decode(last->body, last->len, &al), 0);
	assert_int_equal(-(int)al.code, code);
	assert_err(peer->k.err, MLAB_E_PEER_ALERT);
	assert_string_equal(ev_str(peer, "alert-received", "error"), mlab_err_name(code));
}

/* The frame types a side sent, in order. */
static void assert_sent(const struct world *w, int dir, const uint8_t *types, size_t n)
{
	assert_int_equal(w->n_log[dir], n);
	for (size_t i = 0; i < n; i++)
		if (w->log[dir][i].type != types[i])
			fail_msg("frame %zu: %s, expected %s", i, mlab_msg_name(w->log[dir][i].type),
				 mlab_msg_name(types[i]));
}

/* ======================================================================
 * Engine: happy paths
 * ====================================================================== */

static void explicit_happy(uint16_t from, bool validate)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	const struct mlab_group *named = mlab_group_by_id(from);
	uint8_t p[MLAB_MAX_SHARE], g[MLAB_MAX_SHARE];
	size_t pl = 0, gl = 0;
	struct mlab_key_share ks;
	char hex[2 * MLAB_MAX_SHARE + 1];

	b.explicit_from = from == MLAB_GROUP_FFDHE2048 ? 0 : from; /* 0: the default, ffdhe2048 */
	a.validate_shares = b.validate_shares = validate;
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_GROUP_EXPLICIT);
	assert_string_equal(ev_str(&w->a, "negotiated", "group"), "explicit");
	assert_string_equal(ev_str(&w->b, "negotiated", "group"), "explicit");
	assert_string_equal(ev_str(&w->a, "handshake-done", "group"), "explicit");
	assert_string_equal(ev_str(&w->b, "handshake-done", "group"), "explicit");

	/* The initiator took the parameters, and said whether it checked them. */
	assert_int_equal(ev_count(&w->a, "params-received"), 1);
	assert_int_equal(ev_count(&w->b, "params-received"), 0);
	json_t *e = ev_get(&w->a, "params-received");
	assert_int_equal(json_integer_value(json_object_get(e, "bits")), named->bits);
	assert_int_equal(json_is_true(json_object_get(e, "checked")), validate);
	/* Every group a responder sends from is one the initiator knows. */
	assert_string_equal(json_string_value(json_object_get(e, "known")), named->name);
	named_pg(from, p, &pl, g, &gl);
	mlab_hex(p, pl, hex);
	assert_true(strcasecmp(json_string_value(json_object_get(e, "p")), hex) == 0);
	assert_int_equal(w->a.k.xg.group.bits, named->bits);
	assert_int_equal(w->b.k.xg.group.bits, named->bits);

	/* On the wire: bob's KeyShare carries the named group's p and g, and a
	 * share of p's length; alice's carries neither. */
	const struct logged *bks = &w->log[TO_ALICE][1], *aks = &w->log[TO_BOB][1];
	assert_int_equal(bks->type, MLAB_MSG_KEY_SHARE);
	assert_err(mlab_key_share_decode(bks->body, bks->len, &ks), 0);
	assert_int_equal(ks.group, MLAB_GROUP_EXPLICIT);
	assert_int_equal(ks.p_len, pl);
	assert_memory_equal(ks.p, p, pl);
	assert_int_equal(ks.g_len, gl);
	assert_memory_equal(ks.g, g, gl);
	assert_int_equal(ks.len, named->share_len);
	assert_int_equal(aks->type, MLAB_MSG_KEY_SHARE);
	assert_err(mlab_key_share_decode(aks->body, aks->len, &ks), 0);
	assert_int_equal(ks.group, MLAB_GROUP_EXPLICIT);
	assert_int_equal(ks.p_len, 0);
	assert_int_equal(ks.g_len, 0);
	assert_int_equal(ks.len, named->share_len);
	send_both_ways(w);
	world_free(w);
}

static void test_engine_explicit_ffdhe2048(void **s)
{
	(void)s;
	explicit_happy(MLAB_GROUP_FFDHE2048, true);
}

static void test_engine_explicit_ffdhe3072(void **s)
{
	(void)s;
	explicit_happy(MLAB_GROUP_FFDHE3072, true);
}

static void test_engine_explicit_lab48(void **s)
{
	(void)s;
	explicit_happy(MLAB_GROUP_LAB48, true);
}

static void test_engine_explicit_lab48_weakened(void **s)
{
	(void)s;
	explicit_happy(MLAB_GROUP_LAB48, false);
}

/* Explicit among named groups: chosen by the initiator's preference. */
static void test_engine_explicit_preference(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	const uint16_t ga[] = {MLAB_GROUP_X25519, MLAB_GROUP_EXPLICIT};
	const uint16_t gb[] = {MLAB_GROUP_EXPLICIT, MLAB_GROUP_X25519};
	cfg_groups(&a, 2, ga);
	cfg_groups(&b, 2, gb);
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_GROUP_X25519);
	assert_int_equal(ev_count(&w->a, "params-received"), 0);
	world_free(w);

	const uint16_t ga2[] = {MLAB_GROUP_EXPLICIT, MLAB_GROUP_X25519};
	cfg_groups(&a, 2, ga2);
	b.explicit_from = MLAB_GROUP_LAB48;
	w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_GROUP_EXPLICIT);
	assert_int_equal(w->a.k.xg.group.bits, 48);
	world_free(w);
}

/* ======================================================================
 * Engine: malicious parameters
 * ====================================================================== */

/* The value v (0, 1, p-1, p: word/relative to p) as g in t, p's length. */
static void tamper_g(struct tamper *t, uint16_t from, long d, bool word)
{
	uint8_t p[MLAB_MAX_SHARE], g[MLAB_MAX_SHARE];
	size_t pl = 0, gl = 0;
	named_pg(from, p, &pl, g, &gl);
	BIGNUM *bp = bn_bytes(p, pl), *v = bn_rel(bp, d, word);
	bn_pad(v, t->g, pl);
	t->g_len = pl;
	BN_free(v);
	BN_free(bp);
}

static void test_engine_validating_refuses_degenerate_g(void **s)
{
	(void)s;
	static const struct {
		long d;
		bool word;
	} cases[] = {{1, true}, {0, true}, {-1, false}, {0, false}};
	const uint8_t sent[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_ALERT};

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
		struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
		struct world *w = world_new(&a, &b);
		tamper_g(&w->t, MLAB_GROUP_FFDHE2048, cases[i].d, cases[i].word);
		run(w);
		assert_failed(w, &w->a, MLAB_E_GROUP_PARAMS);
		assert_string_equal(ev_str(&w->a, "error", "check"), "params");
		/* It said what it got, then refused: no share of its own went out. */
		assert_int_equal(ev_count(&w->a, "params-received"), 1);
		assert_true(json_is_true(json_object_get(ev_get(&w->a, "params-received"), "checked")));
		assert_int_equal(ev_count(&w->a, "share-sent"), 0);
		assert_sent(w, TO_BOB, sent, N_OF(sent));
		world_free(w);
	}
}

/* A hostile responder's unknown 3072-bit p: refused at once (the cost
 * error, check params), with no share of alice's sent. RFC 3526's 2048-bit
 * p in its place is tested and accepted; alice then fails only on bob's
 * Finished, because the share she answered was computed in another group. */
static void test_engine_unknown_p(void **s)
{
	(void)s;
	BIGNUM *p3 = BN_get_rfc3526_prime_3072(NULL);
	const uint8_t sent[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_ALERT};
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	assert_non_null(p3);
	b.explicit_from = MLAB_GROUP_FFDHE3072;
	struct world *w = world_new(&a, &b);
	w->t.p_len = (size_t)BN_bn2bin(p3, w->t.p);
	run(w);
	assert_failed(w, &w->a, MLAB_E_PARAMS_COST);
	assert_string_equal(ev_str(&w->a, "error", "check"), "params");
	json_t *e = ev_get(&w->a, "params-received");
	assert_non_null(e);
	assert_int_equal(json_integer_value(json_object_get(e, "bits")), 3072);
	assert_null(json_object_get(e, "known"));
	assert_int_equal(ev_count(&w->a, "share-sent"), 0);
	assert_sent(w, TO_BOB, sent, N_OF(sent));
	world_free(w);
	BN_free(p3);
}

/* The transcript of frames as alice saw them (sent and received), in
 * protocol order: CH, SH, KS(bob), KS(alice). */
static void alice_th(const struct world *w, uint8_t th[MLAB_SHA256_LEN])
{
	const struct logged *order[] = {&w->log[TO_BOB][0], &w->log[TO_ALICE][0], &w->log[TO_ALICE][1],
					&w->log[TO_BOB][1]};
	const uint8_t types[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_SERVER_HELLO, MLAB_MSG_KEY_SHARE, MLAB_MSG_KEY_SHARE};
	struct mlab_transcript tr;
	assert_err(mlab_transcript_init(&tr), 0);
	for (size_t i = 0; i < N_OF(order); i++) {
		uint8_t hdr[MLAB_FRAME_HDR];
		struct mlab_wr hw;
		assert_int_equal(order[i]->type, types[i]);
		mlab_wr_init(&hw, hdr, sizeof hdr);
		assert_err(mlab_frame_put_hdr(&hw, order[i]->type, order[i]->len), 0);
		assert_err(mlab_transcript_add(&tr, hdr, sizeof hdr), 0);
		assert_err(mlab_transcript_add(&tr, order[i]->body, order[i]->len), 0);
	}
	assert_err(mlab_transcript_hash(&tr, th), 0);
	mlab_transcript_free(&tr);
}

static bool is_one(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (p[i])
			return false;
	return n && p[n - 1] == 1;
}

/* Cryptopals 35 against a weakened initiator: g = 1 and bob's share
 * replaced by 1 (what mallory sends). Alice's share is 1^a = 1 and her
 * secret 1^a = 1: her keys are those of a secret of 1. */
static void test_engine_weakened_g_one_secret_is_one(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	a.validate_shares = false;
	struct world *w = world_new(&a, &b);
	struct mlab_key_share ks;
	uint8_t th[MLAB_SHA256_LEN], one[MLAB_MAX_SHARE];
	struct mlab_keys keys;
	size_t pl = mlab_group_by_id(MLAB_GROUP_FFDHE2048)->share_len;

	w->t.g[0] = 1;
	w->t.g_len = 1;
	w->t.share_one = true;
	assert_err(mlab_kex_start(&w->a.k, &w->a.out), 0);
	pump(w, TO_BOB);
	pump(w, TO_ALICE);
	/* Alice completed her flight: KeyShare and Finished, no error. */
	assert_int_equal(w->a.k.err, 0);
	assert_int_equal(w->a.k.state, MLAB_KEX_WAIT_SERVER_FINISHED);
	assert_false(json_is_true(json_object_get(ev_get(&w->a, "params-received"), "checked")));
	assert_string_equal(ev_str(&w->a, "params-received", "g"), "01");
	pump(w, TO_BOB);
	const uint8_t sent[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_KEY_SHARE, MLAB_MSG_FINISHED};
	assert_sent(w, TO_BOB, sent, N_OF(sent));
	assert_err(mlab_key_share_decode(w->log[TO_BOB][1].body, w->log[TO_BOB][1].len, &ks), 0);
	assert_int_equal(ks.len, pl);
	assert_true(is_one(ks.share, ks.len));

	/* The keys of secret 1 (p's length) over her transcript are hers. */
	memset(one, 0, pl);
	one[pl - 1] = 1;
	alice_th(w, th);
	assert_err(mlab_keysched_derive(one, pl, th, &keys), 0);
	assert_string_equal(ev_str(&w->a, "session-key", "key_id"), keys.key_id);
	mlab_keys_wipe(&keys);

	/* Bob, validating, refuses a share of 1. */
	settle(w);
	assert_failed(w, &w->b, MLAB_E_SHARE_RANGE);
	world_free(w);
}

/* g = 1 alone (bob's share untouched): alice's share is 1 whatever her key;
 * her secret is bob's share to her exponent, which bob cannot match. */
static void test_engine_weakened_g_one_share_is_one(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	a.validate_shares = b.validate_shares = false;
	b.explicit_from = MLAB_GROUP_LAB48;
	struct world *w = world_new(&a, &b);
	struct mlab_key_share ks;

	w->t.g[0] = 1;
	w->t.g_len = 1;
	run(w);
	assert_true(w->n_log[TO_BOB] >= 2);
	assert_int_equal(w->log[TO_BOB][1].type, MLAB_MSG_KEY_SHARE);
	assert_err(mlab_key_share_decode(w->log[TO_BOB][1].body, w->log[TO_BOB][1].len, &ks), 0);
	assert_int_equal(ks.len, sizeof lab48_p);
	assert_true(is_one(ks.share, ks.len));
	/* Weakened bob takes 1 (secret 1), but the transcripts differ: the
	 * Finished check is what is left. */
	assert_failed(w, &w->b, MLAB_E_FINISHED);
	world_free(w);
}

static void test_engine_responder_refuses_initiator_params(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	b.explicit_from = MLAB_GROUP_LAB48;
	struct world *w = world_new(&a, &b);
	w->t.add_params = true;
	run(w);
	assert_failed(w, &w->b, MLAB_E_BAD_FIELD);
	assert_int_equal(ev_count(&w->b, "share-received"), 0);
	world_free(w);

	/* Weakened, the same. */
	a.validate_shares = b.validate_shares = false;
	w = world_new(&a, &b);
	w->t.add_params = true;
	run(w);
	assert_failed(w, &w->b, MLAB_E_BAD_FIELD);
	world_free(w);
}

/* Alice offers named groups only; the offer reaches bob as "explicit". */
static void test_engine_named_only_initiator_refuses_explicit(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_FFDHE2048);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	const uint16_t gb[] = {MLAB_GROUP_EXPLICIT, MLAB_GROUP_FFDHE2048};
	cfg_groups(&b, 2, gb);
	a.validate_shares = false; /* even a weakened one */
	struct world *w = world_new(&a, &b);
	w->t.groups[0] = MLAB_GROUP_EXPLICIT;
	w->t.n_groups = 1;
	run(w);
	assert_int_equal(w->b.k.group, MLAB_GROUP_EXPLICIT);
	assert_failed(w, &w->a, MLAB_E_NOT_OFFERED);
	assert_int_equal(ev_count(&w->a, "params-received"), 0);
	const uint8_t sent[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_ALERT};
	assert_sent(w, TO_BOB, sent, N_OF(sent));
	world_free(w);
}

static void test_engine_min_security_explicit(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	b.explicit_from = MLAB_GROUP_LAB48;
	a.min_security = 100;
	struct world *w = world_new(&a, &b);
	run(w);
	assert_failed(w, &w->a, MLAB_E_WEAK_GROUP);
	assert_int_equal(ev_count(&w->a, "params-received"), 1);
	world_free(w);

	/* Not checking the parameters does not lift the policy. */
	a.validate_shares = false;
	w = world_new(&a, &b);
	run(w);
	assert_failed(w, &w->a, MLAB_E_WEAK_GROUP);
	world_free(w);

	/* ffdhe2048's parameters (103 bits) meet it. */
	a.validate_shares = true;
	b.explicit_from = 0;
	w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_GROUP_EXPLICIT);
	world_free(w);

	/* The responder's own policy skips explicit when what it would send is
	 * too weak. */
	a.min_security = 0;
	b.min_security = 100;
	b.explicit_from = MLAB_GROUP_LAB48;
	w = world_new(&a, &b);
	run(w);
	assert_failed(w, &w->b, MLAB_E_NO_COMMON_GROUP);
	world_free(w);
}

/* ======================================================================
 * Engine: signed explicit parameters (params scope covers p and g)
 * ====================================================================== */

static struct world *signed_world(bool mutual, enum mlab_scope scope, bool validate)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_EXPLICIT);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_EXPLICIT);
	a.scope = b.scope = scope;
	a.mutual = b.mutual = mutual;
	a.validate_shares = validate;
	b.explicit_from = MLAB_GROUP_LAB48;
	return world_new(&a, &b);
}

static void test_engine_signed_params_scope(void **s)
{
	(void)s;
	for (int mutual = 0; mutual < 2; mutual++) {
		struct world *w = signed_world(mutual, MLAB_SCOPE_PARAMS, true);
		run(w);
		assert_connected(w, MLAB_GROUP_EXPLICIT);
		assert_string_equal(ev_str(&w->a, "signature-verified", "scope"), "params");
		assert_int_equal(ev_count(&w->b, "signature-verified"), mutual ? 1 : 0);
		send_both_ways(w);
		world_free(w);
	}
	struct world *w = signed_world(false, MLAB_SCOPE_PARAMS, false);
	run(w);
	assert_connected(w, MLAB_GROUP_EXPLICIT);
	world_free(w);
}

/* The signature is over p and g: another g fails it, whether alice checks
 * the parameters (g = 9, a valid generator of the same subgroup) or not
 * (g = 1). The transcript scope catches it as well. */
static void test_engine_signed_g_changed(void **s)
{
	(void)s;
	static const struct {
		enum mlab_scope scope;
		bool validate;
		uint8_t g;
	} cases[] = {
	    {MLAB_SCOPE_PARAMS, true, 9},
	    {MLAB_SCOPE_PARAMS, false, 1},
	    {MLAB_SCOPE_TRANSCRIPT, true, 9},
	    {MLAB_SCOPE_TRANSCRIPT, false, 1},
	};
	for (size_t i = 0; i < N_OF(cases); i++) {
		struct world *w = signed_world(false, cases[i].scope, cases[i].validate);
		w->t.g[0] = cases[i].g;
		w->t.g_len = 1;
		run(w);
		assert_failed(w, &w->a, MLAB_E_SIG_INVALID);
		assert_int_equal(ev_count(&w->a, "params-received"), 1);
		assert_int_equal(ev_count(&w->a, "signature-verified"), 0);
		world_free(w);
	}
}

/* The same g (lab-48's 4) re-encoded with leading zeros: the same number,
 * other bytes. A params-scope signature covers the bytes as sent, so it
 * fails at once, not only later at Finished. */
static void test_engine_signed_g_reencoded(void **s)
{
	(void)s;
	struct world *w = signed_world(false, MLAB_SCOPE_PARAMS, true);
	const uint8_t padded[] = {0, 0, 0, 4};
	memcpy(w->t.g, padded, sizeof padded);
	w->t.g_len = sizeof padded;
	run(w);
	assert_failed(w, &w->a, MLAB_E_SIG_INVALID);
	assert_int_equal(ev_count(&w->a, "signature-verified"), 0);
	world_free(w);
}

/* ----------------------------------------------------------------------
 * Params-scope signatures rebuilt from protocol.md section 8 alone: the
 * bytes are assembled here from the frames on the wire and verified with
 * OpenSSL directly under the signer's public key (no engine code).
 * ---------------------------------------------------------------------- */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool openssl_verify(EVP_PKEY *pub, const uint8_t *msg, size_t n, const uint8_t sig[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pub), 1);
	int ok = EVP_DigestVerify(ctx, sig, 64, msg, n);
	EVP_MD_CTX_free(ctx);
	return ok == 1;
}

/* tbs = "mitmlab v1 <role> signature, params\0" | nonce_c | nonce_s |
 * u16 len(P) | P, where P is the signer's share for a named group and for
 * the initiator, and for the responder under "explicit" the three vectors
 * of its KeyShare: u16 p_len | p | u16 g_len | g | u16 share_len | share. */
static size_t doc_params_tbs(const char *role, const uint8_t *nonce_c, const uint8_t *nonce_s, const uint8_t *ks,
			     size_t ks_len, uint8_t *out)
{
	size_t n = (size_t)sprintf((char *)out, "mitmlab v1 %s signature, params", role) + 1; /* with the NUL */
	const uint8_t *P;
	size_t P_len;

	memcpy(out + n, nonce_c, 32);
	memcpy(out + n + 32, nonce_s, 32);
	n += 64;
	/* KeyShare (section 3.3): u16 group, [explicit: u16 p_len p u16 g_len g], u16 share_len, share. */
	if (be16(ks) == MLAB_GROUP_EXPLICIT) {
		size_t pl = be16(ks + 2), gl = be16(ks + 4 + pl);
		size_t sl = be16(ks + 6 + pl + gl);
		assert_int_equal(ks_len, 8 + pl + gl + sl);
		if (strcmp(role, "server") == 0) {
			P = ks + 2;
			P_len = ks_len - 2;
		} else {
			assert_int_equal(pl + gl, 0);
			P = ks + 8;
			P_len = sl;
		}
	} else {
		P_len = be16(ks + 2);
		assert_int_equal(ks_len, 4 + P_len);
		P = ks + 4;
	}
	out[n++] = (uint8_t)(P_len >> 8);
	out[n++] = (uint8_t)P_len;
	memcpy(out + n, P, P_len);
	return n + P_len;
}

/* The first frame of a type sent in direction dir. */
static const struct logged *frame_of(const struct world *w, int dir, uint8_t type)
{
	for (size_t i = 0; i < w->n_log[dir]; i++)
		if (w->log[dir][i].type == type)
			return &w->log[dir][i];
	fail_msg("no %s frame", mlab_msg_name(type));
	return NULL;
}

/* Both signatures of a mutual params-scope handshake on group, checked
 * against the document's bytes, and the lengths of both tbs. */
static void params_tbs_case(uint16_t group, uint16_t explicit_from, size_t want_server_len, size_t want_client_len)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, group);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, group);
	uint8_t *tbs = malloc(64 + 64 + 2 + 3 * (2 + MLAB_MAX_SHARE));
	a.scope = b.scope = MLAB_SCOPE_PARAMS;
	a.mutual = b.mutual = true;
	b.explicit_from = explicit_from;
	assert_non_null(tbs);
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, group);

	const uint8_t *nonce_c = frame_of(w, TO_BOB, MLAB_MSG_CLIENT_HELLO)->body + 1;
	const uint8_t *nonce_s = frame_of(w, TO_ALICE, MLAB_MSG_SERVER_HELLO)->body + 1;
	for (int dir = 0; dir < 2; dir++) {
		bool server = dir == TO_ALICE;
		const struct logged *ks = frame_of(w, dir, MLAB_MSG_KEY_SHARE);
		const struct logged *sg = frame_of(w, dir, MLAB_MSG_SIGNATURE);
		/* Signature (section 3.4): scheme, u16 32, pub, u16 64, sig. */
		assert_int_equal(sg->len, 102);
		const uint8_t *sig = sg->body + 38;
		EVP_PKEY *pub = server ? bob_pub : alice_pub;
		size_t n = doc_params_tbs(server ? "server" : "client", nonce_c, nonce_s, ks->body, ks->len, tbs);
		assert_int_equal(n, server ? want_server_len : want_client_len);
		if (!openssl_verify(pub, tbs, n, sig))
			fail_msg("group 0x%04x: the %s signature does not verify over the documented bytes", group,
				 server ? "responder's" : "initiator's");
		/* and over nothing else: one byte off fails */
		tbs[n - 1] ^= 1;
		assert_false(openssl_verify(pub, tbs, n, sig));
	}
	/* Explicit: the outer length is part of it (P alone does not verify). */
	if (group == MLAB_GROUP_EXPLICIT) {
		const struct logged *ks = frame_of(w, TO_ALICE, MLAB_MSG_KEY_SHARE);
		const uint8_t *sig = frame_of(w, TO_ALICE, MLAB_MSG_SIGNATURE)->body + 38;
		size_t n = doc_params_tbs("server", nonce_c, nonce_s, ks->body, ks->len, tbs);
		memmove(tbs + 36 + 64, tbs + 36 + 64 + 2, n - 36 - 64 - 2);
		assert_false(openssl_verify(bob_pub, tbs, n - 2, sig));
	}
	free(tbs);
	world_free(w);
}

static void test_params_tbs_from_document(void **s)
{
	(void)s;
	/* Named groups: 102 + share length (section 8's table). */
	params_tbs_case(MLAB_GROUP_X25519, 0, 134, 134);
	params_tbs_case(MLAB_GROUP_FFDHE2048, 0, 358, 358);
	params_tbs_case(MLAB_GROUP_LAB48, 0, 108, 108);
	/* Explicit, from lab-48 (p 6 bytes, g 1, share 6): bob's is
	 * 36 + 64 + 2 + (2 + 6 + 2 + 1 + 2 + 6) = 121, alice's 102 + 6. */
	params_tbs_case(MLAB_GROUP_EXPLICIT, MLAB_GROUP_LAB48, 121, 108);
	/* Explicit, from ffdhe2048 (p 256, g 1, share 256): 108 + 513 = 621. */
	params_tbs_case(MLAB_GROUP_EXPLICIT, MLAB_GROUP_FFDHE2048, 621, 358);
}

/* ======================================================================
 * Downgrade sentinel
 * ====================================================================== */

static bool has_sentinel(const uint8_t nonce[MLAB_NONCE_LEN])
{
	return memcmp(nonce + MLAB_NONCE_LEN - MLAB_SENTINEL_LEN, MLAB_SENTINEL, MLAB_SENTINEL_LEN) == 0;
}

/* The nonce of the ServerHello alice received. */
static bool wire_sentinel(const struct world *w)
{
	struct mlab_server_hello sh;
	assert_true(w->n_log[TO_ALICE] >= 1);
	assert_int_equal(w->log[TO_ALICE][0].type, MLAB_MSG_SERVER_HELLO);
	assert_err(mlab_server_hello_decode(w->log[TO_ALICE][0].body, w->log[TO_ALICE][0].len, &sh), 0);
	return has_sentinel(sh.nonce);
}

static struct world *sentinel_world(size_t na, const uint16_t *ga, bool a_sentinel)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_X25519);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_X25519);
	const uint16_t gb[] = {MLAB_GROUP_X25519, MLAB_GROUP_LAB48};
	cfg_groups(&a, na, ga);
	cfg_groups(&b, 2, gb);
	a.sentinel = a_sentinel;
	b.sentinel = true;
	return world_new(&a, &b);
}

/* Bob picks lab-48 (all alice offers) though he supports x25519. */
static void test_sentinel_set_by_responder(void **s)
{
	(void)s;
	const uint16_t ga[] = {MLAB_GROUP_LAB48};
	struct world *w = sentinel_world(1, ga, false);
	run(w);
	assert_connected(w, MLAB_GROUP_LAB48);
	assert_true(wire_sentinel(w));
	assert_true(has_sentinel(w->b.k.nonce_s));
	assert_true(has_sentinel(w->a.k.nonce_s));
	assert_int_equal(ev_count(&w->b, "sentinel-set"), 1);
	assert_string_equal(ev_str(&w->b, "sentinel-set", "group"), "lab-48");
	world_free(w);

	/* Without the option, no mark. */
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_LAB48);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_X25519);
	const uint16_t gb[] = {MLAB_GROUP_X25519, MLAB_GROUP_LAB48};
	cfg_groups(&b, 2, gb);
	w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_GROUP_LAB48);
	assert_false(wire_sentinel(w));
	assert_int_equal(ev_count(&w->b, "sentinel-set"), 0);
	world_free(w);
}

/* Alice offered x25519 and lab-48; the offer reaches bob cut to lab-48. */
static void test_sentinel_downgrade_detected(void **s)
{
	(void)s;
	const uint16_t ga[] = {MLAB_GROUP_X25519, MLAB_GROUP_LAB48};
	struct world *w = sentinel_world(2, ga, true);
	w->t.groups[0] = MLAB_GROUP_LAB48;
	w->t.n_groups = 1;
	run(w);
	assert_true(wire_sentinel(w));
	assert_failed(w, &w->a, MLAB_E_DOWNGRADE);
	assert_string_equal(ev_str(&w->a, "error", "check"), "sentinel");
	assert_int_equal(ev_count(&w->a, "sentinel-seen"), 1);
	assert_int_equal(ev_count(&w->a, "sentinel-matched"), 0);
	assert_string_equal(ev_str(&w->a, "sentinel-seen", "group"), "lab-48");
	const uint8_t sent[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_ALERT};
	assert_sent(w, TO_BOB, sent, N_OF(sent));
	world_free(w);

	/* An initiator without the option takes lab-48 and sends its share;
	 * only the Finished (over the altered hello) stops it here. */
	w = sentinel_world(2, ga, false);
	w->t.groups[0] = MLAB_GROUP_LAB48;
	w->t.n_groups = 1;
	run(w);
	assert_true(wire_sentinel(w));
	assert_int_equal(w->a.k.group, MLAB_GROUP_LAB48);
	assert_int_equal(ev_count(&w->a, "sentinel-seen"), 0);
	assert_int_equal(ev_count(&w->a, "share-sent"), 1);
	assert_failed(w, &w->b, MLAB_E_FINISHED);
	world_free(w);
}

/* The same cut with explicit parameters chosen (ffdhe2048's, 103 bits)
 * while bob supports x25519. */
static void test_sentinel_downgrade_to_explicit(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_X25519);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_X25519);
	const uint16_t g2[] = {MLAB_GROUP_X25519, MLAB_GROUP_EXPLICIT};
	cfg_groups(&a, 2, g2);
	cfg_groups(&b, 2, g2);
	a.sentinel = b.sentinel = true;
	struct world *w = world_new(&a, &b);
	w->t.groups[0] = MLAB_GROUP_EXPLICIT;
	w->t.n_groups = 1;
	run(w);
	assert_true(wire_sentinel(w));
	assert_failed(w, &w->a, MLAB_E_DOWNGRADE);
	world_free(w);
}

static void test_sentinel_no_abort_when_only_weak_offered(void **s)
{
	(void)s;
	const uint16_t ga[] = {MLAB_GROUP_LAB48};
	struct world *w = sentinel_world(1, ga, true);
	run(w);
	assert_true(wire_sentinel(w));
	assert_connected(w, MLAB_GROUP_LAB48);
	assert_int_equal(ev_count(&w->a, "sentinel-seen"), 0);
	send_both_ways(w);
	world_free(w);
}

static void test_sentinel_absent_when_best_chosen(void **s)
{
	(void)s;
	const uint16_t ga[] = {MLAB_GROUP_X25519, MLAB_GROUP_LAB48};
	struct world *w = sentinel_world(2, ga, true);
	run(w);
	assert_connected(w, MLAB_GROUP_X25519);
	assert_false(wire_sentinel(w));
	assert_false(has_sentinel(w->b.k.nonce_s));
	assert_int_equal(ev_count(&w->b, "sentinel-set"), 0);
	assert_int_equal(ev_count(&w->a, "sentinel-seen"), 0);
	world_free(w);
}

/* alice herself prefers lab-48 but offers x25519 too: bob chose weaker
 * than his best, so his nonce is marked, but over the offer alice sent —
 * her own choice, not a downgrade: no abort. */
static void test_sentinel_no_false_alarm_on_own_preference(void **s)
{
	(void)s;
	const uint16_t ga[] = {MLAB_GROUP_LAB48, MLAB_GROUP_X25519};
	struct world *w = sentinel_world(2, ga, true);
	run(w);
	assert_connected(w, MLAB_GROUP_LAB48);
	assert_true(wire_sentinel(w));
	assert_int_equal(ev_count(&w->b, "sentinel-set"), 1);
	assert_int_equal(ev_count(&w->a, "sentinel-seen"), 0);
	assert_int_equal(ev_count(&w->a, "sentinel-matched"), 1); /* alice says why it is no alarm */
	send_both_ways(w);
	world_free(w);
}

/* Security levels as protocol.md section 4.3 gives them, for expectations
 * computed apart from the engine. */
static unsigned doc_sec(uint16_t id)
{
	switch (id) {
	case MLAB_GROUP_X25519:
		return 128;
	case MLAB_GROUP_FFDHE2048:
		return 103;
	case MLAB_GROUP_FFDHE3072:
		return 125;
	case MLAB_GROUP_LAB48:
		return 24;
	case MLAB_GROUP_LAB32:
		return 16;
	default:
		fail_msg("no documented level for group 0x%04x", id);
		return 0;
	}
}

struct glist {
	uint16_t g[4];
	size_t n;
};

static bool glist_has(const struct glist *l, uint16_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->g[i] == id)
			return true;
	return false;
}

/* The first entry of offer that set contains (the honest choice), or 0. */
static uint16_t first_common(const struct glist *offer, const struct glist *set)
{
	for (size_t i = 0; i < offer->n; i++)
		if (glist_has(set, offer->g[i]))
			return offer->g[i];
	return 0;
}

static const char *glist_str(const struct glist *l, char *buf, size_t cap)
{
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < l->n && at < cap; i++)
		at += (size_t)snprintf(buf + at, cap - at, "%s%s", i ? "," : "", mlab_group_by_id(l->g[i])->name);
	return buf;
}

/* Every ordered list of distinct entries of pool, of length lo..hi. */
static void arrange(const uint16_t *pool, size_t n_pool, size_t lo, size_t hi, struct glist *cur, struct glist *out,
		    size_t *n, size_t cap)
{
	if (cur->n >= lo) {
		assert_true(*n < cap);
		out[(*n)++] = *cur;
	}
	if (cur->n == hi)
		return;
	for (size_t i = 0; i < n_pool; i++) {
		if (glist_has(cur, pool[i]))
			continue;
		cur->g[cur->n++] = pool[i];
		arrange(pool, n_pool, lo, hi, cur, out, n, cap);
		cur->n--;
	}
}

static const uint16_t sentinel_pool[] = {MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE3072,
					 MLAB_GROUP_LAB48};
/* For the handshakes that run to the end: ffdhe3072 swapped for lab-32 to
 * keep the matrix fast (ffdhe3072 with bob's default list is below). */
static const uint16_t honest_pool[] = {MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048, MLAB_GROUP_LAB48, MLAB_GROUP_LAB32};

static struct world *sentinel_pair(const struct glist *offer, const struct glist *set)
{
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_NONE, MLAB_GROUP_X25519);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_X25519);
	cfg_groups(&a, offer->n, offer->g);
	cfg_groups(&b, set->n, set->g);
	a.sentinel = b.sentinel = true;
	return world_new(&a, &b);
}

/* Honest peers, both with the sentinel, never abort on it: every order of
 * one to three of x25519, ffdhe2048, lab-48 and lab-32 offered, against
 * every non-empty set of them supported. The mark is there exactly when
 * the choice is weaker than the responder's best. (The old rule failed
 * e.g. alice lab-48,x25519 against bob x25519,ffdhe2048,lab-48.) */
static void test_sentinel_honest_never_fires(void **s)
{
	(void)s;
	struct glist offers[64], cur = {.n = 0};
	size_t n_offers = 0, runs = 0, marked = 0;
	char os[64], bs[64];

	arrange(honest_pool, N_OF(honest_pool), 1, 3, &cur, offers, &n_offers, N_OF(offers));
	for (size_t i = 0; i < n_offers; i++)
		for (unsigned mask = 1; mask < 16; mask++) {
			struct glist set = {.n = 0};
			unsigned best = 0;
			for (size_t j = 0; j < N_OF(honest_pool); j++)
				if (mask & (1u << j)) {
					set.g[set.n++] = honest_pool[j];
					best = doc_sec(honest_pool[j]) > best ? doc_sec(honest_pool[j]) : best;
				}
			uint16_t c = first_common(&offers[i], &set);
			if (!c)
				continue; /* no-common-group: not about the sentinel */
			struct world *w = sentinel_pair(&offers[i], &set);
			glist_str(&offers[i], os, sizeof os);
			glist_str(&set, bs, sizeof bs);
			run(w);
			if (!mlab_kex_connected(&w->a.k) || !mlab_kex_connected(&w->b.k))
				fail_msg("alice offers %s, bob supports %s: alice %s, bob %s", os, bs,
					 mlab_err_name(w->a.k.err), mlab_err_name(w->b.k.err));
			assert_connected(w, c);
			bool mark = doc_sec(c) < best;
			if (wire_sentinel(w) != mark)
				fail_msg("alice offers %s, bob supports %s: sentinel %s", os, bs,
					 mark ? "missing" : "set");
			assert_int_equal(ev_count(&w->b, "sentinel-set"), mark ? 1 : 0);
			assert_int_equal(ev_count(&w->a, "sentinel-seen"), 0);
			marked += mark;
			runs++;
			world_free(w);
		}
	assert_true(runs > 300);
	assert_true(marked > 100); /* the honest marked case is common, not an edge */
}

/* Every rewrite of the group offer on its way to bob (entries removed,
 * reordered, or both) that makes him choose a weaker group than the honest
 * negotiation would have is caught by alice's sentinel check; no rewrite
 * at all leaves both sides connected. */
static void test_sentinel_detects_every_weakening_rewrite(void **s)
{
	(void)s;
	struct glist offers[64], cur = {.n = 0};
	const struct glist sets[] = {
	    {{MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE3072, MLAB_GROUP_LAB48}, 4},
	    {{MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE3072, MLAB_GROUP_LAB48}, 3},
	};
	size_t n_offers = 0, caught = 0;
	char os[64], rs[64], bs[64];

	arrange(sentinel_pool, N_OF(sentinel_pool), 2, 3, &cur, offers, &n_offers, N_OF(offers));
	for (size_t i = 0; i < n_offers; i++)
		for (size_t k = 0; k < N_OF(sets); k++) {
			uint16_t honest = first_common(&offers[i], &sets[k]);
			struct glist rewrites[16], rc = {.n = 0};
			size_t n_rw = 0;
			if (!honest)
				continue;
			arrange(offers[i].g, offers[i].n, 1, offers[i].n, &rc, rewrites, &n_rw, N_OF(rewrites));
			for (size_t r = 0; r < n_rw; r++) {
				uint16_t got = first_common(&rewrites[r], &sets[k]);
				bool same =
				    rewrites[r].n == offers[i].n &&
				    memcmp(rewrites[r].g, offers[i].g, offers[i].n * sizeof offers[i].g[0]) == 0;
				if (same || !got || doc_sec(got) >= doc_sec(honest))
					continue;
				struct world *w = sentinel_pair(&offers[i], &sets[k]);
				memcpy(w->t.groups, rewrites[r].g, rewrites[r].n * sizeof rewrites[r].g[0]);
				w->t.n_groups = rewrites[r].n;
				run(w);
				if (w->a.k.err != MLAB_E_DOWNGRADE)
					fail_msg("alice offers %s, mallory makes it %s, bob supports %s: alice %s",
						 glist_str(&offers[i], os, sizeof os),
						 glist_str(&rewrites[r], rs, sizeof rs),
						 glist_str(&sets[k], bs, sizeof bs), mlab_err_name(w->a.k.err));
				assert_failed(w, &w->a, MLAB_E_DOWNGRADE);
				assert_string_equal(ev_str(&w->a, "error", "check"), "sentinel");
				assert_int_equal(ev_count(&w->a, "sentinel-seen"), 1);
				assert_int_equal(ev_count(&w->a, "share-sent"), 0);
				caught++;
				world_free(w);
			}
		}
	assert_true(caught > 50);
}

/* The last 16 bytes of a marked nonce, rebuilt from protocol.md section 5
 * alone (OpenSSL's SHA-256, the ClientHello bytes as bob received them):
 * SHA-256("mitmlab v1 downgrade sentinel\0" | nonce_c | n_groups |
 * groups[])[0..8) then "DOWNGRD\x01". Honest and rewritten offers. */
static void check_sentinel_bytes(const struct world *w)
{
	static const char label[] = "mitmlab v1 downgrade sentinel"; /* sizeof: with the NUL */
	const struct logged *ch = &w->log[TO_BOB][0], *sh = &w->log[TO_ALICE][0];
	uint8_t msg[128], md[32];
	unsigned mdlen = 0;
	size_t n = 0;

	assert_int_equal(ch->type, MLAB_MSG_CLIENT_HELLO);
	assert_int_equal(sh->type, MLAB_MSG_SERVER_HELLO);
	/* ClientHello (section 3.1): version, nonce_c (32), flags, n_modes, modes, n_groups, groups. */
	size_t at = 1 + 32 + 1, n_modes = ch->body[at];
	at += 1 + n_modes;
	size_t n_groups = ch->body[at];
	memcpy(msg, label, sizeof label);
	n = sizeof label;
	memcpy(msg + n, ch->body + 1, 32);
	n += 32;
	memcpy(msg + n, ch->body + at, 1 + 2 * n_groups);
	n += 1 + 2 * n_groups;
	assert_int_equal(EVP_Digest(msg, n, md, &mdlen, EVP_sha256(), NULL), 1);
	/* ServerHello (section 3.2): version, nonce_s (32). */
	const uint8_t *nonce_s = sh->body + 1;
	assert_memory_equal(nonce_s + 16, md, 8);
	assert_memory_equal(nonce_s + 24, "DOWNGRD\x01", 8);
}

static void test_sentinel_bytes_from_document(void **s)
{
	(void)s;
	const struct glist offer = {{MLAB_GROUP_FFDHE2048, MLAB_GROUP_X25519}, 2};
	const struct glist set = {{MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE3072}, 3};
	struct world *w = sentinel_pair(&offer, &set);
	run(w);
	assert_connected(w, MLAB_GROUP_FFDHE2048);
	check_sentinel_bytes(w);
	world_free(w);

	/* Rewritten to ffdhe2048 alone: the digest is of what bob received. */
	const struct glist offer2 = {{MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048}, 2};
	w = sentinel_pair(&offer2, &set);
	w->t.groups[0] = MLAB_GROUP_FFDHE2048;
	w->t.n_groups = 1;
	run(w);
	assert_failed(w, &w->a, MLAB_E_DOWNGRADE);
	check_sentinel_bytes(w);
	world_free(w);
}

/* The case the old rule broke, signed and in params scope as in scenario
 * 18: alice prefers ffdhe2048, bob's best (ffdhe3072) is not offered. */
static void test_sentinel_honest_signed_params(void **s)
{
	(void)s;
	struct mlab_kex_config a = cfg_of(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048);
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519);
	const uint16_t ga[] = {MLAB_GROUP_FFDHE2048, MLAB_GROUP_X25519};
	const uint16_t gb[] = {MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE3072};
	cfg_groups(&a, N_OF(ga), ga);
	cfg_groups(&b, N_OF(gb), gb);
	a.sentinel = b.sentinel = true;
	a.scope = b.scope = MLAB_SCOPE_PARAMS;
	struct world *w = world_new(&a, &b);
	run(w);
	assert_connected(w, MLAB_GROUP_FFDHE2048);
	assert_true(wire_sentinel(w));
	assert_int_equal(ev_count(&w->a, "signature-verified"), 1);
	send_both_ways(w);
	world_free(w);
}

/* A responder accepting explicit parameters must have some to send. */
static void test_explicit_from_checked_at_init(void **s)
{
	(void)s;
	struct mlab_kex_config b = cfg_of(MLAB_RESPONDER, MLAB_MODE_NONE, MLAB_GROUP_EXPLICIT);
	struct mlab_kex k;
	b.explicit_from = MLAB_GROUP_X25519;
	assert_err(mlab_kex_init(&k, &b, NULL), MLAB_E_ARG);
	mlab_kex_free(&k);
	b.explicit_from = MLAB_GROUP_LAB48;
	assert_err(mlab_kex_init(&k, &b, NULL), 0);
	mlab_kex_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_codec_round_trip),
	    cmocka_unit_test_teardown(test_engine_signed_g_reencoded, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_no_false_alarm_on_own_preference, cleanup),
	    cmocka_unit_test(test_explicit_from_checked_at_init),
	    cmocka_unit_test(test_codec_hostile),
	    cmocka_unit_test(test_xgroup_set_rejects),
	    cmocka_unit_test(test_xgroup_set_fields),
	    cmocka_unit_test(test_xgroup_from),
	    cmocka_unit_test(test_xgroup_check_real_groups_pass),
	    cmocka_unit_test(test_xgroup_check_degenerate_g_lab48),
	    cmocka_unit_test(test_xgroup_check_degenerate_g_ffdhe2048),
	    cmocka_unit_test(test_xgroup_check_not_safe_prime),
	    cmocka_unit_test(test_xgroup_check_non_subgroup_g_lab48),
	    cmocka_unit_test(test_xgroup_check_non_subgroup_g_ffdhe2048),
	    cmocka_unit_test(test_xcheck_known_groups),
	    cmocka_unit_test(test_xcheck_unknown_2048),
	    cmocka_unit_test(test_xcheck_unknown_composite),
	    cmocka_unit_test(test_xcheck_unknown_3072_refused),
	    cmocka_unit_test_teardown(test_engine_unknown_p, cleanup),
	    cmocka_unit_test_teardown(test_engine_explicit_ffdhe3072, cleanup),
	    cmocka_unit_test_teardown(test_engine_explicit_ffdhe2048, cleanup),
	    cmocka_unit_test_teardown(test_engine_explicit_lab48, cleanup),
	    cmocka_unit_test_teardown(test_engine_explicit_lab48_weakened, cleanup),
	    cmocka_unit_test_teardown(test_engine_explicit_preference, cleanup),
	    cmocka_unit_test_teardown(test_engine_validating_refuses_degenerate_g, cleanup),
	    cmocka_unit_test_teardown(test_engine_weakened_g_one_secret_is_one, cleanup),
	    cmocka_unit_test_teardown(test_engine_weakened_g_one_share_is_one, cleanup),
	    cmocka_unit_test_teardown(test_engine_responder_refuses_initiator_params, cleanup),
	    cmocka_unit_test_teardown(test_engine_named_only_initiator_refuses_explicit, cleanup),
	    cmocka_unit_test_teardown(test_engine_min_security_explicit, cleanup),
	    cmocka_unit_test_teardown(test_engine_signed_params_scope, cleanup),
	    cmocka_unit_test_teardown(test_engine_signed_g_changed, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_set_by_responder, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_downgrade_detected, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_downgrade_to_explicit, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_no_abort_when_only_weak_offered, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_absent_when_best_chosen, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_honest_never_fires, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_detects_every_weakening_rewrite, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_bytes_from_document, cleanup),
	    cmocka_unit_test_teardown(test_sentinel_honest_signed_params, cleanup),
	    cmocka_unit_test_teardown(test_params_tbs_from_document, cleanup),
	};
	return cmocka_run_group_tests(tests, keys_setup, keys_teardown);
}
