/* mallory's Diffie-Hellman man in the middle (`mallory --attack dh-mitm`), at
 * the level of protocol messages: pure code, no I/O.
 *
 * She runs one key exchange with each honest peer. Toward alice she plays the
 * responder, toward bob the initiator:
 *
 *   alice                     mallory                          bob
 *   ClientHello        ------> (recorded) ------------------->
 *                      <------ (recorded) <-------------------  ServerHello
 *   <-- KeyShare(m_a)  <------ keeps bob's share  <-----------  KeyShare(b)
 *   <-- Signature      <------ forwarded, or re-signed <------  [Signature]
 *   KeyShare(a)        ------> keeps alice's share  -------->  KeyShare(m_b) -->
 *   [Signature]        ------> forwarded, or re-signed ----->  [Signature] -->
 *   Finished           ------> checked with K_a, remade ---->  Finished(K_b) -->
 *   <-- Finished(K_a)  <------ checked with K_b, remade <-----  Finished
 *   Record             ------> opened with K_a, read, tampered, sealed with K_b -->
 *
 * So she keeps two transcripts: alice's (the frames as alice sent and saw
 * them) and bob's (as bob sent and saw them), and derives two sets of session
 * keys, each exactly as the honest engine (lib/mlab_kex.c) derives them on
 * that leg: the DH secret as soon as both shares of a leg are known, the keys
 * once that leg's transcript runs through the initiator's KeyShare and, when
 * the initiator signs, its Signature.
 *
 * In mode `none` nothing can detect her: both peers connect, each with another
 * key id, each equal to one of hers. In mode `sign` she tries anyway, and the
 * honest peer's check stops her: forwarding bob's signature fails alice's
 * `signature` check (it covers alice's transcript, which holds mallory's
 * share, not bob's); re-signing with her own key (--forge-key) fails alice's
 * `pinned-key` check. Her events say what she did; the peers' events say which
 * check stopped her (the judge trusts only the latter).
 *
 * With cipher `none` the records carry plaintext, and the same code reads and
 * rewrites them (the record layer then uses no key).
 *
 * Where it lives: this interface and its life cycle, mallory/attack_dhmitm.c;
 * the relay over both legs (state machine, shares, signatures, Finished,
 * records), mallory/dhmitm_core.c, which computes everything a peer computes
 * through lib/ (mlab_transcript, mlab_keysched, mlab_share, mlab_group); one
 * small module per lesson move over it (dhmitm_core.h: a struct of hooks
 * each): move_swap.c (the share swap above), move_strip.c (--strip-auth),
 * move_downgrade.c (--downgrade-group, with the dlog solve of mallory/dlog.c),
 * move_keyfix.c (--key-fixing), move_malg.c (--malicious-g),
 * move_subgroup.c (--small-subgroup), move_forge.c (--forge-key),
 * move_tamper.c (--tamper), move_impersonate.c (--impersonate, --mint).
 *
 * Anything she cannot follow (an unknown type, a frame out of order, a body
 * that does not decode, a Finished or record that does not verify under her
 * keys, a share she cannot use) ends the attack: one "error" event
 * (where "dh-mitm"), her secrets are wiped, and from then on every frame,
 * starting with the offending one, is forwarded unchanged ("transparent").
 *
 * Events (actor mallory; JSON fields), by the file that emits them:
 *   share-swapped       toward ("alice"|"bob"), group, share (hers, hex), replaced (the peer's, hex)  [core]
 *   offer-downgraded    group, toward "bob" — alice's group offer cut to the weak group  [move_downgrade]
 *   dlog-solved         group, steps, ms — bob's private key from his share  [move_downgrade]
 *   offer-explicit      toward "bob" — "explicit" put first in alice's group offer  [move_malg]
 *   generator-replaced  toward "alice", g ("1"|"p"|"p-1"), original (bob's g, hex), bits  [move_malg]
 *   offer-stripped      removed "sign", toward "bob"  [move_strip]
 *   secret-guessed      with "alice", candidates, secret ("1"|"p-1") — small subgroup, from her Finished
 *                       [move_subgroup]
 *   cert-forwarded      toward "alice", n — bob's chain, unchanged (his signature then cannot verify)  [core]
 *   cert-substituted    toward "alice", n, replaced (bob's chain's count), key_id (her leaf's)  [move_impersonate]
 *   signature-forwarded toward, signer_key (key id of the pub in the forwarded message)  [core]
 *   signature-forged    toward, signer_key (her forge key's id), scope  [move_forge]
 *   session-key         key_id, with ("alice"|"bob"), cipher — one per leg  [core]
 *   relay-established   alice_key_id, bob_key_id, cipher — after bob's Finished  [core]
 *   message-read        from, to, seq (the sender's), len, hex (lowercase), text (only if valid UTF-8)  [core]
 *   message-changed     from, to, seq, original_len, len, original_hex, hex, original_text?, text?  [move_tamper]
 *   tamper-skipped      from, to, seq, reason ("too-long": the rewritten text would not fit a record)  [move_tamper]
 *   close-relayed       from, to, seq  [core]
 *   record-replayed     toward "bob", n, seq — --replay-record: alice's Nth record sent twice  [attack_dhmitm.c]
 *   alert-seen          from, to, error, check, code (forwarded unchanged)  [core]
 *   error               (mlab_ev_error, where "dh-mitm") — then transparent  [core]
 */
