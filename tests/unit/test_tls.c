/* The TLS engine (lib/mlab_tls) in memory: alice's and bob's engines pass
 * bytes to each other through a pump, with the build-time lab PKI
 * (bin/keys/pki). Real TLS 1.3 and 1.2 from OpenSSL; what is tested is the
 * lab's part: both sides agree on the exporter key id, data and close pass,
 * the lab's named certificate checks stop the right chains (issuer, validity,
 * name) with their events, --insecure clicks through, the SPKI pin, the key
 * log, and the name mappings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mlab_cert.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_tls.h"

#define CAP (64 * 1024)

struct side {
	struct mlab_ev ev;
	json_t *events;
	struct mlab_tls tls;
	uint8_t out[CAP];
	struct mlab_wr wr;
};

static void sink(void *arg, const char *name, const json_t *event)
{
	(void)name;
	json_array_append((json_t *)arg, (json_t *)event);
}

static const char *pki(const char *file, char *buf, size_t n)
{
	const char *bin = getenv("MLAB_BIN");
	snprintf(buf, n, "%s/keys/pki/%s", bin ? bin : "bin", file);
	return buf;
}

static const char *key(const char *file, char *buf, size_t n)
{
	const char *bin = getenv("MLAB_BIN");
	snprintf(buf, n, "%s/keys/%s", bin ? bin : "bin", file);
	return buf;
}

struct opts {
	const char *chain, *key, *ca, *name, *keylog;
	int cmin, cmax, smin, smax;
	bool insecure, pin;
	uint8_t pin_spki[32];
};

struct pair {
	struct side a, b;
	struct mlab_trust trust;
	struct mlab_chain chain; /* bob's, and its key: read once, as bob does */
	EVP_PKEY *key;
	int ea, eb;
};

static void side_init(struct side *s, const char *actor)
{
	s->events = json_array();
	mlab_ev_init(&s->ev, actor, -1, getenv("MLAB_TEST_VERBOSE") ? stderr : NULL);
	s->ev.sink = sink;
	s->ev.sink_arg = s->events;
	mlab_wr_init(&s->wr, s->out, sizeof s->out);
}

static void pair_setup(struct pair *p, const struct opts *o)
{
	char ca[512];
	memset(p, 0, sizeof *p);
	side_init(&p->a, "alice");
	side_init(&p->b, "bob");
	snprintf(p->trust.name, sizeof p->trust.name, "%s", o->name ? o->name : "bob.lab");
	p->trust.check_name = true;
	p->trust.insecure = o->insecure;
	assert_int_equal(mlab_trust_load_ca(&p->trust, pki(o->ca ? o->ca : "root.pem", ca, sizeof ca)), 0);
	struct mlab_tls_config ac = {.role = MLAB_INITIATOR,
				     .min_version = o->cmin ? o->cmin : 12,
				     .max_version = o->cmax ? o->cmax : 13,
				     .trust = &p->trust,
				     .pin = o->pin,
				     .keylog = o->keylog};
	memcpy(ac.pin_spki, o->pin_spki, 32);
	struct mlab_tls_config bc = {.role = MLAB_RESPONDER,
				     .min_version = o->smin ? o->smin : 12,
				     .max_version = o->smax ? o->smax : 13,
				     .keylog = o->keylog};
	char chain[512], bkey[512];
	assert_int_equal(mlab_chain_load(pki(o->chain ? o->chain : "bob.chain.pem", chain, sizeof chain), &p->chain),
			 0);
	FILE *kf = fopen(key(o->key ? o->key : "bob.key", bkey, sizeof bkey), "r"); /* under keys/ */
	assert_non_null(kf);
	assert_non_null(p->key = PEM_read_PrivateKey(kf, NULL, NULL, NULL));
	fclose(kf);
	bc.chain = &p->chain;
	bc.key = p->key;
	assert_int_equal(mlab_tls_init(&p->a.tls, &ac, &p->a.ev), 0);
	assert_int_equal(mlab_tls_init(&p->b.tls, &bc, &p->b.ev), 0);
}

static void pair_free(struct pair *p)
{
	mlab_tls_free(&p->a.tls);
	mlab_tls_free(&p->b.tls);
	mlab_trust_free(&p->trust);
	mlab_chain_free(&p->chain);
	EVP_PKEY_free(p->key);
	json_decref(p->a.events);
	json_decref(p->b.events);
}

/* Runs the handshake: each side's output is the other's input, an exact
 * heap copy, until both are connected or one failed. */
