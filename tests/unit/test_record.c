/* Unit tests for lib/mlab_record (sealed records) and lib/mlab_keysched.
 *
 * A sender and a receiver struct mlab_rec share fixed keys. Every negative case
 * asserts the exact MLAB_E_* code, that the receiver's expected sequence number
 * did not move, that the caller's output buffer received no plaintext, and that
 * the next honest record still opens. Bodies handed to mlab_rec_open are heap
 * copies of exactly their length, so ASan catches an over-read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_keysched.h"
#include "mlab_record.h"
#include "mlab_wire.h"

#define FILL 0xaa

static size_t tag_len(unsigned cipher)
{
	return cipher == MLAB_CIPHER_NONE ? 0 : MLAB_AEAD_TAG;
}

static void keys_const(struct mlab_dir_keys *k, uint8_t key_byte, uint8_t iv_byte)
{
	memset(k->key, key_byte, sizeof k->key);
	memset(k->iv, iv_byte, sizeof k->iv);
}

/* The two directions' fixed keys. */
static void keys_c2s(struct mlab_dir_keys *k)
{
	keys_const(k, 0x11, 0x22);
}
static void keys_s2c(struct mlab_dir_keys *k)
{
	keys_const(k, 0x33, 0x44);
}

/* A sender and a receiver with the same c2s keys. */
static void pair_init(unsigned cipher, struct mlab_rec *tx, struct mlab_rec *rx)
{
	struct mlab_dir_keys k;
	keys_c2s(&k);
	mlab_rec_init(tx, cipher, &k);
	mlab_rec_init(rx, cipher, &k);
	assert_true(tx->seq == 0 && rx->seq == 0);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* Seals one record and returns an exact heap copy of its body, after checking
 * the frame header (type RECORD, length = seq + type + data + tag). */
static uint8_t *seal_body(struct mlab_rec *tx, uint8_t content, const uint8_t *data, size_t len, size_t *blen)
{
	static uint8_t frame[MLAB_MAX_FRAME];
	struct mlab_wr w;
	struct mlab_rd r;
	const uint8_t *body;
	uint8_t type = 0;
	uint32_t n = 0;
	uint64_t seq = tx->seq;

	mlab_wr_init(&w, frame, sizeof frame);
	assert_err(mlab_rec_seal(tx, content, data, len, &w), 0);
	assert_true(tx->seq == seq + 1);
	mlab_rd_init(&r, frame, w.len);
	assert_err(mlab_frame_next(&r, &type, &body, &n), 0);
	assert_int_equal(type, MLAB_MSG_RECORD);
	assert_err(mlab_rd_end(&r), 0);
	assert_int_equal(n, MLAB_SEQ_LEN + 1 + len + tag_len(tx->cipher));
	assert_true(get_be64(body) == seq); /* the sequence number travels in clear */
	*blen = n;
	return dup_exact(body, n);
}

struct opened {
	uint8_t content;
	size_t len;
	uint8_t *out; /* MLAB_MAX_PLAINTEXT bytes, pre-filled with FILL */
};

/* Opens an exact heap copy of body[0..n). out is pre-filled with FILL. */
static int open_body(struct mlab_rec *rx, const uint8_t *body, size_t n, struct opened *o)
{
	uint8_t *copy = dup_exact(body, n);
	memset(o->out, FILL, MLAB_MAX_PLAINTEXT);
	o->content = 0x5a;
	o->len = 0x5a5a;
	int e = mlab_rec_open(rx, copy, n, &o->content, o->out, &o->len);
	free(copy);
	return e;
}

static void opened_init(struct opened *o)
{
	o->out = malloc(MLAB_MAX_PLAINTEXT);
	assert_non_null(o->out);
}

static void opened_free(struct opened *o)
{
	free(o->out);
}

/* After a failed open: no plaintext reached the caller's buffer. */
static void assert_out_untouched(const struct opened *o)
{
	for (size_t i = 0; i < MLAB_MAX_PLAINTEXT; i++)
		if (o->out[i] != FILL)
			fail_msg("a failed open wrote 0x%02x at out[%zu]", o->out[i], i);
}

/* The honest record opens with the expected content and data. */
static void assert_opens(struct mlab_rec *rx, const uint8_t *body, size_t n, uint8_t content, const uint8_t *data,
			 size_t len)
{
	struct opened o;
	uint64_t seq = rx->seq;

	opened_init(&o);
	assert_err(open_body(rx, body, n, &o), 0);
	assert_int_equal(o.content, content);
	assert_int_equal(o.len, len);
	if (len)
		assert_memory_equal(o.out, data, len);
	assert_true(rx->seq == seq + 1);
	opened_free(&o);
}

/* Opens body, expecting error want, with the receiver and the output unchanged. */
static void assert_refused(struct mlab_rec *rx, const uint8_t *body, size_t n, int want, const char *what)
{
	struct opened o;
	uint64_t seq = rx->seq;

	opened_init(&o);
	int e = open_body(rx, body, n, &o);
	if (e != want)
		fail_msg("%s: got %d (%s), expected %d (%s)", what, e, mlab_err_name(e), want, mlab_err_name(want));
	if (rx->seq != seq)
		fail_msg("%s: the receiver's sequence number moved from %llu to %llu", what, (unsigned long long)seq,
			 (unsigned long long)rx->seq);
	assert_out_untouched(&o);
	opened_free(&o);
}

static const uint8_t msg[] = "attack at dawn: the quick brown fox";

/* Per-cipher test bodies, wrapped below into one named test per cipher. */
#define PER_AEAD(fn)                                                                                                   \
	static void fn##_chacha20_poly1305(void **s)                                                                   \
	{                                                                                                              \
		(void)s;                                                                                               \
		fn(MLAB_CIPHER_CHACHA20_POLY1305);                                                                     \
	}                                                                                                              \
	static void fn##_aes_256_gcm(void **s)                                                                         \
	{                                                                                                              \
		(void)s;                                                                                               \
		fn(MLAB_CIPHER_AES_256_GCM);                                                                           \
	}
#define PER_CIPHER(fn)                                                                                                 \
	PER_AEAD(fn)                                                                                                   \
	static void fn##_cipher_none(void **s)                                                                         \
	{                                                                                                              \
		(void)s;                                                                                               \
		fn(MLAB_CIPHER_NONE);                                                                                  \
	}
#define AEAD_TESTS(fn) cmocka_unit_test(fn##_chacha20_poly1305), cmocka_unit_test(fn##_aes_256_gcm)
#define CIPHER_TESTS(fn) AEAD_TESTS(fn), cmocka_unit_test(fn##_cipher_none)

/* ======================================================================
 * Round trips and limits
 * ====================================================================== */

static void test_record_round_trip_empty_1_byte_and_max(unsigned cipher)
{
	struct mlab_rec tx, rx;
	uint8_t *data = malloc(MLAB_MAX_PLAINTEXT);
	static const size_t lens[] = {0, 1, MLAB_MAX_PLAINTEXT};

	assert_non_null(data);
	for (size_t i = 0; i < MLAB_MAX_PLAINTEXT; i++)
		data[i] = (uint8_t)(i * 31 + 7);
	pair_init(cipher, &tx, &rx);
	for (size_t i = 0; i < N_OF(lens); i++) {
		size_t n;
		uint8_t *body = seal_body(&tx, MLAB_CONTENT_DATA, data, lens[i], &n);
		if (cipher == MLAB_CIPHER_NONE) {
			/* cipher none: the plaintext is visible on the wire */
			assert_int_equal(body[MLAB_SEQ_LEN], MLAB_CONTENT_DATA);
			if (lens[i])
				assert_memory_equal(body + MLAB_SEQ_LEN + 1, data, lens[i]);
		} else if (lens[i] == MLAB_MAX_PLAINTEXT) {
			assert_true(memcmp(body + MLAB_SEQ_LEN + 1, data, lens[i]) != 0);
		}
		assert_opens(&rx, body, n, MLAB_CONTENT_DATA, data, lens[i]);
		free(body);
	}
	/* a close notification: empty, content CLOSE */
	size_t n;
	uint8_t *body = seal_body(&tx, MLAB_CONTENT_CLOSE, NULL, 0, &n);
	assert_opens(&rx, body, n, MLAB_CONTENT_CLOSE, NULL, 0);
	assert_true(tx.seq == 4 && rx.seq == 4);
	free(body);
	free(data);
}
PER_CIPHER(test_record_round_trip_empty_1_byte_and_max)

static void test_record_seal_max_plaintext_plus_1_too_long(unsigned cipher)
{
	struct mlab_rec tx, rx;
	uint8_t *data = calloc(1, MLAB_MAX_PLAINTEXT + 1);
	static uint8_t frame[MLAB_MAX_FRAME + 64];
	struct mlab_wr w;

	assert_non_null(data);
	pair_init(cipher, &tx, &rx);
	mlab_wr_init(&w, frame, sizeof frame);
	assert_err(mlab_wr_u8(&w, 0x77), 0);
	assert_err(mlab_rec_seal(&tx, MLAB_CONTENT_DATA, data, MLAB_MAX_PLAINTEXT + 1, &w), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, 1);
	assert_true(tx.seq == 0);
	assert_err(mlab_rec_seal(&tx, MLAB_CONTENT_DATA, data, SIZE_MAX, &w), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, 1);
	assert_true(tx.seq == 0);
	free(data);
}
PER_CIPHER(test_record_seal_max_plaintext_plus_1_too_long)

static void test_record_seal_without_room_nospace_seq_unchanged(unsigned cipher)
{
	struct mlab_rec tx, rx;
	uint8_t frame[128];
	struct mlab_wr w;
	size_t need = MLAB_FRAME_HDR + MLAB_SEQ_LEN + 1 + 10 + tag_len(cipher);

	pair_init(cipher, &tx, &rx);
	for (size_t cap = 0; cap < need; cap++) {
		mlab_wr_init(&w, frame, cap + 1);
		assert_err(mlab_wr_u8(&w, 0x77), 0);
		assert_err(mlab_rec_seal(&tx, MLAB_CONTENT_DATA, msg, 10, &w), MLAB_E_NOSPACE);
		assert_int_equal(w.len, 1);
		assert_true(tx.seq == 0);
	}
	size_t n;
	uint8_t *body = seal_body(&tx, MLAB_CONTENT_DATA, msg, 10, &n);
	assert_opens(&rx, body, n, MLAB_CONTENT_DATA, msg, 10); /* sequence 0 was not consumed */
	free(body);
}
PER_CIPHER(test_record_seal_without_room_nospace_seq_unchanged)

static void test_record_open_plaintext_over_max_too_long(unsigned cipher)
{
	struct mlab_rec tx, rx;
	size_t n = MLAB_SEQ_LEN + 1 + MLAB_MAX_PLAINTEXT + 1 + tag_len(cipher);
	uint8_t *body = calloc(1, n);

	assert_non_null(body);
	pair_init(cipher, &tx, &rx);
	body[MLAB_SEQ_LEN] = MLAB_CONTENT_DATA;
	assert_refused(&rx, body, n, MLAB_E_TOO_LONG, "one byte over the plaintext limit");
	free(body);
	size_t m;
	body = seal_body(&tx, MLAB_CONTENT_DATA, msg, sizeof msg, &m);
	assert_opens(&rx, body, m, MLAB_CONTENT_DATA, msg, sizeof msg);
	free(body);
}
PER_CIPHER(test_record_open_plaintext_over_max_too_long)

/* ======================================================================
 * Tampering
 * ====================================================================== */

/* Flipping any bit of the clear sequence number makes it differ from the
 * expected one, and the sequence check runs before authentication: a lower
 * number is a REPLAY, a higher one a REORDER (never accepted either way). */
static void test_record_seq_bit_flip_replay_or_reorder(unsigned cipher)
{
	struct mlab_rec tx, rx;
	size_t n0, n1;

	pair_init(cipher, &tx, &rx);
	uint8_t *r0 = seal_body(&tx, MLAB_CONTENT_DATA, msg, sizeof msg, &n0);
	uint8_t *r1 = seal_body(&tx, MLAB_CONTENT_DATA, msg, 5, &n1);
	uint8_t *t = malloc(n1 > n0 ? n1 : n0);
	assert_non_null(t);

	for (unsigned bit = 0; bit < 64; bit++) {
		memcpy(t, r0, n0);
		t[7 - bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_true(get_be64(t) == (uint64_t)1 << bit);
		assert_refused(&rx, t, n0, MLAB_E_REORDER, "record 0 with a seq bit flipped");
	}
	assert_opens(&rx, r0, n0, MLAB_CONTENT_DATA, msg, sizeof msg);

	for (unsigned bit = 0; bit < 64; bit++) {
		memcpy(t, r1, n1);
		t[7 - bit / 8] ^= (uint8_t)(1u << (bit % 8));
		uint64_t seq = get_be64(t);
		/* 1 ^ 1 = 0 is behind the receiver; any other flip is ahead */
		int want = seq < rx.seq ? MLAB_E_REPLAY : MLAB_E_REORDER;
		assert_err(want, bit == 0 ? MLAB_E_REPLAY : MLAB_E_REORDER);
		assert_refused(&rx, t, n1, want, "record 1 with a seq bit flipped");
	}
	assert_opens(&rx, r1, n1, MLAB_CONTENT_DATA, msg, 5);
	free(t);
	free(r0);
	free(r1);
}
PER_CIPHER(test_record_seq_bit_flip_replay_or_reorder)

/* A sequence number rewritten to exactly the expected one passes the replay
 * check; the number is in the nonce and the AAD, so the tag fails. */
static void test_record_seq_relabelled_to_expected_record_auth(unsigned cipher)
{
	struct mlab_rec tx, rx;
	size_t n0, n1;

	pair_init(cipher, &tx, &rx);
	uint8_t *r0 = seal_body(&tx, MLAB_CONTENT_DATA, msg, 8, &n0);
	uint8_t *r1 = seal_body(&tx, MLAB_CONTENT_DATA, msg, 8, &n1);
	uint8_t *t = dup_exact(r1, n1);

	put_be64(t, 0);
	assert_refused(&rx, t, n1, MLAB_E_RECORD_AUTH, "record 1 relabelled as 0");
	assert_opens(&rx, r0, n0, MLAB_CONTENT_DATA, msg, 8);
	memcpy(t, r0, n0);
	put_be64(t, 1);
	assert_refused(&rx, t, n0, MLAB_E_RECORD_AUTH, "record 0 relabelled as 1");
	assert_opens(&rx, r1, n1, MLAB_CONTENT_DATA, msg, 8);
	free(t);
	free(r0);
	free(r1);
}
PER_AEAD(test_record_seq_relabelled_to_expected_record_auth)

/* Flips every bit in [from, to) of record 0's body; each must fail with want. */
static void flip_every_bit(unsigned cipher, size_t data_len, int region, int want)
{
	struct mlab_rec tx, rx;
	size_t n;

	pair_init(cipher, &tx, &rx);
	uint8_t *body = seal_body(&tx, MLAB_CONTENT_DATA, msg, data_len, &n);
	uint8_t *t = malloc(n);
	size_t from = region == 0 ? MLAB_SEQ_LEN : n - MLAB_AEAD_TAG;
	size_t to = region == 0 ? n - MLAB_AEAD_TAG : n;

	assert_non_null(t);
	for (size_t i = from; i < to; i++) {
		for (unsigned b = 0; b < 8; b++) {
			memcpy(t, body, n);
			t[i] ^= (uint8_t)(1u << b);
			assert_refused(&rx, t, n, want, region == 0 ? "ciphertext bit flip" : "tag bit flip");
		}
	}
	assert_opens(&rx, body, n, MLAB_CONTENT_DATA, msg, data_len);
	free(t);
	free(body);
}

static void test_record_ciphertext_bit_flip_record_auth(unsigned cipher)
{
	flip_every_bit(cipher, 20, 0, MLAB_E_RECORD_AUTH); /* includes the inner content-type byte */
	flip_every_bit(cipher, 0, 0, MLAB_E_RECORD_AUTH);  /* only the content-type byte */
}
PER_AEAD(test_record_ciphertext_bit_flip_record_auth)

static void test_record_tag_bit_flip_record_auth(unsigned cipher)
{
	flip_every_bit(cipher, 20, 1, MLAB_E_RECORD_AUTH);
}
PER_AEAD(test_record_tag_bit_flip_record_auth)

/* The caller's buffer of a failed open holds no plaintext: pre-filled with 0xAA,
 * it still holds 0xAA after a tampered record (see assert_refused). */
static void test_record_failed_open_leaves_out_buffer_without_plaintext(unsigned cipher)
{
	struct mlab_rec tx, rx;
	uint8_t data[256];
	size_t n;

	memset(data, 'P', sizeof data);
	pair_init(cipher, &tx, &rx);
	uint8_t *body = seal_body(&tx, MLAB_CONTENT_DATA, data, sizeof data, &n);
	uint8_t *t = dup_exact(body, n);
	t[n - 1] ^= 0x80; /* last tag byte: the whole ciphertext decrypts before the tag is judged */
	assert_refused(&rx, t, n, MLAB_E_RECORD_AUTH, "tag tampered");
	memcpy(t, body, n);
	t[MLAB_SEQ_LEN + 100] ^= 0x01;
	assert_refused(&rx, t, n, MLAB_E_RECORD_AUTH, "ciphertext tampered");
	assert_opens(&rx, body, n, MLAB_CONTENT_DATA, data, sizeof data);
	free(t);
	free(body);
}
PER_AEAD(test_record_failed_open_leaves_out_buffer_without_plaintext)

/* ======================================================================
 * Replay, reorder, reflection
 * ====================================================================== */

static void test_record_replay_of_record_0_after_open_replay(unsigned cipher)
{
	struct mlab_rec tx, rx;
	size_t n0, n1;

	pair_init(cipher, &tx, &rx);
	uint8_t *r0 = seal_body(&tx, MLAB_CONTENT_DATA, msg, 3, &n0);
	uint8_t *r1 = seal_body(&tx, MLAB_CONTENT_DATA, msg + 3, 4, &n1);
	assert_opens(&rx, r0, n0, MLAB_CONTENT_DATA, msg, 3);
	assert_refused(&rx, r0, n0, MLAB_E_REPLAY, "record 0 replayed");
	assert_true(rx.seq == 1);
	assert_opens(&rx, r1, n1, MLAB_CONTENT_DATA, msg + 3, 4);
	assert_refused(&rx, r0, n0, MLAB_E_REPLAY, "record 0 replayed after record 1");
	assert_refused(&rx, r1, n1, MLAB_E_REPLAY, "record 1 replayed");
	assert_true(rx.seq == 2);
	free(r0);
	free(r1);
}
PER_CIPHER(test_record_replay_of_record_0_after_open_replay)

static void test_record_1_before_record_0_reorder(unsigned cipher)
{
	struct mlab_rec tx, rx;
	size_t n0, n1, n2;

	pair_init(cipher, &tx, &rx);
	uint8_t *r0 = seal_body(&tx, MLAB_CONTENT_DATA, msg, 3, &n0);
	uint8_t *r1 = seal_body(&tx, MLAB_CONTENT_DATA, msg, 4, &n1);
	uint8_t *r2 = seal_body(&tx, MLAB_CONTENT_DATA, msg, 5, &n2);
	assert_refused(&rx, r1, n1, MLAB_E_REORDER, "record 1 before record 0");
	assert_refused(&rx, r2, n2, MLAB_E_REORDER, "record 2 before record 0");
	assert_opens(&rx, r0, n0, MLAB_CONTENT_DATA, msg, 3);
	assert_refused(&rx, r2, n2, MLAB_E_REORDER, "record 1 dropped");
	assert_opens(&rx, r1, n1, MLAB_CONTENT_DATA, msg, 4);
	assert_opens(&rx, r2, n2, MLAB_CONTENT_DATA, msg, 5);
	free(r0);
	free(r1);
	free(r2);
}
PER_CIPHER(test_record_1_before_record_0_reorder)

static void test_record_sealed_with_other_direction_keys_record_auth(unsigned cipher)
{
	struct mlab_rec tx, rx, wrong;
	struct mlab_dir_keys k;
	size_t n, nw;

	pair_init(cipher, &tx, &rx);
	keys_s2c(&k);
	mlab_rec_init(&wrong, cipher, &k);
	uint8_t *bad = seal_body(&wrong, MLAB_CONTENT_DATA, msg, sizeof msg, &nw);
	assert_refused(&rx, bad, nw, MLAB_E_RECORD_AUTH, "record sealed with the s2c keys");
	free(bad);

	/* Same key, other iv: the nonce differs. */
	keys_const(&k, 0x11, 0x23);
	mlab_rec_init(&wrong, cipher, &k);
	bad = seal_body(&wrong, MLAB_CONTENT_DATA, msg, sizeof msg, &nw);
	assert_refused(&rx, bad, nw, MLAB_E_RECORD_AUTH, "record sealed with another iv");
	free(bad);

	/* Other key, same iv. */
	keys_const(&k, 0x12, 0x22);
	mlab_rec_init(&wrong, cipher, &k);
	bad = seal_body(&wrong, MLAB_CONTENT_DATA, msg, sizeof msg, &nw);
	assert_refused(&rx, bad, nw, MLAB_E_RECORD_AUTH, "record sealed with another key");
	free(bad);

	/* Same keys, the other AEAD. */
	keys_c2s(&k);
	mlab_rec_init(&wrong,
		      cipher == MLAB_CIPHER_AES_256_GCM ? MLAB_CIPHER_CHACHA20_POLY1305 : MLAB_CIPHER_AES_256_GCM, &k);
	bad = seal_body(&wrong, MLAB_CONTENT_DATA, msg, sizeof msg, &nw);
	assert_refused(&rx, bad, nw, MLAB_E_RECORD_AUTH, "record sealed with the other AEAD");
	free(bad);

	uint8_t *good = seal_body(&tx, MLAB_CONTENT_DATA, msg, sizeof msg, &n);
	assert_opens(&rx, good, n, MLAB_CONTENT_DATA, msg, sizeof msg);
	free(good);
}
PER_AEAD(test_record_sealed_with_other_direction_keys_record_auth)

/* ======================================================================
 * Truncation and padding
 * ====================================================================== */

static void test_record_body_shorter_than_seq_type_tag_truncated(unsigned cipher)
{
	struct mlab_rec tx, rx;
	size_t n;

	pair_init(cipher, &tx, &rx);
	uint8_t *body = seal_body(&tx, MLAB_CONTENT_DATA, NULL, 0, &n);
	assert_int_equal(n, MLAB_SEQ_LEN + 1 + tag_len(cipher));
	for (size_t k = 0; k < n; k++) {
		char what[64];
		snprintf(what, sizeof what, "body cut to %zu of %zu bytes", k, n);
		assert_refused(&rx, body, k, MLAB_E_TRUNCATED, what);
	}
	assert_opens(&rx, body, n, MLAB_CONTENT_DATA, NULL, 0);
	free(body);
}
PER_CIPHER(test_record_body_shorter_than_seq_type_tag_truncated)

/* Long enough to hold seq, type and tag, but cut or padded: the tag no
 * longer lines up, so authentication fails. */
static void test_record_body_cut_or_padded_record_auth(unsigned cipher)
{
	struct mlab_rec tx, rx;
	size_t n;

	pair_init(cipher, &tx, &rx);
	uint8_t *body = seal_body(&tx, MLAB_CONTENT_DATA, msg, 12, &n);
	for (size_t k = MLAB_SEQ_LEN + 1 + MLAB_AEAD_TAG; k < n; k++) {
		char what[64];
		snprintf(what, sizeof what, "body cut to %zu of %zu bytes", k, n);
		assert_refused(&rx, body, k, MLAB_E_RECORD_AUTH, what);
	}
	uint8_t *padded = malloc(n + 1);
	assert_non_null(padded);
	memcpy(padded, body, n);
	padded[n] = 0;
	assert_refused(&rx, padded, n + 1, MLAB_E_RECORD_AUTH, "body padded with one byte");
	assert_opens(&rx, body, n, MLAB_CONTENT_DATA, msg, 12);
	free(padded);
	free(body);
}
PER_AEAD(test_record_body_cut_or_padded_record_auth)

/* ======================================================================
 * Sequence exhaustion and content types
 * ====================================================================== */

static void test_record_sender_at_seq_uint64_max_seq_wrap(unsigned cipher)
{
	struct mlab_rec tx, rx;
	uint8_t frame[256];
	struct mlab_wr w;
	size_t n;

	pair_init(cipher, &tx, &rx);
	tx.seq = UINT64_MAX;
	mlab_wr_init(&w, frame, sizeof frame);
	assert_err(mlab_rec_seal(&tx, MLAB_CONTENT_DATA, msg, 4, &w), MLAB_E_SEQ_WRAP);
	assert_int_equal(w.len, 0);
	assert_true(tx.seq == UINT64_MAX);
	assert_err(mlab_rec_seal(&tx, MLAB_CONTENT_CLOSE, NULL, 0, &w), MLAB_E_SEQ_WRAP);

	/* The last usable number is UINT64_MAX - 1. */
	tx.seq = UINT64_MAX - 1;
	rx.seq = UINT64_MAX - 1;
	uint8_t *body = seal_body(&tx, MLAB_CONTENT_DATA, msg, 4, &n);
	assert_opens(&rx, body, n, MLAB_CONTENT_DATA, msg, 4);
	assert_true(tx.seq == UINT64_MAX && rx.seq == UINT64_MAX);
	assert_err(mlab_rec_seal(&tx, MLAB_CONTENT_DATA, msg, 4, &w), MLAB_E_SEQ_WRAP);
	assert_int_equal(w.len, 0);
	free(body);
}
PER_CIPHER(test_record_sender_at_seq_uint64_max_seq_wrap)

/* A crafted plaintext record (cipher none): seq | type | data. */
static size_t craft_none(uint8_t *out, uint64_t seq, uint8_t type, const uint8_t *data, size_t len)
{
	put_be64(out, seq);
	out[MLAB_SEQ_LEN] = type;
	if (len)
		memcpy(out + MLAB_SEQ_LEN + 1, data, len);
	return MLAB_SEQ_LEN + 1 + len;
}

static void test_record_receiver_at_seq_uint64_max_seq_wrap(void **state)
{
	(void)state;
	struct mlab_rec tx, rx;
	uint8_t body[64];

	pair_init(MLAB_CIPHER_NONE, &tx, &rx);
	rx.seq = UINT64_MAX;
	size_t n = craft_none(body, UINT64_MAX, MLAB_CONTENT_DATA, msg, 4);
	assert_refused(&rx, body, n, MLAB_E_SEQ_WRAP, "record numbered UINT64_MAX");
}

static void test_record_crafted_plaintext_record_opens(void **state)
{
	(void)state;
	/* Checks the crafted layout below against the real one. */
	struct mlab_rec tx, rx;
	uint8_t body[64];
	size_t sn;

	pair_init(MLAB_CIPHER_NONE, &tx, &rx);
	size_t n = craft_none(body, 0, MLAB_CONTENT_DATA, msg, 6);
	uint8_t *sealed = seal_body(&tx, MLAB_CONTENT_DATA, msg, 6, &sn);
	assert_int_equal(n, sn);
	assert_memory_equal(body, sealed, n);
	assert_opens(&rx, body, n, MLAB_CONTENT_DATA, msg, 6);
	free(sealed);
}

/* The sender refuses to seal a content type the receiver would refuse. */
static void test_record_seal_unknown_content_type_refused(void **state)
{
	(void)state;
	struct mlab_rec tx, rx;
	uint8_t out[128];
	struct mlab_wr w;

	pair_init(MLAB_CIPHER_AES_256_GCM, &tx, &rx);
	mlab_wr_init(&w, out, sizeof out);
	assert_int_equal(mlab_rec_seal(&tx, 0xee, msg, 4, &w), MLAB_E_ARG);
	assert_int_equal(w.len, 0);
	assert_int_equal(tx.seq, 0);
}

static void test_record_unknown_inner_content_type_bad_field(void **state)
{
	(void)state;
	static const uint8_t bad[] = {0, 3, 0x17, 0x7f, 0xff};
	struct mlab_rec tx, rx;
	uint8_t body[64];

	pair_init(MLAB_CIPHER_NONE, &tx, &rx);
	for (size_t i = 0; i < N_OF(bad); i++) {
		size_t n = craft_none(body, 0, bad[i], msg, 6);
		assert_refused(&rx, body, n, MLAB_E_BAD_FIELD, "unknown content type");
		n = craft_none(body, 0, bad[i], NULL, 0);
		assert_refused(&rx, body, n, MLAB_E_BAD_FIELD, "unknown content type, no data");
	}
	size_t n = craft_none(body, 0, MLAB_CONTENT_CLOSE, NULL, 0);
	assert_opens(&rx, body, n, MLAB_CONTENT_CLOSE, NULL, 0);
}

/* ======================================================================
 * The documented construction, checked with OpenSSL directly
 * ====================================================================== */

static void test_record_matches_documented_nonce_and_aad(unsigned cipher)
{
	struct mlab_rec tx, rx;
	const uint64_t seq = 0x0102030405060708ull;
	uint8_t nonce[MLAB_AEAD_IV], aad[MLAB_FRAME_HDR + 8], pt[64];
	size_t n;
	int outl = 0, finl = 0;

	pair_init(cipher, &tx, &rx);
	tx.seq = rx.seq = seq;
	uint8_t *body = seal_body(&tx, MLAB_CONTENT_DATA, msg, 11, &n);

	/* nonce = iv XOR seq (right-aligned, big-endian), AAD = frame header | seq */
	memcpy(nonce, tx.k.iv, sizeof nonce);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
	aad[0] = MLAB_MSG_RECORD;
	aad[1] = (uint8_t)(n >> 24), aad[2] = (uint8_t)(n >> 16), aad[3] = (uint8_t)(n >> 8), aad[4] = (uint8_t)n;
	put_be64(aad + MLAB_FRAME_HDR, seq);

	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	size_t ctlen = n - MLAB_SEQ_LEN - MLAB_AEAD_TAG;
	assert_non_null(ctx);
	assert_int_equal(
	    EVP_DecryptInit_ex(ctx, cipher == MLAB_CIPHER_AES_256_GCM ? EVP_aes_256_gcm() : EVP_chacha20_poly1305(),
			       NULL, NULL, NULL),
	    1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, MLAB_AEAD_IV, NULL), 1);
	assert_int_equal(EVP_DecryptInit_ex(ctx, NULL, NULL, tx.k.key, nonce), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, MLAB_AEAD_TAG, body + n - MLAB_AEAD_TAG), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, NULL, &outl, aad, (int)sizeof aad), 1);
	assert_int_equal(EVP_DecryptUpdate(ctx, pt, &outl, body + MLAB_SEQ_LEN, (int)ctlen), 1);
	assert_int_equal(EVP_DecryptFinal_ex(ctx, pt + outl, &finl), 1);
	EVP_CIPHER_CTX_free(ctx);
	assert_int_equal((size_t)(outl + finl), 1 + 11);
	assert_int_equal(pt[0], MLAB_CONTENT_DATA);
	assert_memory_equal(pt + 1, msg, 11);

	assert_opens(&rx, body, n, MLAB_CONTENT_DATA, msg, 11);
	free(body);
}
PER_AEAD(test_record_matches_documented_nonce_and_aad)

