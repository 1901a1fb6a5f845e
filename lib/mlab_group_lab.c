/* WEAK lab groups: finite-field Diffie-Hellman small enough that mallory
 * computes a discrete logarithm live (mallory/dlog.c). NEVER use them for
 * anything but the lab; peers use them only when named in --groups.
 *
 * OpenSSL refuses DH moduli under 512 bits, so these groups are implemented
 * here with plain BIGNUM arithmetic behind the same interface as ffdhe:
 * shares are big-endian, left-padded to the byte length of p; the checks are
 * the same (length, range 2..p-2, subgroup y^q = 1 mod p) with the same error
 * codes; the secret is y^x mod p, left-padded to the byte length of p.
 *
 * The groups (all constants checked with `openssl prime -hex`):
 *
 * lab-32 (id 0xFF00) — p = 0xEDDB2ABF, a 32-bit safe prime (p = 2q + 1 with q
 *   prime), generated once with BN_generate_prime_ex(bits = 32, safe = 1).
 *   g = 4 = 2^2 is a square, so it generates the subgroup of prime order
 *   q = (p-1)/2 = 0x76ED955F (31 bits). Why weak: the best generic attack
 *   (baby-step giant-step, Pollard rho) needs about sqrt(q) ≈ 2^15.5 group
 *   operations — milliseconds.
 *
 * lab-48 (id 0xFF01) — p = 0xD1E596348893, a 48-bit safe prime from
 *   BN_generate_prime_ex(bits = 48, safe = 1); g = 4, prime q = (p-1)/2 =
 *   0x68F2CB1A4449 (47 bits). Built exactly like a real ffdhe group (safe
 *   prime, prime-order subgroup, so the subgroup check works), only far too
 *   small: Pollard rho needs about sqrt(pi q / 2) ≈ 2^23.8 steps — around a
 *   second on one core. Every 2 more bits of p double that; ffdhe2048 would
 *   need more steps than there are atoms in the galaxy (and the number field
 *   sieve, not rho, is what breaks real finite-field groups).
 *
 * lab-64-smooth (id 0xFF02) — p = 0xB09F2A5CCBBC08EB, 64 bits, built on
 *   purpose as p = 2 * 13 * 17351 * 18223 * 34129 * 45361 + 1 (random small
 *   primes, multiplied until 2*product+1 was a 64-bit prime). g = 2
 *   generates the whole group: its order q = p - 1 is composite. Why weak,
 *   even though p is larger than lab-48's: Pohlig-Hellman splits a discrete
 *   logarithm in a group of order q into one per prime factor of q, so the
 *   work is set by the LARGEST prime factor (45361, ~2^15.5), not by p.
 *   There is no prime-order subgroup either: the subgroup check y^q = 1
 *   accepts every y in 2..p-2, including elements of order 2, 13, 26 ...,
 *   which confine the shared secret to a handful of values. The lesson:
 *   the size of p means nothing if the group order is smooth.
 *
 * The same code computes with explicit parameters from the wire
 * (lib/mlab_group_explicit.c): anything with a modp runs through it. */
#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>

#include "mlab_err.h"
#include "mlab_group.h"

/* The groups' constants (hex), used through struct mlab_group's modp. */
const struct mlab_modp mlab_lab32_modp = {"EDDB2ABF", "76ED955F", "4"};
const struct mlab_modp mlab_lab48_modp = {"D1E596348893", "68F2CB1A4449", "4"};
const struct mlab_modp mlab_lab64_smooth_modp = {"B09F2A5CCBBC08EB", "B09F2A5CCBBC08EA", "2"};

int mlab_lab_params(const struct mlab_group *g, BIGNUM **p, BIGNUM **q, BIGNUM **gen)
{
	*p = *q = *gen = NULL;
	if (!g || g->ops != &mlab_lab_ops || !g->modp)
		return MLAB_E_ARG;
	if (!BN_hex2bn(p, g->modp->p) || !BN_hex2bn(q, g->modp->q) || !BN_hex2bn(gen, g->modp->g)) {
		BN_free(*p);
		BN_free(*q);
		BN_free(*gen);
		*p = *q = *gen = NULL;
		return MLAB_E_NOMEM;
	}
	return 0;
}

static void free3(BIGNUM *p, BIGNUM *q, BIGNUM *g)
{
	BN_free(p);
	BN_free(q);
	BN_free(g);
}

/* Private exponent uniform in [2, q-1]; public share g^x mod p. */
static int lab_keygen(const struct mlab_group *g, struct mlab_dh *dh)
{
	BIGNUM *p, *q, *gen, *x = BN_secure_new(), *r = BN_new(), *y = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int n = (int)g->share_len, e = mlab_lab_params(g, &p, &q, &gen);

	if (e != 0)
		goto out;
	e = MLAB_E_CRYPTO;
	if (!x || !r || !y || !ctx || !BN_sub(r, q, BN_value_one()) || !BN_sub(r, r, BN_value_one()) ||
	    !BN_rand_range(x, r) || !BN_add_word(x, 2) || !BN_mod_exp(y, gen, x, p, ctx) ||
	    BN_bn2binpad(y, dh->pub, n) != n)
		goto out;
	dh->pub_len = (size_t)n;
	dh->priv = x;
	x = NULL;
	e = 0;
out:
	BN_clear_free(x);
	BN_free(r);
	BN_free(y);
	BN_CTX_free(ctx);
	free3(p, q, gen);
	return e;
}

