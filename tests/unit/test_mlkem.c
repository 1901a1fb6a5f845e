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
#include "wycheproof.h"

#include "mlab_err.h"
#include "mlab_mlkem.h"

/* J(z ‖ c) = SHAKE256(z ‖ c, 32): the implicit-rejection key, computed
 * here from OpenSSL directly, with z the last 32 bytes of dk. */
static void j_of(const uint8_t *dk, const uint8_t *c, size_t c_len, uint8_t out[32])
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	assert_true(x && EVP_DigestInit_ex(x, EVP_shake256(), NULL) == 1 &&
		    EVP_DigestUpdate(x, dk + MLAB_MLKEM768_DK_LEN - 32, 32) == 1 &&
		    EVP_DigestUpdate(x, c, c_len) == 1 && EVP_DigestFinalXOF(x, out, 32) == 1);
	EVP_MD_CTX_free(x);
}

/* Every case of a file: passed counts per result, then the summary line and
 * the checks that nothing was skipped and nothing disagreed. */
struct run {
	struct wp_tally t;
	unsigned valid_ok, invalid_ok;
};

static void judge(struct run *r, const json_t *test, bool ok, const char *why)
{
	enum wp_result x = wp_count(&r->t, test);
	if (!ok)
		wp_disagree(&r->t, test, "%s", why);
	r->valid_ok += ok && x == WP_VALID;
	r->invalid_ok += ok && x == WP_INVALID;
}

static void finish(struct run *r, json_t *root, const char *extra)
{
	wp_check_total(&r->t, root);
	json_decref(root);
	fprintf(stderr,
		"# wycheproof %s: %u cases / %u valid (%u passed) / %u invalid (%u passed) / %u acceptable%s%s; %u "
		"disagreements\n",
		r->t.file, r->t.total, r->t.valid, r->valid_ok, r->t.invalid, r->invalid_ok, r->t.acceptable,
		extra ? "; " : "", extra ? extra : "", r->t.disagree);
	assert_int_equal(r->t.disagree, 0);
	assert_int_equal(r->valid_ok + r->invalid_ok, r->t.total); /* no acceptable case to judge */
}

static bool says(const json_t *test, const char *words)
{
	const char *c = json_string_value(json_object_get(test, "comment"));
	return c && strstr(c, words);
}

#define FOR_EACH_TEST(root, group, test)                                                                               \
	for (size_t gi_ = 0; (group = json_array_get(json_object_get(root, "testGroups"), gi_)) != NULL; gi_++)        \
		for (size_t ti_ = 0; (test = json_array_get(json_object_get(group, "tests"), ti_)) != NULL; ti_++)

/* KeyGen from the 64-byte seed d ‖ z: ek and dk exactly. */
static void test_wycheproof_keygen(void **state)
{
	(void)state;
	struct run r = {.t.file = "mlkem_768_keygen_seed_test.json"};
	json_t *root = wp_load(r.t.file), *group, *test;
	FOR_EACH_TEST(root, group, test)
	{
		assert_string_equal(json_string_value(json_object_get(group, "parameterSet")), "ML-KEM-768");
		size_t ns, ne, nd;
		uint8_t *seed = wp_hex(test, "seed", &ns), *ek = wp_hex(test, "ek", &ne), *dk = wp_hex(test, "dk", &nd);
		uint8_t oek[MLAB_MLKEM768_EK_LEN], odk[MLAB_MLKEM768_DK_LEN];
		assert_true(seed && ek && dk && wp_result(test) == WP_VALID);
		int e = mlab_mlkem768_keygen_seed(seed, ns, oek, odk);
		bool ok = e == 0 && ne == sizeof oek && nd == sizeof odk && memcmp(oek, ek, ne) == 0 &&
			  memcmp(odk, dk, nd) == 0;
		judge(&r, test, ok, e ? mlab_err_name(e) : "ek or dk differs");
		free(seed);
		free(ek);
		free(dk);
	}
	finish(&r, root, NULL);
	assert_int_equal(r.valid_ok, 100);
}

/* Encaps with the test's m: valid → c and K exactly; invalid → the error of
 * the §7.2 check its comment or flag names (a key that is not reduced mod q:
 * the modulus check; a key too short or too long: its length), from Encaps
 * and from the check alone. */
