/* Active TCP relay engine: mallory in the middle of one TCP connection,
 * rewriting the byte stream and keeping both ends' TCP happy (docs/events.md §2.7).
 *
 * Pure code: no sockets, no clock, no packets. The caller captures a segment,
 * hands its TCP fields to tcp_stream_input, and the engine calls back with the
 * segments to send (seq, ack, flags, window, payload). Building the IP/TCP
 * headers, options and checksums, and injecting the frames, is the caller's.
 *
 * ---------------------------------------------------------------------------
 * The picture
 *
 *   A (sender of stream A2B)          mallory                    B (receiver)
 *   original bytes  o = 0,1,2,...  ──►  frames ─► rewrite() ─►  rewritten bytes r = 0,1,2,...
 *   ack in o-space  ◄──────────────  map back  ◄──────────────  ack in r-space
 *
 * Each direction is one stream with two numberings: the *original* offsets
 * the sender uses and the *rewritten* offsets the receiver sees. Both start
 * at the same sequence number (mallory keeps the ISNs), so with nothing
 * rewritten the engine is the identity: seq and ack pass unchanged.
 *
 * Offsets are 64-bit stream positions (0 = first byte after the SYN); they
 * are turned into 32-bit sequence numbers only at the edges, with
 * serial-number arithmetic (RFC 1982): a sequence number means the offset
 * nearest to what is expected, so wrapping past 2^32 needs no special case.
 *
 * Rewriting (per direction, chosen with the rewrite callback):
 * - Framed mode (a callback is set): in-order bytes are held until a whole
 *   protocol frame is there (mlab_frame_next: type u8 | len u32 | body); the
 *   callback gets the complete frame and writes what to send instead: the
 *   same bytes, changed bytes, more, fewer, several frames, or nothing. A
 *   header that cannot be a frame (unknown type, length beyond the
 *   protocol's limit) puts the connection in the error state: nothing is
 *   guessed about the rest of the stream.
 * - Pass-through mode (no callback): bytes are forwarded as they come, with
 *   only the sequence mapping applied.
 *
 * The map: for every piece of stream that was sent to the receiver but not
 * yet acknowledged, the engine keeps a breakpoint pair (original range ↔
 * rewritten range). A rewritten frame is an *atomic* unit: its bytes cannot be
 * matched one by one with the original ones. Pass-through bytes and the FIN
 * are *linear*: byte k of the one is byte k of the other. Hence:
 * - seq of data towards the receiver: rewritten offsets, so after a frame
 *   grew by 1 byte every later seq in that direction is 1 higher;
 * - ack towards the sender: an ACK for rewritten offset k acknowledges the
 *   original bytes up to the end of the last unit whose rewritten end is
 *   <= k (inside a linear unit: exactly the matching byte). Original bytes are
 *   never acknowledged for a frame the receiver has not fully acknowledged,
 *   with the one exception below.
 *
 * The ACK model (why the sender neither stalls nor loses data):
 *   mallory acknowledges to the sender what the receiver acknowledged, mapped
 *   back — and, when the receiver has acknowledged *everything* she sent, also
 *   the bytes she holds of the frame being assembled. She sends that ACK
 *   herself (a TCP_STREAM_OWN_ACK segment) as soon as those bytes arrive.
 *   Without it, a frame larger than the sender's window (a 16 KiB record
 *   with an initial window of 10 segments) would deadlock: the sender waits
 *   for an ACK that cannot come before the frame is complete.
 *   Safety: held bytes are always a strict prefix of an unfinished frame, so
 *   the frame's last byte is never acknowledged by mallory. The sender keeps
 *   it, and retransmits it if the rewritten frame is lost; a retransmission
 *   of any part of a frame re-sends the whole rewritten frame (atomic unit),
 *   which covers whatever the receiver is missing. The ACK number given to a
 *   sender never goes backwards. If the stream ends (FIN) in the middle of a
 *   frame, the held bytes are forwarded unchanged, together with the FIN, as
 *   one atomic unit.
 *
 * Retransmissions: a segment (or part of one) that mallory already consumed
 * is answered, never re-parsed:
 * - sent but not yet acknowledged by the receiver: the SAME rewritten bytes
 *   at the SAME rewritten seq are sent again (TCP_STREAM_RESENT), from a
 *   history of the last TCP_STREAM_HISTORY rewritten bytes;
 * - already acknowledged by the receiver, or still held: absorbed, and the
 *   sender gets an ACK (as a receiver would answer a duplicate).
 * A segment that is part old, part new is both at once.
 *
 * Out of order: up to TCP_STREAM_OOO_SEGS segments ahead of the expected
 * offset (TCP_STREAM_OOO_BYTES in all) are kept and spliced in when the gap
 * fills; each one is answered with a duplicate ACK so the sender's fast
 * retransmit fills the gap. When the queue is full they are dropped (the
 * sender retransmits them). Either way mallory sends the rewritten stream
 * in order, rewrites each frame exactly once, and a byte sent again is
 * always the same byte at the same seq.
 *
 * SYN, FIN, RST: SYN and FIN each take one sequence number. SYNs pass with
 * their ISN (ECE/CWR are cleared, so ECN is not negotiated; data on a SYN is
 * dropped and the sender resends it); the same SYN again passes again, a SYN
 * with another ISN is ignored (a new connection on the same four-tuple needs
 * a new tcp_stream). A FIN is forwarded after every byte before it, at the
 * rewritten offset. An RST in the window is forwarded at the rewritten seq
 * the receiver expects and closes the connection: every later segment is
 * ignored. PSH is copied from the input in pass-through mode and set on the
 * last segment of every burst in framed mode; URG is not forwarded.
 *
 * Joining mid-stream (no SYN seen): a direction's numbering starts at its
 * first segment, and a framed direction passes bytes through unchanged until
 * a segment starts with a valid frame header.
 *
 * ACKs travelling the other way are forwarded (mapped), except one kind: an
 * ACK whose only news is progress inside a rewritten frame (the sender could
 * not be told anything new) is dropped, so it does not count as a duplicate
 * ACK and trigger a spurious fast retransmit. Real duplicate ACKs pass.
 *
 * Flow control and bounds (every one is a constant below):
 * - reassembly: at most TCP_STREAM_BUF_CAP held bytes per direction;
 * - new data is refused (dropped unacknowledged; the sender retransmits it)
 *   while more than TCP_STREAM_MAX_INFLIGHT rewritten bytes wait for the
 *   receiver's ACK; the history must hold every unacknowledged rewritten
 *   byte, and a rewrite that outgrows it is an error (MLAB_E_NOSPACE);
 * - a segment whose seq lies more than TCP_STREAM_SEQ_WINDOW away from the
 *   expected offset, or that acknowledges bytes never sent, is ignored;
 * - TCP_STREAM_MAX_UNITS map units per direction; beyond that the newest
 *   ones merge into one atomic unit (coarser ACKs, never wrong ones);
 * - windows are passed through unchanged (the engine does not know the
 *   window scale); segments sent are at most `mss` bytes.
 *
 * TCP options are the caller's: it must remove SACK-permitted from SYNs
 * (SACK blocks would name original offsets, which the engine does not map),
 * may pass MSS and window scale through (and should set cfg.mss no larger
 * than the receivers' MSS), and, for timestamps, should give every segment
 * it sends towards X the last timestamp option seen from X's peer: a
 * TCP_STREAM_OWN_ACK travelling to A speaks for B.
 *
 * Errors are sticky (as in BearSSL): after the first failure every input is
 * refused with MLAB_E_FAILED and tcp_stream_error() names the cause; the
 * caller typically resets both ends. Hostile segments (absurd seq, bogus
 * ACK, oversized payload, flags without ACK) are ignored and counted, not
 * fatal. */
