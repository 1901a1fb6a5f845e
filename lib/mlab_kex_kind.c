/* Key establishment beyond ephemeral DH (mlab_kex_kind.h). Static: the
 * responder reuses one X25519 key pair for every session, so whoever gets
 * its private key later can compute every recorded session's secret.
 * Transport: the initiator alone chooses the secret and encrypts it to the
 * responder's RSA key — whoever gets that key later decrypts every recorded
 * premaster. Ephemeral keys are wiped after each session: nothing left to
 * steal (forward secrecy). */
#include "mlab_kex_kind.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mlab_err.h"
#include "mlab_rsa.h"

static bool allowed(const struct mlab_kex *k, uint8_t kind)
{
	for (size_t i = 0; i < k->cfg.n_kinds; i++)
		if (k->cfg.kinds[i] == kind)
			return true;
	return false;
}

int mlab_kind_choose(struct mlab_kex *k, const struct mlab_client_hello *ch)
{
	k->kind = 0;
	for (size_t i = 0; i < ch->n_kinds && !k->kind; i++) {
		uint8_t want = ch->kinds[i];
		if (!allowed(k, want))
			continue;
		if (want == MLAB_KIND_STATIC && (!k->cfg.static_key || k->group != MLAB_GROUP_X25519))
			continue;
		if (want == MLAB_KIND_TRANSPORT && !k->cfg.rsa_key)
			continue;
		if (want == MLAB_KIND_EPHEMERAL || want == MLAB_KIND_STATIC || want == MLAB_KIND_TRANSPORT)
			k->kind = want;
	}
	return k->kind ? 0 : MLAB_E_NO_COMMON_KIND;
}

int mlab_kind_static_pair(struct mlab_kex *k)
{
	const struct mlab_group *g = mlab_group_by_id(MLAB_GROUP_X25519);
	size_t n = sizeof k->dh.pub;

	if (!g || EVP_PKEY_up_ref(k->cfg.static_key) != 1)
		return MLAB_E_CRYPTO;
	k->dh.group = g;
	k->dh.priv = k->cfg.static_key; /* our reference: mlab_dh_free drops it, the key stays */
	if (EVP_PKEY_get_raw_public_key(k->cfg.static_key, k->dh.pub, &n) != 1 || n != g->share_len)
		return MLAB_E_CRYPTO;
	k->dh.pub_len = n;
	return 0;
}

int mlab_kind_send_premaster(struct mlab_kex *k, struct mlab_wr *out)
{
	uint8_t ct[MLAB_MAX_PREMASTER_CT];
	struct mlab_premaster m = {.ct = ct};
	size_t n, start = out->len;
	char kid[9] = "-";
	int e;

	if ((e = k->cfg.rng ? mlab_rng_bytes(k->cfg.rng, k->secret, MLAB_PREMASTER_LEN)
			    : mlab_random(k->secret, MLAB_PREMASTER_LEN)) != 0 ||
	    (e = mlab_rsa_encrypt_premaster(k->cfg.peer_rsa, k->secret, ct, sizeof ct, &n)) != 0)
		return e;
	k->secret_len = MLAB_PREMASTER_LEN;
	m.len = (uint16_t)n;
	if ((e = mlab_premaster_encode(out, &m)) != 0 || (e = mlab_transcript_out(&k->tr, out, start)) != 0)
		return e;
	(void)mlab_rsa_key_id(k->cfg.peer_rsa, kid);
	mlab_ev_emit(k->ev, "premaster-sent", json_pack("{s:i,s:s}", "len", (int)n, "rsa_key", kid),
		     "chose a premaster secret and sent it encrypted to RSA key %s (%zu bytes, RSA-OAEP-SHA256)", kid,
		     n);
	return 0;
}

int mlab_kind_take_premaster(struct mlab_kex *k, const uint8_t *body, size_t len)
{
	struct mlab_premaster m;
	int e;

	if ((e = mlab_premaster_decode(body, len, &m)) != 0)
		return e;
	mlab_ev_emit(k->ev, "premaster-received", json_pack("{s:i}", "len", (int)m.len),
		     "received the encrypted premaster (%u bytes)", (unsigned)m.len);
	if ((e = mlab_rsa_decrypt_premaster(k->cfg.rsa_key, m.ct, m.len, k->secret)) != 0)
		return e;
	k->secret_len = MLAB_PREMASTER_LEN;
	return mlab_transcript_frame(&k->tr, MLAB_MSG_PREMASTER, body, len);
}

json_t *mlab_kind_json(const uint8_t *kinds, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++) {
		const char *name = mlab_kind_name(kinds[i]);
		json_array_append_new(a, name ? json_string(name) : json_integer(kinds[i]));
	}
	return a;
}
