/* Engine-level tests of mode cert and of trust on first use (lib/mlab_kex).
 *
 * alice (initiator) and bob (responder) talk in memory. A pump splits what
 * one side wrote into frames and hands them to the other, each as a heap copy
 * of exactly its length (ASan catches an over-read); on the way a hook may
 * replace, insert or rewrite bob's frames, as mallory would. The PKI is made
 * once per run with lib/mlab_pki (tests/helpers/cert_fx): bob's honest chain,
 * an expired one and one for another name over his key, and a real bob.lab
 * chain over mallory's key from the same CA.
 *
 * Every failure asserts the error, where it happened, exactly one "error"
 * event, exactly one ALERT with the code to the peer, and the peer's
 * peer-alert. Set MLAB_TEST_VERBOSE=1 to see the engines' human lines. */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "cert_fx.h"
#include "kex_pump.h"
#include "test_keys.h"
#include "test_util.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "mlab_buf.h"
#include "mlab_cert.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_event.h"
#include "mlab_kex.h"
#include "mlab_tofu.h"
#include "mlab_transcript.h"
#include "mlab_wire.h"

#define OUT_CAP (8 * MLAB_MAX_FRAME)
#define MAX_FRAMES 32
#define DAY CERT_FX_DAY

/* ======================================================================
 * The PKI and the fixture
 * ====================================================================== */

struct world;

struct fx {
	struct cert_fx pki;
	X509_STORE *store;
	struct mlab_chain bob, expired, other_name, mallory, wrong_order, critical, ec_leaf;
	char dir[64];
	struct world *live[4]; /* freed by the teardown after a failed assertion */
};

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* A chain of key's leaf (spec edited by edit) and the intermediate. */
static int make_chain(struct fx *f, EVP_PKEY *key, void (*edit)(struct mlab_cert_spec *, long long),
		      struct mlab_chain *c)
{
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, key);
	X509 *leaf = NULL;
	if (edit)
		edit(&s, f->pki.now);
	int e = mlab_pki_issue(&s, &leaf);
	if (e == 0) {
		X509 *xs[2] = {leaf, f->pki.inter};
		e = cert_fx_chain(xs, 2, c);
	}
	X509_free(leaf);
	return e;
}

static void ed_expired(struct mlab_cert_spec *s, long long now)
{
	s->not_before = now - 60 * DAY;
	s->not_after = now - DAY;
}

static void ed_other_name(struct mlab_cert_spec *s, long long now)
{
	(void)now;
	s->subject_cn = "carol.lab";
	s->san_dns = "carol.lab";
}

/* bob's leaf with an unknown critical extension, signed again by the CA. */
static int make_critical(struct fx *f, struct mlab_chain *c)
{
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, bob_key);
	static const uint8_t asn1_null[] = {0x05, 0x00};
	X509 *leaf = NULL;
	int e = mlab_pki_issue(&s, &leaf);
	ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.32473.1.1", 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ex = NULL;
	if (e == 0 && (!obj || !os || ASN1_OCTET_STRING_set(os, asn1_null, sizeof asn1_null) != 1 ||
		       !(ex = X509_EXTENSION_create_by_OBJ(NULL, obj, 1, os)) || X509_add_ext(leaf, ex, -1) != 1))
		e = MLAB_E_CRYPTO;
	if (e == 0)
		e = cert_fx_resign(leaf, f->pki.inter_key);
	if (e == 0) {
		X509 *xs[2] = {leaf, f->pki.inter};
		e = cert_fx_chain(xs, 2, c);
	}
	X509_EXTENSION_free(ex);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	X509_free(leaf);
	return e;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	*state = f;
	if (keys_setup(NULL) != 0 || cert_fx_init(&f->pki, (long long)time(NULL)) != 0 ||
	    cert_fx_store(f->pki.root, &f->store) != 0)
		return -1;
	if (make_chain(f, bob_key, NULL, &f->bob) || make_chain(f, bob_key, ed_expired, &f->expired) ||
	    make_chain(f, bob_key, ed_other_name, &f->other_name) || make_chain(f, mallory_key, NULL, &f->mallory) ||
	    make_critical(f, &f->critical))
		return -1;
	/* the honest chain, intermediate first */
	X509 *xs[2] = {f->pki.inter, NULL};
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, bob_key);
	if (mlab_pki_issue(&s, &xs[1]) != 0 || cert_fx_chain(xs, 2, &f->wrong_order) != 0) {
		X509_free(xs[1]);
		return -1;
	}
	X509_free(xs[1]);
	/* bob.lab over an EC P-256 key */
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	int e = ec ? make_chain(f, ec, NULL, &f->ec_leaf) : -1;
	EVP_PKEY_free(ec);
	if (e != 0)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/test_kex_cert.XXXXXX");
	if (!mkdtemp(f->dir)) {
		f->dir[0] = '\0';
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (!f)
		return 0;
	if (f->dir[0])
		nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	struct mlab_chain *cs[] = {&f->bob,	    &f->expired,  &f->other_name, &f->mallory,
				   &f->wrong_order, &f->critical, &f->ec_leaf};
	for (size_t i = 0; i < N_OF(cs); i++)
		mlab_chain_free(cs[i]);
	X509_STORE_free(f->store);
	cert_fx_free(&f->pki);
	keys_teardown(NULL);
	free(f);
	return 0;
}

/* ======================================================================
 * Frames, parties, the pump
 * ====================================================================== */

struct frame {
	uint8_t type;
	uint8_t *body; /* heap, exactly len bytes */
	size_t len;
};

struct flist {
	struct frame f[MAX_FRAMES];
	size_t n;
};

static void fl_insert(struct flist *l, size_t at, uint8_t type, const uint8_t *body, size_t len)
{
	assert_true(l->n < MAX_FRAMES && at <= l->n);
	memmove(&l->f[at + 1], &l->f[at], (l->n - at) * sizeof l->f[0]);
	l->f[at] = (struct frame){type, dup_exact(body, len), len};
	l->n++;
}

