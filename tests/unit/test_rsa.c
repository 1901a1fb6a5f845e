/* Unit tests for lib/mlab_rsa (RSA-OAEP key transport with implicit
 * rejection).
 *
 * Two 2048-bit keys (bob's and another) are made once per run; files go into
 * one mkdtemp directory under /tmp, removed at the end. Besides our own round
 * trips: the Wycheproof RSA-OAEP-SHA256 vectors (tests/vectors/wycheproof/,
 * found through $MLAB_SRC) and the openssl command line (code nobody here
 * wrote) in both directions; the build's own bin/keys/bob-rsa.* when $MLAB_BIN
 * is set. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "test_util.h"
#include "wycheproof.h"

#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_rsa.h"

#define K2048 256 /* bytes of a 2048-bit modulus */

struct fx {
	char dir[64];
	EVP_PKEY *bob;	   /* private */
	EVP_PKEY *bob_pub; /* read back from bob.pub */
	EVP_PKEY *other;   /* another private key */
};

/* ---------------------------------------------------------------- helpers */

static void path_in(const struct fx *f, const char *name, char out[256])
{
	int n = snprintf(out, 256, "%s/%s", f->dir, name);
	assert_true(n > 0 && n < 256);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void write_pem(const char *path, EVP_PKEY *key, int private)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(private ? PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL) : PEM_write_PUBKEY(fp, key),
			 1);
	assert_int_equal(fclose(fp), 0);
}

/* A public key with a random modulus of exactly `bits` bits and exponent e:
 * enough to test sizes without generating primes. */
static EVP_PKEY *fake_public(int bits, unsigned long e_word)
{
	BIGNUM *n = BN_new(), *e = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;

	assert_true(n && e && bld && ctx);
	assert_int_equal(BN_rand(n, bits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ODD), 1);
	assert_int_equal(BN_set_word(e, e_word), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e), 1);
	assert_non_null(params = OSSL_PARAM_BLD_to_param(bld));
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	BN_free(n);
	BN_free(e);
	return key;
}

static void random_pm(uint8_t pm[MLAB_PREMASTER_LEN])
{
	assert_int_equal(mlab_random(pm, MLAB_PREMASTER_LEN), 0);
}

static void encrypt_to(EVP_PKEY *pub, const uint8_t pm[MLAB_PREMASTER_LEN], uint8_t ct[K2048])
{
	size_t n = 0;
	assert_err(mlab_rsa_encrypt_premaster(pub, pm, ct, K2048, &n), 0);
	assert_int_equal(n, K2048);
}

/* Decrypts with the wrapper, which must say 0 (implicit rejection or not). */
static void decrypt_ok(EVP_PKEY *priv, const uint8_t *ct, size_t len, uint8_t pm[MLAB_PREMASTER_LEN])
{
	assert_err(mlab_rsa_decrypt_premaster(priv, ct, len, pm), 0);
	/* Nothing left behind on OpenSSL's error queue either. */
	assert_int_equal(ERR_peek_error(), 0);
}

static int cmp_pm(const void *a, const void *b)
{
	return memcmp(a, b, MLAB_PREMASTER_LEN);
}