static void test_record_same_plaintext_twice_different_ciphertext(unsigned cipher)
{
	struct mlab_rec tx, rx;
	size_t n0, n1;

	pair_init(cipher, &tx, &rx);
	uint8_t *r0 = seal_body(&tx, MLAB_CONTENT_DATA, msg, sizeof msg, &n0);
	uint8_t *r1 = seal_body(&tx, MLAB_CONTENT_DATA, msg, sizeof msg, &n1);
	assert_int_equal(n0, n1);
	assert_true(memcmp(r0 + MLAB_SEQ_LEN, r1 + MLAB_SEQ_LEN, n0 - MLAB_SEQ_LEN) != 0);
	free(r0);
	free(r1);
}
PER_AEAD(test_record_same_plaintext_twice_different_ciphertext)

static void test_record_wipe_zeroes_state(void **state)
{
	(void)state;
	struct mlab_rec r;
	struct mlab_dir_keys k;
	static const uint8_t zero[sizeof(struct mlab_rec)];

	keys_c2s(&k);
	mlab_rec_init(&r, MLAB_CIPHER_AES_256_GCM, &k);
	r.seq = 99;
	mlab_rec_wipe(&r);
	assert_memory_equal(&r, zero, sizeof r);
}

/* ======================================================================
 * Key schedule
 * ====================================================================== */

