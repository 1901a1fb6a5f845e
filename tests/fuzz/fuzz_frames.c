/* libFuzzer harness (make fuzz): arbitrary bytes as a stream of frames into
 * a responder engine and into an initiator engine that has sent its hello,
 * and as bodies for every decoder. Any crash, leak, hang or sanitizer report
 * is a bug: hostile input must only ever end in an error code. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "mlab_kex.h"

static uint8_t out_buf[4 * MLAB_MAX_FRAME];
static uint8_t data_buf[MLAB_MAX_PLAINTEXT];

static void feed(struct mlab_kex *k, const uint8_t *p, size_t n)
{
	struct mlab_rd r;
	struct mlab_wr w;
	uint8_t type, content;
	const uint8_t *body;
	uint32_t len;
	size_t dlen;

	mlab_rd_init(&r, p, n);
	mlab_wr_init(&w, out_buf, sizeof out_buf);
	while (mlab_frame_next(&r, &type, &body, &len) == 0) {
		w.len = 0;
		if (type == MLAB_MSG_RECORD)
			(void)mlab_kex_open(k, body, len, &content, data_buf, &dlen, &w);
		else
			(void)mlab_kex_input(k, type, body, len, &w);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *key, *pub;
	struct mlab_kex_config cfg = {
	    .modes = {MLAB_MODE_NONE, MLAB_MODE_SIGN},
	    .n_modes = 2,
	    .groups = {MLAB_GROUP_X25519, MLAB_GROUP_FFDHE2048},
	    .n_groups = 2,
	    .ciphers = {MLAB_CIPHER_CHACHA20_POLY1305, MLAB_CIPHER_NONE},
	    .n_ciphers = 2,
	    .validate_shares = true,
	};
	struct mlab_kex k;
	struct mlab_wr w;

	if (!key) {
		uint8_t raw[32];
		if (mlab_ed25519_generate(&key) || mlab_ed25519_raw_public(key, raw) ||
		    mlab_ed25519_from_raw_public(raw, &pub))
			return 0;
	}
	cfg.own_key = key;
	cfg.peer_key = pub;

	cfg.role = MLAB_RESPONDER;
	if (mlab_kex_init(&k, &cfg, NULL) == 0)
		feed(&k, data, size);
	mlab_kex_free(&k);

	cfg.role = MLAB_INITIATOR;
	mlab_wr_init(&w, out_buf, sizeof out_buf);
	if (mlab_kex_init(&k, &cfg, NULL) == 0 && mlab_kex_start(&k, &w) == 0)
		feed(&k, data, size);
	mlab_kex_free(&k);

	struct mlab_client_hello ch;
	struct mlab_server_hello sh;
	struct mlab_key_share ks;
	struct mlab_signature sg;
	struct mlab_finished fin;
	struct mlab_alert al;
	(void)mlab_client_hello_decode(data, size, &ch);
	(void)mlab_server_hello_decode(data, size, &sh);
	(void)mlab_key_share_decode(data, size, &ks);
	(void)mlab_signature_decode(data, size, &sg);
	(void)mlab_finished_decode(data, size, &fin);
	(void)mlab_alert_decode(data, size, &al);
	return 0;
}