static void test_wycheproof_encaps(void **state)
{
	(void)state;
	struct run r = {.t.file = "mlkem_768_encaps_test.json"};
	unsigned modulus = 0, length = 0;
	json_t *root = wp_load(r.t.file), *group, *test;
	FOR_EACH_TEST(root, group, test)
	{
		assert_string_equal(json_string_value(json_object_get(group, "parameterSet")), "ML-KEM-768");
		size_t nm, ne, nc, nk;
		uint8_t *m = wp_hex(test, "m", &nm), *ek = wp_hex(test, "ek", &ne), *c = wp_hex(test, "c", &nc),
			*k = wp_hex(test, "K", &nk);
		uint8_t oc[MLAB_MLKEM768_CT_LEN], ok_[MLAB_MLKEM_SS_LEN];
		assert_true(m && ek && c && k && nm == 32);
		int e = mlab_mlkem768_encaps_m(ek, ne, m, oc, ok_), chk = mlab_mlkem768_check_ek(ek, ne);
		bool ok;
		const char *why = e ? mlab_err_name(e) : "c or K differs, or an invalid key was accepted";
		if (wp_result(test) == WP_VALID)
			ok = e == 0 && chk == 0 && nc == sizeof oc && nk == sizeof ok_ && memcmp(oc, c, nc) == 0 &&
			     memcmp(ok_, k, nk) == 0;
		else if (wp_flag(test, "ModulusOverflow") || says(test, "not reduced")) {
			ok = e == MLAB_E_MLKEM_EK && chk == e;
			modulus += ok;
		} else if (says(test, "too short") || says(test, "too long")) {
			ok = e == MLAB_E_SHARE_LENGTH && chk == e;
			length += ok;
		} else {
			ok = false;
			why = "an invalid case of a kind this test does not know";
		}
		judge(&r, test, ok, why);
		free(m);
		free(ek);
		free(c);
		free(k);
	}
	char extra[128];
	snprintf(extra, sizeof extra, "%u keys refused by the modulus check, %u by their length", modulus, length);
	finish(&r, root, extra);
	assert_int_equal(modulus, 112);
	assert_int_equal(length, 20);
}

/* KeyGen from the seed (its ek must be the vector's), then Decaps of c:
 * valid → K. A flipped or random ciphertext is valid too: implicit rejection,
 * and then K must be J(z ‖ c). So are two crafted ones that must be rejected:
 * the strcmp case (c and its re-encryption differ only after a zero byte, so
 * a strcmp would call them equal) and "ciphertext secret and error zero". Invalid →
 * the error of the check its comment names: a seed ("private key") of the
 * wrong length, or a ciphertext of the wrong length. */
static void test_wycheproof_decaps(void **state)
{
	(void)state;
	struct run r = {.t.file = "mlkem_768_test.json"};
	unsigned rejected = 0, seed_len = 0, ct_len = 0;
	json_t *root = wp_load(r.t.file), *group, *test;
	FOR_EACH_TEST(root, group, test)
	{
		assert_string_equal(json_string_value(json_object_get(group, "parameterSet")), "ML-KEM-768");
		size_t ns, ne, nc, nk;
		uint8_t *seed = wp_hex(test, "seed", &ns), *ek = wp_hex(test, "ek", &ne), *c = wp_hex(test, "c", &nc),
			*k = wp_hex(test, "K", &nk);
		uint8_t oek[MLAB_MLKEM768_EK_LEN], odk[MLAB_MLKEM768_DK_LEN], ok_[MLAB_MLKEM_SS_LEN], j[32];
		assert_true(seed && c && k); /* the cases of a wrong seed length give no ek */
		const char *why = "K differs";
		int e = mlab_mlkem768_keygen_seed(seed, ns, oek, odk);
		if (e == 0 && (!ek || ne != sizeof oek || memcmp(oek, ek, ne) != 0)) {
			e = MLAB_E_ARG;
			why = "our ek differs from the vector's";
		}
		if (e == 0)
			e = mlab_mlkem768_decaps(odk, sizeof odk, c, nc, ok_);
		else if (e != MLAB_E_ARG)
			why = mlab_err_name(e);
		bool ok;
		if (wp_result(test) == WP_VALID) {
			ok = e == 0 && nk == sizeof ok_ && memcmp(ok_, k, nk) == 0;
			if (ok && nc == MLAB_MLKEM768_CT_LEN) {
				/* which path the vector's K is: J(z ‖ c) for a rejection */
				j_of(odk, c, nc, j);
				bool reject = memcmp(ok_, j, 32) == 0;
				if (!reject && (says(test, "flipped") || says(test, "Random ciphertext"))) {
					ok = false;
					why = "a flipped or random ciphertext was not rejected implicitly";
				}
				rejected += reject;
			}
			if (e != 0 && e != MLAB_E_ARG)
				why = mlab_err_name(e);
		} else if (says(test, "Private key")) {
			ok = e == MLAB_E_MLKEM_DK && ns != MLAB_MLKEM_SEED_LEN;
			seed_len += ok;
			why = e ? mlab_err_name(e) : "a seed of the wrong length was accepted";
		} else if (says(test, "Ciphertext")) {
			ok = e == MLAB_E_MLKEM_CT && nc != MLAB_MLKEM768_CT_LEN;
			ct_len += ok;
			why = e ? mlab_err_name(e) : "a ciphertext of the wrong length was accepted";
		} else {
			ok = false;
			why = "an invalid case of a kind this test does not know";
		}
		judge(&r, test, ok, why);
		free(seed);
		free(ek);
		free(c);
		free(k);
	}
	char extra[160];
	snprintf(extra, sizeof extra,
		 "%u implicit rejections (K = J(z || c)), %u seeds and %u ciphertexts refused by their length",
		 rejected, seed_len, ct_len);
	finish(&r, root, extra);
	assert_int_equal(rejected, 22);
	assert_int_equal(seed_len, 20);
	assert_int_equal(ct_len, 20);
}

