/* Explicit-parameter mode: a group (p, g) that travels on the wire, as TLS
 * 1.2's ServerKeyExchange carried it. Kept for the legacy lessons: a peer
 * that takes p and g from the network and does not check them computes
 * whatever the sender wants (Cryptopals 35: g = 1, p or p-1 fix the secret).
 *
 * The arithmetic is the lab groups' (BIGNUM, lib/mlab_group_lab.c); this
 * file only builds a per-session struct mlab_group and checks parameters. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_wire.h"

/* A rough security estimate for a safe-prime group of this size: RFC 7919
 * Appendix A for the real sizes, and half the bits (generic discrete-log
 * cost in a prime-order subgroup) below 1024 bits, where the lab lives. */
static unsigned estimate_bits(int bits)
{
	if (bits >= 3072)
		return 125;
	if (bits >= 2048)
		return 103;
	if (bits >= 1024)
		return 80;
	return (unsigned)bits / 2;
}

static const struct mlab_group *find_known(const struct mlab_xgroup *x, bool *same_g);

int mlab_xgroup_set(struct mlab_xgroup *x, const uint8_t *p, size_t p_len, const uint8_t *g, size_t g_len)
{
	BIGNUM *bp = NULL, *bg = NULL, *bq = BN_new();
	char *hp = NULL, *hg = NULL, *hq = NULL;
	int e = MLAB_E_GROUP_PARAMS;

	memset(x, 0, sizeof *x);
	if (!bq) {
		e = MLAB_E_NOMEM;
		goto out;
	}
	/* One encoding per number: no leading zero byte in p, so its length is
	 * the share length; g no longer than p (it need not be below it). */
	if (p_len < 2 || p_len > MLAB_MAX_EXPLICIT_P || p[0] == 0 || g_len == 0 || g_len > p_len || !(p[p_len - 1] & 1))
		goto out;
	e = MLAB_E_NOMEM;
	if (!(bp = BN_bin2bn(p, (int)p_len, NULL)) || !(bg = BN_bin2bn(g, (int)g_len, NULL)) || !BN_rshift1(bq, bp) ||
	    !(hp = BN_bn2hex(bp)) || !(hg = BN_bn2hex(bg)) || !(hq = BN_bn2hex(bq)))
		goto out;
	snprintf(x->p, sizeof x->p, "%s", hp);
	snprintf(x->g, sizeof x->g, "%s", hg);
	snprintf(x->q, sizeof x->q, "%s", hq);
	x->modp = (struct mlab_modp){x->p, x->q, x->g};
	memcpy(x->p_bytes, p, p_len);
	memcpy(x->g_bytes, g, g_len);
	x->p_len = p_len;
	x->g_len = g_len;
	int bits = BN_num_bits(bp);
	snprintf(x->title, sizeof x->title, "explicit %d-bit p, g = %.16s%s", bits, x->g, strlen(x->g) > 16 ? "…" : "");
	x->group = (struct mlab_group){.id = MLAB_GROUP_EXPLICIT,
				       .name = "explicit",
				       .title = x->title,
				       .share_len = p_len,
				       .bits = (unsigned)bits,
				       .ops = &mlab_lab_ops,
				       .weak = bits < 512, /* below what any library accepts: breakable live */
				       .sec_bits = estimate_bits(bits),
				       .modp = &x->modp};
	x->known = find_known(x, &x->known_g); /* once: the event and the check both ask */
	e = 0;
out:
	OPENSSL_free(hp);
	OPENSSL_free(hg);
	OPENSSL_free(hq);
	BN_free(bp);
	BN_free(bg);
	BN_free(bq);
	return e;
}

int mlab_xgroup_bytes(const struct mlab_xgroup *x, uint8_t *p, size_t *p_len, uint8_t *g, size_t *g_len)
{
	memcpy(p, x->p_bytes, x->p_len);
	memcpy(g, x->g_bytes, x->g_len);
	*p_len = x->p_len;
	*g_len = x->g_len;
	return 0;
}

