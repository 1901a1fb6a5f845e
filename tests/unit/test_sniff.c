/* Unit tests for mallory's passive mode: mallory/dissect (one Ethernet frame
 * into a summary) and mallory/sniff_stream (TCP reassembly and protocol
 * decoding), without any network.
 *
 * Frames are built by hand here (Ethernet / IPv4 / TCP, checksums zero: the
 * sniffer does not check them), protocol messages with lib/'s encoders, and
 * fed through dissect_frame + sniff_stream_input exactly as bin/mallory does.
 * Every frame handed to the dissector is a heap copy of exactly its length, so
 * ASan catches a read one byte too far. Events are collected through the
 * emitter's sink and asserted by name and field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "dissect.h"
#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_record.h"
#include "mlab_wire.h"
#include "sniff_stream.h"

/* ======================================================================
 * Event log (the emitter's sink)
 * ====================================================================== */

#define MAX_EVENTS 1024

static struct {
	size_t n;
	json_t *ev[MAX_EVENTS];
} LOG;

static void sink(void *arg, const char *name, const json_t *event)
{
	(void)arg;
	(void)name;
	if (LOG.n < MAX_EVENTS)
		LOG.ev[LOG.n++] = json_incref((json_t *)event);
}

static void log_clear(void)
{
	for (size_t i = 0; i < LOG.n; i++)
		json_decref(LOG.ev[i]);
	LOG.n = 0;
}

static const char *ev_name(const json_t *e)
{
	return json_string_value(json_object_get(e, "event"));
}

static size_t count(const char *name)
{
	size_t n = 0;
	for (size_t i = 0; i < LOG.n; i++)
		n += strcmp(ev_name(LOG.ev[i]), name) == 0;
	return n;
}

/* The i-th event (from 0) called name. */
static json_t *nth(const char *name, size_t i)
{
	for (size_t k = 0; k < LOG.n; k++)
		if (strcmp(ev_name(LOG.ev[k]), name) == 0 && i-- == 0)
			return LOG.ev[k];
	fail_msg("no event %s #%zu (%zu events logged)", name, i, LOG.n);
	return NULL;
}

static const char *str(const json_t *e, const char *key)
{
	const json_t *v = json_object_get(e, key);
	if (!json_is_string(v))
		fail_msg("event %s: field %s is not a string", ev_name(e), key);
	return json_string_value(v);
}

static long long num(const json_t *e, const char *key)
{
	const json_t *v = json_object_get(e, key);
	if (!json_is_integer(v))
		fail_msg("event %s: field %s is not an integer", ev_name(e), key);
	return json_integer_value(v);
}

/* ======================================================================
 * Fixture: one stream tracker on port 4433 reporting into LOG
 * ====================================================================== */

#define PORT 4433

static struct mlab_ev EV;
static struct sniff_stream *S;

static int setup(void **state)
{
	(void)state;
	mlab_ev_init(&EV, "mallory", -1, NULL);
	EV.sink = sink;
	S = sniff_stream_new(PORT, &EV);
	return S ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sniff_stream_free(S);
	S = NULL;
	log_clear();
	return 0;
}

/* Dissects a heap copy of exactly n bytes into f (payload pointers are then
 * dangling: callers look at scalar fields and text only). */
static enum dissect_proto dissect_copy(const uint8_t *frame, size_t n, struct dissect_frame *f, char *text,
				       size_t text_len)
{
	uint8_t *copy = dup_exact(frame, n);
	int e = dissect_frame(copy, n, f);

	assert_true((e == 0) == (f->proto != DISSECT_MALFORMED));
	if (f->proto == DISSECT_MALFORMED)
		assert_non_null(f->malformed);
	if (text)
		dissect_summary(f, text, text_len);
	free(copy);
	return f->proto;
}

/* Dissects and feeds one frame to S, as bin/mallory does. */
static enum dissect_proto feed(const uint8_t *frame, size_t n)
{
	uint8_t *copy = dup_exact(frame, n);
	struct dissect_frame f;
	char text[256];

	(void)dissect_frame(copy, n, &f);
	dissect_summary(&f, text, sizeof text);
	assert_int_equal(sniff_stream_input(S, &f), 0);
	free(copy);
	return f.proto;
}

/* ======================================================================
 * Frame builder
 * ====================================================================== */

struct ep {
	uint8_t mac[6];
	uint8_t ip[4];
	uint16_t port;
};

static const struct ep ALICE = {{0x02, 0, 0, 0, 0, 0x0a}, {10, 0, 0, 10}, 51234};
static const struct ep BOB = {{0x02, 0, 0, 0, 0, 0x0b}, {10, 0, 0, 20}, PORT};
static const uint8_t MALLORY_MAC[6] = {0x02, 0, 0, 0, 0, 0x66};

#define ETH_HDR 14
#define IP_HDR 20
#define TCP_HDR 20
#define HDRS (ETH_HDR + IP_HDR + TCP_HDR)
#define MSS 1460
#define FRAME_MAX (HDRS + 2 * MLAB_MAX_FRAME)

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

static void put_eth(struct mlab_wr *w, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	assert_err(mlab_wr_bytes(w, dst, 6), 0);
	assert_err(mlab_wr_bytes(w, src, 6), 0);
	assert_err(mlab_wr_u16(w, type), 0);
}

static void put_ip4(struct mlab_wr *w, const uint8_t src[4], const uint8_t dst[4], uint8_t proto, size_t payload)
{
	assert_err(mlab_wr_u8(w, 0x45), 0);
	assert_err(mlab_wr_u8(w, 0), 0);
	assert_err(mlab_wr_u16(w, (uint16_t)(IP_HDR + payload)), 0);
	assert_err(mlab_wr_u16(w, 0x1234), 0); /* id */
	assert_err(mlab_wr_u16(w, 0x4000), 0); /* DF */
	assert_err(mlab_wr_u8(w, 64), 0);
	assert_err(mlab_wr_u8(w, proto), 0);
	assert_err(mlab_wr_u16(w, 0), 0); /* checksum: not checked */
	assert_err(mlab_wr_bytes(w, src, 4), 0);
	assert_err(mlab_wr_bytes(w, dst, 4), 0);
}

/* Ethernet / IPv4 / TCP (no options) carrying len payload bytes. */
static size_t build_tcp(uint8_t *out, size_t cap, const struct ep *src, const struct ep *dst, uint32_t seq,
			uint32_t ack, uint8_t flags, const void *payload, size_t len)
{
	struct mlab_wr w;

	mlab_wr_init(&w, out, cap);
	put_eth(&w, dst->mac, src->mac, 0x0800);
	put_ip4(&w, src->ip, dst->ip, 6, TCP_HDR + len);
	assert_err(mlab_wr_u16(&w, src->port), 0);
	assert_err(mlab_wr_u16(&w, dst->port), 0);
	assert_err(mlab_wr_u32(&w, seq), 0);
	assert_err(mlab_wr_u32(&w, (flags & F_ACK) ? ack : 0), 0);
	assert_err(mlab_wr_u8(&w, 5 << 4), 0);
	assert_err(mlab_wr_u8(&w, flags), 0);
	assert_err(mlab_wr_u16(&w, 64240), 0);
	assert_err(mlab_wr_u32(&w, 0), 0); /* checksum, urgent pointer */
	if (len)
		assert_err(mlab_wr_bytes(&w, payload, len), 0);
	return w.len;
}

