/* Published test vectors, run through the project's own wrappers (lib/):
 *   RFC 7748 §5.2 and §6.1   X25519            mlab_dh_derive
 *   RFC 8032 §7.1            Ed25519           mlab_ed25519_*
 *   RFC 5869 Appendix A      HKDF-SHA256       mlab_hkdf_extract / _expand / mlab_hkdf
 *   RFC 8439 §2.8.2          ChaCha20-Poly1305 mlab_aead_seal / mlab_aead_open
 * The vectors are typed in as hex, exactly as the RFCs print them. OpenSSL is
 * used directly only to build inputs (the X25519 private key). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_wire.h"

/* ---------------------------------------------------------------- helpers */

/* Decodes hex into out (cap bytes) and returns the length; a malformed string
 * (a typo in a vector) fails the test instead of testing something else. */
static size_t hex(uint8_t *out, size_t cap, const char *s)
{
	size_t n;

	assert_true(strlen(s) / 2 <= cap);
	assert_int_equal(mlab_unhex(s, out, cap, &n), 0);
	return n;
}

#define HEX(buf, s) hex((buf), sizeof(buf), (s))

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* ---------------------------------------------------------------- X25519 */

/* A struct mlab_dh holding a given private key, as the brief for these tests
 * says: the group from the registry, the key imported raw, the public share
 * read back from OpenSSL. */
static void x25519_dh_from_private(struct mlab_dh *dh, const uint8_t sk[32])
{
	size_t n = sizeof dh->pub;

	memset(dh, 0, sizeof *dh);
	dh->group = mlab_group_by_name("x25519");
	assert_non_null(dh->group);
	dh->priv = EVP_PKEY_new_raw_private_key_ex(NULL, "X25519", NULL, sk, 32);
	assert_non_null(dh->priv);
	assert_int_equal(EVP_PKEY_get_raw_public_key(dh->priv, dh->pub, &n), 1);
	assert_int_equal(n, 32);
	dh->pub_len = n;
}

static void x25519_check(const char *scalar_hex, const char *u_hex, const char *out_hex)
{
	uint8_t k[32], u[32], want[32], out[MLAB_MAX_SECRET];
	size_t out_len = 0;
	struct mlab_dh dh;

	assert_int_equal(HEX(k, scalar_hex), 32);
	assert_int_equal(HEX(u, u_hex), 32);
	assert_int_equal(HEX(want, out_hex), 32);
	x25519_dh_from_private(&dh, k);
	assert_int_equal(mlab_dh_derive(&dh, u, sizeof u, true, out, &out_len), 0);
	mlab_dh_free(&dh);
	assert_int_equal(out_len, 32);
	assert_memory_equal(out, want, 32);
}

/* RFC 7748 §5.2, first test vector (input scalar / input u-coordinate /
 * output u-coordinate). */
