/* make bench, part 7: what the kinds of key establishment cost (issue 12),
 * and how fast mallory reads a recording once she holds the key. Prints
 * medians and spreads; asserts nothing about speed (compare ratios on one
 * machine, not absolute numbers); exits non-zero only when a handshake fails
 * or a recorded record does not decrypt to what was sent.
 *
 *  1. engine: alice's and bob's state machines in one process, no I/O, mode
 *     sign over X25519 — ephemeral DH, static DH (bob's long-term key: one
 *     key generation less) and RSA-OAEP key transport (an encryption for
 *     alice, a decryption for bob, no DH at all).
 *  2. mallory offline: a transport session with RECORDS records of 16 KiB
 *     from alice (tests/helpers/kex_session), fed to mallory/recover with
 *     bob's RSA key — the handshake (decrypting the premaster, alice's
 *     Finished) and then every record, per record cipher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "bench_util.h"
#include "kex_pump.h"
#include "kex_session.h"
#include "mlab_crypto.h"
#include "mlab_kex.h"
#include "mlab_rsa.h"
#include "recover.h"

#define HANDSHAKES 300
#define RECORDS 1024
#define RUNS 7

struct keys {
	EVP_PKEY *ed_bob, *ed_bob_pub, *rsa, *rsa_pub, *x25519;
};

static EVP_PKEY *rsa_public(EVP_PKEY *k)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	const unsigned char *p = der;
	EVP_PKEY *pub = n > 0 ? d2i_PUBKEY(NULL, &p, n) : NULL;
	OPENSSL_free(der);
	return pub;
}

static void configs(const struct keys *k, uint8_t kind, uint8_t cipher, struct mlab_kex_config *ca,
		    struct mlab_kex_config *cb)
{
	*ca = kex_cfg(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, cipher);
	*cb = kex_cfg(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, cipher);
	ca->kinds[0] = cb->kinds[0] = kind;
	ca->n_kinds = cb->n_kinds = 1;
	ca->peer_key = k->ed_bob_pub;
	ca->peer_rsa = k->rsa_pub;
	cb->own_key = k->ed_bob;
	cb->rsa_key = k->rsa;
	cb->static_key = k->x25519;
}

/* One handshake, both engines, no events (as bench_handshake's). */
static int engine_handshake(const struct mlab_kex_config *ci, const struct mlab_kex_config *cr)
{
	static uint8_t b1[2 * MLAB_MAX_FRAME], b2[2 * MLAB_MAX_FRAME];
	struct mlab_kex a, b;
	struct mlab_wr wa, wb;
	int e;

	mlab_wr_init(&wa, b1, sizeof b1);
	mlab_wr_init(&wb, b2, sizeof b2);
	if ((e = mlab_kex_init(&a, ci, NULL)) == 0 && (e = mlab_kex_init(&b, cr, NULL)) == 0 &&
	    (e = mlab_kex_start(&a, &wa)) == 0) {
		for (int i = 0; e == 0 && i < 4 && !(mlab_kex_connected(&a) && mlab_kex_connected(&b)); i++)
			if ((e = kex_deliver(&wa, &b, &wb)) == 0)
				e = kex_deliver(&wb, &a, &wa);
		if (e == 0 && !(mlab_kex_connected(&a) && mlab_kex_connected(&b)))
			e = -1;
	}
	mlab_kex_free(&a);
	mlab_kex_free(&b);
	return e;
}

/* The kinds measured in alternation, so that drift of the machine hits them
 * alike; a few handshakes first, unmeasured, to warm the caches. */
static int bench_engine(const struct keys *k)
{
	static const struct {
		const char *name;
		uint8_t kind;
	} kinds[] = {
	    {"ephemeral", MLAB_KIND_EPHEMERAL},
	    {"static", MLAB_KIND_STATIC},
	    {"transport", MLAB_KIND_TRANSPORT},
	};
	enum { N_KINDS = sizeof kinds / sizeof kinds[0], WARM = 10 };
	static double v[N_KINDS][HANDSHAKES];
	struct mlab_kex_config ca[N_KINDS], cb[N_KINDS];

	for (size_t c = 0; c < N_KINDS; c++)
		configs(k, kinds[c].kind, MLAB_CIPHER_CHACHA20_POLY1305, &ca[c], &cb[c]);
	for (size_t i = 0; i < WARM + HANDSHAKES; i++)
		for (size_t c = 0; c < N_KINDS; c++) {
			double t0 = bench_now_us();
			if (engine_handshake(&ca[c], &cb[c]) != 0) {
				fprintf(stderr, "bench: %s handshake failed\n", kinds[c].name);
				return 1;
			}
			if (i >= WARM)
				v[c][i - WARM] = bench_now_us() - t0;
		}
	puts("handshake per kind, engine only (mode sign, x25519, both sides in one process, no I/O):");
	for (size_t c = 0; c < N_KINDS; c++) {
		qsort(v[c], HANDSHAKES, sizeof v[c][0], bench_cmp_double);
		printf("  %-34s median %9.1f us   p10 %9.1f   p90 %9.1f   (n=%d)\n", kinds[c].name,
		       v[c][HANDSHAKES / 2], v[c][HANDSHAKES / 10], v[c][HANDSHAKES * 9 / 10], HANDSHAKES);
	}
	return 0;
}

