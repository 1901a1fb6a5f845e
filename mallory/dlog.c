/* Mallory's discrete-logarithm solver: from a public share y = g^x mod p she
 * recovers the private exponent x, for the WEAK lab groups of
 * lib/mlab_group_lab.c (p of at most 64 bits).
 *
 * The math, for a trainee
 * -----------------------
 * Diffie-Hellman in a finite field works in the multiplicative group mod a
 * prime p. The generator g has order q (g^q = 1 mod p, and q is the smallest
 * such exponent), so the private key x only matters mod q and the public share
 * is y = g^x mod p. Computing y from x takes ~log2(q) multiplications;
 * going back — the discrete logarithm — has no known shortcut in a generic
 * group. The tools below are all "generic": they only multiply and compare
 * group elements, and their cost depends on q, not on p.
 *
 * 1. Pohlig-Hellman: divide and conquer over the factors of q.
 *    If q = r1^e1 * r2^e2 * ..., it is enough to know x mod each ri^ei: the
 *    Chinese remainder theorem glues those back into x mod q. To get x mod r
 *    (r prime), raise everything to q/r: gamma = g^(q/r) has order r, and
 *    h = y^(q/r) = gamma^x = gamma^(x mod r). That is a discrete logarithm in
 *    a group of only r elements. The higher digits (x mod r^2, r^3 ...) come
 *    the same way after dividing out the digits already known:
 *        h_k = (y * g^-(x mod r^k))^(q / r^(k+1)) = gamma^(k-th base-r digit).
 *    So the cost is set by the LARGEST prime factor of q. That is why real
 *    groups use a prime q (the ffdhe groups and our lab-32/lab-48 are safe
 *    primes p = 2q + 1), and why lab-64-smooth, whose order p-1 factors into
 *    primes below 2^16, falls in milliseconds although p has 64 bits.
 *
 * 2. Baby-step giant-step (Shanks), for one prime r of moderate size.
 *    Write the unknown d = i*m + j with m = ceil(sqrt(r)) and 0 <= i, j < m.
 *    gamma^d = h  <=>  gamma^j = h * (gamma^-m)^i.
 *    Store the m "baby steps" gamma^0 .. gamma^(m-1) in a hash table, then
 *    walk the "giant steps" h, h*gamma^-m, h*gamma^-2m ... until one is in
 *    the table. Time and memory ~ sqrt(r). Used when r < 2^36 (a table of at
 *    most 2^18 entries).
 *
 * 3. Pollard rho, for a larger prime r: the same sqrt(r) time, no memory.
 *    Walk pseudo-randomly through elements X = gamma^A * h^B whose exponents
 *    A, B we keep track of: the next element is X * M[k], where k is taken
 *    from the bits of X and the 32 multipliers M[k] = gamma^a_k * h^b_k were
 *    chosen at random (Teske's r-adding walk). Because the next element only
 *    depends on the current one, and there are only r elements, the walk
 *    must eventually repeat (its path looks like the letter rho). The birthday
 *    paradox says a repeat comes after about sqrt(pi*r/2) steps. Brent's
 *    cycle finding detects it while remembering one single element. At the
 *    repeat
 *        gamma^A1 * h^B1 = gamma^A2 * h^B2, and h = gamma^d, so
 *        A1 + d*B1 = A2 + d*B2 (mod r)  =>  d = (A2 - A1) / (B1 - B2) mod r,
 *    a division that works because r is prime (only B1 = B2 fails: then we
 *    start again with other random multipliers).
 *
 * The real-world lesson: every 2 bits of a prime q double the work. lab-48's
 * 47-bit q needs ~2^24 steps (about a second); a 256-bit q — what ffdhe2048
 * or X25519 give — would need ~2^128, hopeless. The danger is not the
 * algorithm but a group that is too small or whose order is smooth.
 *
 * Arithmetic uses native 64-bit integers (products in 128 bits), since the
 * inner loops of rho run millions of times; the interface takes BIGNUMs.
 * Every group multiplication in a search counts as one step against
 * max_steps. */
