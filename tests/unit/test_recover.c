/* Unit tests for mallory/recover: passive key recovery of one recorded
 * session (issue 12).
 *
 * alice and bob run a real handshake and a few records in memory
 * (tests/helpers/kex_session.h), every frame logged in order with its
 * direction — mallory's recording. The log is then fed to recover_frame with
 * what she holds: bob's leaked RSA key (transport), his leaked static X25519
 * key (static), a key that opens nothing (ephemeral: forward secrecy), a seed
 * search (a weakened generator), or the wrong key; and with recordings that
 * are cut short, altered or hostile. Her events are captured with a sink;
 * every body she is handed is a heap copy of exactly its length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "kex_pump.h"
#include "kex_session.h"
#include "test_keys.h"
#include "test_util.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mlab_err.h"
#include "mlab_kex.h"
#include "mlab_rng.h"
#include "mlab_rsa.h"
#include "mlab_wire.h"
#include "recover.h"

#define MAX_PLAIN 16
#define PLAIN_CAP 64

/* What alice and bob say once connected, in this order. */
static const struct msg {
	int dir;
	uint8_t content;
	const char *text;
} MSGS[] = {
    {KS_A2B, MLAB_CONTENT_DATA, "GET /diary"}, {KS_B2A, MLAB_CONTENT_DATA, "dear diary: the launch code is 0000"},
    {KS_A2B, MLAB_CONTENT_DATA, "thanks"},     {KS_A2B, MLAB_CONTENT_CLOSE, ""},
    {KS_B2A, MLAB_CONTENT_CLOSE, ""},
};

/* ======================================================================
 * Keys and the fixture
 * ====================================================================== */

struct seen {
	int dir;
	uint8_t content;
	size_t len;
	uint8_t data[PLAIN_CAP];
};

/* One replay of a recording through recover_frame. */
struct replay {
	json_t *events; /* mallory's */
	struct mlab_ev ev;
	struct seen plain[MAX_PLAIN];
	size_t n_plain;
};

struct fx {
	EVP_PKEY *rsa, *rsa_pub, *rsa_other, *rsa_3072;
	EVP_PKEY *x25519, *x25519_other;
	/* freed by the teardown after a failed assertion */
	struct ks_session *live;
	struct recover *rec;
	struct replay rp;
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
	    mlab_rsa_generate(2048, &f->rsa_other) != 0 || mlab_rsa_generate(3072, &f->rsa_3072) != 0 ||
	    !(f->rsa_pub = rsa_public(f->rsa)) || !(f->x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) ||
	    !(f->x25519_other = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")))
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
	EVP_PKEY_free(f->rsa_3072);
	EVP_PKEY_free(f->x25519);
	EVP_PKEY_free(f->x25519_other);
	free(f);
	return keys_teardown(state);
}

static void replay_clear(struct fx *f)
{
	if (f->rec) {
		recover_free(f->rec);
		free(f->rec);
		f->rec = NULL;
	}
	json_decref(f->rp.events);
	memset(&f->rp, 0, sizeof f->rp);
}

static int cleanup(void **state)
{
	struct fx *f = *state;
	if (f->live) {
		ks_free(f->live);
		free(f->live);
		f->live = NULL;
	}
	replay_clear(f);
	return 0;
}

/* ======================================================================
 * Recording a session
 * ====================================================================== */

/* alice and bob in mode sign over X25519 with ChaCha20-Poly1305, kind kind;
 * bob's generator rng_b (NULL: the OS's); the handshake, then MSGS. */
static struct ks_session *record(struct fx *f, uint8_t kind, bool mutual, struct mlab_rng *rng_b)
{
	struct mlab_kex_config ca = kex_cfg(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519,
					    MLAB_CIPHER_CHACHA20_POLY1305),
			       cb = kex_cfg(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519,
					    MLAB_CIPHER_CHACHA20_POLY1305);
	ca.kinds[0] = cb.kinds[0] = kind;
	ca.n_kinds = cb.n_kinds = 1;
	ca.peer_key = bob_pub;
	ca.peer_rsa = f->rsa_pub;
	ca.own_key = alice_key;
	cb.own_key = bob_key;
	cb.peer_key = alice_pub;
	cb.rsa_key = f->rsa;
	cb.static_key = f->x25519;
	ca.mutual = cb.mutual = mutual;
	cb.rng = rng_b;

