/* RSA-OAEP key transport with implicit rejection (see mlab_rsa.h). */
#include "mlab_rsa.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "mlab_crypto.h"
#include "mlab_err.h"

#define PATH_CAP 4096

/* ======================================================================
 * Keys
 * ====================================================================== */

/* An RSA key (not RSA-PSS, which is for signatures) of 2048..4096 bits with
 * an odd exponent of at least 3: e = 1 would "encrypt" to the plaintext. */
static bool key_acceptable(const EVP_PKEY *key)
{
	BIGNUM *e = NULL;
	bool ok;

	if (!key || !EVP_PKEY_is_a(key, "RSA"))
		return false;
	int bits = EVP_PKEY_get_bits(key), size = EVP_PKEY_get_size(key);
	if (bits < MLAB_RSA_MIN_BITS || bits > MLAB_RSA_MAX_BITS || size <= 0 || size > MLAB_RSA_MAX_CT)
		return false;
	ok = EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) == 1 && BN_is_odd(e) && BN_num_bits(e) >= 2;
	BN_free(e);
	return ok;
}

int mlab_rsa_generate(unsigned bits, EVP_PKEY **key)
{
	if (!key)
		return MLAB_E_ARG;
	*key = NULL;
	if (bits < MLAB_RSA_MIN_BITS || bits > MLAB_RSA_MAX_BITS)
		return MLAB_E_ARG;
	*key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	return *key ? 0 : MLAB_E_CRYPTO;
}

/* Encrypted PEM must fail, not prompt on the terminal (OpenSSL's default
 * callback would read a passphrase from the tty). */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* The whole file into buf (cap bytes), refusing anything that is not a
 * regular file or is larger than cap. O_NONBLOCK: a FIFO in its place must
 * not hang the open. */
static int read_bounded(const char *path, char *buf, size_t cap, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	int e = MLAB_E_KEYFILE;

	*len = 0;
	if (fd < 0)
		return MLAB_E_KEYFILE;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)cap)
		goto out;
	/* st_size is only a hint (the file may grow): read up to cap + 1. */
	for (;;) {
		char extra;
		ssize_t n = *len < cap ? read(fd, buf + *len, cap - *len) : read(fd, &extra, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n > 0 && *len == cap))
			goto out;
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	e = 0;
out:
	close(fd);
	return e;
}

static int load(const char *path, bool private, EVP_PKEY **key)
{
	char buf[MLAB_RSA_FILE_MAX];
	size_t len = 0;
	BIO *bio = NULL;
	int e;

	if (!key)
		return MLAB_E_ARG;
	*key = NULL;
	if (!path)
		return MLAB_E_ARG;
	if ((e = read_bounded(path, buf, sizeof buf, &len)) != 0)
		goto out;
	e = MLAB_E_KEYFILE;
	if (len == 0 || !(bio = BIO_new_mem_buf(buf, (int)len)))
		goto out;
	*key = private ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
		       : PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	if (!key_acceptable(*key))
		goto out;
	if (private) {
		/* A corrupted key (n != p*q, wrong d or CRT values) would decrypt to
		 * garbage or leak its factors through faults: refuse it here. */
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, *key, NULL);
		bool ok = ctx && EVP_PKEY_pairwise_check(ctx) == 1;
		EVP_PKEY_CTX_free(ctx);
		if (!ok)
			goto out;
	}
	e = 0;
out:
	BIO_free(bio);
	OPENSSL_cleanse(buf, sizeof buf);
	ERR_clear_error();
	if (e != 0) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	return e;
}

int mlab_rsa_load_private(const char *path, EVP_PKEY **key)
{
	return load(path, true, key);
}

int mlab_rsa_load_public(const char *path, EVP_PKEY **key)
{
	return load(path, false, key);
}

/* PEM of the key, private (PKCS#8) or public (SubjectPublicKeyInfo), into a
 * fresh file beside path; *tmp names it. The PEM goes through a secure-heap
 * memory BIO (cleared when freed) rather than a stdio buffer. */
