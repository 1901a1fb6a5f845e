/* dh-mitm inside: the relay core (mallory/dhmitm_core.c) and the lesson moves
 * that plug into it (mallory/move_*.c). Only those files include this; the
 * rest of mallory uses attack_dhmitm.h.
 *
 * The core follows the handshake on both legs — one transcript, one key
 * schedule and one record state per leg, all through lib/ (mlab_transcript,
 * mlab_keysched, mlab_share, mlab_group), exactly as an honest peer — and
 * relays every frame in its turn. What the attack does at each turn is a
 * move's: a struct of hooks, asked in the order of DHMITM_MOVES below. A hook
 * that returns DHMITM_NEXT (or is NULL) leaves the turn to the next move, and
 * after the last one to the core's own default (forward the frame as it is).
 *
 * A new lesson move is one new file (move_NAME.c defining
 * `const struct dhmitm_move dhmitm_move_NAME`) and one word in DHMITM_MOVES. */
#ifndef DHMITM_CORE_H
#define DHMITM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "attack_dhmitm.h"
#include "mlab_group.h"
#include "mlab_keysched.h"
#include "mlab_record.h"
#include "mlab_transcript.h"
#include "mlab_wire.h"

/* The moves, in the order their hooks are asked. The order is the lessons'
 * precedence where two could answer (key fixing's shares before the small
 * subgroup's before malicious g's before a fresh key pair), and the order of
 * the events they emit on one frame (offer-downgraded, offer-explicit,
 * offer-stripped). swap, the plain share swap, answers everything last. */
#define DHMITM_MOVES(X) X(keyfix) X(subgroup) X(downgrade) X(malg) X(strip) X(tamper) X(impersonate) X(forge) X(swap)

/* The two legs, named for the honest peer at the other end. */
enum { DHMITM_ALICE = 0, DHMITM_BOB = 1 };

#define DHMITM_STATES(X)                                                                                               \
	X(ST_WAIT_CLIENT_HELLO, "wait-client-hello")                                                                   \
	X(ST_WAIT_SERVER_HELLO, "wait-server-hello")                                                                   \
	X(ST_WAIT_BOB_SHARE, "wait-bob-share")                                                                         \
	X(ST_WAIT_BOB_CERT, "wait-bob-certificate")                                                                    \
	X(ST_WAIT_BOB_SIGNATURE, "wait-bob-signature")                                                                 \
	X(ST_WAIT_ALICE_SHARE, "wait-alice-share")                                                                     \
	X(ST_WAIT_ALICE_SIGNATURE, "wait-alice-signature")                                                             \
	X(ST_WAIT_ALICE_FINISHED, "wait-alice-finished")                                                               \
	X(ST_WAIT_BOB_FINISHED, "wait-bob-finished")                                                                   \
	X(ST_RELAYING, "relaying")                                                                                     \
	X(ST_TRANSPARENT, "transparent")

enum dhmitm_state {
#define DHMITM_X_STATE(s, n) s,
	DHMITM_STATES(DHMITM_X_STATE)
#undef DHMITM_X_STATE
};

/* One leg: mallory and one honest peer. Toward alice she is the responder,
 * toward bob the initiator. */
struct dhmitm_leg {
	const char *peer;
	struct mlab_transcript tr; /* the frames as this peer sent and saw them */
	struct mlab_dh dh;	   /* her ephemeral key pair on this leg, until the keys are derived */
	uint8_t own_share[MLAB_MAX_SHARE];
	size_t own_share_len;
	uint8_t peer_share[MLAB_MAX_SHARE];
	size_t peer_share_len;
	uint8_t secret[MLAB_MAX_SECRET]; /* DH output, until the keys are derived */
	size_t secret_len;
	/* The secret is one of a few candidates: the peer's Finished decides
	 * (guess_secret); the keys wait for it. */
	bool secret_pending;
	struct mlab_keys keys;
	bool have_keys;
	struct mlab_rec rx, tx; /* records from this peer / to this peer */
	bool peer_closed;
};

