/* Certificate chains and their checks (see mlab_cert.h). */
#include "mlab_cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "mlab_crypto.h"
#include "mlab_err.h"

void mlab_chain_free(struct mlab_chain *c)
{
	for (size_t i = 0; i < c->n; i++)
		OPENSSL_free(c->der[i]);
	memset(c, 0, sizeof *c);
}

int mlab_chain_load(const char *path, struct mlab_chain *c)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	int e = 0;

	memset(c, 0, sizeof *c);
	if (!f)
		return MLAB_E_KEYFILE;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		uint8_t *der = NULL;
		int n = i2d_X509(x, &der);
		X509_free(x);
		if (n <= 0) {
			e = MLAB_E_CRYPTO;
			break;
		}
		if (c->n == MLAB_MAX_CHAIN || (size_t)n > MLAB_MAX_CERT) {
			OPENSSL_free(der);
			e = MLAB_E_TOO_LONG;
			break;
		}
		c->der[c->n] = der;
		c->len[c->n++] = (size_t)n;
	}
	fclose(f);
	if (e == 0 && c->n == 0)
		e = MLAB_E_KEYFILE;
	/* What bob could never send: the whole message must fit its limit. */
	size_t body = 1;
	for (size_t i = 0; i < c->n; i++)
		body += 2 + c->len[i];
	if (e == 0 && body > MLAB_MAX_CERT_BODY)
		e = MLAB_E_TOO_LONG;
	if (e != 0)
		mlab_chain_free(c);
	return e;
}

void mlab_chain_msg(const struct mlab_chain *c, struct mlab_certificate *m)
{
	memset(m, 0, sizeof *m);
	m->n = (uint8_t)c->n;
	for (size_t i = 0; i < c->n; i++) {
		m->der[i] = c->der[i];
		m->len[i] = (uint16_t)c->len[i];
	}
}

/* One whole DER certificate: OpenSSL's d2i_X509 stops at the end of the
 * certificate and ignores what follows, so the end pointer is checked. */
static X509 *parse_der(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (x && p != der + len) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int ed25519_pub(X509 *x, uint8_t pub[32])
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	size_t n = 32;
	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519 || EVP_PKEY_get_raw_public_key(k, pub, &n) != 1 || n != 32)
		return MLAB_E_CERT_PARSE;
	return 0;
}

/* TLS 1.2's key transport needs an RSA leaf; below 2048 bits it is weak. */
static bool rsa_leaf_ok(X509 *x)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	return k && EVP_PKEY_get_id(k) == EVP_PKEY_RSA && EVP_PKEY_get_bits(k) >= 2048;
}

int mlab_chain_leaf_pub(const struct mlab_chain *c, uint8_t pub[32])
{
	if (c->n == 0)
		return MLAB_E_CERT_PARSE;
	X509 *x = parse_der(c->der[0], c->len[0]);
	if (!x)
		return MLAB_E_CERT_PARSE;
	int e = ed25519_pub(x, pub);
	X509_free(x);
	return e;
}

int mlab_trust_load_ca(struct mlab_trust *t, const char *ca_path)
{
	FILE *f = fopen(ca_path, "r");
	X509 *x;
	int n = 0, e = 0;

	if (!f)
		return MLAB_E_KEYFILE;
	if (!t->store && !(t->store = X509_STORE_new())) {
		fclose(f);
		return MLAB_E_NOMEM;
	}
	while (e == 0 && (x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		if (n == MLAB_MAX_ANCHORS)
			e = MLAB_E_TOO_LONG;
		else if (X509_STORE_add_cert(t->store, x) != 1)
			e = MLAB_E_CRYPTO;
		else
			n++;
		X509_free(x);
	}
	fclose(f);
	return e ? e : n ? 0 : MLAB_E_KEYFILE;
}

void mlab_trust_free(struct mlab_trust *t)
{
	X509_STORE_free(t->store);
	t->store = NULL;
}

const char *mlab_cert_check_name(enum mlab_cert_check c)
{
	static const char *const names[MLAB_CC_N] = {"cert-issuer", "cert-validity", "cert-name", "cert-usage"};
	return (unsigned)c < MLAB_CC_N ? names[c] : "?";
}

/* Printable ASCII of whatever the certificate holds (RFC 2253 escapes for
 * the rest), cut to cap. */
static void name_text(const X509_NAME *nm, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	out[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253) >= 0 && (n = BIO_get_mem_data(b, &p)) > 0) {
		size_t k = 0;
		for (long i = 0; i < n && k + 1 < cap; i++)
			out[k++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
		out[k] = '\0';
	}
	BIO_free(b);
}

static void san_text(X509 *x, char *out, size_t cap)
{
	GENERAL_NAMES *gs = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t k = 0;

	out[0] = '\0';
	for (int i = 0; gs && i < sk_GENERAL_NAME_num(gs); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gs, i);
		if (g->type != GEN_DNS)
			continue;
		const unsigned char *s = ASN1_STRING_get0_data(g->d.dNSName);
		int n = ASN1_STRING_length(g->d.dNSName);
		if (k && k + 1 < cap)
			out[k++] = ',';
		for (int j = 0; j < n && k + 1 < cap; j++)
			out[k++] = s[j] >= 0x20 && s[j] < 0x7f ? (char)s[j] : '?';
		out[k] = '\0';
	}
	GENERAL_NAMES_free(gs);
}

