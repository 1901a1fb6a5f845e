/* ML-KEM-768 (lib/mlab_mlkem.c) against published vectors: every test of
 * Wycheproof's three ML-KEM-768 files (tests/vectors/wycheproof/), through
 * the project's own functions, with the counts checked against the files'
 * numberOfTests so that no group can be skipped unseen; then the FIPS 203 §7
 * input checks by name and a random round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "test_util.h"

#include "mlab_err.h"
#include "mlab_mlkem.h"

/* A hex field of a test into a fresh buffer (one byte for ""), or NULL. */
static uint8_t *hex_field(const json_t *t, const char *name, size_t *len)
{
	const char *h = json_string_value(json_object_get(t, name));
	size_t n = h ? strlen(h) : 0;
	if (!h || n % 2)
		return NULL;
	uint8_t *b = malloc(n / 2 + 1);
	for (size_t i = 0; b && i < n / 2; i++) {
		unsigned v;
		if (sscanf(h + 2 * i, "%2x", &v) != 1) {
			free(b);
			return NULL;
		}
		b[i] = (uint8_t)v;
	}
	*len = n / 2;
	return b;
}

static json_t *load(const char *name)
{
	const char *src = getenv("MLAB_SRC");
	char path[4096];
	json_error_t jerr;
	snprintf(path, sizeof path, "%s/tests/vectors/wycheproof/%s", src && *src ? src : ".", name);
	json_t *root = json_load_file(path, 0, &jerr);
	if (!root)
		fail_msg("cannot load %s: %s (line %d)", path, jerr.text, jerr.line);
	return root;
}

struct tally {
	const char *file;
	unsigned total, valid, invalid, disagree;
};

static void judge(struct tally *t, const json_t *test, bool ok, const char *why)
{
	const char *result = json_string_value(json_object_get(test, "result"));
	t->total++;
	t->valid += strcmp(result, "valid") == 0;
	t->invalid += strcmp(result, "invalid") == 0;
	if (!ok) {
		t->disagree++;
		fprintf(stderr, "# %s tcId %lld (%s): %s\n", t->file,
			(long long)json_integer_value(json_object_get(test, "tcId")), result, why);
	}
}

static void finish(struct tally *t, json_t *root)
{
	json_int_t declared = json_integer_value(json_object_get(root, "numberOfTests"));
	fprintf(stderr, "# wycheproof %s: %u cases / %u valid / %u invalid; %u disagreements\n", t->file, t->total,
		t->valid, t->invalid, t->disagree);
	json_decref(root);
	assert_int_equal(declared, (json_int_t)t->total);
	assert_int_equal(t->disagree, 0);
}

#define FOR_EACH_TEST(root, test)                                                                                      \
	for (size_t gi_ = 0; gi_ < json_array_size(json_object_get(root, "testGroups")); gi_++)                        \
		for (size_t ti_ = 0;                                                                                   \
		     ti_ < json_array_size(                                                                            \
			       json_object_get(json_array_get(json_object_get(root, "testGroups"), gi_), "tests")) &&  \
		     ((test) = json_array_get(                                                                         \
			  json_object_get(json_array_get(json_object_get(root, "testGroups"), gi_), "tests"), ti_));   \
		     ti_++)

/* KeyGen from the 64-byte seed d ‖ z: ek and dk exactly. */
static void test_wycheproof_keygen(void **state)
{
	(void)state;
	struct tally t = {.file = "mlkem_768_keygen_seed_test.json"};
	json_t *root = load(t.file), *test;
	FOR_EACH_TEST(root, test)
	{
		size_t ns, ne, nd;
		uint8_t *seed = hex_field(test, "seed", &ns), *ek = hex_field(test, "ek", &ne),
			*dk = hex_field(test, "dk", &nd);
		uint8_t oek[MLAB_MLKEM768_EK_LEN], odk[MLAB_MLKEM768_DK_LEN];
		assert_true(seed && ek && dk);
		int e = mlab_mlkem768_keygen_seed(seed, ns, oek, odk);
		bool ok = e == 0 && ne == sizeof oek && nd == sizeof odk && memcmp(oek, ek, ne) == 0 &&
			  memcmp(odk, dk, nd) == 0;
		judge(&t, test, ok, e ? mlab_err_name(e) : "ek or dk differs");
		free(seed);
		free(ek);
		free(dk);
	}
	finish(&t, root);
}

/* Encaps with the test's m: valid → c and K exactly; invalid → an error
 * (the §7.2 length and modulus checks). */
