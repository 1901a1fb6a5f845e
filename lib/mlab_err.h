/* Error codes: every abort has a machine name, the check it belongs to (what the
 * judge and the dashboard name as "stopped by"), and one human sentence.
 * Functions that can fail return 0 or one of these (negative) codes. */
#ifndef MLAB_ERR_H
#define MLAB_ERR_H

/* X(code, value, name, check, sentence) */
#define MLAB_ERRORS(X)                                                                                                 \
	X(MLAB_E_TRUNCATED, -1, "truncated", "framing", "a message ended before one of its fields was complete")       \
	X(MLAB_E_TRAILING, -2, "trailing-bytes", "framing", "a message carried bytes after its last field")            \
	X(MLAB_E_TOO_LONG, -3, "too-long", "framing", "a length field exceeds the protocol's limit")                   \
	X(MLAB_E_EMPTY, -4, "empty", "framing", "a message body that must carry content was empty")                    \
	X(MLAB_E_UNKNOWN_TYPE, -5, "unknown-type", "framing", "a message of unknown type arrived")                     \
	X(MLAB_E_BAD_VERSION, -6, "bad-version", "framing", "the peer speaks another protocol version")                \
	X(MLAB_E_BAD_FIELD, -7, "bad-field", "framing", "a field holds a value the protocol does not allow")           \
	X(MLAB_E_EOF, -8, "eof", "io", "the connection closed in the middle of the exchange")                          \
	X(MLAB_E_TIMEOUT, -9, "timeout", "io", "the peer sent nothing complete within the time limit")                 \
	X(MLAB_E_IO, -10, "io", "io", "reading from or writing to the network failed")                                 \
	X(MLAB_E_UNEXPECTED, -11, "unexpected-message", "order",                                                       \
	  "a message arrived that is not allowed at this point of the handshake")                                      \
	X(MLAB_E_FAILED, -12, "already-failed", "order", "the session already failed; no further input is accepted")   \
	X(MLAB_E_NO_COMMON_MODE, -13, "no-common-mode", "negotiation",                                                 \
	  "no authentication mode is acceptable to both sides")                                                        \
	X(MLAB_E_NO_COMMON_GROUP, -14, "no-common-group", "negotiation",                                               \
	  "no Diffie-Hellman group is acceptable to both sides")                                                       \
	X(MLAB_E_NO_COMMON_CIPHER, -15, "no-common-cipher", "negotiation",                                             \
	  "no record cipher is acceptable to both sides")                                                              \
	X(MLAB_E_DUPLICATE_OFFER, -16, "duplicate-offer", "negotiation", "an offer lists the same entry twice")        \
	X(MLAB_E_NOT_OFFERED, -17, "not-offered", "negotiation",                                                       \
	  "the responder chose something that was never offered")                                                      \
	X(MLAB_E_CLIENT_AUTH, -18, "client-auth-required", "negotiation",                                              \
	  "the responder requires the initiator to sign, and it did not offer to")                                     \
	X(MLAB_E_SHARE_GROUP, -19, "share-wrong-group", "share",                                                       \
	  "a key share names another group than the one negotiated")                                                   \
	X(MLAB_E_SHARE_LENGTH, -20, "share-length", "share", "a key share has the wrong length for its group")         \
	X(MLAB_E_SHARE_RANGE, -21, "share-range", "share",                                                             \
	  "a key share lies outside 2..p-2 (0, 1, p-1 and p or more are refused)")                                     \
	X(MLAB_E_SHARE_SUBGROUP, -22, "share-subgroup", "share", "a key share lies outside the prime-order subgroup")  \
	X(MLAB_E_SHARE_LOW_ORDER, -23, "share-low-order", "share",                                                     \
	  "an X25519 share is a low-order point: the shared secret would be all zero")                                 \
	X(MLAB_E_SHARE_REFLECTED, -24, "share-reflected", "share", "the peer sent our own key share back to us")       \
	X(MLAB_E_SIG_LENGTH, -25, "signature-length", "signature", "a signature or signing key has the wrong length")  \
	X(MLAB_E_SIG_SCHEME, -26, "signature-scheme", "signature", "a signature uses an unknown scheme")               \
	X(MLAB_E_PIN_MISMATCH, -27, "pinned-key-mismatch", "pinned-key",                                               \
	  "the peer signed with a key that is not the pinned key")                                                     \
	X(MLAB_E_SIG_INVALID, -28, "signature-invalid", "signature",                                                   \
	  "the signature does not verify over what this side saw: the handshake was altered (or the two sides use "    \
	  "different --sign-scope)")                                                                                   \
	X(MLAB_E_FINISHED, -29, "finished-mismatch", "finished",                                                       \
	  "the Finished MAC does not match: the handshake was altered or the keys differ")                             \
	X(MLAB_E_RECORD_AUTH, -30, "record-auth", "record",                                                            \
	  "a record failed authentication: it was altered or sealed with another key")                                 \
	X(MLAB_E_REPLAY, -31, "record-replay", "replay", "a record's sequence number was already used: a replay")      \
	X(MLAB_E_REORDER, -32, "record-reorder", "replay",                                                             \
	  "a record's sequence number skips ahead: a record was dropped or reordered")                                 \
	X(MLAB_E_SEQ_WRAP, -33, "sequence-exhausted", "record",                                                        \
	  "the record sequence number is exhausted; the session must end")                                             \
	X(MLAB_E_PEER_ALERT, -34, "peer-alert", "peer", "the peer aborted and said why")                               \
	X(MLAB_E_TRUNCATION, -35, "truncation", "record",                                                              \
	  "the connection ended without a close notification: data may have been cut")                                 \
	X(MLAB_E_CRYPTO, -36, "crypto", "internal", "the crypto library failed")                                       \
	X(MLAB_E_NOMEM, -37, "no-memory", "internal", "out of memory")                                                 \
	X(MLAB_E_NOSPACE, -38, "no-space", "internal", "an output buffer is too small")                                \
	X(MLAB_E_ARG, -39, "bad-argument", "internal", "a function was called with an invalid argument")               \
	X(MLAB_E_KEYFILE, -40, "key-file", "setup", "a key file could not be read, or is not an Ed25519 key")          \
	X(MLAB_E_NO_KEY, -41, "no-key", "setup", "this mode needs a key that was not given")                           \
	X(MLAB_E_NO_TRUST, -42, "no-trust-anchor", "setup",                                                            \
	  "signed mode needs a way to know the peer's key: a pinned key (--peer-key), a trust-on-first-use store "     \
	  "(--tofu), or in mode cert the roots this side trusts (--ca)")                                               \
	X(MLAB_E_WEAK_GROUP, -43, "group-too-weak", "negotiation",                                                     \
	  "no group at or above this side's minimum security policy is configured or was chosen")                      \
	X(MLAB_E_GROUP_PARAMS, -44, "group-params-invalid", "params",                                                  \
	  "explicit group parameters are unsafe: p must be a safe prime, g must lie in 2..p-2 and generate the "       \
	  "subgroup of order (p-1)/2")                                                                                 \
	X(MLAB_E_DOWNGRADE, -45, "downgrade-detected", "sentinel",                                                     \
	  "the responder's nonce carries the downgrade sentinel: the offer it answered is not the one this side "      \
	  "sent, but was changed on the way to a weaker group (lab protocol) or an older version (TLS)")               \
	X(MLAB_E_CERT_PARSE, -46, "cert-malformed", "cert-parse",                                                      \
	  "a certificate is not one whole DER X.509 certificate with an Ed25519 key (or carries bytes after it)")      \
	X(MLAB_E_CERT_ORDER, -47, "cert-chain-order", "cert-parse",                                                    \
	  "the chain is not in order: each certificate must be issued by the next one, the server's own first")        \
	X(MLAB_E_CERT_CRITICAL, -48, "cert-unknown-critical", "cert-parse",                                            \
	  "a certificate carries a critical extension this side does not understand, so it must refuse it")            \
	X(MLAB_E_CERT_ISSUER, -49, "cert-issuer", "cert-issuer",                                                       \
	  "the certificate chain does not lead to a root this side trusts (--ca): signed by an unknown issuer, or "    \
	  "through a certificate that is not a CA")                                                                    \
	X(MLAB_E_CERT_EXPIRED, -50, "cert-expired", "cert-expired",                                                    \
	  "a certificate of the chain has expired at this side's clock")                                               \
	X(MLAB_E_CERT_NOT_YET, -51, "cert-not-yet-valid", "cert-not-yet-valid",                                        \
	  "a certificate of the chain is not yet valid at this side's clock")                                          \
	X(MLAB_E_CERT_NAME, -52, "cert-name", "cert-name",                                                             \
	  "the certificate does not name the server this side wanted to reach (--peer-name)")                          \
	X(MLAB_E_CERT_USAGE, -53, "cert-usage", "cert-usage",                                                          \
	  "the certificate is not for this use: it lacks serverAuth or digitalSignature")                              \
	X(MLAB_E_CERT_KEY, -54, "cert-key-mismatch", "signature",                                                      \
	  "the Signature names another key than the one the certificate certifies")                                    \
	X(MLAB_E_TOFU_CHANGED, -55, "tofu-changed", "tofu-changed",                                                    \
	  "the peer's key is not the one stored on first contact: the key changed, or someone is in the middle")       \
	X(MLAB_E_TOFU_STORE, -56, "tofu-store", "setup",                                                               \
	  "the trust-on-first-use store (--tofu) cannot be read, does not parse, or cannot be written")                \
	X(MLAB_E_NO_COMMON_KIND, -57, "no-common-kind", "negotiation",                                                 \
	  "no key establishment (ephemeral, static, transport) offered by the initiator is allowed here")              \
	X(MLAB_E_TLS, -58, "tls-failure", "tls",                                                                       \
	  "the TLS library ended the handshake (the detail gives OpenSSL's reason)")                                   \
	X(MLAB_E_MLKEM_EK, -59, "mlkem-ek", "share",                                                                   \
	  "an ML-KEM encapsulation key fails the modulus check of FIPS 203 (a coefficient is not below q = 3329)")     \
	X(MLAB_E_MLKEM_DK, -60, "mlkem-dk", "internal",                                                                \
	  "an ML-KEM decapsulation key has the wrong length or fails its hash check (FIPS 203 section 7.3)")           \
	X(MLAB_E_MLKEM_CT, -61, "mlkem-ct-length", "share",                                                            \
	  "an ML-KEM ciphertext does not have the length of its parameter set (1088 bytes for ML-KEM-768)")            \
	X(MLAB_E_BUSY, -62, "server-busy", "io",                                                                       \
	  "the responder already serves as many connections as it allows (--max-clients): try again later")            \
	X(MLAB_E_PARAMS_COST, -63, "group-params-cost", "params",                                                      \
	  "explicit group parameters too costly to check: an unknown p above 2048 bits, or a test past its time "      \
	  "budget (known groups such as ffdhe2048 and ffdhe3072 are recognised by value)")

enum mlab_err {
	MLAB_OK = 0,
#define MLAB_X_ENUM(c, v, n, k, s) c = v,
	MLAB_ERRORS(MLAB_X_ENUM)
#undef MLAB_X_ENUM
	    MLAB_E_LAST = -64
};

/* Machine name ("signature-invalid"); "unknown-error" for values out of range. */
const char *mlab_err_name(int err);
/* The check that failed ("signature", "pinned-key", "share", ...). */
const char *mlab_err_check(int err);
/* One human sentence. */
const char *mlab_err_text(int err);
/* Parses a machine name back to a code; 0 when unknown. */
int mlab_err_from_name(const char *name);

#endif
