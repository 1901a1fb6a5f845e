/* The group registry and the checks every group shares. */
#include "mlab_group.h"

#include <string.h>

#include <openssl/crypto.h>

#include "mlab_err.h"
#include "mlab_wire.h"

static const struct mlab_group g_x25519 = {
    MLAB_GROUP_X25519, "x25519", "X25519 (RFC 7748)", 32, 255, "X25519", &mlab_x25519_ops, false, 128, NULL};
static const struct mlab_group g_ffdhe2048 = {MLAB_GROUP_FFDHE2048,
					      "ffdhe2048",
					      "ffdhe2048 (RFC 7919)",
					      256,
					      2048,
					      "ffdhe2048",
					      &mlab_ffdhe_ops,
					      false,
					      103,
					      NULL};
static const struct mlab_group g_ffdhe3072 = {MLAB_GROUP_FFDHE3072,
					      "ffdhe3072",
					      "ffdhe3072 (RFC 7919)",
					      384,
					      3072,
					      "ffdhe3072",
					      &mlab_ffdhe_ops,
					      false,
					      125,
					      NULL};

/* Weak lab groups (see lib/mlab_group_lab.c): after the real groups, never in a
 * default list, weak = true so UIs can mark them. */
static const struct mlab_group g_lab32 = {
    MLAB_GROUP_LAB32, "lab-32", "lab-32 (WEAK lab group, 32-bit safe prime)", 4, 32, NULL, &mlab_lab_ops, true, 16,
    &mlab_lab32_modp};
static const struct mlab_group g_lab48 = {
    MLAB_GROUP_LAB48, "lab-48", "lab-48 (WEAK lab group, 48-bit safe prime)", 6, 48, NULL, &mlab_lab_ops, true, 24,
    &mlab_lab48_modp};
static const struct mlab_group g_lab64_smooth = {MLAB_GROUP_LAB64_SMOOTH,
						 "lab-64-smooth",
						 "lab-64-smooth (WEAK lab group, 64-bit prime, p-1 smooth)",
						 8,
						 64,
						 NULL,
						 &mlab_lab_ops,
						 true,
						 8,
						 &mlab_lab64_smooth_modp};
/* Explicit parameters: a name for offers and flags only. It has no modp, so
 * no key can be made in it; sessions build their own (struct mlab_xgroup). */
static const struct mlab_group g_explicit = {MLAB_GROUP_EXPLICIT,
					     "explicit",
					     "explicit p, g from the responder (legacy, TLS 1.2 style)",
					     0,
					     0,
					     NULL,
					     &mlab_lab_ops,
					     false,
					     0,
					     NULL};

static const struct mlab_group *const groups[] = {&g_x25519, &g_ffdhe2048, &g_ffdhe3072,
						  &g_lab32,  &g_lab48,	   &g_lab64_smooth};

const struct mlab_group *const *mlab_group_all(size_t *n)
{
	*n = sizeof groups / sizeof groups[0];
	return groups;
}

const struct mlab_group *mlab_group_by_id(uint16_t id)
{
	if (id == MLAB_GROUP_EXPLICIT)
		return &g_explicit;
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (groups[i]->id == id)
			return groups[i];
	return NULL;
}

const struct mlab_group *mlab_group_by_name(const char *name)
{
	if (strcmp(name, g_explicit.name) == 0)
		return &g_explicit;
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
		if (strcmp(groups[i]->name, name) == 0)
			return groups[i];
	return NULL;
}

const char *mlab_group_name(uint16_t id)
{
	const struct mlab_group *g = mlab_group_by_id(id);
	return g ? g->name : "unknown";
}

int mlab_dh_keygen(const struct mlab_group *g, struct mlab_dh *dh)
{
	memset(dh, 0, sizeof *dh);
	dh->group = g;
	int e = g->ops->keygen(g, dh);
	if (e != 0)
		mlab_dh_free(dh);
	return e;
}

size_t mlab_dh_priv_len(const struct mlab_group *g)
{
	return g && g->ops->priv_len ? g->ops->priv_len(g) : 0;
}

int mlab_dh_keygen_from(const struct mlab_group *g, const uint8_t *priv, size_t n, struct mlab_dh *dh)
{
	memset(dh, 0, sizeof *dh);
	size_t want = mlab_dh_priv_len(g);
	if (want == 0 || want > MLAB_DH_MAX_PRIV || n != want || !priv)
		return MLAB_E_ARG;
	dh->group = g;
	int e = g->ops->keygen_from(g, priv, n, dh);
	if (e != 0)
		mlab_dh_free(dh);
	return e;
}

int mlab_dh_check(const struct mlab_group *g, const uint8_t *share, size_t len)
{
	/* Never reduce or pad: a share of another length is another number. */
	if (len != g->share_len)
		return MLAB_E_SHARE_LENGTH;
	return g->ops->check(g, share, len);
}

int mlab_dh_derive(struct mlab_dh *dh, const uint8_t *share, size_t len, bool validate, uint8_t *out, size_t *out_len)
{
	if (!dh->group || !dh->priv)
		return MLAB_E_ARG;
	if (len != dh->group->share_len)
		return MLAB_E_SHARE_LENGTH;
	if (validate) {
		int e = dh->group->ops->check(dh->group, share, len);
		if (e != 0)
			return e;
	}
	return dh->group->ops->derive(dh, share, len, validate, out, out_len);
}

void mlab_dh_free(struct mlab_dh *dh)
{
	if (dh->group && dh->priv)
		dh->group->ops->free_priv(dh);
	OPENSSL_cleanse(dh, sizeof *dh);
}