static void test_wycheproof_encaps(void **state)
{
	(void)state;
	struct tally t = {.file = "mlkem_768_encaps_test.json"};
	unsigned modulus = 0, length = 0;
	json_t *root = load(t.file), *test;
	FOR_EACH_TEST(root, test)
	{
		size_t nm, ne, nc, nk;
		uint8_t *m = hex_field(test, "m", &nm), *ek = hex_field(test, "ek", &ne),
			*c = hex_field(test, "c", &nc), *k = hex_field(test, "K", &nk);
		uint8_t oc[MLAB_MLKEM768_CT_LEN], ok_[MLAB_MLKEM_SS_LEN];
		assert_true(m && ek && c && k && nm == 32);
		bool valid = strcmp(json_string_value(json_object_get(test, "result")), "valid") == 0;
		int e = mlab_mlkem768_encaps_m(ek, ne, m, oc, ok_);
		bool ok;
		if (valid)
			ok = e == 0 && nc == sizeof oc && nk == sizeof ok_ && memcmp(oc, c, nc) == 0 &&
			     memcmp(ok_, k, nk) == 0;
		else {
			ok = ne == MLAB_MLKEM768_EK_LEN ? e == MLAB_E_MLKEM_EK : e == MLAB_E_SHARE_LENGTH;
			modulus += e == MLAB_E_MLKEM_EK;
			length += e == MLAB_E_SHARE_LENGTH;
			/* the check alone says the same */
			ok = ok && mlab_mlkem768_check_ek(ek, ne) == e;
		}
		judge(&t, test, ok, e ? mlab_err_name(e) : "c or K differs, or an invalid key was accepted");
		free(m);
		free(ek);
		free(c);
		free(k);
	}
	fprintf(stderr, "# %s: %u keys refused by the modulus check, %u by their length\n", t.file, modulus, length);
	finish(&t, root);
	assert_true(modulus >= 100 && length >= 20);
}

/* KeyGen from the seed, then Decaps of c: valid → K (a flipped or random
 * ciphertext is valid too: implicit rejection gives the K̄ of the vector);
 * invalid → an error (a seed or a ciphertext of the wrong length). */
static void test_wycheproof_decaps(void **state)
{
	(void)state;
	struct tally t = {.file = "mlkem_768_test.json"};
	unsigned rejected_implicitly = 0;
	json_t *root = load(t.file), *test;
	FOR_EACH_TEST(root, test)
	{
		size_t ns, ne, nc, nk;
		uint8_t *seed = hex_field(test, "seed", &ns), *ek = hex_field(test, "ek", &ne),
			*c = hex_field(test, "c", &nc), *k = hex_field(test, "K", &nk);
		uint8_t oek[MLAB_MLKEM768_EK_LEN], odk[MLAB_MLKEM768_DK_LEN], ok_[MLAB_MLKEM_SS_LEN];
		if (!ek) /* the tests of a seed of the wrong length give no ek */
			ne = 0;
		assert_true(seed && c && k);
		bool valid = strcmp(json_string_value(json_object_get(test, "result")), "valid") == 0;
		int e = mlab_mlkem768_keygen_seed(seed, ns, oek, odk);
		if (e == 0 && ne && (ne != sizeof oek || memcmp(oek, ek, ne) != 0))
			e = MLAB_E_ARG; /* our ek differs from the vector's */
		if (e == 0)
			e = mlab_mlkem768_decaps(odk, sizeof odk, c, nc, ok_);
		bool ok = valid ? e == 0 && nk == sizeof ok_ && memcmp(ok_, k, nk) == 0
				: (e == MLAB_E_MLKEM_DK && ns != MLAB_MLKEM_SEED_LEN) ||
				      (e == MLAB_E_MLKEM_CT && nc != MLAB_MLKEM768_CT_LEN);
		const char *comment = json_string_value(json_object_get(test, "comment"));
		if (valid && comment && (strstr(comment, "flipped") || strstr(comment, "Random")))
			rejected_implicitly++;
		judge(&t, test, ok, e ? mlab_err_name(e) : "K differs");
		free(seed);
		free(ek);
		free(c);
		free(k);
	}
	finish(&t, root);
	assert_int_equal(rejected_implicitly, 20);
}

/* ---------------------------------------------------------------- the §7 checks by name */

