/* AEAD record protection (see mlab_record.h). */
#include "mlab_record.h"

#include <string.h>

#include <openssl/crypto.h>

#include "mlab_err.h"
#include "mlab_wire.h"

void mlab_rec_init(struct mlab_rec *r, unsigned cipher, const struct mlab_dir_keys *k)
{
	r->cipher = cipher;
	r->k = *k;
	r->seq = 0;
}

static void rec_nonce(const struct mlab_rec *r, uint64_t seq, uint8_t nonce[MLAB_AEAD_IV])
{
	memcpy(nonce, r->k.iv, MLAB_AEAD_IV);
	for (int i = 0; i < 8; i++)
		nonce[MLAB_AEAD_IV - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* AAD: frame header and sequence number. */
static void rec_aad(size_t body_len, uint64_t seq, uint8_t aad[MLAB_FRAME_HDR + 8])
{
	struct mlab_wr w;
	mlab_wr_init(&w, aad, MLAB_FRAME_HDR + 8);
	(void)mlab_frame_put_hdr(&w, MLAB_MSG_RECORD, body_len);
	(void)mlab_wr_u64(&w, seq);
}

int mlab_rec_seal(struct mlab_rec *r, uint8_t content, const uint8_t *data, size_t len, struct mlab_wr *out)
{
	uint8_t pt[1 + MLAB_MAX_PLAINTEXT], nonce[MLAB_AEAD_IV], aad[MLAB_FRAME_HDR + 8], *ct;
	size_t tag = r->cipher == MLAB_CIPHER_NONE ? 0 : MLAB_AEAD_TAG;
	size_t body = MLAB_SEQ_LEN + 1 + len + tag, start = out->len;
	int e;

	if (len > MLAB_MAX_PLAINTEXT)
		return MLAB_E_TOO_LONG;
	if (content != MLAB_CONTENT_DATA && content != MLAB_CONTENT_CLOSE)
		return MLAB_E_ARG;
	/* The last sequence number is never used: the session must end first. */
	if (r->seq == UINT64_MAX)
		return MLAB_E_SEQ_WRAP;
	pt[0] = content;
	if (len)
		memcpy(pt + 1, data, len);
	if ((e = mlab_frame_put_hdr(out, MLAB_MSG_RECORD, body)) != 0 || (e = mlab_wr_u64(out, r->seq)) != 0 ||
	    (e = mlab_wr_reserve(out, &ct, 1 + len + tag)) != 0)
		goto out;
	if (tag == 0) {
		memcpy(ct, pt, 1 + len);
	} else {
		rec_nonce(r, r->seq, nonce);
		rec_aad(body, r->seq, aad);
		e = mlab_aead_seal(r->cipher, r->k.key, nonce, aad, sizeof aad, pt, 1 + len, ct, ct + 1 + len);
	}
out:
	OPENSSL_cleanse(pt, 1 + len);
	if (e != 0)
		out->len = start;
	else
		r->seq++;
	return e;
}

int mlab_rec_open(struct mlab_rec *r, const uint8_t *body, size_t len, uint8_t *content, uint8_t *out, size_t *out_len)
{
	uint8_t pt[1 + MLAB_MAX_PLAINTEXT], nonce[MLAB_AEAD_IV], aad[MLAB_FRAME_HDR + 8];
	size_t tag = r->cipher == MLAB_CIPHER_NONE ? 0 : MLAB_AEAD_TAG;
	struct mlab_rd rd;
	const uint8_t *ct;
	uint64_t seq;
	size_t n;
	int e;

	mlab_rd_init(&rd, body, len);
	if ((e = mlab_rd_u64(&rd, &seq)) != 0)
		return e;
	if (mlab_rd_left(&rd) < 1 + tag)
		return MLAB_E_TRUNCATED;
	n = mlab_rd_left(&rd) - tag;
	if (n > 1 + MLAB_MAX_PLAINTEXT)
		return MLAB_E_TOO_LONG;
	if (seq < r->seq)
		return MLAB_E_REPLAY;
	if (seq > r->seq)
		return MLAB_E_REORDER;
	if (r->seq == UINT64_MAX)
		return MLAB_E_SEQ_WRAP;
	(void)mlab_rd_view(&rd, &ct, n);
	if (tag == 0) {
		memcpy(pt, ct, n);
	} else {
		rec_nonce(r, seq, nonce);
		rec_aad(len, seq, aad);
		if ((e = mlab_aead_open(r->cipher, r->k.key, nonce, aad, sizeof aad, ct, n, ct + n, pt)) != 0)
			return e;
	}
	if (pt[0] != MLAB_CONTENT_DATA && pt[0] != MLAB_CONTENT_CLOSE) {
		e = MLAB_E_BAD_FIELD;
		goto out;
	}
	*content = pt[0];
	*out_len = n - 1;
	if (n > 1)
		memcpy(out, pt + 1, n - 1);
	r->seq++;
out:
	OPENSSL_cleanse(pt, n);
	return e;
}

void mlab_rec_wipe(struct mlab_rec *r)
{
	OPENSSL_cleanse(r, sizeof *r);
}
