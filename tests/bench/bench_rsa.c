/* make bench, part 5: how long mlab_rsa_decrypt_premaster takes for a valid
 * ciphertext and for ones that are implicitly rejected (lib/mlab_rsa.h), 1000
 * of each, measured in alternation so that drift of the machine hits all
 * kinds alike. A sanity look at the "no oracle" claim, not a proof: a timing
 * difference far below the spread of one measurement is what it should show.
 * Asserts nothing about speed; exits non-zero only when a valid ciphertext
 * does not decrypt to its premaster. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "mlab_crypto.h"
#include "mlab_rsa.h"

#define RUNS 1000
#define K (MLAB_RSA_BITS / 8)

enum { VALID, BAD_PADDING, WRONG_LENGTH_MSG, NOT_BELOW_N, KINDS };
static const char *const kind_name[KINDS] = {
    "valid (32-byte premaster)",
    "invalid OAEP padding",
    "valid OAEP, 31-byte message",
    "ciphertext >= n (public)",
};

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* OAEP-encrypts a message of len bytes the way the wrapper does, for the
 * "valid OAEP, wrong length" kind (the wrapper only takes 32 bytes). */
static int encrypt_len(EVP_PKEY *key, const uint8_t *msg, size_t len, uint8_t ct[K])
{
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE, (char *)"oaep", 0),
	    OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST, (char *)"SHA256", 0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
	size_t n = K;
	int ok =
	    ctx && EVP_PKEY_encrypt_init_ex(ctx, params) == 1 && EVP_PKEY_encrypt(ctx, ct, &n, msg, len) == 1 && n == K;
	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

int main(void)
{
	EVP_PKEY *key = NULL;
	uint8_t pm[MLAB_PREMASTER_LEN], got[MLAB_PREMASTER_LEN], ct[KINDS][K];
	static double t[KINDS][RUNS];
	BIGNUM *n = NULL;
	size_t len = 0;
	int bad = 0;

	if (mlab_rsa_generate(MLAB_RSA_BITS, &key) != 0 || mlab_random(pm, sizeof pm) != 0 ||
	    mlab_rsa_encrypt_premaster(key, pm, ct[VALID], K, &len) != 0 || len != K ||
	    encrypt_len(key, pm, sizeof pm - 1, ct[WRONG_LENGTH_MSG]) != 0 ||
	    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1 || BN_bn2binpad(n, ct[NOT_BELOW_N], K) != K) {
		fprintf(stderr, "bench_rsa: setup failed\n");
		return 1;
	}
	BN_free(n);
	/* Random bytes below n (top byte cleared): valid OAEP by chance with
	 * probability about 2^-256. */
	if (mlab_random(ct[BAD_PADDING], K) != 0)
		return 1;
	ct[BAD_PADDING][0] = 0;

	for (int r = 0; r < RUNS; r++)
		for (int k = 0; k < KINDS; k++) {
			double t0 = now_us();
			int e = mlab_rsa_decrypt_premaster(key, ct[k], K, got);
			t[k][r] = now_us() - t0;
			if (e != 0 || (k == VALID && memcmp(got, pm, sizeof pm) != 0))
				bad = 1;
		}

	printf("RSA-%d OAEP-SHA256 decryption with implicit rejection, %d runs each (microseconds):\n", MLAB_RSA_BITS,
	       RUNS);
	printf("  %-30s %9s %9s %9s\n", "ciphertext", "median", "p10", "p90");
	double med[KINDS];
	for (int k = 0; k < KINDS; k++) {
		qsort(t[k], RUNS, sizeof t[k][0], cmp);
		med[k] = t[k][RUNS / 2];
		printf("  %-30s %9.1f %9.1f %9.1f\n", kind_name[k], med[k], t[k][RUNS / 10], t[k][RUNS * 9 / 10]);
	}
	printf("  invalid padding vs valid: %+.1f us (%+.2f%%) median difference\n", med[BAD_PADDING] - med[VALID],
	       100.0 * (med[BAD_PADDING] - med[VALID]) / med[VALID]);
	EVP_PKEY_free(key);
	if (bad)
		fprintf(stderr, "bench_rsa: a decryption gave a wrong answer\n");
	return bad;
}
