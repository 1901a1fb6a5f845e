/* The wire codec of the lab key-exchange protocol (docs/protocol.md).
 *
 * Every message travels in a frame: type (u8) | body length (u32, big-endian) | body.
 * Limits are checked on the header, before any allocation. Decoders take a
 * complete body and reject trailing bytes; on failure they return a negative
 * MLAB_E_* code and leave the output struct unspecified. */
#ifndef MLAB_WIRE_H
#define MLAB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_buf.h"

#define MLAB_VERSION 1
#define MLAB_FRAME_HDR 5
#define MLAB_NONCE_LEN 32
#define MLAB_MAX_OFFERS 16	 /* entries per offer list */
#define MLAB_MAX_SHARE 1216	 /* bytes: x25519-mlkem768's encapsulation-key share (1184 + 32) */
#define MLAB_MAX_HS_BODY 4096	 /* any handshake message */
#define MLAB_MAX_PLAINTEXT 16384 /* application bytes per record */
#define MLAB_SEQ_LEN 8
#define MLAB_TAG_LEN 16
#define MLAB_MAX_RECORD_BODY (MLAB_SEQ_LEN + 1 + MLAB_MAX_PLAINTEXT + MLAB_TAG_LEN)
#define MLAB_MAX_FRAME (MLAB_FRAME_HDR + MLAB_MAX_RECORD_BODY)
#define MLAB_ED25519_PUB 32
#define MLAB_ED25519_SIG 64
#define MLAB_MAC_LEN 32
/* Mode cert: the responder's chain, leaf first. */
#define MLAB_MAX_CERT_BODY 16384 /* a Certificate message's body */
#define MLAB_MAX_CHAIN 8	 /* certificates in one chain */
#define MLAB_MAX_CERT 8192	 /* bytes of one DER certificate */
/* Key transport: the RSA-OAEP ciphertext of the premaster (up to 4096-bit keys). */
#define MLAB_MAX_PREMASTER_CT 512

enum mlab_msg_type {
	MLAB_MSG_CLIENT_HELLO = 1,
	MLAB_MSG_SERVER_HELLO = 2,
	MLAB_MSG_KEY_SHARE = 3,
	MLAB_MSG_SIGNATURE = 4,
	MLAB_MSG_FINISHED = 5,
	MLAB_MSG_RECORD = 6,
	MLAB_MSG_ALERT = 7,
	MLAB_MSG_CERTIFICATE = 8,
	MLAB_MSG_PREMASTER = 9, /* kind transport: the initiator's encrypted premaster */
};

/* How the session's secret is established (negotiated like the groups; a
 * hello without the list means ephemeral alone, so older captures read the
 * same). */
enum mlab_kind {
	MLAB_KIND_EPHEMERAL = 1, /* fresh DH key pairs on both sides, wiped after */
	MLAB_KIND_STATIC = 2,	 /* the responder's share is its long-term DH key */
	MLAB_KIND_TRANSPORT = 3, /* the initiator's premaster, RSA-OAEP-encrypted to the responder */
};

/* Authentication modes. */
enum mlab_mode {
	MLAB_MODE_NONE = 1, /* unauthenticated Diffie-Hellman */
	MLAB_MODE_SIGN = 2, /* Diffie-Hellman signed with Ed25519 */
	MLAB_MODE_CERT = 3, /* signed, the key certified by an X.509 chain */
};

/* Group ids are TLS's where TLS has one. */
enum mlab_group_id {
	MLAB_GROUP_X25519 = 0x001d,
	MLAB_GROUP_FFDHE2048 = 0x0100,
	MLAB_GROUP_FFDHE3072 = 0x0101,
	MLAB_GROUP_MLKEM768 = 0x0201,	     /* TLS MLKEM768 */
	MLAB_GROUP_X25519_MLKEM768 = 0x11EC, /* TLS X25519MLKEM768 */
	MLAB_GROUP_EXPLICIT = 0xFE00,	     /* p and g travel in the responder's KeyShare */
};

enum mlab_cipher {
	MLAB_CIPHER_CHACHA20_POLY1305 = 1,
	MLAB_CIPHER_AES_256_GCM = 2,
	MLAB_CIPHER_NONE = 3, /* plaintext records, for the sniffing scenarios */
};

#define MLAB_SIG_ED25519 0x0807 /* TLS SignatureScheme ed25519 */

/* Hello flags: initiator offers to sign / responder asks it to. */
#define MLAB_FLAG_CLIENT_AUTH 0x01

/* Inner content types of a record's plaintext. */
enum mlab_content {
	MLAB_CONTENT_DATA = 1,
	MLAB_CONTENT_CLOSE = 2,
};

