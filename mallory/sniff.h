/* Sniff mode: capture on one interface, dissect every frame, follow the
 * protocol's TCP streams and report it all as events. Passive by
 * construction: this mode opens no socket and injects nothing. */
#ifndef SNIFF_H
#define SNIFF_H

#include <signal.h>

#include "mallory_opts.h"
#include "mlab_event.h"

/* Runs until *stop is set (by a signal handler) or o->max_frames frames have
 * been seen; emits "sniffing" once the capture is active and "stopped" at the
 * end. Returns an exit code (enum mallory_exit). */
int sniff_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop);

#endif
