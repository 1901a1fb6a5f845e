/* Move "downgrade": the group downgrade of Logjam (Adrian et al., "Imperfect
 * Forward Secrecy: How Diffie-Hellman Fails in Practice", ACM CCS 2015) —
 * lessons 15 (succeeds under the params scope), 16 (blocked: the transcript
 * signature covers the offer), 17 (blocked: bob's minimum strength) and 18
 * (blocked: bob's downgrade sentinel); `--downgrade-group NAME`.
 *
 * Alice's group offer reaches bob as that weak lab group only. She touches
 * nothing else: the shares and bob's signature pass unchanged, so a
 * params-scope signature (nonces and share, as TLS 1.2's ServerKeyExchange)
 * still verifies. Then she does what the weak group is for: the discrete log
 * of bob's share, live (mallory/dlog.c, Pohlig-Hellman and Pollard rho), which
 * gives her bob's private key, both legs' (equal) secret from alice's share,
 * and each side's Finished. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>

#include "dhmitm_core.h"
#include "dlog.h"
#include "mlab_err.h"

struct downgrade {
	uint16_t group; /* the weak group she forces */
	BIGNUM *x_bob;	/* bob's private exponent, solved live, until the secrets are made */
};

static bool wanted(const struct dhmitm_config *cfg)
{
	return cfg->downgrade_group != 0;
}

static int init(struct dhmitm *m, const struct dhmitm_config *cfg, void **st)
{
	struct downgrade *s = calloc(1, sizeof *s);

	(void)m;
	if (!s)
		return MLAB_E_NOMEM;
	s->group = cfg->downgrade_group;
	*st = s;
	return 0;
}

static void wipe(void *st)
{
	struct downgrade *s = st;
	if (!s)
		return;
	BN_clear_free(s->x_bob);
	s->x_bob = NULL;
}

static void dg_free(void *st)
{
	wipe(st);
	free(st);
}

/* Only the weak group, if alice offered it among others. */
static bool rewrite_hello(struct dhmitm *m, void *st, struct mlab_client_hello *ch)
{
	struct downgrade *s = st;
	bool offered = false;

	for (uint8_t i = 0; i < ch->n_groups; i++)
		offered |= ch->groups[i] == s->group;
	if (!offered || ch->n_groups <= 1)
		return false;
	ch->groups[0] = s->group;
	ch->n_groups = 1;
	const char *name = mlab_group_name(s->group);
	mlab_ev_emit(m->ev, "offer-downgraded", json_pack("{s:s,s:s}", "group", name, "toward", "bob"),
		     "rewrote alice's group offer to %s only, on its way to bob", name);
	return true;
}

/* A share passes unchanged (a params-scope signature covers it), into both
 * legs' transcripts; it is hers toward the receiver too. */
static int pass_share(struct dhmitm *m, struct dhmitm_leg *from, struct dhmitm_leg *to, const uint8_t *body, size_t len,
		      struct mlab_wr *out)
{
	size_t start = out->len;
	int e;

	if ((e = dhmitm_take_share(m, from, body, len)) != 0 ||
	    (e = dhmitm_put_raw(out, MLAB_MSG_KEY_SHARE, body, len)) != 0)
		return e;
	memcpy(to->own_share, from->peer_share, from->peer_share_len);
	to->own_share_len = from->peer_share_len;
	return mlab_transcript_out(&to->tr, out, start);
}

