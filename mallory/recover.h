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
#include "sniff_stream.h"

struct recover_cfg {
	EVP_PKEY *rsa;	      /* bob's leaked RSA private key, or NULL */
	EVP_PKEY *x25519;     /* bob's leaked static X25519 key, or NULL */
	bool signing_key;     /* the leaked key is bob's Ed25519 signing key: it opens nothing */
	bool crack;	      /* search a weakened generator's seed */
	bool break_classical; /* the stand-in for a quantum computer (break_classical.h) */
	enum mlab_rng_kind crack_kind;
	double now; /* time window centre for crack_kind time: when the traffic was seen */
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
	uint8_t pm_ct[MLAB_MAX_PREMASTER_CT]; /* alice's EncryptedPremaster (kind transport) */
	size_t pm_len;
	struct mlab_keys keys;
	struct mlab_rec rx[2]; /* [0] alice → bob, [1] bob → alice */
	bool fin_checked;
	const char *how; /* how the keys were recovered (a static string) */
	uint64_t records;
	uint8_t pt[MLAB_MAX_PLAINTEXT];
	char hex[2 * MLAB_MAX_PLAINTEXT + 1];
};

int recover_init(struct recover *r);
/* One complete frame of the session; dir 0: alice → bob, 1: bob → alice. A
 * record that opens under the recovered keys is returned in *plain (the
 * session's memory, valid until the next call) with true. Never fails: what
 * cannot be followed ends the recovery with one event. */
bool recover_frame(struct recover *r, const struct recover_cfg *c, int dir, uint8_t type, const uint8_t *body,
		   size_t len, struct sniff_plain *plain);
/* Wipes every key and frees. */
void recover_free(struct recover *r);

/* Every session of a capture or a live sniff, one per sniff_stream slot. */
struct recover_set;
struct recover_set *recover_set_new(const struct recover_cfg *c);
/* A sniff_frame_fn (sniff_stream.h): arg is the set. */
bool recover_set_frame(void *arg, const struct sniff_conn *conn, int dir, uint8_t type, const uint8_t *body, size_t len,
		       struct sniff_plain *plain);
void recover_set_free(struct recover_set *s);
/* When the traffic was seen (seconds since the epoch): the centre of a time
 * seed's search window. */
void recover_set_now(struct recover_set *s, double now);

/* --key FILE for recovery: bob's RSA or static X25519 private key into c; an
 * Ed25519 key is accepted and named (it signs, it never encrypted anything).
 * 0, or MLAB_E_KEYFILE with msg. */
int recover_load_key(const char *path, struct recover_cfg *c, char *msg, size_t n);
void recover_cfg_free(struct recover_cfg *c);

#endif
