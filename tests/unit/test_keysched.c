/* The transcript, key and Finished pieces both the honest engine and mallory
 * use (lib/mlab_keysched.h): one implementation, so one test of its contract. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mlab_err.h"
#include "mlab_keysched.h"

static void test_frame_is_header_then_body(void **state)
{
	(void)state;
	struct mlab_transcript a, b;
	uint8_t body[] = {1, 2, 3}, hdr[MLAB_FRAME_HDR], ha[MLAB_SHA256_LEN], hb[MLAB_SHA256_LEN];
	struct mlab_wr w;
	assert_int_equal(mlab_transcript_init(&a), 0);
	assert_int_equal(mlab_transcript_init(&b), 0);
	assert_int_equal(mlab_transcript_frame(&a, MLAB_MSG_FINISHED, body, sizeof body), 0);
	mlab_wr_init(&w, hdr, sizeof hdr);
	assert_int_equal(mlab_frame_put_hdr(&w, MLAB_MSG_FINISHED, sizeof body), 0);
	assert_int_equal(mlab_transcript_add(&b, hdr, sizeof hdr), 0);
	assert_int_equal(mlab_transcript_add(&b, body, sizeof body), 0);
	assert_int_equal(mlab_transcript_hash(&a, ha), 0);
	assert_int_equal(mlab_transcript_hash(&b, hb), 0);
	assert_memory_equal(ha, hb, sizeof ha);
	mlab_transcript_free(&a);
	mlab_transcript_free(&b);
}

/* What one side sends, the other (the same transcript, the same keys) checks;
 * a changed bit, another key or another transcript fail; the sent frame is in
 * the sender's transcript afterwards. */
static void test_finished_send_and_check(void **state)
{
	(void)state;
	struct mlab_transcript s, r;
	struct mlab_keys ks, kr;
	uint8_t secret[32], buf[128], before[MLAB_SHA256_LEN], after[MLAB_SHA256_LEN], hello[] = "hello";
	struct mlab_wr out;
	struct mlab_rd rd;
	uint8_t type;
	const uint8_t *body;
	uint32_t len;
	memset(secret, 7, sizeof secret);
	assert_int_equal(mlab_transcript_init(&s), 0);
	assert_int_equal(mlab_transcript_init(&r), 0);
	assert_int_equal(mlab_transcript_frame(&s, MLAB_MSG_CLIENT_HELLO, hello, sizeof hello), 0);
	assert_int_equal(mlab_transcript_frame(&r, MLAB_MSG_CLIENT_HELLO, hello, sizeof hello), 0);
	assert_int_equal(mlab_keys_from_transcript(&s, secret, sizeof secret, &ks), 0);
	assert_int_equal(mlab_keys_from_transcript(&r, secret, sizeof secret, &kr), 0);
	assert_string_equal(ks.key_id, kr.key_id);

	assert_int_equal(mlab_transcript_hash(&s, before), 0);
	mlab_wr_init(&out, buf, sizeof buf);
	assert_int_equal(mlab_finished_send(&s, ks.fin_client, &out), 0);
	assert_int_equal(mlab_transcript_hash(&s, after), 0);
	assert_memory_not_equal(before, after, sizeof before);

	mlab_rd_init(&rd, buf, out.len);
	assert_int_equal(mlab_frame_next(&rd, &type, &body, &len), 0);
	assert_int_equal(type, MLAB_MSG_FINISHED);
	struct mlab_finished f;
	assert_int_equal(mlab_finished_decode(body, len, &f), 0);
	assert_int_equal(mlab_finished_check(&r, kr.fin_client, f.mac), 0);
	assert_int_equal(mlab_finished_check(&r, kr.fin_server, f.mac), MLAB_E_FINISHED); /* the other role's key */
	f.mac[5] ^= 1;
	assert_int_equal(mlab_finished_check(&r, kr.fin_client, f.mac), MLAB_E_FINISHED);
	f.mac[5] ^= 1;
	assert_int_equal(mlab_transcript_frame(&r, MLAB_MSG_SERVER_HELLO, hello, 1), 0); /* another transcript */
	assert_int_equal(mlab_finished_check(&r, kr.fin_client, f.mac), MLAB_E_FINISHED);
	mlab_keys_wipe(&ks);
	mlab_keys_wipe(&kr);
	mlab_transcript_free(&s);
	mlab_transcript_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_frame_is_header_then_body),
	    cmocka_unit_test(test_finished_send_and_check),
	};
	return cmocka_run_group_tests_name("keysched", tests, NULL, NULL);
}
