/* Unit tests for lib/mlab_cert (alice's certificate checks), the Certificate
 * message's limits in lib/mlab_wire, and the chain and trust-anchor loaders.
 *
 * The certificates are made here with lib/mlab_pki (tests/helpers/cert_fx:
 * root → intermediate → leaf, Ed25519), some then edited with OpenSSL and
 * signed again, as a forger would. Each check is failed alone, then in
 * pairs to show the order; hostile chains (bad DER, trailing bytes, wrong
 * order, a leaf CA, unknown critical extensions, other key types) must end
 * in the parse errors, never a crash. Every DER handed to the checks is a
 * heap copy of exactly its length, so ASan catches an over-read.
 *
 * Code nobody here wrote judges too: the openssl command verifies the same
 * PEMs at the same time for the same name (fork/exec, no shell) and must
 * agree with mlab_cert_verify on every chain of the cross-check table. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cert_fx.h"
#include "test_util.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mlab_buf.h"
#include "mlab_cert.h"
#include "mlab_crypto.h"
#include "mlab_err.h"
#include "mlab_pki.h"
#include "mlab_wire.h"

#define DAY CERT_FX_DAY
#define OUT_CAP 8192
/* An OID under the documentation arc of RFC 5612 (IANA PEN 32473): nobody's
 * extension, so no verifier understands it. */
#define PRIVATE_OID "1.3.6.1.4.1.32473.1.1"

struct fx {
	struct cert_fx pki;
	char dir[64];
	EVP_PKEY *leaf_key, *other_key;
	X509 *leaf; /* the honest bob.lab leaf */
	X509_STORE *store;
	/* What one test made, freed by its teardown even after a failed assertion. */
	X509 *own[96];
	size_t n_own;
	EVP_PKEY *own_keys[8];
	size_t n_own_keys;
};

/* ======================================================================
 * Fixture
 * ====================================================================== */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	*state = f;
	snprintf(f->dir, sizeof f->dir, "/tmp/test_cert.XXXXXX");
	if (!mkdtemp(f->dir)) {
		f->dir[0] = '\0';
		return -1;
	}
	if (cert_fx_init(&f->pki, (long long)time(NULL)) != 0 || mlab_ed25519_generate(&f->leaf_key) != 0 ||
	    mlab_ed25519_generate(&f->other_key) != 0 || cert_fx_store(f->pki.root, &f->store) != 0)
		return -1;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);
	return mlab_pki_issue(&s, &f->leaf) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	if (!f)
		return 0;
	if (f->dir[0])
		nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	X509_free(f->leaf);
	X509_STORE_free(f->store);
	EVP_PKEY_free(f->leaf_key);
	EVP_PKEY_free(f->other_key);
	cert_fx_free(&f->pki);
	free(f);
	return 0;
}

/* Each test's teardown. */
static int release(void **state)
{
	struct fx *f = *state;
	while (f->n_own)
		X509_free(f->own[--f->n_own]);
	while (f->n_own_keys)
		EVP_PKEY_free(f->own_keys[--f->n_own_keys]);
	return 0;
}

static X509 *keep(struct fx *f, X509 *x)
{
	assert_non_null(x);
	assert_true(f->n_own < N_OF(f->own));
	f->own[f->n_own++] = x;
	return x;
}

static EVP_PKEY *keep_key(struct fx *f, EVP_PKEY *k)
{
	assert_non_null(k);
	assert_true(f->n_own_keys < N_OF(f->own_keys));
	f->own_keys[f->n_own_keys++] = k;
	return k;
}

static X509 *issue(struct fx *f, const struct mlab_cert_spec *s)
{
	X509 *x = NULL;
	assert_err(mlab_pki_issue(s, &x), 0);
	return keep(f, x);
}

static EVP_PKEY *new_key(struct fx *f)
{
	EVP_PKEY *k = NULL;
	assert_err(mlab_ed25519_generate(&k), 0);
	return keep_key(f, k);
}

/* alice's settings: the fixture's root, bob.lab, the fixture's clock. */
static struct mlab_trust trust_of(const struct fx *f)
{
	struct mlab_trust t = {.store = f->store, .now = f->pki.now, .have_now = true, .check_name = true};
	snprintf(t.name, sizeof t.name, "%s", CERT_FX_NAME);
	return t;
}

/* ======================================================================
 * Running the checks
 * ====================================================================== */

/* mlab_cert_verify over DER slices, each an exact heap copy. */
static int verify_der(const struct mlab_trust *t, const uint8_t *const *der, const size_t *len, size_t n,
		      struct mlab_cert_result *r)
{
	struct mlab_certificate m = {.n = (uint8_t)n};
	uint8_t *copies[MLAB_MAX_CHAIN] = {0};
	assert_true(n <= MLAB_MAX_CHAIN);
	for (size_t i = 0; i < n; i++) {
		assert_true(len[i] <= UINT16_MAX);
		copies[i] = dup_exact(der[i], len[i]);
		m.der[i] = copies[i];
		m.len[i] = (uint16_t)len[i];
	}
	int e = mlab_cert_verify(t, &m, r);
	for (size_t i = 0; i < n; i++)
		free(copies[i]);
	return e;
}

static int verify_x509(const struct mlab_trust *t, X509 *const *xs, size_t n, struct mlab_cert_result *r)
{
	struct mlab_chain c;
	assert_err(cert_fx_chain(xs, n, &c), 0);
	int e = verify_der(t, (const uint8_t *const *)c.der, c.len, c.n, r);
	mlab_chain_free(&c);
	return e;
}

/* leaf, the fixture's intermediate: the chain bob sends. */
static int verify_leaf(const struct fx *f, const struct mlab_trust *t, X509 *leaf, struct mlab_cert_result *r)
{
	X509 *xs[2] = {leaf, f->pki.inter};
	return verify_x509(t, xs, 2, r);
}

static const char *const check_err_names[MLAB_CC_N] = {"issuer", "validity", "name", "usage"};

/* Exactly the checks in want[] failed, with those errors. */
static void assert_checks(const struct mlab_cert_result *r, int issuer, int validity, int name, int usage)
{
	const int want[MLAB_CC_N] = {issuer, validity, name, usage};
	for (int k = 0; k < MLAB_CC_N; k++)
		if (r->err[k] != want[k])
			fail_msg("check %s: %d (%s), expected %d (%s); detail: %s", check_err_names[k], r->err[k],
				 mlab_err_name(r->err[k]), want[k], mlab_err_name(want[k]), r->detail[k]);
}

