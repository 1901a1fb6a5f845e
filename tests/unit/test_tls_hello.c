/* mallory's TLS downgrade move (mallory/tls_hello.c) against real OpenSSL
 * ClientHellos: the stripped hello is one OpenSSL's own server accepts, and
 * answers with TLS 1.2 and RFC 8446 section 4.1.3's sentinel, which OpenSSL's
 * client then refuses (SSL_R_INAPPROPRIATE_FALLBACK); every cut of a hello
 * and every length made wrong is refused or left alone, never read past.
 * And mallory's TLS options: the rules of mallory_opts.c's tls_rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cert_fx.h"
#include "mallory_opts.h"
#include "mlab_crypto.h"
#include "tls_hello.h"

#define CAP 4096

struct pair {
	SSL_CTX *cctx, *sctx;
	SSL *c, *s;
	struct cert_fx fx;
	EVP_PKEY *leaf_key;
	X509 *leaf;
};

/* An OpenSSL client (TLS 1.2..1.3) and server (the same) over memory BIOs;
 * the server's certificate from cert_fx (Ed25519, bob.lab). */
static void pair_new(struct pair *p)
{
	memset(p, 0, sizeof *p);
	assert_int_equal(cert_fx_init(&p->fx, (long long)time(NULL)), 0);
	assert_int_equal(mlab_ed25519_generate(&p->leaf_key), 0);
	struct mlab_cert_spec spec = cert_fx_leaf_spec(&p->fx, p->leaf_key);
	assert_int_equal(mlab_pki_issue(&spec, &p->leaf), 0);
	assert_non_null(p->cctx = SSL_CTX_new(TLS_client_method()));
	assert_non_null(p->sctx = SSL_CTX_new(TLS_server_method()));
	for (int i = 0; i < 2; i++) {
		SSL_CTX *x = i ? p->sctx : p->cctx;
		assert_int_equal(SSL_CTX_set_min_proto_version(x, TLS1_2_VERSION), 1);
		assert_int_equal(SSL_CTX_set_max_proto_version(x, TLS1_3_VERSION), 1);
	}
	assert_int_equal(SSL_CTX_use_certificate(p->sctx, p->leaf), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(p->sctx, p->leaf_key), 1);
	assert_non_null(p->c = SSL_new(p->cctx));
	assert_non_null(p->s = SSL_new(p->sctx));
	SSL_set_bio(p->c, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	SSL_set_bio(p->s, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	SSL_set_connect_state(p->c);
	SSL_set_accept_state(p->s);
}

static void pair_free(struct pair *p)
{
	SSL_free(p->c);
	SSL_free(p->s);
	SSL_CTX_free(p->cctx);
	SSL_CTX_free(p->sctx);
	X509_free(p->leaf);
	EVP_PKEY_free(p->leaf_key);
	cert_fx_free(&p->fx);
}

/* What ssl wrote so far. */
static size_t take(SSL *ssl, uint8_t *buf, size_t cap)
{
	int n = BIO_read(SSL_get_wbio(ssl), buf, (int)cap);
	return n > 0 ? (size_t)n : 0;
}

static void give(SSL *ssl, const uint8_t *buf, size_t n)
{
	assert_int_equal(BIO_write(SSL_get_rbio(ssl), buf, (int)n), (int)n);
}

/* The client's first flight: one ClientHello record. */
static size_t client_hello(struct pair *p, uint8_t *buf)
{
	assert_int_equal(SSL_do_handshake(p->c), -1);
	assert_int_equal(SSL_get_error(p->c, -1), SSL_ERROR_WANT_READ);
	size_t n = take(p->c, buf, CAP);
	assert_true(n > 9);
	assert_int_equal(buf[0], 22);
	assert_int_equal(buf[5], 1);
	return n;
}

static void test_strip_then_openssl_refuses(void **state)
{
	(void)state;
	struct pair p;
	uint8_t hello[CAP], cut[CAP], reply[CAP * 4];
	size_t out_len;
	pair_new(&p);
	size_t n = client_hello(&p, hello);
	assert_int_equal(tls_hello_strip_versions(hello, n, cut, sizeof cut, &out_len), 1);
	/* supported_versions of a 1.2..1.3 client: type, length, list length and two versions */
	assert_int_equal(out_len, n - 9);
	/* OpenSSL's server reads a TLS 1.2 hello, answers 1.2 with the sentinel */
	give(p.s, cut, out_len);
	assert_int_equal(SSL_do_handshake(p.s), -1);
	assert_int_equal(SSL_get_error(p.s, -1), SSL_ERROR_WANT_READ);
	assert_int_equal(SSL_version(p.s), TLS1_2_VERSION);
	uint8_t random[SSL3_RANDOM_SIZE];
	assert_int_equal(SSL_get_server_random(p.s, random, sizeof random), sizeof random);
	assert_memory_equal(random + 24, "DOWNGRD\x01", 8);
	/* ... which OpenSSL's client refuses */
	size_t rn = take(p.s, reply, sizeof reply);
	assert_true(rn > 0);
	give(p.c, reply, rn);
	ERR_clear_error();
	assert_int_equal(SSL_do_handshake(p.c), -1);
	assert_int_equal(SSL_get_error(p.c, -1), SSL_ERROR_SSL);
	assert_int_equal(ERR_GET_REASON(ERR_peek_error()), SSL_R_INAPPROPRIATE_FALLBACK);
	ERR_clear_error();
	pair_free(&p);
}

/* Without the move the same pair agrees on 1.3: the test above is about it. */
static void test_unstripped_is_tls13(void **state)
{
	(void)state;
	struct pair p;
	uint8_t hello[CAP];
	pair_new(&p);
	size_t n = client_hello(&p, hello);
	give(p.s, hello, n);
	assert_int_equal(SSL_do_handshake(p.s), -1);
	assert_int_equal(SSL_version(p.s), TLS1_3_VERSION);
	pair_free(&p);
}

/* Every prefix and every byte of the hello changed, both framings: refused
 * or left alone, and what is written stays within the record. */
static void test_hostile_hellos(void **state)
{
	(void)state;
	struct pair p;
	uint8_t hello[CAP], bad[CAP], out[CAP];
	size_t out_len;
	pair_new(&p);
	size_t n = client_hello(&p, hello);
	for (size_t cutn = 0; cutn < n; cutn++) {
		/* a record header that says the truth about a cut hello */
		memcpy(bad, hello, cutn);
		if (cutn >= 5) {
			bad[3] = (uint8_t)((cutn - 5) >> 8);
			bad[4] = (uint8_t)(cutn - 5);
		}
		int r = tls_hello_strip_versions(bad, cutn, out, sizeof out, &out_len);
		assert_true(r == 0 || r == -1);
		assert_int_equal(out_len, 0);
	}
	for (size_t i = 0; i < n; i++) {
		for (int v = 0; v < 3; v++) {
			memcpy(bad, hello, n);
			bad[i] = v == 0 ? 0x00 : v == 1 ? 0xff : (uint8_t)(hello[i] + 1);
			int r = tls_hello_strip_versions(bad, n, out, sizeof out, &out_len);
			assert_true(r >= -1 && r <= 1);
			assert_true(out_len <= n);
		}
	}
	/* too small an output: refused, nothing written */
	assert_int_equal(tls_hello_strip_versions(hello, n, out, 10, &out_len), -1);
	assert_int_equal(out_len, 0);
	pair_free(&p);
}

/* A ClientHello record: version, random, empty session id, one suite, null
 * compression, then the extensions block ext. */
static size_t build_hello(const uint8_t *ext, size_t ext_len, uint8_t *out)
{
	static const uint8_t mid[] = {0, 0, 2, 0x13, 0x01, 1, 0};
	size_t n = 9;
	out[n++] = 3;
	out[n++] = 3;
	memset(out + n, 0xaa, 32);
	n += 32;
	memcpy(out + n, mid, sizeof mid);
	n += sizeof mid;
	out[n++] = (uint8_t)(ext_len >> 8);
	out[n++] = (uint8_t)ext_len;
	if (ext_len) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(out + n, ext, ext_len);
	n += ext_len;
	out[0] = 22;
	out[1] = 3;
	out[2] = 1;
	out[3] = (uint8_t)((n - 5) >> 8);
	out[4] = (uint8_t)(n - 5);
	out[5] = 1;
	out[6] = 0;
	out[7] = (uint8_t)((n - 9) >> 8);
	out[8] = (uint8_t)(n - 9);
	return n;
}

/* Twice the extension (RFC 8446 section 4.2 forbids it): refused. Once,
 * between two others: cut out, every length fixed, the others kept. */
static void test_made_up_hellos(void **state)
{
	(void)state;
	static const uint8_t twice[] = {0, 0x2b, 0, 3, 2, 3, 4, 0, 0x2b, 0, 3, 2, 3, 3};
	static const uint8_t once[] = {0, 0x0a, 0, 2, 0, 0x1d, 0, 0x2b, 0, 3, 2, 3, 4, 0, 0x17, 0, 0};
	static const uint8_t left[] = {0, 0x0a, 0, 2, 0, 0x1d, 0, 0x17, 0, 0};
	static const uint8_t none[] = {0, 0x0a, 0, 2, 0, 0x1d};
	uint8_t rec[256], out[256], want[256];
	size_t out_len;
	size_t n = build_hello(twice, sizeof twice, rec);
	assert_int_equal(tls_hello_strip_versions(rec, n, out, sizeof out, &out_len), -1);
	n = build_hello(once, sizeof once, rec);
	assert_int_equal(tls_hello_strip_versions(rec, n, out, sizeof out, &out_len), 1);
	size_t wn = build_hello(left, sizeof left, want);
	assert_int_equal(out_len, wn);
	assert_memory_equal(out, want, wn);
	n = build_hello(none, sizeof none, rec);
	assert_int_equal(tls_hello_strip_versions(rec, n, out, sizeof out, &out_len), 0);
	n = build_hello(NULL, 0, rec) - 2; /* no extensions block at all */
	rec[4] = (uint8_t)(n - 5);
	rec[8] = (uint8_t)(n - 9);
	assert_int_equal(tls_hello_strip_versions(rec, n, out, sizeof out, &out_len), 0);
	rec[0] = 23; /* application data: not hers to touch */
	assert_int_equal(tls_hello_strip_versions(rec, n, out, sizeof out, &out_len), 0);
}

static int parse(struct mallory_opts *o, const char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return mallory_opts_parse(o, argc, (char **)argv);
}

#define M "mallory", "--attack", "dh-mitm", "--targets", "10.0.0.10,10.0.0.20"

static void test_tls_options(void **state)
{
	(void)state;
	struct mallory_opts o;
	assert_int_equal(parse(&o, (const char *[]){M, "--proto", "tls", "--impersonate", "c.pem:k.key", NULL}), -1);
	assert_true(o.tls);
	assert_int_equal(parse(&o, (const char *[]){M, "--proto", "tls", "--tls-downgrade", NULL}), -1);
	assert_true(o.tls_downgrade);
	assert_int_equal(parse(&o, (const char *[]){M, "--proto", "tls", "--mint", "k:c", "--keylog", "k.log",
						    "--tamper", "a=>b", NULL}),
			 -1);
	assert_string_equal(o.keylog, "k.log");
	assert_int_equal(parse(&o, (const char *[]){M, "--proto", "lab", NULL}), -1);
	assert_false(o.tls);
	assert_int_equal(parse(&o, (const char *[]){"mallory", "--sniff", "--proto", "tls", NULL}), -1);
	assert_int_equal(
	    parse(&o, (const char *[]){"mallory", "--decrypt", "w.pcap", "--key", "k", "--proto", "tls", NULL}), -1);
	assert_true(o.tls);
	/* refused: no certificate, a lab move, a downgrade with interception,
	 * TLS-only options without TLS, TLS without dh-mitm, a made-up protocol */
	const char *const bad[][14] = {
	    {M, "--proto", "tls", NULL},
	    {M, "--proto", "tls", "--impersonate", "c:k", "--key-fixing", NULL},
	    {M, "--proto", "tls", "--mint", "k:c", "--replay-record", "2", NULL},
	    {M, "--proto", "tls", "--tls-downgrade", "--mint", "k:c", NULL},
	    {M, "--proto", "tls", "--tls-downgrade", "--tamper", "a=>b", NULL},
	    {M, "--tls-downgrade", NULL},
	    {M, "--keylog", "k.log", NULL},
	    {"mallory", "--sniff", "--proto", "tls", "--keylog", "k.log", NULL},
	    {"mallory", "--sniff", "--proto", "tls", "--crack-rng", "pid", NULL},
	    {"mallory", "--attack", "relay", "--targets", "10.0.0.10,10.0.0.20", "--proto", "tls", NULL},
	    {M, "--proto", "quic", NULL},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (parse(&o, (const char **)bad[i]) != MALLORY_EXIT_USAGE)
			fail_msg("case %zu was accepted", i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strip_then_openssl_refuses),
	    cmocka_unit_test(test_unstripped_is_tls13),
	    cmocka_unit_test(test_hostile_hellos),
	    cmocka_unit_test(test_made_up_hellos),
	    cmocka_unit_test(test_tls_options),
	};
	return cmocka_run_group_tests_name("tls_hello", tests, NULL, NULL);
}
