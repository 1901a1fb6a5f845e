/* mallory's Diffie-Hellman man in the middle (see attack_dhmitm.h). */
#include "attack_dhmitm.h"

#include <openssl/core_names.h>

#include <openssl/bn.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_keysched.h"
#include "mlab_record.h"
#include "dlog.h"
#include "sniff_stream.h"

#define WHERE "dh-mitm"
#define MAX_RULES 64

/* The two legs, named for the honest peer at the other end. */
enum { ALICE = 0, BOB = 1 };

#define DHMITM_STATES(X)                                                                                               \
	X(ST_WAIT_CLIENT_HELLO, "wait-client-hello")                                                                   \
	X(ST_WAIT_SERVER_HELLO, "wait-server-hello")                                                                   \
	X(ST_WAIT_BOB_SHARE, "wait-bob-share")                                                                         \
	X(ST_WAIT_BOB_SIGNATURE, "wait-bob-signature")                                                                 \
	X(ST_WAIT_ALICE_SHARE, "wait-alice-share")                                                                     \
	X(ST_WAIT_ALICE_SIGNATURE, "wait-alice-signature")                                                             \
	X(ST_WAIT_ALICE_FINISHED, "wait-alice-finished")                                                               \
	X(ST_WAIT_BOB_FINISHED, "wait-bob-finished")                                                                   \
	X(ST_RELAYING, "relaying")                                                                                     \
	X(ST_TRANSPARENT, "transparent")

enum state {
#define X_STATE(s, n) s,
	DHMITM_STATES(X_STATE)
#undef X_STATE
};

static const char *const state_names[] = {
#define X_NAME(s, n) [s] = n,
    DHMITM_STATES(X_NAME)
#undef X_NAME
};

/* One leg: mallory and one honest peer. Toward alice she is the responder,
 * toward bob the initiator. */
struct leg {
	const char *peer;
	struct mlab_transcript tr; /* the frames as this peer sent and saw them */
	struct mlab_dh dh;	   /* her ephemeral key pair on this leg, until the keys are derived */
	uint8_t own_share[MLAB_MAX_SHARE];
	size_t own_share_len;
	uint8_t peer_share[MLAB_MAX_SHARE];
	size_t peer_share_len;
	uint8_t secret[MLAB_MAX_SECRET]; /* DH output, until the keys are derived */
	size_t secret_len;
	struct mlab_keys keys;
	bool have_keys;
	struct mlab_rec rx, tx; /* records from this peer / to this peer */
	bool peer_closed;
};

struct rule {
	uint8_t *from, *to;
	size_t from_len, to_len;
};

struct dhmitm {
	struct mlab_ev *ev;
	uint16_t groups[MLAB_MAX_OFFERS];
	size_t n_groups;
	EVP_PKEY *forge_key;
	uint8_t forge_pub[MLAB_ED25519_PUB];
	char forge_kid[9];
	enum mlab_scope scope;
	struct rule *rules;
	size_t n_rules;
	bool key_fixing;
	bool strip_auth;
	uint16_t downgrade_group;
	enum dhmitm_g malicious_g;
	bool small_subgroup;
	bool guess_alice;	  /* small subgroup: alice's secret is one of two, her Finished decides */
	BIGNUM *x_bob;		  /* downgrade: bob's private exponent, solved live */
	struct mlab_xgroup xg[2]; /* group "explicit": each leg's (p, g), per leg index */

	enum state st;
	uint8_t nonce_c[MLAB_NONCE_LEN], nonce_s[MLAB_NONCE_LEN];
	uint8_t mode, cipher;
	uint16_t group;
	bool client_auth;
	struct leg leg[2];

	/* Scratch for one record: plaintext, rewritten text, and their hex. */
	uint8_t pt[MLAB_MAX_PLAINTEXT], alt[MLAB_MAX_PLAINTEXT], tmp[MLAB_MAX_PLAINTEXT];
	char hex[2 * MLAB_MAX_PLAINTEXT + 1], alt_hex[2 * MLAB_MAX_PLAINTEXT + 1];
};

/* ------------------------------------------------------------ helpers */

static int src_of(enum dhmitm_dir d)
{
	return d == DHMITM_TO_BOB ? ALICE : BOB;
}

static int dst_of(enum dhmitm_dir d)
{
	return d == DHMITM_TO_BOB ? BOB : ALICE;
}

/* The group on leg l: named, or that leg's explicit (p, g). */
static const struct mlab_group *leg_group(const struct dhmitm *m, const struct leg *l)
{
	return m->group == MLAB_GROUP_EXPLICIT ? &m->xg[l == &m->leg[ALICE] ? ALICE : BOB].group
					       : mlab_group_by_id(m->group);
}

static const char *group_name(uint16_t id)
{
	const struct mlab_group *g = mlab_group_by_id(id);
	return g ? g->name : "unknown";
}

static const char *const g_names[] = {[DHMITM_G_ONE] = "1", [DHMITM_G_P] = "p", [DHMITM_G_P_MINUS_1] = "p-1"};

enum dhmitm_g dhmitm_g_from_name(const char *s)
{
	for (int i = DHMITM_G_ONE; s && i <= DHMITM_G_P_MINUS_1; i++)
		if (strcmp(s, g_names[i]) == 0)
			return (enum dhmitm_g)i;
	return DHMITM_G_OFF;
}

const char *dhmitm_g_name(enum dhmitm_g g)
{
	return g >= DHMITM_G_ONE && g <= DHMITM_G_P_MINUS_1 ? g_names[g] : "off";
}

static const char *scope_name(enum mlab_scope s)
{
	return s == MLAB_SCOPE_PARAMS ? "params" : "transcript";
}

/* A u64 in JSON: jansson's integers are signed. */
static json_t *json_u64(uint64_t v)
{
	return v <= (uint64_t)LLONG_MAX ? json_integer((json_int_t)v) : json_real((double)v);
}

