/* Unit tests for lib/mlab_wire (frames and handshake messages) and lib/mlab_err
 * (the error table).
 *
 * Round trips go through the real path: encode -> mlab_frame_next -> decode.
 * Negative cases assert the exact MLAB_E_* code. Every body handed to a
 * decoder is a heap copy of exactly its length, so ASan catches a decoder that
 * reads one byte too far. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "mlab_buf.h"
#include "mlab_err.h"
#include "mlab_wire.h"

/* Splits the single frame in buf[0..n) and checks its type and that the frame
 * is exactly the whole buffer. Returns the body (pointing into buf). */
static const uint8_t *split_one(const uint8_t *buf, size_t n, uint8_t want_type, size_t *body_len)
{
	struct mlab_rd r;
	const uint8_t *body = NULL;
	uint8_t type = 0;
	uint32_t len = 0;

	mlab_rd_init(&r, buf, n);
	assert_err(mlab_frame_next(&r, &type, &body, &len), 0);
	assert_int_equal(type, want_type);
	assert_int_equal(r.off, n);
	assert_int_equal((size_t)len + MLAB_FRAME_HDR, n);
	assert_ptr_equal(body, buf + MLAB_FRAME_HDR);
	*body_len = len;
	return body;
}

static void fill_nonce(uint8_t nonce[MLAB_NONCE_LEN], uint8_t seed)
{
	for (size_t i = 0; i < MLAB_NONCE_LEN; i++)
		nonce[i] = (uint8_t)(seed + i);
}

/* ======================================================================
 * Frame header
 * ====================================================================== */

static void put_hdr(uint8_t hdr[MLAB_FRAME_HDR], uint8_t type, uint32_t len)
{
	hdr[0] = type;
	hdr[1] = (uint8_t)(len >> 24);
	hdr[2] = (uint8_t)(len >> 16);
	hdr[3] = (uint8_t)(len >> 8);
	hdr[4] = (uint8_t)len;
}

/* mlab_frame_check on a 5-byte heap buffer: nothing after the header exists. */
static int check_hdr(uint8_t type, uint32_t len, uint8_t *out_type, uint32_t *out_len)
{
	uint8_t tmp[MLAB_FRAME_HDR];
	put_hdr(tmp, type, len);
	uint8_t *hdr = dup_exact(tmp, sizeof tmp);
	int e = mlab_frame_check(hdr, out_type, out_len);
	free(hdr);
	return e;
}

static const uint8_t hs_types[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_SERVER_HELLO, MLAB_MSG_KEY_SHARE,
				   MLAB_MSG_SIGNATURE,	  MLAB_MSG_FINISHED,	 MLAB_MSG_ALERT};

static void test_frame_check_unknown_type(void **state)
{
	(void)state;
	static const uint8_t bad[] = {0, 10, 11, 0x7f, 0x80, 0xff};
	uint8_t t;
	uint32_t n;

	for (size_t i = 0; i < N_OF(bad); i++)
		assert_err(check_hdr(bad[i], 10, &t, &n), MLAB_E_UNKNOWN_TYPE);
}

static void test_frame_check_length_zero_empty(void **state)
{
	(void)state;
	uint8_t t;
	uint32_t n;

	for (size_t i = 0; i < N_OF(hs_types); i++)
		assert_err(check_hdr(hs_types[i], 0, &t, &n), MLAB_E_EMPTY);
	assert_err(check_hdr(MLAB_MSG_RECORD, 0, &t, &n), MLAB_E_EMPTY);
}

static void test_frame_check_handshake_length_above_limit_too_long(void **state)
{
	(void)state;
	uint8_t t = 0;
	uint32_t n = 0;

	for (size_t i = 0; i < N_OF(hs_types); i++) {
		assert_err(check_hdr(hs_types[i], MLAB_MAX_HS_BODY, &t, &n), 0);
		assert_int_equal(t, hs_types[i]);
		assert_int_equal(n, MLAB_MAX_HS_BODY);
		assert_err(check_hdr(hs_types[i], MLAB_MAX_HS_BODY + 1, &t, &n), MLAB_E_TOO_LONG);
		assert_err(check_hdr(hs_types[i], MLAB_MAX_RECORD_BODY, &t, &n), MLAB_E_TOO_LONG);
		assert_err(check_hdr(hs_types[i], 0x01000000u, &t, &n), MLAB_E_TOO_LONG);
	}
}

static void test_frame_check_record_length_above_limit_too_long(void **state)
{
	(void)state;
	uint8_t t = 0;
	uint32_t n = 0;

	assert_err(check_hdr(MLAB_MSG_RECORD, MLAB_MAX_RECORD_BODY, &t, &n), 0);
	assert_int_equal(t, MLAB_MSG_RECORD);
	assert_int_equal(n, MLAB_MAX_RECORD_BODY);
	assert_err(check_hdr(MLAB_MSG_RECORD, MLAB_MAX_RECORD_BODY + 1, &t, &n), MLAB_E_TOO_LONG);
}

static void test_frame_check_length_0xffffffff_too_long_for_every_type(void **state)
{
	(void)state;
	uint8_t t;
	uint32_t n;

	for (size_t i = 0; i < N_OF(hs_types); i++)
		assert_err(check_hdr(hs_types[i], 0xffffffffu, &t, &n), MLAB_E_TOO_LONG);
	assert_err(check_hdr(MLAB_MSG_RECORD, 0xffffffffu, &t, &n), MLAB_E_TOO_LONG);
	assert_err(check_hdr(MLAB_MSG_RECORD, 0x80000000u, &t, &n), MLAB_E_TOO_LONG);
}

static void test_frame_check_length_is_big_endian(void **state)
{
	(void)state;
	uint8_t t = 0;
	uint32_t n = 0;
	const uint8_t raw[MLAB_FRAME_HDR] = {MLAB_MSG_RECORD, 0x00, 0x00, 0x01, 0x02};
	uint8_t *hdr = dup_exact(raw, sizeof raw);

	assert_err(mlab_frame_check(hdr, &t, &n), 0);
	assert_int_equal(n, 0x0102);
	/* Little-endian 0x0102 would be 0x02010000: far too long. */
	hdr[1] = 0x02;
	hdr[2] = 0x01;
	hdr[4] = 0x00;
	assert_err(mlab_frame_check(hdr, &t, &n), MLAB_E_TOO_LONG);
	free(hdr);
}

static void test_frame_next_header_cut_short_truncated(void **state)
{
	(void)state;
	uint8_t full[MLAB_FRAME_HDR];
	put_hdr(full, MLAB_MSG_FINISHED, MLAB_MAC_LEN);

	for (size_t k = 0; k < MLAB_FRAME_HDR; k++) {
		uint8_t *buf = dup_exact(full, k);
		struct mlab_rd r;
		const uint8_t *body = NULL;
		uint8_t t;
		uint32_t n;

		mlab_rd_init(&r, buf, k);
		assert_err(mlab_frame_next(&r, &t, &body, &n), MLAB_E_TRUNCATED);
		assert_int_equal(r.off, 0);
		free(buf);
	}
}

static void test_frame_next_short_body_truncated_reader_unchanged(void **state)
{
	(void)state;
	/* A complete first frame, then a second frame whose body is cut short:
	 * the reader stays after the first frame. */
	uint8_t full[MLAB_FRAME_HDR + 2 + MLAB_FRAME_HDR + 10];
	put_hdr(full, MLAB_MSG_ALERT, 2);
	full[5] = 0x00;
	full[6] = 0x1e;
	put_hdr(full + 7, MLAB_MSG_FINISHED, 10);
	memset(full + 12, 0x5c, 10);

	for (size_t k = 7; k < sizeof full; k++) {
		uint8_t *buf = dup_exact(full, k);
		struct mlab_rd r;
		const uint8_t *body = NULL;
		uint8_t t = 0;
		uint32_t n = 0;

		mlab_rd_init(&r, buf, k);
		assert_err(mlab_frame_next(&r, &t, &body, &n), 0);
		assert_int_equal(t, MLAB_MSG_ALERT);
		assert_int_equal(n, 2);
		assert_int_equal(r.off, 7);
		assert_err(mlab_frame_next(&r, &t, &body, &n), MLAB_E_TRUNCATED);
		assert_int_equal(r.off, 7);
		free(buf);
	}
}

static void test_frame_next_bad_header_reader_unchanged(void **state)
{
	(void)state;
	struct {
		uint8_t type;
		uint32_t len;
		int want;
	} cases[] = {
	    {0x42, 3, MLAB_E_UNKNOWN_TYPE},
	    {MLAB_MSG_CLIENT_HELLO, 0, MLAB_E_EMPTY},
	    {MLAB_MSG_CLIENT_HELLO, MLAB_MAX_HS_BODY + 1, MLAB_E_TOO_LONG},
	    {MLAB_MSG_RECORD, 0xffffffffu, MLAB_E_TOO_LONG},
	};
	for (size_t i = 0; i < N_OF(cases); i++) {
		uint8_t tmp[MLAB_FRAME_HDR + 3];
		put_hdr(tmp, cases[i].type, cases[i].len);
		memset(tmp + MLAB_FRAME_HDR, 0, 3);
		uint8_t *buf = dup_exact(tmp, sizeof tmp);
		struct mlab_rd r;
		const uint8_t *body = NULL;
		uint8_t t;
		uint32_t n;

		mlab_rd_init(&r, buf, sizeof tmp);
		assert_err(mlab_frame_next(&r, &t, &body, &n), cases[i].want);
		assert_int_equal(r.off, 0);
		free(buf);
	}
}

