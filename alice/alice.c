/* alice/: the initiator. Connects to bob, runs the key exchange, sends the
 * messages and prints bob's replies. The protocol is in lib/, the socket
 * edge in peer/; this file only sequences them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlab_err.h"
#include "peer_conn.h"
#include "peer_net.h"
#include "peer_opts.h"

/* Next message: from --send, else the next line of stdin. */
static int next_message(const struct peer_opts *o, size_t i, char **line, size_t *cap, const char **msg, size_t *len)
{
	if (o->n_msgs) {
		if (i >= o->n_msgs * o->repeat)
			return 0;
		*msg = o->msgs[i % o->n_msgs];
		*len = strlen(*msg);
		return 1;
	}
	ssize_t n = getline(line, cap, stdin);
	if (n < 0)
		return 0;
	if (n > 0 && (*line)[n - 1] == '\n')
		(*line)[--n] = '\0';
	*msg = *line;
	*len = (size_t)n > MLAB_MAX_PLAINTEXT ? MLAB_MAX_PLAINTEXT : (size_t)n;
	return 1;
}

/* Streams `total` bytes in full records without waiting: bob (--sink)
 * answers nothing until our close. The figure is taken when his close
 * arrives, i.e. when he has read it all. */
static int bulk(struct peer_conn *c, unsigned long long total)
{
	uint8_t *chunk = malloc(MLAB_MAX_PLAINTEXT);
	unsigned long long left = total;
	double t0 = mlab_ev_now();
	int e = 0;

	if (!chunk)
		return MLAB_E_NOMEM;
	for (size_t i = 0; i < MLAB_MAX_PLAINTEXT; i++)
		chunk[i] = (uint8_t)('a' + i % 26);
	c->quiet_data = true;
	mlab_ev_emit(c->ev, "bulk-start", json_pack("{s:I}", "bytes", (json_int_t)total), "streaming %llu bytes",
		     total);
	while (e == 0 && left) {
		size_t n = left < MLAB_MAX_PLAINTEXT ? (size_t)left : MLAB_MAX_PLAINTEXT;
		e = peer_conn_send(c, chunk, n);
		left -= n;
	}
	c->quiet_data = false;
	free(chunk);
	if (e == 0) {
		c->bulk_t0 = t0;
		c->bulk_bytes = total;
	}
	return e;
}

/* Sends every message and waits for each reply, then closes both ways. */
static int converse(struct peer_conn *c, const struct peer_opts *o)
{
	uint8_t *reply = malloc(MLAB_MAX_PLAINTEXT);
	char *line = NULL;
	size_t cap = 0, len, n;
	const char *msg;
	bool closed;
	int e = reply ? 0 : MLAB_E_NOMEM;

	for (size_t i = 0; e == 0 && next_message(o, i, &line, &cap, &msg, &len); i++) {
		if ((e = peer_conn_send(c, (const uint8_t *)msg, len)) != 0 ||
		    (e = peer_conn_recv(c, reply, &n, &closed, o->timeout_ms)) != 0)
			break;
		if (closed) /* bob hung up before answering */
			e = peer_conn_fail(c, MLAB_E_TRUNCATION);
	}
	if (e == 0 && o->bulk)
		e = bulk(c, o->bulk);
	/* Our close, then bob's: a session cut short is detected, not assumed. */
	if (e == 0 && (e = peer_conn_close(c)) == 0 &&
	    (e = peer_conn_recv(c, reply, &n, &closed, o->timeout_ms)) == 0 && !closed)
		e = peer_conn_fail(c, MLAB_E_UNEXPECTED);
	if (e == 0 && c->bulk_bytes) {
		double s = mlab_ev_now() - c->bulk_t0;
		double mbit = s > 0 ? (double)c->bulk_bytes * 8 / s / 1e6 : 0;
		mlab_ev_emit(
		    c->ev, "bulk-done",
		    json_pack("{s:I,s:f,s:f}", "bytes", (json_int_t)c->bulk_bytes, "seconds", s, "mbit_s", mbit),
		    "streamed %llu bytes in %.3f s: %.0f Mbit/s", c->bulk_bytes, s, mbit);
	}
	free(line);
	free(reply);
	return e;
}

int main(int argc, char **argv)
{
	struct peer_opts o;
	struct mlab_ev ev;
	struct peer_conn *c = NULL;
	int fd = -1, e, r;

	if ((r = peer_setup(&o, MLAB_INITIATOR, argc, argv, &ev)) >= 0)
		goto out;
	if ((e = peer_connect(o.addr, o.timeout_ms, &fd)) != 0) {
		mlab_ev_error(&ev, e, "connect", o.addr);
		fprintf(stderr, "alice: cannot connect to %s: is bob listening there?\n", o.addr);
		r = PEER_EXIT_NETWORK;
		goto out;
	}
	mlab_ev_emit(&ev, "connected", json_pack("{s:s}", "peer", o.addr), "connected to %s", o.addr);
	if (!(c = malloc(sizeof *c))) {
		r = PEER_EXIT_INTERNAL;
		goto out;
	}
	if ((e = o.tls ? peer_conn_init_tls(c, fd, &o.tls_cfg, &ev, o.timeout_ms)
		       : peer_conn_init(c, fd, &o.kex, &ev, o.timeout_ms)) != 0) {
		mlab_ev_error(&ev, e, "setup", NULL);
		r = PEER_EXIT_INTERNAL;
		goto out_conn;
	}
	c->keylog = o.keylog;
	c->party = "alice";
	if ((e = peer_conn_handshake(c)) == 0)
		e = converse(c, &o);
	if (e == 0)
		mlab_ev_emit(&ev, "done", json_pack("{s:i,s:i}", "sent", c->n_sent, "received", c->n_recv),
			     "done: %u sent, %u received", c->n_sent, c->n_recv);
	r = peer_exit_for(e == MLAB_E_FAILED ? peer_conn_err(c) : e);
out_conn:
	peer_conn_free(c);
out:
	free(c);
	if (fd >= 0)
		close(fd);
	peer_opts_free(&o);
	return r;
}