static void handshake(struct pair *p)
{
	uint8_t *in = NULL;
	size_t n = 0;
	p->ea = mlab_tls_handshake(&p->a.tls, NULL, 0, &p->a.wr);
	for (int round = 0; round < 20; round++) {
		in = dup_exact(p->a.out, p->a.wr.len);
		n = p->a.wr.len;
		p->a.wr.len = 0;
		if (!p->eb && !mlab_tls_connected(&p->b.tls))
			p->eb = mlab_tls_handshake(&p->b.tls, in, n, &p->b.wr);
		else if (n && !p->eb) { /* connected: what comes is records (or an alert) */
			uint8_t d[256];
			size_t len;
			bool got, closed;
			p->eb = mlab_tls_open(&p->b.tls, in, n, d, sizeof d, &len, &got, &closed, &p->b.wr);
		}
		free(in);
		in = dup_exact(p->b.out, p->b.wr.len);
		n = p->b.wr.len;
		p->b.wr.len = 0;
		if (!p->ea && !mlab_tls_connected(&p->a.tls)) {
			p->ea = mlab_tls_handshake(&p->a.tls, in, n, &p->a.wr);
		} else if (n && !p->ea) {
			uint8_t d[256];
			size_t len;
			bool got, closed;
			p->ea = mlab_tls_open(&p->a.tls, in, n, d, sizeof d, &len, &got, &closed, &p->a.wr);
		}
		free(in);
		bool done_a = p->ea || mlab_tls_connected(&p->a.tls), done_b = p->eb || mlab_tls_connected(&p->b.tls);
		if (done_a && done_b && p->a.wr.len == 0 && p->b.wr.len == 0)
			return;
		if (p->ea && p->eb)
			return;
	}
	fail_msg("the handshake did not end in 20 rounds");
}

/* The number of events named name; *last the last of them. */
static size_t count(const json_t *events, const char *name, const json_t **last)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach(events, i, e)
	{
		if (strcmp(json_string_value(json_object_get(e, "event")), name) == 0) {
			n++;
			if (last)
				*last = e;
		}
	}
	return n;
}

static const char *str(const json_t *e, const char *f)
{
	const char *s = json_string_value(json_object_get(e, f));
	return s ? s : "";
}

/* Sends text from one side and reads it at the other. */
static void pass(struct side *from, struct side *to, const char *text)
{
	uint8_t d[256];
	size_t len;
	bool got, closed;
	assert_int_equal(mlab_tls_seal(&from->tls, (const uint8_t *)text, strlen(text), &from->wr), 0);
	uint8_t *in = dup_exact(from->out, from->wr.len);
	size_t n = from->wr.len;
	from->wr.len = 0;
	assert_int_equal(mlab_tls_open(&to->tls, in, n, d, sizeof d, &len, &got, &closed, &to->wr), 0);
	free(in);
	assert_true(got);
	assert_false(closed);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(d, text, len);
}

static void connects(int cmax, int smax, const char *version)
{
	struct pair p;
	struct opts o = {.cmax = cmax, .smax = smax};
	const json_t *ha, *hb;
	pair_setup(&p, &o);
	handshake(&p);
	assert_err(p.ea, 0);
	assert_err(p.eb, 0);
	assert_int_equal(count(p.a.events, "handshake-done", &ha), 1);
	assert_int_equal(count(p.b.events, "handshake-done", &hb), 1);
	assert_string_equal(str(ha, "key_id"), str(hb, "key_id"));
	assert_string_equal(str(ha, "version"), version);
	assert_string_equal(str(hb, "version"), version);
	assert_int_equal(strlen(str(ha, "key_id")), 8);
	/* alice's checks, told as the lab engine tells them */
	assert_int_equal(count(p.a.events, "cert-chain", NULL), 2);
	assert_int_equal(count(p.a.events, "cert-check", NULL), 4);
	assert_int_equal(count(p.b.events, "cert-check", NULL), 0);
	pass(&p.a, &p.b, "transfer 100 to carol");
	pass(&p.b, &p.a, "bob got: transfer 100 to carol");
	/* close: bob sees alice's close_notify */
	uint8_t d[64];
	size_t len;
	bool got, closed;
	assert_int_equal(mlab_tls_close(&p.a.tls, &p.a.wr), 0);
	assert_int_equal(mlab_tls_open(&p.b.tls, p.a.out, p.a.wr.len, d, sizeof d, &len, &got, &closed, &p.b.wr), 0);
	assert_true(closed);
	pair_free(&p);
}

