/* mallory --decrypt: "record now, decrypt later" (docs/events.md §2.6).
 *
 * Reads a recorded capture (mallory/pcap_file.h) and feeds every frame
 * through exactly the path of live sniffing (sniff_frame: the frame event,
 * dissect, sniff_stream), so every handshake-seen, message-read, record-seen,
 * stream-gap... comes out as it would have live. Half sessions are reported:
 * a direction first seen without its SYN (stream-gap "joined") and, at the
 * end of the capture, every direction still open (stream-gap "unfinished").
 * Around it: decrypt-start once the capture is open, decrypt-done at its end.
 * Never transmits, opens no interface and no socket.
 *
 * Key recovery plugs in through struct offline_hooks: it is shown every
 * handshake frame and every record of the followed connections, in stream
 * order, and may give back a record's plaintext, which is then reported as
 * message-read (or close-seen) with "decrypted": true. Without hooks no
 * record is decrypted (decrypt-done "decrypted": 0). */
#ifndef OFFLINE_H
#define OFFLINE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mallory_opts.h"
#include "mlab_event.h"
#include "sniff_stream.h"

struct offline_hooks {
	void *arg;
	/* Every frame that is not a record (handshake messages, alerts) of a
	 * followed connection, before mallory decodes it: the transcript, in
	 * order, per connection (flow->id) and direction (SNIFF_C2S, SNIFF_S2C).
	 * flow->cipher is set from the server hello on. ts: the capture time
	 * (seconds since the epoch) of the packet that completed the frame,
	 * e.g. the centre of a seed search's time window. May be NULL. */
	void (*on_handshake_frame)(void *arg, const struct sniff_conn *flow, int dir, double ts, uint8_t type,
				   const uint8_t *body, size_t len);
	/* Every record of a connection whose cipher is not "none" (0, unknown,
	 * when the capture missed the server hello); body is the frame's body
	 * as on the wire (seq | ciphertext | tag). Return true with *plain
	 * filled (content, plaintext in the hook's memory) when it decrypted;
	 * false leaves the record unreadable (record-seen). May be NULL. */
	bool (*on_record)(void *arg, const struct sniff_conn *flow, int dir, double ts, const uint8_t *body, size_t len,
			  struct sniff_plain *plain);
	/* The capture is over, before decrypt-done (not after an error). May be NULL. */
	void (*on_end)(void *arg);
};

struct offline_config {
	const char *capture;		   /* the file, or the name of fd in messages */
	int fd;				   /* >= 0: read this descriptor (taken over) instead of opening capture */
	uint16_t port;			   /* the protocol's TCP port */
	uint64_t max_frames;		   /* 0: the whole capture */
	const char *key;		   /* --key FILE: shown in decrypt-start; reading it is the hooks' business */
	const struct offline_hooks *hooks; /* NULL: none */
	volatile sig_atomic_t *stop;	   /* set by a signal handler; may be NULL */
};

/* Reads c->capture to its end (or max_frames, or *stop) and reports it.
 * Returns an exit code: MALLORY_EXIT_OK when the capture was read (also when
 * it ends in the middle of a packet: a warning says so, decrypt-done has
 * reason "truncated"), MALLORY_EXIT_NETWORK when it cannot be read (missing,
 * not a regular file, not a capture, not Ethernet, a corrupt packet header:
 * an error event, no decrypt-done), MALLORY_EXIT_INTERNAL out of memory. */
int offline_run(const struct offline_config *c, struct mlab_ev *ev);

/* mallory --decrypt CAPTURE [--key FILE] [--port N] [--max-frames N]:
 * offline_run over her options. The lead's key recovery sets its hooks here. */
int decrypt_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop);

#endif
