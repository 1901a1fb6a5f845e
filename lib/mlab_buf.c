/* lib/: shared protocol code for alice, bob and mallory — pure code, no sockets.
 * This file: the bounds-checked reader and writer (see mlab_buf.h). */
#include "mlab_buf.h"

#include <string.h>

#include "mlab_err.h"

void mlab_rd_init(struct mlab_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
}

size_t mlab_rd_left(const struct mlab_rd *r)
{
	return r->len - r->off;
}

static int rd_take(struct mlab_rd *r, size_t n, const uint8_t **p)
{
	if (mlab_rd_left(r) < n)
		return MLAB_E_TRUNCATED;
	*p = r->p + r->off;
	r->off += n;
	return 0;
}

static uint64_t be_load(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int mlab_rd_u8(struct mlab_rd *r, uint8_t *v)
{
	const uint8_t *p;
	int e = rd_take(r, 1, &p);
	if (e == 0)
		*v = p[0];
	return e;
}

int mlab_rd_u16(struct mlab_rd *r, uint16_t *v)
{
	const uint8_t *p;
	int e = rd_take(r, 2, &p);
	if (e == 0)
		*v = (uint16_t)be_load(p, 2);
	return e;
}

int mlab_rd_u32(struct mlab_rd *r, uint32_t *v)
{
	const uint8_t *p;
	int e = rd_take(r, 4, &p);
	if (e == 0)
		*v = (uint32_t)be_load(p, 4);
	return e;
}

int mlab_rd_u64(struct mlab_rd *r, uint64_t *v)
{
	const uint8_t *p;
	int e = rd_take(r, 8, &p);
	if (e == 0)
		*v = be_load(p, 8);
	return e;
}

int mlab_rd_bytes(struct mlab_rd *r, uint8_t *dst, size_t n)
{
	const uint8_t *p;
	int e = rd_take(r, n, &p);
	if (e == 0 && n)
		memcpy(dst, p, n);
	return e;
}

int mlab_rd_view(struct mlab_rd *r, const uint8_t **p, size_t n)
{
	return rd_take(r, n, p);
}

int mlab_rd_vec16(struct mlab_rd *r, const uint8_t **p, size_t *n, size_t max)
{
	struct mlab_rd save = *r;
	uint16_t len;
	int e = mlab_rd_u16(r, &len);
	if (e == 0 && len > max)
		e = MLAB_E_TOO_LONG;
	if (e == 0)
		e = rd_take(r, len, p);
	if (e != 0) {
		*r = save;
		return e;
	}
	*n = len;
	return 0;
}

int mlab_rd_end(const struct mlab_rd *r)
{
	return mlab_rd_left(r) == 0 ? 0 : MLAB_E_TRAILING;
}

void mlab_wr_init(struct mlab_wr *w, uint8_t *p, size_t cap)
{
	w->p = p;
	w->cap = p ? cap : 0;
	w->len = 0;
}

int mlab_wr_reserve(struct mlab_wr *w, uint8_t **p, size_t n)
{
	if (w->cap - w->len < n)
		return MLAB_E_NOSPACE;
	*p = w->p + w->len;
	w->len += n;
	return 0;
}

static int wr_be(struct mlab_wr *w, uint64_t v, size_t n)
{
	uint8_t *p;
	int e = mlab_wr_reserve(w, &p, n);
	if (e != 0)
		return e;
	for (size_t i = n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
	return 0;
}

int mlab_wr_u8(struct mlab_wr *w, uint8_t v)
{
	return wr_be(w, v, 1);
}
int mlab_wr_u16(struct mlab_wr *w, uint16_t v)
{
	return wr_be(w, v, 2);
}
int mlab_wr_u32(struct mlab_wr *w, uint32_t v)
{
	return wr_be(w, v, 4);
}
int mlab_wr_u64(struct mlab_wr *w, uint64_t v)
{
	return wr_be(w, v, 8);
}

int mlab_wr_bytes(struct mlab_wr *w, const void *src, size_t n)
{
	uint8_t *p;
	int e = mlab_wr_reserve(w, &p, n);
	if (e == 0 && n)
		memcpy(p, src, n);
	return e;
}

int mlab_wr_vec16(struct mlab_wr *w, const void *src, size_t n)
{
	if (n > UINT16_MAX)
		return MLAB_E_TOO_LONG;
	if (w->cap - w->len < n + 2)
		return MLAB_E_NOSPACE;
	(void)mlab_wr_u16(w, (uint16_t)n);
	return mlab_wr_bytes(w, src, n);
}