#define assert_contains(hay, needle)                                                                                   \
	do {                                                                                                           \
		if (!strstr((hay), (needle)))                                                                          \
			fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                                        \
	} while (0)

static void raw_pub(EVP_PKEY *k, uint8_t pub[32])
{
	assert_err(mlab_ed25519_raw_public(k, pub), 0);
}

static void key_id_of(EVP_PKEY *k, char id[9])
{
	uint8_t pub[32];
	raw_pub(k, pub);
	assert_err(mlab_key_id(pub, sizeof pub, id), 0);
}

/* x with one more extension (DER value val), signed again by key. */
static void add_ext_resign(X509 *x, const char *oid, int critical, const uint8_t *val, size_t len, EVP_PKEY *key)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	assert_non_null(obj);
	assert_non_null(os);
	assert_int_equal(ASN1_OCTET_STRING_set(os, val, (int)len), 1);
	X509_EXTENSION *ex = X509_EXTENSION_create_by_OBJ(NULL, obj, critical, os);
	assert_non_null(ex);
	assert_int_equal(X509_add_ext(x, ex, -1), 1);
	X509_EXTENSION_free(ex);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	assert_err(cert_fx_resign(x, key), 0);
}

/* ======================================================================
 * A good chain
 * ====================================================================== */

static void test_good_chain_passes_every_check(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	uint8_t pub[32];
	char kid[9], inter_kid[9];

	assert_err(verify_leaf(f, &t, f->leaf, &r), 0);
	assert_checks(&r, 0, 0, 0, 0);
	for (int k = 0; k < MLAB_CC_N; k++) {
		assert_false(r.skipped[k]);
		assert_true(r.detail[k][0] != '\0');
	}
	assert_int_equal(r.n, 2);
	assert_true(r.now == f->pki.now);
	raw_pub(f->leaf_key, pub);
	assert_memory_equal(r.leaf_pub, pub, sizeof pub);

	key_id_of(f->leaf_key, kid);
	key_id_of(f->pki.inter_key, inter_kid);
	const struct mlab_cert_info *leaf = &r.info[0], *inter = &r.info[1];
	assert_contains(leaf->subject, "CN=bob.lab");
	assert_contains(leaf->subject, "O=mitmlab tests");
	assert_contains(leaf->issuer, "CN=fx Issuing CA");
	assert_string_equal(leaf->san, "bob.lab");
	assert_true(leaf->not_before == f->pki.now - DAY);
	assert_true(leaf->not_after == f->pki.now + 30 * DAY);
	assert_string_equal(leaf->key_id, kid);
	assert_contains(inter->subject, "CN=fx Issuing CA");
	assert_contains(inter->issuer, "CN=fx Root CA");
	assert_string_equal(inter->san, "");
	assert_true(inter->not_before == f->pki.now - 90 * DAY);
	assert_string_equal(inter->key_id, inter_kid);

	assert_contains(r.detail[MLAB_CC_ISSUER], "chains to a trusted root");
	assert_contains(r.detail[MLAB_CC_VALIDITY], "valid ");
	assert_contains(r.detail[MLAB_CC_NAME], "wanted bob.lab, certificate names bob.lab");
	assert_string_equal(r.detail[MLAB_CC_USAGE], "serverAuth, digitalSignature");
}

/* The root sent along at the end changes nothing: it is the anchor anyway. */
static void test_good_chain_with_root_sent_along(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	X509 *xs[3] = {f->leaf, f->pki.inter, f->pki.root};

	assert_err(verify_x509(&t, xs, 3, &r), 0);
	assert_int_equal(r.n, 3);
}

static void test_real_clock_when_no_now(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	long long before = (long long)time(NULL);

	t.have_now = false;
	t.now = 1; /* ignored */
	assert_err(verify_leaf(f, &t, f->leaf, &r), 0);
	assert_true(r.now >= before && r.now <= (long long)time(NULL));
}

static void test_chain_leaf_pub_and_check_names(void **state)
{
	struct fx *f = *state;
	struct mlab_chain c;
	uint8_t got[32], want[32];
	X509 *xs[2] = {f->leaf, f->pki.inter};

	assert_err(cert_fx_chain(xs, 2, &c), 0);
	assert_err(mlab_chain_leaf_pub(&c, got), 0);
	raw_pub(f->leaf_key, want);
	assert_memory_equal(got, want, sizeof want);
	struct mlab_certificate m;
	mlab_chain_msg(&c, &m);
	assert_int_equal(m.n, 2);
	assert_ptr_equal(m.der[1], c.der[1]);
	assert_int_equal(m.len[1], c.len[1]);
	mlab_chain_free(&c);
	assert_int_equal(c.n, 0);
	assert_err(mlab_chain_leaf_pub(&c, got), MLAB_E_CERT_PARSE); /* no leaf at all */

	assert_string_equal(mlab_cert_check_name(MLAB_CC_ISSUER), "cert-issuer");
	assert_string_equal(mlab_cert_check_name(MLAB_CC_VALIDITY), "cert-validity");
	assert_string_equal(mlab_cert_check_name(MLAB_CC_NAME), "cert-name");
	assert_string_equal(mlab_cert_check_name(MLAB_CC_USAGE), "cert-usage");
	assert_string_equal(mlab_cert_check_name(MLAB_CC_N), "?");
	assert_string_equal(mlab_cert_check_name((enum mlab_cert_check) - 1), "?");
}

/* ======================================================================
 * Each check alone
 * ====================================================================== */

static void test_unknown_root_issuer(void **state)
{
	struct fx *f = *state;
	struct cert_fx other;
	X509_STORE *st = NULL;
	struct mlab_cert_result r;

	assert_err(cert_fx_init(&other, f->pki.now), 0);
	assert_err(cert_fx_store(other.root, &st), 0);
	struct mlab_trust t = trust_of(f);
	t.store = st;
	int e = verify_leaf(f, &t, f->leaf, &r);
	X509_STORE_free(st);
	cert_fx_free(&other);
	assert_err(e, MLAB_E_CERT_ISSUER);
	assert_checks(&r, MLAB_E_CERT_ISSUER, 0, 0, 0);
	assert_int_equal(r.n, 2); /* what the chain says is still shown */
}

/* A root with exactly the real root's name but a key of its own: a name is
 * not a key (the lab's rogue-root lesson). */
