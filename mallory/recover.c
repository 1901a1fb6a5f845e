/* See recover.h. The transcript is rebuilt exactly as the peers hashed it,
 * frame by frame (docs/protocol.md §7), so the keys she derives are theirs
 * — and alice's Finished proves it before anything is reported as read. */
#include "recover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "break_classical.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_rsa.h"
#include "mlab_share.h"
#include "sniff_stream.h"

int recover_init(struct recover *r)
{
	memset(r, 0, sizeof *r);
	return mlab_transcript_init(&r->tr);
}

void recover_free(struct recover *r)
{
	mlab_transcript_free(&r->tr);
	mlab_keys_wipe(&r->keys);
	mlab_rec_wipe(&r->rx[0]);
	mlab_rec_wipe(&r->rx[1]);
	OPENSSL_cleanse(r, sizeof *r);
}

static void give_up(struct recover *r, const struct recover_cfg *c, const char *why, const char *detail)
{
	r->st = RC_NONE;
	mlab_keys_wipe(&r->keys);
	mlab_ev_emit(c->ev, "keys-unrecovered", json_pack("{s:s,s:s}", "why", why, "detail", detail), "%s: %s", why,
		     detail);
}

static int take_share(struct recover *r, int dir, const uint8_t *body, size_t len)
{
	struct mlab_key_share ks;
	int e = mlab_key_share_decode(body, len, &ks);
	if (e != 0)
		return e;
	if (ks.group != r->group || ks.len > MLAB_MAX_SHARE)
		return MLAB_E_SHARE_GROUP;
	memcpy(dir ? r->share_b : r->share_a, ks.share, ks.len);
	*(dir ? &r->share_b_len : &r->share_a_len) = ks.len;
	return 0;
}

/* The secret of the session, if what she holds opens it: 0 with secret
 * set, or a reason in why. */
static int find_secret(struct recover *r, const struct recover_cfg *c, uint8_t *secret, size_t *secret_len,
		       const char **how, char *why, size_t n)
{
	const struct mlab_group *g = mlab_group_by_id(r->group);
	struct mlab_dh dh = {0};
	uint8_t pub[32];
	size_t pl = sizeof pub;
	int e;

	if (r->kind == MLAB_KIND_TRANSPORT) {
		if (c->break_classical) {
			snprintf(
			    why, n,
			    "key transport: the premaster is encrypted to bob's RSA key; the lab's stand-in solves "
			    "discrete logarithms in the lab groups, not RSA");
			return MLAB_E_NO_KEY;
		}
		if (!c->rsa) {
			snprintf(why, n,
				 "key transport: the premaster is encrypted to bob's RSA key, which I do not have");
			return MLAB_E_NO_KEY;
		}
		if (!r->pm_len) { /* a KeyShare came in its place */
			snprintf(why, n, "key transport, but alice sent no EncryptedPremaster");
			return MLAB_E_UNEXPECTED;
		}
		*how = "leaked-rsa-key";
		*secret_len = MLAB_PREMASTER_LEN;
		return mlab_rsa_decrypt_premaster(c->rsa, r->pm_ct, r->pm_len, secret);
	}
	if (!g) {
		snprintf(why, n, "a group I do not know");
		return MLAB_E_ARG;
	}
	if (c->break_classical) {
		*how = "broken-classical";
		return break_classical(g, r->share_a, r->share_a_len, r->share_b, r->share_b_len, c->ev, secret,
				       secret_len, why, n);
	}
	if ((c->rsa || c->signing_key) && !c->crack && r->kind != MLAB_KIND_TRANSPORT) {
		snprintf(why, n,
			 r->kind == MLAB_KIND_STATIC
			     ? "static DH: the secret comes from bob's static DH key, not from the key that leaked"
			     : "forward secrecy: this session used ephemeral DH; the keys that protected it were wiped "
			       "after the handshake, and bob's leaked long-term key never touched them");
		return MLAB_E_NO_KEY;
	}
	if (c->x25519) {
		if (r->kind != MLAB_KIND_STATIC) {
			snprintf(
			    why, n,
			    "forward secrecy: this session used ephemeral DH, and the key that protected it was wiped "
			    "after the handshake; bob's leaked long-term key never touched it");
			return MLAB_E_NO_KEY;
		}
		if (EVP_PKEY_get_raw_public_key(c->x25519, pub, &pl) != 1 || pl != r->share_b_len ||
		    CRYPTO_memcmp(pub, r->share_b, pl) != 0) {
			snprintf(why, n, "bob's static share in this session is not the leaked key's");
			return MLAB_E_NO_KEY;
		}
		*how = "leaked-static-key";
		dh.group = g;
		dh.priv = c->x25519;
		e = g->ops->derive(&dh, r->share_a, r->share_a_len, false, secret, secret_len);
		return e;
	}
	if (c->crack) {
		struct mlab_rng_crack w;
		uint64_t seed = 0, tried = 0;
		mlab_rng_crack_window(&w, c->crack_kind, (uint64_t)c->now);
		for (int side = 1; side >= 0; side--) { /* bob's generator first, then alice's */
			int f = mlab_rng_crack(&w, side ? r->nonce_s : r->nonce_c, g, side ? r->share_b : r->share_a,
					       side ? r->share_b_len : r->share_a_len, &seed, &dh, &tried);
			if (f < 0) {
				snprintf(why, n, "the seed search failed (%s)", mlab_err_name(f));
				return f;
			}
			if (f == 0) {
				mlab_ev_emit(
				    c->ev, "seed-found",
				    json_pack("{s:s,s:s,s:I,s:I}", "who", side ? "bob" : "alice", "rng",
					      mlab_rng_kind_name(c->crack_kind), "seed", (json_int_t)seed, "tried",
					      (json_int_t)tried),
				    "%s's generator: seed %llu (%s) reproduces the nonce and the share, after %llu "
				    "tries — I have the private key",
				    side ? "bob" : "alice", (unsigned long long)seed, mlab_rng_kind_name(c->crack_kind),
				    (unsigned long long)tried);
				e = mlab_dh_derive(&dh, side ? r->share_a : r->share_b,
						   side ? r->share_a_len : r->share_b_len, false, secret, secret_len);
				mlab_dh_free(&dh);
				*how = "cracked-seed";
				return e;
			}
		}
		snprintf(why, n, "no seed of the %s window reproduces either side's nonce and share: the OS generator",
			 mlab_rng_kind_name(c->crack_kind));
		return MLAB_E_NO_KEY;
	}
	snprintf(why, n, "no leaked key and no weak generator to search");
	return MLAB_E_NO_KEY;
}