static void keypair(uint8_t ek[MLAB_MLKEM768_EK_LEN], uint8_t dk[MLAB_MLKEM768_DK_LEN])
{
	assert_err(mlab_mlkem768_keygen(ek, dk), 0);
}

static void test_ek_checks(void **state)
{
	(void)state;
	uint8_t ek[MLAB_MLKEM768_EK_LEN + 1], dk[MLAB_MLKEM768_DK_LEN], ct[MLAB_MLKEM768_CT_LEN], ss[32];
	keypair(ek, dk);
	assert_err(mlab_mlkem768_check_ek(ek, MLAB_MLKEM768_EK_LEN), 0);
	assert_err(mlab_mlkem768_check_ek(ek, MLAB_MLKEM768_EK_LEN - 1), MLAB_E_SHARE_LENGTH);
	assert_err(mlab_mlkem768_check_ek(ek, MLAB_MLKEM768_EK_LEN + 1), MLAB_E_SHARE_LENGTH);
	/* the last coefficient of the last polynomial = q: bytes 1150..1151 */
	ek[1150] = (uint8_t)((ek[1150] & 0x0F) | ((3329 & 0x0F) << 4));
	ek[1151] = (uint8_t)(3329 >> 4);
	assert_err(mlab_mlkem768_check_ek(ek, MLAB_MLKEM768_EK_LEN), MLAB_E_MLKEM_EK);
	assert_err(mlab_mlkem768_encaps(ek, MLAB_MLKEM768_EK_LEN, ct, ss), MLAB_E_MLKEM_EK);
	/* ρ is not checked: any 32 bytes are a seed */
	keypair(ek, dk);
	memset(ek + MLAB_MLKEM768_EK_LEN - 32, 0xFF, 32);
	assert_err(mlab_mlkem768_check_ek(ek, MLAB_MLKEM768_EK_LEN), 0);
}

static void test_decaps_checks(void **state)
{
	(void)state;
	uint8_t ek[MLAB_MLKEM768_EK_LEN], dk[MLAB_MLKEM768_DK_LEN], ct[MLAB_MLKEM768_CT_LEN + 1], k1[32], k2[32],
	    kbar[32];
	keypair(ek, dk);
	assert_err(mlab_mlkem768_encaps(ek, sizeof ek, ct, k1), 0);
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN, k2), 0);
	assert_memory_equal(k1, k2, 32);
	/* one byte short, one byte long: errors */
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN - 1, k2), MLAB_E_MLKEM_CT);
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN + 1, k2), MLAB_E_MLKEM_CT);
	/* one bit flipped: no error, K̄ = J(z ‖ c) with z the last 32 bytes of dk */
	ct[500] ^= 0x10;
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN, k2), 0);
	assert_memory_not_equal(k1, k2, 32);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	assert_true(c && EVP_DigestInit_ex(c, EVP_shake256(), NULL) == 1 &&
		    EVP_DigestUpdate(c, dk + MLAB_MLKEM768_DK_LEN - 32, 32) == 1 &&
		    EVP_DigestUpdate(c, ct, MLAB_MLKEM768_CT_LEN) == 1 && EVP_DigestFinalXOF(c, kbar, 32) == 1);
	EVP_MD_CTX_free(c);
	assert_memory_equal(k2, kbar, 32);
	/* a damaged dk: its stored H(ek) no longer matches — or a wrong length */
	dk[MLAB_MLKEM768_DK_LEN - 40] ^= 1;
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN, k2), MLAB_E_MLKEM_DK);
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk - 1, ct, MLAB_MLKEM768_CT_LEN, k2), MLAB_E_MLKEM_DK);
}

static void test_round_trips(void **state)
{
	(void)state;
	for (int i = 0; i < 100; i++) {
		uint8_t ek[MLAB_MLKEM768_EK_LEN], dk[MLAB_MLKEM768_DK_LEN], ct[MLAB_MLKEM768_CT_LEN], k1[32], k2[32];
		keypair(ek, dk);
		assert_err(mlab_mlkem768_encaps(ek, sizeof ek, ct, k1), 0);
		assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, sizeof ct, k2), 0);
		assert_memory_equal(k1, k2, 32);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wycheproof_keygen), cmocka_unit_test(test_wycheproof_encaps),
	    cmocka_unit_test(test_wycheproof_decaps), cmocka_unit_test(test_ek_checks),
	    cmocka_unit_test(test_decaps_checks),     cmocka_unit_test(test_round_trips),
	};
	return cmocka_run_group_tests_name("mlkem", tests, NULL, NULL);
}
