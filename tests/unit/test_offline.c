/* Unit tests for mallory --decrypt: mallory/pcap_file (a recorded capture read
 * with libpcap, as hostile input) and mallory/offline (its frames through the
 * sniffing path, half sessions, the key-recovery hooks), and her command line
 * for the mode.
 *
 * Conversations are built as in test_sniff.c (Ethernet / IPv4 / TCP by hand,
 * protocol messages with lib/'s encoders), recorded as a list of frames and
 * written to pcap files in a private temporary directory with libpcap's own
 * writer (pcap_open_dead + pcap_dump_open), the way the lab runner writes
 * wire.pcap; hostile files (wrong magic, other link types, pcapng, bad packet
 * headers) are written byte by byte. Events are collected through the
 * emitter's sink. No network. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "test_util.h"

#include "mallory_opts.h"
#include "mlab_buf.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_record.h"
#include "mlab_wire.h"
#include "offline.h"
#include "pcap_file.h"
#include "sniff.h"
#include "sniff_stream.h"

/* ======================================================================
 * Event log (the emitter's sink)
 * ====================================================================== */

#define MAX_EVENTS 2048

struct log {
	size_t n;
	json_t *ev[MAX_EVENTS];
};

static struct log LOG;

static void sink(void *arg, const char *name, const json_t *event)
{
	struct log *l = arg;
	(void)name;
	if (l->n < MAX_EVENTS)
		l->ev[l->n++] = json_incref((json_t *)event);
}