static json_t *ends_json(enum dhmitm_dir d)
{
	return json_pack("{s:s,s:s}", "from", d == DHMITM_TO_BOB ? "alice" : "bob", "to",
			 d == DHMITM_TO_BOB ? "bob" : "alice");
}

/* A whole frame into a transcript: header as on the wire, then the body. */
static int tr_frame(struct leg *l, uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t hdr[MLAB_FRAME_HDR];
	struct mlab_wr w;
	int e;

	mlab_wr_init(&w, hdr, sizeof hdr);
	if ((e = mlab_frame_put_hdr(&w, type, len)) != 0 || (e = mlab_transcript_add(&l->tr, hdr, sizeof hdr)) != 0)
		return e;
	return len ? mlab_transcript_add(&l->tr, body, len) : 0;
}

/* What was written to out since start (our frames) into a leg's transcript. */
static int tr_out(struct leg *l, const struct mlab_wr *out, size_t start)
{
	return mlab_transcript_add(&l->tr, out->p + start, out->len - start);
}

/* The frame exactly as it came, whatever its type. */
static int put_raw(struct mlab_wr *out, uint8_t type, const uint8_t *body, size_t len)
{
	size_t start = out->len;
	int e = mlab_frame_put_hdr(out, type, len);

	if (e == 0 && len)
		e = mlab_wr_bytes(out, body, len);
	if (e != 0)
		out->len = start;
	return e;
}

/* Forwards a handshake frame unchanged: both peers see the same bytes. */
static int relay_same(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, const uint8_t *body, size_t len,
		      struct mlab_wr *out)
{
	size_t start = out->len;
	int e;

	if ((e = tr_frame(&m->leg[src_of(d)], type, body, len)) != 0 || (e = put_raw(out, type, body, len)) != 0)
		return e;
	return tr_out(&m->leg[dst_of(d)], out, start);
}

static void leg_wipe(struct leg *l)
{
	mlab_dh_free(&l->dh);
	OPENSSL_cleanse(l->secret, sizeof l->secret);
	l->secret_len = 0;
	mlab_keys_wipe(&l->keys);
	l->have_keys = false;
	mlab_rec_wipe(&l->rx);
	mlab_rec_wipe(&l->tx);
}

static void wipe_all(struct dhmitm *m)
{
	for (int i = 0; i < 2; i++)
		leg_wipe(&m->leg[i]);
	OPENSSL_cleanse(m->pt, sizeof m->pt);
	OPENSSL_cleanse(m->alt, sizeof m->alt);
	OPENSSL_cleanse(m->tmp, sizeof m->tmp);
	OPENSSL_cleanse(m->hex, sizeof m->hex);
	OPENSSL_cleanse(m->alt_hex, sizeof m->alt_hex);
}

/* ------------------------------------------------------- life cycle */

int dhmitm_rule_parse(const char *spec, struct dhmitm_rule *r)
{
	const char *sep = spec ? strstr(spec, "=>") : NULL;

	if (!sep || sep == spec || !r)
		return MLAB_E_ARG;
	r->from = (const uint8_t *)spec;
	r->from_len = (size_t)(sep - spec);
	r->to = (const uint8_t *)sep + 2;
	r->to_len = strlen(sep + 2);
	return 0;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);
	if (q && n)
		memcpy(q, p, n);
	return q;
}

int dhmitm_new(struct dhmitm **out, const struct dhmitm_config *cfg, struct mlab_ev *ev)
{
	struct dhmitm *m;
	int e = 0;

	if (!out || !cfg)
		return MLAB_E_ARG;
	*out = NULL;
	if (cfg->n_groups > MLAB_MAX_OFFERS || cfg->n_rules > MAX_RULES || (cfg->n_rules && !cfg->rules))
		return MLAB_E_ARG;
	for (size_t i = 0; i < cfg->n_groups; i++)
		if (!mlab_group_by_id(cfg->groups[i]))
			return MLAB_E_ARG;
	for (size_t i = 0; i < cfg->n_rules; i++)
		if (!cfg->rules[i].from || !cfg->rules[i].from_len || (cfg->rules[i].to_len && !cfg->rules[i].to) ||
		    cfg->rules[i].from_len > MLAB_MAX_PLAINTEXT || cfg->rules[i].to_len > MLAB_MAX_PLAINTEXT)
			return MLAB_E_ARG;
	if (!(m = calloc(1, sizeof *m)))
		return MLAB_E_NOMEM;
	m->ev = ev;
	m->scope = cfg->scope;
	m->key_fixing = cfg->key_fixing;
	m->strip_auth = cfg->strip_auth;
	m->downgrade_group = cfg->downgrade_group;
	m->malicious_g = cfg->malicious_g;
	m->small_subgroup = cfg->small_subgroup;
	m->n_groups = cfg->n_groups;
	memcpy(m->groups, cfg->groups, cfg->n_groups * sizeof m->groups[0]);
	m->leg[ALICE].peer = "alice";
	m->leg[BOB].peer = "bob";
	if (cfg->forge_key) {
		size_t n = 0;
		/* She must be able to sign: a private Ed25519 key. */
		if (EVP_PKEY_get_raw_private_key(cfg->forge_key, NULL, &n) != 1 || n != 32 ||
		    mlab_ed25519_raw_public(cfg->forge_key, m->forge_pub) != 0 ||
		    mlab_key_id(m->forge_pub, sizeof m->forge_pub, m->forge_kid) != 0) {
			e = MLAB_E_NO_KEY;
			goto out;
		}
		if (EVP_PKEY_up_ref(cfg->forge_key) != 1) {
			e = MLAB_E_CRYPTO;
			goto out;
		}
		m->forge_key = cfg->forge_key;
	}
	if (cfg->n_rules) {
		if (!(m->rules = calloc(cfg->n_rules, sizeof *m->rules))) {
			e = MLAB_E_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < cfg->n_rules; i++, m->n_rules++) {
			const struct dhmitm_rule *r = &cfg->rules[i];
			m->rules[i].from = dup_bytes(r->from, r->from_len);
			m->rules[i].to = dup_bytes(r->to, r->to_len);
			m->rules[i].from_len = r->from_len;
			m->rules[i].to_len = r->to_len;
			if (!m->rules[i].from || !m->rules[i].to) {
				m->n_rules++; /* so that dhmitm_free frees this one too */
				e = MLAB_E_NOMEM;
				goto out;
			}
		}
	}
	if ((e = mlab_transcript_init(&m->leg[ALICE].tr)) != 0 || (e = mlab_transcript_init(&m->leg[BOB].tr)) != 0)
		goto out;
	m->st = ST_WAIT_CLIENT_HELLO;
out:
	if (e != 0)
		dhmitm_free(m);
	else
		*out = m;
	return e;
}

