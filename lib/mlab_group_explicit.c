/* Explicit-parameter mode: a group (p, g) that travels on the wire, as TLS
 * 1.2's ServerKeyExchange carried it. Kept for the legacy lessons: a peer
 * that takes p and g from the network and does not check them computes
 * whatever the sender wants (Cryptopals 35: g = 1, p or p-1 fix the secret).
 *
 * The arithmetic is the lab groups' (BIGNUM, lib/mlab_group_lab.c); this
 * file only builds a per-session struct mlab_group and checks parameters. */
#include <stdio.h>
#include <string.h>

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

int mlab_xgroup_check(const struct mlab_xgroup *x)
{
	BIGNUM *p = NULL, *q = NULL, *g = NULL, *pm2 = BN_new(), *t = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int e = MLAB_E_NOMEM;

	if (!pm2 || !t || !ctx || !BN_hex2bn(&p, x->p) || !BN_hex2bn(&q, x->q) || !BN_hex2bn(&g, x->g) ||
	    !BN_sub(pm2, p, BN_value_one()) || !BN_sub(pm2, pm2, BN_value_one()))
		goto out;
	e = MLAB_E_GROUP_PARAMS;
	/* g = 0, 1, p-1, p or more: the degenerate generators of Cryptopals 35. */
	if (BN_cmp(g, BN_value_one()) <= 0 || BN_cmp(g, pm2) > 0)
		goto out;
	/* A safe prime: then (p-1)/2 is the only large subgroup, and g^q = 1
	 * puts g in it. Without that test a sender picks a p whose p-1 is
	 * smooth (see lab-64-smooth) and breaks every share in it. */
	if (BN_check_prime(p, ctx, NULL) != 1 || BN_check_prime(q, ctx, NULL) != 1)
		goto out;
	if (!BN_mod_exp(t, g, q, p, ctx))
		goto out;
	e = BN_is_one(t) ? 0 : MLAB_E_GROUP_PARAMS;
out:
	BN_free(p);
	BN_free(q);
	BN_free(g);
	BN_free(pm2);
	BN_free(t);
	BN_CTX_free(ctx);
	return e;
}
