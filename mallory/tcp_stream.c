/* Active TCP relay engine (see tcp_stream.h for the model).
 *
 * Why it looks the way it does:
 * - Everything inside is a 64-bit stream offset; a 32-bit sequence number is
 *   read as the offset nearest to a reference (off_near), so wrapping past
 *   2^32 is invisible here and a seq 2^31 away cannot alias a valid one.
 * - Each direction keeps, for the stream sent but not yet acknowledged, a ring
 *   of units (original range <-> rewritten range). The receiver's ACK pops
 *   whole units; the front unit says what to tell the sender. Resending walks
 *   the same units, so a retransmission always gets the bytes and the seq it
 *   got the first time.
 * - The rewritten bytes live in a ring indexed by rewritten offset. A byte
 *   may only be overwritten once the receiver acknowledged it: hist_append
 *   refuses (error) rather than lose a byte that may have to be resent, and new
 *   data is refused (not consumed, not acknowledged) while too much waits for
 *   the receiver, so that error needs a runaway rewrite to happen.
 * - ACK numbers given to a sender never go backwards (max with what it was
 *   told), so when a frame whose prefix mallory acknowledged is lost, the
 *   receiver's duplicate ACKs still reach the sender as duplicates of its
 *   snd_una and its fast retransmit fires. */
#include "tcp_stream.h"

#include <stdlib.h>
#include <string.h>

#include "mlab_err.h"

/* A piece of stream sent to the receiver and not yet acknowledged by it. */
struct ts_unit {
	uint64_t o0, o1; /* original [o0, o1) */
	uint64_t r0, r1; /* rewritten [r0, r1) */
	bool atomic;	 /* a rewritten frame (no byte-to-byte match); else linear */
};

struct ts_ooo {
	uint64_t off; /* original offset of data[0] */
	size_t len;
	bool fin;
	uint8_t *data; /* NULL when len is 0 */
};

struct ts_dir {
	bool seen;     /* base is known: the SYN (or, mid-stream, the first segment) was seen */
	bool from_syn; /* the stream started with a SYN we saw */
	uint32_t isn;
	uint32_t base; /* seq of offset 0, in both numberings (mallory keeps the ISN) */

	tcp_stream_rewrite_fn rewrite;
	void *rewrite_arg;
	bool framed;	   /* a rewrite callback is set */
	bool sync;	   /* framed: the held bytes start at a frame boundary */
	bool pass_pending; /* leave framed mode at the next frame boundary */

	/* original numbering */
	uint64_t next; /* every offset below was consumed (held or sent); the FIN counts */
	bool fin_in;
	uint8_t *rx; /* held: original [next - rx_len, next), TCP_STREAM_BUF_CAP bytes */
	size_t rx_len;

	/* rewritten numbering */
	uint64_t r_next; /* every offset below was sent; the FIN counts */
	bool fin_out;
	uint64_t r_fin;
	uint8_t *hist; /* rewritten byte r at hist[r % TCP_STREAM_HISTORY] */

	/* sent, unacknowledged: units [u_head, u_head + u_n) of a ring */
	struct ts_unit *unit;
	size_t u_head, u_n;

	/* the receiver's feedback */
	uint64_t r_ack; /* rewritten offset it acknowledged */
	uint16_t window;
	bool window_known;

	/* what the sender was last told (on any segment travelling towards it) */
	bool told;
	uint64_t ack_told;
	uint16_t win_told;

	struct ts_ooo ooo[TCP_STREAM_OOO_SEGS];
	size_t ooo_n, ooo_bytes;
};

struct tcp_stream {
	struct tcp_stream_cfg cfg;
	int err;
	bool reset;
	struct ts_dir d[2];
	struct tcp_stream_stats st;
	struct {
		enum tcp_stream_dir dir;
		uint8_t flags;
		uint32_t ack;
		uint16_t window;
		bool sent[2]; /* a segment went out travelling that way */
	} in;		      /* the segment being processed */
	uint8_t *out;	      /* TCP_STREAM_OUT_MAX: a rewrite's output */
	uint8_t *seg;	      /* cfg.mss: the payload of a segment being sent */
};