static long long asn1_epoch(const ASN1_TIME *t)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (long long)timegm(&tm);
}

static void describe(X509 *x, struct mlab_cert_info *in)
{
	uint8_t pub[32];

	name_text(X509_get_subject_name(x), in->subject, sizeof in->subject);
	name_text(X509_get_issuer_name(x), in->issuer, sizeof in->issuer);
	san_text(x, in->san, sizeof in->san);
	in->not_before = asn1_epoch(X509_get0_notBefore(x));
	in->not_after = asn1_epoch(X509_get0_notAfter(x));
	if (ed25519_pub(x, pub) != 0 || mlab_key_id(pub, sizeof pub, in->key_id) != 0)
		snprintf(in->key_id, sizeof in->key_id, "-");
}

/* RFC 5280 §4.2: a critical extension that is not understood means refusal. */
static bool unknown_critical(X509 *x)
{
	for (int i = 0; i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *ex = X509_get_ext(x, i);
		if (X509_EXTENSION_get_critical(ex) && !X509_supported_extension(ex))
			return true;
	}
	return false;
}

/* Which of the lab's checks an OpenSSL verification error belongs to. */
static enum mlab_cert_check check_of(int verr, int *err)
{
	switch (verr) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		*err = MLAB_E_CERT_EXPIRED;
		return MLAB_CC_VALIDITY;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		*err = MLAB_E_CERT_NOT_YET;
		return MLAB_CC_VALIDITY;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		*err = MLAB_E_CERT_NAME;
		return MLAB_CC_NAME;
	case X509_V_ERR_INVALID_PURPOSE:
		*err = MLAB_E_CERT_USAGE;
		return MLAB_CC_USAGE;
	default: /* unknown issuer, bad signature, not a CA, path length, ... */
		*err = MLAB_E_CERT_ISSUER;
		return MLAB_CC_ISSUER;
	}
}

struct collect {
	struct mlab_cert_result *r;
	int depth[MLAB_CC_N];
	/* The validity of the certificate that failed its check, which need
	 * not be the leaf (an expired intermediate). */
	long long not_before, not_after;
};

/* OpenSSL's callback: record every failure (the first of each check) and
 * carry on, so that the views can show every check, not only the first. */
static int collect_cb(int ok, X509_STORE_CTX *ctx)
{
	struct collect *c = X509_STORE_CTX_get_app_data(ctx);
	if (ok || !c)
		return 1;
	int verr = X509_STORE_CTX_get_error(ctx), err;
	enum mlab_cert_check k = check_of(verr, &err);
	if (c->r->err[k] == 0) {
		c->r->err[k] = err;
		c->depth[k] = X509_STORE_CTX_get_error_depth(ctx);
		X509 *x = X509_STORE_CTX_get_current_cert(ctx);
		if (k == MLAB_CC_VALIDITY && x) {
			c->not_before = asn1_epoch(X509_get0_notBefore(x));
			c->not_after = asn1_epoch(X509_get0_notAfter(x));
		}
		snprintf(c->r->detail[k], sizeof c->r->detail[k], "%s (certificate %d)",
			 X509_verify_cert_error_string(verr), c->depth[k]);
	}
	return 1;
}

static void fmt_day(long long t, char out[24])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, 24, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, 24, "?");
}

/* The details of the checks that passed, and of the usage beyond OpenSSL's
 * purpose check: the leaf must allow digitalSignature (it signs). */