static void fl_remove(struct flist *l, size_t at)
{
	assert_true(at < l->n);
	free(l->f[at].body);
	memmove(&l->f[at], &l->f[at + 1], (l->n - at - 1) * sizeof l->f[0]);
	l->n--;
}

static void fl_replace(struct flist *l, size_t at, uint8_t type, const uint8_t *body, size_t len)
{
	fl_insert(l, at + 1, type, body, len);
	fl_remove(l, at);
}

static void fl_clear(struct flist *l)
{
	while (l->n)
		fl_remove(l, l->n - 1);
}

static int fl_find(const struct flist *l, uint8_t type)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->f[i].type == type)
			return (int)i;
	return -1;
}

enum { A2B = 0, B2A = 1 };

struct party {
	const char *name;
	struct mlab_kex k;
	struct mlab_ev ev;
	json_t *events; /* deep copies, in order */
	uint8_t *obuf;
	struct mlab_wr out;
	int n_alerts, alert_sent; /* ALERT frames written, the last one's code */
};

typedef void (*hook_fn)(struct world *w, struct flist *batch);

struct world {
	struct fx *fx;
	struct party a, b;
	hook_fn hook; /* on each batch bob sends */
	void *hook_arg;
	bool hooked;
	struct flist delivered[2]; /* what each side was handed */
};

static void sink(void *arg, const char *name, const json_t *event)
{
	struct party *p = arg;
	(void)name;
	assert_int_equal(json_array_append_new(p->events, json_deep_copy(event)), 0);
}

static void party_init(struct party *p, const char *name)
{
	p->name = name;
	mlab_ev_init(&p->ev, name, -1, getenv("MLAB_TEST_VERBOSE") ? stderr : NULL);
	p->ev.sink = sink;
	p->ev.sink_arg = p;
	p->events = json_array();
	p->obuf = malloc(OUT_CAP);
	assert_non_null(p->events);
	assert_non_null(p->obuf);
	mlab_wr_init(&p->out, p->obuf, OUT_CAP);
}

static void world_free(struct world *w)
{
	for (size_t i = 0; i < N_OF(w->fx->live); i++)
		if (w->fx->live[i] == w)
			w->fx->live[i] = NULL;
	struct party *ps[2] = {&w->a, &w->b};
	for (int i = 0; i < 2; i++) {
		mlab_kex_free(&ps[i]->k);
		json_decref(ps[i]->events);
		free(ps[i]->obuf);
		fl_clear(&w->delivered[i]);
	}
	free(w);
}

/* Each test's teardown. */
static int release(void **state)
{
	struct fx *f = *state;
	for (size_t i = 0; i < N_OF(f->live); i++)
		if (f->live[i])
			world_free(f->live[i]);
	return 0;
}

static struct world *world_new(struct fx *f, const struct mlab_kex_config *ca, const struct mlab_kex_config *cb)
{
	struct world *w = calloc(1, sizeof *w);
	size_t i = 0;
	assert_non_null(w);
	while (i < N_OF(f->live) && f->live[i])
		i++;
	assert_true(i < N_OF(f->live));
	f->live[i] = w;
	w->fx = f;
	party_init(&w->a, "alice");
	party_init(&w->b, "bob");
	assert_err(mlab_kex_init(&w->a.k, ca, &w->a.ev), 0);
	assert_err(mlab_kex_init(&w->b.k, cb, &w->b.ev), 0);
	return w;
}

/* Splits what p wrote since the last call into frames, counting its ALERTs. */
static void collect(struct party *p, struct flist *batch)
{
	struct mlab_rd r;
	mlab_rd_init(&r, p->out.p, p->out.len);
	while (mlab_rd_left(&r)) {
		uint8_t type = 0;
		const uint8_t *body = NULL;
		uint32_t len = 0;
		assert_err(mlab_frame_next(&r, &type, &body, &len), 0);
		if (type == MLAB_MSG_ALERT) {
			struct mlab_alert a;
			assert_err(mlab_alert_decode(body, len, &a), 0);
			p->alert_sent = -(int)a.code;
			p->n_alerts++;
		}
		if (batch)
			fl_insert(batch, batch->n, type, body, len);
	}
	p->out.len = 0;
}

static int input(struct party *p, uint8_t type, const uint8_t *body, size_t len)
{
	uint8_t *copy = dup_exact(body, len);
	int e = mlab_kex_input(&p->k, type, copy, len, &p->out);
	free(copy);
	return e;
}

/* Everything one side wrote, to the other; stops at the receiver's first
 * error (a failed peer closes the connection). */
static void pump(struct world *w, int dir)
{
	struct party *from = dir == A2B ? &w->a : &w->b, *to = dir == A2B ? &w->b : &w->a;
	struct flist *b = calloc(1, sizeof *b);
	int e = 0;

	assert_non_null(b);
	collect(from, b);
	if (dir == B2A && w->hook && b->n)
		w->hook(w, b);
	for (size_t i = 0; i < b->n && e == 0; i++) {
		fl_insert(&w->delivered[dir], w->delivered[dir].n, b->f[i].type, b->f[i].body, b->f[i].len);
		e = input(to, b->f[i].type, b->f[i].body, b->f[i].len);
	}
	fl_clear(b);
	free(b);
}

static void run(struct world *w)
{
	assert_err(mlab_kex_start(&w->a.k, &w->a.out), 0);
	for (int i = 0; i < 16; i++) {
		if (!w->a.out.len && !w->b.out.len)
			return;
		pump(w, A2B);
		pump(w, B2A);
	}
	fail_msg("the engines are still talking after 16 rounds");
}

/* ======================================================================
 * Configurations
 * ====================================================================== */

static struct mlab_trust trust_of(const struct fx *f)
{
	struct mlab_trust t = {.store = f->store, .now = f->pki.now, .have_now = true, .check_name = true};
	snprintf(t.name, sizeof t.name, "%s", CERT_FX_NAME);
	return t;
}

