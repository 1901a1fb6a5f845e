/* Thin, checked wrappers over OpenSSL EVP: SHA-256, HMAC-SHA256, HKDF-SHA256
 * (RFC 5869), the AEADs (RFC 8439 ChaCha20-Poly1305, AES-256-GCM) and Ed25519
 * (RFC 8032). Every OpenSSL return value is checked here so callers only see
 * 0 or a negative MLAB_E_* code. */
#ifndef MLAB_CRYPTO_H
#define MLAB_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MLAB_SHA256_LEN 32
#define MLAB_AEAD_KEY 32
#define MLAB_AEAD_IV 12
#define MLAB_AEAD_TAG 16

int mlab_sha256(const void *data, size_t len, uint8_t out[MLAB_SHA256_LEN]);
int mlab_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len, uint8_t out[MLAB_SHA256_LEN]);
int mlab_hkdf_extract(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len,
		      uint8_t prk[MLAB_SHA256_LEN]);
/* MLAB_E_ARG when out_len > 255 * 32, as RFC 5869 §2.3 requires. */
int mlab_hkdf_expand(const uint8_t prk[MLAB_SHA256_LEN], const void *info, size_t info_len, uint8_t *out,
		     size_t out_len);
int mlab_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm, size_t ikm_len, const void *info,
	      size_t info_len, uint8_t *out, size_t out_len);

/* AEAD with a 32-byte key, a 12-byte nonce and a 16-byte tag, nothing else:
 * OpenSSL would accept short tags (and ChaCha20-Poly1305 no tag at all), so
 * the lengths are fixed here. cipher is an enum mlab_cipher (not NONE).
 * open returns MLAB_E_RECORD_AUTH when the tag does not verify. */
int mlab_aead_seal(unsigned cipher, const uint8_t key[MLAB_AEAD_KEY], const uint8_t iv[MLAB_AEAD_IV],
		   const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t len, uint8_t *ct,
		   uint8_t tag[MLAB_AEAD_TAG]);
int mlab_aead_open(unsigned cipher, const uint8_t key[MLAB_AEAD_KEY], const uint8_t iv[MLAB_AEAD_IV],
		   const uint8_t *aad, size_t aad_len, const uint8_t *ct, size_t len, const uint8_t tag[MLAB_AEAD_TAG],
		   uint8_t *pt);

/* Ed25519. Keys are EVP_PKEY; raw public keys are 32 bytes. */
typedef struct evp_pkey_st EVP_PKEY;
int mlab_ed25519_generate(EVP_PKEY **key);
int mlab_ed25519_from_raw_private(const uint8_t seed[32], EVP_PKEY **key);
int mlab_ed25519_from_raw_public(const uint8_t pub[32], EVP_PKEY **key);
int mlab_ed25519_raw_public(const EVP_PKEY *key, uint8_t pub[32]);
int mlab_ed25519_sign(EVP_PKEY *key, const void *msg, size_t len, uint8_t sig[64]);
/* MLAB_E_SIG_INVALID unless sig is a valid signature of msg. */
int mlab_ed25519_verify(EVP_PKEY *key, const void *msg, size_t len, const uint8_t *sig, size_t sig_len);
/* PEM files: a private key (PKCS#8) and its public key (SubjectPublicKeyInfo).
 * Reading refuses anything but Ed25519 with MLAB_E_KEYFILE. */
int mlab_key_load_private(const char *path, EVP_PKEY **key);
int mlab_key_load_public(const char *path, EVP_PKEY **key);
int mlab_key_save(const char *priv_path, const char *pub_path, EVP_PKEY *key);

/* The lab's short fingerprint: first 4 bytes of SHA-256, as 8 hex digits. */
int mlab_key_id(const void *data, size_t len, char out[9]);
void mlab_hex(const uint8_t *p, size_t n, char *out); /* out holds 2n+1 */
/* Hex (either case) back to bytes: the whole string must be hex digits of
 * even length (else MLAB_E_BAD_FIELD); its first cap bytes go to out and
 * *len says how many. */
int mlab_unhex(const char *s, uint8_t *out, size_t cap, size_t *len);
int mlab_random(void *out, size_t n);

#endif
