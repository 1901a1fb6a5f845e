/* Project Wycheproof vectors (tests/vectors/wycheproof/, Apache-2.0), every
 * case run through the project's own wrappers in lib/, not through OpenSSL
 * directly: that is what shows the wrappers check every return value and
 * refuse what they must.
 *
 * One cmocka test per file. A test does not stop at the first disagreement:
 * it runs every case, prints each disagreement (tcId, comment, what happened)
 * and fails at the end if there was any, after freeing everything. Each file
 * also prints a one-line summary to stderr, as a TAP comment.
 *
 * Files are found under $MLAB_SRC (set by `make test` to the repository
 * root), or under the current directory when MLAB_SRC is unset. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_wire.h"

#include "wycheproof.h"

/* ---------------------------------------------------------------- helpers */

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

static void print_summary(const struct wp_tally *t, const char *extra)
{
	fprintf(stderr,
		"# wycheproof %s: %u cases, %u run through the wrapper / %u valid / %u invalid / %u acceptable / "
		"%u not representable%s%s; %u disagreements\n",
		t->file, t->total, t->run, t->valid, t->invalid, t->acceptable, t->unrepresentable,
		extra && *extra ? "; " : "", extra ? extra : "", t->disagree);
}

/* ---------------------------------------------------------------- X25519 */

/* Per case: the private key goes into a struct mlab_dh as the handshake would
 * hold it, and mlab_dh_derive(validate=true) computes the secret.
 *   valid       success with exactly the expected secret;
 *   invalid     any failure (the file has none today);
 *   acceptable  an all-zero expected secret (flag ZeroSharedSecret: the public
 *               key is a low-order point) MUST be refused with
 *               MLAB_E_SHARE_LOW_ORDER: that is the project's policy. Any other
 *               acceptable case may succeed (then with the right value) or fail;
 *               both paths are counted and printed.
 * The share length is checked too: a public key of other than 32 bytes must
 * give MLAB_E_SHARE_LENGTH. The file has only 32-byte keys, so every case
 * also offers its key cut by one byte and extended by one byte. */
static void wycheproof_x25519(void **state)
{
	struct wp_tally t = {.file = "x25519_test.json"};
	json_t *root = wp_load(t.file), *group, *test;
	const struct mlab_group *g = mlab_group_by_name("x25519");
	unsigned acc_ok = 0, acc_refused = 0, zero_refused = 0, length_checks = 0;
	size_t gi, ti;
	char extra[200];

	(void)state;
	assert_non_null(g);
	json_array_foreach(json_object_get(root, "testGroups"), gi, group)
	{
		json_array_foreach(json_object_get(group, "tests"), ti, test)
		{
			enum wp_result x = wp_result(test);
			size_t sk_len, pub_len, shared_len, out_len = 0;
			uint8_t *sk = wp_hex(test, "private", &sk_len);
			uint8_t *pub = wp_hex(test, "public", &pub_len);
			uint8_t *shared = wp_hex(test, "shared", &shared_len);
			uint8_t out[MLAB_MAX_SECRET], longer[33];
			bool zero = shared && (all_zero(shared, shared_len) || wp_flag(test, "ZeroSharedSecret"));
			struct mlab_dh dh;
			int e;

			wp_count(&t, test);
			memset(&dh, 0, sizeof dh);
			if (x == WP_UNKNOWN || !sk || !pub || !shared) {
				wp_disagree(&t, test, "malformed test case");
				goto next;
			}
			dh.group = g;
			dh.priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, sk, sk_len);
			if (!dh.priv) {
				/* Only a key of the wrong size can fail to import. */
				if (x != WP_INVALID)
					wp_disagree(&t, test, "private key (%zu bytes) does not import", sk_len);
				goto next;
			}
			dh.pub_len = sizeof dh.pub;
			if (EVP_PKEY_get_raw_public_key(dh.priv, dh.pub, &dh.pub_len) != 1) {
				wp_disagree(&t, test, "no public key from the private key");
				goto next;
			}

			/* The length rule, on this case's key made one byte short and one
			 * byte long (whatever its own length). */
			if (pub_len > 0) {
				e = mlab_dh_derive(&dh, pub, pub_len - 1, true, out, &out_len);
				if (e != MLAB_E_SHARE_LENGTH)
					wp_disagree(&t, test, "%zu-byte public key gave %s, not share-length",
						    pub_len - 1, mlab_err_name(e));
				length_checks++;
			}
			if (pub_len < sizeof longer) {
				memcpy(longer, pub, pub_len);
				longer[pub_len] = 0;
				e = mlab_dh_derive(&dh, longer, pub_len + 1, true, out, &out_len);
				if (e != MLAB_E_SHARE_LENGTH)
					wp_disagree(&t, test, "%zu-byte public key gave %s, not share-length",
						    pub_len + 1, mlab_err_name(e));
				length_checks++;
			}

			t.run++;
			out_len = 0;
			e = mlab_dh_derive(&dh, pub, pub_len, true, out, &out_len);
			if (pub_len != g->share_len) {
				if (e != MLAB_E_SHARE_LENGTH)
					wp_disagree(&t, test, "%zu-byte public key gave %s, not share-length", pub_len,
						    mlab_err_name(e));
				else if (x == WP_VALID)
					wp_disagree(&t, test, "a valid case with a %zu-byte public key", pub_len);
				goto next;
			}
			switch (x) {
			case WP_VALID:
				if (e != 0)
					wp_disagree(&t, test, "refused with %s", mlab_err_name(e));
				else if (out_len != shared_len || memcmp(out, shared, shared_len) != 0)
					wp_disagree(&t, test, "wrong shared secret");
				break;
			case WP_INVALID:
				if (e == 0)
					wp_disagree(&t, test, "accepted");
				break;
			default: /* acceptable */
				if (zero) {
					if (e != MLAB_E_SHARE_LOW_ORDER)
						wp_disagree(&t, test, "all-zero secret gave %s, not share-low-order",
							    mlab_err_name(e));
					else
						zero_refused++;
				} else if (e == 0) {
					if (out_len != shared_len || memcmp(out, shared, shared_len) != 0)
						wp_disagree(&t, test, "accepted with a wrong shared secret");
					else
						acc_ok++;
				} else {
					acc_refused++;
				}
				break;
			}
		next:
			mlab_dh_free(&dh);
			free(sk);
			free(pub);
			free(shared);
		}
	}
	wp_check_total(&t, root);
	json_decref(root);
	snprintf(extra, sizeof extra,
		 "acceptable: %u all-zero refused as share-low-order, %u others derived, %u others refused; "
		 "%u wrong-length shares refused",
		 zero_refused, acc_ok, acc_refused, length_checks);
	print_summary(&t, extra);
	assert_int_equal(t.disagree, 0);
}

