/* Where a peer's randomness comes from, and how mallory replays a weak one.
 *
 * Normally a peer's hello nonce and ephemeral private key come from OpenSSL
 * (RAND_bytes, the kind "os"). A WEAKENED peer draws both from a small
 * deterministic PRNG of the lab's own, seeded only by its process id ("pid")
 * or by the time in seconds ("time"). That is the Debian OpenSSL bug of
 * 2006-2008 (CVE-2008-0166): a patch removed every entropy source but the
 * process id, so each key came from one of 2^15 seeds (pid_max was 32768).
 * mallory, purely passive, tries every seed until one reproduces the nonce on
 * the wire, re-makes the private key and decrypts. NEVER use a seeded kind for
 * anything but the lab.
 *
 * The PRNG, exactly (a dissector can reproduce it from this alone). All
 * arithmetic is on u64, wrapping; rotl(v, k) = (v << k) | (v >> (64 - k)).
 *
 *   Seeding (SplitMix64, Steele, Lea and Flood 2014, as in Vigna's
 *   splitmix64.c): with x = seed, four times
 *       x += 0x9e3779b97f4a7c15
 *       z = x
 *       z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
 *       z = (z ^ (z >> 27)) * 0x94d049bb133111eb
 *       s[i] = z ^ (z >> 31)                       (i = 0, 1, 2, 3)
 *   Output (xoshiro256**, Blackman and Vigna 2018, xoshiro256starstar.c):
 *       out = rotl(s[1] * 5, 7) * 9
 *       t = s[1] << 17
 *       s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]
 *       s[2] ^= t; s[3] = rotl(s[3], 45)
 *   Bytes: the outputs in order, each as 8 bytes little-endian. The stream
 *   does not depend on how the calls split it: bytes left over from one call
 *   come first in the next.
 *
 * Seed 0 gives first outputs 0x99ec5f36cb75f2b4, 0xbf6e1f784956452a, so its
 * first bytes are b4 f2 75 cb 36 5f ec 99 2a 45 56 ...
 * (tests/unit/test_rng.c has more).
 *
 * A weakened peer draws, from one generator: its 32-byte hello nonce first,
 * then mlab_dh_priv_len(group) bytes for its private key (mlab_dh_keygen_from
 * in lib/mlab_group.h says how the bytes become a key). The responder's nonce
 * may then carry the downgrade sentinel in its last 16 bytes (protocol.md
 * §5), so only the first 16 are compared when cracking.
 *
 * Seed domains:
 *   pid  — the process id, 1..32768 (MLAB_RNG_PID_MAX). Linux's default
 *          pid_max is 32768 (pids 1..32767) and containers start at 1; the real
 *          Debian bug had the same 15 bits of pid. mlab_rng_pid_seed() folds a
 *          pid from a host with a larger pid_max into that range.
 *   time — seconds since the epoch (time(NULL)) when the generator was seeded;
 *          mallory searches a window around the capture time (±1 h by default).
 */
#ifndef MLAB_RNG_H
#define MLAB_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "mlab_group.h"

enum mlab_rng_kind { MLAB_RNG_OS, MLAB_RNG_PID, MLAB_RNG_TIME };

#define MLAB_RNG_PID_MAX 32768
#define MLAB_RNG_TIME_WINDOW 3600 /* seconds either side of the capture */
/* The largest window mlab_rng_crack searches (about a minute of nonce tests):
 * a bound on what a mistyped option can make it do. */
#define MLAB_RNG_CRACK_MAX (UINT64_C(1) << 32)

struct mlab_rng {
	enum mlab_rng_kind kind;
	uint64_t seed;	 /* seeded kinds: the seed as given; os: 0 */
	uint64_t s[4];	 /* xoshiro256** state */
	uint8_t left[8]; /* bytes of the last output not yet handed out */
	size_t n_left;
};

/* OpenSSL's RAND_bytes (mlab_random): the normal, unweakened kind. */
void mlab_rng_os(struct mlab_rng *r);
/* The PRNG above from seed (kind MLAB_RNG_PID or MLAB_RNG_TIME; any other
 * kind gives mlab_rng_os). */
void mlab_rng_seeded(struct mlab_rng *r, enum mlab_rng_kind kind, uint64_t seed);
/* n bytes into out: 0, or MLAB_E_CRYPTO from RAND_bytes, MLAB_E_ARG for NULLs. */
int mlab_rng_bytes(struct mlab_rng *r, void *out, size_t n);
/* A pid as the pid kind's seed: itself when 1..32768, otherwise folded in as
 * ((pid - 1) mod 32768) + 1, so the seed keeps its 15 bits on any host. */
uint64_t mlab_rng_pid_seed(long pid);

/* "os", "pid", "time"; "unknown" for other values. */
const char *mlab_rng_kind_name(enum mlab_rng_kind kind);
/* The kind of one of those names, or MLAB_E_ARG. */
int mlab_rng_kind_from_name(const char *name, enum mlab_rng_kind *kind);

/* A key pair of group g from r: os → mlab_dh_keygen (OpenSSL's own keygen);
 * seeded kinds → exactly mlab_dh_priv_len(g) bytes from r, then
 * mlab_dh_keygen_from. */
int mlab_dh_keygen_rng(const struct mlab_group *g, struct mlab_rng *rng, struct mlab_dh *dh);

/* The seeds to try: kind pid or time, lo..hi inclusive. */
struct mlab_rng_crack {
	enum mlab_rng_kind kind;
	uint64_t lo, hi; /* seed window, inclusive */
};

/* The default window: pid → 1..32768; time → around ± MLAB_RNG_TIME_WINDOW
 * (clamped at 0 and at UINT64_MAX). */
void mlab_rng_crack_window(struct mlab_rng_crack *c, enum mlab_rng_kind kind, uint64_t around);

/* Finds the seed of a weakened peer from what a passive observer sees: its
 * hello nonce and its key share in group g. For each seed from lo to hi: the
 * PRNG's first 16 bytes against nonce[0..16) (the cheap test: two outputs, no
 * allocation); on a match, the key from the same stream (nonce's 32 bytes
 * skipped, then mlab_dh_keygen_rng) and its public share against share.
 * Returns 0 with *seed_out and the peer's key pair in *dh_out (free it with
 * mlab_dh_free; derive with the other side's share gives the session's
 * secret); 1 when no seed of the window reproduces both (dh_out cleared);
 * MLAB_E_ARG for a window with lo > hi or more than MLAB_RNG_CRACK_MAX seeds, a
 * kind other than pid/time, NULL inputs or a group without keys;
 * MLAB_E_SHARE_LENGTH when share_len is not the group's. *tried counts the
 * seeds tested. seed_out, dh_out and tried may be NULL. */
int mlab_rng_crack(const struct mlab_rng_crack *c, const uint8_t nonce[32], const struct mlab_group *g,
		   const uint8_t *share, size_t share_len, uint64_t *seed_out, struct mlab_dh *dh_out, uint64_t *tried);

#endif
