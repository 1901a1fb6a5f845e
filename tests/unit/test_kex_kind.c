/* Engine tests of the three kinds of key establishment (docs/protocol.md
 * §4.8, §3.9; lib/mlab_kex_kind.h): ephemeral, static (bob's long-term X25519
 * key) and transport (alice's premaster RSA-OAEP-encrypted to bob's key), how
 * they are negotiated, the configurations refused, and the two WEAKENED
 * sources of bob's randomness (a constant nonce, a seeded generator).
 *
 * alice and bob talk in memory (tests/helpers/kex_session.h): every frame is
 * logged with its direction, an edit hook may change one on the way, events
 * are captured. The RSA and X25519 keys are made once per run. Set
 * MLAB_TEST_VERBOSE=1 to see the engines' human lines. */
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

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_kex.h"
#include "mlab_rng.h"
#include "mlab_rsa.h"
#include "mlab_wire.h"

/* Body offsets (docs/protocol.md §3.2, §3.9). */
#define SH_NONCE_OFF 1
#define SH_KIND_OFF 38
#define PM_CT_OFF 2

/* ======================================================================
 * Keys and the fixture
 * ====================================================================== */

struct fx {
	EVP_PKEY *rsa, *rsa_pub; /* bob's RSA key; alice's pinned public copy */
	EVP_PKEY *rsa_other;	 /* another 2048-bit key: not bob's */
	EVP_PKEY *x25519;	 /* bob's static key */
	struct ks_session *live[3];
};

static EVP_PKEY *rsa_public(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	const unsigned char *p = der;
	EVP_PKEY *pub = n > 0 ? d2i_PUBKEY(NULL, &p, n) : NULL;
	OPENSSL_free(der);
	return pub;
}

static int group_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f || keys_setup(state) != 0 || mlab_rsa_generate(2048, &f->rsa) != 0 ||
	    mlab_rsa_generate(2048, &f->rsa_other) != 0 || !(f->rsa_pub = rsa_public(f->rsa)) ||
	    !(f->x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")))
		return -1;
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	struct fx *f = *state;
	EVP_PKEY_free(f->rsa);
	EVP_PKEY_free(f->rsa_pub);
	EVP_PKEY_free(f->rsa_other);
	EVP_PKEY_free(f->x25519);
	free(f);
	return keys_teardown(state);
}

/* Each test's teardown: the sessions a failed assertion left. */
static int cleanup(void **state)
{
	struct fx *f = *state;
	for (size_t i = 0; i < N_OF(f->live); i++)
		if (f->live[i]) {
			ks_free(f->live[i]);
			free(f->live[i]);
			f->live[i] = NULL;
		}
	return 0;
}

static struct ks_session *session(struct fx *f, const struct mlab_kex_config *ca, const struct mlab_kex_config *cb)
{
	for (size_t i = 0; i < N_OF(f->live); i++)
		if (!f->live[i]) {
			assert_non_null(f->live[i] = calloc(1, sizeof *f->live[i]));
			assert_err(ks_init(f->live[i], ca, cb, true), 0);
			return f->live[i];
		}
	fail_msg("too many sessions at once");
	return NULL;
}

static void set_kinds(struct mlab_kex_config *c, const uint8_t *kinds, size_t n)
{
	memcpy(c->kinds, kinds, n);
	c->n_kinds = n;
}

