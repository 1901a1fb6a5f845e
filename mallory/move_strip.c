/* Move "strip": offer stripping, a downgrade to unauthenticated DH — lessons
 * 13 (succeeds) and 14 (blocked: alice requires "sign"); `--strip-auth`. The
 * same move as SSL stripping and the SMTP STARTTLS strip: remove the secure
 * option from an offer nobody authenticates.
 *
 * Alice's hello reaches bob without "sign". A bob who also accepts
 * unauthenticated DH picks it, and the plain share swap works. In that mode
 * nothing signed covers the hello, so nobody can notice; the Finished MACs
 * cover it, but each leg's Finished is hers. A peer that offers or accepts
 * only "sign" leaves nothing to strip (then she leaves the offer alone). */
#include <string.h>

#include "dhmitm_core.h"

static bool wanted(const struct dhmitm_config *cfg)
{
	return cfg->strip_auth;
}

static bool rewrite_hello(struct dhmitm *m, void *st, struct mlab_client_hello *ch)
{
	uint8_t kept[MLAB_MAX_OFFERS];
	uint8_t n = 0;

	(void)st;
	for (uint8_t i = 0; i < ch->n_modes; i++)
		if (ch->modes[i] != MLAB_MODE_SIGN)
			kept[n++] = ch->modes[i];
	if (n == ch->n_modes || n == 0)
		return false;
	memcpy(ch->modes, kept, n);
	ch->n_modes = n;
	mlab_ev_emit(m->ev, "offer-stripped", json_pack("{s:s,s:s}", "removed", "sign", "toward", "bob"),
		     "stripped \"sign\" from alice's offer on its way to bob");
	return true;
}

const struct dhmitm_move dhmitm_move_strip = {
    .name = "strip",
    .wanted = wanted,
    .rewrite_hello = rewrite_hello,
};
