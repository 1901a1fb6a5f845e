/* The active modes' loop: resolve the victims, poison their ARP caches,
 * relay what poisoning brings (user space; her kernel never forwards), run
 * the chosen attack on the protocol's TCP stream, and restore the caches on
 * stop. */
#ifndef ACTIVE_H
#define ACTIVE_H

#include <signal.h>

#include "mallory_opts.h"
#include "mlab_event.h"

/* Returns an exit code (enum mallory_exit). Emits "poisoning" once both
 * victims are resolved and the first forged frames are out (the lab waits for
 * it), "relaying" at the first frame of each direction that only poisoning
 * can bring (the confirmation), "restored" and "stopped" at the end. */
int active_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop);

#endif