static void test_rogue_root_same_name_issuer(void **state)
{
	struct fx *f = *state;
	struct mlab_cert_result r;
	EVP_PKEY *rk = new_key(f), *ik = new_key(f);
	struct mlab_cert_spec rs = {.subject_cn = "fx Root CA",
				    .org = "mitmlab tests",
				    .ca = true,
				    .pathlen = -1,
				    .not_before = f->pki.now - 90 * DAY,
				    .not_after = f->pki.now + 3650 * DAY,
				    .key = rk};
	X509 *rogue = issue(f, &rs);
	struct mlab_cert_spec is = rs;
	is.subject_cn = "fx Issuing CA";
	is.key = ik;
	is.issuer = rogue;
	is.issuer_key = rk;
	X509 *inter = issue(f, &is);
	struct mlab_cert_spec ls = cert_fx_leaf_spec(&f->pki, f->other_key);
	ls.issuer = inter;
	ls.issuer_key = ik;
	X509 *xs[3] = {issue(f, &ls), inter, rogue};
	struct mlab_trust t = trust_of(f);

	assert_err(verify_x509(&t, xs, 3, &r), MLAB_E_CERT_ISSUER);
	assert_checks(&r, MLAB_E_CERT_ISSUER, 0, 0, 0);
}

static void test_no_trust_store_issuer(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;

	t.store = NULL; /* alice without --ca: nothing chains anywhere */
	assert_err(verify_leaf(f, &t, f->leaf, &r), MLAB_E_CERT_ISSUER);
	assert_checks(&r, MLAB_E_CERT_ISSUER, 0, 0, 0);
}

static void test_leaf_expired(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.not_before = f->pki.now - 60 * DAY;
	s.not_after = f->pki.now - DAY;
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), MLAB_E_CERT_EXPIRED);
	assert_checks(&r, 0, MLAB_E_CERT_EXPIRED, 0, 0);
	assert_contains(r.detail[MLAB_CC_VALIDITY], "expired");
	/* the same certificate a day before it expired */
	t.now = f->pki.now - 2 * DAY;
	assert_err(verify_leaf(f, &t, f->own[f->n_own - 1], &r), 0);
}

static void test_leaf_not_yet_valid(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.not_before = f->pki.now + 365 * DAY;
	s.not_after = f->pki.now + 395 * DAY;
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), MLAB_E_CERT_NOT_YET);
	assert_checks(&r, 0, MLAB_E_CERT_NOT_YET, 0, 0);
	assert_contains(r.detail[MLAB_CC_VALIDITY], "not yet valid");
}

/* An expired intermediate fails validity too, whatever the leaf says. */
static void test_intermediate_expired(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	EVP_PKEY *ik = new_key(f);
	struct mlab_cert_spec is = {.subject_cn = "fx Issuing CA",
				    .org = "mitmlab tests",
				    .ca = true,
				    .pathlen = 0,
				    .not_before = f->pki.now - 90 * DAY,
				    .not_after = f->pki.now - 2 * DAY,
				    .key = ik,
				    .issuer = f->pki.root,
				    .issuer_key = f->pki.root_key};
	X509 *inter = issue(f, &is);
	struct mlab_cert_spec ls = cert_fx_leaf_spec(&f->pki, f->leaf_key);
	ls.issuer = inter;
	ls.issuer_key = ik;
	X509 *xs[2] = {issue(f, &ls), inter};

	assert_err(verify_x509(&t, xs, 2, &r), MLAB_E_CERT_EXPIRED);
	assert_checks(&r, 0, MLAB_E_CERT_EXPIRED, 0, 0);
	/* the dates shown are the intermediate's, not the (valid) leaf's */
	assert_contains(r.detail[MLAB_CC_VALIDITY], "expired: certificate 1 valid ");
	char want[32];
	time_t na = (time_t)is.not_after;
	struct tm tm;
	assert_non_null(gmtime_r(&na, &tm));
	assert_true(strftime(want, sizeof want, ".. %Y-%m-%d %H:%M,", &tm) > 0);
	assert_contains(r.detail[MLAB_CC_VALIDITY], want);
}

static void test_wrong_name(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.subject_cn = "carol.lab";
	s.san_dns = "carol.lab";
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), MLAB_E_CERT_NAME);
	assert_checks(&r, 0, 0, MLAB_E_CERT_NAME, 0);
	assert_contains(r.detail[MLAB_CC_NAME], "wanted bob.lab, certificate names carol.lab");
}

/* With a subjectAltName the common name is not a name (RFC 6125 §6.4.4). */
static void test_san_wins_over_common_name(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.san_dns = "carol.lab"; /* CN stays bob.lab */
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), MLAB_E_CERT_NAME);
	assert_checks(&r, 0, 0, MLAB_E_CERT_NAME, 0);
}

static void test_name_check_off_skipped_and_passes(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.subject_cn = "carol.lab";
	s.san_dns = "carol.lab";
	t.check_name = false;
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), 0);
	assert_checks(&r, 0, 0, 0, 0);
	assert_true(r.skipped[MLAB_CC_NAME]);
	assert_false(r.skipped[MLAB_CC_ISSUER] || r.skipped[MLAB_CC_VALIDITY] || r.skipped[MLAB_CC_USAGE]);
	assert_contains(r.detail[MLAB_CC_NAME], "NOT CHECKED");
	assert_contains(r.detail[MLAB_CC_NAME], "carol.lab");
}

static void test_client_auth_only_usage(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.server_auth = false;
	s.client_auth = true;
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), MLAB_E_CERT_USAGE);
	assert_checks(&r, 0, 0, 0, MLAB_E_CERT_USAGE);
	assert_contains(r.detail[MLAB_CC_USAGE], "serverAuth or digitalSignature missing");
}

/* keyUsage keyEncipherment only: OpenSSL's server purpose takes it (RSA key
 * transport), the lab's own check does not — the leaf must sign. */
static void test_no_digital_signature_usage(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.digital_signature = false; /* mlab_pki then writes no keyUsage at all */
	X509 *x = issue(f, &s);
	assert_int_equal(X509_get_ext_by_NID(x, NID_key_usage, -1), -1);
	X509_EXTENSION *ku = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,keyEncipherment");
	assert_non_null(ku);
	assert_int_equal(X509_add_ext(x, ku, -1), 1);
	X509_EXTENSION_free(ku);
	assert_err(cert_fx_resign(x, f->pki.inter_key), 0);

	assert_err(verify_leaf(f, &t, x, &r), MLAB_E_CERT_USAGE);
	assert_checks(&r, 0, 0, 0, MLAB_E_CERT_USAGE);
}