	assert_null(f->live);
	assert_non_null(f->live = calloc(1, sizeof *f->live));
	assert_err(ks_init(f->live, &ca, &cb, true), 0);
	assert_err(ks_handshake(f->live), 0);
	for (size_t i = 0; i < N_OF(MSGS); i++) {
		struct ks_party *to = MSGS[i].dir == KS_A2B ? &f->live->b : &f->live->a;
		size_t before = to->n_opened;
		assert_err(ks_send(f->live, MSGS[i].dir, MSGS[i].content, MSGS[i].text, strlen(MSGS[i].text)), 0);
		assert_int_equal(to->n_opened, before + 1);
	}
	return f->live;
}

static const char *alice_key_id(const struct ks_session *s)
{
	return s->a.k.keys.key_id;
}

/* ======================================================================
 * Replaying it to mallory
 * ====================================================================== */

static void replay_frames(struct fx *f, const struct ks_frame *log, size_t n, struct recover_cfg *c)
{
	struct replay *rp = &f->rp;

	replay_clear(f);
	assert_non_null(rp->events = json_array());
	ks_capture(&rp->ev, "mallory", rp->events);
	c->ev = &rp->ev;
	assert_non_null(f->rec = malloc(sizeof *f->rec));
	assert_err(recover_init(f->rec), 0);
	for (size_t i = 0; i < n; i++) {
		struct sniff_plain p = {0};
		uint8_t *copy = dup_exact(log[i].body, log[i].len);
		bool got = recover_frame(f->rec, c, log[i].dir, log[i].type, copy, log[i].len, &p);
		free(copy);
		if (!got)
			continue;
		assert_int_equal(log[i].type, MLAB_MSG_RECORD);
		assert_true(rp->n_plain < MAX_PLAIN);
		assert_true(p.len <= PLAIN_CAP);
		struct seen *s = &rp->plain[rp->n_plain++];
		s->dir = log[i].dir;
		s->content = p.content;
		s->len = p.len;
		memcpy(s->data, p.data, p.len);
	}
}

static struct replay *replay(struct fx *f, const struct ks_session *s, struct recover_cfg *c)
{
	replay_frames(f, s->log, s->n_log, c);
	return &f->rp;
}

static const json_t *one_event(const struct replay *rp, const char *name)
{
	if (ks_count(rp->events, name) != 1)
		fail_msg("%zu %s events, expected one", ks_count(rp->events, name), name);
	return ks_event(rp->events, name, 0);
}

/* She read every record, as sent, with the peers' key. */
static void assert_read_all(const struct replay *rp, const struct ks_session *s, const char *how)
{
	const json_t *k = one_event(rp, "session-key");
	assert_string_equal(ks_str(k, "how"), how);
	assert_string_equal(ks_str(k, "key_id"), alice_key_id(s));
	assert_string_equal(ks_str(k, "with"), "alice");
	assert_string_equal(ks_str(k, "cipher"), "chacha20-poly1305");
	assert_int_equal(ks_count(rp->events, "keys-unrecovered"), 0);
	assert_int_equal(rp->n_plain, N_OF(MSGS));
	for (size_t i = 0; i < N_OF(MSGS); i++) {
		assert_int_equal(rp->plain[i].dir, MSGS[i].dir);
		assert_int_equal(rp->plain[i].content, MSGS[i].content);
		assert_int_equal(rp->plain[i].len, strlen(MSGS[i].text));
		assert_memory_equal(rp->plain[i].data, MSGS[i].text, rp->plain[i].len);
	}
}

/* She read nothing, and said why once, with words of the reason. */
static void assert_read_nothing(const struct replay *rp, const char *why, const char *detail)
{
	const json_t *u = one_event(rp, "keys-unrecovered");
	assert_int_equal(rp->n_plain, 0);
	if (why && !strstr(ks_str(u, "why"), why))
		fail_msg("why \"%s\" does not say \"%s\"", ks_str(u, "why"), why);
	if (detail && !strstr(ks_str(u, "detail"), detail))
		fail_msg("detail \"%s\" does not say \"%s\"", ks_str(u, "detail"), detail);
}

/* ======================================================================
 * What a leaked key opens
 * ====================================================================== */

static void test_transport_leaked_rsa_key(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_TRANSPORT, false, NULL);
	struct recover_cfg c = {.rsa = f->rsa};
	assert_read_all(replay(f, s, &c), s, "leaked-rsa-key");
}

