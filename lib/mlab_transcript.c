/* The handshake transcript (see mlab_transcript.h). */
#include "mlab_transcript.h"

#include <openssl/evp.h>

#include "mlab_err.h"
#include "mlab_wire.h"

int mlab_transcript_init(struct mlab_transcript *t)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		t->md = NULL;
		return MLAB_E_CRYPTO;
	}
	t->md = c;
	return 0;
}

int mlab_transcript_add(struct mlab_transcript *t, const void *p, size_t n)
{
	return t->md && EVP_DigestUpdate(t->md, p, n) == 1 ? 0 : MLAB_E_CRYPTO;
}

int mlab_transcript_frame(struct mlab_transcript *t, uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t hdr[MLAB_FRAME_HDR];
	struct mlab_wr w;
	int e;

	mlab_wr_init(&w, hdr, sizeof hdr);
	if ((e = mlab_frame_put_hdr(&w, type, len)) != 0 || (e = mlab_transcript_add(t, hdr, sizeof hdr)) != 0)
		return e;
	return len ? mlab_transcript_add(t, body, len) : 0;
}

int mlab_transcript_out(struct mlab_transcript *t, const struct mlab_wr *out, size_t start)
{
	if (start > out->len)
		return MLAB_E_ARG;
	return mlab_transcript_add(t, out->p + start, out->len - start);
}

int mlab_transcript_hash(const struct mlab_transcript *t, uint8_t out[MLAB_SHA256_LEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n = 0;
	int ok = c && t->md && EVP_MD_CTX_copy_ex(c, t->md) == 1 && EVP_DigestFinal_ex(c, out, &n) == 1 &&
		 n == MLAB_SHA256_LEN;
	EVP_MD_CTX_free(c);
	return ok ? 0 : MLAB_E_CRYPTO;
}

void mlab_transcript_free(struct mlab_transcript *t)
{
	EVP_MD_CTX_free(t->md);
	t->md = NULL;
}
