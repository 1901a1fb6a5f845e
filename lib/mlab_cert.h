/* Mode cert: the responder's X.509 chain, and the initiator's checks of one
 * (docs/protocol.md §3.8, §8.1). All parsing and checking is OpenSSL's
 * (d2i_X509, X509_STORE, X509_verify_cert with X509_VERIFY_PARAM); this file
 * only orders the results into the lab's named checks:
 *
 *   parse (cert-parse) → issuer (cert-issuer) → validity (cert-expired,
 *   cert-not-yet-valid) → name (cert-name) → usage (cert-usage)
 *
 * and the signature check that follows (mlab_kex.c) uses the leaf's key. */
#ifndef MLAB_CERT_H
#define MLAB_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_wire.h"

typedef struct x509_store_st X509_STORE;

/* A chain as a responder sends it: DER, leaf first. */
struct mlab_chain {
	size_t n;
	uint8_t *der[MLAB_MAX_CHAIN];
	size_t len[MLAB_MAX_CHAIN];
};

/* Reads a PEM file of certificates (leaf first). MLAB_E_KEYFILE when it
 * cannot be read or holds no certificate, MLAB_E_TOO_LONG beyond the limits. */
int mlab_chain_load(const char *path, struct mlab_chain *c);
/* The message view of a chain (pointers into c). */
void mlab_chain_msg(const struct mlab_chain *c, struct mlab_certificate *m);
/* The leaf's raw Ed25519 public key (MLAB_E_CERT_PARSE if it has none). */
int mlab_chain_leaf_pub(const struct mlab_chain *c, uint8_t pub[32]);
void mlab_chain_free(struct mlab_chain *c);

#define MLAB_PEER_NAME_MAX 253

/* How an initiator checks a chain, and whose key it trusts without one. */
struct mlab_trust {
	X509_STORE *store;		   /* the roots of --ca; NULL: none */
	char name[MLAB_PEER_NAME_MAX + 1]; /* --peer-name */
	long long now;			   /* --now, seconds since the epoch */
	bool have_now;			   /* else the real time when checking */
	bool check_name;		   /* false: WEAKENED, the hostname-verification bug */
	bool insecure;			   /* click through: failures are shown, not fatal */
	const char *tofu;		   /* mode sign: trust-on-first-use store, or NULL */
	bool rsa_leaf;			   /* TLS: an RSA leaf (>= 2048 bits) too; TLS proves its key */
};

#define MLAB_MAX_ANCHORS 64
/* Loads the trust anchors of ca_path (PEM, one or more certificates) into
 * t->store. MLAB_E_KEYFILE when there is none, MLAB_E_TOO_LONG beyond
 * MLAB_MAX_ANCHORS. */
int mlab_trust_load_ca(struct mlab_trust *t, const char *ca_path);
void mlab_trust_free(struct mlab_trust *t);

enum mlab_cert_check { MLAB_CC_ISSUER, MLAB_CC_VALIDITY, MLAB_CC_NAME, MLAB_CC_USAGE, MLAB_CC_N };

/* What a certificate says, for the views: printable ASCII only (whatever the
 * peer put in it), cut to size. */
struct mlab_cert_info {
	char subject[128], issuer[128], san[128];
	long long not_before, not_after;
	char key_id[9]; /* of the Ed25519 key, "-" for another kind */
};

struct mlab_cert_result {
	size_t n;
	struct mlab_cert_info info[MLAB_MAX_CHAIN];
	int err[MLAB_CC_N]; /* each check: 0 passed, else its error */
	bool skipped[MLAB_CC_N];
	char detail[MLAB_CC_N][640];
	long long now;	      /* the clock the checks used */
	uint8_t leaf_pub[32]; /* Ed25519; zero for an RSA leaf (rsa_leaf) */
};

/* Parses the chain (an error here ends the checks: MLAB_E_CERT_PARSE,
 * MLAB_E_CERT_ORDER, MLAB_E_CERT_CRITICAL), then runs every check and returns
 * the first that failed in the order above, or 0. */
int mlab_cert_verify(const struct mlab_trust *t, const struct mlab_certificate *m, struct mlab_cert_result *r);
/* "cert-issuer", "cert-validity", "cert-name", "cert-usage". */
const char *mlab_cert_check_name(enum mlab_cert_check c);

#endif
