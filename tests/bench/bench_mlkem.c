/* make bench: what post-quantum key exchange costs (issue 16). Prints
 * figures; asserts nothing about speed (compare ratios on one machine);
 * exits non-zero only when an operation fails.
 *
 *  1. sizes on the wire: each side's share per group;
 *  2. operations per second, median of RUNS batches: ML-KEM-768 (the
 *     project's lib/mlab_mlkem.c) keygen, encaps, decaps, next to X25519 and
 *     ffdhe2048 through OpenSSL (key generation, the shared secret) and to
 *     `openssl speed ecdhx25519` run in the same invocation;
 *  3. what the hashes' EVP calls cost: lib/mlab_mlkem.c starts a fresh
 *     EVP_MD_CTX per call with EVP_sha3_256()/EVP_shake128()..., which in
 *     OpenSSL 3 looks the algorithm up in the provider store every time (an
 *     "implicit fetch"); one SHAKE128 squeeze of a SampleNTT that way against
 *     the same with one EVP_MD_fetch reused, and the share of keygen that the
 *     difference makes (17 hash calls a keygen, 18 an encaps, 19 a decaps);
 *  4. each group's two sides through lib/mlab_group (what a handshake pays). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bench_util.h"
#include "mlab_group.h"
#include "mlab_mlkem.h"

#define RUNS 7
#define BATCH_US 150000.0

struct fx {
	uint8_t ek[MLAB_MLKEM768_EK_LEN], dk[MLAB_MLKEM768_DK_LEN], ct[MLAB_MLKEM768_CT_LEN], ss[32];
	const struct mlab_group *g;
	struct mlab_dh a, b; /* a fixed pair of the group, for derive */
	EVP_MD *shake128;    /* fetched once, for the comparison of step 3 */
};

typedef int (*op_fn)(struct fx *f);

static int mlkem_keygen(struct fx *f)
{
	(void)f;
	uint8_t ek[MLAB_MLKEM768_EK_LEN], dk[MLAB_MLKEM768_DK_LEN];
	int e = mlab_mlkem768_keygen(ek, dk);
	OPENSSL_cleanse(dk, sizeof dk);
	return e;
}

static int mlkem_encaps(struct fx *f)
{
	return mlab_mlkem768_encaps(f->ek, sizeof f->ek, f->ct, f->ss);
}

static int mlkem_decaps(struct fx *f)
{
	return mlab_mlkem768_decaps(f->dk, sizeof f->dk, f->ct, sizeof f->ct, f->ss);
}

static int dh_keygen(struct fx *f)
{
	struct mlab_dh d;
	int e = mlab_dh_keygen(f->g, &d);
	mlab_dh_free(&d);
	return e;
}

static int dh_derive(struct fx *f)
{
	uint8_t s[MLAB_MAX_SECRET];
	size_t n;
	return mlab_dh_derive(&f->a, f->b.pub, f->b.pub_len, true, s, &n);
}

/* A KEM group's answering side: its key, the encapsulation, the secret. */
static int group_answer(struct fx *f)
{
	struct mlab_dh d;
	uint8_t s[MLAB_MAX_SECRET];
	size_t n;
	int e = mlab_dh_keygen_reply(f->g, &d);
	if (e == 0)
		e = mlab_dh_derive(&d, f->a.pub, f->a.pub_len, true, s, &n);
	mlab_dh_free(&d);
	return e;
}

/* The key holder's secret from a fixed answer. */
static int group_holder_derive(struct fx *f)
{
	uint8_t s[MLAB_MAX_SECRET];
	size_t n;
	return mlab_dh_derive(&f->a, f->b.pub, f->b.pub_len, true, s, &n);
}

/* One SampleNTT's squeeze, 5 blocks of SHAKE128 from ρ ‖ j ‖ i, with md. */
static int shake_with(const EVP_MD *md, const struct fx *f)
{
	uint8_t out[168 * 5];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, f->ek, 34) == 1 &&
		 EVP_DigestFinalXOF(c, out, sizeof out) == 1;
	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

static int shake_implicit(struct fx *f)
{
	return shake_with(EVP_shake128(), f);
}

static int shake_fetched(struct fx *f)
{
	return shake_with(f->shake128, f);
}

/* Operations per second: the median of RUNS batches of about BATCH_US. */
static double rate(op_fn fn, struct fx *f)
{
	double v[RUNS];
	for (int r = 0; r < RUNS; r++) {
		double t0 = bench_now_us(), t;
		long n = 0;
		do {
			if (fn(f) != 0) {
				fprintf(stderr, "bench_mlkem: an operation failed\n");
				exit(1);
			}
			n++;
		} while ((t = bench_now_us() - t0) < BATCH_US);
		v[r] = (double)n / (t / 1e6);
	}
	return bench_median(v, RUNS);
}

static int setup_pair(struct fx *f, const char *group)
{
	memset(&f->a, 0, sizeof f->a);
	memset(&f->b, 0, sizeof f->b);
	f->g = mlab_group_by_name(group);
	if (!f->g || mlab_dh_keygen(f->g, &f->a) != 0)
		return -1;
	if (!f->g->kem)
		return mlab_dh_keygen(f->g, &f->b);
	uint8_t s[MLAB_MAX_SECRET];
	size_t n;
	return mlab_dh_keygen_reply(f->g, &f->b) != 0 || mlab_dh_derive(&f->b, f->a.pub, f->a.pub_len, true, s, &n);
}