/* A hook's "not mine": the next move (or the core) takes the turn. */
#define DHMITM_NEXT 1

struct dhmitm;

struct dhmitm_move {
	const char *name;
	/* Whether the configuration asks for it; NULL: always. */
	bool (*wanted)(const struct dhmitm_config *cfg);
	/* Its private state (*st, may stay NULL). 0 or an error of dhmitm_new. */
	int (*init)(struct dhmitm *m, const struct dhmitm_config *cfg, void **st);
	/* Forget every secret it holds (she gave up); free it all (st may be NULL). */
	void (*wipe)(void *st);
	void (*free)(void *st);

	/* Alice's ClientHello on its way to bob: edit ch, true when changed
	 * (bob then gets the re-encoded hello; every move is asked). */
	bool (*rewrite_hello)(struct dhmitm *m, void *st, struct mlab_client_hello *ch);
	/* Group "explicit": set m->xg[DHMITM_ALICE] from bob's (p, g) in ks
	 * (default: the same p and g). */
	int (*alice_params)(struct dhmitm *m, void *st, const struct mlab_key_share *ks);
	/* True when the share the peer sends on leg l is degenerate by her
	 * design: no validation of it, and none when computing with it. */
	bool (*forces_share)(const struct dhmitm *m, const void *st, const struct dhmitm_leg *l);
	/* A KeyShare in direction d: the whole turn (take it, send whatever
	 * goes on, compute what she can). The core moves the state on. */
	int (*on_share)(struct dhmitm *m, void *st, enum dhmitm_dir d, const uint8_t *body, size_t len,
			struct mlab_wr *out);
	/* Her share on leg l into l->own_share (a key pair in l->dh or not). */
	int (*make_share)(struct dhmitm *m, void *st, struct dhmitm_leg *l);
	/* Leg l's secret into l->secret, once both its shares are known; or
	 * set l->secret_pending for guess_secret. */
	int (*secret)(struct dhmitm *m, void *st, struct dhmitm_leg *l);
	/* Leg l's secret, from the peer's Finished MAC (dhmitm_secret_verifies
	 * tells a candidate); 0 with l->secret set, or MLAB_E_FINISHED. */
	int (*guess_secret)(struct dhmitm *m, void *st, struct dhmitm_leg *l, const uint8_t mac[MLAB_MAC_LEN]);
	/* Mode cert: bob's Certificate (decoded, in bob's transcript) on its
	 * way to alice — the frame alice gets instead, written to out and
	 * added to her transcript. */
	int (*on_certificate)(struct dhmitm *m, void *st, const struct mlab_certificate *bobs, struct mlab_wr *out);
	/* The Signature frame toward the other leg, in place of the one that
	 * came in direction d (already decoded and in the sender's transcript):
	 * written to out and added to the receiver's transcript. */
	int (*on_signature)(struct dhmitm *m, void *st, enum dhmitm_dir d, struct mlab_wr *out);
	/* One application message (in, n bytes, record seq of the sender): 0
	 * when rewritten into alt (MLAB_MAX_PLAINTEXT bytes, *alt_n). */
	int (*rewrite_record)(struct dhmitm *m, void *st, enum dhmitm_dir d, uint64_t seq, const uint8_t *in, size_t n,
			      uint8_t *alt, size_t *alt_n);
};

#define DHMITM_X_DECLARE(n) extern const struct dhmitm_move dhmitm_move_##n;
DHMITM_MOVES(DHMITM_X_DECLARE)
#undef DHMITM_X_DECLARE
#define DHMITM_X_COUNT(n) +1
enum { DHMITM_N_MOVES = 0 DHMITM_MOVES(DHMITM_X_COUNT) };
#undef DHMITM_X_COUNT

struct dhmitm_active {
	const struct dhmitm_move *mv;
	void *st;
};