/* alice in mode, X25519, ChaCha20-Poly1305, bob's Ed25519 and RSA keys pinned. */
static struct mlab_kex_config alice_cfg(const struct fx *f, uint8_t mode, const uint8_t *kinds, size_t n)
{
	struct mlab_kex_config c = kex_cfg(MLAB_INITIATOR, mode, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	c.peer_key = bob_pub;
	c.peer_rsa = f->rsa_pub;
	set_kinds(&c, kinds, n);
	return c;
}

/* bob likewise, with all his long-term keys. */
static struct mlab_kex_config bob_cfg(const struct fx *f, uint8_t mode, const uint8_t *kinds, size_t n)
{
	struct mlab_kex_config c = kex_cfg(MLAB_RESPONDER, mode, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	c.own_key = bob_key;
	c.rsa_key = f->rsa;
	c.static_key = f->x25519;
	set_kinds(&c, kinds, n);
	return c;
}

static const uint8_t K_EPH[] = {MLAB_KIND_EPHEMERAL};
static const uint8_t K_STATIC[] = {MLAB_KIND_STATIC};
static const uint8_t K_TRANSPORT[] = {MLAB_KIND_TRANSPORT};
static const uint8_t K_TRANSPORT_EPH[] = {MLAB_KIND_TRANSPORT, MLAB_KIND_EPHEMERAL};
static const uint8_t K_EPH_TRANSPORT[] = {MLAB_KIND_EPHEMERAL, MLAB_KIND_TRANSPORT};
static const uint8_t K_STATIC_EPH[] = {MLAB_KIND_STATIC, MLAB_KIND_EPHEMERAL};

/* ======================================================================
 * Assertions
 * ====================================================================== */

static const json_t *one_event(const struct ks_party *p, const char *name)
{
	if (ks_count(p->events, name) != 1)
		fail_msg("%zu %s events, expected one", ks_count(p->events, name), name);
	return ks_event(p->events, name, 0);
}

static void assert_no_event(const struct ks_party *p, const char *name)
{
	if (ks_count(p->events, name) != 0)
		fail_msg("unexpected %s event", name);
}

/* Exactly one error event, with that error at that state. */
static void assert_failed(const struct ks_party *p, int err, const char *where)
{
	const json_t *e = one_event(p, "error");
	assert_err(p->err, err);
	assert_int_equal(p->k.state, MLAB_KEX_FAILED);
	assert_string_equal(ks_str(e, "error"), mlab_err_name(err));
	assert_string_equal(ks_str(e, "where"), where);
}

/* The side that did not fail first got the other's alert. */
static void assert_peer_alert(const struct ks_party *p, int err)
{
	assert_err(p->err, MLAB_E_PEER_ALERT);
	assert_err(p->k.peer_alert, err);
}

static void assert_connected(const struct ks_session *s)
{
	assert_true(mlab_kex_connected(&s->a.k));
	assert_true(mlab_kex_connected(&s->b.k));
	assert_string_equal(s->a.k.keys.key_id, s->b.k.keys.key_id);
	assert_string_equal(ks_str(one_event(&s->a, "session-key"), "key_id"), s->a.k.keys.key_id);
	assert_string_equal(ks_str(one_event(&s->b, "session-key"), "key_id"), s->a.k.keys.key_id);
}

/* Records both ways open to what was sent. */
static void assert_records(struct ks_session *s)
{
	static const char ping[] = "ping over the negotiated kind", pong[] = "pong";
	assert_err(ks_send(s, KS_A2B, MLAB_CONTENT_DATA, ping, sizeof ping - 1), 0);
	assert_int_equal(s->b.n_opened, 1);
	assert_memory_equal(s->b.data, ping, sizeof ping - 1);
	assert_err(ks_send(s, KS_B2A, MLAB_CONTENT_DATA, pong, sizeof pong - 1), 0);
	assert_int_equal(s->a.n_opened, 1);
	assert_memory_equal(s->a.data, pong, sizeof pong - 1);
}

/* The negotiated event's "kind": absent for ephemeral, as on the wire. */
static void assert_kind(const struct ks_party *p, const char *kind)
{
	const char *got = ks_str(one_event(p, "negotiated"), "kind");
	if (!kind)
		assert_null(got);
	else
		assert_string_equal(got ? got : "(absent)", kind);
}

static void server_hello(const struct ks_session *s, struct mlab_server_hello *sh)
{
	const struct ks_frame *f = ks_find(s, KS_B2A, MLAB_MSG_SERVER_HELLO, 0);
	assert_non_null(f);
	assert_err(mlab_server_hello_decode(f->body, f->len, sh), 0);
}

static void key_share(const struct ks_session *s, int dir, struct mlab_key_share *ks)
{
	const struct ks_frame *f = ks_find(s, dir, MLAB_MSG_KEY_SHARE, 0);
	assert_non_null(f);
	assert_err(mlab_key_share_decode(f->body, f->len, ks), 0);
}

/* ======================================================================
 * Transport
 * ====================================================================== */

static void transport_ok(void **state, uint8_t mode, bool mutual)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, mode, K_TRANSPORT, 1), cb = bob_cfg(f, mode, K_TRANSPORT, 1);
	char kid[9];

	ca.mutual = cb.mutual = mutual;
	ca.own_key = alice_key;
	cb.peer_key = alice_pub;
	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	assert_connected(s);
	assert_kind(&s->a, "transport");
	assert_kind(&s->b, "transport");

