/* Unit tests for the handshake pieces the honest engine (lib/mlab_kex.c) and
 * mallory's dh-mitm share: lib/mlab_transcript (whole frames into a running
 * SHA-256), the Finished and transcript-keyed derivation of
 * lib/mlab_keysched, and the message-level key-share handling of
 * lib/mlab_share (send, decode, accept, the bytes a params-scope signature
 * covers). Each result is checked against the same thing computed by hand
 * from the spec (docs/protocol.md §7-§10), so both callers get the bytes the
 * protocol says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_keysched.h"
#include "mlab_share.h"
#include "mlab_transcript.h"
#include "mlab_wire.h"
#include "test_util.h"

/* SHA-256 of hdr(type, len) | body, built by hand. */
static void frame_hash(uint8_t type, const uint8_t *body, size_t len, uint8_t out[MLAB_SHA256_LEN])
{
	uint8_t buf[MLAB_FRAME_HDR + 64];
	assert_true(len <= 64);
	buf[0] = type;
	buf[1] = (uint8_t)(len >> 24);
	buf[2] = (uint8_t)(len >> 16);
	buf[3] = (uint8_t)(len >> 8);
	buf[4] = (uint8_t)len;
	if (len)
		memcpy(buf + MLAB_FRAME_HDR, body, len);
	assert_err(mlab_sha256(buf, MLAB_FRAME_HDR + len, out), 0);
}

static void test_transcript_frame_is_header_and_body(void **s)
{
	(void)s;
	const uint8_t body[] = "a body";
	uint8_t got[MLAB_SHA256_LEN], want[MLAB_SHA256_LEN];
	struct mlab_transcript t;

	assert_err(mlab_transcript_init(&t), 0);
	assert_err(mlab_transcript_frame(&t, MLAB_MSG_FINISHED, body, 6), 0);
	assert_err(mlab_transcript_hash(&t, got), 0);
	frame_hash(MLAB_MSG_FINISHED, body, 6, want);
	assert_memory_equal(got, want, sizeof got);
	/* The hash goes on: asking twice gives the same. */
	assert_err(mlab_transcript_hash(&t, got), 0);
	assert_memory_equal(got, want, sizeof got);
	mlab_transcript_free(&t);

	/* An empty body is a header alone. */
	assert_err(mlab_transcript_init(&t), 0);
	assert_err(mlab_transcript_frame(&t, MLAB_MSG_KEY_SHARE, NULL, 0), 0);
	assert_err(mlab_transcript_hash(&t, got), 0);
	frame_hash(MLAB_MSG_KEY_SHARE, NULL, 0, want);
	assert_memory_equal(got, want, sizeof got);
	mlab_transcript_free(&t);
	/* Freed (or never made): every call fails, none crashes. */
	assert_err(mlab_transcript_frame(&t, MLAB_MSG_KEY_SHARE, body, 1), MLAB_E_CRYPTO);
	assert_err(mlab_transcript_hash(&t, got), MLAB_E_CRYPTO);
}

static void test_transcript_out_takes_what_was_written(void **s)
{
	(void)s;
	uint8_t buf[64], got[MLAB_SHA256_LEN], want[MLAB_SHA256_LEN];
	struct mlab_transcript t;
	struct mlab_wr w;

	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_wr_bytes(&w, "earlier", 7), 0);
	size_t start = w.len;
	assert_err(mlab_frame_put_hdr(&w, MLAB_MSG_SIGNATURE, 3), 0);
	assert_err(mlab_wr_bytes(&w, "sig", 3), 0);
	assert_err(mlab_transcript_init(&t), 0);
	assert_err(mlab_transcript_out(&t, &w, start), 0);
	assert_err(mlab_transcript_hash(&t, got), 0);
	frame_hash(MLAB_MSG_SIGNATURE, (const uint8_t *)"sig", 3, want);
	assert_memory_equal(got, want, sizeof got);
	assert_err(mlab_transcript_out(&t, &w, w.len + 1), MLAB_E_ARG);
	mlab_transcript_free(&t);
}

/* derive_tr is derive over the transcript's hash; Finished is the HMAC of
 * the finished key over it; verify says which; send writes the frame and
 * adds it. */
