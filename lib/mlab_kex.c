/* The key-exchange state machine (see mlab_kex.h and docs/protocol.md). */
#include "mlab_kex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/crypto.h>

#include "mlab_err.h"
#include "mlab_cert_ev.h"
#include "mlab_kex_kind.h"
#include "mlab_share.h"
#include "mlab_tofu.h"

static const char *const state_names[] = {
#define MLAB_X_NAME(s, n) [s] = n,
    MLAB_KEX_STATES(MLAB_X_NAME)
#undef MLAB_X_NAME
};

const char *mlab_kex_state_name(enum mlab_kex_state s)
{
	return (size_t)s < sizeof state_names / sizeof state_names[0] ? state_names[s] : "invalid";
}

const char *mlab_scope_name(enum mlab_scope s)
{
	return s == MLAB_SCOPE_PARAMS ? "params" : "transcript";
}

/* Kept as a local name so that the call sites stay as they are. */
static const char *group_name(uint16_t id)
{
	return mlab_group_name(id);
}

/* The negotiated group: a named one, or this session's explicit (p, g). */
static const struct mlab_group *grp(const struct mlab_kex *k)
{
	return mlab_share_group(k->group, &k->xg);
}

/* Security of a group id for the policies: explicit parameters count as 0
 * until they arrive (the initiator checks them then). */
static unsigned sec_of(uint16_t id)
{
	const struct mlab_group *g = mlab_group_by_id(id);
	return g ? g->sec_bits : 0;
}

