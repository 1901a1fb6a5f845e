/* The TLS engine: real TLS 1.3 and 1.2 from OpenSSL's libssl, behind the same
 * shape as the lab engine (mlab_kex.h) — bytes in, bytes out, events to an
 * emitter, no I/O of its own (memory BIOs), the first failure sticky.
 *
 * What is the lab's here is only what the lessons need to see: the same
 * events (hello-sent, cert-chain and cert-check through mlab_cert_ev,
 * negotiated with the TLS version, session-key, handshake-done, error), the
 * same named certificate checks (alice verifies bob's chain with the lab's
 * checks in OpenSSL's certificate-verify callback), SPKI pinning, and a
 * session key id both sides can compare: from the RFC 8446 §7.5 / RFC 5705
 * exporter, label "EXPORTER-mitmlab-key-id". Everything else — records,
 * key schedule, negotiation, the downgrade sentinel — is OpenSSL's. */
#ifndef MLAB_TLS_H
#define MLAB_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_buf.h"
#include "mlab_cert.h"
#include "mlab_event.h"
#include "mlab_kex.h"

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct bio_st BIO;

#define MLAB_TLS_EXPORTER_LABEL "EXPORTER-mitmlab-key-id"
#define MLAB_TLS_MAX_LIST 256 /* an OpenSSL group or suite list */

struct mlab_tls_config {
	enum mlab_role role;
	int min_version, max_version;	     /* 12 or 13 (TLS 1.2, 1.3) */
	char groups[MLAB_TLS_MAX_LIST];	     /* OpenSSL's names, ':'-separated; "" its default */
	char ciphers[MLAB_TLS_MAX_LIST];     /* TLS 1.3 suites, ':'-separated; "" its default */
	char cipher_list[MLAB_TLS_MAX_LIST]; /* TLS 1.2 suites, OpenSSL's cipher string; "" its default */
	/* initiator: the lab's certificate checks (--ca, --peer-name, --now,
	 * --insecure, --no-name-check); the name is also sent as SNI */
	const struct mlab_trust *trust;
	bool pin;	      /* --pin-spki */
	uint8_t pin_spki[32]; /* SHA-256 of the leaf's SubjectPublicKeyInfo (DER) */
	/* responder: its chain (leaf first) and the leaf's key, read once by
	 * the program (bob's --cert/--key, mallory's --impersonate or --mint);
	 * both borrowed */
	const struct mlab_chain *chain;
	EVP_PKEY *key;
	/* initiator: no verification at all, no events about the chain (mallory
	 * toward bob: she does not care who he is) */
	bool no_verify;
	const char *keylog; /* SSLKEYLOGFILE lines appended there, or NULL */
};

struct mlab_tls {
	struct mlab_tls_config cfg;
	struct mlab_ev *ev;
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;	/* network → OpenSSL, OpenSSL → network */
	int err;	/* sticky: the first failure */
	int verify_err; /* what the lab's checks refused in the verify callback */
	int alert_in;	/* the peer's alert (description), -1: none */
	bool connected, peer_closed;
	char key_id[9];
	char version[16], group[32], cipher[64];
};

/* Builds the context from cfg (certificates and keys are loaded here:
 * MLAB_E_KEYFILE for one that cannot be read). */
int mlab_tls_init(struct mlab_tls *t, const struct mlab_tls_config *cfg, struct mlab_ev *ev);
/* Feeds n bytes from the network (n may be 0: the initiator's first call)
 * and moves the handshake on; what it has to send is appended to out (and
 * the rest, if out is full, stays for mlab_tls_drain). 0 or the sticky error. */
int mlab_tls_handshake(struct mlab_tls *t, const uint8_t *in, size_t n, struct mlab_wr *out);
bool mlab_tls_connected(const struct mlab_tls *t);
/* Bytes OpenSSL still has to send, moved to out. */
void mlab_tls_drain(struct mlab_tls *t, struct mlab_wr *out);
size_t mlab_tls_pending(const struct mlab_tls *t);
/* One application message as one TLS record. */
int mlab_tls_seal(struct mlab_tls *t, const uint8_t *data, size_t len, struct mlab_wr *out);
/* Feeds n network bytes, then reads at most one record's data into data
 * (cap bytes): *got when a message came, *closed on the peer's close_notify. */
int mlab_tls_open(struct mlab_tls *t, const uint8_t *in, size_t n, uint8_t *data, size_t cap, size_t *len, bool *got,
		  bool *closed, struct mlab_wr *out);
/* The SNI an initiator sends (before its first mlab_tls_handshake); the one
 * a responder received (NULL: none). */
int mlab_tls_set_sni(struct mlab_tls *t, const char *name);
const char *mlab_tls_sni(const struct mlab_tls *t);
/* Certificates the peer sent (0: none, or not yet). */
size_t mlab_tls_peer_chain_len(const struct mlab_tls *t);
/* Our close_notify. */
int mlab_tls_close(struct mlab_tls *t, struct mlab_wr *out);
/* A failure from outside (a timeout, a broken connection): recorded, one
 * error event, OpenSSL's state dropped. Returns err. */
int mlab_tls_fail(struct mlab_tls *t, int err, const char *detail);
void mlab_tls_free(struct mlab_tls *t);

/* "x25519,ffdhe2048" (the lab's names) into OpenSSL's "X25519:ffdhe2048";
 * MLAB_E_BAD_FIELD for a group TLS does not have (the lab's weak groups). */
int mlab_tls_groups(const char *lab, char *out, size_t n);
/* "chacha20-poly1305,aes-256-gcm" into TLS 1.3 suite names. */
int mlab_tls_ciphers(const char *lab, char *out, size_t n);
/* --pin-spki: 64 hex digits, or "sha256//" and base64 as in HPKP (RFC 7469). */
int mlab_tls_parse_pin(const char *s, uint8_t pin[32]);
/* The same, or else the name of a file whose first line not starting with
 * '#' is such a pin (bin/keys/pki/bob.spki). MLAB_E_BAD_FIELD, or MLAB_E_IO
 * when s is no pin and no readable file. */
int mlab_tls_pin_arg(const char *s, uint8_t pin[32]);

#endif