static struct mlab_kex_config alice_cert(const struct mlab_trust *t)
{
	struct mlab_kex_config c =
	    kex_cfg(MLAB_INITIATOR, MLAB_MODE_CERT, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	c.trust = t;
	return c;
}

static struct mlab_kex_config bob_cert(const struct mlab_chain *chain, EVP_PKEY *key)
{
	struct mlab_kex_config c =
	    kex_cfg(MLAB_RESPONDER, MLAB_MODE_CERT, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	c.own_key = key;
	c.chain = chain;
	return c;
}

static struct world *cert_world(struct fx *f, const struct mlab_trust *t, const struct mlab_chain *chain)
{
	struct mlab_kex_config a = alice_cert(t), b = bob_cert(chain, bob_key);
	return world_new(f, &a, &b);
}

/* ======================================================================
 * Events and assertions
 * ====================================================================== */

static const char *ev_name(const json_t *e)
{
	const char *s = json_string_value(json_object_get(e, "event"));
	return s ? s : "";
}

static size_t ev_count(const struct party *p, const char *name)
{
	size_t n = 0, i;
	json_t *e;
	json_array_foreach(p->events, i, e) n += strcmp(ev_name(e), name) == 0;
	return n;
}

static json_t *ev_nth(const struct party *p, const char *name, size_t nth)
{
	size_t i;
	json_t *e;
	json_array_foreach(p->events, i, e) if (strcmp(ev_name(e), name) == 0 && nth-- == 0) return e;
	fail_msg("%s: no \"%s\" event #%zu", p->name, name, nth);
	return NULL;
}

/* Index of the first event of that name, or -1. */
static int ev_index(const struct party *p, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(p->events, i, e) if (strcmp(ev_name(e), name) == 0) return (int)i;
	return -1;
}

static const char *str_of(const json_t *e, const char *field)
{
	const char *s = json_string_value(json_object_get(e, field));
	if (!s)
		fail_msg("event \"%s\" has no string field \"%s\"", ev_name(e), field);
	return s;
}

static long long int_of(const json_t *e, const char *field)
{
	json_t *v = json_object_get(e, field);
	if (!json_is_integer(v))
		fail_msg("event \"%s\" has no integer field \"%s\"", ev_name(e), field);
	return (long long)json_integer_value(v);
}

static void kid_of(EVP_PKEY *k, char id[9])
{
	uint8_t pub[32];
	assert_err(mlab_ed25519_raw_public(k, pub), 0);
	assert_err(mlab_key_id(pub, sizeof pub, id), 0);
}

static void assert_connected(struct world *w)
{
	struct party *ps[2] = {&w->a, &w->b};
	for (int i = 0; i < 2; i++) {
		if (ps[i]->k.err || ev_count(ps[i], "error"))
			fail_msg("%s failed with %s", ps[i]->name, mlab_err_name(ps[i]->k.err));
		assert_true(mlab_kex_connected(&ps[i]->k));
		assert_int_equal(ps[i]->n_alerts, 0);
	}
	assert_string_equal(w->a.k.keys.key_id, w->b.k.keys.key_id);
	assert_string_equal(str_of(ev_nth(&w->a, "session-key", 0), "key_id"),
			    str_of(ev_nth(&w->b, "session-key", 0), "key_id"));
	assert_memory_equal(w->a.k.keys.master, w->b.k.keys.master, sizeof w->a.k.keys.master);
}

/* p failed with code in state where: one error event, one ALERT saying so
 * (none when it was the peer's ALERT). */
static void assert_failed(struct party *p, int code, const char *where)
{
	collect(p, NULL);
	if (p->k.err != code)
		fail_msg("%s: k.err is %s, expected %s", p->name, mlab_err_name(p->k.err), mlab_err_name(code));
	assert_int_equal(p->k.state, MLAB_KEX_FAILED);
	if (ev_count(p, "error") != 1)
		fail_msg("%s: %zu error events, expected 1", p->name, ev_count(p, "error"));
	json_t *e = ev_nth(p, "error", 0);
	assert_string_equal(str_of(e, "error"), mlab_err_name(code));
	assert_int_equal(int_of(e, "code"), code);
	if (where && strcmp(str_of(e, "where"), where) != 0)
		fail_msg("%s: failed in %s, expected %s", p->name, str_of(e, "where"), where);
	if (code == MLAB_E_PEER_ALERT) {
		assert_int_equal(p->n_alerts, 0);
	} else {
		if (p->n_alerts != 1)
			fail_msg("%s: %d ALERTs written, expected exactly 1", p->name, p->n_alerts);
		assert_err(p->alert_sent, code);
	}
}

/* alice refused with code in where; bob heard it. */
static void assert_alice_refused(struct world *w, int code, const char *where)
{
	assert_failed(&w->a, code, where);
	assert_failed(&w->b, MLAB_E_PEER_ALERT, NULL);
	assert_err(w->b.k.peer_alert, code);
	assert_int_equal(ev_count(&w->a, "signature-verified"), 0);
	assert_int_equal(ev_count(&w->a, "cert-ignored"), 0);
}

/* The four cert-check events, in order; ok[] as expected. */
static void assert_cert_checks(const struct party *p, const int err[MLAB_CC_N])
{
	assert_int_equal(ev_count(p, "cert-check"), MLAB_CC_N);
	for (int c = 0; c < MLAB_CC_N; c++) {
		json_t *e = ev_nth(p, "cert-check", (size_t)c);
		assert_string_equal(str_of(e, "check"), mlab_cert_check_name((enum mlab_cert_check)c));
		assert_int_equal(json_is_true(json_object_get(e, "ok")), err[c] == 0);
		if (err[c])
			assert_string_equal(str_of(e, "error"), mlab_err_name(err[c]));
		else
			assert_null(json_object_get(e, "error"));
	}
}

/* A Certificate message body for chain (or for m's slices). */
static size_t cert_body(const struct mlab_chain *chain, uint8_t *out, size_t cap)
{
	struct mlab_certificate m;
	struct mlab_wr w;
	mlab_chain_msg(chain, &m);
	mlab_wr_init(&w, out, cap);
	assert_err(mlab_certificate_encode(&w, &m), 0);
	memmove(out, out + MLAB_FRAME_HDR, w.len - MLAB_FRAME_HDR);
	return w.len - MLAB_FRAME_HDR;
}

/* ======================================================================
 * Mode cert: honest, and each check failing
 * ====================================================================== */

static void test_cert_handshake_succeeds(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct world *w = cert_world(f, &t, &f->bob);
	char bob_kid[9], inter_kid[9];
	static const int ok[MLAB_CC_N] = {0};

	run(w);
	assert_connected(w);
	kid_of(bob_key, bob_kid);
	kid_of(f->pki.inter_key, inter_kid);
	assert_int_equal(w->a.k.mode, MLAB_MODE_CERT);

	/* bob sent his chain, alice received, showed and checked it */
	json_t *sent = ev_nth(&w->b, "cert-sent", 0);
	assert_int_equal(int_of(sent, "n"), 2);
	assert_string_equal(str_of(sent, "key_id"), bob_kid);
	assert_int_equal(ev_count(&w->a, "cert-received"), 1);
	assert_int_equal(int_of(ev_nth(&w->a, "cert-received", 0), "n"), 2);
	assert_int_equal(ev_count(&w->a, "cert-chain"), 2);
	json_t *leaf = ev_nth(&w->a, "cert-chain", 0), *inter = ev_nth(&w->a, "cert-chain", 1);
	assert_int_equal(int_of(leaf, "depth"), 0);
	assert_int_equal(int_of(inter, "depth"), 1);
	assert_string_equal(str_of(leaf, "key_id"), bob_kid);
	assert_string_equal(str_of(inter, "key_id"), inter_kid);
	assert_string_equal(str_of(leaf, "san"), CERT_FX_NAME);
	assert_non_null(strstr(str_of(leaf, "subject"), "CN=bob.lab"));
	assert_int_equal(int_of(leaf, "not_after"), f->pki.now + 30 * DAY);
	assert_cert_checks(&w->a, ok);
	json_t *sv = ev_nth(&w->a, "signature-verified", 0);
	assert_string_equal(str_of(sv, "trust"), "certified");
	assert_string_equal(str_of(sv, "signer_key"), bob_kid);
	/* in that order, and nothing weakened */
	int i_recv = ev_index(&w->a, "cert-received"), i_chain = ev_index(&w->a, "cert-chain"),
	    i_check = ev_index(&w->a, "cert-check"), i_sig = ev_index(&w->a, "signature-verified");
	assert_true(i_recv >= 0 && i_recv < i_chain && i_chain < i_check && i_check < i_sig);
	assert_int_equal(ev_count(&w->a, "cert-ignored"), 0);
	assert_int_equal(ev_count(&w->a, "weakened"), 0);
	/* bob's flight: ServerHello, KeyShare, Certificate, Signature */
	static const uint8_t flight[] = {MLAB_MSG_SERVER_HELLO, MLAB_MSG_KEY_SHARE, MLAB_MSG_CERTIFICATE,
					 MLAB_MSG_SIGNATURE, MLAB_MSG_FINISHED};
	assert_int_equal(w->delivered[B2A].n, N_OF(flight));
	for (size_t i = 0; i < N_OF(flight); i++)
		assert_int_equal(w->delivered[B2A].f[i].type, flight[i]);
	world_free(w);
}

static void test_cert_expired_refused(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct world *w = cert_world(f, &t, &f->expired);
	static const int want[MLAB_CC_N] = {0, MLAB_E_CERT_EXPIRED, 0, 0};

	run(w);
	assert_alice_refused(w, MLAB_E_CERT_EXPIRED, "wait-server-certificate");
	assert_cert_checks(&w->a, want);
	assert_int_equal(ev_count(&w->a, "cert-chain"), 2);
	world_free(w);
}

static void test_cert_wrong_name_refused(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct world *w = cert_world(f, &t, &f->other_name);
	static const int want[MLAB_CC_N] = {0, 0, MLAB_E_CERT_NAME, 0};

	run(w);
	assert_alice_refused(w, MLAB_E_CERT_NAME, "wait-server-certificate");
	assert_cert_checks(&w->a, want);
	world_free(w);
}

/* --no-name-check: the same chain goes through, the check shown skipped. */
static void test_cert_wrong_name_no_name_check(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	t.check_name = false;
	struct world *w = cert_world(f, &t, &f->other_name);

	run(w);
	assert_connected(w);
	assert_string_equal(str_of(ev_nth(&w->a, "weakened", 0), "disabled"), "name-check");
	json_t *name = ev_nth(&w->a, "cert-check", MLAB_CC_NAME);
	assert_true(json_is_true(json_object_get(name, "skipped")));
	assert_true(json_is_true(json_object_get(name, "ok")));
	world_free(w);
}

static void test_cert_unknown_issuer_refused(void **state)
{
	struct fx *f = *state;
	struct cert_fx other;
	X509_STORE *st = NULL;
	struct mlab_trust t = trust_of(f);
	static const int want[MLAB_CC_N] = {MLAB_E_CERT_ISSUER, 0, 0, 0};

	assert_err(cert_fx_init(&other, f->pki.now), 0);
	int e = cert_fx_store(other.root, &st);
	cert_fx_free(&other);
	assert_err(e, 0);
	t.store = st;
	struct world *w = cert_world(f, &t, &f->bob);
	run(w);
	/* the engine keeps no reference to the store once the checks ran */
	X509_STORE_free(st);
	assert_alice_refused(w, MLAB_E_CERT_ISSUER, "wait-server-certificate");
	assert_cert_checks(&w->a, want);
	world_free(w);
}

/* --insecure: failures are shown, then clicked through. */
static void test_cert_insecure_expired_clicked_through(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	t.insecure = true;
	struct world *w = cert_world(f, &t, &f->expired);
	static const int want[MLAB_CC_N] = {0, MLAB_E_CERT_EXPIRED, 0, 0};

	run(w);
	assert_connected(w);
	assert_string_equal(str_of(ev_nth(&w->a, "weakened", 0), "disabled"), "certificate-verification");
	assert_cert_checks(&w->a, want);
	assert_int_equal(ev_count(&w->a, "cert-ignored"), 1);
	assert_string_equal(str_of(ev_nth(&w->a, "cert-ignored", 0), "error"), "cert-expired");
	assert_true(ev_index(&w->a, "cert-check") < ev_index(&w->a, "cert-ignored"));
	assert_true(ev_index(&w->a, "cert-ignored") < ev_index(&w->a, "signature-verified"));
	assert_string_equal(str_of(ev_nth(&w->a, "signature-verified", 0), "trust"), "certified");
	world_free(w);
}

/* --insecure without --ca: nothing chains, and alice still goes on. */
static void test_cert_insecure_without_store(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	t.insecure = true;
	t.store = NULL;
	struct world *w = cert_world(f, &t, &f->bob);

	run(w);
	assert_connected(w);
	assert_string_equal(str_of(ev_nth(&w->a, "cert-ignored", 0), "error"), "cert-issuer");
	world_free(w);
}

/* ======================================================================
 * The certified key and the Signature's key
 * ====================================================================== */

/* bob's key in the Signature, mallory's in a real bob.lab certificate. */
static void hook_swap_chain(struct world *w, struct flist *b)
{
	const struct mlab_chain *chain = w->hook_arg;
	int i = fl_find(b, MLAB_MSG_CERTIFICATE);
	uint8_t body[MLAB_MAX_CERT_BODY + MLAB_FRAME_HDR];
	if (i < 0)
		return;
	size_t n = cert_body(chain, body, sizeof body);
	fl_replace(b, (size_t)i, MLAB_MSG_CERTIFICATE, body, n);
	w->hooked = true;
}

static void test_cert_key_mismatch_chain_replaced(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct world *w = cert_world(f, &t, &f->bob);
	static const int ok[MLAB_CC_N] = {0};
	char bob_kid[9], mal_kid[9];

	w->hook = hook_swap_chain;
	w->hook_arg = &f->mallory;
	run(w);
	assert_true(w->hooked);
	assert_cert_checks(&w->a, ok); /* mallory's chain is a good one */
	assert_alice_refused(w, MLAB_E_CERT_KEY, "wait-server-signature");
	kid_of(bob_key, bob_kid);
	kid_of(mallory_key, mal_kid);
	json_t *sk = ev_nth(&w->a, "signature-key", 0);
	assert_string_equal(str_of(sk, "signer_key"), bob_kid);
	assert_string_equal(str_of(sk, "pinned_key"), mal_kid);
	world_free(w);
}

/* The Signature rewritten: signer's key and a valid signature by it over
 * exactly what alice saw — a good signature by an uncertified key. */
struct resign {
	EVP_PKEY *key;
};

static void hook_resign(struct world *w, struct flist *b)
{
	struct resign *rs = w->hook_arg;
	int i = fl_find(b, MLAB_MSG_SIGNATURE);
	if (i < 0)
		return;
	/* alice's transcript: her ClientHello, then bob's frames before it */
	struct mlab_transcript tr;
	struct mlab_client_hello ch;
	struct mlab_server_hello sh;
	const struct frame *chf = &w->delivered[A2B].f[0];
	assert_int_equal(chf->type, MLAB_MSG_CLIENT_HELLO);
	assert_err(mlab_client_hello_decode(chf->body, chf->len, &ch), 0);
	assert_int_equal(b->f[0].type, MLAB_MSG_SERVER_HELLO);
	assert_err(mlab_server_hello_decode(b->f[0].body, b->f[0].len, &sh), 0);
	assert_err(mlab_transcript_init(&tr), 0);
	assert_err(mlab_transcript_frame(&tr, chf->type, chf->body, chf->len), 0);
	for (int j = 0; j < i; j++)
		assert_err(mlab_transcript_frame(&tr, b->f[j].type, b->f[j].body, b->f[j].len), 0);
	uint8_t th[MLAB_SHA256_LEN], tbs[MLAB_TBS_MAX];
	size_t n;
	assert_err(mlab_transcript_hash(&tr, th), 0);
	mlab_transcript_free(&tr);
	assert_err(mlab_kex_tbs(MLAB_SCOPE_TRANSCRIPT, MLAB_RESPONDER, th, ch.nonce, sh.nonce, NULL, 0, tbs, &n), 0);
	struct mlab_signature s = {.scheme = MLAB_SIG_ED25519};
	assert_err(mlab_ed25519_raw_public(rs->key, s.pub), 0);
	assert_err(mlab_ed25519_sign(rs->key, tbs, n, s.sig), 0);
	uint8_t buf[256];
	struct mlab_wr wr;
	mlab_wr_init(&wr, buf, sizeof buf);
	assert_err(mlab_signature_encode(&wr, &s), 0);
	fl_replace(b, (size_t)i, MLAB_MSG_SIGNATURE, buf + MLAB_FRAME_HDR, wr.len - MLAB_FRAME_HDR);
	w->hooked = true;
}

static void test_cert_key_mismatch_signature_rewritten(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct resign rs = {bob_key};

	/* the rewrite itself is right: re-signed by bob, alice connects */
	struct world *w = cert_world(f, &t, &f->bob);
	w->hook = hook_resign;
	w->hook_arg = &rs;
	run(w);
	assert_true(w->hooked);
	assert_connected(w);
	world_free(w);

	/* by mallory, over the same bytes: refused by the key check */
	rs.key = mallory_key;
	w = cert_world(f, &t, &f->bob);
	w->hook = hook_resign;
	w->hook_arg = &rs;
	run(w);
	assert_true(w->hooked);
	assert_alice_refused(w, MLAB_E_CERT_KEY, "wait-server-signature");
	world_free(w);
}

/* mallory's chain and mallory's Signature together are a valid identity
 * for bob.lab: nothing in alice can tell (the stolen-CA lesson). */
static void test_cert_chain_and_signature_both_replaced_pass(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_kex_config a = alice_cert(&t), b = bob_cert(&f->mallory, mallory_key);
	struct world *w = world_new(f, &a, &b);
	char mal_kid[9];

	run(w);
	assert_connected(w);
	kid_of(mallory_key, mal_kid);
	assert_string_equal(str_of(ev_nth(&w->a, "signature-verified", 0), "signer_key"), mal_kid);
	world_free(w);
}

/* ======================================================================
 * Order and malformed bodies
 * ====================================================================== */

static void hook_insert_chain_before_sig(struct world *w, struct flist *b)
{
	const struct mlab_chain *chain = w->hook_arg;
	int i = fl_find(b, MLAB_MSG_SIGNATURE);
	uint8_t body[MLAB_MAX_CERT_BODY + MLAB_FRAME_HDR];
	if (i < 0)
		return;
	size_t n = cert_body(chain, body, sizeof body);
	fl_insert(b, (size_t)i, MLAB_MSG_CERTIFICATE, body, n);
	w->hooked = true;
}

static void test_certificate_in_mode_sign_unexpected(void **state)
{
	struct fx *f = *state;
	struct mlab_kex_config a =
	    kex_cfg(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b =
	    kex_cfg(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	a.peer_key = bob_pub;
	b.own_key = bob_key;
	struct world *w = world_new(f, &a, &b);

	w->hook = hook_insert_chain_before_sig;
	w->hook_arg = &f->bob;
	run(w);
	assert_true(w->hooked);
	assert_alice_refused(w, MLAB_E_UNEXPECTED, "wait-server-signature");
	assert_int_equal(ev_count(&w->a, "cert-received"), 0);
	world_free(w);
}

/* In mode cert: a second Certificate, or none at all. */
static void hook_drop_chain(struct world *w, struct flist *b)
{
	int i = fl_find(b, MLAB_MSG_CERTIFICATE);
	if (i < 0)
		return;
	fl_remove(b, (size_t)i);
	w->hooked = true;
}

static void test_certificate_twice_or_missing_unexpected(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct world *w = cert_world(f, &t, &f->bob);

	w->hook = hook_insert_chain_before_sig;
	w->hook_arg = &f->bob;
	run(w);
	assert_alice_refused(w, MLAB_E_UNEXPECTED, "wait-server-signature");
	world_free(w);

	w = cert_world(f, &t, &f->bob);
	w->hook = hook_drop_chain;
	run(w);
	assert_true(w->hooked);
	assert_alice_refused(w, MLAB_E_UNEXPECTED, "wait-server-certificate");
	assert_int_equal(ev_count(&w->a, "cert-received"), 0);
	world_free(w);
}

struct body {
	uint8_t b[MLAB_MAX_CERT_BODY];
	size_t n;
};

static void hook_replace_body(struct world *w, struct flist *b)
{
	const struct body *bd = w->hook_arg;
	int i = fl_find(b, MLAB_MSG_CERTIFICATE);
	if (i < 0)
		return;
	fl_replace(b, (size_t)i, MLAB_MSG_CERTIFICATE, bd->b, bd->n);
	w->hooked = true;
}

static void set_body(struct body *bd, const uint8_t *p, size_t n)
{
	assert_true(n <= sizeof bd->b);
	memcpy(bd->b, p, n);
	bd->n = n;
}

enum { SEEN_NONE, SEEN_RECEIVED, SEEN_CHECKS };

/* A Certificate body that must be refused (code) whatever alice's settings:
 * --insecure clicks through failed checks, never a message that does not
 * decode or a chain that does not parse. */
static void refuse_body(struct fx *f, const struct body *bd, int code, int seen, const char *what)
{
	for (int insecure = 0; insecure < 2; insecure++) {
		struct mlab_trust t = trust_of(f);
		t.insecure = insecure;
		struct world *w = cert_world(f, &t, &f->bob);
		w->hook = hook_replace_body;
		w->hook_arg = (void *)bd;
		run(w);
		assert_true(w->hooked);
		if (w->a.k.err != code)
			fail_msg("%s%s: alice %s, expected %s", what, insecure ? " (--insecure)" : "",
				 mlab_err_name(w->a.k.err), mlab_err_name(code));
		assert_alice_refused(w, code, "wait-server-certificate");
		assert_int_equal(ev_count(&w->a, "cert-received"), seen >= SEEN_RECEIVED);
		assert_int_equal(ev_count(&w->a, "cert-check"), seen >= SEEN_CHECKS ? MLAB_CC_N : 0);
		world_free(w);
	}
}

static void test_certificate_malformed_bodies(void **state)
{
	struct fx *f = *state;
	struct body *bd = calloc(1, sizeof *bd);
	uint8_t honest[MLAB_MAX_CERT_BODY + MLAB_FRAME_HDR];
	size_t hn = cert_body(&f->bob, honest, sizeof honest);
	assert_non_null(bd);

	static const uint8_t count0[] = {0};
	set_body(bd, count0, sizeof count0);
	refuse_body(f, bd, MLAB_E_EMPTY, SEEN_NONE, "count 0");
	static const uint8_t count9[] = {9, 0, 1, 0x30};
	set_body(bd, count9, sizeof count9);
	refuse_body(f, bd, MLAB_E_TOO_LONG, SEEN_NONE, "count 9");
	static const uint8_t count50[] = {50, 0, 1, 0x30};
	set_body(bd, count50, sizeof count50);
	refuse_body(f, bd, MLAB_E_TOO_LONG, SEEN_NONE, "count 50");
	static const uint8_t empty_cert[] = {1, 0, 0};
	set_body(bd, empty_cert, sizeof empty_cert);
	refuse_body(f, bd, MLAB_E_EMPTY, SEEN_NONE, "a zero-length certificate");
	static const uint8_t over[] = {1, 0xff, 0xff, 0x30};
	set_body(bd, over, sizeof over);
	refuse_body(f, bd, MLAB_E_TOO_LONG, SEEN_NONE, "length 0xffff");
	set_body(bd, honest, hn - 1);
	refuse_body(f, bd, MLAB_E_TRUNCATED, SEEN_NONE, "the honest body less its last byte");
	set_body(bd, honest, hn);
	bd->b[hn] = 0;
	bd->n = hn + 1;
	refuse_body(f, bd, MLAB_E_TRAILING, SEEN_NONE, "the honest body and a byte");
	static const uint8_t junk[] = {1, 0, 4, 0x30, 0x02, 0x05, 0x00};
	set_body(bd, junk, sizeof junk);
	refuse_body(f, bd, MLAB_E_CERT_PARSE, SEEN_RECEIVED, "DER that is no certificate");
	/* the leaf with one byte more inside its vec16 */
	bd->n = 0;
	bd->b[bd->n++] = 1;
	bd->b[bd->n++] = (uint8_t)((f->bob.len[0] + 1) >> 8);
	bd->b[bd->n++] = (uint8_t)(f->bob.len[0] + 1);
	memcpy(bd->b + bd->n, f->bob.der[0], f->bob.len[0]);
	bd->n += f->bob.len[0];
	bd->b[bd->n++] = 0;
	refuse_body(f, bd, MLAB_E_CERT_PARSE, SEEN_RECEIVED, "a certificate with a trailing byte");
	bd->n = cert_body(&f->wrong_order, bd->b, sizeof bd->b);
	refuse_body(f, bd, MLAB_E_CERT_ORDER, SEEN_RECEIVED, "intermediate first");
	bd->n = cert_body(&f->critical, bd->b, sizeof bd->b);
	refuse_body(f, bd, MLAB_E_CERT_CRITICAL, SEEN_RECEIVED, "an unknown critical extension");
	bd->n = cert_body(&f->ec_leaf, bd->b, sizeof bd->b);
	refuse_body(f, bd, MLAB_E_CERT_PARSE, SEEN_RECEIVED, "an EC P-256 leaf");
	free(bd);
}

/* A zero-length body handed straight to the engine (no frame can carry one:
 * mlab_frame_check says empty). */
static void test_certificate_zero_length_body(void **state)
{
	struct fx *f = *state;
	for (int insecure = 0; insecure < 2; insecure++) {
		struct mlab_trust t = trust_of(f);
		t.insecure = insecure;
		struct world *w = cert_world(f, &t, &f->bob);
		assert_err(mlab_kex_start(&w->a.k, &w->a.out), 0);
		pump(w, A2B);
		struct flist b = {0};
		collect(&w->b, &b);
		int e = 0;
		for (size_t i = 0; i < b.n && e == 0 && b.f[i].type != MLAB_MSG_CERTIFICATE; i++)
			e = input(&w->a, b.f[i].type, b.f[i].body, b.f[i].len);
		fl_clear(&b);
		assert_err(e, 0);
		assert_int_equal(w->a.k.state, MLAB_KEX_WAIT_SERVER_CERT);
		assert_err(input(&w->a, MLAB_MSG_CERTIFICATE, NULL, 0), MLAB_E_TRUNCATED);
		assert_failed(&w->a, MLAB_E_TRUNCATED, "wait-server-certificate");
		assert_int_equal(ev_count(&w->a, "cert-ignored"), 0);
		world_free(w);
	}
}

/* ======================================================================
 * Configuration
 * ====================================================================== */

static void test_cert_init_checks(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_kex k;
	struct mlab_kex_config c;

	c = alice_cert(NULL);
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_TRUST);
	mlab_kex_free(&k);
	t.store = NULL;
	c = alice_cert(&t);
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_TRUST); /* no roots, not clicking through */
	mlab_kex_free(&k);
	t.insecure = true;
	assert_err(mlab_kex_init(&k, &c, NULL), 0);
	mlab_kex_free(&k);

	c = bob_cert(NULL, bob_key);
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_KEY);
	mlab_kex_free(&k);
	c = bob_cert(&f->bob, NULL);
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_KEY);
	mlab_kex_free(&k);
	/* a chain that certifies another key than the one bob signs with */
	c = bob_cert(&f->mallory, bob_key);
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_CERT_KEY);
	assert_err(k.err, MLAB_E_CERT_KEY);
	mlab_kex_free(&k);
	c = bob_cert(&f->ec_leaf, bob_key);
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_CERT_PARSE);
	mlab_kex_free(&k);
	c = bob_cert(&f->bob, bob_key);
	assert_err(mlab_kex_init(&k, &c, NULL), 0);
	mlab_kex_free(&k);
}

