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
		if (i >= o->n_msgs)
			return 0;
		*msg = o->msgs[i];
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
	/* Our close, then bob's: a session cut short is detected, not assumed. */
	if (e == 0 && (e = peer_conn_close(c)) == 0 && (e = peer_conn_recv(c, reply, &n, &closed, o->timeout_ms)) == 0 &&
	    !closed)
		e = peer_conn_fail(c, MLAB_E_UNEXPECTED);
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
	if ((e = peer_conn_init(c, fd, &o.kex, &ev, o.timeout_ms)) != 0) {
		mlab_ev_error(&ev, e, "setup", NULL);
		r = PEER_EXIT_INTERNAL;
		goto out_conn;
	}
	if ((e = peer_conn_handshake(c)) == 0)
		e = converse(c, &o);
	if (e == 0)
		mlab_ev_emit(&ev, "done", json_pack("{s:i,s:i}", "sent", c->n_sent, "received", c->n_recv),
			     "done: %u sent, %u received", c->n_sent, c->n_recv);
	r = peer_exit_for(e == MLAB_E_FAILED ? c->kex.err : e);
out_conn:
	peer_conn_free(c);
out:
	free(c);
	if (fd >= 0)
		close(fd);
	peer_opts_free(&o);
	return r;
}