static int write_tmp(const char *path, EVP_PKEY *key, bool private, mode_t mode, char tmp[PATH_CAP])
{
	int n = snprintf(tmp, PATH_CAP, "%s.tmp-XXXXXX", path);
	if (n < 0 || n >= PATH_CAP)
		return MLAB_E_KEYFILE;
	BIO *bio = BIO_new(BIO_s_secmem());
	char *pem = NULL;
	long pem_len = 0;
	bool ok = bio && (private ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
				  : PEM_write_bio_PUBKEY(bio, key)) == 1;
	if (ok && (pem_len = BIO_get_mem_data(bio, &pem)) <= 0)
		ok = false;
	/* mkstemp creates the file 0600, so a private key is never readable by
	 * others, not even for a moment; fchmod then sets the exact mode whatever
	 * the umask. */
	int fd = ok ? mkstemp(tmp) : -1;
	if (fd < 0) {
		BIO_free(bio);
		return MLAB_E_KEYFILE;
	}
	ok = fchmod(fd, mode) == 0;
	for (size_t off = 0; ok && off < (size_t)pem_len;) {
		ssize_t w = write(fd, pem + off, (size_t)pem_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			ok = false;
		else
			off += (size_t)w;
	}
	if (ok && fsync(fd) != 0)
		ok = false;
	if (close(fd) != 0)
		ok = false;
	BIO_free(bio);
	if (!ok)
		unlink(tmp);
	return ok ? 0 : MLAB_E_KEYFILE;
}

int mlab_rsa_save(const char *priv_path, const char *pub_path, EVP_PKEY *key)
{
	char tmp_priv[PATH_CAP], tmp_pub[PATH_CAP];
	int e;

	if (!priv_path || !pub_path || !key_acceptable(key))
		return MLAB_E_ARG;
	/* Both files are complete before either is renamed into place. */
	if ((e = write_tmp(priv_path, key, true, 0600, tmp_priv)) != 0)
		return e;
	if ((e = write_tmp(pub_path, key, false, 0644, tmp_pub)) != 0) {
		unlink(tmp_priv);
		return e;
	}
	if (rename(tmp_priv, priv_path) != 0) {
		unlink(tmp_priv);
		unlink(tmp_pub);
		return MLAB_E_KEYFILE;
	}
	if (rename(tmp_pub, pub_path) != 0) {
		unlink(tmp_pub);
		return MLAB_E_KEYFILE;
	}
	return 0;
}

int mlab_rsa_key_id(EVP_PKEY *key, char out[9])
{
	unsigned char *der = NULL;
	int n, e;

	if (!key || !out || !EVP_PKEY_is_a(key, "RSA"))
		return MLAB_E_ARG;
	if ((n = i2d_PUBKEY(key, &der)) <= 0)
		return MLAB_E_CRYPTO;
	e = mlab_key_id(der, (size_t)n, out);
	OPENSSL_free(der);
	return e;
}

/* ======================================================================
 * OAEP
 * ====================================================================== */

/* An encryption or decryption context: OAEP, SHA-256, MGF1-SHA-256, no label.
 * The digest is set before the padding mode so that OpenSSL never fetches
 * its default, SHA-1; the MGF1 digest is set explicitly, as it would
 * otherwise follow the OAEP digest only by OpenSSL's convention. */
static EVP_PKEY_CTX *oaep_ctx(EVP_PKEY *key, bool encrypt)
{
	/* construct_utf8_string measures the strings: the OSSL_PARAM_utf8_string
	 * initializer with size 0 would pass empty names to the provider. */
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, (char *)OSSL_PKEY_RSA_PAD_MODE_OAEP, 0),
	    OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	int r = !ctx ? 0 : encrypt ? EVP_PKEY_encrypt_init_ex(ctx, params) : EVP_PKEY_decrypt_init_ex(ctx, params);
	if (r != 1) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int mlab_rsa_encrypt_premaster(EVP_PKEY *pub, const uint8_t pm[MLAB_PREMASTER_LEN], uint8_t *ct, size_t cap,
			       size_t *ct_len)
{
	EVP_PKEY_CTX *ctx;
	size_t n;
	int e = MLAB_E_CRYPTO;

	if (ct_len)
		*ct_len = 0;
	if (!pm || !ct || !ct_len || !key_acceptable(pub))
		return MLAB_E_ARG;
	n = (size_t)EVP_PKEY_get_size(pub);
	if (cap < n)
		return MLAB_E_NOSPACE;
	if (!(ctx = oaep_ctx(pub, true)))
		goto out;
	if (EVP_PKEY_encrypt(ctx, ct, &n, pm, MLAB_PREMASTER_LEN) != 1 || n != (size_t)EVP_PKEY_get_size(pub))
		goto out;
	*ct_len = n;
	e = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return e;
}

/* ---------------------------------------------------------------- implicit rejection */

/* Constant-time helpers. A mask is 0x00 or 0xff; it is built with arithmetic
 * only, and passes through a volatile so the compiler cannot see that it has
 * two values and turn the selection below back into a branch. */
static uint8_t ct_barrier(uint8_t v)
{
	volatile uint8_t t = v;
	return t;
}

/* 0xff when a == b, else 0x00, without a comparison. */
static uint8_t ct_eq_mask(size_t a, size_t b)
{
	size_t x = a ^ b;
	size_t nonzero = (x | (0 - x)) >> (sizeof(size_t) * CHAR_BIT - 1); /* 1 iff x != 0 */
	return ct_barrier((uint8_t)(0u - (unsigned)(1 - nonzero)));
}

static const char REJECT_LABEL[] = "mitmlab rsa-oaep implicit rejection v1";

/* The value a failed decryption yields: HMAC-SHA256(kdk, ct), where the key
 * derivation key kdk = HMAC-SHA256(d, label) comes from the private exponent
 * d (big-endian, padded to the modulus size) and so is secret and fixed for
 * the key. The same forged ciphertext always gives the same premaster (a
 * retry cannot tell a real decryption from a rejection by seeing the value
 * change), and two keys never share their rejection values. */
static int reject_value(EVP_PKEY *priv, const uint8_t *ct, size_t ct_len, uint8_t out[MLAB_PREMASTER_LEN])
{
	uint8_t d_bytes[MLAB_RSA_MAX_CT], kdk[MLAB_SHA256_LEN];
	size_t k = (size_t)EVP_PKEY_get_size(priv);
	BIGNUM *d = NULL;
	int e = MLAB_E_ARG; /* no d: not a private key */

	if (EVP_PKEY_get_bn_param(priv, OSSL_PKEY_PARAM_RSA_D, &d) != 1 || !d)
		goto out;
	e = MLAB_E_CRYPTO;
	if (BN_bn2binpad(d, d_bytes, (int)k) != (int)k)
		goto out;
	if ((e = mlab_hmac_sha256(d_bytes, k, REJECT_LABEL, sizeof REJECT_LABEL - 1, kdk)) == 0)
		e = mlab_hmac_sha256(kdk, sizeof kdk, ct, ct_len, out);
out:
	BN_clear_free(d);
	OPENSSL_cleanse(d_bytes, sizeof d_bytes);
	OPENSSL_cleanse(kdk, sizeof kdk);
	return e;
}

int mlab_rsa_decrypt_premaster(EVP_PKEY *priv, const uint8_t *ct, size_t ct_len, uint8_t pm[MLAB_PREMASTER_LEN])
{
	uint8_t out[MLAB_RSA_MAX_CT], reject[MLAB_PREMASTER_LEN];
	size_t out_len = sizeof out;
	EVP_PKEY_CTX *ctx = NULL;
	int e;

	if (!pm)
		return MLAB_E_ARG;
	memset(pm, 0, MLAB_PREMASTER_LEN);
	if (!ct || !key_acceptable(priv))
		return MLAB_E_ARG;
	/* The length is public (it is the modulus size): refusing another one
	 * tells an attacker nothing. */
	if (ct_len != (size_t)EVP_PKEY_get_size(priv))
		return MLAB_E_BAD_FIELD;

	/* Both candidates are computed every time, the rejection value first, so
	 * the work done does not depend on whether the ciphertext is valid. */
	if ((e = reject_value(priv, ct, ct_len, reject)) != 0)
		return e;
	memset(out, 0, sizeof out);
	if (!(ctx = oaep_ctx(priv, false))) {
		e = MLAB_E_CRYPTO;
		goto out;
	}
	/* OpenSSL's OAEP decoding (RSA_padding_check_PKCS1_OAEP_mgf1) checks the
	 * padding in constant time, and its provider turns the result into
	 * (r, out_len) with constant-time selects; it also raises an error on the
	 * error queue in both cases, marking it cleared when the padding was good,
	 * so the queue's shape does not differ either. What it does not do (unlike
	 * the implicit rejection OpenSSL 3.2 added for PKCS#1 v1.5) is hide the
	 * failure from its caller: r says it. So r is never branched on: it and the
	 * length become a mask, and the mask picks, byte by byte, the decrypted
	 * premaster or the rejection value. The one early exit inside OpenSSL is a
	 * ciphertext >= n, which anyone with the public key can see for
	 * themselves. (This machine has OpenSSL 3.0; nothing here relies on 3.2.) */
	int r = EVP_PKEY_decrypt(ctx, out, &out_len, ct, ct_len);
	uint8_t good = (uint8_t)(ct_eq_mask((size_t)(unsigned)r, 1) & ct_eq_mask(out_len, MLAB_PREMASTER_LEN));
	for (size_t i = 0; i < MLAB_PREMASTER_LEN; i++)
		pm[i] = (uint8_t)((out[i] & good) | (reject[i] & (uint8_t)~good));
	e = 0;
out:
	/* Unconditionally: the queue holds an entry after either outcome. */
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_cleanse(out, sizeof out);
	OPENSSL_cleanse(reject, sizeof reject);
	return e;
}
