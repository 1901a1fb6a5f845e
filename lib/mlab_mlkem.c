/* ML-KEM-768 from FIPS 203 (see mlab_mlkem.h). Read it beside the standard:
 * each function names the algorithm it implements.
 *
 * Parameters (FIPS 203 §8, ML-KEM-768): n = 256 coefficients per polynomial,
 * q = 3329, k = 3 polynomials per vector, η1 = η2 = 2, du = 10, dv = 4.
 *
 * Arithmetic is on coefficients in [0, q), products in 32 bits. Every
 * reduction mod q and every division by q (Compress) goes through div_q(),
 * a Barrett quotient by multiplication and shifts, never C's `%` or `/`:
 * gcc turns a division by a constant into a multiplication at every -O level,
 * but clang -O0 emits a `div` instruction, whose time depends on its operand
 * on many CPUs — the KyberSlash timing leak of Compress over a secret. There is
 * no branch and no table lookup on secret data anywhere (SampleNTT's rejection
 * sampling branches on public bytes from ρ; the NTT's twiddle factors are
 * indexed by the loop counter). The two places where FIPS 203 insists — the
 * re-encryption comparison and the choice between K' and K̄ in Decaps — use
 * CRYPTO_memcmp and a mask made by arithmetic from its result.
 *
 * Every secret intermediate (d, z, m, r, σ, the vectors s, e, y, e1, e2, the
 * message and the keys derived on the way) is wiped before return. */
#include "mlab_mlkem.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mlab_crypto.h"
#include "mlab_err.h"

#define N 256
#define Q 3329
#define K 3
#define ETA1 2
#define ETA2 2
#define DU 10
#define DV 4
#define POLY_BYTES 384 /* ByteEncode12 of one polynomial */

typedef struct {
	uint16_t c[N];
} poly;

/* ζ^BitRev7(i) mod q for ζ = 17, the primitive 256th root of unity (§4.3,
 * Appendix A): the NTT's twiddle factors, in the order Algorithm 9 uses them. */
static const uint16_t ZETAS[128] = {
    1,	  1729, 2580, 3289, 2642, 630,	1897, 848,  1062, 1919, 193,  797,  2786, 3260, 569,  1746, 296,  2447, 1339,
    1476, 3046, 56,   2240, 1333, 1426, 2094, 535,  2882, 2393, 2879, 1974, 821,  289,	331,  3253, 1756, 1197, 2304,
    2277, 2055, 650,  1977, 2513, 632,	2865, 33,   1320, 1915, 2319, 1435, 807,  452,	1438, 2868, 1534, 2402, 2647,
    2617, 1481, 648,  2474, 3110, 1227, 910,  17,   2761, 583,	2649, 1637, 723,  2288, 1100, 1409, 2662, 3281, 233,
    756,  2156, 3015, 3050, 1703, 1651, 2789, 1789, 1847, 952,	1461, 2687, 939,  2308, 2437, 2388, 733,  2337, 268,
    641,  1584, 2298, 2037, 3220, 375,	2549, 2090, 1645, 1063, 319,  2773, 757,  2099, 561,  2466, 2594, 2804, 1092,
    403,  1026, 1143, 2150, 2775, 886,	1722, 1212, 1874, 1029, 2110, 2935, 885,  2154};