/* ---------------------------------------------------------------- Ed25519 */

/* Per group: mlab_ed25519_from_raw_public on the group's public key; per case:
 * mlab_ed25519_verify. valid -> 0, invalid -> non-zero. A key the wrapper
 * refuses to import can only carry invalid cases. */
static void wycheproof_ed25519(void **state)
{
	struct wp_tally t = {.file = "ed25519_test.json"};
	json_t *root = wp_load(t.file), *group, *test;
	unsigned by_length = 0, by_invalid = 0, by_other = 0;
	size_t gi, ti;
	char extra[160];

	(void)state;
	json_array_foreach(json_object_get(root, "testGroups"), gi, group)
	{
		size_t pk_len;
		uint8_t *pk = wp_hex(json_object_get(group, "publicKey"), "pk", &pk_len);
		EVP_PKEY *key = NULL;
		int ek = pk && pk_len == 32 ? mlab_ed25519_from_raw_public(pk, &key) : MLAB_E_SIG_LENGTH;

		json_array_foreach(json_object_get(group, "tests"), ti, test)
		{
			enum wp_result x = wp_result(test);
			size_t msg_len, sig_len;
			uint8_t *msg = wp_hex(test, "msg", &msg_len);
			uint8_t *sig = wp_hex(test, "sig", &sig_len);
			int e;

			wp_count(&t, test);
			if (x == WP_UNKNOWN || x == WP_ACCEPTABLE || !msg || !sig) {
				wp_disagree(&t, test, "malformed test case");
				goto next;
			}
			if (ek != 0) {
				if (x == WP_VALID)
					wp_disagree(&t, test, "public key refused (%s)", mlab_err_name(ek));
				goto next;
			}
			t.run++;
			e = mlab_ed25519_verify(key, msg, msg_len, sig, sig_len);
			if (x == WP_VALID && e != 0)
				wp_disagree(&t, test, "refused with %s", mlab_err_name(e));
			else if (x == WP_INVALID && e == 0)
				wp_disagree(&t, test, "accepted");
			else if (x == WP_INVALID && e == MLAB_E_SIG_LENGTH)
				by_length++;
			else if (x == WP_INVALID && e == MLAB_E_SIG_INVALID)
				by_invalid++;
			else if (x == WP_INVALID)
				by_other++;
			if (e == MLAB_E_SIG_LENGTH && sig_len == 64)
				wp_disagree(&t, test, "64-byte signature refused as signature-length");
		next:
			free(msg);
			free(sig);
		}
		EVP_PKEY_free(key);
		free(pk);
	}
	wp_check_total(&t, root);
	json_decref(root);
	snprintf(extra, sizeof extra, "invalid refused: %u signature-length, %u signature-invalid, %u other", by_length,
		 by_invalid, by_other);
	print_summary(&t, extra);
	assert_int_equal(t.disagree, 0);
}

