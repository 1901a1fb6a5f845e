/* Move "forge": re-signing with her own key — lesson 09 (blocked: alice's
 * pinned-key check), and, when a peer was fooled into pinning her key, the
 * signed relay that works; `--forge-key FILE`.
 *
 * A signature proves possession of a private key over what it covers. She
 * cannot make bob's signature over alice's transcript (which holds her share,
 * not bob's), but she can make her own, over exactly what the receiver will
 * verify: its transcript so far, or in the params scope the nonces and her
 * share (with explicit p and g when she plays the responder,
 * mlab_share_signed). The signature verifies; what stops her is only the
 * pin: the key that signed is not the key the receiver trusts. Her events
 * say what she did; the peers' say which check stopped her. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "dhmitm_core.h"
#include "mlab_err.h"
#include "mlab_kex.h"
#include "mlab_share.h"

struct forge {
	EVP_PKEY *key; /* her Ed25519 private key (a reference) */
	uint8_t pub[MLAB_ED25519_PUB];
	char kid[9];
	enum mlab_scope scope; /* the honest peers' setting */
};

static bool wanted(const struct dhmitm_config *cfg)
{
	return cfg->forge_key != NULL;
}

static void forge_free(void *st)
{
	struct forge *s = st;
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	OPENSSL_cleanse(s, sizeof *s);
	free(s);
}

static int init(struct dhmitm *m, const struct dhmitm_config *cfg, void **st)
{
	struct forge *s = calloc(1, sizeof *s);
	size_t n = 0;

	(void)m;
	if (!s)
		return MLAB_E_NOMEM;
	s->scope = cfg->scope;
	/* She must be able to sign: a private Ed25519 key. */
	if (EVP_PKEY_get_raw_private_key(cfg->forge_key, NULL, &n) != 1 || n != 32 ||
	    mlab_ed25519_raw_public(cfg->forge_key, s->pub) != 0 || mlab_key_id(s->pub, sizeof s->pub, s->kid) != 0) {
		forge_free(s);
		return MLAB_E_NO_KEY;
	}
	if (EVP_PKEY_up_ref(cfg->forge_key) != 1) {
		forge_free(s);
		return MLAB_E_CRYPTO;
	}
	s->key = cfg->forge_key;
	*st = s;
	return 0;
}

/* What the receiver on leg dst verifies: its transcript through her share,
 * or the nonces and her share as her KeyShare carried it (params scope). */
static int on_signature(struct dhmitm *m, void *st, enum dhmitm_dir d, struct mlab_wr *out)
{
	struct forge *s = st;
	struct dhmitm_leg *src = dhmitm_src(m, d), *dst = dhmitm_dst(m, d);
	enum mlab_role signer = d == DHMITM_TO_ALICE ? MLAB_RESPONDER : MLAB_INITIATOR;
	bool params = m->group == MLAB_GROUP_EXPLICIT && signer == MLAB_RESPONDER;
	struct mlab_signature sig = {.scheme = MLAB_SIG_ED25519};
	uint8_t th[MLAB_SHA256_LEN], tbs[MLAB_TBS_MAX], share[MLAB_SIGNED_SHARE_MAX];
	size_t n, share_len, start = out->len;
	int e;

	memcpy(sig.pub, s->pub, sizeof sig.pub);
	if ((e = mlab_transcript_hash(&dst->tr, th)) != 0 ||
	    (e = mlab_share_signed(params ? &m->xg[DHMITM_ALICE] : NULL, dst->own_share, dst->own_share_len, share,
				   sizeof share, &share_len)) != 0 ||
	    (e = mlab_kex_tbs(s->scope, signer, th, m->nonce_c, m->nonce_s, share, share_len, tbs, &n)) != 0 ||
	    (e = mlab_ed25519_sign(s->key, tbs, n, sig.sig)) != 0 || (e = mlab_signature_encode(out, &sig)) != 0 ||
	    (e = mlab_transcript_out(&dst->tr, out, start)) != 0)
		return e;
	mlab_ev_emit(
	    m->ev, "signature-forged",
	    json_pack("{s:s,s:s,s:s}", "toward", dst->peer, "signer_key", s->kid, "scope", mlab_scope_name(s->scope)),
	    "replaced %s's signature with mine (key %s) toward %s", src->peer, s->kid, dst->peer);
	return 0;
}

const struct dhmitm_move dhmitm_move_forge = {
    .name = "forge",
    .wanted = wanted,
    .init = init,
    .free = forge_free,
    .on_signature = on_signature,
};
