/* Key shares on the wire (docs/protocol.md §3.3, §8, §10): sending one,
 * taking a received one through its checks, and what a params-scope
 * signature covers of one.
 *
 * The arithmetic (making a key pair, computing the DH secret, the group's own
 * range and subgroup checks) is lib/mlab_group*.c: mlab_dh_keygen,
 * mlab_dh_derive, mlab_dh_check. This module is the message-level half that
 * the honest engine (lib/mlab_kex.c) and mallory's dh-mitm both need, so that
 * she accepts, sends and signs shares exactly as a peer does. */
#ifndef MLAB_SHARE_H
#define MLAB_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_buf.h"
#include "mlab_group.h"
#include "mlab_transcript.h"
#include "mlab_wire.h"

/* Room for what mlab_share_signed writes: vec16 p | vec16 g | vec16 share. */
#define MLAB_SIGNED_SHARE_MAX (3 * (2 + MLAB_MAX_SHARE))

/* The group a session computes in: the named group id, or for "explicit"
 * the session's own (p, g) in x. NULL for an unknown id. */
const struct mlab_group *mlab_share_group(uint16_t id, const struct mlab_xgroup *x);

/* Writes our KeyShare frame (share of len bytes in group) to out and adds it
 * to tr. x: the explicit (p, g) that travel with it — the responder's share
 * in group "explicit" — else NULL. */
int mlab_share_send(struct mlab_transcript *tr, struct mlab_wr *out, uint16_t group, const struct mlab_xgroup *x,
		    const uint8_t *share, size_t len);

/* Decodes a received KeyShare body (§10.2 steps 1-2): MLAB_E_SHARE_GROUP
 * unless it names group; in group "explicit", MLAB_E_BAD_FIELD when an
 * initiator's share (from_responder false) carries p or g. ks points into
 * body. */
int mlab_share_decode(const uint8_t *body, size_t len, uint16_t group, bool from_responder, struct mlab_key_share *ks);

/* True when a received share is our own sent back (share-reflected). */
bool mlab_share_reflected(const uint8_t *own, size_t own_len, const uint8_t *peer, size_t peer_len);

/* §10.2 steps 3-5 on a decoded share, in group g: when validate is set, not
 * our own reflected (own may be NULL), then the group's length, range and
 * subgroup checks (mlab_dh_check); always its exact length. Then it is
 * copied to peer (MLAB_MAX_SHARE bytes) and *peer_len. validate is false
 * only for weakened peers, and for mallory where she made the share herself. */
int mlab_share_accept(const struct mlab_group *g, const struct mlab_key_share *ks, bool validate, const uint8_t *own,
		      size_t own_len, uint8_t *peer, size_t *peer_len);

/* What a params-scope signature covers of the signer's KeyShare (§8): the
 * share alone, or with x (the responder's share in group "explicit")
 * vec16 p | vec16 g | vec16 share, as TLS 1.2 signed ServerDHParams. Into
 * out (cap bytes, MLAB_SIGNED_SHARE_MAX suffices); *n gets the length. */
int mlab_share_signed(const struct mlab_xgroup *x, const uint8_t *share, size_t len, uint8_t *out, size_t cap,
		      size_t *n);

#endif
