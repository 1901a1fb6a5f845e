/* Where mallory's certificate chain comes from in mode cert: a file she has
 * (--impersonate CHAIN:KEY) or one she mints with a stolen CA key
 * (--mint CA-KEY:CA-CERT). */
#ifndef CERT_SOURCE_H
#define CERT_SOURCE_H

#include <stddef.h>

#include "mlab_cert.h"
#include "mlab_crypto.h"
#include "mlab_event.h"

/* The name her minted leaf carries. */
#define CERT_MINT_NAME "bob.lab"

/* Splits "A:B" at its last ':' into a and b (each non-empty). */
int cert_split_pair(const char *spec, char *a, size_t alen, char *b, size_t blen);
/* Loads CHAIN:KEY; the chain's leaf must certify KEY. 0, or an MLAB_E_* with
 * msg saying what to fix. */
int cert_impersonate_load(const char *spec, struct mlab_chain *c, EVP_PKEY **key, char *msg, size_t msglen);
/* Issues a CERT_MINT_NAME leaf over a fresh Ed25519 key, signed by CA-KEY,
 * named as issued by CA-CERT, valid from an hour ago for 30 days; chain =
 * leaf + CA-CERT. Emits "cert-minted". */
int cert_mint(const char *spec, struct mlab_chain *c, EVP_PKEY **key, struct mlab_ev *ev, char *msg, size_t msglen);

#endif
