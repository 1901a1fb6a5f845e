/* Unit tests for mallory/tcp_stream: the active relay engine in the middle of
 * one TCP connection, without any network.
 *
 * Segments are fed by hand (seq, ack, flags, window, payload; every payload a
 * heap copy of exactly its length, so ASan catches a read one byte too far)
 * and every segment the engine sends is logged and asserted field by field.
 * A is the side that sent the SYN (ISN 1000, window 0x1111), B the other
 * (ISN 5000, window 0x2222). Protocol frames are built with lib/'s codec.
 *
 * The last tests are properties rather than examples: a simulated sender,
 * lossy reordering network and receiver driven for thousands of steps must
 * end with the receiver holding exactly the rewritten stream (every byte ever
 * re-sent equal to the first copy), and 10 000 random segments must not crash
 * the engine or make it send anything out of bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "mlab_buf.h"
#include "mlab_err.h"
#include "mlab_wire.h"
#include "tcp_stream.h"

#define A TCP_STREAM_A2B
#define B TCP_STREAM_B2A
#define ACK DISSECT_TCP_ACK
#define PSH DISSECT_TCP_PSH
#define SYN DISSECT_TCP_SYN
#define FIN DISSECT_TCP_FIN
#define RST DISSECT_TCP_RST
#define IA 1000u
#define IB 5000u
#define WA 0x1111
#define WB 0x2222
#define FWD TCP_STREAM_FORWARDED
#define RESENT TCP_STREAM_RESENT
#define OWN TCP_STREAM_OWN_ACK

/* ======================================================================
 * The log of sent segments
 * ====================================================================== */

#define LOG_MAX 4096

struct rec {
	enum tcp_stream_dir dir;
	struct tcp_stream_seg s;
	uint8_t *data;
};

static struct {
	size_t n;
	uint16_t mss;
	struct rec r[LOG_MAX];
} L;

static struct tcp_stream *C;
static unsigned rewrites; /* calls of the rewrite callbacks */

static void log_clear(void)
{
	for (size_t i = 0; i < L.n; i++)
		free(L.r[i].data);
	L.n = 0;
}

static void check_seg(const struct tcp_stream_seg *s, uint16_t mss)
{
	if (s->len > mss)
		fail_msg("a segment of %zu bytes exceeds the mss %u", s->len, mss);
	if (s->len && !s->payload)
		fail_msg("a segment of %zu bytes without payload", s->len);
}

static void log_emit(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_seg *s)
{
	struct rec *r;

	(void)arg;
	check_seg(s, L.mss);
	if (L.n == LOG_MAX)
		fail_msg("more than %d segments sent", LOG_MAX);
	r = &L.r[L.n++];
	r->dir = dir;
	r->s = *s;
	r->data = NULL;
	if (s->len) {
		r->data = malloc(s->len);
		assert_non_null(r->data);
		memcpy(r->data, s->payload, s->len);
	}
	r->s.payload = r->data;
}

static struct tcp_stream *mk(tcp_stream_emit_fn emit, tcp_stream_rewrite_fn a2b, tcp_stream_rewrite_fn b2a,
			     uint16_t mss)
{
	struct tcp_stream_cfg cfg = {.emit = emit, .rewrite = {a2b, b2a}, .mss = mss};

	tcp_stream_free(C);
	log_clear();
	rewrites = 0;
	L.mss = mss ? mss : TCP_STREAM_DEFAULT_MSS;
	C = tcp_stream_new(&cfg);
	assert_non_null(C);
	return C;
}

static int setup(void **state)
{
	(void)state;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tcp_stream_free(C);
	C = NULL;
	log_clear();
	return 0;
}

/* ======================================================================
 * Feeding and expecting
 * ====================================================================== */

static int feed_ret(enum tcp_stream_dir dir, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, const void *p,
		    size_t n)
{
	uint8_t *copy = NULL;
	struct tcp_stream_seg s = {.seq = seq, .ack = ack, .flags = flags, .window = win, .len = n};
	int e;

	if (n) {
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, p, n);
	}
	s.payload = copy;
	e = tcp_stream_input(C, dir, &s);
	free(copy);
	return e;
}

/* Feeds a segment; the log then holds only what it made the engine send. */
static void feed(enum tcp_stream_dir dir, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, const void *p,
		 size_t n)
{
	log_clear();
	assert_err(feed_ret(dir, seq, ack, flags, win, p, n), 0);
}

#define EXPECT_N(n) expect_n(__LINE__, n)
static void expect_n(int line, size_t n)
{
	if (L.n != n) {
		for (size_t i = 0; i < L.n; i++)
			print_message("  sent[%zu]: %s seq %u ack %u flags 0x%02x win 0x%x len %zu kind %d\n", i,
				      L.r[i].dir == A ? "A>B" : "B>A", L.r[i].s.seq, L.r[i].s.ack, L.r[i].s.flags,
				      L.r[i].s.window, L.r[i].s.len, L.r[i].s.kind);
		fail_msg("line %d: %zu segments sent, expected %zu", line, L.n, n);
	}
}

#define EXPECT(i, dir, seq, ack, flags, win, p, n, kind) expect_at(__LINE__, i, dir, seq, ack, flags, win, p, n, kind)
static void expect_at(int line, size_t i, enum tcp_stream_dir dir, uint32_t seq, uint32_t ack, uint8_t flags,
		      uint16_t win, const void *p, size_t n, enum tcp_stream_seg_kind kind)
{
	const struct rec *r;

	if (i >= L.n)
		fail_msg("line %d: segment %zu expected, only %zu sent", line, i, L.n);
	r = &L.r[i];
	if (r->dir != dir || r->s.seq != seq || r->s.ack != ack || r->s.flags != flags || r->s.window != win ||
	    r->s.len != n || r->s.kind != kind)
		fail_msg("line %d: segment %zu is %s seq %u ack %u flags 0x%02x win 0x%x len %zu kind %d; expected "
			 "%s seq %u ack %u flags 0x%02x win 0x%x len %zu kind %d",
			 line, i, r->dir == A ? "A>B" : "B>A", r->s.seq, r->s.ack, r->s.flags, r->s.window, r->s.len,
			 r->s.kind, dir == A ? "A>B" : "B>A", seq, ack, flags, win, n, kind);
	if (n && memcmp(r->data, p, n) != 0)
		fail_msg("line %d: segment %zu carries other bytes than expected", line, i);
}

/* The bytes of segments [from, to) of the log, concatenated (all travelling
 * dir, contiguous in sequence space). */
static size_t gather(size_t from, size_t to, enum tcp_stream_dir dir, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = from; i < to; i++) {
		assert_int_equal(L.r[i].dir, dir);
		if (i > from)
			assert_int_equal(L.r[i].s.seq, L.r[i - 1].s.seq + (uint32_t)L.r[i - 1].s.len);
		assert_true(n + L.r[i].s.len <= cap);
		memcpy(out + n, L.r[i].data, L.r[i].s.len);
		n += L.r[i].s.len;
	}
	return n;
}

/* SYN, SYN-ACK, ACK: all three pass unchanged. */
static void handshake(uint32_t isn_a, uint32_t isn_b)
{
	feed(A, isn_a, 0, SYN, WA, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, isn_a, 0, SYN, WA, NULL, 0, FWD);
	feed(B, isn_b, isn_a + 1, SYN | ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, isn_b, isn_a + 1, SYN | ACK, WB, NULL, 0, FWD);
	feed(A, isn_a + 1, isn_b + 1, ACK, WA, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, isn_a + 1, isn_b + 1, ACK, WA, NULL, 0, FWD);
	log_clear();
}

/* ======================================================================
 * Frames and rewrites
 * ====================================================================== */

static size_t mkframe_n(uint8_t *buf, size_t cap, uint8_t type, const void *body, size_t n)
{
	struct mlab_wr w;

	mlab_wr_init(&w, buf, cap);
	assert_err(mlab_frame_put_hdr(&w, type, n), 0);
	assert_err(mlab_wr_bytes(&w, body, n), 0);
	return w.len;
}

static size_t mkframe(uint8_t *buf, size_t cap, uint8_t type, const char *body)
{
	return mkframe_n(buf, cap, type, body, strlen(body));
}