/* mallory over one recording: the handshake's cost and the records'. With
 * check (an untimed run) every plaintext is compared with what was sent. */
static int replay(const struct ks_session *s, EVP_PKEY *rsa, const uint8_t *check, double *hs_us, double *rec_us)
{
	struct recover_cfg c = {.rsa = rsa};
	struct recover *r = malloc(sizeof *r);
	struct sniff_plain p;
	size_t n = 0, i = 0;

	if (!r || recover_init(r) != 0) {
		free(r);
		return 1;
	}
	double t0 = bench_now_us();
	for (; i < s->n_log && s->log[i].type != MLAB_MSG_RECORD; i++)
		(void)recover_frame(r, &c, s->log[i].dir, s->log[i].type, s->log[i].body, s->log[i].len, &p);
	double t1 = bench_now_us();
	for (; i < s->n_log; i++)
		if (recover_frame(r, &c, s->log[i].dir, s->log[i].type, s->log[i].body, s->log[i].len, &p) &&
		    (!check || (p.len == MLAB_MAX_PLAINTEXT && memcmp(p.data, check, p.len) == 0)))
			n++;
	double t2 = bench_now_us();
	recover_free(r);
	free(r);
	*hs_us = t1 - t0;
	*rec_us = t2 - t1;
	return n == RECORDS ? 0 : 1;
}

static int bench_offline(const struct keys *k)
{
	static const struct {
		const char *name;
		uint8_t cipher;
	} ciphers[] = {
	    {"chacha20-poly1305", MLAB_CIPHER_CHACHA20_POLY1305},
	    {"aes-256-gcm", MLAB_CIPHER_AES_256_GCM},
	};
	uint8_t *data = malloc(MLAB_MAX_PLAINTEXT);

	if (!data)
		return 1;
	for (size_t i = 0; i < MLAB_MAX_PLAINTEXT; i++)
		data[i] = (uint8_t)(i * 131 + 7);
	printf("mallory offline decryption, kind transport with bob's RSA key (%d records of %d bytes, median of "
	       "%d runs):\n",
	       RECORDS, MLAB_MAX_PLAINTEXT, RUNS);
	for (size_t c = 0; c < sizeof ciphers / sizeof ciphers[0]; c++) {
		struct mlab_kex_config ca, cb;
		struct ks_session s;
		double hs[RUNS], rec[RUNS];
		int e;

		configs(k, MLAB_KIND_TRANSPORT, ciphers[c].cipher, &ca, &cb);
		if ((e = ks_init(&s, &ca, &cb, false)) != 0 || (e = ks_handshake(&s)) != 0) {
			fprintf(stderr, "bench: recording failed (%d)\n", e);
			ks_free(&s);
			free(data);
			return 1;
		}
		for (int i = 0; i < RECORDS && e == 0; i++)
			if ((e = ks_send(&s, KS_A2B, MLAB_CONTENT_DATA, data, MLAB_MAX_PLAINTEXT)) == 0 &&
			    (s.b.data_len != MLAB_MAX_PLAINTEXT || memcmp(s.b.data, data, MLAB_MAX_PLAINTEXT) != 0))
				e = -1;
		if (e == 0 && replay(&s, k->rsa, data, &hs[0], &rec[0]) != 0)
			e = -1;
		for (int run = 0; run < RUNS && e == 0; run++)
			if (replay(&s, k->rsa, NULL, &hs[run], &rec[run]) != 0)
				e = -1;
		ks_free(&s);
		if (e != 0) {
			fprintf(stderr, "bench: %s: a record did not decrypt\n", ciphers[c].name);
			free(data);
			return 1;
		}
		double h = bench_median(hs, RUNS), t = bench_median(rec, RUNS);
		printf("  %-20s handshake (premaster, Finished) %7.1f us   records %8.0f records/s  %7.1f MB/s\n",
		       ciphers[c].name, h, RECORDS / (t / 1e6), (double)RECORDS * MLAB_MAX_PLAINTEXT / t);
	}
	free(data);
	return 0;
}

int main(void)
{
	struct keys k = {0};
	uint8_t raw[MLAB_ED25519_PUB];
	int rc = 1;

	if (mlab_ed25519_generate(&k.ed_bob) || mlab_ed25519_raw_public(k.ed_bob, raw) ||
	    mlab_ed25519_from_raw_public(raw, &k.ed_bob_pub) || mlab_rsa_generate(MLAB_RSA_BITS, &k.rsa) ||
	    !(k.rsa_pub = rsa_public(k.rsa)) || !(k.x25519 = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")))
		fprintf(stderr, "bench: cannot make keys\n");
	else
		rc = bench_engine(&k) || bench_offline(&k);
	EVP_PKEY_free(k.ed_bob);
	EVP_PKEY_free(k.ed_bob_pub);
	EVP_PKEY_free(k.rsa);
	EVP_PKEY_free(k.rsa_pub);
	EVP_PKEY_free(k.x25519);
	return rc;
}
