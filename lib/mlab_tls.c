/* The TLS engine (see mlab_tls.h): OpenSSL's libssl over memory BIOs. */
#include "mlab_tls.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "mlab_cert_ev.h"
#include "mlab_err.h"

static const struct {
	const char *lab, *tls;
} group_names[] =
    {
	{"x25519", "X25519"},	    {"ffdhe2048", "ffdhe2048"}, {"ffdhe3072", "ffdhe3072"},
	{"ffdhe4096", "ffdhe4096"}, {"p256", "P-256"},		{"p384", "P-384"},
},
  cipher_names[] = {
      {"chacha20-poly1305", "TLS_CHACHA20_POLY1305_SHA256"},
      {"aes-256-gcm", "TLS_AES_256_GCM_SHA384"},
      {"aes-128-gcm", "TLS_AES_128_GCM_SHA256"},
};

/* a,b,c in the lab's names → OpenSSL's a:b:c through table tab. */
static int map_list(const char *lab, char *out, size_t n, const void *tab, size_t tn)
{
	const struct {
		const char *lab, *tls;
	} *t = tab;
	size_t o = 0;
	out[0] = '\0';
	for (const char *p = lab; p && *p;) {
		size_t len = strcspn(p, ",");
		size_t i = 0;
		for (; i < tn; i++)
			if (strlen(t[i].lab) == len && strncmp(p, t[i].lab, len) == 0)
				break;
		if (i == tn)
			return MLAB_E_BAD_FIELD;
		int w = snprintf(out + o, n - o, "%s%s", o ? ":" : "", t[i].tls);
		if (w < 0 || (size_t)w >= n - o)
			return MLAB_E_TOO_LONG;
		o += (size_t)w;
		p += len + (p[len] == ',');
	}
	return 0;
}

int mlab_tls_groups(const char *lab, char *out, size_t n)
{
	return map_list(lab, out, n, group_names, sizeof group_names / sizeof group_names[0]);
}

int mlab_tls_ciphers(const char *lab, char *out, size_t n)
{
	return map_list(lab, out, n, cipher_names, sizeof cipher_names / sizeof cipher_names[0]);
}

int mlab_tls_parse_pin(const char *s, uint8_t pin[32])
{
	size_t len = 0;
	if (strncmp(s, "sha256//", 8) == 0) {
		const char *b = s + 8;
		unsigned char raw[48];
		size_t bl = strlen(b);
		if (bl != 44 || EVP_DecodeBlock(raw, (const unsigned char *)b, 44) != 33)
			return MLAB_E_BAD_FIELD; /* 44 base64 characters: 32 bytes and one padding */
		memcpy(pin, raw, 32);
		return 0;
	}
	if (strlen(s) != 64 || mlab_unhex(s, pin, 32, &len) != 0 || len != 32)
		return MLAB_E_BAD_FIELD;
	return 0;
}

int mlab_tls_pin_arg(const char *s, uint8_t pin[32])
{
	char line[128];
	if (mlab_tls_parse_pin(s, pin) == 0)
		return 0;
	FILE *f = fopen(s, "r");
	if (!f)
		return MLAB_E_IO;
	int e = MLAB_E_BAD_FIELD;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, " \t\r\n")] = '\0';
		e = mlab_tls_parse_pin(line, pin);
		break;
	}
	fclose(f);
	return e;
}

/* --- events --- */

/* The sticky failure: one error event, with OpenSSL's reason as detail. */
static int fail(struct mlab_tls *t, int e, const char *where, const char *detail)
{
	if (t->err)
		return t->err;
	t->err = e;
	mlab_ev_error(t->ev, e, where, detail);
	return e;
}

/* OpenSSL's first queued reason, for the error event's detail. */
static void ssl_reason(char *buf, size_t n, unsigned long *code)
{
	unsigned long e = ERR_peek_error();
	*code = e;
	if (!e) {
		snprintf(buf, n, "OpenSSL reported no reason");
		return;
	}
	const char *r = ERR_reason_error_string(e);
	snprintf(buf, n, "OpenSSL: %s", r ? r : "unknown reason");
	ERR_clear_error();
}

