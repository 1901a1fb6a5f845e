/* Transcript hash and key schedule (docs/protocol.md §Key schedule).
 *
 *   master   = HKDF-Extract(salt = H(transcript through the initiator's share, and
 *                                  its signature when it signs), IKM = DH secret)
 *   key, iv  = HKDF-Expand(master, "mitmlab v1 c2s key" / "... c2s iv" / "s2c ...")
 *   finished = HKDF-Expand(master, "mitmlab v1 client finished" / "server finished")
 *   key id   = first 4 bytes of SHA-256(master), hex
 *
 * Keys per direction, so a record or Finished reflected back never verifies. */
#ifndef MLAB_KEYSCHED_H
#define MLAB_KEYSCHED_H

#include <stddef.h>
#include <stdint.h>

#include "mlab_crypto.h"

struct mlab_transcript {
	void *md; /* EVP_MD_CTX running SHA-256 over every handshake frame */
};

int mlab_transcript_init(struct mlab_transcript *t);
int mlab_transcript_add(struct mlab_transcript *t, const void *p, size_t n);
/* The hash so far; the running hash goes on. */
int mlab_transcript_hash(const struct mlab_transcript *t, uint8_t out[MLAB_SHA256_LEN]);
void mlab_transcript_free(struct mlab_transcript *t);

struct mlab_dir_keys {
	uint8_t key[MLAB_AEAD_KEY];
	uint8_t iv[MLAB_AEAD_IV];
};

struct mlab_keys {
	uint8_t master[MLAB_SHA256_LEN];
	struct mlab_dir_keys c2s, s2c;
	uint8_t fin_client[MLAB_SHA256_LEN], fin_server[MLAB_SHA256_LEN];
	char key_id[9];
};

int mlab_keysched_derive(const uint8_t *secret, size_t secret_len, const uint8_t th[MLAB_SHA256_LEN],
			 struct mlab_keys *k);
/* HMAC-SHA256(finished key, transcript hash). */
int mlab_finished_mac(const uint8_t fin_key[MLAB_SHA256_LEN], const uint8_t th[MLAB_SHA256_LEN],
		      uint8_t mac[MLAB_SHA256_LEN]);
void mlab_keys_wipe(struct mlab_keys *k);

#endif
