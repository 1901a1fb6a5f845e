/* mallory's TLS interception (see tls_mitm.h). */
#include "tls_mitm.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dhmitm_core.h"
#include "mlab_err.h"
#include "mlab_tls.h"
#include "sniff_stream.h"
#include "tls_hello.h"

struct tls_mitm {
	struct mlab_ev *ev;  /* hers */
	struct mlab_ev mute; /* the engines': their events are not hers; an error's detail is kept */
	char detail[320];
	struct mlab_tls leg[2]; /* [DHMITM_ALICE]: she is the server; [DHMITM_BOB]: the client */
	struct tls_mitm_config cfg;
	bool started_bob, up[2], relaying, substituted, failed, stripped;
	uint64_t seq[2]; /* messages read from alice, from bob */
	uint8_t data[MLAB_MAX_PLAINTEXT], alt[MLAB_MAX_PLAINTEXT], tmp[MLAB_MAX_PLAINTEXT];
};

static void keep_detail(void *arg, const char *name, const json_t *event)
{
	struct tls_mitm *m = arg;
	const char *d = json_string_value(json_object_get(event, "detail"));
	if (strcmp(name, "error") == 0)
		snprintf(m->detail, sizeof m->detail, "%s", d ? d : json_string_value(json_object_get(event, "error")));
}

int tls_mitm_new(struct tls_mitm **out, const struct tls_mitm_config *cfg, struct mlab_ev *ev)
{
	struct tls_mitm *m = calloc(1, sizeof *m);
	int e;
	*out = NULL;
	if (!m)
		return MLAB_E_NOMEM;
	m->ev = ev;
	m->cfg = *cfg;
	if (cfg->downgrade) { /* she only rewrites the hello: no TLS of her own */
		*out = m;
		return 0;
	}
	mlab_ev_init(&m->mute, "mallory", -1, NULL);
	m->mute.sink = keep_detail;
	m->mute.sink_arg = m;
	struct mlab_tls_config a = {.role = MLAB_RESPONDER,
				    .min_version = 12,
				    .max_version = 13,
				    .chain = cfg->chain,
				    .key = cfg->key,
				    .keylog = cfg->keylog};
	struct mlab_tls_config b = {
	    .role = MLAB_INITIATOR, .min_version = 12, .max_version = 13, .no_verify = true, .keylog = cfg->keylog};
	if ((e = mlab_tls_init(&m->leg[DHMITM_ALICE], &a, &m->mute)) != 0 ||
	    (e = mlab_tls_init(&m->leg[DHMITM_BOB], &b, &m->mute)) != 0) {
		tls_mitm_free(m);
		return e;
	}
	*out = m;
	return 0;
}

void tls_mitm_free(struct tls_mitm *m)
{
	if (!m)
		return;
	mlab_tls_free(&m->leg[0]);
	mlab_tls_free(&m->leg[1]);
	OPENSSL_cleanse(m->data, sizeof m->data);
	OPENSSL_cleanse(m->alt, sizeof m->alt);
	OPENSSL_cleanse(m->tmp, sizeof m->tmp);
	free(m);
}

static int fail(struct tls_mitm *m, int e)
{
	if (!m->failed)
		mlab_ev_error(m->ev, e, "tls-mitm", m->detail[0] ? m->detail : NULL);
	m->failed = true;
	return e;
}

/* A leg's handshake just ended: its key, and once both are up, the relay. */
static void leg_up(struct tls_mitm *m, int l)
{
	const struct mlab_tls *t = &m->leg[l];
	const char *peer = l == DHMITM_ALICE ? "alice" : "bob";
	m->up[l] = true;
	mlab_ev_emit(m->ev, "session-key",
		     json_pack("{s:s,s:s,s:s}", "key_id", t->key_id, "with", peer, "cipher", t->cipher),
		     "TLS session key id %s with %s (%s, %s)", t->key_id, peer, t->version, t->cipher);
	if (m->up[0] && m->up[1] && !m->relaying) {
		m->relaying = true;
		const char *ka = m->leg[DHMITM_ALICE].key_id, *kb = m->leg[DHMITM_BOB].key_id;
		mlab_ev_emit(
		    m->ev, "relay-established",
		    json_pack("{s:s,s:s,s:s}", "alice_key_id", ka, "bob_key_id", kb, "cipher", t->cipher),
		    "in the middle of TLS: key %s with alice, key %s with bob — every record passes through me", ka,
		    kb);
	}
}

/* Her flight toward alice holds her certificate: say so the first time. */
static void announce_chain(struct tls_mitm *m)
{
	char kid[9] = "-";
	uint8_t pub[32];
	if (m->substituted || !mlab_tls_pending(&m->leg[DHMITM_ALICE]))
		return;
	m->substituted = true;
	if (mlab_chain_leaf_pub(m->cfg.chain, pub) == 0)
		(void)mlab_key_id(pub, sizeof pub, kid);
	mlab_ev_emit(m->ev, "cert-substituted",
		     json_pack("{s:s,s:i,s:i,s:s}", "toward", "alice", "n", (int)m->cfg.chain->n, "replaced",
			       (int)mlab_tls_peer_chain_len(&m->leg[DHMITM_BOB]), "key_id", kid),
		     "sent alice my own certificate chain (%zu certificates, leaf key %s) in place of bob's",
		     m->cfg.chain->n, kid);
}

