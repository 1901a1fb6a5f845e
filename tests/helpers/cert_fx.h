/* A small PKI made in memory for the certificate suites and the cert fuzzer:
 * an Ed25519 root and an issuing CA under it (pathlen 0), and leaves issued
 * by that CA with lib/mlab_pki. No cmocka here (the fuzzer links it too):
 * every function returns 0 or a negative MLAB_E_* code. */
#ifndef TEST_CERT_FX_H
#define TEST_CERT_FX_H

#include <stddef.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "mlab_cert.h"
#include "mlab_pki.h"

#define CERT_FX_DAY 86400LL
#define CERT_FX_NAME "bob.lab"

struct cert_fx {
	long long now; /* the clock the certificates are made around */
	EVP_PKEY *root_key, *inter_key;
	X509 *root, *inter; /* "fx Root CA" (valid now-90d..now+10y), "fx Issuing CA" */
};

/* With fresh keys, or with these (taken over, freed by cert_fx_free, also
 * on failure): fixed keys make the same CA in every run. */
int cert_fx_init(struct cert_fx *f, long long now);
int cert_fx_init_keys(struct cert_fx *f, long long now, EVP_PKEY *root_key, EVP_PKEY *inter_key);
void cert_fx_free(struct cert_fx *f);

/* What an honest leaf for key says: CN and SAN bob.lab, issued by the
 * intermediate, serverAuth and digitalSignature, valid now-1d..now+30d. Tests
 * change a field or two, then issue it with mlab_pki_issue. */
struct mlab_cert_spec cert_fx_leaf_spec(const struct cert_fx *f, EVP_PKEY *key);

/* certs[0..n) as a chain of DER (OPENSSL_malloc'd, so mlab_chain_free frees
 * it), leaf first. */
int cert_fx_chain(X509 *const *certs, size_t n, struct mlab_chain *c);
/* A trust store holding root alone. */
int cert_fx_store(X509 *root, X509_STORE **out);
/* Signs x again with key (after an extension was added or changed). */
int cert_fx_resign(X509 *x, EVP_PKEY *key);

#endif