/* After the initiator's key material (and signature): her keys, as theirs. */
static void derive(struct recover *r, const struct recover_cfg *c)
{
	uint8_t secret[MLAB_MAX_SECRET];
	size_t n = 0;
	const char *how = "";
	char why[256] = "";
	int e = find_secret(r, c, secret, &n, &how, why, sizeof why);

	if (e == 0)
		e = mlab_keysched_derive_tr(&r->tr, secret, n, &r->keys);
	OPENSSL_cleanse(secret, sizeof secret);
	if (e != 0) {
		give_up(r, c, "cannot recover the session keys", why[0] ? why : mlab_err_text(e));
		return;
	}
	r->st = RC_KEYS;
	mlab_rec_init(&r->rx[0], r->cipher, &r->keys.c2s);
	mlab_rec_init(&r->rx[1], r->cipher, &r->keys.s2c);
	r->how = how; /* reported once alice's Finished proves the keys */
}

static void handshake(struct recover *r, const struct recover_cfg *c, int dir, uint8_t type, const uint8_t *body,
		      size_t len)
{
	struct mlab_client_hello ch;
	struct mlab_server_hello sh;
	struct mlab_premaster pm = {0};
	struct mlab_finished f;
	int e = 0;

	switch (type) {
	case MLAB_MSG_CLIENT_HELLO:
		if (dir != 0 || r->st != RC_HELLO || (e = mlab_client_hello_decode(body, len, &ch)) != 0)
			break;
		memcpy(r->nonce_c, ch.nonce, sizeof r->nonce_c);
		r->st = RC_HANDSHAKE;
		break;
	case MLAB_MSG_SERVER_HELLO:
		if (dir != 1 || (e = mlab_server_hello_decode(body, len, &sh)) != 0)
			break;
		memcpy(r->nonce_s, sh.nonce, sizeof r->nonce_s);
		r->mode = sh.mode;
		r->group = sh.group;
		r->cipher = sh.cipher;
		r->kind = sh.kind;
		r->client_auth = (sh.flags & MLAB_FLAG_CLIENT_AUTH) != 0;
		break;
	case MLAB_MSG_KEY_SHARE:
		e = take_share(r, dir, body, len);
		break;
	case MLAB_MSG_PREMASTER:
		if (dir != 0 || (e = mlab_premaster_decode(body, len, &pm)) != 0)
			break;
		/* Kept: with --mutual the keys come after alice's Signature. */
		memcpy(r->pm_ct, pm.ct, pm.len);
		r->pm_len = pm.len;
		break;
	case MLAB_MSG_FINISHED:
		if (dir == 0 && r->st == RC_KEYS) {
			/* alice's Finished: the proof that these are her keys */
			if ((e = mlab_finished_decode(body, len, &f)) == 0 &&
			    mlab_finished_verify(&r->tr, r->keys.fin_client, f.mac) != 0) {
				give_up(r, c, "the recovered keys are not the session's",
					"alice's Finished does not verify under them (a wrong key, or a tampered "
					"recording)");
				return;
			}
			r->fin_checked = e == 0;
			if (r->fin_checked)
				mlab_ev_emit(c->ev, "session-key",
					     json_pack("{s:s,s:s,s:s,s:s}", "key_id", r->keys.key_id, "with", "alice",
						       "cipher", mlab_cipher_name(r->cipher), "how", r->how),
					     "recovered the session key %s (%s); alice's Finished verifies under it",
					     r->keys.key_id, r->how);
		}
		break;
	default:
		break;
	}
	if (e != 0) {
		give_up(r, c, "cannot follow the handshake", mlab_err_text(e));
		return;
	}
	if (mlab_transcript_frame(&r->tr, type, body, len) != 0) {
		give_up(r, c, "cannot follow the handshake", "transcript");
		return;
	}
	/* The keys are derived where the peers derive them: after the
	 * initiator's share (or premaster), or its signature when it signs. */
	bool initiator_done =
	    dir == 0 && ((type == MLAB_MSG_SIGNATURE && r->client_auth) ||
			 ((type == MLAB_MSG_KEY_SHARE || type == MLAB_MSG_PREMASTER) && !r->client_auth));
	if (initiator_done && r->st == RC_HANDSHAKE)
		derive(r, c);
}

