/* make bench, part 9: what checking explicit parameters costs an initiator
 * (mlab_xgroup_check, docs/protocol.md §3.3), against the reference of the
 * same invocation: OpenSSL's BN_check_prime on p and on q, the test the lab
 * used before the check was bounded. Cases: the known groups with their own
 * g (recognised by value: nothing computed) and with another g (one
 * exponentiation); RFC 3526's 2048-bit MODP prime, which the lab does not
 * name (the whole bounded test); its 3072-bit one (refused by size).
 * Asserts nothing about speed; exits non-zero only when a check gives
 * another answer than the one its case expects. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/bn.h>

#include "bench_util.h"
#include "mlab_err.h"
#include "mlab_group.h"
#include "mlab_wire.h"

#define MAX_RUNS 200

struct bcase {
	const char *what;
	BIGNUM *p;
	unsigned g;
	int want;
	int runs;
};

/* Times mlab_xgroup_set + mlab_xgroup_check on (p, g) runs times. */
static int time_check(const struct bcase *c, double *t)
{
	struct mlab_xgroup *x = malloc(sizeof *x);
	uint8_t pb[MLAB_MAX_EXPLICIT_P], g = (uint8_t)c->g;
	int n = BN_bn2bin(c->p, pb), bad = 0;

	if (!x)
		return 1;
	for (int i = 0; i < c->runs; i++) {
		double t0 = bench_now_us();
		int e = mlab_xgroup_set(x, pb, (size_t)n, &g, 1);
		if (e == 0)
			e = mlab_xgroup_check(x);
		t[i] = bench_now_us() - t0;
		if (e != c->want) {
			fprintf(stderr, "bench_explicit: %s: %s, expected %s\n", c->what, mlab_err_name(e),
				c->want ? mlab_err_name(c->want) : "accepted");
			bad = 1;
		}
	}
	free(x);
	return bad;
}

/* The old check's primality tests: BN_check_prime on p, then on (p-1)/2. */
static double time_reference(const BIGNUM *p, int runs, double *t)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *q = BN_new();
	for (int i = 0; ctx && q && BN_rshift1(q, p) && i < runs; i++) {
		double t0 = bench_now_us();
		if (BN_check_prime(p, ctx, NULL) != 1 || BN_check_prime(q, ctx, NULL) != 1)
			fprintf(stderr, "bench_explicit: the reference says p is not a safe prime\n");
		t[i] = bench_now_us() - t0;
	}
	BN_free(q);
	BN_CTX_free(ctx);
	return bench_median(t, (size_t)runs);
}

int main(void)
{
	static double t[MAX_RUNS];
	BIGNUM *p, *q, *g, *p3, *modp2048 = BN_get_rfc3526_prime_2048(NULL),
				*modp3072 = BN_get_rfc3526_prime_3072(NULL);
	int bad = 0;

	if (mlab_group_params(mlab_group_by_id(MLAB_GROUP_FFDHE2048), &p, &q, &g) != 0 || !modp2048 || !modp3072) {
		fprintf(stderr, "bench_explicit: setup failed\n");
		return 1;
	}
	BN_free(q);
	BN_free(g);
	if (mlab_group_params(mlab_group_by_id(MLAB_GROUP_FFDHE3072), &p3, &q, &g) != 0)
		return 1;
	BN_free(q);
	BN_free(g);

	const struct bcase cases[] = {
	    {"ffdhe2048, g = 2 (known by value)", p, 2, 0, MAX_RUNS},
	    {"ffdhe2048, g = 4 (known p: g^q)", p, 4, 0, 50},
	    {"ffdhe3072, g = 2 (known by value)", p3, 2, 0, MAX_RUNS},
	    {"ffdhe3072, g = 4 (known p: g^q)", p3, 4, 0, 30},
	    {"unknown 2048-bit p (RFC 3526 MODP)", modp2048, 2, 0, 15},
	    {"unknown 3072-bit p (RFC 3526 MODP)", modp3072, 2, MLAB_E_PARAMS_COST, MAX_RUNS},
	};
	printf("explicit parameters: what alice's check costs (budget %d ms, unknown p up to %d bits, %d rounds)\n",
	       MLAB_XCHECK_BUDGET_MS, MLAB_XCHECK_MAX_BITS, MLAB_XCHECK_ROUNDS);
	double unknown2048 = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bad |= time_check(&cases[i], t);
		if (cases[i].p == modp2048)
			unknown2048 = bench_median(t, (size_t)cases[i].runs);
		bench_report_us(cases[i].what, t, (size_t)cases[i].runs);
	}
	double ref2048 = time_reference(modp2048, 5, t);
	bench_report_us("reference: BN_check_prime(p) + (q), 2048-bit", t, 5);
	double ref3072 = time_reference(p3, 3, t);
	bench_report_us("reference: BN_check_prime(p) + (q), 3072-bit", t, 3);
	printf("  unknown 2048-bit p: %.1fx faster than the reference; a 3072-bit p cost %.0f ms before, "
	       "now refused unless it is ffdhe3072\n",
	       unknown2048 > 0 ? ref2048 / unknown2048 : 0, ref3072 / 1e3);
	BN_free(p);
	BN_free(p3);
	BN_free(modp2048);
	BN_free(modp3072);
	return bad;
}