static const uint8_t secret_a[32] = {1,	 2,  3,	 4,  5,	 6,  7,	 8,  9,	 10, 11, 12, 13, 14, 15, 16,
				     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void th_fill(uint8_t th[MLAB_SHA256_LEN], uint8_t seed)
{
	for (size_t i = 0; i < MLAB_SHA256_LEN; i++)
		th[i] = (uint8_t)(seed ^ (i * 5));
}

static void test_keysched_derive_deterministic(void **state)
{
	(void)state;
	struct mlab_keys a, b;
	uint8_t th[MLAB_SHA256_LEN];

	th_fill(th, 0x10);
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &a), 0);
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &b), 0);
	assert_memory_equal(&a, &b, sizeof a);
}

static void test_keysched_other_transcript_hash_other_key_id_and_keys(void **state)
{
	(void)state;
	struct mlab_keys a, b;
	uint8_t th[MLAB_SHA256_LEN];

	th_fill(th, 0x10);
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &a), 0);
	th[31] ^= 1;
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &b), 0);
	assert_string_not_equal(a.key_id, b.key_id);
	assert_true(memcmp(a.master, b.master, sizeof a.master) != 0);
	assert_true(memcmp(a.c2s.key, b.c2s.key, sizeof a.c2s.key) != 0);
	assert_true(memcmp(a.s2c.key, b.s2c.key, sizeof a.s2c.key) != 0);
	assert_true(memcmp(a.fin_client, b.fin_client, sizeof a.fin_client) != 0);
}

