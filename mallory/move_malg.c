/* Move "malg": the malicious generator, Cryptopals set 5 challenge 35 —
 * lessons 19-21 (g = 1, p, p-1: succeed), 22 (blocked: alice checks the
 * parameters) and 23 (blocked: alice offers named groups only);
 * `--malicious-g 1|p|p-1`.
 *
 * In explicit-parameter mode (TLS 1.2's ServerDHParams) the group travels
 * with bob's share. She puts "explicit" first in alice's offer and, when bob
 * sends his (p, g), gives alice (p, g') with g' = 1, p or p-1. Every share
 * alice can make is then 1, 0 or ±1, and so is every secret computed from
 * one: bob, getting alice's share (or 1) as hers, computes y^b = y; alice's
 * secret is the same degenerate value. She knows both secrets and breaks
 * nothing. Checking the parameters (safe prime, 2 <= g <= p-2, g^q = 1)
 * refuses g'; named groups leave no generator to replace. */
#include <stdlib.h>
#include <string.h>

#include "dhmitm_core.h"
#include "mlab_err.h"

static const char *const g_names[] = {[DHMITM_G_ONE] = "1", [DHMITM_G_P] = "p", [DHMITM_G_P_MINUS_1] = "p-1"};

enum dhmitm_g dhmitm_g_from_name(const char *s)
{
	for (int i = DHMITM_G_ONE; s && i <= DHMITM_G_P_MINUS_1; i++)
		if (strcmp(s, g_names[i]) == 0)
			return (enum dhmitm_g)i;
	return DHMITM_G_OFF;
}

const char *dhmitm_g_name(enum dhmitm_g g)
{
	return g >= DHMITM_G_ONE && g <= DHMITM_G_P_MINUS_1 ? g_names[g] : "off";
}

static bool wanted(const struct dhmitm_config *cfg)
{
	return cfg->malicious_g != DHMITM_G_OFF;
}

struct malg {
	enum dhmitm_g g; /* alice's g' */
};

static int init(struct dhmitm *m, const struct dhmitm_config *cfg, void **st)
{
	struct malg *s = malloc(sizeof *s);

	(void)m;
	if (!s)
		return MLAB_E_NOMEM;
	s->g = cfg->malicious_g;
	*st = s;
	return 0;
}

static enum dhmitm_g g_of(const void *st)
{
	return ((const struct malg *)st)->g;
}

/* "explicit" first in alice's offer: bob, who allows it, then sends p, g. */
static bool rewrite_hello(struct dhmitm *m, void *st, struct mlab_client_hello *ch)
{
	(void)st;
	if (ch->n_groups != 0 && ch->groups[0] == MLAB_GROUP_EXPLICIT)
		return false;
	uint16_t g[MLAB_MAX_OFFERS] = {MLAB_GROUP_EXPLICIT};
	uint8_t k = 1;
	for (uint8_t i = 0; i < ch->n_groups && k < MLAB_MAX_OFFERS; i++)
		if (ch->groups[i] != MLAB_GROUP_EXPLICIT)
			g[k++] = ch->groups[i];
	memcpy(ch->groups, g, sizeof g);
	ch->n_groups = k;
	mlab_ev_emit(m->ev, "offer-explicit", json_pack("{s:s}", "toward", "bob"),
		     "put \"explicit\" first in alice's group offer, on its way to bob");
	return true;
}

/* Alice's (p, g'): g' = 1, p or p-1, written big-endian in p's length. */
static int alice_params(struct dhmitm *m, void *st, const struct mlab_key_share *ks)
{
	struct mlab_xgroup *bob = &m->xg[DHMITM_BOB];
	uint8_t g[MLAB_MAX_SHARE];
	size_t gl = ks->p_len;
	int e;

	memcpy(g, ks->p, ks->p_len);
	if (g_of(st) == DHMITM_G_ONE) {
		memset(g, 0, gl);
		g[gl - 1] = 1;
	} else if (g_of(st) == DHMITM_G_P_MINUS_1) {
		g[gl - 1] ^= 1; /* p is odd: p-1 clears its lowest bit */
	}
	if ((e = mlab_xgroup_set(&m->xg[DHMITM_ALICE], ks->p, ks->p_len, g, gl)) != 0)
		return e;
	mlab_ev_emit(m->ev, "generator-replaced",
		     json_pack("{s:s,s:s,s:s,s:i}", "toward", "alice", "g", dhmitm_g_name(g_of(st)), "original", bob->g,
			       "bits", (int)bob->group.bits),
		     "replaced bob's generator g = %.16s with g = %s toward alice: every share she can make is "
		     "degenerate",
		     bob->g, dhmitm_g_name(g_of(st)));
	return 0;
}

/* Under her generator alice's share is degenerate by design. */
static bool forces_share(const struct dhmitm *m, const void *st, const struct dhmitm_leg *l)
{
	(void)st;
	return l == &m->leg[DHMITM_ALICE];
}

/* Toward bob: alice's own share, 1 (g' = 1) or 0 (g' = p). For g' = p-1 it is
 * 1 or p-1 by the parity of her key, and bob's power of p-1 would hang on the
 * parity of his: she sends 1, what alice sends for an even key. */
static int make_share(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	const struct dhmitm_leg *a = &m->leg[DHMITM_ALICE];

	if (l == a)
		return DHMITM_NEXT;
	l->own_share_len = a->peer_share_len;
	if (g_of(st) == DHMITM_G_P_MINUS_1) {
		memset(l->own_share, 0, l->own_share_len);
		l->own_share[l->own_share_len - 1] = 1;
	} else {
		memcpy(l->own_share, a->peer_share, a->peer_share_len);
	}
	return 0;
}

/* Bob's leg: bob computes y^b for her y = 1 or 0, which is y itself. */
static int secret(struct dhmitm *m, void *st, struct dhmitm_leg *l)
{
	(void)st;
	if (l == &m->leg[DHMITM_ALICE])
		return DHMITM_NEXT;
	memcpy(l->secret, l->own_share, l->own_share_len);
	l->secret_len = l->own_share_len;
	return 0;
}

const struct dhmitm_move dhmitm_move_malg = {
    .name = "malg",
    .wanted = wanted,
    .init = init,
    .free = free,
    .rewrite_hello = rewrite_hello,
    .alice_params = alice_params,
    .forces_share = forces_share,
    .make_share = make_share,
    .secret = secret,
};
