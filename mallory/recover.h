/* Passive key recovery (issue 12): what mallory can compute for one session
 * she only watched, live or from a recording, with what she has — a leaked
 * long-term key of bob's (his RSA key: every premaster; his static DH key:
 * every static-DH secret) or the seed of a weakened generator she finds by
 * search. Ephemeral DH leaves nothing to recover: the keys that protected the
 * session no longer exist. When she gets the keys, every record is opened as
 * bob or alice would (lib/mlab_record.c) and reported as read. */
#ifndef RECOVER_H
#define RECOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_event.h"
#include "mlab_keysched.h"
#include "mlab_record.h"
#include "mlab_rng.h"
#include "mlab_transcript.h"
#include "mlab_wire.h"

struct recover_cfg {
	EVP_PKEY *rsa;	   /* bob's leaked RSA private key, or NULL */
	EVP_PKEY *x25519;  /* bob's leaked static X25519 key, or NULL */
	bool crack;	   /* search a weakened generator's seed */
	enum mlab_rng_kind crack_kind;
	double now;	   /* time window centre for crack_kind time: when the traffic was seen */
	struct mlab_ev *ev;
};

enum recover_state { RC_HELLO, RC_HANDSHAKE, RC_KEYS, RC_DONE, RC_NONE };

/* One session, followed frame by frame in protocol order. */
struct recover {
	enum recover_state st;
	struct mlab_transcript tr;
	uint8_t nonce_c[MLAB_NONCE_LEN], nonce_s[MLAB_NONCE_LEN];
	uint8_t mode, cipher, kind;
	uint16_t group;
	bool client_auth;
	uint8_t share_a[MLAB_MAX_SHARE], share_b[MLAB_MAX_SHARE];
	size_t share_a_len, share_b_len;
	struct mlab_keys keys;
	struct mlab_rec rx[2]; /* [0] alice → bob, [1] bob → alice */
	bool fin_checked;
	uint64_t records;
	uint8_t pt[MLAB_MAX_PLAINTEXT];
	char hex[2 * MLAB_MAX_PLAINTEXT + 1];
};

int recover_init(struct recover *r);
/* One complete frame of the session; dir 0: alice → bob, 1: bob → alice.
 * Never fails: what cannot be followed ends the recovery with one event. */
void recover_frame(struct recover *r, const struct recover_cfg *c, int dir, uint8_t type, const uint8_t *body,
		   size_t len);
/* Wipes every key and frees. */
void recover_free(struct recover *r);

#endif
