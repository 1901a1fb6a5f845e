/* Diffie-Hellman groups behind one interface.
 *
 * The named groups (X25519, RFC 7919 ffdhe2048/3072) use OpenSSL EVP. The weak
 * lab groups to come implement the same operations with the project's own
 * BIGNUM code, because OpenSSL refuses moduli under 512 bits. */
#ifndef MLAB_GROUP_H
#define MLAB_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MLAB_MAX_SECRET 512 /* bytes of shared secret, any group */

struct mlab_group;

/* Finite-field parameters in hex: the modulus p, the order q of g, and g. */
struct mlab_modp {
	const char *p, *q, *g;
};

/* One side's ephemeral key pair. */
struct mlab_dh {
	const struct mlab_group *group;
	void *priv;	   /* the implementation's private key (EVP_PKEY for named groups) */
	uint8_t pub[1216]; /* MLAB_MAX_SHARE */
	size_t pub_len;
	/* KEM groups: this side answers the peer's encapsulation key (see
	 * mlab_dh_keygen_reply); its share exists only after mlab_dh_derive. */
	bool reply;
};

struct mlab_group_ops {
	int (*keygen)(const struct mlab_group *g, struct mlab_dh *dh);
	/* The key pair whose private key is made from exactly priv_len(g) given
	 * bytes (mlab_dh_keygen_from); priv_len is 0 for a group without keys. */
	int (*keygen_from)(const struct mlab_group *g, const uint8_t *priv, size_t n, struct mlab_dh *dh);
	size_t (*priv_len)(const struct mlab_group *g);
	/* Range, subgroup and encoding checks on a received share. */
	int (*check)(const struct mlab_group *g, const uint8_t *share, size_t len);
	/* The shared secret; validate=false skips check() (weakened peers only). */
	int (*derive)(struct mlab_dh *dh, const uint8_t *share, size_t len, bool validate, uint8_t *out,
		      size_t *out_len);
	void (*free_priv)(struct mlab_dh *dh);
};

struct mlab_group {
	uint16_t id;
	const char *name;  /* flag value: "x25519" */
	const char *title; /* for people: "X25519 (RFC 7748)" */
	size_t share_len;  /* exact length of an encoded share */
	unsigned bits;	   /* security-relevant size: curve bits or modulus bits */
	const char *ossl_name;
	const struct mlab_group_ops *ops;
	bool weak;	   /* a lab group, breakable live: only used when named explicitly */
	unsigned sec_bits; /* estimated security in bits (RFC 7919 Appendix A; lab groups: log2 of the dlog cost, e.g.
			      sqrt of the largest prime factor of the order) */
	const struct mlab_modp *modp; /* lab and explicit groups: computed with BIGNUM from these */
	/* KEM groups (lib/mlab_group_kem.c): share_len is the first speaker's
	 * share (its ML-KEM encapsulation key, then the classical part's share),
	 * reply_len the answer's (the ciphertext, then the classical share). */
	bool kem;
	size_t reply_len;
	const struct mlab_group *classical; /* the hybrid's classical part, NULL for ML-KEM alone */
};

const struct mlab_group *mlab_group_by_id(uint16_t id);
const struct mlab_group *mlab_group_by_name(const char *name);
/* The flag name of a group id, for events: "x25519", ..., "unknown". */
const char *mlab_group_name(uint16_t id);
/* All known groups with parameters of their own, for --help and tests (not
 * "explicit", whose parameters come from the wire); *n receives the count. */
const struct mlab_group *const *mlab_group_all(size_t *n);

int mlab_dh_keygen(const struct mlab_group *g, struct mlab_dh *dh);
/* The key pair of the side that answers a share (the initiator, which speaks
 * second). Diffie-Hellman: mlab_dh_keygen. A KEM group: only the classical
 * part's key; mlab_dh_derive then encapsulates to the peer's key and fills in
 * dh->pub (the ciphertext, then the classical share), so the share is sent
 * after the secret is computed. */
int mlab_dh_keygen_reply(const struct mlab_group *g, struct mlab_dh *dh);
/* The exact length of a share in g: the first speaker's (the responder's),
 * or the answer's (KEM groups differ: encapsulation key against ciphertext). */
size_t mlab_group_share_len(const struct mlab_group *g, bool from_responder);