/* Mutual: the keys are derived after alice's Signature, which follows her
 * premaster. */
static void test_transport_mutual_leaked_rsa_key(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_TRANSPORT, true, NULL);
	struct recover_cfg c = {.rsa = f->rsa};
	assert_read_all(replay(f, s, &c), s, "leaked-rsa-key");
}

static void test_static_leaked_static_key(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_STATIC, false, NULL);
	struct recover_cfg c = {.x25519 = f->x25519};
	assert_read_all(replay(f, s, &c), s, "leaked-static-key");
}

static void test_static_mutual_leaked_static_key(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_STATIC, true, NULL);
	struct recover_cfg c = {.x25519 = f->x25519};
	assert_read_all(replay(f, s, &c), s, "leaked-static-key");
}

/* Ephemeral DH: whatever long-term key leaked, nothing opens. */
static void test_ephemeral_forward_secrecy(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_EPHEMERAL, false, NULL);
	struct recover_cfg rsa = {.rsa = f->rsa}, st = {.x25519 = f->x25519}, sig = {.signing_key = true};

	assert_read_nothing(replay(f, s, &rsa), NULL, "forward secrecy");
	assert_int_equal(ks_count(f->rp.events, "session-key"), 0);
	assert_read_nothing(replay(f, s, &st), NULL, "forward secrecy");
	assert_int_equal(ks_count(f->rp.events, "session-key"), 0);
	assert_read_nothing(replay(f, s, &sig), NULL, "forward secrecy");
	assert_int_equal(ks_count(f->rp.events, "session-key"), 0);
}

/* The key that leaked is not the one the session used. */
static void test_key_of_the_other_kind(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_STATIC, false, NULL);
	struct recover_cfg rsa = {.rsa = f->rsa}, other = {.x25519 = f->x25519_other}, none = {0};

	assert_read_nothing(replay(f, s, &rsa), NULL, "static DH");
	assert_read_nothing(replay(f, s, &other), NULL, "not the leaked key's");
	assert_read_nothing(replay(f, s, &none), NULL, "no leaked key");
	cleanup(state);

	s = record(f, MLAB_KIND_TRANSPORT, false, NULL);
	struct recover_cfg st = {.x25519 = f->x25519};
	assert_read_nothing(replay(f, s, &st), NULL, "bob's RSA key, which I do not have");
}

/* Another RSA key of the same size "decrypts" every premaster (implicit
 * rejection): alice's Finished shows the keys are not the session's. */
static void test_transport_wrong_rsa_key(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_TRANSPORT, false, NULL);
	struct recover_cfg c = {.rsa = f->rsa_other};
	struct replay *rp = replay(f, s, &c);

	assert_read_nothing(rp, "not the session's", "Finished");
	/* Whatever key id she derived, it is nobody's. */
	for (size_t i = 0; i < ks_count(rp->events, "session-key"); i++)
		assert_string_not_equal(ks_str(ks_event(rp->events, "session-key", i), "key_id"), alice_key_id(s));

	/* A key of another size cannot even take the ciphertext. */
	struct recover_cfg big = {.rsa = f->rsa_3072};
	rp = replay(f, s, &big);
	assert_read_nothing(rp, "cannot recover", NULL);
	assert_int_equal(ks_count(rp->events, "session-key"), 0);
}

/* ======================================================================
 * A weakened generator
 * ====================================================================== */

