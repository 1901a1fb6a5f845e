/* Bounds-checked byte reader and writer: the only way untrusted bytes are read.
 *
 * Every getter checks that the whole field is present *before* consuming it, so
 * a failed read leaves the cursor where it was (as OpenSSH's sshbuf does).
 * Functions return 0 or a negative MLAB_E_* code. */
#ifndef MLAB_BUF_H
#define MLAB_BUF_H

#include <stddef.h>
#include <stdint.h>

struct mlab_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

struct mlab_wr {
	uint8_t *p;
	size_t cap;
	size_t len;
};

void mlab_rd_init(struct mlab_rd *r, const uint8_t *p, size_t len);
size_t mlab_rd_left(const struct mlab_rd *r);
int mlab_rd_u8(struct mlab_rd *r, uint8_t *v);
int mlab_rd_u16(struct mlab_rd *r, uint16_t *v);
int mlab_rd_u32(struct mlab_rd *r, uint32_t *v);
int mlab_rd_u64(struct mlab_rd *r, uint64_t *v);
/* Copies exactly n bytes. */
int mlab_rd_bytes(struct mlab_rd *r, uint8_t *dst, size_t n);
/* Points *p at the next n bytes without copying. */
int mlab_rd_view(struct mlab_rd *r, const uint8_t **p, size_t n);
/* A u16 length, then that many bytes (at most max, MLAB_E_TOO_LONG beyond). */
int mlab_rd_vec16(struct mlab_rd *r, const uint8_t **p, size_t *n, size_t max);
/* MLAB_E_TRAILING unless every byte was consumed. */
int mlab_rd_end(const struct mlab_rd *r);

void mlab_wr_init(struct mlab_wr *w, uint8_t *p, size_t cap);
int mlab_wr_u8(struct mlab_wr *w, uint8_t v);
int mlab_wr_u16(struct mlab_wr *w, uint16_t v);
int mlab_wr_u32(struct mlab_wr *w, uint32_t v);
int mlab_wr_u64(struct mlab_wr *w, uint64_t v);
int mlab_wr_bytes(struct mlab_wr *w, const void *src, size_t n);
int mlab_wr_vec16(struct mlab_wr *w, const void *src, size_t n);
/* Reserves n bytes and returns a pointer to them, for in-place encryption. */
int mlab_wr_reserve(struct mlab_wr *w, uint8_t **p, size_t n);

#endif