#include "dlog.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mlab_err.h"

__extension__ typedef unsigned __int128 u128;
__extension__ typedef __int128 i128;

static uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m)
{
	return (uint64_t)((u128)a * b % m);
}

static uint64_t addmod(uint64_t a, uint64_t b, uint64_t n)
{
	return a >= n - b ? a - (n - b) : a + b;
}

static uint64_t submod(uint64_t a, uint64_t b, uint64_t n)
{
	return a >= b ? a - b : a + (n - b);
}

static uint64_t powmod(uint64_t b, uint64_t e, uint64_t m)
{
	uint64_t r = 1 % m;
	b %= m;
	while (e) {
		if (e & 1)
			r = mulmod(r, b, m);
		b = mulmod(b, b, m);
		e >>= 1;
	}
	return r;
}

/* a^-1 mod n (gcd(a, n) = 1 required; returns 0 otherwise). */
static uint64_t invmod(uint64_t a, uint64_t n)
{
	i128 t = 0, nt = 1, r = n, nr = a % n;
	while (nr != 0) {
		i128 qq = r / nr, tmp;
		tmp = t - qq * nt;
		t = nt;
		nt = tmp;
		tmp = r - qq * nr;
		r = nr;
		nr = tmp;
	}
	if (r != 1)
		return 0;
	if (t < 0)
		t += n;
	return (uint64_t)t;
}

/* Deterministic Miller-Rabin: these bases are enough for every n < 2^64. */
static bool is_prime64(uint64_t n)
{
	static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
	if (n < 2)
		return false;
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
		if (n % bases[i] == 0)
			return n == bases[i];
	uint64_t d = n - 1;
	unsigned s = 0;
	while ((d & 1) == 0) {
		d >>= 1;
		s++;
	}
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		uint64_t x = powmod(bases[i], d, n);
		if (x == 1 || x == n - 1)
			continue;
		bool composite = true;
		for (unsigned k = 1; k < s && composite; k++) {
			x = mulmod(x, x, n);
			composite = x != n - 1;
		}
		if (composite)
			return false;
	}
	return true;
}

struct budget {
	uint64_t used, max;
};

/* Takes one step; false when the budget is exhausted. */
static bool step(struct budget *b)
{
	if (b->used >= b->max)
		return false;
	b->used++;
	return true;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15u);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

/* Baby-step giant-step: d with gamma^d = h, gamma of prime order r. */
static int bsgs(uint64_t gamma, uint64_t h, uint64_t r, uint64_t p, struct budget *b, uint64_t *d)
{
	uint64_t m = 1;
	while (m * m < r)
		m++;
	size_t cap = 1;
	while (cap < 2 * m)
		cap <<= 1;
	/* Open addressing: key 0 marks an empty slot (0 is never a group element). */
	uint64_t *key = calloc(cap, sizeof *key), *val = calloc(cap, sizeof *val);
	int e = MLAB_E_NOMEM;
	if (!key || !val)
		goto out;

	uint64_t cur = 1;
	e = MLAB_E_TIMEOUT;
	for (uint64_t j = 0; j < m; j++) { /* baby steps: gamma^j */
		if (cur == h) {		   /* lucky: d = j directly */
			*d = j;
			e = 0;
			goto out;
		}
		size_t s = (size_t)((cur * 0x9E3779B97F4A7C15u) >> 20) & (cap - 1);
		while (key[s] != 0 && key[s] != cur)
			s = (s + 1) & (cap - 1);
		if (key[s] == 0) {
			key[s] = cur;
			val[s] = j;
		}
		if (!step(b))
			goto out;
		cur = mulmod(cur, gamma, p);
	}
	uint64_t giant = powmod(gamma, r - (m % r), p); /* gamma^-m */
	cur = h;
	for (uint64_t i = 0; i <= m; i++) { /* giant steps: h * gamma^(-m*i) */
		size_t s = (size_t)((cur * 0x9E3779B97F4A7C15u) >> 20) & (cap - 1);
		while (key[s] != 0 && key[s] != cur)
			s = (s + 1) & (cap - 1);
		if (key[s] == cur) {
			*d = (i * m + val[s]) % r;
			e = 0;
			goto out;
		}
		if (!step(b))
			goto out;
		cur = mulmod(cur, giant, p);
	}
	e = MLAB_E_SHARE_SUBGROUP; /* h is not a power of gamma */
out:
	free(key);
	free(val);
	return e;
}

