/* --proto tls: alice's and bob's options for the TLS twin (lib/mlab_tls.h),
 * the rules between them and the lab protocol's options, and the engine's
 * configuration built from them. */
#ifndef PEER_TLS_H
#define PEER_TLS_H

#include "peer_opts.h"

/* --proto, --tls-version, --pin-spki. -1 to go on, or an exit code. */
int peer_tls_parse(struct peer_opts *o, const char *name, const char *arg);
/* The rules, before any file is read. */
int peer_tls_check(const struct peer_opts *o);
/* Fills o->tls_cfg (after the trust options are loaded). */
int peer_tls_load(struct peer_opts *o);

#endif