/* ---------------------------------------------------------------- HKDF */

/* mlab_hkdf(salt, ikm, info, size): valid -> exactly okm; invalid (an output
 * size over 255*32) -> non-zero. */
static void wycheproof_hkdf_sha256(void **state)
{
	struct wp_tally t = {.file = "hkdf_sha256_test.json"};
	json_t *root = wp_load(t.file), *group, *test;
	size_t gi, ti;

	(void)state;
	json_array_foreach(json_object_get(root, "testGroups"), gi, group)
	{
		json_array_foreach(json_object_get(group, "tests"), ti, test)
		{
			enum wp_result x = wp_result(test);
			size_t ikm_len, salt_len, info_len, okm_len, size;
			uint8_t *ikm = wp_hex(test, "ikm", &ikm_len);
			uint8_t *salt = wp_hex(test, "salt", &salt_len);
			uint8_t *info = wp_hex(test, "info", &info_len);
			uint8_t *okm = wp_hex(test, "okm", &okm_len);
			json_int_t jsize = json_integer_value(json_object_get(test, "size"));
			uint8_t *out = NULL;
			int e;

			wp_count(&t, test);
			if (x == WP_UNKNOWN || x == WP_ACCEPTABLE || !ikm || !salt || !info || !okm ||
			    !json_is_integer(json_object_get(test, "size")) || jsize < 0 || jsize > 1 << 20) {
				wp_disagree(&t, test, "malformed test case");
				goto next;
			}
			size = (size_t)jsize;
			if (!(out = malloc(size ? size : 1))) {
				wp_disagree(&t, test, "out of memory");
				goto next;
			}
			memset(out, 0, size ? size : 1);
			t.run++;
			e = mlab_hkdf(salt, salt_len, ikm, ikm_len, info, info_len, out, size);
			if (x == WP_VALID) {
				if (e != 0)
					wp_disagree(&t, test, "refused with %s", mlab_err_name(e));
				else if (okm_len != size || memcmp(out, okm, size) != 0)
					wp_disagree(&t, test, "wrong okm");
			} else if (e == 0) {
				wp_disagree(&t, test, "accepted (size %zu)", size);
			}
		next:
			free(ikm);
			free(salt);
			free(info);
			free(okm);
			free(out);
		}
	}
	wp_check_total(&t, root);
	json_decref(root);
	print_summary(&t, NULL);
	assert_int_equal(t.disagree, 0);
}

/* ---------------------------------------------------------------- AEAD */

/* mlab_aead_seal/open take a 32-byte key, a 12-byte nonce and a 16-byte tag as
 * fixed-size arrays, with no length parameter: the protocol never uses any
 * other shape, and OpenSSL would otherwise accept short tags (see
 * lib/mlab_crypto.h). A case with keySize != 256, ivSize != 96 or
 * tagSize != 128 (or whose own key, iv or tag has another length) therefore
 * cannot be expressed through the wrapper at all. That is a documented
 * policy, not a skip: for each such case the test asserts the shape really is
 * outside what the API can carry (so a representable case can never be
 * dropped here by mistake), counts it and prints the count.
 *
 * Every representable case goes through the wrapper:
 *   valid    seal gives exactly ct and tag; open gives exactly msg;
 *   invalid  open fails with MLAB_E_RECORD_AUTH, and the plaintext buffer
 *            (pre-filled with non-zero bytes) is all zero afterwards: the
 *            wrapper never releases unauthenticated plaintext. */