/* ζ^(2·BitRev7(i)+1) mod q: the γ of BaseCaseMultiply (Algorithm 11, Appendix A). */
static const uint16_t GAMMAS[128] = {
    17,	  3312, 2761, 568,  583,  2746, 2649, 680,  1637, 1692, 723,  2606, 2288, 1041, 1100, 2229, 1409, 1920, 2662,
    667,  3281, 48,   233,  3096, 756,	2573, 2156, 1173, 3015, 314,  3050, 279,  1703, 1626, 1651, 1678, 2789, 540,
    1789, 1540, 1847, 1482, 952,  2377, 1461, 1868, 2687, 642,	939,  2390, 2308, 1021, 2437, 892,  2388, 941,	733,
    2596, 2337, 992,  268,  3061, 641,	2688, 1584, 1745, 2298, 1031, 2037, 1292, 3220, 109,  375,  2954, 2549, 780,
    2090, 1239, 1645, 1684, 1063, 2266, 319,  3010, 2773, 556,	757,  2572, 2099, 1230, 561,  2768, 2466, 863,	2594,
    735,  2804, 525,  1092, 2237, 403,	2926, 1026, 2303, 1143, 2186, 2150, 1179, 2775, 554,  886,  2443, 1722, 1607,
    1212, 2117, 1874, 1455, 1029, 2300, 2110, 1219, 2935, 394,	885,  2444, 2154, 1175};

/* ⌊x / q⌋ for any 32-bit x, without a division instruction (Barrett):
 * BARRETT_M = ⌊2^32 / q⌋ falls short of 2^32 / q by less than 1, so
 * x·BARRETT_M / 2^32 falls short of x / q by less than x / 2^32 < 1 and the
 * estimate is the quotient or one below it; the remainder then lies in
 * [0, 2q), and `(q - 1 - rem) >> 31` is 1 exactly when rem ≥ q — a correction
 * by arithmetic, not by a branch. (Checked for all 2^32 inputs once; the
 * unit test test_mlkem_internal checks the range this file uses.) */
#define BARRETT_M 1290167u

static uint32_t div_q(uint32_t x)
{
	uint32_t quot = (uint32_t)(((uint64_t)x * BARRETT_M) >> 32);
	uint32_t rem = x - quot * Q;
	return quot + ((Q - 1u - rem) >> 31);
}

static uint16_t mod_q(uint32_t x)
{
	return (uint16_t)(x - div_q(x) * Q);
}

/* ------------------------------------------------ the hash functions (§4.1) */

static int digest(const EVP_MD *md, const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t *out,
		  size_t out_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	int ok = c && EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, a, na) == 1 &&
		 (!nb || EVP_DigestUpdate(c, b, nb) == 1) &&
		 (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF ? EVP_DigestFinalXOF(c, out, out_len) == 1
							 : EVP_DigestFinal_ex(c, out, &n) == 1 && n == out_len);
	EVP_MD_CTX_free(c);
	return ok ? 0 : MLAB_E_CRYPTO;
}

/* H(s) = SHA3-256(s) */
static int H(const uint8_t *s, size_t n, uint8_t out[32])
{
	return digest(EVP_sha3_256(), s, n, NULL, 0, out, 32);
}

/* J(s) = SHAKE256(s, 8·32) */
static int J(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t out[32])
{
	return digest(EVP_shake256(), a, na, b, nb, out, 32);
}

/* G(c) = SHA3-512(c), split into two 32-byte halves (out: 64 bytes) */
static int G(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, uint8_t out[64])
{
	return digest(EVP_sha3_512(), a, na, b, nb, out, 64);
}

/* PRF_η(s, b) = SHAKE256(s ‖ b, 8·64·η) */
static int PRF(const uint8_t s[32], uint8_t b, uint8_t out[64 * ETA1])
{
	return digest(EVP_shake256(), s, 32, &b, 1, out, 64 * ETA1);
}

/* ------------------------------------------------ encodings (§4.2.1) */

/* ByteEncode_d (Algorithm 5): 256 d-bit integers, little-endian bit order. */
static void byte_encode(const poly *f, unsigned d, uint8_t *out)
{
	memset(out, 0, 32 * d);
	size_t bit = 0;
	for (size_t i = 0; i < N; i++)
		for (unsigned j = 0; j < d; j++, bit++)
			out[bit / 8] |= (uint8_t)(((f->c[i] >> j) & 1u) << (bit % 8));
}

/* ByteDecode_d (Algorithm 6): the inverse, modulo 2^d — or modulo q for
 * d = 12, where 4096 > q (the modulus check compares before the reduction). */