/* No keyUsage extension at all allows every use (RFC 5280 §4.2.1.3). */
static void test_no_key_usage_extension_passes(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.digital_signature = false;
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), 0);
}

/* ======================================================================
 * The order of the checks, and --insecure
 * ====================================================================== */

static void test_issuer_reported_before_validity_both_recorded(void **state)
{
	struct fx *f = *state;
	struct cert_fx other;
	X509_STORE *st = NULL;
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.not_before = f->pki.now - 60 * DAY;
	s.not_after = f->pki.now - DAY;
	X509 *expired = issue(f, &s);
	assert_err(cert_fx_init(&other, f->pki.now), 0);
	assert_err(cert_fx_store(other.root, &st), 0);
	struct mlab_trust t = trust_of(f);
	t.store = st;
	int e = verify_leaf(f, &t, expired, &r);
	X509_STORE_free(st);
	cert_fx_free(&other);
	assert_err(e, MLAB_E_CERT_ISSUER);
	assert_checks(&r, MLAB_E_CERT_ISSUER, MLAB_E_CERT_EXPIRED, 0, 0);
}

/* Every check fails at once: the first in the order is returned, each is
 * recorded. */
static void test_every_check_fails_first_is_issuer(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.subject_cn = "carol.lab";
	s.san_dns = "carol.lab";
	s.server_auth = false;
	s.client_auth = true;
	s.not_before = f->pki.now + 10 * DAY;
	s.not_after = f->pki.now + 20 * DAY;
	t.store = NULL;
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), MLAB_E_CERT_ISSUER);
	assert_checks(&r, MLAB_E_CERT_ISSUER, MLAB_E_CERT_NOT_YET, MLAB_E_CERT_NAME, MLAB_E_CERT_USAGE);
	/* with a trusted root, validity comes first */
	t.store = f->store;
	assert_err(verify_leaf(f, &t, f->own[f->n_own - 1], &r), MLAB_E_CERT_NOT_YET);
	assert_checks(&r, 0, MLAB_E_CERT_NOT_YET, MLAB_E_CERT_NAME, MLAB_E_CERT_USAGE);
}

static void test_name_reported_before_usage(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	s.san_dns = "carol.lab";
	s.server_auth = false;
	s.client_auth = true;
	assert_err(verify_leaf(f, &t, issue(f, &s), &r), MLAB_E_CERT_NAME);
	assert_checks(&r, 0, 0, MLAB_E_CERT_NAME, MLAB_E_CERT_USAGE);
}

/* Clicking through is the engine's (mlab_kex.c): the checks report the same. */
static void test_insecure_changes_nothing_in_the_checks(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f), ti = trust_of(f);
	struct mlab_cert_result r, ri;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	ti.insecure = true;
	s.not_before = f->pki.now - 60 * DAY;
	s.not_after = f->pki.now - DAY;
	X509 *expired = issue(f, &s);
	assert_err(verify_leaf(f, &t, expired, &r), MLAB_E_CERT_EXPIRED);
	assert_err(verify_leaf(f, &ti, expired, &ri), MLAB_E_CERT_EXPIRED);
	assert_memory_equal(r.err, ri.err, sizeof r.err);
	assert_memory_equal(r.skipped, ri.skipped, sizeof r.skipped);
	assert_err(verify_leaf(f, &ti, f->leaf, &ri), 0);
	ti.store = NULL;
	assert_err(verify_leaf(f, &ti, f->leaf, &ri), MLAB_E_CERT_ISSUER);
}

/* ======================================================================
 * Hostile chains
 * ====================================================================== */

static void test_random_bytes_parse(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	uint8_t junk[600];
	const uint8_t *der[1] = {junk};

	for (size_t round = 0; round < 64; round++) {
		size_t len[1] = {1 + round * 9};
		assert_err(mlab_random(junk, sizeof junk), 0);
		assert_err(verify_der(&t, der, len, 1, &r), MLAB_E_CERT_PARSE);
		assert_int_equal(r.n, 0);
	}
	/* a SEQUENCE header claiming far more than there is */
	static const uint8_t huge[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30, 0x00};
	der[0] = huge;
	size_t hl[1] = {sizeof huge};
	assert_err(verify_der(&t, der, hl, 1, &r), MLAB_E_CERT_PARSE);
}

/* Cut at every length: never one whole certificate. */
static void test_truncated_der_every_length(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_chain c;
	X509 *xs[2] = {f->leaf, f->pki.inter};

	assert_err(cert_fx_chain(xs, 2, &c), 0);
	for (size_t cut = 1; cut < c.len[0]; cut++) {
		size_t len[2] = {cut, c.len[1]};
		int e = verify_der(&t, (const uint8_t *const *)c.der, len, 2, &r);
		if (e != MLAB_E_CERT_PARSE)
			fail_msg("leaf cut to %zu of %zu bytes: %s", cut, c.len[0], mlab_err_name(e));
	}
	/* the intermediate cut, the leaf whole: the leaf is described, then refused */
	for (size_t cut = 1; cut < c.len[1]; cut += 7) {
		size_t len[2] = {c.len[0], cut};
		assert_err(verify_der(&t, (const uint8_t *const *)c.der, len, 2, &r), MLAB_E_CERT_PARSE);
		assert_int_equal(r.n, 1);
	}
	mlab_chain_free(&c);
}

