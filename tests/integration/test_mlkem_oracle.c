/* ML-KEM-768 (lib/mlab_mlkem.c) against an implementation nobody here wrote:
 * noble's post-quantum library (npm @noble/post-quantum 0.7.1, FIPS 203), run
 * by Node.js through tests/oracle/mlkem.mjs, installed by tools/install-deps.sh
 * (the test fails, never skips, without it). For 50 random seeds and messages,
 * both ways:
 *   - noble's key pair from our seed is ours, byte for byte;
 *   - noble encapsulates to our ek with our m: our ciphertext and K;
 *   - noble decapsulates our ciphertext with our dk: our K;
 *   - we encapsulate to noble's ek and decapsulate noble's ciphertext with
 *     noble's dk, from the bytes noble printed: noble's ciphertext and K;
 *   - a ciphertext with one bit flipped: the same implicit-rejection K̄;
 * and an ek with a coefficient = q: noble refuses it, as we do. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <jansson.h>

#include "proc.h"
#include "test_util.h"

#include "mlab_crypto.h"
#include "mlab_mlkem.h"

#define CASES 50

static char out[1 << 16];

static void hex(const uint8_t *b, size_t n, char *h)
{
	for (size_t i = 0; i < n; i++)
		sprintf(h + 2 * i, "%02x", b[i]);
	h[2 * n] = '\0';
}

struct c {
	uint8_t seed[64], m[32], ek[MLAB_MLKEM768_EK_LEN], dk[MLAB_MLKEM768_DK_LEN], ct[MLAB_MLKEM768_CT_LEN],
	    bad[MLAB_MLKEM768_CT_LEN], k[32], kbad[32];
};

static void put(FILE *f, const char *op, const char *k1, const uint8_t *v1, size_t n1, const char *k2,
		const uint8_t *v2, size_t n2)
{
	static char h1[2 * MLAB_MLKEM768_DK_LEN + 1], h2[2 * MLAB_MLKEM768_DK_LEN + 1];
	hex(v1, n1, h1);
	if (k2)
		hex(v2, n2, h2);
	fprintf(f, "{\"op\":\"%s\",\"%s\":\"%s\"%s%s%s%s%s}\n", op, k1, h1, k2 ? ",\"" : "", k2 ? k2 : "",
		k2 ? "\":\"" : "", k2 ? h2 : "", k2 ? "\"" : "");
}

static void expect_hex(const json_t *a, const char *key, const uint8_t *want, size_t n, int i, const char *what)
{
	char h[2 * MLAB_MLKEM768_DK_LEN + 1];
	const char *got = json_string_value(json_object_get(a, key));
	hex(want, n, h);
	if (!got || strcmp(got, h) != 0)
		fail_msg("case %d: %s: noble's %s differs from ours", i, what, key);
}

/* noble's hex field key of a, into out (exactly n bytes). */
static void take_hex(const json_t *a, const char *key, uint8_t *dst, size_t n, int i)
{
	const char *h = json_string_value(json_object_get(a, key));
	size_t got = 0;
	if (!h || mlab_unhex(h, dst, n, &got) != 0 || got != n)
		fail_msg("case %d: noble's %s is missing or not %zu bytes of hex", i, key, n);
}