/* `openssl speed -seconds 1 ecdhx25519`: its op/s (0 when it cannot run). */
static double openssl_speed_x25519(void)
{
	FILE *p = popen("openssl speed -seconds 1 ecdhx25519 2>/dev/null", "r");
	char line[256];
	double ops = 0;
	while (p && fgets(line, sizeof line, p)) {
		const char *x = strstr(line, "(X25519)");
		double secs, v;
		if (x && sscanf(x + 8, "%lfs %lf", &secs, &v) == 2)
			ops = v;
	}
	if (p)
		pclose(p);
	return ops;
}

int main(void)
{
	static struct fx f;
	if (mlab_mlkem768_keygen(f.ek, f.dk) != 0 || mlab_mlkem768_encaps(f.ek, sizeof f.ek, f.ct, f.ss) != 0) {
		fprintf(stderr, "bench_mlkem: ML-KEM-768 does not work\n");
		return 1;
	}
	static const char *const groups[] = {"x25519", "ffdhe2048", "mlkem768", "x25519-mlkem768", "lab-48-mlkem768"};
	puts("key shares on the wire, bytes (responder's / initiator's; protocol.md §10.4):");
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		const struct mlab_group *g = mlab_group_by_name(groups[i]);
		printf("  %-18s %5zu / %5zu   secret %zu bytes into the key schedule\n", g->name,
		       mlab_group_share_len(g, true), mlab_group_share_len(g, false),
		       g->kem ? 32 + (g->classical ? g->classical->share_len : 0) : g->share_len);
	}

	printf("operations per second, one core, median of %d batches of %.0f ms:\n", RUNS, BATCH_US / 1e3);
	double kg = rate(mlkem_keygen, &f), en = rate(mlkem_encaps, &f), de = rate(mlkem_decaps, &f);
	printf("  ML-KEM-768 keygen   %9.0f /s   (lib/mlab_mlkem.c)\n", kg);
	printf("  ML-KEM-768 encaps   %9.0f /s\n", en);
	printf("  ML-KEM-768 decaps   %9.0f /s\n", de);
	double x_kg = 0, x_dr = 0;
	for (size_t i = 0; i < 2; i++) {
		if (setup_pair(&f, groups[i]) != 0) {
			fprintf(stderr, "bench_mlkem: %s keys\n", groups[i]);
			return 1;
		}
		double k = rate(dh_keygen, &f), d = rate(dh_derive, &f);
		printf("  %-9s keygen    %9.0f /s   derive %9.0f /s   (OpenSSL EVP; derive with the share's checks: "
		       "ffdhe's full subgroup test)\n",
		       groups[i], k, d);
		if (i == 0) {
			x_kg = k;
			x_dr = d;
		}
		mlab_dh_free(&f.a);
		mlab_dh_free(&f.b);
	}
	double sp = openssl_speed_x25519();
	if (sp > 0)
		printf("  openssl speed ecdhx25519 %9.0f /s   (same run; our X25519 derive through EVP: %.2f of it)\n",
		       sp, x_dr / sp);
	else
		puts("  openssl speed ecdhx25519: could not run");
	printf("  ratios: ML-KEM keygen %.2f x X25519 keygen, encaps %.2f x, decaps %.2f x X25519 derive\n", kg / x_kg,
	       en / x_dr, de / x_dr);

	f.shake128 = EVP_MD_fetch(NULL, "SHAKE128", NULL);
	if (!f.shake128) {
		fprintf(stderr, "bench_mlkem: no SHAKE128\n");
		return 1;
	}
	double imp = rate(shake_implicit, &f), fet = rate(shake_fetched, &f);
	EVP_MD_free(f.shake128);
	printf("the hashes through EVP (lib/mlab_mlkem.c fetches implicitly, per call):\n"
	       "  SHAKE128 840 bytes  %9.0f /s implicit fetch   %9.0f /s one EVP_MD_fetch reused   "
	       "(x%.2f; the lookups are ~%.0f%% of a keygen's 17 hash calls' time)\n",
	       imp, fet, fet / imp, 100.0 * 17 * (1 / imp - 1 / fet) * kg);

	puts("each group's two sides through lib/mlab_group (a handshake's key-exchange work):");
	for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++) {
		if (setup_pair(&f, groups[i]) != 0) {
			fprintf(stderr, "bench_mlkem: %s keys\n", groups[i]);
			return 1;
		}
		double first = rate(dh_keygen, &f);
		double answer = f.g->kem ? rate(group_answer, &f) : 0, holder = rate(group_holder_derive, &f);
		if (f.g->kem)
			printf(
			    "  %-18s responder keygen %7.0f /s   initiator keygen+encaps+secret %7.0f /s   responder "
			    "decaps+secret %7.0f /s\n",
			    f.g->name, first, answer, holder);
		else
			printf("  %-18s keygen %7.0f /s   secret %7.0f /s (each side one of each)\n", f.g->name, first,
			       holder);
		mlab_dh_free(&f.a);
		mlab_dh_free(&f.b);
	}
	return 0;
}
