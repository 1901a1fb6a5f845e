/* The key-exchange engine: an explicit state machine that does no I/O.
 *
 * Frames in (mlab_kex_input), frames out (appended to a writer), events to an
 * emitter. The first failure is sticky: the engine writes an ALERT for the
 * peer, reports one "error" event, wipes its secrets and refuses all further
 * input with MLAB_E_FAILED.
 *
 *   initiator                              responder
 *   CLIENT_HELLO            -------->
 *                           <--------      SERVER_HELLO, KEY_SHARE, [CERTIFICATE], [SIGNATURE]
 *   KEY_SHARE, [SIGNATURE], FINISHED -->
 *                           <--------      FINISHED
 *   RECORD ...              <------->      RECORD ...
 */
#ifndef MLAB_KEX_H
#define MLAB_KEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_buf.h"
#include "mlab_cert.h"
#include "mlab_crypto.h"
#include "mlab_event.h"
#include "mlab_group.h"
#include "mlab_keysched.h"
#include "mlab_record.h"
#include "mlab_rng.h"
#include "mlab_wire.h"

enum mlab_role { MLAB_INITIATOR, MLAB_RESPONDER };

/* What a signature covers: the whole transcript so far (as TLS 1.3), or only
 * the nonces and the signer's share (as TLS 1.2's ServerKeyExchange) — the
 * latter lets the downgrade scenarios show why the former is needed. */
enum mlab_scope { MLAB_SCOPE_TRANSCRIPT, MLAB_SCOPE_PARAMS };

#define MLAB_KEX_STATES(X)                                                                                             \
	X(MLAB_KEX_START, "start")                                                                                     \
	X(MLAB_KEX_WAIT_SERVER_HELLO, "wait-server-hello")                                                             \
	X(MLAB_KEX_WAIT_SERVER_SHARE, "wait-server-share")                                                             \
	X(MLAB_KEX_WAIT_SERVER_CERT, "wait-server-certificate")                                                        \
	X(MLAB_KEX_WAIT_SERVER_SIGNATURE, "wait-server-signature")                                                     \
	X(MLAB_KEX_WAIT_SERVER_FINISHED, "wait-server-finished")                                                       \
	X(MLAB_KEX_WAIT_CLIENT_HELLO, "wait-client-hello")                                                             \
	X(MLAB_KEX_WAIT_CLIENT_SHARE, "wait-client-share")                                                             \
	X(MLAB_KEX_WAIT_CLIENT_SIGNATURE, "wait-client-signature")                                                     \
	X(MLAB_KEX_WAIT_CLIENT_FINISHED, "wait-client-finished")                                                       \
	X(MLAB_KEX_CONNECTED, "connected")                                                                             \
	X(MLAB_KEX_CLOSED, "closed")                                                                                   \
	X(MLAB_KEX_FAILED, "failed")

enum mlab_kex_state {
#define MLAB_X_STATE(s, n) s,
	MLAB_KEX_STATES(MLAB_X_STATE)
#undef MLAB_X_STATE
};

struct mlab_kex_config {
	enum mlab_role role;
	/* Initiator: offered, in preference order. Responder: allowed. */
	uint8_t modes[MLAB_MAX_OFFERS];
	size_t n_modes;
	uint16_t groups[MLAB_MAX_OFFERS];
	size_t n_groups;
	uint8_t ciphers[MLAB_MAX_OFFERS];
	size_t n_ciphers;
	enum mlab_scope scope;
	/* Initiator: offer to sign. Responder: require the initiator to sign. */
	bool mutual;
	/* Off only for deliberately weakened peers; the events say so. */
	bool validate_shares;
	/* Groups below this estimated security level (bits) are never used:
	 * the responder skips them, the initiator refuses them (0: no policy). */
	unsigned min_security;
	/* Responder: the named finite-field group whose p and g it sends when
	 * "explicit" is negotiated (0: ffdhe2048). */
	uint16_t explicit_from;
	/* Downgrade sentinel (after RFC 8446 4.1.3). Responder: when it chose a
	 * group weaker than the strongest its policy takes, the last 16 bytes
	 * of its (signed) nonce carry a digest of the group offer it received
	 * and "DOWNGRD\001". Initiator: a sentinel whose digest is not that of
	 * the offer it sent aborts the handshake (protocol.md section 5). */
	bool sentinel;
	EVP_PKEY *own_key;  /* Ed25519 private key (borrowed) */
	EVP_PKEY *peer_key; /* pinned Ed25519 public key of the peer (borrowed) */
	/* Mode cert, responder: its chain, leaf first, certifying own_key. */
	const struct mlab_chain *chain;
	/* Initiator: how it checks a chain (mode cert), and its trust-on-first-
	 * use store in mode sign without a pinned key (borrowed). */
	const struct mlab_trust *trust;
	/* Key establishment (protocol.md §4.8). Initiator: offered, in order;
	 * responder: allowed. 0 entries: ephemeral alone. */
	uint8_t kinds[MLAB_MAX_OFFERS];
	size_t n_kinds;
	/* Kind static, responder: its long-term X25519 key (borrowed). */
	EVP_PKEY *static_key;
	/* Kind transport: the responder's RSA private key; the initiator's
	 * pinned copy of its public key (borrowed). */
	EVP_PKEY *rsa_key, *peer_rsa;
	/* WEAKENED, responder: a constant nonce, no fresh randomness of its own
	 * in the transcript (the replay lesson). */
	bool fixed_nonce;
	/* Where the nonce, the ephemeral key pair (and a transport premaster)
	 * come from, in that order: NULL is the OS generator; a seeded one is
	 * WEAKENED, the weak-randomness lesson (borrowed, lib/mlab_rng.h). */
	struct mlab_rng *rng;
};