#ifndef ATTACK_DHMITM_H
#define ATTACK_DHMITM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mlab_buf.h"
#include "mlab_crypto.h"
#include "mlab_event.h"
#include "mlab_kex.h"
#include "mlab_wire.h"

/* The direction a frame travels; the source is the other peer. */
enum dhmitm_dir {
	DHMITM_TO_BOB = 0,   /* from alice */
	DHMITM_TO_ALICE = 1, /* from bob */
};

/* A tamper rule: every occurrence of from (non-empty) in an application
 * message becomes to (may be empty, or longer or shorter than from). */
struct dhmitm_rule {
	const uint8_t *from;
	size_t from_len;
	const uint8_t *to;
	size_t to_len;
};

/* Splits "FROM=>TO" at the first "=>". The rule points into spec (no copy).
 * MLAB_E_ARG when there is no "=>" or FROM is empty. */
int dhmitm_rule_parse(const char *spec, struct dhmitm_rule *r);
/* Applies the rules in order, each to the result of the previous one, into
 * alt (room for MLAB_MAX_PLAINTEXT; tmp: scratch of the same size). 1 when
 * the text changed, 0 when not, MLAB_E_TOO_LONG when the result would not fit
 * a record. Shared by the lab relay (move_tamper.c) and the TLS one. */
int dhmitm_rules_apply(const struct dhmitm_rule *rules, size_t n_rules, const uint8_t *in, size_t n, uint8_t *alt,
		       uint8_t *tmp, size_t *out_n);
/* The message-changed event. */
void dhmitm_report_changed(struct mlab_ev *ev, enum dhmitm_dir d, uint64_t seq, const uint8_t *p, size_t n,
			   const uint8_t *q, size_t qn);