#ifndef TCP_STREAM_H
#define TCP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissect.h"
#include "mlab_buf.h"
#include "mlab_wire.h"

#define TCP_STREAM_BUF_CAP (2 * MLAB_MAX_FRAME) /* held original bytes per direction */
#define TCP_STREAM_OUT_MAX (4 * MLAB_MAX_FRAME) /* what a rewrite may turn one frame into */
#define TCP_STREAM_HISTORY (2048u * 1024)	/* rewritten bytes kept for resending (power of 2) */
#define TCP_STREAM_MAX_INFLIGHT (1024u * 1024)	/* unacknowledged rewritten bytes before new data is refused */
#define TCP_STREAM_MAX_UNITS 1024		/* map units (breakpoint pairs) per direction */
#define TCP_STREAM_OOO_SEGS 16			/* out-of-order segments kept per direction */
#define TCP_STREAM_OOO_BYTES (64u * 1024)	/* and their bytes */
#define TCP_STREAM_MAX_PAYLOAD 65535		/* larger input payloads are ignored */
#define TCP_STREAM_SEQ_WINDOW (1u << 20)	/* acceptable distance of a seq from the expected one */
#define TCP_STREAM_DEFAULT_MSS 1400

/* A2B: from the side that sent the first SYN (alice) to the other. */
enum tcp_stream_dir {
	TCP_STREAM_A2B = 0,
	TCP_STREAM_B2A = 1,
};

/* Why a segment is sent (for logs, and for the caller's choice of options). */
enum tcp_stream_seg_kind {
	TCP_STREAM_FORWARDED = 0, /* made from the input segment: new bytes, its SYN/FIN/RST, its ACK */
	TCP_STREAM_RESENT,	  /* starts with rewritten bytes sent before (answer to a retransmission) */
	TCP_STREAM_OWN_ACK,	  /* mallory's own ACK back to the sender of the input segment */
};

/* One TCP segment, as much of it as the engine deals with. flags are
 * DISSECT_TCP_* (dissect.h). payload may be NULL when len is 0. */
struct tcp_stream_seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	const uint8_t *payload;
	size_t len;
	enum tcp_stream_seg_kind kind; /* output only */
};

/* One complete protocol frame of the original stream. */
struct tcp_stream_frame {
	uint8_t type;	     /* enum mlab_msg_type (checked by mlab_frame_next), or a TLS content type */
	const uint8_t *body; /* body_len bytes */
	uint32_t body_len;
	const uint8_t *raw; /* the whole frame, header included: what the sender sent */
	size_t raw_len;
	uint64_t offset; /* original stream offset of its first byte */
};