/* Reproducible keys, for weakened peers whose randomness is a small seeded
 * PRNG (lib/mlab_rng.h) and for mallory, who replays it. A key pair made from
 * exactly mlab_dh_priv_len(g) bytes, the same bytes giving the same pair:
 *   X25519: the 32 bytes are the RFC 7748 private scalar as it is (the curve's
 *     decoding clamps it: bits 0-2 and 255 cleared, bit 254 set).
 *   ffdhe and lab and explicit groups: priv_len = share_len + 8 bytes, read as
 *     a big-endian number B; the private exponent is x = 2 + (B mod (q - 3)),
 *     in [2, q-2], q the order of g ((p-1)/2 for ffdhe; 8 bytes more than p
 *     make the bias of the reduction below 2^-64). The share is g^x mod p.
 *     The whole range rather than RFC 7919 §5.2's shorter exponents (OpenSSL
 *     uses 225 bits for ffdhe2048): one rule for every group, and the cost
 *     is one exponentiation per key.
 * The result behaves as mlab_dh_keygen's (the same derive, check and free).
 * MLAB_E_ARG when n is not priv_len or the group has no keys (explicit by
 * name only), MLAB_E_GROUP_PARAMS for an explicit group with q < 4. */
#define MLAB_DH_MAX_PRIV (1024 + 8) /* the largest priv_len of any group */
size_t mlab_dh_priv_len(const struct mlab_group *g);
int mlab_dh_keygen_from(const struct mlab_group *g, const uint8_t *priv, size_t n, struct mlab_dh *dh);
int mlab_dh_check(const struct mlab_group *g, const uint8_t *share, size_t len);
/* Checks the share (length first, then the group's own checks) unless
 * validate is false, and computes the shared secret into out (MLAB_MAX_SECRET). */
int mlab_dh_derive(struct mlab_dh *dh, const uint8_t *share, size_t len, bool validate, uint8_t *out, size_t *out_len);
void mlab_dh_free(struct mlab_dh *dh);

extern const struct mlab_group_ops mlab_x25519_ops;
extern const struct mlab_group_ops mlab_ffdhe_ops;
extern const struct mlab_group_ops mlab_lab_ops;
extern const struct mlab_group_ops mlab_kem_ops;
int mlab_kem_keygen_reply(const struct mlab_group *g, struct mlab_dh *dh); /* for mlab_dh_keygen_reply */
extern const struct mlab_modp mlab_lab32_modp, mlab_lab48_modp, mlab_lab64_smooth_modp;

/* WEAK lab groups (lib/mlab_group_lab.c), in a private id range. */
#define MLAB_GROUP_LAB32 0xFF00
#define MLAB_GROUP_LAB48 0xFF01
#define MLAB_GROUP_LAB64_SMOOTH 0xFF02
/* The LAB hybrid: lab-48 with ML-KEM-768, the stand-in for X25519MLKEM768
 * whose classical half mallory can break (docs/protocol.md §4.3). */
#define MLAB_GROUP_LAB48_MLKEM768 0xFF03
/* A KEM share's parts: the ML-KEM bytes first, then the classical share (as
 * X25519MLKEM768). 0, or MLAB_E_SHARE_LENGTH for a share of neither length. */
struct mlab_kem_parts {
	const uint8_t *kem, *classical;
	size_t kem_len, classical_len;
	bool is_ek; /* the encapsulation-key form (else the ciphertext) */
};
int mlab_kem_split(const struct mlab_group *g, const uint8_t *share, size_t len, struct mlab_kem_parts *parts);
/* For people, short enough for a dashboard column: "ML-KEM ek 1184 +
 * x25519 32" (an encapsulation key; "ct" a ciphertext) for a share of len
 * bytes in KEM group g, into buf; NULL for another group. */
const char *mlab_kem_parts_text(const struct mlab_group *g, size_t len, char *buf, size_t n);

struct bignum_st;
/* A lab or explicit group's modulus p, generator g and the order q of g
 * (fresh BIGNUMs, the caller frees them); MLAB_E_ARG for any other group. */
