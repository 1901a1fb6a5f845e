/* libFuzzer harness (make fuzz) over the certificate path: the input is a
 * Certificate message body. It goes
 *   1. to mlab_certificate_decode, then mlab_cert_verify against a trust
 *      store made once (root → intermediate, lib/mlab_pki), with and without
 *      the name check;
 *   2. as the Certificate frame to an initiator engine in state
 *      wait-server-certificate (after a real responder's ServerHello and
 *      KeyShare, recorded once), checking and clicking through (--insecure),
 *      then the responder's recorded Signature after it.
 * Any crash, leak, hang or sanitizer report is a bug, and so is a broken
 * invariant (a trap): a body that decodes encodes back to the same bytes; a
 * verdict of 0 has every check passed; what the views show is printable
 * ASCII; the engine accepts a chain only when mlab_cert_verify did, or when
 * clicking through a failed check (never a message that did not decode or a
 * chain that did not parse).
 *
 * The keys are fixed and the clock is 2026-01-01, so the seeds in
 * tests/fuzz/corpus_cert (valid, expired, misnamed, misordered, ... chains
 * under this very root) keep meaning the same. MLAB_FUZZ_CERT_SEEDS=DIR
 * writes them again into DIR and exits. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "cert_fx.h"
#include "mlab_cert.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_kex.h"
#include "mlab_wire.h"

#define NOW 1767225600LL /* 2026-01-01T00:00:00Z */

static struct {
	struct cert_fx pki;
	EVP_PKEY *leaf_key;
	X509_STORE *store;
	struct mlab_trust trust, insecure;
	struct mlab_chain bob;
	uint8_t sh[256], ks[256], sig[256]; /* the responder's recorded bodies */
	size_t sh_len, ks_len, sig_len;
} g;

static uint8_t out_buf[4 * MLAB_MAX_FRAME];

static EVP_PKEY *fixed_key(uint8_t fill)
{
	uint8_t seed[32];
	EVP_PKEY *k = NULL;
	memset(seed, fill, sizeof seed);
	return mlab_ed25519_from_raw_private(seed, &k) == 0 ? k : NULL;
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_cert: %s\n", what);
	exit(1);
}

/* ======================================================================
 * Seeds
 * ====================================================================== */

/* Body of the Certificate message for certs[0..n). */
static size_t body_of(X509 *const *certs, size_t n, uint8_t *out, size_t cap)
{
	struct mlab_chain c;
	struct mlab_certificate m;
	struct mlab_wr w;
	if (cert_fx_chain(certs, n, &c) != 0)
		die("cannot encode a seed chain");
	mlab_chain_msg(&c, &m);
	mlab_wr_init(&w, out, cap);
	int e = mlab_certificate_encode(&w, &m);
	mlab_chain_free(&c);
	if (e != 0)
		die("cannot encode a seed message");
	memmove(out, out + MLAB_FRAME_HDR, w.len - MLAB_FRAME_HDR);
	return w.len - MLAB_FRAME_HDR;
}

static X509 *seed_leaf(void (*edit)(struct mlab_cert_spec *))
{
	struct mlab_cert_spec s = cert_fx_leaf_spec(&g.pki, g.leaf_key);
	X509 *x = NULL;
	if (edit)
		edit(&s);
	if (mlab_pki_issue(&s, &x) != 0)
		die("cannot issue a seed leaf");
	return x;
}

static void ed_expired(struct mlab_cert_spec *s)
{
	s->not_before = NOW - 60 * CERT_FX_DAY;
	s->not_after = NOW - CERT_FX_DAY;
}

static void ed_name(struct mlab_cert_spec *s)
{
	s->subject_cn = "carol.lab";
	s->san_dns = "carol.lab";
}

static void ed_client(struct mlab_cert_spec *s)
{
	s->server_auth = false;
	s->client_auth = true;
}