void dhmitm_free(struct dhmitm *m)
{
	if (!m)
		return;
	wipe_all(m);
	BN_clear_free(m->x_bob);
	m->x_bob = NULL;
	for (int i = 0; i < 2; i++)
		mlab_transcript_free(&m->leg[i].tr);
	for (size_t i = 0; i < m->n_rules; i++) {
		free(m->rules[i].from);
		free(m->rules[i].to);
	}
	free(m->rules);
	EVP_PKEY_free(m->forge_key);
	OPENSSL_cleanse(m, sizeof *m);
	free(m);
}

bool dhmitm_transparent(const struct dhmitm *m)
{
	return m && m->st == ST_TRANSPARENT;
}

bool dhmitm_relaying(const struct dhmitm *m)
{
	return m && m->st == ST_RELAYING;
}

const char *dhmitm_key_id(const struct dhmitm *m, enum dhmitm_dir toward)
{
	const struct leg *l;

	if (!m || (toward != DHMITM_TO_BOB && toward != DHMITM_TO_ALICE))
		return NULL;
	l = &m->leg[toward == DHMITM_TO_BOB ? BOB : ALICE];
	return l->have_keys ? l->keys.key_id : NULL;
}

/* ------------------------------------------------------- handshake */

/* Offer stripping (a later issue) plugs in here: it will edit ch and return
 * true, and the rewritten hello goes to bob. Nothing else needs to change:
 * alice's transcript keeps the hello she sent, bob's the one he receives. */
/* Offer stripping: alice's hello reaches bob without the authenticated
 * mode, so a bob who also accepts unauthenticated DH picks it, and the
 * relay works. Nothing signed covers the hello in that mode: nobody can
 * notice. (With nothing else offered she leaves the offer alone.) */
static bool rewrite_offer(struct dhmitm *m, struct mlab_client_hello *ch)
{
	uint8_t kept[MLAB_MAX_OFFERS];
	uint8_t n = 0;

	bool changed = false;
	if (m->downgrade_group) {
		bool offered = false;
		for (uint8_t i = 0; i < ch->n_groups; i++)
			offered |= ch->groups[i] == m->downgrade_group;
		if (offered && ch->n_groups > 1) {
			ch->groups[0] = m->downgrade_group;
			ch->n_groups = 1;
			changed = true;
			mlab_ev_emit(m->ev, "offer-downgraded",
				     json_pack("{s:s,s:s}", "group", group_name(m->downgrade_group), "toward", "bob"),
				     "rewrote alice's group offer to %s only, on its way to bob",
				     group_name(m->downgrade_group));
		}
	}
	if (m->malicious_g && (ch->n_groups == 0 || ch->groups[0] != MLAB_GROUP_EXPLICIT)) {
		uint16_t g[MLAB_MAX_OFFERS] = {MLAB_GROUP_EXPLICIT};
		uint8_t k = 1;
		for (uint8_t i = 0; i < ch->n_groups && k < MLAB_MAX_OFFERS; i++)
			if (ch->groups[i] != MLAB_GROUP_EXPLICIT)
				g[k++] = ch->groups[i];
		memcpy(ch->groups, g, sizeof g);
		ch->n_groups = k;
		changed = true;
		mlab_ev_emit(m->ev, "offer-explicit", json_pack("{s:s}", "toward", "bob"),
			     "put \"explicit\" first in alice's group offer, on its way to bob");
	}
	if (!m->strip_auth)
		return changed;
	for (uint8_t i = 0; i < ch->n_modes; i++)
		if (ch->modes[i] != MLAB_MODE_SIGN)
			kept[n++] = ch->modes[i];
	if (n == ch->n_modes || n == 0)
		return changed;
	memcpy(ch->modes, kept, n);
	ch->n_modes = n;
	mlab_ev_emit(m->ev, "offer-stripped", json_pack("{s:s,s:s}", "removed", "sign", "toward", "bob"),
		     "stripped \"sign\" from alice's offer on its way to bob");
	return true;
}

