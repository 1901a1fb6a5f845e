/* mallory --decrypt (see offline.h): a recorded capture through the live
 * sniffing path, with an observer on the stream tracker that counts records
 * and hands frames to the key-recovery hooks. */
#include "offline.h"
#include "offline_tls.h"
#include "recover.h"

#include <stdio.h>
#include <unistd.h>

#include "mlab_err.h"
#include "mlab_wire.h"
#include "pcap_file.h"
#include "sniff.h"

struct offline {
	const struct offline_config *c;
	struct mlab_ev *ev;
	struct sniff_stream *ss;
	uint64_t frames, records;
	double ts;	    /* the current packet's capture time */
	const char *reason; /* decrypt-done's */
	int err;	    /* the stream tracker's (out of memory) */
};

/* The sniff_stream observer: records are counted, the rest goes to the hooks. */
static bool observe(void *arg, const struct sniff_conn *flow, int dir, uint8_t type, const uint8_t *body, size_t len,
		    struct sniff_plain *plain)
{
	struct offline *x = arg;
	const struct offline_hooks *h = x->c->hooks;

	if (type != MLAB_MSG_RECORD) {
		if (h && h->on_handshake_frame)
			h->on_handshake_frame(h->arg, flow, dir, x->ts, type, body, len);
		return false;
	}
	x->records++;
	if (flow->cipher == MLAB_CIPHER_NONE || !h || !h->on_record)
		return false;
	return h->on_record(h->arg, flow, dir, x->ts, body, len, plain);
}

static bool on_packet(void *arg, const struct pcap_file_pkt *pkt)
{
	struct offline *x = arg;
	json_t *ts;
	int e;

	/* The capture's own clock; "t" stays the time of the event. */
	x->ts = (double)pkt->sec + (double)pkt->nsec / 1e9;
	ts = json_pack("{s:f}", "ts", x->ts);
	x->frames++;
	if ((e = sniff_frame(x->ev, x->ss, x->frames, pkt->data, pkt->caplen, pkt->len, ts)) != 0) {
		x->err = e;
		return false;
	}
	if (x->c->stop && *x->c->stop) {
		x->reason = "stopped";
		return false;
	}
	if (x->c->max_frames && x->frames >= x->c->max_frames) {
		x->reason = "max-frames";
		return false;
	}
	return true;
}

static int fail(struct mlab_ev *ev, int err, const char *where, const char *msg)
{
	mlab_ev_error(ev, err, where, msg);
	if (!ev->text)
		fprintf(stderr, "mallory: %s\n", msg); /* --quiet must not hide why she stopped */
	return err == MLAB_E_NOMEM ? MALLORY_EXIT_INTERNAL : MALLORY_EXIT_NETWORK;
}

static const char *reason_text(const char *reason)
{
	return reason[0] == 'e'	  ? "the end of the capture"
	       : reason[0] == 't' ? "the capture is cut short"
	       : reason[0] == 'm' ? "--max-frames reached"
				  : "stopped by a signal";
}

