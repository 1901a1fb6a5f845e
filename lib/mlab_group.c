/* The group registry and the checks every group shares. */
#include "mlab_group.h"

#include <string.h>

#include <openssl/crypto.h>

#include "mlab_err.h"
#include "mlab_wire.h"

_Static_assert(sizeof((struct mlab_dh *)0)->pub == MLAB_MAX_SHARE, "a share of any group fits a key pair's pub");

static const struct mlab_group g_x25519 = {.id = MLAB_GROUP_X25519,
					   .name = "x25519",
					   .title = "X25519 (RFC 7748)",
					   .share_len = 32,
					   .bits = 255,
					   .ossl_name = "X25519",
					   .ops = &mlab_x25519_ops,
					   .sec_bits = 128};
static const struct mlab_group g_ffdhe2048 = {.id = MLAB_GROUP_FFDHE2048,
					      .name = "ffdhe2048",
					      .title = "ffdhe2048 (RFC 7919)",
					      .share_len = 256,
					      .bits = 2048,
					      .ossl_name = "ffdhe2048",
					      .ops = &mlab_ffdhe_ops,
					      .sec_bits = 103};
static const struct mlab_group g_ffdhe3072 = {.id = MLAB_GROUP_FFDHE3072,
					      .name = "ffdhe3072",
					      .title = "ffdhe3072 (RFC 7919)",
					      .share_len = 384,
					      .bits = 3072,
					      .ossl_name = "ffdhe3072",
					      .ops = &mlab_ffdhe_ops,
					      .sec_bits = 125};

/* Weak lab groups (see lib/mlab_group_lab.c): after the real groups, never in a
 * default list, weak = true so UIs can mark them. */
static const struct mlab_group g_lab32 = {.id = MLAB_GROUP_LAB32,
					  .name = "lab-32",
					  .title = "lab-32 (WEAK lab group, 32-bit safe prime)",
					  .share_len = 4,
					  .bits = 32,
					  .ops = &mlab_lab_ops,
					  .weak = true,
					  .sec_bits = 16,
					  .modp = &mlab_lab32_modp};
static const struct mlab_group g_lab48 = {.id = MLAB_GROUP_LAB48,
					  .name = "lab-48",
					  .title = "lab-48 (WEAK lab group, 48-bit safe prime)",
					  .share_len = 6,
					  .bits = 48,
					  .ops = &mlab_lab_ops,
					  .weak = true,
					  .sec_bits = 24,
					  .modp = &mlab_lab48_modp};
static const struct mlab_group g_lab64_smooth = {.id = MLAB_GROUP_LAB64_SMOOTH,
						 .name = "lab-64-smooth",
						 .title = "lab-64-smooth (WEAK lab group, 64-bit prime, p-1 smooth)",
						 .share_len = 8,
						 .bits = 64,
						 .ops = &mlab_lab_ops,
						 .weak = true,
						 .sec_bits = 8,
						 .modp = &mlab_lab64_smooth_modp};
/* Explicit parameters: a name for offers and flags only. It has no modp, so
 * no key can be made in it; sessions build their own (struct mlab_xgroup). */
static const struct mlab_group g_explicit = {.id = MLAB_GROUP_EXPLICIT,
					     .name = "explicit",
					     .title = "explicit p, g from the responder (legacy, TLS 1.2 style)",
					     .ops = &mlab_lab_ops};

/* Key-encapsulation groups (lib/mlab_group_kem.c), never in a default list.
 * Security levels: ML-KEM-768 is NIST category 3 (FIPS 203 §8, as AES-192);
 * a hybrid is as strong as its stronger part. */
static const struct mlab_group g_mlkem768 = {.id = MLAB_GROUP_MLKEM768,
					     .name = "mlkem768",
					     .title = "ML-KEM-768 (FIPS 203)",
					     .share_len = 1184,
					     .bits = 768,
					     .ops = &mlab_kem_ops,
					     .sec_bits = 192,
					     .kem = true,
					     .reply_len = 1088};
static const struct mlab_group g_x25519_mlkem768 = {.id = MLAB_GROUP_X25519_MLKEM768,
						    .name = "x25519-mlkem768",
						    .title = "X25519MLKEM768 (hybrid: ML-KEM-768 + X25519)",
						    .share_len = 1184 + 32,
						    .bits = 768,
						    .ops = &mlab_kem_ops,
						    .sec_bits = 192,
						    .kem = true,
						    .reply_len = 1088 + 32,
						    .classical = &g_x25519};
static const struct mlab_group g_lab48_mlkem768 = {
    .id = MLAB_GROUP_LAB48_MLKEM768,
    .name = "lab-48-mlkem768",
    .title = "lab-48-mlkem768 (LAB hybrid: ML-KEM-768 + the WEAK lab-48, a stand-in for X25519MLKEM768)",
    .share_len = 1184 + 6,
    .bits = 768,
    .ops = &mlab_kem_ops,
    .sec_bits = 192,
    .kem = true,
    .reply_len = 1088 + 6,
    .classical = &g_lab48};

static const struct mlab_group *const groups[] = {&g_x25519,   &g_ffdhe2048,	   &g_ffdhe3072,
						  &g_lab32,    &g_lab48,	   &g_lab64_smooth,
						  &g_mlkem768, &g_x25519_mlkem768, &g_lab48_mlkem768};

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

int mlab_dh_keygen_reply(const struct mlab_group *g, struct mlab_dh *dh)
{
	if (!g->kem)
		return mlab_dh_keygen(g, dh);
	memset(dh, 0, sizeof *dh);
	dh->group = g;
	int e = mlab_kem_keygen_reply(g, dh);
	if (e != 0)
		mlab_dh_free(dh);
	return e;
}

size_t mlab_group_share_len(const struct mlab_group *g, bool from_responder)
{
	return g->kem && !from_responder ? g->reply_len : g->share_len;
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
	if (len != g->share_len && (!g->kem || len != g->reply_len))
		return MLAB_E_SHARE_LENGTH;
	return g->ops->check(g, share, len);
}

int mlab_dh_derive(struct mlab_dh *dh, const uint8_t *share, size_t len, bool validate, uint8_t *out, size_t *out_len)
{
	if (!dh->group || !dh->priv)
		return MLAB_E_ARG;
	/* a KEM group: the key holder takes the answer, the answering side the ek */
	if (len != (dh->group->kem && !dh->reply ? dh->group->reply_len : dh->group->share_len))
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