static void finish_details(const struct mlab_trust *t, X509 *leaf, const struct collect *c, struct mlab_cert_result *r)
{
	char nb[24], na[24], now[24], which[32] = "";
	const struct mlab_cert_info *in = &r->info[0];
	int vd = c->depth[MLAB_CC_VALIDITY];

	if (!r->err[MLAB_CC_ISSUER])
		snprintf(r->detail[MLAB_CC_ISSUER], sizeof r->detail[0], "issued by %s, which chains to a trusted root",
			 in->issuer);
	/* A failed validity shows the dates of the certificate that failed. */
	bool other = r->err[MLAB_CC_VALIDITY] && vd != 0;
	fmt_day(other ? c->not_before : in->not_before, nb);
	fmt_day(other ? c->not_after : in->not_after, na);
	fmt_day(r->now, now);
	if (other)
		snprintf(which, sizeof which, "certificate %d ", vd);
	if (!r->err[MLAB_CC_VALIDITY])
		snprintf(r->detail[MLAB_CC_VALIDITY], sizeof r->detail[0], "valid %s .. %s, lab clock %s", nb, na, now);
	else if (r->err[MLAB_CC_VALIDITY] == MLAB_E_CERT_EXPIRED)
		snprintf(r->detail[MLAB_CC_VALIDITY], sizeof r->detail[0], "expired: %svalid %s .. %s, lab clock %s",
			 which, nb, na, now);
	else
		snprintf(r->detail[MLAB_CC_VALIDITY], sizeof r->detail[0],
			 "not yet valid: %svalid %s .. %s, lab clock %s", which, nb, na, now);
	if (r->skipped[MLAB_CC_NAME])
		snprintf(r->detail[MLAB_CC_NAME], sizeof r->detail[0],
			 "NOT CHECKED (weakened): wanted %s, certificate names %s", t->name,
			 in->san[0] ? in->san : in->subject);
	else
		snprintf(r->detail[MLAB_CC_NAME], sizeof r->detail[0], "wanted %s, certificate names %s", t->name,
			 in->san[0] ? in->san : in->subject);
	uint32_t ku = X509_get_key_usage(leaf);
	if (!r->err[MLAB_CC_USAGE] && ku != UINT32_MAX && !(ku & KU_DIGITAL_SIGNATURE))
		r->err[MLAB_CC_USAGE] = MLAB_E_CERT_USAGE;
	snprintf(r->detail[MLAB_CC_USAGE], sizeof r->detail[0], "%s",
		 r->err[MLAB_CC_USAGE] ? "not for a TLS-style server: serverAuth or digitalSignature missing"
				       : "serverAuth, digitalSignature");
}

static int verify_chain(const struct mlab_trust *t, X509 *const *xs, size_t n, struct collect *c)
{
	X509_STORE *store = t->store ? t->store : X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *rest = sk_X509_new_null();
	int e = MLAB_E_CRYPTO;

	if (!store || !ctx || !rest)
		goto out;
	for (size_t i = 1; i < n; i++)
		if (!sk_X509_push(rest, xs[i]))
			goto out;
	if (X509_STORE_CTX_init(ctx, store, xs[0], rest) != 1)
		goto out;
	X509_VERIFY_PARAM *vp = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_time(vp, (time_t)c->r->now);
	if (t->check_name && X509_VERIFY_PARAM_set1_host(vp, t->name, 0) != 1)
		goto out;
	if (X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER) != 1)
		goto out;
	X509_STORE_CTX_set_app_data(ctx, c);
	X509_STORE_CTX_set_verify_cb(ctx, collect_cb);
	/* With the callback carrying on, the result is in r->err; a negative
	 * return is OpenSSL's own failure. */
	if (X509_verify_cert(ctx) >= 0)
		e = 0;
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(rest); /* the certificates are the caller's */
	if (store != t->store)
		X509_STORE_free(store);
	return e;
}

int mlab_cert_verify(const struct mlab_trust *t, const struct mlab_certificate *m, struct mlab_cert_result *r)
{
	X509 *xs[MLAB_MAX_CHAIN] = {0};
	int e = 0;

	memset(r, 0, sizeof *r);
	r->now = t->have_now ? t->now : (long long)time(NULL);
	if (m->n == 0 || m->n > MLAB_MAX_CHAIN)
		return MLAB_E_CERT_PARSE;
	for (size_t i = 0; i < m->n; i++) {
		if (!(xs[i] = parse_der(m->der[i], m->len[i]))) {
			e = MLAB_E_CERT_PARSE;
			goto out;
		}
		describe(xs[i], &r->info[i]);
		r->n = i + 1;
	}
	if ((e = ed25519_pub(xs[0], r->leaf_pub)) != 0 && !(t->rsa_leaf && rsa_leaf_ok(xs[0])))
		goto out;
	e = 0;
	/* Leaf first, each certificate issued (by name) by the next: the order
	 * is the sender's to get right, as TLS 1.3 §4.4.2 asks. */
	for (size_t i = 1; i < m->n; i++)
		if (X509_NAME_cmp(X509_get_issuer_name(xs[i - 1]), X509_get_subject_name(xs[i])) != 0) {
			e = MLAB_E_CERT_ORDER;
			goto out;
		}
	for (size_t i = 0; i < m->n; i++)
		if (unknown_critical(xs[i])) {
			e = MLAB_E_CERT_CRITICAL;
			goto out;
		}
	r->skipped[MLAB_CC_NAME] = !t->check_name;
	struct collect c = {.r = r};
	if ((e = verify_chain(t, xs, m->n, &c)) != 0)
		goto out;
	finish_details(t, xs[0], &c, r);
	for (int k = 0; k < MLAB_CC_N && !e; k++)
		e = r->err[k];
out:
	for (size_t i = 0; i < m->n; i++)
		X509_free(xs[i]);
	return e;
}