static void test_keysched_other_secret_other_master(void **state)
{
	(void)state;
	struct mlab_keys a, b;
	uint8_t th[MLAB_SHA256_LEN], s[sizeof secret_a];

	th_fill(th, 0x10);
	memcpy(s, secret_a, sizeof s);
	s[0] ^= 0x80;
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &a), 0);
	assert_err(mlab_keysched_derive(s, sizeof s, th, &b), 0);
	assert_true(memcmp(a.master, b.master, sizeof a.master) != 0);
	assert_string_not_equal(a.key_id, b.key_id);
}

static void test_keysched_c2s_and_s2c_keys_differ(void **state)
{
	(void)state;
	struct mlab_keys k;
	uint8_t th[MLAB_SHA256_LEN];

	th_fill(th, 0x77);
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &k), 0);
	assert_true(memcmp(k.c2s.key, k.s2c.key, sizeof k.c2s.key) != 0);
	assert_true(memcmp(k.c2s.iv, k.s2c.iv, sizeof k.c2s.iv) != 0);
	assert_true(memcmp(k.fin_client, k.fin_server, sizeof k.fin_client) != 0);
	assert_true(memcmp(k.c2s.key, k.master, sizeof k.c2s.key) != 0);
}

static void test_keysched_key_id_is_8_lowercase_hex_of_sha256_master(void **state)
{
	(void)state;
	struct mlab_keys k;
	uint8_t th[MLAB_SHA256_LEN], h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	char want[9];

	for (uint8_t seed = 0; seed < 8; seed++) {
		th_fill(th, (uint8_t)(seed * 37));
		assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &k), 0);
		assert_int_equal(strlen(k.key_id), 8);
		for (size_t i = 0; i < 8; i++)
			if (!((k.key_id[i] >= '0' && k.key_id[i] <= '9') || (k.key_id[i] >= 'a' && k.key_id[i] <= 'f')))
				fail_msg("key_id \"%s\" is not lowercase hex", k.key_id);
		assert_int_equal(EVP_Digest(k.master, sizeof k.master, h, &hl, EVP_sha256(), NULL), 1);
		assert_int_equal(hl, 32);
		snprintf(want, sizeof want, "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
		assert_string_equal(k.key_id, want);
	}
}