static size_t build_arp(uint8_t *out, size_t cap, uint16_t op, const uint8_t eth_dst[6], const uint8_t sha[6],
			const uint8_t spa[4], const uint8_t tha[6], const uint8_t tpa[4])
{
	struct mlab_wr w;

	mlab_wr_init(&w, out, cap);
	put_eth(&w, eth_dst, sha, 0x0806);
	assert_err(mlab_wr_u16(&w, 1), 0);
	assert_err(mlab_wr_u16(&w, 0x0800), 0);
	assert_err(mlab_wr_u8(&w, 6), 0);
	assert_err(mlab_wr_u8(&w, 4), 0);
	assert_err(mlab_wr_u16(&w, op), 0);
	assert_err(mlab_wr_bytes(&w, sha, 6), 0);
	assert_err(mlab_wr_bytes(&w, spa, 4), 0);
	assert_err(mlab_wr_bytes(&w, tha, 6), 0);
	assert_err(mlab_wr_bytes(&w, tpa, 4), 0);
	return w.len;
}

/* A TCP connection between two endpoints, as seen on the wire. */
enum { C2S = 0, S2C = 1 };

struct conn {
	struct ep ends[2]; /* [C2S] = client, [S2C] = server */
	uint32_t seq[2];   /* next sequence number each side sends */
};

static uint8_t FRAME[FRAME_MAX];

/* One segment from side dir at its current sequence number; advances it. */
static void seg_flags(struct conn *k, int dir, uint8_t flags, const void *p, size_t n)
{
	size_t len =
	    build_tcp(FRAME, sizeof FRAME, &k->ends[dir], &k->ends[!dir], k->seq[dir], k->seq[!dir], flags, p, n);
	assert_int_equal(feed(FRAME, len), DISSECT_IPV4_TCP);
	k->seq[dir] += (uint32_t)n + ((flags & (F_SYN | F_FIN)) ? 1u : 0u);
}

static void seg(struct conn *k, int dir, const void *p, size_t n)
{
	seg_flags(k, dir, F_PSH | F_ACK, p, n);
}

/* Bytes from side dir, cut into MSS-sized segments. */
static void send_bytes(struct conn *k, int dir, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k_ = n < MSS ? n : MSS;
		seg(k, dir, p, k_);
		p += k_;
		n -= k_;
	}
}

/* The three-way handshake between ALICE (client port cport) and BOB. */
static void conn_open(struct conn *k, uint16_t cport, uint32_t cisn, uint32_t sisn)
{
	k->ends[C2S] = ALICE;
	k->ends[C2S].port = cport;
	k->ends[S2C] = BOB;
	k->seq[C2S] = cisn;
	k->seq[S2C] = sisn;
	seg_flags(k, C2S, F_SYN, NULL, 0);
	seg_flags(k, S2C, F_SYN | F_ACK, NULL, 0);
	seg_flags(k, C2S, F_ACK, NULL, 0);
}

/* ======================================================================
 * Protocol messages
 * ====================================================================== */

struct msgbuf {
	uint8_t p[2 * MLAB_MAX_FRAME];
	struct mlab_wr w;
};

static void mb_init(struct msgbuf *m)
{
	mlab_wr_init(&m->w, m->p, sizeof m->p);
}

static void put_client_hello(struct msgbuf *m, const uint8_t *ciphers, size_t n_ciphers)
{
	struct mlab_client_hello ch = {.version = MLAB_VERSION, .flags = 0};
	memset(ch.nonce, 0xc1, sizeof ch.nonce);
	ch.n_modes = 2;
	ch.modes[0] = MLAB_MODE_SIGN;
	ch.modes[1] = MLAB_MODE_NONE;
	ch.n_groups = 2;
	ch.groups[0] = MLAB_GROUP_X25519;
	ch.groups[1] = MLAB_GROUP_FFDHE2048;
	ch.n_ciphers = (uint8_t)n_ciphers;
	memcpy(ch.ciphers, ciphers, n_ciphers);
	assert_err(mlab_client_hello_encode(&m->w, &ch), 0);
}

static void put_server_hello(struct msgbuf *m, uint8_t mode, uint8_t cipher)
{
	struct mlab_server_hello sh = {
	    .version = MLAB_VERSION, .mode = mode, .group = MLAB_GROUP_X25519, .cipher = cipher};
	memset(sh.nonce, 0x5e, sizeof sh.nonce);
	assert_err(mlab_server_hello_encode(&m->w, &sh), 0);
}

static void put_key_share(struct msgbuf *m, uint8_t fill)
{
	uint8_t share[32];
	memset(share, fill, sizeof share);
	struct mlab_key_share ks = {.group = MLAB_GROUP_X25519, .len = sizeof share, .share = share};
	assert_err(mlab_key_share_encode(&m->w, &ks), 0);
}

