/* The kinds of key establishment a peer offers or allows (--kex), and the
 * long-term keys they need: bob's static X25519 key (--static-key) and RSA
 * key (--rsa-key), alice's pinned copy of the RSA public key (--peer-rsa). */
#ifndef PEER_KIND_H
#define PEER_KIND_H

#include "peer_opts.h"

/* The rules between --kex and the key options, before any file is read. */
int peer_kind_check(const struct peer_opts *o);
/* Loads the keys into o->kex. -1 to go on, or an exit code. */
int peer_kind_load(struct peer_opts *o);
void peer_kind_free(struct peer_opts *o);

#endif
