/* bob/: the responder. Serves many connections at once — a class points its
 * clients at one bob — each in a thread of its own with its own deadlines and
 * buffers (struct peer_conn: bounded), at most --max-clients at a time; one
 * more is refused at once (server-busy), so a slow or hostile client delays
 * nobody but itself. Every failure ends that connection with an error event
 * and bob goes on. The protocol is in lib/, the socket edge in peer/. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* One connection being served. The main thread owns the table: it fills a
 * free slot, starts the thread, and joins it once `done` is set. */
struct worker {
	pthread_t th;
	bool used;
	atomic_bool done;
	int fd;
	unsigned conn;
	const struct peer_opts *o;
	struct mlab_ev *ev;
};

static void *serve_one(void *arg)
{
	struct worker *w = arg;
	const struct peer_opts *o = w->o;
	struct peer_conn *c = malloc(sizeof *c);
	int e = c ? 0 : MLAB_E_NOMEM;

	if (e == 0 && (e = o->tls ? peer_conn_init_tls(c, w->fd, &o->tls_cfg, w->ev, o->timeout_ms)
				  : peer_conn_init(c, w->fd, &o->kex, w->ev, o->timeout_ms)) == 0) {
		c->keylog = o->keylog;
		c->party = "bob";
		e = serve(c, o);
	}
	if (e == MLAB_E_FAILED)
		e = peer_conn_err(c);
	mlab_ev_emit(w->ev, "connection-end",
		     json_pack("{s:i,s:b,s:s}", "conn", (int)w->conn, "ok", e == 0, "error", mlab_err_name(e)),
		     "connection #%u ended: %s", w->conn, e == 0 ? "ok" : mlab_err_name(e));
	if (c)
		peer_conn_free(c);
	free(c);
	close(w->fd);
	atomic_store(&w->done, true);
	return NULL;
}

/* Joins the workers that have finished; returns how many still run. */
static unsigned reap(struct worker *ws, unsigned n, bool wait)
{
	unsigned active = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!ws[i].used)
			continue;
		if (wait || atomic_load(&ws[i].done)) {
			pthread_join(ws[i].th, NULL);
			ws[i].used = false;
		} else {
			active++;
		}
	}
	return active;
}

/* Beyond --max-clients: the lab protocol's Alert server-busy, then close (a
 * TLS client just sees the connection close: it has not said hello yet). */
static void refuse(int fd, const struct peer_opts *o, struct mlab_ev *ev, const char *peer, unsigned active)
{
	if (!o->tls) {
		uint8_t buf[32];
		struct mlab_wr w;
		struct mlab_alert a = {.code = (uint16_t)-MLAB_E_BUSY};
		mlab_wr_init(&w, buf, sizeof buf);
		if (mlab_alert_encode(&w, &a) == 0)
			(void)!write(fd, buf, w.len);
	}
	mlab_ev_emit(ev, "busy",
		     json_pack("{s:s,s:i,s:i,s:s}", "peer", peer, "active", (int)active, "limit", (int)o->max_clients,
			       "error", mlab_err_name(MLAB_E_BUSY)),
		     "refused %s: %u connections already served at once (--max-clients %u)", peer, active,
		     o->max_clients);
	close(fd);
}

/* SIGINT/SIGTERM while connections run: their sockets are shut down, so each
 * ends now with its own connection-end, not after its deadlines. */
static void shut_all(struct worker *ws, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ws[i].used && !atomic_load(&ws[i].done))
			shutdown(ws[i].fd, SHUT_RDWR);
}

int main(int argc, char **argv)
{
	struct peer_opts o;
	struct mlab_ev ev;
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct worker *ws = NULL;
	struct sigaction sa = {.sa_handler = on_stop}; /* no SA_RESTART: poll() must wake up */
	unsigned port, served = 0, slots = 0;
	int lfd = -1, e, r;

	if ((r = peer_setup(&o, MLAB_RESPONDER, argc, argv, &ev)) >= 0)
		goto out;
	ev.lock = &lock;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((e = peer_listen(o.addr, &lfd, &port)) != 0) {
		fprintf(stderr, "bob: cannot listen on %s: %s (is the address local and the port free?)\n", o.addr,
			strerror(errno));
		r = PEER_EXIT_NETWORK;
		goto out;
	}
	/* A weakened generator is one stream of numbers, not to be shared. */
	slots = o.weak_rng ? 1 : o.max_clients;
	if (!(ws = calloc(slots, sizeof *ws))) {
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
	} else {
		struct mlab_kex probe;
		if ((e = mlab_kex_init(&probe, &o.kex, NULL)) != 0) {
			fprintf(stderr, "bob: %s\n", mlab_err_text(e));
			r = PEER_EXIT_USAGE;
			goto out;
		}
		mlab_kex_free(&probe);
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024); /* a connection's buffers are on the heap */
	mlab_ev_emit(&ev, "listening",
		     json_pack("{s:s,s:i,s:i}", "addr", o.addr, "port", (int)port, "max_clients", (int)slots),
		     "listening on %s (port %u)", o.addr, port);
	r = PEER_EXIT_OK;
	while (!stop_requested && (o.max_conns == 0 || served < o.max_conns)) {
		struct pollfd p = {.fd = lfd, .events = POLLIN};
		char peer[80];
		int fd;

		unsigned active = reap(ws, slots, false);
		if (poll(&p, 1, 200) <= 0)
			continue;
		if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		peer_describe(fd, peer, sizeof peer);
		active = reap(ws, slots, false);
		unsigned i = 0;
		while (i < slots && ws[i].used)
			i++;
		if (i == slots) {
			refuse(fd, &o, &ev, peer, active);
			continue;
		}
		served++;
		mlab_ev_emit(&ev, "accepted", json_pack("{s:s,s:i}", "peer", peer, "conn", (int)served),
			     "connection #%u from %s", served, peer);
		ws[i] = (struct worker){.used = true, .fd = fd, .conn = served, .o = &o, .ev = &ev};
		atomic_init(&ws[i].done, false);
		if (pthread_create(&ws[i].th, &attr, serve_one, &ws[i]) != 0) {
			ws[i].used = false;
			mlab_ev_emit(&ev, "connection-end",
				     json_pack("{s:i,s:b,s:s}", "conn", (int)served, "ok", 0, "error",
					       mlab_err_name(MLAB_E_NOMEM)),
				     "connection #%u ended: %s", served, mlab_err_name(MLAB_E_NOMEM));
			close(fd);
		}
	}
	/* the last connections end by themselves, within their deadlines, or now
	 * when a signal asked bob to stop */
	while (reap(ws, slots, false) > 0) {
		if (stop_requested)
			shut_all(ws, slots);
		poll(NULL, 0, 20);
	}
	pthread_attr_destroy(&attr);
	mlab_ev_emit(&ev, "stopped", json_pack("{s:i}", "connections", (int)served), "stopped after %u connection%s",
		     served, served == 1 ? "" : "s");
out:
	free(ws);
	if (lfd >= 0)
		close(lfd);
	peer_opts_free(&o);
	return r;
}