static int on_client_hello(struct dhmitm *m, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct mlab_client_hello ch;
	size_t start;
	int e;

	if ((e = mlab_client_hello_decode(body, len, &ch)) != 0)
		return e;
	memcpy(m->nonce_c, ch.nonce, sizeof m->nonce_c);
	if (!rewrite_offer(m, &ch))
		return relay_same(m, DHMITM_TO_BOB, MLAB_MSG_CLIENT_HELLO, body, len, out);
	if ((e = tr_frame(&m->leg[ALICE], MLAB_MSG_CLIENT_HELLO, body, len)) != 0)
		return e;
	start = out->len;
	if ((e = mlab_client_hello_encode(out, &ch)) != 0)
		return e;
	return tr_out(&m->leg[BOB], out, start);
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
	if (sh.mode != MLAB_MODE_NONE && sh.mode != MLAB_MODE_SIGN)
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

/* Bob's explicit (p, g) become both legs' groups — alice's with her own
 * generator when she plays malicious-g. Alice sends none. */
static int take_params(struct dhmitm *m, struct leg *l, const struct mlab_key_share *ks)
{
	uint8_t g[MLAB_MAX_SHARE];
	size_t gl;
	int e;

	if (l == &m->leg[ALICE])
		return ks->p_len || ks->g_len ? MLAB_E_BAD_FIELD : 0;
	if ((e = mlab_xgroup_set(&m->xg[BOB], ks->p, ks->p_len, ks->g, ks->g_len)) != 0)
		return e;
	if (!m->malicious_g)
		return mlab_xgroup_set(&m->xg[ALICE], ks->p, ks->p_len, ks->g, ks->g_len);
	/* g' = 1, p or p-1, written big-endian in p's length. */
	memcpy(g, ks->p, ks->p_len);
	gl = ks->p_len;
	if (m->malicious_g == DHMITM_G_ONE) {
		memset(g, 0, gl);
		g[gl - 1] = 1;
	} else if (m->malicious_g == DHMITM_G_P_MINUS_1) {
		g[gl - 1] ^= 1; /* p is odd: p-1 clears its lowest bit */
	}
	if ((e = mlab_xgroup_set(&m->xg[ALICE], ks->p, ks->p_len, g, gl)) != 0)
		return e;
	mlab_ev_emit(m->ev, "generator-replaced",
		     json_pack("{s:s,s:s,s:s,s:i}", "toward", "alice", "g", dhmitm_g_name(m->malicious_g), "original",
			       m->xg[BOB].g, "bits", (int)m->xg[BOB].group.bits),
		     "replaced bob's generator g = %.16s with g = %s toward alice: every share she can make is "
		     "degenerate",
		     m->xg[BOB].g, dhmitm_g_name(m->malicious_g));
	return 0;
}

/* A peer's share, checked as the honest receiver would (group, length,
 * range and subgroup): she needs it valid to compute her secret with it. */
static int take_share(struct dhmitm *m, struct leg *l, const uint8_t *body, size_t len)
{
	struct mlab_key_share ks;
	int e;

	if ((e = mlab_key_share_decode(body, len, &ks)) != 0)
		return e;
	if (ks.group != m->group)
		return MLAB_E_SHARE_GROUP;
	if (ks.group == MLAB_GROUP_EXPLICIT && (e = take_params(m, l, &ks)) != 0)
		return e;
	/* Under her generator alice's share is degenerate by design. */
	bool forced = m->malicious_g && l == &m->leg[ALICE];
	if (!forced && (e = mlab_dh_check(leg_group(m, l), ks.share, ks.len)) != 0)
		return e;
	if (ks.len != leg_group(m, l)->share_len)
		return MLAB_E_SHARE_LENGTH;
	memcpy(l->peer_share, ks.share, ks.len);
	l->peer_share_len = ks.len;
	return tr_frame(l, MLAB_MSG_KEY_SHARE, body, len);
}

/* A share that forces a peer's secret: p itself (y = 0 mod p, so y^x = 0:
 * key fixing) or p-1 (order 2: y^x = 1 or p-1, small subgroup) for
 * finite-field groups; the all-zero point for X25519 (key fixing only). */
static int forced_share(const struct mlab_group *g, bool minus_one, uint8_t *out, size_t *len)
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

/* Her ephemeral key pair on leg l. */
static int make_pair(struct dhmitm *m, struct leg *l)
{
	struct leg *a = &m->leg[ALICE];
	if (m->key_fixing)
		return forced_share(leg_group(m, l), false, l->own_share, &l->own_share_len);
	if (m->small_subgroup && l == a)
		return forced_share(leg_group(m, l), true, l->own_share, &l->own_share_len);
	if (m->malicious_g && l != a) {
		/* Toward bob: alice's own share, 1 (g' = 1) or 0 (g' = p). For
		 * g' = p-1 it is 1 or p-1 by the parity of her key, and bob's
		 * power of p-1 would hang on the parity of his: she sends 1, what
		 * alice sends for an even key. */
		l->own_share_len = a->peer_share_len;
		if (m->malicious_g == DHMITM_G_P_MINUS_1) {
			memset(l->own_share, 0, l->own_share_len);
			l->own_share[l->own_share_len - 1] = 1;
		} else {
			memcpy(l->own_share, a->peer_share, a->peer_share_len);
		}
		return 0;
	}
	int e = mlab_dh_keygen(leg_group(m, l), &l->dh);

	if (e != 0)
		return e;
	if (l->dh.pub_len > sizeof l->own_share)
		return MLAB_E_SHARE_LENGTH;
	memcpy(l->own_share, l->dh.pub, l->dh.pub_len);
	l->own_share_len = l->dh.pub_len;
	return 0;
}

/* Her KeyShare on leg l, in place of the one the other leg's peer sent. */
static int send_share(struct dhmitm *m, struct leg *l, struct mlab_wr *out)
{
	const struct leg *o = l == &m->leg[ALICE] ? &m->leg[BOB] : &m->leg[ALICE];
	struct mlab_key_share ks = {.group = m->group, .len = (uint16_t)l->own_share_len, .share = l->own_share};
	char mine[2 * MLAB_MAX_SHARE + 1], theirs[2 * MLAB_MAX_SHARE + 1];
	size_t start = out->len;
	int e;

	/* Toward alice she is the responder: explicit (p, g) go with her share. */
	if (m->group == MLAB_GROUP_EXPLICIT && l == &m->leg[ALICE]) {
		ks.p = m->xg[ALICE].p_bytes;
		ks.p_len = (uint16_t)m->xg[ALICE].p_len;
		ks.g = m->xg[ALICE].g_bytes;
		ks.g_len = (uint16_t)m->xg[ALICE].g_len;
	}
	if ((e = mlab_key_share_encode(out, &ks)) != 0 || (e = tr_out(l, out, start)) != 0)
		return e;
	mlab_hex(l->own_share, l->own_share_len, mine);
	mlab_hex(o->peer_share, o->peer_share_len, theirs);
	mlab_ev_emit(m->ev, "share-swapped",
		     json_pack("{s:s,s:s,s:s,s:s}", "toward", l->peer, "group", group_name(m->group), "share", mine,
			       "replaced", theirs),
		     "swapped %s's %s share %.16s… for mine %.16s… toward %s", o->peer, group_name(m->group), theirs,
		     mine, l->peer);
	return 0;
}

static int dh_secret(struct dhmitm *m, struct leg *l)
{
	/* Key fixing: what the peer computes from her share, y^x = 0, is
	 * known without any key: a zero secret of the group's length. */
	if (m->key_fixing) {
		l->secret_len = leg_group(m, l)->share_len;
		memset(l->secret, 0, l->secret_len);
		return 0;
	}
	/* Small subgroup: alice's secret waits for her Finished. */
	if (m->small_subgroup && l == &m->leg[ALICE]) {
		m->guess_alice = true;
		return 0;
	}
	/* Malicious g, bob's leg: bob computes y^b for her y = 1 or 0, which
	 * is y itself, whatever b is. */
	if (m->malicious_g && l == &m->leg[BOB]) {
		memcpy(l->secret, l->own_share, l->own_share_len);
		l->secret_len = l->own_share_len;
		return 0;
	}
	/* Under her generator alice's share is degenerate: no checks then. */
	return mlab_dh_derive(&l->dh, l->peer_share, l->peer_share_len, !m->malicious_g, l->secret, &l->secret_len);
}

/* The leg's transcript runs through the initiator's share (and signature):
 * its keys, exactly as that peer derives them. Then the DH secrets go. */
static int derive_keys(struct dhmitm *m, struct leg *l, bool she_is_initiator)
{
	uint8_t th[MLAB_SHA256_LEN];
	if (m->guess_alice && l == &m->leg[ALICE])
		return 0; /* guess_alice() does it */
	int e = mlab_transcript_hash(&l->tr, th);

	if (e == 0)
		e = mlab_keysched_derive(l->secret, l->secret_len, th, &l->keys);
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
	int e = derive_keys(m, &m->leg[ALICE], false);
	return e ? e : derive_keys(m, &m->leg[BOB], true);
}

/* Downgrade: a share passes unchanged (a params-scope signature covers it),
 * into both legs' transcripts. */
static int pass_share(struct dhmitm *m, struct leg *from, struct leg *to, const uint8_t *body, size_t len,
		      struct mlab_wr *out)
{
	size_t start = out->len;
	int e;

	if ((e = take_share(m, from, body, len)) != 0 || (e = put_raw(out, MLAB_MSG_KEY_SHARE, body, len)) != 0)
		return e;
	memcpy(to->own_share, from->peer_share, from->peer_share_len);
	to->own_share_len = from->peer_share_len;
	return tr_out(to, out, start);
}

static bool passive_break(const struct dhmitm *m)
{
	return m->downgrade_group && m->group == m->downgrade_group;
}

/* The weak group's whole point: bob's private exponent from his public
 * share, by Pohlig-Hellman / Pollard rho (mallory/dlog.c), live. */
static int solve_bob(struct dhmitm *m)
{
	const struct mlab_group *g = mlab_group_by_id(m->group);
	BIGNUM *p = NULL, *q = NULL, *gen = NULL, *y = NULL;
	uint64_t steps = 0;
	double t0 = mlab_ev_now();
	int e = MLAB_E_ARG;

	if (!g || !g->weak || mlab_lab_params(g, &p, &q, &gen) != 0)
		goto out;
	BN_clear_free(m->x_bob);
	if (!(y = BN_bin2bn(m->leg[BOB].peer_share, (int)m->leg[BOB].peer_share_len, NULL)) ||
	    !(m->x_bob = BN_secure_new())) {
		e = MLAB_E_NOMEM;
		goto out;
	}
	/* 2^29 steps is a few seconds here: far more than lab-48 needs (~2^24),
	 * and well inside the peers' time limits (she blocks while solving). */
	if ((e = dlog_solve_ex(gen, y, p, q, m->x_bob, UINT64_C(1) << 29, &steps)) != 0)
		goto out;
	mlab_ev_emit(
	    m->ev, "dlog-solved",
	    json_pack("{s:s,s:I,s:f}", "group", g->name, "steps", (json_int_t)steps, "ms", (mlab_ev_now() - t0) * 1e3),
	    "solved the discrete log of bob's %s share in %.0f ms (%llu steps): his private key is hers", g->name,
	    (mlab_ev_now() - t0) * 1e3, (unsigned long long)steps);
out:
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	BN_free(y);
	return e;
}

/* Both legs' secret: alice's share to bob's (solved) exponent. */
static int passive_secret(struct dhmitm *m)
{
	const struct mlab_group *g = mlab_group_by_id(m->group);
	BIGNUM *p = NULL, *q = NULL, *gen = NULL, *y = NULL, *z = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int e = MLAB_E_CRYPTO, n = (int)g->share_len;

	if (z && ctx && mlab_lab_params(g, &p, &q, &gen) == 0 &&
	    (y = BN_bin2bn(m->leg[ALICE].peer_share, (int)m->leg[ALICE].peer_share_len, NULL)) &&
	    BN_mod_exp(z, y, m->x_bob, p, ctx) == 1 && BN_bn2binpad(z, m->leg[ALICE].secret, n) == n) {
		memcpy(m->leg[BOB].secret, m->leg[ALICE].secret, (size_t)n);
		m->leg[ALICE].secret_len = m->leg[BOB].secret_len = (size_t)n;
		e = 0;
	}
	BN_clear_free(z);
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	BN_free(y);
	BN_CTX_free(ctx);
	BN_clear_free(m->x_bob); /* served: bob's private key goes as soon as the secrets are made */
	m->x_bob = NULL;
	return e;
}

static int on_bob_share(struct dhmitm *m, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	int e;

	if (passive_break(m)) {
		if ((e = pass_share(m, &m->leg[BOB], &m->leg[ALICE], body, len, out)) != 0 || (e = solve_bob(m)) != 0)
			return e;
		m->st = m->mode == MLAB_MODE_SIGN ? ST_WAIT_BOB_SIGNATURE : ST_WAIT_ALICE_SHARE;
		return 0;
	}

	/* Her share toward alice now; her secret with alice once alice's share
	 * comes (the responder's order). */
	if ((e = take_share(m, &m->leg[BOB], body, len)) != 0 || (e = make_pair(m, &m->leg[ALICE])) != 0 ||
	    (e = send_share(m, &m->leg[ALICE], out)) != 0)
		return e;
	m->st = m->mode == MLAB_MODE_SIGN ? ST_WAIT_BOB_SIGNATURE : ST_WAIT_ALICE_SHARE;
	return 0;
}

static int on_alice_share(struct dhmitm *m, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct leg *a = &m->leg[ALICE], *b = &m->leg[BOB];
	int e;

	/* As the honest engines: each secret as soon as both shares of its
	 * leg are known, before anything of hers goes to bob. */
	if (passive_break(m)) {
		if ((e = pass_share(m, a, b, body, len, out)) != 0 || (e = passive_secret(m)) != 0)
			return e;
	} else if ((e = take_share(m, a, body, len)) != 0 || (e = dh_secret(m, a)) != 0 || (e = make_pair(m, b)) != 0 ||
		   (e = dh_secret(m, b)) != 0 || (e = send_share(m, b, out)) != 0) {
		return e;
	}
	if (m->client_auth) {
		m->st = ST_WAIT_ALICE_SIGNATURE;
		return 0;
	}
	if ((e = derive_both(m)) != 0)
		return e;
	m->st = ST_WAIT_ALICE_FINISHED;
	return 0;
}

/* A signature on its way to leg dst: forwarded unchanged (the receiver
 * verifies it over its own transcript, which holds her share: signature
 * check), or made anew with her forge key (pinned-key check). */
static int pass_signature(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct leg *src = &m->leg[src_of(d)], *dst = &m->leg[dst_of(d)];
	enum mlab_role signer = d == DHMITM_TO_ALICE ? MLAB_RESPONDER : MLAB_INITIATOR;
	struct mlab_signature s;
	uint8_t th[MLAB_SHA256_LEN], tbs[MLAB_TBS_MAX];
	size_t n, start = out->len;
	char kid[9];
	int e;

	if ((e = mlab_signature_decode(body, len, &s)) != 0 || (e = tr_frame(src, MLAB_MSG_SIGNATURE, body, len)) != 0)
		return e;
	if (!m->forge_key) {
		if ((e = put_raw(out, MLAB_MSG_SIGNATURE, body, len)) != 0 || (e = tr_out(dst, out, start)) != 0 ||
		    (e = mlab_key_id(s.pub, sizeof s.pub, kid)) != 0)
			return e;
		mlab_ev_emit(m->ev, "signature-forwarded",
			     json_pack("{s:s,s:s}", "toward", dst->peer, "signer_key", kid),
			     "forwarded %s's signature (key %s) to %s unchanged", src->peer, kid, dst->peer);
		return 0;
	}
	/* What the receiver will verify: its transcript so far (through her
	 * share), or the nonces and her share (params scope). */
	memset(&s, 0, sizeof s);
	s.scheme = MLAB_SIG_ED25519;
	memcpy(s.pub, m->forge_pub, sizeof s.pub);
	if ((e = mlab_transcript_hash(&dst->tr, th)) != 0 ||
	    (e = mlab_kex_tbs(m->scope, signer, th, m->nonce_c, m->nonce_s, dst->own_share, dst->own_share_len, tbs,
			      &n)) != 0 ||
	    (e = mlab_ed25519_sign(m->forge_key, tbs, n, s.sig)) != 0 || (e = mlab_signature_encode(out, &s)) != 0 ||
	    (e = tr_out(dst, out, start)) != 0)
		return e;
	mlab_ev_emit(
	    m->ev, "signature-forged",
	    json_pack("{s:s,s:s,s:s}", "toward", dst->peer, "signer_key", m->forge_kid, "scope", scope_name(m->scope)),
	    "replaced %s's signature with mine (key %s) toward %s", src->peer, m->forge_kid, dst->peer);
	return 0;
}

static int check_mac(const uint8_t *fin_key, const struct mlab_transcript *tr, const uint8_t mac[MLAB_MAC_LEN])
{
	uint8_t th[MLAB_SHA256_LEN], want[MLAB_MAC_LEN];
	int e;

	if ((e = mlab_transcript_hash(tr, th)) != 0 || (e = mlab_finished_mac(fin_key, th, want)) != 0)
		return e;
	e = CRYPTO_memcmp(want, mac, sizeof want) == 0 ? 0 : MLAB_E_FINISHED;
	OPENSSL_cleanse(want, sizeof want);
	return e;
}

static int send_finished(struct leg *l, const uint8_t *fin_key, struct mlab_wr *out)
{
	struct mlab_finished f;
	uint8_t th[MLAB_SHA256_LEN];
	size_t start = out->len;
	int e;

	if ((e = mlab_transcript_hash(&l->tr, th)) != 0 || (e = mlab_finished_mac(fin_key, th, f.mac)) != 0 ||
	    (e = mlab_finished_encode(out, &f)) != 0)
		return e;
	return tr_out(l, out, start);
}

/* Small subgroup: alice computed (p-1)^a, 1 or p-1 by the parity of a.
 * Her Finished verifies under exactly one of the two; then that leg's keys
 * are made as usual. */
static int guess_alice(struct dhmitm *m, const uint8_t mac[MLAB_MAC_LEN])
{
	struct leg *a = &m->leg[ALICE];
	uint8_t th[MLAB_SHA256_LEN];
	size_t n = a->own_share_len; /* p-1, her share toward alice */
	int e;

	for (int c = 0; c < 2; c++) {
		if (c == 0) {
			memset(a->secret, 0, n);
			a->secret[n - 1] = 1;
		} else {
			memcpy(a->secret, a->own_share, n);
		}
		a->secret_len = n;
		if ((e = mlab_transcript_hash(&a->tr, th)) != 0 ||
		    (e = mlab_keysched_derive(a->secret, n, th, &a->keys)) != 0)
			return e;
		e = check_mac(a->keys.fin_client, &a->tr, mac);
		mlab_keys_wipe(&a->keys);
		if (e == 0) {
			mlab_ev_emit(
			    m->ev, "secret-guessed",
			    json_pack("{s:s,s:i,s:s}", "with", "alice", "candidates", 2, "secret", c ? "p-1" : "1"),
			    "alice's secret is %s: the only one of 2 candidates her Finished verifies under",
			    c ? "p-1" : "1");
			m->guess_alice = false;
			return derive_keys(m, a, false);
		}
	}
	OPENSSL_cleanse(a->secret, sizeof a->secret);
	return MLAB_E_FINISHED;
}

/* A peer's Finished: it must verify under her keys of that leg (if not, her
 * computation and the peer's differ, and she cannot go on); then she makes
 * the same message for the other leg. */
static int on_finished(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct leg *src = &m->leg[src_of(d)], *dst = &m->leg[dst_of(d)];
	bool from_initiator = d == DHMITM_TO_BOB;
	struct mlab_finished f;
	int e;

	if ((e = mlab_finished_decode(body, len, &f)) != 0 ||
	    (m->guess_alice && from_initiator && (e = guess_alice(m, f.mac)) != 0) ||
	    (e = check_mac(from_initiator ? src->keys.fin_client : src->keys.fin_server, &src->tr, f.mac)) != 0 ||
	    (e = tr_frame(src, MLAB_MSG_FINISHED, body, len)) != 0 ||
	    (e = send_finished(dst, from_initiator ? dst->keys.fin_client : dst->keys.fin_server, out)) != 0)
		return e;
	if (from_initiator) {
		m->st = ST_WAIT_BOB_FINISHED;
		return 0;
	}
	m->st = ST_RELAYING;
	mlab_ev_emit(m->ev, "relay-established",
		     json_pack("{s:s,s:s,s:s}", "alice_key_id", m->leg[ALICE].keys.key_id, "bob_key_id",
			       m->leg[BOB].keys.key_id, "cipher", mlab_cipher_name(m->cipher)),
		     "in the middle: key %s with alice, key %s with bob — every record passes through me",
		     m->leg[ALICE].keys.key_id, m->leg[BOB].keys.key_id);
	return 0;
}

/* ------------------------------------------------------------ records */

/* Applies every rule in order, each to the result of the previous one, into
 * m->alt. Returns 1 when the text changed, 0 when not, MLAB_E_TOO_LONG when
 * the result would not fit a record. */
static int tamper(struct dhmitm *m, const uint8_t *in, size_t n, size_t *out_n)
{
	size_t cur_n = n;
	bool changed = false;

	if (!m->n_rules)
		return 0;
	if (n)
		memcpy(m->alt, in, n);
	for (size_t r = 0; r < m->n_rules; r++) {
		const struct rule *ru = &m->rules[r];
		size_t i = 0, o = 0;
		while (i < cur_n) {
			const uint8_t *piece = m->alt + i;
			size_t piece_n = 1;
			if (cur_n - i >= ru->from_len && memcmp(m->alt + i, ru->from, ru->from_len) == 0) {
				piece = ru->to;
				piece_n = ru->to_len;
				i += ru->from_len;
				changed = true;
			} else {
				i++;
			}
			if (piece_n > MLAB_MAX_PLAINTEXT - o)
				return MLAB_E_TOO_LONG;
			if (piece_n)
				memcpy(m->tmp + o, piece, piece_n);
			o += piece_n;
		}
		if (o)
			memcpy(m->alt, m->tmp, o);
		cur_n = o;
	}
	*out_n = cur_n;
	return changed ? 1 : 0;
}

static void add_text(json_t *j, const char *key, const uint8_t *p, size_t n)
{
	json_t *t = json_stringn((const char *)p, n); /* NULL unless valid UTF-8 */
	if (t)
		json_object_set_new(j, key, t);
}

static const char *from_name(enum dhmitm_dir d)
{
	return d == DHMITM_TO_BOB ? "alice" : "bob";
}

static const char *to_name(enum dhmitm_dir d)
{
	return d == DHMITM_TO_BOB ? "bob" : "alice";
}

static void report_read(struct dhmitm *m, enum dhmitm_dir d, uint64_t seq, const uint8_t *p, size_t n)
{
	json_t *j = ends_json(d);
	char shown[256];

	mlab_hex(p, n, m->hex);
	json_object_set_new(j, "seq", json_u64(seq));
	json_object_set_new(j, "len", json_integer((json_int_t)n));
	json_object_set_new(j, "hex", json_string(m->hex));
	add_text(j, "text", p, n);
	sniff_printable(p, n, shown, sizeof shown);
	mlab_ev_emit(m->ev, "message-read", j, "read \"%s\" (record #%llu, %s > %s)", shown, (unsigned long long)seq,
		     from_name(d), to_name(d));
}

static void report_changed(struct dhmitm *m, enum dhmitm_dir d, uint64_t seq, const uint8_t *p, size_t n,
			   const uint8_t *q, size_t qn)
{
	json_t *j = ends_json(d);
	char was[128], now[128];

	mlab_hex(p, n, m->hex);
	mlab_hex(q, qn, m->alt_hex);
	json_object_set_new(j, "seq", json_u64(seq));
	json_object_set_new(j, "original_len", json_integer((json_int_t)n));
	json_object_set_new(j, "len", json_integer((json_int_t)qn));
	json_object_set_new(j, "original_hex", json_string(m->hex));
	json_object_set_new(j, "hex", json_string(m->alt_hex));
	add_text(j, "original_text", p, n);
	add_text(j, "text", q, qn);
	sniff_printable(p, n, was, sizeof was);
	sniff_printable(q, qn, now, sizeof now);
	mlab_ev_emit(m->ev, "message-changed", j, "changed \"%s\" into \"%s\" (%s > %s)", was, now, from_name(d),
		     to_name(d));
}

/* A record: opened with the sender's leg (sequence and content checks as the
 * honest receiver's), read, rewritten, sealed again with the other leg's
 * keys and her own sequence number on that leg. */
static int on_record(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct leg *src = &m->leg[src_of(d)], *dst = &m->leg[dst_of(d)];
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
		json_t *j = ends_json(d);
		json_object_set_new(j, "seq", json_u64(seq));
		mlab_ev_emit(m->ev, "close-relayed", j, "relayed %s's close notification to %s", from_name(d),
			     to_name(d));
		return 0;
	}
	report_read(m, d, seq, m->pt, n);
	e = tamper(m, m->pt, n, &alt_n);
	if (e == 1) {
		report_changed(m, d, seq, m->pt, n, m->alt, alt_n);
		data = m->alt;
		n = alt_n;
	} else if (e == MLAB_E_TOO_LONG) {
		json_t *j = ends_json(d);
		json_object_set_new(j, "seq", json_u64(seq));
		json_object_set_new(j, "reason", json_string("too-long"));
		mlab_ev_emit(m->ev, "tamper-skipped", j,
			     "left record #%llu (%s > %s) as it was: rewritten it would exceed %d bytes",
			     (unsigned long long)seq, from_name(d), to_name(d), MLAB_MAX_PLAINTEXT);
	} else if (e < 0) {
		return e;
	}
	e = mlab_rec_seal(&dst->tx, MLAB_CONTENT_DATA, data, n, out);
	OPENSSL_cleanse(m->pt, sizeof m->pt);
	OPENSSL_cleanse(m->alt, sizeof m->alt);
	OPENSSL_cleanse(m->tmp, sizeof m->tmp);
	return e;
}

