/* The sniff mode's main loop (see sniff.h): poll the capture descriptor with
 * a timeout so a stop request is seen within a second, read a batch, and for
 * each frame emit "frame" and hand it to the stream tracker. */
#include "sniff.h"

#include <time.h>

#include "lab_guard.h"
#include "recover.h"
#include "replay.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>

#include "capture.h"
#include "dissect.h"
#include "mlab_err.h"
#include "sniff_stream.h"

#define SNIFF_POLL_MS 1000

struct sniff_ctx {
	struct mlab_ev *ev;
	struct sniff_stream *ss;
	uint64_t frames;
	int err;		   /* first error of the stream tracker (out of memory) */
	struct recover_set *crack; /* --crack-rng: passive key recovery, or NULL */
	struct replay *replay;	   /* --replay, or NULL */
	bool tls;		   /* --proto tls: frames reported, no lab protocol to follow */
};

/* --crack-rng: every frame to the recovery, the time window around now. */
static bool crack_frame(void *arg, const struct sniff_conn *conn, int dir, uint8_t type, const uint8_t *body,
			size_t len, struct sniff_plain *plain)
{
	recover_set_now(arg, (double)time(NULL));
	return recover_set_frame(arg, conn, dir, type, body, len, plain);
}

int sniff_frame(struct mlab_ev *ev, struct sniff_stream *ss, uint64_t n, const uint8_t *p, size_t caplen,
		size_t wirelen, json_t *extra)
{
	struct dissect_frame f;
	char line[256], mac[DISSECT_MAC_STR];
	json_t *j;

	(void)dissect_frame(p, caplen, &f); /* a malformed frame is still reported */
	dissect_summary(&f, line, sizeof line);
	j = json_pack("{s:I,s:I}", "n", (json_int_t)n, "len", (json_int_t)wirelen);
	if (caplen < wirelen)
		json_object_set_new(j, "caplen", json_integer((json_int_t)caplen));
	if (f.have_eth) {
		json_object_set_new(j, "src_mac", json_string(dissect_mac_str(f.src_mac, mac)));
		json_object_set_new(j, "dst_mac", json_string(dissect_mac_str(f.dst_mac, mac)));
	}
	json_object_set_new(j, "proto", json_string(dissect_proto_name(f.proto)));
	json_object_set_new(j, "summary", json_string(line));
	if (extra)
		json_object_update(j, extra);
	json_decref(extra);
	mlab_ev_emit(ev, "frame", j, "%s", line);
	return ss ? sniff_stream_input(ss, &f) : 0;
}

static void on_frame(void *arg, const uint8_t *p, size_t caplen, size_t wirelen)
{
	struct sniff_ctx *c = arg;
	int e;

	c->frames++;
	if ((e = sniff_frame(c->ev, c->tls ? NULL : c->ss, c->frames, p, caplen, wirelen, NULL)) != 0 && c->err == 0)
		c->err = e;
}

static int fail(struct mlab_ev *ev, int err, const char *what, const char *msg)
{
	mlab_ev_error(ev, err, what, msg);
	if (!ev->text)
		fprintf(stderr, "mallory: %s\n", msg); /* --quiet must not hide why she stopped */
	return err == MLAB_E_NOMEM ? MALLORY_EXIT_INTERNAL : MALLORY_EXIT_NETWORK;
}