static void test_keys_and_finished_over_a_transcript(void **s)
{
	(void)s;
	const uint8_t secret[32] = {1, 2, 3};
	uint8_t th[MLAB_SHA256_LEN], mac[MLAB_MAC_LEN], want[MLAB_MAC_LEN], after[MLAB_SHA256_LEN], buf[64];
	struct mlab_keys a, b;
	struct mlab_transcript t;
	struct mlab_wr w;

	assert_err(mlab_transcript_init(&t), 0);
	assert_err(mlab_transcript_frame(&t, MLAB_MSG_CLIENT_HELLO, (const uint8_t *)"hello", 5), 0);
	assert_err(mlab_transcript_hash(&t, th), 0);
	assert_err(mlab_keysched_derive_tr(&t, secret, sizeof secret, &a), 0);
	assert_err(mlab_keysched_derive(secret, sizeof secret, th, &b), 0);
	assert_memory_equal(&a, &b, sizeof a);

	assert_err(mlab_finished_compute(&t, a.fin_client, mac), 0);
	assert_err(mlab_hmac_sha256(a.fin_client, sizeof a.fin_client, th, sizeof th, want), 0);
	assert_memory_equal(mac, want, sizeof mac);
	assert_err(mlab_finished_verify(&t, a.fin_client, mac), 0);
	assert_err(mlab_finished_verify(&t, a.fin_server, mac), MLAB_E_FINISHED); /* the other direction's key */
	mac[31] ^= 1;
	assert_err(mlab_finished_verify(&t, a.fin_client, mac), MLAB_E_FINISHED);

	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_finished_send(&t, a.fin_server, &w), 0);
	assert_int_equal(w.len, MLAB_FRAME_HDR + MLAB_MAC_LEN);
	assert_int_equal(buf[0], MLAB_MSG_FINISHED);
	assert_err(mlab_hmac_sha256(a.fin_server, sizeof a.fin_server, th, sizeof th, want), 0);
	assert_memory_equal(buf + MLAB_FRAME_HDR, want, sizeof want);
	assert_err(mlab_transcript_hash(&t, after), 0);
	assert_memory_not_equal(after, th, sizeof th); /* our Finished went in */
	mlab_keys_wipe(&a);
	mlab_keys_wipe(&b);
	mlab_transcript_free(&t);
}

static size_t share_body(uint16_t group, const uint8_t *p, size_t pl, const uint8_t *g, size_t gl, const uint8_t *y,
			 size_t yl, uint8_t *out, size_t cap)
{
	struct mlab_key_share ks = {.group = group, .len = (uint16_t)yl, .share = y};
	struct mlab_wr w;
	ks.p = p;
	ks.p_len = (uint16_t)pl;
	ks.g = g;
	ks.g_len = (uint16_t)gl;
	mlab_wr_init(&w, out, cap);
	assert_err(mlab_key_share_encode(&w, &ks), 0);
	memmove(out, out + MLAB_FRAME_HDR, w.len - MLAB_FRAME_HDR);
	return w.len - MLAB_FRAME_HDR;
}

static void test_share_decode(void **s)
{
	(void)s;
	uint8_t y[32] = {9}, b[128], p[] = {0xEF}, g[] = {2};
	struct mlab_key_share ks;
	size_t n;

	n = share_body(MLAB_GROUP_X25519, NULL, 0, NULL, 0, y, sizeof y, b, sizeof b);
	assert_err(mlab_share_decode(b, n, MLAB_GROUP_X25519, true, &ks), 0);
	assert_int_equal(ks.len, 32);
	assert_err(mlab_share_decode(b, n, MLAB_GROUP_FFDHE2048, true, &ks), MLAB_E_SHARE_GROUP);
	assert_err(mlab_share_decode(b, n - 1, MLAB_GROUP_X25519, true, &ks), MLAB_E_TRUNCATED);
	/* Explicit: p and g from the responder only. */
	n = share_body(MLAB_GROUP_EXPLICIT, p, 1, g, 1, y, 1, b, sizeof b);
	assert_err(mlab_share_decode(b, n, MLAB_GROUP_EXPLICIT, true, &ks), 0);
	assert_int_equal(ks.p_len, 1);
	assert_err(mlab_share_decode(b, n, MLAB_GROUP_EXPLICIT, false, &ks), MLAB_E_BAD_FIELD);
	n = share_body(MLAB_GROUP_EXPLICIT, NULL, 0, NULL, 0, y, 1, b, sizeof b);
	assert_err(mlab_share_decode(b, n, MLAB_GROUP_EXPLICIT, false, &ks), 0);
}