	/* alice chose the secret and sent it encrypted; bob sent no share. */
	assert_err(mlab_rsa_key_id(f->rsa, kid), 0);
	const json_t *sent = one_event(&s->a, "premaster-sent");
	assert_int_equal(json_integer_value(json_object_get(sent, "len")), MLAB_RSA_BITS / 8);
	assert_string_equal(ks_str(sent, "rsa_key"), kid);
	assert_int_equal(json_integer_value(json_object_get(one_event(&s->b, "premaster-received"), "len")),
			 MLAB_RSA_BITS / 8);
	assert_int_equal(ks_count_frames(s, KS_B2A, MLAB_MSG_KEY_SHARE), 0);
	assert_int_equal(ks_count_frames(s, KS_A2B, MLAB_MSG_KEY_SHARE), 0);
	assert_int_equal(ks_count_frames(s, KS_A2B, MLAB_MSG_PREMASTER), 1);
	assert_no_event(&s->a, "share-sent");
	assert_no_event(&s->b, "share-sent");
	assert_no_event(&s->a, "share-received");
	assert_no_event(&s->b, "share-received");

	/* The ServerHello names the kind in its optional last byte. */
	const struct ks_frame *sh = ks_find(s, KS_B2A, MLAB_MSG_SERVER_HELLO, 0);
	assert_int_equal(sh->len, SH_KIND_OFF + 1);
	assert_int_equal(sh->body[SH_KIND_OFF], MLAB_KIND_TRANSPORT);
	assert_int_equal(ks_count_frames(s, KS_B2A, MLAB_MSG_SIGNATURE), mode == MLAB_MODE_SIGN);
	assert_int_equal(ks_count_frames(s, KS_A2B, MLAB_MSG_SIGNATURE), mutual);
	assert_records(s);
}

static void test_transport_sign(void **state)
{
	transport_ok(state, MLAB_MODE_SIGN, false);
}

/* Mode none: bob's whole flight is his ServerHello; alice answers it. */
static void test_transport_none(void **state)
{
	transport_ok(state, MLAB_MODE_NONE, false);
}

/* Mutual: alice signs the transcript through her premaster. */
static void test_transport_mutual(void **state)
{
	transport_ok(state, MLAB_MODE_SIGN, true);
}

/* What the edit hooks do to the EncryptedPremaster. */
enum pm_edit { PM_FLIP, PM_ZERO, PM_ONES, PM_SHORT, PM_LONG, PM_EMPTY };

static bool edit_premaster(void *arg, int dir, uint8_t *type, uint8_t *body, size_t *len, size_t cap)
{
	enum pm_edit how = *(const enum pm_edit *)arg;
	size_t ct = *len - PM_CT_OFF;

	if (dir != KS_A2B || *type != MLAB_MSG_PREMASTER)
		return true;
	assert_true(*len > PM_CT_OFF + 100 && *len + 1 <= cap);
	switch (how) {
	case PM_FLIP:
		body[PM_CT_OFF + 100] ^= 0x01;
		break;
	case PM_ZERO:
		memset(body + PM_CT_OFF, 0, ct);
		break;
	case PM_ONES: /* not below n */
		memset(body + PM_CT_OFF, 0xff, ct);
		break;
	case PM_SHORT:
		ct--;
		break;
	case PM_LONG:
		body[PM_CT_OFF + ct++] = 0x42;
		break;
	case PM_EMPTY:
		ct = 0;
		break;
	}
	body[0] = (uint8_t)(ct >> 8);
	body[1] = (uint8_t)ct;
	*len = PM_CT_OFF + ct;
	return true;
}

/* A ciphertext of the right size that does not decrypt is not reported:
 * bob goes on with a premaster of implicit rejection, and the handshake fails
 * where any wrong key fails it, at alice's Finished — the same error, at the
 * same place, for a flipped bit, zeros or a value not below n. No oracle. */
static void test_transport_bad_ciphertext_fails_at_finished(void **state)
{
	static const enum pm_edit edits[] = {PM_FLIP, PM_ZERO, PM_ONES};
	struct fx *f = *state;

	for (size_t i = 0; i < N_OF(edits); i++) {
		struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1),
				       cb = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1);
		struct ks_session *s = session(f, &ca, &cb);
		s->edit = edit_premaster;
		s->edit_arg = (void *)&edits[i];
		assert_err(ks_handshake(s), MLAB_E_FINISHED);
		assert_failed(&s->b, MLAB_E_FINISHED, "wait-client-finished");
		assert_peer_alert(&s->a, MLAB_E_FINISHED);
		/* bob took the premaster and derived (other) keys from it. */
		one_event(&s->b, "premaster-received");
		const char *bob_kid = ks_str(one_event(&s->b, "session-key"), "key_id");
		assert_string_not_equal(bob_kid, ks_str(one_event(&s->a, "session-key"), "key_id"));
		/* His one frame after the premaster is the alert. */
		assert_int_equal(ks_count_frames(s, KS_B2A, MLAB_MSG_ALERT), 1);
		assert_int_equal(ks_count_frames(s, KS_B2A, MLAB_MSG_FINISHED), 0);
		cleanup(state);
	}
}