/* ======================================================================
 * Trust on first use (mode sign, no pinned key)
 * ====================================================================== */

static struct world *tofu_world(struct fx *f, const struct mlab_trust *t, EVP_PKEY *bobs)
{
	struct mlab_kex_config a =
	    kex_cfg(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_kex_config b =
	    kex_cfg(MLAB_RESPONDER, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	a.trust = t;
	b.own_key = bobs;
	return world_new(f, &a, &b);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		return NULL;
	char *s = calloc(1, 4096);
	assert_non_null(s);
	size_t n = fread(s, 1, 4095, fp);
	s[n] = '\0';
	fclose(fp);
	return s;
}

static void fp_of(EVP_PKEY *k, char fp[MLAB_TOFU_FP_LEN])
{
	uint8_t pub[32];
	assert_err(mlab_ed25519_raw_public(k, pub), 0);
	assert_err(mlab_tofu_fingerprint(pub, sizeof pub, fp), 0);
}

static void test_tofu_new_known_changed(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	char path[128], bob_fp[MLAB_TOFU_FP_LEN], mal_fp[MLAB_TOFU_FP_LEN], want[256];
	struct stat st;

	snprintf(path, sizeof path, "%s/known.tofu", f->dir);
	t.tofu = path;
	t.store = NULL;
	fp_of(bob_key, bob_fp);
	fp_of(mallory_key, mal_fp);
	assert_int_equal(stat(path, &st), -1); /* first contact: no store yet */

	/* first contact: trusted blindly, then stored */
	struct world *w = tofu_world(f, &t, bob_key);
	run(w);
	assert_connected(w);
	json_t *nw = ev_nth(&w->a, "tofu-new", 0);
	assert_string_equal(str_of(nw, "name"), CERT_FX_NAME);
	assert_string_equal(str_of(nw, "fingerprint"), bob_fp);
	assert_string_equal(str_of(nw, "store"), path);
	assert_string_equal(str_of(ev_nth(&w->a, "signature-verified", 0), "trust"), "first-seen");
	assert_true(ev_index(&w->a, "signature-verified") < ev_index(&w->a, "tofu-new"));
	assert_int_equal(ev_count(&w->a, "tofu-known"), 0);
	world_free(w);
	char *s1 = slurp(path);
	assert_non_null(s1);
	snprintf(want, sizeof want, "%s %s %lld\n", CERT_FX_NAME, bob_fp, f->pki.now);
	assert_string_equal(s1, want);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* second contact: the stored key */
	w = tofu_world(f, &t, bob_key);
	run(w);
	assert_connected(w);
	json_t *kn = ev_nth(&w->a, "tofu-known", 0);
	assert_string_equal(str_of(kn, "fingerprint"), bob_fp);
	assert_int_equal(int_of(kn, "first_seen"), f->pki.now);
	assert_string_equal(str_of(ev_nth(&w->a, "signature-verified", 0), "trust"), "known");
	assert_int_equal(ev_count(&w->a, "tofu-new"), 0);
	world_free(w);

	/* another key for bob.lab: refused, the store as it was */
	w = tofu_world(f, &t, mallory_key);
	run(w);
	assert_alice_refused(w, MLAB_E_TOFU_CHANGED, "wait-server-signature");
	json_t *ch = ev_nth(&w->a, "tofu-changed", 0);
	assert_string_equal(str_of(ch, "fingerprint"), mal_fp);
	assert_string_equal(str_of(ch, "stored"), bob_fp);
	assert_int_equal(int_of(ch, "line"), 1);
	assert_int_equal(ev_count(&w->a, "tofu-new"), 0);
	world_free(w);
	char *s2 = slurp(path);
	assert_non_null(s2);
	int same = strcmp(s1, s2) == 0;
	free(s1);
	free(s2);
	assert_true(same);
}

/* The name is the store's key: another name is a first contact again. */
static void test_tofu_other_name_is_new(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	char path[128];

	snprintf(path, sizeof path, "%s/names.tofu", f->dir);
	t.tofu = path;
	struct world *w = tofu_world(f, &t, bob_key);
	run(w);
	assert_connected(w);
	world_free(w);
	snprintf(t.name, sizeof t.name, "mallory.lab");
	w = tofu_world(f, &t, mallory_key);
	run(w);
	assert_connected(w);
	assert_int_equal(ev_count(&w->a, "tofu-new"), 1);
	world_free(w);
}

/* A store that does not parse stops the handshake (tofu-store), whatever key. */
static void test_tofu_broken_store(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	char path[128];

	snprintf(path, sizeof path, "%s/broken.tofu", f->dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("bob.lab not-a-fingerprint 12\n", fp);
	fclose(fp);
	t.tofu = path;
	struct world *w = tofu_world(f, &t, bob_key);
	run(w);
	assert_alice_refused(w, MLAB_E_TOFU_STORE, "wait-server-signature");
	assert_non_null(strstr(str_of(ev_nth(&w->a, "tofu-error", 0), "why"), ":1:"));
	world_free(w);
}

static void test_sign_without_pin_or_tofu_no_trust(void **state)
{
	(void)state;
	struct mlab_kex k;
	struct mlab_kex_config c =
	    kex_cfg(MLAB_INITIATOR, MLAB_MODE_SIGN, MLAB_GROUP_X25519, MLAB_CIPHER_CHACHA20_POLY1305);
	struct mlab_trust t = {.check_name = true};
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_TRUST);
	mlab_kex_free(&k);
	c.trust = &t; /* a trust without a store path is no TOFU */
	assert_err(mlab_kex_init(&k, &c, NULL), MLAB_E_NO_TRUST);
	mlab_kex_free(&k);
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, release)
	const struct CMUnitTest tests[] = {
	    T(test_cert_handshake_succeeds),
	    T(test_cert_expired_refused),
	    T(test_cert_wrong_name_refused),
	    T(test_cert_wrong_name_no_name_check),
	    T(test_cert_unknown_issuer_refused),
	    T(test_cert_insecure_expired_clicked_through),
	    T(test_cert_insecure_without_store),
	    T(test_cert_key_mismatch_chain_replaced),
	    T(test_cert_key_mismatch_signature_rewritten),
	    T(test_cert_chain_and_signature_both_replaced_pass),
	    T(test_certificate_in_mode_sign_unexpected),
	    T(test_certificate_twice_or_missing_unexpected),
	    T(test_certificate_malformed_bodies),
	    T(test_certificate_zero_length_body),
	    T(test_cert_init_checks),
	    T(test_tofu_new_known_changed),
	    T(test_tofu_other_name_is_new),
	    T(test_tofu_broken_store),
	    T(test_sign_without_pin_or_tofu_no_trust),
	};
#undef T
	return cmocka_run_group_tests_name("mlab_kex_cert", tests, setup, teardown);
}