#define RHO_R 32 /* multipliers of the r-adding walk */

/* Pollard rho with an r-adding walk and Brent's cycle detection. */
static int rho(uint64_t gamma, uint64_t h, uint64_t r, uint64_t p, struct budget *b, uint64_t *d)
{
	uint64_t seed = h ^ (r << 1) ^ 0x6D616C6C6F7279u; /* "mallory": reproducible runs */
	uint64_t ma[RHO_R], mb[RHO_R], mul[RHO_R];

	if (h == 1) {
		*d = 0;
		return 0;
	}
	for (unsigned attempt = 0; attempt < 64; attempt++) {
		for (unsigned k = 0; k < RHO_R; k++) {
			ma[k] = splitmix(&seed) % r;
			mb[k] = splitmix(&seed) % r;
			mul[k] = mulmod(powmod(gamma, ma[k], p), powmod(h, mb[k], p), p);
		}
		/* Hare starts at gamma^A * h^B; the tortoise waits at Brent's checkpoints. */
		uint64_t A = splitmix(&seed) % r, B = splitmix(&seed) % r;
		uint64_t X = mulmod(powmod(gamma, A, p), powmod(h, B, p), p);
		uint64_t tX = X, tA = A, tB = B, power = 1, lam = 0;
		for (;;) {
			if (!step(b))
				return MLAB_E_TIMEOUT;
			unsigned k = (unsigned)((X * 0x9E3779B97F4A7C15u) >> 59);
			X = mulmod(X, mul[k], p);
			A = addmod(A, ma[k], r);
			B = addmod(B, mb[k], r);
			if (X == tX)
				break;
			if (++lam == power) { /* Brent: move the tortoise, double the stride */
				tX = X;
				tA = A;
				tB = B;
				power <<= 1;
				lam = 0;
			}
		}
		/* gamma^tA h^tB = gamma^A h^B  =>  d (tB - B) = A - tA (mod r) */
		uint64_t db = submod(tB, B, r);
		if (db == 0)
			continue; /* a useless collision: new random walk */
		uint64_t x = mulmod(submod(A, tA, r), invmod(db, r), r);
		if (powmod(gamma, x, p) == h) {
			*d = x;
			return 0;
		}
	}
	return MLAB_E_SHARE_SUBGROUP;
}

/* The discrete log of h to gamma (order r, prime). */
static int dlog_prime(uint64_t gamma, uint64_t h, uint64_t r, uint64_t p, struct budget *b, uint64_t *d)
{
	if (r < ((uint64_t)1 << 36))
		return bsgs(gamma, h, r, p, b, d);
	return rho(gamma, h, r, p, b, d);
}

struct factor {
	uint64_t r;
	unsigned e;
};

#define MAX_FACTORS 16
#define TRIAL_LIMIT ((uint64_t)1 << 22)

