/* See recover.h. The transcript is rebuilt exactly as the peers hashed it,
 * frame by frame (docs/protocol.md §7), so the keys she derives are theirs
 * — and alice's Finished proves it before anything is reported as read. */
#include "recover.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

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
static int find_secret(struct recover *r, const struct recover_cfg *c, const struct mlab_premaster *pm,
		       uint8_t *secret, size_t *secret_len, const char **how, char *why, size_t n)
{
	const struct mlab_group *g = mlab_group_by_id(r->group);
	struct mlab_dh dh = {0};
	uint8_t pub[32];
	size_t pl = sizeof pub;
	int e;

	if (r->kind == MLAB_KIND_TRANSPORT) {
		if (!c->rsa) {
			snprintf(why, n, "key transport: the premaster is encrypted to bob's RSA key, which I do not have");
			return MLAB_E_NO_KEY;
		}
		*how = "leaked-rsa-key";
		*secret_len = MLAB_PREMASTER_LEN;
		return mlab_rsa_decrypt_premaster(c->rsa, pm->ct, pm->len, secret);
	}
	if (!g) {
		snprintf(why, n, "a group I do not know");
		return MLAB_E_ARG;
	}
	if (c->x25519) {
		if (r->kind != MLAB_KIND_STATIC) {
			snprintf(why, n,
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
				mlab_ev_emit(c->ev, "seed-found",
					     json_pack("{s:s,s:s,s:I,s:I}", "who", side ? "bob" : "alice", "rng",
						       mlab_rng_kind_name(c->crack_kind), "seed", (json_int_t)seed, "tried",
						       (json_int_t)tried),
					     "%s's generator: seed %llu (%s) reproduces the nonce and the share, after %llu "
					     "tries — I have the private key",
					     side ? "bob" : "alice", (unsigned long long)seed, mlab_rng_kind_name(c->crack_kind),
					     (unsigned long long)tried);
				e = mlab_dh_derive(&dh, side ? r->share_a : r->share_b, side ? r->share_a_len : r->share_b_len,
						   false, secret, secret_len);
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
static void derive(struct recover *r, const struct recover_cfg *c, const struct mlab_premaster *pm)
{
	uint8_t secret[MLAB_MAX_SECRET];
	size_t n = 0;
	const char *how = "";
	char why[256] = "";
	int e = find_secret(r, c, pm, secret, &n, &how, why, sizeof why);

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
	mlab_ev_emit(c->ev, "session-key", json_pack("{s:s,s:s,s:s,s:s}", "key_id", r->keys.key_id, "with", "alice",
						     "cipher", mlab_cipher_name(r->cipher), "how", how),
		     "recovered the session key %s (%s)", r->keys.key_id, how);
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
		break;
	case MLAB_MSG_FINISHED:
		if (dir == 0 && r->st == RC_KEYS) {
			/* alice's Finished: the proof that these are her keys */
			if ((e = mlab_finished_decode(body, len, &f)) == 0 &&
			    mlab_finished_verify(&r->tr, r->keys.fin_client, f.mac) != 0) {
				give_up(r, c, "the recovered keys are not the session's",
					"alice's Finished does not verify under them (a wrong key, or a tampered recording)");
				return;
			}
			r->fin_checked = e == 0;
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
	bool initiator_done = dir == 0 && ((type == MLAB_MSG_SIGNATURE && r->client_auth) ||
					   ((type == MLAB_MSG_KEY_SHARE || type == MLAB_MSG_PREMASTER) && !r->client_auth));
	if (initiator_done && r->st == RC_HANDSHAKE)
		derive(r, c, type == MLAB_MSG_PREMASTER ? &pm : NULL);
}

static void record(struct recover *r, const struct recover_cfg *c, int dir, const uint8_t *body, size_t len)
{
	uint8_t content;
	size_t n;
	uint64_t seq = r->rx[dir].seq;
	char shown[256];

	if (!r->fin_checked) {
		give_up(r, c, "records before alice's Finished", "the recording misses the end of the handshake");
		return;
	}
	if (mlab_rec_open(&r->rx[dir], body, len, &content, r->pt, &n) != 0) {
		give_up(r, c, "a record does not open", "the recording misses a record, or it was altered");
		return;
	}
	if (content != MLAB_CONTENT_DATA)
		return;
	r->records++;
	json_t *j = json_pack("{s:s,s:s,s:I,s:i}", "from", dir ? "bob" : "alice", "to", dir ? "alice" : "bob", "seq",
			      (json_int_t)seq, "len", (int)n);
	mlab_hex(r->pt, n, r->hex);
	json_object_set_new(j, "hex", json_string(r->hex));
	json_t *t = json_stringn((const char *)r->pt, n);
	if (t)
		json_object_set_new(j, "text", t);
	sniff_printable(r->pt, n, shown, sizeof shown);
	mlab_ev_emit(c->ev, "message-read", j, "decrypted \"%s\" (record #%llu, %s > %s)", shown,
		     (unsigned long long)seq, dir ? "bob" : "alice", dir ? "alice" : "bob");
	OPENSSL_cleanse(r->pt, n);
}

void recover_frame(struct recover *r, const struct recover_cfg *c, int dir, uint8_t type, const uint8_t *body,
		   size_t len)
{
	if (r->st == RC_NONE || r->st == RC_DONE || (dir != 0 && dir != 1))
		return;
	if (type == MLAB_MSG_RECORD) {
		if (r->st == RC_KEYS)
			record(r, c, dir, body, len);
		return;
	}
	if (type == MLAB_MSG_ALERT)
		return;
	handshake(r, c, dir, type, body, len);
}