/* Uppercases the body: same length, other bytes. */
static int rw_upper(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	uint8_t *p;
	int e;

	(void)arg;
	(void)dir;
	rewrites++;
	if ((e = mlab_wr_bytes(out, f->raw, MLAB_FRAME_HDR)) != 0 || (e = mlab_wr_reserve(out, &p, f->body_len)) != 0)
		return e;
	for (size_t i = 0; i < f->body_len; i++)
		p[i] = (uint8_t)(f->body[i] >= 'a' && f->body[i] <= 'z' ? f->body[i] - 'a' + 'A' : f->body[i]);
	return 0;
}

/* "transfer 100" becomes "transfer 9999" (one byte longer), anywhere in a body. */
static int put_transfer(const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	static const char pat[] = "transfer 100", rep[] = "transfer 9999";
	const uint8_t *hit = memmem(f->body, f->body_len, pat, sizeof pat - 1);
	size_t pre;
	int e;

	if (!hit)
		return mlab_wr_bytes(out, f->raw, f->raw_len);
	pre = (size_t)(hit - f->body);
	if ((e = mlab_frame_put_hdr(out, f->type, f->body_len + 1)) != 0 ||
	    (e = mlab_wr_bytes(out, f->body, pre)) != 0 || (e = mlab_wr_bytes(out, rep, sizeof rep - 1)) != 0)
		return e;
	return mlab_wr_bytes(out, hit + sizeof pat - 1, f->body_len - pre - (sizeof pat - 1));
}

static int rw_transfer(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	(void)arg;
	(void)dir;
	rewrites++;
	return put_transfer(f, out);
}

/* Alerts vanish, key shares are sent twice, records get the transfer rewrite. */
static int rw_mixed(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	int e;

	(void)arg;
	(void)dir;
	rewrites++;
	switch (f->type) {
	case MLAB_MSG_ALERT:
		return 0;
	case MLAB_MSG_KEY_SHARE:
		if ((e = mlab_wr_bytes(out, f->raw, f->raw_len)) != 0)
			return e;
		return mlab_wr_bytes(out, f->raw, f->raw_len);
	default:
		return put_transfer(f, out);
	}
}

/* What fn makes of a stream of whole frames (computed apart from the engine). */
static size_t rewritten(tcp_stream_rewrite_fn fn, const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	struct mlab_rd r;
	struct mlab_wr w;
	unsigned saved = rewrites;

	mlab_rd_init(&r, in, n);
	mlab_wr_init(&w, out, cap);
	while (mlab_rd_left(&r) > 0) {
		struct tcp_stream_frame f;
		size_t start = r.off;
		assert_err(mlab_frame_next(&r, &f.type, &f.body, &f.body_len), 0);
		f.raw = in + start;
		f.raw_len = r.off - start;
		f.offset = start;
		assert_err(fn(NULL, A, &f, &w), 0);
	}
	rewrites = saved;
	return w.len;
}

/* ======================================================================
 * (1) Pass-through is the identity
 * ====================================================================== */

static void test_pass_through_forwards_seq_and_ack_unchanged(void **state)
{
	uint8_t a1[100], b1[50], a2[200];

	(void)state;
	memset(a1, 'a', sizeof a1);
	memset(b1, 'b', sizeof b1);
	memset(a2, 'c', sizeof a2);
	mk(log_emit, NULL, NULL, 0);
	handshake(IA, IB);

	feed(A, IA + 1, IB + 1, ACK | PSH, WA, a1, sizeof a1);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, a1, sizeof a1, FWD);
	feed(B, IB + 1, IA + 101, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 101, ACK, WB, NULL, 0, FWD);
	feed(B, IB + 1, IA + 101, ACK | PSH, WB, b1, sizeof b1);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 101, ACK | PSH, WB, b1, sizeof b1, FWD);
	feed(A, IA + 101, IB + 51, ACK, WA, a2, sizeof a2); /* no PSH: none added */
	EXPECT_N(1);
	EXPECT(0, A, IA + 101, IB + 51, ACK, WA, a2, sizeof a2, FWD);
	/* An ACK in the middle of a segment maps byte for byte. */
	feed(B, IB + 51, IA + 151, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 51, IA + 151, ACK, WB, NULL, 0, FWD);
	/* A window update alone is forwarded too. */
	feed(B, IB + 51, IA + 151, ACK, WB + 1, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 51, IA + 151, ACK, WB + 1, NULL, 0, FWD);
	/* A retransmission goes out again as it is. */
	feed(A, IA + 101, IB + 51, ACK, WA, a2, sizeof a2);
	EXPECT_N(1);
	EXPECT(0, A, IA + 101, IB + 51, ACK, WA, a2, sizeof a2, RESENT);

	assert_int_equal(tcp_stream_delta(C, A), 0);
	assert_int_equal(tcp_stream_delta(C, B), 0);
	assert_int_equal(tcp_stream_stats(C)->own_acks, 0);
	assert_int_equal(tcp_stream_stats(C)->ignored, 0);
}

/* ======================================================================
 * (2) (3) Framing
 * ====================================================================== */

static void test_frame_split_over_three_segments_emitted_once_complete(void **state)
{
	uint8_t f[64], want[64];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "abcdefghij klmnopqrs tuvwxyz!"); /* 5 + 29 */
	size_t m = rewritten(rw_upper, f, n, want, sizeof want);

	(void)state;
	assert_int_equal(n, 34);
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);

	/* Held bytes reach nobody; mallory acknowledges them herself (B has
	 * acknowledged everything sent so far), so A keeps sending. */
	feed(A, IA + 1, IB + 1, ACK, WA, f, 10);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 11, ACK, WB, NULL, 0, OWN);
	assert_int_equal(tcp_stream_held(C, A), 10);
	feed(A, IA + 11, IB + 1, ACK, WA, f + 10, 10);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 21, ACK, WB, NULL, 0, OWN);
	assert_int_equal(rewrites, 0);

	feed(A, IA + 21, IB + 1, ACK, WA, f + 20, n - 20);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, want, m, FWD);
	assert_memory_equal(want + MLAB_FRAME_HDR, "ABCDEFGHIJ KLMNOPQRS TUVWXYZ!", 29);
	assert_int_equal(rewrites, 1);
	assert_int_equal(tcp_stream_held(C, A), 0);

	/* B's ACK of the rewritten frame reaches A as the ACK of the original. */
	feed(B, IB + 1, IA + 1 + (uint32_t)m, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)n, ACK, WB, NULL, 0, FWD);
	assert_int_equal(rewrites, 1);
}

static void test_two_frames_in_one_segment_both_rewritten(void **state)
{
	uint8_t in[256], want[256];
	size_t n = mkframe(in, sizeof in, MLAB_MSG_RECORD, "pay: transfer 100 to bob");
	size_t m;

	(void)state;
	n += mkframe(in + n, sizeof in - n, MLAB_MSG_RECORD, "and again transfer 100 to carol");
	m = rewritten(rw_transfer, in, n, want, sizeof want);
	assert_int_equal(m, n + 2);
	assert_non_null(memmem(want, m, "to bob", 6));
	mk(log_emit, rw_transfer, NULL, 0);
	handshake(IA, IB);

	feed(A, IA + 1, IB + 1, ACK | PSH, WA, in, n);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, want, m, FWD);
	assert_int_equal(rewrites, 2);
	assert_int_equal(tcp_stream_stats(C)->frames_changed, 2);
	assert_int_equal(tcp_stream_delta(C, A), 2);
}

/* A rewrite may drop a frame or turn it into several. */
static void test_rewrite_drops_and_multiplies_frames(void **state)
{
	uint8_t ks[64], al[16], rec[64], in[256], want[256];
	size_t nks = mkframe(ks, sizeof ks, MLAB_MSG_KEY_SHARE, "share-bytes");
	size_t nal = mkframe_n(al, sizeof al, MLAB_MSG_ALERT, "\x00\x1c", 2);
	size_t nrec = mkframe(rec, sizeof rec, MLAB_MSG_RECORD, "data");
	size_t n = 0, m;

	(void)state;
	memcpy(in + n, ks, nks), n += nks;
	memcpy(in + n, al, nal), n += nal;
	memcpy(in + n, rec, nrec), n += nrec;
	m = rewritten(rw_mixed, in, n, want, sizeof want);
	assert_int_equal(m, 2 * nks + nrec);
	mk(log_emit, rw_mixed, NULL, 0);
	handshake(IA, IB);

	feed(A, IA + 1, IB + 1, ACK, WA, in, n);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, want, m, FWD);
	assert_int_equal(tcp_stream_delta(C, A), (int64_t)m - (int64_t)n);
	feed(B, IB + 1, IA + 1 + (uint32_t)m, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)n, ACK, WB, NULL, 0, FWD);

	/* A frame rewritten to nothing: B gets nothing, so B will never
	 * acknowledge it; mallory does, at once. */
	feed(A, IA + 1 + (uint32_t)n, IB + 1, ACK, WA, al, nal);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)(n + nal), ACK, WB, NULL, 0, OWN);
	/* And the next frame goes out right after the last rewritten byte. */
	feed(A, IA + 1 + (uint32_t)(n + nal), IB + 1, ACK, WA, rec, nrec);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1 + (uint32_t)m, IB + 1, ACK | PSH, WA, rec, nrec, FWD);
	assert_int_equal(rewrites, 5);
}