/* q = prod r^e, by trial division with at most one prime left over. */
static int factor_order(uint64_t q, struct factor *f, size_t *nf)
{
	bool prime = is_prime64(q);
	*nf = 0;
	for (uint64_t r = 2; !prime && r < TRIAL_LIMIT && r * r <= q; r += r == 2 ? 1 : 2) {
		if (q % r != 0)
			continue;
		if (*nf == MAX_FACTORS)
			return MLAB_E_ARG;
		f[*nf] = (struct factor){r, 0};
		while (q % r == 0) {
			q /= r;
			f[*nf].e++;
		}
		(*nf)++;
		prime = is_prime64(q); /* only when q changed: MR is not free */
	}
	if (q > 1) {
		if (!is_prime64(q) || *nf == MAX_FACTORS)
			return MLAB_E_ARG; /* a composite with no small factor: not ours */
		f[(*nf)++] = (struct factor){q, 1};
	}
	return 0;
}

static bool bn_to_u64(const BIGNUM *a, uint64_t *v)
{
	uint8_t buf[8];
	if (BN_is_negative(a) || BN_num_bits(a) > 64 || BN_bn2binpad(a, buf, 8) != 8)
		return false;
	*v = 0;
	for (int i = 0; i < 8; i++)
		*v = *v << 8 | buf[i];
	return true;
}

int dlog_solve_ex(const BIGNUM *g, const BIGNUM *y, const BIGNUM *p, const BIGNUM *q, BIGNUM *x_out, uint64_t max_steps,
		  uint64_t *steps_used)
{
	struct budget b = {0, max_steps};
	struct factor f[MAX_FACTORS];
	size_t nf;
	uint64_t G, Y, P, Q;
	int e = MLAB_E_ARG;

	if (steps_used)
		*steps_used = 0;
	if (!g || !y || !p || !q || !x_out || !bn_to_u64(p, &P) || !bn_to_u64(q, &Q) || !bn_to_u64(g, &G) || P < 3 ||
	    !is_prime64(P) || Q < 2 || G < 2 || G >= P || powmod(G, Q, P) != 1)
		return MLAB_E_ARG;
	if (!bn_to_u64(y, &Y) || Y == 0 || Y >= P)
		return MLAB_E_SHARE_RANGE;
	if (powmod(Y, Q, P) != 1)
		return MLAB_E_SHARE_SUBGROUP; /* not in the group generated by g */
	if ((e = factor_order(Q, f, &nf)) != 0)
		return e;
	for (size_t i = 0; i < nf; i++)
		if (powmod(G, Q / f[i].r, P) == 1)
			return MLAB_E_ARG; /* g's order is a proper divisor of q */

	/* Pohlig-Hellman, digit by digit, glued by the CRT into X mod M. */
	uint64_t X = 0, M = 1;
	for (size_t i = 0; i < nf; i++) {
		uint64_t r = f[i].r, gamma = powmod(G, Q / r, P), xi = 0, rk = 1;
		for (unsigned k = 0; k < f[i].e; k++) {
			/* h = (y * g^-xi)^(Q / r^(k+1)); g^-xi = g^(Q - xi) as g^Q = 1 */
			uint64_t h = mulmod(Y, powmod(G, Q - xi, P), P), dgt;
			h = powmod(h, Q / rk / r, P);
			if ((e = dlog_prime(gamma, h, r, P, &b, &dgt)) != 0)
				goto out;
			xi += dgt * rk;
			rk *= r;
		}
		/* CRT: X' = X + M * t with X' = xi (mod rk) */
		uint64_t t = mulmod(submod(xi % rk, X % rk, rk), invmod(M % rk, rk), rk);
		X += M * t;
		M *= rk;
	}
	if (powmod(G, X, P) != Y)
		e = MLAB_E_SHARE_SUBGROUP; /* cannot happen when g has order q */
	else
		e = BN_set_word(x_out, X) ? 0 : MLAB_E_CRYPTO;
out:
	if (steps_used)
		*steps_used = b.used;
	return e;
}

int dlog_solve(const BIGNUM *g, const BIGNUM *y, const BIGNUM *p, const BIGNUM *q, BIGNUM *x_out, uint64_t max_steps)
{
	return dlog_solve_ex(g, y, p, q, x_out, max_steps, NULL);
}