int mlab_lab_params(const struct mlab_group *g, struct bignum_st **p, struct bignum_st **q, struct bignum_st **gen);
/* True for a group with p and g of its own: ffdhe and the lab groups. */
bool mlab_group_finite_field(const struct mlab_group *g);
/* The same for every finite-field group, ffdhe included (via EVP). */
int mlab_group_params(const struct mlab_group *g, struct bignum_st **p, struct bignum_st **q, struct bignum_st **gen);
/* For the finite-field groups' keygen_from: x = 2 + (B mod (q - 3)) with B the
 * big-endian number in b[0..n) (see mlab_dh_keygen_from); x should be a
 * BN_secure_new(). MLAB_E_GROUP_PARAMS when q < 4. */
struct bignum_ctx;
int mlab_ff_exponent(const uint8_t *b, size_t n, const struct bignum_st *q, struct bignum_st *x,
		     struct bignum_ctx *ctx);

/* Explicit-parameter mode (legacy, as TLS 1.2's ServerKeyExchange): the
 * negotiated group id is MLAB_GROUP_EXPLICIT (mlab_wire.h) and the responder's KeyShare
 * carries p and g. mlab_group_by_id() knows the id only as a name (no
 * parameters, so no keys); each session builds its own group from the wire. */
#define MLAB_XHEX (2 * 1024 + 1)
/* Largest explicit p accepted (bytes): bounds what a hostile responder can
 * make us compute (a primality test and an exponentiation of that size). */
#define MLAB_MAX_EXPLICIT_P 384

struct mlab_xgroup {
	struct mlab_group group; /* group.modp points into this struct: never copy one */
	struct mlab_modp modp;
	char p[MLAB_XHEX], q[MLAB_XHEX], g[MLAB_XHEX];
	/* p and g exactly as they travel (and as a signature covers them). */
	uint8_t p_bytes[MLAB_MAX_EXPLICIT_P], g_bytes[MLAB_MAX_EXPLICIT_P];
	size_t p_len, g_len;
	char title[96];
	const struct mlab_group *known; /* mlab_xgroup_known, found by mlab_xgroup_set */
	bool known_g;
};

/* Builds x from big-endian p and g as they came (g may be anything: the
 * malicious-generator lessons need 1, p and p-1 to be computable); q is
 * taken as (p-1)/2, the order of g in a safe-prime group. The share length is
 * p's length. MLAB_E_GROUP_PARAMS when p is not an odd number of 16 bits or
 * more, or has a leading zero byte, or either is longer than
 * MLAB_MAX_EXPLICIT_P. */
int mlab_xgroup_set(struct mlab_xgroup *x, const uint8_t *p, size_t p_len, const uint8_t *g, size_t g_len);
/* x from a named finite-field group's parameters (the responder's). */
int mlab_xgroup_from(struct mlab_xgroup *x, const struct mlab_group *named);
/* What a careful receiver checks (RFC 2631 / NIST SP 800-56A): p a safe
 * prime, 2 <= g <= p-2, g^q = 1 mod p; MLAB_E_GROUP_PARAMS otherwise. The
 * work is bounded (docs/protocol.md §3.3): a p that is one of the known
 * groups' (mlab_xgroup_known) needs no primality test, its own g no
 * arithmetic at all; an unknown p above MLAB_XCHECK_MAX_BITS is refused
 * (MLAB_E_PARAMS_COST), one below is tested with MLAB_XCHECK_ROUNDS
 * Miller-Rabin rounds and refused (MLAB_E_PARAMS_COST) if that would run
 * past budget_ms. */
#define MLAB_XCHECK_MAX_BITS 2048
#define MLAB_XCHECK_ROUNDS 32 /* a composite q passes with probability below 4^-32 = 2^-64 */
#define MLAB_XCHECK_BUDGET_MS 250
int mlab_xgroup_check_within(const struct mlab_xgroup *x, unsigned budget_ms);
int mlab_xgroup_check(const struct mlab_xgroup *x); /* within MLAB_XCHECK_BUDGET_MS */
/* The named group whose p x carries (ffdhe2048, ffdhe3072, lab-48, lab-32:
 * the safe-prime groups), with *same_g telling whether g is the group's own
 * too; NULL for any other p. */
const struct mlab_group *mlab_xgroup_known(const struct mlab_xgroup *x, bool *same_g);
/* p and g of x as they were set, into p/g (MLAB_MAX_SHARE bytes each). */
int mlab_xgroup_bytes(const struct mlab_xgroup *x, uint8_t *p, size_t *p_len, uint8_t *g, size_t *g_len);

#endif