static void test_noble_agrees(void **state)
{
	(void)state;
	static struct c cs[CASES];
	char dir[] = "/tmp/mlab-oracle-XXXXXX", req[64], resp[64], script[4096], cmd[4400];
	assert_non_null(mkdtemp(dir));
	snprintf(req, sizeof req, "%s/req", dir);
	snprintf(resp, sizeof resp, "%s/resp", dir);
	FILE *f = fopen(req, "w");
	assert_non_null(f);
	for (int i = 0; i < CASES; i++) {
		struct c *c = &cs[i];
		assert_int_equal(mlab_random(c->seed, sizeof c->seed), 0);
		assert_int_equal(mlab_random(c->m, sizeof c->m), 0);
		assert_int_equal(mlab_mlkem768_keygen_seed(c->seed, sizeof c->seed, c->ek, c->dk), 0);
		assert_int_equal(mlab_mlkem768_encaps_m(c->ek, sizeof c->ek, c->m, c->ct, c->k), 0);
		memcpy(c->bad, c->ct, sizeof c->bad);
		c->bad[(size_t)i * 17 % sizeof c->bad] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(mlab_mlkem768_decaps(c->dk, sizeof c->dk, c->bad, sizeof c->bad, c->kbad), 0);
		assert_memory_not_equal(c->k, c->kbad, 32);
		put(f, "keygen", "seed", c->seed, sizeof c->seed, NULL, NULL, 0);
		put(f, "encaps", "ek", c->ek, sizeof c->ek, "m", c->m, sizeof c->m);
		put(f, "decaps", "dk", c->dk, sizeof c->dk, "c", c->ct, sizeof c->ct);
		put(f, "decaps", "dk", c->dk, sizeof c->dk, "c", c->bad, sizeof c->bad);
	}
	/* one key that fails the modulus check (FIPS 203 §7.2): coefficient 0 = q */
	static uint8_t hostile[MLAB_MLKEM768_EK_LEN];
	memcpy(hostile, cs[0].ek, sizeof hostile);
	hostile[0] = 3329 & 0xFF;
	hostile[1] = (uint8_t)((hostile[1] & 0xF0) | (3329 >> 8));
	put(f, "encaps", "ek", hostile, sizeof hostile, "m", cs[0].m, sizeof cs[0].m);
	fclose(f);
	proc_src("tests/oracle/mlkem.mjs", script, sizeof script);
	snprintf(cmd, sizeof cmd, "node '%s' < '%s' > '%s'", script, req, resp);
	const char *argv[] = {"sh", "-c", cmd, NULL};
	int rc = proc_exec(argv, out, sizeof out);
	if (rc != 0)
		fail_msg("the oracle did not run (exit %d): %s\nrun tools/install-deps.sh: it installs Node.js and "
			 "tests/oracle's @noble/post-quantum",
			 rc, out);
	f = fopen(resp, "r");
	assert_non_null(f);
	static char line[1 << 14];
	for (int i = 0; i < CASES; i++) {
		const struct c *c = &cs[i];
		json_t *a[4];
		for (int j = 0; j < 4; j++) {
			json_error_t je;
			if (!fgets(line, sizeof line, f) || !(a[j] = json_loads(line, 0, &je)))
				fail_msg("case %d: the oracle's answer %d is missing or not JSON", i, j);
		}
		expect_hex(a[0], "ek", c->ek, sizeof c->ek, i, "keygen");
		expect_hex(a[0], "dk", c->dk, sizeof c->dk, i, "keygen");
		expect_hex(a[1], "c", c->ct, sizeof c->ct, i, "encaps to our ek");
		expect_hex(a[1], "K", c->k, sizeof c->k, i, "encaps to our ek");
		expect_hex(a[2], "K", c->k, sizeof c->k, i, "decaps of our ciphertext");
		expect_hex(a[3], "K", c->kbad, sizeof c->kbad, i, "implicit rejection of a flipped ciphertext");
		/* the other way: our functions on the bytes noble printed */
		static uint8_t nek[MLAB_MLKEM768_EK_LEN], ndk[MLAB_MLKEM768_DK_LEN], nct[MLAB_MLKEM768_CT_LEN];
		uint8_t nk[32], ours_ct[MLAB_MLKEM768_CT_LEN], ours_k[32];
		take_hex(a[0], "ek", nek, sizeof nek, i);
		take_hex(a[0], "dk", ndk, sizeof ndk, i);
		take_hex(a[1], "c", nct, sizeof nct, i);
		take_hex(a[1], "K", nk, sizeof nk, i);
		assert_int_equal(mlab_mlkem768_encaps_m(nek, sizeof nek, c->m, ours_ct, ours_k), 0);
		if (memcmp(ours_ct, nct, sizeof nct) != 0 || memcmp(ours_k, nk, sizeof nk) != 0)
			fail_msg("case %d: our encapsulation to noble's ek differs from noble's", i);
		assert_int_equal(mlab_mlkem768_decaps(ndk, sizeof ndk, nct, sizeof nct, ours_k), 0);
		if (memcmp(ours_k, nk, sizeof nk) != 0)
			fail_msg("case %d: our decapsulation of noble's ciphertext is not noble's K", i);
		for (int j = 0; j < 4; j++)
			json_decref(a[j]);
	}
	json_error_t je;
	json_t *h = fgets(line, sizeof line, f) ? json_loads(line, 0, &je) : NULL;
	if (!h || !json_is_string(json_object_get(h, "error")))
		fail_msg("noble did not refuse an ek with a coefficient = q");
	fprintf(stderr, "# noble refuses the ek with a coefficient = q: %s\n",
		json_string_value(json_object_get(h, "error")));
	json_decref(h);
	assert_int_equal(mlab_mlkem768_check_ek(hostile, sizeof hostile), MLAB_E_MLKEM_EK);
	fclose(f);
	unlink(req);
	unlink(resp);
	rmdir(dir);
	fprintf(stderr,
		"# noble ML-KEM-768 agrees on %d key pairs, encapsulations and decapsulations both ways, and "
		"implicit rejections\n",
		CASES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_noble_agrees)};
	return cmocka_run_group_tests_name("mlkem_oracle", tests, NULL, NULL);
}