/* ======================================================================
 * (4) Out of order
 * ====================================================================== */

static void test_out_of_order_segments_delivered_in_order_exactly_once(void **state)
{
	uint8_t f1[32], f2[32], f3[32], in[96], want[128], got[128];
	size_t n1 = mkframe(f1, sizeof f1, MLAB_MSG_RECORD, "one: transfer 100");
	size_t n2 = mkframe(f2, sizeof f2, MLAB_MSG_RECORD, "two");
	size_t n3 = mkframe(f3, sizeof f3, MLAB_MSG_RECORD, "three: transfer 100");
	size_t n = 0, m;
	uint32_t s1 = IA + 1, s2 = s1 + (uint32_t)n1, s3 = s2 + (uint32_t)n2;

	(void)state;
	memcpy(in + n, f1, n1), n += n1;
	memcpy(in + n, f2, n2), n += n2;
	memcpy(in + n, f3, n3), n += n3;
	m = rewritten(rw_transfer, in, n, want, sizeof want);
	mk(log_emit, rw_transfer, NULL, 0);
	handshake(IA, IB);

	/* Ahead of the expected seq: kept, answered with a duplicate ACK. */
	feed(A, s3, IB + 1, ACK, WA, f3, n3);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1, ACK, WB, NULL, 0, OWN);
	feed(A, s2, IB + 1, ACK, WA, f2, n2);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1, ACK, WB, NULL, 0, OWN);
	feed(A, s3, IB + 1, ACK, WA, f3, n3); /* the same one twice: kept once */
	assert_int_equal(tcp_stream_stats(C)->ooo_queued, 2);
	assert_int_equal(rewrites, 0);

	/* The gap fills: all three, in order, once. */
	feed(A, s1, IB + 1, ACK, WA, f1, n1);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, want, m, FWD);
	assert_int_equal(rewrites, 3);
	assert_int_equal(m, n + 2);

	/* Late copies of the spliced segments re-send the same bytes, never
	 * re-parse them. */
	feed(A, s2, IB + 1, ACK, WA, f2, n2);
	EXPECT_N(1);
	assert_int_equal(L.r[0].s.kind, RESENT);
	assert_int_equal(L.r[0].s.seq, IA + 1 + (uint32_t)(n1 + 1));
	assert_int_equal(gather(0, 1, A, got, sizeof got), n2);
	assert_memory_equal(got, want + n1 + 1, n2);
	assert_int_equal(rewrites, 3);
}

static void test_out_of_order_pass_through_in_order_and_queue_bounded(void **state)
{
	uint8_t data[(TCP_STREAM_OOO_SEGS + 2) * 10];

	(void)state;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	mk(log_emit, NULL, NULL, 0);
	handshake(IA, IB);
	/* Segments 1..17 of 10 bytes arrive before segment 0: 16 are kept, the
	 * 17th is dropped (the sender will resend it). */
	for (uint32_t k = 1; k <= TCP_STREAM_OOO_SEGS + 1; k++)
		feed(A, IA + 1 + 10 * k, IB + 1, ACK, WA, data + 10 * k, 10);
	assert_int_equal(tcp_stream_stats(C)->ooo_queued, TCP_STREAM_OOO_SEGS);
	assert_int_equal(tcp_stream_stats(C)->ooo_dropped, 1);
	feed(A, IA + 1, IB + 1, ACK, WA, data, 10);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK, WA, data, 10 * (TCP_STREAM_OOO_SEGS + 1), FWD);
	feed(A, IA + 1 + 10 * (TCP_STREAM_OOO_SEGS + 1), IB + 1, ACK, WA, data + 10 * (TCP_STREAM_OOO_SEGS + 1), 10);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1 + 10 * (TCP_STREAM_OOO_SEGS + 1), IB + 1, ACK, WA, data + 10 * (TCP_STREAM_OOO_SEGS + 1),
	       10, FWD);
}

/* ======================================================================
 * (5) Retransmissions
 * ====================================================================== */

static void test_retransmission_resends_same_rewritten_bytes_at_same_seq(void **state)
{
	uint8_t f1[64], f2[64], w1[64], w2[64], both[128], got[128];
	size_t n1 = mkframe(f1, sizeof f1, MLAB_MSG_RECORD, "please transfer 100 now");
	size_t n2 = mkframe(f2, sizeof f2, MLAB_MSG_RECORD, "and transfer 100 again");
	size_t m1 = rewritten(rw_transfer, f1, n1, w1, sizeof w1), m2 = rewritten(rw_transfer, f2, n2, w2, sizeof w2);

	(void)state;
	memcpy(both, f1 + n1 - 8, 8);
	memcpy(both + 8, f2, n2);
	mk(log_emit, rw_transfer, NULL, 0);
	handshake(IA, IB);

	feed(A, IA + 1, IB + 1, ACK | PSH, WA, f1, n1);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, w1, m1, FWD);
	/* The whole segment again (B's ACK was lost): the same bytes, seq. */
	feed(A, IA + 1, IB + 1, ACK | PSH, WA, f1, n1);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, w1, m1, RESENT);
	/* Only its last 8 bytes: a rewritten frame has no byte-to-byte match,
	 * so the whole rewritten frame goes again. */
	feed(A, IA + 1 + (uint32_t)n1 - 8, IB + 1, ACK, WA, f1 + n1 - 8, 8);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, w1, m1, RESENT);
	/* Part old, part new: the old frame again, then the new one, seamless. */
	feed(A, IA + 1 + (uint32_t)n1 - 8, IB + 1, ACK, WA, both, 8 + n2);
	EXPECT_N(1);
	assert_int_equal(L.r[0].s.kind, RESENT);
	assert_int_equal(L.r[0].s.seq, IA + 1);
	assert_int_equal(gather(0, 1, A, got, sizeof got), m1 + m2);
	assert_memory_equal(got, w1, m1);
	assert_memory_equal(got + m1, w2, m2);
	assert_int_equal(rewrites, 2); /* every frame rewritten once */

	/* Once B has acknowledged it, a retransmission gets an ACK only. */
	feed(B, IB + 1, IA + 1 + (uint32_t)(m1 + m2), ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)(n1 + n2), ACK, WB, NULL, 0, FWD);
	feed(A, IA + 1, IB + 1, ACK, WA, f1, n1);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)(n1 + n2), ACK, WB, NULL, 0, OWN);
	assert_int_equal(tcp_stream_stats(C)->absorbed, 1);
}

/* The sender retransmits bytes mallory holds (our ACK was slow or lost):
 * absorbed, never sent twice, never rewritten twice. */
static void test_retransmission_of_held_bytes_absorbed(void **state)
{
	uint8_t f[64], w[64];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "held for a while");
	size_t m = rewritten(rw_upper, f, n, w, sizeof w);

	(void)state;
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);
	feed(A, IA + 1, IB + 1, ACK, WA, f, 12);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 13, ACK, WB, NULL, 0, OWN);
	feed(A, IA + 1, IB + 1, ACK, WA, f, 12);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 13, ACK, WB, NULL, 0, OWN);
	feed(A, IA + 1, IB + 1, ACK, WA, f, n); /* overlapping: completes the frame */
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, w, m, FWD);
	assert_int_equal(rewrites, 1);
}

/* The rewritten frame is lost on its way to B. A only keeps its last bytes
 * unacknowledged (mallory acknowledged the held prefix); their
 * retransmission brings the whole rewritten frame back. */