static void test_weak_rng_pid_cracked(void **state)
{
	struct fx *f = *state;
	struct mlab_rng rb;
	mlab_rng_seeded(&rb, MLAB_RNG_PID, 4321);
	struct ks_session *s = record(f, MLAB_KIND_EPHEMERAL, false, &rb);
	struct recover_cfg c = {.crack = true, .crack_kind = MLAB_RNG_PID};
	struct replay *rp = replay(f, s, &c);

	const json_t *sf = one_event(rp, "seed-found");
	assert_string_equal(ks_str(sf, "who"), "bob");
	assert_string_equal(ks_str(sf, "rng"), "pid");
	assert_int_equal(json_integer_value(json_object_get(sf, "seed")), 4321);
	assert_true(json_integer_value(json_object_get(sf, "tried")) >= 1);
	assert_read_all(rp, s, "cracked-seed");
}

/* A time seed, searched around when the traffic was seen. */
static void test_weak_rng_time_cracked(void **state)
{
	struct fx *f = *state;
	struct mlab_rng rb;
	uint64_t t = (uint64_t)time(NULL);
	mlab_rng_seeded(&rb, MLAB_RNG_TIME, t);
	struct ks_session *s = record(f, MLAB_KIND_EPHEMERAL, false, &rb);
	struct recover_cfg c = {.crack = true, .crack_kind = MLAB_RNG_TIME, .now = (double)t + 90.5};
	struct replay *rp = replay(f, s, &c);

	assert_int_equal(json_integer_value(json_object_get(one_event(rp, "seed-found"), "seed")), (json_int_t)t);
	assert_read_all(rp, s, "cracked-seed");

	/* Searched around another hour: not found. */
	c.now = (double)t + 3 * MLAB_RNG_TIME_WINDOW;
	assert_read_nothing(replay(f, s, &c), NULL, "no seed");
}

static void test_os_rng_not_cracked(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_EPHEMERAL, false, NULL);
	struct recover_cfg c = {.crack = true, .crack_kind = MLAB_RNG_PID};
	struct replay *rp = replay(f, s, &c);

	assert_read_nothing(rp, NULL, "no seed of the pid window");
	assert_int_equal(ks_count(rp->events, "seed-found"), 0);
	assert_int_equal(ks_count(rp->events, "session-key"), 0);
}

/* ======================================================================
 * Recordings cut short, altered, hostile
 * ====================================================================== */

/* A copy of the log without the frames of one type. */
static size_t log_without(const struct ks_session *s, uint8_t type, struct ks_frame *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n_log; i++)
		if (s->log[i].type != type) {
			assert_true(n < cap);
			out[n++] = s->log[i];
		}
	return n;
}

/* Without the Finished messages: keys but no proof, so nothing is read. */
static void test_no_finished_nothing_read(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_TRANSPORT, false, NULL);
	struct recover_cfg c = {.rsa = f->rsa};
	struct ks_frame l[64];
	size_t n = log_without(s, MLAB_MSG_FINISHED, l, N_OF(l));

	replay_frames(f, l, n, &c);
	assert_read_nothing(&f->rp, "before alice's Finished", NULL);

	/* Cut just before alice's Finished: nothing to read, nothing said. */
	size_t cut = (size_t)(ks_find(s, KS_A2B, MLAB_MSG_FINISHED, 0) - s->log);
	replay_frames(f, s->log, cut, &c);
	assert_int_equal(f->rp.n_plain, 0);
	assert_int_equal(ks_count(f->rp.events, "keys-unrecovered"), 0);
}

/* A record altered in the recording: what came before it is read, it and
 * what follows are not, and she says so once. */
static void test_tampered_record(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_TRANSPORT, false, NULL);
	struct recover_cfg c = {.rsa = f->rsa};
	struct ks_frame l[64];

	assert_true(s->n_log <= N_OF(l));
	memcpy(l, s->log, s->n_log * sizeof l[0]);
	struct ks_frame *rec = (struct ks_frame *)ks_find(s, KS_B2A, MLAB_MSG_RECORD, 0);
	uint8_t *body = dup_exact(rec->body, rec->len);
	body[rec->len - 1] ^= 0x80; /* the tag */
	l[rec - s->log].body = body;
	replay_frames(f, l, s->n_log, &c);
	free(body);

	assert_int_equal(f->rp.n_plain, 1);
	assert_memory_equal(f->rp.plain[0].data, MSGS[0].text, strlen(MSGS[0].text));
	const json_t *u = one_event(&f->rp, "keys-unrecovered");
	assert_non_null(strstr(ks_str(u, "why"), "does not open"));
}