static void test_frame_next_two_frames_back_to_back(void **state)
{
	(void)state;
	uint8_t buf[128];
	struct mlab_wr w;
	struct mlab_rd r;
	struct mlab_alert a = {.code = 7};
	struct mlab_finished f;
	const uint8_t *body;
	uint8_t t;
	uint32_t n;

	memset(f.mac, 0x3c, sizeof f.mac);
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_alert_encode(&w, &a), 0);
	assert_err(mlab_finished_encode(&w, &f), 0);
	assert_int_equal(w.len, MLAB_FRAME_HDR + 2 + MLAB_FRAME_HDR + MLAB_MAC_LEN);

	mlab_rd_init(&r, buf, w.len);
	assert_err(mlab_frame_next(&r, &t, &body, &n), 0);
	assert_int_equal(t, MLAB_MSG_ALERT);
	assert_int_equal(n, 2);
	assert_err(mlab_frame_next(&r, &t, &body, &n), 0);
	assert_int_equal(t, MLAB_MSG_FINISHED);
	assert_int_equal(n, MLAB_MAC_LEN);
	assert_memory_equal(body, f.mac, MLAB_MAC_LEN);
	assert_err(mlab_rd_end(&r), 0);
	assert_err(mlab_frame_next(&r, &t, &body, &n), MLAB_E_TRUNCATED);
	assert_int_equal(r.off, w.len);
}

static void test_frame_put_hdr_layout_and_length_limit(void **state)
{
	(void)state;
	uint8_t buf[16];
	struct mlab_wr w;
	const uint8_t want[] = {MLAB_MSG_RECORD, 0x00, 0x01, 0x02, 0x03};

	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_frame_put_hdr(&w, MLAB_MSG_RECORD, 0x010203), 0);
	assert_int_equal(w.len, MLAB_FRAME_HDR);
	assert_memory_equal(buf, want, sizeof want);
#if SIZE_MAX > UINT32_MAX
	assert_err(mlab_frame_put_hdr(&w, MLAB_MSG_RECORD, (size_t)UINT32_MAX + 1), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, MLAB_FRAME_HDR);
#endif
	mlab_wr_init(&w, buf, 4);
	assert_err(mlab_frame_put_hdr(&w, MLAB_MSG_RECORD, 1), MLAB_E_NOSPACE);
}

/* ======================================================================
 * Client hello
 * ====================================================================== */

static void ch_assert_equal(const struct mlab_client_hello *a, const struct mlab_client_hello *b)
{
	assert_int_equal(a->version, b->version);
	assert_memory_equal(a->nonce, b->nonce, MLAB_NONCE_LEN);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->n_modes, b->n_modes);
	assert_int_equal(a->n_groups, b->n_groups);
	assert_int_equal(a->n_ciphers, b->n_ciphers);
	assert_memory_equal(a->modes, b->modes, a->n_modes);
	for (size_t i = 0; i < a->n_groups; i++)
		assert_int_equal(a->groups[i], b->groups[i]);
	assert_memory_equal(a->ciphers, b->ciphers, a->n_ciphers);
}

static size_t ch_body_size(const struct mlab_client_hello *m)
{
	return (size_t)1 + MLAB_NONCE_LEN + 1 + 1 + m->n_modes + 1 + (size_t)2 * m->n_groups + 1 + m->n_ciphers;
}

static void ch_init(struct mlab_client_hello *m, uint8_t flags, const uint8_t *modes, size_t nm, const uint16_t *groups,
		    size_t ng, const uint8_t *ciphers, size_t nc)
{
	memset(m, 0, sizeof *m);
	m->version = MLAB_VERSION;
	fill_nonce(m->nonce, 0xa0);
	m->flags = flags;
	m->n_modes = (uint8_t)nm;
	m->n_groups = (uint8_t)ng;
	m->n_ciphers = (uint8_t)nc;
	if (nm)
		memcpy(m->modes, modes, nm);
	for (size_t i = 0; i < ng; i++)
		m->groups[i] = groups[i];
	if (nc)
		memcpy(m->ciphers, ciphers, nc);
}

/* The standard test hello: 2 modes, 3 groups, 2 ciphers. */
static void ch_standard(struct mlab_client_hello *m)
{
	static const uint8_t modes[] = {MLAB_MODE_SIGN, MLAB_MODE_NONE};
	static const uint16_t groups[] = {MLAB_GROUP_X25519, MLAB_GROUP_FFDHE3072, MLAB_GROUP_FFDHE2048};
	static const uint8_t ciphers[] = {MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_AES_256_GCM};
	ch_init(m, MLAB_FLAG_CLIENT_AUTH, modes, 2, groups, 3, ciphers, 2);
}

/* Encodes m and returns an exact heap copy of its body. */
static uint8_t *ch_body(const struct mlab_client_hello *m, size_t *len)
{
	uint8_t buf[512];
	struct mlab_wr w;
	size_t n;

	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_client_hello_encode(&w, m), 0);
	const uint8_t *body = split_one(buf, w.len, MLAB_MSG_CLIENT_HELLO, &n);
	*len = n;
	return dup_exact(body, n);
}

/* Raw client hello body with arbitrary counts (may break the limits). */
static size_t ch_raw(uint8_t *out, size_t cap, uint8_t version, uint8_t flags, const uint8_t *modes, size_t nm,
		     const uint16_t *groups, size_t ng, const uint8_t *ciphers, size_t nc)
{
	struct mlab_wr w;
	uint8_t nonce[MLAB_NONCE_LEN];

	fill_nonce(nonce, 0x10);
	mlab_wr_init(&w, out, cap);
	assert_err(mlab_wr_u8(&w, version), 0);
	assert_err(mlab_wr_bytes(&w, nonce, sizeof nonce), 0);
	assert_err(mlab_wr_u8(&w, flags), 0);
	assert_err(mlab_wr_u8(&w, (uint8_t)nm), 0);
	assert_err(mlab_wr_bytes(&w, modes, nm), 0);
	assert_err(mlab_wr_u8(&w, (uint8_t)ng), 0);
	for (size_t i = 0; i < ng; i++)
		assert_err(mlab_wr_u16(&w, groups[i]), 0);
	assert_err(mlab_wr_u8(&w, (uint8_t)nc), 0);
	assert_err(mlab_wr_bytes(&w, ciphers, nc), 0);
	return w.len;
}

static int ch_decode_exact(const uint8_t *p, size_t n, struct mlab_client_hello *m)
{
	uint8_t *body = dup_exact(p, n);
	int e = mlab_client_hello_decode(body, n, m);
	free(body);
	return e;
}

static const uint8_t one_mode[] = {MLAB_MODE_NONE};
static const uint16_t one_group[] = {MLAB_GROUP_X25519};
static const uint8_t one_cipher[] = {MLAB_CIPHER_CHACHA20_POLY1305};

static void test_client_hello_round_trip_modes_groups_ciphers_flags(void **state)
{
	(void)state;
	static const uint8_t m1[] = {MLAB_MODE_NONE};
	static const uint8_t m2[] = {MLAB_MODE_SIGN, MLAB_MODE_NONE};
	static const uint16_t g1[] = {MLAB_GROUP_X25519};
	static const uint16_t g3[] = {MLAB_GROUP_FFDHE3072, MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048};
	static const uint8_t c1[] = {MLAB_CIPHER_NONE};
	static const uint8_t c3[] = {MLAB_CIPHER_AES_256_GCM, MLAB_CIPHER_NONE, MLAB_CIPHER_CHACHA20_POLY1305};
	uint16_t g16[MLAB_MAX_OFFERS];
	for (size_t i = 0; i < MLAB_MAX_OFFERS; i++)
		g16[i] = (uint16_t)(0x0100 + i * 0x0101); /* distinct, high and low bytes set */

	struct {
		uint8_t flags;
		const uint8_t *modes;
		size_t nm;
		const uint16_t *groups;
		size_t ng;
		const uint8_t *ciphers;
		size_t nc;
	} v[] = {
	    {0, m1, 1, g1, 1, c1, 1},
	    {MLAB_FLAG_CLIENT_AUTH, m2, 2, g3, 3, c3, 3},
	    {0, m2, 2, g3, 3, c3 + 1, 2},
	    {MLAB_FLAG_CLIENT_AUTH, m1, 1, g16, MLAB_MAX_OFFERS, c3, 3},
	};

	for (size_t i = 0; i < N_OF(v); i++) {
		struct mlab_client_hello in, out;
		size_t n;

		ch_init(&in, v[i].flags, v[i].modes, v[i].nm, v[i].groups, v[i].ng, v[i].ciphers, v[i].nc);
		uint8_t *body = ch_body(&in, &n);
		assert_int_equal(n, ch_body_size(&in));
		memset(&out, 0xee, sizeof out);
		assert_err(mlab_client_hello_decode(body, n, &out), 0);
		ch_assert_equal(&in, &out);
		free(body);
	}
}

