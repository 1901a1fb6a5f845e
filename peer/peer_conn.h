/* One protocol connection over a TCP socket: reads whole frames within
 * deadlines, feeds them to the kex engine, writes what it answers, and turns
 * every failure into the engine's one sticky error. */
#ifndef PEER_CONN_H
#define PEER_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_kex.h"
#include "mlab_tls.h"

/* One driver, two engines: the lab protocol's (kex) or, with --proto tls,
 * OpenSSL's TLS (tls, not NULL). */
struct peer_conn {
	int fd;
	struct mlab_tls *tls;
	int timeout_ms;
	struct mlab_kex kex;
	struct mlab_ev *ev;
	unsigned n_sent, n_recv;
	bool quiet_data; /* no event per message: bulk transfers count bytes instead */
	unsigned long long bytes_sent, bytes_recv;
	double bulk_t0; /* alice --bulk: when streaming began */
	unsigned long long bulk_bytes;
	uint8_t in[MLAB_MAX_FRAME];
	uint8_t out[2 * MLAB_MAX_FRAME];
	struct mlab_wr wr;
	const char *keylog; /* --keylog FILE: the session's keys appended there, or NULL */
	const char *party;  /* "alice" or "bob", for the key log */
};

int peer_conn_init(struct peer_conn *c, int fd, const struct mlab_kex_config *cfg, struct mlab_ev *ev, int timeout_ms);
/* The same connection driven by the TLS engine. */
int peer_conn_init_tls(struct peer_conn *c, int fd, const struct mlab_tls_config *cfg, struct mlab_ev *ev,
		       int timeout_ms);
/* The engine's sticky error (0: none). */
int peer_conn_err(const struct peer_conn *c);
int peer_conn_handshake(struct peer_conn *c);
/* Seals and sends one application message. */
int peer_conn_send(struct peer_conn *c, const uint8_t *data, size_t len);
/* Waits up to wait_ms for the next record. *closed is set when the peer sent
 * its close notification (then *len is 0). data holds MLAB_MAX_PLAINTEXT. */
int peer_conn_recv(struct peer_conn *c, uint8_t *data, size_t *len, bool *closed, int wait_ms);
/* Aborts the session from outside the engine: one error event, an alert
 * to the peer. Returns err. */
int peer_conn_fail(struct peer_conn *c, int err);
/* Sends our close notification. */
int peer_conn_close(struct peer_conn *c);
void peer_conn_free(struct peer_conn *c);

/* Event fields for application bytes: len, hex, and text when it is UTF-8. */
json_t *peer_data_json(unsigned n, const uint8_t *data, size_t len);
/* Printable rendering for log lines ("hello\x00"), cut at out_len. */
void peer_printable(const uint8_t *data, size_t len, char *out, size_t out_len);

#endif