/* Each handshake frame cut to shorter lengths, the rest intact: no crash, no
 * over-read, and nothing read (a changed frame is a changed transcript, or
 * does not decode). */
static void test_truncated_handshake_frames(void **state)
{
	static const uint8_t kinds[] = {MLAB_KIND_TRANSPORT, MLAB_KIND_STATIC};
	struct fx *f = *state;

	for (size_t k = 0; k < N_OF(kinds); k++) {
		struct ks_session *s = record(f, kinds[k], true, NULL);
		struct recover_cfg c = {.rsa = f->rsa, .x25519 = f->x25519};
		struct ks_frame l[64];
		assert_true(s->n_log <= N_OF(l));
		for (size_t i = 0; i < s->n_log; i++) {
			/* bob's Finished proves nothing to her (alice's did): she
			 * may read on whatever it holds. */
			bool bob_fin = s->log[i].dir == KS_B2A && s->log[i].type == MLAB_MSG_FINISHED;
			if (s->log[i].type == MLAB_MSG_RECORD || bob_fin)
				continue;
			for (size_t len = 0; len < s->log[i].len; len += 1 + len / 8) {
				memcpy(l, s->log, s->n_log * sizeof l[0]);
				l[i].len = len;
				replay_frames(f, l, s->n_log, &c);
				if (f->rp.n_plain)
					fail_msg("%s cut to %zu bytes: %zu records read", mlab_msg_name(l[i].type), len,
						 f->rp.n_plain);
			}
		}
		cleanup(state);
	}
}

/* Frames the session's kind does not have, where its key material goes: a
 * KeyShare in place of alice's premaster, a premaster in place of her share,
 * and frames in the wrong direction. She follows nothing, and never crashes. */
static void test_wrong_key_material(void **state)
{
	struct fx *f = *state;
	struct ks_frame l[64];
	uint8_t share_body[4 + 32], pm_body[2 + 256];

	/* A KeyShare (X25519, 32 bytes) body and an EncryptedPremaster body. */
	share_body[0] = 0x00;
	share_body[1] = 0x1d;
	share_body[2] = 0;
	share_body[3] = 32;
	memset(share_body + 4, 0x09, 32);
	pm_body[0] = 0x01;
	pm_body[1] = 0x00;
	memset(pm_body + 2, 0x33, 256);

	for (int mutual = 0; mutual < 2; mutual++) {
		/* transport, alice's premaster replaced by a KeyShare */
		struct ks_session *s = record(f, MLAB_KIND_TRANSPORT, mutual, NULL);
		struct recover_cfg rsa = {.rsa = f->rsa}, all = {.rsa = f->rsa, .x25519 = f->x25519, .crack = true};
		memcpy(l, s->log, s->n_log * sizeof l[0]);
		size_t at = (size_t)(ks_find(s, KS_A2B, MLAB_MSG_PREMASTER, 0) - s->log);
		l[at] = (struct ks_frame){KS_A2B, MLAB_MSG_KEY_SHARE, share_body, sizeof share_body};
		replay_frames(f, l, s->n_log, &rsa);
		assert_int_equal(f->rp.n_plain, 0);
		replay_frames(f, l, s->n_log, &all);
		assert_int_equal(f->rp.n_plain, 0);
		/* ... and bob's KeyShare added before it, as if the kind were DH */
		memmove(&l[at + 1], &l[at], (s->n_log - at) * sizeof l[0]);
		l[at] = (struct ks_frame){KS_B2A, MLAB_MSG_KEY_SHARE, share_body, sizeof share_body};
		replay_frames(f, l, s->n_log + 1, &all);
		assert_int_equal(f->rp.n_plain, 0);
		cleanup(state);

		/* static and ephemeral, alice's share replaced by a premaster */
		for (int st = 0; st < 2; st++) {
			s = record(f, st ? MLAB_KIND_STATIC : MLAB_KIND_EPHEMERAL, mutual, NULL);
			memcpy(l, s->log, s->n_log * sizeof l[0]);
			at = (size_t)(ks_find(s, KS_A2B, MLAB_MSG_KEY_SHARE, 0) - s->log);
			l[at] = (struct ks_frame){KS_A2B, MLAB_MSG_PREMASTER, pm_body, sizeof pm_body};
			struct recover_cfg cs[] = {
			    {.rsa = f->rsa}, {.x25519 = f->x25519}, {.crack = true, .crack_kind = MLAB_RNG_PID}};
			for (size_t i = 0; i < N_OF(cs); i++) {
				replay_frames(f, l, s->n_log, &cs[i]);
				assert_int_equal(f->rp.n_plain, 0);
			}
			cleanup(state);
		}
	}

	/* Every frame of a session in the other direction, then in both. */
	struct ks_session *s = record(f, MLAB_KIND_TRANSPORT, false, NULL);
	struct recover_cfg rsa = {.rsa = f->rsa};
	memcpy(l, s->log, s->n_log * sizeof l[0]);
	for (size_t i = 0; i < s->n_log; i++)
		l[i].dir = !l[i].dir;
	replay_frames(f, l, s->n_log, &rsa);
	assert_int_equal(f->rp.n_plain, 0);
	for (size_t i = 0; i < s->n_log; i++)
		l[i].dir = (int)(i % 2);
	replay_frames(f, l, s->n_log, &rsa);
	assert_int_equal(f->rp.n_plain, 0);
}