static void test_client_hello_wire_layout(void **state)
{
	(void)state;
	static const uint8_t modes[] = {MLAB_MODE_SIGN, MLAB_MODE_NONE};
	static const uint16_t groups[] = {MLAB_GROUP_X25519, MLAB_GROUP_FFDHE3072};
	static const uint8_t ciphers[] = {MLAB_CIPHER_AES_256_GCM};
	struct mlab_client_hello m;
	uint8_t buf[128], want[5 + 44];
	struct mlab_wr w;
	size_t k = 0;

	ch_init(&m, MLAB_FLAG_CLIENT_AUTH, modes, 2, groups, 2, ciphers, 1);
	fill_nonce(m.nonce, 0);
	want[k++] = MLAB_MSG_CLIENT_HELLO;
	want[k++] = 0, want[k++] = 0, want[k++] = 0, want[k++] = 44;
	want[k++] = 1;
	for (uint8_t i = 0; i < 32; i++)
		want[k++] = i;
	want[k++] = 0x01;
	want[k++] = 2, want[k++] = 2, want[k++] = 1;
	want[k++] = 2, want[k++] = 0x00, want[k++] = 0x1d, want[k++] = 0x01, want[k++] = 0x01;
	want[k++] = 1, want[k++] = 2;
	assert_int_equal(k, sizeof want);

	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_client_hello_encode(&w, &m), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
}

static void test_client_hello_truncated_at_every_offset(void **state)
{
	(void)state;
	struct mlab_client_hello in, out;
	size_t n;

	ch_standard(&in);
	uint8_t *body = ch_body(&in, &n);
	/* Every count byte of a valid hello is non-zero, so no prefix can
	 * expose an empty list: each one is TRUNCATED. */
	for (size_t k = 0; k < n; k++) {
		int e = ch_decode_exact(body, k, &out);
		if (e != MLAB_E_TRUNCATED)
			fail_msg("prefix of %zu/%zu bytes: got %d (%s), expected truncated", k, n, e, mlab_err_name(e));
	}
	assert_err(ch_decode_exact(body, n, &out), 0);
	free(body);
}

/* A hello whose group count is 0: prefixes that stop before the count byte are
 * TRUNCATED, prefixes that include it are EMPTY (the count is read before the
 * missing entries are noticed). */
static void test_client_hello_zero_groups_prefixes_truncated_then_empty(void **state)
{
	(void)state;
	uint8_t raw[128];
	struct mlab_client_hello out;
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, NULL, 0, one_cipher, 1);
	const size_t count_at = 1 + MLAB_NONCE_LEN + 1 + 1 + 1; /* offset of the group count */

	assert_int_equal(raw[count_at], 0);
	for (size_t k = 0; k <= n; k++) {
		int want = k <= count_at ? MLAB_E_TRUNCATED : MLAB_E_EMPTY;
		int e = ch_decode_exact(raw, k, &out);
		if (e != want)
			fail_msg("prefix of %zu/%zu bytes: got %d (%s), expected %s", k, n, e, mlab_err_name(e),
				 mlab_err_name(want));
	}
}

static void test_client_hello_trailing_byte(void **state)
{
	(void)state;
	struct mlab_client_hello in, out;
	uint8_t tmp[512];
	size_t n;

	ch_standard(&in);
	uint8_t *body = ch_body(&in, &n);
	memcpy(tmp, body, n);
	/* after the ciphers only the optional kinds list may follow */
	tmp[n] = 0x00;
	assert_err(ch_decode_exact(tmp, n + 1, &out), MLAB_E_EMPTY);
	tmp[n] = 0xff;
	assert_err(ch_decode_exact(tmp, n + 1, &out), MLAB_E_TOO_LONG);
	tmp[n] = 1;
	tmp[n + 1] = MLAB_KIND_EPHEMERAL; /* "ephemeral alone" is said by leaving the list out */
	assert_err(ch_decode_exact(tmp, n + 2, &out), MLAB_E_BAD_FIELD);
	tmp[n] = 2;
	tmp[n + 1] = MLAB_KIND_TRANSPORT;
	tmp[n + 2] = MLAB_KIND_TRANSPORT;
	assert_err(ch_decode_exact(tmp, n + 3, &out), MLAB_E_DUPLICATE_OFFER);
	tmp[n + 2] = MLAB_KIND_EPHEMERAL;
	assert_err(ch_decode_exact(tmp, n + 3, &out), 0);
	assert_int_equal(out.n_kinds, 2);
	assert_int_equal(out.kinds[0], MLAB_KIND_TRANSPORT);
	tmp[n + 3] = 0;
	assert_err(ch_decode_exact(tmp, n + 4, &out), MLAB_E_TRAILING);
	/* without the list: ephemeral alone */
	assert_err(ch_decode_exact(tmp, n, &out), 0);
	assert_int_equal(out.n_kinds, 1);
	assert_int_equal(out.kinds[0], MLAB_KIND_EPHEMERAL);
	free(body);
}

static void test_client_hello_version_2_bad_version(void **state)
{
	(void)state;
	static const uint8_t bad[] = {0, 2, 0xff};
	uint8_t raw[128];
	struct mlab_client_hello out;

	for (size_t i = 0; i < N_OF(bad); i++) {
		size_t n = ch_raw(raw, sizeof raw, bad[i], 0, one_mode, 1, one_group, 1, one_cipher, 1);
		assert_err(ch_decode_exact(raw, n, &out), MLAB_E_BAD_VERSION);
		/* The version is judged on its own: even a 1-byte body says so. */
		assert_err(ch_decode_exact(raw, 1, &out), MLAB_E_BAD_VERSION);
	}
}

static void test_client_hello_unknown_flag_bit_bad_field(void **state)
{
	(void)state;
	uint8_t raw[128];
	struct mlab_client_hello out;

	for (unsigned bit = 1; bit < 8; bit++) {
		uint8_t flags = (uint8_t)(1u << bit);
		size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, flags, one_mode, 1, one_group, 1, one_cipher, 1);
		assert_err(ch_decode_exact(raw, n, &out), MLAB_E_BAD_FIELD);
		n = ch_raw(raw, sizeof raw, MLAB_VERSION, (uint8_t)(flags | MLAB_FLAG_CLIENT_AUTH), one_mode, 1,
			   one_group, 1, one_cipher, 1);
		assert_err(ch_decode_exact(raw, n, &out), MLAB_E_BAD_FIELD);
	}
	size_t n =
	    ch_raw(raw, sizeof raw, MLAB_VERSION, MLAB_FLAG_CLIENT_AUTH, one_mode, 1, one_group, 1, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), 0);
	assert_int_equal(out.flags, MLAB_FLAG_CLIENT_AUTH);
}

static void test_client_hello_zero_modes_empty(void **state)
{
	(void)state;
	uint8_t raw[128];
	struct mlab_client_hello out;
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, NULL, 0, one_group, 1, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_EMPTY);
}

static void test_client_hello_zero_groups_empty(void **state)
{
	(void)state;
	uint8_t raw[128];
	struct mlab_client_hello out;
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, NULL, 0, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_EMPTY);
}

static void test_client_hello_zero_ciphers_empty(void **state)
{
	(void)state;
	uint8_t raw[128];
	struct mlab_client_hello out;
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, one_group, 1, NULL, 0);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_EMPTY);
}

static void test_client_hello_zero_counts_from_encoder_decode_empty(void **state)
{
	(void)state;
	/* The encoder writes what it is given; the decoder must refuse it. */
	struct mlab_client_hello in, out;
	size_t n;

	ch_init(&in, 0, one_mode, 1, one_group, 1, NULL, 0);
	uint8_t *body = ch_body(&in, &n);
	assert_err(mlab_client_hello_decode(body, n, &out), MLAB_E_EMPTY);
	free(body);
}

static void test_client_hello_17_groups_too_long(void **state)
{
	(void)state;
	uint16_t groups[MLAB_MAX_OFFERS + 1];
	uint8_t raw[256];
	struct mlab_client_hello out;

	for (size_t i = 0; i < N_OF(groups); i++)
		groups[i] = (uint16_t)(0x0200 + i);
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, groups, MLAB_MAX_OFFERS + 1, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_TOO_LONG);
	n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, groups, MLAB_MAX_OFFERS, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), 0);
	assert_int_equal(out.n_groups, MLAB_MAX_OFFERS);
}

static void test_client_hello_17_modes_or_ciphers_too_long(void **state)
{
	(void)state;
	uint8_t list[MLAB_MAX_OFFERS + 1], raw[256];
	struct mlab_client_hello out;

	for (size_t i = 0; i < N_OF(list); i++)
		list[i] = (uint8_t)(i + 1);
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, list, N_OF(list), one_group, 1, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_TOO_LONG);
	n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, one_group, 1, list, N_OF(list));
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_TOO_LONG);
}

static void test_client_hello_count_255_too_long_before_entries_read(void **state)
{
	(void)state;
	/* A count of 255 with no entries behind it: the limit is judged on the
	 * count, so this is TOO_LONG, not TRUNCATED. */
	uint8_t raw[128];
	struct mlab_client_hello out;
	const size_t modes_at = 1 + MLAB_NONCE_LEN + 1;

	(void)ch_raw(raw, sizeof raw, MLAB_VERSION, 0, NULL, 0, NULL, 0, NULL, 0);
	raw[modes_at] = 0xff;
	assert_err(ch_decode_exact(raw, modes_at + 1, &out), MLAB_E_TOO_LONG);
}