/* Rewrites one frame of direction dir: writes into out (TCP_STREAM_OUT_MAX
 * bytes) what the receiver gets instead; writing nothing drops the frame.
 * Returns 0, or a negative MLAB_E_* code that puts the connection in the
 * error state (mlab_wr_* already return MLAB_E_NOSPACE when out is full).
 * The bytes in f are valid only during the call. The callback may call
 * tcp_stream_set_rewrite (say, to pass everything through after the
 * handshake: it takes effect right after this frame), nothing else of the
 * engine. */
typedef int (*tcp_stream_rewrite_fn)(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f,
				     struct mlab_wr *out);

/* Sends one segment travelling in direction dir (A2B: towards B). seg and its
 * payload are valid only during the call. The callback must not call back
 * into the same connection. A segment that cannot be sent is simply lost:
 * TCP recovers from that like from any loss. */
typedef void (*tcp_stream_emit_fn)(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_seg *seg);

/* How a framed direction splits its stream: the lab protocol's frames
 * (type u8 | len u32 | body), or TLS records (type u8 | version u16 | len u16
 * | body: content types 20-23, version 3.x, at most 2^14 + 2048 bytes). */
enum tcp_stream_framing { TCP_STREAM_LAB = 0, TCP_STREAM_TLS = 1 };
#define TCP_STREAM_TLS_MAX_RECORD (16384 + 2048)

struct tcp_stream_cfg {
	enum tcp_stream_framing framing;
	tcp_stream_emit_fn emit; /* required */
	void *emit_arg;
	tcp_stream_rewrite_fn rewrite[2]; /* per direction; NULL: pass-through */
	void *rewrite_arg[2];
	uint16_t mss; /* largest payload to send; 0: TCP_STREAM_DEFAULT_MSS */
};

struct tcp_stream_stats {
	uint64_t segments_in;	  /* segments given to tcp_stream_input */
	uint64_t segments_out;	  /* segments sent through emit */
	uint64_t ignored;	  /* out of window, bogus ACK, no ACK flag, oversized, after RST, stale SYN */
	uint64_t frames;	  /* frames split off in framed mode (each once) */
	uint64_t frames_changed;  /* of which the output differed from the input */
	uint64_t bytes_in;	  /* original bytes consumed (each once) */
	uint64_t bytes_out;	  /* rewritten bytes produced (each once) */
	uint64_t resent;	  /* segments of rewritten bytes sent again */
	uint64_t absorbed;	  /* retransmissions answered with an ACK only (held or acknowledged bytes) */
	uint64_t ooo_queued;	  /* segments kept out of order */
	uint64_t ooo_dropped;	  /* segments ahead dropped (queue full) */
	uint64_t refused;	  /* segments whose new bytes were refused for flow control */
	uint64_t own_acks;	  /* TCP_STREAM_OWN_ACK segments */
	uint64_t acks_suppressed; /* ACKs not forwarded: progress inside a rewritten frame */
};

struct tcp_stream;

/* A relay for one connection; NULL when out of memory or cfg is invalid
 * (no emit callback). */
struct tcp_stream *tcp_stream_new(const struct tcp_stream_cfg *cfg);
void tcp_stream_free(struct tcp_stream *c);

/* Feeds one segment captured travelling in direction dir; segments to send
 * come out through the emit callback before it returns. Returns 0 (also for a
 * segment ignored as hostile or stale), the error that put the connection in
 * the error state, MLAB_E_FAILED when it already was, or MLAB_E_ARG. */
int tcp_stream_input(struct tcp_stream *c, enum tcp_stream_dir dir, const struct tcp_stream_seg *seg);

/* Changes how direction dir is rewritten from now on. Turning framed mode off
 * takes effect at the next frame boundary (a frame being assembled is
 * finished and forwarded unchanged). Turning it on assumes the stream is at a
 * frame boundary. Returns 0, MLAB_E_FAILED or MLAB_E_ARG. */
int tcp_stream_set_rewrite(struct tcp_stream *c, enum tcp_stream_dir dir, tcp_stream_rewrite_fn fn, void *arg);

/* The TCP fields of a dissected segment (kind FORWARDED). */
void tcp_stream_seg_from_dissect(const struct dissect_tcp *t, struct tcp_stream_seg *s);

/* 0, or the error that stopped the connection. */
int tcp_stream_error(const struct tcp_stream *c);
/* An RST went through, or both FINs were acknowledged. */
bool tcp_stream_closed(const struct tcp_stream *c);
/* Rewritten bytes sent minus original bytes they replaced, in direction dir:
 * how far every later seq of dir (and ack of the other direction) is shifted. */
int64_t tcp_stream_delta(const struct tcp_stream *c, enum tcp_stream_dir dir);
/* Original bytes of dir held for an unfinished frame. */
size_t tcp_stream_held(const struct tcp_stream *c, enum tcp_stream_dir dir);
const struct tcp_stream_stats *tcp_stream_stats(const struct tcp_stream *c);

#endif