static void test_lost_rewritten_frame_recovered_from_sender_tail_retransmission(void **state)
{
	static uint8_t body[2995], f[3000], w[3000], got[3000];
	size_t n, m;

	(void)state;
	memset(body, 'q', sizeof body);
	n = mkframe_n(f, sizeof f, MLAB_MSG_RECORD, body, sizeof body);
	m = rewritten(rw_upper, f, n, w, sizeof w);
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);

	feed(A, IA + 1, IB + 1, ACK, WA, f, 1400);
	EXPECT(0, B, IB + 1, IA + 1401, ACK, WB, NULL, 0, OWN);
	feed(A, IA + 1401, IB + 1, ACK, WA, f + 1400, 1400);
	EXPECT(0, B, IB + 1, IA + 2801, ACK, WB, NULL, 0, OWN);
	feed(A, IA + 2801, IB + 1, ACK, WA, f + 2800, n - 2800);
	EXPECT_N(3); /* 1400 + 1400 + 200: lost */

	/* B, missing everything, repeats its ACK: A sees a duplicate of its
	 * snd_una (the ACK number never goes backwards). */
	feed(B, IB + 1, IA + 1, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 2801, ACK, WB, NULL, 0, FWD);

	feed(A, IA + 2801, IB + 1, ACK, WA, f + 2800, n - 2800);
	EXPECT_N(3);
	assert_int_equal(L.r[0].s.seq, IA + 1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(L.r[i].s.kind, RESENT);
	assert_int_equal(gather(0, 3, A, got, sizeof got), m);
	assert_memory_equal(got, w, m);
	assert_int_equal(rewrites, 1);
}

/* ======================================================================
 * (6) A length-changing rewrite shifts everything after it
 * ====================================================================== */

static void test_length_change_shifts_later_seq_and_opposite_acks(void **state)
{
	uint8_t f1[64], f2[64], f3[64], f4[64], w1[64], w3[64];
	size_t n1 = mkframe(f1, sizeof f1, MLAB_MSG_RECORD, "transfer 100 to bob");
	size_t n2 = mkframe(f2, sizeof f2, MLAB_MSG_RECORD, "hello");
	size_t n3 = mkframe(f3, sizeof f3, MLAB_MSG_RECORD, "then transfer 100 more");
	size_t n4 = mkframe(f4, sizeof f4, MLAB_MSG_RECORD, "bye");
	size_t m1 = rewritten(rw_transfer, f1, n1, w1, sizeof w1), m3 = rewritten(rw_transfer, f3, n3, w3, sizeof w3);
	const char b1[] = "bob says ok", b2[] = "bob again";
	uint32_t a = IA + 1, b = IB + 1; /* A's and B's next original seq */
	uint32_t ar;			 /* what B sees as A's next seq */

	(void)state;
	assert_int_equal(m1, n1 + 1);
	assert_memory_equal(w1 + MLAB_FRAME_HDR, "transfer 9999 to bob", 20);
	assert_int_equal(w1[4], 20); /* the frame's length field grew too */
	mk(log_emit, rw_transfer, NULL, 0);
	handshake(IA, IB);

	feed(A, a, b, ACK | PSH, WA, f1, n1);
	EXPECT_N(1);
	EXPECT(0, A, a, b, ACK | PSH, WA, w1, m1, FWD);
	a += (uint32_t)n1;
	ar = a + 1;
	assert_int_equal(tcp_stream_delta(C, A), 1);

	feed(B, b, ar, ACK, WB, NULL, 0); /* B acks the rewritten frame */
	EXPECT_N(1);
	EXPECT(0, B, b, a, ACK, WB, NULL, 0, FWD);

	feed(A, a, b, ACK | PSH, WA, f2, n2); /* unchanged frame: seq shifted by 1 */
	EXPECT_N(1);
	EXPECT(0, A, a + 1, b, ACK | PSH, WA, f2, n2, FWD);
	a += (uint32_t)n2;
	ar = a + 1;

	/* B's data (pass-through) with an ACK in rewritten space: the ACK shifts
	 * back by 1, B's own seq is untouched. */
	feed(B, b, ar, ACK | PSH, WB, b1, sizeof b1 - 1);
	EXPECT_N(1);
	EXPECT(0, B, b, a, ACK | PSH, WB, b1, sizeof b1 - 1, FWD);
	b += (uint32_t)(sizeof b1 - 1);

	feed(A, a, b, ACK | PSH, WA, f3, n3); /* second +1 */
	EXPECT_N(1);
	EXPECT(0, A, a + 1, b, ACK | PSH, WA, w3, m3, FWD);
	a += (uint32_t)n3;
	ar = a + 2;
	assert_int_equal(tcp_stream_delta(C, A), 2);
	assert_int_equal(tcp_stream_delta(C, B), 0);

	feed(B, b, ar, ACK | PSH, WB, b2, sizeof b2 - 1);
	EXPECT_N(1);
	EXPECT(0, B, b, a, ACK | PSH, WB, b2, sizeof b2 - 1, FWD);
	b += (uint32_t)(sizeof b2 - 1);

	feed(A, a, b, ACK | PSH, WA, f4, n4); /* +2 from now on */
	EXPECT_N(1);
	EXPECT(0, A, a + 2, b, ACK | PSH, WA, f4, n4, FWD);
	a += (uint32_t)n4;
	feed(B, b, a + 2, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, b, a, ACK, WB, NULL, 0, FWD);
	feed(A, a, b, ACK, WA, NULL, 0); /* A's pure ACK (a duplicate): its seq shifted too */
	EXPECT_N(1);
	EXPECT(0, A, a + 2, b, ACK, WA, NULL, 0, FWD);
	feed(A, a, b, ACK, WA + 7, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, a + 2, b, ACK, WA + 7, NULL, 0, FWD);
}

/* B acknowledges part of a rewritten frame: A cannot be told anything, and
 * forwarding the old number would look like a duplicate ACK. */
static void test_ack_inside_rewritten_frame_not_forwarded_but_real_duplicates_are(void **state)
{
	static uint8_t body[2995], f[3000], w[3000];
	size_t n, m;

	(void)state;
	memset(body, 'z', sizeof body);
	n = mkframe_n(f, sizeof f, MLAB_MSG_RECORD, body, sizeof body);
	m = rewritten(rw_upper, f, n, w, sizeof w);
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);
	feed(A, IA + 1, IB + 1, ACK, WA, f, n);
	EXPECT_N(3);

	feed(B, IB + 1, IA + 1401, ACK, WB, NULL, 0);
	EXPECT_N(0);
	feed(B, IB + 1, IA + 2801, ACK, WB, NULL, 0);
	EXPECT_N(0);
	assert_int_equal(tcp_stream_stats(C)->acks_suppressed, 2);
	feed(B, IB + 1, IA + 2801, ACK, WB, NULL, 0); /* B repeats itself: a real duplicate */
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1, ACK, WB, NULL, 0, FWD);
	feed(B, IB + 1, IA + 1 + (uint32_t)m, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)n, ACK, WB, NULL, 0, FWD);
}

/* ======================================================================
 * The ACK model: held bytes
 * ====================================================================== */

/* A 16 KiB record is larger than a sender's initial window: without
 * mallory's own ACKs for the bytes she holds, the sender would stall. */
static void test_large_frame_held_bytes_acknowledged_so_sender_does_not_stall(void **state)
{
	static uint8_t body[16000], f[16005], w[16005], got[16005];
	size_t n, m, off;

	(void)state;
	memset(body, 'k', sizeof body);
	n = mkframe_n(f, sizeof f, MLAB_MSG_RECORD, body, sizeof body);
	m = rewritten(rw_upper, f, n, w, sizeof w);
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);

	for (off = 0; off + 1400 < n; off += 1400) {
		feed(A, IA + 1 + (uint32_t)off, IB + 1, ACK, WA, f + off, 1400);
		EXPECT_N(1);
		EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)(off + 1400), ACK, WB, NULL, 0, OWN);
	}
	feed(A, IA + 1 + (uint32_t)off, IB + 1, ACK, WA, f + off, n - off);
	EXPECT_N((m + 1399) / 1400);
	assert_int_equal(gather(0, L.n, A, got, sizeof got), m);
	assert_memory_equal(got, w, m);
	assert_int_equal(L.r[0].s.seq, IA + 1);
	assert_int_equal(L.r[L.n - 1].s.flags, ACK | PSH);
	feed(B, IB + 1, IA + 1 + (uint32_t)m, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)n, ACK, WB, NULL, 0, FWD);
}

/* Held bytes are acknowledged only once B has everything sent before them;
 * then B's ACK carries them. */