static void test_client_hello_encode_17_groups_too_long_writer_unchanged(void **state)
{
	(void)state;
	struct mlab_client_hello m;
	uint8_t buf[512];
	struct mlab_wr w;

	ch_standard(&m);
	m.n_groups = MLAB_MAX_OFFERS + 1;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_wr_u8(&w, 0x99), 0);
	assert_err(mlab_client_hello_encode(&w, &m), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, 1);
}

static void test_client_hello_duplicate_mode(void **state)
{
	(void)state;
	static const uint8_t modes[] = {MLAB_MODE_NONE, MLAB_MODE_SIGN, MLAB_MODE_NONE};
	uint8_t raw[128];
	struct mlab_client_hello out;
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, modes, 3, one_group, 1, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_DUPLICATE_OFFER);
	n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, modes + 1, 2, one_group, 1, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), 0);
}

static void test_client_hello_duplicate_group(void **state)
{
	(void)state;
	static const uint16_t adjacent[] = {MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE2048};
	static const uint16_t apart[] = {MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE3072,
					 MLAB_GROUP_X25519};
	/* Same low byte, different high byte: NOT a duplicate. */
	static const uint16_t near[] = {0x011d, MLAB_GROUP_X25519};
	uint8_t raw[128];
	struct mlab_client_hello out;
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, adjacent, 2, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_DUPLICATE_OFFER);
	n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, apart, 4, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_DUPLICATE_OFFER);
	n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, near, 2, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), 0);
}

static void test_client_hello_duplicate_cipher(void **state)
{
	(void)state;
	static const uint8_t ciphers[] = {MLAB_CIPHER_AES_256_GCM, MLAB_CIPHER_CHACHA20_POLY1305,
					  MLAB_CIPHER_AES_256_GCM};
	uint8_t raw[128];
	struct mlab_client_hello out;
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, one_group, 1, ciphers, 3);
	assert_err(ch_decode_exact(raw, n, &out), MLAB_E_DUPLICATE_OFFER);
}

static void test_client_hello_unknown_group_id_decodes(void **state)
{
	(void)state;
	static const uint16_t groups[] = {0x9999, MLAB_GROUP_X25519, 0xffff, 0x0000};
	uint8_t raw[128];
	struct mlab_client_hello out;
	size_t n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, groups, N_OF(groups), one_cipher, 1);

	assert_err(ch_decode_exact(raw, n, &out), 0);
	assert_int_equal(out.n_groups, N_OF(groups));
	for (size_t i = 0; i < N_OF(groups); i++)
		assert_int_equal(out.groups[i], groups[i]);
	/* Only unknown groups: still a valid hello (negotiation refuses it). */
	n = ch_raw(raw, sizeof raw, MLAB_VERSION, 0, one_mode, 1, groups, 1, one_cipher, 1);
	assert_err(ch_decode_exact(raw, n, &out), 0);
	assert_int_equal(out.groups[0], 0x9999);
}

/* ======================================================================
 * Server hello
 * ====================================================================== */

#define SH_BODY (1 + MLAB_NONCE_LEN + 1 + 1 + 2 + 1)

static void sh_init(struct mlab_server_hello *m, uint8_t flags, uint8_t mode, uint16_t group, uint8_t cipher)
{
	memset(m, 0, sizeof *m);
	m->version = MLAB_VERSION;
	fill_nonce(m->nonce, 0x40);
	m->flags = flags;
	m->mode = mode;
	m->group = group;
	m->cipher = cipher;
}

static uint8_t *sh_body(const struct mlab_server_hello *m, size_t *len)
{
	uint8_t buf[128];
	struct mlab_wr w;
	size_t n;

	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_server_hello_encode(&w, m), 0);
	const uint8_t *body = split_one(buf, w.len, MLAB_MSG_SERVER_HELLO, &n);
	*len = n;
	return dup_exact(body, n);
}

static int sh_decode_exact(const uint8_t *p, size_t n, struct mlab_server_hello *m)
{
	uint8_t *body = dup_exact(p, n);
	int e = mlab_server_hello_decode(body, n, m);
	free(body);
	return e;
}