/* ---------------------------------------------------------------- fixture */

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	char priv[256], pub[256];
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/mlab-rsa-XXXXXX");
	if (!mkdtemp(f->dir) || mlab_rsa_generate(MLAB_RSA_BITS, &f->bob) != 0 ||
	    mlab_rsa_generate(MLAB_RSA_BITS, &f->other) != 0)
		return -1;
	snprintf(priv, sizeof priv, "%s/bob-rsa.key", f->dir);
	snprintf(pub, sizeof pub, "%s/bob-rsa.pub", f->dir);
	if (mlab_rsa_save(priv, pub, f->bob) != 0 || mlab_rsa_load_public(pub, &f->bob_pub) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	DIR *dh = opendir(f->dir);
	struct dirent *de;
	char p[512];
	while (dh && (de = readdir(dh)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", f->dir, de->d_name);
		unlink(p);
	}
	if (dh)
		closedir(dh);
	rmdir(f->dir);
	EVP_PKEY_free(f->bob);
	EVP_PKEY_free(f->bob_pub);
	EVP_PKEY_free(f->other);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- round trip */

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	uint8_t pm[MLAB_PREMASTER_LEN], got[MLAB_PREMASTER_LEN], ct[K2048], ct2[K2048];

	for (int i = 0; i < 4; i++) {
		random_pm(pm);
		encrypt_to(f->bob_pub, pm, ct);
		decrypt_ok(f->bob, ct, sizeof ct, got);
		assert_memory_equal(got, pm, sizeof pm);
	}
	/* OAEP is randomized: the same premaster encrypts differently. */
	encrypt_to(f->bob_pub, pm, ct2);
	assert_memory_not_equal(ct, ct2, sizeof ct);
	decrypt_ok(f->bob, ct2, sizeof ct2, got);
	assert_memory_equal(got, pm, sizeof pm);
	/* The private key encrypts too (it holds the public half). */
	encrypt_to(f->bob, pm, ct);
	decrypt_ok(f->bob, ct, sizeof ct, got);
	assert_memory_equal(got, pm, sizeof pm);
}

/* ---------------------------------------------------------------- implicit rejection */

static void test_wrong_key(void **state)
{
	struct fx *f = *state;
	uint8_t pm[MLAB_PREMASTER_LEN], pm2[MLAB_PREMASTER_LEN], ct[K2048], ct2[K2048];
	uint8_t a[MLAB_PREMASTER_LEN], a2[MLAB_PREMASTER_LEN], b[MLAB_PREMASTER_LEN], zero[MLAB_PREMASTER_LEN] = {0};

	random_pm(pm);
	random_pm(pm2);
	encrypt_to(f->bob_pub, pm, ct);
	encrypt_to(f->bob_pub, pm2, ct2);

	decrypt_ok(f->other, ct, sizeof ct, a);
	assert_memory_not_equal(a, pm, sizeof a);
	assert_memory_not_equal(a, zero, sizeof a);
	decrypt_ok(f->other, ct, sizeof ct, a2); /* deterministic */
	assert_memory_equal(a, a2, sizeof a);
	decrypt_ok(f->other, ct2, sizeof ct2, b); /* another ciphertext, another value */
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(b, pm2, sizeof b);
	/* The right key still gets the real premaster. */
	decrypt_ok(f->bob, ct, sizeof ct, a2);
	assert_memory_equal(a2, pm, sizeof pm);
}

/* Every byte position of a ciphertext, one bit flipped: each must decrypt
 * "successfully" to something other than the premaster, all 256 values
 * distinct, and the same again when asked twice. */
static void test_tampered(void **state)
{
	struct fx *f = *state;
	uint8_t pm[MLAB_PREMASTER_LEN], ct[K2048], t[K2048], again[MLAB_PREMASTER_LEN];
	uint8_t(*got)[MLAB_PREMASTER_LEN] = calloc(K2048, MLAB_PREMASTER_LEN);

	assert_non_null(got);
	random_pm(pm);
	encrypt_to(f->bob_pub, pm, ct);
	for (size_t i = 0; i < K2048; i++) {
		memcpy(t, ct, sizeof t);
		t[i] ^= (uint8_t)(1u << (i % 8));
		decrypt_ok(f->bob, t, sizeof t, got[i]);
		if (memcmp(got[i], pm, sizeof pm) == 0)
			fail_msg("flipping a bit of byte %zu still decrypted to the premaster", i);
		if (i % 64 == 0) {
			decrypt_ok(f->bob, t, sizeof t, again);
			assert_memory_equal(again, got[i], sizeof again);
		}
	}
	qsort(got, K2048, MLAB_PREMASTER_LEN, cmp_pm);
	for (size_t i = 1; i < K2048; i++)
		if (memcmp(got[i - 1], got[i], MLAB_PREMASTER_LEN) == 0)
			fail_msg("two tampered ciphertexts gave the same rejection value");
	free(got);
}

static void test_wrong_length(void **state)
{
	struct fx *f = *state;
	uint8_t pm[MLAB_PREMASTER_LEN], ct[MLAB_RSA_MAX_CT + 1], got[MLAB_PREMASTER_LEN];
	const uint8_t zero[MLAB_PREMASTER_LEN] = {0};
	const size_t lens[] = {0, 1, K2048 - 1, K2048 + 1, MLAB_RSA_MAX_CT, MLAB_RSA_MAX_CT + 1};

	random_pm(pm);
	memset(ct, 0, sizeof ct);
	encrypt_to(f->bob_pub, pm, ct);
	for (size_t i = 0; i < N_OF(lens); i++) {
		memset(got, 0xaa, sizeof got);
		uint8_t *exact = dup_exact(ct, lens[i]);
		assert_err(mlab_rsa_decrypt_premaster(f->bob, exact, lens[i], got), MLAB_E_BAD_FIELD);
		assert_memory_equal(got, zero, sizeof got);
		free(exact);
	}
}

/* A ciphertext of the right length but >= n: OpenSSL refuses it before any
 * padding check; the wrapper must hide that like any other failure. */
static void test_ct_not_below_modulus(void **state)
{
	struct fx *f = *state;
	uint8_t n_bytes[K2048], n_plus[K2048], ff[K2048];
	uint8_t a[MLAB_PREMASTER_LEN], a2[MLAB_PREMASTER_LEN], b[MLAB_PREMASTER_LEN], c[MLAB_PREMASTER_LEN];
	BIGNUM *n = NULL;

	assert_int_equal(EVP_PKEY_get_bn_param(f->bob, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	assert_int_equal(BN_bn2binpad(n, n_bytes, K2048), K2048);
	assert_int_equal(BN_add_word(n, 1), 1);
	assert_int_equal(BN_bn2binpad(n, n_plus, K2048), K2048);
	BN_free(n);
	memset(ff, 0xff, sizeof ff);

	decrypt_ok(f->bob, n_bytes, K2048, a);
	decrypt_ok(f->bob, n_bytes, K2048, a2);
	assert_memory_equal(a, a2, sizeof a);
	decrypt_ok(f->bob, n_plus, K2048, b);
	decrypt_ok(f->bob, ff, K2048, c);
	assert_memory_not_equal(a, b, sizeof a);
	assert_memory_not_equal(a, c, sizeof a);
	assert_memory_not_equal(b, c, sizeof b);
}

/* The rejection secret belongs to the key: one forged ciphertext gives each
 * key its own value. */
static void test_rejection_per_key(void **state)
{
	struct fx *f = *state;
	uint8_t ct[K2048], a[MLAB_PREMASTER_LEN], b[MLAB_PREMASTER_LEN];

	memset(ct, 0, sizeof ct);
	ct[K2048 - 1] = 2; /* 2 < n for both keys, and no valid OAEP encoding */
	decrypt_ok(f->bob, ct, sizeof ct, a);
	decrypt_ok(f->other, ct, sizeof ct, b);
	assert_memory_not_equal(a, b, sizeof a);
}

/* ---------------------------------------------------------------- arguments and sizes */

static void test_arguments(void **state)
{
	struct fx *f = *state;
	uint8_t pm[MLAB_PREMASTER_LEN] = {1}, ct[MLAB_RSA_MAX_CT], got[MLAB_PREMASTER_LEN];
	size_t n = 99;
	EVP_PKEY *k = (EVP_PKEY *)1, *ed = NULL;

	assert_err(mlab_rsa_generate(1024, &k), MLAB_E_ARG);
	assert_null(k);
	assert_err(mlab_rsa_generate(2047, &k), MLAB_E_ARG);
	assert_err(mlab_rsa_generate(4097, &k), MLAB_E_ARG);
	assert_err(mlab_rsa_generate(2048, NULL), MLAB_E_ARG);

	assert_err(mlab_rsa_encrypt_premaster(f->bob_pub, pm, ct, K2048 - 1, &n), MLAB_E_NOSPACE);
	assert_int_equal(n, 0);
	assert_err(mlab_rsa_encrypt_premaster(NULL, pm, ct, sizeof ct, &n), MLAB_E_ARG);
	assert_err(mlab_rsa_encrypt_premaster(f->bob_pub, NULL, ct, sizeof ct, &n), MLAB_E_ARG);
	assert_err(mlab_rsa_encrypt_premaster(f->bob_pub, pm, ct, sizeof ct, NULL), MLAB_E_ARG);

	/* Not RSA, or no private half: refused before anything is decrypted. */
	assert_int_equal(mlab_ed25519_generate(&ed), 0);
	assert_err(mlab_rsa_encrypt_premaster(ed, pm, ct, sizeof ct, &n), MLAB_E_ARG);
	memset(ct, 0, sizeof ct);
	ct[K2048 - 1] = 2;
	assert_err(mlab_rsa_decrypt_premaster(ed, ct, K2048, got), MLAB_E_ARG);
	assert_err(mlab_rsa_decrypt_premaster(f->bob_pub, ct, K2048, got), MLAB_E_ARG);
	assert_err(mlab_rsa_decrypt_premaster(f->bob, NULL, K2048, got), MLAB_E_ARG);
	assert_err(mlab_rsa_decrypt_premaster(f->bob, ct, K2048, NULL), MLAB_E_ARG);
	EVP_PKEY_free(ed);
	ERR_clear_error();

	char id[9];
	assert_err(mlab_rsa_key_id(NULL, id), MLAB_E_ARG);
}

/* The largest modulus gives the largest ciphertext; one bit more is refused. */
static void test_sizes(void **state)
{
	(void)state;
	uint8_t pm[MLAB_PREMASTER_LEN] = {7}, ct[MLAB_RSA_MAX_CT];
	size_t n = 0;
	EVP_PKEY *k4096 = fake_public(4096, 65537), *k4104 = fake_public(4104, 65537),
		 *k1024 = fake_public(1024, 65537);

	assert_err(mlab_rsa_encrypt_premaster(k4096, pm, ct, sizeof ct, &n), 0);
	assert_int_equal(n, MLAB_RSA_MAX_CT);
	assert_err(mlab_rsa_encrypt_premaster(k4104, pm, ct, sizeof ct, &n), MLAB_E_ARG);
	assert_err(mlab_rsa_encrypt_premaster(k1024, pm, ct, sizeof ct, &n), MLAB_E_ARG);
	EVP_PKEY_free(k4096);
	EVP_PKEY_free(k4104);
	EVP_PKEY_free(k1024);
}

/* ---------------------------------------------------------------- files */

static void test_save_load(void **state)
{
	struct fx *f = *state;
	char priv[256], pub[256], victim[256], id1[9], id2[9], id3[9];
	struct stat st;
	EVP_PKEY *k = NULL, *p = NULL;
	uint8_t pm[MLAB_PREMASTER_LEN], ct[K2048], got[MLAB_PREMASTER_LEN];

	path_in(f, "saved.key", priv);
	path_in(f, "saved.pub", pub);
	path_in(f, "victim", victim);
	write_bytes(victim, "untouched\n", 10);
	/* A symlink where the private key goes is replaced, not written through. */
	assert_int_equal(symlink(victim, priv), 0);
	mode_t old = umask(0); /* the modes must not come from the umask */
	int e = mlab_rsa_save(priv, pub, f->bob);
	umask(old);
	assert_err(e, 0);
	assert_int_equal(lstat(priv, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(lstat(pub, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 10);

	assert_err(mlab_rsa_load_private(priv, &k), 0);
	assert_err(mlab_rsa_load_public(pub, &p), 0);
	assert_err(mlab_rsa_key_id(f->bob, id1), 0);
	assert_err(mlab_rsa_key_id(k, id2), 0);
	assert_err(mlab_rsa_key_id(p, id3), 0);
	assert_string_equal(id1, id2);
	assert_string_equal(id1, id3);
	assert_int_equal(strlen(id1), 8);
	random_pm(pm);
	encrypt_to(p, pm, ct);
	decrypt_ok(k, ct, sizeof ct, got);
	assert_memory_equal(got, pm, sizeof pm);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);

	/* No temporary file is left behind. */
	DIR *dh = opendir(f->dir);
	struct dirent *de;
	assert_non_null(dh);
	while ((de = readdir(dh)) != NULL)
		if (strstr(de->d_name, ".tmp-"))
			fail_msg("left behind: %s", de->d_name);
	closedir(dh);

	/* Into a directory that does not exist: an error, nothing written. */
	assert_err(mlab_rsa_save("/nonexistent-mlab/x.key", "/nonexistent-mlab/x.pub", f->bob), MLAB_E_KEYFILE);
	assert_err(mlab_rsa_save(priv, pub, NULL), MLAB_E_ARG);
}

/* The key id is SHA-256 over the DER SubjectPublicKeyInfo, first 4 bytes:
 * computed here independently. */
static void test_key_id(void **state)
{
	struct fx *f = *state;
	unsigned char *der = NULL;
	uint8_t h[MLAB_SHA256_LEN];
	char want[9], got[9];
	int n = i2d_PUBKEY(f->bob, &der);

	assert_true(n > 0);
	assert_int_equal(mlab_sha256(der, (size_t)n, h), 0);
	OPENSSL_free(der);
	snprintf(want, sizeof want, "%02x%02x%02x%02x", h[0], h[1], h[2], h[3]);
	assert_err(mlab_rsa_key_id(f->bob_pub, got), 0);
	assert_string_equal(got, want);
	assert_err(mlab_rsa_key_id(f->other, got), 0);
	assert_string_not_equal(got, want);
}

static void refuse_private(const char *path)
{
	EVP_PKEY *k = (EVP_PKEY *)1;
	int e = mlab_rsa_load_private(path, &k);
	if (e != MLAB_E_KEYFILE)
		fail_msg("mlab_rsa_load_private(%s) returned %d (%s), expected key-file", path, e, mlab_err_name(e));
	assert_null(k);
}

static void refuse_public(const char *path)
{
	EVP_PKEY *k = (EVP_PKEY *)1;
	int e = mlab_rsa_load_public(path, &k);
	if (e != MLAB_E_KEYFILE)
		fail_msg("mlab_rsa_load_public(%s) returned %d (%s), expected key-file", path, e, mlab_err_name(e));
	assert_null(k);
}

static void test_load_refusals(void **state)
{
	struct fx *f = *state;
	char p[256], q[256];
	EVP_PKEY *ed = NULL, *small = NULL, *big = NULL, *e1 = NULL, *even = NULL;

	/* An Ed25519 pair, as mitmlab-keygen makes without --rsa. */
	path_in(f, "ed.key", p);
	path_in(f, "ed.pub", q);
	assert_int_equal(mlab_ed25519_generate(&ed), 0);
	assert_int_equal(mlab_key_save(p, q, ed), 0);
	refuse_private(p);
	refuse_public(q);

	/* RSA, but 1024 bits. */
	assert_non_null(small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024));
	path_in(f, "small.key", p);
	path_in(f, "small.pub", q);
	write_pem(p, small, 1);
	write_pem(q, small, 0);
	refuse_private(p);
	refuse_public(q);

	/* 4104 bits, an exponent of 1, an even exponent. */
	assert_non_null(big = fake_public(4104, 65537));
	assert_non_null(e1 = fake_public(2048, 1));
	assert_non_null(even = fake_public(2048, 65536));
	path_in(f, "big.pub", p);
	write_pem(p, big, 0);
	refuse_public(p);
	path_in(f, "e1.pub", p);
	write_pem(p, e1, 0);
	refuse_public(p);
	path_in(f, "even.pub", p);
	write_pem(p, even, 0);
	refuse_public(p);

	/* The wrong half: a public key where the private one is expected and back. */
	path_in(f, "bob-rsa.key", p);
	path_in(f, "bob-rsa.pub", q);
	refuse_private(q);
	refuse_public(p);

	/* A passphrase-protected key: refused, never a prompt. */
	path_in(f, "enc.key", p);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, f->bob, EVP_aes_256_cbc(), (unsigned char *)"secret", 6, NULL, NULL),
			 1);
	assert_int_equal(fclose(fp), 0);
	refuse_private(p);

	/* Not files of keys at all. */
	refuse_private("/nonexistent-mlab/none.key");
	refuse_private(f->dir); /* a directory */
	path_in(f, "empty.key", p);
	write_bytes(p, "", 0);
	refuse_private(p);
	refuse_public(p);
	path_in(f, "junk.key", p);
	write_bytes(p, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 58);
	refuse_private(p);
	path_in(f, "fifo.key", p);
	assert_int_equal(mkfifo(p, 0600), 0);
	refuse_private(p); /* returns at once: nobody ever writes to it */

	/* A valid key followed by padding past the bound. */
	{
		char src[256];
		static char buf[MLAB_RSA_FILE_MAX + 64];
		path_in(f, "bob-rsa.key", src);
		FILE *in = fopen(src, "r");
		assert_non_null(in);
		size_t n = fread(buf, 1, sizeof buf, in);
		fclose(in);
		assert_true(n > 0 && n < MLAB_RSA_FILE_MAX);
		memset(buf + n, '\n', sizeof buf - n);
		path_in(f, "huge.key", p);
		write_bytes(p, buf, sizeof buf);
		refuse_private(p);
		write_bytes(p, buf, MLAB_RSA_FILE_MAX); /* at the bound: accepted */
		EVP_PKEY *k = NULL;
		assert_err(mlab_rsa_load_private(p, &k), 0);
		EVP_PKEY_free(k);
	}

	EVP_PKEY_free(ed);
	EVP_PKEY_free(small);
	EVP_PKEY_free(big);
	EVP_PKEY_free(e1);
	EVP_PKEY_free(even);
	assert_int_equal(ERR_peek_error(), 0);
}

/* A private key whose d was altered (n, e and the factors unchanged) fails
 * the pairwise check. */
static void test_load_inconsistent(void **state)
{
	struct fx *f = *state;
	const char *names[] = {OSSL_PKEY_PARAM_RSA_N,	      OSSL_PKEY_PARAM_RSA_E,
			       OSSL_PKEY_PARAM_RSA_D,	      OSSL_PKEY_PARAM_RSA_FACTOR1,
			       OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
			       OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
	BIGNUM *bn[N_OF(names)] = {0};
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *bad = NULL;
	char p[256];

	assert_true(bld && ctx);
	for (size_t i = 0; i < N_OF(names); i++) {
		assert_int_equal(EVP_PKEY_get_bn_param(f->bob, names[i], &bn[i]), 1);
		if (i == 2)
			assert_int_equal(BN_add_word(bn[i], 2), 1);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, names[i], bn[i]), 1);
	}
	assert_non_null(params = OSSL_PARAM_BLD_to_param(bld));
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &bad, EVP_PKEY_KEYPAIR, params), 1);
	path_in(f, "bad-d.key", p);
	write_pem(p, bad, 1);
	refuse_private(p);
	EVP_PKEY_free(bad);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EVP_PKEY_CTX_free(ctx);
	for (size_t i = 0; i < N_OF(names); i++)
		BN_clear_free(bn[i]);
}