static bool in_list8(const uint8_t *l, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

static bool in_list16(const uint16_t *l, size_t n, uint16_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

int mlab_kex_init(struct mlab_kex *k, const struct mlab_kex_config *cfg, struct mlab_ev *ev)
{
	memset(k, 0, sizeof *k);
	k->cfg = *cfg;
	if (!k->cfg.n_kinds) { /* ephemeral alone, the hello says it by saying nothing */
		k->cfg.kinds[0] = MLAB_KIND_EPHEMERAL;
		k->cfg.n_kinds = 1;
	}
	k->ev = ev;
	k->state = MLAB_KEX_FAILED;
	if (!cfg->n_modes || !cfg->n_groups || !cfg->n_ciphers || cfg->n_modes > MLAB_MAX_OFFERS ||
	    cfg->n_groups > MLAB_MAX_OFFERS || cfg->n_ciphers > MLAB_MAX_OFFERS)
		return k->err = MLAB_E_ARG;
	bool sign = in_list8(cfg->modes, cfg->n_modes, MLAB_MODE_SIGN);
	bool cert = in_list8(cfg->modes, cfg->n_modes, MLAB_MODE_CERT);
	bool ini = cfg->role == MLAB_INITIATOR;
	bool we_sign = (sign && (!ini || cfg->mutual)) || (cert && !ini);
	bool we_check = sign && (ini || cfg->mutual);
	bool tofu = ini && cfg->trust && cfg->trust->tofu;
	if (we_sign && !cfg->own_key)
		return k->err = MLAB_E_NO_KEY;
	if (we_check && !cfg->peer_key && !tofu)
		return k->err = MLAB_E_NO_TRUST;
	/* An initiator in mode cert needs roots to check against (or to click
	 * through); a responder a chain whose leaf certifies its own key. */
	if (cert && ini && (!cfg->trust || (!cfg->trust->store && !cfg->trust->insecure)))
		return k->err = MLAB_E_NO_TRUST;
	if (cert && !ini) {
		uint8_t leaf[MLAB_ED25519_PUB], own[MLAB_ED25519_PUB];
		int e;
		if (!cfg->chain)
			return k->err = MLAB_E_NO_KEY;
		if ((e = mlab_chain_leaf_pub(cfg->chain, leaf)) != 0 ||
		    (e = mlab_ed25519_raw_public(cfg->own_key, own)) != 0)
			return k->err = e;
		if (CRYPTO_memcmp(leaf, own, sizeof own) != 0)
			return k->err = MLAB_E_CERT_KEY;
	}
	/* Kinds: the responder needs the long-term key each allowed kind uses,
	 * the initiator the RSA key it encrypts to; a params-scope signature
	 * covers a share, which transport has not. */
	if (k->cfg.n_kinds > MLAB_MAX_OFFERS)
		return k->err = MLAB_E_ARG;
	bool transport = in_list8(k->cfg.kinds, k->cfg.n_kinds, MLAB_KIND_TRANSPORT);
	if (!ini && in_list8(k->cfg.kinds, k->cfg.n_kinds, MLAB_KIND_STATIC) && !cfg->static_key)
		return k->err = MLAB_E_NO_KEY;
	if (!ini && transport && !cfg->rsa_key)
		return k->err = MLAB_E_NO_KEY;
	if (ini && transport && !cfg->peer_rsa)
		return k->err = MLAB_E_NO_TRUST;
	if (transport && cfg->scope == MLAB_SCOPE_PARAMS)
		return k->err = MLAB_E_ARG;
	/* A responder that accepts explicit parameters must have some to send. */
	if (cfg->role == MLAB_RESPONDER && cfg->explicit_from &&
	    in_list16(cfg->groups, cfg->n_groups, MLAB_GROUP_EXPLICIT) &&
	    !mlab_group_finite_field(mlab_group_by_id(cfg->explicit_from)))
		return k->err = MLAB_E_ARG;
	if (mlab_transcript_init(&k->tr) != 0)
		return k->err = MLAB_E_CRYPTO;
	k->state = cfg->role == MLAB_INITIATOR ? MLAB_KEX_START : MLAB_KEX_WAIT_CLIENT_HELLO;
	return 0;
}

void mlab_kex_free(struct mlab_kex *k)
{
	mlab_transcript_free(&k->tr);
	mlab_dh_free(&k->dh);
	OPENSSL_cleanse(k->secret, sizeof k->secret);
	mlab_keys_wipe(&k->keys);
	mlab_rec_wipe(&k->tx);
	mlab_rec_wipe(&k->rx);
}

bool mlab_kex_connected(const struct mlab_kex *k)
{
	return k->state == MLAB_KEX_CONNECTED;
}

int mlab_kex_fail(struct mlab_kex *k, int err, struct mlab_wr *out)
{
	if (k->err)
		return MLAB_E_FAILED;
	k->err = err;
	char detail[96] = "";
	if (err == MLAB_E_PEER_ALERT)
		snprintf(detail, sizeof detail, "the peer reported %s", mlab_err_name(k->peer_alert));
	mlab_ev_error(k->ev, err, mlab_kex_state_name(k->state), detail[0] ? detail : NULL);
	/* Tell the peer why, unless it told us or the link is gone. The alert is
	 * unauthenticated: it informs, it never decides anything. */
	if (out && err != MLAB_E_PEER_ALERT && err != MLAB_E_EOF && err != MLAB_E_IO) {
		struct mlab_alert a = {(uint16_t)-err};
		(void)mlab_alert_encode(out, &a);
	}
	k->state = MLAB_KEX_FAILED;
	mlab_dh_free(&k->dh);
	OPENSSL_cleanse(k->secret, sizeof k->secret);
	mlab_keys_wipe(&k->keys);
	mlab_rec_wipe(&k->tx);
	mlab_rec_wipe(&k->rx);
	return err;
}

/* The transcript holds whole frames, header included, exactly as sent. */
static int tr_frame(struct mlab_kex *k, uint8_t type, const uint8_t *body, size_t len)
{
	return mlab_transcript_frame(&k->tr, type, body, len);
}

/* Adds what was written to out since start (one or more of our frames). */
static int tr_out(struct mlab_kex *k, const struct mlab_wr *out, size_t start)
{
	return mlab_transcript_out(&k->tr, out, start);
}

int mlab_kex_tbs(enum mlab_scope scope, enum mlab_role signer, const uint8_t th[MLAB_SHA256_LEN],
		 const uint8_t nonce_c[MLAB_NONCE_LEN], const uint8_t nonce_s[MLAB_NONCE_LEN], const uint8_t *share,
		 size_t share_len, uint8_t *out, size_t *out_len)
{
	/* The label separates roles and scopes: a signature never verifies as
	 * the other role's or under the other scope. The NUL ends the label. */
	char label[64];
	struct mlab_wr w;
	int e;

	snprintf(label, sizeof label, "mitmlab v1 %s signature, %s", signer == MLAB_RESPONDER ? "server" : "client",
		 mlab_scope_name(scope));
	mlab_wr_init(&w, out, MLAB_TBS_MAX);
	if ((e = mlab_wr_bytes(&w, label, strlen(label) + 1)) != 0)
		return e;
	if (scope == MLAB_SCOPE_TRANSCRIPT)
		e = mlab_wr_bytes(&w, th, MLAB_SHA256_LEN);
	else if ((e = mlab_wr_bytes(&w, nonce_c, MLAB_NONCE_LEN)) == 0 &&
		 (e = mlab_wr_bytes(&w, nonce_s, MLAB_NONCE_LEN)) == 0)
		e = mlab_wr_vec16(&w, share, share_len);
	*out_len = w.len;
	return e;
}

/* What the signer's KeyShare carries, for a params-scope signature: with
 * explicit parameters p and g too (as TLS 1.2 signed ServerDHParams). */
static int signed_share(const struct mlab_kex *k, enum mlab_role signer, uint8_t *out, size_t cap, size_t *n)
{
	const uint8_t *share = signer == k->cfg.role ? k->dh.pub : k->peer_share;
	size_t share_len = signer == k->cfg.role ? k->dh.pub_len : k->peer_share_len;
	bool params = k->group == MLAB_GROUP_EXPLICIT && signer == MLAB_RESPONDER;

	return mlab_share_signed(params ? &k->xg : NULL, share, share_len, out, cap, n);
}

static int own_tbs(struct mlab_kex *k, enum mlab_role signer, uint8_t *tbs, size_t *n)
{
	uint8_t th[MLAB_SHA256_LEN], share[2 + 3 * (2 + MLAB_MAX_SHARE)];
	size_t share_len;
	int e = mlab_transcript_hash(&k->tr, th);
	if (e == 0 && (e = signed_share(k, signer, share, sizeof share, &share_len)) == 0)
		e = mlab_kex_tbs(k->cfg.scope, signer, th, k->nonce_c, k->nonce_s, share, share_len, tbs, n);
	return e;
}

static int send_share(struct mlab_kex *k, struct mlab_wr *out)
{
	bool params = k->group == MLAB_GROUP_EXPLICIT && k->cfg.role == MLAB_RESPONDER;
	char hex[2 * sizeof k->dh.pub + 1];
	int e;

	/* Explicit parameters travel with the responder's share only. */
	if ((e = mlab_share_send(&k->tr, out, k->group, params ? &k->xg : NULL, k->dh.pub, k->dh.pub_len)) != 0)
		return e;
	mlab_hex(k->dh.pub, k->dh.pub_len, hex);
	bool st = k->kind == MLAB_KIND_STATIC && k->cfg.role == MLAB_RESPONDER;
	json_t *f = json_pack("{s:s,s:i,s:s}", "group", group_name(k->group), "len", (int)k->dh.pub_len, "share", hex);
	char parts[96];
	if (st)
		json_object_set_new(f, "static", json_true());
	if (mlab_kem_parts_text(grp(k), k->dh.pub_len, parts, sizeof parts))
		json_object_set_new(f, "parts", json_string(parts));
	mlab_ev_emit(k->ev, "share-sent", f, "sent %s key share %.16s… (%zu bytes)%s", group_name(k->group), hex,
		     k->dh.pub_len, st ? " — my long-term static key, the same every session" : "");
	return 0;
}

static int send_signature(struct mlab_kex *k, struct mlab_wr *out)
{
	struct mlab_signature s = {.scheme = MLAB_SIG_ED25519};
	uint8_t tbs[MLAB_TBS_MAX];
	size_t n, start = out->len;
	char kid[9];
	int e;

	if ((e = own_tbs(k, k->cfg.role, tbs, &n)) != 0 || (e = mlab_ed25519_raw_public(k->cfg.own_key, s.pub)) != 0 ||
	    (e = mlab_ed25519_sign(k->cfg.own_key, tbs, n, s.sig)) != 0 || (e = mlab_signature_encode(out, &s)) != 0 ||
	    (e = tr_out(k, out, start)) != 0 || (e = mlab_key_id(s.pub, sizeof s.pub, kid)) != 0)
		return e;
	mlab_ev_emit(k->ev, "signature-sent",
		     json_pack("{s:s,s:s}", "scope", mlab_scope_name(k->cfg.scope), "signer_key", kid),
		     "signed the %s with Ed25519 key %s",
		     k->cfg.scope == MLAB_SCOPE_PARAMS ? "nonces and share" : "transcript", kid);
	return 0;
}

/* Mode cert, responder: the chain goes before the signature that covers it. */
static int send_chain(struct mlab_kex *k, struct mlab_wr *out)
{
	struct mlab_certificate m;
	uint8_t pub[MLAB_ED25519_PUB];
	char kid[9];
	size_t start = out->len;
	int e;

	mlab_chain_msg(k->cfg.chain, &m);
	if ((e = mlab_certificate_encode(out, &m)) != 0 || (e = tr_out(k, out, start)) != 0 ||
	    (e = mlab_chain_leaf_pub(k->cfg.chain, pub)) != 0 || (e = mlab_key_id(pub, sizeof pub, kid)) != 0)
		return e;
	mlab_ev_emit(k->ev, "cert-sent", json_pack("{s:i,s:s}", "n", (int)m.n, "key_id", kid),
		     "sent my certificate chain (%u certificates), leaf key %s", (unsigned)m.n, kid);
	return 0;
}

/* Mode cert, initiator: parse, then the checks in their order; the first
 * that fails ends the handshake — unless this alice clicks through. */
static int check_chain(struct mlab_kex *k, const uint8_t *body, size_t len)
{
	struct mlab_certificate m;
	int e;

	if ((e = mlab_certificate_decode(body, len, &m)) == 0)
		e = mlab_cert_check_ev(k->cfg.trust, &m, k->ev, k->cert_pub);
	if (e == 0)
		e = tr_frame(k, MLAB_MSG_CERTIFICATE, body, len);
	return e;
}

/* Mode sign with --tofu: is this the key the store holds for the name? */
static int tofu_check(struct mlab_kex *k, const uint8_t pub[MLAB_ED25519_PUB])
{
	const struct mlab_trust *t = k->cfg.trust;
	struct mlab_tofu_entry old;
	enum mlab_tofu_verdict v;
	char fp[MLAB_TOFU_FP_LEN], why[256];

	if (mlab_tofu_fingerprint(pub, MLAB_ED25519_PUB, fp) != 0)
		return MLAB_E_CRYPTO;
	if (mlab_tofu_check(t->tofu, t->name, fp, &v, &old, why, sizeof why) != 0) {
		mlab_ev_emit(k->ev, "tofu-error", json_pack("{s:s}", "why", why), "trust-on-first-use store: %s", why);
		return MLAB_E_TOFU_STORE;
	}
	if (v == MLAB_TOFU_CHANGED) {
		mlab_ev_emit(
		    k->ev, "tofu-changed",
		    json_pack("{s:s,s:s,s:s,s:I,s:s,s:i}", "name", t->name, "fingerprint", fp, "stored", old.fp,
			      "first_seen", (json_int_t)old.first_seen, "store", t->tofu, "line", (int)old.line),
		    "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! %s now presents key %s, but %s:%u holds "
		    "%s for it. Someone could be eavesdropping on you right now (man-in-the-middle attack), or "
		    "the host key has just been changed.",
		    t->name, fp, t->tofu, old.line, old.fp);
		return MLAB_E_TOFU_CHANGED;
	}
	k->tofu_new = v == MLAB_TOFU_NEW;
	if (v == MLAB_TOFU_KNOWN)
		mlab_ev_emit(k->ev, "tofu-known",
			     json_pack("{s:s,s:s,s:I}", "name", t->name, "fingerprint", fp, "first_seen",
				       (json_int_t)old.first_seen),
			     "%s presents the key stored on first contact: %s", t->name, fp);
	return 0;
}

/* First contact, once the signature verified: this key is trusted from now. */
static int tofu_store(struct mlab_kex *k, const uint8_t pub[MLAB_ED25519_PUB])
{
	const struct mlab_trust *t = k->cfg.trust;
	char fp[MLAB_TOFU_FP_LEN], why[256];
	long long now = t->have_now ? t->now : (long long)time(NULL);

	if (mlab_tofu_fingerprint(pub, MLAB_ED25519_PUB, fp) != 0)
		return MLAB_E_CRYPTO;
	int e = mlab_tofu_add(t->tofu, t->name, fp, now, why, sizeof why);
	if (e != 0) {
		mlab_ev_emit(k->ev, "tofu-error", json_pack("{s:s}", "why", why), "trust-on-first-use store: %s", why);
		/* Another writer stored another key for the name meanwhile. */
		return e == MLAB_E_PIN_MISMATCH ? MLAB_E_TOFU_CHANGED : MLAB_E_TOFU_STORE;
	}
	mlab_ev_emit(
	    k->ev, "tofu-new", json_pack("{s:s,s:s,s:s}", "name", t->name, "fingerprint", fp, "store", t->tofu),
	    "first contact with %s: its key %s is now trusted on first use (stored in %s)", t->name, fp, t->tofu);
	return 0;
}

/* A received signature: first "is this the key we pinned?", then "does it
 * verify over what we saw?" — two checks, two distinct errors. */
static int check_signature(struct mlab_kex *k, const uint8_t *body, size_t len)
{
	enum mlab_role peer = k->cfg.role == MLAB_INITIATOR ? MLAB_RESPONDER : MLAB_INITIATOR;
	struct mlab_signature s;
	uint8_t pinned[MLAB_ED25519_PUB], tbs[MLAB_TBS_MAX];
	size_t n;
	char kid[9], pin_id[9];
	int e;

	EVP_PKEY *key = NULL;
	const char *how = "pinned";

	if ((e = mlab_signature_decode(body, len, &s)) != 0 || (e = mlab_key_id(s.pub, sizeof s.pub, kid)) != 0)
		return e;
	if (k->mode == MLAB_MODE_CERT) {
		/* The certified key, never the key the message names. */
		if ((e = mlab_key_id(k->cert_pub, sizeof k->cert_pub, pin_id)) != 0)
			return e;
		if (CRYPTO_memcmp(s.pub, k->cert_pub, sizeof s.pub) != 0) {
			mlab_ev_emit(k->ev, "signature-key",
				     json_pack("{s:s,s:s}", "signer_key", kid, "pinned_key", pin_id),
				     "peer signed with key %s, but its certificate certifies key %s", kid, pin_id);
			return MLAB_E_CERT_KEY;
		}
		how = "certified";
	} else if (!k->cfg.peer_key) {
		/* Trust on first use: the store says whether this key is the one
		 * seen before; a new one is stored once its signature verifies. */
		if ((e = tofu_check(k, s.pub)) != 0)
			return e;
		how = k->tofu_new ? "first-seen" : "known";
	} else {
		if ((e = mlab_ed25519_raw_public(k->cfg.peer_key, pinned)) != 0 ||
		    (e = mlab_key_id(pinned, sizeof pinned, pin_id)) != 0)
			return e;
		if (CRYPTO_memcmp(s.pub, pinned, sizeof pinned) != 0) {
			mlab_ev_emit(k->ev, "signature-key",
				     json_pack("{s:s,s:s}", "signer_key", kid, "pinned_key", pin_id),
				     "peer signed with key %s, but the pinned key is %s", kid, pin_id);
			return MLAB_E_PIN_MISMATCH;
		}
	}
	if ((e = own_tbs(k, peer, tbs, &n)) != 0)
		return e;
	/* Verify with the pinned (or certified, or stored) key: s.pub equals it
	 * by now, so importing it is the same key. */
	if (k->cfg.peer_key && k->mode == MLAB_MODE_SIGN)
		e = mlab_ed25519_verify(k->cfg.peer_key, tbs, n, s.sig, sizeof s.sig);
	else if ((e = mlab_ed25519_from_raw_public(s.pub, &key)) == 0)
		e = mlab_ed25519_verify(key, tbs, n, s.sig, sizeof s.sig);
	EVP_PKEY_free(key);
	if (e != 0)
		return e;
	mlab_ev_emit(
	    k->ev, "signature-verified",
	    json_pack("{s:s,s:s,s:s}", "scope", mlab_scope_name(k->cfg.scope), "signer_key", kid, "trust", how),
	    "signature ✔ by %s key %s over the %s", how, kid,
	    k->cfg.scope == MLAB_SCOPE_PARAMS ? "nonces and share" : "transcript");
	if (k->tofu_new && (e = tofu_store(k, s.pub)) != 0)
		return e;
	return tr_frame(k, MLAB_MSG_SIGNATURE, body, len);
}

static json_t *offer_json(const struct mlab_client_hello *ch)
{
	json_t *m = json_array(), *g = json_array(), *c = json_array();
	for (size_t i = 0; i < ch->n_modes; i++) {
		const char *n = mlab_mode_name(ch->modes[i]);
		json_array_append_new(m, n ? json_string(n) : json_integer(ch->modes[i]));
	}
	for (size_t i = 0; i < ch->n_groups; i++) {
		const struct mlab_group *gr = mlab_group_by_id(ch->groups[i]);
		json_array_append_new(g, gr ? json_string(gr->name) : json_integer(ch->groups[i]));
	}
	for (size_t i = 0; i < ch->n_ciphers; i++) {
		const char *n = mlab_cipher_name(ch->ciphers[i]);
		json_array_append_new(c, n ? json_string(n) : json_integer(ch->ciphers[i]));
	}
	json_t *o = json_pack("{s:o,s:o,s:o,s:b}", "modes", m, "groups", g, "ciphers", c, "client_auth",
			      (ch->flags & MLAB_FLAG_CLIENT_AUTH) != 0);
	/* Only an offer beyond "ephemeral alone" names its kinds, as on the wire. */
	if (ch->n_kinds > 1 || ch->kinds[0] != MLAB_KIND_EPHEMERAL)
		json_object_set_new(o, "kinds", mlab_kind_json(ch->kinds, ch->n_kinds));
	return o;
}

static void emit_offer(struct mlab_kex *k, const char *name, const struct mlab_client_hello *ch)
{
	json_t *f = offer_json(ch);
	char *s = json_dumps(f, JSON_COMPACT);
	mlab_ev_emit(k->ev, name, f, "%s hello: %s", strcmp(name, "hello-sent") == 0 ? "sent" : "received", s ? s : "");
	free(s);
}

static void emit_negotiated(struct mlab_kex *k)
{
	const struct mlab_group *g = grp(k);
	if (!g || !g->title) /* explicit parameters not here yet */
		g = mlab_group_by_id(k->group);
	json_t *f =
	    json_pack("{s:s,s:s,s:s,s:b,s:s,s:b}", "mode", mlab_mode_name(k->mode), "group", group_name(k->group),
		      "cipher", mlab_cipher_name(k->cipher), "client_auth", k->client_auth, "scope",
		      mlab_scope_name(k->cfg.scope), "validate_shares", k->cfg.validate_shares);
	if (k->kind != MLAB_KIND_EPHEMERAL) /* absent: ephemeral, as in the ServerHello */
		json_object_set_new(f, "kind", json_string(mlab_kind_name(k->kind)));
	mlab_ev_emit(k->ev, "negotiated", f, "negotiated mode %s, group %s, cipher %s%s%s%s", mlab_mode_name(k->mode),
		     g ? g->title : "?", mlab_cipher_name(k->cipher),
		     k->kind == MLAB_KIND_TRANSPORT ? ", key transport (RSA-OAEP)"
		     : k->kind == MLAB_KIND_STATIC  ? ", static DH (bob's long-term share)"
						    : "",
		     k->client_auth ? ", mutual authentication" : "",
		     k->mode == MLAB_MODE_NONE ? " — UNAUTHENTICATED: a man in the middle cannot be detected" : "");
	if (k->cfg.rng && k->cfg.rng->kind != MLAB_RNG_OS)
		mlab_ev_emit(k->ev, "weakened",
			     json_pack("{s:s,s:s,s:I}", "disabled", "randomness", "rng",
				       mlab_rng_kind_name(k->cfg.rng->kind), "seed", (json_int_t)k->cfg.rng->seed),
			     "WEAKENED: my nonce and keys come from a small PRNG seeded only by my %s (%llu)",
			     k->cfg.rng->kind == MLAB_RNG_PID ? "process id" : "clock, in seconds",
			     (unsigned long long)k->cfg.rng->seed);
	if (k->cfg.fixed_nonce && k->cfg.role == MLAB_RESPONDER)
		mlab_ev_emit(k->ev, "weakened", json_pack("{s:s}", "disabled", "fresh-nonce"),
			     "WEAKENED: my nonce is a constant, not fresh randomness");
	if (!k->cfg.validate_shares)
		mlab_ev_emit(k->ev, "weakened", json_pack("{s:s}", "disabled", "share-validation"),
			     "WEAKENED: received key shares are not validated");
	const struct mlab_trust *t = k->cfg.trust;
	if (k->mode == MLAB_MODE_CERT && k->cfg.role == MLAB_INITIATOR && t && t->insecure)
		mlab_ev_emit(k->ev, "weakened", json_pack("{s:s}", "disabled", "certificate-verification"),
			     "WEAKENED: certificate errors are shown, then clicked through");
	if (k->mode == MLAB_MODE_CERT && k->cfg.role == MLAB_INITIATOR && t && !t->check_name)
		mlab_ev_emit(k->ev, "weakened", json_pack("{s:s}", "disabled", "name-check"),
			     "WEAKENED: the certificate's name is not compared with %s", t->name);
}

/* The groups an initiator offers: its list less those its own policy
 * refuses. Unknown ids stay (the responder skips them), and so do explicit
 * parameters (checked against the policy when they arrive). */
static size_t offered_groups(const struct mlab_kex *k, uint16_t out[MLAB_MAX_OFFERS])
{
	size_t n = 0;
	for (size_t i = 0; i < k->cfg.n_groups; i++) {
		const struct mlab_group *g = mlab_group_by_id(k->cfg.groups[i]);
		if (!g || k->cfg.groups[i] == MLAB_GROUP_EXPLICIT || g->sec_bits >= k->cfg.min_security)
			out[n++] = k->cfg.groups[i];
	}
	return n;
}

/* Randomness for the nonce, then the key pair: the OS's, or the weakened
 * peer's seeded generator (the order is what mallory replays). */
static int draw(struct mlab_kex *k, uint8_t *out, size_t n)
{
	return k->cfg.rng ? mlab_rng_bytes(k->cfg.rng, out, n) : mlab_random(out, n);
}

static int keygen(struct mlab_kex *k)
{
	return k->cfg.rng ? mlab_dh_keygen_rng(grp(k), k->cfg.rng, &k->dh) : mlab_dh_keygen(grp(k), &k->dh);
}

int mlab_kex_start(struct mlab_kex *k, struct mlab_wr *out)
{
	struct mlab_client_hello ch = {.version = MLAB_VERSION};
	size_t start = out->len;
	int e;

	if (k->err)
		return MLAB_E_FAILED;
	if (k->state != MLAB_KEX_START)
		return mlab_kex_fail(k, MLAB_E_UNEXPECTED, out);
	ch.flags = k->cfg.mutual ? MLAB_FLAG_CLIENT_AUTH : 0;
	ch.n_modes = (uint8_t)k->cfg.n_modes;
	ch.n_groups = (uint8_t)offered_groups(k, ch.groups);
	if (ch.n_groups == 0)
		return mlab_kex_fail(k, MLAB_E_WEAK_GROUP, NULL);
	ch.n_ciphers = (uint8_t)k->cfg.n_ciphers;
	memcpy(ch.modes, k->cfg.modes, k->cfg.n_modes);
	memcpy(ch.ciphers, k->cfg.ciphers, k->cfg.n_ciphers);
	ch.n_kinds = (uint8_t)k->cfg.n_kinds;
	memcpy(ch.kinds, k->cfg.kinds, k->cfg.n_kinds);
	if ((e = draw(k, ch.nonce, sizeof ch.nonce)) != 0 || (e = mlab_client_hello_encode(out, &ch)) != 0 ||
	    (e = tr_out(k, out, start)) != 0) {
		out->len = start;
		return mlab_kex_fail(k, e, out);
	}
	memcpy(k->nonce_c, ch.nonce, sizeof ch.nonce);
	emit_offer(k, "hello-sent", &ch);
	k->state = MLAB_KEX_WAIT_SERVER_HELLO;
	return 0;
}

/* The named group whose parameters a responder sends as "explicit". */
static uint16_t explicit_from(const struct mlab_kex *k)
{
	return k->cfg.explicit_from ? k->cfg.explicit_from : MLAB_GROUP_FFDHE2048;
}

/* Responder: is the chosen group weaker than the strongest one our policy
 * would take (as choose() filters)? Only then can a changed offer have cost
 * anything, so only then is the nonce marked. */
static bool downgraded(const struct mlab_kex *k)
{
	uint16_t chosen = k->group == MLAB_GROUP_EXPLICIT ? explicit_from(k) : k->group;
	for (size_t i = 0; i < k->cfg.n_groups; i++) {
		uint16_t id = k->cfg.groups[i] == MLAB_GROUP_EXPLICIT ? explicit_from(k) : k->cfg.groups[i];
		if (mlab_group_by_id(k->cfg.groups[i]) && sec_of(id) >= k->cfg.min_security &&
		    sec_of(id) > sec_of(chosen))
			return true;
	}
	return false;
}

/* The sentinel's digest of a group offer (protocol.md section 5): the first
 * 8 bytes of SHA-256(label NUL | nonce_c | u8 count | u16 groups[]), the
 * groups as the ClientHello carries them. */
static int sentinel_digest(const uint8_t nonce_c[MLAB_NONCE_LEN], const uint16_t *groups, size_t n,
			   uint8_t out[MLAB_SENTINEL_DIGEST_LEN])
{
	static const char label[] = MLAB_SENTINEL_LABEL;
	uint8_t buf[sizeof label + MLAB_NONCE_LEN + 1 + 2 * MLAB_MAX_OFFERS], h[MLAB_SHA256_LEN];
	struct mlab_wr w;
	int e;

	mlab_wr_init(&w, buf, sizeof buf);
	if ((e = mlab_wr_bytes(&w, label, sizeof label)) != 0 ||
	    (e = mlab_wr_bytes(&w, nonce_c, MLAB_NONCE_LEN)) != 0 || (e = mlab_wr_u8(&w, (uint8_t)n)) != 0)
		return e;
	for (size_t i = 0; i < n; i++)
		if ((e = mlab_wr_u16(&w, groups[i])) != 0)
			return e;
	if ((e = mlab_sha256(buf, w.len, h)) != 0)
		return e;
	memcpy(out, h, MLAB_SENTINEL_DIGEST_LEN);
	return 0;
}

/* Responder policy: the first entry of the initiator's preference list that
 * our policy allows; unknown ids in an offer are skipped, as in TLS. */
static int choose(struct mlab_kex *k, const struct mlab_client_hello *ch)
{
	k->mode = 0;
	k->group = 0;
	k->cipher = 0;
	for (size_t i = 0; i < ch->n_modes && !k->mode; i++)
		if (in_list8(k->cfg.modes, k->cfg.n_modes, ch->modes[i]))
			k->mode = ch->modes[i];
	for (size_t i = 0; i < ch->n_groups && !k->group; i++) {
		uint16_t id = ch->groups[i], real = id == MLAB_GROUP_EXPLICIT ? explicit_from(k) : id;
		if (in_list16(k->cfg.groups, k->cfg.n_groups, id) && mlab_group_by_id(id) &&
		    sec_of(real) >= k->cfg.min_security)
			k->group = id;
	}
	for (size_t i = 0; i < ch->n_ciphers && !k->cipher; i++)
		if (in_list8(k->cfg.ciphers, k->cfg.n_ciphers, ch->ciphers[i]))
			k->cipher = ch->ciphers[i];
	if (!k->mode)
		return MLAB_E_NO_COMMON_MODE;
	if (!k->group)
		return MLAB_E_NO_COMMON_GROUP;
	if (!k->cipher)
		return MLAB_E_NO_COMMON_CIPHER;
	int e = mlab_kind_choose(k, ch);
	if (e != 0)
		return e;
	k->client_auth = k->mode == MLAB_MODE_SIGN && k->cfg.mutual;
	if (k->client_auth && !(ch->flags & MLAB_FLAG_CLIENT_AUTH))
		return MLAB_E_CLIENT_AUTH;
	return 0;
}

static int on_client_hello(struct mlab_kex *k, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct mlab_client_hello ch;
	struct mlab_server_hello sh = {.version = MLAB_VERSION};
	size_t start;
	int e;

	if ((e = mlab_client_hello_decode(body, len, &ch)) != 0)
		return e;
	emit_offer(k, "hello-received", &ch);
	if ((e = choose(k, &ch)) != 0 || (e = tr_frame(k, MLAB_MSG_CLIENT_HELLO, body, len)) != 0)
		return e;
	memcpy(k->nonce_c, ch.nonce, sizeof ch.nonce);
	sh.flags = k->client_auth ? MLAB_FLAG_CLIENT_AUTH : 0;
	sh.mode = k->mode;
	sh.group = k->group;
	sh.cipher = k->cipher;
	sh.kind = k->kind;
	start = out->len;
	if (k->cfg.fixed_nonce) /* WEAKENED: nothing fresh of ours in the transcript */
		memset(sh.nonce, 0, sizeof sh.nonce);
	else if ((e = draw(k, sh.nonce, sizeof sh.nonce)) != 0)
		return e;
	if (k->cfg.sentinel && downgraded(k)) {
		/* The offer as we received it goes into our signed nonce. */
		uint8_t *mark = sh.nonce + MLAB_NONCE_LEN - MLAB_SENTINEL_LEN;
		if ((e = sentinel_digest(ch.nonce, ch.groups, ch.n_groups, mark - MLAB_SENTINEL_DIGEST_LEN)) != 0)
			return e;
		memcpy(mark, MLAB_SENTINEL, MLAB_SENTINEL_LEN);
		mlab_ev_emit(k->ev, "sentinel-set", json_pack("{s:s}", "group", group_name(k->group)),
			     "chose %s although I support stronger groups: downgrade sentinel in my nonce",
			     group_name(k->group));
	}
	if ((e = mlab_server_hello_encode(out, &sh)) != 0 || (e = tr_out(k, out, start)) != 0)
		return e;
	memcpy(k->nonce_s, sh.nonce, sizeof sh.nonce);
	emit_negotiated(k);
	if (k->group == MLAB_GROUP_EXPLICIT && (e = mlab_xgroup_from(&k->xg, mlab_group_by_id(explicit_from(k)))) != 0)
		return e;
	if (k->kind == MLAB_KIND_STATIC)
		e = mlab_kind_static_pair(k);
	else if (k->kind == MLAB_KIND_EPHEMERAL)
		e = keygen(k);
	if (e != 0 || (k->kind != MLAB_KIND_TRANSPORT && (e = send_share(k, out)) != 0))
		return e;
	if (k->mode == MLAB_MODE_CERT && (e = send_chain(k, out)) != 0)
		return e;
	if (k->mode != MLAB_MODE_NONE && (e = send_signature(k, out)) != 0)
		return e;
	k->state = MLAB_KEX_WAIT_CLIENT_SHARE;
	return 0;
}

static int on_server_hello(struct mlab_kex *k, const uint8_t *body, size_t len)
{
	struct mlab_server_hello sh;
	int e;

	if ((e = mlab_server_hello_decode(body, len, &sh)) != 0)
		return e;
	/* The responder may only pick from what we offered. */
	if (!in_list8(k->cfg.modes, k->cfg.n_modes, sh.mode) || !in_list16(k->cfg.groups, k->cfg.n_groups, sh.group) ||
	    !in_list8(k->cfg.ciphers, k->cfg.n_ciphers, sh.cipher) || !mlab_group_by_id(sh.group))
		return MLAB_E_NOT_OFFERED;
	if (!in_list8(k->cfg.kinds, k->cfg.n_kinds, sh.kind))
		return MLAB_E_NOT_OFFERED;
	if (sh.group != MLAB_GROUP_EXPLICIT && sec_of(sh.group) < k->cfg.min_security)
		return MLAB_E_WEAK_GROUP;
	/* The sentinel names the group offer the responder received: if that is
	 * not ours, it was changed on the way. (Proof only once a signature over
	 * the nonce verifies; without one anybody can write it.) */
	const uint8_t *mark = sh.nonce + MLAB_NONCE_LEN - MLAB_SENTINEL_LEN;
	if (k->cfg.sentinel && memcmp(mark, MLAB_SENTINEL, MLAB_SENTINEL_LEN) == 0) {
		uint16_t offered[MLAB_MAX_OFFERS];
		uint8_t d[MLAB_SENTINEL_DIGEST_LEN];
		if ((e = sentinel_digest(k->nonce_c, offered, offered_groups(k, offered), d)) != 0)
			return e;
		if (CRYPTO_memcmp(d, mark - MLAB_SENTINEL_DIGEST_LEN, sizeof d) != 0) {
			mlab_ev_emit(k->ev, "sentinel-seen", json_pack("{s:s}", "group", group_name(sh.group)),
				     "bob's nonce carries the downgrade sentinel over a group offer I did not send "
				     "(%s chosen)",
				     group_name(sh.group));
			return MLAB_E_DOWNGRADE;
		}
		mlab_ev_emit(k->ev, "sentinel-matched", json_pack("{s:s}", "group", group_name(sh.group)),
			     "bob's nonce carries the downgrade sentinel over the offer I sent: %s was my own "
			     "preference, no alarm",
			     group_name(sh.group));
	}
	k->client_auth = (sh.flags & MLAB_FLAG_CLIENT_AUTH) != 0;
	if (k->client_auth && (!k->cfg.mutual || sh.mode != MLAB_MODE_SIGN))
		return MLAB_E_NOT_OFFERED;
	k->mode = sh.mode;
	k->group = sh.group;
	k->cipher = sh.cipher;
	k->kind = sh.kind;
	memcpy(k->nonce_s, sh.nonce, sizeof sh.nonce);
	if ((e = tr_frame(k, MLAB_MSG_SERVER_HELLO, body, len)) != 0)
		return e;
	emit_negotiated(k);
	if (k->mode == MLAB_MODE_SIGN && !k->cfg.peer_key && !(k->cfg.trust && k->cfg.trust->tofu))
		return MLAB_E_NO_TRUST;
	if (k->mode == MLAB_MODE_CERT && !k->cfg.trust)
		return MLAB_E_NO_TRUST;
	k->state = MLAB_KEX_WAIT_SERVER_SHARE;
	return 0;
}

/* Explicit parameters: only the responder sends them; the initiator takes
 * them as its group, checks them unless weakened, and applies its policy. */
static int take_params(struct mlab_kex *k, const struct mlab_key_share *ks)
{
	int e;

	if (k->cfg.role == MLAB_RESPONDER)
		return 0; /* the initiator sends none: mlab_share_decode checked */
	if ((e = mlab_xgroup_set(&k->xg, ks->p, ks->p_len, ks->g, ks->g_len)) != 0)
		return e;
	bool check = k->cfg.validate_shares, same_g;
	const char *g = k->xg.g;
	const struct mlab_group *known = mlab_xgroup_known(&k->xg, &same_g);
	json_t *f =
	    json_pack("{s:i,s:s,s:s,s:b}", "bits", (int)k->xg.group.bits, "p", k->xg.p, "g", g, "checked", check);
	if (f && known)
		json_object_set_new(f, "known", json_string(known->name));
	mlab_ev_emit(k->ev, "params-received", f, "explicit group from the peer: %u-bit p%s%s, g = %.20s%s — %s",
		     k->xg.group.bits, known ? " = " : "", known ? known->name : "", g, strlen(g) > 20 ? "…" : "",
		     !check	       ? "NOT CHECKED (weakened)"
		     : known && same_g ? "known by value, nothing to compute"
		     : known	       ? "known p, checking g"
				       : "unknown p, checking it");
	if (check && (e = mlab_xgroup_check(&k->xg)) != 0)
		return e;
	if (k->xg.group.sec_bits < k->cfg.min_security)
		return MLAB_E_WEAK_GROUP;
	return 0;
}

/* Stores and checks a peer's share: right group, not our own reflected
 * back, and (unless weakened) in range and in the subgroup. */
static int take_share(struct mlab_kex *k, const uint8_t *body, size_t len)
{
	struct mlab_key_share ks;
	char hex[2 * MLAB_MAX_SHARE + 1];
	int e;

	if ((e = mlab_share_decode(body, len, k->group, k->cfg.role == MLAB_INITIATOR, &ks)) != 0)
		return e;
	if (ks.group == MLAB_GROUP_EXPLICIT && (e = take_params(k, &ks)) != 0)
		return e;
	mlab_hex(ks.share, ks.len, hex);
	char parts[96];
	json_t *f = json_pack("{s:s,s:i,s:s}", "group", group_name(ks.group), "len", (int)ks.len, "share", hex);
	if (mlab_kem_parts_text(grp(k), ks.len, parts, sizeof parts))
		json_object_set_new(f, "parts", json_string(parts));
	mlab_ev_emit(k->ev, "share-received", f, "received %s key share %.16s… (%u bytes)", group_name(ks.group), hex,
		     (unsigned)ks.len);
	if ((e = mlab_share_accept(grp(k), &ks, k->cfg.validate_shares, k->dh.pub, k->dh.pub_len, k->peer_share,
				   &k->peer_share_len)) != 0)
		return e;
	return tr_frame(k, MLAB_MSG_KEY_SHARE, body, len);
}

/* The DH output, as soon as both shares are known: a share that only the
 * computation can refuse (X25519 low order) fails here, before we send or
 * report anything of our own. */
static int dh_secret(struct mlab_kex *k)
{
	return mlab_dh_derive(&k->dh, k->peer_share, k->peer_share_len, k->cfg.validate_shares, k->secret,
			      &k->secret_len);
}

/* The transcript now runs through the initiator's share (and its signature
 * when it signs): derive the session keys, then forget the DH secrets. */
static int derive_keys(struct mlab_kex *k)
{
	int e = mlab_keysched_derive_tr(&k->tr, k->secret, k->secret_len, &k->keys);

	OPENSSL_cleanse(k->secret, sizeof k->secret);
	mlab_dh_free(&k->dh); /* ephemeral: gone as soon as it served */
	if (e != 0)
		return e;
	mlab_ev_emit(k->ev, "session-key",
		     json_pack("{s:s,s:s}", "key_id", k->keys.key_id, "cipher", mlab_cipher_name(k->cipher)),
		     "session key id %s", k->keys.key_id);
	return 0;
}

static int send_finished(struct mlab_kex *k, const uint8_t *fin_key, struct mlab_wr *out)
{
	int e;

	if ((e = mlab_finished_send(&k->tr, fin_key, out)) != 0)
		return e;
	mlab_ev_emit(k->ev, "finished-sent", NULL, "sent Finished");
	return 0;
}

static int check_finished(struct mlab_kex *k, const uint8_t *fin_key, const uint8_t *body, size_t len)
{
	struct mlab_finished f;
	int e;

	if ((e = mlab_finished_decode(body, len, &f)) != 0 || (e = mlab_finished_verify(&k->tr, fin_key, f.mac)) != 0)
		return e;
	mlab_ev_emit(k->ev, "finished-verified", NULL, "Finished ✔ from peer");
	return tr_frame(k, MLAB_MSG_FINISHED, body, len);
}

static void connected(struct mlab_kex *k)
{
	bool ini = k->cfg.role == MLAB_INITIATOR;
	mlab_rec_init(&k->tx, k->cipher, ini ? &k->keys.c2s : &k->keys.s2c);
	mlab_rec_init(&k->rx, k->cipher, ini ? &k->keys.s2c : &k->keys.c2s);
	k->state = MLAB_KEX_CONNECTED;
	mlab_ev_emit(k->ev, "handshake-done",
		     json_pack("{s:s,s:s,s:s,s:s}", "key_id", k->keys.key_id, "mode", mlab_mode_name(k->mode), "group",
			       group_name(k->group), "cipher", mlab_cipher_name(k->cipher)),
		     "handshake complete: key id %s, %s records", k->keys.key_id, mlab_cipher_name(k->cipher));
}

/* Initiator, once the responder's share (and signature) are in. */
static int client_flight(struct mlab_kex *k, struct mlab_wr *out)
{
	int e;

	if (k->kind == MLAB_KIND_TRANSPORT) {
		if ((e = mlab_kind_send_premaster(k, out)) != 0)
			return e;
	} else {
		/* in a KEM group our share is the ciphertext dh_secret makes */
		if ((e = grp(k)->kem ? mlab_dh_keygen_reply(grp(k), &k->dh) : keygen(k)) != 0)
			return e;
		if (k->cfg.validate_shares &&
		    mlab_share_reflected(k->dh.pub, k->dh.pub_len, k->peer_share, k->peer_share_len))
			return MLAB_E_SHARE_REFLECTED;
		if ((e = dh_secret(k)) != 0 || (e = send_share(k, out)) != 0)
			return e;
	}
	/* Our signature covers our share: sign before the DH key is wiped. */
	if (k->client_auth && (e = send_signature(k, out)) != 0)
		return e;
	if ((e = derive_keys(k)) != 0 || (e = send_finished(k, k->keys.fin_client, out)) != 0)
		return e;
	k->state = MLAB_KEX_WAIT_SERVER_FINISHED;
	return 0;
}

static int step(struct mlab_kex *k, uint8_t type, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	int e;

	switch (k->state) {
	case MLAB_KEX_WAIT_CLIENT_HELLO:
		if (type != MLAB_MSG_CLIENT_HELLO)
			break;
		return on_client_hello(k, body, len, out);
	case MLAB_KEX_WAIT_SERVER_HELLO:
		if (type != MLAB_MSG_SERVER_HELLO)
			break;
		if ((e = on_server_hello(k, body, len)) != 0 || k->kind != MLAB_KIND_TRANSPORT)
			return e;
		/* Transport: no share comes from the responder; its chain and
		 * signature, if any, then our flight. */
		if (k->mode != MLAB_MODE_NONE) {
			k->state =
			    k->mode == MLAB_MODE_CERT ? MLAB_KEX_WAIT_SERVER_CERT : MLAB_KEX_WAIT_SERVER_SIGNATURE;
			return 0;
		}
		return client_flight(k, out);
	case MLAB_KEX_WAIT_SERVER_SHARE:
		if (type != MLAB_MSG_KEY_SHARE)
			break;
		if ((e = take_share(k, body, len)) != 0)
			return e;
		if (k->mode != MLAB_MODE_NONE) {
			k->state =
			    k->mode == MLAB_MODE_CERT ? MLAB_KEX_WAIT_SERVER_CERT : MLAB_KEX_WAIT_SERVER_SIGNATURE;
			return 0;
		}
		return client_flight(k, out);
	case MLAB_KEX_WAIT_SERVER_CERT:
		if (type != MLAB_MSG_CERTIFICATE)
			break;
		if ((e = check_chain(k, body, len)) != 0)
			return e;
		k->state = MLAB_KEX_WAIT_SERVER_SIGNATURE;
		return 0;
	case MLAB_KEX_WAIT_SERVER_SIGNATURE:
		if (type != MLAB_MSG_SIGNATURE)
			break;
		if ((e = check_signature(k, body, len)) != 0)
			return e;
		return client_flight(k, out);
	case MLAB_KEX_WAIT_CLIENT_SHARE:
		if (type != (k->kind == MLAB_KIND_TRANSPORT ? MLAB_MSG_PREMASTER : MLAB_MSG_KEY_SHARE))
			break;
		if (k->kind == MLAB_KIND_TRANSPORT)
			e = mlab_kind_take_premaster(k, body, len);
		else if ((e = take_share(k, body, len)) == 0)
			e = dh_secret(k);
		if (e != 0)
			return e;
		/* The initiator's signature covers the transcript through its
		 * share; the keys are derived after it. */
		if (k->client_auth) {
			k->state = MLAB_KEX_WAIT_CLIENT_SIGNATURE;
			return 0;
		}
		if ((e = derive_keys(k)) != 0)
			return e;
		k->state = MLAB_KEX_WAIT_CLIENT_FINISHED;
		return 0;
	case MLAB_KEX_WAIT_CLIENT_SIGNATURE:
		if (type != MLAB_MSG_SIGNATURE)
			break;
		if ((e = check_signature(k, body, len)) != 0)
			return e;
		if ((e = derive_keys(k)) != 0)
			return e;
		k->state = MLAB_KEX_WAIT_CLIENT_FINISHED;
		return 0;
	case MLAB_KEX_WAIT_CLIENT_FINISHED:
		if (type != MLAB_MSG_FINISHED)
			break;
		if ((e = check_finished(k, k->keys.fin_client, body, len)) != 0 ||
		    (e = send_finished(k, k->keys.fin_server, out)) != 0)
			return e;
		connected(k);
		return 0;
	case MLAB_KEX_WAIT_SERVER_FINISHED:
		if (type != MLAB_MSG_FINISHED)
			break;
		if ((e = check_finished(k, k->keys.fin_server, body, len)) != 0)
			return e;
		connected(k);
		return 0;
	default:
		break;
	}
	return MLAB_E_UNEXPECTED;
}

int mlab_kex_input(struct mlab_kex *k, uint8_t type, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	int e;

	if (k->err)
		return MLAB_E_FAILED;
	if (type == MLAB_MSG_ALERT) {
		struct mlab_alert a;
		if ((e = mlab_alert_decode(body, len, &a)) != 0)
			return mlab_kex_fail(k, e, out);
		k->peer_alert = -(int)a.code;
		mlab_ev_emit(k->ev, "alert-received",
			     json_pack("{s:s,s:s,s:i}", "error", mlab_err_name(k->peer_alert), "check",
				       mlab_err_check(k->peer_alert), "code", k->peer_alert),
			     "peer aborted: %s (%s) — unauthenticated, for information", mlab_err_name(k->peer_alert),
			     mlab_err_text(k->peer_alert));
		return mlab_kex_fail(k, MLAB_E_PEER_ALERT, out);
	}
	size_t start = out->len;
	e = step(k, type, body, len, out);
	if (e != 0) {
		out->len = start; /* never send half a flight */
		return mlab_kex_fail(k, e, out);
	}
	return 0;
}

int mlab_kex_seal(struct mlab_kex *k, uint8_t content, const uint8_t *data, size_t len, struct mlab_wr *out)
{
	int e;

	if (k->err)
		return MLAB_E_FAILED;
	if (k->state != MLAB_KEX_CONNECTED)
		return mlab_kex_fail(k, MLAB_E_UNEXPECTED, out);
	if ((e = mlab_rec_seal(&k->tx, content, data, len, out)) != 0)
		return mlab_kex_fail(k, e, out);
	if (content == MLAB_CONTENT_CLOSE)
		k->state = MLAB_KEX_CLOSED;
	return 0;
}

int mlab_kex_open(struct mlab_kex *k, const uint8_t *body, size_t len, uint8_t *content, uint8_t *data,
		  size_t *data_len, struct mlab_wr *out)
{
	int e;

	if (k->err)
		return MLAB_E_FAILED;
	/* Data before the handshake finished is refused, never buffered. After
	 * our close the peer may still send until its own close. */
	if (k->state != MLAB_KEX_CONNECTED && k->state != MLAB_KEX_CLOSED)
		return mlab_kex_fail(k, MLAB_E_UNEXPECTED, out);
	/* Nothing may follow the peer's close notification. */
	if (k->peer_closed)
		return mlab_kex_fail(k, MLAB_E_UNEXPECTED, out);
	if ((e = mlab_rec_open(&k->rx, body, len, content, data, data_len)) != 0)
		return mlab_kex_fail(k, e, out);
	if (*content == MLAB_CONTENT_CLOSE) {
		if (*data_len != 0) /* a close carries nothing: never drop data silently */
			return mlab_kex_fail(k, MLAB_E_BAD_FIELD, out);
		k->peer_closed = true;
	}
	return 0;
}