int sniff_run(const struct mallory_opts *o, struct mlab_ev *ev, volatile sig_atomic_t *stop)
{
	struct sniff_ctx c = {.ev = ev, .tls = o->tls};
	struct capture *cap = NULL;
	char msg[CAPTURE_MSG_LEN], mac[DISSECT_MAC_STR];
	uint8_t hw[DISSECT_MAC_LEN];
	const struct sniff_stats *st;
	json_t *j;
	int e, fd, r = MALLORY_EXIT_OK;

	if (!(c.ss = sniff_stream_new(o->port, ev))) {
		r = fail(ev, MLAB_E_NOMEM, "setup", "out of memory");
		goto out;
	}
	if (o->replay) { /* she will transmit: only where the rail allows it */
		if (lab_guard_check(o->iface, o->armed, msg, sizeof msg) != 0) {
			mlab_ev_emit(ev, "refused", json_pack("{s:s,s:s}", "iface", o->iface, "reason", msg), "%s",
				     msg);
			if (!ev->text)
				fprintf(stderr, "mallory: %s\n", msg);
			r = MALLORY_EXIT_USAGE;
			goto out;
		}
		if (!(c.replay = replay_new(ev))) {
			r = fail(ev, MLAB_E_NOMEM, "setup", "out of memory");
			goto out;
		}
		struct sniff_observer obs = {.frame = replay_observe, .arg = c.replay};
		sniff_stream_observe(c.ss, &obs);
	}
	if (o->crack_rng) {
		struct recover_cfg rc = {.ev = ev, .crack = true, .crack_kind = (enum mlab_rng_kind)o->crack_rng};
		if (!(c.crack = recover_set_new(&rc))) {
			r = fail(ev, MLAB_E_NOMEM, "setup", "out of memory");
			goto out;
		}
		struct sniff_observer obs = {.frame = crack_frame, .arg = c.crack};
		sniff_stream_observe(c.ss, &obs);
	}
	if ((e = capture_open(o->iface, &cap, msg)) != 0) {
		r = fail(ev, e, "capture", msg);
		goto out;
	}
	if (msg[0])
		mlab_ev_emit(ev, "warning", json_pack("{s:s}", "message", msg), "warning: %s", msg);
	j = json_pack("{s:s,s:i}", "iface", o->iface, "port", (int)o->port);
	if (capture_iface_mac(o->iface, hw) == 0)
		json_object_set_new(j, "mac", json_string(dissect_mac_str(hw, mac)));
	else
		snprintf(mac, sizeof mac, "unknown");
	mlab_ev_emit(ev, "sniffing", j, "sniffing on %s (%s), %s TCP port %u; passive: nothing is sent", o->iface, mac,
		     o->tls ? "recording TLS (encrypted: read later, with a key) on" : "following", o->port);

	fd = capture_fd(cap);
	while (!*stop && (o->max_frames == 0 || c.frames < o->max_frames)) {
		uint64_t left = o->max_frames ? o->max_frames - c.frames : 0;
		int n;

		if (fd >= 0) {
			struct pollfd p = {.fd = fd, .events = POLLIN};
			n = poll(&p, 1, SNIFF_POLL_MS);
			if (n < 0 && errno != EINTR) {
				snprintf(msg, sizeof msg, "waiting for frames on %s failed", o->iface);
				r = fail(ev, MLAB_E_IO, "capture", msg);
				goto out;
			}
			if (n <= 0) {
				if (c.replay)
					(void)replay_maybe(c.replay, 0);
				continue; /* timeout or a signal: look at *stop again */
			}
		} else {
			(void)poll(NULL, 0, CAPTURE_TIMEOUT_MS);
		}
		if ((n = capture_dispatch(cap, left > INT_MAX ? INT_MAX : (int)left, on_frame, &c, msg)) < 0) {
			r = fail(ev, n, "capture", msg);
			goto out;
		}
		if (c.err != 0) {
			r = fail(ev, c.err, "stream", "out of memory for a new connection's buffers");
			goto out;
		}
	}
	st = sniff_stream_stats(c.ss);
	j = json_pack("{s:I,s:I,s:I}", "frames", (json_int_t)c.frames, "messages_read", (json_int_t)st->messages_read,
		      "records_unreadable", (json_int_t)st->records_unreadable);
	json_object_set_new(j, "dropped", json_integer(capture_dropped(cap)));
	mlab_ev_emit(ev, "stopped", j, "stopped after %llu frame%s: %llu message%s read, %llu record%s unreadable",
		     (unsigned long long)c.frames, c.frames == 1 ? "" : "s", (unsigned long long)st->messages_read,
		     st->messages_read == 1 ? "" : "s", (unsigned long long)st->records_unreadable,
		     st->records_unreadable == 1 ? "" : "s");
out:
	capture_close(cap);
	sniff_stream_free(c.ss);
	recover_set_free(c.crack);
	replay_free(c.replay);
	return r;
}