/* ---------------------------------------------------------------- Wycheproof */

/* The raw EVP path, label and all, with no implicit rejection: 1 and the
 * message, or 0 for a refused ciphertext. */
static int raw_oaep_decrypt(EVP_PKEY *key, const uint8_t *label, size_t label_len, const uint8_t *ct, size_t ct_len,
			    uint8_t *out, size_t *out_len)
{
	OSSL_PARAM params[5], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, (char *)"oaep", 0);
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, (char *)"SHA256", 0);
	if (label_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL, (void *)label, label_len);
	*p = OSSL_PARAM_construct_end();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	assert_non_null(ctx);
	assert_int_equal(EVP_PKEY_decrypt_init_ex(ctx, params), 1);
	int r = EVP_PKEY_decrypt(ctx, out, out_len, ct, ct_len) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return r;
}

static void test_wycheproof_oaep(void **state)
{
	struct fx *f = *state;
	static const char name[] = "rsa_oaep_2048_sha256_mgf1sha256_test.json";
	char pem_path[256];
	json_t *group, *test;
	size_t gi, ti;
	unsigned total = 0, valid = 0, invalid = 0, acceptable = 0, wrapper_exact = 0, wrapper_hidden = 0,
		 wrapper_length = 0, disagree = 0;

	json_t *root = wp_load(name);
	path_in(f, "wycheproof.key", pem_path);

	json_array_foreach(json_object_get(root, "testGroups"), gi, group)
	{
		const char *pem = json_string_value(json_object_get(group, "privateKeyPem"));
		const char *sha = json_string_value(json_object_get(group, "sha"));
		const char *mgf_sha = json_string_value(json_object_get(group, "mgfSha"));
		EVP_PKEY *key = NULL;

		assert_non_null(pem);
		assert_string_equal(sha, "SHA-256");
		assert_string_equal(mgf_sha, "SHA-256");
		/* Through our loader: a PKCS#8 file written by someone else. */
		write_bytes(pem_path, pem, strlen(pem));
		assert_err(mlab_rsa_load_private(pem_path, &key), 0);
		size_t k = (size_t)EVP_PKEY_get_size(key);

		json_array_foreach(json_object_get(group, "tests"), ti, test)
		{
			long long id = (long long)json_integer_value(json_object_get(test, "tcId"));
			const char *result = json_string_value(json_object_get(test, "result"));
			const char *comment = json_string_value(json_object_get(test, "comment"));
			size_t ct_len, msg_len, label_len, out_len = MLAB_RSA_MAX_CT;
			uint8_t *ct = wp_hex(test, "ct", &ct_len), *msg = wp_hex(test, "msg", &msg_len);
			uint8_t *label = wp_hex(test, "label", &label_len);
			uint8_t out[MLAB_RSA_MAX_CT], pm[MLAB_PREMASTER_LEN], pm2[MLAB_PREMASTER_LEN];
			const char *why = NULL;

			assert_true(ct && msg && label && result);
			total++;
			int is_valid = strcmp(result, "valid") == 0, is_invalid = strcmp(result, "invalid") == 0;
			valid += (unsigned)is_valid;
			invalid += (unsigned)is_invalid;
			acceptable += (unsigned)(strcmp(result, "acceptable") == 0);

			/* 1. The raw path must agree with the vector. */
			int ok = raw_oaep_decrypt(key, label, label_len, ct, ct_len, out, &out_len);
			if (is_valid && (!ok || out_len != msg_len || memcmp(out, msg, msg_len) != 0))
				why = "raw OAEP did not give the message";
			else if (is_invalid && ok)
				why = "raw OAEP accepted an invalid ciphertext";

			/* 2. The wrapper: a wrong length is a framing error; otherwise
			 * always 0, the message only for a valid 32-byte one under the
			 * empty label, something else (deterministically) for the rest. */
			uint8_t *exact = dup_exact(ct, ct_len);
			int e = mlab_rsa_decrypt_premaster(key, exact, ct_len, pm);
			if (ct_len != k) {
				wrapper_length++;
				if (e != MLAB_E_BAD_FIELD && !why)
					why = "wrapper did not refuse the wrong length with bad-field";
			} else if (e != 0) {
				if (!why)
					why = "wrapper returned an error for a ciphertext of the right length";
			} else if (is_valid && label_len == 0 && msg_len == MLAB_PREMASTER_LEN) {
				wrapper_exact++;
				if (memcmp(pm, msg, MLAB_PREMASTER_LEN) != 0 && !why)
					why = "wrapper did not return the 32-byte message";
			} else {
				wrapper_hidden++;
				size_t m = msg_len < MLAB_PREMASTER_LEN ? msg_len : MLAB_PREMASTER_LEN;
				if (mlab_rsa_decrypt_premaster(key, exact, ct_len, pm2) != 0 ||
				    memcmp(pm, pm2, sizeof pm) != 0) {
					if (!why)
						why = "wrapper's rejection value is not deterministic";
				} else if (m && memcmp(pm, msg, m) == 0 && !why)
					why = "wrapper returned the message where it must reject";
			}
			if (why) {
				disagree++;
				fprintf(stderr, "# %s tcId %lld (%s, \"%s\"): %s\n", name, id, result,
					comment ? comment : "", why);
			}
			free(exact);
			free(ct);
			free(msg);
			free(label);
		}
		EVP_PKEY_free(key);
	}
	json_int_t declared = json_integer_value(json_object_get(root, "numberOfTests"));
	json_decref(root);
	fprintf(stderr,
		"# wycheproof %s: %u cases / %u valid / %u invalid / %u acceptable; wrapper: %u exact 32-byte "
		"messages, %u implicitly rejected, %u wrong lengths refused; %u disagreements\n",
		name, total, valid, invalid, acceptable, wrapper_exact, wrapper_hidden, wrapper_length, disagree);
	assert_int_equal(declared, (json_int_t)total);
	assert_true(wrapper_exact > 0 && wrapper_hidden > 0 && wrapper_length > 0);
	assert_int_equal(disagree, 0);
}

