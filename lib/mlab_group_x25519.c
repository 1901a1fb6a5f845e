/* X25519 (RFC 7748) through OpenSSL EVP. */
#include <string.h>

#include <openssl/evp.h>

#include "mlab_err.h"
#include "mlab_group.h"

/* Takes k as dh's private key and fills in its public share. */
static int x_set(const struct mlab_group *g, EVP_PKEY *k, struct mlab_dh *dh)
{
	size_t n = sizeof dh->pub;

	if (!k)
		return MLAB_E_CRYPTO;
	dh->priv = k;
	if (EVP_PKEY_get_raw_public_key(k, dh->pub, &n) != 1 || n != g->share_len)
		return MLAB_E_CRYPTO;
	dh->pub_len = n;
	return 0;
}

static int x_keygen(const struct mlab_group *g, struct mlab_dh *dh)
{
	return x_set(g, EVP_PKEY_Q_keygen(NULL, NULL, g->ossl_name), dh);
}

/* The raw scalar as RFC 7748 §5 decodes it: OpenSSL clamps on use. */
static int x_keygen_from(const struct mlab_group *g, const uint8_t *priv, size_t n, struct mlab_dh *dh)
{
	return x_set(g, EVP_PKEY_new_raw_private_key_ex(NULL, g->ossl_name, NULL, priv, n), dh);
}

static size_t x_priv_len(const struct mlab_group *g)
{
	return g->share_len; /* 32: a scalar is as long as a u-coordinate */
}

/* Every 32-byte string is a valid X25519 input (RFC 7748 §5); what must be
 * refused is a low-order point, and that shows as an all-zero secret. */
static int x_check(const struct mlab_group *g, const uint8_t *share, size_t len)
{
	(void)g;
	(void)share;
	(void)len;
	return 0;
}

static int x_derive(struct mlab_dh *dh, const uint8_t *share, size_t len, bool validate, uint8_t *out, size_t *out_len)
{
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key_ex(NULL, dh->group->ossl_name, NULL, share, len);
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = MLAB_MAX_SECRET;
	int e = MLAB_E_CRYPTO;

	if (!peer || !(ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->priv, NULL)) || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 1) != 1)
		goto out;
	/* OpenSSL refuses to output an all-zero X25519 secret (a low-order
	 * share). A weakened peer (validate=false) goes on with the zeros the
	 * arithmetic gives, so the key-fixing scenarios can show the result. */
	if (EVP_PKEY_derive(ctx, out, &n) != 1) {
		if (validate) {
			e = MLAB_E_SHARE_LOW_ORDER;
			goto out;
		}
		n = 32;
		memset(out, 0, n);
	}
	*out_len = n;
	e = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return e;
}

static void x_free(struct mlab_dh *dh)
{
	EVP_PKEY_free(dh->priv);
	dh->priv = NULL;
}

const struct mlab_group_ops mlab_x25519_ops = {.keygen = x_keygen,
					       .keygen_from = x_keygen_from,
					       .priv_len = x_priv_len,
					       .check = x_check,
					       .derive = x_derive,
					       .free_priv = x_free};