/* ---------------------------------------------------------------- the §7 checks by name */

static void keypair(uint8_t ek[MLAB_MLKEM768_EK_LEN], uint8_t dk[MLAB_MLKEM768_DK_LEN])
{
	assert_err(mlab_mlkem768_keygen(ek, dk), 0);
}

/* Sets coefficient idx (0..767) of ek's encoded vector t̂ to v (12 bits):
 * two coefficients share three bytes, little-endian. */
static void set_coeff(uint8_t *ek, size_t idx, unsigned v)
{
	uint8_t *p = ek + idx / 2 * 3;
	if (idx % 2 == 0) {
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)((p[1] & 0xF0) | (v >> 8));
	} else {
		p[1] = (uint8_t)((p[1] & 0x0F) | ((v & 0x0F) << 4));
		p[2] = (uint8_t)(v >> 4);
	}
}

static void test_ek_checks(void **state)
{
	(void)state;
	uint8_t ek[MLAB_MLKEM768_EK_LEN + 1], bad[MLAB_MLKEM768_EK_LEN], dk[MLAB_MLKEM768_DK_LEN],
	    ct[MLAB_MLKEM768_CT_LEN], ss[32], m[32] = {0};
	keypair(ek, dk);
	assert_err(mlab_mlkem768_check_ek(ek, MLAB_MLKEM768_EK_LEN), 0);
	/* one byte short, one byte long: the length check, in Encaps too */
	assert_err(mlab_mlkem768_check_ek(ek, MLAB_MLKEM768_EK_LEN - 1), MLAB_E_SHARE_LENGTH);
	assert_err(mlab_mlkem768_check_ek(ek, MLAB_MLKEM768_EK_LEN + 1), MLAB_E_SHARE_LENGTH);
	assert_err(mlab_mlkem768_encaps(ek, MLAB_MLKEM768_EK_LEN - 1, ct, ss), MLAB_E_SHARE_LENGTH);
	assert_err(mlab_mlkem768_encaps_m(ek, MLAB_MLKEM768_EK_LEN + 1, m, ct, ss), MLAB_E_SHARE_LENGTH);
	assert_err(mlab_mlkem768_check_ek(NULL, MLAB_MLKEM768_EK_LEN), MLAB_E_SHARE_LENGTH);
	/* one coefficient = q (3329), the smallest value the modulus check must
	 * refuse, at both nibble alignments, first and last of each polynomial;
	 * q - 1 is accepted; 4095, the largest 12-bit value, is refused */
	static const size_t where[] = {0, 1, 254, 255, 256, 257, 510, 511, 512, 513, 766, 767};
	for (size_t i = 0; i < N_OF(where); i++) {
		memcpy(bad, ek, sizeof bad);
		set_coeff(bad, where[i], 3329);
		assert_err(mlab_mlkem768_check_ek(bad, sizeof bad), MLAB_E_MLKEM_EK);
		assert_err(mlab_mlkem768_encaps(bad, sizeof bad, ct, ss), MLAB_E_MLKEM_EK);
		set_coeff(bad, where[i], 4095);
		assert_err(mlab_mlkem768_encaps_m(bad, sizeof bad, m, ct, ss), MLAB_E_MLKEM_EK);
		set_coeff(bad, where[i], 3328);
		assert_err(mlab_mlkem768_check_ek(bad, sizeof bad), 0);
	}
	/* ρ is not checked: any 32 bytes are a seed */
	memcpy(bad, ek, sizeof bad);
	memset(bad + MLAB_MLKEM768_EK_LEN - 32, 0xFF, 32);
	assert_err(mlab_mlkem768_check_ek(bad, sizeof bad), 0);
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
	j_of(dk, ct, MLAB_MLKEM768_CT_LEN, kbar);
	assert_memory_not_equal(k2, kbar, 32);
	/* one byte short, one byte long, none: errors */
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN - 1, k2), MLAB_E_MLKEM_CT);
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN + 1, k2), MLAB_E_MLKEM_CT);
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, NULL, MLAB_MLKEM768_CT_LEN, k2), MLAB_E_MLKEM_CT);
	/* one bit flipped, in u and in v: no error, K̄ = J(z ‖ c) */
	static const size_t bits[] = {0, 500 * 8 + 4, 960 * 8, MLAB_MLKEM768_CT_LEN * 8 - 1};
	for (size_t i = 0; i < N_OF(bits); i++) {
		ct[bits[i] / 8] ^= (uint8_t)(1u << (bits[i] % 8));
		assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN, k2), 0);
		assert_memory_not_equal(k1, k2, 32);
		j_of(dk, ct, MLAB_MLKEM768_CT_LEN, kbar);
		assert_memory_equal(k2, kbar, 32);
		ct[bits[i] / 8] ^= (uint8_t)(1u << (bits[i] % 8));
	}
	/* a damaged dk: its stored H(ek), or the ek it holds, no longer match —
	 * or a wrong length */
	uint8_t bad[MLAB_MLKEM768_DK_LEN];
	memcpy(bad, dk, sizeof bad);
	bad[MLAB_MLKEM768_DK_LEN - 40] ^= 1; /* inside H(ek): bytes 2336..2367 */
	assert_err(mlab_mlkem768_decaps(bad, sizeof bad, ct, MLAB_MLKEM768_CT_LEN, k2), MLAB_E_MLKEM_DK);
	memcpy(bad, dk, sizeof bad);
	bad[1152 + 100] ^= 1; /* inside ek: bytes 1152..2335 */
	assert_err(mlab_mlkem768_decaps(bad, sizeof bad, ct, MLAB_MLKEM768_CT_LEN, k2), MLAB_E_MLKEM_DK);
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk - 1, ct, MLAB_MLKEM768_CT_LEN, k2), MLAB_E_MLKEM_DK);
	assert_err(mlab_mlkem768_decaps(NULL, sizeof dk, ct, MLAB_MLKEM768_CT_LEN, k2), MLAB_E_MLKEM_DK);
	/* the intact dk still works */
	assert_err(mlab_mlkem768_decaps(dk, sizeof dk, ct, MLAB_MLKEM768_CT_LEN, k2), 0);
	assert_memory_equal(k1, k2, 32);
}

