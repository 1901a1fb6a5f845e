/* Passive TCP reassembly of the lab protocol, for mallory's sniff mode.
 *
 * Fed with dissected frames, it follows every TCP connection on the protocol
 * port (each direction separately), rebuilds the byte stream in order, splits
 * it into protocol frames (mlab_frame_next) and reports what a passive
 * eavesdropper learns: every handshake message, and the content of every
 * record when the negotiated cipher is "none" (only the length and sequence
 * number otherwise). It never sends anything and never decides anything: the
 * lab's judge checks mallory's claims against what alice and bob really sent.
 *
 * Events (docs/events.md): handshake-seen, alert-seen, message-read,
 * close-seen, record-seen, stream-gap, stream-error.
 *
 * Bounded state: at most SNIFF_MAX_FLOWS connections (the longest idle one is
 * evicted for a new one), SNIFF_BUF_CAP bytes buffered per direction. Buffers
 * are allocated once per flow slot and reused; sniff_stream_free frees all.
 * Segments ahead of the expected sequence number are dropped (capture point
 * reordering is rare and the sender does not retransmit what its peer got); if
 * the bytes were really lost to the capture (the other side acknowledges them,
 * or SNIFF_MAX_AHEAD segments in a row are ahead), the direction resynchronises
 * on the next segment that starts with a valid frame header.
 *
 * Extension points, all off by default so live sniffing is unchanged
 * (sniff_stream_observe): an observer is shown every complete frame before it
 * is decoded and may hand back the plaintext of a record it could decrypt
 * (mallory --decrypt plugs key recovery in there, mallory/offline.h); and the
 * half sessions of a recorded capture can be reported (stream-gap "joined"
 * when a direction is first seen without its SYN, "unfinished" from
 * sniff_stream_finish for a direction whose FIN the input never showed). */
#ifndef SNIFF_STREAM_H
#define SNIFF_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect.h"
#include "mlab_event.h"
#include "mlab_wire.h"

#define SNIFF_MAX_FLOWS 64
#define SNIFF_BUF_CAP (2 * MLAB_MAX_FRAME)
#define SNIFF_MAX_AHEAD 8 /* segments ahead in a row before the missing bytes count as lost */

/* Directions of a connection; the server is the end on the followed port. */
enum { SNIFF_C2S = 0, SNIFF_S2C = 1 };

struct sniff_stats {
	uint64_t segments;	     /* TCP segments to or from the protocol port */
	uint64_t frames;	     /* protocol frames split off the streams */
	uint64_t handshake_seen;     /* handshake messages reported */
	uint64_t messages_read;	     /* cipher-none data records read */
	uint64_t records_unreadable; /* AEAD records (or cipher unknown) */
	uint64_t retransmits;	     /* segments wholly before the expected sequence number: ignored */
	uint64_t out_of_order;	     /* segments ahead of the expected sequence number: dropped */
	uint64_t gaps;		     /* resynchronisations after lost bytes or a buffer overflow */
	uint64_t skipped_bytes;	     /* bytes passed over while looking for a frame boundary */
	uint64_t stream_errors;	     /* directions given up on malformed protocol bytes */
	uint64_t fragments;	     /* IPv4 fragments on the port: not reassembled, ignored */
	uint64_t evicted;	     /* flows dropped to make room for a new one */
	uint64_t connections;	     /* connections followed (sniff_conn ids handed out) */
	uint64_t records_decrypted;  /* records read with the plaintext an observer gave */
};

/* A followed connection as an observer sees it (valid during the call).
 * slot is 0..SNIFF_MAX_FLOWS-1: an observer's per-connection state can live in
 * a table of that size, reset whenever the id seen in a slot changes. */
struct sniff_conn {
	uint64_t id; /* from 1, one per connection (a new SYN on the same four-tuple is a new one) */
	unsigned slot;
	const char *client; /* "IP:PORT" */
	const char *server;
	uint8_t cipher; /* the server hello's choice, 0 until seen */
};

/* What an observer recovered of a record: its content type and plaintext
 * (the observer's memory, read before the callback's next call). */
struct sniff_plain {
	uint8_t content; /* MLAB_CONTENT_DATA or MLAB_CONTENT_CLOSE */
	const uint8_t *data;
	size_t len; /* at most MLAB_MAX_PLAINTEXT */
};

/* Shown every complete frame (type, body of len bytes) of direction dir
 * (SNIFF_C2S/SNIFF_S2C), in stream order, before the frame is decoded and
 * reported. For a record of a connection whose cipher is not "none" it may
 * fill *plain and return true: the record is then reported as a readable one
 * (message-read or close-seen, with "decrypted": true) instead of
 * record-seen. The return value is ignored for every other frame. */
typedef bool (*sniff_frame_fn)(void *arg, const struct sniff_conn *c, int dir, uint8_t type, const uint8_t *body,
			       size_t len, struct sniff_plain *plain);

struct sniff_observer {
	sniff_frame_fn frame; /* may be NULL */
	void *arg;
	bool report_partial; /* stream-gap "joined" for a direction first seen without its SYN */
};

struct sniff_stream;

/* A stream tracker for TCP port `port`, reporting to ev (may be NULL).
 * NULL when out of memory. */
struct sniff_stream *sniff_stream_new(uint16_t port, struct mlab_ev *ev);
/* Feeds one dissected frame (anything but IPv4 TCP to or from the port is
 * ignored). Returns 0, or MLAB_E_NOMEM when a new flow's buffers could not be
 * allocated (the segment is then dropped). */
int sniff_stream_input(struct sniff_stream *s, const struct dissect_frame *f);
const struct sniff_stats *sniff_stream_stats(const struct sniff_stream *s);
/* Connections currently tracked. */
size_t sniff_stream_flows(const struct sniff_stream *s);
void sniff_stream_free(struct sniff_stream *s);

/* Installs the extension points above (a copy of *o; NULL: none again). */
void sniff_stream_observe(struct sniff_stream *s, const struct sniff_observer *o);
/* The input is over (the end of a recorded capture): a stream-gap
 * "unfinished" for each direction of a connection still followed whose FIN
 * was not seen (bytes: those of the incomplete frame left in its buffer). */
void sniff_stream_finish(struct sniff_stream *s);

/* Renders bytes for a human line: printable ASCII as is, anything else (and
 * the backslash) as \xNN; cut with "..." when out is too small. */
void sniff_printable(const uint8_t *data, size_t len, char *out, size_t out_len);

#endif
