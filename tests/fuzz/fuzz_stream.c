/* libFuzzer harness (make fuzz-stream): mallory's input is the network. The
 * input is a sequence of raw Ethernet frames, records of [u16 length (big
 * endian)][frame bytes] (a length past the end takes what is left), given to
 *   1. her frame dissector (dissect_frame, dissect_summary, the address
 *      formatters) and sniff_stream's reassembly exactly as her live sniff
 *      feeds them (sniff_frame for each frame, sniff_stream_finish at the
 *      end), with an observer that reads every frame it is shown and hands
 *      back a "decrypted" record now and then;
 *   2. her active relay as active.c does it for dh-mitm: the frames sent to
 *      her MAC, IPv4 TCP to or from port 4433 and not fragments, into
 *      mitm_table_input (tcp_stream per connection, the dh-mitm engine on
 *      its frames, the frames she builds to send); the input's size picks
 *      the attack (plain, tamper, strip, key fixing, downgrade, malicious g,
 *      small subgroup, record replay);
 *   3. tcp_stream on its own, for the same segments, with a rewrite that
 *      copies, grows, shrinks, drops or doubles frames, or stops rewriting
 *      (lab framing or TLS records, also picked by the size).
 * Any crash, leak, hang or sanitizer report is a bug, and so is a broken
 * invariant (a trap): the dissector returns 0 or an error exactly when the
 * frame is malformed (with a reason), its payloads lie inside the frame, its
 * lengths fit, its summary is terminated printable ASCII at any buffer size;
 * what an observer is shown is at most a frame's worth, of a connection slot
 * in range, with addresses that fit; the tracker keeps at most
 * SNIFF_MAX_FLOWS connections and counts no more segments than frames;
 * every frame mallory sends is a well-formed IPv4 TCP frame with correct
 * checksums to or from the port; tcp_stream emits segments of at most its
 * MSS, holds at most its buffer, and never counts more changed frames than
 * frames.
 *
 * Seeds: the frames of real runs' wire.pcap (tests/fuzz/corpus_stream, made
 * with tests/fuzz/pcap-seeds.py frames). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissect.h"
#include "mitm_flow.h"
#include "mlab_buf.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_group.h"
#include "mlab_wire.h"
#include "netsum.h"
#include "sniff.h"
#include "sniff_stream.h"
#include "tcp_stream.h"

#define PORT 4433
#define MAX_FRAMES 4096 /* per input */

static const uint8_t MALLORY_MAC[6] = {2, 0, 0, 0, 0, 0x66};
static const uint8_t ALICE_MAC[6] = {2, 0, 0, 0, 0, 0x0a};
static const uint8_t BOB_MAC[6] = {2, 0, 0, 0, 0, 0x0b};
static const uint8_t BOB_IP[4] = {10, 0, 0, 20};
static const char *const TAMPER[] = {"transfer 100=>transfer 9999"};

struct fx {
	struct mlab_ev ev;
	FILE *devnull;
	unsigned sum; /* every byte shown to a callback is read: ASan sees an over-read */
	uint8_t plain[MLAB_MAX_PLAINTEXT];
	uint8_t frame[14 + 60 + 60 + 65535];
	unsigned variant;
	size_t frames_seen;
};

static void trap_if(bool bad)
{
	if (bad)
		__builtin_trap();
}

static void read_all(struct fx *f, const uint8_t *p, size_t n)
{
	trap_if(n && !p);
	for (size_t i = 0; i < n; i++)
		f->sum += p[i];
}

static void check_printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	trap_if(n == cap);
	for (size_t i = 0; i < n; i++)
		trap_if(s[i] < 0x20 || s[i] > 0x7e);
}

/* ---- 1. the dissector and the live sniff ---- */

static bool inside(const uint8_t *p, size_t n, const uint8_t *q, size_t m)
{
	return m == 0 || (q >= p && q <= p + n && m <= (size_t)(p + n - q));
}