struct mlab_client_hello {
	uint8_t version;
	uint8_t nonce[MLAB_NONCE_LEN];
	uint8_t flags;
	uint8_t n_modes, n_groups, n_ciphers;
	uint8_t modes[MLAB_MAX_OFFERS];
	uint16_t groups[MLAB_MAX_OFFERS];
	uint8_t ciphers[MLAB_MAX_OFFERS];
	/* Optional, after the ciphers: 0 = absent (ephemeral alone). */
	uint8_t n_kinds;
	uint8_t kinds[MLAB_MAX_OFFERS];
};

struct mlab_server_hello {
	uint8_t version;
	uint8_t nonce[MLAB_NONCE_LEN];
	uint8_t flags;
	uint8_t mode;
	uint16_t group;
	uint8_t cipher;
	uint8_t kind; /* optional on the wire: absent = ephemeral (decoded as such) */
};

struct mlab_premaster {
	uint16_t len;
	const uint8_t *ct; /* points into the decoded body */
};

struct mlab_key_share {
	uint16_t group;
	uint16_t len;
	const uint8_t *share; /* points into the decoded body */
	/* Group "explicit" only (0xFE00): p and g, big-endian, sent by the
	 * responder; the initiator sends both empty. Other groups: absent. */
	const uint8_t *p, *g;
	uint16_t p_len, g_len;
	/* Not on the wire: set by mlab_share_decode (a KEM group's two sides'
	 * shares differ in length, mlab_group_share_len). */
	bool from_responder;
};

struct mlab_signature {
	uint16_t scheme;
	uint8_t pub[MLAB_ED25519_PUB];
	uint8_t sig[MLAB_ED25519_SIG];
};

/* The DER certificates point into the decoded body (they are parsed, not
 * here, by lib/mlab_cert.c). */
struct mlab_certificate {
	uint8_t n;
	const uint8_t *der[MLAB_MAX_CHAIN];
	uint16_t len[MLAB_MAX_CHAIN];
};

struct mlab_finished {
	uint8_t mac[MLAB_MAC_LEN];
};

struct mlab_alert {
	uint16_t code; /* the sender's error code, negated: positive on the wire */
};

/* Checks a frame header: known type, length within that type's limit.
 * Returns MLAB_E_UNKNOWN_TYPE, MLAB_E_TOO_LONG, MLAB_E_EMPTY or 0. */
int mlab_frame_check(const uint8_t hdr[MLAB_FRAME_HDR], uint8_t *type, uint32_t *len);
/* Splits one complete frame off the front of r (header checked as above). The
 * reader does not move unless a whole valid frame is there. */
int mlab_frame_next(struct mlab_rd *r, uint8_t *type, const uint8_t **body, uint32_t *len);
/* Writes a header for a body of len bytes. */
int mlab_frame_put_hdr(struct mlab_wr *w, uint8_t type, size_t len);
const char *mlab_msg_name(uint8_t type);

int mlab_client_hello_encode(struct mlab_wr *w, const struct mlab_client_hello *m);
int mlab_client_hello_decode(const uint8_t *body, size_t len, struct mlab_client_hello *m);
int mlab_server_hello_encode(struct mlab_wr *w, const struct mlab_server_hello *m);
int mlab_server_hello_decode(const uint8_t *body, size_t len, struct mlab_server_hello *m);
int mlab_key_share_encode(struct mlab_wr *w, const struct mlab_key_share *m);
int mlab_key_share_decode(const uint8_t *body, size_t len, struct mlab_key_share *m);
int mlab_signature_encode(struct mlab_wr *w, const struct mlab_signature *m);
int mlab_signature_decode(const uint8_t *body, size_t len, struct mlab_signature *m);
int mlab_certificate_encode(struct mlab_wr *w, const struct mlab_certificate *m);
int mlab_certificate_decode(const uint8_t *body, size_t len, struct mlab_certificate *m);
int mlab_premaster_encode(struct mlab_wr *w, const struct mlab_premaster *m);
int mlab_premaster_decode(const uint8_t *body, size_t len, struct mlab_premaster *m);
int mlab_finished_encode(struct mlab_wr *w, const struct mlab_finished *m);
int mlab_finished_decode(const uint8_t *body, size_t len, struct mlab_finished *m);
int mlab_alert_encode(struct mlab_wr *w, const struct mlab_alert *m);
int mlab_alert_decode(const uint8_t *body, size_t len, struct mlab_alert *m);

/* Names of ids, for logs and flags; NULL when unknown. */
const char *mlab_mode_name(unsigned mode);
const char *mlab_cipher_name(unsigned cipher);
int mlab_mode_from_name(const char *name);   /* 0 when unknown */
int mlab_cipher_from_name(const char *name); /* 0 when unknown */
const char *mlab_kind_name(unsigned kind);
int mlab_kind_from_name(const char *name); /* 0 when unknown */

#endif