static void byte_decode_raw(const uint8_t *in, unsigned d, poly *f)
{
	size_t bit = 0;
	for (size_t i = 0; i < N; i++) {
		uint32_t v = 0;
		for (unsigned j = 0; j < d; j++, bit++)
			v |= ((uint32_t)in[bit / 8] >> (bit % 8) & 1u) << j;
		f->c[i] = (uint16_t)v;
	}
}

static void byte_decode(const uint8_t *in, unsigned d, poly *f)
{
	byte_decode_raw(in, d, f);
	if (d == 12)
		for (size_t i = 0; i < N; i++)
			f->c[i] = mod_q(f->c[i]);
}

/* Compress_d(x) = ⌈(2^d / q)·x⌋ mod 2^d and Decompress_d(y) = ⌈(q / 2^d)·y⌋
 * (§4.2.1), rounding half up, in integers: ⌈a / q⌋ = ⌊(a + ⌊q/2⌋) / q⌋ for
 * odd q. Compress sees secrets (K-PKE.Decrypt's w), hence div_q. */
static void compress(poly *f, unsigned d)
{
	for (size_t i = 0; i < N; i++)
		f->c[i] = (uint16_t)(div_q(((uint32_t)f->c[i] << d) + Q / 2) & ((1u << d) - 1));
}

static void decompress(poly *f, unsigned d)
{
	for (size_t i = 0; i < N; i++)
		f->c[i] = (uint16_t)(((uint32_t)f->c[i] * Q + (1u << (d - 1))) >> d);
}

/* ------------------------------------------------ sampling (§4.2.2) */

/* SampleNTT (Algorithm 7): a uniform polynomial in the NTT domain from the
 * XOF SHAKE128(ρ ‖ j ‖ i), by rejection of 12-bit candidates ≥ q. OpenSSL
 * 3.0 cannot squeeze a SHAKE twice (EVP_DigestSqueeze came in 3.3), so a
 * generous output is taken at once — MLKEM_XOF_BLOCKS 168-byte blocks; five
 * are about 1.8 times what 256 coefficients need on average (each 3 bytes give
 * two candidates, each kept with probability 3329/4096), and no Wycheproof ρ
 * needs more than four — and, in the rare case it runs out, twice as long an
 * output, which begins with the same bytes, is taken again. A test build sets
 * MLKEM_XOF_BLOCKS to 1 so that the extension is exercised every time. */
#ifndef MLKEM_XOF_BLOCKS
#define MLKEM_XOF_BLOCKS 5
#endif

static int sample_ntt(const uint8_t rho[32], uint8_t j, uint8_t i, poly *a)
{
	uint8_t seed[34], buf[168 * 20];
	memcpy(seed, rho, 32);
	seed[32] = j;
	seed[33] = i;
	for (size_t len = 168 * MLKEM_XOF_BLOCKS; len <= sizeof buf; len *= 2) {
		int e = digest(EVP_shake128(), seed, sizeof seed, NULL, 0, buf, len);
		if (e != 0)
			return e;
		size_t n = 0;
		for (size_t p = 0; p + 3 <= len && n < N; p += 3) {
			uint16_t d1 = (uint16_t)(buf[p] | ((buf[p + 1] & 0x0F) << 8));
			uint16_t d2 = (uint16_t)((buf[p + 1] >> 4) | (buf[p + 2] << 4));
			if (d1 < Q)
				a->c[n++] = d1;
			if (d2 < Q && n < N)
				a->c[n++] = d2;
		}
		if (n == N)
			return 0;
	}
	return MLAB_E_CRYPTO; /* 3360 bytes without 256 hits: not SHAKE128 */
}

/* SamplePolyCBD_η (Algorithm 8), η = 2: each coefficient is the difference
 * of two sums of η bits of B = PRF output (64·η bytes). */