/* d2i_X509 stops at the certificate's end; the lab refuses what follows it. */
static void test_trailing_bytes_inside_vec16(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_chain c;
	uint8_t buf[4096], frame[8192];
	X509 *xs[2] = {f->leaf, f->pki.inter};

	assert_err(cert_fx_chain(xs, 2, &c), 0);
	assert_true(c.len[0] + 1 <= sizeof buf);
	for (int which = 0; which < 2; which++) {
		const uint8_t *der[2] = {c.der[0], c.der[1]};
		size_t len[2] = {c.len[0], c.len[1]};
		memcpy(buf, c.der[which], c.len[which]);
		buf[c.len[which]] = 0x00;
		der[which] = buf;
		len[which]++;
		assert_err(verify_der(&t, der, len, 2, &r), MLAB_E_CERT_PARSE);
	}
	/* through the wire: the message decodes (its lengths are right), the
	 * certificate does not */
	struct mlab_certificate m = {.n = 1, .der = {buf}, .len = {(uint16_t)(c.len[0] + 1)}};
	struct mlab_wr w;
	memcpy(buf, c.der[0], c.len[0]);
	buf[c.len[0]] = 0xff;
	mlab_wr_init(&w, frame, sizeof frame);
	assert_err(mlab_certificate_encode(&w, &m), 0);
	struct mlab_certificate got;
	uint8_t *body = dup_exact(frame + MLAB_FRAME_HDR, w.len - MLAB_FRAME_HDR);
	assert_err(mlab_certificate_decode(body, w.len - MLAB_FRAME_HDR, &got), 0);
	assert_int_equal(got.len[0], c.len[0] + 1);
	assert_err(mlab_cert_verify(&t, &got, &r), MLAB_E_CERT_PARSE);
	free(body);
	mlab_chain_free(&c);
}

static void test_wrong_order_chain(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	X509 *inter_first[2] = {f->pki.inter, f->leaf};
	X509 *root_between[3] = {f->leaf, f->pki.root, f->pki.inter};
	X509 *leaf_twice[2] = {f->leaf, f->leaf};

	assert_err(verify_x509(&t, inter_first, 2, &r), MLAB_E_CERT_ORDER);
	assert_err(verify_x509(&t, root_between, 3, &r), MLAB_E_CERT_ORDER);
	assert_err(verify_x509(&t, leaf_twice, 2, &r), MLAB_E_CERT_ORDER);
	/* the leaf alone, its issuer missing: in order, but it chains nowhere */
	assert_err(verify_x509(&t, &f->leaf, 1, &r), MLAB_E_CERT_ISSUER);
}

/* A leaf (CA:FALSE) cannot issue: the leaf it signed chains to nothing. */
static void test_intermediate_without_ca_issuer(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	EVP_PKEY *ik = new_key(f);
	struct mlab_cert_spec is = cert_fx_leaf_spec(&f->pki, ik);
	is.subject_cn = "fx Not A CA";
	is.san_dns = NULL;
	is.ca = false;
	is.issuer = f->pki.root;
	is.issuer_key = f->pki.root_key;
	X509 *notca = issue(f, &is);
	struct mlab_cert_spec ls = cert_fx_leaf_spec(&f->pki, f->leaf_key);
	ls.issuer = notca;
	ls.issuer_key = ik;
	X509 *xs[2] = {issue(f, &ls), notca};

	assert_err(verify_x509(&t, xs, 2, &r), MLAB_E_CERT_ISSUER);
	assert_int_equal(r.err[MLAB_CC_ISSUER], MLAB_E_CERT_ISSUER);
	assert_contains(r.detail[MLAB_CC_ISSUER], "certificate 1");
}

/* The intermediate has pathlen 0: a second CA under it may not issue. */
static void test_path_length_exceeded_issuer(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	EVP_PKEY *k2 = new_key(f);
	struct mlab_cert_spec s2 = {.subject_cn = "fx Sub CA",
				    .ca = true,
				    .pathlen = -1,
				    .not_before = f->pki.now - DAY,
				    .not_after = f->pki.now + 365 * DAY,
				    .key = k2,
				    .issuer = f->pki.inter,
				    .issuer_key = f->pki.inter_key};
	X509 *sub = issue(f, &s2);
	struct mlab_cert_spec ls = cert_fx_leaf_spec(&f->pki, f->leaf_key);
	ls.issuer = sub;
	ls.issuer_key = k2;
	X509 *xs[3] = {issue(f, &ls), sub, f->pki.inter};

	assert_err(verify_x509(&t, xs, 3, &r), MLAB_E_CERT_ISSUER);
}

static void test_unknown_critical_extension(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	static const uint8_t asn1_null[] = {0x05, 0x00};
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);

	/* not critical: ignored, as RFC 5280 §4.2 says */
	X509 *x = issue(f, &s);
	add_ext_resign(x, PRIVATE_OID, 0, asn1_null, sizeof asn1_null, f->pki.inter_key);
	assert_err(verify_leaf(f, &t, x, &r), 0);
	/* critical: refused, before any check runs */
	x = issue(f, &s);
	add_ext_resign(x, PRIVATE_OID, 1, asn1_null, sizeof asn1_null, f->pki.inter_key);
	assert_err(verify_leaf(f, &t, x, &r), MLAB_E_CERT_CRITICAL);
	assert_checks(&r, 0, 0, 0, 0);
	/* on the intermediate (signed again by the root) */
	X509 *inter = keep(f, X509_dup(f->pki.inter));
	add_ext_resign(inter, PRIVATE_OID, 1, asn1_null, sizeof asn1_null, f->pki.root_key);
	X509 *xs[2] = {f->leaf, inter};
	assert_err(verify_x509(&t, xs, 2, &r), MLAB_E_CERT_CRITICAL);
}

static void test_non_ed25519_leaf_parse(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_chain c;
	uint8_t pub[32];
	EVP_PKEY *ec = keep_key(f, EVP_EC_gen("P-256"));
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, ec);
	X509 *xs[2] = {issue(f, &s), f->pki.inter};

	assert_err(verify_x509(&t, xs, 2, &r), MLAB_E_CERT_PARSE);
	assert_int_equal(r.n, 2); /* parsed and described: the key is the fault */
	assert_string_equal(r.info[0].key_id, "-");
	assert_string_equal(r.info[0].san, "bob.lab");
	assert_err(cert_fx_chain(xs, 2, &c), 0);
	assert_err(mlab_chain_leaf_pub(&c, pub), MLAB_E_CERT_PARSE);
	mlab_chain_free(&c);
}

static void test_chain_count_out_of_range_parse(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_certificate m = {0};

	assert_err(mlab_cert_verify(&t, &m, &r), MLAB_E_CERT_PARSE);
	m.n = MLAB_MAX_CHAIN + 1;
	assert_err(mlab_cert_verify(&t, &m, &r), MLAB_E_CERT_PARSE);
	assert_int_equal(r.n, 0);
}