/* Directions other than 0 and 1 are refused; after giving up, nothing more. */
static void test_bad_direction_and_after_give_up(void **state)
{
	struct fx *f = *state;
	struct ks_session *s = record(f, MLAB_KIND_TRANSPORT, false, NULL);
	struct recover_cfg c = {.rsa = f->rsa};
	struct ks_frame l[64];

	memcpy(l, s->log, s->n_log * sizeof l[0]);
	for (size_t i = 0; i < s->n_log; i++)
		l[i].dir = i % 3 ? l[i].dir : (i % 2 ? -1 : 2);
	replay_frames(f, l, s->n_log, &c);
	assert_int_equal(f->rp.n_plain, 0);

	/* Given up at an ephemeral session: the records after say nothing more. */
	cleanup(state);
	s = record(f, MLAB_KIND_EPHEMERAL, false, NULL);
	replay(f, s, &c);
	assert_int_equal(ks_count(f->rp.events, "keys-unrecovered"), 1);
	assert_int_equal(f->rp.events ? json_array_size(f->rp.events) : 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_transport_leaked_rsa_key, cleanup),
	    cmocka_unit_test_teardown(test_transport_mutual_leaked_rsa_key, cleanup),
	    cmocka_unit_test_teardown(test_static_leaked_static_key, cleanup),
	    cmocka_unit_test_teardown(test_static_mutual_leaked_static_key, cleanup),
	    cmocka_unit_test_teardown(test_ephemeral_forward_secrecy, cleanup),
	    cmocka_unit_test_teardown(test_key_of_the_other_kind, cleanup),
	    cmocka_unit_test_teardown(test_transport_wrong_rsa_key, cleanup),
	    cmocka_unit_test_teardown(test_weak_rng_pid_cracked, cleanup),
	    cmocka_unit_test_teardown(test_weak_rng_time_cracked, cleanup),
	    cmocka_unit_test_teardown(test_os_rng_not_cracked, cleanup),
	    cmocka_unit_test_teardown(test_no_finished_nothing_read, cleanup),
	    cmocka_unit_test_teardown(test_tampered_record, cleanup),
	    cmocka_unit_test_teardown(test_truncated_handshake_frames, cleanup),
	    cmocka_unit_test_teardown(test_wrong_key_material, cleanup),
	    cmocka_unit_test_teardown(test_bad_direction_and_after_give_up, cleanup),
	};
	return cmocka_run_group_tests_name("mallory recover", tests, group_setup, group_teardown);
}