static void sample_cbd2(const uint8_t b[64 * ETA1], poly *f)
{
	for (size_t i = 0; i < N; i++) {
		unsigned x = 0, y = 0;
		for (unsigned j = 0; j < ETA1; j++) {
			size_t bx = 2 * i * ETA1 + j, by = 2 * i * ETA1 + ETA1 + j;
			x += (unsigned)b[bx / 8] >> (bx % 8) & 1u;
			y += (unsigned)b[by / 8] >> (by % 8) & 1u;
		}
		f->c[i] = mod_q(x + Q - y);
	}
}

static int cbd_from_prf(const uint8_t s[32], uint8_t nonce, poly *f)
{
	uint8_t b[64 * ETA1];
	int e = PRF(s, nonce, b);
	if (e == 0)
		sample_cbd2(b, f);
	OPENSSL_cleanse(b, sizeof b);
	return e;
}

/* ------------------------------------------------ the NTT (§4.3) */

/* NTT (Algorithm 9), in place. */
static void ntt(poly *f)
{
	size_t i = 1;
	for (size_t len = 128; len >= 2; len /= 2)
		for (size_t start = 0; start < N; start += 2 * len) {
			uint32_t zeta = ZETAS[i++];
			for (size_t j = start; j < start + len; j++) {
				uint16_t t = mod_q(zeta * f->c[j + len]);
				f->c[j + len] = mod_q((uint32_t)f->c[j] + Q - t);
				f->c[j] = mod_q((uint32_t)f->c[j] + t);
			}
		}
}

/* NTT⁻¹ (Algorithm 10), in place; 3303 = 128⁻¹ mod q. */
static void ntt_inv(poly *f)
{
	size_t i = 127;
	for (size_t len = 2; len <= 128; len *= 2)
		for (size_t start = 0; start < N; start += 2 * len) {
			uint32_t zeta = ZETAS[i--];
			for (size_t j = start; j < start + len; j++) {
				uint16_t t = f->c[j];
				f->c[j] = mod_q((uint32_t)t + f->c[j + len]);
				f->c[j + len] = mod_q(zeta * ((uint32_t)f->c[j + len] + Q - t));
			}
		}
	for (size_t j = 0; j < N; j++)
		f->c[j] = mod_q((uint32_t)f->c[j] * 3303);
}

/* MultiplyNTTs (Algorithm 11) with BaseCaseMultiply (Algorithm 12), added
 * to acc: acc += f ×_T g. */
static void mul_acc(poly *acc, const poly *f, const poly *g)
{
	for (size_t i = 0; i < 128; i++) {
		uint32_t a0 = f->c[2 * i], a1 = f->c[2 * i + 1], b0 = g->c[2 * i], b1 = g->c[2 * i + 1];
		uint32_t c0 = mod_q(a0 * b0 + (uint32_t)mod_q(a1 * b1) * GAMMAS[i]);
		uint32_t c1 = mod_q(a0 * b1 + a1 * b0);
		acc->c[2 * i] = mod_q(acc->c[2 * i] + c0);
		acc->c[2 * i + 1] = mod_q(acc->c[2 * i + 1] + c1);
	}
}

static void poly_add(poly *f, const poly *g)
{
	for (size_t i = 0; i < N; i++)
		f->c[i] = mod_q((uint32_t)f->c[i] + g->c[i]);
}

static void poly_sub(poly *f, const poly *g) /* f = f - g */
{
	for (size_t i = 0; i < N; i++)
		f->c[i] = mod_q((uint32_t)f->c[i] + Q - g->c[i]);
}

/* Â[i][j] = SampleNTT(ρ ‖ j ‖ i) (Algorithm 13 line 6, Algorithm 14 line 6). */
static int matrix_a(const uint8_t rho[32], poly a[K][K])
{
	int e = 0;
	for (uint8_t i = 0; i < K && e == 0; i++)
		for (uint8_t j = 0; j < K && e == 0; j++)
			e = sample_ntt(rho, j, i, &a[i][j]);
	return e;
}

/* ------------------------------------------------ K-PKE (§5) */