/* A handshake OpenSSL ended: which of the lab's checks it was. */
static int handshake_failure(struct mlab_tls *t)
{
	char why[256];
	unsigned long code;
	ssl_reason(why, sizeof why, &code);
	if (t->verify_err) /* the lab's own certificate checks, already told as events */
		return fail(t, t->verify_err, "tls-handshake", why);
	if (t->alert_in >= 0) {
		char d[400];
		snprintf(d, sizeof d, "TLS alert %d (%s) from the peer; %s", t->alert_in,
			 SSL_alert_desc_string_long(t->alert_in), why);
		mlab_ev_emit(t->ev, "alert-received",
			     json_pack("{s:s,s:s,s:i}", "error", SSL_alert_desc_string_long(t->alert_in), "check",
				       "tls", "code", -t->alert_in),
			     "peer aborted: TLS alert %s — unauthenticated, for information",
			     SSL_alert_desc_string_long(t->alert_in));
		return fail(t, MLAB_E_PEER_ALERT, "tls-handshake", d);
	}
	int reason = ERR_GET_REASON(code);
	if (ERR_GET_LIB(code) == ERR_LIB_SSL) {
		/* RFC 8446 §4.1.3: a TLS 1.3 client that sees the downgrade
		 * sentinel in a TLS 1.2 ServerHello's random */
		if (reason == SSL_R_INAPPROPRIATE_FALLBACK)
			return fail(t, MLAB_E_DOWNGRADE, "tls-handshake", why);
		if (reason == SSL_R_NO_SHARED_CIPHER)
			return fail(t, MLAB_E_NO_COMMON_CIPHER, "tls-handshake", why);
		if (reason == SSL_R_NO_SHARED_GROUPS || reason == SSL_R_NO_SUITABLE_KEY_SHARE)
			return fail(t, MLAB_E_NO_COMMON_GROUP, "tls-handshake", why);
	}
	return fail(t, MLAB_E_TLS, "tls-handshake", why);
}

/* --- OpenSSL callbacks --- */

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct mlab_tls *t = SSL_get_app_data(ssl);
	if (t && (where & SSL_CB_ALERT) && (where & SSL_CB_READ) && (ret >> 8) == SSL3_AL_FATAL)
		t->alert_in = ret & 0xff;
}

/* SSLKEYLOGFILE: one line per secret, one write(2) each, O_APPEND. */
static void keylog_cb(const SSL *ssl, const char *line)
{
	struct mlab_tls *t = SSL_get_app_data(ssl);
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s\n", line);
	if (!t || !t->cfg.keylog || n <= 0 || (size_t)n >= sizeof buf)
		return;
	int fd = open(t->cfg.keylog, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		if (write(fd, buf, (size_t)n) != n)
			n = -1; /* a convenience: never the session's failure */
		close(fd);
	}
	OPENSSL_cleanse(buf, sizeof buf);
}

/* The chain as the peer sent it (leaf first), in DER, for the lab's checks. */
static int peer_chain(X509_STORE_CTX *x, struct mlab_certificate *m, uint8_t *der[MLAB_MAX_CHAIN])
{
	X509 *leaf = X509_STORE_CTX_get0_cert(x);
	STACK_OF(X509) *rest = X509_STORE_CTX_get0_untrusted(x);
	X509 *all[MLAB_MAX_CHAIN];
	size_t n = 0;
	if (!leaf)
		return MLAB_E_CERT_PARSE;
	all[n++] = leaf;
	for (int i = 0; rest && i < sk_X509_num(rest); i++) {
		X509 *c = sk_X509_value(rest, i);
		if (X509_cmp(c, leaf) == 0)
			continue;
		if (n == MLAB_MAX_CHAIN)
			return MLAB_E_TOO_LONG;
		all[n++] = c;
	}
	m->n = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		der[i] = NULL;
		int len = i2d_X509(all[i], &der[i]);
		if (len <= 0 || len > MLAB_MAX_CERT)
			return len <= 0 ? MLAB_E_CERT_PARSE : MLAB_E_TOO_LONG;
		m->der[i] = der[i];
		m->len[i] = (uint16_t)len;
	}
	return 0;
}