static void test_held_bytes_acknowledged_only_after_receiver_caught_up(void **state)
{
	uint8_t f1[64], f2[64], w1[64];
	size_t n1 = mkframe(f1, sizeof f1, MLAB_MSG_RECORD, "first");
	size_t n2 = mkframe(f2, sizeof f2, MLAB_MSG_RECORD, "second, a longer one");
	size_t m1 = rewritten(rw_transfer, f1, n1, w1, sizeof w1);

	(void)state;
	mk(log_emit, rw_transfer, NULL, 0);
	handshake(IA, IB);
	feed(A, IA + 1, IB + 1, ACK, WA, f1, n1);
	EXPECT_N(1);
	assert_true(n2 > 10);
	feed(A, IA + 1 + (uint32_t)n1, IB + 1, ACK, WA, f2, 10);
	EXPECT_N(0); /* f1 not acknowledged by B: no ACK for f2's prefix */
	feed(B, IB + 1, IA + 1 + (uint32_t)m1, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)n1 + 10, ACK, WB, NULL, 0, FWD);
}

/* ======================================================================
 * (7) SYN / FIN / RST
 * ====================================================================== */

static void test_syn_synack_fin_sequence_numbers_mapped(void **state)
{
	uint8_t f[64], w[64];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "transfer 100");
	size_t m = rewritten(rw_transfer, f, n, w, sizeof w);
	uint32_t fa = IA + 1 + (uint32_t)n; /* A's FIN, original */

	(void)state;
	mk(log_emit, rw_transfer, NULL, 0);
	/* A retransmitted SYN passes again, unchanged; ECE/CWR are cleared. */
	feed(A, IA, 0, SYN | DISSECT_TCP_ECE | DISSECT_TCP_CWR, WA, NULL, 0);
	EXPECT(0, A, IA, 0, SYN, WA, NULL, 0, FWD);
	feed(A, IA, 0, SYN, WA, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, IA, 0, SYN, WA, NULL, 0, FWD);
	feed(B, IB, IA + 7, SYN | ACK, WB, NULL, 0); /* acknowledges another SYN */
	EXPECT_N(0);
	feed(B, IB, IA + 1, SYN | ACK, WB, NULL, 0);
	EXPECT(0, B, IB, IA + 1, SYN | ACK, WB, NULL, 0, FWD);
	feed(A, IA + 1, IB + 1, ACK, WA, NULL, 0);
	EXPECT(0, A, IA + 1, IB + 1, ACK, WA, NULL, 0, FWD);
	feed(A, 77777, IB + 1, SYN, WA, NULL, 0); /* another ISN: not this connection */
	EXPECT_N(0);

	feed(A, IA + 1, IB + 1, ACK | PSH, WA, f, n);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, w, m, FWD);
	/* FIN takes one sequence number, after the rewritten bytes. */
	feed(A, fa, IB + 1, FIN | ACK, WA, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, fa + 1, IB + 1, FIN | ACK, WA, NULL, 0, FWD);
	feed(A, fa, IB + 1, FIN | ACK, WA, NULL, 0); /* FIN again: same seq */
	EXPECT_N(1);
	EXPECT(0, A, fa + 1, IB + 1, FIN | ACK, WA, NULL, 0, RESENT);
	/* B acknowledges the data and the FIN: A sees its own numbers. */
	feed(B, IB + 1, fa + 2, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, fa + 1, ACK, WB, NULL, 0, FWD);
	assert_false(tcp_stream_closed(C));
	feed(B, IB + 1, fa + 2, FIN | ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, fa + 1, FIN | ACK, WB, NULL, 0, FWD);
	feed(A, fa + 1, IB + 2, ACK, WA, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, fa + 2, IB + 2, ACK, WA, NULL, 0, FWD);
	assert_true(tcp_stream_closed(C));
	/* Data after the FIN is nonsense: answered with an ACK, not forwarded. */
	feed(A, fa + 1, IB + 2, ACK, WA, "x", 1);
	EXPECT_N(1);
	EXPECT(0, B, IB + 2, fa + 1, ACK, WB, NULL, 0, OWN);
}

/* The stream ends inside a frame: the held bytes go out unchanged with the
 * FIN, as one unit, so retransmitting the FIN re-sends them too. */
static void test_fin_inside_frame_flushes_held_bytes_unchanged(void **state)
{
	uint8_t f[64], got[64];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "cut short somewhere in here");

	(void)state;
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);
	feed(A, IA + 1, IB + 1, ACK, WA, f, 20);
	EXPECT(0, B, IB + 1, IA + 21, ACK, WB, NULL, 0, OWN);
	feed(A, IA + 21, IB + 1, FIN | ACK, WA, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH | FIN, WA, f, 20, FWD);
	feed(A, IA + 21, IB + 1, FIN | ACK, WA, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH | FIN, WA, f, 20, RESENT);
	assert_int_equal(gather(0, 1, A, got, sizeof got), 20);
	assert_int_equal(rewrites, 0);
	assert_true(n > 20);
}

static void test_rst_forwarded_at_rewritten_seq_and_closes(void **state)
{
	uint8_t f[64], w[64];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "transfer 100");
	size_t m = rewritten(rw_transfer, f, n, w, sizeof w);

	(void)state;
	mk(log_emit, rw_transfer, NULL, 0);
	handshake(IA, IB);
	feed(A, IA + 1, IB + 1, ACK, WA, f, n);
	EXPECT_N(1);
	feed(A, IA + 1 + (uint32_t)n + 0x40000000u, IB + 1, RST | ACK, WA, NULL, 0); /* blind guess */
	EXPECT_N(0);
	assert_false(tcp_stream_closed(C));
	feed(A, IA + 1 + (uint32_t)n, IB + 1, RST | ACK, 0, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1 + (uint32_t)m, IB + 1, RST | ACK, WA, NULL, 0, FWD);
	assert_true(tcp_stream_closed(C));
	feed(B, IB + 1, IA + 1 + (uint32_t)m, ACK, WB, NULL, 0);
	EXPECT_N(0);
	feed(A, IA + 1 + (uint32_t)n, IB + 1, ACK, WA, f, n);
	EXPECT_N(0);
}

/* ======================================================================
 * (8) Wraparound
 * ====================================================================== */

static void test_sequence_numbers_wrap_past_2_32(void **state)
{
	uint8_t f1[64], f2[64], w1[64];
	size_t n1 = mkframe(f1, sizeof f1, MLAB_MSG_RECORD, "wrap: transfer 100 across zero");
	size_t n2 = mkframe(f2, sizeof f2, MLAB_MSG_RECORD, "after the wrap");
	size_t m1 = rewritten(rw_transfer, f1, n1, w1, sizeof w1);
	const uint32_t ia = 0xfffffff0u, ib = 0xffffffffu; /* B's first data byte is seq 0 */
	uint32_t a = ia + 1, b = ib + 1;

	(void)state;
	mk(log_emit, rw_transfer, NULL, 0);
	handshake(ia, ib);
	assert_int_equal(b, 0);

	feed(A, a, b, ACK, WA, f1, n1);
	EXPECT_N(1);
	EXPECT(0, A, a, b, ACK | PSH, WA, w1, m1, FWD);
	a += (uint32_t)n1;
	assert_true(a < 0x100); /* the frame straddles 2^32 */
	feed(B, b, a + 1, ACK | PSH, WB, "pong", 4);
	EXPECT_N(1);
	EXPECT(0, B, b, a, ACK | PSH, WB, "pong", 4, FWD);
	b += 4;
	feed(A, a, b, ACK, WA, f2, n2);
	EXPECT_N(1);
	EXPECT(0, A, a + 1, b, ACK | PSH, WA, f2, n2, FWD);
	a += (uint32_t)n2;
	feed(B, b, a + 1, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, b, a, ACK, WB, NULL, 0, FWD);
	/* A retransmission from before the wrap maps to before the wrap. */
	feed(A, ia + 1, b, ACK, WA, f1, 8);
	EXPECT_N(1);
	EXPECT(0, B, b, a, ACK, WB, NULL, 0, OWN);
}

/* ======================================================================
 * Flow control, mode switches, joining mid-stream
 * ====================================================================== */

static void test_new_data_refused_while_receiver_lags(void **state)
{
	static uint8_t data[1400];
	uint32_t k, a = IA + 1;

	(void)state;
	memset(data, 'd', sizeof data);
	mk(log_emit, NULL, NULL, 0);
	handshake(IA, IB);
	for (k = 0; k * sizeof data <= TCP_STREAM_MAX_INFLIGHT; k++) {
		feed(A, a, IB + 1, ACK, WA, data, sizeof data);
		EXPECT_N(1);
		a += (uint32_t)sizeof data;
	}
	feed(A, a, IB + 1, ACK, WA, data, sizeof data);
	EXPECT_N(0); /* not taken, not acknowledged: A sends it again later */
	assert_int_equal(tcp_stream_stats(C)->refused, 1);
	feed(B, IB + 1, a, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, a, ACK, WB, NULL, 0, FWD);
	feed(A, a, IB + 1, ACK, WA, data, sizeof data);
	EXPECT_N(1);
	EXPECT(0, A, a, IB + 1, ACK, WA, data, sizeof data, FWD);
}

