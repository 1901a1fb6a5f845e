/* Key-encapsulation groups: ML-KEM-768 (FIPS 203, lib/mlab_mlkem.c) alone,
 * and hybrids of it with a classical Diffie-Hellman group, X25519 as in TLS's
 * X25519MLKEM768, or the weak lab-48 as the lab's stand-in (protocol.md §4.3,
 * §10.4).
 *
 * A KEM is not symmetric like Diffie-Hellman: one side makes a key pair and
 * sends its encapsulation key ek, the other encapsulates a fresh secret to it
 * and answers with the ciphertext. In this protocol the responder speaks
 * first (its KeyShare follows its ServerHello), so bob holds the decapsulation
 * key and alice encapsulates: bob's share is ek || classical share, alice's is
 * ciphertext || classical share, and the secret is the ML-KEM secret, then the
 * classical one — the byte order of X25519MLKEM768, the roles of TLS 1.2's
 * server-first key exchange. Both parts feed one key schedule: the session
 * stays secret while either part holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_mlkem.h"

struct kem_priv {
	uint8_t dk[MLAB_MLKEM768_DK_LEN]; /* the first speaker's decapsulation key */
	bool have_dk;
	struct mlab_dh cl; /* the classical part's key pair (hybrids) */
};

int mlab_kem_split(const struct mlab_group *g, const uint8_t *share, size_t len, struct mlab_kem_parts *parts)
{
	size_t cl = g->classical ? g->classical->share_len : 0;

	memset(parts, 0, sizeof *parts);
	if (!g->kem || (len != g->share_len && len != g->reply_len))
		return MLAB_E_SHARE_LENGTH;
	parts->is_ek = len == g->share_len;
	parts->kem = share;
	parts->kem_len = len - cl;
	parts->classical = cl ? share + parts->kem_len : NULL;
	parts->classical_len = cl;
	return 0;
}

const char *mlab_kem_parts_text(const struct mlab_group *g, size_t len, char *buf, size_t n)
{
	if (!g || !g->kem || (len != g->share_len && len != g->reply_len))
		return NULL;
	size_t cl = g->classical ? g->classical->share_len : 0;
	const char *what = len == g->share_len ? "ek" : "ct"; /* encapsulation key or ciphertext */
	if (g->classical)
		snprintf(buf, n, "ML-KEM %s %zu + %s %zu", what, len - cl, g->classical->name, cl);
	else
		snprintf(buf, n, "ML-KEM %s %zu", what, len);
	return buf;
}

static struct kem_priv *priv_new(struct mlab_dh *dh)
{
	struct kem_priv *k = calloc(1, sizeof *k);
	dh->priv = k;
	return k;
}

static int classical_keygen(const struct mlab_group *g, struct kem_priv *k)
{
	return g->classical ? mlab_dh_keygen(g->classical, &k->cl) : 0;
}

/* The first speaker: a fresh ML-KEM key pair and the classical key. */
static int kem_keygen(const struct mlab_group *g, struct mlab_dh *dh)
{
	struct kem_priv *k = priv_new(dh);
	int e;

	if (!k)
		return MLAB_E_NOMEM;
	if ((e = mlab_mlkem768_keygen(dh->pub, k->dk)) != 0 || (e = classical_keygen(g, k)) != 0)
		return e;
	k->have_dk = true;
	memcpy(dh->pub + MLAB_MLKEM768_EK_LEN, k->cl.pub, k->cl.pub_len);
	dh->pub_len = MLAB_MLKEM768_EK_LEN + k->cl.pub_len;
	return 0;
}

/* The answering side: its share waits for the peer's ek (kem_derive). */
int mlab_kem_keygen_reply(const struct mlab_group *g, struct mlab_dh *dh)
{
	struct kem_priv *k = priv_new(dh);

	if (!k)
		return MLAB_E_NOMEM;
	dh->reply = true;
	dh->pub_len = 0;
	return classical_keygen(g, k);
}

/* The checks a received share gets before anything is computed with it:
 * an encapsulation key its FIPS 203 §7.2 modulus check (a ciphertext has no
 * structure to check: a wrong one is caught by implicit rejection, the
 * Finished then failing), and the classical part its group's own checks. */
static int kem_check(const struct mlab_group *g, const uint8_t *share, size_t len)
{
	struct mlab_kem_parts pt;
	int e = mlab_kem_split(g, share, len, &pt);

	if (e == 0 && pt.is_ek)
		e = mlab_mlkem768_check_ek(pt.kem, pt.kem_len);
	if (e == 0 && g->classical)
		e = mlab_dh_check(g->classical, pt.classical, pt.classical_len);
	return e;
}

static int kem_derive(struct mlab_dh *dh, const uint8_t *share, size_t len, bool validate, uint8_t *out,
		      size_t *out_len)
{
	const struct mlab_group *g = dh->group;
	struct kem_priv *k = dh->priv;
	struct mlab_kem_parts pt;
	size_t cl_len = 0;
	int e = mlab_kem_split(g, share, len, &pt);

	if (e != 0)
		return e;
	if (pt.is_ek != dh->reply) /* an ek for the key holder, a ciphertext for the encapsulator */
		return MLAB_E_SHARE_LENGTH;
	if (dh->reply) {
		/* Encaps runs the modulus check itself: FIPS 203 makes it part of
		 * the input, so even a peer that skips share checks does it. */
		if ((e = mlab_mlkem768_encaps(pt.kem, pt.kem_len, dh->pub, out)) != 0)
			return e;
		memcpy(dh->pub + MLAB_MLKEM768_CT_LEN, k->cl.pub, k->cl.pub_len);
		dh->pub_len = MLAB_MLKEM768_CT_LEN + k->cl.pub_len;
	} else if (!k->have_dk) {
		return MLAB_E_ARG;
	} else if ((e = mlab_mlkem768_decaps(k->dk, sizeof k->dk, pt.kem, pt.kem_len, out)) != 0) {
		return e;
	}
	if (g->classical && (e = mlab_dh_derive(&k->cl, pt.classical, pt.classical_len, validate,
						out + MLAB_MLKEM_SS_LEN, &cl_len)) != 0) {
		OPENSSL_cleanse(out, MLAB_MLKEM_SS_LEN);
		return e;
	}
	*out_len = MLAB_MLKEM_SS_LEN + cl_len;
	return 0;
}

static void kem_free(struct mlab_dh *dh)
{
	struct kem_priv *k = dh->priv;
	mlab_dh_free(&k->cl);
	OPENSSL_clear_free(k, sizeof *k);
	dh->priv = NULL;
}

/* No keygen_from: a KEM key pair is not made from a weakened generator here
 * (--weak-rng lessons use the classical groups). */
const struct mlab_group_ops mlab_kem_ops = {
    .keygen = kem_keygen, .check = kem_check, .derive = kem_derive, .free_priv = kem_free};
