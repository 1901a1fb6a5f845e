/* --sniff --replay: mallory records alice's side of the first session she
 * sees and, once it has gone quiet, opens a connection of her own to the same
 * server and plays alice's frames back, flight by flight, waiting for bob's
 * answers as the original did. She reads nothing and needs no key: a bob
 * whose handshake contributes nothing fresh (a constant nonce, a static share
 * or key transport) computes the same keys again, accepts alice's recorded
 * Finished and records, and acts on them a second time. Against a fresh nonce
 * or share the recorded Finished fails. Transmits: only where the safety rail
 * allows (lab_guard.h). */
#ifndef REPLAY_H
#define REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_event.h"
#include "sniff_stream.h"

struct replay;

struct replay *replay_new(struct mlab_ev *ev);
/* A sniff_frame_fn (sniff_stream.h): records the first connection's frames. */
bool replay_observe(void *arg, const struct sniff_conn *c, int dir, uint8_t type, const uint8_t *body, size_t len,
		    struct sniff_plain *plain);
/* Once the recorded session has been quiet for a moment (now: a monotonic
 * time in seconds), plays it back — once. True when it has been played. */
bool replay_maybe(struct replay *r, double now);
void replay_free(struct replay *r);

#endif