static void test_switch_to_pass_through_at_next_frame_boundary(void **state)
{
	uint8_t f[64], in[96];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "lowercase stays");

	(void)state;
	memcpy(in, f, n);
	memcpy(in + n, "raw tail", 8);
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);
	feed(A, IA + 1, IB + 1, ACK, WA, f, 7);
	assert_err(tcp_stream_set_rewrite(C, A, NULL, NULL), 0);
	feed(A, IA + 8, IB + 1, ACK, WA, in + 7, n + 8 - 7);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, in, n + 8, FWD);
	assert_int_equal(rewrites, 0);
	feed(A, IA + 1 + (uint32_t)(n + 8), IB + 1, ACK, WA, "\x01\x02", 2); /* not a frame: passes */
	EXPECT_N(1);
	EXPECT(0, A, IA + 1 + (uint32_t)(n + 8), IB + 1, ACK, WA, "\x01\x02", 2, FWD);
	/* And back on, at a boundary the caller vouches for. */
	assert_err(tcp_stream_set_rewrite(C, A, rw_upper, NULL), 0);
	feed(A, IA + 3 + (uint32_t)(n + 8), IB + 1, ACK, WA, f, n);
	EXPECT_N(1);
	assert_int_equal(rewrites, 1);
	assert_memory_equal(L.r[0].data + MLAB_FRAME_HDR, "LOWERCASE STAYS", 15);
}

/* An attack module decides on a frame to stop rewriting: it switches the
 * direction to pass-through from inside its callback. */
static int rw_upper_then_pass(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	assert_err(tcp_stream_set_rewrite(C, dir, NULL, NULL), 0);
	return rw_upper(arg, dir, f, out);
}

static void test_rewrite_callback_switches_to_pass_through_after_its_frame(void **state)
{
	uint8_t in[128], want[128];
	size_t n1 = mkframe(in, sizeof in, MLAB_MSG_SERVER_HELLO, "hello");
	size_t n2 = mkframe(in + n1, sizeof in - n1, MLAB_MSG_RECORD, "sealed");
	size_t n = n1 + n2 + 3;

	(void)state;
	memcpy(in + n1 + n2, "\xff\xfe\xfd", 3); /* not a frame: fine in pass-through */
	assert_int_equal(rewritten(rw_upper, in, n1, want, sizeof want), n1);
	memcpy(want + n1, in + n1, n2 + 3);
	mk(log_emit, rw_upper_then_pass, NULL, 0);
	handshake(IA, IB);
	feed(A, IA + 1, IB + 1, ACK, WA, in, n);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1, IB + 1, ACK | PSH, WA, want, n, FWD);
	assert_memory_equal(want + MLAB_FRAME_HDR, "HELLO", 5);
	assert_int_equal(rewrites, 1);
	assert_int_equal(tcp_stream_held(C, A), 0);
}

/* More unacknowledged frames than map units: the newest units merge into
 * one coarser atomic unit. ACKs inside it map to its start (never too far),
 * and a retransmission of any frame in it re-sends all of it. */
static void test_map_units_bounded_by_merging_into_coarser_unit(void **state)
{
	enum { FRAMES = TCP_STREAM_MAX_UNITS + 76, PER_SEG = 10 };
	static uint8_t in[FRAMES * 6];
	const size_t merged = (TCP_STREAM_MAX_UNITS - 1) * 6; /* where the last, merged unit starts */
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < FRAMES; i++)
		n += mkframe(in + n, sizeof in - n, MLAB_MSG_RECORD, "m");
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);
	for (size_t off = 0; off < n; off += PER_SEG * 6) {
		feed(A, IA + 1 + (uint32_t)off, IB + 1, ACK, WA, in + off, PER_SEG * 6);
		EXPECT_N(1);
	}
	assert_int_equal(rewrites, FRAMES);

	feed(B, IB + 1, IA + 1 + (uint32_t)merged, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)merged, ACK, WB, NULL, 0, FWD);
	feed(B, IB + 1, IA + 1 + (uint32_t)merged + 60, ACK, WB, NULL, 0); /* inside the merged unit */
	EXPECT_N(0);
	feed(A, IA + 1 + (uint32_t)n - 12, IB + 1, ACK, WA, in + n - 12, 6);
	EXPECT_N(1);
	EXPECT(0, A, IA + 1 + (uint32_t)merged, IB + 1, ACK | PSH, WA, L.r[0].data, n - merged, RESENT);
	assert_int_equal(L.r[0].data[MLAB_FRAME_HDR], 'M');
	feed(B, IB + 1, IA + 1 + (uint32_t)n, ACK, WB, NULL, 0);
	EXPECT_N(1);
	EXPECT(0, B, IB + 1, IA + 1 + (uint32_t)n, ACK, WB, NULL, 0, FWD);
}

/* Poisoning started after the handshake: the framed direction passes bytes
 * through until a segment starts with a valid frame header. */
static void test_joined_mid_stream_framing_starts_at_a_frame_header(void **state)
{
	uint8_t f[64];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "now in sync");
	const uint32_t s = 123456;

	(void)state;
	mk(log_emit, rw_upper, NULL, 0);
	feed(A, s, 999, ACK, WA, "tail of some frame", 18);
	EXPECT_N(1);
	EXPECT(0, A, s, 999, ACK | PSH, WA, "tail of some frame", 18, FWD);
	feed(A, s + 18, 999, ACK, WA, f, n);
	EXPECT_N(1);
	assert_int_equal(L.r[0].s.seq, s + 18);
	assert_memory_equal(L.r[0].data + MLAB_FRAME_HDR, "NOW IN SYNC", 11);
	/* B's first segment: its stream is taken from there. */
	feed(B, 777, s + 18 + (uint32_t)n, ACK, WB, "hi", 2);
	EXPECT_N(1);
	EXPECT(0, B, 777, s + 18 + (uint32_t)n, ACK, WB, "hi", 2, FWD);
}

/* ======================================================================
 * (9) Hostile input
 * ====================================================================== */

static void test_huge_frame_length_is_sticky_error_without_crash(void **state)
{
	static const uint8_t huge[] = {MLAB_MSG_RECORD, 0xff, 0xff, 0xff, 0xff, 'x', 'y'};
	static const uint8_t unknown[] = {0x63, 0, 0, 0, 1, 'x'};

	(void)state;
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);
	log_clear();
	assert_err(feed_ret(A, IA + 1, IB + 1, ACK, WA, huge, sizeof huge), MLAB_E_TOO_LONG);
	for (size_t i = 0; i < L.n; i++)
		assert_int_not_equal(L.r[i].dir, A); /* nothing reached B */
	assert_err(tcp_stream_error(C), MLAB_E_TOO_LONG);
	assert_err(feed_ret(B, IB + 1, IA + 1, ACK, WB, NULL, 0), MLAB_E_FAILED);
	assert_err(tcp_stream_set_rewrite(C, A, NULL, NULL), MLAB_E_FAILED);

	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);
	assert_err(feed_ret(A, IA + 1, IB + 1, ACK, WA, unknown, sizeof unknown), MLAB_E_UNKNOWN_TYPE);
	assert_err(feed_ret(A, IA + 1, IB + 1, ACK, WA, unknown, sizeof unknown), MLAB_E_FAILED);
}

static int rw_fail(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	(void)arg;
	(void)dir;
	(void)f;
	(void)out;
	return MLAB_E_BAD_FIELD;
}

/* A rewrite that writes too much, or fails: the connection stops there. */
static int rw_bloat(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *f, struct mlab_wr *out)
{
	uint8_t *p;

	(void)arg;
	(void)dir;
	(void)f;
	return mlab_wr_reserve(out, &p, TCP_STREAM_OUT_MAX + 1);
}

static void test_failing_rewrite_is_sticky_error(void **state)
{
	uint8_t f[32];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "x");

	(void)state;
	mk(log_emit, rw_fail, NULL, 0);
	handshake(IA, IB);
	assert_err(feed_ret(A, IA + 1, IB + 1, ACK, WA, f, n), MLAB_E_BAD_FIELD);
	mk(log_emit, rw_bloat, NULL, 0);
	handshake(IA, IB);
	assert_err(feed_ret(A, IA + 1, IB + 1, ACK, WA, f, n), MLAB_E_NOSPACE);
	assert_err(tcp_stream_error(C), MLAB_E_NOSPACE);
}