static void test_server_hello_round_trip(void **state)
{
	(void)state;
	struct mlab_server_hello v[3];
	sh_init(&v[0], 0, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	sh_init(&v[1], MLAB_FLAG_CLIENT_AUTH, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE3072, MLAB_CIPHER_AES_256_GCM);
	sh_init(&v[2], 0, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_NONE);

	for (size_t i = 0; i < N_OF(v); i++) {
		struct mlab_server_hello out;
		size_t n;
		uint8_t *body = sh_body(&v[i], &n);

		assert_int_equal(n, SH_BODY);
		memset(&out, 0xee, sizeof out);
		assert_err(mlab_server_hello_decode(body, n, &out), 0);
		assert_int_equal(out.version, v[i].version);
		assert_memory_equal(out.nonce, v[i].nonce, MLAB_NONCE_LEN);
		assert_int_equal(out.flags, v[i].flags);
		assert_int_equal(out.mode, v[i].mode);
		assert_int_equal(out.group, v[i].group);
		assert_int_equal(out.cipher, v[i].cipher);
		free(body);
	}
}

static void test_server_hello_wire_layout(void **state)
{
	(void)state;
	struct mlab_server_hello m;
	uint8_t buf[64], want[MLAB_FRAME_HDR + SH_BODY];
	struct mlab_wr w;
	size_t k = 0;

	sh_init(&m, MLAB_FLAG_CLIENT_AUTH, MLAB_MODE_SIGN, MLAB_GROUP_FFDHE2048, MLAB_CIPHER_AES_256_GCM);
	fill_nonce(m.nonce, 0);
	want[k++] = MLAB_MSG_SERVER_HELLO;
	want[k++] = 0, want[k++] = 0, want[k++] = 0, want[k++] = SH_BODY;
	want[k++] = 1;
	for (uint8_t i = 0; i < 32; i++)
		want[k++] = i;
	want[k++] = 0x01, want[k++] = 0x02, want[k++] = 0x01, want[k++] = 0x00, want[k++] = 0x02;
	assert_int_equal(k, sizeof want);
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_server_hello_encode(&w, &m), 0);
	assert_int_equal(w.len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
}

static void test_server_hello_truncated_at_every_offset(void **state)
{
	(void)state;
	struct mlab_server_hello in, out;
	size_t n;

	sh_init(&in, 0, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_AES_256_GCM);
	uint8_t *body = sh_body(&in, &n);
	for (size_t k = 0; k < n; k++) {
		int e = sh_decode_exact(body, k, &out);
		if (e != MLAB_E_TRUNCATED)
			fail_msg("prefix of %zu/%zu bytes: got %d (%s), expected truncated", k, n, e, mlab_err_name(e));
	}
	free(body);
}

static void test_server_hello_trailing_byte(void **state)
{
	(void)state;
	struct mlab_server_hello in, out;
	uint8_t tmp[128];
	size_t n;

	sh_init(&in, 0, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	uint8_t *body = sh_body(&in, &n);
	assert_true(n + 2 <= 64);
	n &= 63; /* (for the compiler: within tmp) */
	memcpy(tmp, body, n);
	/* one optional kind byte, never "ephemeral" (its absence), then the end */
	assert_err(sh_decode_exact(tmp, n, &out), 0);
	assert_int_equal(out.kind, MLAB_KIND_EPHEMERAL);
	tmp[n] = MLAB_KIND_EPHEMERAL;
	assert_err(sh_decode_exact(tmp, n + 1, &out), MLAB_E_BAD_FIELD);
	tmp[n] = MLAB_KIND_STATIC;
	assert_err(sh_decode_exact(tmp, n + 1, &out), 0);
	assert_int_equal(out.kind, MLAB_KIND_STATIC);
	tmp[n + 1] = 0;
	assert_err(sh_decode_exact(tmp, n + 2, &out), MLAB_E_TRAILING);
	free(body);
}

static void test_server_hello_bad_version(void **state)
{
	(void)state;
	static const uint8_t bad[] = {0, 2, 0xff};
	struct mlab_server_hello in, out;
	size_t n;

	sh_init(&in, 0, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	for (size_t i = 0; i < N_OF(bad); i++) {
		in.version = bad[i];
		uint8_t *body = sh_body(&in, &n);
		assert_err(mlab_server_hello_decode(body, n, &out), MLAB_E_BAD_VERSION);
		free(body);
	}
}

static void test_server_hello_unknown_flag_bit_bad_field(void **state)
{
	(void)state;
	struct mlab_server_hello in, out;
	size_t n;

	sh_init(&in, 0, MLAB_MODE_NONE, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	for (unsigned bit = 1; bit < 8; bit++) {
		in.flags = (uint8_t)(1u << bit);
		uint8_t *body = sh_body(&in, &n);
		assert_err(mlab_server_hello_decode(body, n, &out), MLAB_E_BAD_FIELD);
		free(body);
	}
	in.flags = 0xff;
	uint8_t *body = sh_body(&in, &n);
	assert_err(mlab_server_hello_decode(body, n, &out), MLAB_E_BAD_FIELD);
	free(body);
}

/* ======================================================================
 * Key share
 * ====================================================================== */

static size_t ks_raw(uint8_t *out, size_t cap, uint16_t group, uint16_t len_field, size_t actual, size_t extra)
{
	struct mlab_wr w;
	mlab_wr_init(&w, out, cap);
	assert_err(mlab_wr_u16(&w, group), 0);
	assert_err(mlab_wr_u16(&w, len_field), 0);
	for (size_t i = 0; i < actual + extra; i++)
		assert_err(mlab_wr_u8(&w, (uint8_t)(i * 7 + 1)), 0);
	return w.len;
}

static int ks_decode_exact(const uint8_t *p, size_t n, struct mlab_key_share *m, uint8_t **keep)
{
	uint8_t *body = dup_exact(p, n);
	int e = mlab_key_share_decode(body, n, m);
	if (keep)
		*keep = body;
	else
		free(body);
	return e;
}

static void test_key_share_round_trip_32_and_384_bytes(void **state)
{
	(void)state;
	static const struct {
		uint16_t group;
		uint16_t len;
	} v[] = {{MLAB_GROUP_X25519, 32}, {MLAB_GROUP_FFDHE3072, 384}, {MLAB_GROUP_FFDHE2048, 256}};

	for (size_t i = 0; i < N_OF(v); i++) {
		uint8_t share[MLAB_MAX_SHARE], buf[MLAB_FRAME_HDR + 4 + MLAB_MAX_SHARE];
		struct mlab_key_share in = {.group = v[i].group, .len = v[i].len, .share = share}, out;
		struct mlab_wr w;
		size_t n;

		for (size_t j = 0; j < v[i].len; j++)
			share[j] = (uint8_t)(j ^ 0x5a);
		mlab_wr_init(&w, buf, sizeof buf);
		assert_err(mlab_key_share_encode(&w, &in), 0);
		const uint8_t *body = split_one(buf, w.len, MLAB_MSG_KEY_SHARE, &n);
		assert_int_equal(n, 4u + v[i].len);
		uint8_t *exact = dup_exact(body, n);
		assert_err(mlab_key_share_decode(exact, n, &out), 0);
		assert_int_equal(out.group, v[i].group);
		assert_int_equal(out.len, v[i].len);
		assert_ptr_equal(out.share, exact + 4); /* points into the body */
		assert_memory_equal(out.share, share, v[i].len);
		free(exact);
	}
}

static void test_key_share_max_share_1024_decodes(void **state)
{
	(void)state;
	static uint8_t raw[4 + MLAB_MAX_SHARE];
	struct mlab_key_share out;
	size_t n = ks_raw(raw, sizeof raw, MLAB_GROUP_FFDHE3072, MLAB_MAX_SHARE, MLAB_MAX_SHARE, 0);
	assert_err(ks_decode_exact(raw, n, &out, NULL), 0);
	assert_int_equal(out.len, MLAB_MAX_SHARE);
}

static void test_key_share_empty_share_empty(void **state)
{
	(void)state;
	uint8_t raw[8];
	struct mlab_key_share out;
	size_t n = ks_raw(raw, sizeof raw, MLAB_GROUP_X25519, 0, 0, 0);
	assert_int_equal(n, 4);
	assert_err(ks_decode_exact(raw, n, &out, NULL), MLAB_E_EMPTY);
}

static void test_key_share_length_field_larger_than_body_truncated(void **state)
{
	(void)state;
	uint8_t raw[64];
	struct mlab_key_share out;
	size_t n = ks_raw(raw, sizeof raw, MLAB_GROUP_X25519, 33, 32, 0);
	assert_err(ks_decode_exact(raw, n, &out, NULL), MLAB_E_TRUNCATED);
	n = ks_raw(raw, sizeof raw, MLAB_GROUP_X25519, MLAB_MAX_SHARE, 32, 0);
	assert_err(ks_decode_exact(raw, n, &out, NULL), MLAB_E_TRUNCATED);
}

static void test_key_share_truncated_at_every_offset(void **state)
{
	(void)state;
	uint8_t raw[64];
	struct mlab_key_share out;
	size_t n = ks_raw(raw, sizeof raw, MLAB_GROUP_X25519, 32, 32, 0);
	for (size_t k = 0; k < n; k++) {
		int e = ks_decode_exact(raw, k, &out, NULL);
		if (e != MLAB_E_TRUNCATED)
			fail_msg("prefix of %zu/%zu bytes: got %d (%s), expected truncated", k, n, e, mlab_err_name(e));
	}
}

static void test_key_share_over_max_share_too_long(void **state)
{
	(void)state;
	static uint8_t raw[4 + MLAB_MAX_SHARE + 1];
	struct mlab_key_share out;
	size_t n = ks_raw(raw, sizeof raw, MLAB_GROUP_FFDHE3072, MLAB_MAX_SHARE + 1, MLAB_MAX_SHARE + 1, 0);
	assert_err(ks_decode_exact(raw, n, &out, NULL), MLAB_E_TOO_LONG);
	n = ks_raw(raw, sizeof raw, MLAB_GROUP_FFDHE3072, 0xffff, 16, 0);
	assert_err(ks_decode_exact(raw, n, &out, NULL), MLAB_E_TOO_LONG);
}

static void test_key_share_trailing_byte(void **state)
{
	(void)state;
	uint8_t raw[64];
	struct mlab_key_share out;
	size_t n = ks_raw(raw, sizeof raw, MLAB_GROUP_X25519, 32, 32, 1);
	assert_err(ks_decode_exact(raw, n, &out, NULL), MLAB_E_TRAILING);
}

/* ======================================================================
 * Signature
 * ====================================================================== */

#define SIG_BODY (2 + 2 + MLAB_ED25519_PUB + 2 + MLAB_ED25519_SIG)

static size_t sig_raw(uint8_t *out, size_t cap, uint16_t scheme, size_t npub, size_t nsig, size_t extra)
{
	struct mlab_wr w;
	uint8_t pub[128], sig[128], junk[16];

	memset(pub, 0x11, sizeof pub);
	memset(sig, 0x22, sizeof sig);
	memset(junk, 0x33, sizeof junk);
	mlab_wr_init(&w, out, cap);
	assert_err(mlab_wr_u16(&w, scheme), 0);
	assert_err(mlab_wr_vec16(&w, pub, npub), 0);
	assert_err(mlab_wr_vec16(&w, sig, nsig), 0);
	assert_err(mlab_wr_bytes(&w, junk, extra), 0);
	return w.len;
}

static int sig_decode_exact(const uint8_t *p, size_t n, struct mlab_signature *m)
{
	uint8_t *body = dup_exact(p, n);
	int e = mlab_signature_decode(body, n, m);
	free(body);
	return e;
}

static void test_signature_round_trip(void **state)
{
	(void)state;
	struct mlab_signature in, out;
	uint8_t buf[256];
	struct mlab_wr w;
	size_t n;

	in.scheme = MLAB_SIG_ED25519;
	for (size_t i = 0; i < sizeof in.pub; i++)
		in.pub[i] = (uint8_t)(0x80 + i);
	for (size_t i = 0; i < sizeof in.sig; i++)
		in.sig[i] = (uint8_t)(0xff - i);
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_signature_encode(&w, &in), 0);
	const uint8_t *body = split_one(buf, w.len, MLAB_MSG_SIGNATURE, &n);
	assert_int_equal(n, SIG_BODY);
	/* scheme, then each vector's big-endian length */
	assert_int_equal(body[0], 0x08);
	assert_int_equal(body[1], 0x07);
	assert_int_equal(body[2], 0x00);
	assert_int_equal(body[3], MLAB_ED25519_PUB);
	assert_int_equal(body[4 + MLAB_ED25519_PUB + 1], MLAB_ED25519_SIG);
	memset(&out, 0, sizeof out);
	assert_err(sig_decode_exact(body, n, &out), 0);
	assert_int_equal(out.scheme, MLAB_SIG_ED25519);
	assert_memory_equal(out.pub, in.pub, sizeof in.pub);
	assert_memory_equal(out.sig, in.sig, sizeof in.sig);
}

static void test_signature_unknown_scheme(void **state)
{
	(void)state;
	static const uint16_t bad[] = {0x0000, 0x0403, 0x0808, 0x0708, 0xffff};
	uint8_t raw[256];
	struct mlab_signature out;

	for (size_t i = 0; i < N_OF(bad); i++) {
		size_t n = sig_raw(raw, sizeof raw, bad[i], MLAB_ED25519_PUB, MLAB_ED25519_SIG, 0);
		assert_err(sig_decode_exact(raw, n, &out), MLAB_E_SIG_SCHEME);
	}
}

static void test_signature_63_and_65_byte_signature_sig_length(void **state)
{
	(void)state;
	uint8_t raw[256];
	struct mlab_signature out;
	size_t n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, MLAB_ED25519_PUB, 63, 0);
	assert_err(sig_decode_exact(raw, n, &out), MLAB_E_SIG_LENGTH);
	n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, MLAB_ED25519_PUB, 65, 0);
	assert_err(sig_decode_exact(raw, n, &out), MLAB_E_SIG_LENGTH);
	n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, MLAB_ED25519_PUB, 0, 0);
	assert_err(sig_decode_exact(raw, n, &out), MLAB_E_SIG_LENGTH);
}