static void on_alert(struct dhmitm *m, enum dhmitm_dir d, const uint8_t *body, size_t len)
{
	struct mlab_alert a;
	json_t *j;
	int err;

	if (mlab_alert_decode(body, len, &a) != 0)
		return; /* forwarded anyway: the receiver judges it */
	err = -(int)a.code;
	j = ends_json(d);
	json_object_set_new(j, "error", json_string(mlab_err_name(err)));
	json_object_set_new(j, "check", json_string(mlab_err_check(err)));
	json_object_set_new(j, "code", json_integer(err));
	mlab_ev_emit(m->ev, "alert-seen", j, "alert %s > %s: %s (%s)", from_name(d), to_name(d), mlab_err_name(err),
		     mlab_err_text(err));
}

/* ------------------------------------------------------------ dispatch */

static int step(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	bool to_bob = d == DHMITM_TO_BOB;

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
	case MLAB_MSG_SIGNATURE: {
		int e;
		if (m->st == ST_WAIT_BOB_SIGNATURE && !to_bob) {
			if ((e = pass_signature(m, d, body, len, out)) != 0)
				return e;
			m->st = ST_WAIT_ALICE_SHARE;
			return 0;
		}
		if (m->st == ST_WAIT_ALICE_SIGNATURE && to_bob) {
			if ((e = pass_signature(m, d, body, len, out)) != 0 || (e = derive_both(m)) != 0)
				return e;
			m->st = ST_WAIT_ALICE_FINISHED;
			return 0;
		}
		break;
	}
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

/* She cannot follow: say so once, forget her secrets, and from now on be a
 * wire. The frame that stopped her goes on unchanged too. */
static void give_up(struct dhmitm *m, enum dhmitm_dir d, uint8_t type, int err, enum state was)
{
	const char *msg = mlab_msg_name(type);
	char name[24], detail[192];

	if (type < MLAB_MSG_CLIENT_HELLO || type > MLAB_MSG_ALERT) {
		snprintf(name, sizeof name, "frame type %u", (unsigned)type);
		msg = name;
	}
	snprintf(detail, sizeof detail, "%s from %s in state %s; forwarding everything unchanged from now on", msg,
		 from_name(d), state_names[was]);
	mlab_ev_error(m->ev, err, WHERE, detail);
	wipe_all(m);
	m->st = ST_TRANSPARENT;
}

int dhmitm_on_frame(struct dhmitm *m, enum dhmitm_dir dir, uint8_t type, const uint8_t *body, size_t len,
		    struct mlab_wr *out)
{
	enum state was;
	size_t start;
	int e;

	if (!m || !out || (len && !body) || (dir != DHMITM_TO_BOB && dir != DHMITM_TO_ALICE))
		return MLAB_E_ARG;
	if (len > UINT32_MAX)
		return MLAB_E_TOO_LONG;
	/* Room for the largest thing one frame can turn into, checked before
	 * anything changes, so that a short buffer never costs the attack. */
	if (out->cap < out->len || out->cap - out->len < DHMITM_OUT_ROOM(len))
		return MLAB_E_NOSPACE;
	start = out->len;
	if (m->st == ST_TRANSPARENT)
		return put_raw(out, type, body, len);
	if (type == MLAB_MSG_ALERT) {
		/* Whatever the state: the peer aborts, the other one should know. */
		on_alert(m, dir, body, len);
		return put_raw(out, type, body, len);
	}
	was = m->st;
	if ((e = step(m, dir, type, body, len, out)) == 0)
		return 0;
	out->len = start;
	give_up(m, dir, type, e, was);
	return put_raw(out, type, body, len);
}
