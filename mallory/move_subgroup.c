/* Move "subgroup": the small-subgroup share — lessons 24 (succeeds) and 25
 * (blocked by share validation); `--small-subgroup`. The small-subgroup
 * confinement of Lim and Lee (CRYPTO '97), Cryptopals set 8 challenge 57 in
 * its smallest form.
 *
 * Toward alice, bob's share is replaced by p-1, the element of order 2:
 * (p-1)^a is 1 or p-1 by the parity of a, so alice's secret is one of two
 * values. Her Finished, a MAC keyed from that secret, verifies under exactly
 * one of them: she learns the secret without solving anything. Bob's leg is
 * the plain swap. Finite-field groups only (X25519 has no such share: she
 * gives up there); the range check (y <= p-2) and the subgroup check
 * (y^q = 1) refuse p-1. */
#include <string.h>

#include "dhmitm_core.h"
#include "mlab_err.h"

static bool wanted(const struct dhmitm_config *cfg)
{
	return cfg->small_subgroup;
}

static bool toward_alice(const struct dhmitm *m, const struct dhmitm_leg *l)
{
	return l == &m->leg[DHMITM_ALICE];
}

static int make_share(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	if (!toward_alice(m, l))
		return DHMITM_NEXT;
	return dhmitm_forced_share(dhmitm_leg_group(m, l), true, l->own_share, &l->own_share_len);
}

/* Alice's secret waits for her Finished. */
static int secret(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	if (!toward_alice(m, l))
		return DHMITM_NEXT;
	l->secret_pending = true;
	return 0;
}

/* 1 or p-1 (her own share toward alice), in p's length: the one alice's
 * Finished verifies under is hers; then that leg's keys are made as usual. */
static int guess_secret(struct dhmitm *m, void *st, struct dhmitm_leg *l, const uint8_t mac[MLAB_MAC_LEN])
{
	(void)st;
	size_t n = l->own_share_len;
	int e;

	if (!toward_alice(m, l))
		return DHMITM_NEXT;
	for (int c = 0; c < 2; c++) {
		if (c == 0) {
			memset(l->secret, 0, n);
			l->secret[n - 1] = 1;
		} else {
			memcpy(l->secret, l->own_share, n);
		}
		l->secret_len = n;
		e = dhmitm_secret_verifies(m, l, mac);
		if (e == MLAB_E_FINISHED)
			continue;
		if (e != 0)
			return e;
		mlab_ev_emit(m->ev, "secret-guessed",
			     json_pack("{s:s,s:i,s:s}", "with", "alice", "candidates", 2, "secret", c ? "p-1" : "1"),
			     "alice's secret is %s: the only one of 2 candidates her Finished verifies under",
			     c ? "p-1" : "1");
		return 0;
	}
	return MLAB_E_FINISHED;
}

const struct dhmitm_move dhmitm_move_subgroup = {
    .name = "subgroup",
    .wanted = wanted,
    .make_share = make_share,
    .secret = secret,
    .guess_secret = guess_secret,
};
