/* The handshake transcript (docs/protocol.md §7): a running SHA-256 over whole
 * frames, header included, exactly as on the wire, in the order sent or
 * received.
 *
 * One implementation for everyone who keeps a transcript: the honest engine
 * (lib/mlab_kex.c, one per session) and mallory's dh-mitm (one per leg, each
 * holding the frames as that peer sent and saw them). The same bytes in give
 * the same hash, so her keys and Finished MACs are exactly the peers'. */
#ifndef MLAB_TRANSCRIPT_H
#define MLAB_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "mlab_buf.h"
#include "mlab_crypto.h"

struct mlab_transcript {
	void *md; /* EVP_MD_CTX running SHA-256 over every handshake frame */
};

/* Returns 0 or MLAB_E_CRYPTO (then md is NULL and every later call fails). */
int mlab_transcript_init(struct mlab_transcript *t);
int mlab_transcript_add(struct mlab_transcript *t, const void *p, size_t n);
/* A received frame, whole: its header as on the wire (type, u32 length), then
 * the body (len may be 0). Only once all of the frame's checks have passed. */
int mlab_transcript_frame(struct mlab_transcript *t, uint8_t type, const uint8_t *body, size_t len);
/* Frames of our own: what was written to out since offset start, exactly as
 * it will be sent. */
int mlab_transcript_out(struct mlab_transcript *t, const struct mlab_wr *out, size_t start);
/* The hash so far; the running hash goes on. */
int mlab_transcript_hash(const struct mlab_transcript *t, uint8_t out[MLAB_SHA256_LEN]);
void mlab_transcript_free(struct mlab_transcript *t);

#endif