int mlab_xgroup_from(struct mlab_xgroup *x, const struct mlab_group *named)
{
	BIGNUM *p, *q, *gen;
	uint8_t pb[MLAB_MAX_SHARE], gb[MLAB_MAX_SHARE];
	int e = mlab_group_params(named, &p, &q, &gen);

	if (e != 0)
		return e;
	e = MLAB_E_ARG;
	if (BN_num_bytes(p) <= MLAB_MAX_SHARE && BN_num_bytes(gen) <= MLAB_MAX_SHARE) {
		int pl = BN_bn2bin(p, pb), gl = BN_bn2bin(gen, gb);
		e = mlab_xgroup_set(x, pb, (size_t)pl, gb, (size_t)gl);
	}
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	return e;
}

/* The groups whose p is known to be a safe prime with g of order q: found
 * by value they need no primality test (RFC 7919 §3 lets a client recognise
 * its groups in a legacy ServerKeyExchange). lab-64-smooth is not one. */
static const uint16_t known_ids[] = {MLAB_GROUP_FFDHE2048, MLAB_GROUP_FFDHE3072, MLAB_GROUP_LAB48, MLAB_GROUP_LAB32};

static const struct mlab_group *find_known(const struct mlab_xgroup *x, bool *same_g)
{
	const struct mlab_group *found = NULL;

	*same_g = false;
	for (size_t i = 0; !found && i < sizeof known_ids / sizeof known_ids[0]; i++) {
		const struct mlab_group *named = mlab_group_by_id(known_ids[i]);
		BIGNUM *p, *q, *g;
		uint8_t b[MLAB_MAX_EXPLICIT_P];
		if (!named || (size_t)named->share_len != x->p_len || mlab_group_params(named, &p, &q, &g) != 0)
			continue;
		if (BN_num_bytes(p) == (int)x->p_len && BN_bn2bin(p, b) == (int)x->p_len &&
		    memcmp(b, x->p_bytes, x->p_len) == 0) {
			found = named;
			/* g compared as a number: a leading zero byte is the same g. */
			BIGNUM *xg = BN_bin2bn(x->g_bytes, (int)x->g_len, NULL);
			*same_g = xg && BN_cmp(xg, g) == 0;
			BN_free(xg);
		}
		BN_free(p);
		BN_free(q);
		BN_free(g);
	}
	return found;
}

const struct mlab_group *mlab_xgroup_known(const struct mlab_xgroup *x, bool *same_g)
{
	*same_g = x->known_g;
	return x->known;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Miller-Rabin with MLAB_XCHECK_ROUNDS random bases, each round checked
 * against the deadline: 1 probably prime, 0 composite, MLAB_E_PARAMS_COST
 * past the deadline, MLAB_E_NOMEM. Trial division first, as BN_check_prime
 * does, so most random composites cost nothing. */
static int probably_prime(const BIGNUM *n, BN_CTX *ctx, double deadline)
{
	static const unsigned small[] = {3,  5,	 7,  11, 13, 17, 19, 23, 29, 31, 37, 41,
					 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97};
	BIGNUM *d = BN_new(), *nm1 = BN_new(), *a = BN_new(), *y = BN_new(), *range = BN_new();
	int r = MLAB_E_NOMEM, s = 0;

	if (!d || !nm1 || !a || !y || !range)
		goto out;
	r = 0;
	if (!BN_is_odd(n) || BN_cmp(n, BN_value_one()) <= 0)
		goto out;
	for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
		BN_ULONG m = BN_mod_word(n, small[i]);
		if (m == (BN_ULONG)-1) {
			r = MLAB_E_NOMEM;
			goto out;
		}
		if (m == 0) {
			r = BN_is_word(n, small[i]);
			goto out;
		}
	}
	r = MLAB_E_NOMEM;
	/* n - 1 = d * 2^s, d odd; bases a in [2, n-2]. */
	if (!BN_sub(nm1, n, BN_value_one()) || !BN_copy(d, nm1) || !BN_sub(range, nm1, BN_value_one()) ||
	    !BN_sub_word(range, 2))
		goto out;
	while (!BN_is_odd(d)) {
		if (!BN_rshift1(d, d))
			goto out;
		s++;
	}
	for (int round = 0; round < MLAB_XCHECK_ROUNDS; round++) {
		if (now_ms() > deadline) {
			r = MLAB_E_PARAMS_COST;
			goto out;
		}
		if (!BN_rand_range(a, range) || !BN_add_word(a, 2) || !BN_mod_exp(y, a, d, n, ctx))
			goto out;
		if (BN_is_one(y) || BN_cmp(y, nm1) == 0)
			continue;
		int j = 1;
		for (; j < s; j++) {
			if (!BN_mod_sqr(y, y, n, ctx))
				goto out;
			if (BN_cmp(y, nm1) == 0)
				break;
		}
		if (j == s) {
			r = 0; /* a witness: composite */
			goto out;
		}
	}
	r = 1;
out:
	BN_free(d);
	BN_free(nm1);
	BN_free(a);
	BN_free(y);
	BN_free(range);
	return r;
}

