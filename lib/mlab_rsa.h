/* Interim RSA-OAEP wrapper so the engine builds: replaced by the rsa branch
 * (implicit rejection without an oracle, bounded key files, key ids). */
#ifndef MLAB_RSA_H
#define MLAB_RSA_H
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#define MLAB_PREMASTER_LEN 32
#define MLAB_RSA_BITS 2048
#define MLAB_RSA_MAX_CT 512
int mlab_rsa_generate(unsigned bits, EVP_PKEY **key);
int mlab_rsa_save(const char *priv_path, const char *pub_path, EVP_PKEY *key);
int mlab_rsa_load_private(const char *path, EVP_PKEY **key);
int mlab_rsa_load_public(const char *path, EVP_PKEY **key);
int mlab_rsa_encrypt_premaster(EVP_PKEY *pub, const uint8_t pm[MLAB_PREMASTER_LEN], uint8_t *ct, size_t cap,
			       size_t *ct_len);
int mlab_rsa_decrypt_premaster(EVP_PKEY *priv, const uint8_t *ct, size_t ct_len, uint8_t pm[MLAB_PREMASTER_LEN]);
int mlab_rsa_key_id(EVP_PKEY *key, char out[9]);
#endif