struct dhmitm {
	struct mlab_ev *ev;
	uint16_t groups[MLAB_MAX_OFFERS]; /* her group policy; 0 entries: every group */
	size_t n_groups;
	struct dhmitm_active on[DHMITM_N_MOVES]; /* the moves this configuration wants, in order */
	size_t n_on;

	enum dhmitm_state st;
	uint8_t nonce_c[MLAB_NONCE_LEN], nonce_s[MLAB_NONCE_LEN];
	uint8_t mode, cipher;
	uint16_t group;
	bool client_auth;
	struct mlab_xgroup xg[2]; /* group "explicit": each leg's (p, g), by leg index */
	struct dhmitm_leg leg[2];
	unsigned replay_record;	 /* --replay-record: alice's record number to send twice, 0: off */
	uint64_t records_to_bob; /* alice's records seen so far */

	/* Scratch for one record: its plaintext, a rewritten text, hex. */
	uint8_t pt[MLAB_MAX_PLAINTEXT], alt[MLAB_MAX_PLAINTEXT];
	char hex[2 * MLAB_MAX_PLAINTEXT + 1];
};

/* ---- the core, for the moves and attack_dhmitm.c ---- */

/* One frame in its turn (the state machine); 0 or why she cannot go on. */
int dhmitm_step(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, const uint8_t *body, size_t len,
		struct mlab_wr *out);
/* An Alert passing through: reported, never changed. */
void dhmitm_on_alert(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len);
/* She cannot follow: one "error" event, every secret wiped (hers and the
 * moves'), and a plain wire from now on. */
void dhmitm_give_up(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, int err, enum dhmitm_state was);
void dhmitm_wipe_all(struct dhmitm *m);

/* The frame exactly as it came. */
int dhmitm_put_raw(struct mlab_wr *out, uint8_t type, const uint8_t *body, size_t len);
/* The leg of the sender of a frame travelling in d, and of its receiver. */
struct dhmitm_leg *dhmitm_src(struct dhmitm *m, enum dhmitm_dir d);
struct dhmitm_leg *dhmitm_dst(struct dhmitm *m, enum dhmitm_dir d);
/* The group on leg l: the named one, or that leg's explicit (p, g). */
const struct mlab_group *dhmitm_leg_group(const struct dhmitm *m, const struct dhmitm_leg *l);
/* Whether some move forced the share the peer sends on leg l. */
bool dhmitm_share_forced(const struct dhmitm *m, const struct dhmitm_leg *l);
/* A peer's KeyShare on leg l, checked as its honest receiver would (unless
 * forced), stored in l->peer_share and added to l's transcript. */
int dhmitm_take_share(struct dhmitm *m, struct dhmitm_leg *l, const uint8_t *body, size_t len);
/* A share that forces a peer's secret: p itself (y = 0 mod p: key fixing) or,
 * minus_one, p-1 (order 2: small subgroup) for finite-field groups; the
 * all-zero point for X25519 (key fixing only). */
int dhmitm_forced_share(const struct mlab_group *g, bool minus_one, uint8_t *out, size_t *len);
/* 0 when the peer's Finished mac verifies under the keys l->secret gives
 * (MLAB_E_FINISHED when not); those keys are wiped again either way. */
int dhmitm_secret_verifies(struct dhmitm *m, struct dhmitm_leg *l, const uint8_t mac[MLAB_MAC_LEN]);

/* Event helpers: "alice"/"bob" at each end of d, {"from","to"}, u64, text. */
const char *dhmitm_from_name(enum dhmitm_dir d);
const char *dhmitm_to_name(enum dhmitm_dir d);
json_t *dhmitm_ends_json(enum dhmitm_dir d);
json_t *dhmitm_json_u64(uint64_t v);
/* Adds key: the bytes as a string, only when they are valid UTF-8. */
void dhmitm_add_text(json_t *j, const char *key, const uint8_t *p, size_t n);

#endif