/* A ciphertext that is not the modulus size is a framing error, visible to
 * anyone with the public key: refused at once, before any decryption. */
static void test_transport_premaster_wrong_length(void **state)
{
	static const struct {
		enum pm_edit how;
		int err;
	} cases[] = {{PM_SHORT, MLAB_E_BAD_FIELD}, {PM_LONG, MLAB_E_BAD_FIELD}, {PM_EMPTY, MLAB_E_EMPTY}};
	struct fx *f = *state;

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1),
				       cb = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1);
		struct ks_session *s = session(f, &ca, &cb);
		s->edit = edit_premaster;
		s->edit_arg = (void *)&cases[i].how;
		assert_err(ks_handshake(s), cases[i].err);
		assert_failed(&s->b, cases[i].err, "wait-client-share");
		assert_peer_alert(&s->a, cases[i].err);
		assert_no_event(&s->b, "session-key");
		cleanup(state);
	}
}

/* alice's premaster comes from her generator, after her nonce (there is no
 * key pair of hers in transport): a seeded alice's is reproducible. */
static void test_transport_premaster_from_rng(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1),
			       cb = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1);
	struct mlab_rng ra, again;
	struct mlab_premaster pm;
	uint8_t want[MLAB_NONCE_LEN + MLAB_PREMASTER_LEN], got[MLAB_PREMASTER_LEN];

	mlab_rng_seeded(&ra, MLAB_RNG_PID, 4242);
	ca.rng = &ra;
	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	mlab_rng_seeded(&again, MLAB_RNG_PID, 4242);
	assert_err(mlab_rng_bytes(&again, want, sizeof want), 0);
	const struct ks_frame *ch = ks_find(s, KS_A2B, MLAB_MSG_CLIENT_HELLO, 0);
	assert_memory_equal(ch->body + 1, want, MLAB_NONCE_LEN);
	const struct ks_frame *fr = ks_find(s, KS_A2B, MLAB_MSG_PREMASTER, 0);
	assert_err(mlab_premaster_decode(fr->body, fr->len, &pm), 0);
	assert_err(mlab_rsa_decrypt_premaster(f->rsa, pm.ct, pm.len, got), 0);
	assert_memory_equal(got, want + MLAB_NONCE_LEN, MLAB_PREMASTER_LEN);
}

struct retype {
	uint8_t from, to;
};

static bool edit_retype(void *arg, int dir, uint8_t *type, uint8_t *body, size_t *len, size_t cap)
{
	const struct retype *x = arg;
	(void)body;
	(void)len;
	(void)cap;
	if (dir == KS_A2B && *type == x->from)
		*type = x->to;
	return true;
}

/* alice's key material of the other kind: bob refuses the message type
 * before reading it. */
static void test_key_material_of_the_other_kind(void **state)
{
	static const struct retype to_share = {MLAB_MSG_PREMASTER, MLAB_MSG_KEY_SHARE},
				   to_pm = {MLAB_MSG_KEY_SHARE, MLAB_MSG_PREMASTER};
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1),
			       cb = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1);

	struct ks_session *s = session(f, &ca, &cb);
	s->edit = edit_retype;
	s->edit_arg = (void *)&to_share;
	assert_err(ks_handshake(s), MLAB_E_UNEXPECTED);
	assert_failed(&s->b, MLAB_E_UNEXPECTED, "wait-client-share");
	assert_no_event(&s->b, "premaster-received");
	cleanup(state);

	set_kinds(&ca, K_EPH, 1);
	set_kinds(&cb, K_EPH, 1);
	s = session(f, &ca, &cb);
	s->edit = edit_retype;
	s->edit_arg = (void *)&to_pm;
	assert_err(ks_handshake(s), MLAB_E_UNEXPECTED);
	assert_failed(&s->b, MLAB_E_UNEXPECTED, "wait-client-share");
	assert_no_event(&s->b, "share-received");
}

