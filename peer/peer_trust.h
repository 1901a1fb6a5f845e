/* How alice knows bob's key beyond a pinned one — a CA's certificate chain or
 * trust on first use — and bob's chain: the options' files, loaded and checked
 * before the engine starts. */
#ifndef PEER_TRUST_H
#define PEER_TRUST_H

#include "peer_opts.h"

/* Validates the trust options against the modes; loads --cert and --ca and
 * points o->kex at them. Returns -1 to go on, or an exit code (after a
 * message that says what to do). */
int peer_trust_load(struct peer_opts *o);
void peer_trust_free(struct peer_opts *o);
/* A DNS host name as --peer-name takes it: 1..253 characters of letters,
 * digits, '-' and '.', labels of 1..63. */
bool peer_name_valid(const char *name);

#endif