struct mlab_kex {
	struct mlab_kex_config cfg;
	struct mlab_ev *ev;
	enum mlab_kex_state state;
	int err;	/* first failure, sticky */
	int peer_alert; /* what the peer's ALERT said, 0 if none */
	struct mlab_transcript tr;
	uint8_t nonce_c[MLAB_NONCE_LEN], nonce_s[MLAB_NONCE_LEN];
	uint8_t mode, cipher;
	uint16_t group;
	struct mlab_xgroup xg; /* group "explicit": the session's p and g */
	bool client_auth;
	struct mlab_dh dh;
	uint8_t peer_share[MLAB_MAX_SHARE];
	size_t peer_share_len;
	uint8_t secret[MLAB_MAX_SECRET]; /* DH output, until the keys are derived */
	size_t secret_len;
	bool peer_closed;
	/* Initiator, mode cert: the leaf's key, once the chain passed (or was
	 * clicked through); mode sign with --tofu: the key to store. */
	uint8_t cert_pub[MLAB_ED25519_PUB];
	bool tofu_new;
	uint8_t kind; /* negotiated key establishment */
	struct mlab_keys keys;
	struct mlab_rec tx, rx;
};

/* Checks the configuration (e.g. signed mode without a key) and prepares. */
int mlab_kex_init(struct mlab_kex *k, const struct mlab_kex_config *cfg, struct mlab_ev *ev);
/* Initiator: writes CLIENT_HELLO. */
int mlab_kex_start(struct mlab_kex *k, struct mlab_wr *out);
/* One handshake or ALERT frame from the peer; replies are appended to out
 * (including an ALERT when this side aborts). */
int mlab_kex_input(struct mlab_kex *k, uint8_t type, const uint8_t *body, size_t len, struct mlab_wr *out);
/* Application data, once connected. */
int mlab_kex_seal(struct mlab_kex *k, uint8_t content, const uint8_t *data, size_t len, struct mlab_wr *out);
int mlab_kex_open(struct mlab_kex *k, const uint8_t *body, size_t len, uint8_t *content, uint8_t *data,
		  size_t *data_len, struct mlab_wr *out);
/* Aborts from outside the engine (I/O error, timeout): same sticky path. */
int mlab_kex_fail(struct mlab_kex *k, int err, struct mlab_wr *out);
bool mlab_kex_connected(const struct mlab_kex *k);
const char *mlab_kex_state_name(enum mlab_kex_state s);
void mlab_kex_free(struct mlab_kex *k);

/* The bytes a signature covers (exposed for tests and for mallory's
 * forgeries). In params scope, share is what the signer's KeyShare carries:
 * the share alone, or for group "explicit" vec16 p | vec16 g | vec16 share. */
#define MLAB_TBS_MAX (64 + 2 * MLAB_NONCE_LEN + 2 + 3 * (2 + MLAB_MAX_SHARE))
/* The downgrade sentinel: the last 8 bytes of a responder nonce (TLS 1.3's
 * marker), after the first 8 bytes of SHA-256(label NUL | nonce_c | u8 count
 * | u16 groups[]) over the group offer the responder received. */
#define MLAB_SENTINEL "DOWNGRD\001"
#define MLAB_SENTINEL_LEN 8
#define MLAB_SENTINEL_DIGEST_LEN 8
#define MLAB_SENTINEL_LABEL "mitmlab v1 downgrade sentinel"
/* "transcript" or "params": the label's word and the events' "scope" value. */
const char *mlab_scope_name(enum mlab_scope s);
int mlab_kex_tbs(enum mlab_scope scope, enum mlab_role signer, const uint8_t th[MLAB_SHA256_LEN],
		 const uint8_t nonce_c[MLAB_NONCE_LEN], const uint8_t nonce_s[MLAB_NONCE_LEN], const uint8_t *share,
		 size_t share_len, uint8_t *out, size_t *out_len);

#endif
