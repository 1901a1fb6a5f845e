/* `mallory --decrypt CAPTURE --break-classical`: the lab's stand-in for a
 * quantum computer (issue 16). The lab has none; what it has is mallory's
 * discrete-log solver (dlog.c), which really breaks the WEAK lab groups and
 * nothing stronger. Against a recorded session it breaks the classical part
 * of the key exchange where it can — a lab group alone, or a lab hybrid's
 * classical half — and says plainly which part held: ML-KEM-768 is not a
 * discrete logarithm, and its secret never travelled. */
#ifndef MALLORY_BREAK_CLASSICAL_H
#define MALLORY_BREAK_CLASSICAL_H

#include <stddef.h>
#include <stdint.h>

#include "mlab_event.h"
#include "mlab_group.h"

/* The session's secret from the two recorded shares (alice's, bob's) in g:
 * 0 with secret (MLAB_MAX_SECRET bytes) and *secret_len; MLAB_E_NO_KEY with
 * the reason in why when a part holds. Emits part-broken / part-held. */
int break_classical(const struct mlab_group *g, const uint8_t *share_a, size_t len_a, const uint8_t *share_b,
		    size_t len_b, struct mlab_ev *ev, uint8_t *secret, size_t *secret_len, char *why, size_t n);

#endif