/* --pin-spki: SHA-256 over the leaf's SubjectPublicKeyInfo, as HPKP pins. */
static int pin_check(struct mlab_tls *t, X509 *leaf)
{
	uint8_t *spki = NULL, h[32];
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &spki);
	unsigned hl = 0;
	int ok = len > 0 && EVP_Digest(spki, (size_t)len, h, &hl, EVP_sha256(), NULL) == 1;
	OPENSSL_free(spki);
	if (!ok)
		return MLAB_E_CRYPTO;
	if (CRYPTO_memcmp(h, t->cfg.pin_spki, 32) != 0) {
		char got[65], want[65];
		mlab_hex(h, 32, got);
		mlab_hex(t->cfg.pin_spki, 32, want);
		mlab_ev_emit(t->ev, "spki-pin", json_pack("{s:b,s:s,s:s}", "ok", false, "spki", got, "pinned", want),
			     "✘ pinned-key: the leaf's SPKI SHA-256 is %.16s…, the pin %.16s…", got, want);
		return MLAB_E_PIN_MISMATCH;
	}
	mlab_ev_emit(t->ev, "spki-pin", json_pack("{s:b}", "ok", true),
		     "✔ pinned-key: the leaf's SubjectPublicKeyInfo is the pinned one");
	return 0;
}

/* In place of OpenSSL's own verification (SSL_CTX_set_cert_verify_callback):
 * the lab's named checks on the chain as sent, so TLS and the lab protocol
 * stop the same attacks by the same names; then the pin. */
static int verify_cb(X509_STORE_CTX *x, void *arg)
{
	struct mlab_tls *t = arg;
	struct mlab_certificate m = {0};
	uint8_t *der[MLAB_MAX_CHAIN] = {NULL}, leaf_pub[32];
	int e = peer_chain(x, &m, der);
	struct mlab_trust tr = *t->cfg.trust; /* a shallow copy: TLS takes RSA leaves too */
	tr.rsa_leaf = true;
	if (e == 0)
		e = mlab_cert_check_ev(&tr, &m, t->ev, leaf_pub);
	if (e == 0 && t->cfg.pin)
		e = pin_check(t, X509_STORE_CTX_get0_cert(x));
	for (size_t i = 0; i < MLAB_MAX_CHAIN; i++)
		OPENSSL_free(der[i]);
	if (e != 0) {
		t->verify_err = e;
		X509_STORE_CTX_set_error(x, X509_V_ERR_APPLICATION_VERIFICATION);
		return 0;
	}
	return 1;
}

/* --- setup --- */

/* A chain in DER (leaf first) and its key as the server's. */
static int use_chain(SSL_CTX *ctx, const struct mlab_chain *c, EVP_PKEY *key)
{
	for (size_t i = 0; i < c->n; i++) {
		const unsigned char *p = c->der[i];
		X509 *x = d2i_X509(NULL, &p, (long)c->len[i]);
		int ok = x && (i == 0 ? SSL_CTX_use_certificate(ctx, x) : SSL_CTX_add1_chain_cert(ctx, x)) == 1;
		X509_free(x); /* both calls took their own reference */
		if (!ok)
			return -1;
	}
	return c->n && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1 ? 0 : -1;
}

static int version_of(int v)
{
	return v == 12 ? TLS1_2_VERSION : TLS1_3_VERSION;
}

