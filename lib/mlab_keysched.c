/* Transcript hash and HKDF-SHA256 key schedule (see mlab_keysched.h). */
#include "mlab_keysched.h"

#include <string.h>

#include <openssl/evp.h>

#include "mlab_err.h"

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

static int expand(const uint8_t *master, const char *label, uint8_t *out, size_t n)
{
	return mlab_hkdf_expand(master, label, strlen(label), out, n);
}

int mlab_keysched_derive(const uint8_t *secret, size_t secret_len, const uint8_t th[MLAB_SHA256_LEN],
			 struct mlab_keys *k)
{
	int e;

	memset(k, 0, sizeof *k);
	if ((e = mlab_hkdf_extract(th, MLAB_SHA256_LEN, secret, secret_len, k->master)) != 0 ||
	    (e = expand(k->master, "mitmlab v1 c2s key", k->c2s.key, sizeof k->c2s.key)) != 0 ||
	    (e = expand(k->master, "mitmlab v1 c2s iv", k->c2s.iv, sizeof k->c2s.iv)) != 0 ||
	    (e = expand(k->master, "mitmlab v1 s2c key", k->s2c.key, sizeof k->s2c.key)) != 0 ||
	    (e = expand(k->master, "mitmlab v1 s2c iv", k->s2c.iv, sizeof k->s2c.iv)) != 0 ||
	    (e = expand(k->master, "mitmlab v1 client finished", k->fin_client, sizeof k->fin_client)) != 0 ||
	    (e = expand(k->master, "mitmlab v1 server finished", k->fin_server, sizeof k->fin_server)) != 0 ||
	    (e = mlab_key_id(k->master, sizeof k->master, k->key_id)) != 0)
		mlab_keys_wipe(k);
	return e;
}

int mlab_finished_mac(const uint8_t fin_key[MLAB_SHA256_LEN], const uint8_t th[MLAB_SHA256_LEN],
		      uint8_t mac[MLAB_SHA256_LEN])
{
	return mlab_hmac_sha256(fin_key, MLAB_SHA256_LEN, th, MLAB_SHA256_LEN, mac);
}

void mlab_keys_wipe(struct mlab_keys *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}