static void check_dissect(struct fx *fx, const uint8_t *p, size_t n)
{
	struct dissect_frame f;
	char line[256], mac[DISSECT_MAC_STR], ip[DISSECT_IP4_STR], fl[DISSECT_FLAGS_STR];
	int r = dissect_frame(p, n, &f);
	trap_if(f.caplen != n);
	trap_if((r != 0) != (f.proto == DISSECT_MALFORMED) || (f.proto == DISSECT_MALFORMED) != (f.malformed != NULL));
	trap_if(r != 0 && r != MLAB_E_TRUNCATED && r != MLAB_E_BAD_FIELD);
	if (f.proto == DISSECT_MALFORMED)
		check_printable(f.malformed, 256);
	trap_if(f.have_ip4 && (f.ip4.hdr_len < 20 || f.ip4.hdr_len > 60 || f.ip4.total_len < f.ip4.hdr_len));
	if (f.proto == DISSECT_IPV4_TCP) {
		trap_if(!f.have_ip4 || f.tcp.hdr_len < 20 || f.tcp.hdr_len > 60);
		trap_if(!inside(p, n, f.tcp.payload, f.tcp.payload_len));
		trap_if(f.tcp.payload && (size_t)(f.tcp.payload - p) < 14u + f.ip4.hdr_len + f.tcp.hdr_len);
		read_all(fx, f.tcp.payload, f.tcp.payload_len);
	}
	if (f.proto == DISSECT_IPV4_UDP) {
		trap_if(!f.have_ip4 || !inside(p, n, f.udp.payload, f.udp.payload_len));
		read_all(fx, f.udp.payload, f.udp.payload_len);
	}
	dissect_summary(&f, line, sizeof line);
	check_printable(line, sizeof line);
	for (size_t cap = 1; cap <= 32; cap *= 2) { /* any room: terminated, never past it */
		char *small = malloc(cap);
		trap_if(!small);
		dissect_summary(&f, small, cap);
		check_printable(small, cap);
		free(small);
	}
	if (f.have_eth) {
		check_printable(dissect_mac_str(f.src_mac, mac), sizeof mac);
		check_printable(dissect_mac_str(f.dst_mac, mac), sizeof mac);
	}
	if (f.have_ip4) {
		check_printable(dissect_ip4_str(f.ip4.src, ip), sizeof ip);
		check_printable(dissect_ip4_str(f.ip4.dst, ip), sizeof ip);
	}
	check_printable(dissect_tcp_flags_str(f.tcp.flags, fl), sizeof fl);
	check_printable(dissect_proto_name(f.proto), 32);
	if (f.proto == DISSECT_IPV4_TCP) {
		char out[64];
		sniff_printable(f.tcp.payload, f.tcp.payload_len, out, sizeof out);
		check_printable(out, sizeof out);
	}
}

/* The observer: reads what it is shown; a record whose first byte after the
 * sequence number is odd comes back "decrypted" into its own bytes, the
 * content type from the byte before (so bad types and lengths are reported
 * too). */
static bool observe(void *arg, const struct sniff_conn *c, int dir, uint8_t type, const uint8_t *body, size_t len,
		    struct sniff_plain *plain)
{
	struct fx *f = arg;
	trap_if(!c || c->slot >= SNIFF_MAX_FLOWS || c->id == 0 || (dir != SNIFF_C2S && dir != SNIFF_S2C));
	trap_if(len > SNIFF_BUF_CAP);
	check_printable(c->client, 64);
	check_printable(c->server, 64);
	read_all(f, body, len);
	f->frames_seen++;
	if (type != MLAB_MSG_RECORD || len < MLAB_SEQ_LEN + 2 || !(body[MLAB_SEQ_LEN + 1] & 1))
		return false;
	plain->content = body[MLAB_SEQ_LEN];
	plain->len = len - MLAB_SEQ_LEN - 2;
	if (plain->len > sizeof f->plain)
		plain->len = sizeof f->plain;
	memcpy(f->plain, body + MLAB_SEQ_LEN + 2, plain->len);
	plain->data = f->plain;
	return true;
}

/* ---- 2. the active relay ---- */