/* The schedule documented in mlab_keysched.h, recomputed with OpenSSL's HMAC:
 * master = HMAC(th, secret); HKDF-Expand's first block is HMAC(master, label | 0x01). */
static void hkdf_block1(const uint8_t master[32], const char *label, uint8_t out[32])
{
	uint8_t info[64];
	size_t n = strlen(label);
	unsigned ol = 0;

	assert_true(n + 1 <= sizeof info);
	memcpy(info, label, n);
	info[n] = 0x01;
	assert_non_null(HMAC(EVP_sha256(), master, 32, info, n + 1, out, &ol));
	assert_int_equal(ol, 32);
}

static void test_keysched_matches_documented_hkdf_labels(void **state)
{
	(void)state;
	struct mlab_keys k;
	uint8_t th[MLAB_SHA256_LEN], master[32], blk[32];
	unsigned ol = 0;

	th_fill(th, 0x3c);
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &k), 0);
	assert_non_null(HMAC(EVP_sha256(), th, (int)sizeof th, secret_a, sizeof secret_a, master, &ol));
	assert_memory_equal(k.master, master, 32);
	hkdf_block1(master, "mitmlab v1 c2s key", blk);
	assert_memory_equal(k.c2s.key, blk, MLAB_AEAD_KEY);
	hkdf_block1(master, "mitmlab v1 c2s iv", blk);
	assert_memory_equal(k.c2s.iv, blk, MLAB_AEAD_IV);
	hkdf_block1(master, "mitmlab v1 s2c key", blk);
	assert_memory_equal(k.s2c.key, blk, MLAB_AEAD_KEY);
	hkdf_block1(master, "mitmlab v1 s2c iv", blk);
	assert_memory_equal(k.s2c.iv, blk, MLAB_AEAD_IV);
	hkdf_block1(master, "mitmlab v1 client finished", blk);
	assert_memory_equal(k.fin_client, blk, 32);
	hkdf_block1(master, "mitmlab v1 server finished", blk);
	assert_memory_equal(k.fin_server, blk, 32);
}

