/* The key-encapsulation groups (docs/protocol.md §4.3, §10.4;
 * lib/mlab_group_kem.c): mlkem768, x25519-mlkem768 and the lab hybrid
 * lab-48-mlkem768, through the group interface and through two engines in
 * memory (tests/helpers/kex_session.h) — the share sizes on each side, the
 * secret both derive, and the documented results for hostile shares: an
 * encapsulation key with a coefficient >= q (error), a ciphertext one byte
 * short (error), a ciphertext with one bit flipped (implicit rejection: the
 * secrets differ and the Finished fails), an X25519 part of low order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kex_pump.h"
#include "kex_session.h"
#include "test_keys.h"
#include "test_util.h"

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_kex.h"
#include "mlab_mlkem.h"
#include "mlab_wire.h"

#define KS_SHARE_OFF 4 /* KeyShare body: group u16 | share_len u16 | share (§3.3) */

static const uint16_t KEM_GROUPS[] = {MLAB_GROUP_MLKEM768, MLAB_GROUP_X25519_MLKEM768, MLAB_GROUP_LAB48_MLKEM768};

/* ----------------------------------------------------------- the group interface */

static void test_registry(void **state)
{
	(void)state;
	const struct {
		const char *name;
		uint16_t id;
		size_t ek_side, ct_side;
	} want[] = {{"mlkem768", 0x0201, 1184, 1088},
		    {"x25519-mlkem768", 0x11EC, 1216, 1120},
		    {"lab-48-mlkem768", 0xFF03, 1190, 1094}};
	for (size_t i = 0; i < N_OF(want); i++) {
		const struct mlab_group *g = mlab_group_by_name(want[i].name);
		assert_non_null(g);
		assert_int_equal(g->id, want[i].id);
		assert_true(g->kem);
		assert_false(g->weak);
		assert_int_equal(mlab_group_share_len(g, true), want[i].ek_side);
		assert_int_equal(mlab_group_share_len(g, false), want[i].ct_side);
		assert_int_equal(mlab_dh_priv_len(g), 0); /* no keys from a weakened generator */
		assert_true(mlab_group_share_len(g, true) <= MLAB_MAX_SHARE);
	}
}

/* The key holder and the encapsulator derive one secret: K, then the
 * classical part's; the answer exists only after derive. */
static void test_agree(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_OF(KEM_GROUPS); i++) {
		const struct mlab_group *g = mlab_group_by_id(KEM_GROUPS[i]);
		struct mlab_dh holder, answer;
		uint8_t s1[MLAB_MAX_SECRET], s2[MLAB_MAX_SECRET];
		size_t n1 = 0, n2 = 0;
		size_t cl = g->classical ? g->classical->share_len : 0;
		assert_err(mlab_dh_keygen(g, &holder), 0);
		assert_int_equal(holder.pub_len, g->share_len);
		assert_err(mlab_dh_keygen_reply(g, &answer), 0);
		assert_int_equal(answer.pub_len, 0);
		assert_err(mlab_dh_derive(&answer, holder.pub, holder.pub_len, true, s2, &n2), 0);
		assert_int_equal(answer.pub_len, g->reply_len);
		assert_err(mlab_dh_check(g, answer.pub, answer.pub_len), 0);
		assert_err(mlab_dh_derive(&holder, answer.pub, answer.pub_len, true, s1, &n1), 0);
		assert_int_equal(n1, MLAB_MLKEM_SS_LEN + cl);
		assert_int_equal(n1, n2);
		assert_memory_equal(s1, s2, n1);
		/* each form only where it belongs */
		assert_err(mlab_dh_derive(&holder, holder.pub, holder.pub_len, true, s1, &n1), MLAB_E_SHARE_LENGTH);
		assert_err(mlab_dh_check(g, holder.pub, holder.pub_len - 1), MLAB_E_SHARE_LENGTH);
		mlab_dh_free(&holder);
		mlab_dh_free(&answer);
	}
}

/* FIPS 203 §7.2: a coefficient >= q in ek fails the modulus check. */
static void test_hostile_ek_refused(void **state)
{
	(void)state;
	const struct mlab_group *g = mlab_group_by_id(MLAB_GROUP_X25519_MLKEM768);
	struct mlab_dh holder, answer;
	uint8_t s[MLAB_MAX_SECRET];
	size_t n = 0;
	assert_err(mlab_dh_keygen(g, &holder), 0);
	uint8_t ek[MLAB_MAX_SHARE];
	memcpy(ek, holder.pub, holder.pub_len);
	ek[0] = 0x01; /* coefficient 0 = ek[0] | (ek[1] & 0x0F) << 8 = 3329 = q */
	ek[1] = (uint8_t)((ek[1] & 0xF0) | 0x0D);
	assert_int_not_equal(mlab_dh_check(g, ek, holder.pub_len), 0);
	assert_err(mlab_dh_keygen_reply(g, &answer), 0);
	/* refused even by a peer that skips share checks: Encaps needs it */
	assert_int_not_equal(mlab_dh_derive(&answer, ek, holder.pub_len, false, s, &n), 0);
	mlab_dh_free(&holder);
	mlab_dh_free(&answer);
}

/* ----------------------------------------------------------- two engines */

struct edit {
	uint16_t group;
	int dir;
	enum { ED_NONE, ED_EK_Q, ED_CT_SHORT, ED_CT_FLIP, ED_X25519_ZERO } what;
};