/* ---------------------------------------------------------------- openssl command line */

static const char OAEP_OPTS[] =
    "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256";

/* Runs cmd and reads its stdout (at most cap bytes); the exit status must be 0. */
static size_t run_read(const char *cmd, uint8_t *out, size_t cap)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, cap, p);
	int st = pclose(p);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("`%s` failed (status %d)", cmd, st);
	return n;
}

static void test_openssl_interop(void **state)
{
	struct fx *f = *state;
	char key[256], pub[256], pmf[256], ctf[256], cmd[1024];
	uint8_t pm[MLAB_PREMASTER_LEN], got[MLAB_PREMASTER_LEN], ct[MLAB_RSA_MAX_CT + 1];
	size_t n;

	if (system("command -v openssl >/dev/null 2>&1") != 0)
		skip();
	path_in(f, "bob-rsa.key", key);
	path_in(f, "bob-rsa.pub", pub);
	path_in(f, "pm.bin", pmf);
	path_in(f, "ct.bin", ctf);

	/* openssl encrypts to our .pub; we decrypt. */
	for (int i = 0; i < 3; i++) {
		random_pm(pm);
		write_bytes(pmf, pm, sizeof pm);
		snprintf(cmd, sizeof cmd, "openssl pkeyutl -encrypt -pubin -inkey %s -in %s %s 2>/dev/null", pub, pmf,
			 OAEP_OPTS);
		n = run_read(cmd, ct, sizeof ct);
		assert_int_equal(n, K2048);
		decrypt_ok(f->bob, ct, n, got);
		assert_memory_equal(got, pm, sizeof pm);
	}

	/* We encrypt; openssl decrypts with our .key. */
	for (int i = 0; i < 3; i++) {
		random_pm(pm);
		encrypt_to(f->bob_pub, pm, ct);
		write_bytes(ctf, ct, K2048);
		snprintf(cmd, sizeof cmd, "openssl pkeyutl -decrypt -inkey %s -in %s %s 2>/dev/null", key, ctf,
			 OAEP_OPTS);
		n = run_read(cmd, got, sizeof got);
		assert_int_equal(n, MLAB_PREMASTER_LEN);
		assert_memory_equal(got, pm, sizeof pm);
	}

	/* The parameters matter: OAEP with openssl's default SHA-1 is not ours,
	 * and is implicitly rejected. */
	random_pm(pm);
	write_bytes(pmf, pm, sizeof pm);
	snprintf(cmd, sizeof cmd,
		 "openssl pkeyutl -encrypt -pubin -inkey %s -in %s -pkeyopt rsa_padding_mode:oaep 2>/dev/null", pub,
		 pmf);
	n = run_read(cmd, ct, sizeof ct);
	assert_int_equal(n, K2048);
	decrypt_ok(f->bob, ct, n, got);
	assert_memory_not_equal(got, pm, sizeof pm);
}

