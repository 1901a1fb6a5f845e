/* Key schedule and Finished (docs/protocol.md §9), over the transcript of
 * lib/mlab_transcript.h.
 *
 *   master   = HKDF-Extract(salt = H(transcript through the initiator's share, and
 *                                  its signature when it signs), IKM = DH secret)
 *   key, iv  = HKDF-Expand(master, "mitmlab v1 c2s key" / "... c2s iv" / "s2c ...")
 *   finished = HKDF-Expand(master, "mitmlab v1 client finished" / "server finished")
 *   key id   = first 4 bytes of SHA-256(master), hex
 *
 * Keys per direction, so a record or Finished reflected back never verifies.
 *
 * The honest engine (lib/mlab_kex.c) and mallory (one schedule per leg) both
 * derive and check through these functions, so what she computes for a leg is
 * exactly what that leg's peer computes. */
#ifndef MLAB_KEYSCHED_H
#define MLAB_KEYSCHED_H

#include <stddef.h>
#include <stdint.h>

#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_transcript.h"

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

/* Every key from the DH secret and th = TH_keys (on failure k is wiped). */
int mlab_keysched_derive(const uint8_t *secret, size_t secret_len, const uint8_t th[MLAB_SHA256_LEN],
			 struct mlab_keys *k);
/* The same with th taken from tr, which must then run exactly through the
 * initiator's KeyShare and, when it signs, its Signature. The secret is the
 * caller's to wipe. */
int mlab_keysched_derive_tr(const struct mlab_transcript *tr, const uint8_t *secret, size_t secret_len,
			    struct mlab_keys *k);
/* HMAC-SHA256(finished key, transcript hash). */
int mlab_finished_mac(const uint8_t fin_key[MLAB_SHA256_LEN], const uint8_t th[MLAB_SHA256_LEN],
		      uint8_t mac[MLAB_SHA256_LEN]);
/* The Finished MAC over tr as it stands: fin_client for the initiator's,
 * fin_server for the responder's. */
int mlab_finished_compute(const struct mlab_transcript *tr, const uint8_t fin_key[MLAB_SHA256_LEN],
			  uint8_t mac[MLAB_SHA256_LEN]);
/* A received MAC against the one computed over tr, in constant time:
 * 0 or MLAB_E_FINISHED (or MLAB_E_CRYPTO). tr is left as it was. */
int mlab_finished_verify(const struct mlab_transcript *tr, const uint8_t fin_key[MLAB_SHA256_LEN],
			 const uint8_t mac[MLAB_SHA256_LEN]);
/* Writes our Finished frame over tr to out and adds it to tr. */
int mlab_finished_send(struct mlab_transcript *tr, const uint8_t fin_key[MLAB_SHA256_LEN], struct mlab_wr *out);
void mlab_keys_wipe(struct mlab_keys *k);

#endif
