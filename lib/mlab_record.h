/* AEAD records (docs/protocol.md §Records).
 *
 * Body: seq (u64) | ciphertext of (content type u8 | data) | tag (16).
 * The sequence number travels in clear so a replay or a gap is named as such,
 * and is also in the nonce (iv XOR seq, RFC 8446 §5.3) and the AAD (frame
 * header + seq), so changing it breaks the tag. Cipher "none" sends the
 * plaintext with no tag: the sniffing scenarios' unprotected mode. */
#ifndef MLAB_RECORD_H
#define MLAB_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "mlab_buf.h"
#include "mlab_keysched.h"

struct mlab_rec {
	unsigned cipher;
	struct mlab_dir_keys k;
	uint64_t seq; /* next to send, or next expected */
};

void mlab_rec_init(struct mlab_rec *r, unsigned cipher, const struct mlab_dir_keys *k);
/* Appends one RECORD frame holding data (at most MLAB_MAX_PLAINTEXT bytes). */
int mlab_rec_seal(struct mlab_rec *r, uint8_t content, const uint8_t *data, size_t len, struct mlab_wr *out);
/* Opens a RECORD body into out (MLAB_MAX_PLAINTEXT bytes); on any error out
 * holds nothing and the expected sequence number does not move. */
int mlab_rec_open(struct mlab_rec *r, const uint8_t *body, size_t len, uint8_t *content, uint8_t *out, size_t *out_len);
void mlab_rec_wipe(struct mlab_rec *r);

#endif