static bool edit_share(void *arg, int dir, uint8_t *type, uint8_t *body, size_t *len, size_t cap)
{
	struct edit *e = arg;
	(void)cap;
	if (*type != MLAB_MSG_KEY_SHARE || dir != e->dir || *len < KS_SHARE_OFF + 64)
		return true;
	uint8_t *share = body + KS_SHARE_OFF;
	size_t n = *len - KS_SHARE_OFF;
	switch (e->what) {
	case ED_EK_Q:
		share[2] = 0xFF; /* coefficient 1 = ek[1] >> 4 | ek[2] << 4: 4095 or more */
		share[1] |= 0xF0;
		break;
	case ED_CT_SHORT:
		*len -= 1;
		n -= 1;
		body[2] = (uint8_t)(n >> 8);
		body[3] = (uint8_t)n;
		break;
	case ED_CT_FLIP:
		share[100] ^= 0x04;
		break;
	case ED_X25519_ZERO: /* the hybrid's X25519 part: u = 0, of low order */
		memset(share + n - 32, 0, 32);
		break;
	default:
		break;
	}
	return true;
}

static int run(uint16_t group, struct edit *ed, struct ks_session *s)
{
	struct mlab_kex_config ca = kex_cfg(MLAB_INITIATOR, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config cb = kex_cfg(MLAB_RESPONDER, MLAB_MODE_SIGN, group, MLAB_CIPHER_CHACHA20_POLY1305);
	ca.peer_key = bob_pub;
	cb.own_key = bob_key;
	assert_err(ks_init(s, &ca, &cb, true), 0);
	if (ed) {
		s->edit = edit_share;
		s->edit_arg = ed;
	}
	return ks_handshake(s);
}

static void test_handshake_each_group(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_OF(KEM_GROUPS); i++) {
		struct ks_session s;
		const struct mlab_group *g = mlab_group_by_id(KEM_GROUPS[i]);
		assert_err(run(KEM_GROUPS[i], NULL, &s), 0);
		assert_string_equal(s.a.k.keys.key_id, s.b.k.keys.key_id);
		/* bob's share is his encapsulation key, alice's the ciphertext */
		const json_t *bs = ks_event(s.b.events, "share-sent", 0), *as = ks_event(s.a.events, "share-sent", 0);
		assert_non_null(bs);
		assert_non_null(as);
		assert_int_equal(json_integer_value(json_object_get(bs, "len")), g->share_len);
		assert_int_equal(json_integer_value(json_object_get(as, "len")), g->reply_len);
		assert_non_null(strstr(ks_str(bs, "parts"), "ML-KEM ek 1184"));
		assert_non_null(strstr(ks_str(as, "parts"), "ML-KEM ct 1088"));
		assert_non_null(strstr(ks_str(ks_event(s.a.events, "share-received", 0), "parts"), "ek 1184"));
		static const char ping[] = "over ML-KEM";
		assert_err(ks_send(&s, KS_A2B, MLAB_CONTENT_DATA, ping, sizeof ping - 1), 0);
		assert_int_equal(s.b.n_opened, 1);
		assert_memory_equal(s.b.data, ping, sizeof ping - 1);
		ks_free(&s);
	}
}

static void test_engine_ek_coefficient_q(void **state)
{
	(void)state;
	struct edit ed = {.dir = KS_B2A, .what = ED_EK_Q};
	struct ks_session s;
	assert_int_not_equal(run(MLAB_GROUP_X25519_MLKEM768, &ed, &s), 0);
	assert_int_not_equal(s.a.err, 0);
	assert_false(mlab_kex_connected(&s.a.k));
	assert_int_equal(ks_count(s.a.events, "share-sent"), 0); /* refused before anything of hers */
	ks_free(&s);
}

static void test_engine_ct_one_byte_short(void **state)
{
	(void)state;
	struct edit ed = {.dir = KS_A2B, .what = ED_CT_SHORT};
	struct ks_session s;
	assert_int_not_equal(run(MLAB_GROUP_X25519_MLKEM768, &ed, &s), 0);
	assert_err(s.b.err, MLAB_E_SHARE_LENGTH);
	ks_free(&s);
}

/* Implicit rejection: no error at decapsulation, another secret, and the
 * Finished tells. */
static void test_engine_ct_bit_flipped(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_OF(KEM_GROUPS); i++) {
		struct edit ed = {.dir = KS_A2B, .what = ED_CT_FLIP};
		struct ks_session s;
		assert_int_not_equal(run(KEM_GROUPS[i], &ed, &s), 0);
		assert_err(s.b.err, MLAB_E_FINISHED);
		/* both derived keys, and they differ: bob's secret is K̄ */
		const char *ka = ks_str(ks_event(s.a.events, "session-key", 0), "key_id"),
			   *kb = ks_str(ks_event(s.b.events, "session-key", 0), "key_id");
		assert_true(ka && kb);
		assert_string_not_equal(ka, kb);
		ks_free(&s);
	}
}

static void test_engine_x25519_part_low_order(void **state)
{
	(void)state;
	struct edit ed = {.dir = KS_A2B, .what = ED_X25519_ZERO};
	struct ks_session s;
	assert_int_not_equal(run(MLAB_GROUP_X25519_MLKEM768, &ed, &s), 0);
	assert_err(s.b.err, MLAB_E_SHARE_LOW_ORDER);
	ks_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_registry),
	    cmocka_unit_test(test_agree),
	    cmocka_unit_test(test_hostile_ek_refused),
	    cmocka_unit_test(test_handshake_each_group),
	    cmocka_unit_test(test_engine_ek_coefficient_q),
	    cmocka_unit_test(test_engine_ct_one_byte_short),
	    cmocka_unit_test(test_engine_ct_bit_flipped),
	    cmocka_unit_test(test_engine_x25519_part_low_order),
	};
	return cmocka_run_group_tests_name("kem_group", tests, keys_setup, keys_teardown);
}