static const uint8_t BOB_PUB[32] = {0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba,
				    0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
				    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

static void put_signature(struct msgbuf *m)
{
	struct mlab_signature sg = {.scheme = MLAB_SIG_ED25519};
	memcpy(sg.pub, BOB_PUB, sizeof sg.pub);
	memset(sg.sig, 0x51, sizeof sg.sig);
	assert_err(mlab_signature_encode(&m->w, &sg), 0);
}

static void put_finished(struct msgbuf *m, uint8_t fill)
{
	struct mlab_finished fin;
	memset(fin.mac, fill, sizeof fin.mac);
	assert_err(mlab_finished_encode(&m->w, &fin), 0);
}

/* A cipher-none record, crafted as the spec says: seq | content | data. */
static void put_plain_record(struct msgbuf *m, uint64_t seq, uint8_t content, const void *data, size_t n)
{
	assert_err(mlab_frame_put_hdr(&m->w, MLAB_MSG_RECORD, MLAB_SEQ_LEN + 1 + n), 0);
	assert_err(mlab_wr_u64(&m->w, seq), 0);
	assert_err(mlab_wr_u8(&m->w, content), 0);
	if (n)
		assert_err(mlab_wr_bytes(&m->w, data, n), 0);
}

static void put_text_record(struct msgbuf *m, uint64_t seq, const char *text)
{
	put_plain_record(m, seq, MLAB_CONTENT_DATA, text, strlen(text));
}

/* Sends everything in m from side dir (MSS segments) and empties m. */
static void flush_msgs(struct conn *k, int dir, struct msgbuf *m)
{
	send_bytes(k, dir, m->p, m->w.len);
	mb_init(m);
}

/* The handshake of a session in mode `mode` with record cipher `cipher`,
 * each flight in one write as the peers do. */
static void handshake(struct conn *k, uint8_t mode, uint8_t cipher)
{
	static struct msgbuf m;
	uint8_t offered[2] = {cipher, cipher == MLAB_CIPHER_NONE ? MLAB_CIPHER_CHACHA20_POLY1305 : MLAB_CIPHER_NONE};

	mb_init(&m);
	put_client_hello(&m, offered, 2);
	flush_msgs(k, C2S, &m);
	put_server_hello(&m, mode, cipher);
	put_key_share(&m, 0x22);
	if (mode == MLAB_MODE_SIGN)
		put_signature(&m);
	flush_msgs(k, S2C, &m);
	put_key_share(&m, 0x11);
	put_finished(&m, 0xf1);
	flush_msgs(k, C2S, &m);
	put_finished(&m, 0xf2);
	flush_msgs(k, S2C, &m);
}

static void send_text(struct conn *k, int dir, uint64_t seq, const char *text)
{
	static struct msgbuf m;
	mb_init(&m);
	put_text_record(&m, seq, text);
	flush_msgs(k, dir, &m);
}

static const char *A_NAME = "10.0.0.10:51234";
static const char *B_NAME = "10.0.0.20:4433";

static void assert_ends(const json_t *e, int dir)
{
	assert_string_equal(str(e, "from"), dir == C2S ? A_NAME : B_NAME);
	assert_string_equal(str(e, "to"), dir == C2S ? B_NAME : A_NAME);
}

static void assert_read(size_t i, int dir, uint64_t seq, const char *text)
{
	json_t *e = nth("message-read", i);
	char hex[256];

	assert_true(strlen(text) < sizeof hex / 2);
	mlab_hex((const uint8_t *)text, strlen(text), hex);
	assert_ends(e, dir);
	assert_int_equal(num(e, "seq"), seq);
	assert_int_equal(num(e, "len"), strlen(text));
	assert_string_equal(str(e, "text"), text);
	assert_string_equal(str(e, "hex"), hex);
}

/* ======================================================================
 * Stream: whole sessions
 * ====================================================================== */

static void test_plaintext_session_every_message_reported(void **state)
{
	struct conn k;
	static struct msgbuf m;
	char id[9];
	json_t *e, *a;
	(void)state;

	conn_open(&k, ALICE.port, 1000, 5000);
	handshake(&k, MLAB_MODE_SIGN, MLAB_CIPHER_NONE);
	send_text(&k, C2S, 0, "hello bob");
	send_text(&k, S2C, 0, "bob got: hello bob");
	send_text(&k, C2S, 1, "second");
	send_text(&k, S2C, 1, "bob got: second");
	mb_init(&m);
	put_plain_record(&m, 2, MLAB_CONTENT_CLOSE, NULL, 0);
	flush_msgs(&k, C2S, &m);
	put_plain_record(&m, 2, MLAB_CONTENT_CLOSE, NULL, 0);
	flush_msgs(&k, S2C, &m);
	seg_flags(&k, S2C, F_FIN | F_ACK, NULL, 0);
	seg_flags(&k, C2S, F_FIN | F_ACK, NULL, 0);
	seg_flags(&k, S2C, F_ACK, NULL, 0);

	/* Handshake: every message, in wire order, with its direction. */
	static const struct {
		const char *msg;
		int dir;
	} hs[] = {
	    {"client-hello", C2S}, {"server-hello", S2C}, {"key-share", S2C}, {"signature", S2C},
	    {"key-share", C2S},	   {"finished", C2S},	  {"finished", S2C},
	};
	assert_int_equal(count("handshake-seen"), N_OF(hs));
	for (size_t i = 0; i < N_OF(hs); i++) {
		e = nth("handshake-seen", i);
		assert_string_equal(str(e, "msg"), hs[i].msg);
		assert_ends(e, hs[i].dir);
	}
	e = nth("handshake-seen", 0);
	a = json_object_get(e, "modes");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "sign");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "none");
	a = json_object_get(e, "groups");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "x25519");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "ffdhe2048");
	a = json_object_get(e, "ciphers");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "none");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "chacha20-poly1305");
	e = nth("handshake-seen", 1);
	assert_string_equal(str(e, "mode"), "sign");
	assert_string_equal(str(e, "group"), "x25519");
	assert_string_equal(str(e, "cipher"), "none");
	e = nth("handshake-seen", 2);
	assert_string_equal(str(e, "group"), "x25519");
	assert_int_equal(num(e, "share_len"), 32);
	e = nth("handshake-seen", 3);
	assert_err(mlab_key_id(BOB_PUB, sizeof BOB_PUB, id), 0);
	assert_string_equal(str(e, "signer_key"), id);

	/* Records: the exact text of each, in order. */
	assert_int_equal(count("message-read"), 4);
	assert_read(0, C2S, 0, "hello bob");
	assert_read(1, S2C, 0, "bob got: hello bob");
	assert_read(2, C2S, 1, "second");
	assert_read(3, S2C, 1, "bob got: second");
	assert_int_equal(count("close-seen"), 2);
	assert_int_equal(count("record-seen"), 0);
	assert_int_equal(count("stream-error"), 0);
	assert_int_equal(count("stream-gap"), 0);
	assert_int_equal(sniff_stream_stats(S)->messages_read, 4);
	assert_int_equal(sniff_stream_stats(S)->handshake_seen, 7);
}

static void test_aead_session_records_unreadable(void **state)
{
	struct conn k;
	static struct msgbuf m;
	struct mlab_rec tx[2];
	struct mlab_dir_keys keys;
	json_t *e;
	(void)state;

	memset(&keys, 0x42, sizeof keys);
	mlab_rec_init(&tx[C2S], MLAB_CIPHER_CHACHA20_POLY1305, &keys);
	mlab_rec_init(&tx[S2C], MLAB_CIPHER_CHACHA20_POLY1305, &keys);
	conn_open(&k, ALICE.port, 77, 99);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_CHACHA20_POLY1305);
	mb_init(&m);
	assert_err(mlab_rec_seal(&tx[C2S], MLAB_CONTENT_DATA, (const uint8_t *)"hi", 2, &m.w), 0);
	flush_msgs(&k, C2S, &m);
	assert_err(mlab_rec_seal(&tx[S2C], MLAB_CONTENT_DATA, (const uint8_t *)"bob got: hi", 11, &m.w), 0);
	flush_msgs(&k, S2C, &m);
	assert_err(mlab_rec_seal(&tx[C2S], MLAB_CONTENT_CLOSE, NULL, 0, &m.w), 0);
	flush_msgs(&k, C2S, &m);

	assert_int_equal(count("handshake-seen"), 6);
	assert_string_equal(str(nth("handshake-seen", 1), "cipher"), "chacha20-poly1305");
	assert_int_equal(count("message-read"), 0);
	assert_int_equal(count("close-seen"), 0);
	assert_int_equal(count("record-seen"), 3);
	e = nth("record-seen", 0);
	assert_ends(e, C2S);
	assert_int_equal(num(e, "seq"), 0);
	assert_int_equal(num(e, "len"), MLAB_FRAME_HDR + 8 + 1 + 2 + 16); /* the whole frame */
	assert_true(json_is_false(json_object_get(e, "readable")));
	assert_string_equal(str(e, "cipher"), "chacha20-poly1305");
	e = nth("record-seen", 1);
	assert_ends(e, S2C);
	assert_int_equal(num(e, "seq"), 0);
	assert_int_equal(num(e, "len"), MLAB_FRAME_HDR + 8 + 1 + 11 + 16);
	assert_int_equal(num(nth("record-seen", 2), "seq"), 1);
	assert_int_equal(sniff_stream_stats(S)->records_unreadable, 3);
	assert_int_equal(sniff_stream_stats(S)->messages_read, 0);
}

