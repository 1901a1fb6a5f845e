/* Move "impersonate": mode cert, her chain toward alice in place of bob's —
 * `--impersonate CHAIN:KEY` (a self-signed bob.lab, a rogue root's, a stolen
 * expired one, a real one for another name...) or `--mint CA-KEY:CA-CERT` (a
 * bob.lab leaf she issued herself with a stolen CA key, active.c). Her
 * signature over alice's transcript, which now holds her chain, is the forge
 * move's (the chain's key is her forge key). Which of alice's checks stops
 * her — issuer, validity, name, usage — is the lesson; with the CA's own key
 * none does. Toward bob she is an ordinary client: he never asks for a
 * certificate. */
#include "dhmitm_core.h"
#include "mlab_cert.h"
#include "mlab_err.h"

static bool wanted(const struct dhmitm_config *cfg)
{
	return cfg->chain != NULL;
}

static int init(struct dhmitm *m, const struct dhmitm_config *cfg, void **st)
{
	(void)m;
	/* Without a key to sign with, her chain would only prove bob's absence. */
	if (!cfg->forge_key || cfg->chain->n == 0)
		return MLAB_E_NO_KEY;
	*st = (void *)cfg->chain;
	return 0;
}

static int on_certificate(struct dhmitm *m, void *st, const struct mlab_certificate *bobs, struct mlab_wr *out)
{
	const struct mlab_chain *c = st;
	struct mlab_certificate mine;
	uint8_t pub[MLAB_ED25519_PUB];
	char kid[9] = "-";
	size_t start = out->len;
	int e;

	mlab_chain_msg(c, &mine);
	if ((e = mlab_certificate_encode(out, &mine)) != 0 ||
	    (e = mlab_transcript_out(&m->leg[DHMITM_ALICE].tr, out, start)) != 0)
		return e;
	if (mlab_chain_leaf_pub(c, pub) == 0)
		(void)mlab_key_id(pub, sizeof pub, kid);
	mlab_ev_emit(m->ev, "cert-substituted",
		     json_pack("{s:s,s:i,s:i,s:s}", "toward", "alice", "n", (int)mine.n, "replaced", (int)bobs->n,
			       "key_id", kid),
		     "sent alice my certificate chain (%u certificates, leaf key %s) instead of bob's",
		     (unsigned)mine.n, kid);
	return 0;
}

const struct dhmitm_move dhmitm_move_impersonate = {
    .name = "impersonate",
    .wanted = wanted,
    .init = init,
    .on_certificate = on_certificate,
};
