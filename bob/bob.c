/* bob/: the responder. Serves connections one after another and survives
 * every bad one: each failure ends that connection with an error event, and
 * bob goes back to accept(). The protocol is in lib/, the socket edge in peer/. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mlab_err.h"
#include "peer_conn.h"
#include "peer_net.h"
#include "peer_opts.h"

/* Set by SIGINT/SIGTERM; the loops look at it, the handler does nothing else. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* The answer to message i: the i-th --reply, else an echo. */
static size_t make_reply(const struct peer_opts *o, unsigned i, const uint8_t *msg, size_t len, uint8_t *out)
{
	static const char prefix[] = "bob got: ";
	if (i < o->n_msgs) {
		size_t n = strlen(o->msgs[i]);
		memcpy(out, o->msgs[i], n);
		return n;
	}
	size_t n = sizeof prefix - 1;
	if (len > MLAB_MAX_PLAINTEXT - n)
		len = MLAB_MAX_PLAINTEXT - n;
	memcpy(out, prefix, n);
	memcpy(out + n, msg, len);
	return n + len;
}

static int serve(struct peer_conn *c, const struct peer_opts *o)
{
	uint8_t *msg = malloc(MLAB_MAX_PLAINTEXT), *reply = malloc(MLAB_MAX_PLAINTEXT);
	size_t n;
	bool closed = false;
	int e = msg && reply ? peer_conn_handshake(c) : MLAB_E_NOMEM;

	c->quiet_data = o->sink;
	while (e == 0 && !closed) {
		if ((e = peer_conn_recv(c, msg, &n, &closed, o->idle_ms)) != 0)
			break;
		if (closed)
			e = peer_conn_close(c);
		else if (!o->sink)
			e = peer_conn_send(c, reply, make_reply(o, c->n_recv - 1, msg, n, reply));
	}
	if (e == 0 && o->sink)
		mlab_ev_emit(c->ev, "sink-done",
			     json_pack("{s:I,s:i}", "bytes", (json_int_t)c->bytes_recv, "records", (int)c->n_recv),
			     "received %llu bytes in %u records", c->bytes_recv, c->n_recv);
	free(msg);
	free(reply);
	return e;
}

int main(int argc, char **argv)
{
	struct peer_opts o;
	struct mlab_ev ev;
	struct peer_conn *c = NULL;
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll() must wake up */
	unsigned port, served = 0;
	int lfd = -1, e, r;

	if ((r = peer_setup(&o, MLAB_RESPONDER, argc, argv, &ev)) >= 0)
		goto out;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((e = peer_listen(o.addr, &lfd, &port)) != 0) {
		fprintf(stderr, "bob: cannot listen on %s: %s (is the address local and the port free?)\n", o.addr,
			strerror(errno));
		r = PEER_EXIT_NETWORK;
		goto out;
	}
	if (!(c = malloc(sizeof *c))) {
		r = PEER_EXIT_INTERNAL;
		goto out;
	}
	/* The configuration is checked once, before anyone connects. */
	if (o.tls) {
		struct mlab_tls probe;
		e = mlab_tls_init(&probe, &o.tls_cfg, &ev);
		mlab_tls_free(&probe);
		if (e != 0) {
			fprintf(stderr, "bob: %s (--cert %s, --key %s)\n", mlab_err_text(e), o.cert_path, o.key_path);
			r = e == MLAB_E_KEYFILE ? PEER_EXIT_SETUP : PEER_EXIT_USAGE;
			goto out;
		}
	} else if ((e = mlab_kex_init(&c->kex, &o.kex, NULL)) != 0) {
		fprintf(stderr, "bob: %s\n", mlab_err_text(e));
		r = PEER_EXIT_USAGE;
		goto out;
	} else {
		mlab_kex_free(&c->kex);
	}
	mlab_ev_emit(&ev, "listening", json_pack("{s:s,s:i}", "addr", o.addr, "port", (int)port),
		     "listening on %s (port %u)", o.addr, port);
	r = PEER_EXIT_OK;
	while (!stop_requested && (o.max_conns == 0 || served < o.max_conns)) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		char peer[80];
		int fd;

		if (poll(&p, 1, 1000) <= 0)
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		served++;
		peer_describe(fd, peer, sizeof peer);
		mlab_ev_emit(&ev, "accepted", json_pack("{s:s,s:i}", "peer", peer, "conn", (int)served),
			     "connection #%u from %s", served, peer);
		if ((e = o.tls ? peer_conn_init_tls(c, fd, &o.tls_cfg, &ev, o.timeout_ms)
			       : peer_conn_init(c, fd, &o.kex, &ev, o.timeout_ms)) == 0) {
			c->keylog = o.keylog;
			c->party = "bob";
			e = serve(c, &o);
		}
		if (e == MLAB_E_FAILED)
			e = peer_conn_err(c);
		mlab_ev_emit(&ev, "connection-end",
			     json_pack("{s:i,s:b,s:s}", "conn", (int)served, "ok", e == 0, "error", mlab_err_name(e)),
			     "connection #%u ended: %s", served, e == 0 ? "ok" : mlab_err_name(e));
		peer_conn_free(c);
		close(fd);
	}
	mlab_ev_emit(&ev, "stopped", json_pack("{s:i}", "connections", (int)served), "stopped after %u connection%s",
		     served, served == 1 ? "" : "s");
out:
	free(c);
	if (lfd >= 0)
		close(lfd);
	peer_opts_free(&o);
	return r;
}