static void test_share_accept(void **s)
{
	(void)s;
	const struct mlab_group *x = mlab_group_by_id(MLAB_GROUP_X25519);
	struct mlab_dh dh;
	uint8_t peer[MLAB_MAX_SHARE];
	size_t peer_len = 0;

	assert_err(mlab_dh_keygen(x, &dh), 0);
	struct mlab_key_share ks = {.group = MLAB_GROUP_X25519, .len = (uint16_t)dh.pub_len, .share = dh.pub};
	/* Our own share back: refused when validating, taken when weakened. */
	assert_err(mlab_share_accept(x, &ks, true, dh.pub, dh.pub_len, peer, &peer_len), MLAB_E_SHARE_REFLECTED);
	assert_int_equal(peer_len, 0);
	assert_true(mlab_share_reflected(dh.pub, dh.pub_len, ks.share, ks.len));
	assert_false(mlab_share_reflected(NULL, 0, ks.share, ks.len));
	assert_err(mlab_share_accept(x, &ks, false, dh.pub, dh.pub_len, peer, &peer_len), 0);
	assert_int_equal(peer_len, 32);
	assert_memory_equal(peer, dh.pub, 32);
	/* Without own share nothing is reflected; the length is checked always. */
	assert_err(mlab_share_accept(x, &ks, true, NULL, 0, peer, &peer_len), 0);
	ks.len = 31;
	assert_err(mlab_share_accept(x, &ks, false, NULL, 0, peer, &peer_len), MLAB_E_SHARE_LENGTH);
	assert_err(mlab_share_accept(x, &ks, true, NULL, 0, peer, &peer_len), MLAB_E_SHARE_LENGTH);
	mlab_dh_free(&dh);

	/* The group's own checks when validating, none when not. */
	const struct mlab_group *l = mlab_group_by_id(MLAB_GROUP_LAB32);
	uint8_t one[4] = {0, 0, 0, 1};
	struct mlab_key_share k1 = {.group = MLAB_GROUP_LAB32, .len = 4, .share = one};
	assert_err(mlab_share_accept(l, &k1, true, NULL, 0, peer, &peer_len), MLAB_E_SHARE_RANGE);
	assert_err(mlab_share_accept(l, &k1, false, NULL, 0, peer, &peer_len), 0);
	assert_err(mlab_share_accept(NULL, &k1, false, NULL, 0, peer, &peer_len), MLAB_E_ARG);
}

static void test_share_send_and_signed_bytes(void **s)
{
	(void)s;
	struct mlab_xgroup *x = malloc(sizeof *x);
	uint8_t buf[2048], sig[MLAB_SIGNED_SHARE_MAX], y[4] = {1, 2, 3, 4}, th[MLAB_SHA256_LEN], want[MLAB_SHA256_LEN];
	struct mlab_transcript t;
	struct mlab_key_share ks;
	struct mlab_wr w;
	size_t n = 0;

	assert_non_null(x);
	assert_err(mlab_xgroup_from(x, mlab_group_by_id(MLAB_GROUP_LAB32)), 0);
	/* Named group: the share alone travels and is signed. */
	assert_err(mlab_transcript_init(&t), 0);
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_share_send(&t, &w, MLAB_GROUP_LAB32, NULL, y, sizeof y), 0);
	assert_err(mlab_share_decode(buf + MLAB_FRAME_HDR, w.len - MLAB_FRAME_HDR, MLAB_GROUP_LAB32, true, &ks), 0);
	assert_int_equal(ks.len, 4);
	assert_memory_equal(ks.share, y, 4);
	assert_err(mlab_transcript_hash(&t, th), 0);
	assert_err(mlab_sha256(buf, w.len, want), 0); /* exactly the frame written */
	assert_memory_equal(th, want, sizeof th);
	mlab_transcript_free(&t);
	assert_err(mlab_share_signed(NULL, y, sizeof y, sig, sizeof sig, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(sig, y, 4);

	/* Explicit: p and g go with the responder's share, and are signed. */
	assert_err(mlab_transcript_init(&t), 0);
	mlab_wr_init(&w, buf, sizeof buf);
	assert_err(mlab_share_send(&t, &w, MLAB_GROUP_EXPLICIT, x, y, sizeof y), 0);
	assert_err(mlab_share_decode(buf + MLAB_FRAME_HDR, w.len - MLAB_FRAME_HDR, MLAB_GROUP_EXPLICIT, true, &ks), 0);
	assert_int_equal(ks.p_len, x->p_len);
	assert_memory_equal(ks.p, x->p_bytes, x->p_len);
	assert_int_equal(ks.g_len, x->g_len);
	mlab_transcript_free(&t);
	assert_err(mlab_share_signed(x, y, sizeof y, sig, sizeof sig, &n), 0);
	assert_int_equal(n, 2 + x->p_len + 2 + x->g_len + 2 + 4);
	assert_int_equal(sig[0] << 8 | sig[1], x->p_len);
	assert_memory_equal(sig + 2, x->p_bytes, x->p_len);
	assert_memory_equal(sig + n - 4, y, 4);
	assert_err(mlab_share_signed(x, y, sizeof y, sig, 3, &n), MLAB_E_NOSPACE);
	free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_transcript_frame_is_header_and_body),
	    cmocka_unit_test(test_transcript_out_takes_what_was_written),
	    cmocka_unit_test(test_keys_and_finished_over_a_transcript),
	    cmocka_unit_test(test_share_decode),
	    cmocka_unit_test(test_share_accept),
	    cmocka_unit_test(test_share_send_and_signed_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
