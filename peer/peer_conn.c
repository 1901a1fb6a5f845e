/* A protocol connection over TCP (see peer_conn.h). */
#include "peer_conn.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "mlab_err.h"
#include "peer_net.h"

static void conn_reset(struct peer_conn *c, int fd, struct mlab_ev *ev, int timeout_ms)
{
	c->fd = fd;
	c->tls = NULL;
	c->timeout_ms = timeout_ms;
	c->ev = ev;
	c->n_sent = c->n_recv = 0;
	c->quiet_data = false;
	c->bytes_sent = c->bytes_recv = 0;
	c->bulk_t0 = 0;
	c->bulk_bytes = 0;
	mlab_wr_init(&c->wr, c->out, sizeof c->out);
}

int peer_conn_init(struct peer_conn *c, int fd, const struct mlab_kex_config *cfg, struct mlab_ev *ev, int timeout_ms)
{
	conn_reset(c, fd, ev, timeout_ms);
	return mlab_kex_init(&c->kex, cfg, ev);
}

int peer_conn_init_tls(struct peer_conn *c, int fd, const struct mlab_tls_config *cfg, struct mlab_ev *ev,
		       int timeout_ms)
{
	int e;
	conn_reset(c, fd, ev, timeout_ms);
	memset(&c->kex, 0, sizeof c->kex); /* idle: mlab_kex_free has nothing to free */
	if (!(c->tls = malloc(sizeof *c->tls)))
		return MLAB_E_NOMEM;
	if ((e = mlab_tls_init(c->tls, cfg, ev)) != 0) {
		mlab_tls_free(c->tls);
		free(c->tls);
		c->tls = NULL;
	}
	return e;
}

int peer_conn_err(const struct peer_conn *c)
{
	return c->tls ? c->tls->err : c->kex.err;
}

void peer_conn_free(struct peer_conn *c)
{
	if (!c)
		return;
	if (c->tls) {
		mlab_tls_free(c->tls);
		free(c->tls);
		c->tls = NULL;
	}
	mlab_kex_free(&c->kex);
	OPENSSL_cleanse(c->in, sizeof c->in);
}

/* Sends whatever the engine queued (including a final alert); for TLS, until
 * OpenSSL has nothing left. */
static int flush(struct peer_conn *c)
{
	int e = 0;
	do {
		if (c->tls)
			mlab_tls_drain(c->tls, &c->wr);
		if (c->wr.len && e == 0)
			e = peer_write_all(c->fd, c->out, c->wr.len, peer_now_ms() + c->timeout_ms);
		c->wr.len = 0;
	} while (e == 0 && c->tls && mlab_tls_pending(c->tls));
	return e;
}

/* A local failure: record it in the engine, try to tell the peer. */
int peer_conn_fail(struct peer_conn *c, int e)
{
	if (c->tls) {
		int r = mlab_tls_fail(c->tls, e, NULL);
		(void)flush(c);
		return r;
	}
	int r = mlab_kex_fail(&c->kex, e, &c->wr);
	(void)flush(c);
	return r == MLAB_E_FAILED ? e : r;
}

/* TLS: bytes from the network into the engine until it is connected. */
static int tls_handshake(struct peer_conn *c)
{
	int e = mlab_tls_handshake(c->tls, NULL, 0, &c->wr); /* the initiator's ClientHello */
	int f = flush(c);
	while (e == 0 && f == 0 && !mlab_tls_connected(c->tls)) {
		size_t n;
		if ((e = peer_read_some(c->fd, c->in, sizeof c->in, peer_now_ms() + c->timeout_ms, &n)) != 0)
			return peer_conn_fail(c, e);
		e = mlab_tls_handshake(c->tls, c->in, n, &c->wr);
		f = flush(c);
	}
	if (e == 0 && f != 0)
		return peer_conn_fail(c, f);
	return e;
}

