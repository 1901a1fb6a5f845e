/* mallory's chains for mode cert (cert_source.h). Minting is OpenSSL's X509
 * API through lib/mlab_pki.c, exactly as the lab's own CA issues bob's. */
#include "cert_source.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mlab_err.h"
#include "mlab_pki.h"

int cert_split_pair(const char *spec, char *a, size_t alen, char *b, size_t blen)
{
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || !colon[1] || (size_t)(colon - spec) >= alen || strlen(colon + 1) >= blen)
		return MLAB_E_ARG;
	memcpy(a, spec, (size_t)(colon - spec));
	a[colon - spec] = '\0';
	strcpy(b, colon + 1);
	return 0;
}

int cert_impersonate_load(const char *spec, struct mlab_chain *c, EVP_PKEY **key, char *msg, size_t msglen)
{
	char chain[4096], kpath[4096];
	uint8_t leaf[MLAB_ED25519_PUB], pub[MLAB_ED25519_PUB];
	int e;

	*key = NULL;
	if (cert_split_pair(spec, chain, sizeof chain, kpath, sizeof kpath) != 0) {
		snprintf(msg, msglen,
			 "--impersonate: expected CHAIN:KEY (a PEM chain, leaf first, and its key), not '%s'", spec);
		return MLAB_E_ARG;
	}
	if ((e = mlab_chain_load(chain, c)) != 0) {
		snprintf(msg, msglen, "--impersonate: cannot read a PEM certificate chain (at most 8) from %s", chain);
		return e;
	}
	if (mlab_key_load_private(kpath, key) != 0) {
		snprintf(msg, msglen, "--impersonate: cannot read an Ed25519 private key (PEM) from %s", kpath);
		e = MLAB_E_KEYFILE;
	} else if (mlab_chain_leaf_pub(c, leaf) != 0 || mlab_ed25519_raw_public(*key, pub) != 0 ||
		   CRYPTO_memcmp(leaf, pub, sizeof pub) != 0) {
		snprintf(msg, msglen, "--impersonate: the leaf of %s does not certify the key in %s", chain, kpath);
		e = MLAB_E_CERT_KEY;
	}
	if (e != 0) {
		EVP_PKEY_free(*key);
		*key = NULL;
		mlab_chain_free(c);
	}
	return e;
}

static int add_der(struct mlab_chain *c, X509 *x)
{
	uint8_t *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0)
		return MLAB_E_CRYPTO;
	if (c->n == MLAB_MAX_CHAIN || (size_t)n > MLAB_MAX_CERT) {
		OPENSSL_free(der);
		return MLAB_E_TOO_LONG;
	}
	c->der[c->n] = der;
	c->len[c->n++] = (size_t)n;
	return 0;
}

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	return x;
}

int cert_mint(const char *spec, struct mlab_chain *c, EVP_PKEY **key, struct mlab_ev *ev, char *msg, size_t msglen)
{
	char kpath[4096], cpath[4096], issuer[256] = "?";
	EVP_PKEY *ca_key = NULL;
	X509 *ca = NULL, *leaf = NULL;
	uint8_t pub[MLAB_ED25519_PUB];
	char kid[9] = "-";
	int e = 0;

	memset(c, 0, sizeof *c);
	*key = NULL;
	if (cert_split_pair(spec, kpath, sizeof kpath, cpath, sizeof cpath) != 0) {
		snprintf(msg, msglen,
			 "--mint: expected CA-KEY:CA-CERT (the stolen CA's private key and its certificate), not '%s'",
			 spec);
		return MLAB_E_ARG;
	}
	if (mlab_key_load_private(kpath, &ca_key) != 0) {
		snprintf(msg, msglen, "--mint: cannot read an Ed25519 private key (PEM) from %s", kpath);
		e = MLAB_E_KEYFILE;
		goto out;
	}
	if (!(ca = read_cert(cpath))) {
		snprintf(msg, msglen, "--mint: cannot read a PEM certificate from %s", cpath);
		e = MLAB_E_KEYFILE;
		goto out;
	}
	if (X509_check_private_key(ca, ca_key) != 1) {
		snprintf(msg, msglen, "--mint: %s is not the key of the CA certificate %s", kpath, cpath);
		e = MLAB_E_CERT_KEY;
		goto out;
	}
	if ((e = mlab_ed25519_generate(key)) != 0) {
		snprintf(msg, msglen, "--mint: cannot make a key pair");
		goto out;
	}
	long long now = (long long)time(NULL);
	struct mlab_cert_spec s = {.subject_cn = CERT_MINT_NAME,
				   .san_dns = CERT_MINT_NAME,
				   .pathlen = -1,
				   .server_auth = true,
				   .digital_signature = true,
				   .not_before = now - 3600,
				   .not_after = now + 30LL * 86400,
				   .key = *key,
				   .issuer_key = ca_key,
				   .issuer = ca};
	if ((e = mlab_pki_issue(&s, &leaf)) != 0 || (e = add_der(c, leaf)) != 0 || (e = add_der(c, ca)) != 0) {
		snprintf(msg, msglen, "--mint: cannot issue the certificate (%s)", mlab_err_name(e));
		goto out;
	}
	X509_NAME_oneline(X509_get_subject_name(ca), issuer, sizeof issuer);
	if (mlab_ed25519_raw_public(*key, pub) == 0)
		(void)mlab_key_id(pub, sizeof pub, kid);
	mlab_ev_emit(
	    ev, "cert-minted", json_pack("{s:s,s:s,s:s}", "name", CERT_MINT_NAME, "issuer", issuer, "key_id", kid),
	    "minted a %s certificate for my own key %s with the stolen key of %s", CERT_MINT_NAME, kid, issuer);
out:
	X509_free(leaf);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	if (e != 0) {
		mlab_chain_free(c);
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	return e;
}