/* ======================================================================
 * Static
 * ====================================================================== */

/* Two sessions with one static key: bob's share is the same both times (his
 * long-term public key, and the events say so), alice's fresh — so the
 * session keys still differ. */
static void test_static_two_sessions(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_STATIC, 1),
			       cb = bob_cfg(f, MLAB_MODE_SIGN, K_STATIC, 1);
	uint8_t pub[32];
	size_t pl = sizeof pub;
	struct ks_session *s[2];

	assert_int_equal(EVP_PKEY_get_raw_public_key(f->x25519, pub, &pl), 1);
	for (int i = 0; i < 2; i++) {
		s[i] = session(f, &ca, &cb);
		assert_err(ks_handshake(s[i]), 0);
		assert_connected(s[i]);
		assert_kind(&s[i]->a, "static");
		assert_kind(&s[i]->b, "static");
		const json_t *b = one_event(&s[i]->b, "share-sent"), *a = one_event(&s[i]->a, "share-sent");
		assert_true(json_is_true(json_object_get(b, "static")));
		assert_null(json_object_get(a, "static"));
		struct mlab_key_share ks;
		key_share(s[i], KS_B2A, &ks);
		assert_int_equal(ks.len, pl);
		assert_memory_equal(ks.share, pub, pl);
		assert_records(s[i]);
	}
	const char *bob0 = ks_str(one_event(&s[0]->b, "share-sent"), "share");
	const char *bob1 = ks_str(one_event(&s[1]->b, "share-sent"), "share");
	const char *alice0 = ks_str(one_event(&s[0]->a, "share-sent"), "share");
	const char *alice1 = ks_str(one_event(&s[1]->a, "share-sent"), "share");
	assert_string_equal(bob0, bob1);
	assert_string_not_equal(alice0, alice1);
	assert_string_not_equal(s[0]->a.k.keys.key_id, s[1]->a.k.keys.key_id);
	/* The engine borrowed the key: it is still bob's after both sessions. */
	pl = sizeof pub;
	assert_int_equal(EVP_PKEY_get_raw_public_key(f->x25519, pub, &pl), 1);
}

/* Static is X25519 only: over a finite-field group bob falls back to the
 * next kind alice offers, or has none. */
static void test_static_needs_x25519(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_STATIC_EPH, 2),
			       cb = bob_cfg(f, MLAB_MODE_SIGN, K_STATIC_EPH, 2);

	ca.groups[0] = cb.groups[0] = MLAB_GROUP_FFDHE2048;
	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	assert_kind(&s->b, NULL);
	assert_null(json_object_get(one_event(&s->b, "share-sent"), "static"));
	cleanup(state);

	ca.n_kinds = 1;
	s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), MLAB_E_NO_COMMON_KIND);
	assert_failed(&s->b, MLAB_E_NO_COMMON_KIND, "wait-client-hello");
}

/* ======================================================================
 * Negotiation
 * ====================================================================== */

/* alice offers transport first; bob allows ephemeral alone: ephemeral, and
 * the ServerHello says so by leaving the kind byte out. */
static void test_neg_transport_offered_ephemeral_chosen(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT_EPH, 2),
			       cb = bob_cfg(f, MLAB_MODE_SIGN, K_EPH, 1);
	struct mlab_server_hello sh;

	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	assert_connected(s);
	assert_kind(&s->a, NULL);
	assert_kind(&s->b, NULL);
	server_hello(s, &sh);
	assert_int_equal(ks_find(s, KS_B2A, MLAB_MSG_SERVER_HELLO, 0)->len, SH_KIND_OFF);
	assert_int_equal(sh.kind, MLAB_KIND_EPHEMERAL);
	assert_int_equal(ks_count_frames(s, KS_B2A, MLAB_MSG_KEY_SHARE), 1);
	assert_int_equal(ks_count_frames(s, KS_A2B, MLAB_MSG_PREMASTER), 0);
	assert_no_event(&s->a, "premaster-sent");
	/* bob saw the kinds offered. */
	json_t *kinds = json_object_get(one_event(&s->b, "hello-received"), "kinds");
	assert_int_equal(json_array_size(kinds), 2);
	assert_string_equal(json_string_value(json_array_get(kinds, 0)), "transport");
	cleanup(state);

	/* n_kinds 0 is ephemeral alone too. */
	cb.n_kinds = 0;
	s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	assert_kind(&s->b, NULL);
}