/* TLS: the next record's data (what OpenSSL holds already comes first). */
static int tls_recv(struct peer_conn *c, uint8_t *data, size_t *len, bool *closed, int wait_ms)
{
	int64_t deadline = peer_now_ms() + wait_ms;
	bool got = false;
	size_t n = 0;
	int e = mlab_tls_open(c->tls, NULL, 0, data, MLAB_MAX_PLAINTEXT, len, &got, closed, &c->wr);
	while (e == 0 && !got && !*closed) {
		(void)flush(c);
		if ((e = peer_read_some(c->fd, c->in, sizeof c->in, deadline, &n)) != 0)
			return peer_conn_fail(c, e == MLAB_E_EOF ? MLAB_E_TRUNCATION : e);
		e = mlab_tls_open(c->tls, c->in, n, data, MLAB_MAX_PLAINTEXT, len, &got, closed, &c->wr);
	}
	(void)flush(c);
	return e;
}

/* Reads one whole frame; the header is checked before the body is read. */
static int read_frame(struct peer_conn *c, int wait_ms, uint8_t *type, uint32_t *len)
{
	int64_t deadline = peer_now_ms() + wait_ms;
	int e = peer_read_full(c->fd, c->in, MLAB_FRAME_HDR, deadline);

	if (e == 0)
		e = mlab_frame_check(c->in, type, len);
	/* Once the header is in, the body must follow within one step's time. */
	if (e == 0)
		e = peer_read_full(c->fd, c->in + MLAB_FRAME_HDR, *len, peer_now_ms() + c->timeout_ms);
	return e;
}

/* --keylog: one line per party and session (docs/protocol.md §12.6), so a
 * recording can be opened later with that session's keys, as SSLKEYLOGFILE
 * does for TLS. One write(2) of a short line to an O_APPEND file: alice's and
 * bob's lines never interleave. */
static void keylog(const struct peer_conn *c)
{
	const struct mlab_keys *k = &c->kex.keys;
	char nc[2 * MLAB_NONCE_LEN + 1], ck[2 * MLAB_AEAD_KEY + 1], ci[2 * MLAB_AEAD_IV + 1], sk[2 * MLAB_AEAD_KEY + 1],
	    si[2 * MLAB_AEAD_IV + 1], line[512];
	int fd = open(c->keylog, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	mlab_hex(c->kex.nonce_c, MLAB_NONCE_LEN, nc);
	mlab_hex(k->c2s.key, MLAB_AEAD_KEY, ck);
	mlab_hex(k->c2s.iv, MLAB_AEAD_IV, ci);
	mlab_hex(k->s2c.key, MLAB_AEAD_KEY, sk);
	mlab_hex(k->s2c.iv, MLAB_AEAD_IV, si);
	int n = snprintf(line, sizeof line, "MITMLAB_KEYS %s %s %s %s %s %s %s %s\n", c->party ? c->party : "-", nc,
			 mlab_cipher_name(c->kex.cipher), ck, ci, sk, si, k->key_id);
	if (n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) != n)
		n = -1; /* nothing to do: the key log is a convenience, never the session's failure */
	OPENSSL_cleanse(line, sizeof line);
	close(fd);
}

int peer_conn_handshake(struct peer_conn *c)
{
	int e = 0;

	if (c->tls)
		return tls_handshake(c);
	if (c->kex.cfg.role == MLAB_INITIATOR && (e = mlab_kex_start(&c->kex, &c->wr)) != 0)
		return peer_conn_fail(c, e);
	if ((e = flush(c)) != 0)
		return peer_conn_fail(c, e);
	while (!mlab_kex_connected(&c->kex)) {
		uint8_t type;
		uint32_t len;

		if ((e = read_frame(c, c->timeout_ms, &type, &len)) != 0)
			return peer_conn_fail(c, e);
		/* A record here is refused by the engine: data before Finished. */
		e = mlab_kex_input(&c->kex, type, c->in + MLAB_FRAME_HDR, len, &c->wr);
		int f = flush(c);
		if (e != 0)
			return e;
		if (f != 0)
			return peer_conn_fail(c, f);
	}
	if (c->keylog)
		keylog(c);
	return 0;
}

