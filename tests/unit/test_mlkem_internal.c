/* ML-KEM-768's building blocks, from inside: this file includes
 * lib/mlab_mlkem.c itself (its own copy replaces libmlab's, which the linker
 * then does not pull in), so its static functions can be checked against
 * their definitions in FIPS 203 rather than only through the vectors:
 *   - div_q and mod_q (the Barrett reduction) against C's / and %;
 *   - Compress_d and Decompress_d against their rounding formulas (§4.2.1),
 *     and the bound FIPS 203 gives on their round trip;
 *   - ByteEncode_d / ByteDecode_d round trips (Algorithms 5, 6);
 *   - the twiddle tables against 17^BitRev7(i) mod q (Appendix A);
 *   - NTT⁻¹(NTT(f)) = f, and NTT⁻¹(NTT(f) ×_T NTT(g)) = f·g in
 *     Z_q[X]/(X^256 + 1), by schoolbook multiplication (§4.3);
 *   - SamplePolyCBD_2's range;
 *   - SampleNTT's extension path: this copy is built with MLKEM_XOF_BLOCKS 1,
 *     so every SampleNTT runs out of its first 168 bytes and squeezes again,
 *     and the Wycheproof key generations must still come out exactly. */
#define MLKEM_XOF_BLOCKS 1
#include "mlab_mlkem.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <jansson.h>

#include "test_util.h"
#include "wycheproof.h"

/* A fixed xorshift generator: the same "random" inputs every run. */
static uint32_t next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void random_poly(poly *f, uint32_t *s)
{
	for (size_t i = 0; i < N; i++)
		f->c[i] = (uint16_t)(next(s) % Q);
}

static void test_barrett(void **state)
{
	(void)state;
	/* every value the file reduces is below 2^25 (products of two
	 * coefficients plus a few sums); all of those, then random 32-bit ones */
	for (uint32_t x = 0; x < (1u << 25); x++)
		if (div_q(x) != x / Q || mod_q(x) != x % Q)
			fail_msg("div_q(%u) = %u, mod_q = %u", x, div_q(x), mod_q(x));
	uint32_t s = 1;
	for (int i = 0; i < 1000000; i++) {
		uint32_t x = next(&s);
		if (div_q(x) != x / Q)
			fail_msg("div_q(%u) = %u", x, div_q(x));
	}
	assert_int_equal(div_q(UINT32_MAX), UINT32_MAX / Q);
}

static void test_compress(void **state)
{
	(void)state;
	static const unsigned ds[] = {1, 4, 10, 11};
	for (size_t k = 0; k < N_OF(ds); k++) {
		unsigned d = ds[k];
		/* |Decompress(Compress(x)) - x| mod± q <= ⌈q / 2^(d+1)⌋ (§4.2.1) */
		uint32_t bound = (Q + (1u << d)) >> (d + 1);
		for (uint32_t x0 = 0; x0 < Q; x0 += N) {
			poly f;
			for (size_t i = 0; i < N; i++)
				f.c[i] = (uint16_t)(x0 + i < Q ? x0 + i : 0);
			poly g = f;
			compress(&g, d);
			for (size_t i = 0; i < N; i++) {
				/* ⌈2^d·x / q⌋ mod 2^d = ⌊(2^(d+1)·x + q) / 2q⌋ mod 2^d */
				uint64_t want = (((uint64_t)f.c[i] << (d + 1)) + Q) / (2 * Q) % (1u << d);
				if (g.c[i] != want)
					fail_msg("Compress_%u(%u) = %u, not %llu", d, f.c[i], g.c[i],
						 (unsigned long long)want);
			}
			poly h = g;
			decompress(&h, d);
			for (size_t i = 0; i < N; i++) {
				uint64_t want = ((uint64_t)2 * Q * g.c[i] + (1u << d)) >> (d + 1);
				uint32_t diff = (uint32_t)((h.c[i] + Q - f.c[i]) % Q);
				if (h.c[i] != want || (diff > bound && Q - diff > bound))
					fail_msg("Decompress_%u(%u) = %u (x was %u)", d, g.c[i], h.c[i], f.c[i]);
			}
		}
	}
}

static void test_byte_codec(void **state)
{
	(void)state;
	static const unsigned ds[] = {1, 4, 10, 12};
	uint32_t s = 7;
	for (size_t k = 0; k < N_OF(ds); k++) {
		poly f, g;
		uint8_t b[32 * 12];
		for (size_t i = 0; i < N; i++)
			f.c[i] = (uint16_t)(next(&s) % (ds[k] == 12 ? Q : 1u << ds[k]));
		byte_encode(&f, ds[k], b);
		byte_decode(b, ds[k], &g);
		assert_memory_equal(f.c, g.c, sizeof f.c);
	}
	/* the bit order: coefficient 0's low bit is byte 0's low bit */
	poly one = {{1}};
	uint8_t b[32];
	byte_encode(&one, 1, b);
	assert_int_equal(b[0], 1);
}