int mlab_xgroup_check_within(const struct mlab_xgroup *x, unsigned budget_ms)
{
	BIGNUM *p = NULL, *q = NULL, *g = NULL, *pm1 = BN_new(), *pm2 = BN_new(), *t = BN_new(), *two = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	double deadline = now_ms() + budget_ms;
	bool same_g;
	int e = MLAB_E_NOMEM;

	if (!pm1 || !pm2 || !t || !two || !ctx || !BN_hex2bn(&p, x->p) || !BN_hex2bn(&q, x->q) ||
	    !BN_hex2bn(&g, x->g) || !BN_sub(pm1, p, BN_value_one()) || !BN_sub(pm2, pm1, BN_value_one()) ||
	    !BN_set_word(two, 2))
		goto out;
	const struct mlab_group *known = mlab_xgroup_known(x, &same_g);
	e = 0;
	if (known && same_g)
		goto out; /* the named group itself: nothing to compute */
	e = MLAB_E_GROUP_PARAMS;
	/* g = 0, 1, p-1, p or more: the degenerate generators of Cryptopals 35. */
	if (BN_cmp(g, BN_value_one()) <= 0 || BN_cmp(g, pm2) > 0)
		goto out;
	if (!known) {
		/* A safe prime: then (p-1)/2 is the only large subgroup, and g^q = 1
		 * puts g in it. Without that test a sender picks a p whose p-1 is
		 * smooth (see lab-64-smooth) and breaks every share in it. Bounded:
		 * unknown p of at most MLAB_XCHECK_MAX_BITS, q by Miller-Rabin
		 * within the budget, then p by Pocklington's criterion (p - 1 = 2q
		 * with q prime: 2^(p-1) = 1 mod p proves p prime, for any prime r | p
		 * other than 3 has q | ord_r(2) | r - 1, so r = p, and no power of 3
		 * is 2q + 1 with 2^(p-1) = 1) — one exponentiation instead of a
		 * second test. */
		if (BN_num_bits(p) > MLAB_XCHECK_MAX_BITS) {
			e = MLAB_E_PARAMS_COST;
			goto out;
		}
		int r = probably_prime(q, ctx, deadline);
		if (r != 1) {
			e = r == 0 ? MLAB_E_GROUP_PARAMS : r;
			goto out;
		}
		if (!BN_mod_exp(t, two, pm1, p, ctx)) {
			e = MLAB_E_NOMEM;
			goto out;
		}
		if (!BN_is_one(t))
			goto out;
	}
	if (!BN_mod_exp(t, g, q, p, ctx)) {
		e = MLAB_E_NOMEM;
		goto out;
	}
	e = BN_is_one(t) ? 0 : MLAB_E_GROUP_PARAMS;
out:
	BN_free(p);
	BN_free(q);
	BN_free(g);
	BN_free(pm1);
	BN_free(pm2);
	BN_free(t);
	BN_free(two);
	BN_CTX_free(ctx);
	return e;
}

int mlab_xgroup_check(const struct mlab_xgroup *x)
{
	return mlab_xgroup_check_within(x, MLAB_XCHECK_BUDGET_MS);
}
