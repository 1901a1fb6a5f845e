/* Checked EVP wrappers (see mlab_crypto.h). */
#include "mlab_crypto.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "mlab_err.h"
#include "mlab_wire.h"

int mlab_sha256(const void *data, size_t len, uint8_t out[MLAB_SHA256_LEN])
{
	unsigned n = 0;
	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == MLAB_SHA256_LEN ? 0 : MLAB_E_CRYPTO;
}

int mlab_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len, uint8_t out[MLAB_SHA256_LEN])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0), OSSL_PARAM_END};
	size_t n = 0;
	int ok = ctx && EVP_MAC_init(ctx, key, key_len, params) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
		 EVP_MAC_final(ctx, out, &n, MLAB_SHA256_LEN) == 1 && n == MLAB_SHA256_LEN;

	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return ok ? 0 : MLAB_E_CRYPTO;
}

static int hkdf_run(int mode, const uint8_t *salt, size_t salt_len, const uint8_t *key, size_t key_len,
		    const void *info, size_t info_len, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[6], *p = params;
	static const uint8_t empty[1];
	int ok;

	*p++ = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(key_len ? key : empty), key_len);
	if (salt)
		*p++ =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)(salt_len ? salt : empty), salt_len);
	if (info)
		*p++ =
		    OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(info_len ? info : empty), info_len);
	*p = OSSL_PARAM_construct_end();
	ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : MLAB_E_CRYPTO;
}

int mlab_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		      uint8_t prk[MLAB_SHA256_LEN])
{
	/* RFC 5869 §2.2: no salt means HashLen zero bytes. */
	static const uint8_t zeros[MLAB_SHA256_LEN];
	if (!salt || salt_len == 0) {
		salt = zeros;
		salt_len = sizeof zeros;
	}
	return hkdf_run(EVP_KDF_HKDF_MODE_EXTRACT_ONLY, salt, salt_len, ikm, ikm_len, NULL, 0, prk, MLAB_SHA256_LEN);
}

int mlab_hkdf_expand(const uint8_t prk[MLAB_SHA256_LEN], const void *info, size_t info_len, uint8_t *out,
		     size_t out_len)
{
	if (out_len == 0 || out_len > 255 * MLAB_SHA256_LEN)
		return MLAB_E_ARG;
	return hkdf_run(EVP_KDF_HKDF_MODE_EXPAND_ONLY, NULL, 0, prk, MLAB_SHA256_LEN, info ? info : "", info_len, out,
			out_len);
}

int mlab_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, const void *info,
	      size_t info_len, uint8_t *out, size_t out_len)
{
	uint8_t prk[MLAB_SHA256_LEN];
	int e = mlab_hkdf_extract(salt, salt_len, ikm, ikm_len, prk);
	if (e == 0)
		e = mlab_hkdf_expand(prk, info, info_len, out, out_len);
	OPENSSL_cleanse(prk, sizeof prk);
	return e;
}

static const EVP_CIPHER *aead_cipher(unsigned cipher)
{
	switch (cipher) {
	case MLAB_CIPHER_CHACHA20_POLY1305:
		return EVP_chacha20_poly1305();
	case MLAB_CIPHER_AES_256_GCM:
		return EVP_aes_256_gcm();
	default:
		return NULL;
	}
}

static int aead_run(int enc, unsigned cipher, const uint8_t *key, const uint8_t *iv, const uint8_t *aad, size_t aad_len,
		    const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	const EVP_CIPHER *c = aead_cipher(cipher);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, e = MLAB_E_CRYPTO;
	uint8_t scratch[1];

	if (!c || len > INT32_MAX || aad_len > INT32_MAX) {
		e = MLAB_E_ARG;
		goto out;
	}
	/* The IV length is fixed at 12 before the key and IV go in; the tag is
	 * set before decryption so that a missing tag cannot pass. */
	if (!ctx || EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, MLAB_AEAD_IV, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, MLAB_AEAD_TAG, tag) != 1)
		goto out;
	if (aad_len && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto out;
	if (len && (EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1 || (size_t)n != len))
		goto out;
	if (EVP_CipherFinal_ex(ctx, len ? out + len : scratch, &n) != 1) {
		e = enc ? MLAB_E_CRYPTO : MLAB_E_RECORD_AUTH;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, MLAB_AEAD_TAG, tag) != 1)
		goto out;
	e = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (e != 0 && !enc && len)
		OPENSSL_cleanse(out, len); /* never release unauthenticated plaintext */
	return e;
}