struct dhmitm_config {
	/* Group policy: the groups she attacks. A ServerHello choosing another
	 * one ends the attack (error no-common-group, then transparent). 0
	 * entries: every group the library implements. Each entry must be a
	 * known group id. */
	uint16_t groups[MLAB_MAX_OFFERS];
	size_t n_groups;
	/* Ed25519 private key to re-sign with (a reference is taken), or NULL:
	 * signatures are forwarded unchanged. */
	EVP_PKEY *forge_key;
	/* Mode cert: the chain (leaf first, certifying forge_key) she sends
	 * alice in place of bob's, or NULL: bob's goes on unchanged. */
	const struct mlab_chain *chain;
	/* The scope her forgeries are made under (the honest peers' setting). */
	enum mlab_scope scope;
	/* Tamper rules, applied in order to each data record; copied. */
	const struct dhmitm_rule *rules;
	size_t n_rules;
	/* Key fixing (Cryptopals 34): instead of shares of her own, each peer
	 * gets a share that fixes its secret — p for finite-field groups, the
	 * all-zero point for X25519 — so both secrets are 0 and she needs no
	 * key at all. A peer that validates shares refuses it. */
	bool key_fixing;
	/* Strip the authenticated mode from alice's offer (downgrade to
	 * unauthenticated DH where bob also accepts it). */
	bool strip_auth;
	/* Group downgrade (Logjam): rewrite alice's group offer to this weak
	 * lab group only (if she offered it), leave the shares alone, solve
	 * the discrete log of bob's share live, and read everything. 0: off. */
	uint16_t downgrade_group;
	/* Malicious generator (Cryptopals 35): put "explicit" first in
	 * alice's offer; when bob sends explicit (p, g), alice gets (p, g')
	 * with g' = 1, p or p-1 and a share of hers made with g'. Every share
	 * alice can make is then 1, 0 or p-1, and so is what bob computes from
	 * it: she knows both secrets without breaking anything. A peer that
	 * checks explicit parameters refuses g'; one that offers named groups
	 * only never takes them. DHMITM_G_OFF: off. */
	enum dhmitm_g { DHMITM_G_OFF, DHMITM_G_ONE, DHMITM_G_P, DHMITM_G_P_MINUS_1 } malicious_g;
	/* Small subgroup: alice gets p-1, the element of order 2, as bob's
	 * share, which confines her secret to {1, p-1}; her Finished tells
	 * which. Finite-field groups only; share validation refuses it. */
	bool small_subgroup;
	/* Record replay (0: off): she leaves the handshake alone (transparent
	 * from the start: nothing to swap, nothing to read) and sends alice's
	 * Nth record to bob twice, byte for byte. */
	unsigned replay_record;
};

/* "1", "p", "p-1" to DHMITM_G_*; DHMITM_G_OFF for anything else. */
enum dhmitm_g dhmitm_g_from_name(const char *s);
const char *dhmitm_g_name(enum dhmitm_g g);

struct dhmitm;

/* Creates a man in the middle for one connection, reporting to ev (may be
 * NULL; must outlive it). Returns 0 and *out, or MLAB_E_ARG (bad group id, an
 * empty FROM, too many rules), MLAB_E_NO_KEY (forge key without its private
 * half or not Ed25519), MLAB_E_NOMEM, MLAB_E_CRYPTO. */
int dhmitm_new(struct dhmitm **out, const struct dhmitm_config *cfg, struct mlab_ev *ev);

/* Free space out must have before a call with a body of len bytes: one frame
 * of either that body or the largest record. */
#define DHMITM_OUT_ROOM(len) (MLAB_FRAME_HDR + ((len) > MLAB_MAX_RECORD_BODY ? (len) : MLAB_MAX_RECORD_BODY))

/* One complete frame (type, body of len bytes) travelling in dir. Appends to
 * out the frame(s) to deliver in that same direction (possibly none).
 * Returns 0 — also when she gives up and turns transparent (an "error" event
 * says so) — or, with nothing written and nothing changed:
 * MLAB_E_NOSPACE when out has less than DHMITM_OUT_ROOM(len) free,
 * MLAB_E_TOO_LONG when len does not fit a frame header, MLAB_E_ARG for a
 * NULL argument or an unknown dir. */
int dhmitm_on_frame(struct dhmitm *m, enum dhmitm_dir dir, uint8_t type, const uint8_t *body, size_t len,
		    struct mlab_wr *out);

/* True once she has given up: every frame is then forwarded unchanged. */
bool dhmitm_transparent(const struct dhmitm *m);
/* True once both legs finished their handshake and records are relayed. */
bool dhmitm_relaying(const struct dhmitm *m);
/* The key id of the leg with that peer (TO_BOB: her keys with bob), or NULL
 * before they are derived and after she gave up (her keys are wiped then). */
const char *dhmitm_key_id(const struct dhmitm *m, enum dhmitm_dir toward);
/* The same leg's session keys (for tests: they must equal that peer's). */
const struct mlab_keys *dhmitm_keys(const struct dhmitm *m, enum dhmitm_dir toward);

/* Wipes every secret (DH keys and secrets, session keys, record state,
 * plaintext buffers) and frees. NULL is fine. */
void dhmitm_free(struct dhmitm *m);

#endif
