/* RFC 7919 finite-field groups (ffdhe2048, ffdhe3072) through OpenSSL EVP.
 *
 * Shares are big-endian, left-padded to the modulus length. OpenSSL's own peer
 * check is not enough when called the easy way (derive_set_peer_ex with
 * validate=0 accepts p-2 and even p+2), so range and subgroup are checked here
 * explicitly, each with its own error code. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "mlab_err.h"
#include "mlab_group.h"

/* Builds an EVP_PKEY of the named group: parameters only (pub == NULL) or a
 * peer public key. */
static EVP_PKEY *ff_pkey(const char *group, const BIGNUM *pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *k = NULL;

	if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    (pub && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub)) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) || !(ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, pub ? EVP_PKEY_PUBLIC_KEY : EVP_PKEY_KEY_PARAMETERS, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return k;
}

static int ff_keygen(const struct mlab_group *g, struct mlab_dh *dh)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
	OSSL_PARAM params[] = {
	    OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)g->ossl_name, 0),
	    OSSL_PARAM_END,
	};
	EVP_PKEY *k = NULL;
	BIGNUM *y = NULL;
	int e = MLAB_E_CRYPTO;

	if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_params(ctx, params) != 1 ||
	    EVP_PKEY_generate(ctx, &k) != 1)
		goto out;
	dh->priv = k;
	if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_PUB_KEY, &y) != 1 ||
	    BN_bn2binpad(y, dh->pub, (int)g->share_len) != (int)g->share_len)
		goto out;
	dh->pub_len = g->share_len;
	e = 0;
out:
	BN_free(y);
	EVP_PKEY_CTX_free(ctx);
	return e;
}

/* 2 <= y <= p-2: refuses 0, 1 and p-1 (which fix the secret to 0, 1 or ±1)
 * and anything not reduced mod p. Then y^q = 1 mod p (q = (p-1)/2): a share
 * outside the prime-order subgroup leaks bits of our exponent. */
static int ff_check(const struct mlab_group *g, const uint8_t *share, size_t len)
{
	EVP_PKEY *params = ff_pkey(g->ossl_name, NULL), *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM *p = NULL, *y = BN_bin2bn(share, (int)len, NULL), *pm2 = BN_new();
	int e = MLAB_E_CRYPTO;

	if (!params || !y || !pm2 || EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) != 1 ||
	    !BN_sub(pm2, p, BN_value_one()) || !BN_sub(pm2, pm2, BN_value_one()))
		goto out;
	if (BN_cmp(y, BN_value_one()) <= 0 || BN_cmp(y, pm2) > 0) {
		e = MLAB_E_SHARE_RANGE;
		goto out;
	}
	if (!(peer = ff_pkey(g->ossl_name, y)) || !(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, peer, NULL)))
		goto out;
	/* The full check: public_check_quick skips the subgroup test. */
	e = EVP_PKEY_public_check(ctx) == 1 ? 0 : MLAB_E_SHARE_SUBGROUP;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(params);
	BN_free(p);
	BN_free(y);
	BN_free(pm2);
	return e;
}

/* y^x mod p by hand, for weakened peers only: OpenSSL refuses a secret of 0
 * or 1 even with peer checks off, but the key-fixing scenarios must show
 * what a peer that skips the checks really computes. */
static int ff_derive_raw(struct mlab_dh *dh, const BIGNUM *y, uint8_t *out, size_t *out_len)
{
	EVP_PKEY *params = ff_pkey(dh->group->ossl_name, NULL);
	BIGNUM *p = NULL, *x = NULL, *z = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int n = (int)dh->group->share_len, e = MLAB_E_CRYPTO;

	if (params && z && ctx && EVP_PKEY_get_bn_param(params, OSSL_PKEY_PARAM_FFC_P, &p) == 1 &&
	    EVP_PKEY_get_bn_param(dh->priv, OSSL_PKEY_PARAM_PRIV_KEY, &x) == 1 && BN_mod_exp(z, y, x, p, ctx) == 1 &&
	    BN_bn2binpad(z, out, n) == n) {
		*out_len = (size_t)n;
		e = 0;
	}
	BN_clear_free(x);
	BN_clear_free(z);
	BN_free(p);
	BN_CTX_free(ctx);
	EVP_PKEY_free(params);
	return e;
}

