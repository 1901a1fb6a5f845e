/* Sniff mode: capture on one interface, dissect every frame, follow the
 * protocol's TCP streams and report it all as events. Passive by
 * construction: this mode opens no socket and injects nothing. */
#ifndef SNIFF_H
#define SNIFF_H

#include <signal.h>

#include <stddef.h>
#include <stdint.h>

#include "mallory_opts.h"
#include "mlab_event.h"
#include "sniff_stream.h"

/* Runs until *stop is set (by a signal handler) or o->max_frames frames have
 * been seen; emits "sniffing" once the capture is active and "stopped" at the
 * end. Returns an exit code (enum mallory_exit). */
int sniff_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop);

/* One captured frame as sniff mode reports it: a "frame" event numbered n
 * (with the fields of extra added; consumed, may be NULL), then dissected into
 * the stream tracker. Shared with --decrypt (mallory/offline.c) so a recorded
 * capture tells the same story as a live one. Returns sniff_stream_input's result. */
int sniff_frame(struct mlab_ev *ev, struct sniff_stream *ss, uint64_t n, const uint8_t *p, size_t caplen,
		size_t wirelen, json_t *extra);

#endif