/* K-PKE.KeyGen(d) (Algorithm 13): ek_pke = ByteEncode12(t̂) ‖ ρ, dk_pke =
 * ByteEncode12(ŝ). */
static int kpke_keygen(const uint8_t d[32], uint8_t ek[MLAB_MLKEM768_EK_LEN], uint8_t dk[K * POLY_BYTES])
{
	uint8_t in[33], rs[64]; /* ρ ‖ σ */
	poly a[K][K], s[K], e_[K], t;
	uint8_t nonce = 0;
	int e;

	memcpy(in, d, 32);
	in[32] = K; /* the parameter set's k, for domain separation */
	if ((e = G(in, sizeof in, NULL, 0, rs)) != 0 || (e = matrix_a(rs, a)) != 0)
		goto out;
	for (size_t i = 0; i < K && e == 0; i++)
		e = cbd_from_prf(rs + 32, nonce++, &s[i]);
	for (size_t i = 0; i < K && e == 0; i++)
		e = cbd_from_prf(rs + 32, nonce++, &e_[i]);
	if (e != 0)
		goto out;
	for (size_t i = 0; i < K; i++) {
		ntt(&s[i]);
		ntt(&e_[i]);
	}
	for (size_t i = 0; i < K; i++) { /* t̂ = Â ∘ ŝ + ê */
		t = e_[i];
		for (size_t j = 0; j < K; j++)
			mul_acc(&t, &a[i][j], &s[j]);
		byte_encode(&t, 12, ek + i * POLY_BYTES);
		byte_encode(&s[i], 12, dk + i * POLY_BYTES);
	}
	memcpy(ek + K * POLY_BYTES, rs, 32);
out:
	OPENSSL_cleanse(in, sizeof in);
	OPENSSL_cleanse(rs, sizeof rs);
	OPENSSL_cleanse(s, sizeof s);
	OPENSSL_cleanse(e_, sizeof e_);
	OPENSSL_cleanse(&t, sizeof t);
	return e;
}

/* K-PKE.Encrypt(ek_pke, m, r) (Algorithm 14). */
static int kpke_encrypt(const uint8_t ek[MLAB_MLKEM768_EK_LEN], const uint8_t m[32], const uint8_t r[32],
			uint8_t ct[MLAB_MLKEM768_CT_LEN])
{
	poly a[K][K], t[K], y[K], e1[K], e2, u, v, mu;
	uint8_t nonce = 0;
	int e = 0;

	for (size_t i = 0; i < K; i++)
		byte_decode(ek + i * POLY_BYTES, 12, &t[i]);
	if ((e = matrix_a(ek + K * POLY_BYTES, a)) != 0)
		goto out;
	for (size_t i = 0; i < K && e == 0; i++)
		e = cbd_from_prf(r, nonce++, &y[i]);
	for (size_t i = 0; i < K && e == 0; i++)
		e = cbd_from_prf(r, nonce++, &e1[i]);
	if (e != 0 || (e = cbd_from_prf(r, nonce, &e2)) != 0)
		goto out;
	for (size_t i = 0; i < K; i++)
		ntt(&y[i]);
	for (size_t i = 0; i < K; i++) { /* u = NTT⁻¹(Âᵀ ∘ ŷ) + e1 */
		memset(&u, 0, sizeof u);
		for (size_t j = 0; j < K; j++)
			mul_acc(&u, &a[j][i], &y[j]);
		ntt_inv(&u);
		poly_add(&u, &e1[i]);
		compress(&u, DU);
		byte_encode(&u, DU, ct + i * 32 * DU);
	}
	byte_decode(m, 1, &mu); /* μ = Decompress1(ByteDecode1(m)) */
	decompress(&mu, 1);
	memset(&v, 0, sizeof v); /* v = NTT⁻¹(t̂ᵀ ∘ ŷ) + e2 + μ */
	for (size_t j = 0; j < K; j++)
		mul_acc(&v, &t[j], &y[j]);
	ntt_inv(&v);
	poly_add(&v, &e2);
	poly_add(&v, &mu);
	compress(&v, DV);
	byte_encode(&v, DV, ct + K * 32 * DU);
out:
	OPENSSL_cleanse(y, sizeof y);
	OPENSSL_cleanse(e1, sizeof e1);
	OPENSSL_cleanse(&e2, sizeof e2);
	OPENSSL_cleanse(&u, sizeof u);
	OPENSSL_cleanse(&v, sizeof v);
	OPENSSL_cleanse(&mu, sizeof mu);
	return e;
}

