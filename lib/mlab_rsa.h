/* RSA key transport (the classic TLS-RSA handshake): alice picks a 32-byte
 * premaster secret and encrypts it to bob's long-term RSA key; only bob can
 * recover it, so no Diffie-Hellman takes place and no signature is needed to
 * authenticate bob. (Nor is there forward secrecy: whoever later obtains
 * bob's private key decrypts every recorded handshake.)
 *
 * Encryption is RSAES-OAEP (RFC 8017 §7.1) with SHA-256, MGF1-SHA-256 and an
 * empty label, the same as `openssl pkeyutl -pkeyopt rsa_padding_mode:oaep
 * -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256`. Keys are 2048 to
 * 4096 bits; anything else, or a key that is not RSA, is refused.
 *
 * Decryption uses implicit rejection: for every ciphertext of the right
 * length it succeeds and yields 32 bytes. When the ciphertext does not decrypt
 * (bad OAEP padding, a message of another length, a value >= n) those bytes
 * are HMAC-SHA256 of the ciphertext under a secret derived from the private
 * key: deterministic, unpredictable without the key, and selected in constant
 * time. A server that said "bad padding" (an error, an alert, a shorter
 * response time) would be a decryption oracle: Manger's attack (CRYPTO 2001)
 * recovers a premaster from about a thousand such queries, and Bleichenbacher's
 * attack does the same against PKCS#1 v1.5. Here the caller sees no
 * difference; a forged ciphertext only makes the handshake fail later, at
 * Finished, as any wrong key does. */
#ifndef MLAB_RSA_H
#define MLAB_RSA_H

#include <stddef.h>
#include <stdint.h>

#define MLAB_PREMASTER_LEN 32
#define MLAB_RSA_BITS 2048 /* the size mitmlab-keygen --rsa makes */
#define MLAB_RSA_MIN_BITS 2048
#define MLAB_RSA_MAX_BITS 4096
#define MLAB_RSA_MAX_CT 512	/* the largest ciphertext: a 4096-bit modulus */
#define MLAB_RSA_FILE_MAX 16384 /* a key file larger than this is refused (4096-bit PEM: ~3.3 KB) */

typedef struct evp_pkey_st EVP_PKEY;

/* A fresh key of bits (MLAB_RSA_MIN_BITS..MLAB_RSA_MAX_BITS, else MLAB_E_ARG),
 * public exponent 65537. */
int mlab_rsa_generate(unsigned bits, EVP_PKEY **key);

/* priv_path gets the private key (PKCS#8 PEM, mode 0600), pub_path the public
 * key (SubjectPublicKeyInfo PEM, mode 0644), whatever the umask. Each is
 * written to a fresh temporary file beside it (0600 from creation) and renamed
 * into place, so a reader never sees half a file, and a symlink at the path
 * is replaced, never followed. MLAB_E_KEYFILE when a file cannot be written. */
int mlab_rsa_save(const char *priv_path, const char *pub_path, EVP_PKEY *key);

/* Read a PEM file of at most MLAB_RSA_FILE_MAX bytes (a regular file; a FIFO
 * does not block). MLAB_E_KEYFILE when it cannot be read, does not parse, is
 * passphrase-protected (no prompt is ever shown), is not an RSA key, has a
 * modulus outside 2048..4096 bits or an even or too small exponent, or (private)
 * fails OpenSSL's pairwise consistency check. *key is NULL on error. */
int mlab_rsa_load_private(const char *path, EVP_PKEY **key);
int mlab_rsa_load_public(const char *path, EVP_PKEY **key);

/* OAEP-encrypts pm to pub: *ct_len becomes the modulus size in bytes.
 * MLAB_E_NOSPACE when cap is smaller than that; MLAB_E_ARG for a key that
 * load_public would refuse. */
int mlab_rsa_encrypt_premaster(EVP_PKEY *pub, const uint8_t pm[MLAB_PREMASTER_LEN], uint8_t *ct, size_t cap,
			       size_t *ct_len);

/* Implicit rejection (see above): returns 0 and fills pm for every ct of
 * exactly the modulus size, whether it decrypts or not. The only other
 * answers do not depend on the ciphertext's content: MLAB_E_BAD_FIELD when
 * ct_len is not the modulus size (a framing error, visible to anyone who knows
 * the public key), MLAB_E_ARG for a key that is not an acceptable RSA private
 * key, MLAB_E_CRYPTO when the library fails; pm is then zero. */
int mlab_rsa_decrypt_premaster(EVP_PKEY *priv, const uint8_t *ct, size_t ct_len, uint8_t pm[MLAB_PREMASTER_LEN]);

/* The lab's short key id, as for Ed25519 keys (mlab_key_id): the first 4
 * bytes of SHA-256 over the DER SubjectPublicKeyInfo, as 8 hex digits. */
int mlab_rsa_key_id(EVP_PKEY *key, char out[9]);

#endif