static void write_seeds(const char *dir)
{
	static uint8_t body[MLAB_MAX_CERT_BODY + MLAB_FRAME_HDR];
	static const uint8_t asn1_null[] = {0x05, 0x00};
	X509 *good = seed_leaf(NULL), *expired = seed_leaf(ed_expired), *name = seed_leaf(ed_name),
	     *client = seed_leaf(ed_client), *crit = seed_leaf(NULL);
	ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.32473.1.1", 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ex = NULL;
	if (!obj || !os || ASN1_OCTET_STRING_set(os, asn1_null, sizeof asn1_null) != 1 ||
	    !(ex = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, os)) || X509_add_ext(crit, ex, -1) != 1 ||
	    cert_fx_resign(crit, g.pki.inter_key) != 0)
		die("cannot make the critical-extension seed");
	struct {
		const char *name;
		X509 *c[3];
		size_t n;
	} seeds[] = {
	    {"good", {good, g.pki.inter}, 2},
	    {"good-with-root", {good, g.pki.inter, g.pki.root}, 3},
	    {"leaf-only", {good}, 1},
	    {"expired", {expired, g.pki.inter}, 2},
	    {"other-name", {name, g.pki.inter}, 2},
	    {"client-auth-only", {client, g.pki.inter}, 2},
	    {"intermediate-first", {g.pki.inter, good}, 2},
	    {"critical-extension", {crit, g.pki.inter}, 2},
	};
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		char path[512];
		size_t n = body_of(seeds[i].c, seeds[i].n, body, sizeof body);
		snprintf(path, sizeof path, "%s/%s", dir, seeds[i].name);
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(body, 1, n, f) != n || fclose(f) != 0)
			die("cannot write a seed");
		printf("wrote %s (%zu bytes)\n", path, n);
	}
	X509_EXTENSION_free(ex);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	X509 *all[] = {good, expired, name, client, crit};
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		X509_free(all[i]);
}

/* ======================================================================
 * Set-up: the PKI, and a responder's first flight to replay
 * ====================================================================== */

static struct mlab_kex_config alice_cfg(const struct mlab_trust *t)
{
	struct mlab_kex_config c = {
	    .role = MLAB_INITIATOR,
	    .modes = {MLAB_MODE_CERT},
	    .n_modes = 1,
	    .groups = {MLAB_GROUP_X25519},
	    .n_groups = 1,
	    .ciphers = {MLAB_CIPHER_CHACHA20_POLY1305},
	    .n_ciphers = 1,
	    .validate_shares = true,
	    .trust = t,
	};
	return c;
}

static void keep_body(uint8_t type, const uint8_t *body, uint32_t len)
{
	uint8_t *dst = type == MLAB_MSG_SERVER_HELLO ? g.sh : type == MLAB_MSG_KEY_SHARE ? g.ks : g.sig;
	size_t *n = type == MLAB_MSG_SERVER_HELLO ? &g.sh_len : type == MLAB_MSG_KEY_SHARE ? &g.ks_len : &g.sig_len;
	if (len > sizeof g.sh)
		die("recorded body too long");
	memcpy(dst, body, len);
	*n = len;
}

static void record_flight(void)
{
	struct mlab_kex a, b;
	struct mlab_kex_config ca = alice_cfg(&g.trust), cb = alice_cfg(NULL);
	struct mlab_wr wa, wb;
	static uint8_t ba[MLAB_MAX_FRAME], bb[2 * MLAB_MAX_FRAME];
	struct mlab_rd r;
	uint8_t type;
	const uint8_t *body;
	uint32_t len;

	cb.role = MLAB_RESPONDER;
	cb.trust = NULL;
	cb.own_key = g.leaf_key;
	cb.chain = &g.bob;
	mlab_wr_init(&wa, ba, sizeof ba);
	mlab_wr_init(&wb, bb, sizeof bb);
	if (mlab_kex_init(&a, &ca, NULL) || mlab_kex_init(&b, &cb, NULL) || mlab_kex_start(&a, &wa))
		die("cannot start the recording");
	mlab_rd_init(&r, wa.p, wa.len);
	if (mlab_frame_next(&r, &type, &body, &len) || mlab_kex_input(&b, type, body, len, &wb))
		die("cannot record the responder's flight");
	mlab_rd_init(&r, wb.p, wb.len);
	while (mlab_frame_next(&r, &type, &body, &len) == 0)
		if (type == MLAB_MSG_SERVER_HELLO || type == MLAB_MSG_KEY_SHARE || type == MLAB_MSG_SIGNATURE)
			keep_body(type, body, len);
	mlab_kex_free(&a);
	mlab_kex_free(&b);
	if (!g.sh_len || !g.ks_len || !g.sig_len)
		die("the responder's flight is incomplete");
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	EVP_PKEY *rk = fixed_key(0x01), *ik = fixed_key(0x02);
	if (!rk || !ik || cert_fx_init_keys(&g.pki, NOW, rk, ik) != 0 || !(g.leaf_key = fixed_key(0x03)) ||
	    cert_fx_store(g.pki.root, &g.store) != 0)
		die("cannot make the PKI");
	X509 *leaf = seed_leaf(NULL), *xs[2] = {leaf, g.pki.inter};
	if (cert_fx_chain(xs, 2, &g.bob) != 0)
		die("cannot make bob's chain");
	X509_free(leaf);
	g.trust = (struct mlab_trust){.store = g.store, .now = NOW, .have_now = true, .check_name = true};
	snprintf(g.trust.name, sizeof g.trust.name, "%s", CERT_FX_NAME);
	g.insecure = g.trust;
	g.insecure.insecure = true;
	const char *dir = getenv("MLAB_FUZZ_CERT_SEEDS");
	if (dir) {
		write_seeds(dir);
		exit(0);
	}
	record_flight();
	return 0;
}

