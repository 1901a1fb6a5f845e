/* The engine's three kinds of key establishment (docs/protocol.md §4.8):
 * which one a responder picks, and the parts that differ from ephemeral
 * Diffie-Hellman — bob's long-term share (static) and the encrypted
 * premaster (transport). Used by lib/mlab_kex.c only. */
#ifndef MLAB_KEX_KIND_H
#define MLAB_KEX_KIND_H

#include "mlab_kex.h"

/* Responder: the first of the initiator's kinds this side allows and can
 * serve (static: an X25519 key for an X25519 session; transport: an RSA
 * key), or MLAB_E_NO_COMMON_KIND. */
int mlab_kind_choose(struct mlab_kex *k, const struct mlab_client_hello *ch);
/* Responder, kind static: its long-term key pair in k->dh, in place of a
 * fresh one. */
int mlab_kind_static_pair(struct mlab_kex *k);
/* Initiator, kind transport: a fresh premaster into k->secret, encrypted to
 * the pinned RSA key, written to out (and the transcript). */
int mlab_kind_send_premaster(struct mlab_kex *k, struct mlab_wr *out);
/* Responder, kind transport: the premaster into k->secret. A ciphertext that
 * does not decrypt gives a premaster all the same (implicit rejection, no
 * oracle): the handshake then fails at the initiator's Finished. */
int mlab_kind_take_premaster(struct mlab_kex *k, const uint8_t *body, size_t len);
/* The kinds as the events name them. */
json_t *mlab_kind_json(const uint8_t *kinds, size_t n);

#endif