enum ack_news {
	ACK_NONE, /* no ACK flag */
	ACK_RAW,  /* the acknowledged stream is unknown: passed as it is */
	ACK_NEW,  /* acknowledges more than before */
	ACK_DUP,  /* the same as before */
	ACK_OLD,  /* less than before (reordered): not used */
	ACK_BAD,  /* acknowledges bytes never sent: the segment is ignored */
};

#define ACK_F DISSECT_TCP_ACK

static enum tcp_stream_dir other(enum tcp_stream_dir d)
{
	return d == TCP_STREAM_A2B ? TCP_STREAM_B2A : TCP_STREAM_A2B;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ------------------------------------------------------------- numbering */

static uint32_t seq_at(const struct ts_dir *D, uint64_t off)
{
	return D->base + (uint32_t)off;
}

/* The offset whose sequence number is seq, taken nearest to ref (RFC 1982). */
static int64_t off_near(const struct ts_dir *D, uint32_t seq, uint64_t ref)
{
	int32_t diff = (int32_t)(seq - seq_at(D, ref));
	return (int64_t)ref + diff;
}

static void dir_start(struct ts_dir *D, uint32_t isn, uint32_t base, bool from_syn)
{
	D->seen = true;
	D->from_syn = from_syn;
	D->isn = isn;
	D->base = base;
	/* Joined mid-stream, a framed direction waits for a frame header. */
	D->sync = from_syn;
}

/* ------------------------------------------------------------------ map */

static struct ts_unit *unit_at(const struct ts_dir *D, size_t i)
{
	return &D->unit[(D->u_head + i) % TCP_STREAM_MAX_UNITS];
}

/* Appends a unit; linear units merge (contiguous, so same offset shift).
 * When the ring is full the newest unit grows instead: coarser, still true. */
static void unit_push(struct ts_dir *D, uint64_t o0, uint64_t o1, uint64_t r0, uint64_t r1, bool atomic)
{
	if (D->u_n > 0) {
		struct ts_unit *l = unit_at(D, D->u_n - 1);
		if ((!atomic && !l->atomic) || D->u_n == TCP_STREAM_MAX_UNITS) {
			l->o1 = o1;
			l->r1 = r1;
			l->atomic = l->atomic || atomic;
			return;
		}
	}
	*unit_at(D, D->u_n++) = (struct ts_unit){.o0 = o0, .o1 = o1, .r0 = r0, .r1 = r1, .atomic = atomic};
}

/* Forgets the units the receiver acknowledged whole (rewritten end <= ack). */
static void dir_prune(struct ts_dir *D)
{
	while (D->u_n > 0 && unit_at(D, 0)->r1 <= D->r_ack) {
		D->u_head = (D->u_head + 1) % TCP_STREAM_MAX_UNITS;
		D->u_n--;
	}
}

/* The oldest rewritten offset that may still have to be resent. */
static uint64_t oldest_unacked(const struct ts_dir *D)
{
	return D->u_n ? unit_at(D, 0)->r0 : D->r_next;
}

/* What the sender may be told is acknowledged (original offset). With
 * nothing unacknowledged at the receiver, that includes the held bytes of an
 * unfinished frame (see the ACK model in tcp_stream.h). */
static uint64_t ack_off(const struct ts_dir *D)
{
	uint64_t a = D->next;

	if (D->u_n > 0) {
		const struct ts_unit *u = unit_at(D, 0);
		a = u->atomic ? u->o0 : u->o0 + (D->r_ack - u->r0);
	}
	return max64(a, D->ack_told);
}

/* The rewritten range covering the sent, unacknowledged part of original
 * [lo, hi): whole units when atomic, the matching bytes when linear. False
 * when that part is empty (acknowledged, held, or dropped frames). */
static bool map_sent(const struct ts_dir *D, uint64_t lo, uint64_t hi, uint64_t *x, uint64_t *y)
{
	bool any = false;

	for (size_t i = 0; i < D->u_n; i++) {
		const struct ts_unit *u = unit_at(D, i);
		uint64_t a, b;
		if (u->o1 <= lo)
			continue;
		if (u->o0 >= hi)
			break;
		if (u->atomic) {
			a = u->r0;
			b = u->r1;
		} else {
			a = u->r0 + (max64(lo, u->o0) - u->o0);
			b = u->r0 + (min64(hi, u->o1) - u->o0);
		}
		if (a < b) {
			*x = any ? min64(*x, a) : a;
			*y = any ? max64(*y, b) : b;
			any = true;
		}
	}
	return any;
}

/* Where the receiver expects a segment that starts at original offset o:
 * for an RST. Past what was sent: the next rewritten offset. */
static uint64_t map_point(const struct ts_dir *D, int64_t o)
{
	for (size_t i = 0; i < D->u_n; i++) {
		const struct ts_unit *u = unit_at(D, i);
		if (o >= (int64_t)u->o0 && o < (int64_t)u->o1)
			return u->atomic ? u->r0 : u->r0 + ((uint64_t)o - u->o0);
	}
	if (o < (int64_t)(D->next - D->rx_len))
		return D->r_ack; /* acknowledged already */
	return D->r_next;
}

/* -------------------------------------------------------------- history */

static int hist_append(struct ts_dir *D, const uint8_t *p, size_t n)
{
	size_t at, k;

	if (D->r_next + n - oldest_unacked(D) > TCP_STREAM_HISTORY)
		return MLAB_E_NOSPACE;
	at = (size_t)(D->r_next % TCP_STREAM_HISTORY);
	k = n < TCP_STREAM_HISTORY - at ? n : TCP_STREAM_HISTORY - at;
	if (k)
		memcpy(D->hist + at, p, k);
	if (n > k)
		memcpy(D->hist, p + k, n - k);
	D->r_next += n;
	return 0;
}

static void hist_copy(const struct ts_dir *D, uint64_t r, uint8_t *dst, size_t n)
{
	size_t at = (size_t)(r % TCP_STREAM_HISTORY);
	size_t k = n < TCP_STREAM_HISTORY - at ? n : TCP_STREAM_HISTORY - at;

	if (k)
		memcpy(dst, D->hist + at, k);
	if (n > k)
		memcpy(dst + k, D->hist, n - k);
}

/* ------------------------------------------------------------- emitting */

/* The ACK information for a segment travelling t is about the other stream. */
static bool ack_info_changed(const struct ts_dir *E)
{
	return E->seen && (!E->told || ack_off(E) != E->ack_told || (E->window_known && E->window != E->win_told));
}

static void emit(struct tcp_stream *c, enum tcp_stream_dir t, uint32_t seq, uint8_t flags, const uint8_t *p, size_t n,
		 enum tcp_stream_seg_kind kind)
{
	struct ts_dir *E = &c->d[other(t)];
	struct tcp_stream_seg s = {.seq = seq, .flags = flags, .payload = n ? p : NULL, .len = n, .kind = kind};

