/* How alice knows bob's key beyond a pinned one — a CA's certificate chain or
 * trust on first use — and bob's chain: the options' files, loaded and checked
 * before the engine starts. */
#ifndef PEER_TRUST_H
#define PEER_TRUST_H

#include "peer_opts.h"

/* The rules between the trust options and the modes, before any file is
 * read. Returns -1 to go on, or PEER_EXIT_USAGE after a message. */
int peer_trust_check(const struct peer_opts *o);
/* Loads --cert and --ca and points o->kex at them (and at the TOFU store).
 * Returns -1 to go on, or an exit code (after a message that says what to
 * do). */
int peer_trust_load(struct peer_opts *o);
void peer_trust_free(struct peer_opts *o);
/* A DNS host name as --peer-name takes it: 1..253 characters of letters,
 * digits, '-' and '.', labels of 1..63. */
bool peer_name_valid(const char *name);

#endif