int mlab_aead_seal(unsigned cipher, const uint8_t key[MLAB_AEAD_KEY], const uint8_t iv[MLAB_AEAD_IV],
		   const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct,
		   uint8_t tag[MLAB_AEAD_TAG])
{
	return aead_run(1, cipher, key, iv, aad, aad_len, pt, len, ct, tag);
}

int mlab_aead_open(unsigned cipher, const uint8_t key[MLAB_AEAD_KEY], const uint8_t iv[MLAB_AEAD_IV],
		   const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[MLAB_AEAD_TAG],
		   uint8_t *pt)
{
	return aead_run(0, cipher, key, iv, aad, aad_len, ct, len, pt, (uint8_t *)tag);
}

int mlab_ed25519_generate(EVP_PKEY **key)
{
	*key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return *key ? 0 : MLAB_E_CRYPTO;
}

int mlab_ed25519_from_raw_private(const uint8_t seed[32], EVP_PKEY **key)
{
	*key = EVP_PKEY_new_raw_private_key_ex(NULL, "ED25519", NULL, seed, 32);
	return *key ? 0 : MLAB_E_CRYPTO;
}

int mlab_ed25519_from_raw_public(const uint8_t pub[32], EVP_PKEY **key)
{
	*key = EVP_PKEY_new_raw_public_key_ex(NULL, "ED25519", NULL, pub, 32);
	return *key ? 0 : MLAB_E_SIG_INVALID;
}

int mlab_ed25519_raw_public(const EVP_PKEY *key, uint8_t pub[32])
{
	size_t n = 32;
	return EVP_PKEY_get_raw_public_key(key, pub, &n) == 1 && n == 32 ? 0 : MLAB_E_CRYPTO;
}

int mlab_ed25519_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 64;
	int ok = ctx && EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL) == 1 &&
		 EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n == 64;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : MLAB_E_CRYPTO;
}

int mlab_ed25519_verify(EVP_PKEY *key, const void *msg, size_t len, const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx;
	int r;

	if (sig_len != 64)
		return MLAB_E_SIG_LENGTH;
	if (!(ctx = EVP_MD_CTX_new()))
		return MLAB_E_NOMEM;
	r = EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key, NULL);
	if (r == 1)
		r = EVP_DigestVerify(ctx, sig, sig_len, msg, len);
	EVP_MD_CTX_free(ctx);
	return r == 1 ? 0 : MLAB_E_SIG_INVALID;
}

static int key_check_type(EVP_PKEY **key)
{
	if (*key && EVP_PKEY_is_a(*key, "ED25519"))
		return 0;
	EVP_PKEY_free(*key);
	*key = NULL;
	return MLAB_E_KEYFILE;
}

int mlab_key_load_private(const char *path, EVP_PKEY **key)
{
	FILE *f = fopen(path, "r");
	*key = NULL;
	if (!f)
		return MLAB_E_KEYFILE;
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return key_check_type(key);
}

int mlab_key_load_public(const char *path, EVP_PKEY **key)
{
	FILE *f = fopen(path, "r");
	*key = NULL;
	if (!f)
		return MLAB_E_KEYFILE;
	*key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	return key_check_type(key);
}

int mlab_key_save(const char *priv_path, const char *pub_path, EVP_PKEY *key)
{
	mode_t old = umask(077); /* the private key is readable by its owner only */
	FILE *f = fopen(priv_path, "w");
	int ok = f && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1;

	umask(old);
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok)
		return MLAB_E_KEYFILE;
	f = fopen(pub_path, "w");
	ok = f && PEM_write_PUBKEY(f, key) == 1;
	if (f && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : MLAB_E_KEYFILE;
}

void mlab_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int mlab_unhex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(s);
	*len = 0;
	if (n % 2)
		return MLAB_E_BAD_FIELD;
	for (size_t i = 0; i < n; i += 2) {
		int hi = nibble(s[i]), lo = nibble(s[i + 1]);
		if (hi < 0 || lo < 0) {
			*len = 0;
			return MLAB_E_BAD_FIELD;
		}
		if (i / 2 < cap)
			out[(*len)++] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int mlab_key_id(const void *data, size_t len, char out[9])
{
	uint8_t h[MLAB_SHA256_LEN];
	int e = mlab_sha256(data, len, h);
	if (e == 0)
		mlab_hex(h, 4, out);
	return e;
}

int mlab_random(void *out, size_t n)
{
	return n <= INT32_MAX && RAND_bytes(out, (int)n) == 1 ? 0 : MLAB_E_CRYPTO;
}
