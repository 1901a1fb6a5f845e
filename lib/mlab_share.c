/* Key shares on the wire (see mlab_share.h). */
#include "mlab_share.h"

#include <string.h>

#include <openssl/crypto.h>

#include "mlab_err.h"

const struct mlab_group *mlab_share_group(uint16_t id, const struct mlab_xgroup *x)
{
	return id == MLAB_GROUP_EXPLICIT ? &x->group : mlab_group_by_id(id);
}

int mlab_share_send(struct mlab_transcript *tr, struct mlab_wr *out, uint16_t group, const struct mlab_xgroup *x,
		    const uint8_t *share, size_t len)
{
	struct mlab_key_share ks = {.group = group, .len = (uint16_t)len, .share = share};
	size_t start = out->len;
	int e;

	if (len > MLAB_MAX_SHARE)
		return MLAB_E_SHARE_LENGTH;
	if (x) {
		ks.p = x->p_bytes;
		ks.p_len = (uint16_t)x->p_len;
		ks.g = x->g_bytes;
		ks.g_len = (uint16_t)x->g_len;
	}
	if ((e = mlab_key_share_encode(out, &ks)) != 0)
		return e;
	return mlab_transcript_out(tr, out, start);
}

int mlab_share_decode(const uint8_t *body, size_t len, uint16_t group, bool from_responder, struct mlab_key_share *ks)
{
	int e;

	if ((e = mlab_key_share_decode(body, len, ks)) != 0)
		return e;
	if (ks->group != group)
		return MLAB_E_SHARE_GROUP;
	ks->from_responder = from_responder;
	/* Explicit parameters travel with the responder's share only. */
	if (ks->group == MLAB_GROUP_EXPLICIT && !from_responder && (ks->p_len || ks->g_len))
		return MLAB_E_BAD_FIELD;
	return 0;
}

bool mlab_share_reflected(const uint8_t *own, size_t own_len, const uint8_t *peer, size_t peer_len)
{
	return own && own_len && own_len == peer_len && CRYPTO_memcmp(own, peer, peer_len) == 0;
}

int mlab_share_accept(const struct mlab_group *g, const struct mlab_key_share *ks, bool validate, const uint8_t *own,
		      size_t own_len, uint8_t *peer, size_t *peer_len)
{
	int e;

	if (!g)
		return MLAB_E_ARG;
	/* Validation off means every check on the share, reflection included:
	 * with g = 1 both honest shares are 1, and the lesson needs that. */
	if (validate && mlab_share_reflected(own, own_len, ks->share, ks->len))
		return MLAB_E_SHARE_REFLECTED;
	if (validate && (e = mlab_dh_check(g, ks->share, ks->len)) != 0)
		return e;
	/* Never reduced or padded, checked or not: another length is another number. */
	if (ks->len != mlab_group_share_len(g, ks->from_responder) || ks->len > MLAB_MAX_SHARE)
		return MLAB_E_SHARE_LENGTH;
	memcpy(peer, ks->share, ks->len);
	*peer_len = ks->len;
	return 0;
}

int mlab_share_signed(const struct mlab_xgroup *x, const uint8_t *share, size_t len, uint8_t *out, size_t cap,
		      size_t *n)
{
	struct mlab_wr w;
	int e;

	mlab_wr_init(&w, out, cap);
	if (!x)
		e = mlab_wr_bytes(&w, share, len);
	else if ((e = mlab_wr_vec16(&w, x->p_bytes, x->p_len)) == 0 &&
		 (e = mlab_wr_vec16(&w, x->g_bytes, x->g_len)) == 0)
		e = mlab_wr_vec16(&w, share, len);
	*n = w.len;
	return e;
}