static int sent(void *arg, const uint8_t *frame, size_t len)
{
	struct fx *f = arg;
	struct dissect_frame d;
	trap_if(len < 14 + 20 + 20 || len > sizeof f->frame);
	trap_if(dissect_frame(frame, len, &d) != 0 || d.proto != DISSECT_IPV4_TCP || d.ip4.fragment);
	trap_if(d.tcp.sport != PORT && d.tcp.dport != PORT);
	trap_if(memcmp(d.src_mac, MALLORY_MAC, 6) != 0 || d.ip4.total_len != len - 14);
	/* the checksums are right already: fixing them changes nothing */
	memcpy(f->frame, frame, len);
	trap_if(netsum_fix_ip4(f->frame + 14, len - 14) != 0 || memcmp(f->frame, frame, len) != 0);
	read_all(f, d.tcp.payload, d.tcp.payload_len);
	return 0;
}

static struct mitm_table *relay_new(struct fx *f)
{
	struct mitm_params mp = {.port = PORT, .send = sent, .send_arg = f, .ev = &f->ev};
	memcpy(mp.my_mac, MALLORY_MAC, 6);
	switch (f->variant) {
	case 1:
		mp.tamper = TAMPER;
		mp.n_tamper = 1;
		break;
	case 2:
		mp.strip_auth = true;
		break;
	case 3:
		mp.key_fixing = true;
		break;
	case 4: {
		const struct mlab_group *g = mlab_group_by_name("lab-32");
		mp.downgrade_group = g ? g->id : 0;
		break;
	}
	case 5:
		mp.malicious_g = 2; /* DHMITM_G_P */
		break;
	case 6:
		mp.small_subgroup = true;
		break;
	case 7:
		mp.replay_record = 1;
		break;
	default:
		break;
	}
	struct mitm_table *t = mitm_table_new(&mp);
	trap_if(!t);
	return t;
}

/* ---- 3. tcp_stream alone ---- */

struct ts_ctx {
	struct fx *f;
	struct tcp_stream *ts;
	uint64_t frames;
};

static void ts_emit(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_seg *seg)
{
	struct ts_ctx *c = arg;
	trap_if(dir != TCP_STREAM_A2B && dir != TCP_STREAM_B2A);
	trap_if(seg->len > MITM_MSS || (seg->len && !seg->payload));
	trap_if(seg->kind != TCP_STREAM_FORWARDED && seg->kind != TCP_STREAM_RESENT && seg->kind != TCP_STREAM_OWN_ACK);
	read_all(c->f, seg->payload, seg->len);
}

static int ts_rewrite(void *arg, enum tcp_stream_dir dir, const struct tcp_stream_frame *fr, struct mlab_wr *out)
{
	struct ts_ctx *c = arg;
	trap_if(dir != TCP_STREAM_A2B && dir != TCP_STREAM_B2A);
	trap_if(!fr->raw || fr->raw_len < MLAB_FRAME_HDR || fr->body_len > fr->raw_len ||
		fr->body != fr->raw + (fr->raw_len - fr->body_len));
	read_all(c->f, fr->raw, fr->raw_len);
	switch ((c->frames++ + c->f->variant) % 6) {
	case 0: /* as it is */
		return mlab_wr_bytes(out, fr->raw, fr->raw_len);
	case 1: /* one byte longer */
		if (mlab_wr_bytes(out, fr->raw, fr->raw_len))
			return MLAB_E_NOSPACE;
		return mlab_wr_u8(out, 0);
	case 2: /* shorter */
		return mlab_wr_bytes(out, fr->raw, fr->raw_len / 2);
	case 3: /* dropped */
		return 0;
	case 4: /* twice */
		if (mlab_wr_bytes(out, fr->raw, fr->raw_len))
			return MLAB_E_NOSPACE;
		return mlab_wr_bytes(out, fr->raw, fr->raw_len);
	default: /* and from now on pass-through */
		trap_if(tcp_stream_set_rewrite(c->ts, dir, NULL, NULL) != 0);
		return mlab_wr_bytes(out, fr->raw, fr->raw_len);
	}
}

