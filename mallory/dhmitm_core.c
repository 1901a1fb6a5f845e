/* dh-mitm's relay core (see dhmitm_core.h): the state machine over both legs,
 * the share, signature, Finished and record turns, and the questions it asks
 * the lesson moves at each turn.
 *
 * Everything a peer would compute is computed here through lib/, on that
 * leg's own transcript: the transcript itself (mlab_transcript), shares
 * (mlab_share: send, decode, check), the DH secret (mlab_dh_derive, in the
 * swap move), the keys and Finished (mlab_keysched). So her keys on a leg are
 * the peer's keys, and her Finished is the one the peer expects. */
#include "dhmitm_core.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "mlab_err.h"
#include "mlab_share.h"
#include "sniff_stream.h"

#define WHERE "dh-mitm"

static const char *const state_names[] = {
#define DHMITM_X_NAME(s, n) [s] = n,
    DHMITM_STATES(DHMITM_X_NAME)
#undef DHMITM_X_NAME
};

/* ------------------------------------------------------------ helpers */

struct dhmitm_leg *dhmitm_src(struct dhmitm *m, enum dhmitm_dir d)
{
	return &m->leg[d == DHMITM_TO_BOB ? DHMITM_ALICE : DHMITM_BOB];
}

struct dhmitm_leg *dhmitm_dst(struct dhmitm *m, enum dhmitm_dir d)
{
	return &m->leg[d == DHMITM_TO_BOB ? DHMITM_BOB : DHMITM_ALICE];
}

static bool is_alice(const struct dhmitm *m, const struct dhmitm_leg *l)
{
	return l == &m->leg[DHMITM_ALICE];
}

const struct mlab_group *dhmitm_leg_group(const struct dhmitm *m, const struct dhmitm_leg *l)
{
	return mlab_share_group(m->group, &m->xg[is_alice(m, l) ? DHMITM_ALICE : DHMITM_BOB]);
}

/* The Finished keys on leg l: the peer's (alice is the initiator: client)
 * and hers, the other one. */
static const uint8_t *peer_fin(const struct dhmitm *m, const struct dhmitm_leg *l)
{
	return is_alice(m, l) ? l->keys.fin_client : l->keys.fin_server;
}

static const uint8_t *own_fin(const struct dhmitm *m, const struct dhmitm_leg *l)
{
	return is_alice(m, l) ? l->keys.fin_server : l->keys.fin_client;
}

const char *dhmitm_from_name(enum dhmitm_dir d)
{
	return d == DHMITM_TO_BOB ? "alice" : "bob";
}

const char *dhmitm_to_name(enum dhmitm_dir d)
{
	return d == DHMITM_TO_BOB ? "bob" : "alice";
}