	if (E->window_known)
		s.window = E->window;
	else
		s.window = c->in.dir == t ? c->in.window : UINT16_MAX;
	if (flags & ACK_F) {
		if (E->seen) {
			E->ack_told = ack_off(E);
			E->win_told = s.window;
			E->told = true;
			s.ack = seq_at(E, E->ack_told);
		} else {
			s.ack = c->in.ack;
		}
	}
	c->in.sent[t] = true;
	c->st.segments_out++;
	if (kind == TCP_STREAM_RESENT)
		c->st.resent++;
	else if (kind == TCP_STREAM_OWN_ACK)
		c->st.own_acks++;
	c->cfg.emit(c->cfg.emit_arg, t, &s);
}

/* Sends rewritten [lo, hi) of stream t in segments of at most mss bytes; the
 * FIN goes on the last one when it lies in the range. Segments starting
 * before r_before carry bytes sent before. */
static void emit_range(struct tcp_stream *c, enum tcp_stream_dir t, uint64_t lo, uint64_t hi, uint64_t r_before,
		       bool psh)
{
	const struct ts_dir *D = &c->d[t];
	uint64_t data_end = D->fin_out ? D->r_fin : D->r_next;
	uint64_t stop = min64(hi, data_end);
	bool fin = D->fin_out && lo <= D->r_fin && D->r_fin < hi;
	uint64_t r;

	/* Unreachable (hist_append keeps every unacknowledged byte); a guard. */
	if (data_end > TCP_STREAM_HISTORY && lo < data_end - TCP_STREAM_HISTORY)
		lo = data_end - TCP_STREAM_HISTORY;
	if (lo >= stop && !fin)
		return;
	r = lo;
	do {
		size_t k = stop > r ? (size_t)min64(c->cfg.mss, stop - r) : 0;
		bool last = r + k >= stop;
		uint8_t flags = ACK_F;
		hist_copy(D, r, c->seg, k);
		if (last && psh && k)
			flags |= DISSECT_TCP_PSH;
		if (last && fin)
			flags |= DISSECT_TCP_FIN;
		emit(c, t, seq_at(D, r), flags, c->seg, k, r < r_before ? TCP_STREAM_RESENT : TCP_STREAM_FORWARDED);
		r += k;
	} while (r < stop);
}

/* ------------------------------------------------------------ consuming */

/* Sends original bytes [o0, o0 + n) unchanged (a linear unit). */
static int send_linear(struct tcp_stream *c, struct ts_dir *D, uint64_t o0, const uint8_t *p, size_t n)
{
	uint64_t r0 = D->r_next;
	int e = hist_append(D, p, n);

	if (e == 0) {
		unit_push(D, o0, o0 + n, r0, D->r_next, false);
		c->st.bytes_out += n;
	}
	return e;
}

/* A TLS record header: 0 when it can be one, with its body length. */
static int tls_check(const uint8_t *p, uint32_t *len)
{
	*len = (uint32_t)p[3] << 8 | p[4];
	if (p[0] < 20 || p[0] > 23 || p[1] != 3 || *len == 0 || *len > TCP_STREAM_TLS_MAX_RECORD)
		return MLAB_E_BAD_FIELD;
	return 0;
}

/* The next whole frame (or TLS record) in r. */
static int frame_next(const struct tcp_stream *c, struct mlab_rd *r, struct tcp_stream_frame *f)
{
	if (c->cfg.framing != TCP_STREAM_TLS)
		return mlab_frame_next(r, &f->type, &f->body, &f->body_len);
	uint32_t len;
	if (r->len - r->off < 5)
		return MLAB_E_TRUNCATED;
	int e = tls_check(r->p + r->off, &len);
	if (e != 0)
		return e;
	if (r->len - r->off - 5 < len)
		return MLAB_E_TRUNCATED;
	f->type = r->p[r->off];
	f->body = r->p + r->off + 5;
	f->body_len = len;
	r->off += 5 + len;
	return 0;
}

static bool header_ok(const struct tcp_stream *c, const uint8_t *p)
{
	uint8_t type;
	uint32_t len;
	return c->cfg.framing == TCP_STREAM_TLS ? tls_check(p, &len) == 0 : mlab_frame_check(p, &type, &len) == 0;
}

static int rewrite_frame(struct tcp_stream *c, enum tcp_stream_dir d, const struct tcp_stream_frame *f)
{
	struct ts_dir *D = &c->d[d];
	struct mlab_wr w;
	uint64_t r0 = D->r_next;
	int e;

	mlab_wr_init(&w, c->out, TCP_STREAM_OUT_MAX);
	if (D->rewrite && !D->pass_pending)
		e = D->rewrite(D->rewrite_arg, d, f, &w);
	else
		e = mlab_wr_bytes(&w, f->raw, f->raw_len); /* leaving framed mode: the last frame as it is */
	if (e > 0 || w.len > w.cap)
		e = MLAB_E_ARG;
	if (e == 0)
		e = hist_append(D, c->out, w.len);
	if (e != 0)
		return e;
	unit_push(D, f->offset, f->offset + f->raw_len, r0, D->r_next, true);
	c->st.frames++;
	if (w.len != f->raw_len || memcmp(c->out, f->raw, w.len) != 0)
		c->st.frames_changed++;
	c->st.bytes_out += w.len;
	return 0;
}

/* Rewrites every complete frame held; keeps the unfinished one. */
static int dir_parse(struct tcp_stream *c, enum tcp_stream_dir d)
{
	struct ts_dir *D = &c->d[d];
	uint64_t base = D->next - D->rx_len;
	bool boundary = false;
	struct mlab_rd r;
	int e;

	mlab_rd_init(&r, D->rx, D->rx_len);
	for (;;) {
		size_t start = r.off;
		struct tcp_stream_frame f;
		e = frame_next(c, &r, &f);
		if (e == MLAB_E_TRUNCATED) {
			e = 0; /* the rest of the frame is on its way */
			break;
		}
		if (e != 0)
			return e; /* not a frame of the protocol: nothing sensible to forward */
		f.raw = D->rx + start;
		f.raw_len = r.off - start;
		f.offset = base + start;
		if ((e = rewrite_frame(c, d, &f)) != 0)
			return e;
		if (D->pass_pending) {
			boundary = true;
			break;
		}
	}
	if (r.off > 0) {
		memmove(D->rx, D->rx + r.off, D->rx_len - r.off);
		D->rx_len -= r.off;
	}
	if (boundary) {
		D->framed = false;
		D->pass_pending = false;
		D->rewrite = NULL;
		D->rewrite_arg = NULL;
		if (D->rx_len) {
			e = send_linear(c, D, D->next - D->rx_len, D->rx, D->rx_len);
			D->rx_len = 0;
		}
	}
	return e;
}

/* The FIN: whatever is held goes out unchanged, with the FIN, as one unit. */
static int consume_fin(struct tcp_stream *c, struct ts_dir *D)
{
	uint64_t o0 = D->next - D->rx_len, r0 = D->r_next;
	bool held = D->rx_len > 0;

	if (held) {
		int e = hist_append(D, D->rx, D->rx_len);
		if (e != 0)
			return e;
		c->st.bytes_out += D->rx_len;
		D->rx_len = 0;
	}
	D->r_fin = D->r_next;
	D->r_next++;
	D->next++;
	D->fin_in = D->fin_out = true;
	unit_push(D, o0, D->next, r0, D->r_next, held);
	return 0;
}

/* New in-order bytes of direction d (and its FIN). seg_start: they start a
 * segment (where a framed stream joined mid-way looks for a frame header). */
static int consume(struct tcp_stream *c, enum tcp_stream_dir d, const uint8_t *p, size_t n, bool fin, bool seg_start)
{
	struct ts_dir *D = &c->d[d];
	int e;

	c->st.bytes_in += n;
	if (D->framed && !D->sync && seg_start && D->rx_len == 0 && n >= MLAB_FRAME_HDR && header_ok(c, p))
		D->sync = true;
	while (n > 0) {
		size_t room, k;
		if (!D->framed || !D->sync) {
			if ((e = send_linear(c, D, D->next, p, n)) != 0)
				return e;
			D->next += n;
			break;
		}
		room = TCP_STREAM_BUF_CAP - D->rx_len;
		if (room == 0)
			return MLAB_E_NOSPACE; /* unreachable: parsing leaves less than one frame */
		k = n < room ? n : room;
		memcpy(D->rx + D->rx_len, p, k);
		D->rx_len += k;
		D->next += k;
		p += k;
		n -= k;
		if ((e = dir_parse(c, d)) != 0)
			return e;
	}
	return fin ? consume_fin(c, D) : 0;
}

/* ----------------------------------------------------------- out of order */

static void ooo_clear(struct ts_dir *D)
{
	for (size_t i = 0; i < D->ooo_n; i++)
		free(D->ooo[i].data);
	D->ooo_n = 0;
	D->ooo_bytes = 0;
}

static void ooo_add(struct tcp_stream *c, struct ts_dir *D, uint64_t off, const uint8_t *p, size_t n, bool fin)
{
	uint8_t *copy = NULL;

	for (size_t i = 0; i < D->ooo_n; i++)
		if (D->ooo[i].off == off && D->ooo[i].len >= n && (D->ooo[i].fin || !fin))
			return; /* already kept */
	if (D->ooo_n == TCP_STREAM_OOO_SEGS || D->ooo_bytes + n > TCP_STREAM_OOO_BYTES ||
	    (n > 0 && (copy = malloc(n)) == NULL)) {
		c->st.ooo_dropped++; /* the sender retransmits it */
		return;
	}
	if (n)
		memcpy(copy, p, n);
	D->ooo[D->ooo_n++] = (struct ts_ooo){.off = off, .len = n, .fin = fin, .data = copy};
	D->ooo_bytes += n;
	c->st.ooo_queued++;
}

/* Splices in every kept segment the stream has reached. */
static int ooo_splice(struct tcp_stream *c, enum tcp_stream_dir d)
{
	struct ts_dir *D = &c->d[d];

	for (;;) {
		size_t best = D->ooo_n;
		struct ts_ooo q;
		int e = 0;

		if (D->fin_in) {
			ooo_clear(D);
			return 0;
		}
		for (size_t i = 0; i < D->ooo_n; i++)
			if (D->ooo[i].off <= D->next && (best == D->ooo_n || D->ooo[i].off < D->ooo[best].off))
				best = i;
		if (best == D->ooo_n)
			return 0;
		q = D->ooo[best];
		D->ooo[best] = D->ooo[--D->ooo_n];
		D->ooo_bytes -= q.len;
		if (q.off + q.len + q.fin > D->next) {
			size_t skip = (size_t)(D->next - q.off); /* <= q.len */
			e = consume(c, d, q.len > skip ? q.data + skip : NULL, q.len - skip, q.fin, skip == 0);
		}
		free(q.data);
		if (e != 0)
			return e;
	}
}

/* --------------------------------------------------------------- input */

/* Takes the ACK and window of a segment travelling dir: feedback about the
 * other stream, in its rewritten numbering. */
static enum ack_news on_ack(struct tcp_stream *c, enum tcp_stream_dir dir, const struct tcp_stream_seg *s)
{
	struct ts_dir *O = &c->d[other(dir)];
	int64_t r;

