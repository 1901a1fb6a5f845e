/* The lab's PKI, made at build time (never committed) by mitmlab-keygen: a
 * root and an issuing CA, bob's certificate, and the bad certificates each
 * certificate lesson needs (expired, not yet valid, another name, no
 * serverAuth, self-signed, a rogue root with the real root's name, a stolen
 * CA key), and a trust-on-first-use store that knows bob's real key. All
 * keys are Ed25519; certificates are OpenSSL-made X.509 v3. */
#ifndef MLAB_PKI_H
#define MLAB_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;

/* The latest time the PKI writes or reads: 9999-12-31T23:59:59Z. */
#define MLAB_TIME_MAX 253402300799LL

/* Seconds since the epoch from "YYYY-MM-DDTHH:MM:SSZ" (UTC), "YYYY-MM-DD"
 * (midnight UTC), "@EPOCH" or plain decimal EPOCH. Strict: no spaces, no
 * other zone, no trailing bytes, real calendar dates only, no leap second,
 * years 1970..9999. MLAB_E_BAD_FIELD for anything else. */
int mlab_time_parse(const char *s, long long *out);

/* A host name as certificates carry it (RFC 5280 §4.2.1.6): LDH labels of
 * 1..63 bytes, dots between, at most 253 bytes, an optional leading "*.". */
bool mlab_pki_dns_name_ok(const char *s);

struct mlab_cert_spec {
	const char *subject_cn; /* printable ASCII, 1..64 bytes */
	const char *org;	/* O=, or NULL */
	const char *san_dns;	/* a host name (LDH labels, optional leading "*."), or NULL: none */
	bool ca;
	int pathlen; /* CAs only; -1: no limit */
	bool server_auth, client_auth, digital_signature;
	bool key_encipherment;		 /* an RSA leaf for TLS 1.2's key transport (RFC 5246 7.4.2) */
	long long not_before, not_after; /* 0..MLAB_TIME_MAX, not_before <= not_after */
	EVP_PKEY *key;			 /* the subject's (its public half goes in the certificate) */
	EVP_PKEY *issuer_key;		 /* signs; must be issuer's key, or key itself (or NULL) when self-signed */
	X509 *issuer;			 /* NULL: self-signed */
};

/* An X.509 v3 certificate as spec says: random positive 16-byte serial,
 * basicConstraints and keyUsage critical, extendedKeyUsage only when a use is
 * set, subjectAltName, subject and authority key identifiers. MLAB_E_ARG for
 * a spec that does not hold together (bad name, times, a key that is not the
 * issuer's), MLAB_E_CRYPTO when OpenSSL fails. *out is the caller's to free. */
int mlab_pki_issue(const struct mlab_cert_spec *s, X509 **out);

/* Writes certs[0..n) as PEM (leaf first) to path, mode 0644, atomically: a
 * temporary file in the same directory, renamed over path. MLAB_E_IO. */
int mlab_pki_write_chain(const char *path, X509 *const *certs, size_t n);
/* The same for a private key (PKCS#8 PEM), mode 0600. */
int mlab_pki_write_key(const char *path, EVP_PKEY *key);

/* Makes (or remakes, overwriting) the whole lab PKI in dir (created 0755 with
 * its parents when missing), valid around `now`, over bob's and mallory's
 * existing Ed25519 private keys. Writes DIR/README saying what each file is.
 * One line per file written to log (NULL: silent). The CAs are valid from
 * now-90d (before any certificate they issued, the expired one's now-60d
 * too) to now+10y (root) and now+5y; the leaves as DIR/README says.
 * MLAB_E_KEYFILE when a key cannot be read, MLAB_E_IO when a file cannot be
 * written, MLAB_E_ARG when now leaves no room for the validity periods
 * (less than 90 days after the epoch, or 10 years before MLAB_TIME_MAX). */
int mlab_pki_make(const char *dir, long long now, const char *bob_key_path, const char *mallory_key_path, FILE *log);
/* Then, in the same dir: bob-rsa.chain.pem, bob.lab over bob's RSA key
 * (PEM, >= 2048 bits) from the issuing CA, for TLS 1.2's RSA key transport
 * (scenarios 55, 56); valid as bob.crt. MLAB_E_KEYFILE when the key or the
 * CA cannot be read, MLAB_E_IO when the file cannot be written. */
int mlab_pki_make_rsa(const char *dir, long long now, const char *rsa_key_path, FILE *log);

#endif