static void test_signature_31_and_33_byte_key_sig_length(void **state)
{
	(void)state;
	uint8_t raw[256];
	struct mlab_signature out;
	size_t n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, 31, MLAB_ED25519_SIG, 0);
	assert_err(sig_decode_exact(raw, n, &out), MLAB_E_SIG_LENGTH);
	n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, 33, MLAB_ED25519_SIG, 0);
	assert_err(sig_decode_exact(raw, n, &out), MLAB_E_SIG_LENGTH);
}

static void test_signature_garbage_appended_trailing(void **state)
{
	(void)state;
	uint8_t raw[256];
	struct mlab_signature out;
	size_t n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, MLAB_ED25519_PUB, MLAB_ED25519_SIG, 1);
	assert_err(sig_decode_exact(raw, n, &out), MLAB_E_TRAILING);
	n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, MLAB_ED25519_PUB, MLAB_ED25519_SIG, 16);
	assert_err(sig_decode_exact(raw, n, &out), MLAB_E_TRAILING);
}

static void test_signature_truncated_at_every_offset(void **state)
{
	(void)state;
	uint8_t raw[256];
	struct mlab_signature out;
	size_t n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, MLAB_ED25519_PUB, MLAB_ED25519_SIG, 0);
	assert_int_equal(n, SIG_BODY);
	for (size_t k = 0; k < n; k++) {
		int e = sig_decode_exact(raw, k, &out);
		if (e != MLAB_E_TRUNCATED)
			fail_msg("prefix of %zu/%zu bytes: got %d (%s), expected truncated", k, n, e, mlab_err_name(e));
	}
}

static void test_signature_inner_length_longer_than_body_truncated(void **state)
{
	(void)state;
	uint8_t raw[256];
	struct mlab_signature out;
	size_t n = sig_raw(raw, sizeof raw, MLAB_SIG_ED25519, MLAB_ED25519_PUB, MLAB_ED25519_SIG, 0);
	raw[4 + MLAB_ED25519_PUB + 1] = MLAB_ED25519_SIG + 1; /* sig length says 65, 64 follow */
	assert_err(sig_decode_exact(raw, n, &out), MLAB_E_TRUNCATED);
}

/* ======================================================================
 * Certificate: u8 count, count × vec16 DER (the DER itself is mlab_cert.c's)
 * ====================================================================== */

static int cert_decode_exact(const uint8_t *p, size_t n, struct mlab_certificate *m)
{
	uint8_t *body = dup_exact(p, n);
	int e = mlab_certificate_decode(body, n, m);
	free(body);
	return e;
}

static void test_certificate_round_trip_exact_bytes(void **state)
{
	(void)state;
	static const uint8_t a[] = {0x30, 0x03, 0x02, 0x01, 0x05}, b[] = {0x30, 0x00};
	struct mlab_certificate in = {.n = 2, .der = {a, b}, .len = {sizeof a, sizeof b}}, out;
	static const uint8_t want[] = {2, 0, 5, 0x30, 0x03, 0x02, 0x01, 0x05, 0, 2, 0x30, 0x00};
	uint8_t buf[64];
	struct mlab_wr w;
	size_t n;

	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_certificate_encode(&w, &in), 0);
	const uint8_t *body = split_one(buf, w.len, MLAB_MSG_CERTIFICATE, &n);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(body, want, sizeof want);
	assert_err(cert_decode_exact(want, sizeof want, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.len[0], sizeof a);
	assert_int_equal(out.len[1], sizeof b);
}

static void test_certificate_count_zero_empty_nine_too_long(void **state)
{
	(void)state;
	uint8_t raw[64] = {0};
	struct mlab_certificate out;
	assert_err(cert_decode_exact(raw, 1, &out), MLAB_E_EMPTY);
	raw[0] = MLAB_MAX_CHAIN + 1;
	assert_err(cert_decode_exact(raw, sizeof raw, &out), MLAB_E_TOO_LONG);
	raw[0] = 0xff;
	assert_err(cert_decode_exact(raw, sizeof raw, &out), MLAB_E_TOO_LONG);
	struct mlab_certificate none = {.n = 0};
	uint8_t buf[64];
	struct mlab_wr w;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_certificate_encode(&w, &none), MLAB_E_EMPTY);
}

static void test_certificate_empty_and_oversized_cert(void **state)
{
	(void)state;
	uint8_t *raw = calloc(1, 3 + MLAB_MAX_CERT + 1);
	struct mlab_certificate out;
	assert_non_null(raw);
	raw[0] = 1; /* one certificate of 0 bytes */
	assert_err(cert_decode_exact(raw, 3, &out), MLAB_E_EMPTY);
	raw[1] = (uint8_t)((MLAB_MAX_CERT + 1) >> 8);
	raw[2] = (uint8_t)(MLAB_MAX_CERT + 1);
	assert_err(cert_decode_exact(raw, 3 + MLAB_MAX_CERT + 1, &out), MLAB_E_TOO_LONG);
	raw[1] = (uint8_t)(MLAB_MAX_CERT >> 8);
	raw[2] = (uint8_t)MLAB_MAX_CERT;
	assert_err(cert_decode_exact(raw, 3 + MLAB_MAX_CERT, &out), 0);
	/* the sender refuses what the receiver would */
	struct mlab_certificate big = {.n = 1, .der = {raw}, .len = {MLAB_MAX_CERT + 1}};
	uint8_t *buf = malloc(MLAB_MAX_CERT_BODY + 64);
	struct mlab_wr w;
	assert_non_null(buf);
	mlab_wr_init(&w, buf, MLAB_MAX_CERT_BODY + 64);
	assert_err(mlab_certificate_encode(&w, &big), MLAB_E_TOO_LONG);
	free(buf);
	free(raw);
}

static void test_certificate_body_limit_and_frame_check(void **state)
{
	(void)state;
	uint8_t t;
	uint32_t n;
	assert_err(check_hdr(MLAB_MSG_CERTIFICATE, MLAB_MAX_CERT_BODY, &t, &n), 0);
	assert_err(check_hdr(MLAB_MSG_CERTIFICATE, MLAB_MAX_CERT_BODY + 1, &t, &n), MLAB_E_TOO_LONG);
	assert_err(check_hdr(MLAB_MSG_CERTIFICATE, 0, &t, &n), MLAB_E_EMPTY);
	/* three 8 KiB certificates do not fit one message */
	uint8_t *der = calloc(1, MLAB_MAX_CERT);
	uint8_t *buf = malloc(4 * MLAB_MAX_CERT);
	assert_non_null(der);
	assert_non_null(buf);
	der[0] = 0x30;
	struct mlab_certificate three = {
	    .n = 3, .der = {der, der, der}, .len = {MLAB_MAX_CERT, MLAB_MAX_CERT, MLAB_MAX_CERT}};
	struct mlab_wr w;
	mlab_wr_init(&w, buf, 4 * MLAB_MAX_CERT);
	assert_err(mlab_certificate_encode(&w, &three), MLAB_E_TOO_LONG);
	free(buf);
	free(der);
}

static void test_certificate_trailing_and_truncated(void **state)
{
	(void)state;
	static const uint8_t good[] = {2, 0, 2, 0x30, 0x00, 0, 2, 0x30, 0x00};
	uint8_t raw[sizeof good + 1];
	struct mlab_certificate out;
	memcpy(raw, good, sizeof good);
	raw[sizeof good] = 0;
	assert_err(cert_decode_exact(raw, sizeof raw, &out), MLAB_E_TRAILING);
	for (size_t k = 0; k < sizeof good; k++) {
		int e = cert_decode_exact(good, k, &out);
		if (e != MLAB_E_TRUNCATED)
			fail_msg("prefix of %zu bytes: got %d (%s), expected truncated", k, e, mlab_err_name(e));
	}
}

/* ======================================================================
 * Encrypted premaster: vec16 ciphertext, 1..512 bytes
 * ====================================================================== */

static void test_premaster_round_trip_and_limits(void **state)
{
	(void)state;
	uint8_t ct[MLAB_MAX_PREMASTER_CT + 1], buf[1024];
	struct mlab_premaster in = {.len = 256, .ct = ct}, out;
	struct mlab_wr w;
	size_t n;
	for (size_t i = 0; i < sizeof ct; i++)
		ct[i] = (uint8_t)i;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_premaster_encode(&w, &in), 0);
	const uint8_t *body = split_one(buf, w.len, MLAB_MSG_PREMASTER, &n);
	assert_int_equal(n, 2 + 256);
	assert_int_equal(body[0], 0x01);
	assert_int_equal(body[1], 0x00);
	uint8_t *exact = dup_exact(body, n);
	assert_err(mlab_premaster_decode(exact, n, &out), 0);
	assert_int_equal(out.len, 256);
	assert_memory_equal(out.ct, ct, 256);
	assert_err(mlab_premaster_decode(exact, n - 1, &out), MLAB_E_TRUNCATED);
	free(exact);
	uint8_t raw[2 + sizeof ct + 1] = {0, 0};
	assert_err(mlab_premaster_decode(raw, 2, &out), MLAB_E_EMPTY);
	raw[0] = (uint8_t)((MLAB_MAX_PREMASTER_CT + 1) >> 8);
	raw[1] = (uint8_t)(MLAB_MAX_PREMASTER_CT + 1);
	assert_err(mlab_premaster_decode(raw, 2 + MLAB_MAX_PREMASTER_CT + 1, &out), MLAB_E_TOO_LONG);
	raw[0] = 0;
	raw[1] = 1;
	assert_err(mlab_premaster_decode(raw, 4, &out), MLAB_E_TRAILING);
	in.len = MLAB_MAX_PREMASTER_CT + 1;
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_premaster_encode(&w, &in), MLAB_E_TOO_LONG);
	in.len = 0;
	assert_err(mlab_premaster_encode(&w, &in), MLAB_E_EMPTY);
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(mlab_kind_name(MLAB_KIND_EPHEMERAL), "ephemeral");
	assert_string_equal(mlab_kind_name(MLAB_KIND_STATIC), "static");
	assert_string_equal(mlab_kind_name(MLAB_KIND_TRANSPORT), "transport");
	assert_null(mlab_kind_name(0));
	assert_null(mlab_kind_name(4));
	assert_int_equal(mlab_kind_from_name("transport"), MLAB_KIND_TRANSPORT);
	assert_int_equal(mlab_kind_from_name("rsa"), 0);
}