/* Bob's private exponent from his public share. */
static int solve_bob(struct dhmitm *m, struct downgrade *s)
{
	const struct mlab_group *g = mlab_group_by_id(m->group);
	const struct dhmitm_leg *b = &m->leg[DHMITM_BOB];
	BIGNUM *p = NULL, *q = NULL, *gen = NULL, *y = NULL;
	uint64_t steps = 0;
	double t0 = mlab_ev_now();
	int e = MLAB_E_ARG;

	if (!g || !g->weak || mlab_lab_params(g, &p, &q, &gen) != 0)
		goto out;
	BN_clear_free(s->x_bob);
	if (!(y = BN_bin2bn(b->peer_share, (int)b->peer_share_len, NULL)) || !(s->x_bob = BN_secure_new())) {
		e = MLAB_E_NOMEM;
		goto out;
	}
	/* 2^29 steps is a few seconds here: far more than lab-48 needs (~2^24),
	 * and well inside the peers' time limits (she blocks while solving). */
	if ((e = dlog_solve_ex(gen, y, p, q, s->x_bob, UINT64_C(1) << 29, &steps)) != 0)
		goto out;
	mlab_ev_emit(
	    m->ev, "dlog-solved",
	    json_pack("{s:s,s:I,s:f}", "group", g->name, "steps", (json_int_t)steps, "ms", (mlab_ev_now() - t0) * 1e3),
	    "solved the discrete log of bob's %s share in %.0f ms (%llu steps): his private key is hers", g->name,
	    (mlab_ev_now() - t0) * 1e3, (unsigned long long)steps);
out:
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	BN_free(y);
	return e;
}

/* Both legs' secret: alice's share to bob's (solved) exponent. */
static int both_secrets(struct dhmitm *m, struct downgrade *s)
{
	const struct mlab_group *g = mlab_group_by_id(m->group);
	struct dhmitm_leg *a = &m->leg[DHMITM_ALICE], *b = &m->leg[DHMITM_BOB];
	BIGNUM *p = NULL, *q = NULL, *gen = NULL, *y = NULL, *z = BN_new();
	BN_CTX *ctx = BN_CTX_new();
	int e = MLAB_E_CRYPTO, n = (int)g->share_len;

	if (z && ctx && s->x_bob && mlab_lab_params(g, &p, &q, &gen) == 0 &&
	    (y = BN_bin2bn(a->peer_share, (int)a->peer_share_len, NULL)) && BN_mod_exp(z, y, s->x_bob, p, ctx) == 1 &&
	    BN_bn2binpad(z, a->secret, n) == n) {
		memcpy(b->secret, a->secret, (size_t)n);
		a->secret_len = b->secret_len = (size_t)n;
		e = 0;
	}
	BN_clear_free(z);
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	BN_free(y);
	BN_CTX_free(ctx);
	wipe(s); /* served: bob's private key goes as soon as the secrets are made */
	return e;
}

/* Her turn only when bob took the weak group. */
static int on_share(struct dhmitm *m, void *st, enum dhmitm_dir d, const uint8_t *body, size_t len, struct mlab_wr *out)
{
	struct downgrade *s = st;
	struct dhmitm_leg *src = dhmitm_src(m, d), *dst = dhmitm_dst(m, d);
	int e;

	if (m->group != s->group)
		return DHMITM_NEXT;
	const struct mlab_group *g = mlab_group_by_id(m->group);
	if (g && !g->weak) {
		/* A group she cannot break (x25519, after the hybrid was stripped):
		 * nothing of the session is hers, so everything after bob's share
		 * passes unchanged — and the Finished MACs, over each side's own
		 * transcript, will show the peers their offers differ. */
		if ((e = dhmitm_put_raw(out, MLAB_MSG_KEY_SHARE, body, len)) != 0)
			return e;
		mlab_ev_emit(m->ev, "downgrade-relayed", json_pack("{s:s}", "group", g->name),
			     "%s is beyond my reach: relaying the rest unchanged", g->name);
		dhmitm_wipe_all(m);
		m->st = ST_TRANSPARENT;
		return 0;
	}
	if ((e = pass_share(m, src, dst, body, len, out)) != 0)
		return e;
	return d == DHMITM_TO_ALICE ? solve_bob(m, s) : both_secrets(m, s);
}

const struct dhmitm_move dhmitm_move_downgrade = {
    .name = "downgrade",
    .wanted = wanted,
    .init = init,
    .wipe = wipe,
    .free = dg_free,
    .rewrite_hello = rewrite_hello,
    .on_share = on_share,
};
