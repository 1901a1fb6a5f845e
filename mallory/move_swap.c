/* Move "swap": the Diffie-Hellman man in the middle itself — lessons 06
 * (dh-mitm) and 07-09, under every other move (`mallory --attack dh-mitm`).
 *
 * Unauthenticated DH proves nothing about who holds the other key: she makes
 * a fresh key pair per leg and hands each peer her public share in place of
 * the other peer's. Each peer then shares a secret — with her — and every
 * check of its own passes (the Finished MAC is keyed from that secret), so
 * each leg's keys are the peer's and she reads and reseals every record. Only
 * a signature over the share, checked against a key the peer already trusts,
 * shows the share is not the other peer's (lessons 08, 09).
 *
 * It answers last: any move with shares of its own (key fixing, small
 * subgroup, malicious g) goes first. */
#include <string.h>

#include "dhmitm_core.h"
#include "mlab_err.h"

static int own_share(struct dhmitm_leg *l)
{
	if (l->dh.pub_len > sizeof l->own_share)
		return MLAB_E_SHARE_LENGTH;
	memcpy(l->own_share, l->dh.pub, l->dh.pub_len);
	l->own_share_len = l->dh.pub_len;
	return 0;
}

/* In a KEM group she is each peer's other side too: toward alice the key
 * holder (her encapsulation key in place of bob's), toward bob the one who
 * encapsulates — her ciphertext exists only once bob's key is in (secret). */
static int make_share(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	const struct mlab_group *g = dhmitm_leg_group(m, l);
	int e = l == &m->leg[DHMITM_BOB] ? mlab_dh_keygen_reply(g, &l->dh) : mlab_dh_keygen(g, &l->dh);

	return e != 0 ? e : own_share(l);
}

/* The honest computation, checks included — except on a share another move
 * made degenerate on purpose. */
static int secret(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	bool reply = l->dh.reply;
	int e = mlab_dh_derive(&l->dh, l->peer_share, l->peer_share_len, !dhmitm_share_forced(m, l), l->secret,
			       &l->secret_len);
	return e == 0 && reply ? own_share(l) : e;
}

const struct dhmitm_move dhmitm_move_swap = {
    .name = "swap",
    .make_share = make_share,
    .secret = secret,
};