/* ======================================================================
 * Finished and alert
 * ====================================================================== */

static void test_finished_round_trip(void **state)
{
	(void)state;
	struct mlab_finished in, out;
	uint8_t buf[64];
	struct mlab_wr w;
	size_t n;

	for (size_t i = 0; i < sizeof in.mac; i++)
		in.mac[i] = (uint8_t)(i * 13 + 5);
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_finished_encode(&w, &in), 0);
	const uint8_t *body = split_one(buf, w.len, MLAB_MSG_FINISHED, &n);
	assert_int_equal(n, MLAB_MAC_LEN);
	uint8_t *exact = dup_exact(body, n);
	assert_err(mlab_finished_decode(exact, n, &out), 0);
	assert_memory_equal(out.mac, in.mac, sizeof in.mac);
	free(exact);
}

static void test_finished_31_bytes_truncated(void **state)
{
	(void)state;
	uint8_t raw[MLAB_MAC_LEN + 1];
	struct mlab_finished out;
	memset(raw, 0x42, sizeof raw);
	uint8_t *b = dup_exact(raw, MLAB_MAC_LEN - 1);
	assert_err(mlab_finished_decode(b, MLAB_MAC_LEN - 1, &out), MLAB_E_TRUNCATED);
	free(b);
	b = dup_exact(raw, 0);
	assert_err(mlab_finished_decode(b, 0, &out), MLAB_E_TRUNCATED);
	free(b);
}

static void test_finished_33_bytes_trailing(void **state)
{
	(void)state;
	uint8_t raw[MLAB_MAC_LEN + 1];
	struct mlab_finished out;
	memset(raw, 0x42, sizeof raw);
	uint8_t *b = dup_exact(raw, sizeof raw);
	assert_err(mlab_finished_decode(b, sizeof raw, &out), MLAB_E_TRAILING);
	free(b);
}

static void test_alert_round_trip(void **state)
{
	(void)state;
	static const uint16_t codes[] = {1, 30, 0x1234, 0xffff};
	for (size_t i = 0; i < N_OF(codes); i++) {
		struct mlab_alert in = {.code = codes[i]}, out = {0};
		uint8_t buf[16];
		struct mlab_wr w;
		size_t n;

		mlab_wr_init(&w, buf, sizeof buf);
		assert_err(mlab_alert_encode(&w, &in), 0);
		const uint8_t *body = split_one(buf, w.len, MLAB_MSG_ALERT, &n);
		assert_int_equal(n, 2);
		assert_int_equal(body[0], codes[i] >> 8);
		assert_int_equal(body[1], codes[i] & 0xff);
		uint8_t *exact = dup_exact(body, n);
		assert_err(mlab_alert_decode(exact, n, &out), 0);
		assert_int_equal(out.code, codes[i]);
		free(exact);
	}
}

static void test_alert_1_byte_truncated(void **state)
{
	(void)state;
	const uint8_t raw[] = {0x00};
	struct mlab_alert out;
	uint8_t *b = dup_exact(raw, 1);
	assert_err(mlab_alert_decode(b, 1, &out), MLAB_E_TRUNCATED);
	free(b);
}

static void test_alert_3_bytes_trailing(void **state)
{
	(void)state;
	const uint8_t raw[] = {0x00, 0x1e, 0x00};
	struct mlab_alert out;
	uint8_t *b = dup_exact(raw, 3);
	assert_err(mlab_alert_decode(b, 3, &out), MLAB_E_TRAILING);
	free(b);
}

/* ======================================================================
 * Encoders: a writer without room is left as it was
 * ====================================================================== */

static int encode_kind(int kind, struct mlab_wr *w)
{
	static uint8_t share[384];
	struct mlab_client_hello ch;
	struct mlab_server_hello sh;
	struct mlab_key_share ks = {.group = MLAB_GROUP_FFDHE3072, .len = sizeof share, .share = share};
	struct mlab_signature sg;
	struct mlab_finished fi;
	struct mlab_alert al = {.code = 30};

	memset(&sg, 0x77, sizeof sg);
	sg.scheme = MLAB_SIG_ED25519;
	memset(&fi, 0x66, sizeof fi);
	switch (kind) {
	case 0:
		ch_standard(&ch);
		return mlab_client_hello_encode(w, &ch);
	case 1:
		sh_init(&sh, 0, 1, MLAB_GROUP_X25519, 1);
		return mlab_server_hello_encode(w, &sh);
	case 2:
		return mlab_key_share_encode(w, &ks);
	case 3:
		return mlab_signature_encode(w, &sg);
	case 4:
		return mlab_finished_encode(w, &fi);
	default:
		return mlab_alert_encode(w, &al);
	}
}

static void test_every_encoder_without_room_nospace_writer_unchanged(void **state)
{
	(void)state;
	static uint8_t buf[1024];
	for (int kind = 0; kind < 6; kind++) {
		struct mlab_wr w;

		mlab_wr_init(&w, buf, sizeof buf);
		assert_err(encode_kind(kind, &w), 0);
		size_t need = w.len;
		for (size_t cap = 0; cap < need; cap++) {
			mlab_wr_init(&w, buf, cap + 2);
			assert_err(mlab_wr_u16(&w, 0xbeef), 0);
			int e = encode_kind(kind, &w);
			if (e != MLAB_E_NOSPACE)
				fail_msg("encoder %d with %zu of %zu bytes: got %d (%s)", kind, cap, need, e,
					 mlab_err_name(e));
			assert_int_equal(w.len, 2);
		}
		mlab_wr_init(&w, buf, need + 2);
		assert_err(mlab_wr_u16(&w, 0xbeef), 0);
		assert_err(encode_kind(kind, &w), 0);
		assert_int_equal(w.len, need + 2);
	}
}

/* ======================================================================
 * Name tables
 * ====================================================================== */

static void test_msg_name_every_type_and_unknowns(void **state)
{
	(void)state;
	assert_string_equal(mlab_msg_name(MLAB_MSG_CLIENT_HELLO), "client-hello");
	assert_string_equal(mlab_msg_name(MLAB_MSG_SERVER_HELLO), "server-hello");
	assert_string_equal(mlab_msg_name(MLAB_MSG_KEY_SHARE), "key-share");
	assert_string_equal(mlab_msg_name(MLAB_MSG_SIGNATURE), "signature");
	assert_string_equal(mlab_msg_name(MLAB_MSG_FINISHED), "finished");
	assert_string_equal(mlab_msg_name(MLAB_MSG_RECORD), "record");
	assert_string_equal(mlab_msg_name(MLAB_MSG_ALERT), "alert");
	assert_string_equal(mlab_msg_name(MLAB_MSG_CERTIFICATE), "certificate");
	assert_string_equal(mlab_msg_name(MLAB_MSG_PREMASTER), "encrypted-premaster");
	assert_string_equal(mlab_msg_name(0), "unknown");
	assert_string_equal(mlab_msg_name(10), "unknown");
	assert_string_equal(mlab_msg_name(0xff), "unknown");
}

static void test_mode_names_round_trip_and_unknowns(void **state)
{
	(void)state;
	static const unsigned modes[] = {MLAB_MODE_NONE, MLAB_MODE_SIGN, MLAB_MODE_CERT};
	for (size_t i = 0; i < N_OF(modes); i++) {
		const char *name = mlab_mode_name(modes[i]);
		assert_non_null(name);
		assert_int_equal(mlab_mode_from_name(name), modes[i]);
	}
	assert_string_equal(mlab_mode_name(MLAB_MODE_NONE), "none");
	assert_string_equal(mlab_mode_name(MLAB_MODE_SIGN), "sign");
	assert_string_equal(mlab_mode_name(MLAB_MODE_CERT), "cert");
	assert_null(mlab_mode_name(0));
	assert_null(mlab_mode_name(4));
	assert_null(mlab_mode_name(0xffffffffu));
	assert_int_equal(mlab_mode_from_name("bogus"), 0);
	assert_int_equal(mlab_mode_from_name(""), 0);
	assert_int_equal(mlab_mode_from_name("signed"), 0);
	assert_int_equal(mlab_mode_from_name("aes-256-gcm"), 0);
}