/* alice's preference wins, among what bob allows. */
static void test_neg_initiator_preference(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_EPH_TRANSPORT, 2),
			       cb = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT_EPH, 2);

	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	assert_kind(&s->b, NULL);
	cleanup(state);
	set_kinds(&ca, K_TRANSPORT_EPH, 2);
	set_kinds(&cb, K_EPH_TRANSPORT, 2);
	s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	assert_kind(&s->b, "transport");
}

/* alice offers static alone; bob has no static key (so may not allow it). */
static void test_neg_no_common_kind(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_STATIC, 1),
			       cb = bob_cfg(f, MLAB_MODE_SIGN, K_EPH, 1);

	cb.static_key = NULL;
	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), MLAB_E_NO_COMMON_KIND);
	assert_failed(&s->b, MLAB_E_NO_COMMON_KIND, "wait-client-hello");
	assert_peer_alert(&s->a, MLAB_E_NO_COMMON_KIND);
	assert_int_equal(ks_count_frames(s, KS_B2A, MLAB_MSG_SERVER_HELLO), 0);
	cleanup(state);

	/* The same for transport offered to a bob who allows ephemeral alone. */
	set_kinds(&ca, K_TRANSPORT, 1);
	s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), MLAB_E_NO_COMMON_KIND);
	assert_failed(&s->b, MLAB_E_NO_COMMON_KIND, "wait-client-hello");
}

struct sh_edit {
	bool strip;    /* drop the kind byte */
	uint8_t value; /* ... or write this one */
};

static bool edit_sh_kind(void *arg, int dir, uint8_t *type, uint8_t *body, size_t *len, size_t cap)
{
	const struct sh_edit *x = arg;
	(void)cap;
	if (dir != KS_B2A || *type != MLAB_MSG_SERVER_HELLO)
		return true;
	assert_int_equal(*len, SH_KIND_OFF + 1);
	if (x->strip)
		*len = SH_KIND_OFF;
	else
		body[SH_KIND_OFF] = x->value;
	return true;
}

/* A ServerHello that names a kind alice did not offer: not-offered, before
 * she sends anything of hers. The byte spelling ephemeral is not one of the
 * protocol's encodings (bad-field). */
static void test_neg_server_hello_kind_not_offered(void **state)
{
	static const struct {
		struct sh_edit x;
		int err;
	} cases[] = {
	    {{false, MLAB_KIND_STATIC}, MLAB_E_NOT_OFFERED},
	    {{false, 0x7f}, MLAB_E_NOT_OFFERED},
	    {{false, 0}, MLAB_E_NOT_OFFERED},
	    {{false, MLAB_KIND_EPHEMERAL}, MLAB_E_BAD_FIELD},
	};
	struct fx *f = *state;

	for (size_t i = 0; i < N_OF(cases); i++) {
		struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1),
				       cb = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1);
		struct ks_session *s = session(f, &ca, &cb);
		s->edit = edit_sh_kind;
		s->edit_arg = (void *)&cases[i].x;
		assert_err(ks_handshake(s), cases[i].err);
		assert_failed(&s->a, cases[i].err, "wait-server-hello");
		assert_peer_alert(&s->b, cases[i].err);
		assert_no_event(&s->a, "premaster-sent");
		assert_int_equal(ks_count_frames(s, KS_A2B, MLAB_MSG_PREMASTER), 0);
		cleanup(state);
	}
}

/* mallory strips the kind byte: alice, who offered ephemeral too, reads
 * ephemeral and waits for bob's KeyShare — his Signature comes instead. */
static void test_neg_server_hello_kind_stripped(void **state)
{
	static const struct sh_edit strip = {true, 0};
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT_EPH, 2),
			       cb = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1);

	struct ks_session *s = session(f, &ca, &cb);
	s->edit = edit_sh_kind;
	s->edit_arg = (void *)&strip;
	assert_err(ks_handshake(s), MLAB_E_UNEXPECTED);
	assert_failed(&s->a, MLAB_E_UNEXPECTED, "wait-server-share");
	assert_kind(&s->a, NULL);
}

/* ======================================================================
 * Configurations refused
 * ====================================================================== */

