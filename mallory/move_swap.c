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

static int make_share(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	int e = mlab_dh_keygen(dhmitm_leg_group(m, l), &l->dh);

	if (e != 0)
		return e;
	if (l->dh.pub_len > sizeof l->own_share)
		return MLAB_E_SHARE_LENGTH;
	memcpy(l->own_share, l->dh.pub, l->dh.pub_len);
	l->own_share_len = l->dh.pub_len;
	return 0;
}

/* The honest computation, checks included — except on a share another move
 * made degenerate on purpose. */
static int secret(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	return mlab_dh_derive(&l->dh, l->peer_share, l->peer_share_len, !dhmitm_share_forced(m, l), l->secret,
			      &l->secret_len);
}

const struct dhmitm_move dhmitm_move_swap = {
    .name = "swap",
    .make_share = make_share,
    .secret = secret,
};