static void rfc7748_s5_2_vector1(void **state)
{
	(void)state;
	x25519_check("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
		     "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
		     "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
}

/* RFC 7748 §5.2, second test vector. Its input u-coordinate has the top bit
 * set (last byte 0x93), which §5 says must be masked: this checks that too. */
static void rfc7748_s5_2_vector2(void **state)
{
	(void)state;
	x25519_check("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
		     "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
		     "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

/* RFC 7748 §6.1, the Diffie-Hellman example: both key pairs reproduce the
 * published public keys and both sides reach the shared secret K. */
static void rfc7748_s6_1_diffie_hellman(void **state)
{
	static const char *const a_hex = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
	static const char *const a_pub_hex = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
	static const char *const b_hex = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
	static const char *const b_pub_hex = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
	static const char *const k_hex = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
	uint8_t a[32], a_pub[32], b[32], b_pub[32], k[32];
	uint8_t out_a[MLAB_MAX_SECRET], out_b[MLAB_MAX_SECRET];
	size_t len_a = 0, len_b = 0;
	struct mlab_dh alice, bob;
	int e_a, e_b;

	(void)state;
	HEX(a, a_hex);
	HEX(a_pub, a_pub_hex);
	HEX(b, b_hex);
	HEX(b_pub, b_pub_hex);
	HEX(k, k_hex);

	x25519_dh_from_private(&alice, a);
	x25519_dh_from_private(&bob, b);
	assert_int_equal(alice.pub_len, 32);
	assert_memory_equal(alice.pub, a_pub, 32);
	assert_int_equal(bob.pub_len, 32);
	assert_memory_equal(bob.pub, b_pub, 32);

	e_a = mlab_dh_derive(&alice, bob.pub, bob.pub_len, true, out_a, &len_a);
	e_b = mlab_dh_derive(&bob, alice.pub, alice.pub_len, true, out_b, &len_b);
	mlab_dh_free(&alice);
	mlab_dh_free(&bob);
	assert_int_equal(e_a, 0);
	assert_int_equal(e_b, 0);
	assert_int_equal(len_a, 32);
	assert_int_equal(len_b, 32);
	assert_memory_equal(out_a, k, 32);
	assert_memory_equal(out_b, k, 32);
}

/* RFC 7748 §6.1 (last paragraphs) and §7: a low-order public key gives the
 * all-zero shared secret and must be refused. u = 0 is the simplest one; with
 * validation on, the wrapper names it MLAB_E_SHARE_LOW_ORDER. */
static void rfc7748_low_order_zero_u(void **state)
{
	static const uint8_t zero_u[32];
	uint8_t a[32], out[MLAB_MAX_SECRET];
	size_t out_len = 0;
	struct mlab_dh dh;
	int e;

	(void)state;
	HEX(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	x25519_dh_from_private(&dh, a);
	e = mlab_dh_derive(&dh, zero_u, sizeof zero_u, true, out, &out_len);
	mlab_dh_free(&dh);
	assert_int_equal(e, MLAB_E_SHARE_LOW_ORDER);
}

/* ---------------------------------------------------------------- Ed25519 */

static void ed25519_check(const char *sk_hex, const char *pk_hex, const char *msg_hex, const char *sig_hex)
{
	uint8_t sk[32], pk[32], msg[64], sig[64], got_pk[32], got_sig[64], bad[64];
	size_t msg_len;
	EVP_PKEY *key = NULL;
	int e_pub, e_sign, e_ok, e_bad_r, e_bad_s, e_short;

	assert_int_equal(HEX(sk, sk_hex), 32);
	assert_int_equal(HEX(pk, pk_hex), 32);
	msg_len = HEX(msg, msg_hex);
	assert_int_equal(HEX(sig, sig_hex), 64);

	assert_int_equal(mlab_ed25519_from_raw_private(sk, &key), 0);
	assert_non_null(key);
	e_pub = mlab_ed25519_raw_public(key, got_pk);
	e_sign = mlab_ed25519_sign(key, msg, msg_len, got_sig);
	e_ok = mlab_ed25519_verify(key, msg, msg_len, sig, sizeof sig);
	memcpy(bad, sig, sizeof bad);
	bad[0] ^= 0x01; /* a bit of R */
	e_bad_r = mlab_ed25519_verify(key, msg, msg_len, bad, sizeof bad);
	memcpy(bad, sig, sizeof bad);
	bad[32] ^= 0x01; /* a bit of S */
	e_bad_s = mlab_ed25519_verify(key, msg, msg_len, bad, sizeof bad);
	e_short = mlab_ed25519_verify(key, msg, msg_len, sig, 63);
	EVP_PKEY_free(key);

	assert_int_equal(e_pub, 0);
	assert_memory_equal(got_pk, pk, 32);
	assert_int_equal(e_sign, 0);
	assert_memory_equal(got_sig, sig, 64);
	assert_int_equal(e_ok, 0);
	assert_int_equal(e_bad_r, MLAB_E_SIG_INVALID);
	assert_int_equal(e_bad_s, MLAB_E_SIG_INVALID);
	assert_int_equal(e_short, MLAB_E_SIG_LENGTH);
}

/* RFC 8032 §7.1, TEST 1 (empty message). */
static void rfc8032_s7_1_test1(void **state)
{
	(void)state;
	ed25519_check("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

/* RFC 8032 §7.1, TEST 2 (one-octet message). */
static void rfc8032_s7_1_test2(void **state)
{
	(void)state;
	ed25519_check("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
		      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
}

/* RFC 8032 §7.1, TEST 3 (two-octet message). */
static void rfc8032_s7_1_test3(void **state)
{
	(void)state;
	ed25519_check("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
		      "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
		      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
		      "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a");
}

/* RFC 8032 §7.1, TEST SHA(abc) (the message is SHA-512("abc"), 64 octets). */
static void rfc8032_s7_1_test_sha_abc(void **state)
{
	(void)state;
	ed25519_check("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
		      "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
		      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		      "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
		      "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
		      "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704");
}

/* ---------------------------------------------------------------- HKDF */

/* salt and info may be "" (empty); null_empty passes NULL for those instead
 * of a pointer to zero bytes, and both must mean the same. */
static void hkdf_check(const char *ikm_hex, const char *salt_hex, const char *info_hex, size_t l, const char *prk_hex,
		       const char *okm_hex, bool null_empty)
{
	uint8_t ikm[80], salt[80], info[80], want_prk[32], want_okm[82];
	uint8_t prk[MLAB_SHA256_LEN], okm[82], okm2[82];
	size_t ikm_len = HEX(ikm, ikm_hex), salt_len = HEX(salt, salt_hex), info_len = HEX(info, info_hex);
	const uint8_t *salt_p = null_empty && salt_len == 0 ? NULL : salt;
	const uint8_t *info_p = null_empty && info_len == 0 ? NULL : info;

	assert_int_equal(HEX(want_prk, prk_hex), 32);
	assert_int_equal(HEX(want_okm, okm_hex), l);
	assert_true(l <= sizeof okm);

	assert_int_equal(mlab_hkdf_extract(salt_p, salt_len, ikm, ikm_len, prk), 0);
	assert_memory_equal(prk, want_prk, 32);
	memset(okm, 0, sizeof okm);
	assert_int_equal(mlab_hkdf_expand(prk, info_p, info_len, okm, l), 0);
	assert_memory_equal(okm, want_okm, l);
	memset(okm2, 0, sizeof okm2);
	assert_int_equal(mlab_hkdf(salt_p, salt_len, ikm, ikm_len, info_p, info_len, okm2, l), 0);
	assert_memory_equal(okm2, want_okm, l);
}

/* RFC 5869 Appendix A.1, Test Case 1: basic test case with SHA-256. */
static void rfc5869_a1_test_case1(void **state)
{
	(void)state;
	hkdf_check("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
		   42, "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
		   "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865", false);
}

/* RFC 5869 Appendix A.2, Test Case 2: SHA-256 with longer inputs/outputs. */
static void rfc5869_a2_test_case2(void **state)
{
	(void)state;
	hkdf_check("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		   "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
		   "404142434445464748494a4b4c4d4e4f",
		   "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
		   "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
		   "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
		   "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
		   "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
		   "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		   82, "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
		   "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
		   "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
		   "cc30c58179ec3e87c14c01d5c1f3434f1d87",
		   false);
}

/* RFC 5869 Appendix A.3, Test Case 3: SHA-256 with zero-length salt and info,
 * passed both as empty buffers and as NULL. */
static void rfc5869_a3_test_case3(void **state)
{
	static const char *const ikm = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
	static const char *const prk = "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04";
	static const char *const okm =
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8";

	(void)state;
	hkdf_check(ikm, "", "", 42, prk, okm, false);
	hkdf_check(ikm, "", "", 42, prk, okm, true);
}

/* RFC 5869 §2.3: L <= 255*HashLen. One byte more is refused with
 * MLAB_E_ARG (by expand and by the one-shot), the maximum itself works. */
static void rfc5869_s2_3_output_limit(void **state)
{
	const size_t max = 255 * MLAB_SHA256_LEN;
	uint8_t prk[MLAB_SHA256_LEN], ikm[22];
	uint8_t *out = malloc(max + 1);
	int e_over, e_max, e_over_oneshot;

	(void)state;
	assert_non_null(out);
	HEX(ikm, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
	HEX(prk, "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
	e_over = mlab_hkdf_expand(prk, "", 0, out, max + 1);
	e_max = mlab_hkdf_expand(prk, "", 0, out, max);
	e_over_oneshot = mlab_hkdf(NULL, 0, ikm, sizeof ikm, "", 0, out, max + 1);
	free(out);
	assert_int_equal(e_over, MLAB_E_ARG);
	assert_int_equal(e_max, 0);
	assert_int_equal(e_over_oneshot, MLAB_E_ARG);
}

/* ---------------------------------------------------------------- AEAD */

/* RFC 8439 §2.8.2, Example and Test Vector for AEAD_CHACHA20_POLY1305: the
 * "Ladies and Gentlemen" sunscreen plaintext. The 12-byte nonce is the
 * 32-bit constant 07 00 00 00 followed by the 64-bit IV 40..47. */
static const char *const rfc8439_key = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
static const char *const rfc8439_nonce = "070000004041424344454647";
static const char *const rfc8439_aad = "50515253c0c1c2c3c4c5c6c7";
static const char *const rfc8439_pt =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen "
    "would be it.";
static const char *const rfc8439_ct = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
				      "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
				      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
				      "3ff4def08e4b7a9de576d26586cec64b6116";
static const char *const rfc8439_tag = "1ae10b594f09e26a7e902ecbd0600691";

struct aead_vec {
	uint8_t key[MLAB_AEAD_KEY], nonce[MLAB_AEAD_IV], aad[12], ct[114], tag[MLAB_AEAD_TAG];
	const uint8_t *pt;
	size_t len;
};

static void rfc8439_load(struct aead_vec *v)
{
	v->pt = (const uint8_t *)rfc8439_pt;
	v->len = strlen(rfc8439_pt);
	assert_int_equal(v->len, 114);
	assert_int_equal(HEX(v->key, rfc8439_key), 32);
	assert_int_equal(HEX(v->nonce, rfc8439_nonce), 12);
	assert_int_equal(HEX(v->aad, rfc8439_aad), 12);
	assert_int_equal(HEX(v->ct, rfc8439_ct), 114);
	assert_int_equal(HEX(v->tag, rfc8439_tag), 16);
}

/* RFC 8439 §2.8.2: seal gives the published ciphertext and tag exactly. */
static void rfc8439_s2_8_2_seal(void **state)
{
	struct aead_vec v;
	uint8_t ct[114], tag[MLAB_AEAD_TAG];

	(void)state;
	rfc8439_load(&v);
	assert_int_equal(
	    mlab_aead_seal(MLAB_CIPHER_CHACHA20_POLY1305, v.key, v.nonce, v.aad, sizeof v.aad, v.pt, v.len, ct, tag),
	    0);
	assert_memory_equal(ct, v.ct, sizeof ct);
	assert_memory_equal(tag, v.tag, sizeof tag);
}

/* RFC 8439 §2.8.2: open of the published ciphertext and tag gives the
 * plaintext back. */
static void rfc8439_s2_8_2_open(void **state)
{
	struct aead_vec v;
	uint8_t pt[114];

	(void)state;
	rfc8439_load(&v);
	memset(pt, 0xa5, sizeof pt);
	assert_int_equal(mlab_aead_open(MLAB_CIPHER_CHACHA20_POLY1305, v.key, v.nonce, v.aad, sizeof v.aad, v.ct,
					sizeof v.ct, v.tag, pt),
			 0);
	assert_memory_equal(pt, v.pt, v.len);
}

enum flip_where { FLIP_TAG, FLIP_AAD, FLIP_CT };

/* Every bit position tried in turn would be 8*(16+12+114) opens; the first,
 * a middle and the last bit of the field are enough to show the check covers
 * the whole field. Each must fail authentication and leave no plaintext. */
static void rfc8439_flip(enum flip_where where)
{
	struct aead_vec v;
	uint8_t *field;
	size_t field_len;
	size_t bits[3];

	rfc8439_load(&v);
	switch (where) {
	case FLIP_TAG:
		field = v.tag;
		field_len = sizeof v.tag;
		break;
	case FLIP_AAD:
		field = v.aad;
		field_len = sizeof v.aad;
		break;
	default:
		field = v.ct;
		field_len = sizeof v.ct;
		break;
	}
	bits[0] = 0;
	bits[1] = field_len * 8 / 2 + 3;
	bits[2] = field_len * 8 - 1;
	for (size_t i = 0; i < 3; i++) {
		uint8_t pt[114];
		uint8_t mask = (uint8_t)(1u << (bits[i] % 8));
		int e;

		field[bits[i] / 8] ^= mask;
		memset(pt, 0xa5, sizeof pt);
		e = mlab_aead_open(MLAB_CIPHER_CHACHA20_POLY1305, v.key, v.nonce, v.aad, sizeof v.aad, v.ct,
				   sizeof v.ct, v.tag, pt);
		field[bits[i] / 8] ^= mask;
		assert_int_equal(e, MLAB_E_RECORD_AUTH);
		assert_true(all_zero(pt, sizeof pt));
	}
}

/* RFC 8439 §2.8.2 vector with one bit flipped in the tag. */
static void rfc8439_s2_8_2_flipped_tag(void **state)
{
	(void)state;
	rfc8439_flip(FLIP_TAG);
}

/* RFC 8439 §2.8.2 vector with one bit flipped in the AAD. */
static void rfc8439_s2_8_2_flipped_aad(void **state)
{
	(void)state;
	rfc8439_flip(FLIP_AAD);
}

/* RFC 8439 §2.8.2 vector with one bit flipped in the ciphertext. */
static void rfc8439_s2_8_2_flipped_ciphertext(void **state)
{
	(void)state;
	rfc8439_flip(FLIP_CT);
}

/* The project's hex decoder, which these vectors and the reports rely on. */
static void test_unhex_accepts_hex_and_refuses_the_rest(void **state)
{
	(void)state;
	uint8_t out[4];
	size_t n;
	assert_int_equal(mlab_unhex("00ffA5", out, sizeof out, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(out[1], 0xff);
	assert_int_equal(out[2], 0xa5);
	assert_int_equal(mlab_unhex("abc", out, sizeof out, &n), MLAB_E_BAD_FIELD);
	assert_int_equal(mlab_unhex("zz", out, sizeof out, &n), MLAB_E_BAD_FIELD);
	assert_int_equal(n, 0);
	assert_int_equal(mlab_unhex("0102030405", out, 2, &n), 0); /* first cap bytes */
	assert_int_equal(n, 2);
	assert_int_equal(mlab_unhex("0102030g", out, 1, &n), MLAB_E_BAD_FIELD); /* the whole string counts */
	assert_int_equal(mlab_unhex("", out, sizeof out, &n), 0);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc7748_s5_2_vector1),
	    cmocka_unit_test(rfc7748_s5_2_vector2),
	    cmocka_unit_test(rfc7748_s6_1_diffie_hellman),
	    cmocka_unit_test(rfc7748_low_order_zero_u),
	    cmocka_unit_test(rfc8032_s7_1_test1),
	    cmocka_unit_test(rfc8032_s7_1_test2),
	    cmocka_unit_test(rfc8032_s7_1_test3),
	    cmocka_unit_test(rfc8032_s7_1_test_sha_abc),
	    cmocka_unit_test(rfc5869_a1_test_case1),
	    cmocka_unit_test(rfc5869_a2_test_case2),
	    cmocka_unit_test(rfc5869_a3_test_case3),
	    cmocka_unit_test(rfc5869_s2_3_output_limit),
	    cmocka_unit_test(rfc8439_s2_8_2_seal),
	    cmocka_unit_test(rfc8439_s2_8_2_open),
	    cmocka_unit_test(rfc8439_s2_8_2_flipped_tag),
	    cmocka_unit_test(rfc8439_s2_8_2_flipped_aad),
	    cmocka_unit_test(rfc8439_s2_8_2_flipped_ciphertext),
	    cmocka_unit_test(test_unhex_accepts_hex_and_refuses_the_rest),
	};
	return cmocka_run_group_tests_name("vectors", tests, NULL, NULL);
}