/* Printable ASCII only in what the views show, whatever the name holds. */
static void test_info_printable_only(void **state)
{
	struct fx *f = *state;
	struct mlab_trust t = trust_of(f);
	struct mlab_cert_result r;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);
	X509 *x = issue(f, &s);
	static const unsigned char evil[] = "bob\x1b[31m\xc3\xa9\n";

	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "OU", MBSTRING_UTF8, evil,
						    (int)sizeof evil - 1, -1, 0),
			 1);
	assert_err(cert_fx_resign(x, f->pki.inter_key), 0);
	assert_err(verify_leaf(f, &t, x, &r), 0);
	for (const char *p = r.info[0].subject; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			fail_msg("byte 0x%02x in the subject shown", (unsigned char)*p);
}

/* ======================================================================
 * The Certificate message's limits
 * ====================================================================== */

static int decode_exact(const uint8_t *body, size_t len, struct mlab_certificate *m)
{
	uint8_t *copy = dup_exact(body, len);
	int e = mlab_certificate_decode(copy, len, m);
	free(copy);
	return e;
}

static void test_wire_50_certificates_too_long(void **state)
{
	(void)state;
	uint8_t body[1 + 50 * 3];
	struct mlab_wr w;
	struct mlab_certificate m;

	mlab_wr_init(&w, body, sizeof body);
	assert_err(mlab_wr_u8(&w, 50), 0);
	for (int i = 0; i < 50; i++) {
		static const uint8_t one = 0x30;
		assert_err(mlab_wr_vec16(&w, &one, 1), 0);
	}
	assert_err(decode_exact(body, w.len, &m), MLAB_E_TOO_LONG);
	body[0] = MLAB_MAX_CHAIN + 1;
	assert_err(decode_exact(body, 1 + 9 * 3, &m), MLAB_E_TOO_LONG);
	body[0] = MLAB_MAX_CHAIN;
	assert_err(decode_exact(body, 1 + 8 * 3, &m), 0);
	assert_int_equal(m.n, MLAB_MAX_CHAIN);
	body[0] = 0;
	assert_err(decode_exact(body, 1, &m), MLAB_E_EMPTY);
	body[0] = 2;
	assert_err(decode_exact(body, 1 + 3, &m), MLAB_E_TRUNCATED);
	assert_err(decode_exact(body, 1 + 2 * 3 + 1, &m), MLAB_E_TRAILING);
	assert_err(decode_exact(body, 0, &m), MLAB_E_TRUNCATED);
	/* a zero-length certificate */
	static const uint8_t empty_cert[] = {1, 0, 0};
	assert_err(decode_exact(empty_cert, sizeof empty_cert, &m), MLAB_E_EMPTY);

	/* nor can 9 be encoded */
	uint8_t out[256];
	struct mlab_certificate big = {.n = MLAB_MAX_CHAIN + 1};
	mlab_wr_init(&w, out, sizeof out);
	assert_err(mlab_certificate_encode(&w, &big), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, 0);
	big.n = 0;
	assert_err(mlab_certificate_encode(&w, &big), MLAB_E_EMPTY);
	assert_int_equal(w.len, 0);
}

/* A length field is checked against the limit first (nothing is trusted
 * before), then against what is there. */
static void test_wire_certificate_sizes(void **state)
{
	(void)state;
	const size_t cap = 3 + MLAB_MAX_CERT + 16;
	uint8_t *body = calloc(1, cap);
	struct mlab_certificate m;
	assert_non_null(body);

	body[0] = 1;
	/* 0xffff claimed, 100 bytes there: over the 8192-byte limit */
	body[1] = 0xff;
	body[2] = 0xff;
	assert_err(decode_exact(body, 3 + 100, &m), MLAB_E_TOO_LONG);
	/* MLAB_MAX_CERT + 1 claimed and there */
	body[1] = (uint8_t)((MLAB_MAX_CERT + 1) >> 8);
	body[2] = (uint8_t)(MLAB_MAX_CERT + 1);
	assert_err(decode_exact(body, 3 + MLAB_MAX_CERT + 1, &m), MLAB_E_TOO_LONG);
	/* exactly MLAB_MAX_CERT claimed, fewer there */
	body[1] = (uint8_t)(MLAB_MAX_CERT >> 8);
	body[2] = (uint8_t)MLAB_MAX_CERT;
	assert_err(decode_exact(body, 3 + 100, &m), MLAB_E_TRUNCATED);
	assert_err(decode_exact(body, 3 + MLAB_MAX_CERT - 1, &m), MLAB_E_TRUNCATED);
	/* and all there */
	assert_err(decode_exact(body, 3 + MLAB_MAX_CERT, &m), 0);
	assert_int_equal(m.len[0], MLAB_MAX_CERT);

	/* encoding: one certificate over the limit, or two at the limit (the
	 * body would be 16389 bytes, over MLAB_MAX_CERT_BODY) */
	uint8_t *out = malloc(2 * MLAB_MAX_CERT_BODY);
	struct mlab_wr w;
	assert_non_null(out);
	struct mlab_certificate e1 = {.n = 1, .der = {body}, .len = {MLAB_MAX_CERT + 1}};
	mlab_wr_init(&w, out, 2 * MLAB_MAX_CERT_BODY);
	assert_err(mlab_certificate_encode(&w, &e1), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, 0);
	struct mlab_certificate e2 = {.n = 2, .der = {body, body}, .len = {MLAB_MAX_CERT, MLAB_MAX_CERT}};
	assert_err(mlab_certificate_encode(&w, &e2), MLAB_E_TOO_LONG);
	assert_int_equal(w.len, 0);
	struct mlab_certificate e3 = {.n = 1, .der = {body}, .len = {MLAB_MAX_CERT}};
	assert_err(mlab_certificate_encode(&w, &e3), 0);
	assert_int_equal(w.len, MLAB_FRAME_HDR + 3 + MLAB_MAX_CERT);

	/* a frame header over the body limit is refused before any body */
	uint8_t hdr[MLAB_FRAME_HDR] = {MLAB_MSG_CERTIFICATE, 0, 0, (MLAB_MAX_CERT_BODY + 1) >> 8,
				       (MLAB_MAX_CERT_BODY + 1) & 0xff};
	uint8_t type;
	uint32_t len;
	assert_err(mlab_frame_check(hdr, &type, &len), MLAB_E_TOO_LONG);
	hdr[3] = MLAB_MAX_CERT_BODY >> 8;
	hdr[4] = MLAB_MAX_CERT_BODY & 0xff;
	assert_err(mlab_frame_check(hdr, &type, &len), 0);
	free(out);
	free(body);
}

/* ======================================================================
 * Files: mlab_chain_load, mlab_trust_load_ca
 * ====================================================================== */

