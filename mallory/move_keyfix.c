/* Move "keyfix": key fixing, Cryptopals set 5 challenge 34 — lessons 11
 * (succeeds) and 12 (blocked by share validation); `--key-fixing`.
 *
 * Instead of a share of her own, each peer gets p (finite-field groups) or
 * the all-zero point (X25519). Whatever private key the peer has, p^x mod p
 * is 0 and X25519 of a low-order point is all zero: both secrets are known
 * without any key, so she needs no key pair at all. A peer that checks the
 * range of a received share (2 <= y <= p-2) or refuses an all-zero X25519
 * result stops it (share-range, share-low-order). */
#include <string.h>

#include "dhmitm_core.h"

static bool wanted(const struct dhmitm_config *cfg)
{
	return cfg->key_fixing;
}

static int make_share(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	return dhmitm_forced_share(dhmitm_leg_group(m, l), false, l->own_share, &l->own_share_len);
}

/* What the peer computes from her share, y^x = 0: a zero secret of the
 * group's length. */
static int secret(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	l->secret_len = dhmitm_leg_group(m, l)->share_len;
	memset(l->secret, 0, l->secret_len);
	return 0;
}

const struct dhmitm_move dhmitm_move_keyfix = {
    .name = "keyfix",
    .wanted = wanted,
    .make_share = make_share,
    .secret = secret,
};
