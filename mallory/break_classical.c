/* See break_classical.h. */
#include "break_classical.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>

#include "dlog.h"
#include "mlab_err.h"

/* 2^30 steps: minutes at most, far beyond lab-48's ~2^24 (a second). */
#define BREAK_MAX_STEPS (UINT64_C(1) << 30)

/* The discrete log of bob's share y_b, then alice's share to that power:
 * the classical secret, padded to the group's length as the peers have it. */
static int solve(const struct mlab_group *g, const uint8_t *ya, size_t la, const uint8_t *yb, size_t lb,
		 const char *hybrid, struct mlab_ev *ev, uint8_t *out, size_t *out_len)
{
	BIGNUM *p = NULL, *q = NULL, *gen = NULL, *y = NULL, *x = BN_secure_new(), *z = BN_secure_new();
	BN_CTX *ctx = BN_CTX_new();
	uint64_t steps = 0;
	double t0 = mlab_ev_now();
	int e = MLAB_E_NOMEM, n = (int)g->share_len;

	if (!x || !z || !ctx || !(y = BN_bin2bn(yb, (int)lb, NULL)))
		goto out;
	if ((e = mlab_lab_params(g, &p, &q, &gen)) != 0 ||
	    (e = dlog_solve_ex(gen, y, p, q, x, BREAK_MAX_STEPS, &steps)) != 0)
		goto out;
	BN_free(y);
	e = MLAB_E_CRYPTO;
	if (!(y = BN_bin2bn(ya, (int)la, NULL)) || BN_mod_exp(z, y, x, p, ctx) != 1 || BN_bn2binpad(z, out, n) != n)
		goto out;
	*out_len = (size_t)n;
	e = 0;
	double ms = (mlab_ev_now() - t0) * 1e3;
	mlab_ev_emit(ev, "part-broken",
		     json_pack("{s:s,s:s,s:I,s:f}", "group", hybrid ? hybrid : g->name, "part", g->name, "steps",
			       (json_int_t)steps, "ms", ms),
		     "broke the %s part%s%s: the discrete log of bob's share in %.0f ms (%llu steps) gives his "
		     "private key and the %s secret",
		     g->name, hybrid ? " of " : "", hybrid ? hybrid : "", ms, (unsigned long long)steps, g->name);
out:
	BN_free(p);
	BN_free(q);
	BN_free(gen);
	BN_free(y);
	BN_clear_free(x);
	BN_clear_free(z);
	BN_CTX_free(ctx);
	return e;
}

static int held(struct mlab_ev *ev, const char *group, const char *part, const char *detail, char *why, size_t n)
{
	mlab_ev_emit(ev, "part-held", json_pack("{s:s,s:s,s:s}", "group", group, "part", part, "detail", detail),
		     "the %s part of %s held: %s", part, group, detail);
	(void)detail; /* said once, in part-held */
	snprintf(why, n, "the session keys come from every part of %s, and its %s part held", group, part);
	return MLAB_E_NO_KEY;
}

static const char *const KEM_HOLDS =
    "ML-KEM-768 is no discrete logarithm: alice encapsulated a fresh secret to bob's key, the secret never "
    "travelled, and his decapsulation key was wiped after the handshake";
static const char *const OUT_OF_REACH =
    "the lab's stand-in breaks only the WEAK lab groups; a real quantum computer would break it (Shor's "
    "algorithm), the lab's cannot";

int break_classical(const struct mlab_group *g, const uint8_t *share_a, size_t len_a, const uint8_t *share_b,
		    size_t len_b, struct mlab_ev *ev, uint8_t *secret, size_t *secret_len, char *why, size_t n)
{
	struct mlab_kem_parts a, b;
	size_t cl = 0;
	int e;

	if (!g->kem) {
		if (!g->weak || !g->modp)
			return held(ev, g->name, g->name, OUT_OF_REACH, why, n);
		if ((e = solve(g, share_a, len_a, share_b, len_b, NULL, ev, secret, secret_len)) != 0)
			snprintf(why, n, "the discrete log of bob's %s share failed (%s)", g->name, mlab_err_name(e));
		return e;
	}
	if (mlab_kem_split(g, share_a, len_a, &a) != 0 || mlab_kem_split(g, share_b, len_b, &b) != 0 || a.is_ek ||
	    !b.is_ek) {
		snprintf(why, n, "the recorded %s shares have the wrong lengths", g->name);
		return MLAB_E_SHARE_LENGTH;
	}
	/* the classical half first: what the stand-in can do, it does */
	if (g->classical && g->classical->weak && g->classical->modp) {
		uint8_t s[MLAB_MAX_SECRET];
		e = solve(g->classical, a.classical, a.classical_len, b.classical, b.classical_len, g->name, ev, s,
			  &cl);
		OPENSSL_cleanse(s, sizeof s); /* half a secret opens nothing */
		if (e != 0) {
			snprintf(why, n, "the discrete log of bob's %s share failed (%s)", g->classical->name,
				 mlab_err_name(e));
			return e;
		}
	} else if (g->classical) {
		held(ev, g->name, g->classical->name, OUT_OF_REACH, why, n);
	}
	return held(ev, g->name, "mlkem768", KEM_HOLDS, why, n);
}