int mlab_ff_exponent(const uint8_t *b, size_t n, const BIGNUM *q, BIGNUM *x, BN_CTX *ctx)
{
	BIGNUM *r = BN_new(), *big = NULL;
	int e = MLAB_E_GROUP_PARAMS;

	if (!r || n > INT32_MAX) {
		e = r ? MLAB_E_ARG : MLAB_E_NOMEM;
		goto out;
	}
	/* q - 3 values from 2 to q-2; a group with q < 4 has none. */
	if (BN_is_negative(q) || BN_num_bits(q) < 3)
		goto out;
	e = MLAB_E_CRYPTO;
	BN_set_flags(x, BN_FLG_CONSTTIME);
	if (!BN_copy(r, q) || !BN_sub_word(r, 3) || !(big = BN_secure_new()) || !BN_bin2bn(b, (int)n, big) ||
	    !BN_mod(x, big, r, ctx) || !BN_add_word(x, 2))
		goto out;
	e = 0;
out:
	BN_clear_free(big);
	BN_free(r);
	return e;
}

/* x from the given bytes (mlab_dh_keygen_from), share g^x mod p. */
static int lab_keygen_from(const struct mlab_group *g, const uint8_t *priv, size_t len, struct mlab_dh *dh)
{
	BIGNUM *p, *q, *gen, *x = BN_secure_new(), *y = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int n = (int)g->share_len, e = mlab_lab_params(g, &p, &q, &gen);

	if (e != 0)
		goto out;
	e = MLAB_E_NOMEM;
	if (!x || !y || !ctx || (e = mlab_ff_exponent(priv, len, q, x, ctx)) != 0)
		goto out;
	e = MLAB_E_CRYPTO;
	if (!BN_mod_exp(y, gen, x, p, ctx) || BN_bn2binpad(y, dh->pub, n) != n)
		goto out;
	dh->pub_len = (size_t)n;
	dh->priv = x;
	x = NULL;
	e = 0;
out:
	BN_clear_free(x);
	BN_free(y);
	BN_CTX_free(ctx);
	free3(p, q, gen);
	return e;
}

/* p's length and 8 bytes more (mlab_dh_keygen_from); 0 without parameters. */
static size_t lab_priv_len(const struct mlab_group *g)
{
	return g->modp && g->share_len ? g->share_len + 8 : 0;
}

/* The same checks as ffdhe, in the same order: length, 2 <= y <= p-2 (never
 * reduce mod p), then y^q = 1 mod p. */
static int lab_check(const struct mlab_group *g, const uint8_t *share, size_t len)
{
	BIGNUM *p, *q, *gen, *y = NULL, *pm2 = BN_new(), *t = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int e = mlab_lab_params(g, &p, &q, &gen);

	if (e != 0)
		goto out;
	if (len != g->share_len) {
		e = MLAB_E_SHARE_LENGTH;
		goto out;
	}
	e = MLAB_E_CRYPTO;
	if (!pm2 || !t || !ctx || !(y = BN_bin2bn(share, (int)len, NULL)) || !BN_sub(pm2, p, BN_value_one()) ||
	    !BN_sub(pm2, pm2, BN_value_one()))
		goto out;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm2) > 0) {
		e = MLAB_E_SHARE_RANGE;
		goto out;
	}
	if (!BN_mod_exp(t, y, q, p, ctx))
		goto out;
	e = BN_is_one(t) ? 0 : MLAB_E_SHARE_SUBGROUP;
out:
	BN_free(y);
	BN_free(pm2);
	BN_free(t);
	BN_CTX_free(ctx);
	free3(p, q, gen);
	return e;
}

/* y^x mod p, left-padded to p's length. With validate=false anything of the
 * right length is used as it is (0, 1, p-1, even p or more): the key-fixing
 * lessons need to show what a peer that skips the checks computes. With
 * validate=true a secret of 0 or 1 is refused as well. */
static int lab_derive(struct mlab_dh *dh, const uint8_t *share, size_t len, bool validate, uint8_t *out,
		      size_t *out_len)
{
	BIGNUM *p, *q, *gen, *y = NULL, *z = BN_secure_new();
	BN_CTX *ctx = BN_CTX_new();
	int n = (int)dh->group->share_len, e = mlab_lab_params(dh->group, &p, &q, &gen);

	if (e != 0)
		goto out;
	e = MLAB_E_CRYPTO;
	if (len != dh->group->share_len) {
		e = MLAB_E_SHARE_LENGTH;
		goto out;
	}
	if (!z || !ctx || !(y = BN_bin2bn(share, (int)len, NULL)) || !BN_mod_exp(z, y, dh->priv, p, ctx))
		goto out;
	if (validate && BN_is_zero(z)) {
		e = MLAB_E_SHARE_RANGE;
		goto out;
	}
	if (validate && BN_is_one(z)) {
		/* Only a share of small order can do this: its order divides x. */
		e = MLAB_E_SHARE_SUBGROUP;
		goto out;
	}
	if (BN_bn2binpad(z, out, n) != n)
		goto out;
	*out_len = (size_t)n;
	e = 0;
out:
	BN_free(y);
	BN_clear_free(z);
	BN_CTX_free(ctx);
	free3(p, q, gen);
	return e;
}

static void lab_free(struct mlab_dh *dh)
{
	BN_clear_free(dh->priv);
	dh->priv = NULL;
}

const struct mlab_group_ops mlab_lab_ops = {.keygen = lab_keygen,
					    .keygen_from = lab_keygen_from,
					    .priv_len = lab_priv_len,
					    .check = lab_check,
					    .derive = lab_derive,
					    .free_priv = lab_free};
