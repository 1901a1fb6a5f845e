/* HKDF-SHA256 key schedule and Finished (see mlab_keysched.h). */
#include "mlab_keysched.h"

#include <string.h>

#include <openssl/crypto.h>

#include "mlab_err.h"
#include "mlab_wire.h"

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

int mlab_keysched_derive_tr(const struct mlab_transcript *tr, const uint8_t *secret, size_t secret_len,
			    struct mlab_keys *k)
{
	uint8_t th[MLAB_SHA256_LEN];
	int e = mlab_transcript_hash(tr, th);

	if (e != 0) {
		mlab_keys_wipe(k);
		return e;
	}
	return mlab_keysched_derive(secret, secret_len, th, k);
}

int mlab_finished_compute(const struct mlab_transcript *tr, const uint8_t fin_key[MLAB_SHA256_LEN],
			  uint8_t mac[MLAB_SHA256_LEN])
{
	uint8_t th[MLAB_SHA256_LEN];
	int e = mlab_transcript_hash(tr, th);

	return e ? e : mlab_finished_mac(fin_key, th, mac);
}

int mlab_finished_verify(const struct mlab_transcript *tr, const uint8_t fin_key[MLAB_SHA256_LEN],
			 const uint8_t mac[MLAB_SHA256_LEN])
{
	uint8_t want[MLAB_SHA256_LEN];
	int e = mlab_finished_compute(tr, fin_key, want);

	if (e == 0 && CRYPTO_memcmp(want, mac, sizeof want) != 0)
		e = MLAB_E_FINISHED;
	OPENSSL_cleanse(want, sizeof want);
	return e;
}

int mlab_finished_send(struct mlab_transcript *tr, const uint8_t fin_key[MLAB_SHA256_LEN], struct mlab_wr *out)
{
	struct mlab_finished f;
	size_t start = out->len;
	int e;

	if ((e = mlab_finished_compute(tr, fin_key, f.mac)) != 0 || (e = mlab_finished_encode(out, &f)) != 0)
		return e;
	return mlab_transcript_out(tr, out, start);
}

void mlab_keys_wipe(struct mlab_keys *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}