/* ======================================================================
 * Stream: reassembly
 * ====================================================================== */

static void test_frame_split_over_three_segments(void **state)
{
	struct conn k;
	static struct msgbuf m;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_text_record(&m, 0, "split across three segments");
	size_t n = m.w.len, a = 3, b = 17; /* the header itself is cut too */
	seg(&k, C2S, m.p, a);
	assert_int_equal(count("message-read"), 0);
	seg(&k, C2S, m.p + a, b - a);
	assert_int_equal(count("message-read"), 0);
	seg(&k, C2S, m.p + b, n - b);
	assert_int_equal(count("message-read"), 1);
	assert_read(0, C2S, 0, "split across three segments");
}

static void test_two_frames_in_one_segment(void **state)
{
	struct conn k;
	static struct msgbuf m;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_text_record(&m, 0, "first");
	put_text_record(&m, 1, "second");
	seg(&k, C2S, m.p, m.w.len);
	assert_int_equal(count("message-read"), 2);
	assert_read(0, C2S, 0, "first");
	assert_read(1, C2S, 1, "second");
}

static void test_largest_record_over_many_segments(void **state)
{
	struct conn k;
	static struct msgbuf m;
	static uint8_t data[MLAB_MAX_PLAINTEXT];
	json_t *e;
	(void)state;

	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)('a' + i % 26);
	conn_open(&k, ALICE.port, 0xfffffff0u, 2); /* the sequence number wraps inside the record */
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_plain_record(&m, 0, MLAB_CONTENT_DATA, data, sizeof data);
	put_plain_record(&m, 1, MLAB_CONTENT_DATA, data, sizeof data);
	flush_msgs(&k, C2S, &m);
	assert_int_equal(count("message-read"), 2);
	e = nth("message-read", 1);
	assert_int_equal(num(e, "len"), MLAB_MAX_PLAINTEXT);
	assert_int_equal(strlen(str(e, "text")), MLAB_MAX_PLAINTEXT);
	assert_memory_equal(str(e, "text"), data, sizeof data);
	assert_int_equal(strlen(str(e, "hex")), 2 * MLAB_MAX_PLAINTEXT);
}

static void test_retransmission_not_reported_twice(void **state)
{
	struct conn k;
	static struct msgbuf m;
	size_t len;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_text_record(&m, 0, "once");
	uint32_t at = k.seq[C2S];
	seg(&k, C2S, m.p, m.w.len);
	/* The same segment again, byte for byte. */
	len = build_tcp(FRAME, sizeof FRAME, &k.ends[C2S], &k.ends[S2C], at, k.seq[S2C], F_PSH | F_ACK, m.p, m.w.len);
	feed(FRAME, len);
	assert_int_equal(count("message-read"), 1);
	assert_int_equal(sniff_stream_stats(S)->retransmits, 1);

	/* A retransmission that also carries new bytes: only the new ones count. */
	size_t old = m.w.len;
	put_text_record(&m, 1, "twice?");
	len = build_tcp(FRAME, sizeof FRAME, &k.ends[C2S], &k.ends[S2C], at, k.seq[S2C], F_PSH | F_ACK, m.p, m.w.len);
	feed(FRAME, len);
	k.seq[C2S] += (uint32_t)(m.w.len - old);
	assert_int_equal(count("message-read"), 2);
	assert_read(1, C2S, 1, "twice?");
	/* And the stream goes on in order. */
	send_text(&k, C2S, 2, "after");
	assert_int_equal(count("message-read"), 3);
	assert_read(2, C2S, 2, "after");
	assert_int_equal(count("stream-error"), 0);
}

static void test_retransmitted_syn_and_handshake_once(void **state)
{
	struct conn k;
	size_t len;
	(void)state;

	conn_open(&k, ALICE.port, 500, 600);
	len = build_tcp(FRAME, sizeof FRAME, &k.ends[C2S], &k.ends[S2C], 500, 0, F_SYN, NULL, 0);
	feed(FRAME, len);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	send_text(&k, C2S, 0, "x");
	assert_int_equal(count("handshake-seen"), 6);
	assert_int_equal(count("message-read"), 1);
}

static void test_out_of_order_dropped_then_gap_resynchronises(void **state)
{
	struct conn k;
	static struct msgbuf m1, m2, m3;
	size_t len;
	json_t *e;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m1);
	mb_init(&m2);
	mb_init(&m3);
	put_text_record(&m1, 0, "never captured");
	put_text_record(&m2, 1, "ahead of a hole");
	put_text_record(&m3, 2, "after the resync");

	/* m1 goes by without mallory seeing it; m2 arrives ahead of the hole. */
	uint32_t s1 = k.seq[C2S];
	uint32_t s2 = s1 + (uint32_t)m1.w.len;
	len = build_tcp(FRAME, sizeof FRAME, &k.ends[C2S], &k.ends[S2C], s2, k.seq[S2C], F_PSH | F_ACK, m2.p, m2.w.len);
	feed(FRAME, len);
	assert_int_equal(sniff_stream_stats(S)->out_of_order, 1);
	assert_int_equal(count("message-read"), 0);
	assert_int_equal(count("stream-gap"), 0);

	/* bob acknowledges both: the hole will never be filled. */
	k.seq[C2S] = s2 + (uint32_t)m2.w.len;
	seg_flags(&k, S2C, F_ACK, NULL, 0);
	assert_int_equal(count("stream-gap"), 1);
	e = nth("stream-gap", 0);
	assert_ends(e, C2S);
	assert_string_equal(str(e, "reason"), "missed");
	assert_int_equal(num(e, "bytes"), m1.w.len + m2.w.len);

	/* The next segment starts a frame: reading resumes there. */
	seg(&k, C2S, m3.p, m3.w.len);
	assert_int_equal(count("message-read"), 1);
	assert_read(0, C2S, 2, "after the resync");
	assert_int_equal(count("stream-error"), 0);
}

static void test_reordered_segment_dropped_and_counted(void **state)
{
	struct conn k;
	static struct msgbuf m;
	size_t len;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_text_record(&m, 0, "in order");
	/* A segment far ahead (a reordering at the capture point) is dropped... */
	len = build_tcp(FRAME, sizeof FRAME, &k.ends[C2S], &k.ends[S2C], k.seq[C2S] + 1000, k.seq[S2C], F_PSH | F_ACK,
			m.p, m.w.len);
	feed(FRAME, len);
	assert_int_equal(sniff_stream_stats(S)->out_of_order, 1);
	/* ...and the in-order stream is unaffected. */
	seg(&k, C2S, m.p, m.w.len);
	assert_int_equal(count("message-read"), 1);
	assert_read(0, C2S, 0, "in order");
}