static void test_absurd_segments_ignored(void **state)
{
	static uint8_t big[TCP_STREAM_MAX_PAYLOAD + 1];
	uint8_t f[32];
	size_t n = mkframe(f, sizeof f, MLAB_MSG_RECORD, "fine");

	(void)state;
	mk(log_emit, rw_upper, NULL, 0);
	handshake(IA, IB);
	feed(A, IA + 1 + 0x80000000u, IB + 1, ACK, WA, f, n); /* half the sequence space away */
	EXPECT_N(0);
	feed(A, IA + 1 - 0x40000000u, IB + 1, ACK, WA, f, n);
	EXPECT_N(0);
	feed(A, IA + 1 + TCP_STREAM_SEQ_WINDOW + 1, IB + 1, ACK, WA, f, n);
	EXPECT_N(0);
	feed(A, IA + 1, IB + 1000, ACK, WA, f, n); /* acknowledges bytes B never sent */
	EXPECT_N(0);
	feed(A, IA + 1, IB + 1, PSH, WA, f, n); /* no ACK flag */
	EXPECT_N(0);
	feed(A, IA + 1, IB + 1, SYN | FIN, WA, NULL, 0);
	EXPECT_N(0);
	feed(A, IA + 1, IB + 1, ACK, WA, big, sizeof big);
	EXPECT_N(0);
	assert_int_equal(tcp_stream_stats(C)->ignored, 7);
	assert_int_equal(rewrites, 0);
	/* The stream is intact. */
	feed(A, IA + 1, IB + 1, ACK, WA, f, n);
	EXPECT_N(1);
	assert_int_equal(L.r[0].s.seq, IA + 1);
	assert_err(tcp_stream_input(C, A, NULL), MLAB_E_ARG);
	assert_err(tcp_stream_input(C, (enum tcp_stream_dir)2, &(struct tcp_stream_seg){.flags = ACK}), MLAB_E_ARG);
}

/* ---- 10 000 random segments */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint16_t fuzz_mss;
static uint64_t fuzz_sent;
static uint32_t fuzz_base[2], fuzz_end[2]; /* ISN+1 and end of what was sent, each way */

static void count_emit(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_seg *s)
{
	(void)arg;
	assert_true(dir == A || dir == B);
	check_seg(s, fuzz_mss);
	for (size_t i = 0; i < s->len; i += 97)
		fuzz_sent += s->payload[i]; /* touch the bytes: ASan checks them */
	fuzz_sent++;
	if (!(s->flags & SYN)) {
		uint32_t end = s->seq + (uint32_t)s->len + (s->flags & FIN ? 1 : 0) - fuzz_base[dir];
		if ((int32_t)(end - fuzz_end[dir]) > 0)
			fuzz_end[dir] = end;
	}
}

static void test_ten_thousand_random_segments_no_crash(void **state)
{
	static uint8_t stream[8192], garbage[1600];
	static const tcp_stream_rewrite_fn fns[] = {NULL, rw_upper, rw_transfer, rw_mixed};
	size_t slen = 0;
	uint32_t *base = fuzz_base, cur[2] = {0, 0};

	(void)state;
	rng_state = 0x243f6a8885a308d3ull;
	/* A stream of whole frames, repeated: in-order data keeps parsing. */
	while (slen < sizeof stream - 600) {
		uint8_t body[512];
		size_t bl = 1 + rnd() % 500;
		static const uint8_t types[] = {MLAB_MSG_RECORD, MLAB_MSG_KEY_SHARE, MLAB_MSG_ALERT, MLAB_MSG_FINISHED};
		for (size_t i = 0; i < bl; i++)
			body[i] = (uint8_t)rnd();
		if (bl > 20 && rnd() % 3 == 0)
			memcpy(body + 3, "transfer 100", 12);
		slen += mkframe_n(stream + slen, sizeof stream - slen, types[rnd() % 4], body, bl);
	}
	for (size_t i = 0; i < sizeof garbage; i++)
		garbage[i] = (uint8_t)rnd();

	for (int i = 0; i < 10000; i++) {
		struct tcp_stream_seg s = {0};
		enum tcp_stream_dir d = (enum tcp_stream_dir)(rnd() & 1);
		uint32_t r = rnd() % 100, r2, off;
		uint8_t *copy = NULL;
		int e;

		if (!C || tcp_stream_error(C) || tcp_stream_closed(C) || i % 700 == 0) {
			fuzz_mss = (uint16_t)(1 + rnd() % 1500);
			C = mk(count_emit, fns[rnd() % 4], fns[rnd() % 4], fuzz_mss);
			base[0] = rnd(), base[1] = rnd();
			cur[0] = cur[1] = 0;
			fuzz_end[0] = fuzz_end[1] = 0;
			if (rnd() % 4) {
				struct tcp_stream_seg h1 = {.seq = base[0] - 1, .flags = SYN, .window = WA};
				struct tcp_stream_seg h2 = {.seq = base[1] - 1, .ack = base[0], .flags = SYN | ACK};
				assert_err(tcp_stream_input(C, A, &h1), 0);
				assert_err(tcp_stream_input(C, B, &h2), 0);
			}
		}
		/* Mostly in order; else around it, or anywhere. */
		if (r < 60)
			off = cur[d];
		else if (r < 95)
			off = cur[d] + rnd() % 10000 - 5000;
		else
			off = rnd() - base[d];
		s.seq = base[d] + off;
		r2 = rnd() % 20;
		if (r2 < 17) /* at most what mallory sent the other way: valid */
			s.ack = base[!d] + rnd() % (fuzz_end[!d] + 1);
		else
			s.ack = r2 < 19 ? base[!d] + cur[!d] + rnd() % 64 - 32 : rnd();
		s.window = (uint16_t)rnd();
		s.flags = ACK;
		if (rnd() % 4 == 0)
			s.flags |= PSH;
		if (rnd() % 40 == 0)
			s.flags |= FIN;
		if (rnd() % 60 == 0)
			s.flags = (uint8_t)(s.flags | SYN);
		if (rnd() % 300 == 0)
			s.flags |= RST;
		if (rnd() % 50 == 0)
			s.flags = (uint8_t)rnd();
		s.len = rnd() % 4 ? rnd() % 1500 : 0;
		if (s.len) {
			const uint8_t *src = rnd() % 30 ? stream + off % (uint32_t)slen : garbage;
			copy = malloc(s.len);
			assert_non_null(copy);
			for (size_t k = 0; k < s.len; k++)
				copy[k] = src == garbage ? garbage[k] : stream[(off + k) % slen];
		}
		s.payload = copy;
		e = tcp_stream_input(C, d, &s);
		if (e != 0) {
			assert_true(e < 0);
			assert_err(tcp_stream_input(C, d, &s), MLAB_E_FAILED);
		} else if (r < 60 && !(s.flags & (SYN | RST))) {
			cur[d] += (uint32_t)s.len;
		}
		free(copy);
	}
	assert_true(fuzz_sent > 0);
}

/* ======================================================================
 * Property: exactly once, in order, under loss, reordering, duplication
 * ====================================================================== */

#define SIM_FRAMES 120
#define SIM_WINDOW 4096 /* smaller than the largest frame: held bytes must be acknowledged */
#define SIM_NET 48

static struct sim {
	uint8_t *S, *R; /* A's stream; what B must end up with */
	size_t s_len, r_len;
	size_t fo[SIM_FRAMES]; /* original end of frame i */
	size_t fr[SIM_FRAMES]; /* rewritten end of frame i */
	size_t n_frames;
	bool *have;
	size_t prefix;	     /* B holds R[0, prefix) */
	size_t a_una, a_nxt; /* A: acknowledged to it, sent */
	struct {
		size_t off, len;
	} net[SIM_NET]; /* segments on the wire from A to mallory */
	size_t n_net;
	unsigned drop_pct; /* mallory's segments to B that are lost */
} SIM;

