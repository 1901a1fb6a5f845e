/* The initiator's certificate checks told as events: cert-received, one
 * cert-chain per certificate, one cert-check per check, and cert-ignored when
 * --insecure clicks through (docs/events.md §2.1). Shared by the lab engine
 * (mode cert) and the TLS engine, so both show a chain the same way and stop
 * on the same named checks. */
#ifndef MLAB_CERT_EV_H
#define MLAB_CERT_EV_H

#include <stdint.h>

#include "mlab_cert.h"
#include "mlab_event.h"

/* Checks chain m under t (mlab_cert_verify) and emits the events. Returns 0
 * when every check passed or t->insecure clicked through a failed one (then
 * leaf_pub receives the leaf's key), else the first failure. A chain that does
 * not parse is never clicked through and gets no chain or check events. */
int mlab_cert_check_ev(const struct mlab_trust *t, const struct mlab_certificate *m, struct mlab_ev *ev,
		       uint8_t leaf_pub[32]);

#endif