	if (!(s->flags & ACK_F))
		return ACK_NONE;
	if (!O->seen) {
		O->window = s->window;
		O->window_known = true;
		return ACK_RAW;
	}
	r = off_near(O, s->ack, O->r_next);
	if (r > (int64_t)O->r_next)
		return ACK_BAD;
	if (r < (int64_t)O->r_ack)
		return ACK_OLD;
	O->window = s->window;
	O->window_known = true;
	if ((uint64_t)r == O->r_ack)
		return ACK_DUP;
	O->r_ack = (uint64_t)r;
	dir_prune(O);
	return ACK_NEW;
}

/* Is seq within TCP_STREAM_SEQ_WINDOW of the expected offset? */
static bool in_window(const struct ts_dir *D, int64_t off)
{
	int64_t rel = off - (int64_t)D->next;
	return rel <= (int64_t)TCP_STREAM_SEQ_WINDOW && rel >= -(int64_t)TCP_STREAM_SEQ_WINDOW;
}

static int on_rst(struct tcp_stream *c, enum tcp_stream_dir dir, const struct tcp_stream_seg *s)
{
	struct ts_dir *D = &c->d[dir];
	uint32_t seq = s->seq;

	if (D->seen) {
		int64_t off = off_near(D, s->seq, D->next);
		if (!in_window(D, off)) {
			c->st.ignored++; /* a blind reset guess: not ours to pass on */
			return 0;
		}
		seq = seq_at(D, map_point(D, off));
	}
	emit(c, dir, seq, (uint8_t)(DISSECT_TCP_RST | (s->flags & ACK_F)), NULL, 0, TCP_STREAM_FORWARDED);
	c->reset = true;
	return 0;
}

static int on_syn(struct tcp_stream *c, enum tcp_stream_dir dir, const struct tcp_stream_seg *s)
{
	struct ts_dir *D = &c->d[dir], *O = &c->d[other(dir)];
	enum ack_news a;

	if (s->flags & DISSECT_TCP_FIN) {
		c->st.ignored++; /* SYN+FIN is never legitimate */
		return 0;
	}
	/* The same SYN again (its answer was lost) passes again; any other SYN on
	 * a known stream (a new ISN, or after data) is not this connection's. */
	if (D->seen && (!D->from_syn || D->isn != s->seq || D->next != 0 || D->r_next != 0)) {
		c->st.ignored++;
		return 0;
	}
	a = on_ack(c, dir, s);
	if (a == ACK_BAD || a == ACK_OLD) {
		c->st.ignored++; /* a SYN-ACK for another SYN */
		return 0;
	}
	if (a == ACK_NONE) {
		O->window = s->window;
		O->window_known = true;
	}
	if (!D->seen)
		dir_start(D, s->seq, s->seq + 1, true);
	/* Data on a SYN is dropped: nobody acknowledges it, so it is sent again. */
	emit(c, dir, s->seq, (uint8_t)(DISSECT_TCP_SYN | (s->flags & ACK_F)), NULL, 0, TCP_STREAM_FORWARDED);
	return 0;
}

static int on_segment(struct tcp_stream *c, enum tcp_stream_dir dir, const struct tcp_stream_seg *s)
{
	enum tcp_stream_dir odir = other(dir);
	struct ts_dir *D = &c->d[dir], *O = &c->d[odir];
	bool fin = (s->flags & DISSECT_TCP_FIN) != 0, reply = false;
	bool psh = (s->flags & DISSECT_TCP_PSH) != 0 || D->framed;
	uint64_t next;
	int64_t off;
	enum ack_news a;
	int e;

	if (!D->seen)
		dir_start(D, s->seq, s->seq, false); /* joined mid-stream */
	next = D->next;
	off = off_near(D, s->seq, next);
	if (!in_window(D, off)) {
		c->st.ignored++;
		return 0;
	}
	a = on_ack(c, dir, s);
	if (a == ACK_BAD) {
		c->st.ignored++;
		return 0;
	}

	if (s->len == 0 && !fin) {
		/* A pure ACK. Progress inside a rewritten frame tells the other
		 * side nothing and would look like a duplicate ACK: dropped. */
		if (a == ACK_OLD) {
			c->st.ignored++;
			return 0;
		}
		if (a == ACK_NEW && !ack_info_changed(O)) {
			c->st.acks_suppressed++;
			return 0;
		}
		emit(c, dir, seq_at(D, D->r_next), ACK_F, NULL, 0, TCP_STREAM_FORWARDED);
		return 0;
	}

	if (off > (int64_t)next) {
		if (!D->fin_in)
			ooo_add(c, D, (uint64_t)off, s->payload, s->len, fin);
		reply = true; /* a duplicate ACK, so the sender fills the gap soon */
	} else {
		int64_t end = off + (int64_t)s->len + fin;
		uint64_t r_before = D->r_next, lo = r_before, hi = r_before;
		uint64_t old_lo = off > 0 ? (uint64_t)off : 0;
		uint64_t old_hi = end < (int64_t)next ? (end > 0 ? (uint64_t)end : 0) : next;
		bool resend = old_lo < old_hi && map_sent(D, old_lo, old_hi, &lo, &hi);
		bool consumed = false, refused = false;

		if (end > (int64_t)next && !D->fin_in) {
			if (D->r_next - oldest_unacked(D) > TCP_STREAM_MAX_INFLIGHT) {
				refused = true; /* not consumed, not acknowledged: sent again later */
				c->st.refused++;
			} else {
				size_t skip = (size_t)((int64_t)next - off); /* <= s->len */
				const uint8_t *p = s->len > skip ? s->payload + skip : NULL;
				if ((e = consume(c, dir, p, s->len - skip, fin, skip == 0)) != 0 ||
				    (e = ooo_splice(c, dir)) != 0)
					return e;
				dir_prune(D); /* frames rewritten to nothing are acknowledged at once */
				consumed = true;
				if (!resend)
					lo = r_before;
				hi = D->r_next;
			}
		}
		if (lo < hi)
			emit_range(c, dir, lo, hi, r_before, psh);
		else if (!consumed && !refused) {
			reply = true; /* held, acknowledged, or after the FIN: answer with an ACK */
			c->st.absorbed++;
		}
	}

	/* Mallory's own ACK to the sender: a reply, or held bytes to acknowledge. */
	if (O->seen && (reply || ack_off(D) > D->ack_told))
		emit(c, odir, seq_at(O, O->r_next), ACK_F, NULL, 0, TCP_STREAM_OWN_ACK);
	/* The segment's own ACK news, when no segment to the receiver carried it. */
	if (!c->in.sent[dir] && ack_info_changed(O))
		emit(c, dir, seq_at(D, D->r_next), ACK_F, NULL, 0, TCP_STREAM_FORWARDED);
	return 0;
}

int tcp_stream_input(struct tcp_stream *c, enum tcp_stream_dir dir, const struct tcp_stream_seg *s)
{
	int e;

	if (!c || !s || (dir != TCP_STREAM_A2B && dir != TCP_STREAM_B2A) || (s->len > 0 && !s->payload))
		return MLAB_E_ARG;
	if (c->err)
		return MLAB_E_FAILED;
	c->st.segments_in++;
	if (c->reset || s->len > TCP_STREAM_MAX_PAYLOAD) {
		c->st.ignored++;
		return 0;
	}
	c->in.dir = dir;
	c->in.flags = s->flags;
	c->in.ack = s->ack;
	c->in.window = s->window;
	c->in.sent[0] = c->in.sent[1] = false;
	if (s->flags & DISSECT_TCP_RST)
		e = on_rst(c, dir, s);
	else if (s->flags & DISSECT_TCP_SYN)
		e = on_syn(c, dir, s);
	else if (!(s->flags & ACK_F)) {
		c->st.ignored++; /* outside the handshake every segment carries an ACK */
		e = 0;
	} else
		e = on_segment(c, dir, s);
	if (e != 0)
		c->err = e;
	return e;
}

/* ------------------------------------------------------------ lifecycle */

struct tcp_stream *tcp_stream_new(const struct tcp_stream_cfg *cfg)
{
	struct tcp_stream *c;