static void test_cipher_names_round_trip_and_unknowns(void **state)
{
	(void)state;
	static const unsigned ciphers[] = {MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_AES_256_GCM, MLAB_CIPHER_NONE};
	for (size_t i = 0; i < N_OF(ciphers); i++) {
		const char *name = mlab_cipher_name(ciphers[i]);
		assert_non_null(name);
		assert_int_equal(mlab_cipher_from_name(name), ciphers[i]);
	}
	assert_string_equal(mlab_cipher_name(MLAB_CIPHER_CHACHA20_POLY1305), "chacha20-poly1305");
	assert_string_equal(mlab_cipher_name(MLAB_CIPHER_AES_256_GCM), "aes-256-gcm");
	assert_string_equal(mlab_cipher_name(MLAB_CIPHER_NONE), "none");
	assert_null(mlab_cipher_name(0));
	assert_null(mlab_cipher_name(4));
	assert_int_equal(mlab_cipher_from_name("aes-128-gcm"), 0);
	assert_int_equal(mlab_cipher_from_name("chacha20"), 0);
	assert_int_equal(mlab_cipher_from_name(""), 0);
	assert_int_equal(mlab_cipher_from_name("sign"), 0);
}

/* ======================================================================
 * Error table (lib/mlab_err)
 * ====================================================================== */

static void test_err_every_code_has_name_check_and_sentence(void **state)
{
	(void)state;
	for (int e = MLAB_E_TRUNCATED; e > MLAB_E_LAST; e--) {
		const char *name = mlab_err_name(e), *check = mlab_err_check(e), *text = mlab_err_text(e);
		assert_non_null(name);
		assert_non_null(check);
		assert_non_null(text);
		if (strcmp(name, "unknown-error") == 0)
			fail_msg("code %d has no name", e);
		assert_true(strlen(name) > 0);
		assert_true(strlen(check) > 0);
		assert_true(strlen(text) > 10);
		/* machine names: lowercase, digits and '-' only */
		for (const char *p = name; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
				fail_msg("code %d: name \"%s\" is not a machine name", e, name);
	}
}

static void test_err_names_unique(void **state)
{
	(void)state;
	for (int a = MLAB_E_TRUNCATED; a > MLAB_E_LAST; a--)
		for (int b = a - 1; b > MLAB_E_LAST; b--)
			if (strcmp(mlab_err_name(a), mlab_err_name(b)) == 0)
				fail_msg("codes %d and %d share the name \"%s\"", a, b, mlab_err_name(a));
}

static void test_err_from_name_round_trips(void **state)
{
	(void)state;
	for (int e = MLAB_E_TRUNCATED; e > MLAB_E_LAST; e--)
		assert_err(mlab_err_from_name(mlab_err_name(e)), e);
	assert_int_equal(mlab_err_from_name("no-such-error"), 0);
	assert_int_equal(mlab_err_from_name(""), 0);
	assert_int_equal(mlab_err_from_name("unknown-error"), 0);
	assert_int_equal(mlab_err_from_name("ok"), 0);
}

static void test_err_out_of_range_is_unknown_error(void **state)
{
	(void)state;
	static const int bad[] = {MLAB_E_LAST, MLAB_E_LAST - 1, 1, 42, -1000, INT32_MIN};
	for (size_t i = 0; i < N_OF(bad); i++)
		assert_string_equal(mlab_err_name(bad[i]), "unknown-error");
	assert_string_equal(mlab_err_name(MLAB_OK), "ok");
	assert_string_equal(mlab_err_name(MLAB_E_TRUNCATED), "truncated");
	assert_string_equal(mlab_err_check(MLAB_E_REPLAY), "replay");
	assert_string_equal(mlab_err_check(MLAB_E_PIN_MISMATCH), "pinned-key");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_check_unknown_type),
	    cmocka_unit_test(test_premaster_round_trip_and_limits),
	    cmocka_unit_test(test_kind_names),
	    cmocka_unit_test(test_certificate_round_trip_exact_bytes),
	    cmocka_unit_test(test_certificate_count_zero_empty_nine_too_long),
	    cmocka_unit_test(test_certificate_empty_and_oversized_cert),
	    cmocka_unit_test(test_certificate_body_limit_and_frame_check),
	    cmocka_unit_test(test_certificate_trailing_and_truncated),
	    cmocka_unit_test(test_frame_check_length_zero_empty),
	    cmocka_unit_test(test_frame_check_handshake_length_above_limit_too_long),
	    cmocka_unit_test(test_frame_check_record_length_above_limit_too_long),
	    cmocka_unit_test(test_frame_check_length_0xffffffff_too_long_for_every_type),
	    cmocka_unit_test(test_frame_check_length_is_big_endian),
	    cmocka_unit_test(test_frame_next_header_cut_short_truncated),
	    cmocka_unit_test(test_frame_next_short_body_truncated_reader_unchanged),
	    cmocka_unit_test(test_frame_next_bad_header_reader_unchanged),
	    cmocka_unit_test(test_frame_next_two_frames_back_to_back),
	    cmocka_unit_test(test_frame_put_hdr_layout_and_length_limit),
	    cmocka_unit_test(test_client_hello_round_trip_modes_groups_ciphers_flags),
	    cmocka_unit_test(test_client_hello_wire_layout),
	    cmocka_unit_test(test_client_hello_truncated_at_every_offset),
	    cmocka_unit_test(test_client_hello_zero_groups_prefixes_truncated_then_empty),
	    cmocka_unit_test(test_client_hello_trailing_byte),
	    cmocka_unit_test(test_client_hello_version_2_bad_version),
	    cmocka_unit_test(test_client_hello_unknown_flag_bit_bad_field),
	    cmocka_unit_test(test_client_hello_zero_modes_empty),
	    cmocka_unit_test(test_client_hello_zero_groups_empty),
	    cmocka_unit_test(test_client_hello_zero_ciphers_empty),
	    cmocka_unit_test(test_client_hello_zero_counts_from_encoder_decode_empty),
	    cmocka_unit_test(test_client_hello_17_groups_too_long),
	    cmocka_unit_test(test_client_hello_17_modes_or_ciphers_too_long),
	    cmocka_unit_test(test_client_hello_count_255_too_long_before_entries_read),
	    cmocka_unit_test(test_client_hello_encode_17_groups_too_long_writer_unchanged),
	    cmocka_unit_test(test_client_hello_duplicate_mode),
	    cmocka_unit_test(test_client_hello_duplicate_group),
	    cmocka_unit_test(test_client_hello_duplicate_cipher),
	    cmocka_unit_test(test_client_hello_unknown_group_id_decodes),
	    cmocka_unit_test(test_server_hello_round_trip),
	    cmocka_unit_test(test_server_hello_wire_layout),
	    cmocka_unit_test(test_server_hello_truncated_at_every_offset),
	    cmocka_unit_test(test_server_hello_trailing_byte),
	    cmocka_unit_test(test_server_hello_bad_version),
	    cmocka_unit_test(test_server_hello_unknown_flag_bit_bad_field),
	    cmocka_unit_test(test_key_share_round_trip_32_and_384_bytes),
	    cmocka_unit_test(test_key_share_max_share_1024_decodes),
	    cmocka_unit_test(test_key_share_empty_share_empty),
	    cmocka_unit_test(test_key_share_length_field_larger_than_body_truncated),
	    cmocka_unit_test(test_key_share_truncated_at_every_offset),
	    cmocka_unit_test(test_key_share_over_max_share_too_long),
	    cmocka_unit_test(test_key_share_trailing_byte),
	    cmocka_unit_test(test_signature_round_trip),
	    cmocka_unit_test(test_signature_unknown_scheme),
	    cmocka_unit_test(test_signature_63_and_65_byte_signature_sig_length),
	    cmocka_unit_test(test_signature_31_and_33_byte_key_sig_length),
	    cmocka_unit_test(test_signature_garbage_appended_trailing),
	    cmocka_unit_test(test_signature_truncated_at_every_offset),
	    cmocka_unit_test(test_signature_inner_length_longer_than_body_truncated),
	    cmocka_unit_test(test_finished_round_trip),
	    cmocka_unit_test(test_finished_31_bytes_truncated),
	    cmocka_unit_test(test_finished_33_bytes_trailing),
	    cmocka_unit_test(test_alert_round_trip),
	    cmocka_unit_test(test_alert_1_byte_truncated),
	    cmocka_unit_test(test_alert_3_bytes_trailing),
	    cmocka_unit_test(test_every_encoder_without_room_nospace_writer_unchanged),
	    cmocka_unit_test(test_msg_name_every_type_and_unknowns),
	    cmocka_unit_test(test_mode_names_round_trip_and_unknowns),
	    cmocka_unit_test(test_cipher_names_round_trip_and_unknowns),
	    cmocka_unit_test(test_err_every_code_has_name_check_and_sentence),
	    cmocka_unit_test(test_err_names_unique),
	    cmocka_unit_test(test_err_from_name_round_trips),
	    cmocka_unit_test(test_err_out_of_range_is_unknown_error),
	};
	return cmocka_run_group_tests_name("mlab_wire", tests, NULL, NULL);
}