static void report_read(struct tls_mitm *m, enum dhmitm_dir d, uint64_t seq, const uint8_t *p, size_t n)
{
	json_t *j = dhmitm_ends_json(d);
	char *hex = malloc(2 * n + 1), shown[256];
	if (!hex) {
		json_decref(j);
		return;
	}
	mlab_hex(p, n, hex);
	json_object_set_new(j, "seq", dhmitm_json_u64(seq));
	json_object_set_new(j, "len", json_integer((json_int_t)n));
	json_object_set_new(j, "hex", json_string(hex));
	dhmitm_add_text(j, "text", p, n);
	sniff_printable(p, n, shown, sizeof shown);
	mlab_ev_emit(m->ev, "message-read", j, "read \"%s\" (TLS record %llu, %s > %s)", shown, (unsigned long long)seq,
		     dhmitm_from_name(d), dhmitm_to_name(d));
	OPENSSL_cleanse(hex, 2 * n + 1);
	free(hex);
}

/* Application data on an established leg: read, rewrite, seal on the other. */
static int relay_data(struct tls_mitm *m, enum dhmitm_dir d, struct mlab_tls *from, struct mlab_tls *to,
		      const uint8_t *rec, size_t len)
{
	struct mlab_wr none = {.p = NULL, .cap = 0, .len = 0};
	bool got, closed;
	size_t n;
	int e;
	do {
		e = mlab_tls_open(from, rec, len, m->data, sizeof m->data, &n, &got, &closed, &none);
		rec = NULL;
		len = 0;
		if (e != 0)
			return e;
		if (got) {
			uint64_t seq = m->seq[d]++;
			size_t alt_n = n;
			const uint8_t *send = m->data;
			report_read(m, d, seq, m->data, n);
			int c = dhmitm_rules_apply(m->cfg.rules, m->cfg.n_rules, m->data, n, m->alt, m->tmp, &alt_n);
			if (c == 1) {
				dhmitm_report_changed(m->ev, d, seq, m->data, n, m->alt, alt_n);
				send = m->alt;
			} else {
				alt_n = n;
			}
			if ((e = mlab_tls_seal(to, send, alt_n, &none)) != 0)
				return e;
		}
		if (closed) {
			json_t *j = dhmitm_ends_json(d);
			json_object_set_new(j, "seq", dhmitm_json_u64(m->seq[d]));
			mlab_ev_emit(m->ev, "close-relayed", j, "relayed %s's close notification to %s",
				     dhmitm_from_name(d), dhmitm_to_name(d));
			return mlab_tls_close(to, &none);
		}
	} while (got);
	return 0;
}

/* --tls-downgrade: alice's first hello loses supported_versions; everything
 * else passes as it is, and what happens next is real OpenSSL's doing. */
static int downgrade(struct tls_mitm *m, enum dhmitm_dir d, const uint8_t *rec, size_t len, struct mlab_wr *out)
{
	size_t n;
	if (d != DHMITM_TO_BOB || m->stripped || len > sizeof m->data)
		return mlab_wr_bytes(out, rec, len);
	int r = tls_hello_strip_versions(rec, len, m->data, sizeof m->data, &n);
	if (r < 0) {
		snprintf(m->detail, sizeof m->detail, "alice's ClientHello has a length that does not add up");
		(void)fail(m, MLAB_E_BAD_FIELD);
	}
	if (r != 1)
		return mlab_wr_bytes(out, rec, len);
	m->stripped = true;
	mlab_ev_emit(m->ev, "offer-stripped", json_pack("{s:s,s:s}", "removed", "supported_versions", "toward", "bob"),
		     "stripped supported_versions from alice's ClientHello on its way to bob: he sees a TLS 1.2 "
		     "hello");
	return mlab_wr_bytes(out, m->data, n);
}

int tls_mitm_on_record(struct tls_mitm *m, enum dhmitm_dir d, const uint8_t *rec, size_t len, struct mlab_wr *out)
{
	struct mlab_wr none = {.p = NULL, .cap = 0, .len = 0};
	int src = d == DHMITM_TO_BOB ? DHMITM_ALICE : DHMITM_BOB, dst = 1 - src;
	struct mlab_tls *from = &m->leg[src], *to = &m->leg[dst];
	int e = 0;

	if (m->failed) /* she gave up: what comes passes as it is */
		return mlab_wr_bytes(out, rec, len);
	if (m->cfg.downgrade)
		return downgrade(m, d, rec, len, out);
	if (!m->up[src]) {
		if ((e = mlab_tls_handshake(from, rec, len, &none)) != 0)
			return fail(m, e);
		if (src == DHMITM_ALICE && !m->started_bob) {
			/* alice's ClientHello is in: ask bob for the same name */
			const char *sni = mlab_tls_sni(from);
			m->started_bob = true;
			if ((sni && (e = mlab_tls_set_sni(to, sni)) != 0) ||
			    (e = mlab_tls_handshake(to, NULL, 0, &none)) != 0)
				return fail(m, e);
		}
		if (mlab_tls_connected(from))
			leg_up(m, src);
	} else if ((e = relay_data(m, d, from, to, rec, len)) != 0) {
		return fail(m, e);
	}
	if (dst == DHMITM_ALICE)
		announce_chain(m);
	mlab_tls_drain(to, out);
	if (mlab_tls_pending(to))
		return fail(m, MLAB_E_NOSPACE);
	return 0;
}