static void test_init_refusals(void **state)
{
	struct fx *f = *state;
	struct mlab_kex k;
	struct mlab_kex_config c;

	c = bob_cfg(f, MLAB_MODE_SIGN, K_STATIC, 1);
	c.static_key = NULL;
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_KEY);
	mlab_kex_free(&k);
	c = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT_EPH, 2);
	c.rsa_key = NULL;
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_KEY);
	mlab_kex_free(&k);
	c = alice_cfg(f, MLAB_MODE_SIGN, K_EPH_TRANSPORT, 2);
	c.peer_rsa = NULL;
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_TRUST);
	mlab_kex_free(&k);
	/* A params-scope signature covers a share; transport has none. */
	c = alice_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1);
	c.scope = MLAB_SCOPE_PARAMS;
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_ARG);
	mlab_kex_free(&k);
	c = bob_cfg(f, MLAB_MODE_SIGN, K_TRANSPORT, 1);
	c.scope = MLAB_SCOPE_PARAMS;
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_ARG);
	mlab_kex_free(&k);
	c = bob_cfg(f, MLAB_MODE_SIGN, K_EPH, 1);
	c.n_kinds = MLAB_MAX_OFFERS + 1;
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_ARG);
	mlab_kex_free(&k);

	/* What needs no key: an initiator offering static (the key is bob's),
	 * a responder holding keys for kinds it does not allow. */
	c = alice_cfg(f, MLAB_MODE_SIGN, K_STATIC, 1);
	c.peer_rsa = NULL;
	assert_err(mlab_kex_init(&k, &c, NULL), 0);
	mlab_kex_free(&k);
	c = bob_cfg(f, MLAB_MODE_SIGN, K_EPH, 1);
	assert_err(mlab_kex_init(&k, &c, NULL), 0);
	mlab_kex_free(&k);
}

/* ======================================================================
 * WEAKENED randomness
 * ====================================================================== */

/* A constant nonce: 32 zero bytes, and bob says he is weakened. */
static void test_fixed_nonce(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_EPH, 1), cb = bob_cfg(f, MLAB_MODE_SIGN, K_EPH, 1);
	static const uint8_t zero[MLAB_NONCE_LEN];
	struct mlab_server_hello sh;

	cb.fixed_nonce = true;
	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	server_hello(s, &sh);
	assert_memory_equal(sh.nonce, zero, sizeof zero);
	assert_memory_equal(s->b.k.nonce_s, zero, sizeof zero);
	const json_t *w = one_event(&s->b, "weakened");
	assert_string_equal(ks_str(w, "disabled"), "fresh-nonce");
	assert_no_event(&s->a, "weakened");
	/* alice's nonce is still fresh. */
	assert_memory_not_equal(s->a.k.nonce_c, zero, sizeof zero);
	cleanup(state);

	/* An initiator's fixed_nonce does nothing (it is a responder's lesson). */
	ca.fixed_nonce = true;
	cb.fixed_nonce = false;
	s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	assert_memory_not_equal(s->a.k.nonce_c, zero, sizeof zero);
	assert_no_event(&s->a, "weakened");
}

/* bob's generator seeded by "pid" 1234: a passive observer's seed search
 * over the pid window finds 1234 from his ServerHello nonce and KeyShare,
 * and the key pair it re-makes computes the secret alice computed. */