/* ---------------------------------------------------------------- the build's key files */

static void test_build_keys(void **state)
{
	(void)state;
	const char *bin = getenv("MLAB_BIN");
	char key[4096], pub[4096], id1[9], id2[9];
	struct stat st;
	EVP_PKEY *k = NULL, *p = NULL;
	uint8_t pm[MLAB_PREMASTER_LEN], ct[K2048], got[MLAB_PREMASTER_LEN];

	if (!bin || !*bin)
		skip();
	snprintf(key, sizeof key, "%s/keys/bob-rsa.key", bin);
	snprintf(pub, sizeof pub, "%s/keys/bob-rsa.pub", bin);
	assert_int_equal(stat(key, &st), 0);
	assert_int_equal(st.st_mode & 077, 0); /* private */
	assert_err(mlab_rsa_load_private(key, &k), 0);
	assert_err(mlab_rsa_load_public(pub, &p), 0);
	assert_int_equal(EVP_PKEY_get_bits(k), MLAB_RSA_BITS);
	assert_err(mlab_rsa_key_id(k, id1), 0);
	assert_err(mlab_rsa_key_id(p, id2), 0);
	assert_string_equal(id1, id2);
	random_pm(pm);
	encrypt_to(p, pm, ct);
	decrypt_ok(k, ct, sizeof ct, got);
	assert_memory_equal(got, pm, sizeof pm);
	EVP_PKEY_free(k);
	EVP_PKEY_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_wrong_key),
	    cmocka_unit_test(test_tampered),
	    cmocka_unit_test(test_wrong_length),
	    cmocka_unit_test(test_ct_not_below_modulus),
	    cmocka_unit_test(test_rejection_per_key),
	    cmocka_unit_test(test_arguments),
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_save_load),
	    cmocka_unit_test(test_key_id),
	    cmocka_unit_test(test_load_refusals),
	    cmocka_unit_test(test_load_inconsistent),
	    cmocka_unit_test(test_wycheproof_oaep),
	    cmocka_unit_test(test_openssl_interop),
	    cmocka_unit_test(test_build_keys),
	};
	return cmocka_run_group_tests_name("mlab_rsa", tests, setup, teardown);
}