static void sim_emit(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_seg *s)
{
	(void)arg;
	check_seg(s, 536);
	if (dir == A) {
		uint32_t r = s->seq - (IA + 1);
		if (s->flags & SYN)
			return; /* the handshake */
		assert_false(s->flags & (FIN | RST));
		if (s->len == 0)
			return;
		if (rnd() % 100 < SIM.drop_pct)
			return; /* lost on the way to B */
		assert_true(r + s->len <= SIM.r_len);
		for (size_t i = 0; i < s->len; i++) {
			/* The same rewritten byte at the same seq, every time. */
			if (s->payload[i] != SIM.R[r + i])
				fail_msg("B got byte %u at rewritten offset %zu, expected %u", s->payload[i], r + i,
					 SIM.R[r + i]);
			SIM.have[r + i] = true;
		}
		while (SIM.prefix < SIM.r_len && SIM.have[SIM.prefix])
			SIM.prefix++;
	} else {
		size_t ack = s->ack - (IA + 1), j = 0;
		assert_true(s->flags & ACK);
		assert_true(ack <= SIM.s_len);
		/* Never the end of a frame B does not fully have. */
		while (j < SIM.n_frames && SIM.fr[j] <= SIM.prefix)
			j++;
		if (j < SIM.n_frames && ack >= SIM.fo[j])
			fail_msg(
			    "A told %zu acknowledged, but B holds only %zu rewritten bytes (frame %zu ends at %zu)",
			    ack, SIM.prefix, j, SIM.fo[j]);
		if (ack > SIM.a_una)
			SIM.a_una = ack;
		assert_true(SIM.a_una <= SIM.a_nxt);
	}
}

static void sim_send(size_t off, size_t len)
{
	if (SIM.n_net == SIM_NET)
		return; /* the wire is full: lost */
	SIM.net[SIM.n_net].off = off;
	SIM.net[SIM.n_net].len = len;
	SIM.n_net++;
}

static void sim_deliver(size_t i, bool keep)
{
	size_t off = SIM.net[i].off, len = SIM.net[i].len;
	assert_err(feed_ret(A, IA + 1 + (uint32_t)off, IB + 1, ACK, WA, SIM.S + off, len), 0);
	if (!keep)
		SIM.net[i] = SIM.net[--SIM.n_net];
}

static void sim_run(uint64_t seed, unsigned drop_pct)
{
	size_t cap = SIM_FRAMES * 6100;

	memset(&SIM, 0, sizeof SIM);
	rng_state = seed;
	SIM.drop_pct = drop_pct;
	SIM.S = malloc(cap);
	SIM.R = malloc(2 * cap);
	assert_non_null(SIM.S);
	assert_non_null(SIM.R);
	for (size_t i = 0; i < SIM_FRAMES; i++) {
		static uint8_t body[6000];
		uint8_t type = MLAB_MSG_RECORD;
		size_t bl = 1 + rnd() % (rnd() % 4 ? 700 : 6000);
		for (size_t k = 0; k < bl; k++)
			body[k] = (uint8_t)rnd();
		switch (rnd() % 6) {
		case 0:
			type = MLAB_MSG_ALERT, bl = 2;
			break;
		case 1:
			type = MLAB_MSG_KEY_SHARE, bl = bl > 4096 ? 4096 : bl;
			break;
		case 2:
			if (bl > 30)
				memcpy(body + bl / 2, "transfer 100", 12);
			break;
		default:
			break;
		}
		SIM.s_len += mkframe_n(SIM.S + SIM.s_len, cap - SIM.s_len, type, body, bl);
		SIM.fo[i] = SIM.s_len;
		SIM.fr[i] = rewritten(rw_mixed, SIM.S, SIM.s_len, SIM.R, 2 * cap);
	}
	SIM.n_frames = SIM_FRAMES;
	SIM.r_len = SIM.fr[SIM_FRAMES - 1];
	SIM.have = calloc(SIM.r_len, sizeof *SIM.have);
	assert_non_null(SIM.have);

	mk(sim_emit, rw_mixed, NULL, 536);
	assert_err(feed_ret(A, IA, 0, SYN, WA, NULL, 0), 0);
	assert_err(feed_ret(B, IB, IA + 1, SYN | ACK, WB, NULL, 0), 0);
	assert_err(feed_ret(A, IA + 1, IB + 1, ACK, WA, NULL, 0), 0);

	for (unsigned it = 0; it < 400000 && !(SIM.prefix == SIM.r_len && SIM.a_una == SIM.s_len); it++) {
		uint32_t r = rnd() % 20;
		if (r < 7) { /* A sends new bytes, within its window */
			size_t room = SIM_WINDOW - (SIM.a_nxt - SIM.a_una), len = 1 + rnd() % 1400;
			if (SIM.a_nxt < SIM.s_len && room > 0) {
				len = len < room ? len : room;
				len = len < SIM.s_len - SIM.a_nxt ? len : SIM.s_len - SIM.a_nxt;
				sim_send(SIM.a_nxt, len);
				SIM.a_nxt += len;
			}
		} else if (r < 9) { /* A retransmits from its oldest unacknowledged byte */
			if (SIM.a_una < SIM.a_nxt) {
				size_t len = 1 + rnd() % 1400;
				sim_send(SIM.a_una, len < SIM.a_nxt - SIM.a_una ? len : SIM.a_nxt - SIM.a_una);
			}
		} else if (r < 16) { /* the wire delivers one, in any order, maybe twice */
			if (SIM.n_net)
				sim_deliver(rnd() % SIM.n_net, rnd() % 10 == 0);
		} else if (r < 17) { /* or loses one */
			if (SIM.n_net) {
				size_t i = rnd() % SIM.n_net;
				SIM.net[i] = SIM.net[--SIM.n_net];
			}
		} else { /* B acknowledges what it holds */
			assert_err(feed_ret(B, IB + 1, IA + 1 + (uint32_t)SIM.prefix, ACK, WB, NULL, 0), 0);
		}
	}
	if (SIM.prefix != SIM.r_len || SIM.a_una != SIM.s_len)
		fail_msg("seed %llx: stuck with B at %zu of %zu rewritten bytes, A at %zu of %zu",
			 (unsigned long long)seed, SIM.prefix, SIM.r_len, SIM.a_una, SIM.s_len);
	assert_int_equal(tcp_stream_stats(C)->frames, SIM_FRAMES); /* each frame rewritten exactly once */
	assert_int_equal(tcp_stream_error(C), 0);
	free(SIM.S);
	free(SIM.R);
	free(SIM.have);
}

static void test_stream_delivered_exactly_once_under_loss_reordering_duplication(void **state)
{
	(void)state;
	sim_run(0x1234567890abcdefull, 0);
	sim_run(0x0fedcba987654321ull, 10);
	sim_run(0x5555aaaa5555aaaaull, 25);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_pass_through_forwards_seq_and_ack_unchanged),
	    T(test_frame_split_over_three_segments_emitted_once_complete),
	    T(test_two_frames_in_one_segment_both_rewritten),
	    T(test_rewrite_drops_and_multiplies_frames),
	    T(test_out_of_order_segments_delivered_in_order_exactly_once),
	    T(test_out_of_order_pass_through_in_order_and_queue_bounded),
	    T(test_retransmission_resends_same_rewritten_bytes_at_same_seq),
	    T(test_retransmission_of_held_bytes_absorbed),
	    T(test_lost_rewritten_frame_recovered_from_sender_tail_retransmission),
	    T(test_length_change_shifts_later_seq_and_opposite_acks),
	    T(test_ack_inside_rewritten_frame_not_forwarded_but_real_duplicates_are),
	    T(test_large_frame_held_bytes_acknowledged_so_sender_does_not_stall),
	    T(test_held_bytes_acknowledged_only_after_receiver_caught_up),
	    T(test_syn_synack_fin_sequence_numbers_mapped),
	    T(test_fin_inside_frame_flushes_held_bytes_unchanged),
	    T(test_rst_forwarded_at_rewritten_seq_and_closes),
	    T(test_sequence_numbers_wrap_past_2_32),
	    T(test_new_data_refused_while_receiver_lags),
	    T(test_switch_to_pass_through_at_next_frame_boundary),
	    T(test_rewrite_callback_switches_to_pass_through_after_its_frame),
	    T(test_map_units_bounded_by_merging_into_coarser_unit),
	    T(test_joined_mid_stream_framing_starts_at_a_frame_header),
	    T(test_huge_frame_length_is_sticky_error_without_crash),
	    T(test_failing_rewrite_is_sticky_error),
	    T(test_absurd_segments_ignored),
	    T(test_ten_thousand_random_segments_no_crash),
	    T(test_stream_delivered_exactly_once_under_loss_reordering_duplication),
#undef T
	};
	return cmocka_run_group_tests_name("mallory_tcp_stream", tests, NULL, NULL);
}