void peer_printable(const uint8_t *data, size_t len, char *out, size_t out_len)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 5 < out_len; i++) {
		if (data[i] >= 0x20 && data[i] < 0x7f && data[i] != '\\')
			out[o++] = (char)data[i];
		else
			o += (size_t)snprintf(out + o, out_len - o, "\\x%02x", data[i]);
	}
	out[o < out_len ? o : out_len - 1] = '\0';
}

json_t *peer_data_json(unsigned n, const uint8_t *data, size_t len)
{
	char *hex = malloc(2 * len + 1);
	json_t *f = json_pack("{s:i,s:i}", "n", (int)n, "len", (int)len);
	json_t *text = json_stringn((const char *)data, len); /* NULL unless valid UTF-8 */

	if (text)
		json_object_set_new(f, "text", text);
	if (hex) {
		mlab_hex(data, len, hex);
		json_object_set_new(f, "hex", json_string(hex));
		free(hex);
	}
	return f;
}

int peer_conn_send(struct peer_conn *c, const uint8_t *data, size_t len)
{
	char shown[256];
	int e = c->tls ? mlab_tls_seal(c->tls, data, len, &c->wr)
		       : mlab_kex_seal(&c->kex, MLAB_CONTENT_DATA, data, len, &c->wr);

	if (e != 0) {
		(void)flush(c);
		return e;
	}
	if ((e = flush(c)) != 0)
		return peer_conn_fail(c, e);
	c->n_sent++;
	c->bytes_sent += len;
	if (c->quiet_data)
		return 0;
	peer_printable(data, len, shown, sizeof shown);
	mlab_ev_emit(c->ev, "message-sent", peer_data_json(c->n_sent, data, len), "sent #%u: \"%s\"", c->n_sent, shown);
	return 0;
}

int peer_conn_recv(struct peer_conn *c, uint8_t *data, size_t *len, bool *closed, int wait_ms)
{
	uint8_t type, content = 0;
	uint32_t flen;
	char shown[256];
	int e;

	*closed = false;
	*len = 0;
	if (c->tls) {
		if ((e = tls_recv(c, data, len, closed, wait_ms)) != 0)
			return e;
		content = *closed ? MLAB_CONTENT_CLOSE : MLAB_CONTENT_DATA;
	} else {
		if ((e = read_frame(c, wait_ms, &type, &flen)) != 0)
			/* EOF where a record or close notification was due: truncation. */
			return peer_conn_fail(c, e == MLAB_E_EOF ? MLAB_E_TRUNCATION : e);
		if (type == MLAB_MSG_RECORD)
			e = mlab_kex_open(&c->kex, c->in + MLAB_FRAME_HDR, flen, &content, data, len, &c->wr);
		else
			e = mlab_kex_input(&c->kex, type, c->in + MLAB_FRAME_HDR, flen, &c->wr);
		(void)flush(c);
		if (e != 0)
			return e;
	}
	if (content == MLAB_CONTENT_CLOSE) {
		*closed = true;
		*len = 0;
		mlab_ev_emit(c->ev, "close-received", NULL, "peer closed the session");
		return 0;
	}
	c->n_recv++;
	c->bytes_recv += *len;
	if (c->quiet_data)
		return 0;
	peer_printable(data, *len, shown, sizeof shown);
	mlab_ev_emit(c->ev, "message-received", peer_data_json(c->n_recv, data, *len), "received #%u: \"%s\"",
		     c->n_recv, shown);
	return 0;
}

int peer_conn_close(struct peer_conn *c)
{
	int e = c->tls ? mlab_tls_close(c->tls, &c->wr) : mlab_kex_seal(&c->kex, MLAB_CONTENT_CLOSE, NULL, 0, &c->wr);
	if (e != 0) {
		(void)flush(c);
		return e;
	}
	if ((e = flush(c)) != 0)
		return peer_conn_fail(c, e);
	mlab_ev_emit(c->ev, "close-sent", NULL, "closed the session");
	return 0;
}