/* K-PKE.Decrypt(dk_pke, c) (Algorithm 15): m = ByteEncode1(Compress1(w)). */
static void kpke_decrypt(const uint8_t dk[K * POLY_BYTES], const uint8_t ct[MLAB_MLKEM768_CT_LEN], uint8_t m[32])
{
	poly u[K], s, v, w;

	memset(&w, 0, sizeof w);
	for (size_t i = 0; i < K; i++) { /* ŝᵀ ∘ NTT(u') */
		byte_decode(ct + i * 32 * DU, DU, &u[i]);
		decompress(&u[i], DU);
		ntt(&u[i]);
		byte_decode(dk + i * POLY_BYTES, 12, &s);
		mul_acc(&w, &s, &u[i]);
	}
	ntt_inv(&w);
	byte_decode(ct + K * 32 * DU, DV, &v);
	decompress(&v, DV);
	poly_sub(&v, &w); /* w = v' - NTT⁻¹(ŝᵀ ∘ NTT(u')) */
	compress(&v, 1);
	byte_encode(&v, 1, m);
	OPENSSL_cleanse(u, sizeof u);
	OPENSSL_cleanse(&s, sizeof s);
	OPENSSL_cleanse(&v, sizeof v);
	OPENSSL_cleanse(&w, sizeof w);
}

/* ------------------------------------------------ ML-KEM (§6, §7) */

int mlab_mlkem768_check_ek(const uint8_t *ek, size_t ek_len)
{
	poly t;
	unsigned bad = 0;

	if (!ek || ek_len != MLAB_MLKEM768_EK_LEN)
		return MLAB_E_SHARE_LENGTH;
	/* the modulus check: ByteEncode12(ByteDecode12(ek)) = ek, i.e. every
	 * 12-bit value is already below q */
	for (size_t i = 0; i < K; i++) {
		byte_decode_raw(ek + i * POLY_BYTES, 12, &t);
		for (size_t j = 0; j < N; j++)
			bad |= t.c[j] >= Q;
	}
	return bad ? MLAB_E_MLKEM_EK : 0;
}

int mlab_mlkem768_keygen_seed(const uint8_t *seed, size_t seed_len, uint8_t ek[MLAB_MLKEM768_EK_LEN],
			      uint8_t dk[MLAB_MLKEM768_DK_LEN])
{
	if (!seed || seed_len != MLAB_MLKEM_SEED_LEN)
		return MLAB_E_MLKEM_DK;
	/* dk = dk_pke ‖ ek ‖ H(ek) ‖ z (Algorithm 16) */
	int e = kpke_keygen(seed, ek, dk);
	if (e == 0) {
		memcpy(dk + K * POLY_BYTES, ek, MLAB_MLKEM768_EK_LEN);
		e = H(ek, MLAB_MLKEM768_EK_LEN, dk + K * POLY_BYTES + MLAB_MLKEM768_EK_LEN);
		memcpy(dk + MLAB_MLKEM768_DK_LEN - 32, seed + 32, 32);
	}
	if (e != 0)
		OPENSSL_cleanse(dk, MLAB_MLKEM768_DK_LEN);
	return e;
}

int mlab_mlkem768_keygen(uint8_t ek[MLAB_MLKEM768_EK_LEN], uint8_t dk[MLAB_MLKEM768_DK_LEN])
{
	uint8_t seed[MLAB_MLKEM_SEED_LEN];
	int e = mlab_random(seed, sizeof seed);
	if (e == 0)
		e = mlab_mlkem768_keygen_seed(seed, sizeof seed, ek, dk);
	OPENSSL_cleanse(seed, sizeof seed);
	return e;
}