static void test_many_segments_ahead_count_as_lost(void **state)
{
	struct conn k;
	static struct msgbuf m;
	size_t len;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	/* 100 bytes were never captured, and nothing from bob says so. */
	k.seq[C2S] += 100;
	for (unsigned i = 0; i < SNIFF_MAX_AHEAD; i++) {
		mb_init(&m);
		put_text_record(&m, i, "ahead");
		len = build_tcp(FRAME, sizeof FRAME, &k.ends[C2S], &k.ends[S2C], k.seq[C2S], 0, F_PSH, m.p, m.w.len);
		feed(FRAME, len);
		k.seq[C2S] += (uint32_t)m.w.len;
	}
	/* The last one declared the hole lost and was read. */
	assert_int_equal(count("stream-gap"), 1);
	assert_int_equal(sniff_stream_stats(S)->out_of_order, SNIFF_MAX_AHEAD);
	assert_int_equal(count("message-read"), 1);
	assert_int_equal(num(nth("message-read", 0), "seq"), SNIFF_MAX_AHEAD - 1);
}

/* ======================================================================
 * Stream: malformed protocol bytes and flows
 * ====================================================================== */

static void test_garbage_on_port_one_stream_error(void **state)
{
	struct conn k;
	uint8_t junk[64];
	json_t *e;
	(void)state;

	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(0x42 + i);
	conn_open(&k, ALICE.port, 1, 2);
	seg(&k, C2S, junk, sizeof junk);
	seg(&k, C2S, junk, sizeof junk);
	seg(&k, C2S, junk, sizeof junk);
	assert_int_equal(count("stream-error"), 1);
	e = nth("stream-error", 0);
	assert_ends(e, C2S);
	assert_string_equal(str(e, "error"), "unknown-type");
	assert_int_equal(count("handshake-seen"), 0);
	assert_int_equal(sniff_stream_stats(S)->stream_errors, 1);

	/* The other direction is still followed. */
	static struct msgbuf m;
	mb_init(&m);
	put_server_hello(&m, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	flush_msgs(&k, S2C, &m);
	assert_int_equal(count("handshake-seen"), 1);
	assert_int_equal(count("stream-error"), 1);
}

static void test_bad_message_body_one_stream_error(void **state)
{
	struct conn k;
	static struct msgbuf m;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	mb_init(&m);
	put_client_hello(&m, (const uint8_t[]){MLAB_CIPHER_NONE}, 1);
	m.p[MLAB_FRAME_HDR] = 9; /* version */
	put_text_record(&m, 0, "not reached");
	flush_msgs(&k, C2S, &m);
	assert_int_equal(count("stream-error"), 1);
	assert_string_equal(str(nth("stream-error", 0), "error"), "bad-version");
	assert_int_equal(count("handshake-seen"), 0);
	assert_int_equal(count("message-read"), 0);
}

static void test_oversized_frame_header_stream_error(void **state)
{
	struct conn k;
	const uint8_t hdr[] = {MLAB_MSG_RECORD, 0xff, 0xff, 0xff, 0xff, 0, 0, 0};
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	seg(&k, C2S, hdr, sizeof hdr);
	assert_int_equal(count("stream-error"), 1);
	assert_string_equal(str(nth("stream-error", 0), "error"), "too-long");
}

static void test_plain_record_bad_content_and_short(void **state)
{
	struct conn k;
	static struct msgbuf m;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_plain_record(&m, 0, 7, "x", 1);
	flush_msgs(&k, C2S, &m);
	assert_int_equal(count("stream-error"), 1);
	assert_string_equal(str(nth("stream-error", 0), "error"), "bad-field");
	/* A record of 8 bytes (seq only) from bob. */
	assert_err(mlab_frame_put_hdr(&m.w, MLAB_MSG_RECORD, 8), 0);
	assert_err(mlab_wr_u64(&m.w, 0), 0);
	flush_msgs(&k, S2C, &m);
	assert_int_equal(count("stream-error"), 2);
	assert_string_equal(str(nth("stream-error", 1), "error"), "truncated");
	assert_int_equal(count("message-read"), 0);
}

static void test_non_utf8_message_has_hex_not_text(void **state)
{
	struct conn k;
	static struct msgbuf m;
	const uint8_t data[] = {0xff, 0x00, 'a', 0xc3};
	json_t *e;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_plain_record(&m, 0, MLAB_CONTENT_DATA, data, sizeof data);
	flush_msgs(&k, C2S, &m);
	e = nth("message-read", 0);
	assert_null(json_object_get(e, "text"));
	assert_string_equal(str(e, "hex"), "ff0061c3");
	assert_int_equal(num(e, "len"), 4);
}

static void test_alert_seen(void **state)
{
	struct conn k;
	static struct msgbuf m;
	struct mlab_alert al = {.code = (uint16_t)-MLAB_E_SIG_INVALID};
	json_t *e;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	mb_init(&m);
	assert_err(mlab_alert_encode(&m.w, &al), 0);
	flush_msgs(&k, C2S, &m);
	e = nth("alert-seen", 0);
	assert_ends(e, C2S);
	assert_string_equal(str(e, "error"), "signature-invalid");
	assert_int_equal(num(e, "code"), MLAB_E_SIG_INVALID);
}

static void test_joined_mid_stream_waits_for_frame_boundary(void **state)
{
	struct conn k = {.ends = {ALICE, BOB}, .seq = {7000, 9000}};
	static struct msgbuf m;
	(void)state;

	/* No SYN seen: the first segment is the tail of some frame. */
	seg(&k, C2S, "tail of an earlier frame", 24);
	assert_int_equal(count("stream-error"), 0);
	assert_int_equal(sniff_stream_stats(S)->skipped_bytes, 24);
	mb_init(&m);
	put_text_record(&m, 5, "picked up");
	flush_msgs(&k, C2S, &m);
	assert_int_equal(count("stream-error"), 0);
	/* No server-hello seen: the cipher is unknown, the record unreadable. */
	assert_int_equal(count("record-seen"), 1);
	assert_string_equal(str(nth("record-seen", 0), "cipher"), "unknown");
}

static void test_rst_forgets_and_new_syn_restarts(void **state)
{
	struct conn k;
	static struct msgbuf m;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_text_record(&m, 0, "cut");
	seg(&k, C2S, m.p, 10); /* half a record */
	assert_int_equal(sniff_stream_flows(S), 1);
	seg_flags(&k, S2C, F_RST | F_ACK, NULL, 0);
	assert_int_equal(sniff_stream_flows(S), 0);

	/* Same four-tuple, new connection, new ISNs: a fresh session (AEAD this time). */
	conn_open(&k, ALICE.port, 123456, 654321);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_AES_256_GCM);
	assert_int_equal(count("handshake-seen"), 12);
	assert_string_equal(str(nth("handshake-seen", 7), "cipher"), "aes-256-gcm");
	assert_int_equal(count("stream-error"), 0);
	assert_int_equal(count("message-read"), 0);
}

static void test_new_syn_on_same_tuple_resets_cipher(void **state)
{
	struct conn k;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_CHACHA20_POLY1305);
	/* A new SYN with another ISN (no RST seen): start over. */
	conn_open(&k, ALICE.port, 1000000, 2000000);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	send_text(&k, S2C, 0, "readable now");
	assert_int_equal(count("message-read"), 1);
	assert_read(0, S2C, 0, "readable now");
	assert_int_equal(sniff_stream_flows(S), 1);
}