static void wycheproof_aead(const char *file, unsigned cipher)
{
	struct wp_tally t = {.file = file};
	json_t *root = wp_load(t.file), *group, *test;
	unsigned unrep_valid = 0, unrep_invalid = 0;
	size_t gi, ti;
	char extra[120];

	json_array_foreach(json_object_get(root, "testGroups"), gi, group)
	{
		json_int_t key_bits = json_integer_value(json_object_get(group, "keySize"));
		json_int_t iv_bits = json_integer_value(json_object_get(group, "ivSize"));
		json_int_t tag_bits = json_integer_value(json_object_get(group, "tagSize"));
		bool group_fits =
		    key_bits == 8 * MLAB_AEAD_KEY && iv_bits == 8 * MLAB_AEAD_IV && tag_bits == 8 * MLAB_AEAD_TAG;

		json_array_foreach(json_object_get(group, "tests"), ti, test)
		{
			enum wp_result x = wp_result(test);
			size_t key_len, iv_len, aad_len, msg_len, ct_len, tag_len;
			uint8_t *key = wp_hex(test, "key", &key_len);
			uint8_t *iv = wp_hex(test, "iv", &iv_len);
			uint8_t *aad = wp_hex(test, "aad", &aad_len);
			uint8_t *msg = wp_hex(test, "msg", &msg_len);
			uint8_t *ct = wp_hex(test, "ct", &ct_len);
			uint8_t *tag = wp_hex(test, "tag", &tag_len);
			uint8_t *out = NULL, got_tag[MLAB_AEAD_TAG];
			bool case_fits;
			int e;

			wp_count(&t, test);
			if (x == WP_UNKNOWN || x == WP_ACCEPTABLE || !key || !iv || !aad || !msg || !ct || !tag) {
				wp_disagree(&t, test, "malformed test case");
				goto next;
			}
			case_fits = key_len == MLAB_AEAD_KEY && iv_len == MLAB_AEAD_IV && tag_len == MLAB_AEAD_TAG;
			if (!group_fits || !case_fits) {
				/* Not representable: assert it really is not (the case's own
				 * key, nonce or tag cannot fill the wrapper's fixed arrays). */
				if (case_fits)
					wp_disagree(&t, test,
						    "group says %lld/%lld/%lld bits but the case has a 32/12/16-byte "
						    "key/iv/tag: it would be representable",
						    (long long)key_bits, (long long)iv_bits, (long long)tag_bits);
				t.unrepresentable++;
				if (x == WP_VALID)
					unrep_valid++;
				else
					unrep_invalid++;
				goto next;
			}
			/* Room for either direction; never NULL, even for empty text. */
			if (!(out = malloc(ct_len > msg_len ? ct_len : msg_len ? msg_len : 1))) {
				wp_disagree(&t, test, "out of memory");
				goto next;
			}
			t.run++;
			if (x == WP_VALID) {
				if (ct_len != msg_len) {
					wp_disagree(&t, test, "valid case with |ct| %zu != |msg| %zu", ct_len, msg_len);
					goto next;
				}
				memset(got_tag, 0, sizeof got_tag);
				e = mlab_aead_seal(cipher, key, iv, aad, aad_len, msg, msg_len, out, got_tag);
				if (e != 0)
					wp_disagree(&t, test, "seal failed with %s", mlab_err_name(e));
				else if (memcmp(out, ct, ct_len) != 0)
					wp_disagree(&t, test, "seal gave a wrong ciphertext");
				else if (memcmp(got_tag, tag, sizeof got_tag) != 0)
					wp_disagree(&t, test, "seal gave a wrong tag");
				memset(out, 0xa5, ct_len);
				e = mlab_aead_open(cipher, key, iv, aad, aad_len, ct, ct_len, tag, out);
				if (e != 0)
					wp_disagree(&t, test, "open failed with %s", mlab_err_name(e));
				else if (memcmp(out, msg, msg_len) != 0)
					wp_disagree(&t, test, "open gave a wrong plaintext");
			} else {
				memset(out, 0xa5, ct_len);
				e = mlab_aead_open(cipher, key, iv, aad, aad_len, ct, ct_len, tag, out);
				if (e != MLAB_E_RECORD_AUTH)
					wp_disagree(&t, test, "open gave %s, not record-auth", mlab_err_name(e));
				if (!all_zero(out, ct_len))
					wp_disagree(&t, test, "plaintext buffer not wiped after a failed open");
			}
		next:
			free(key);
			free(iv);
			free(aad);
			free(msg);
			free(ct);
			free(tag);
			free(out);
		}
	}
	wp_check_total(&t, root);
	json_decref(root);
	snprintf(extra, sizeof extra, " (%u valid, %u invalid: key/nonce/tag size outside the protocol's)", unrep_valid,
		 unrep_invalid);
	/* The note belongs to the "not representable" count. */
	fprintf(stderr,
		"# wycheproof %s: %u cases, %u run through the wrapper / %u valid / %u invalid / %u acceptable / "
		"%u not representable%s; %u disagreements\n",
		t.file, t.total, t.run, t.valid, t.invalid, t.acceptable, t.unrepresentable, extra, t.disagree);
	assert_int_equal(t.disagree, 0);
}

static void wycheproof_chacha20_poly1305(void **state)
{
	(void)state;
	wycheproof_aead("chacha20_poly1305_test.json", MLAB_CIPHER_CHACHA20_POLY1305);
}

static void wycheproof_aes_gcm(void **state)
{
	(void)state;
	wycheproof_aead("aes_gcm_test.json", MLAB_CIPHER_AES_256_GCM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(wycheproof_x25519),      cmocka_unit_test(wycheproof_ed25519),
	    cmocka_unit_test(wycheproof_hkdf_sha256), cmocka_unit_test(wycheproof_chacha20_poly1305),
	    cmocka_unit_test(wycheproof_aes_gcm),
	};
	return cmocka_run_group_tests_name("wycheproof", tests, NULL, NULL);
}