/* The seed form: exactly 64 bytes; deterministic; d and z each matter. */
static void test_keygen_seed(void **state)
{
	(void)state;
	uint8_t seed[MLAB_MLKEM_SEED_LEN + 1] = {0}, ek1[MLAB_MLKEM768_EK_LEN], dk1[MLAB_MLKEM768_DK_LEN],
					   ek2[MLAB_MLKEM768_EK_LEN], dk2[MLAB_MLKEM768_DK_LEN];
	assert_err(mlab_mlkem768_keygen_seed(seed, 63, ek1, dk1), MLAB_E_MLKEM_DK);
	assert_err(mlab_mlkem768_keygen_seed(seed, 65, ek1, dk1), MLAB_E_MLKEM_DK);
	assert_err(mlab_mlkem768_keygen_seed(NULL, 64, ek1, dk1), MLAB_E_MLKEM_DK);
	assert_err(mlab_mlkem768_keygen_seed(seed, 64, ek1, dk1), 0);
	assert_err(mlab_mlkem768_keygen_seed(seed, 64, ek2, dk2), 0);
	assert_memory_equal(ek1, ek2, sizeof ek1);
	assert_memory_equal(dk1, dk2, sizeof dk1);
	/* dk = dk_pke ‖ ek ‖ H(ek) ‖ z */
	assert_memory_equal(dk1 + 1152, ek1, sizeof ek1);
	assert_memory_equal(dk1 + MLAB_MLKEM768_DK_LEN - 32, seed + 32, 32);
	seed[63] ^= 1; /* z: only the last 32 bytes of dk change */
	assert_err(mlab_mlkem768_keygen_seed(seed, 64, ek2, dk2), 0);
	assert_memory_equal(ek1, ek2, sizeof ek1);
	assert_memory_equal(dk1, dk2, MLAB_MLKEM768_DK_LEN - 32);
	assert_memory_not_equal(dk1 + MLAB_MLKEM768_DK_LEN - 32, dk2 + MLAB_MLKEM768_DK_LEN - 32, 32);
	seed[0] ^= 1; /* d: another key */
	assert_err(mlab_mlkem768_keygen_seed(seed, 64, ek2, dk2), 0);
	assert_memory_not_equal(ek1, ek2, sizeof ek1);
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
	    cmocka_unit_test(test_decaps_checks),     cmocka_unit_test(test_keygen_seed),
	    cmocka_unit_test(test_round_trips),
	};
	return cmocka_run_group_tests_name("mlkem", tests, NULL, NULL);
}