static bool record(struct recover *r, const struct recover_cfg *c, int dir, const uint8_t *body, size_t len,
		   struct sniff_plain *plain)
{
	uint8_t content;
	size_t n;

	if (!r->fin_checked) {
		give_up(r, c, "records before alice's Finished", "the recording misses the end of the handshake");
		return false;
	}
	if (mlab_rec_open(&r->rx[dir], body, len, &content, r->pt, &n) != 0) {
		give_up(r, c, "a record does not open", "the recording misses a record, or it was altered");
		return false;
	}
	r->records++;
	plain->content = content;
	plain->data = r->pt;
	plain->len = n;
	return true;
}

bool recover_frame(struct recover *r, const struct recover_cfg *c, int dir, uint8_t type, const uint8_t *body,
		   size_t len, struct sniff_plain *plain)
{
	if (r->st == RC_NONE || r->st == RC_DONE || (dir != 0 && dir != 1))
		return false;
	if (type == MLAB_MSG_RECORD)
		return r->st == RC_KEYS && record(r, c, dir, body, len, plain);
	if (type != MLAB_MSG_ALERT)
		handshake(r, c, dir, type, body, len);
	return false;
}

struct recover_set {
	struct recover_cfg cfg;
	struct recover *slot[SNIFF_MAX_FLOWS];
	uint64_t id[SNIFF_MAX_FLOWS];
};

struct recover_set *recover_set_new(const struct recover_cfg *c)
{
	struct recover_set *s = calloc(1, sizeof *s);
	if (s)
		s->cfg = *c;
	return s;
}

bool recover_set_frame(void *arg, const struct sniff_conn *conn, int dir, uint8_t type, const uint8_t *body, size_t len,
		       struct sniff_plain *plain)
{
	struct recover_set *s = arg;
	if (!conn || conn->slot >= SNIFF_MAX_FLOWS)
		return false;
	struct recover **r = &s->slot[conn->slot];
	if (*r && s->id[conn->slot] != conn->id) { /* a new connection in this slot */
		recover_free(*r);
		free(*r);
		*r = NULL;
	}
	if (!*r) {
		if (!(*r = malloc(sizeof **r)) || recover_init(*r) != 0) {
			free(*r);
			*r = NULL;
			return false;
		}
		s->id[conn->slot] = conn->id;
	}
	return recover_frame(*r, &s->cfg, dir == SNIFF_C2S ? 0 : 1, type, body, len, plain);
}

void recover_set_now(struct recover_set *s, double now)
{
	s->cfg.now = now;
}

void recover_set_free(struct recover_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < SNIFF_MAX_FLOWS; i++)
		if (s->slot[i]) {
			recover_free(s->slot[i]);
			free(s->slot[i]);
		}
	free(s);
}

int recover_load_key(const char *path, struct recover_cfg *c, char *msg, size_t n)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (k && EVP_PKEY_is_a(k, "RSA")) {
		EVP_PKEY_free(k);
		if (mlab_rsa_load_private(path, &c->rsa) == 0) /* its own checks: size, consistency */
			return 0;
		k = NULL;
	} else if (k && EVP_PKEY_is_a(k, "X25519")) {
		c->x25519 = k;
		return 0;
	} else if (k && EVP_PKEY_is_a(k, "ED25519")) {
		c->signing_key = true;
		EVP_PKEY_free(k);
		return 0;
	}
	EVP_PKEY_free(k);
	snprintf(msg, n, "--key %s: not a private key mallory can use (RSA, X25519 or Ed25519, PEM)", path);
	return MLAB_E_KEYFILE;
}

void recover_cfg_free(struct recover_cfg *c)
{
	EVP_PKEY_free(c->rsa);
	EVP_PKEY_free(c->x25519);
	c->rsa = c->x25519 = NULL;
}
