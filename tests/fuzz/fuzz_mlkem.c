/* libFuzzer over ML-KEM-768's input checks and the KEM groups' share
 * handling (lib/mlab_mlkem.c, lib/mlab_group_kem.c). An input is
 *   len (2 bytes, little-endian) ‖ ek (len bytes, or what is left) ‖ ct (the rest):
 *   ek: check_ek and Encaps must agree — Encaps fails exactly when check_ek
 *       does, with the length or the modulus error, and succeeds only for
 *       1184 bytes; Encaps never reads past the key (the input is copied to
 *       buffers of exactly its size, so ASan sees an over-read);
 *   ct: Decaps under a fixed key pair succeeds exactly for 1088 bytes
 *       (implicit rejection), else it is the length error, and the same bytes
 *       give the same K twice; then the same bytes as a share of
 *       x25519-mlkem768 to both sides of the group interface.
 * Seeds (tests/fuzz/corpus_mlkem): the fixed key's own ek with a real
 * ciphertext to it, a Wycheproof key that fails the modulus check with a
 * flipped ciphertext, and keys and ciphertexts one byte short. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_mlkem.h"
#include "mlab_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed key pair of the ct part: KeyGen_internal from a seed of 7, 0, ... */
static void fixed_key(uint8_t ek[MLAB_MLKEM768_EK_LEN], uint8_t dk[MLAB_MLKEM768_DK_LEN])
{
	uint8_t seed[MLAB_MLKEM_SEED_LEN] = {7};
	if (mlab_mlkem768_keygen_seed(seed, sizeof seed, ek, dk) != 0)
		abort();
}

static void ek_case(const uint8_t *in, size_t n)
{
	uint8_t ct[MLAB_MLKEM768_CT_LEN], ss[32], m[32] = {1};
	int c = mlab_mlkem768_check_ek(in, n), e = mlab_mlkem768_encaps_m(in, n, m, ct, ss);
	if (c != e || (c != 0 && c != MLAB_E_SHARE_LENGTH && c != MLAB_E_MLKEM_EK))
		abort();
	if (c == 0 && n != MLAB_MLKEM768_EK_LEN)
		abort();
}

static void ct_case(const uint8_t *in, size_t n)
{
	static uint8_t ek[MLAB_MLKEM768_EK_LEN], dk[MLAB_MLKEM768_DK_LEN];
	static int ready;
	uint8_t k1[32], k2[32];
	if (!ready) {
		fixed_key(ek, dk);
		ready = 1;
	}
	int e = mlab_mlkem768_decaps(dk, sizeof dk, in, n, k1);
	if ((n == MLAB_MLKEM768_CT_LEN) != (e == 0) || (e != 0 && e != MLAB_E_MLKEM_CT))
		abort();
	if (e == 0 && (mlab_mlkem768_decaps(dk, sizeof dk, in, n, k2) != 0 || memcmp(k1, k2, 32) != 0))
		abort();

	/* the group interface: a hostile share to the key holder and to the
	 * answering side, checked or not */
	const struct mlab_group *g = mlab_group_by_id(MLAB_GROUP_X25519_MLKEM768);
	struct mlab_dh holder, answer;
	uint8_t s[MLAB_MAX_SECRET];
	size_t sn = 0;
	if (mlab_dh_keygen(g, &holder) != 0 || mlab_dh_keygen_reply(g, &answer) != 0)
		abort();
	(void)mlab_dh_check(g, in, n);
	for (int v = 0; v < 2; v++) {
		int h = mlab_dh_derive(&holder, in, n, v, s, &sn);
		if (h == 0 && n != g->reply_len)
			abort();
	}
	int a = mlab_dh_derive(&answer, in, n, 1, s, &sn);
	if (a == 0 && (n != g->share_len || answer.pub_len != g->reply_len))
		abort();
	mlab_dh_free(&holder);
	mlab_dh_free(&answer);
}

/* An exact-size copy of p[0..n): one byte more would hide an over-read. */
static uint8_t *exact(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	if (!q)
		abort();
	memcpy(q, p, n);
	return q;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t len = (size_t)data[0] | (size_t)data[1] << 8, rest = size - 2;
	if (len > rest)
		len = rest;
	uint8_t *ek = exact(data + 2, len), *ct = exact(data + 2 + len, rest - len);
	ek_case(ek, len);
	ct_case(ct, rest - len);
	free(ek);
	free(ct);
	return 0;
}

#ifdef FUZZ_MLKEM_SEEDS
/* cc -DFUZZ_MLKEM_SEEDS ... -o gen && ./gen DIR: writes the seed corpus. */
#include <stdio.h>

static void put_seed(const char *dir, const char *name, const uint8_t *ek, size_t ek_len, const uint8_t *ct,
		     size_t ct_len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	uint8_t len[2] = {(uint8_t)ek_len, (uint8_t)(ek_len >> 8)};
	if (!f || fwrite(len, 1, 2, f) != 2 || fwrite(ek, 1, ek_len, f) != ek_len ||
	    fwrite(ct, 1, ct_len, f) != ct_len || fclose(f) != 0)
		abort();
}

int main(int argc, char **argv)
{
	uint8_t ek[MLAB_MLKEM768_EK_LEN], dk[MLAB_MLKEM768_DK_LEN], ct[MLAB_MLKEM768_CT_LEN], ss[32], m[32] = {2};
	if (argc != 2)
		return 2;
	fixed_key(ek, dk);
	if (mlab_mlkem768_encaps_m(ek, sizeof ek, m, ct, ss) != 0)
		abort();
	put_seed(argv[1], "valid", ek, sizeof ek, ct, sizeof ct);
	ct[100] ^= 0x08;
	ek[0] = 0x01; /* coefficient 0 = 0xD01 = 3329 = q */
	ek[1] = (uint8_t)((ek[1] & 0xF0) | 0x0D);
	put_seed(argv[1], "modulus-flipped", ek, sizeof ek, ct, sizeof ct);
	put_seed(argv[1], "short", ek, sizeof ek - 1, ct, sizeof ct - 1);
	return 0;
}
#endif
