/* libFuzzer over ML-KEM-768's input checks and the KEM groups' share
 * handling (lib/mlab_mlkem.c, lib/mlab_group_kem.c): the first byte picks
 * what the rest is —
 *   even: an encapsulation key (any length): check_ek and Encaps must agree,
 *         and a key they accept encapsulates to a ciphertext that a
 *         round trip cannot tell from an honest one — Encaps never reads
 *         past the input;
 *   odd:  a ciphertext (any length) for a fixed key pair: Decaps succeeds
 *         exactly for 1088 bytes (implicit rejection), and the same input
 *         gives the same K twice; then the same bytes as a share of
 *         x25519-mlkem768 to both sides of the group interface. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_mlkem.h"
#include "mlab_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		uint8_t seed[MLAB_MLKEM_SEED_LEN] = {7};
		if (mlab_mlkem768_keygen_seed(seed, sizeof seed, ek, dk) != 0)
			abort();
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t *in = malloc(size - 1 ? size - 1 : 1); /* exactly the input: ASan sees an over-read */
	if (!in)
		abort();
	memcpy(in, data + 1, size - 1);
	if (data[0] % 2 == 0)
		ek_case(in, size - 1);
	else
		ct_case(in, size - 1);
	free(in);
	return 0;
}