int mlab_tls_init(struct mlab_tls *t, const struct mlab_tls_config *cfg, struct mlab_ev *ev)
{
	memset(t, 0, sizeof *t);
	t->cfg = *cfg;
	t->ev = ev;
	t->alert_in = -1;
	bool client = cfg->role == MLAB_INITIATOR;
	if (!(t->ctx = SSL_CTX_new(client ? TLS_client_method() : TLS_server_method())))
		return MLAB_E_CRYPTO;
	SSL_CTX_set_min_proto_version(t->ctx, version_of(cfg->min_version));
	SSL_CTX_set_max_proto_version(t->ctx, version_of(cfg->max_version));
	SSL_CTX_set_options(t->ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(t->ctx, 0); /* one session, one handshake: nothing after Finished */
	if ((cfg->groups[0] && SSL_CTX_set1_groups_list(t->ctx, cfg->groups) != 1) ||
	    (cfg->ciphers[0] && SSL_CTX_set_ciphersuites(t->ctx, cfg->ciphers) != 1) ||
	    (cfg->cipher_list[0] && SSL_CTX_set_cipher_list(t->ctx, cfg->cipher_list) != 1))
		return MLAB_E_BAD_FIELD;
	if (cfg->keylog)
		SSL_CTX_set_keylog_callback(t->ctx, keylog_cb);
	SSL_CTX_set_info_callback(t->ctx, info_cb);
	if (client) {
		if (cfg->no_verify) {
			SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
		} else {
			if (!cfg->trust)
				return MLAB_E_NO_TRUST;
			SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
			SSL_CTX_set_cert_verify_callback(t->ctx, verify_cb, t);
		}
	} else if (!cfg->chain || !cfg->key || use_chain(t->ctx, cfg->chain, cfg->key) != 0) {
		ERR_clear_error();
		return MLAB_E_KEYFILE;
	}
	if (!(t->ssl = SSL_new(t->ctx)) || !(t->rb = BIO_new(BIO_s_mem())) || !(t->wb = BIO_new(BIO_s_mem()))) {
		BIO_free(t->rb);
		BIO_free(t->wb);
		t->rb = t->wb = NULL;
		return MLAB_E_NOMEM;
	}
	BIO_set_mem_eof_return(t->rb, -1); /* empty means "more to come", not EOF */
	SSL_set_bio(t->ssl, t->rb, t->wb); /* the SSL owns both now */
	SSL_set_app_data(t->ssl, t);
	if (client) {
		SSL_set_connect_state(t->ssl);
		if (cfg->trust && cfg->trust->name[0] && SSL_set_tlsext_host_name(t->ssl, cfg->trust->name) != 1)
			return MLAB_E_BAD_FIELD;
	} else {
		SSL_set_accept_state(t->ssl);
	}
	return 0;
}

void mlab_tls_free(struct mlab_tls *t)
{
	SSL_free(t->ssl); /* and both BIOs */
	SSL_CTX_free(t->ctx);
	t->ssl = NULL;
	t->ctx = NULL;
	OPENSSL_cleanse(t->key_id, sizeof t->key_id);
}

bool mlab_tls_connected(const struct mlab_tls *t)
{
	return t->connected && !t->err;
}

size_t mlab_tls_pending(const struct mlab_tls *t)
{
	return t->wb ? BIO_ctrl_pending(t->wb) : 0;
}

void mlab_tls_drain(struct mlab_tls *t, struct mlab_wr *out)
{
	while (t->wb && BIO_ctrl_pending(t->wb) && out->len < out->cap) {
		int n = BIO_read(t->wb, out->p + out->len, (int)(out->cap - out->len));
		if (n <= 0)
			break;
		out->len += (size_t)n;
	}
}

static int feed(struct mlab_tls *t, const uint8_t *in, size_t n)
{
	if (n > 1u << 20) /* one network read; far below INT_MAX */
		return MLAB_E_TOO_LONG;
	if (n && BIO_write(t->rb, in, (int)n) != (int)n)
		return MLAB_E_NOMEM;
	return 0;
}

/* --- the handshake's end: what was negotiated, and the key id --- */

static void connected(struct mlab_tls *t)
{
	uint8_t ekm[32];
	const char *v = SSL_get_version(t->ssl), *c = SSL_get_cipher_name(t->ssl);
	int nid = (int)SSL_get_negotiated_group(t->ssl); /* a NID: small */
	const char *g = nid > 0 ? SSL_group_to_name(t->ssl, nid) : NULL;
	snprintf(t->version, sizeof t->version, "%s", v ? v : "?");
	snprintf(t->cipher, sizeof t->cipher, "%s", c ? c : "?");
	/* TLS 1.2 with RSA key transport has no group: the client chose the secret */
	snprintf(t->group, sizeof t->group, "%s", g ? g : "rsa-key-transport");
	const SSL_CIPHER *sc = SSL_get_current_cipher(t->ssl);
	const char *kind = sc && SSL_CIPHER_get_kx_nid(sc) == NID_kx_rsa ? "transport" : "ephemeral";
	if (SSL_export_keying_material(t->ssl, ekm, sizeof ekm, MLAB_TLS_EXPORTER_LABEL,
				       sizeof MLAB_TLS_EXPORTER_LABEL - 1, NULL, 0, 0) != 1 ||
	    mlab_key_id(ekm, sizeof ekm, t->key_id) != 0)
		snprintf(t->key_id, sizeof t->key_id, "????????");
	OPENSSL_cleanse(ekm, sizeof ekm);
	mlab_ev_emit(t->ev, "negotiated",
		     json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "mode", "cert", "group", t->group, "cipher", t->cipher,
			       "version", t->version, "proto", "tls", "kind", kind),
		     "negotiated %s, group %s, cipher %s (%s)", t->version, t->group, t->cipher,
		     strcmp(kind, "transport") == 0 ? "RSA key transport: no forward secrecy" : "ephemeral (EC)DHE");
	mlab_ev_emit(t->ev, "session-key", json_pack("{s:s,s:s}", "key_id", t->key_id, "cipher", t->cipher),
		     "session key id %s (TLS exporter)", t->key_id);
	mlab_ev_emit(t->ev, "handshake-done",
		     json_pack("{s:s,s:s,s:s,s:s,s:s}", "key_id", t->key_id, "mode", "cert", "group", t->group,
			       "cipher", t->cipher, "version", t->version),
		     "handshake complete: %s, key id %s, %s records", t->version, t->key_id, t->cipher);
	t->connected = true;
}