int mlab_mlkem768_encaps_m(const uint8_t *ek, size_t ek_len, const uint8_t m[32], uint8_t ct[MLAB_MLKEM768_CT_LEN],
			   uint8_t ss[MLAB_MLKEM_SS_LEN])
{
	uint8_t h[32], kr[64]; /* (K, r) = G(m ‖ H(ek)) (Algorithm 17) */
	int e = mlab_mlkem768_check_ek(ek, ek_len);

	if (e == 0 && (e = H(ek, ek_len, h)) == 0 && (e = G(m, 32, h, 32, kr)) == 0 &&
	    (e = kpke_encrypt(ek, m, kr + 32, ct)) == 0)
		memcpy(ss, kr, MLAB_MLKEM_SS_LEN);
	OPENSSL_cleanse(kr, sizeof kr);
	return e;
}

int mlab_mlkem768_encaps(const uint8_t *ek, size_t ek_len, uint8_t ct[MLAB_MLKEM768_CT_LEN],
			 uint8_t ss[MLAB_MLKEM_SS_LEN])
{
	uint8_t m[32];
	int e = mlab_random(m, sizeof m);
	if (e == 0)
		e = mlab_mlkem768_encaps_m(ek, ek_len, m, ct, ss);
	OPENSSL_cleanse(m, sizeof m);
	return e;
}

int mlab_mlkem768_decaps(const uint8_t *dk, size_t dk_len, const uint8_t *ct, size_t ct_len,
			 uint8_t ss[MLAB_MLKEM_SS_LEN])
{
	const uint8_t *ek, *h, *z;
	uint8_t hh[32], m[32], kr[64], kbar[32], ct2[MLAB_MLKEM768_CT_LEN];
	int e;

	if (!ct || ct_len != MLAB_MLKEM768_CT_LEN)
		return MLAB_E_MLKEM_CT;
	if (!dk || dk_len != MLAB_MLKEM768_DK_LEN)
		return MLAB_E_MLKEM_DK;
	ek = dk + K * POLY_BYTES;
	h = ek + MLAB_MLKEM768_EK_LEN;
	z = h + 32;
	/* §7.3 hash check: the H(ek) stored in dk is ek's */
	if ((e = H(ek, MLAB_MLKEM768_EK_LEN, hh)) != 0)
		return e;
	if (CRYPTO_memcmp(hh, h, 32) != 0)
		return MLAB_E_MLKEM_DK;
	/* Algorithm 18: decrypt, re-derive, re-encrypt, compare */
	kpke_decrypt(dk, ct, m);
	if ((e = G(m, 32, h, 32, kr)) == 0 && (e = J(z, 32, ct, ct_len, kbar)) == 0 &&
	    (e = kpke_encrypt(ek, m, kr + 32, ct2)) == 0) {
		/* implicit rejection, branch-free: K' when c = c', else K̄. diff is
		 * 0 or not; diff | -diff has its top bit set exactly when diff ≠ 0,
		 * so mask is 0xFF for equal ciphertexts and 0x00 otherwise. */
		uint32_t diff = (uint32_t)CRYPTO_memcmp(ct, ct2, sizeof ct2);
		uint8_t mask = (uint8_t)(((diff | (0u - diff)) >> 31) - 1u);
		for (size_t i = 0; i < MLAB_MLKEM_SS_LEN; i++)
			ss[i] = (uint8_t)((kr[i] & mask) | (kbar[i] & (uint8_t)~mask));
	}
	OPENSSL_cleanse(m, sizeof m);
	OPENSSL_cleanse(kr, sizeof kr);
	OPENSSL_cleanse(kbar, sizeof kbar);
	OPENSSL_cleanse(ct2, sizeof ct2);
	return e;
}