int offline_run(const struct offline_config *c, struct mlab_ev *ev)
{
	struct offline x = {.c = c, .ev = ev, .reason = "end"};
	struct sniff_observer obs = {.frame = observe, .arg = &x, .report_partial = true};
	struct pcap_file *pf = NULL;
	enum pcap_file_end end;
	char msg[PCAP_FILE_MSG_LEN];
	const struct sniff_stats *st;
	json_t *j;
	int e, r = MALLORY_EXIT_OK;

	if (!(x.ss = sniff_stream_new(c->port, ev))) {
		if (c->fd >= 0)
			close(c->fd);
		return fail(ev, MLAB_E_NOMEM, "setup", "out of memory");
	}
	sniff_stream_observe(x.ss, &obs);
	e = c->fd >= 0 ? pcap_file_fdopen(c->fd, c->capture, &pf, msg) : pcap_file_open(c->capture, &pf, msg);
	if (e != 0) {
		r = fail(ev, e, "capture", msg);
		goto out;
	}
	j = json_pack("{s:s,s:s,s:i,s:i}", "capture", c->capture, "format", pcap_file_format(pf), "snaplen",
		      (int)pcap_file_snaplen(pf), "port", (int)c->port);
	if (c->key)
		json_object_set_new(j, "key", json_string(c->key));
	mlab_ev_emit(ev, "decrypt-start", j, "reading %s (%s, Ethernet, snapshot length %u), following TCP port %u%s%s",
		     c->capture, pcap_file_format(pf), pcap_file_snaplen(pf), c->port, c->key ? "; key " : "",
		     c->key ? c->key : "");
	e = pcap_file_read(pf, on_packet, &x, &end, msg);
	if (x.err != 0) {
		r = fail(ev, x.err, "stream", "out of memory for a new connection's buffers");
		goto out;
	}
	if (e != 0) {
		r = fail(ev, e, "capture", msg);
		goto out;
	}
	if (end == PCAP_FILE_TRUNCATED) {
		x.reason = "truncated";
		mlab_ev_emit(ev, "warning", json_pack("{s:s}", "message", msg), "warning: %s", msg);
	}
	/* What the capture never showed closing is a half session too. */
	if (end != PCAP_FILE_STOPPED)
		sniff_stream_finish(x.ss);
	if (c->hooks && c->hooks->on_end)
		c->hooks->on_end(c->hooks->arg);
	st = sniff_stream_stats(x.ss);
	j = json_pack("{s:I,s:I,s:I,s:I,s:s}", "frames", (json_int_t)x.frames, "connections",
		      (json_int_t)st->connections, "records", (json_int_t)x.records, "decrypted",
		      (json_int_t)st->records_decrypted, "reason", x.reason);
	mlab_ev_emit(ev, "decrypt-done", j, "read %llu frame%s: %llu connection%s, %llu record%s, %llu decrypted (%s)",
		     (unsigned long long)x.frames, x.frames == 1 ? "" : "s", (unsigned long long)st->connections,
		     st->connections == 1 ? "" : "s", (unsigned long long)x.records, x.records == 1 ? "" : "s",
		     (unsigned long long)st->records_decrypted, reason_text(x.reason));
out:
	pcap_file_close(pf);
	sniff_stream_free(x.ss);
	return r;
}

/* Key recovery (mallory/recover.h) over the recording. */
static void hs_frame(void *arg, const struct sniff_conn *flow, int dir, double ts, uint8_t type, const uint8_t *body,
		     size_t len)
{
	struct sniff_plain unused;
	recover_set_now(arg, ts);
	(void)recover_set_frame(arg, flow, dir, type, body, len, &unused);
}

static bool rec_frame(void *arg, const struct sniff_conn *flow, int dir, double ts, const uint8_t *body, size_t len,
		      struct sniff_plain *plain)
{
	recover_set_now(arg, ts);
	return recover_set_frame(arg, flow, dir, MLAB_MSG_RECORD, body, len, plain);
}

int decrypt_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop)
{
	if (o->tls) /* a TLS recording: Wireshark's TLS dissector opens it (offline_tls.h) */
		return offline_tls_run(o, ev, stop);
	struct recover_cfg rc = {.ev = ev,
				 .crack = o->crack_rng != 0,
				 .crack_kind = (enum mlab_rng_kind)o->crack_rng,
				 .break_classical = o->break_classical};
	char msg[256];
	int r;

	if (o->key && recover_load_key(o->key, &rc, msg, sizeof msg) != 0)
		return fail(ev, MLAB_E_KEYFILE, "setup", msg) == MALLORY_EXIT_INTERNAL ? MALLORY_EXIT_INTERNAL
										       : MALLORY_EXIT_USAGE;
	struct recover_set *set = recover_set_new(&rc);
	if (!set) {
		recover_cfg_free(&rc);
		return fail(ev, MLAB_E_NOMEM, "setup", "out of memory");
	}
	struct offline_hooks h = {.arg = set, .on_handshake_frame = hs_frame, .on_record = rec_frame};
	struct offline_config c = {.capture = o->capture,
				   .fd = -1,
				   .port = o->port,
				   .max_frames = o->max_frames,
				   .key = o->key,
				   .hooks = (o->key || o->crack_rng || o->break_classical) ? &h : NULL,
				   .stop = stop};
	r = offline_run(&c, ev);
	recover_set_free(set);
	recover_cfg_free(&rc);
	return r;
}