int mlab_tls_handshake(struct mlab_tls *t, const uint8_t *in, size_t n, struct mlab_wr *out)
{
	int e;
	if (t->err)
		return MLAB_E_FAILED;
	if (t->connected)
		return 0;
	if ((e = feed(t, in, n)) != 0)
		return fail(t, e, "tls-handshake", NULL);
	ERR_clear_error();
	int r = SSL_do_handshake(t->ssl);
	if (r == 1)
		connected(t);
	else if (SSL_get_error(t->ssl, r) != SSL_ERROR_WANT_READ)
		e = handshake_failure(t);
	mlab_tls_drain(t, out); /* our flight, or the alert that ends it */
	return e;
}

int mlab_tls_seal(struct mlab_tls *t, const uint8_t *data, size_t len, struct mlab_wr *out)
{
	if (t->err)
		return MLAB_E_FAILED;
	if (!t->connected)
		return fail(t, MLAB_E_UNEXPECTED, "tls", "data before the handshake ended");
	if (len > MLAB_MAX_PLAINTEXT)
		return fail(t, MLAB_E_TOO_LONG, "connected", NULL);
	ERR_clear_error();
	size_t w = 0;
	if (len && SSL_write_ex(t->ssl, data, len, &w) != 1) {
		char why[256];
		unsigned long code;
		ssl_reason(why, sizeof why, &code);
		return fail(t, MLAB_E_TLS, "connected", why);
	}
	mlab_tls_drain(t, out);
	return 0;
}

int mlab_tls_open(struct mlab_tls *t, const uint8_t *in, size_t n, uint8_t *data, size_t cap, size_t *len, bool *got,
		  bool *closed, struct mlab_wr *out)
{
	int e;
	*len = 0;
	*got = *closed = false;
	if (t->err)
		return MLAB_E_FAILED;
	if ((e = feed(t, in, n)) != 0)
		return fail(t, e, "connected", NULL);
	ERR_clear_error();
	int r = SSL_read_ex(t->ssl, data, cap, len) == 1;
	if (r == 1) {
		*got = true;
	} else {
		int se = SSL_get_error(t->ssl, 0);
		if (se == SSL_ERROR_ZERO_RETURN) {
			*closed = t->peer_closed = true;
		} else if (se != SSL_ERROR_WANT_READ) {
			char why[256];
			unsigned long code;
			ssl_reason(why, sizeof why, &code);
			e = fail(t, t->alert_in >= 0 ? MLAB_E_PEER_ALERT : MLAB_E_RECORD_AUTH, "connected", why);
		}
	}
	mlab_tls_drain(t, out);
	return e;
}

int mlab_tls_close(struct mlab_tls *t, struct mlab_wr *out)
{
	if (t->err)
		return MLAB_E_FAILED;
	ERR_clear_error();
	(void)SSL_shutdown(t->ssl); /* sends our close_notify; the peer's may come later */
	ERR_clear_error();
	mlab_tls_drain(t, out);
	return 0;
}

int mlab_tls_set_sni(struct mlab_tls *t, const char *name)
{
	return SSL_set_tlsext_host_name(t->ssl, name) == 1 ? 0 : MLAB_E_BAD_FIELD;
}

const char *mlab_tls_sni(const struct mlab_tls *t)
{
	return SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name);
}

size_t mlab_tls_peer_chain_len(const struct mlab_tls *t)
{
	STACK_OF(X509) *c = SSL_get_peer_cert_chain(t->ssl);
	return c ? (size_t)sk_X509_num(c) : 0;
}

int mlab_tls_fail(struct mlab_tls *t, int err, const char *detail)
{
	return fail(t, err, t->connected ? "connected" : "tls-handshake", detail);
}