static void test_tls13(void **state)
{
	(void)state;
	connects(13, 13, "TLSv1.3");
}

static void test_tls12(void **state)
{
	(void)state;
	connects(12, 13, "TLSv1.2");
}

/* The key ids of two sessions differ: the exporter is per session. */
static void test_key_id_per_session(void **state)
{
	(void)state;
	struct pair p, q;
	struct opts o = {0};
	const json_t *a, *b;
	pair_setup(&p, &o);
	handshake(&p);
	pair_setup(&q, &o);
	handshake(&q);
	count(p.a.events, "session-key", &a);
	count(q.a.events, "session-key", &b);
	assert_string_not_equal(str(a, "key_id"), str(b, "key_id"));
	pair_free(&p);
	pair_free(&q);
}

/* A chain the lab's checks refuse: alice's error names the check, OpenSSL
 * sends the alert, bob fails on it; no handshake-done on either side. */
static void refused(const struct opts *o, int want, const char *check)
{
	struct pair p;
	const json_t *err, *cc = NULL;
	pair_setup(&p, o);
	handshake(&p);
	assert_err(p.ea, want);
	assert_int_equal(count(p.a.events, "error", &err), 1);
	assert_string_equal(str(err, "check"), mlab_err_check(want));
	assert_non_null(strstr(str(err, "detail"), "OpenSSL"));
	assert_int_equal(count(p.a.events, "handshake-done", NULL), 0);
	assert_int_equal(count(p.b.events, "handshake-done", NULL), 0);
	assert_err(p.eb, MLAB_E_PEER_ALERT);
	if (check) { /* the failed check is among the four, marked */
		size_t i;
		json_t *e;
		json_array_foreach(p.a.events, i, e)
		{
			if (strcmp(str(e, "event"), "cert-check") == 0 && strcmp(str(e, "check"), check) == 0)
				cc = e;
		}
		assert_non_null(cc);
		assert_true(json_is_false(json_object_get(cc, "ok")));
	}
	pair_free(&p);
}

static void test_rogue_root(void **state)
{
	(void)state;
	/* the same name as the lab root, another key: a name is not a key */
	struct opts o = {.chain = "rogue-bob.chain.pem", .key = "mallory.key"};
	refused(&o, MLAB_E_CERT_ISSUER, "cert-issuer");
	struct opts self = {.chain = "selfsigned-bob.chain.pem", .key = "mallory.key"};
	refused(&self, MLAB_E_CERT_ISSUER, "cert-issuer");
}

static void test_expired(void **state)
{
	(void)state;
	struct opts o = {.chain = "expired-bob.chain.pem", .key = "pki/expired-bob.key"};
	refused(&o, MLAB_E_CERT_EXPIRED, "cert-validity");
}

static void test_wrong_name(void **state)
{
	(void)state;
	struct opts o = {.chain = "mallory-lab.chain.pem", .key = "mallory.key"};
	refused(&o, MLAB_E_CERT_NAME, "cert-name");
	struct opts usage = {.chain = "noserver-bob.chain.pem", .key = "mallory.key"};
	refused(&usage, MLAB_E_CERT_USAGE, "cert-usage");
}

/* --insecure: the failure is shown (cert-ignored) and the handshake goes on. */
static void test_insecure_clicks_through(void **state)
{
	(void)state;
	struct pair p;
	struct opts o = {.chain = "selfsigned-bob.chain.pem", .key = "mallory.key", .insecure = true};
	pair_setup(&p, &o);
	handshake(&p);
	assert_err(p.ea, 0);
	assert_err(p.eb, 0);
	assert_int_equal(count(p.a.events, "cert-ignored", NULL), 1);
	assert_int_equal(count(p.a.events, "handshake-done", NULL), 1);
	pair_free(&p);
}