/* ======================================================================
 * One input
 * ====================================================================== */

static void check_printable(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	if (n == cap)
		__builtin_trap(); /* not terminated */
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			__builtin_trap();
}

static void check_result(const struct mlab_certificate *m, const struct mlab_cert_result *r, int e)
{
	if (r->n > m->n)
		__builtin_trap();
	for (size_t i = 0; i < r->n; i++) {
		check_printable(r->info[i].subject, sizeof r->info[i].subject);
		check_printable(r->info[i].issuer, sizeof r->info[i].issuer);
		check_printable(r->info[i].san, sizeof r->info[i].san);
		check_printable(r->info[i].key_id, sizeof r->info[i].key_id);
	}
	for (int k = 0; k < MLAB_CC_N; k++) {
		if (e == 0 && r->err[k] != 0)
			__builtin_trap();
		check_printable(r->detail[k], sizeof r->detail[k]);
	}
}

/* The engine from ClientHello to wait-server-certificate, then the input. */
static int engine(const struct mlab_trust *t, const uint8_t *data, size_t size, bool *accepted)
{
	struct mlab_kex k;
	struct mlab_kex_config c = alice_cfg(t);
	struct mlab_wr w;
	int e;

	mlab_wr_init(&w, out_buf, sizeof out_buf);
	if (mlab_kex_init(&k, &c, NULL) || mlab_kex_start(&k, &w) ||
	    mlab_kex_input(&k, MLAB_MSG_SERVER_HELLO, g.sh, g.sh_len, &w) ||
	    mlab_kex_input(&k, MLAB_MSG_KEY_SHARE, g.ks, g.ks_len, &w) || k.state != MLAB_KEX_WAIT_SERVER_CERT)
		__builtin_trap(); /* the replay itself must work */
	e = mlab_kex_input(&k, MLAB_MSG_CERTIFICATE, data, size, &w);
	*accepted = e == 0;
	if (e == 0 && k.state != MLAB_KEX_WAIT_SERVER_SIGNATURE)
		__builtin_trap();
	if (e != 0 && k.state != MLAB_KEX_FAILED)
		__builtin_trap();
	if (e == 0) /* over another transcript than the signer's: must fail */
		if (mlab_kex_input(&k, MLAB_MSG_SIGNATURE, g.sig, g.sig_len, &w) == 0)
			__builtin_trap();
	mlab_kex_free(&k);
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlab_certificate m;
	static struct mlab_cert_result r;
	static uint8_t again[MLAB_FRAME_HDR + MLAB_MAX_CERT_BODY + 16];
	int verdict = MLAB_E_ARG;
	bool decoded = mlab_certificate_decode(data, size, &m) == 0;

	if (decoded) {
		struct mlab_wr w;
		mlab_wr_init(&w, again, sizeof again);
		/* a body that decodes is exactly what encoding it gives */
		if (mlab_certificate_encode(&w, &m) != 0 || w.len != MLAB_FRAME_HDR + size ||
		    memcmp(again + MLAB_FRAME_HDR, data, size) != 0)
			__builtin_trap();
		verdict = mlab_cert_verify(&g.trust, &m, &r);
		check_result(&m, &r, verdict);
		struct mlab_trust noname = g.trust;
		noname.check_name = false;
		int e2 = mlab_cert_verify(&noname, &m, &r);
		check_result(&m, &r, e2);
		if (verdict == 0 && e2 != 0) /* not checking a name never refuses more */
			__builtin_trap();
	}

	bool accepted;
	int e = engine(&g.trust, data, size, &accepted);
	if (accepted != (decoded && verdict == 0))
		__builtin_trap();
	(void)e;
	e = engine(&g.insecure, data, size, &accepted);
	if (accepted && !decoded)
		__builtin_trap(); /* clicked through a message that did not decode */
	if (accepted && verdict != 0 && verdict != MLAB_E_CERT_ISSUER && verdict != MLAB_E_CERT_EXPIRED &&
	    verdict != MLAB_E_CERT_NOT_YET && verdict != MLAB_E_CERT_NAME && verdict != MLAB_E_CERT_USAGE)
		__builtin_trap(); /* clicked through a chain that did not parse */
	return 0;
}
