/* Interim RSA-OAEP wrapper so the engine builds: replaced by the rsa branch
 * (implicit rejection without an oracle, bounded key files, key ids). */
#include "mlab_rsa.h"
#include <stdio.h>
#include <string.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "mlab_crypto.h"
#include "mlab_err.h"
int mlab_rsa_generate(unsigned bits, EVP_PKEY **key)
{
	*key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	return *key ? 0 : MLAB_E_CRYPTO;
}
int mlab_rsa_save(const char *a, const char *b, EVP_PKEY *k)
{
	FILE *f = fopen(a, "w");
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	f = fopen(b, "w");
	PEM_write_PUBKEY(f, k);
	fclose(f);
	return 0;
}
int mlab_rsa_load_private(const char *p, EVP_PKEY **k)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return MLAB_E_KEYFILE;
	*k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return *k && EVP_PKEY_is_a(*k, "RSA") ? 0 : MLAB_E_KEYFILE;
}
int mlab_rsa_load_public(const char *p, EVP_PKEY **k)
{
	FILE *f = fopen(p, "r");
	if (!f)
		return MLAB_E_KEYFILE;
	*k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	return *k && EVP_PKEY_is_a(*k, "RSA") ? 0 : MLAB_E_KEYFILE;
}
static EVP_PKEY_CTX *oaep(EVP_PKEY *k, int enc)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	if (!c || (enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md_name(c, "SHA256", NULL) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, "SHA256", NULL) != 1) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return c;
}
int mlab_rsa_encrypt_premaster(EVP_PKEY *pub, const uint8_t pm[32], uint8_t *ct, size_t cap, size_t *n)
{
	EVP_PKEY_CTX *c = oaep(pub, 1);
	*n = cap;
	int ok = c && EVP_PKEY_encrypt(c, ct, n, pm, 32) == 1;
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : MLAB_E_CRYPTO;
}
int mlab_rsa_decrypt_premaster(EVP_PKEY *priv, const uint8_t *ct, size_t len, uint8_t pm[32])
{
	uint8_t out[512];
	size_t n = sizeof out;
	if (len != (size_t)EVP_PKEY_get_size(priv))
		return MLAB_E_BAD_FIELD;
	EVP_PKEY_CTX *c = oaep(priv, 0);
	int ok = c && EVP_PKEY_decrypt(c, out, &n, ct, len) == 1 && n == 32;
	EVP_PKEY_CTX_free(c);
	if (ok)
		memcpy(pm, out, 32);
	else
		memset(pm, 0x5a, 32);
	return 0;
}
int mlab_rsa_key_id(EVP_PKEY *key, char out[9])
{
	(void)key;
	strcpy(out, "00000000");
	return 0;
}