static void test_flow_table_bounded_oldest_evicted(void **state)
{
	struct conn k[SNIFF_MAX_FLOWS + 6];
	(void)state;

	for (size_t i = 0; i < N_OF(k); i++)
		conn_open(&k[i], (uint16_t)(40000 + i), (uint32_t)(i * 1000), (uint32_t)(i * 7000));
	assert_int_equal(sniff_stream_flows(S), SNIFF_MAX_FLOWS);
	assert_int_equal(sniff_stream_stats(S)->evicted, 6);
	/* The newest is followed... */
	handshake(&k[N_OF(k) - 1], MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	assert_int_equal(count("handshake-seen"), 6);
	/* ...and the oldest was forgotten: its data now looks like a mid-stream join. */
	send_text(&k[0], C2S, 0, "forgotten");
	assert_int_equal(count("message-read"), 0);
	assert_int_equal(count("record-seen"), 1);
}

static void test_other_ports_ignored(void **state)
{
	struct conn k;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	k.ends[S2C].port = 80;
	seg(&k, C2S, "GET / HTTP/1.0\r\n\r\n", 18);
	assert_int_equal(LOG.n, 0);
	assert_int_equal(sniff_stream_stats(S)->segments, 3); /* the handshake on 4433 only */
}

/* ======================================================================
 * Dissector: text
 * ====================================================================== */

static void test_tcp_summary_text(void **state)
{
	struct dissect_frame f;
	char text[256];
	size_t len;
	(void)state;

	len = build_tcp(FRAME, sizeof FRAME, &ALICE, &BOB, 123, 0, F_SYN, NULL, 0);
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_IPV4_TCP);
	assert_string_equal(text, "10.0.0.10:51234 > 10.0.0.20:4433 TCP [S] seq 123 len 0");
	assert_string_equal(dissect_proto_name(f.proto), "ipv4-tcp");
	assert_memory_equal(f.src_mac, ALICE.mac, 6);
	assert_memory_equal(f.dst_mac, BOB.mac, 6);
	assert_int_equal(f.tcp.sport, 51234);
	assert_int_equal(f.tcp.dport, 4433);
	assert_int_equal(f.tcp.flags, F_SYN);

	len = build_tcp(FRAME, sizeof FRAME, &BOB, &ALICE, 4000000000u, 124, F_PSH | F_ACK, "abc", 3);
	dissect_copy(FRAME, len, &f, text, sizeof text);
	assert_string_equal(text, "10.0.0.20:4433 > 10.0.0.10:51234 TCP [P.] seq 4000000000 ack 124 len 3");
	assert_int_equal(f.tcp.payload_len, 3);

	len = build_tcp(FRAME, sizeof FRAME, &BOB, &ALICE, 1, 2, F_FIN | F_ACK, NULL, 0);
	dissect_copy(FRAME, len, &f, text, sizeof text);
	assert_string_equal(text, "10.0.0.20:4433 > 10.0.0.10:51234 TCP [F.] seq 1 ack 2 len 0");
}

static void test_tcp_flags_letters(void **state)
{
	char s[DISSECT_FLAGS_STR];
	(void)state;
	assert_string_equal(dissect_tcp_flags_str(0, s), "none");
	assert_string_equal(dissect_tcp_flags_str(F_SYN | F_ACK, s), "S.");
	assert_string_equal(dissect_tcp_flags_str(F_RST, s), "R");
	assert_string_equal(dissect_tcp_flags_str(0xff, s), "FSRP.UEW");
}

static void test_arp_request_and_reply_text(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, zero[6] = {0};
	struct dissect_frame f;
	char text[256];
	size_t len;
	(void)state;

	len = build_arp(FRAME, sizeof FRAME, 1, bcast, ALICE.mac, ALICE.ip, zero, BOB.ip);
	assert_int_equal(len, 42);
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_ARP);
	assert_string_equal(text, "ARP who-has 10.0.0.20 tell 10.0.0.10");
	assert_int_equal(f.arp.op, DISSECT_ARP_REQUEST);
	assert_true(f.arp.eth_ip4);
	assert_string_equal(dissect_proto_name(f.proto), "arp");

	len = build_arp(FRAME, sizeof FRAME, 2, ALICE.mac, BOB.mac, BOB.ip, ALICE.mac, ALICE.ip);
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_ARP);
	assert_string_equal(text, "ARP reply 10.0.0.20 is-at 02:00:00:00:00:0b");

	/* Mallory's poisoned reply says the same of her own MAC. */
	len = build_arp(FRAME, sizeof FRAME, 2, ALICE.mac, MALLORY_MAC, BOB.ip, ALICE.mac, ALICE.ip);
	dissect_copy(FRAME, len, &f, text, sizeof text);
	assert_string_equal(text, "ARP reply 10.0.0.20 is-at 02:00:00:00:00:66");

	/* Padded to the Ethernet minimum: the padding is ignored. */
	memset(FRAME + 42, 0, 18);
	assert_int_equal(dissect_copy(FRAME, 60, &f, text, sizeof text), DISSECT_ARP);

	/* Every truncation is malformed. */
	for (size_t n = 0; n < 42; n++)
		assert_int_equal(dissect_copy(FRAME, n, &f, text, sizeof text), DISSECT_MALFORMED);
}

