/* The certificate suites' PKI (see cert_fx.h). */
#include "cert_fx.h"

#include <string.h>

#include "mlab_crypto.h"
#include "mlab_err.h"

int cert_fx_init(struct cert_fx *f, long long now)
{
	EVP_PKEY *rk = NULL, *ik = NULL;
	if (mlab_ed25519_generate(&rk) != 0 || mlab_ed25519_generate(&ik) != 0) {
		EVP_PKEY_free(rk);
		EVP_PKEY_free(ik);
		memset(f, 0, sizeof *f);
		return MLAB_E_CRYPTO;
	}
	return cert_fx_init_keys(f, now, rk, ik);
}

int cert_fx_init_keys(struct cert_fx *f, long long now, EVP_PKEY *root_key, EVP_PKEY *inter_key)
{
	memset(f, 0, sizeof *f);
	f->now = now;
	f->root_key = root_key;
	f->inter_key = inter_key;
	struct mlab_cert_spec root = {
	    .subject_cn = "fx Root CA",
	    .org = "mitmlab tests",
	    .ca = true,
	    .pathlen = -1,
	    .not_before = now - 90 * CERT_FX_DAY,
	    .not_after = now + 3650 * CERT_FX_DAY,
	    .key = f->root_key,
	};
	struct mlab_cert_spec inter = root;
	inter.subject_cn = "fx Issuing CA";
	inter.pathlen = 0;
	inter.not_after = now + 1825 * CERT_FX_DAY;
	inter.key = f->inter_key;
	inter.issuer_key = f->root_key;
	int e = mlab_pki_issue(&root, &f->root);
	if (e == 0) {
		inter.issuer = f->root;
		e = mlab_pki_issue(&inter, &f->inter);
	}
	if (e != 0)
		cert_fx_free(f);
	return e;
}

void cert_fx_free(struct cert_fx *f)
{
	X509_free(f->root);
	X509_free(f->inter);
	EVP_PKEY_free(f->root_key);
	EVP_PKEY_free(f->inter_key);
	memset(f, 0, sizeof *f);
}

struct mlab_cert_spec cert_fx_leaf_spec(const struct cert_fx *f, EVP_PKEY *key)
{
	struct mlab_cert_spec s = {
	    .subject_cn = CERT_FX_NAME,
	    .org = "mitmlab tests",
	    .san_dns = CERT_FX_NAME,
	    .pathlen = -1,
	    .server_auth = true,
	    .digital_signature = true,
	    .not_before = f->now - CERT_FX_DAY,
	    .not_after = f->now + 30 * CERT_FX_DAY,
	    .key = key,
	    .issuer_key = f->inter_key,
	    .issuer = f->inter,
	};
	return s;
}

int cert_fx_chain(X509 *const *certs, size_t n, struct mlab_chain *c)
{
	memset(c, 0, sizeof *c);
	if (n == 0 || n > MLAB_MAX_CHAIN)
		return MLAB_E_ARG;
	for (size_t i = 0; i < n; i++) {
		uint8_t *der = NULL;
		int len = i2d_X509(certs[i], &der);
		if (len <= 0) {
			mlab_chain_free(c);
			return MLAB_E_CRYPTO;
		}
		c->der[i] = der;
		c->len[i] = (size_t)len;
		c->n = i + 1;
	}
	return 0;
}

int cert_fx_store(X509 *root, X509_STORE **out)
{
	*out = X509_STORE_new();
	if (!*out)
		return MLAB_E_NOMEM;
	if (X509_STORE_add_cert(*out, root) != 1) {
		X509_STORE_free(*out);
		*out = NULL;
		return MLAB_E_CRYPTO;
	}
	return 0;
}

int cert_fx_resign(X509 *x, EVP_PKEY *key)
{
	return X509_sign(x, key, NULL) > 0 ? 0 : MLAB_E_CRYPTO;
}