static uint32_t bitrev7(uint32_t i)
{
	uint32_t r = 0;
	for (int b = 0; b < 7; b++)
		r |= ((i >> b) & 1u) << (6 - b);
	return r;
}

static uint32_t pow17(uint32_t e)
{
	uint32_t r = 1;
	while (e--)
		r = r * 17 % Q;
	return r;
}

static void test_tables(void **state)
{
	(void)state;
	for (uint32_t i = 0; i < 128; i++) {
		assert_int_equal(ZETAS[i], pow17(bitrev7(i)));
		assert_int_equal(GAMMAS[i], pow17(2 * bitrev7(i) + 1));
	}
	assert_int_equal(128u * 3303 % Q, 1); /* NTT⁻¹'s final factor is 128⁻¹ */
}

static void test_ntt(void **state)
{
	(void)state;
	uint32_t s = 12345;
	for (int round = 0; round < 20; round++) {
		poly f, g, fh, gh, prod, school = {{0}};
		random_poly(&f, &s);
		random_poly(&g, &s);
		fh = f;
		ntt(&fh);
		poly back = fh;
		ntt_inv(&back);
		assert_memory_equal(back.c, f.c, sizeof f.c);
		gh = g;
		ntt(&gh);
		memset(&prod, 0, sizeof prod);
		mul_acc(&prod, &fh, &gh);
		ntt_inv(&prod);
		/* f·g mod X^256 + 1: X^256 = -1 wraps a term around negated */
		for (size_t i = 0; i < N; i++)
			for (size_t j = 0; j < N; j++) {
				uint32_t t = (uint32_t)f.c[i] * g.c[j] % Q;
				size_t at = (i + j) % N;
				school.c[at] = (uint16_t)((i + j < N ? school.c[at] + t : school.c[at] + Q - t) % Q);
			}
		assert_memory_equal(prod.c, school.c, sizeof prod.c);
	}
}

static void test_cbd(void **state)
{
	(void)state;
	uint8_t b[64 * ETA1];
	poly f;
	unsigned seen[5] = {0};
	uint32_t s = 99;
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (uint8_t)next(&s);
		sample_cbd2(b, &f);
		for (size_t i = 0; i < N; i++) {
			/* η = 2: a coefficient in {-2, ..., 2}, stored mod q */
			int v = f.c[i] <= 2 ? f.c[i] : (int)f.c[i] - Q;
			if (v < -2 || v > 2)
				fail_msg("CBD_2 gave %u", f.c[i]);
			seen[v + 2]++;
		}
	}
	for (int v = 0; v < 5; v++)
		assert_true(seen[v] > 0);
	/* 0 is the most likely (6/16), ±2 the least (1/16 each) */
	assert_true(seen[2] > seen[1] && seen[1] > seen[0] && seen[2] > seen[3] && seen[3] > seen[4]);
}

/* Every Wycheproof key generation again, with a SampleNTT that always has to
 * squeeze a longer output. */
static void test_sample_ntt_extension(void **state)
{
	(void)state;
	struct wp_tally t = {.file = "mlkem_768_keygen_seed_test.json"};
	json_t *root = wp_load(t.file), *group, *test;
	for (size_t gi = 0; (group = json_array_get(json_object_get(root, "testGroups"), gi)) != NULL; gi++)
		for (size_t ti = 0; (test = json_array_get(json_object_get(group, "tests"), ti)) != NULL; ti++) {
			size_t ns, ne, nd;
			uint8_t *seed = wp_hex(test, "seed", &ns), *ek = wp_hex(test, "ek", &ne),
				*dk = wp_hex(test, "dk", &nd);
			uint8_t oek[MLAB_MLKEM768_EK_LEN], odk[MLAB_MLKEM768_DK_LEN];
			assert_true(seed && ek && dk);
			wp_count(&t, test);
			int e = mlab_mlkem768_keygen_seed(seed, ns, oek, odk);
			if (e != 0 || ne != sizeof oek || nd != sizeof odk || memcmp(oek, ek, ne) != 0 ||
			    memcmp(odk, dk, nd) != 0)
				wp_disagree(&t, test, "%s", e ? mlab_err_name(e) : "ek or dk differs");
			free(seed);
			free(ek);
			free(dk);
		}
	wp_check_total(&t, root);
	json_decref(root);
	fprintf(stderr, "# %s with a one-block first squeeze: %u key generations, %u disagreements\n", t.file, t.total,
		t.disagree);
	assert_int_equal(t.disagree, 0);
	assert_int_equal(t.total, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_barrett),
	    cmocka_unit_test(test_compress),
	    cmocka_unit_test(test_byte_codec),
	    cmocka_unit_test(test_tables),
	    cmocka_unit_test(test_ntt),
	    cmocka_unit_test(test_cbd),
	    cmocka_unit_test(test_sample_ntt_extension),
	};
	return cmocka_run_group_tests_name("mlkem_internal", tests, NULL, NULL);
}