static void test_other_protocols_text(void **state)
{
	struct dissect_frame f;
	struct mlab_wr w;
	char text[256];
	(void)state;

	/* UDP */
	mlab_wr_init(&w, FRAME, sizeof FRAME);
	put_eth(&w, BOB.mac, ALICE.mac, 0x0800);
	put_ip4(&w, ALICE.ip, BOB.ip, 17, 8 + 5);
	assert_err(mlab_wr_u16(&w, 5353), 0);
	assert_err(mlab_wr_u16(&w, 53), 0);
	assert_err(mlab_wr_u16(&w, 8 + 5), 0);
	assert_err(mlab_wr_u16(&w, 0), 0);
	assert_err(mlab_wr_bytes(&w, "hello", 5), 0);
	assert_int_equal(dissect_copy(FRAME, w.len, &f, text, sizeof text), DISSECT_IPV4_UDP);
	assert_string_equal(text, "10.0.0.10:5353 > 10.0.0.20:53 UDP len 5");
	/* UDP length beyond the datagram. */
	FRAME[ETH_HDR + IP_HDR + 5] = 200;
	assert_int_equal(dissect_copy(FRAME, w.len, &f, text, sizeof text), DISSECT_MALFORMED);
	/* UDP length below 8. */
	FRAME[ETH_HDR + IP_HDR + 5] = 7;
	assert_int_equal(dissect_copy(FRAME, w.len, &f, text, sizeof text), DISSECT_MALFORMED);

	/* ICMP echo request */
	mlab_wr_init(&w, FRAME, sizeof FRAME);
	put_eth(&w, BOB.mac, ALICE.mac, 0x0800);
	put_ip4(&w, ALICE.ip, BOB.ip, 1, 8);
	assert_err(mlab_wr_u8(&w, 8), 0);
	assert_err(mlab_wr_u8(&w, 0), 0);
	assert_err(mlab_wr_u16(&w, 0), 0);
	assert_err(mlab_wr_u16(&w, 7), 0);
	assert_err(mlab_wr_u16(&w, 3), 0);
	assert_int_equal(dissect_copy(FRAME, w.len, &f, text, sizeof text), DISSECT_IPV4_ICMP);
	assert_string_equal(text, "10.0.0.10 > 10.0.0.20 ICMP echo request id 7 seq 3");
	assert_string_equal(dissect_proto_name(f.proto), "ipv4-icmp");

	/* Another IPv4 protocol (GRE) */
	mlab_wr_init(&w, FRAME, sizeof FRAME);
	put_eth(&w, BOB.mac, ALICE.mac, 0x0800);
	put_ip4(&w, ALICE.ip, BOB.ip, 47, 4);
	assert_err(mlab_wr_u32(&w, 0), 0);
	assert_int_equal(dissect_copy(FRAME, w.len, &f, text, sizeof text), DISSECT_OTHER);
	assert_string_equal(text, "10.0.0.10 > 10.0.0.20 IPv4 proto 47 len 4");

	/* IPv6: noted */
	mlab_wr_init(&w, FRAME, sizeof FRAME);
	put_eth(&w, BOB.mac, ALICE.mac, 0x86dd);
	assert_err(mlab_wr_u32(&w, 0x60000000), 0);
	assert_err(mlab_wr_u16(&w, 0), 0);
	assert_err(mlab_wr_u8(&w, 59), 0);
	assert_err(mlab_wr_u8(&w, 64), 0);
	uint8_t a6[16] = {0xfe, 0x80}, b6[16] = {0xff, 0x02};
	a6[15] = 1;
	b6[15] = 2;
	assert_err(mlab_wr_bytes(&w, a6, 16), 0);
	assert_err(mlab_wr_bytes(&w, b6, 16), 0);
	assert_int_equal(dissect_copy(FRAME, w.len, &f, text, sizeof text), DISSECT_IPV6);
	assert_string_equal(text, "fe80::1 > ff02::2 IPv6 next-header 59 len 0");
	assert_string_equal(dissect_proto_name(f.proto), "ipv6");
	assert_int_equal(dissect_copy(FRAME, w.len - 1, &f, text, sizeof text), DISSECT_MALFORMED);

	/* Another ethertype */
	mlab_wr_init(&w, FRAME, sizeof FRAME);
	put_eth(&w, BOB.mac, ALICE.mac, 0x88cc);
	assert_err(mlab_wr_u32(&w, 0), 0);
	assert_int_equal(dissect_copy(FRAME, w.len, &f, text, sizeof text), DISSECT_OTHER);
	assert_string_equal(text, "02:00:00:00:00:0a > 02:00:00:00:00:0b ethertype 0x88cc (18 bytes)");
	assert_string_equal(dissect_proto_name(f.proto), "other");
}

static void test_fragments_noted_not_followed(void **state)
{
	struct dissect_frame f;
	char text[256];
	size_t len;
	(void)state;

	/* A first fragment (MF) of a TCP segment to the port. */
	len = build_tcp(FRAME, sizeof FRAME, &ALICE, &BOB, 1, 0, F_SYN, NULL, 0);
	FRAME[ETH_HDR + 6] = 0x20;
	FRAME[ETH_HDR + 7] = 0;
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_IPV4_TCP);
	assert_true(f.ip4.fragment);
	assert_non_null(strstr(text, "first fragment"));
	feed(FRAME, len);
	assert_int_equal(sniff_stream_flows(S), 0);
	assert_int_equal(sniff_stream_stats(S)->fragments, 1);

	/* A later fragment: no transport header to read. */
	FRAME[ETH_HDR + 6] = 0x00;
	FRAME[ETH_HDR + 7] = 0xb9; /* offset 185 * 8 = 1480 */
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_OTHER);
	assert_int_equal(f.ip4.frag_off, 1480);
	assert_non_null(strstr(text, "fragment"));
}

/* ======================================================================
 * Dissector: malformed frames
 * ====================================================================== */

static void test_every_truncation_of_a_tcp_frame_malformed(void **state)
{
	struct dissect_frame f;
	char text[256];
	size_t len;
	(void)state;

	len = build_tcp(FRAME, sizeof FRAME, &ALICE, &BOB, 5, 6, F_PSH | F_ACK, "payload!", 8);
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_IPV4_TCP);
	for (size_t n = 0; n < len; n++) {
		assert_int_equal(dissect_copy(FRAME, n, &f, text, sizeof text), DISSECT_MALFORMED);
		assert_non_null(strstr(text, "malformed"));
		/* The stream tracker ignores them. */
		feed(FRAME, n);
	}
	assert_int_equal(LOG.n, 0);
	assert_int_equal(sniff_stream_flows(S), 0);
}

static void test_short_ethernet_malformed(void **state)
{
	struct dissect_frame f;
	char text[256];
	(void)state;

	memset(FRAME, 0xee, 14);
	for (size_t n = 0; n < 14; n++) {
		assert_int_equal(dissect_copy(FRAME, n, &f, text, sizeof text), DISSECT_MALFORMED);
		assert_string_equal(f.malformed, "Ethernet header truncated");
		assert_false(f.have_eth);
	}
	assert_int_equal(dissect_copy(FRAME, 0, &f, text, sizeof text), DISSECT_MALFORMED);
	assert_string_equal(text, "malformed: Ethernet header truncated (0 bytes)");
	assert_string_equal(dissect_proto_name(f.proto), "malformed");
}

static void test_ipv4_bad_ihl_malformed(void **state)
{
	struct dissect_frame f;
	char text[256];
	size_t len;
	(void)state;

	len = build_tcp(FRAME, sizeof FRAME, &ALICE, &BOB, 5, 6, F_ACK, NULL, 0);
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		FRAME[ETH_HDR] = (uint8_t)(0x40 | ihl);
		assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
		assert_string_equal(f.malformed, "IPv4 header length below 20 bytes");
	}
	/* IHL 15 (60 bytes) with only 20 + 20 behind the Ethernet header: options
	 * would eat the TCP header, and then the total length is wrong. */
	FRAME[ETH_HDR] = 0x4f;
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
	/* IHL beyond the captured bytes. */
	assert_int_equal(dissect_copy(FRAME, ETH_HDR + 40, &f, text, sizeof text), DISSECT_MALFORMED);
	/* Version 6 behind ethertype IPv4. */
	FRAME[ETH_HDR] = 0x65;
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
	assert_string_equal(f.malformed, "IPv4 version field is not 4");
}

static void test_ipv4_total_length_checked(void **state)
{
	struct dissect_frame f;
	char text[256];
	size_t len;
	(void)state;

	len = build_tcp(FRAME, sizeof FRAME, &ALICE, &BOB, 5, 6, F_PSH | F_ACK, "data", 4);
	/* One byte more than captured. */
	FRAME[ETH_HDR + 2] = 0;
	FRAME[ETH_HDR + 3] = (uint8_t)(IP_HDR + TCP_HDR + 4 + 1);
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
	assert_string_equal(f.malformed, "IPv4 total length exceeds the captured bytes");
	/* 0xffff */
	FRAME[ETH_HDR + 2] = 0xff;
	FRAME[ETH_HDR + 3] = 0xff;
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
	/* Smaller than the IPv4 header. */
	FRAME[ETH_HDR + 2] = 0;
	FRAME[ETH_HDR + 3] = 19;
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
	assert_string_equal(f.malformed, "IPv4 total length smaller than its header");
	/* Room for the IPv4 header but not the TCP header. */
	FRAME[ETH_HDR + 3] = IP_HDR + 10;
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
	assert_string_equal(f.malformed, "TCP header truncated");
	/* Shorter than captured (Ethernet padding): the payload ends at the total length. */
	FRAME[ETH_HDR + 3] = IP_HDR + TCP_HDR + 2;
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_IPV4_TCP);
	assert_int_equal(f.tcp.payload_len, 2);
}