static struct tcp_stream *ts_new(struct ts_ctx *c)
{
	struct tcp_stream_cfg cfg = {.framing = c->f->variant & 1 ? TCP_STREAM_TLS : TCP_STREAM_LAB,
				     .emit = ts_emit,
				     .emit_arg = c,
				     .rewrite = {ts_rewrite, ts_rewrite},
				     .rewrite_arg = {c, c},
				     .mss = MITM_MSS};
	c->ts = tcp_stream_new(&cfg);
	trap_if(!c->ts);
	return c->ts;
}

static void ts_check(const struct tcp_stream *ts)
{
	const struct tcp_stream_stats *st = tcp_stream_stats(ts);
	trap_if(st->frames_changed > st->frames);
	trap_if(tcp_stream_held(ts, TCP_STREAM_A2B) > TCP_STREAM_BUF_CAP ||
		tcp_stream_held(ts, TCP_STREAM_B2A) > TCP_STREAM_BUF_CAP);
}

/* ---- one input ---- */

static struct fx *setup(void)
{
	struct fx *f = calloc(1, sizeof *f);
	trap_if(!f || !(f->devnull = fopen("/dev/null", "w")));
	/* the readable lines are formatted (their code runs) and thrown away */
	mlab_ev_init(&f->ev, "mallory", -1, f->devnull);
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fx *f;
	if (!f)
		f = setup();
	f->variant = (unsigned)(size % 8);
	f->frames_seen = 0;

	struct sniff_stream *ss = sniff_stream_new(PORT, &f->ev);
	trap_if(!ss);
	struct sniff_observer obs = {.frame = observe, .arg = f, .report_partial = (size & 8) != 0};
	sniff_stream_observe(ss, &obs);
	struct mitm_table *relay = relay_new(f);
	struct ts_ctx tc = {.f = f};
	struct tcp_stream *ts = ts_new(&tc);
	uint64_t n = 0, segments = 0;

	for (size_t off = 0; off + 2 <= size && n < MAX_FRAMES;) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		uint8_t *p = malloc(len ? len : 1); /* exactly the frame: ASan sees an over-read */
		trap_if(!p);
		memcpy(p, data + off, len);
		off += len;
		n++;

		check_dissect(f, p, len);
		(void)sniff_frame(&f->ev, ss, n, p, len, len + (n & 1), NULL); /* odd frames: cut by the capture */
		trap_if(sniff_stream_flows(ss) > SNIFF_MAX_FLOWS);

		struct dissect_frame d;
		if (dissect_frame(p, len, &d) == 0 && d.proto == DISSECT_IPV4_TCP && !d.ip4.fragment &&
		    (d.tcp.sport == PORT || d.tcp.dport == PORT)) {
			segments++;
			bool to_bob = memcmp(d.ip4.dst, BOB_IP, 4) == 0;
			if (memcmp(d.dst_mac, MALLORY_MAC, 6) == 0)
				(void)mitm_table_input(relay, &d, d.src_mac, to_bob ? BOB_MAC : ALICE_MAC);
			struct tcp_stream_seg seg;
			enum tcp_stream_dir dir = d.tcp.dport == PORT ? TCP_STREAM_A2B : TCP_STREAM_B2A;
			bool syn = (d.tcp.flags & (DISSECT_TCP_SYN | DISSECT_TCP_ACK)) == DISSECT_TCP_SYN;
			if (syn && dir == TCP_STREAM_A2B && tcp_stream_closed(ts)) { /* a new connection */
				tcp_stream_free(ts);
				tc.frames = 0;
				ts = ts_new(&tc);
			}
			tcp_stream_seg_from_dissect(&d.tcp, &seg);
			int e = tcp_stream_input(ts, dir, &seg);
			trap_if(e > 0);
			ts_check(ts);
		}
		free(p);
	}
	sniff_stream_finish(ss);
	const struct sniff_stats *st = sniff_stream_stats(ss);
	trap_if(st->segments > n || st->segments > segments + st->fragments || st->fragments > n);
	trap_if(sniff_stream_flows(ss) > SNIFF_MAX_FLOWS || st->evicted > st->connections);
	trap_if(f->frames_seen != st->frames);
	sniff_stream_free(ss);
	mitm_table_free(relay);
	tcp_stream_free(ts);
	return 0;
}
