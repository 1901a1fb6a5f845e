/* A peer's randomness: OpenSSL's, or a WEAK seeded PRNG (see mlab_rng.h for
 * the algorithm), and the seed search that breaks the weak one. */
#include "mlab_rng.h"

#include <string.h>

#include <openssl/crypto.h>

#include "mlab_crypto.h"
#include "mlab_err.h"

#define CMP_LEN 16 /* nonce bytes compared: the responder's last 16 may be the sentinel */

static inline uint64_t rotl(uint64_t v, int k)
{
	return (v << k) | (v >> (64 - k));
}

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static inline void seed_state(uint64_t s[4], uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		s[i] = splitmix64(&seed);
}

static inline uint64_t xoshiro_next(uint64_t s[4])
{
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void mlab_rng_os(struct mlab_rng *r)
{
	memset(r, 0, sizeof *r);
	r->kind = MLAB_RNG_OS;
}

void mlab_rng_seeded(struct mlab_rng *r, enum mlab_rng_kind kind, uint64_t seed)
{
	if (kind != MLAB_RNG_PID && kind != MLAB_RNG_TIME) {
		mlab_rng_os(r);
		return;
	}
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->seed = seed;
	seed_state(r->s, seed);
}

int mlab_rng_bytes(struct mlab_rng *r, void *out, size_t n)
{
	uint8_t *o = out;

	if (!r || (!out && n))
		return MLAB_E_ARG;
	if (r->kind != MLAB_RNG_PID && r->kind != MLAB_RNG_TIME)
		return mlab_random(out, n);
	size_t k = n < r->n_left ? n : r->n_left;
	memcpy(o, r->left + sizeof r->left - r->n_left, k);
	r->n_left -= k;
	o += k;
	n -= k;
	for (; n >= 8; o += 8, n -= 8)
		put_le64(o, xoshiro_next(r->s));
	if (n) {
		put_le64(r->left, xoshiro_next(r->s));
		memcpy(o, r->left, n);
		r->n_left = sizeof r->left - n;
	}
	return 0;
}

uint64_t mlab_rng_pid_seed(long pid)
{
	if (pid >= 1 && pid <= MLAB_RNG_PID_MAX)
		return (uint64_t)pid;
	/* Negative pids do not happen; fold them like any other out-of-range value. */
	uint64_t v = (uint64_t)pid - 1;
	return v % MLAB_RNG_PID_MAX + 1;
}

static const char *const kind_names[] = {"os", "pid", "time"};

const char *mlab_rng_kind_name(enum mlab_rng_kind kind)
{
	return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "unknown";
}

int mlab_rng_kind_from_name(const char *name, enum mlab_rng_kind *kind)
{
	for (size_t i = 0; name && i < sizeof kind_names / sizeof kind_names[0]; i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*kind = (enum mlab_rng_kind)i;
			return 0;
		}
	return MLAB_E_ARG;
}

int mlab_dh_keygen_rng(const struct mlab_group *g, struct mlab_rng *rng, struct mlab_dh *dh)
{
	uint8_t priv[MLAB_DH_MAX_PRIV];
	size_t n = mlab_dh_priv_len(g);
	int e;

	if (!g || !rng || !dh)
		return MLAB_E_ARG;
	if (rng->kind != MLAB_RNG_PID && rng->kind != MLAB_RNG_TIME)
		return mlab_dh_keygen(g, dh);
	if (n == 0 || n > sizeof priv) {
		memset(dh, 0, sizeof *dh);
		return MLAB_E_ARG;
	}
	if ((e = mlab_rng_bytes(rng, priv, n)) == 0)
		e = mlab_dh_keygen_from(g, priv, n, dh);
	OPENSSL_cleanse(priv, n);
	return e;
}

void mlab_rng_crack_window(struct mlab_rng_crack *c, enum mlab_rng_kind kind, uint64_t around)
{
	c->kind = kind;
	if (kind == MLAB_RNG_PID) {
		c->lo = 1;
		c->hi = MLAB_RNG_PID_MAX;
		return;
	}
	c->lo = around > MLAB_RNG_TIME_WINDOW ? around - MLAB_RNG_TIME_WINDOW : 0;
	c->hi = around < UINT64_MAX - MLAB_RNG_TIME_WINDOW ? around + MLAB_RNG_TIME_WINDOW : UINT64_MAX;
}

/* The seed's whole stream, as the peer drew it: the nonce, then the key. */
static int confirm(const struct mlab_rng_crack *c, uint64_t seed, const struct mlab_group *g, const uint8_t *share,
		   size_t share_len, struct mlab_dh *dh)
{
	struct mlab_rng r;
	uint8_t skip[32];
	int e;

	mlab_rng_seeded(&r, c->kind, seed);
	if ((e = mlab_rng_bytes(&r, skip, sizeof skip)) != 0 || (e = mlab_dh_keygen_rng(g, &r, dh)) != 0)
		return e;
	OPENSSL_cleanse(&r, sizeof r);
	if (dh->pub_len == share_len && CRYPTO_memcmp(dh->pub, share, share_len) == 0)
		return 0;
	mlab_dh_free(dh);
	return 1;
}

int mlab_rng_crack(const struct mlab_rng_crack *c, const uint8_t nonce[32], const struct mlab_group *g,
		   const uint8_t *share, size_t share_len, uint64_t *seed_out, struct mlab_dh *dh_out, uint64_t *tried)
{
	struct mlab_dh local;
	struct mlab_dh *dh = dh_out ? dh_out : &local;
	uint64_t count = 0;
	int e = 1;

	if (tried)
		*tried = 0;
	if (dh_out)
		memset(dh_out, 0, sizeof *dh_out);
	if (!c || !nonce || !g || !share || (c->kind != MLAB_RNG_PID && c->kind != MLAB_RNG_TIME) || c->lo > c->hi ||
	    c->hi - c->lo >= MLAB_RNG_CRACK_MAX || mlab_dh_priv_len(g) == 0)
		return MLAB_E_ARG;
	if (share_len != g->share_len)
		return MLAB_E_SHARE_LENGTH;

	const uint64_t n0 = get_le64(nonce), n1 = get_le64(nonce + 8);
	_Static_assert(CMP_LEN == 16, "the test below compares two outputs");
	for (uint64_t seed = c->lo;; seed++) {
		uint64_t s[4];
		count++;
		seed_state(s, seed);
		/* Two outputs reject all but about one seed in 2^128. */
		if (xoshiro_next(s) == n0 && xoshiro_next(s) == n1) {
			e = confirm(c, seed, g, share, share_len, dh);
			if (e <= 0) {
				if (e == 0 && seed_out)
					*seed_out = seed;
				break;
			}
		}
		if (seed == c->hi)
			break;
	}
	if (tried)
		*tried = count;
	if (e == 0 && !dh_out)
		mlab_dh_free(&local);
	return e;
}