static void test_ethernet_padding_not_payload(void **state)
{
	struct conn k;
	size_t len;
	(void)state;

	conn_open(&k, ALICE.port, 1, 2);
	/* A pure ACK padded to 60 bytes with junk: no payload. */
	len = build_tcp(FRAME, sizeof FRAME, &k.ends[C2S], &k.ends[S2C], k.seq[C2S], k.seq[S2C], F_ACK, NULL, 0);
	assert_int_equal(len, 54);
	memset(FRAME + len, 0x06, 6);
	feed(FRAME, 60);
	assert_int_equal(count("stream-error"), 0);
	handshake(&k, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	assert_int_equal(count("handshake-seen"), 6);
	assert_int_equal(count("stream-error"), 0);
}

static void test_tcp_data_offset_checked(void **state)
{
	struct dissect_frame f;
	char text[256];
	size_t len;
	const size_t doff_at = ETH_HDR + IP_HDR + 12;
	(void)state;

	len = build_tcp(FRAME, sizeof FRAME, &ALICE, &BOB, 5, 6, F_PSH | F_ACK, "abcd", 4);
	for (uint8_t doff = 0; doff < 5; doff++) {
		FRAME[doff_at] = (uint8_t)(doff << 4);
		assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
		assert_string_equal(f.malformed, "TCP data offset below 20 bytes");
	}
	/* 6 words = 24 bytes: the 4 payload bytes become options. */
	FRAME[doff_at] = 6 << 4;
	assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_IPV4_TCP);
	assert_int_equal(f.tcp.payload_len, 0);
	for (uint8_t doff = 7; doff < 16; doff++) {
		FRAME[doff_at] = (uint8_t)(doff << 4);
		assert_int_equal(dissect_copy(FRAME, len, &f, text, sizeof text), DISSECT_MALFORMED);
		assert_string_equal(f.malformed, "TCP data offset beyond the packet");
		feed(FRAME, len);
	}
	assert_int_equal(LOG.n, 0);
}

/* xorshift: reproducible noise. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_random_and_mutated_frames_never_crash(void **state)
{
	static uint8_t buf[256];
	static struct msgbuf m;
	struct dissect_frame f;
	char text[256];
	uint32_t seed = 0x5eed1234;
	struct conn k;
	(void)state;

	/* Pure noise, any length. */
	for (int i = 0; i < 20000; i++) {
		size_t n = rnd(&seed) % sizeof buf;
		for (size_t j = 0; j < n; j++)
			buf[j] = (uint8_t)rnd(&seed);
		if (n > 13 && (i & 1)) { /* often IPv4, to get past Ethernet */
			buf[12] = 0x08;
			buf[13] = 0x00;
		}
		dissect_copy(buf, n, &f, text, sizeof text);
		feed(buf, n);
	}
	/* A valid session's frames with a few bytes flipped, on the port. */
	conn_open(&k, ALICE.port, 1, 2);
	mb_init(&m);
	put_client_hello(&m, (const uint8_t[]){MLAB_CIPHER_NONE}, 1);
	put_server_hello(&m, MLAB_MODE_NONE, MLAB_CIPHER_NONE);
	put_text_record(&m, 0, "mutant");
	for (int i = 0; i < 20000; i++) {
		size_t len = build_tcp(FRAME, sizeof FRAME, &k.ends[i & 1], &k.ends[!(i & 1)],
				       k.seq[i & 1] + (rnd(&seed) % 3 == 0 ? rnd(&seed) % 200 : 0), k.seq[!(i & 1)],
				       (uint8_t)(rnd(&seed) % 4 == 0 ? rnd(&seed) : F_PSH | F_ACK), m.p,
				       rnd(&seed) % (m.w.len + 1));
		for (int flips = (int)(rnd(&seed) % 4); flips > 0; flips--)
			FRAME[rnd(&seed) % len] ^= (uint8_t)(1u << (rnd(&seed) % 8));
		feed(FRAME, len - (rnd(&seed) % 8 == 0 ? rnd(&seed) % len : 0));
	}
	assert_true(sniff_stream_flows(S) <= SNIFF_MAX_FLOWS);
}

static void test_printable(void **state)
{
	char out[16];
	(void)state;
	sniff_printable((const uint8_t *)"hi\\\n", 4, out, sizeof out);
	assert_string_equal(out, "hi\\x5c\\x0a");
	sniff_printable((const uint8_t *)"abcdefghijklmnopqrstuvwxyz", 26, out, sizeof out);
	assert_string_equal(out, "abcdefghi...");
	assert_true(strlen(out) < sizeof out);
	sniff_printable((const uint8_t *)"", 0, out, sizeof out);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_plaintext_session_every_message_reported),
	    T(test_aead_session_records_unreadable),
	    T(test_frame_split_over_three_segments),
	    T(test_two_frames_in_one_segment),
	    T(test_largest_record_over_many_segments),
	    T(test_retransmission_not_reported_twice),
	    T(test_retransmitted_syn_and_handshake_once),
	    T(test_out_of_order_dropped_then_gap_resynchronises),
	    T(test_reordered_segment_dropped_and_counted),
	    T(test_many_segments_ahead_count_as_lost),
	    T(test_garbage_on_port_one_stream_error),
	    T(test_bad_message_body_one_stream_error),
	    T(test_oversized_frame_header_stream_error),
	    T(test_plain_record_bad_content_and_short),
	    T(test_non_utf8_message_has_hex_not_text),
	    T(test_alert_seen),
	    T(test_joined_mid_stream_waits_for_frame_boundary),
	    T(test_rst_forgets_and_new_syn_restarts),
	    T(test_new_syn_on_same_tuple_resets_cipher),
	    T(test_flow_table_bounded_oldest_evicted),
	    T(test_other_ports_ignored),
	    T(test_tcp_summary_text),
	    T(test_tcp_flags_letters),
	    T(test_arp_request_and_reply_text),
	    T(test_other_protocols_text),
	    T(test_fragments_noted_not_followed),
	    T(test_every_truncation_of_a_tcp_frame_malformed),
	    T(test_short_ethernet_malformed),
	    T(test_ipv4_bad_ihl_malformed),
	    T(test_ipv4_total_length_checked),
	    T(test_ethernet_padding_not_payload),
	    T(test_tcp_data_offset_checked),
	    T(test_random_and_mutated_frames_never_crash),
	    T(test_printable),
#undef T
	};
	return cmocka_run_group_tests_name("mallory_sniff", tests, NULL, NULL);
}