/* The SHA-256 of bob's leaf's SubjectPublicKeyInfo, from the PEM. */
static void bob_spki(uint8_t h[32])
{
	char path[512];
	FILE *f = fopen(pki("bob.crt", path, sizeof path), "r");
	assert_non_null(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	uint8_t *der = NULL;
	int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	unsigned hl;
	assert_true(len > 0 && EVP_Digest(der, (size_t)len, h, &hl, EVP_sha256(), NULL) == 1);
	OPENSSL_free(der);
	X509_free(x);
}

static void test_pin(void **state)
{
	(void)state;
	struct pair p;
	struct opts o = {.pin = true};
	bob_spki(o.pin_spki);
	pair_setup(&p, &o);
	handshake(&p);
	assert_err(p.ea, 0);
	pair_free(&p);
	o.pin_spki[0] ^= 1;
	refused(&o, MLAB_E_PIN_MISMATCH, NULL);
}

/* Both sides append SSLKEYLOGFILE lines; a TLS 1.3 session has five per side. */
static void test_keylog(void **state)
{
	(void)state;
	char path[] = "/tmp/mlab-tls-keylog-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct pair p;
	struct opts o = {.keylog = path, .cmax = 13};
	pair_setup(&p, &o);
	handshake(&p);
	assert_err(p.ea, 0);
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0, traffic = 0;
	while (f && fgets(line, sizeof line, f)) {
		n++;
		traffic += strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0;
	}
	if (f)
		fclose(f);
	unlink(path);
	assert_int_equal(n, 10);
	assert_int_equal(traffic, 2);
	pair_free(&p);
}

static void test_names(void **state)
{
	(void)state;
	char out[256];
	uint8_t pin[32];
	assert_int_equal(mlab_tls_groups("x25519,ffdhe2048", out, sizeof out), 0);
	assert_string_equal(out, "X25519:ffdhe2048");
	assert_err(mlab_tls_groups("lab-48", out, sizeof out), MLAB_E_BAD_FIELD);
	assert_err(mlab_tls_groups("x25519,", out, sizeof out), 0);
	assert_int_equal(mlab_tls_ciphers("chacha20-poly1305", out, sizeof out), 0);
	assert_string_equal(out, "TLS_CHACHA20_POLY1305_SHA256");
	assert_err(mlab_tls_ciphers("none", out, sizeof out), MLAB_E_BAD_FIELD);
	assert_int_equal(mlab_tls_parse_pin("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", pin),
			 0);
	assert_int_equal(pin[1], 0x11);
	assert_int_equal(mlab_tls_parse_pin("sha256//AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", pin), 0);
	assert_int_equal(pin[31], 31);
	assert_err(mlab_tls_parse_pin("sha256//AAEC", pin), MLAB_E_BAD_FIELD);
	assert_err(mlab_tls_parse_pin("0011", pin), MLAB_E_BAD_FIELD);
	assert_err(mlab_tls_parse_pin("zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", pin),
		   MLAB_E_BAD_FIELD);
}

/* A record changed on the way: the AEAD tag fails, record-auth, once. */
static void test_record_altered(void **state)
{
	(void)state;
	struct pair p;
	struct opts o = {0};
	uint8_t d[256];
	size_t len;
	bool got, closed;
	pair_setup(&p, &o);
	handshake(&p);
	assert_int_equal(mlab_tls_seal(&p.a.tls, (const uint8_t *)"transfer 100", 12, &p.a.wr), 0);
	p.a.out[p.a.wr.len - 3] ^= 0x40;
	assert_err(mlab_tls_open(&p.b.tls, p.a.out, p.a.wr.len, d, sizeof d, &len, &got, &closed, &p.b.wr),
		   MLAB_E_RECORD_AUTH);
	assert_false(got);
	assert_int_equal(count(p.b.events, "error", NULL), 1);
	pair_free(&p);
}

/* Garbage from the network ends the handshake with one error, no crash. */
static void test_garbage(void **state)
{
	(void)state;
	struct pair p;
	struct opts o = {0};
	pair_setup(&p, &o);
	static const uint8_t junk[] = "GET / HTTP/1.0\r\n\r\n";
	int e = mlab_tls_handshake(&p.b.tls, junk, sizeof junk - 1, &p.b.wr);
	assert_err(e, MLAB_E_TLS);
	assert_int_equal(count(p.b.events, "error", NULL), 1);
	assert_err(mlab_tls_handshake(&p.b.tls, junk, 1, &p.b.wr), MLAB_E_FAILED);
	assert_int_equal(count(p.b.events, "error", NULL), 1);
	pair_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls13),
	    cmocka_unit_test(test_tls12),
	    cmocka_unit_test(test_key_id_per_session),
	    cmocka_unit_test(test_rogue_root),
	    cmocka_unit_test(test_expired),
	    cmocka_unit_test(test_wrong_name),
	    cmocka_unit_test(test_insecure_clicks_through),
	    cmocka_unit_test(test_pin),
	    cmocka_unit_test(test_keylog),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_record_altered),
	};
	return cmocka_run_group_tests_name("tls", tests, NULL, NULL);
}