static void log_clear(struct log *l)
{
	for (size_t i = 0; i < l->n; i++)
		json_decref(l->ev[i]);
	l->n = 0;
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

static json_t *nth(const char *name, size_t i)
{
	for (size_t k = 0; k < LOG.n; k++)
		if (strcmp(ev_name(LOG.ev[k]), name) == 0 && i-- == 0)
			return LOG.ev[k];
	fail_msg("no event %s #%zu (%zu events logged)", name, i, LOG.n);
	return NULL;
}

/* The position of the first event called name, or LOG.n. */
static size_t pos(const char *name)
{
	size_t k = 0;
	while (k < LOG.n && strcmp(ev_name(LOG.ev[k]), name) != 0)
		k++;
	return k;
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

/* The stream-gap events of a reason, in order. */
static size_t gaps(const char *reason)
{
	size_t n = 0;
	for (size_t i = 0; i < LOG.n; i++)
		n += strcmp(ev_name(LOG.ev[i]), "stream-gap") == 0 &&
		     strcmp(json_string_value(json_object_get(LOG.ev[i], "reason")), reason) == 0;
	return n;
}

static json_t *nth_gap(const char *reason, size_t i)
{
	for (size_t k = 0; k < LOG.n; k++)
		if (strcmp(ev_name(LOG.ev[k]), "stream-gap") == 0 &&
		    strcmp(json_string_value(json_object_get(LOG.ev[k], "reason")), reason) == 0 && i-- == 0)
			return LOG.ev[k];
	fail_msg("no stream-gap %s #%zu", reason, i);
	return NULL;
}

/* ======================================================================
 * Fixture: a private directory for the capture files, an emitter into LOG
 * ====================================================================== */

#define PORT 4433
#define MAX_PKTS 512

static struct mlab_ev EV;
static char DIR_[64];

/* The frames of the conversation under construction. */
static struct {
	size_t n;
	uint8_t *p[MAX_PKTS];
	size_t len[MAX_PKTS];
} PK;

static void pk_clear(void)
{
	for (size_t i = 0; i < PK.n; i++)
		free(PK.p[i]);
	PK.n = 0;
}

static const char *path_of(const char *name)
{
	static char path[4][128];
	static unsigned k;
	char *p = path[k++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", DIR_, name);
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(DIR_, sizeof DIR_, "/tmp/mlab-offline-XXXXXX");
	if (!mkdtemp(DIR_))
		return -1;
	/* Readable lines are written (their formats run) but go nowhere. */
	mlab_ev_init(&EV, "mallory", -1, fopen("/dev/null", "w"));
	EV.sink = sink;
	EV.sink_arg = &LOG;
	return EV.text ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = {"a.pcap", "b.pcap", "c.pcap", "x.pcapng", "fifo", "link", "sub", "big"};
	(void)state;
	for (size_t i = 0; i < N_OF(names); i++) {
		const char *p = path_of(names[i]);
		if (remove(p) != 0 && errno != ENOENT)
			return -1;
	}
	rmdir(DIR_);
	fclose(EV.text);
	log_clear(&LOG);
	pk_clear();
	return 0;
}

/* ======================================================================
 * Frame builder (as test_sniff.c's): every frame goes into PK
 * ====================================================================== */

struct ep {
	uint8_t mac[6];
	uint8_t ip[4];
	uint16_t port;
};

static const struct ep ALICE = {{0x02, 0, 0, 0, 0, 0x0a}, {10, 0, 0, 10}, 51234};
static const struct ep BOB = {{0x02, 0, 0, 0, 0, 0x0b}, {10, 0, 0, 20}, PORT};
static const char *A_NAME = "10.0.0.10:51234";
static const char *B_NAME = "10.0.0.20:4433";

#define HDRS (14 + 20 + 20)
#define MSS 1460

#define F_FIN 0x01
#define F_SYN 0x02
#define F_PSH 0x08
#define F_ACK 0x10

static size_t build_tcp(uint8_t *out, size_t cap, const struct ep *src, const struct ep *dst, uint32_t seq,
			uint32_t ack, uint8_t flags, const void *payload, size_t len)
{
	struct mlab_wr w;

	mlab_wr_init(&w, out, cap);
	assert_err(mlab_wr_bytes(&w, dst->mac, 6), 0);
	assert_err(mlab_wr_bytes(&w, src->mac, 6), 0);
	assert_err(mlab_wr_u16(&w, 0x0800), 0);
	assert_err(mlab_wr_u8(&w, 0x45), 0);
	assert_err(mlab_wr_u8(&w, 0), 0);
	assert_err(mlab_wr_u16(&w, (uint16_t)(20 + 20 + len)), 0);
	assert_err(mlab_wr_u16(&w, 0x1234), 0);
	assert_err(mlab_wr_u16(&w, 0x4000), 0);
	assert_err(mlab_wr_u8(&w, 64), 0);
	assert_err(mlab_wr_u8(&w, 6), 0);
	assert_err(mlab_wr_u16(&w, 0), 0); /* checksums: not checked */
	assert_err(mlab_wr_bytes(&w, src->ip, 4), 0);
	assert_err(mlab_wr_bytes(&w, dst->ip, 4), 0);
	assert_err(mlab_wr_u16(&w, src->port), 0);
	assert_err(mlab_wr_u16(&w, dst->port), 0);
	assert_err(mlab_wr_u32(&w, seq), 0);
	assert_err(mlab_wr_u32(&w, (flags & F_ACK) ? ack : 0), 0);
	assert_err(mlab_wr_u8(&w, 5 << 4), 0);
	assert_err(mlab_wr_u8(&w, flags), 0);
	assert_err(mlab_wr_u16(&w, 64240), 0);
	assert_err(mlab_wr_u32(&w, 0), 0);
	if (len)
		assert_err(mlab_wr_bytes(&w, payload, len), 0);
	return w.len;
}

enum { C2S = SNIFF_C2S, S2C = SNIFF_S2C };

struct conn {
	struct ep ends[2];
	uint32_t seq[2];
};

static void seg_flags(struct conn *k, int dir, uint8_t flags, const void *p, size_t n)
{
	static uint8_t frame[HDRS + MSS];
	size_t len;

	assert_true(n <= MSS && PK.n < MAX_PKTS);
	len = build_tcp(frame, sizeof frame, &k->ends[dir], &k->ends[!dir], k->seq[dir], k->seq[!dir], flags, p, n);
	PK.p[PK.n] = dup_exact(frame, len);
	PK.len[PK.n++] = len;
	k->seq[dir] += (uint32_t)n + ((flags & (F_SYN | F_FIN)) ? 1u : 0u);
}

static void send_bytes(struct conn *k, int dir, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t k_ = n < MSS ? n : MSS;
		seg_flags(k, dir, F_PSH | F_ACK, p, k_);
		p += k_;
		n -= k_;
	}
}

static void conn_open(struct conn *k, uint32_t cisn, uint32_t sisn)
{
	k->ends[C2S] = ALICE;
	k->ends[S2C] = BOB;
	k->seq[C2S] = cisn;
	k->seq[S2C] = sisn;
	seg_flags(k, C2S, F_SYN, NULL, 0);
	seg_flags(k, S2C, F_SYN | F_ACK, NULL, 0);
	seg_flags(k, C2S, F_ACK, NULL, 0);
}

static void conn_close(struct conn *k)
{
	seg_flags(k, C2S, F_FIN | F_ACK, NULL, 0);
	seg_flags(k, S2C, F_FIN | F_ACK, NULL, 0);
	seg_flags(k, C2S, F_ACK, NULL, 0);
}

struct msgbuf {
	uint8_t p[2 * MLAB_MAX_FRAME];
	struct mlab_wr w;
};

static void mb_init(struct msgbuf *m)
{
	mlab_wr_init(&m->w, m->p, sizeof m->p);
}

static void flush_msgs(struct conn *k, int dir, struct msgbuf *m)
{
	send_bytes(k, dir, m->p, m->w.len);
	mb_init(m);
}

/* A handshake in mode none with record cipher `cipher`, flights as the peers write them. */
static void handshake(struct conn *k, uint8_t cipher)
{
	static struct msgbuf m;
	struct mlab_client_hello ch = {.version = MLAB_VERSION, .n_modes = 1, .n_groups = 1, .n_ciphers = 1};
	struct mlab_server_hello sh = {
	    .version = MLAB_VERSION, .mode = MLAB_MODE_NONE, .group = MLAB_GROUP_X25519, .cipher = cipher};
	uint8_t share[32];
	struct mlab_key_share ks = {.group = MLAB_GROUP_X25519, .len = sizeof share, .share = share};
	struct mlab_finished fin;

	memset(ch.nonce, 0xc1, sizeof ch.nonce);
	ch.modes[0] = MLAB_MODE_NONE;
	ch.groups[0] = MLAB_GROUP_X25519;
	ch.ciphers[0] = cipher;
	memset(sh.nonce, 0x5e, sizeof sh.nonce);
	mb_init(&m);
	assert_err(mlab_client_hello_encode(&m.w, &ch), 0);
	flush_msgs(k, C2S, &m);
	memset(share, 0x22, sizeof share);
	assert_err(mlab_server_hello_encode(&m.w, &sh), 0);
	assert_err(mlab_key_share_encode(&m.w, &ks), 0);
	flush_msgs(k, S2C, &m);
	memset(share, 0x11, sizeof share);
	memset(fin.mac, 0xf1, sizeof fin.mac);
	assert_err(mlab_key_share_encode(&m.w, &ks), 0);
	assert_err(mlab_finished_encode(&m.w, &fin), 0);
	flush_msgs(k, C2S, &m);
	memset(fin.mac, 0xf2, sizeof fin.mac);
	assert_err(mlab_finished_encode(&m.w, &fin), 0);
	flush_msgs(k, S2C, &m);
}

static void put_plain(struct msgbuf *m, uint64_t seq, uint8_t content, const char *text)
{
	size_t n = text ? strlen(text) : 0;
	assert_err(mlab_frame_put_hdr(&m->w, MLAB_MSG_RECORD, MLAB_SEQ_LEN + 1 + n), 0);
	assert_err(mlab_wr_u64(&m->w, seq), 0);
	assert_err(mlab_wr_u8(&m->w, content), 0);
	if (n)
		assert_err(mlab_wr_bytes(&m->w, text, n), 0);
}

static void send_text(struct conn *k, int dir, uint64_t seq, const char *text)
{
	static struct msgbuf m;
	mb_init(&m);
	put_plain(&m, seq, MLAB_CONTENT_DATA, text);
	flush_msgs(k, dir, &m);
}

/* The plaintext session: handshake (cipher none), two messages each way, the
 * close records, the TCP close. Returns the number of frames. */
static size_t plaintext_session(void)
{
	struct conn k;
	static struct msgbuf m;

	conn_open(&k, 1000, 5000);
	handshake(&k, MLAB_CIPHER_NONE);
	send_text(&k, C2S, 0, "hello bob");
	send_text(&k, S2C, 0, "bob got: hello bob");
	send_text(&k, C2S, 1, "second");
	send_text(&k, S2C, 1, "bob got: second");
	mb_init(&m);
	put_plain(&m, 2, MLAB_CONTENT_CLOSE, NULL);
	flush_msgs(&k, C2S, &m);
	put_plain(&m, 2, MLAB_CONTENT_CLOSE, NULL);
	flush_msgs(&k, S2C, &m);
	conn_close(&k);
	return PK.n;
}

/* ======================================================================
 * Capture files
 * ====================================================================== */

#define TS0 1700000000

/* PK[from, to) as a pcap file written by libpcap (DLT_EN10MB, snaplen
 * 65535, microseconds: the runner's wire.pcap), frame i at TS0 + i ms. */
static const char *write_pcap(const char *name, size_t from, size_t to)
{
	const char *path = path_of(name);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d;

	assert_non_null(dead);
	assert_non_null(d = pcap_dump_open(dead, path));
	for (size_t i = from; i < to; i++) {
		struct pcap_pkthdr h = {.caplen = (bpf_u_int32)PK.len[i], .len = (bpf_u_int32)PK.len[i]};
		h.ts.tv_sec = TS0;
		h.ts.tv_usec = (suseconds_t)(i * 1000);
		pcap_dump((u_char *)d, &h, PK.p[i]);
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return path;
}

static const char *write_bytes(const char *name, const void *p, size_t n)
{
	const char *path = path_of(name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void put32(struct mlab_wr *w, uint32_t v) /* little-endian, as a capture written here */
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	assert_err(mlab_wr_bytes(w, b, 4), 0);
}

static void put16(struct mlab_wr *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	assert_err(mlab_wr_bytes(w, b, 2), 0);
}

static void pcap_hdr(struct mlab_wr *w, uint32_t snaplen, uint32_t linktype)
{
	put32(w, 0xa1b2c3d4);
	put16(w, 2);
	put16(w, 4);
	put32(w, 0);
	put32(w, 0);
	put32(w, snaplen);
	put32(w, linktype);
}

static void pkt_hdr(struct mlab_wr *w, uint32_t caplen, uint32_t len)
{
	put32(w, TS0);
	put32(w, 0);
	put32(w, caplen);
	put32(w, len);
}

/* A pcapng file: a section header, one interface of linktype, and an
 * enhanced packet block for each frame of PK. */
static const char *write_pcapng(const char *name, uint16_t linktype)
{
	static uint8_t buf[1 << 20];
	struct mlab_wr w;

	mlab_wr_init(&w, buf, sizeof buf);
	put32(&w, 0x0a0d0d0a); /* section header block */
	put32(&w, 28);
	put32(&w, 0x1a2b3c4d);
	put16(&w, 1);
	put16(&w, 0);
	put32(&w, 0xffffffff); /* section length: unknown */
	put32(&w, 0xffffffff);
	put32(&w, 28);
	put32(&w, 1); /* interface description block */
	put32(&w, 20);
	put16(&w, linktype);
	put16(&w, 0);
	put32(&w, 65535);
	put32(&w, 20);
	for (size_t i = 0; i < PK.n; i++) {
		uint32_t padded = (uint32_t)((PK.len[i] + 3) & ~(size_t)3);
		uint64_t us = (uint64_t)TS0 * 1000000 + i * 1000;
		put32(&w, 6); /* enhanced packet block */
		put32(&w, 32 + padded);
		put32(&w, 0);
		put32(&w, (uint32_t)(us >> 32));
		put32(&w, (uint32_t)us);
		put32(&w, (uint32_t)PK.len[i]);
		put32(&w, (uint32_t)PK.len[i]);
		assert_err(mlab_wr_bytes(&w, PK.p[i], PK.len[i]), 0);
		for (size_t k = PK.len[i]; k < padded; k++)
			assert_err(mlab_wr_u8(&w, 0), 0);
		put32(&w, 32 + padded);
	}
	return write_bytes(name, buf, w.len);
}

/* ======================================================================
 * Running the offline path
 * ====================================================================== */

static int run_hooks(const char *path, const struct offline_hooks *hooks, uint64_t max_frames)
{
	struct offline_config c = {.capture = path, .fd = -1, .port = PORT, .max_frames = max_frames, .hooks = hooks};
	log_clear(&LOG);
	return offline_run(&c, &EV);
}

static int run(const char *path)
{
	return run_hooks(path, NULL, 0);
}

/* The capture could not be read: exit 3, one error in capture whose detail
 * holds want, no decrypt-start or decrypt-done. */
static void assert_refused(const char *path, const char *want)
{
	assert_int_equal(run(path), MALLORY_EXIT_NETWORK);
	assert_int_equal(count("error"), 1);
	json_t *e = nth("error", 0);
	assert_string_equal(str(e, "where"), "capture");
	assert_string_equal(str(e, "error"), "io");
	if (!strstr(str(e, "detail"), want))
		fail_msg("detail \"%s\" does not say \"%s\"", str(e, "detail"), want);
	assert_int_equal(count("decrypt-start"), 0);
	assert_int_equal(count("decrypt-done"), 0);
}

static void assert_done(uint64_t frames, uint64_t conns, uint64_t records, uint64_t decrypted, const char *reason)
{
	assert_int_equal(count("decrypt-done"), 1);
	json_t *e = nth("decrypt-done", 0);
	assert_true(e == LOG.ev[LOG.n - 1]); /* the last word */
	assert_int_equal(num(e, "frames"), frames);
	assert_int_equal(num(e, "connections"), conns);
	assert_int_equal(num(e, "records"), records);
	assert_int_equal(num(e, "decrypted"), decrypted);
	assert_string_equal(str(e, "reason"), reason);
}

static void assert_ends(const json_t *e, int dir)
{
	assert_string_equal(str(e, "from"), dir == C2S ? A_NAME : B_NAME);
	assert_string_equal(str(e, "to"), dir == C2S ? B_NAME : A_NAME);
}

/* ======================================================================
 * Whole sessions
 * ====================================================================== */

/* The events of PK fed live (sniff_frame, as sniff mode does), without "t". */
static void live_events(struct log *out)
{
	struct mlab_ev ev;
	struct sniff_stream *ss;

	mlab_ev_init(&ev, "mallory", -1, NULL);
	ev.sink = sink;
	ev.sink_arg = out;
	assert_non_null(ss = sniff_stream_new(PORT, &ev));
	for (size_t i = 0; i < PK.n; i++) {
		uint8_t *copy = dup_exact(PK.p[i], PK.len[i]);
		assert_int_equal(sniff_frame(&ev, ss, i + 1, copy, PK.len[i], PK.len[i], NULL), 0);
		free(copy);
	}
	sniff_stream_free(ss);
}

static void test_plaintext_session_same_events_as_live(void **state)
{
	static struct log live;
	size_t n = plaintext_session(), k = 0;
	(void)state;

	assert_int_equal(run(write_pcap("a.pcap", 0, n)), MALLORY_EXIT_OK);
	json_t *e = nth("decrypt-start", 0);
	assert_true(e == LOG.ev[0]);
	assert_string_equal(str(e, "capture"), path_of("a.pcap"));
	assert_string_equal(str(e, "format"), "pcap");
	assert_int_equal(num(e, "snaplen"), 65535);
	assert_int_equal(num(e, "port"), PORT);
	assert_null(json_object_get(e, "key"));
	assert_int_equal(count("frame"), n);
	assert_int_equal(count("handshake-seen"), 6);
	assert_int_equal(count("message-read"), 4);
	assert_string_equal(str(nth("message-read", 1), "text"), "bob got: hello bob");
	assert_null(json_object_get(nth("message-read", 1), "decrypted"));
	assert_int_equal(count("close-seen"), 2);
	assert_int_equal(count("stream-gap"), 0); /* seen whole: no half session */
	assert_int_equal(count("error"), 0);
	assert_done(n, 1, 6, 0, "end");
	/* The capture's own time on every frame. */
	double ts = json_real_value(json_object_get(nth("frame", 3), "ts"));
	assert_true(ts > TS0 + 0.0029 && ts < TS0 + 0.0031);

	/* Event for event what sniffing saw live, but for the start, the end and the times. */
	live_events(&live);
	for (size_t i = 0; i < LOG.n; i++) {
		json_t *o = json_deep_copy(LOG.ev[i]);
		const char *name = ev_name(o);
		if (strcmp(name, "decrypt-start") == 0 || strcmp(name, "decrypt-done") == 0) {
			json_decref(o);
			continue;
		}
		json_t *l = json_deep_copy(live.ev[k++]);
		json_object_del(o, "t");
		json_object_del(o, "ts");
		json_object_del(l, "t");
		if (!json_equal(o, l)) {
			char *a = json_dumps(o, JSON_COMPACT), *b = json_dumps(l, JSON_COMPACT);
			fail_msg("offline %s\nlive    %s", a, b);
		}
		json_decref(o);
		json_decref(l);
	}
	assert_int_equal(k, live.n);
	log_clear(&live);
}

static void test_pcapng_read_too(void **state)
{
	size_t n = plaintext_session();
	(void)state;

	assert_int_equal(run(write_pcapng("x.pcapng", DLT_EN10MB)), MALLORY_EXIT_OK);
	assert_string_equal(str(nth("decrypt-start", 0), "format"), "pcapng");
	assert_int_equal(count("handshake-seen"), 6);
	assert_int_equal(count("message-read"), 4);
	assert_done(n, 1, 6, 0, "end");
	double ts = json_real_value(json_object_get(nth("frame", 2), "ts"));
	assert_true(ts > TS0 + 0.0019 && ts < TS0 + 0.0021);
}

static void test_max_frames_and_key_recorded(void **state)
{
	struct offline_config c = {.capture = NULL, .fd = -1, .port = PORT, .max_frames = 5, .key = "leaked.key"};
	(void)state;

	plaintext_session();
	c.capture = write_pcap("a.pcap", 0, PK.n);
	log_clear(&LOG);
	assert_int_equal(offline_run(&c, &EV), MALLORY_EXIT_OK);
	assert_string_equal(str(nth("decrypt-start", 0), "key"), "leaked.key");
	assert_int_equal(count("frame"), 5);
	assert_done(5, 1, 0, 0, "max-frames");
	assert_int_equal(count("stream-gap"), 0); /* stopped on purpose: not a half session */
}

static void test_stop_flag_ends_with_stopped(void **state)
{
	volatile sig_atomic_t stop = 1;
	struct offline_config c = {.fd = -1, .port = PORT, .stop = &stop};
	(void)state;

	plaintext_session();
	c.capture = write_pcap("a.pcap", 0, PK.n);
	log_clear(&LOG);
	assert_int_equal(offline_run(&c, &EV), MALLORY_EXIT_OK);
	assert_int_equal(count("frame"), 1);
	assert_done(1, 1, 0, 0, "stopped");
}

static void test_descriptor_of_a_memfd(void **state)
{
	size_t n = plaintext_session();
	const char *path = write_pcap("a.pcap", 0, n);
	static uint8_t buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t len;
	int fd;
	(void)state;

	assert_non_null(f);
	len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	assert_true(len > 0 && len < sizeof buf);
	assert_true((fd = memfd_create("capture", MFD_CLOEXEC)) >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	struct offline_config c = {.capture = "memory", .fd = fd, .port = PORT};
	log_clear(&LOG);
	assert_int_equal(offline_run(&c, &EV), MALLORY_EXIT_OK); /* closes fd */
	assert_int_equal(count("message-read"), 4);
	assert_done(n, 1, 6, 0, "end");
	assert_int_equal(fcntl(fd, F_GETFD), -1);
}

/* ======================================================================
 * The key-recovery hooks
 * ====================================================================== */

struct fake_recovery {
	struct mlab_dir_keys keys;
	struct mlab_rec rx[2];
	uint64_t conn;
	unsigned n_hs, ends;
	double last_ts;
	uint8_t types[16];
	int dirs[16];
	uint8_t plain[MLAB_MAX_PLAINTEXT];
};

static void fake_hs(void *arg, const struct sniff_conn *flow, int dir, double ts, uint8_t type, const uint8_t *body,
		    size_t len)
{
	struct fake_recovery *r = arg;
	(void)body;
	(void)len;
	/* The capture's clock: frame i was written at TS0 + i ms. */
	assert_true(ts > TS0 && ts < TS0 + 1.0);
	if (r->n_hs > 0)
		assert_true(ts >= r->last_ts);
	r->last_ts = ts;
	assert_string_equal(flow->client, A_NAME);
	assert_string_equal(flow->server, B_NAME);
	assert_true(flow->slot < SNIFF_MAX_FLOWS);
	if (r->n_hs == 0)
		r->conn = flow->id;
	assert_int_equal(flow->id, r->conn);
	if (r->n_hs < N_OF(r->types)) {
		r->types[r->n_hs] = type;
		r->dirs[r->n_hs] = dir;
	}
	r->n_hs++;
}

/* "Recovered" keys: the test's own, as the lead's code will derive them. */
static bool fake_record(void *arg, const struct sniff_conn *flow, int dir, double ts, const uint8_t *body, size_t len,
			struct sniff_plain *plain)
{
	struct fake_recovery *r = arg;
	size_t n;

	assert_true(ts > r->last_ts); /* records come after the handshake */
	assert_int_equal(flow->cipher, MLAB_CIPHER_CHACHA20_POLY1305);
	if (mlab_rec_open(&r->rx[dir], body, len, &plain->content, r->plain, &n) != 0)
		return false;
	plain->data = r->plain;
	plain->len = n;
	return true;
}

static void fake_end(void *arg)
{
	((struct fake_recovery *)arg)->ends++;
}

static void test_hooks_see_the_transcript_and_decrypt(void **state)
{
	static struct fake_recovery r;
	struct offline_hooks hooks = {
	    .arg = &r, .on_handshake_frame = fake_hs, .on_record = fake_record, .on_end = fake_end};
	struct mlab_rec tx[2];
	struct conn k;
	static struct msgbuf m;
	(void)state;

	memset(&r, 0, sizeof r);
	memset(&r.keys, 0x42, sizeof r.keys);
	for (int d = 0; d < 2; d++) {
		mlab_rec_init(&tx[d], MLAB_CIPHER_CHACHA20_POLY1305, &r.keys);
		mlab_rec_init(&r.rx[d], MLAB_CIPHER_CHACHA20_POLY1305, &r.keys);
	}
	conn_open(&k, 77, 99);
	handshake(&k, MLAB_CIPHER_CHACHA20_POLY1305);
	mb_init(&m);
	assert_err(mlab_rec_seal(&tx[C2S], MLAB_CONTENT_DATA, (const uint8_t *)"secret", 6, &m.w), 0);
	flush_msgs(&k, C2S, &m);
	assert_err(mlab_rec_seal(&tx[S2C], MLAB_CONTENT_DATA, (const uint8_t *)"bob got: secret", 15, &m.w), 0);
	flush_msgs(&k, S2C, &m);
	/* One record the hook cannot open (its tag broken): left unreadable. */
	assert_err(mlab_rec_seal(&tx[C2S], MLAB_CONTENT_DATA, (const uint8_t *)"tampered", 8, &m.w), 0);
	m.p[m.w.len - 1] ^= 1;
	flush_msgs(&k, C2S, &m);
	assert_err(mlab_rec_seal(&tx[S2C], MLAB_CONTENT_CLOSE, NULL, 0, &m.w), 0);
	flush_msgs(&k, S2C, &m);
	conn_close(&k);

	assert_int_equal(run_hooks(write_pcap("a.pcap", 0, PK.n), &hooks, 0), MALLORY_EXIT_OK);
	/* The transcript, in wire order, with directions. */
	static const uint8_t types[] = {MLAB_MSG_CLIENT_HELLO, MLAB_MSG_SERVER_HELLO, MLAB_MSG_KEY_SHARE,
					MLAB_MSG_KEY_SHARE,    MLAB_MSG_FINISHED,     MLAB_MSG_FINISHED};
	static const int dirs[] = {C2S, S2C, S2C, C2S, C2S, S2C};
	assert_int_equal(r.n_hs, N_OF(types));
	for (size_t i = 0; i < N_OF(types); i++) {
		assert_int_equal(r.types[i], types[i]);
		assert_int_equal(r.dirs[i], dirs[i]);
	}
	assert_int_equal(r.ends, 1);
	/* Decrypted records come out as readable ones, marked. */
	assert_int_equal(count("message-read"), 2);
	json_t *e = nth("message-read", 0);
	assert_ends(e, C2S);
	assert_string_equal(str(e, "text"), "secret");
	assert_true(json_is_true(json_object_get(e, "decrypted")));
	assert_string_equal(str(nth("message-read", 1), "text"), "bob got: secret");
	assert_int_equal(count("close-seen"), 1);
	assert_true(json_is_true(json_object_get(nth("close-seen", 0), "decrypted")));
	assert_int_equal(count("record-seen"), 1);
	assert_int_equal(num(nth("record-seen", 0), "seq"), 1);
	assert_int_equal(count("stream-error"), 0);
	assert_done(PK.n, 1, 4, 3, "end");
	for (int d = 0; d < 2; d++) {
		mlab_rec_wipe(&tx[d]);
		mlab_rec_wipe(&r.rx[d]);
	}
}

/* Kind transport: alice's EncryptedPremaster in place of her KeyShare is a
 * handshake message like the others (the hooks need what follows it too). */
static void test_transport_kind_premaster_seen(void **state)
{
	static struct fake_recovery r;
	struct offline_hooks hooks = {.arg = &r, .on_handshake_frame = fake_hs};
	struct mlab_client_hello ch = {
	    .version = MLAB_VERSION, .n_modes = 1, .n_groups = 1, .n_ciphers = 1, .n_kinds = 1};
	struct mlab_server_hello sh = {.version = MLAB_VERSION,
				       .mode = MLAB_MODE_NONE,
				       .group = MLAB_GROUP_X25519,
				       .cipher = MLAB_CIPHER_AES_256_GCM,
				       .kind = MLAB_KIND_TRANSPORT};
	uint8_t ct[256];
	struct mlab_premaster pm = {.len = sizeof ct, .ct = ct};
	struct mlab_finished fin;
	struct mlab_rec tx;
	struct mlab_dir_keys keys;
	struct conn k;
	static struct msgbuf m;
	(void)state;

	memset(&r, 0, sizeof r);
	memset(ct, 0xc7, sizeof ct);
	memset(fin.mac, 0xf1, sizeof fin.mac);
	ch.modes[0] = MLAB_MODE_NONE;
	ch.groups[0] = MLAB_GROUP_X25519;
	ch.ciphers[0] = MLAB_CIPHER_AES_256_GCM;
	ch.kinds[0] = MLAB_KIND_TRANSPORT;
	conn_open(&k, 1, 2);
	mb_init(&m);
	assert_err(mlab_client_hello_encode(&m.w, &ch), 0);
	flush_msgs(&k, C2S, &m);
	assert_err(mlab_server_hello_encode(&m.w, &sh), 0);
	flush_msgs(&k, S2C, &m);
	assert_err(mlab_premaster_encode(&m.w, &pm), 0);
	assert_err(mlab_finished_encode(&m.w, &fin), 0);
	flush_msgs(&k, C2S, &m);
	assert_err(mlab_finished_encode(&m.w, &fin), 0);
	flush_msgs(&k, S2C, &m);
	memset(&keys, 0x42, sizeof keys);
	mlab_rec_init(&tx, MLAB_CIPHER_AES_256_GCM, &keys);
	assert_err(mlab_rec_seal(&tx, MLAB_CONTENT_DATA, (const uint8_t *)"hi", 2, &m.w), 0);
	flush_msgs(&k, C2S, &m);
	conn_close(&k);

	assert_int_equal(run_hooks(write_pcap("a.pcap", 0, PK.n), &hooks, 0), MALLORY_EXIT_OK);
	assert_int_equal(count("stream-error"), 0);
	assert_int_equal(count("handshake-seen"), 5);
	json_t *e = nth("handshake-seen", 2);
	assert_string_equal(str(e, "msg"), "encrypted-premaster");
	assert_ends(e, C2S);
	assert_int_equal(num(e, "premaster_len"), sizeof ct);
	assert_string_equal(str(nth("handshake-seen", 3), "msg"), "finished");
	assert_int_equal(r.n_hs, 5);
	assert_int_equal(r.types[2], MLAB_MSG_PREMASTER);
	assert_int_equal(count("record-seen"), 1);
	assert_done(PK.n, 1, 1, 0, "end");
}

static bool bad_plain(void *arg, const struct sniff_conn *flow, int dir, double ts, const uint8_t *body, size_t len,
		      struct sniff_plain *plain)
{
	(void)arg;
	(void)ts;
	(void)flow;
	(void)dir;
	(void)body;
	(void)len;
	plain->content = 9; /* no such content type */
	plain->data = (const uint8_t *)"x";
	plain->len = 1;
	return true;
}

/* A hook that hands back nonsense is caught like a bad record would be. */
static void test_hook_bad_plaintext_is_a_stream_error(void **state)
{
	struct offline_hooks hooks = {.on_record = bad_plain};
	struct mlab_rec tx;
	struct mlab_dir_keys keys;
	struct conn k;
	static struct msgbuf m;
	(void)state;

	memset(&keys, 0x42, sizeof keys);
	mlab_rec_init(&tx, MLAB_CIPHER_AES_256_GCM, &keys);
	conn_open(&k, 1, 2);
	handshake(&k, MLAB_CIPHER_AES_256_GCM);
	mb_init(&m);
	assert_err(mlab_rec_seal(&tx, MLAB_CONTENT_DATA, (const uint8_t *)"hi", 2, &m.w), 0);
	flush_msgs(&k, C2S, &m);
	conn_close(&k);
	assert_int_equal(run_hooks(write_pcap("a.pcap", 0, PK.n), &hooks, 0), MALLORY_EXIT_OK);
	assert_int_equal(count("stream-error"), 1);
	assert_string_equal(str(nth("stream-error", 0), "error"), "bad-field");
	assert_int_equal(count("message-read"), 0);
	assert_done(PK.n, 1, 1, 0, "end");
}

/* ======================================================================
 * Half sessions
 * ====================================================================== */

/* Only the second half of a connection: from bob's second message on. */
static void test_second_half_of_a_connection(void **state)
{
	struct conn k;
	size_t from;
	(void)state;

	conn_open(&k, 1000, 5000);
	handshake(&k, MLAB_CIPHER_NONE);
	send_text(&k, C2S, 0, "hello bob");
	from = PK.n;
	send_text(&k, S2C, 0, "bob got: hello bob");
	send_text(&k, C2S, 1, "second");
	send_text(&k, S2C, 1, "bob got: second");
	conn_close(&k);

	assert_int_equal(run(write_pcap("a.pcap", from, PK.n)), MALLORY_EXIT_OK);
	/* Both directions joined: reported once each, before their first record. */
	assert_int_equal(gaps("joined"), 2);
	json_t *e = nth_gap("joined", 0);
	assert_ends(e, S2C);
	assert_int_equal(num(e, "bytes"), 0); /* the segment starts with a frame */
	assert_ends(nth_gap("joined", 1), C2S);
	assert_true(pos("stream-gap") < pos("record-seen"));
	/* No server hello in the capture: the cipher is unknown. */
	assert_int_equal(count("handshake-seen"), 0);
	assert_int_equal(count("message-read"), 0);
	assert_int_equal(count("record-seen"), 3);
	assert_string_equal(str(nth("record-seen", 0), "cipher"), "unknown");
	assert_int_equal(gaps("unfinished"), 0); /* both FINs are in it */
	assert_done(PK.n - from, 1, 3, 0, "end");
}

/* A capture that starts in the middle of a segment's frame, and ends before
 * the close, in the middle of a record. */
static void test_joined_mid_frame_and_cut_before_the_close(void **state)
{
	struct conn k;
	static struct msgbuf m;
	size_t from, tail;
	(void)state;

	conn_open(&k, 1000, 5000);
	handshake(&k, MLAB_CIPHER_NONE);
	mb_init(&m);
	put_plain(&m, 0, MLAB_CONTENT_DATA, "a record split in two segments");
	tail = m.w.len - 10;
	from = PK.n + 1; /* the capture starts with the second segment */
	send_bytes(&k, C2S, m.p, 10);
	send_bytes(&k, C2S, m.p + 10, m.w.len - 10);
	send_text(&k, C2S, 1, "read");
	mb_init(&m);
	put_plain(&m, 0, MLAB_CONTENT_DATA, "cut");
	send_bytes(&k, S2C, m.p, 7); /* half of bob's record, then the capture ends */

	assert_int_equal(run(write_pcap("a.pcap", from, PK.n)), MALLORY_EXIT_OK);
	assert_int_equal(gaps("joined"), 2);
	json_t *e = nth_gap("joined", 0);
	assert_ends(e, C2S);
	assert_int_equal(num(e, "bytes"), tail); /* it starts inside the record's sequence number */
	assert_ends(nth_gap("joined", 1), S2C);
	assert_int_equal(num(nth_gap("joined", 1), "bytes"), 0);
	assert_int_equal(count("record-seen"), 1);
	assert_int_equal(num(nth("record-seen", 0), "seq"), 1);
	/* At the end: alice's side has nothing pending, bob's half a record. */
	assert_int_equal(gaps("unfinished"), 2);
	e = nth_gap("unfinished", 0);
	assert_ends(e, C2S);
	assert_int_equal(num(e, "bytes"), 0);
	e = nth_gap("unfinished", 1);
	assert_ends(e, S2C);
	assert_int_equal(num(e, "bytes"), 7);
	assert_int_equal(count("stream-error"), 0);
	assert_done(PK.n - from, 1, 1, 0, "end");
}

/* The capture ends after the handshake, the connection still open. */
static void test_whole_start_no_close(void **state)
{
	struct conn k;
	(void)state;

	conn_open(&k, 1000, 5000);
	handshake(&k, MLAB_CIPHER_NONE);
	send_text(&k, C2S, 0, "hello bob");
	assert_int_equal(run(write_pcap("a.pcap", 0, PK.n)), MALLORY_EXIT_OK);
	assert_int_equal(gaps("joined"), 0);
	assert_int_equal(gaps("unfinished"), 2);
	assert_int_equal(count("message-read"), 1);
	assert_true(pos("stream-gap") > pos("message-read"));
	assert_done(PK.n, 1, 1, 0, "end");
}

/* ======================================================================
 * Hostile files
 * ====================================================================== */

static void test_missing_directory_symlink_refused(void **state)
{
	(void)state;
	assert_refused(path_of("a.pcap"), "no such file");
	assert_int_equal(mkdir(path_of("sub"), 0700), 0);
	assert_refused(path_of("sub"), "is a directory");
	plaintext_session();
	write_pcap("a.pcap", 0, PK.n);
	assert_int_equal(symlink(path_of("a.pcap"), path_of("link")), 0);
	assert_refused(path_of("link"), "is a symbolic link");
}

/* A FIFO is refused before anything is read: opening it must not wait for a writer. */
static void test_fifo_refused_without_hanging(void **state)
{
	(void)state;
	assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
	alarm(10); /* a hang kills the suite rather than stalling it */
	assert_refused(path_of("fifo"), "not a regular file (a FIFO)");
	alarm(0);
	assert_refused("/dev/null", "not a regular file (a character device)");
}

static void test_over_one_gib_refused(void **state)
{
	int fd;
	(void)state;
	assert_true((fd = open(path_of("big"), O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(ftruncate(fd, (off_t)PCAP_FILE_MAX_SIZE + 1), 0); /* sparse: costs nothing */
	close(fd);
	assert_refused(path_of("big"), "more than the 1073741824 mallory reads");
}

static void test_empty_and_text_files_not_pcap(void **state)
{
	(void)state;
	assert_refused(write_bytes("a.pcap", "", 0), "not a pcap capture: the file is empty");
	static const char text[] = "GET / HTTP/1.1\r\nHost: bob.lab\r\n\r\nnot a capture at all\n";
	assert_refused(write_bytes("a.pcap", text, sizeof text - 1), "not a pcap capture (libpcap: ");
	/* A pcap file header cut short is not a capture either. */
	uint8_t b[64];
	struct mlab_wr w;
	mlab_wr_init(&w, b, sizeof b);
	pcap_hdr(&w, 65535, DLT_EN10MB);
	assert_refused(write_bytes("a.pcap", b, 10), "not a pcap capture (libpcap: truncated dump file");
}

static void test_other_link_types_named(void **state)
{
	uint8_t b[64];
	struct mlab_wr w;
	(void)state;

	mlab_wr_init(&w, b, sizeof b);
	pcap_hdr(&w, 65535, 113);
	pkt_hdr(&w, 4, 4);
	put32(&w, 0);
	assert_refused(write_bytes("a.pcap", b, w.len), "link type LINUX_SLL (Linux cooked v1, DLT 113)");
	mlab_wr_init(&w, b, sizeof b);
	pcap_hdr(&w, 65535, 101); /* raw IP */
	assert_refused(write_bytes("a.pcap", b, w.len), "link type RAW (Raw IP");
	plaintext_session();
	assert_refused(write_pcapng("x.pcapng", 113), "is not Ethernet");
}

static void test_truncated_mid_packet_reads_what_is_there(void **state)
{
	size_t n = plaintext_session();
	const char *path = write_pcap("a.pcap", 0, n);
	struct stat st;
	(void)state;

	/* Cut inside the last packet's bytes, then inside a packet header. */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(truncate(path, st.st_size - 10), 0);
	assert_int_equal(run(path), MALLORY_EXIT_OK);
	assert_int_equal(count("frame"), n - 1);
	assert_int_equal(count("warning"), 1);
	const char *msg = str(nth("warning", 0), "message");
	assert_non_null(strstr(msg, "the capture ends in the middle of a packet (libpcap: truncated"));
	assert_int_equal(count("message-read"), 4);
	assert_true(pos("warning") < pos("decrypt-done"));
	assert_done(n - 1, 1, 6, 0, "truncated");
	assert_int_equal(gaps("unfinished"), 0); /* only alice's last ACK is lost */

	assert_int_equal(truncate(path, st.st_size - (off_t)PK.len[n - 1] - 16 + 5), 0);
	assert_int_equal(run(path), MALLORY_EXIT_OK);
	assert_int_equal(count("frame"), n - 1);
	assert_non_null(strstr(str(nth("warning", 0), "message"), "header bytes"));
	assert_done(n - 1, 1, 6, 0, "truncated");
}

static void test_bad_packet_headers(void **state)
{
	static uint8_t b[1 << 19];
	struct mlab_wr w;
	uint8_t frame[200];
	(void)state;

	memset(frame, 0xee, sizeof frame);
	/* caplen > snaplen: libpcap keeps the snapshot length's worth, and so the frame is 100 bytes of 200. */
	mlab_wr_init(&w, b, sizeof b);
	pcap_hdr(&w, 100, DLT_EN10MB);
	pkt_hdr(&w, 200, 200);
	assert_err(mlab_wr_bytes(&w, frame, 200), 0);
	pkt_hdr(&w, 60, 60);
	assert_err(mlab_wr_bytes(&w, frame, 60), 0);
	assert_int_equal(run(write_bytes("a.pcap", b, w.len)), MALLORY_EXIT_OK);
	assert_int_equal(count("frame"), 2);
	json_t *e = nth("frame", 0);
	assert_int_equal(num(e, "caplen"), 100);
	assert_int_equal(num(e, "len"), 200);
	assert_done(2, 0, 0, 0, "end");

	/* caplen > len: corrupt, what came before is reported. */
	mlab_wr_init(&w, b, sizeof b);
	pcap_hdr(&w, 65535, DLT_EN10MB);
	pkt_hdr(&w, 60, 60);
	assert_err(mlab_wr_bytes(&w, frame, 60), 0);
	pkt_hdr(&w, 50, 20);
	assert_err(mlab_wr_bytes(&w, frame, 50), 0);
	assert_int_equal(run(write_bytes("a.pcap", b, w.len)), MALLORY_EXIT_NETWORK);
	assert_int_equal(count("decrypt-start"), 1);
	assert_int_equal(count("frame"), 1);
	assert_non_null(
	    strstr(str(nth("error", 0), "detail"), "packet 2 claims 50 captured bytes of a 20-byte packet"));
	assert_int_equal(count("decrypt-done"), 0);

	/* caplen past anything Ethernet allows, with the bytes there: libpcap refuses it. */
	mlab_wr_init(&w, b, sizeof b);
	pcap_hdr(&w, 65535, DLT_EN10MB);
	pkt_hdr(&w, 300000, 300000);
	for (size_t i = 0; i < 300000 / 4; i++)
		put32(&w, 0);
	assert_int_equal(run(write_bytes("a.pcap", b, w.len)), MALLORY_EXIT_NETWORK);
	assert_int_equal(count("frame"), 0);
	assert_non_null(strstr(str(nth("error", 0), "detail"), "packet 1 cannot be read (libpcap: "));

	/* A huge caplen in a file that ends right after it: cut short, not a huge read. */
	mlab_wr_init(&w, b, sizeof b);
	pcap_hdr(&w, 0x7fffffff, DLT_EN10MB);
	pkt_hdr(&w, 200000, 200000);
	assert_int_equal(run(write_bytes("a.pcap", b, w.len)), MALLORY_EXIT_OK);
	assert_done(0, 0, 0, 0, "truncated");
}

/* Random bytes after a valid header, and every prefix of a real capture:
 * never a crash, always one of the documented endings. */
static void test_garbage_and_every_prefix_end_cleanly(void **state)
{
	static uint8_t b[1 << 16];
	struct mlab_wr w;
	uint32_t x = 12345;
	(void)state;

	for (int round = 0; round < 50; round++) {
		mlab_wr_init(&w, b, sizeof b);
		pcap_hdr(&w, 65535, DLT_EN10MB);
		size_t n = 24 + (size_t)(round * 97 % 4000);
		for (size_t i = 24; i < n; i++) {
			x = x * 1103515245u + 12345u;
			b[i] = (uint8_t)(x >> 16);
		}
		int r = run(write_bytes("a.pcap", b, n));
		assert_true(r == MALLORY_EXIT_OK || r == MALLORY_EXIT_NETWORK);
		assert_int_equal(count("decrypt-done") + count("error"), 1);
	}
	size_t n = plaintext_session();
	const char *path = write_pcap("b.pcap", 0, n);
	FILE *f = fopen(path, "rb");
	size_t len = fread(b, 1, sizeof b, f);
	fclose(f);
	for (size_t cut = 0; cut < len; cut += 7) {
		int r = run(write_bytes("a.pcap", b, cut));
		assert_true(r == MALLORY_EXIT_OK || r == MALLORY_EXIT_NETWORK);
		assert_int_equal(count("decrypt-done") + count("error"), 1);
	}
}

/* ======================================================================
 * The command line
 * ====================================================================== */

static int parse(struct mallory_opts *o, const char *const *argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return mallory_opts_parse(o, argc, (char **)argv);
}

static void test_options(void **state)
{
	struct mallory_opts o;
	(void)state;

	assert_int_equal(parse(&o, (const char *[]){"mallory", "--decrypt", "w.pcap", NULL}), -1);
	assert_int_equal(o.mode, MALLORY_MODE_DECRYPT);
	assert_string_equal(o.capture, "w.pcap");
	assert_null(o.key);
	assert_int_equal(parse(&o, (const char *[]){"mallory", "--decrypt", "w.pcap", "--key", "k.pem", "--port",
						    "9000", "--max-frames", "3", NULL}),
			 -1);
	assert_string_equal(o.key, "k.pem");
	assert_int_equal(o.port, 9000);
	assert_int_equal(o.max_frames, 3);

	static const char *const refused[][8] = {
	    {"mallory", "--decrypt", "w.pcap", "--sniff", NULL},
	    {"mallory", "--attack", "relay", "--targets", "10.0.0.10,10.0.0.20", "--decrypt", "w.pcap", NULL},
	    {"mallory", "--decrypt", "w.pcap", "--iface", "lo", NULL},
	    {"mallory", "--decrypt", "w.pcap", "--armed", NULL},
	    {"mallory", "--decrypt", "w.pcap", "--targets", "10.0.0.10,10.0.0.20", NULL},
	    {"mallory", "--decrypt", "w.pcap", "--interval", "100", NULL},
	    {"mallory", "--decrypt", "w.pcap", "--tamper", "a=>b", NULL},
	    {"mallory", "--sniff", "--key", "k.pem", NULL},
	    {"mallory", "--decrypt", "", NULL},
	    {"mallory", "--decrypt", "w.pcap", "--key", "", NULL},
	    {"mallory", "--decrypt", NULL},
	    {"mallory", "--key", "k.pem", NULL},
	};
	for (size_t i = 0; i < N_OF(refused); i++)
		if (parse(&o, refused[i]) != MALLORY_EXIT_USAGE)
			fail_msg("case %zu accepted", i);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_plaintext_session_same_events_as_live),
	    T(test_pcapng_read_too),
	    T(test_max_frames_and_key_recorded),
	    T(test_stop_flag_ends_with_stopped),
	    T(test_descriptor_of_a_memfd),
	    T(test_hooks_see_the_transcript_and_decrypt),
	    T(test_hook_bad_plaintext_is_a_stream_error),
	    T(test_transport_kind_premaster_seen),
	    T(test_second_half_of_a_connection),
	    T(test_joined_mid_frame_and_cut_before_the_close),
	    T(test_whole_start_no_close),
	    T(test_missing_directory_symlink_refused),
	    T(test_fifo_refused_without_hanging),
	    T(test_over_one_gib_refused),
	    T(test_empty_and_text_files_not_pcap),
	    T(test_other_link_types_named),
	    T(test_truncated_mid_packet_reads_what_is_there),
	    T(test_bad_packet_headers),
	    T(test_garbage_and_every_prefix_end_cleanly),
	    T(test_options),
	};
	return cmocka_run_group_tests_name("offline", tests, NULL, NULL);
}