	if (!cfg || !cfg->emit || !(c = calloc(1, sizeof *c)))
		return NULL;
	c->cfg = *cfg;
	if (c->cfg.mss == 0)
		c->cfg.mss = TCP_STREAM_DEFAULT_MSS;
	c->out = malloc(TCP_STREAM_OUT_MAX);
	c->seg = malloc(c->cfg.mss);
	for (int d = 0; d < 2; d++) {
		struct ts_dir *D = &c->d[d];
		D->rx = malloc(TCP_STREAM_BUF_CAP);
		D->hist = malloc(TCP_STREAM_HISTORY);
		D->unit = malloc(TCP_STREAM_MAX_UNITS * sizeof *D->unit);
		D->rewrite = cfg->rewrite[d];
		D->rewrite_arg = cfg->rewrite_arg[d];
		D->framed = D->rewrite != NULL;
		if (!D->rx || !D->hist || !D->unit) {
			tcp_stream_free(c);
			return NULL;
		}
	}
	if (!c->out || !c->seg) {
		tcp_stream_free(c);
		return NULL;
	}
	return c;
}

void tcp_stream_free(struct tcp_stream *c)
{
	if (!c)
		return;
	for (int d = 0; d < 2; d++) {
		ooo_clear(&c->d[d]);
		free(c->d[d].rx);
		free(c->d[d].hist);
		free(c->d[d].unit);
	}
	free(c->out);
	free(c->seg);
	free(c);
}

int tcp_stream_set_rewrite(struct tcp_stream *c, enum tcp_stream_dir dir, tcp_stream_rewrite_fn fn, void *arg)
{
	struct ts_dir *D;

	if (!c || (dir != TCP_STREAM_A2B && dir != TCP_STREAM_B2A))
		return MLAB_E_ARG;
	if (c->err)
		return MLAB_E_FAILED;
	D = &c->d[dir];
	if (fn) {
		if (!D->framed)
			D->sync = true; /* the caller vouches for a frame boundary */
		D->framed = true;
		D->pass_pending = false;
		D->rewrite = fn;
		D->rewrite_arg = arg;
	} else if (D->framed) {
		if (D->rx_len > 0) {
			D->pass_pending = true; /* after the frame being assembled */
		} else {
			D->framed = false;
			D->rewrite = NULL;
			D->rewrite_arg = NULL;
		}
	}
	return 0;
}

void tcp_stream_seg_from_dissect(const struct dissect_tcp *t, struct tcp_stream_seg *s)
{
	*s = (struct tcp_stream_seg){.seq = t->seq,
				     .ack = t->ack,
				     .flags = t->flags,
				     .window = t->window,
				     .payload = t->payload,
				     .len = t->payload_len,
				     .kind = TCP_STREAM_FORWARDED};
}

int tcp_stream_error(const struct tcp_stream *c)
{
	return c->err;
}

bool tcp_stream_closed(const struct tcp_stream *c)
{
	if (c->reset)
		return true;
	for (int d = 0; d < 2; d++)
		if (!c->d[d].fin_out || c->d[d].r_ack != c->d[d].r_next)
			return false;
	return true;
}

int64_t tcp_stream_delta(const struct tcp_stream *c, enum tcp_stream_dir dir)
{
	const struct ts_dir *D = &c->d[dir == TCP_STREAM_B2A];
	return (int64_t)D->r_next - (int64_t)(D->next - D->rx_len);
}

size_t tcp_stream_held(const struct tcp_stream *c, enum tcp_stream_dir dir)
{
	return c->d[dir == TCP_STREAM_B2A].rx_len;
}

const struct tcp_stream_stats *tcp_stream_stats(const struct tcp_stream *c)
{
	return &c->st;
}