static void test_weak_rng_cracked(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_EPH, 1), cb = bob_cfg(f, MLAB_MODE_SIGN, K_EPH, 1);
	const struct mlab_group *g = mlab_group_by_id(MLAB_GROUP_X25519);
	struct mlab_rng rb, ra, replay;
	struct mlab_rng_crack w;
	struct mlab_server_hello sh;
	struct mlab_client_hello ch;
	struct mlab_key_share ka, kb;
	struct mlab_dh bob_dh = {0}, alice_dh = {0};
	uint8_t s1[MLAB_MAX_SECRET], s2[MLAB_MAX_SECRET], nonce[MLAB_NONCE_LEN];
	size_t l1 = 0, l2 = 0;
	uint64_t seed = 0, tried = 0;

	mlab_rng_seeded(&rb, MLAB_RNG_PID, 1234);
	mlab_rng_seeded(&ra, MLAB_RNG_PID, 777); /* alice's too, to compute her side independently */
	cb.rng = &rb;
	ca.rng = &ra;
	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	const json_t *wk = one_event(&s->b, "weakened");
	assert_string_equal(ks_str(wk, "disabled"), "randomness");
	assert_string_equal(ks_str(wk, "rng"), "pid");
	assert_int_equal(json_integer_value(json_object_get(wk, "seed")), 1234);

	server_hello(s, &sh);
	key_share(s, KS_B2A, &kb);
	key_share(s, KS_A2B, &ka);
	mlab_rng_crack_window(&w, MLAB_RNG_PID, 0);
	assert_int_equal(mlab_rng_crack(&w, sh.nonce, g, kb.share, kb.len, &seed, &bob_dh, &tried), 0);
	assert_int_equal(seed, 1234);
	assert_true(tried >= 1 && tried <= MLAB_RNG_PID_MAX);
	assert_int_equal(bob_dh.pub_len, kb.len);
	assert_memory_equal(bob_dh.pub, kb.share, kb.len);

	/* alice's key pair, re-made from her seed: nonce first, then the key. */
	const struct ks_frame *chf = ks_find(s, KS_A2B, MLAB_MSG_CLIENT_HELLO, 0);
	assert_err(mlab_client_hello_decode(chf->body, chf->len, &ch), 0);
	mlab_rng_seeded(&replay, MLAB_RNG_PID, 777);
	assert_err(mlab_rng_bytes(&replay, nonce, sizeof nonce), 0);
	assert_memory_equal(nonce, ch.nonce, sizeof nonce);
	assert_err(mlab_dh_keygen_rng(g, &replay, &alice_dh), 0);
	assert_memory_equal(alice_dh.pub, ka.share, ka.len);

	assert_err(mlab_dh_derive(&bob_dh, ka.share, ka.len, true, s1, &l1), 0);
	assert_err(mlab_dh_derive(&alice_dh, kb.share, kb.len, true, s2, &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, l1);
	mlab_dh_free(&bob_dh);
	mlab_dh_free(&alice_dh);

	/* The same search finds alice's seed from her side. */
	assert_int_equal(mlab_rng_crack(&w, ch.nonce, g, ka.share, ka.len, &seed, NULL, NULL), 0);
	assert_int_equal(seed, 777);
}

/* The OS generator: no seed of the window reproduces bob's nonce. */
static void test_os_rng_not_cracked(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config ca = alice_cfg(f, MLAB_MODE_SIGN, K_EPH, 1), cb = bob_cfg(f, MLAB_MODE_SIGN, K_EPH, 1);
	struct mlab_rng_crack w;
	struct mlab_server_hello sh;
	struct mlab_key_share kb;
	uint64_t tried = 0;

	struct ks_session *s = session(f, &ca, &cb);
	assert_err(ks_handshake(s), 0);
	assert_no_event(&s->b, "weakened");
	server_hello(s, &sh);
	key_share(s, KS_B2A, &kb);
	mlab_rng_crack_window(&w, MLAB_RNG_PID, 0);
	assert_int_equal(
	    mlab_rng_crack(&w, sh.nonce, mlab_group_by_id(MLAB_GROUP_X25519), kb.share, kb.len, NULL, NULL, &tried), 1);
	assert_int_equal(tried, MLAB_RNG_PID_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_transport_sign, cleanup),
	    cmocka_unit_test_teardown(test_transport_none, cleanup),
	    cmocka_unit_test_teardown(test_transport_mutual, cleanup),
	    cmocka_unit_test_teardown(test_transport_bad_ciphertext_fails_at_finished, cleanup),
	    cmocka_unit_test_teardown(test_transport_premaster_wrong_length, cleanup),
	    cmocka_unit_test_teardown(test_transport_premaster_from_rng, cleanup),
	    cmocka_unit_test_teardown(test_key_material_of_the_other_kind, cleanup),
	    cmocka_unit_test_teardown(test_static_two_sessions, cleanup),
	    cmocka_unit_test_teardown(test_static_needs_x25519, cleanup),
	    cmocka_unit_test_teardown(test_neg_transport_offered_ephemeral_chosen, cleanup),
	    cmocka_unit_test_teardown(test_neg_initiator_preference, cleanup),
	    cmocka_unit_test_teardown(test_neg_no_common_kind, cleanup),
	    cmocka_unit_test_teardown(test_neg_server_hello_kind_not_offered, cleanup),
	    cmocka_unit_test_teardown(test_neg_server_hello_kind_stripped, cleanup),
	    cmocka_unit_test_teardown(test_init_refusals, cleanup),
	    cmocka_unit_test_teardown(test_fixed_nonce, cleanup),
	    cmocka_unit_test_teardown(test_weak_rng_cracked, cleanup),
	    cmocka_unit_test_teardown(test_os_rng_not_cracked, cleanup),
	};
	return cmocka_run_group_tests_name("mlab_kex kinds", tests, group_setup, group_teardown);
}