static void test_finished_mac_is_hmac_of_transcript_hash(void **state)
{
	(void)state;
	struct mlab_keys k;
	uint8_t th[MLAB_SHA256_LEN], mac[32], want[32];
	unsigned ol = 0;

	th_fill(th, 0x5e);
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &k), 0);
	assert_err(mlab_finished_mac(k.fin_client, th, mac), 0);
	assert_non_null(HMAC(EVP_sha256(), k.fin_client, 32, th, sizeof th, want, &ol));
	assert_memory_equal(mac, want, 32);
	assert_err(mlab_finished_mac(k.fin_server, th, want), 0);
	assert_true(memcmp(mac, want, 32) != 0);
}

/* Derived keys in use: a record reflected back to its sender's direction
 * (opened with the other direction's keys) does not authenticate. */
static void test_record_reflected_with_derived_keys_record_auth(unsigned cipher)
{
	struct mlab_keys k;
	struct mlab_rec c_tx, s_rx, s_tx, c_rx;
	uint8_t th[MLAB_SHA256_LEN];
	size_t n;

	th_fill(th, 0x01);
	assert_err(mlab_keysched_derive(secret_a, sizeof secret_a, th, &k), 0);
	mlab_rec_init(&c_tx, cipher, &k.c2s);
	mlab_rec_init(&s_rx, cipher, &k.c2s);
	mlab_rec_init(&s_tx, cipher, &k.s2c);
	mlab_rec_init(&c_rx, cipher, &k.s2c);

	uint8_t *c0 = seal_body(&c_tx, MLAB_CONTENT_DATA, msg, 9, &n);
	assert_refused(&c_rx, c0, n, MLAB_E_RECORD_AUTH, "client record reflected to the client");
	assert_opens(&s_rx, c0, n, MLAB_CONTENT_DATA, msg, 9);
	free(c0);
	uint8_t *s0 = seal_body(&s_tx, MLAB_CONTENT_DATA, msg, 9, &n);
	assert_opens(&c_rx, s0, n, MLAB_CONTENT_DATA, msg, 9);
	free(s0);
	mlab_keys_wipe(&k);
}
PER_AEAD(test_record_reflected_with_derived_keys_record_auth)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    CIPHER_TESTS(test_record_round_trip_empty_1_byte_and_max),
	    CIPHER_TESTS(test_record_seal_max_plaintext_plus_1_too_long),
	    CIPHER_TESTS(test_record_seal_without_room_nospace_seq_unchanged),
	    CIPHER_TESTS(test_record_open_plaintext_over_max_too_long),
	    CIPHER_TESTS(test_record_seq_bit_flip_replay_or_reorder),
	    AEAD_TESTS(test_record_seq_relabelled_to_expected_record_auth),
	    AEAD_TESTS(test_record_ciphertext_bit_flip_record_auth),
	    AEAD_TESTS(test_record_tag_bit_flip_record_auth),
	    AEAD_TESTS(test_record_failed_open_leaves_out_buffer_without_plaintext),
	    CIPHER_TESTS(test_record_replay_of_record_0_after_open_replay),
	    CIPHER_TESTS(test_record_1_before_record_0_reorder),
	    AEAD_TESTS(test_record_sealed_with_other_direction_keys_record_auth),
	    CIPHER_TESTS(test_record_body_shorter_than_seq_type_tag_truncated),
	    AEAD_TESTS(test_record_body_cut_or_padded_record_auth),
	    CIPHER_TESTS(test_record_sender_at_seq_uint64_max_seq_wrap),
	    cmocka_unit_test(test_record_receiver_at_seq_uint64_max_seq_wrap),
	    cmocka_unit_test(test_record_crafted_plaintext_record_opens),
	    cmocka_unit_test(test_record_unknown_inner_content_type_bad_field),
	    cmocka_unit_test(test_record_seal_unknown_content_type_refused),
	    AEAD_TESTS(test_record_matches_documented_nonce_and_aad),
	    AEAD_TESTS(test_record_same_plaintext_twice_different_ciphertext),
	    cmocka_unit_test(test_record_wipe_zeroes_state),
	    AEAD_TESTS(test_record_reflected_with_derived_keys_record_auth),
	    cmocka_unit_test(test_keysched_derive_deterministic),
	    cmocka_unit_test(test_keysched_other_transcript_hash_other_key_id_and_keys),
	    cmocka_unit_test(test_keysched_other_secret_other_master),
	    cmocka_unit_test(test_keysched_c2s_and_s2c_keys_differ),
	    cmocka_unit_test(test_keysched_key_id_is_8_lowercase_hex_of_sha256_master),
	    cmocka_unit_test(test_keysched_matches_documented_hkdf_labels),
	    cmocka_unit_test(test_finished_mac_is_hmac_of_transcript_hash),
	};
	return cmocka_run_group_tests_name("mlab_record", tests, NULL, NULL);
}