static const char *path_in(const struct fx *f, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->dir, name);
	return buf;
}

static void write_pem(const struct fx *f, const char *name, X509 *const *xs, size_t n)
{
	char p[128];
	assert_err(mlab_pki_write_chain(path_in(f, name, p, sizeof p), xs, n), 0);
}

static void write_text(const struct fx *f, const char *name, const char *text)
{
	char p[128];
	FILE *fp = fopen(path_in(f, name, p, sizeof p), "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void test_chain_load_limits(void **state)
{
	struct fx *f = *state;
	struct mlab_chain c;
	char p[128];
	X509 *xs[MLAB_MAX_CHAIN + 1];

	for (size_t i = 0; i < N_OF(xs); i++)
		xs[i] = i % 2 ? f->pki.inter : f->leaf;
	write_pem(f, "nine.pem", xs, MLAB_MAX_CHAIN + 1);
	assert_err(mlab_chain_load(path_in(f, "nine.pem", p, sizeof p), &c), MLAB_E_TOO_LONG);
	assert_int_equal(c.n, 0);
	write_pem(f, "eight.pem", xs, MLAB_MAX_CHAIN);
	assert_err(mlab_chain_load(path_in(f, "eight.pem", p, sizeof p), &c), 0);
	assert_int_equal(c.n, MLAB_MAX_CHAIN);
	mlab_chain_free(&c);

	write_pem(f, "bob.chain.pem", xs, 2);
	assert_err(mlab_chain_load(path_in(f, "bob.chain.pem", p, sizeof p), &c), 0);
	assert_int_equal(c.n, 2);
	uint8_t got[32], want[32];
	assert_err(mlab_chain_leaf_pub(&c, got), 0);
	raw_pub(f->leaf_key, want);
	assert_memory_equal(got, want, sizeof want);
	mlab_chain_free(&c);

	write_text(f, "empty.pem", "");
	assert_err(mlab_chain_load(path_in(f, "empty.pem", p, sizeof p), &c), MLAB_E_KEYFILE);
	write_text(f, "junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\nnot pem\n");
	assert_err(mlab_chain_load(path_in(f, "junk.pem", p, sizeof p), &c), MLAB_E_KEYFILE);
	assert_err(mlab_chain_load(path_in(f, "missing.pem", p, sizeof p), &c), MLAB_E_KEYFILE);
	assert_int_equal(c.n, 0);
	/* a directory is not a file of certificates */
	assert_err(mlab_chain_load(f->dir, &c), MLAB_E_KEYFILE);
}

/* A 1 MiB certificate (a private extension of 1 MiB): the u16 of the wire
 * could not even say its length; loading it is refused. */
static void test_chain_load_one_mib_certificate(void **state)
{
	struct fx *f = *state;
	struct mlab_chain c;
	char p[128];
	const size_t big = 1u << 20;
	uint8_t *val = malloc(big);
	assert_non_null(val);
	/* an OCTET STRING of big - 6 bytes, DER with a 4-byte length */
	size_t n = big - 6;
	memset(val, 'A', big);
	val[0] = 0x04;
	val[1] = 0x84;
	val[2] = (uint8_t)(n >> 24);
	val[3] = (uint8_t)(n >> 16);
	val[4] = (uint8_t)(n >> 8);
	val[5] = (uint8_t)n;
	struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);
	X509 *x = issue(f, &s);
	add_ext_resign(x, PRIVATE_OID, 0, val, big, f->pki.inter_key);
	free(val);
	assert_true(i2d_X509(x, NULL) > (int)big);
	X509 *xs[2] = {x, f->pki.inter};
	write_pem(f, "huge.pem", xs, 2);
	assert_err(mlab_chain_load(path_in(f, "huge.pem", p, sizeof p), &c), MLAB_E_TOO_LONG);
	assert_int_equal(c.n, 0);
	/* just over MLAB_MAX_CERT is refused the same way */
	uint8_t pad[8192];
	memset(pad, 0, sizeof pad);
	pad[0] = 0x04;
	pad[1] = 0x82;
	pad[2] = (sizeof pad - 4) >> 8;
	pad[3] = (sizeof pad - 4) & 0xff;
	x = issue(f, &s);
	add_ext_resign(x, PRIVATE_OID, 0, pad, sizeof pad, f->pki.inter_key);
	assert_true(i2d_X509(x, NULL) > MLAB_MAX_CERT);
	xs[0] = x;
	write_pem(f, "over.pem", xs, 1);
	assert_err(mlab_chain_load(path_in(f, "over.pem", p, sizeof p), &c), MLAB_E_TOO_LONG);
}

static void test_trust_load_ca_limits(void **state)
{
	struct fx *f = *state;
	char p[128];
	X509 *roots[MLAB_MAX_ANCHORS + 1];
	EVP_PKEY *k = new_key(f);
	struct mlab_cert_spec s = {.subject_cn = "fx Many Roots",
				   .ca = true,
				   .pathlen = -1,
				   .not_before = f->pki.now - DAY,
				   .not_after = f->pki.now + 365 * DAY,
				   .key = k};

	for (size_t i = 0; i < N_OF(roots); i++)
		roots[i] = issue(f, &s); /* each its own random serial: 65 different certificates */
	write_pem(f, "65.pem", roots, MLAB_MAX_ANCHORS + 1);
	write_pem(f, "64.pem", roots, MLAB_MAX_ANCHORS);

	struct mlab_trust t = {0};
	assert_err(mlab_trust_load_ca(&t, path_in(f, "65.pem", p, sizeof p)), MLAB_E_TOO_LONG);
	mlab_trust_free(&t);
	assert_null(t.store);
	assert_err(mlab_trust_load_ca(&t, path_in(f, "64.pem", p, sizeof p)), 0);
	assert_non_null(t.store);
	mlab_trust_free(&t);

	write_text(f, "none.pem", "");
	assert_err(mlab_trust_load_ca(&t, path_in(f, "none.pem", p, sizeof p)), MLAB_E_KEYFILE);
	mlab_trust_free(&t);
	assert_err(mlab_trust_load_ca(&t, path_in(f, "missing.pem", p, sizeof p)), MLAB_E_KEYFILE);
	assert_null(t.store);

	/* the real root loaded from a file makes the good chain pass */
	write_pem(f, "root.pem", &f->pki.root, 1);
	assert_err(mlab_trust_load_ca(&t, path_in(f, "root.pem", p, sizeof p)), 0);
	t.have_now = true;
	t.now = f->pki.now;
	t.check_name = true;
	snprintf(t.name, sizeof t.name, "%s", CERT_FX_NAME);
	struct mlab_cert_result r;
	int e = verify_leaf(f, &t, f->leaf, &r);
	mlab_trust_free(&t);
	assert_err(e, 0);
}

/* ======================================================================
 * The openssl command agrees
 * ====================================================================== */

/* argv (argv[0] from PATH), stdout and stderr into out; its exit status,
 * 127 when it could not be started. */
static int run(const char *const *argv, char *out, size_t len)
{
	int pfd[2], status;
	size_t got = 0;

	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		char spill[1024];
		ssize_t r = got < len - 1 ? read(pfd[0], out + got, len - 1 - got) : read(pfd[0], spill, sizeof spill);
		if (r <= 0)
			break;
		if (got < len - 1)
			got += (size_t)r;
	}
	out[got] = '\0';
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct xcase {
	const char *name;
	int want;	 /* mlab_cert_verify's answer */
	const char *why; /* in openssl's words, when it refuses */
	void (*edit)(struct mlab_cert_spec *s, long long now);
};

static void x_good(struct mlab_cert_spec *s, long long now)
{
	(void)s;
	(void)now;
}

static void x_expired(struct mlab_cert_spec *s, long long now)
{
	s->not_before = now - 60 * DAY;
	s->not_after = now - DAY;
}

static void x_future(struct mlab_cert_spec *s, long long now)
{
	s->not_before = now + 365 * DAY;
	s->not_after = now + 395 * DAY;
}

static void x_name(struct mlab_cert_spec *s, long long now)
{
	(void)now;
	s->subject_cn = "carol.lab";
	s->san_dns = "carol.lab";
}

static void x_client_only(struct mlab_cert_spec *s, long long now)
{
	(void)now;
	s->server_auth = false;
	s->client_auth = true;
}

static void test_openssl_agrees(void **state)
{
	struct fx *f = *state;
	static const struct xcase cases[] = {
	    {"good", 0, NULL, x_good},
	    {"expired", MLAB_E_CERT_EXPIRED, "certificate has expired", x_expired},
	    {"future", MLAB_E_CERT_NOT_YET, "certificate is not yet valid", x_future},
	    {"name", MLAB_E_CERT_NAME, "hostname mismatch", x_name},
	    {"client-only", MLAB_E_CERT_USAGE, "unsuitable certificate purpose", x_client_only},
	};
	char root_p[128], inter_p[128], leaf_p[128], at[32], out[OUT_CAP];
	struct mlab_trust t = trust_of(f);
	const char *probe[] = {"openssl", "version", NULL};

	if (run(probe, out, sizeof out) != 0)
		fail_msg("test_cert needs the openssl command: run tools/install-deps.sh\n%s", out);
	write_pem(f, "x-root.pem", &f->pki.root, 1);
	write_pem(f, "x-inter.pem", &f->pki.inter, 1);
	path_in(f, "x-root.pem", root_p, sizeof root_p);
	path_in(f, "x-inter.pem", inter_p, sizeof inter_p);
	snprintf(at, sizeof at, "%lld", f->pki.now);
	for (size_t i = 0; i < N_OF(cases); i++) {
		const struct xcase *c = &cases[i];
		struct mlab_cert_spec s = cert_fx_leaf_spec(&f->pki, f->leaf_key);
		struct mlab_cert_result r;
		char name[32];
		c->edit(&s, f->pki.now);
		X509 *leaf = issue(f, &s);
		snprintf(name, sizeof name, "x-%s.pem", c->name);
		write_pem(f, name, &leaf, 1);
		path_in(f, name, leaf_p, sizeof leaf_p);
		const char *argv[] = {"openssl", "verify", "-CAfile",  root_p,	    "-untrusted",	inter_p,
				      "-attime", at,	   "-purpose", "sslserver", "-verify_hostname", CERT_FX_NAME,
				      leaf_p,	 NULL};
		int rc = run(argv, out, sizeof out);
		int e = verify_leaf(f, &t, leaf, &r);
		if (e != c->want)
			fail_msg("%s: mlab_cert_verify says %s, expected %s", c->name, mlab_err_name(e),
				 mlab_err_name(c->want));
		if ((rc == 0) != (e == 0))
			fail_msg("%s: openssl verify exits %d, mlab_cert_verify says %s:\n%s", c->name, rc,
				 mlab_err_name(e), out);
		if (c->why)
			assert_contains(out, c->why);
		else
			assert_contains(out, ": OK");
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_teardown(fn, release)
	const struct CMUnitTest tests[] = {
	    T(test_good_chain_passes_every_check),
	    T(test_good_chain_with_root_sent_along),
	    T(test_real_clock_when_no_now),
	    T(test_chain_leaf_pub_and_check_names),
	    T(test_unknown_root_issuer),
	    T(test_rogue_root_same_name_issuer),
	    T(test_no_trust_store_issuer),
	    T(test_leaf_expired),
	    T(test_leaf_not_yet_valid),
	    T(test_intermediate_expired),
	    T(test_wrong_name),
	    T(test_san_wins_over_common_name),
	    T(test_name_check_off_skipped_and_passes),
	    T(test_client_auth_only_usage),
	    T(test_no_digital_signature_usage),
	    T(test_no_key_usage_extension_passes),
	    T(test_issuer_reported_before_validity_both_recorded),
	    T(test_every_check_fails_first_is_issuer),
	    T(test_name_reported_before_usage),
	    T(test_insecure_changes_nothing_in_the_checks),
	    T(test_random_bytes_parse),
	    T(test_truncated_der_every_length),
	    T(test_trailing_bytes_inside_vec16),
	    T(test_wrong_order_chain),
	    T(test_intermediate_without_ca_issuer),
	    T(test_path_length_exceeded_issuer),
	    T(test_unknown_critical_extension),
	    T(test_non_ed25519_leaf_parse),
	    T(test_chain_count_out_of_range_parse),
	    T(test_info_printable_only),
	    T(test_wire_50_certificates_too_long),
	    T(test_wire_certificate_sizes),
	    T(test_chain_load_limits),
	    T(test_chain_load_one_mib_certificate),
	    T(test_trust_load_ca_limits),
	    T(test_openssl_agrees),
	};
#undef T
	return cmocka_run_group_tests_name("mlab_cert", tests, setup, teardown);
}