static int ff_derive(struct mlab_dh *dh, const uint8_t *share, size_t len, bool validate, uint8_t *out, size_t *out_len)
{
	BIGNUM *y = BN_bin2bn(share, (int)len, NULL);
	EVP_PKEY *peer = y ? ff_pkey(dh->group->ossl_name, y) : NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = MLAB_MAX_SECRET;
	int e = MLAB_E_CRYPTO;

	/* Padded output, as TLS 1.3 uses it: the secret always has p's length. */
	if (peer && (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->priv, NULL)) && EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_CTX_set_dh_pad(ctx, 1) == 1 && EVP_PKEY_derive_set_peer_ex(ctx, peer, validate) == 1 &&
	    EVP_PKEY_derive(ctx, out, &n) == 1) {
		*out_len = n;
		e = 0;
	} else if (!validate && y) {
		e = ff_derive_raw(dh, y, out, out_len);
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	BN_free(y);
	return e;
}

static void ff_free(struct mlab_dh *dh)
{
	EVP_PKEY_free(dh->priv);
	dh->priv = NULL;
}

/* p, q and g of a named ffdhe group, from OpenSSL's own tables. */
static int ff_params(const struct mlab_group *g, BIGNUM **p, BIGNUM **q, BIGNUM **gen)
{
	EVP_PKEY *k = ff_pkey(g->ossl_name, NULL);
	int e = MLAB_E_CRYPTO;

	if (k && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_P, p) == 1 &&
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_Q, q) == 1 &&
	    EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_FFC_G, gen) == 1)
		e = 0;
	EVP_PKEY_free(k);
	return e;
}

/* x from the given bytes (mlab_dh_keygen_from) and y = g^x mod p, both handed
 * to OpenSSL as a key pair of the named group, so derive is ff_derive as for
 * a generated key. */
static int ff_keygen_from(const struct mlab_group *g, const uint8_t *priv, size_t n, struct mlab_dh *dh)
{
	BIGNUM *p = NULL, *q = NULL, *gen = NULL, *x = BN_secure_new(), *y = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *k = NULL;
	int len = (int)g->share_len, e = MLAB_E_NOMEM;

	if (!x || !y || !ctx || !bld)
		goto out;
	if ((e = ff_params(g, &p, &q, &gen)) != 0 || (e = mlab_ff_exponent(priv, n, q, x, ctx)) != 0)
		goto out;
	e = MLAB_E_CRYPTO;
	if (!BN_mod_exp(y, gen, x, p, ctx) || BN_bn2binpad(y, dh->pub, len) != len ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, g->ossl_name, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) || !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(pctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) || EVP_PKEY_fromdata_init(pctx) != 1 ||
	    EVP_PKEY_fromdata(pctx, &k, EVP_PKEY_KEYPAIR, params) != 1)
		goto out;
	dh->priv = k;
	dh->pub_len = g->share_len;
	e = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params); /* its copy of x is on the secure heap (x is), cleared there */
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(ctx);
	BN_clear_free(x);
	BN_free(y);
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	return e;
}

/* p's length and 8 bytes more (mlab_dh_keygen_from). */
static size_t ff_priv_len(const struct mlab_group *g)
{
	return g->share_len + 8;
}

const struct mlab_group_ops mlab_ffdhe_ops = {.keygen = ff_keygen,
					      .keygen_from = ff_keygen_from,
					      .priv_len = ff_priv_len,
					      .check = ff_check,
					      .derive = ff_derive,
					      .free_priv = ff_free};

bool mlab_group_finite_field(const struct mlab_group *g)
{
	return g && (g->ops == &mlab_ffdhe_ops || (g->ops == &mlab_lab_ops && g->modp));
}

int mlab_group_params(const struct mlab_group *g, BIGNUM **p, BIGNUM **q, BIGNUM **gen)
{
	*p = *q = *gen = NULL;
	if (g && g->ops == &mlab_ffdhe_ops) {
		int e = ff_params(g, p, q, gen);
		if (e != 0) {
			BN_free(*p);
			BN_free(*q);
			BN_free(*gen);
			*p = *q = *gen = NULL;
		}
		return e;
	}
	return mlab_lab_params(g, p, q, gen);
}