/* jansson's integers are signed. */
json_t *dhmitm_json_u64(uint64_t v)
{
	return v <= (uint64_t)LLONG_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

json_t *dhmitm_ends_json(enum dhmitm_dir d)
{
	return json_pack("{s:s,s:s}", "from", dhmitm_from_name(d), "to", dhmitm_to_name(d));
}

void dhmitm_add_text(json_t *j, const char *key, const uint8_t *p, size_t n)
{
	json_t *t = json_stringn((const char *)p, n); /* NULL unless valid UTF-8 */
	if (t)
		json_object_set_new(j, key, t);
}

int dhmitm_put_raw(struct mlab_wr *out, uint8_t type, const uint8_t *body, size_t len)
{
	int e = mlab_frame_put_hdr(out, type, len);

	if (e == 0 && len)
		e = mlab_wr_bytes(out, body, len);
	return e;
}

/* A frame both legs see alike: into the sender's transcript, forwarded
 * unchanged, into the receiver's. */
static int relay_same(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, const uint8_t *body, size_t len,
		      struct mlab_wr *out)
{
	size_t start = out->len;
	int e;

	if ((e = mlab_transcript_frame(&dhmitm_src(m, d)->tr, type, body, len)) != 0 ||
	    (e = dhmitm_put_raw(out, type, body, len)) != 0)
		return e;
	return mlab_transcript_out(&dhmitm_dst(m, d)->tr, out, start);
}

static void leg_wipe(struct dhmitm_leg *l)
{
	mlab_dh_free(&l->dh);
	OPENSSL_cleanse(l->secret, sizeof l->secret);
	l->secret_len = 0;
	l->secret_pending = false;
	mlab_keys_wipe(&l->keys);
	l->have_keys = false;
	mlab_rec_wipe(&l->rx);
	mlab_rec_wipe(&l->tx);
}

void dhmitm_wipe_all(struct dhmitm *m)
{
	for (int i = 0; i < 2; i++)
		leg_wipe(&m->leg[i]);
	for (size_t i = 0; i < m->n_on; i++)
		if (m->on[i].mv->wipe)
			m->on[i].mv->wipe(m->on[i].st);
	OPENSSL_cleanse(m->pt, sizeof m->pt);
	OPENSSL_cleanse(m->alt, sizeof m->alt);
	OPENSSL_cleanse(m->hex, sizeof m->hex);
}

/* ------------------------------------------------ asking the moves */

/* Each asks the wanted moves in order until one answers (not DHMITM_NEXT). */

static bool ask_rewrite_hello(struct dhmitm *m, struct mlab_client_hello *ch)
{
	bool changed = false;
	for (size_t i = 0; i < m->n_on; i++)
		if (m->on[i].mv->rewrite_hello)
			changed |= m->on[i].mv->rewrite_hello(m, m->on[i].st, ch);
	return changed;
}

bool dhmitm_share_forced(const struct dhmitm *m, const struct dhmitm_leg *l)
{
	for (size_t i = 0; i < m->n_on; i++)
		if (m->on[i].mv->forces_share && m->on[i].mv->forces_share(m, m->on[i].st, l))
			return true;
	return false;
}

#define ASK(m, hook, ...)                                                                                              \
	do {                                                                                                           \
		for (size_t i_ = 0; i_ < (m)->n_on; i_++) {                                                            \
			if (!(m)->on[i_].mv->hook)                                                                     \
				continue;                                                                              \
			int e_ = (m)->on[i_].mv->hook((m), (m)->on[i_].st, __VA_ARGS__);                               \
			if (e_ != DHMITM_NEXT)                                                                         \
				return e_;                                                                             \
		}                                                                                                      \
		return DHMITM_NEXT;                                                                                    \
	} while (0)

static int ask_alice_params(struct dhmitm *m, const struct mlab_key_share *ks)
{
	ASK(m, alice_params, ks);
}

static int ask_on_share(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	ASK(m, on_share, d, body, len, out);
}

static int ask_guess_secret(struct dhmitm *m, struct dhmitm_leg *l, const uint8_t mac[MLAB_MAC_LEN])
{
	ASK(m, guess_secret, l, mac);
}

static int ask_on_certificate(struct dhmitm *m, const struct mlab_certificate *bobs, struct mlab_wr *out)
{
	ASK(m, on_certificate, bobs, out);
}

static int ask_on_signature(struct dhmitm *m, enum dhmitm_dir d, struct mlab_wr *out)
{
	ASK(m, on_signature, d, out);
}

static int ask_rewrite_record(struct dhmitm *m, enum dhmitm_dir d, uint64_t seq, const uint8_t *in, size_t n,
			      size_t *alt_n)
{
	ASK(m, rewrite_record, d, seq, in, n, m->alt, alt_n);
}

/* Her share and a leg's secret: some move always answers (swap last). */
static int make_share(struct dhmitm *m, struct dhmitm_leg *l)
{
	int e = DHMITM_NEXT;
	for (size_t i = 0; i < m->n_on && e == DHMITM_NEXT; i++)
		if (m->on[i].mv->make_share)
			e = m->on[i].mv->make_share(m, m->on[i].st, l);
	return e == DHMITM_NEXT ? MLAB_E_ARG : e;
}

static int dh_secret(struct dhmitm *m, struct dhmitm_leg *l)
{
	int e = DHMITM_NEXT;
	for (size_t i = 0; i < m->n_on && e == DHMITM_NEXT; i++)
		if (m->on[i].mv->secret)
			e = m->on[i].mv->secret(m, m->on[i].st, l);
	return e == DHMITM_NEXT ? MLAB_E_ARG : e;
}

/* ------------------------------------------------------- handshake */

static int on_client_hello(struct dhmitm *m, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct mlab_client_hello ch;
	size_t start;
	int e;

	if ((e = mlab_client_hello_decode(body, len, &ch)) != 0)
		return e;
	memcpy(m->nonce_c, ch.nonce, sizeof m->nonce_c);
	/* Alice's transcript keeps the hello she sent, bob's the one he gets. */
	if (!ask_rewrite_hello(m, &ch))
		return relay_same(m, DHMITM_TO_BOB, MLAB_MSG_CLIENT_HELLO, body, len, out);
	if ((e = mlab_transcript_frame(&m->leg[DHMITM_ALICE].tr, MLAB_MSG_CLIENT_HELLO, body, len)) != 0)
		return e;
	start = out->len;
	if ((e = mlab_client_hello_encode(out, &ch)) != 0)
		return e;
	return mlab_transcript_out(&m->leg[DHMITM_BOB].tr, out, start);
}

static bool group_allowed(const struct dhmitm *m, uint16_t id)
{
	if (!mlab_group_by_id(id))
		return false;
	if (!m->n_groups)
		return true;
	for (size_t i = 0; i < m->n_groups; i++)
		if (m->groups[i] == id)
			return true;
	return false;
}

static int on_server_hello(struct dhmitm *m, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct mlab_server_hello sh;
	int e;

	if ((e = mlab_server_hello_decode(body, len, &sh)) != 0)
		return e;
	/* Only what she can follow: a known mode and cipher, a group of her policy. */
	if (sh.mode != MLAB_MODE_NONE && sh.mode != MLAB_MODE_SIGN && sh.mode != MLAB_MODE_CERT)
		return MLAB_E_BAD_FIELD;
	/* Key transport leaves her nothing to swap: alice encrypts her secret
	 * to bob's RSA key, which she does not have. She follows DH only. */
	if (sh.kind != MLAB_KIND_EPHEMERAL && sh.kind != MLAB_KIND_STATIC)
		return MLAB_E_BAD_FIELD;
	if (!mlab_cipher_name(sh.cipher))
		return MLAB_E_BAD_FIELD;
	if (!group_allowed(m, sh.group))
		return MLAB_E_NO_COMMON_GROUP;
	m->mode = sh.mode;
	m->group = sh.group;
	m->cipher = sh.cipher;
	m->client_auth = (sh.flags & MLAB_FLAG_CLIENT_AUTH) != 0;
	memcpy(m->nonce_s, sh.nonce, sizeof m->nonce_s);
	return relay_same(m, DHMITM_TO_ALICE, MLAB_MSG_SERVER_HELLO, body, len, out);
}

/* Bob's explicit (p, g) are his leg's group, and alice's unless a move
 * gives her others. Alice's share carries none (mlab_share_decode). */
static int take_params(struct dhmitm *m, struct dhmitm_leg *l, const struct mlab_key_share *ks)
{
	int e;

	if (is_alice(m, l))
		return 0;
	if ((e = mlab_xgroup_set(&m->xg[DHMITM_BOB], ks->p, ks->p_len, ks->g, ks->g_len)) != 0)
		return e;
	if ((e = ask_alice_params(m, ks)) == DHMITM_NEXT)
		e = mlab_xgroup_set(&m->xg[DHMITM_ALICE], ks->p, ks->p_len, ks->g, ks->g_len);
	return e;
}

int dhmitm_take_share(struct dhmitm *m, struct dhmitm_leg *l, const uint8_t *body, size_t len)
{
	struct mlab_key_share ks;
	int e;

	if ((e = mlab_share_decode(body, len, m->group, !is_alice(m, l), &ks)) != 0)
		return e;
	if (ks.group == MLAB_GROUP_EXPLICIT && (e = take_params(m, l, &ks)) != 0)
		return e;
	/* Checked as the honest receiver would (no reflection check: neither
	 * peer can reflect a share it never saw): she needs it valid to
	 * compute with it — unless she forced it herself. */
	if ((e = mlab_share_accept(dhmitm_leg_group(m, l), &ks, !dhmitm_share_forced(m, l), NULL, 0, l->peer_share,
				   &l->peer_share_len)) != 0)
		return e;
	return mlab_transcript_frame(&l->tr, MLAB_MSG_KEY_SHARE, body, len);
}

int dhmitm_forced_share(const struct mlab_group *g, bool minus_one, uint8_t *out, size_t *len)
{
	BIGNUM *p = NULL, *q = NULL, *gen = NULL;
	int e;

	memset(out, 0, g->share_len);
	*len = g->share_len;
	if (g->id == MLAB_GROUP_X25519)
		return minus_one ? MLAB_E_ARG : 0;
	if ((e = mlab_group_params(g, &p, &q, &gen)) == 0 &&
	    ((minus_one && !BN_sub_word(p, 1)) || BN_bn2binpad(p, out, (int)g->share_len) != (int)g->share_len))
		e = MLAB_E_CRYPTO;
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	return e;
}

/* Her KeyShare on leg l, in place of the one the other leg's peer sent. */
static int send_share(struct dhmitm *m, struct dhmitm_leg *l, struct mlab_wr *out)
{
	const struct dhmitm_leg *o = is_alice(m, l) ? &m->leg[DHMITM_BOB] : &m->leg[DHMITM_ALICE];
	/* Toward alice she is the responder: explicit (p, g) go with her share. */
	bool params = m->group == MLAB_GROUP_EXPLICIT && is_alice(m, l);
	char mine[2 * MLAB_MAX_SHARE + 1], theirs[2 * MLAB_MAX_SHARE + 1];
	const char *gname = mlab_group_name(m->group);
	int e;

	if ((e = mlab_share_send(&l->tr, out, m->group, params ? &m->xg[DHMITM_ALICE] : NULL, l->own_share,
				 l->own_share_len)) != 0)
		return e;
	mlab_hex(l->own_share, l->own_share_len, mine);
	mlab_hex(o->peer_share, o->peer_share_len, theirs);
	mlab_ev_emit(
	    m->ev, "share-swapped",
	    json_pack("{s:s,s:s,s:s,s:s}", "toward", l->peer, "group", gname, "share", mine, "replaced", theirs),
	    "swapped %s's %s share %.16s… for mine %.16s… toward %s", o->peer, gname, theirs, mine, l->peer);
	return 0;
}

/* The leg's transcript runs through the initiator's share (and signature):
 * its keys, exactly as that peer derives them. Then the DH secret goes. */
static int derive_keys(struct dhmitm *m, struct dhmitm_leg *l)
{
	bool she_is_initiator = !is_alice(m, l);
	int e;

	if (l->secret_pending)
		return 0; /* after the peer's Finished */
	e = mlab_keysched_derive_tr(&l->tr, l->secret, l->secret_len, &l->keys);
	OPENSSL_cleanse(l->secret, sizeof l->secret);
	l->secret_len = 0;
	mlab_dh_free(&l->dh);
	if (e != 0)
		return e;
	l->have_keys = true;
	mlab_rec_init(&l->rx, m->cipher, she_is_initiator ? &l->keys.s2c : &l->keys.c2s);
	mlab_rec_init(&l->tx, m->cipher, she_is_initiator ? &l->keys.c2s : &l->keys.s2c);
	mlab_ev_emit(m->ev, "session-key",
		     json_pack("{s:s,s:s,s:s}", "key_id", l->keys.key_id, "with", l->peer, "cipher",
			       mlab_cipher_name(m->cipher)),
		     "session key id %s with %s", l->keys.key_id, l->peer);
	return 0;
}

static int derive_both(struct dhmitm *m)
{
	int e = derive_keys(m, &m->leg[DHMITM_ALICE]);
	return e ? e : derive_keys(m, &m->leg[DHMITM_BOB]);
}

int dhmitm_secret_verifies(struct dhmitm *m, struct dhmitm_leg *l, const uint8_t mac[MLAB_MAC_LEN])
{
	struct mlab_keys k;
	int e = mlab_keysched_derive_tr(&l->tr, l->secret, l->secret_len, &k);

	if (e == 0)
		e = mlab_finished_verify(&l->tr, is_alice(m, l) ? k.fin_client : k.fin_server, mac);
	mlab_keys_wipe(&k);
	return e;
}

/* Her share toward alice now; her secret with alice once alice's share
 * comes (the responder's order). */
static int on_bob_share(struct dhmitm *m, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct dhmitm_leg *a = &m->leg[DHMITM_ALICE], *b = &m->leg[DHMITM_BOB];
	int e = ask_on_share(m, DHMITM_TO_ALICE, body, len, out);

	if (e == DHMITM_NEXT && (e = dhmitm_take_share(m, b, body, len)) == 0 && (e = make_share(m, a)) == 0)
		e = send_share(m, a, out);
	if (e != 0 || m->st == ST_TRANSPARENT) /* a move let go of the session */
		return e;
	m->st = m->mode == MLAB_MODE_CERT   ? ST_WAIT_BOB_CERT
		: m->mode == MLAB_MODE_SIGN ? ST_WAIT_BOB_SIGNATURE
					    : ST_WAIT_ALICE_SHARE;
	return 0;
}

/* As the honest engines: each secret as soon as both shares of its leg are
 * known, before anything of hers goes to bob. */
static int on_alice_share(struct dhmitm *m, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct dhmitm_leg *a = &m->leg[DHMITM_ALICE], *b = &m->leg[DHMITM_BOB];
	int e = ask_on_share(m, DHMITM_TO_BOB, body, len, out);

	if (e == DHMITM_NEXT && (e = dhmitm_take_share(m, a, body, len)) == 0 && (e = dh_secret(m, a)) == 0 &&
	    (e = make_share(m, b)) == 0 && (e = dh_secret(m, b)) == 0)
		e = send_share(m, b, out);
	if (e != 0)
		return e;
	if (m->client_auth) {
		m->st = ST_WAIT_ALICE_SIGNATURE;
		return 0;
	}
	if ((e = derive_both(m)) != 0)
		return e;
	m->st = ST_WAIT_ALICE_FINISHED;
	return 0;
}

/* Bob's chain on its way to alice: a move's (impersonate), or forwarded
 * unchanged — alice's checks pass, but bob's signature then covers his own
 * share, not hers: the signature check stops her. */
static int on_certificate(struct dhmitm *m, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct mlab_certificate c;
	size_t start = out->len;
	int e;

	if ((e = mlab_certificate_decode(body, len, &c)) != 0 ||
	    (e = mlab_transcript_frame(&m->leg[DHMITM_BOB].tr, MLAB_MSG_CERTIFICATE, body, len)) != 0)
		return e;
	if ((e = ask_on_certificate(m, &c, out)) != DHMITM_NEXT)
		return e;
	if ((e = dhmitm_put_raw(out, MLAB_MSG_CERTIFICATE, body, len)) != 0 ||
	    (e = mlab_transcript_out(&m->leg[DHMITM_ALICE].tr, out, start)) != 0)
		return e;
	mlab_ev_emit(m->ev, "cert-forwarded", json_pack("{s:s,s:i}", "toward", "alice", "n", (int)c.n),
		     "forwarded bob's certificate chain (%u certificates) to alice unchanged", (unsigned)c.n);
	return 0;
}

/* A signature on its way to leg dst: a move's (forge), or forwarded
 * unchanged — the receiver verifies it over its own transcript, which holds
 * her share: the signature check stops her. */
static int on_signature(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct dhmitm_leg *src = dhmitm_src(m, d), *dst = dhmitm_dst(m, d);
	struct mlab_signature s;
	size_t start = out->len;
	char kid[9];
	int e;

	if ((e = mlab_signature_decode(body, len, &s)) != 0 ||
	    (e = mlab_transcript_frame(&src->tr, MLAB_MSG_SIGNATURE, body, len)) != 0)
		return e;
	if ((e = ask_on_signature(m, d, out)) != DHMITM_NEXT)
		return e;
	if ((e = dhmitm_put_raw(out, MLAB_MSG_SIGNATURE, body, len)) != 0 ||
	    (e = mlab_transcript_out(&dst->tr, out, start)) != 0 || (e = mlab_key_id(s.pub, sizeof s.pub, kid)) != 0)
		return e;
	mlab_ev_emit(m->ev, "signature-forwarded", json_pack("{s:s,s:s}", "toward", dst->peer, "signer_key", kid),
		     "forwarded %s's signature (key %s) to %s unchanged", src->peer, kid, dst->peer);
	return 0;
}

/* A peer's Finished: it must verify under her keys of that leg (if not, her
 * computation and the peer's differ, and she cannot go on); then she makes
 * the same message for the other leg. A pending secret is decided first. */
static int on_finished(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct dhmitm_leg *src = dhmitm_src(m, d), *dst = dhmitm_dst(m, d);
	struct mlab_finished f;
	int e;

	if ((e = mlab_finished_decode(body, len, &f)) != 0)
		return e;
	if (src->secret_pending) {
		if ((e = ask_guess_secret(m, src, f.mac)) != 0) {
			OPENSSL_cleanse(src->secret, sizeof src->secret);
			return e == DHMITM_NEXT ? MLAB_E_FINISHED : e;
		}
		src->secret_pending = false;
		if ((e = derive_keys(m, src)) != 0)
			return e;
	}
	if ((e = mlab_finished_verify(&src->tr, peer_fin(m, src), f.mac)) != 0 ||
	    (e = mlab_transcript_frame(&src->tr, MLAB_MSG_FINISHED, body, len)) != 0 ||
	    (e = mlab_finished_send(&dst->tr, own_fin(m, dst), out)) != 0)
		return e;
	if (d == DHMITM_TO_BOB) {
		m->st = ST_WAIT_BOB_FINISHED;
		return 0;
	}
	m->st = ST_RELAYING;
	const char *ka = m->leg[DHMITM_ALICE].keys.key_id, *kb = m->leg[DHMITM_BOB].keys.key_id;
	mlab_ev_emit(
	    m->ev, "relay-established",
	    json_pack("{s:s,s:s,s:s}", "alice_key_id", ka, "bob_key_id", kb, "cipher", mlab_cipher_name(m->cipher)),
	    "in the middle: key %s with alice, key %s with bob — every record passes through me", ka, kb);
	return 0;
}

/* ------------------------------------------------------------ records */

static void report_read(struct dhmitm *m, enum dhmitm_dir d, uint64_t seq, const uint8_t *p, size_t n)
{
	json_t *j = dhmitm_ends_json(d);
	char shown[256];

	mlab_hex(p, n, m->hex);
	json_object_set_new(j, "seq", dhmitm_json_u64(seq));
	json_object_set_new(j, "len", json_integer((json_int_t)n));
	json_object_set_new(j, "hex", json_string(m->hex));
	dhmitm_add_text(j, "text", p, n);
	sniff_printable(p, n, shown, sizeof shown);
	mlab_ev_emit(m->ev, "message-read", j, "read \"%s\" (record #%llu, %s > %s)", shown, (unsigned long long)seq,
		     dhmitm_from_name(d), dhmitm_to_name(d));
}

/* A record: opened with the sender's leg (sequence and content checks as the
 * honest receiver's), read, perhaps rewritten by a move, sealed again with
 * the other leg's keys and her own sequence number on that leg. */
static int on_record(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct dhmitm_leg *src = dhmitm_src(m, d), *dst = dhmitm_dst(m, d);
	const uint8_t *data = m->pt;
	uint8_t content = 0;
	size_t n = 0, alt_n = 0;
	uint64_t seq = 0;
	struct mlab_rd r;
	int e;

	if (m->st != ST_RELAYING || src->peer_closed)
		return MLAB_E_UNEXPECTED;
	if ((e = mlab_rec_open(&src->rx, body, len, &content, m->pt, &n)) != 0)
		return e;
	mlab_rd_init(&r, body, len);
	(void)mlab_rd_u64(&r, &seq); /* there: the record opened */
	if (content == MLAB_CONTENT_CLOSE) {
		if (n != 0)
			return MLAB_E_BAD_FIELD;
		src->peer_closed = true;
		if ((e = mlab_rec_seal(&dst->tx, MLAB_CONTENT_CLOSE, NULL, 0, out)) != 0)
			return e;
		json_t *j = dhmitm_ends_json(d);
		json_object_set_new(j, "seq", dhmitm_json_u64(seq));
		mlab_ev_emit(m->ev, "close-relayed", j, "relayed %s's close notification to %s", dhmitm_from_name(d),
			     dhmitm_to_name(d));
		return 0;
	}
	report_read(m, d, seq, m->pt, n);
	e = ask_rewrite_record(m, d, seq, m->pt, n, &alt_n);
	if (e == 0) {
		data = m->alt;
		n = alt_n;
	} else if (e != DHMITM_NEXT) {
		return e;
	}
	e = mlab_rec_seal(&dst->tx, MLAB_CONTENT_DATA, data, n, out);
	OPENSSL_cleanse(m->pt, sizeof m->pt);
	OPENSSL_cleanse(m->alt, sizeof m->alt);
	return e;
}

void dhmitm_on_alert(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len)
{
	struct mlab_alert a;
	json_t *j;
	int err;

	if (mlab_alert_decode(body, len, &a) != 0)
		return; /* forwarded anyway: the receiver judges it */
	err = -(int)a.code;
	j = dhmitm_ends_json(d);
	json_object_set_new(j, "error", json_string(mlab_err_name(err)));
	json_object_set_new(j, "check", json_string(mlab_err_check(err)));
	json_object_set_new(j, "code", json_integer(err));
	mlab_ev_emit(m->ev, "alert-seen", j, "alert %s > %s: %s (%s)", dhmitm_from_name(d), dhmitm_to_name(d),
		     mlab_err_name(err), mlab_err_text(err));
}

/* ------------------------------------------------------------ dispatch */

int dhmitm_step(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	bool to_bob = d == DHMITM_TO_BOB;
	int e;

	switch (type) {
	case MLAB_MSG_CLIENT_HELLO:
		if (m->st != ST_WAIT_CLIENT_HELLO || !to_bob)
			break;
		m->st = ST_WAIT_SERVER_HELLO;
		return on_client_hello(m, body, len, out);
	case MLAB_MSG_SERVER_HELLO:
		if (m->st != ST_WAIT_SERVER_HELLO || to_bob)
			break;
		m->st = ST_WAIT_BOB_SHARE;
		return on_server_hello(m, body, len, out);
	case MLAB_MSG_KEY_SHARE:
		if (m->st == ST_WAIT_BOB_SHARE && !to_bob)
			return on_bob_share(m, body, len, out);
		if (m->st == ST_WAIT_ALICE_SHARE && to_bob)
			return on_alice_share(m, body, len, out);
		break;
	case MLAB_MSG_CERTIFICATE:
		if (m->st != ST_WAIT_BOB_CERT || to_bob)
			break;
		if ((e = on_certificate(m, body, len, out)) != 0)
			return e;
		m->st = ST_WAIT_BOB_SIGNATURE;
		return 0;
	case MLAB_MSG_SIGNATURE:
		if (m->st == ST_WAIT_BOB_SIGNATURE && !to_bob) {
			if ((e = on_signature(m, d, body, len, out)) != 0)
				return e;
			m->st = ST_WAIT_ALICE_SHARE;
			return 0;
		}
		if (m->st == ST_WAIT_ALICE_SIGNATURE && to_bob) {
			if ((e = on_signature(m, d, body, len, out)) != 0 || (e = derive_both(m)) != 0)
				return e;
			m->st = ST_WAIT_ALICE_FINISHED;
			return 0;
		}
		break;
	case MLAB_MSG_FINISHED:
		if ((m->st == ST_WAIT_ALICE_FINISHED && to_bob) || (m->st == ST_WAIT_BOB_FINISHED && !to_bob))
			return on_finished(m, d, body, len, out);
		break;
	case MLAB_MSG_RECORD:
		return on_record(m, d, body, len, out);
	default:
		return MLAB_E_UNKNOWN_TYPE;
	}
	return MLAB_E_UNEXPECTED;
}

void dhmitm_give_up(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, int err, enum dhmitm_state was)
{
	const char *msg = mlab_msg_name(type);
	char name[24], detail[192];

	if (type < MLAB_MSG_CLIENT_HELLO || type > MLAB_MSG_PREMASTER) {
		snprintf(name, sizeof name, "frame type %u", (unsigned)type);
		msg = name;
	}
	snprintf(detail, sizeof detail, "%s from %s in state %s; forwarding everything unchanged from now on", msg,
		 dhmitm_from_name(d), state_names[was]);
	mlab_ev_error(m->ev, err, WHERE, detail);
	dhmitm_wipe_all(m);
	m->st = ST_TRANSPARENT;
}
